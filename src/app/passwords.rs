//! Password hashing with bounded memory (ADR 0015, "Sign-in bursts").
//!
//! argon2id with the default parameters needs 19 MiB of working memory per
//! hash. Left to the allocator, a burst of 100 sign-ins (no credential is
//! needed to send them) allocated 100 × 19 MiB at once and glibc kept most of
//! it: a replica with a 1 GiB limit could be killed by one script. Here at
//! most one hash per core runs at a time, each in one of a few working
//! buffers allocated once and reused, so the memory argon2 uses is fixed at
//! `permits × 19 MiB` whatever arrives. The rest wait their turn for a short
//! while and are then told to come back (`Busy`, a 429 with Retry-After).
//! The buffers are let go once no hash has run for [`IDLE`] (and glibc asked
//! to give the pages back): a replica serving people already signed in
//! keeps none of it (issue 38: ≤ 100 MB while 50 people use the console).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

/// How long a caller waits for a hashing slot before being told to come
/// back: 100 sign-ins at once clear in about a second on two cores.
pub const WAIT: Duration = Duration::from_secs(5);

/// How long the working buffers are kept after the last hash.
pub const IDLE: Duration = Duration::from_secs(30);

/// The largest working memory a stored hash may ask for (a hash written with
/// bigger parameters than ours is refused rather than allowed to grow a buffer).
const MAX_BLOCKS: usize = 64 * 1024; // 64 MiB of 1 KiB blocks

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot stayed taken for the whole wait.
    #[error("password hashing is busy")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// The hashing slots and their buffers.
pub struct Hasher {
    slots: Semaphore,
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    /// Hashes run so far: the idle release lets go of the buffers only if
    /// none ran since it was set.
    uses: Arc<AtomicU64>,
    idle: Duration,
    wait: Duration,
    permits: usize,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("permits", &self.permits)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl Hasher {
    /// `permits` hashes at a time (at least one); a caller waits at most
    /// `wait` for a slot.
    pub fn new(permits: usize, wait: Duration) -> Self {
        let permits = permits.max(1);
        Hasher {
            slots: Semaphore::new(permits),
            buffers: Arc::new(Mutex::new(Vec::with_capacity(permits))),
            uses: Arc::new(AtomicU64::new(0)),
            idle: IDLE,
            wait,
            permits,
        }
    }

    /// One slot per core the process may use.
    pub fn per_core(wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, wait)
    }

    /// How many hashes may run at once.
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// Runs `f` with a working buffer in a slot, off the reactor.
    async fn in_slot<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let started = std::time::Instant::now();
        let permit = match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_)) | Err(_) => {
                metrics::counter!("aduan_password_hash_busy_total").increment(1);
                return Err(HashError::Busy);
            }
        };
        metrics::histogram!("aduan_password_hash_wait_seconds")
            .record(started.elapsed().as_secs_f64());
        let mut buf = self
            .buffers
            .lock()
            .map_err(|_| HashError::Failed("buffer pool poisoned".into()))?
            .pop()
            .unwrap_or_default();
        let joined = tokio::task::spawn_blocking(move || {
            let out = f(&mut buf);
            (out, buf)
        })
        .await;
        drop(permit);
        let (out, buf) = joined.map_err(|e| HashError::Failed(e.to_string()))?;
        if let Ok(mut pool) = self.buffers.lock()
            && pool.len() < self.permits
        {
            pool.push(buf);
        }
        let n = self.uses.fetch_add(1, Ordering::Relaxed) + 1;
        let (pool, uses, idle) = (self.buffers.clone(), self.uses.clone(), self.idle);
        tokio::spawn(async move {
            tokio::time::sleep(idle).await;
            if uses.load(Ordering::Relaxed) != n {
                return;
            }
            let freed = match pool.lock() {
                Ok(mut pool) => std::mem::take(&mut *pool),
                Err(_) => return,
            };
            if !freed.is_empty() {
                drop(freed);
                crate::memory::release_freed();
            }
        });
        Ok(out)
    }

    /// The working buffers kept now (for tests).
    pub fn kept_buffers(&self) -> usize {
        self.buffers.lock().map_or(0, |p| p.len())
    }

    /// The same with another idle time (for tests).
    pub fn with_idle(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.in_slot(move |buf| hash_with(buf, password.as_bytes()))
            .await?
    }

    /// Does `password` match the PHC string `hash`? A malformed hash matches
    /// nothing.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, HashError> {
        self.in_slot(move |buf| verify_with(buf, password.as_bytes(), &hash))
            .await
    }
}

fn fail(e: impl std::fmt::Display) -> HashError {
    HashError::Failed(e.to_string())
}

/// `buf` sized for `params` (grown once, reused after).
fn blocks(buf: &mut Vec<Block>, params: &Params) -> Option<usize> {
    let n = params.block_count();
    if n > MAX_BLOCKS {
        return None;
    }
    if buf.len() < n {
        buf.resize(n, Block::default());
    }
    Some(n)
}

fn hash_with(buf: &mut Vec<Block>, password: &[u8]) -> Result<String, HashError> {
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_arr = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_arr).map_err(fail)?;
    let n = blocks(buf, &params).ok_or_else(|| fail("parameters too large"))?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon
            .hash_password_into_with_memory(password, salt_bytes, out, &mut buf[..n])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(fail)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(fail)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

fn verify_with(buf: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    let Some(n) = blocks(buf, &params) else {
        return false;
    };
    let mut salt_arr = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_arr) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let Ok(computed) = Output::init_with(expected.len(), |out| {
        argon
            .hash_password_into_with_memory(password, salt_bytes, out, &mut buf[..n])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    }) else {
        return false;
    };
    // Output's equality is constant-time
    computed == expected
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    // paused time: the timers fire in the order the sleeps say, whatever the machine's load
    #[tokio::test(start_paused = true)]
    async fn the_buffers_are_let_go_once_idle_and_kept_while_in_use() {
        let h = Hasher::new(2, Duration::from_secs(30)).with_idle(Duration::from_millis(300));
        let stored = h.hash("kata sandi panjang".into()).await.unwrap();
        assert_eq!(h.kept_buffers(), 1);
        // a second hash within the idle time keeps the buffer past the first's timer
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(h.verify("kata sandi panjang".into(), stored).await.unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(h.kept_buffers(), 1, "the first timer is not the last use");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(h.kept_buffers(), 0);
    }

    #[tokio::test]
    async fn hashes_verify_here_and_with_the_crate_and_back() {
        let h = Hasher::new(1, Duration::from_secs(30));
        let ours = h.hash("kata sandi panjang".into()).await.unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(
            h.verify("kata sandi panjang".into(), ours.clone())
                .await
                .unwrap()
        );
        assert!(
            !h.verify("kata sandi salah!!".into(), ours.clone())
                .await
                .unwrap()
        );
        // the crate reads ours, we read the crate's (hashes stored before this module)
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"kata sandi panjang", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"sandi lama sekali", &salt)
            .unwrap()
            .to_string();
        assert!(
            h.verify("sandi lama sekali".into(), theirs.clone())
                .await
                .unwrap()
        );
        assert!(!h.verify("sandi lama sekal".into(), theirs).await.unwrap());
        assert!(!h.verify("x".into(), "not a hash".into()).await.unwrap());
    }

    #[tokio::test]
    async fn a_caller_who_waits_too_long_is_told_busy() {
        let h = std::sync::Arc::new(Hasher::new(1, Duration::from_millis(1)));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let h = h.clone();
            tasks.push(tokio::spawn(async move {
                h.hash("sandi panjang sekali".into()).await
            }));
        }
        let mut busy = 0;
        for t in tasks {
            if matches!(t.await.unwrap(), Err(HashError::Busy)) {
                busy += 1;
            }
        }
        assert!(busy >= 1, "one slot, six at once, 1 ms of patience");
        // the pool never keeps more buffers than slots
        assert!(h.buffers.lock().unwrap().len() <= 1);
    }
}
