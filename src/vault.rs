//! The vault: the keys that protect personal data at rest (docs/adr/0016).
//!
//! - **Master keys** live in the keyring file (`ADUAN_SECRET_KEY_FILE`,
//!   default `<ADUAN_DATA_DIR>/secret.key`, mode 0600), each with a number;
//!   the highest is the primary. They never touch the database. A master key
//!   *seals* small values (`x<kid>:<base64 nonce‖ciphertext>`): the data keys
//!   below, TOTP secrets, outbox payloads, quarantined raw inputs.
//! - **Data keys**: every complaint and every attachment has its own random
//!   key, kept in its row sealed by a master key (envelope encryption). The
//!   personal fields are encrypted with it (`e1:…`, the column name as
//!   associated data), the attachment's bytes too (chunked, see `FileSealer`).
//!   Rotating a master key re-seals the data keys only (`aduan keys rotate`).
//! - **Blind index**: an HMAC-SHA-256 of a NIK, phone or email in canonical
//!   form (`domain::identity`), keyed by the index key of the keyring, so
//!   exact look-ups work without the plaintext in the database.
//!
//! A process re-reads the keyring when it meets a key number it does not
//! know and, at most every second, when the file has changed — so a
//! rotation reaches every process sharing the file without a restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::domain::identity::{IdentityKind, normalize};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("keyring {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("keyring {path} is malformed: {why}")]
    Malformed { path: String, why: String },
}

/// A sealed or encrypted value could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("sealed with master key {0}, which the keyring does not hold")]
    UnknownKey(u32),
    #[error("not a value this vault wrote, or altered")]
    Corrupt,
}

type Key32 = [u8; 32];

#[derive(Clone)]
struct Keyring {
    masters: BTreeMap<u32, Key32>,
    index: Key32,
}

impl Keyring {
    fn fresh() -> Keyring {
        Keyring {
            masters: BTreeMap::from([(1, random_key())]),
            index: random_key(),
        }
    }

    fn primary(&self) -> (u32, &Key32) {
        // a keyring always holds at least one master key (parse checks it)
        self.masters
            .iter()
            .next_back()
            .map(|(k, v)| (*k, v))
            .unwrap_or((0, &self.index))
    }

    /// Parses the keyring. The first format (one base64 line, before
    /// envelope encryption) is master key 1 with an index key derived from it.
    fn parse(text: &str) -> Result<Keyring, String> {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let decode = |s: &str| -> Result<Key32, String> {
            STANDARD
                .decode(s)
                .ok()
                .and_then(|b| Key32::try_from(b.as_slice()).ok())
                .ok_or_else(|| "a key is not 32 bytes of base64".to_string())
        };
        if let [single] = lines.as_slice()
            && !single.contains(' ')
        {
            let key = decode(single)?;
            return Ok(Keyring {
                index: derive_index(&key),
                masters: BTreeMap::from([(1, key)]),
            });
        }
        let mut masters = BTreeMap::new();
        let mut index = None;
        for line in lines {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["index", k] => index = Some(decode(k)?),
                ["key", n, k] => {
                    let n: u32 = n
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("`{n}` is not a key number"))?;
                    if masters.insert(n, decode(k)?).is_some() {
                        return Err(format!("key {n} appears twice"));
                    }
                }
                _ => return Err("a line is neither `index <key>` nor `key <n> <key>`".into()),
            }
        }
        let index = match index {
            Some(i) => i,
            None => derive_index(masters.get(&1).ok_or("no `index` line")?),
        };
        if masters.is_empty() {
            return Err("no master key".into());
        }
        Ok(Keyring { masters, index })
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "# aduan keyring: master keys (the highest number seals new data) and the\n\
             # blind-index key. Keep it secret, back it up apart from the database:\n\
             # without it the personal data in the database cannot be read.\n",
        );
        out.push_str(&format!("index {}\n", STANDARD.encode(self.index)));
        for (n, k) in &self.masters {
            out.push_str(&format!("key {n} {}\n", STANDARD.encode(k)));
        }
        out
    }
}

fn random_key() -> Key32 {
    let mut k = [0u8; 32];
    rand::rng().fill_bytes(&mut k);
    k
}

fn derive_index(master: &Key32) -> Key32 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).unwrap_or_else(|_| unreachable!());
    mac.update(b"aduan blind index v1");
    mac.finalize().into_bytes().into()
}

fn cipher(key: &Key32) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.into())
}

/// `x<kid>:` → kid.
pub fn sealed_kid(sealed: &str) -> Option<u32> {
    let rest = sealed.strip_prefix('x')?;
    let (n, _) = rest.split_once(':')?;
    n.parse().ok()
}

/// True for a value `Vault::seal` wrote (else: plaintext from before).
pub fn is_sealed(value: &str) -> bool {
    sealed_kid(value).is_some()
}

pub struct Vault {
    path: Option<PathBuf>,
    ring: RwLock<Keyring>,
    /// When the file was last read or checked, and its mtime then.
    checked: Mutex<(Instant, Option<SystemTime>)>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(…)")
    }
}

/// How often a process looks at the keyring file's mtime (a `stat`).
pub const CHECK_EVERY: Duration = Duration::from_secs(1);
const RELOAD_ON_MISS_EVERY: Duration = Duration::from_secs(1);

impl Vault {
    /// Reads the keyring, or creates it (0600) when the file does not exist;
    /// the boolean is true when it was created.
    pub fn load_or_create(path: &Path) -> Result<(Vault, bool), KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        let (ring, created) = match read_ring(path) {
            Ok(r) => (r, false),
            Err(ReadError::Missing) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let ring = Keyring::fresh();
                match write_new(path, &ring.render()) {
                    Ok(()) => (ring, true),
                    // another replica created it a moment ago: use theirs
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        (read_ring(path).map_err(|e| e.into_key_error(path))?, false)
                    }
                    Err(e) => return Err(io(e)),
                }
            }
            Err(e) => return Err(e.into_key_error(path)),
        };
        Ok((
            Vault {
                path: Some(path.to_path_buf()),
                ring: RwLock::new(ring),
                checked: Mutex::new((Instant::now(), mtime(path))),
            },
            created,
        ))
    }

    /// A fresh keyring held in memory only (tests).
    pub fn ephemeral() -> Vault {
        Vault {
            path: None,
            ring: RwLock::new(Keyring::fresh()),
            checked: Mutex::new((Instant::now(), None)),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn ring(&self) -> Keyring {
        match self.ring.read() {
            Ok(r) => r.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Re-reads the keyring file (after a rotation by another process).
    pub fn reload(&self) -> Result<(), KeyError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let ring = read_ring(path).map_err(|e| e.into_key_error(path))?;
        match self.ring.write() {
            Ok(mut r) => *r = ring,
            Err(p) => *p.into_inner() = ring,
        }
        if let Ok(mut c) = self.checked.lock() {
            *c = (Instant::now(), mtime(path));
        }
        Ok(())
    }

    /// Reloads when the file changed and it was not checked for a while.
    fn refresh_if_stale(&self) {
        let Some(path) = &self.path else { return };
        let stale = match self.checked.lock() {
            Ok(mut c) if c.0.elapsed() >= CHECK_EVERY => {
                let now = mtime(path);
                let changed = now != c.1;
                c.0 = Instant::now();
                changed
            }
            _ => false,
        };
        if stale && let Err(e) = self.reload() {
            tracing::error!(error = %e, "cannot re-read the keyring; keeping the keys in memory");
        }
    }

    fn reload_on_miss(&self) -> bool {
        let due = match self.checked.lock() {
            Ok(c) => c.0.elapsed() >= RELOAD_ON_MISS_EVERY,
            Err(_) => false,
        };
        due && self.reload().is_ok()
    }

    /// The number of the master key that seals new values.
    pub fn primary_kid(&self) -> u32 {
        self.refresh_if_stale();
        self.ring().primary().0
    }

    /// The master key numbers the keyring holds.
    pub fn kids(&self) -> Vec<u32> {
        self.ring().masters.keys().copied().collect()
    }

    /// Seals a small value with the primary master key.
    pub fn seal(&self, plaintext: &[u8]) -> String {
        self.refresh_if_stale();
        let ring = self.ring();
        let (kid, key) = ring.primary();
        seal_with(kid, key, plaintext)
    }

    pub fn seal_str(&self, plaintext: &str) -> String {
        self.seal(plaintext.as_bytes())
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, VaultError> {
        let kid = sealed_kid(sealed).ok_or(VaultError::Corrupt)?;
        let key = match self.ring().masters.get(&kid) {
            Some(k) => *k,
            None => {
                if !self.reload_on_miss() {
                    return Err(VaultError::UnknownKey(kid));
                }
                *self
                    .ring()
                    .masters
                    .get(&kid)
                    .ok_or(VaultError::UnknownKey(kid))?
            }
        };
        let body = sealed
            .split_once(':')
            .map(|(_, b)| b)
            .ok_or(VaultError::Corrupt)?;
        let raw = STANDARD.decode(body).map_err(|_| VaultError::Corrupt)?;
        if raw.len() < 24 {
            return Err(VaultError::Corrupt);
        }
        let (nonce, ct) = raw.split_at(24);
        cipher(&key)
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| VaultError::Corrupt)
    }

    pub fn open_str(&self, sealed: &str) -> Result<String, VaultError> {
        String::from_utf8(self.open(sealed)?).map_err(|_| VaultError::Corrupt)
    }

    /// Opens a sealed value; a value from before sealing is returned as is.
    pub fn open_or_plain(&self, value: &str) -> Result<String, VaultError> {
        if is_sealed(value) {
            self.open_str(value)
        } else {
            Ok(value.to_string())
        }
    }

    /// Seals again with the primary key (rotation); `None` when the value is
    /// already under the primary key.
    pub fn reseal(&self, sealed: &str, primary: u32) -> Result<Option<String>, VaultError> {
        if sealed_kid(sealed) == Some(primary) {
            return Ok(None);
        }
        let plain = if is_sealed(sealed) {
            self.open(sealed)?
        } else {
            sealed.as_bytes().to_vec()
        };
        let ring = self.ring();
        let key = ring
            .masters
            .get(&primary)
            .ok_or(VaultError::UnknownKey(primary))?;
        Ok(Some(seal_with(primary, key, &plain)))
    }

    /// A new data key for one record, and the key sealed for its row.
    pub fn new_record_key(&self) -> (RecordKey, String) {
        let key = random_key();
        (RecordKey(cipher(&key)), self.seal(&key))
    }

    /// The data key of a record from its sealed form.
    pub fn record_key(&self, sealed: &str) -> Result<RecordKey, VaultError> {
        let raw = self.open(sealed)?;
        let key = Key32::try_from(raw.as_slice()).map_err(|_| VaultError::Corrupt)?;
        Ok(RecordKey(cipher(&key)))
    }

    /// The blind-index value of an identifier (hex, 128 bits), `None` when
    /// the identifier is empty once normalised.
    pub fn blind_index(&self, kind: IdentityKind, value: &str) -> Option<String> {
        let canonical = normalize(kind, value)?;
        let ring = self.ring();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&ring.index).unwrap_or_else(|_| unreachable!());
        mac.update(kind.as_str().as_bytes());
        mac.update(&[0]);
        mac.update(canonical.as_bytes());
        Some(hex::encode(&mac.finalize().into_bytes()[..16]))
    }
}

impl Vault {
    /// A keyed hash (hex, 128 bits) of `value` in `context`, with the
    /// blind-index key: equal inputs give equal tags, and a tag leads back
    /// to nothing without the key (the survey's one-response-per-complaint
    /// key).
    pub fn tag(&self, context: &str, value: &[u8]) -> String {
        let ring = self.ring();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&ring.index).unwrap_or_else(|_| unreachable!());
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The complaint's access code, derived from its id with the
    /// blind-index key (which key rotation keeps): the office can write it
    /// into a later message (the answer's link) without storing it.
    pub fn access_code(&self, complaint_id: uuid::Uuid) -> crate::domain::AccessCode {
        let ring = self.ring();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&ring.index).unwrap_or_else(|_| unreachable!());
        mac.update(b"aduan access code v1\0");
        mac.update(complaint_id.as_bytes());
        crate::domain::AccessCode::from_tag(&mac.finalize().into_bytes())
    }
}

impl Vault {
    /// The search index's tag of one folded word of a person's name (ADR
    /// 0029): 64 bits of the blind-index key's HMAC, after an `n` so that
    /// no database's text parser reads it as a number.
    pub fn name_tag(&self, folded_word: &str) -> String {
        let t = self.tag("name-word", folded_word.as_bytes());
        format!("n{}", &t[..16])
    }

    /// The tags of every word of a name, space-separated.
    pub fn name_tags(&self, name: &str) -> String {
        let mut seen = std::collections::HashSet::new();
        crate::domain::search::folded_words(name)
            .into_iter()
            .filter(|w| seen.insert(w.clone()))
            .map(|w| self.name_tag(&w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What the database records of the keyring that wrote it (issue 31,
/// finding 12): a keyed check value per master key, and kid 0 for the
/// blind-index key. Nothing about a key can be learned from its check value.
impl Vault {
    pub fn check_values(&self) -> Vec<(u32, String)> {
        let ring = self.ring();
        let check = |key: &Key32| {
            let mut mac =
                <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
            mac.update(b"aduan keyring check v1");
            hex::encode(&mac.finalize().into_bytes()[..16])
        };
        std::iter::once((0, check(&ring.index)))
            .chain(ring.masters.iter().map(|(kid, k)| (*kid, check(k))))
            .collect()
    }
}

/// Keyring file operations for `aduan keys` (the CLI).
impl Vault {
    /// Adds a new master key, which becomes the primary, and rewrites the
    /// keyring atomically (also into the newer format, with its index key
    /// written out). Returns the new key's number.
    pub fn add_master_key(&self) -> Result<u32, KeyError> {
        let path = self.path.clone().ok_or_else(|| KeyError::Malformed {
            path: "(memory)".into(),
            why: "an in-memory keyring cannot be written".into(),
        })?;
        let mut ring = read_ring(&path).map_err(|e| e.into_key_error(&path))?;
        let next = ring.primary().0 + 1;
        ring.masters.insert(next, random_key());
        replace_file(&path, &ring.render()).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        self.reload()?;
        Ok(next)
    }

    /// Removes a master key that nothing uses any more (the caller checks).
    pub fn remove_master_key(&self, kid: u32) -> Result<(), KeyError> {
        let path = self.path.clone().ok_or_else(|| KeyError::Malformed {
            path: "(memory)".into(),
            why: "an in-memory keyring cannot be written".into(),
        })?;
        let mut ring = read_ring(&path).map_err(|e| e.into_key_error(&path))?;
        if ring.primary().0 == kid {
            return Err(KeyError::Malformed {
                path: path.display().to_string(),
                why: format!("key {kid} is the primary key; rotate first"),
            });
        }
        ring.masters.remove(&kid);
        replace_file(&path, &ring.render()).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        self.reload()
    }
}

fn seal_with(kid: u32, key: &Key32, plaintext: &[u8]) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    // encryption of an in-memory buffer cannot fail
    let ct = cipher(key).encrypt(&nonce, plaintext).unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    format!("x{kid}:{}", STANDARD.encode(out))
}

/// One record's data key (a complaint's, an attachment's).
pub struct RecordKey(XChaCha20Poly1305);

const FIELD_PREFIX: &str = "e1:";

impl RecordKey {
    /// Encrypts a field; `aad` names it (the column), so values cannot be
    /// moved between fields unnoticed.
    pub fn encrypt(&self, aad: &str, plaintext: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("{FIELD_PREFIX}{}", STANDARD.encode(out))
    }

    pub fn decrypt(&self, aad: &str, value: &str) -> Result<String, VaultError> {
        let body = value
            .strip_prefix(FIELD_PREFIX)
            .ok_or(VaultError::Corrupt)?;
        let raw = STANDARD.decode(body).map_err(|_| VaultError::Corrupt)?;
        if raw.len() < 24 {
            return Err(VaultError::Corrupt);
        }
        let (nonce, ct) = raw.split_at(24);
        let plain = self
            .0
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| VaultError::Corrupt)
    }

    pub fn encrypt_opt(&self, aad: &str, v: Option<&str>) -> Option<String> {
        v.map(|v| self.encrypt(aad, v))
    }

    pub fn decrypt_opt(&self, aad: &str, v: Option<String>) -> Result<Option<String>, VaultError> {
        v.map(|v| self.decrypt(aad, &v)).transpose()
    }

    /// A streaming encryptor for a file under this key.
    pub fn file_sealer(self) -> FileSealer {
        let mut prefix = [0u8; 16];
        rand::rng().fill_bytes(&mut prefix);
        FileSealer {
            key: self,
            prefix,
            counter: 0,
            buf: Vec::with_capacity(CHUNK),
            header_written: false,
        }
    }
}

/// The first bytes of an encrypted attachment file.
pub const FILE_MAGIC: &[u8; 8] = b"ADUANF1\n";
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

fn chunk_nonce(prefix: &[u8; 16], counter: u32, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[..16].copy_from_slice(prefix);
    n[16..20].copy_from_slice(&counter.to_be_bytes());
    n[20] = u8::from(last);
    *XNonce::from_slice(&n)
}

/// Encrypts a file in 64 KiB chunks (the STREAM construction: a counter
/// and a last-chunk flag in each nonce, so chunks cannot be reordered,
/// dropped or the file cut short unnoticed).
pub struct FileSealer {
    key: RecordKey,
    prefix: [u8; 16],
    counter: u32,
    buf: Vec<u8>,
    header_written: bool,
}

impl FileSealer {
    fn header(&mut self, out: &mut Vec<u8>) {
        if !self.header_written {
            out.extend_from_slice(FILE_MAGIC);
            out.extend_from_slice(&self.prefix);
            self.header_written = true;
        }
    }

    /// Takes plaintext; returns the ciphertext ready to be written.
    pub fn push(&mut self, mut data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.header(&mut out);
        while !data.is_empty() {
            // a full chunk is written only once more data follows: the last
            // chunk must carry the last flag
            if self.buf.len() == CHUNK {
                self.flush_chunk(false, &mut out);
            }
            let take = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        out
    }

    fn flush_chunk(&mut self, last: bool, out: &mut Vec<u8>) {
        let nonce = chunk_nonce(&self.prefix, self.counter, last);
        let ct = self
            .key
            .0
            .encrypt(&nonce, self.buf.as_slice())
            .unwrap_or_default();
        out.extend_from_slice(&ct);
        self.buf.clear();
        self.counter = self.counter.wrapping_add(1);
    }

    /// The last bytes of the file.
    pub fn finish(mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.header(&mut out);
        self.flush_chunk(true, &mut out);
        out
    }
}

impl RecordKey {
    /// Decrypts a whole file written by `FileSealer`.
    pub fn open_file(&self, bytes: &[u8]) -> Result<Vec<u8>, VaultError> {
        let rest = bytes.strip_prefix(FILE_MAGIC).ok_or(VaultError::Corrupt)?;
        if rest.len() < 16 {
            return Err(VaultError::Corrupt);
        }
        let (prefix, mut body) = rest.split_at(16);
        let prefix: [u8; 16] = prefix.try_into().map_err(|_| VaultError::Corrupt)?;
        let mut out = Vec::with_capacity(body.len());
        let mut counter = 0u32;
        loop {
            let last = body.len() <= CHUNK + TAG;
            let (chunk, next) = body.split_at(body.len().min(CHUNK + TAG));
            let plain = self
                .0
                .decrypt(&chunk_nonce(&prefix, counter, last), chunk)
                .map_err(|_| VaultError::Corrupt)?;
            out.extend_from_slice(&plain);
            if last {
                return Ok(out);
            }
            body = next;
            counter = counter.wrapping_add(1);
        }
    }
}

enum ReadError {
    Missing,
    Io(std::io::Error),
    Malformed(String),
}

impl ReadError {
    fn into_key_error(self, path: &Path) -> KeyError {
        let p = path.display().to_string();
        match self {
            ReadError::Missing => KeyError::Io {
                path: p,
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            },
            ReadError::Io(source) => KeyError::Io { path: p, source },
            ReadError::Malformed(why) => KeyError::Malformed { path: p, why },
        }
    }
}

fn read_ring(path: &Path) -> Result<Keyring, ReadError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Keyring::parse(&text).map_err(ReadError::Malformed),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ReadError::Missing),
        Err(e) => Err(ReadError::Io(e)),
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(unix)]
fn open_private(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).mode(0o600);
    if create_new {
        o.create_new(true);
    } else {
        o.create(true).truncate(true);
    }
    o.open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if create_new {
        o.create_new(true);
    } else {
        o.create(true).truncate(true);
    }
    o.open(path)
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = open_private(path, true)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Writes a temporary file next to `path` and renames it over `path`.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = open_private(&tmp, false)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path() -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("aduan-vault-{}", uuid::Uuid::now_v7()));
        (dir.join("secret.key"), dir)
    }

    #[test]
    fn sealed_values_open_with_the_same_keyring_only() {
        let (path, dir) = temp_path();
        let (v, created) = Vault::load_or_create(&path).unwrap();
        assert!(created);
        let sealed = v.seal(b"JBSWY3DPEHPK3PXP");
        assert!(sealed.starts_with("x1:") && !sealed.contains("JBSWY3DP"));
        let (again, created) = Vault::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(again.open(&sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(Vault::ephemeral().open(&sealed), Err(VaultError::Corrupt));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_first_keyring_format_is_key_one_and_keeps_its_index() {
        let (path, dir) = temp_path();
        std::fs::create_dir_all(&dir).unwrap();
        let key = STANDARD.encode([7u8; 32]);
        std::fs::write(&path, format!("{key}\n")).unwrap();
        let (v, _) = Vault::load_or_create(&path).unwrap();
        let sealed = v.seal(b"secret");
        assert!(sealed.starts_with("x1:"));
        let before = v
            .blind_index(IdentityKind::Phone, "0812 3456 7890")
            .unwrap();
        // rotation writes the newer format: same index, key 2 primary
        assert_eq!(v.add_master_key().unwrap(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("index ") && text.contains("key 1 ") && text.contains("key 2 "));
        let (v2, _) = Vault::load_or_create(&path).unwrap();
        assert_eq!(v2.primary_kid(), 2);
        assert_eq!(v2.open(&sealed).unwrap(), b"secret");
        assert_eq!(
            v2.blind_index(IdentityKind::Phone, "+62 812-3456-7890")
                .unwrap(),
            before
        );
        let resealed = v2.reseal(&sealed, 2).unwrap().unwrap();
        assert!(resealed.starts_with("x2:"));
        assert_eq!(v2.reseal(&resealed, 2).unwrap(), None);
        v2.remove_master_key(1).unwrap();
        assert_eq!(v2.open(&sealed), Err(VaultError::UnknownKey(1)));
        assert_eq!(v2.open(&resealed).unwrap(), b"secret");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn another_process_sees_a_new_key_when_it_meets_it() {
        let (path, dir) = temp_path();
        let (a, _) = Vault::load_or_create(&path).unwrap();
        let (b, _) = Vault::load_or_create(&path).unwrap();
        a.add_master_key().unwrap();
        let sealed = a.seal(b"x");
        assert!(sealed.starts_with("x2:"));
        std::thread::sleep(RELOAD_ON_MISS_EVERY);
        assert_eq!(b.open(&sealed).unwrap(), b"x");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fields_are_bound_to_their_record_key_and_column() {
        let v = Vault::ephemeral();
        let (k, sealed) = v.new_record_key();
        let ct = k.encrypt("reporter_name", "Dewi Lestari");
        assert!(!ct.contains("Dewi"));
        let k2 = v.record_key(&sealed).unwrap();
        assert_eq!(k2.decrypt("reporter_name", &ct).unwrap(), "Dewi Lestari");
        assert_eq!(k2.decrypt("reporter_email", &ct), Err(VaultError::Corrupt));
        let (other, _) = v.new_record_key();
        assert_eq!(
            other.decrypt("reporter_name", &ct),
            Err(VaultError::Corrupt)
        );
    }

    #[test]
    fn files_round_trip_and_a_cut_or_altered_file_is_refused() {
        let v = Vault::ephemeral();
        for len in [0usize, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let (k, sealed) = v.new_record_key();
            let mut s = k.file_sealer();
            let mut out = Vec::new();
            for part in data.chunks(10_000) {
                out.extend(s.push(part));
            }
            out.extend(s.finish());
            let k = v.record_key(&sealed).unwrap();
            assert_eq!(k.open_file(&out).unwrap(), data, "len {len}");
            if len > CHUNK {
                // cut at a chunk boundary: the last flag is missing
                let cut = FILE_MAGIC.len() + 16 + CHUNK + TAG;
                assert_eq!(k.open_file(&out[..cut]), Err(VaultError::Corrupt));
            }
            let mut bad = out.clone();
            let n = bad.len() - 1;
            bad[n] ^= 1;
            assert_eq!(k.open_file(&bad), Err(VaultError::Corrupt));
        }
    }

    #[test]
    fn the_blind_index_is_keyed_and_canonical() {
        let v = Vault::ephemeral();
        let a = v
            .blind_index(IdentityKind::Email, "Dewi@Example.id")
            .unwrap();
        assert_eq!(
            a,
            v.blind_index(IdentityKind::Email, " dewi@example.id")
                .unwrap()
        );
        assert_eq!(a.len(), 32);
        assert_ne!(
            a,
            Vault::ephemeral()
                .blind_index(IdentityKind::Email, "dewi@example.id")
                .unwrap()
        );
        // the same digits as a NIK and as a phone are different facts
        assert_ne!(
            v.blind_index(IdentityKind::Phone, "3201012345670001"),
            v.blind_index(IdentityKind::IdNumber, "3201012345670001")
        );
    }
}
