//! Attachment bytes on disk under the data directory; the database keeps the
//! metadata and the SHA-256. A file is written to a temporary name, hashed
//! while it streams in, and moved into place only when complete.

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
}

/// A completed, hashed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub size_bytes: u64,
    pub sha256: String,
}

pub struct PendingFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl AttachmentFiles {
    pub fn new(data_dir: &Path) -> Self {
        AttachmentFiles {
            root: data_dir.join("attachments"),
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
        Ok(PendingFile {
            tmp,
            dest: self.path(complaint_id, id),
            file,
            hasher: Sha256::new(),
            size: 0,
            limit,
        })
    }

    pub async fn open(&self, complaint_id: Uuid, id: Uuid) -> Result<tokio::fs::File, FileError> {
        Ok(tokio::fs::File::open(self.path(complaint_id, id)).await?)
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
        self.file.write_all(chunk).await?;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes to disk and moves the file into place.
    pub async fn finish(mut self) -> Result<StoredFile, FileError> {
        let result = async {
            self.file.flush().await?;
            self.file.sync_all().await?;
            if let Some(dir) = self.dest.parent() {
                private_dir(dir).await?;
            }
            tokio::fs::rename(&self.tmp, &self.dest).await
        }
        .await;
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&self.tmp).await;
            return Err(e.into());
        }
        Ok(StoredFile {
            size_bytes: self.size,
            sha256: hex::encode(self.hasher.finalize()),
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
