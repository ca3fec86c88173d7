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
    fn identity_documents_are_recognised_by_name() {
        assert!(looks_like_identity_document("KTP Dewi.jpg"));
        assert!(looks_like_identity_document("scan_e-ktp_2026.pdf"));
        assert!(looks_like_identity_document("Kartu Keluarga.png"));
        assert!(!looks_like_identity_document("foto jalan rusak.jpg"));
        assert!(!looks_like_identity_document("laktpsi.pdf"));
    }
}
