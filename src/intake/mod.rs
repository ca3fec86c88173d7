//! Channel adapters: complaints that arrive from other systems.

pub mod lapor;
