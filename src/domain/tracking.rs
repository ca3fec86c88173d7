//! Tracking numbers: `PREFIX-YYYY-NNNNNN`, a per-office, per-year sequence.

use std::fmt;

/// The office's tracking-number prefix: 2 to 10 upper-case letters or digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingPrefix(String);

impl TrackingPrefix {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (2..=10).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(TrackingPrefix(s.to_string()))
        } else {
            Err("must be 2 to 10 characters, upper-case letters A-Z or digits".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    pub fn new(prefix: &TrackingPrefix, year: i32, sequence: i64) -> Self {
        TrackingNumber(format!("{}-{year:04}-{sequence:06}", prefix.as_str()))
    }

    /// Parses what a complainant types (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let mut parts = s.rsplitn(3, '-');
        let seq = parts.next()?;
        let year = parts.next()?;
        let prefix = parts.next()?;
        let valid = TrackingPrefix::parse(prefix).is_ok()
            && year.len() == 4
            && year.chars().all(|c| c.is_ascii_digit())
            && seq.len() >= 6
            && seq.len() <= 12
            && seq.chars().all(|c| c.is_ascii_digit());
        valid.then_some(TrackingNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_zero_padding_and_parses_back() {
        let p = TrackingPrefix::parse("DINSOS").unwrap();
        let t = TrackingNumber::new(&p, 2026, 42);
        assert_eq!(t.as_str(), "DINSOS-2026-000042");
        assert_eq!(TrackingNumber::parse(" dinsos-2026-000042 "), Some(t));
        assert_eq!(
            TrackingNumber::new(&p, 2026, 1_234_567).as_str(),
            "DINSOS-2026-1234567"
        );
    }

    #[test]
    fn rejects_bad_prefixes_and_numbers() {
        assert!(TrackingPrefix::parse("d").is_err());
        assert!(TrackingPrefix::parse("dinsos").is_err());
        assert!(TrackingPrefix::parse("DIN-SOS").is_err());
        assert!(TrackingNumber::parse("DINSOS-26-000001").is_none());
        assert!(TrackingNumber::parse("DINSOS-2026-1").is_none());
        assert!(TrackingNumber::parse("' OR 1=1 --").is_none());
    }
}
