//! Pure domain types and rules. Nothing in here may depend on actix, sqlx or
//! reqwest: it is plain data and functions, unit-tested on its own.

pub mod access;
pub mod account;
pub mod attachment;
pub mod audit;
pub mod calendar;
pub mod category;
pub mod complaint;
pub mod conversation;
pub mod deadline;
pub mod identity;
pub mod letter;
pub mod notification;
pub mod report;
pub mod retention;
pub mod role;
pub mod search;
pub mod skm;
pub mod textdiff;
pub mod tracking;
pub mod validation;
pub mod visit;
pub mod webhook;
pub mod workflow;

pub use access::AccessCode;
pub use complaint::{
    Channel, ComplaintInput, ExternalRef, ExternalRefInput, Kind, NewComplaint, Reporter,
    ReporterInput, Status, public_event_description,
};
pub use role::Role;
pub use tracking::{TrackingNumber, TrackingPrefix};
pub use validation::{FieldError, ValidationErrors};
