//! Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex of
//! HMAC-SHA256(app secret, raw body)>`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header value Meta sends for `body`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Does the header carry the signature of `body`? Compared in constant time.
pub fn verify(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2_and_a_meta_delivery() {
        // RFC 4231 test case 2 (HMAC-SHA256, key "Jefe")
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // a delivery in Meta's shape, signed as Meta signs it (the value
        // computed independently with Python's hmac module)
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}"#;
        let expected = "sha256=9b3095ea17b32d3b8da63ee695b5fa73ba2f34eb43bb09e4d11b3f80f7acd700";
        assert_eq!(sign("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", body), expected);
        assert!(verify(
            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
            body,
            Some(expected)
        ));
        assert!(!verify("another secret", body, Some(expected)));
        assert!(!verify(
            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
            &body[1..],
            Some(expected)
        ));
        assert!(!verify("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", body, None));
        assert!(!verify(
            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
            body,
            Some("sha1=abc")
        ));
        assert!(!verify(
            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
            body,
            Some("sha256=zz")
        ));
    }
}
