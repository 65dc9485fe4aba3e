//! Schedule snapshots: a canonical, line-oriented text of every fire, its outcome and the rule
//! that decided it, and the comparison of two of them.
//!
//! A snapshot is meant to be committed and reviewed in diffs: one header block (window, the job
//! file's name and SHA-256, schedctl and tz database versions), then per job (in file order) a
//! `[job-id]` line and one line per fire: the fire in RFC 3339 with its offset, its outcome
//! class, for started runs the lateness when not zero, and the fields of the rule that decided
//! the outcome (`grace=`, `running=`, `into=`, ...). Nothing depends on the machine, the current
//! time or how the window was spelled: the same job file and window give the same bytes.
//!
//! Version 1 snapshots (no rule fields) are still read: they compare on outcome and lateness
//! only, and a report shows no reason for their side.
//!
//! The pieces, each using only those before it: `span` prints durations; `format` writes and
//! reads the text (versions 1 and 2); `diff` compares two snapshots (renames, uniform shifts,
//! moved fires); `render` reports a diff in words. This module re-exports them and makes the
//! snapshot of a job file or a trigger in one call.

mod diff;
mod format;
mod render;
mod span;

use std::fmt::Write as _;

use schedctl_trigger::{IsoDateTime, Tz, ZonedTime};

use crate::jobfile::JobFile;

pub use diff::{diff, JobDiff};
pub use format::{
    render, version_of, FireLine, FireRule, Snapshot, SnapshotError, MAGIC, MAGIC_V1, VERSION,
};
pub use render::{detail, render_diff, render_diff_limited, summary};
pub use span::{signed_span, span};

/// Why a snapshot could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MakeError {
    /// The job file has errors.
    #[error("{0}")]
    File(#[from] crate::error::FileErrors),
    /// The trigger string has errors.
    #[error("{0}")]
    Trigger(#[from] schedctl_trigger::ParseErrors),
    /// A window bound cannot be read.
    #[error("window bound `{0}` is not an ISO 8601 date or datetime")]
    Window(String),
    /// The simulation failed.
    #[error("{0}")]
    Sim(#[from] crate::engine::SimError),
    /// A fire is out of range.
    #[error("{0}")]
    Eval(#[from] schedctl_trigger::EvalError),
}

fn bound(text: &str, zone: schedctl_trigger::Zone) -> Result<ZonedTime, MakeError> {
    IsoDateTime::parse(text)
        .ok()
        .and_then(|t| t.resolve(Tz::Zone(zone)).ok())
        .and_then(|t| t.canonical_in(Tz::Zone(zone)).ok())
        .ok_or_else(|| MakeError::Window(text.to_owned()))
}

/// The snapshot of a job file's text over `[from, to)` (ISO dates or datetimes, naive ones in
/// the file's timezone). Used by [`assert_schedule_snapshot!`](crate::assert_schedule_snapshot).
///
/// Errors: [`MakeError::File`] for a bad job file, [`MakeError::Window`] for a bound that
/// cannot be read, [`MakeError::Sim`] when the simulation fails.
pub fn job_file_snapshot(
    file_name: &str,
    source: &str,
    from: &str,
    to: &str,
) -> Result<String, MakeError> {
    let file = JobFile::parse(source)?;
    let (from, to) = (bound(from, file.timezone)?, bound(to, file.timezone)?);
    let sim = crate::simulate::simulate(&file, from.instant(), to.instant(), 0)?;
    Ok(render(file_name, source, &file, &sim, &from, &to))
}

/// The fires of one trigger over `[from, to)`, one per line (zone: UTC unless the trigger
/// names one; naive bounds are read in that zone). Used by
/// [`assert_trigger_snapshot!`](crate::assert_trigger_snapshot).
///
/// Errors: [`MakeError::Trigger`] for a bad trigger string, [`MakeError::Window`] for a
/// bound that cannot be read, [`MakeError::Eval`] when a fire cannot be computed.
pub fn trigger_snapshot(trigger: &str, from: &str, to: &str) -> Result<String, MakeError> {
    let t: schedctl_trigger::Trigger = trigger.parse()?;
    let zone = t.zone();
    let (from, to) = (bound(from, zone)?, bound(to, zone)?);
    let schedule = t.schedule(from.instant())?;
    let mut out = format!(
        "# {t}
# from: {from}
# to: {to}
"
    );
    for fire in schedule.fires_from(from, 0)? {
        let fire = fire?;
        if fire.instant() >= to.instant() {
            break;
        }
        let _ = writeln!(out, "{fire}");
    }
    Ok(out)
}

/// Asserts that a job file's schedule over a window matches its insta snapshot, so that
/// `cargo insta review` shows what a change to the job file does to fires and outcomes.
/// The calling crate depends on `insta`.
///
/// ```no_run
/// # use schedctl_core::assert_schedule_snapshot;
/// assert_schedule_snapshot!("fixtures/jobs/month.toml", "2026-03-01", "2026-04-01");
/// ```
#[macro_export]
macro_rules! assert_schedule_snapshot {
    ($path:expr, $from:expr, $to:expr) => {{
        let path = ::std::path::Path::new($path);
        let source = ::std::fs::read_to_string(path).expect("job file is readable");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = $crate::snapshot::job_file_snapshot(&name, &source, $from, $to)
            .expect("job file simulates");
        ::insta::assert_snapshot!(text);
    }};
}

/// Asserts that a trigger's fires over a window match their insta snapshot.
///
/// ```no_run
/// # use schedctl_core::assert_trigger_snapshot;
/// assert_trigger_snapshot!("cron:hour=2 minute=30 timezone=Europe/Berlin", "2026-03-27", "2026-04-01");
/// ```
#[macro_export]
macro_rules! assert_trigger_snapshot {
    ($trigger:expr, $from:expr, $to:expr) => {{
        let text =
            $crate::snapshot::trigger_snapshot($trigger, $from, $to).expect("trigger evaluates");
        ::insta::assert_snapshot!(text);
    }};
}
