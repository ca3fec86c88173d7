//! The public access code a complainant uses to check a complaint's status.
//!
//! 16 symbols of Crockford base32 (80 bits): guessing one is hopeless even
//! without the per-client rate limit on the public endpoint. Only a SHA-256
//! digest is stored.

use rand::Rng;
use sha2::{Digest, Sha256};

/// Compares two secrets (tokens, tags, digests) in time that does not
/// depend on where they differ; different lengths are unequal.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 16;

#[derive(Clone, PartialEq, Eq)]
pub struct AccessCode(String);

impl AccessCode {
    /// A fresh random code, formatted `XXXX-XXXX-XXXX-XXXX` for reading aloud.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let raw: String = (0..LEN)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        AccessCode(raw)
    }

    /// The code a keyed tag gives (its first 80 bits, five per symbol): a
    /// code the office can give again in a later message without keeping
    /// it (ADR 0035). `tag` has at least 10 bytes.
    pub fn from_tag(tag: &[u8]) -> Self {
        let mut bits: u128 = 0;
        for b in tag.iter().take(10) {
            bits = (bits << 8) | u128::from(*b);
        }
        let raw: String = (0..LEN)
            .map(|i| ALPHABET[((bits >> (75 - 5 * i)) & 31) as usize] as char)
            .collect();
        AccessCode(raw)
    }

    /// Accepts what a person might type: any case, dashes or spaces, and the
    /// Crockford look-alikes (O→0, I/L→1). Returns `None` if it cannot be a code.
    pub fn parse(input: &str) -> Option<Self> {
        let mut out = String::with_capacity(LEN);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            out.push(c);
        }
        (out.len() == LEN).then_some(AccessCode(out))
    }

    /// The form shown to the complainant.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Hex SHA-256 of the normalised code: what the store keeps.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for AccessCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back_in_any_typed_form() {
        let code = AccessCode::generate();
        let shown = code.display();
        assert_eq!(shown.len(), 19);
        assert_eq!(AccessCode::parse(&shown), Some(code.clone()));
        assert_eq!(
            AccessCode::parse(&shown.to_lowercase().replace('-', " ")),
            Some(code)
        );
    }

    #[test]
    fn look_alikes_map_to_the_same_digest() {
        let a = AccessCode::parse("0000-1111-1111-3333").map(|c| c.digest());
        let b = AccessCode::parse("oooo-iiii-llll-3333").map(|c| c.digest());
        assert_eq!(a, b);
    }

    #[test]
    fn wrong_lengths_and_symbols_are_refused() {
        assert!(AccessCode::parse("ABCD").is_none());
        // a tag's code: its 80 bits, five per symbol, and a valid code
        let t = AccessCode::from_tag(&[0xff; 10]);
        assert_eq!(t.display(), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let t = AccessCode::from_tag(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 33]);
        assert_eq!(t.display(), "0000-0000-0000-0011");
        assert_eq!(AccessCode::parse(&t.display()), Some(t));
        assert!(AccessCode::parse("ABCD-ABCD-ABCD-ABCU").is_none());
        assert!(AccessCode::parse("ABCD-ABCD-ABCD-ABCD-A").is_none());
    }
}
