//! A token bucket per client address (or another key: the guest book's
//! device), in memory. Good for one replica; with several replicas each
//! enforces its own share (noted in the ADR).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter<K = IpAddr> {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

const MAX_TRACKED: usize = 100_000;

impl<K: Eq + Hash> RateLimiter<K> {
    pub fn per_minute(n: u32) -> Self {
        let capacity = f64::from(n.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `n` an hour, all of them at once at most (the web complaint form).
    pub fn per_hour(n: u32) -> Self {
        let capacity = f64::from(n.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / 3600.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok(())` if `client` may go ahead now, else `Err(seconds to wait)`.
    pub fn check(&self, client: K) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    pub fn check_at(&self, client: K, now: Instant) -> Result<(), u64> {
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= MAX_TRACKED {
            let (cap, rate) = (self.capacity, self.per_second);
            map.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < cap
            });
        }
        let (tokens, at) = map.entry(client).or_insert((self.capacity, now));
        let refilled = (*tokens
            + now.saturating_duration_since(*at).as_secs_f64() * self.per_second)
            .min(self.capacity);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_client_gets_its_quota_then_waits_and_others_are_unaffected() {
        let l = RateLimiter::per_minute(3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check_at(a, t0).is_ok());
        }
        assert_eq!(l.check_at(a, t0), Err(20));
        assert!(l.check_at(b, t0).is_ok());
        assert!(l.check_at(a, t0 + Duration::from_secs(20)).is_ok());
        assert!(l.check_at(a, t0 + Duration::from_secs(20)).is_err());
    }
}
