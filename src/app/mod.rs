//! The application core: every state change of aduan goes through here.
//!
//! Both doors — the JSON API (`api/`) and the pages for people (`web/`) —
//! and the intake adapters (`intake/email`, `intake/lapor`) call [`App`];
//! none of them writes through the store directly. A door parses its input
//! into domain types, calls one `App` method, and renders the outcome.
//! Reads may go straight to the store.
//!
//! What lives here: registration from every channel (`register.rs`: the
//! deadline, the access code, the acknowledgement, one outcome type per
//! source), workflow actions (`workflow.rs`), the clock, the calendar and SLA
//! policy (`policy.rs`), the organisation and keys (`org.rs`), attachments
//! and the outbox/quarantine retries (`ops.rs`).

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod categories;
pub mod chat;
pub mod dashboard;
pub mod groupcommit;
pub mod keycache;
pub mod notifications;
mod ops;
pub mod org;
pub mod passwords;
pub mod policy;
pub mod privacy;
pub mod register;
pub mod reminders;
pub mod reports;
pub mod search;
pub mod survey;
pub mod vault;
pub mod views;
pub mod visits;
pub mod webhooks;
mod workflow;

use std::sync::Arc;

use crate::config::Settings;
use crate::store::{AttachmentFiles, DynStore};

pub use policy::{Policy, PolicyCache};
pub use register::{DeskRegistration, EmailRegistration, LaporRegistration, RestRegistration};
pub use workflow::authority;

/// The application: the store, the settings and what is cached in memory.
pub struct App {
    pub store: DynStore,
    pub settings: Arc<Settings>,
    pub files: AttachmentFiles,
    /// The calendar and SLA policies in force (every registration reads it).
    pub policy: PolicyCache,
    /// The store's keyring: seals secrets kept in the database (TOTP
    /// secrets, replay codes, links) and encrypts attachments.
    pub vault: Arc<crate::vault::Vault>,
    /// The dashboard's last figures (`dashboard.rs`).
    pub dashboard: dashboard::DashboardCache,
    /// API-key look-ups (`keycache.rs`).
    pub keys: keycache::KeyCache,
    /// Registrations written a batch per transaction (`groupcommit.rs`).
    pub intake: groupcommit::GroupCommit,
    /// Password hashing, a bounded number at a time (`passwords.rs`).
    pub hasher: passwords::Hasher,
    /// Wakes the message-channel courier when this process queued something.
    pub chat_wake: Arc<tokio::sync::Notify>,
    /// The office's categories as last read (`categories.rs`).
    pub categories: categories::CategoryCache,
}

impl App {
    /// The application over a prepared store (and the store's keyring).
    pub fn new(store: DynStore, settings: Arc<Settings>) -> Arc<Self> {
        let vault = store.vault().clone();
        Arc::new(App {
            files: AttachmentFiles::new(&settings.data_dir, vault.clone()),
            store,
            settings,
            policy: PolicyCache::default(),
            vault,
            dashboard: Default::default(),
            keys: Default::default(),
            intake: groupcommit::GroupCommit::new(),
            hasher: passwords::Hasher::per_core(passwords::WAIT),
            chat_wake: Arc::new(tokio::sync::Notify::new()),
            categories: Default::default(),
        })
    }

    /// The office's time zone.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.settings.office_timezone
    }
}
