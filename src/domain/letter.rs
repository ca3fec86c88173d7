//! The answer letter as the Tata Naskah Dinas frames it (issue 36): its
//! number from the office's pattern, and what the drafter writes — the
//! body only; the salutation and the closing are the template's.

use chrono::{Datelike, NaiveDate};

/// Roman numerals of the months, as letter numbers write them.
const ROMAN: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

/// Whether a pattern can number letters: it carries the sequence and the
/// year (the sequence starts again each year) and only the placeholders
/// [`letter_number`] knows.
pub fn valid_pattern(p: &str) -> bool {
    if !(p.contains("{seq}") || p.contains("{seq3}"))
        || !p.contains("{year}")
        || p.len() > 120
        || p.chars().any(char::is_control)
    {
        return false;
    }
    let mut rest = p;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else {
            return false;
        };
        let name = &rest[i + 1..i + j];
        if !matches!(name, "seq" | "seq3" | "month" | "month_roman" | "year") {
            return false;
        }
        rest = &rest[i + j + 1..];
    }
    !rest.contains('}')
}

/// The number of the `seq`-th letter of its year, dated `date`:
/// `{seq}` (1, 2, …), `{seq3}` (001), `{month}` (1–12), `{month_roman}`
/// (I–XII), `{year}`. E.g. `460/{seq}/DINSOS/{month_roman}/{year}` →
/// `460/17/DINSOS/XII/2026`.
pub fn letter_number(pattern: &str, seq: i64, date: NaiveDate) -> String {
    pattern
        .replace("{seq3}", &format!("{seq:03}"))
        .replace("{seq}", &seq.to_string())
        .replace("{month_roman}", ROMAN[date.month0() as usize])
        .replace("{month}", &date.month().to_string())
        .replace("{year}", &date.year().to_string())
}

/// Whether a draft opens with its own salutation or address block ("Yth.",
/// "Dengan hormat", "Kepada"): the letter and the email already carry one.
pub fn opens_with_salutation(body: &str) -> bool {
    let first = body
        .trim_start()
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase();
    [
        "yth",
        "kepada yth",
        "kepada",
        "dengan hormat",
        "salam",
        "assalamu",
        "bapak/ibu yth",
    ]
    .iter()
    .any(|p| first.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_pattern() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(
            letter_number("460/{seq}/DINSOS/{month_roman}/{year}", 17, d),
            "460/17/DINSOS/XII/2026"
        );
        assert_eq!(letter_number("{seq3}.{month}.{year}", 5, d), "005.12.2026");
        assert!(valid_pattern("460/{seq}/DINSOS/{month_roman}/{year}"));
        assert!(!valid_pattern("460/DINSOS/{year}"), "no sequence");
        assert!(
            !valid_pattern("460/{seq}/DINSOS"),
            "no year: numbers would repeat"
        );
        assert!(!valid_pattern("{seq}/{bulan}"), "unknown placeholder");
        assert!(!valid_pattern("{seq}/{year"), "unclosed");
    }

    #[test]
    fn a_salutation_at_the_top_is_noticed() {
        assert!(opens_with_salutation(
            "Yth. Bapak Agustinus,\n\nBantuan cair."
        ));
        assert!(opens_with_salutation("  Dengan hormat,\nkami sampaikan"));
        assert!(!opens_with_salutation(
            "Bantuan Bapak cair pada 15 Desember."
        ));
        assert!(!opens_with_salutation(""));
    }
}
