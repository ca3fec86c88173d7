//! The identifiers a person is found by (NIK, phone, email) and their
//! canonical form: the blind index is computed over this form, so the same
//! person written two ways ("+62 812-3456", "0812 3456") is found either way.

/// Which identifier a look-up or an index value is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    IdNumber,
    Phone,
    Email,
}

impl IdentityKind {
    pub const ALL: [IdentityKind; 3] = [
        IdentityKind::IdNumber,
        IdentityKind::Phone,
        IdentityKind::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::IdNumber => "id_number",
            IdentityKind::Phone => "phone",
            IdentityKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        IdentityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The canonical form of an identifier, `None` when nothing is left of it.
/// - id number: letters and digits, upper case (a NIK is 16 digits; a
///   passport number has letters);
/// - phone: digits, an international `62` prefix written as the national `0`;
/// - email: trimmed, lower case.
pub fn normalize(kind: IdentityKind, value: &str) -> Option<String> {
    let out = match kind {
        IdentityKind::IdNumber => value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>(),
        IdentityKind::Phone => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            match digits.strip_prefix("62") {
                Some(rest) if !rest.is_empty() => format!("0{rest}"),
                _ => digits,
            }
        }
        IdentityKind::Email => value.trim().to_lowercase(),
    };
    (!out.is_empty()).then_some(out)
}

/// A file name that says it is an identity document (a KTP, a passport, a
/// family card): such a file of an anonymous complaint is shown only to
/// those who may see the reporter's identity. Uploads through the API say
/// so explicitly (`identity=true`).
pub fn looks_like_identity_document(file_name: &str) -> bool {
    let n = file_name.to_lowercase();
    let words: Vec<&str> = n.split(|c: char| !c.is_alphanumeric()).collect();
    words.iter().any(|w| {
        matches!(
            *w,
            "ktp" | "ektp" | "identitas" | "paspor" | "passport" | "kk"
        )
    }) || n.contains("kartu tanda penduduk")
        || n.contains("kartu keluarga")
}

/// What replaces a person's identifiers in free text once erased.
pub const REDACTED: &str = "[dihapus]";

/// Replaces every occurrence of the needles (case-insensitively where the
/// lower-case form keeps its length) with `[dihapus]`; needles shorter than
/// 4 characters are ignored (they would hit ordinary words).
pub fn redact(text: &str, needles: &[String]) -> String {
    let mut out = text.to_string();
    for n in needles
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 4)
    {
        let lower_out = out.to_lowercase();
        let lower_n = n.to_lowercase();
        if lower_out.len() == out.len() && lower_n.len() == n.len() {
            let mut result = String::with_capacity(out.len());
            let mut i = 0;
            while let Some(pos) = lower_out[i..].find(&lower_n) {
                result.push_str(&out[i..i + pos]);
                result.push_str(REDACTED);
                i += pos + n.len();
            }
            result.push_str(&out[i..]);
            out = result;
        } else {
            out = out.replace(n, REDACTED);
        }
    }
    redact_digit_runs(&out, needles)
}

/// Numbers written with separators ("0813-5555-7777", "+62 813 5555 7777",
/// "5371 0141 0190 0001"): every run of digits joined by spaces, dashes,
/// dots, slashes or brackets whose digits hold one of the needles' digits
/// (a needle with at least 8 digits, in its canonical phone form too) is
/// replaced whole.
fn redact_digit_runs(text: &str, needles: &[String]) -> String {
    let mut targets: Vec<String> = Vec::new();
    for n in needles {
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        // only needles that are numbers (not an address with a house number)
        let mostly_digits = digits.len() * 2 > n.chars().filter(|c| !c.is_whitespace()).count();
        if digits.len() < 8 || !mostly_digits {
            continue;
        }
        if let Some(p) = normalize(IdentityKind::Phone, &digits) {
            targets.push(p.trim_start_matches('0').to_string());
        }
        targets.push(digits);
    }
    targets.retain(|t| t.len() >= 8);
    if targets.is_empty() {
        return text.to_string();
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let is_sep = |c: char| matches!(c, ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}');
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // byte offset copied so far
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let plus = c == '+' && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit());
        if !(c.is_ascii_digit() || plus) {
            i += 1;
            continue;
        }
        // extend over digits, and separators followed (soon) by a digit
        let mut j = i + usize::from(plus);
        let mut last_digit = j;
        while j < chars.len() {
            let (_, d) = chars[j];
            if d.is_ascii_digit() {
                last_digit = j;
                j += 1;
            } else if is_sep(d)
                && j + 1 < chars.len()
                && (chars[j + 1].1.is_ascii_digit()
                    || is_sep(chars[j + 1].1)
                        && chars.get(j + 2).is_some_and(|x| x.1.is_ascii_digit()))
            {
                j += 1;
            } else {
                break;
            }
        }
        let end = chars.get(last_digit + 1).map_or(text.len(), |(b, _)| *b);
        let run = &text[start..end];
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        if targets.iter().any(|t| digits.contains(t.as_str())) {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        i = last_digit + 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// The forms a person's identifiers may appear in within free text: as
/// given, and the canonical phone number.
pub fn needles(r: &crate::domain::Reporter) -> Vec<String> {
    let mut v: Vec<String> = [&r.name, &r.id_number, &r.phone, &r.email, &r.address]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if let Some(p) = r
        .phone
        .as_deref()
        .and_then(|p| normalize(IdentityKind::Phone, p))
    {
        v.push(p);
    }
    // longest first, so a name inside an address goes with the address
    v.sort_by_key(|n| std::cmp::Reverse(n.len()));
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_written_two_ways_has_one_canonical_form() {
        let p = |s| normalize(IdentityKind::Phone, s);
        assert_eq!(p("+62 812-3456-7890"), p("0812 3456 7890"));
        assert_eq!(p("0812 3456 7890").as_deref(), Some("081234567890"));
        let e = |s| normalize(IdentityKind::Email, s);
        assert_eq!(e(" Dewi@Example.ID "), e("dewi@example.id"));
        let n = |s| normalize(IdentityKind::IdNumber, s);
        assert_eq!(n("3201 0123 4567 0001"), n("3201012345670001"));
        assert_eq!(n("a1234567").as_deref(), Some("A1234567"));
        assert_eq!(n(" - "), None);
        assert_eq!(IdentityKind::parse("phone"), Some(IdentityKind::Phone));
    }

    #[test]
    fn redaction_removes_every_form_of_the_identifiers() {
        let r = crate::domain::Reporter {
            name: Some("Dewi Lestari".into()),
            phone: Some("+62 812-3456-7890".into()),
            ..Default::default()
        };
        let text = "Salam, DEWI LESTARI (0812 dan 081234567890). Dewi Lestari.";
        assert_eq!(
            redact(text, &needles(&r)),
            "Salam, [dihapus] (0812 dan [dihapus]). [dihapus]."
        );
        assert_eq!(redact("Ibu Ana", &["Ana".into()]), "Ibu Ana");
    }

    #[test]
    fn numbers_are_redacted_in_every_spelling() {
        let r = crate::domain::Reporter {
            name: Some("Maria Goreti".into()),
            phone: Some("081355557777".into()),
            id_number: Some("5371014101900001".into()),
            address: Some("Jl. Timor Raya 12, RT 003/RW 004".into()),
            ..Default::default()
        };
        let text = "HP 0813-5555-7777, +62 813 5555 7777, (0813) 5555.7777 atau \
                    6281355557777; NIK 5371 0141 0190 0001 / 5371-0141-0190-0001. \
                    Bantuan Rp 600.000 sejak 2024, rumah no. 12.";
        let out = redact(text, &needles(&r));
        for gone in ["5555", "7777", "0141", "0190"] {
            assert!(!out.contains(gone), "{gone} left in: {out}");
        }
        // other numbers stay
        assert!(
            out.contains("600.000") && out.contains("2024") && out.contains("12."),
            "{out}"
        );
        assert_eq!(out.matches(REDACTED).count(), 6, "{out}");
    }

    #[test]
    fn identity_documents_are_recognised_by_name() {
        assert!(looks_like_identity_document("KTP Dewi.jpg"));
        assert!(looks_like_identity_document("scan_e-ktp_2026.pdf"));
        assert!(looks_like_identity_document("Kartu Keluarga.png"));
        assert!(!looks_like_identity_document("foto jalan rusak.jpg"));
        assert!(!looks_like_identity_document("laktpsi.pdf"));
    }
}
