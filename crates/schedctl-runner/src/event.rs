//! Events: what happened to each fire of a job, told to the listeners.

use std::sync::Arc;

use schedctl_core::Micros;
use schedctl_trigger::{Instant, ZonedTime};

use crate::output::RunOutput;

/// How one run ended, or why a fire did not run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "status", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum EventKind {
    /// The run was queued on its executor.
    Submitted,
    /// The run finished; `exit_code` is the command's (none for a closure or a signal).
    Executed {
        /// When the run started.
        start: Instant,
        /// When it finished.
        end: Instant,
        /// The command's exit code, `Some(0)`; `None` for a closure or an empty command.
        exit_code: Option<i32>,
    },
    /// The run failed: non-zero exit (`exit_code`), could not start, timed out, or the
    /// closure failed.
    Error {
        /// The command's exit code; `None` when it did not exit by itself (not started,
        /// killed by a signal or at its timeout) or for a closure.
        exit_code: Option<i32>,
        /// When the run started.
        start: Instant,
        /// When it ended.
        end: Instant,
        /// What went wrong, in words.
        message: String,
    },
    /// Started too late for the misfire grace.
    Missed {
        /// When a worker took the fire (and did not run it).
        start: Instant,
        /// `start` minus the fire time, beyond the job's misfire grace.
        late: Micros,
    },
    /// Merged into a later overdue fire.
    Coalesced,
    /// Not run: the job had max_instances runs in progress.
    Dropped {
        /// The runs in progress (the job's `max_instances`).
        running: u32,
    },
    /// A shared store's run that its runner (`host`, `pid`) claimed and did not finish: it
    /// died or was cut off. Run again on this runner when `rerun`.
    Abandoned {
        /// The host name of the runner that claimed the run.
        host: String,
        /// That runner's process id.
        pid: u32,
        /// Why the run counts as abandoned, in words.
        reason: String,
        /// Whether this runner runs it again (`on_abandon = "rerun"`, with a free instance).
        rerun: bool,
    },
}

impl EventKind {
    /// The outcome class, as in the simulation ledger (`submitted` for queued runs).
    pub fn outcome(&self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Executed { .. } => "executed",
            EventKind::Error { .. } => "error",
            EventKind::Missed { .. } => "missed",
            EventKind::Coalesced => "coalesced",
            EventKind::Dropped { .. } => "dropped",
            EventKind::Abandoned { .. } => "abandoned",
        }
    }
}

/// Something that happened to a fire of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Event {
    /// The job id.
    pub job: String,
    /// The fire, in the trigger's zone.
    pub fire: ZonedTime,
    /// What happened.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub kind: EventKind,
    /// What the command wrote (`executed` and `error` of a command whose output is not
    /// discarded; see [`crate::Output`]).
    pub output: Option<RunOutput>,
}

/// A function told about every event (keep it quick: the scheduler waits for it).
pub type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// Tells every listener that `kind` happened to the fire `fire` of `job` (the fire in its
/// canonical form in its zone).
pub(crate) fn emit(listeners: &[Listener], job: &str, fire: &ZonedTime, kind: EventKind) {
    emit_with_output(listeners, job, fire, kind, None);
}

/// [`emit`], with what the run's command wrote.
pub(crate) fn emit_with_output(
    listeners: &[Listener],
    job: &str,
    fire: &ZonedTime,
    kind: EventKind,
    output: Option<RunOutput>,
) {
    let event = Event {
        job: job.to_owned(),
        fire: canonical(fire),
        kind,
        output,
    };
    for l in listeners {
        l(&event);
    }
}

/// A fire as events show it: in its canonical form in its zone.
pub(crate) fn canonical(fire: &ZonedTime) -> ZonedTime {
    fire.canonical_in(fire.tz()).unwrap_or(*fire)
}
