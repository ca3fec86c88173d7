//! What both doors share (issue 33): the request state, the signed-in
//! caller and its session plumbing (cookies, CSRF, client address), how a
//! complaint is shown to a viewer (`dto`, `view`), rate limits. The JSON
//! API (`api/`) and the pages (`web/`) both build on it; `web/` never
//! imports `api/` (`tests/api/layout.rs`).

pub mod dto;
pub mod ratelimit;
pub mod session;
pub mod state;
pub mod status;
pub mod view;

pub use state::AppState;
