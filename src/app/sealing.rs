//! The server key: seals small secrets kept in the database (TOTP secrets)
//! with XChaCha20-Poly1305, so a copy of the database alone does not give
//! them away. The key comes from `ADUAN_SECRET_KEY_FILE` (default
//! `<ADUAN_DATA_DIR>/secret.key`), generated on first start (mode 0600).
//! Replicas must share the file (a Kubernetes Secret or the shared volume).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("server key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("server key file {0} does not hold a key (32 bytes, base64)")]
    Malformed(String),
}

pub struct ServerKey(XChaCha20Poly1305);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(…)")
    }
}

const PREFIX: &str = "x1:";

impl ServerKey {
    /// Reads the key, or creates it (0600) when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<ServerKey, KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = STANDARD
                    .decode(text.trim())
                    .ok()
                    .filter(|b| b.len() == 32)
                    .ok_or_else(|| KeyError::Malformed(path.display().to_string()))?;
                Ok(ServerKey(
                    XChaCha20Poly1305::new_from_slice(&bytes)
                        .map_err(|_| KeyError::Malformed(path.display().to_string()))?,
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                match write_private(path, &STANDARD.encode(key)) {
                    Ok(()) => {}
                    // another replica created it a moment ago: use theirs
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        return ServerKey::load_or_create(path);
                    }
                    Err(e) => return Err(io(e)),
                }
                tracing::warn!(path = %path.display(),
                    "generated a new server key: back it up with the database (sealed secrets cannot be read without it)");
                Ok(ServerKey(XChaCha20Poly1305::new(&key)))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A fresh key held in memory only (tests).
    pub fn ephemeral() -> ServerKey {
        ServerKey(XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(
            &mut OsRng,
        )))
    }

    pub fn seal(&self, plaintext: &[u8]) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // encryption of a small in-memory buffer cannot fail
        let ct = self.0.encrypt(&nonce, plaintext).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let raw = STANDARD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < 24 {
            return None;
        }
        let (nonce, ct) = raw.split_at(24);
        self.0.decrypt(XNonce::from_slice(nonce), ct).ok()
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_only() {
        let dir = std::env::temp_dir().join(format!("aduan-key-{}", uuid::Uuid::now_v7()));
        let path = dir.join("secret.key");
        let k = ServerKey::load_or_create(&path).unwrap();
        let sealed = k.seal(b"JBSWY3DPEHPK3PXP");
        assert!(!sealed.contains("JBSWY3DP"));
        let again = ServerKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(ServerKey::ephemeral().open(&sealed), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
