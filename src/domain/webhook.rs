//! Webhooks for integrators (ADR 0023): which timeline events an
//! integration key can subscribe to, how a delivery is signed, how often it
//! is tried. Pure: the store queues, `crate::webhooks` delivers.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::ValidationErrors;

/// A complaint the key filed was registered.
pub const REGISTERED: &str = "complaint.registered";
/// Its public status changed (forwarded, disposed, approved, closed, …).
pub const STATUS_CHANGED: &str = "complaint.status_changed";
/// The answer was dispatched to the complainant (the payload carries it).
pub const ANSWERED: &str = "complaint.answered";
/// It was reopened.
pub const REOPENED: &str = "complaint.reopened";
/// Its deadline moved: the clock paused or resumed, an extension, a
/// calendar change.
pub const DEADLINE_CHANGED: &str = "complaint.deadline_changed";

/// Every event type, in the order the documentation lists them.
pub const EVENTS: [&str; 5] = [
    REGISTERED,
    STATUS_CHANGED,
    ANSWERED,
    REOPENED,
    DEADLINE_CHANGED,
];

/// The webhook event a timeline event kind raises, if any. Only what the
/// complainant may see raises one: the internal workflow never leaves.
pub fn event_for(kind: &str) -> Option<&'static str> {
    match kind {
        "registered" => Some(REGISTERED),
        "answered" => Some(ANSWERED),
        "reopened" => Some(REOPENED),
        "clock_paused" | "clock_resumed" | "deadline_extended" | "deadline_changed" => {
            Some(DEADLINE_CHANGED)
        }
        "forwarded_to_head" | "disposed" | "answer_approved" | "closed" | "redirected"
        | "merged" | "rejected" => Some(STATUS_CHANGED),
        _ => None,
    }
}

/// Attempts before a delivery is parked (about 16 hours of backoff).
pub const MAX_ATTEMPTS: i32 = 14;

/// Seconds to wait after the `attempts`-th failed attempt: 15 s doubling,
/// at most 4 h.
pub fn backoff_secs(attempts: i32) -> i64 {
    let n = attempts.clamp(1, 20) as u32 - 1;
    (15_i64 << n.min(10)).min(4 * 3600)
}

/// The header value `webhook-signature` carries: `v1,` and the base64
/// HMAC-SHA256 of `"{id}.{timestamp}.{body}"` keyed with the secret's
/// bytes (the part after `whsec_`, base64-decoded) — the Standard Webhooks
/// scheme, so receivers can use its published libraries.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("v1,{}", b64.encode(mac.finalize().into_bytes())))
}

/// A new secret from 32 random bytes.
pub fn new_secret(bytes: [u8; 32]) -> String {
    use base64::Engine;
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A subscription as a client asks for it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub url: String,
    pub events: Vec<String>,
}

/// Checks `url` (http or https, a host, no credentials, no fragment, at
/// most 2,000 characters) and `events` (known types, at least one; none
/// given means all).
pub fn parse_subscription(
    url: Option<&str>,
    events: Option<&[String]>,
) -> Result<Subscription, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let url = url.map(str::trim).unwrap_or("");
    if url.is_empty() {
        e.push("url", "required");
    } else if !valid_url(url) {
        e.push(
            "url",
            "must be an http or https URL with a host, without credentials, a fragment or spaces, at most 2000 characters",
        );
    }
    let events: Vec<String> = match events {
        None => EVENTS.iter().map(|s| s.to_string()).collect(),
        Some([]) => {
            e.push("events", "at least one event type");
            Vec::new()
        }
        Some(list) => {
            for (i, ev) in list.iter().enumerate() {
                if !EVENTS.contains(&ev.as_str()) {
                    e.push(
                        format!("events[{i}]"),
                        format!("must be one of: {}", EVENTS.join(", ")),
                    );
                }
            }
            let mut v: Vec<String> = list.to_vec();
            v.sort();
            v.dedup();
            v
        }
    };
    e.into_result(Subscription {
        url: url.to_string(),
        events,
    })
}

/// Is `ip` an address a webhook must never reach (ADR 0015, "Webhook
/// targets")? Loopback, unspecified, private (RFC 1918, ULA), link-local
/// (the cloud metadata services at 169.254.169.254 and fd00:ec2::254
/// included), shared/CGNAT (100.64.0.0/10, Alibaba's metadata at
/// 100.100.100.200), multicast, broadcast, reserved and documentation
/// ranges, and IPv6 forms that carry such an IPv4 address (mapped,
/// NAT64, 6to4).
pub fn internal_address(ip: std::net::IpAddr) -> bool {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    fn v4(a: Ipv4Addr) -> bool {
        let o = a.octets();
        a.is_loopback()
            || a.is_private()
            || a.is_link_local()
            || a.is_multicast()
            || a.is_broadcast()
            || a.is_unspecified()
            || a.is_documentation()
            || o[0] == 0 // "this network"
            || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space (CGNAT)
            || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
            || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
            || o[0] >= 240 // reserved
    }
    fn v6(a: Ipv6Addr) -> bool {
        let s = a.segments();
        if let Some(m) = a.to_ipv4_mapped() {
            return v4(m);
        }
        let embedded =
            |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
        a.is_loopback()
            || a.is_unspecified()
            || a.is_multicast()
            || (s[0] & 0xfe00) == 0xfc00 // unique local (fc00::/7)
            || (s[0] & 0xffc0) == 0xfe80 // link-local
            || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
            || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
            || (s[0] == 0x0064 && s[1] == 0xff9b && v4(embedded(s[6], s[7]))) // NAT64
            || (s[0] == 0x2002 && v4(embedded(s[1], s[2]))) // 6to4
            || (s[0..6] == [0, 0, 0, 0, 0, 0] && v4(embedded(s[6], s[7]))) // IPv4-compatible
    }
    match ip {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => v6(a),
    }
}

fn valid_url(url: &str) -> bool {
    if url.chars().count() > 2000
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#')
    {
        return false;
    }
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(':') {
            h
        } else {
            authority
        }
    });
    !authority.contains('@') && !host.is_empty()
}

#[cfg(test)]
mod tests {
    #[test]
    fn internal_addresses_are_recognised_in_every_spelling() {
        for a in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.0.0.5",
            "172.16.3.4",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.10",
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:a00:1::",
            "::7f00:1",
            "2001:db8::1",
        ] {
            let ip: std::net::IpAddr = a.parse().unwrap();
            assert!(super::internal_address(ip), "{a} is internal");
        }
        for a in [
            "8.8.8.8",
            "103.10.20.30",
            "172.32.0.1",
            "100.128.0.1",
            "2404:6800:4003::200e",
            "64:ff9b::808:808",
        ] {
            let ip: std::net::IpAddr = a.parse().unwrap();
            assert!(!super::internal_address(ip), "{a} is public");
        }
    }

    use super::*;

    #[test]
    fn only_public_events_raise_a_webhook() {
        assert_eq!(event_for("registered"), Some(REGISTERED));
        assert_eq!(event_for("answered"), Some(ANSWERED));
        assert_eq!(event_for("clock_paused"), Some(DEADLINE_CHANGED));
        assert_eq!(event_for("closed"), Some(STATUS_CHANGED));
        for internal in ["answer_drafted", "answer_submitted", "note_added", "read"] {
            assert_eq!(event_for(internal), None, "{internal}");
        }
        // every event raising one is also on the public timeline
        for k in [
            "registered",
            "answered",
            "reopened",
            "clock_paused",
            "clock_resumed",
            "deadline_extended",
            "deadline_changed",
            "forwarded_to_head",
            "disposed",
            "answer_approved",
            "closed",
            "redirected",
            "merged",
            "rejected",
        ] {
            assert!(event_for(k).is_some());
            assert!(super::super::public_event_description(k).is_some(), "{k}");
        }
    }

    #[test]
    fn the_signature_is_the_standard_webhooks_one() {
        // the example of the Standard Webhooks specification
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("no-prefix", "x", 1, b""), None);
    }

    #[test]
    fn backoff_doubles_and_stops_at_four_hours() {
        assert_eq!(backoff_secs(1), 15);
        assert_eq!(backoff_secs(2), 30);
        assert_eq!(backoff_secs(3), 60);
        assert_eq!(backoff_secs(12), 4 * 3600);
        let total: i64 = (1..MAX_ATTEMPTS).map(backoff_secs).sum();
        assert!(total > 12 * 3600 && total < 24 * 3600, "{total}");
    }

    #[test]
    fn subscriptions_are_checked() {
        let s = parse_subscription(Some("https://sipd.example.go.id/hook?x=1"), None).unwrap();
        assert_eq!(s.events.len(), 5);
        let s = parse_subscription(
            Some("http://127.0.0.1:9000/h"),
            Some(&[ANSWERED.to_string(), ANSWERED.to_string()]),
        )
        .unwrap();
        assert_eq!(s.events, vec![ANSWERED.to_string()]);
        for bad in [
            "ftp://x/y",
            "https://",
            "https://user:pw@host/",
            "https://host/#frag",
            "https://ho st/",
            "javascript:alert(1)",
        ] {
            let e = parse_subscription(Some(bad), None).unwrap_err();
            assert_eq!(e.0[0].field, "url", "{bad}");
        }
        let e =
            parse_subscription(Some("https://h/"), Some(&["complaint.eaten".into()])).unwrap_err();
        assert_eq!(e.0[0].field, "events[0]");
        let e = parse_subscription(None, Some(&[])).unwrap_err();
        assert_eq!(e.0.len(), 2);
    }
}
