//! The fire ledger: every fire of every job, classified, with the rule that decided it.

use schedctl_trigger::{Instant, ZonedTime};

use crate::duration::Micros;

/// What became of one fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Status {
    /// Ran.
    Executed,
    /// Started later than the misfire grace allows: skipped.
    Missed,
    /// Merged into a later overdue fire of the same job (coalesce).
    Coalesced,
    /// The job already had max_instances runs in progress.
    Dropped,
    /// Still unprocessed at the end of the window (a pause reaches past it).
    Pending,
}

impl Status {
    /// All statuses, in ledger order.
    pub const ALL: [Status; 5] = [
        Status::Executed,
        Status::Missed,
        Status::Coalesced,
        Status::Dropped,
        Status::Pending,
    ];

    /// The name used in the ledger.
    pub fn name(self) -> &'static str {
        match self {
            Status::Executed => "executed",
            Status::Missed => "missed",
            Status::Coalesced => "coalesced",
            Status::Dropped => "dropped",
            Status::Pending => "pending",
        }
    }
}

/// Why a fire got its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Rule {
    /// Started within the grace (or with no grace limit); `late` is start − fire.
    OnTime {
        /// The start minus the fire time.
        late: Micros,
    },
    /// Started `late` after the fire, more than the grace. Of that lateness, `woke_late` passed
    /// before the scheduler handed the fire to its pool (a pause or outage, or a fire before
    /// the start) and `queued` waiting for a worker; the rest behind the same task's earlier
    /// run times (`coalesce = false`).
    LateBeyondGrace {
        /// The start minus the fire time.
        late: Micros,
        /// The job's `misfire_grace_time`.
        grace: Micros,
        /// The part of `late` before the scheduler handed the fire to its pool.
        woke_late: Micros,
        /// The part of `late` spent waiting for a worker.
        queued: Micros,
    },
    /// Overdue together with later fires; only the fire at `into` runs.
    CoalescedInto {
        /// The fire that ran in its place.
        into: Instant,
    },
    /// `running` runs were in progress, the job's max_instances.
    MaxInstances {
        /// The runs in progress (the job's `max_instances`).
        running: u32,
    },
    /// The scheduler was paused (or down) until after the window's end.
    PausedPastEnd,
    /// APScheduler 3.11's scheduler froze at `at` (an AndTrigger loop, CONTRACT rule 7a) and
    /// never processed this fire.
    Frozen {
        /// When the scheduler froze.
        at: Instant,
    },
}

impl Rule {
    /// A one-line explanation.
    pub fn describe(&self) -> String {
        match self {
            Rule::OnTime { late } if late.as_micros() == 0 => "started on time".into(),
            Rule::OnTime { late } => format!("started {late} late, within the misfire grace"),
            Rule::LateBeyondGrace { late, grace, .. } => {
                format!("started {late} late, beyond misfire_grace_time {grace}")
            }
            Rule::CoalescedInto { .. } => "coalesced into the latest overdue fire".into(),
            Rule::MaxInstances { running } => format!("max_instances reached ({running} running)"),
            Rule::PausedPastEnd => "scheduler paused past the end of the window".into(),
            Rule::Frozen { .. } => {
                "the scheduler froze earlier (APScheduler 3.11's AndTrigger loop): never processed"
                    .into()
            }
        }
    }
}

/// One classified fire.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Entry {
    /// Index of the job in the job file.
    pub job: usize,
    /// The fire time, in the job's trigger zone.
    pub fire: ZonedTime,
    /// Its class.
    pub status: Status,
    /// When a worker took it (executed and missed).
    pub start: Option<Instant>,
    /// When it finished (executed).
    pub end: Option<Instant>,
    /// The worker, numbered within the job's executor.
    pub worker: Option<u32>,
    /// Why.
    pub rule: Rule,
}

impl Entry {
    /// A fire that never reached a worker (coalesced, dropped or pending).
    pub(crate) fn unstarted(job: usize, fire: ZonedTime, status: Status, rule: Rule) -> Entry {
        Entry {
            job,
            fire,
            status,
            start: None,
            end: None,
            worker: None,
            rule,
        }
    }
}

/// Counts per status for one job.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// Fires in the window.
    pub fires: u64,
    /// Per status, in [`Status::ALL`] order.
    pub by_status: [u64; 5],
    /// The largest start − fire of an executed or missed fire.
    pub max_lateness: Micros,
    /// The most runs in progress (queued or running) at once.
    pub peak_instances: u32,
}

impl Counts {
    /// The count of one status.
    pub fn get(&self, status: Status) -> u64 {
        self.by_status[status as usize]
    }

    /// Counts `entry`, whose fire is at the instant `at`.
    pub(crate) fn record(&mut self, entry: &Entry, at: Instant) {
        self.fires += 1;
        self.by_status[entry.status as usize] += 1;
        if let Some(start) = entry.start {
            let late = Micros::from_micros(start.unix_micros() - at.unix_micros());
            self.max_lateness = self.max_lateness.max(late);
        }
    }
}

/// Load of one executor over the simulation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolLoad {
    /// The executor's name.
    pub name: String,
    /// Its worker count.
    pub max_workers: u32,
    /// Most workers busy at once.
    pub peak_busy: u32,
    /// Longest time a run waited in the queue for a worker.
    pub longest_wait: Micros,
    /// Runs missed because they waited too long in this pool's queue.
    pub missed_while_queued: u64,
}
