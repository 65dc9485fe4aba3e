//! schedctl from the outside, as a newcomer uses it: only public API, the features `chrono`,
//! `jiff` and `serde` on, fixed dates. One test binary; each area is a module in a file beside
//! this one.

mod builder;
mod chrono_in_chrono_out;
mod jiff_in_jiff_out;
mod serde_round_trips;
