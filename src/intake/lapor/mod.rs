//! SP4N-LAPOR! integration: everything LAPOR!-specific lives here.

pub mod wire;
