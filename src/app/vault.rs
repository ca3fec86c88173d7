//! Upkeep of the encryption at rest (docs/adr/0016): sealing what was
//! stored before encryption, and re-sealing under a new master key.

use crate::store::{AttachmentFiles, Store, StoreError};

const PAGE: u32 = 500;

/// Encrypts complaints and attachments stored before encryption; returns
/// `(complaints, attachments)` sealed. Safe to run in several processes at
/// once and to interrupt: each row is sealed once (`WHERE dek IS NULL`),
/// and an attachment's key is recorded before its file is rewritten (a
/// file without the header is read as plaintext whatever its row says).
pub async fn seal_legacy(
    store: &dyn Store,
    files: &AttachmentFiles,
) -> Result<(u64, u64), StoreError> {
    let mut complaints = 0;
    loop {
        let n = store.seal_legacy_complaints(PAGE).await?;
        complaints += n;
        if n == 0 {
            break;
        }
    }
    let mut attachments = 0;
    loop {
        let page = store.legacy_attachments(PAGE).await?;
        if page.is_empty() {
            break;
        }
        for (id, complaint_id, name) in page {
            let (_, file_key) = store.vault().new_record_key();
            if store.set_attachment_key(id, &file_key, &name).await? {
                files
                    .seal_in_place(complaint_id, id, &file_key)
                    .await
                    .map_err(|e| StoreError::Corrupt(format!("attachment {id}: {e}")))?;
                attachments += 1;
            }
        }
    }
    if complaints + attachments > 0 {
        tracing::info!(
            complaints,
            attachments,
            "personal data stored before encryption is now encrypted"
        );
    }
    Ok((complaints, attachments))
}

/// What a re-sealing run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResealReport {
    pub primary: u32,
    pub rows: u64,
    pub resealed: u64,
    pub failed: u64,
    /// Values still sealed by an older key after the last pass (written by
    /// a process that had not yet seen the new key); run again to finish.
    pub left_behind: i64,
}

/// Re-seals every sealed value under the primary master key, page by page
/// (each page one short transaction, compare-and-set per row, so the
/// service keeps running). `progress(done, total)` after each page.
/// Passes repeat while values under older keys remain (at most 3).
pub async fn reseal_all(
    store: &dyn Store,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<ResealReport, StoreError> {
    let vault = store.vault().clone();
    let primary = vault.primary_kid();
    let mut report = ResealReport {
        primary,
        ..Default::default()
    };
    let total: u64 = store
        .sealed_rows()
        .await?
        .iter()
        .map(|(_, n)| *n as u64)
        .sum();
    for pass in 0..3 {
        let mut done = 0;
        for column in 0..store.sealed_columns().len() {
            let mut after = None;
            loop {
                let page = store.reseal_page(column, after, PAGE, primary).await?;
                done += page.seen;
                report.resealed += page.resealed;
                report.failed += page.failed;
                if pass == 0 {
                    report.rows += page.seen;
                }
                progress(done.min(total.max(done)), total.max(done));
                match page.last {
                    Some(last) if page.seen == u64::from(PAGE) => after = Some(last),
                    _ => break,
                }
            }
        }
        let mut older = 0;
        for kid in vault.kids().into_iter().filter(|k| *k != primary) {
            older += store.count_sealed_by(kid, false).await?;
        }
        report.left_behind = older;
        if older == 0 {
            break;
        }
    }
    Ok(report)
}
