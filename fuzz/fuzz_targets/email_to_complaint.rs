//! Any bytes through the message-to-complaint mapping: never a panic.
//! `cargo +nightly fuzz run email_to_complaint -- -max_total_time=120`
#![no_main]

use aduan::intake::email::mapping::{Classified, classify, to_complaint, tracking_numbers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Classified::Mail(p)) = classify(data, 1 << 20, 64 << 10) {
        let _ = tracking_numbers(&p.subject);
        let _ = to_complaint(&p, chrono::Utc::now());
    }
});
