//! Channel adapters: complaints that arrive from other systems.

pub mod email;
pub mod lapor;
pub mod messages;
pub mod sms;
pub mod telegram;
pub mod whatsapp;
