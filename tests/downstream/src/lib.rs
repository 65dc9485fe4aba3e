//! Nothing to use: this package holds integration tests (`tests/`) that use schedctl the
//! way a newcomer would, with the cargo features `chrono`, `jiff` and `serde` on.
