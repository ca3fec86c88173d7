//! Integration tests over HTTP against a real server and real databases.
//! Each test runs on SQLite and on PostgreSQL (see helpers::both_backends).

mod helpers;

pub mod accounts;
mod attachments;
mod audit;
mod auth;
mod binary;
mod browser;
mod bulk;
mod calendar;
mod categories;
mod channels;
mod clock;
mod complaints;
mod contract;
mod deploy;
pub mod email;
mod errors;
mod groupcommit;
mod jobs;
mod keyring;
pub mod lapor;
mod lapor_faults;
mod layout;
mod letters;
mod mailbox;
mod matrix;
mod open311;
mod ops;
mod outage;
pub mod outbox;
mod privacy;
pub mod public;
mod reports;
mod rights;
mod search;
mod security;
mod smtp;
mod store_conformance;
mod visits;
mod webhooks;
pub mod whatsapp;
pub mod workflow;
