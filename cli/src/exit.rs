//! Exit codes, in one place (DEVELOPERS.md: 0 ok, 1 check failed, 2 usage or input error).

/// Success.
pub const OK: u8 = 0;
/// A check ran and failed (a snapshot differs, a denied lint fired).
pub const CHECK_FAILED: u8 = 1;
/// Bad usage or bad input: nothing was computed.
pub const USAGE: u8 = 2;
