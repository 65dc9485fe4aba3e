//! Job stores: where jobs and their next run times live between runs.
//!
//! A store keeps each job's definition ([`JobSpec`]) and its next run time. The runner commits
//! a job's new next run time *before* it hands the run to a worker, so a crash (even `kill -9`)
//! can lose a run in progress but never runs one fire twice; on restart, overdue fires are
//! handled by the job's coalesce and misfire policy, as APScheduler does with a persistent
//! store. [`MemoryStore`] forgets everything at exit; [`SqliteStore`] is a file. Other stores
//! (a server shared by several runners) implement [`JobStore`].

mod memory;
mod sqlite;

use std::path::PathBuf;

use schedctl_core::{Job, Micros};
use schedctl_trigger::{Trigger, Zone};
use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;
pub use sqlite::{SqliteStore, SCHEMA_VERSION};

/// A job's definition as stored: enough to rebuild it without the job file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    /// Unique id.
    pub id: String,
    /// The trigger string.
    pub trigger: String,
    /// The zone the trigger is read in when it names none.
    pub timezone: String,
    /// argv of the command (no shell).
    #[serde(default)]
    pub command: Vec<String>,
    /// The executor's name.
    pub executor: String,
    /// The store's name.
    pub jobstore: String,
    /// APScheduler's coalesce.
    pub coalesce: bool,
    /// APScheduler's max_instances.
    pub max_instances: u32,
    /// APScheduler's misfire_grace_time in microseconds (none: no limit).
    pub misfire_grace_us: Option<i64>,
    /// The simulated duration (kept so `simulate` and `run` read the same definition).
    #[serde(default)]
    pub duration_us: i64,
    /// Kill the command after this many microseconds (none: no limit).
    #[serde(default)]
    pub timeout_us: Option<i64>,
}

impl JobSpec {
    /// The definition of a job of a job file whose default zone is `zone`.
    pub fn from_job(job: &Job, zone: Zone, executor: &str) -> JobSpec {
        JobSpec {
            id: job.id.clone(),
            // A DST policy from the job file's keys is not in the trigger text: store the
            // canonical form, which has it.
            trigger: match &job.trigger {
                Trigger::Cron(c) if !c.dst().is_default() => job.trigger.to_string(),
                _ => job.trigger_text.clone(),
            },
            timezone: zone.name().to_owned(),
            command: job.command.clone(),
            executor: executor.to_owned(),
            jobstore: job.jobstore.clone(),
            coalesce: job.coalesce,
            max_instances: job.max_instances,
            misfire_grace_us: job.misfire_grace_time.map(Micros::as_micros),
            duration_us: job.duration.as_micros(),
            timeout_us: job.timeout.map(Micros::as_micros),
        }
    }

    /// The trigger, parsed.
    pub fn parse_trigger(&self) -> Result<Trigger, StoreError> {
        let zone = Zone::get(&self.timezone).map_err(|_| StoreError::Corrupt {
            what: format!(
                "job `{}` names an unknown zone `{}`",
                self.id, self.timezone
            ),
        })?;
        Trigger::parse_in(&self.trigger, zone).map_err(|e| StoreError::Corrupt {
            what: format!(
                "job `{}` has a bad trigger `{}`: {e}",
                self.id, self.trigger
            ),
        })
    }
}

/// The zone used to print times of a job.
pub fn job_zone(spec: &JobSpec) -> Zone {
    spec.parse_trigger()
        .map(|t| t.zone())
        .unwrap_or_else(|_| Zone::utc())
}

/// A stored job: its definition, next run time and paused flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredJob {
    /// The definition.
    pub spec: JobSpec,
    /// Microseconds since the epoch; none when the trigger has no more fires.
    pub next_run_time: Option<i64>,
    /// A paused job keeps its next run time but is not run.
    pub paused: bool,
}

/// Why a store could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file is not a schedctl store (or not SQLite at all).
    #[error("`{path}` is not a schedctl job store: {reason}")]
    NotAStore { path: PathBuf, reason: String },
    /// Written by a newer schedctl.
    #[error("`{path}` was written by a newer schedctl (schema {found}, this one reads up to {supported})")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The content does not make sense.
    #[error("the store is damaged: {what}")]
    Corrupt { what: String },
    /// No job of that id.
    #[error("no job `{id}` in the store")]
    NoSuchJob { id: String },
    /// The file (or its directory) cannot be written: a runner must commit each next run
    /// time before the run, so it refuses to start rather than fail at the first fire.
    #[error("`{path}` is read-only: a runner writes each next run time before the run (make the file and its directory writable)")]
    ReadOnly { path: PathBuf },
    /// Another `schedctl run` holds the store: two runners on one store would both run
    /// every fire.
    #[error("`{path}` is in use by another schedctl run{}: two runners on one store would run every job twice", holder.as_ref().map(|h| format!(" (pid {h})")).unwrap_or_default())]
    InUse {
        path: PathBuf,
        holder: Option<String>,
    },
    /// The disk is full (or the store reached its size limit). SQLite rolled the write back:
    /// the store keeps its last committed state.
    #[error("the disk holding the job store is full: nothing was written, the store keeps its last committed state")]
    Full,
    /// SQLite failed (locked, I/O error ...).
    #[error("{0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full,
            _ => StoreError::Sqlite(e),
        }
    }
}

/// Where jobs are kept. Every method commits before it returns.
pub trait JobStore: Send {
    /// All jobs.
    fn load(&mut self) -> Result<Vec<StoredJob>, StoreError>;
    /// Adds a job or replaces the one with the same id.
    fn put(&mut self, job: &StoredJob) -> Result<(), StoreError>;
    /// Sets a job's next run time.
    fn set_next_run_time(&mut self, id: &str, next: Option<i64>) -> Result<(), StoreError>;
    /// Removes a job.
    fn remove(&mut self, id: &str) -> Result<(), StoreError>;
    /// A number that changes whenever another process changed the store (so a runner can pick
    /// up `schedctl jobs pause` within a second); constant for stores only this process sees.
    fn generation(&mut self) -> Result<i64, StoreError>;
}
