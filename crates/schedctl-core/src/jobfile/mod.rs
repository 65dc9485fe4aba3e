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

/// Where the real runner keeps jobs; a simulation only validates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStoreKind {
    /// Rebuilt from the job file at each start.
    Memory,
    /// An SQLite file, relative to the job file.
    Sqlite { path: String },
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
