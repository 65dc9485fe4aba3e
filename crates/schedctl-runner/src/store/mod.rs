//! Job stores: where jobs and their next run times live between runs.
//!
//! A store keeps each job's definition ([`JobSpec`]) and its next run time. The runner commits
//! a job's new next run time *before* it hands the run to a worker, so a crash (even `kill -9`)
//! can lose a run in progress but never runs one fire twice; on restart, overdue fires are
//! handled by the job's coalesce and misfire policy, as APScheduler does with a persistent
//! store. [`MemoryStore`] forgets everything at exit; [`SqliteStore`] is a file held by one
//! runner; `PostgresStore` (cargo feature `postgres`) is shared by several runners, which claim
//! each fire in it ([`SharedStore`]).

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod shared;
mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

use schedctl_core::{Job, Micros, OnAbandon};
use schedctl_trigger::{Trigger, Zone};
use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{Notice, PostgresStore, PG_SCHEMA_VERSION};
pub use shared::{host_name, Abandoned, Claim, ClaimOutcome, Claimed, RunnerId, SharedStore};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};

/// A job's definition as stored: enough to rebuild it without the job file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobSpec {
    /// Unique id.
    pub id: String,
    /// The trigger string.
    pub trigger: String,
    /// The IANA name of the zone the trigger is read in when it names none.
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
    /// The simulated duration in microseconds (kept so `simulate` and `run` read the same
    /// definition).
    #[serde(default)]
    pub duration_us: i64,
    /// Kill the command after this many microseconds (none: no limit).
    #[serde(default)]
    pub timeout_us: Option<i64>,
    /// What a runner of a shared store does with a run its dead runner did not finish.
    #[serde(default)]
    pub on_abandon: OnAbandon,
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
            on_abandon: job.on_abandon,
        }
    }

    /// The trigger, parsed in [`JobSpec::timezone`] unless it names a zone.
    ///
    /// Errors: [`StoreError::BadJob`] for an unknown zone or a trigger string that does not
    /// parse.
    pub fn parse_trigger(&self) -> Result<Trigger, StoreError> {
        let zone = Zone::get(&self.timezone).map_err(|_| StoreError::BadJob {
            what: format!(
                "job `{}` names an unknown zone `{}`",
                self.id, self.timezone
            ),
        })?;
        Trigger::parse_in(&self.trigger, zone).map_err(|e| StoreError::BadJob {
            what: format!(
                "job `{}` has a bad trigger `{}`: {e}",
                self.id, self.trigger
            ),
        })
    }
}

/// The zone used to print times of a job: its trigger's zone, or UTC when the trigger or
/// zone does not parse.
pub fn job_zone(spec: &JobSpec) -> Zone {
    spec.parse_trigger()
        .map(|t| t.zone())
        .unwrap_or_else(|_| Zone::utc())
}

/// Who added a job to its store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// A job file (`schedctl run FILE`): the file decides at each start.
    #[default]
    File,
    /// `schedctl jobs add` (or the library): the store owns it, a job file leaves it alone.
    Command,
}

impl Origin {
    /// As stored and shown: `file` or `command`.
    pub fn name(self) -> &'static str {
        match self {
            Origin::File => "file",
            Origin::Command => "command",
        }
    }

    /// The origin of a stored name (an unknown name reads as `file`).
    pub fn from_name(name: &str) -> Origin {
        if name == "command" {
            Origin::Command
        } else {
            Origin::File
        }
    }
}

/// A stored job: its definition, next run time and state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredJob {
    /// The definition.
    pub spec: JobSpec,
    /// Microseconds since the Unix epoch; none when the trigger has no more fires.
    pub next_run_time: Option<i64>,
    /// A paused job keeps its next run time but is not run.
    pub paused: bool,
    /// The instant (microseconds since the Unix epoch) the trigger was bound to when the job
    /// was added: APScheduler fixes an interval's start (one interval after it), a bare date's
    /// run date and a calendar interval's first date then, so a resumed interval keeps its
    /// grid.
    pub anchor: Option<i64>,
    /// Why the job has no more fires, once it has ended (a date fired, an end_date passed,
    /// an `and` that would loop). An ended job stays in its store, so that the next start
    /// does not add it again while its definition is unchanged.
    pub ended: Option<String>,
    /// Removed with `schedctl jobs remove` while its job file still has it: kept as a marker
    /// so that the next start does not add it back while its definition is unchanged.
    pub removed: bool,
    /// Who added it.
    pub origin: Origin,
    /// For a job of a job file: its definition in the file at the last start. The next start
    /// compares the file with this, not with `spec`, so a change made with `schedctl jobs`
    /// (modify, remove) stands until the file itself changes.
    pub file_spec: Option<JobSpec>,
}

impl StoredJob {
    /// A scheduled job (not paused, ended or removed) added by a job file.
    pub fn new(spec: JobSpec, next_run_time: Option<i64>, anchor: Option<i64>) -> StoredJob {
        StoredJob {
            spec,
            next_run_time,
            anchor,
            ..StoredJob::default()
        }
    }

    /// Whether the scheduler runs it (now or when resumed): neither ended nor removed.
    pub fn is_active(&self) -> bool {
        self.ended.is_none() && !self.removed
    }
}

/// Why a store could not be used. Every variant about a file names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file is not a schedctl store (or not SQLite at all).
    #[error("`{path}` is not a schedctl job store: {reason}")]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// Why it is not a store.
        reason: String,
    },
    /// No store at that path (only `schedctl run` creates stores).
    #[error(
        "no job store at `{path}`: `schedctl run` creates one; give an existing one with --store"
    )]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// The directory the store would be created in does not exist.
    #[error("cannot create the job store `{path}`: the directory `{dir}` does not exist")]
    NoDirectory {
        /// The store's path.
        path: PathBuf,
        /// The directory that does not exist.
        dir: PathBuf,
    },
    /// The path names a directory.
    #[error("`{path}` is a directory, not a job store file (give a file path, e.g. `{path}/schedctl.db`)")]
    IsADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// Written by a newer schedctl.
    #[error("`{path}` was written by a newer schedctl (schema {found}, this one reads up to {supported})")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The newest schema version this schedctl reads ([`crate::SCHEMA_VERSION`]).
        supported: i64,
    },
    /// The content does not make sense.
    #[error("the job store `{path}` is damaged: {what}")]
    Corrupt {
        /// The file (or the database URL, password hidden).
        path: PathBuf,
        /// What does not make sense.
        what: String,
    },
    /// A stored job that cannot be rebuilt (a zone or a trigger this schedctl rejects).
    #[error("{what}")]
    BadJob {
        /// Which job, and why it cannot be rebuilt.
        what: String,
    },
    /// No job of that id.
    #[error("no job `{id}` in the store")]
    NoSuchJob {
        /// The id asked for.
        id: String,
    },
    /// The file cannot be written: a runner must commit each next run time before the run,
    /// so it refuses to start rather than fail at the first fire.
    #[error("`{path}` is read-only: a runner writes each next run time before the run (make the file writable)")]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// The store's directory cannot be written: SQLite keeps its write-ahead log beside it.
    #[error("the directory `{dir}` of the job store `{path}` is not writable: SQLite keeps `-wal` and `-shm` files beside the store (make the directory writable)")]
    ReadOnlyDirectory {
        /// The file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
    },
    /// The store file has more than one name (hard links).
    #[error("`{path}` has {links} hard links: SQLite keeps a store's write-ahead log by file name, so two names of one store would corrupt it (use one path, or a symlink)")]
    HardLinked {
        /// The file.
        path: PathBuf,
        /// How many names it has.
        links: u64,
    },
    /// Another `schedctl run` holds the store: two runners on one store would both run
    /// every fire.
    #[error("`{path}` is in use by another schedctl run{}: two runners on one store would run every job twice", holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    InUse {
        /// The file.
        path: PathBuf,
        /// The runner holding it (`pid N on HOST`), as that runner wrote it into the store.
        holder: Option<String>,
    },
    /// The disk is full (or the store reached its size limit). SQLite rolled the write back:
    /// the store keeps its last committed state.
    #[error("the disk holding the job store `{path}` is full: nothing was written, the store keeps its last committed state")]
    Full {
        /// The file.
        path: PathBuf,
    },
    /// A PostgreSQL URL that cannot be used.
    #[error("the job store URL `{url}` cannot be used: {reason}")]
    BadUrl {
        /// The URL, password hidden.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The connection to the database is down; the store reconnects with backoff.
    #[error("no connection to the job store `{url}` (for {secs} s; reconnecting)")]
    Disconnected {
        /// The URL, password hidden.
        url: String,
        /// How long the connection has been down, in whole seconds.
        secs: u64,
    },
    /// The database failed or refused (its message).
    #[error("job store `{url}`: {message}")]
    Database {
        /// The URL, password hidden.
        url: String,
        /// The database's message.
        message: String,
    },
    /// SQLite failed (locked, I/O error ...).
    #[error("job store `{path}`: {error}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        error: rusqlite::Error,
    },
}

/// Called by a store when another process changed it (LISTEN/NOTIFY): wakes the scheduler.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Where jobs are kept. Every method commits before it returns.
pub trait JobStore: Send {
    /// All jobs, ended and removed ones included.
    fn load(&mut self) -> Result<Vec<StoredJob>, StoreError>;
    /// The job `id` (ended and removed ones included).
    fn get(&mut self, id: &str) -> Result<StoredJob, StoreError> {
        self.load()?
            .into_iter()
            .find(|j| j.spec.id == id)
            .ok_or_else(|| StoreError::NoSuchJob { id: id.into() })
    }
    /// Adds a job or replaces the one with the same id.
    fn put(&mut self, job: &StoredJob) -> Result<(), StoreError>;
    /// Adds or replaces several jobs at once: all or none (one transaction, one sync to disk
    /// for a file store).
    fn put_many(&mut self, jobs: &[StoredJob]) -> Result<(), StoreError> {
        jobs.iter().try_for_each(|j| self.put(j))
    }
    /// Sets a job's next run time (microseconds since the Unix epoch; none: no more fires).
    fn set_next_run_time(&mut self, id: &str, next: Option<i64>) -> Result<(), StoreError>;
    /// Removes a job.
    fn remove(&mut self, id: &str) -> Result<(), StoreError>;
    /// A number that changes whenever another process changed the store (so a runner can pick
    /// up `schedctl jobs pause` within a second); constant for stores only this process sees.
    fn generation(&mut self) -> Result<i64, StoreError>;
    /// What to call the store in messages: its file, or `memory`.
    fn describe(&self) -> String;
    /// A setting kept in the store (the job file's zone, for `schedctl jobs add`).
    fn setting(&mut self, _key: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    /// Keeps a setting in the store.
    fn set_setting(&mut self, _key: &str, _value: &str) -> Result<(), StoreError> {
        Ok(())
    }
    /// Tells runners using the store that it changed (`schedctl jobs` calls it after a change).
    fn notify_runners(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Asks the store to call `waker` when another process changes it (stores that can hear
    /// of changes; the others are checked every second).
    fn set_waker(&mut self, _waker: Waker) {}
    /// The store as shared by several runners, when it is one.
    fn as_shared(&mut self) -> Option<&mut dyn SharedStore> {
        None
    }
}
