//! Lints: semantic warnings about schedules that are valid but probably not what was meant.
//!
//! Each lint has a stable code, names the job and field, says why in one line and how to fix
//! it. Trigger lints look at a trigger's fires in a window ([`lint_trigger`]); job-file lints
//! also simulate the window ([`lint_file`]) and read each fire's cause from the streamed ledger,
//! in memory that does not grow with the window.

mod calendar;
mod code;
mod file;
mod pitfalls;
mod trigger;
mod walk;

pub use code::{Lint, LintCode};
pub use file::lint_file;
pub use trigger::lint_trigger;
