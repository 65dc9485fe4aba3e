//! The TOML job file of the contract: text → validated [`JobFile`].
//!
//! Owns every key of the file, its default and its validation. The file is read into a
//! spanned TOML tree (the `toml` crate's `DeTable`), then walked key by key so that *every*
//! error is reported, each with the byte span of the offending key or value; nothing is
//! simulated from a file with errors. Trigger strings are parsed here, once, in the file's
//! zone.
//!
//! The pieces, each using only those before it: this module holds the model; `walker` reads
//! typed values out of the spanned tree and keeps every error; `job` reads one `[[job]]` table
//! and the options `[job_defaults]` shares with it; `parse` reads the whole file
//! ([`JobFile::parse`]) and holds the tests.

mod job;
mod parse;
mod walker;

use schedctl_trigger::{Trigger, Zone, ZonedTime};

use crate::duration::Micros;

/// APScheduler's default pool size.
pub const DEFAULT_MAX_WORKERS: u32 = 10;

/// The largest pool a job file may ask for.
pub const MAX_WORKERS: u32 = 10_000;

/// A worker pool (APScheduler's `ThreadPoolExecutor(max_workers)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executor {
    /// The name jobs refer to (`default` for `[executor]`).
    pub name: String,
    /// Number of workers, at least 1.
    pub max_workers: u32,
}

/// How long a runner's claim on a fire in a shared (PostgreSQL) store lasts unless renewed
/// (a job store's `lease`), when the file does not say.
pub const DEFAULT_LEASE: Micros = Micros::from_secs(5);

/// Where the real runner keeps jobs; a simulation only validates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStoreKind {
    /// Rebuilt from the job file at each start.
    Memory,
    /// An SQLite file, relative to the job file.
    Sqlite {
        /// The database file, as written (relative paths are relative to the job file).
        path: String,
    },
    /// A PostgreSQL database, which several runners may share.
    Postgres {
        /// Where the database is (`url` or `url_env`).
        url: PostgresUrl,
        /// How long a runner's claim on a fire lasts unless renewed (`lease`, 1 s to 1 h,
        /// [`DEFAULT_LEASE`] when not given).
        lease: Micros,
    },
}

/// Where a PostgreSQL job store's connection URL comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostgresUrl {
    /// Written in the file (`url`): a `postgres://` or `postgresql://` URL, as given.
    Url(String),
    /// The name of an environment variable holding the URL (`url_env`), so that no password
    /// sits in the file. The parser does not read it; the runner resolves it when it opens
    /// the store.
    Env(String),
}

/// What a runner does with a fire that a dead runner claimed and did not finish (a shared
/// store): `Record` writes it to the run log as abandoned (APScheduler's at-most-once);
/// `Rerun` runs it again (at-least-once).
///
/// A simulation has no runners to die, so it ignores this.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnAbandon {
    /// Write the fire to the run log as abandoned; do not run it again.
    #[default]
    Record,
    /// Run the fire again.
    Rerun,
}

impl OnAbandon {
    /// The names accepted in job files (`on_abandon`), the default first.
    pub const NAMES: &'static str = "record, rerun";

    /// The name used in job files.
    pub fn name(self) -> &'static str {
        match self {
            OnAbandon::Record => "record",
            OnAbandon::Rerun => "rerun",
        }
    }

    /// The value of a name used in job files.
    pub fn from_name(name: &str) -> Option<OnAbandon> {
        match name {
            "record" => Some(OnAbandon::Record),
            "rerun" => Some(OnAbandon::Rerun),
            _ => None,
        }
    }
}

/// A named job store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobStore {
    /// The name jobs refer to.
    pub name: String,
    /// Its kind.
    pub kind: JobStoreKind,
}

/// One job, with `job_defaults` applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Unique id.
    pub id: String,
    /// The trigger as written.
    pub trigger_text: String,
    /// The parsed trigger.
    pub trigger: Trigger,
    /// Simulated run time of one run.
    pub duration: Micros,
    /// What the real runner executes (argv, no shell).
    pub command: Vec<String>,
    /// Index into [`JobFile::executors`].
    pub executor: usize,
    /// The job store's name.
    pub jobstore: String,
    /// Run once for several overdue fires.
    pub coalesce: bool,
    /// Most runs of this job in progress (queued or running) at once.
    pub max_instances: u32,
    /// Most lateness allowed at start; `None` for no limit.
    pub misfire_grace_time: Option<Micros>,
    /// The real runner kills a command that runs longer (none: no limit).
    pub timeout: Option<Micros>,
    /// What a runner does with a fire of this job that a dead runner left unfinished.
    pub on_abandon: OnAbandon,
    /// 1-based line of the `[[job]]` header.
    pub line: usize,
}

/// A window in which the scheduler is paused (or down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    /// Start, inclusive.
    pub from: ZonedTime,
    /// End, exclusive.
    pub to: ZonedTime,
}

/// A validated job file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobFile {
    /// The scheduler's default zone.
    pub timezone: Zone,
    /// Pools, sorted by name (`default` always present).
    pub executors: Vec<Executor>,
    /// Named stores (`default` is built in and not listed unless configured).
    pub jobstores: Vec<JobStore>,
    /// Jobs, in file order.
    pub jobs: Vec<Job>,
    /// Pause windows, sorted by start.
    pub pauses: Vec<Pause>,
}

impl JobFile {
    /// The executor a job runs on.
    pub fn executor_of(&self, job: &Job) -> &Executor {
        &self.executors[job.executor]
    }
}

/// 1-based line of a byte offset.
#[cfg(test)]
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}
