//! aduan: complaint management for Indonesian government offices.
//! See `docs/ARCHITECTURE.md` for the map of modules.

pub mod api;
pub mod app;
pub mod config;
pub mod domain;
pub mod http;
pub mod intake;
pub mod jobs;
pub mod memory;
pub mod notify;
pub mod pdf;
pub mod reports;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod vault;
pub mod web;
pub mod webhooks;
pub mod words;
pub mod workers;
