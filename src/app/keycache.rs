//! API-key look-ups cached in the process (issue 19, ADR 0026).
//! This process forgets them itself when it changes a key or an officer.
//!
//! Every bearer request used to look its key up first (a join of three
//! tables). Now a process keeps what a key resolved to, and drops all of it
//! when the database's `credential_generation` moves — triggers move it on
//! any change to a key, an officer or a position. The counter is read at
//! most every `CHECK_EVERY`, by the first request after that, so a
//! revocation on any replica holds everywhere within about half a second;
//! when the counter cannot be read, neither is the cache trusted (the
//! request fails as the look-up would). Misses are not cached: a new key
//! works at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::{Actor, ApiKey, Store, StoreError};

/// How old the last read of the counter may be.
pub const CHECK_EVERY: Duration = Duration::from_millis(500);
/// How long an entry is used at most (whatever the counter says).
const ENTRY_TTL: Duration = Duration::from_secs(60);
/// Keys kept at most (an office has dozens; past this the cache starts over).
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct KeyCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: Option<i64>,
    checked_at: Option<Instant>,
    entries: HashMap<String, (Actor, Instant)>,
}

fn actor_of(key: ApiKey) -> Actor {
    Actor {
        key_id: Some(key.id),
        name: key.name,
        role: key.role,
        officer: key.officer,
    }
}

impl KeyCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets everything: this process changed a key, an officer or a
    /// position (other processes see the counter move).
    pub fn forget(&self) {
        let mut g = self.lock();
        g.entries.clear();
        g.checked_at = None;
    }

    /// The actor of a live key with this token digest.
    pub async fn actor(
        &self,
        store: &dyn Store,
        digest: &str,
    ) -> Result<Option<Actor>, StoreError> {
        let due = self
            .lock()
            .checked_at
            .is_none_or(|t| t.elapsed() >= CHECK_EVERY);
        if due {
            let n = store.credential_generation().await?;
            let mut g = self.lock();
            if g.generation != Some(n) {
                g.entries.clear();
                g.generation = Some(n);
            }
            g.checked_at = Some(Instant::now());
        }
        let generation = {
            let g = self.lock();
            if let Some((actor, at)) = g.entries.get(digest)
                && at.elapsed() < ENTRY_TTL
            {
                return Ok(Some(actor.clone()));
            }
            g.generation
        };
        let found = store.find_api_key(digest).await?.map(actor_of);
        if let Some(actor) = &found {
            let mut g = self.lock();
            // a change seen meanwhile may have made this answer stale
            if g.generation == generation {
                if g.entries.len() >= MAX_ENTRIES {
                    g.entries.clear();
                }
                g.entries
                    .insert(digest.to_string(), (actor.clone(), Instant::now()));
            }
        }
        Ok(found)
    }
}
