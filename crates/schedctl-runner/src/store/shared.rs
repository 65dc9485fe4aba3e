//! What a job store shared by several runners adds: fires are claimed in the store, and each
//! run handed to a worker holds a lease there.
//!
//! With one runner per store (memory, SQLite) the runner's own job table is the truth and the
//! store a copy. With several runners (PostgreSQL) the store is the truth: each wake-up claims
//! the due jobs in one transaction (rows locked, rows another runner holds skipped), the
//! runner's policy decides each claimed job with the number of runs in progress on *every*
//! runner, and the new next run times, the leases of the runs handed over and the outcome of
//! every fire are committed together before a worker sees a run. A runner renews its
//! heartbeat; one that stops (kill -9, power loss, network cut) is declared dead one lease time
//! later by whichever runner notices first, and its unfinished runs are recorded as abandoned.

use std::time::Duration;

use super::{StoreError, StoredJob};

/// Who a runner is, as other runners, run logs and `schedctl jobs` show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunnerId {
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
    /// Unique among all runners ever: host, pid and start time.
    pub id: String,
}

impl RunnerId {
    /// This process.
    pub fn this_process() -> RunnerId {
        let host = host_name();
        let pid = std::process::id();
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        RunnerId {
            id: format!("{host}:{pid}:{started}"),
            host,
            pid,
        }
    }

    /// `host:pid`, as shown to people.
    pub fn label(&self) -> String {
        format!("{}:{}", self.host, self.pid)
    }
}

/// The machine's host name (`uname -n`).
pub fn host_name() -> String {
    #[cfg(unix)]
    {
        rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned()
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").unwrap_or_else(|_| "localhost".into())
    }
}

/// What happened to one fire when its job was claimed (kept in the store's fire history).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimOutcome {
    /// Handed to a worker (under a lease).
    Submitted,
    /// Merged into a later overdue fire (coalesce = true).
    Coalesced,
    /// Not run: the job had max_instances runs in progress across all runners.
    Dropped,
}

impl ClaimOutcome {
    /// As stored: `submitted`, `coalesced`, `dropped`.
    pub fn name(self) -> &'static str {
        match self {
            ClaimOutcome::Submitted => "submitted",
            ClaimOutcome::Coalesced => "coalesced",
            ClaimOutcome::Dropped => "dropped",
        }
    }
}

/// What the runner decided for one claimed job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The job's new state: its next run time, or ended.
    pub row: StoredJob,
    /// Each fire of this wake-up (microseconds since the Unix epoch) and what happened to it.
    pub fires: Vec<(i64, ClaimOutcome)>,
    /// The run times handed to a worker (microseconds since the Unix epoch), under one lease
    /// (empty: no run, no lease).
    pub lease: Vec<i64>,
}

/// One job claimed and committed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claimed {
    /// The job id.
    pub id: String,
    /// The lease of its run, when one was handed over.
    pub lease: Option<i64>,
}

/// A run that a runner claimed and did not finish: it died, or lost its connection while
/// committing the claim.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Abandoned {
    /// The job id.
    pub job: String,
    /// The run times the run covered (microseconds since the Unix epoch).
    pub fires: Vec<i64>,
    /// The runner that claimed it.
    pub host: String,
    /// Its process id.
    pub pid: u32,
    /// Why it was abandoned.
    pub reason: String,
    /// Whether it was run again (`on_abandon = "rerun"`, with a free instance).
    pub rerun: bool,
}

/// A job store that several runners share.
pub trait SharedStore: Send {
    /// How long a runner may be silent before the others declare it dead.
    fn lease_time(&self) -> Duration;

    /// Claims the jobs due at `now` (microseconds since the Unix epoch) that run on one of
    /// `executors`, skipping those another runner is claiming, in one transaction: `decide`
    /// gets each job and the number of its runs in progress on all runners, and says what to
    /// commit (none: leave the job as it is). Nothing is committed when this fails.
    fn claim_due(
        &mut self,
        now: i64,
        executors: &[String],
        decide: &mut dyn FnMut(StoredJob, u32) -> Option<Claim>,
    ) -> Result<Vec<Claimed>, StoreError>;

    /// The earliest next run time (microseconds since the Unix epoch) of a job that runs on
    /// one of `executors`.
    fn next_due(&mut self, executors: &[String]) -> Result<Option<i64>, StoreError>;

    /// Tells the other runners this one is alive. Also finds the runners that are not
    /// (silent for longer than their lease time), records their unfinished runs as abandoned
    /// and returns them; `rerun` says which of those runs this runner would run again (the
    /// store grants it, with a lease, when the job has a free instance).
    fn heartbeat(
        &mut self,
        rerun: &mut dyn FnMut(&Abandoned) -> bool,
    ) -> Result<Vec<(Abandoned, Option<i64>)>, StoreError>;

    /// The runs in progress: job id and the `host:pid` of the runner running it.
    fn running(&mut self) -> Result<Vec<(String, String)>, StoreError>;

    /// The abandoned runs of a job, latest first (at most `limit`).
    fn abandoned(&mut self, job: &str, limit: i64) -> Result<Vec<Abandoned>, StoreError>;

    /// A run under `lease` finished. Never fails: without a connection, the release waits for
    /// the next one.
    fn release(&mut self, lease: i64);
}
