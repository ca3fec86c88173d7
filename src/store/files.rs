//! Attachment bytes on disk under the data directory; the database keeps the
//! metadata and the SHA-256. A file is written to a temporary name, hashed
//! and encrypted with its own data key while it streams in (`vault`), and
//! moved into place only when complete. Files 0600, folders 0700.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("attachment exceeds the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("attachment storage: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone)]
pub struct AttachmentFiles {
    root: PathBuf,
    vault: std::sync::Arc<crate::vault::Vault>,
}

/// A completed, hashed, encrypted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Of the plaintext.
    pub size_bytes: u64,
    pub sha256: String,
    /// The file's data key, sealed: goes into `Attachment::file_key`.
    pub file_key: String,
}

pub struct PendingFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: tokio::fs::File,
    hasher: Sha256,
    sealer: crate::vault::FileSealer,
    file_key: String,
    size: u64,
    limit: u64,
}

impl AttachmentFiles {
    pub fn new(data_dir: &Path, vault: std::sync::Arc<crate::vault::Vault>) -> Self {
        AttachmentFiles {
            root: data_dir.join("attachments"),
            vault,
        }
    }

    fn path(&self, complaint_id: Uuid, id: Uuid) -> PathBuf {
        self.root
            .join(complaint_id.to_string())
            .join(id.to_string())
    }

    pub async fn begin(
        &self,
        complaint_id: Uuid,
        id: Uuid,
        limit: u64,
    ) -> Result<PendingFile, FileError> {
        let tmp_dir = self.root.join("tmp");
        private_dir(&tmp_dir).await?;
        let tmp = tmp_dir.join(format!("{id}.part"));
        let mut opts = tokio::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        opts.mode(0o600);
        let file = opts.open(&tmp).await?;
        let (key, file_key) = self.vault.new_record_key();
        Ok(PendingFile {
            tmp,
            dest: self.path(complaint_id, id),
            file,
            hasher: Sha256::new(),
            sealer: key.file_sealer(),
            file_key,
            size: 0,
            limit,
        })
    }

    /// The plaintext of a stored file. A file from before encryption (no
    /// header) is read as it is, whatever the row says: the sweep records
    /// the key before it rewrites the file.
    pub async fn read(
        &self,
        complaint_id: Uuid,
        id: Uuid,
        file_key: Option<&str>,
    ) -> Result<Vec<u8>, FileError> {
        let bytes = tokio::fs::read(self.path(complaint_id, id)).await?;
        if !bytes.starts_with(crate::vault::FILE_MAGIC) {
            return Ok(bytes);
        }
        let corrupt = |e: crate::vault::VaultError| {
            FileError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("attachment {id}: {e}"),
            ))
        };
        let key = self
            .vault
            .record_key(
                file_key
                    .ok_or(crate::vault::VaultError::Corrupt)
                    .map_err(corrupt)?,
            )
            .map_err(corrupt)?;
        key.open_file(&bytes).map_err(corrupt)
    }

    /// Encrypts a file stored before encryption in place (the sweep), under
    /// the given (already recorded) key; a file already encrypted is left.
    pub async fn seal_in_place(
        &self,
        complaint_id: Uuid,
        id: Uuid,
        file_key: &str,
    ) -> Result<(), FileError> {
        let path = self.path(complaint_id, id);
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if bytes.starts_with(crate::vault::FILE_MAGIC) {
            return Ok(());
        }
        let key = self.vault.record_key(file_key).map_err(|e| {
            FileError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                e.to_string(),
            ))
        })?;
        let mut sealer = key.file_sealer();
        let mut out = sealer.push(&bytes);
        out.extend(sealer.finish());
        let tmp_dir = self.root.join("tmp");
        private_dir(&tmp_dir).await?;
        let tmp = tmp_dir.join(format!("{id}.seal"));
        let mut opts = tokio::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        opts.mode(0o600);
        let mut f = opts.open(&tmp).await?;
        f.write_all(&out).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    /// Deletes a stored file for good (erasure, retention).
    pub async fn delete(&self, complaint_id: Uuid, id: Uuid) -> Result<(), FileError> {
        match tokio::fs::remove_file(self.path(complaint_id, id)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Removes a stored file (used when its database row could not be written).
    pub async fn remove(&self, complaint_id: Uuid, id: Uuid) {
        let _ = tokio::fs::remove_file(self.path(complaint_id, id)).await;
    }
}

impl PendingFile {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), FileError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(FileError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        let sealed = self.sealer.push(chunk);
        self.file.write_all(&sealed).await?;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes to disk and moves the file into place.
    pub async fn finish(self) -> Result<StoredFile, FileError> {
        let PendingFile {
            tmp,
            dest,
            mut file,
            hasher,
            sealer,
            file_key,
            size,
            ..
        } = self;
        let result = async {
            file.write_all(&sealer.finish()).await?;
            file.flush().await?;
            file.sync_all().await?;
            if let Some(dir) = dest.parent() {
                private_dir(dir).await?;
            }
            tokio::fs::rename(&tmp, &dest).await
        }
        .await;
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e.into());
        }
        Ok(StoredFile {
            size_bytes: size,
            sha256: hex::encode(hasher.finalize()),
            file_key,
        })
    }

    pub async fn abort(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.tmp).await;
    }
}

/// Creates a folder (and its parents) readable by the service's user only (0700).
pub async fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = tokio::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir).await
}

/// Restricts an existing file or folder to the service's user (0600 / 0700);
/// a failure (a read-only mount, another owner) is a warning, not an error.
pub fn restrict(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let mode = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.permissions().mode() & 0o777 != mode
            && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot restrict permissions");
        }
    }
}
