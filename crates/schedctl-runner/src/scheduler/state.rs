//! What the scheduler handle, the scheduler thread and the workers share: the job table with
//! one entry per job, the stores, and the pools.
//!
//! An entry is built from a job's [`JobSpec`] and snapshot back to its store as a
//! [`StoredJob`].

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use schedctl_core::{Executor, Job, Micros};
use schedctl_trigger::{Cursor, Instant, JitterRng, Schedule, Tz, ZonedTime};

use crate::clock::SystemClock;
use crate::command::{Action, Closure, CommandSpec};
use crate::error::RunnerError;
use crate::event::{self, EventKind, Listener};
use crate::lock;
use crate::pool::PoolShared;
use crate::store::{JobSpec, JobStore, Origin, StoredJob};

/// A job in the table: its definition, its next run time and what it runs.
pub(super) struct Entry {
    pub(super) spec: JobSpec,
    pub(super) job: Job,
    pub(super) schedule: Schedule,
    pub(super) next: Option<ZonedTime>,
    pub(super) paused: bool,
    /// The instant the trigger is bound to (see [`StoredJob::anchor`]).
    pub(super) anchor: Instant,
    pub(super) origin: Origin,
    /// The job file's definition at the last start (see [`StoredJob::file_spec`]).
    pub(super) file_spec: Option<JobSpec>,
    pub(super) running: u32,
    pub(super) action: Action,
    pub(super) rng: JitterRng,
    pub(super) cursor: Cursor,
}

/// The job table and the stores, behind [`Inner::state`].
pub(super) struct State {
    pub(super) jobs: BTreeMap<String, Entry>,
    /// Closures registered by job id, for jobs loaded from a persistent store.
    pub(super) closures: BTreeMap<String, Closure>,
    pub(super) stores: BTreeMap<String, Box<dyn JobStore>>,
    pub(super) generations: BTreeMap<String, i64>,
    /// The stores shared by several runners (fires are claimed there; see [`super::claim`]),
    /// and when each last had this runner's heartbeat.
    pub(super) shared: BTreeMap<String, Option<std::time::Instant>>,
    pub(super) paused: bool,
    pub(super) stopping: bool,
    pub(super) failed_runs: u64,
}

/// Everything the scheduler handle, the scheduler thread and the workers share.
pub(super) struct Inner {
    pub(super) state: Mutex<State>,
    /// Shared with stores that hear of changes (their waker), which must not keep the
    /// scheduler alive.
    pub(super) wake: Arc<Condvar>,
    pub(super) listeners: Vec<Listener>,
    pub(super) executors: Vec<Executor>,
    pub(super) pools: Vec<Arc<PoolShared>>,
    pub(super) clock: SystemClock,
}

impl Inner {
    /// Tells the listeners that `kind` happened to the fire `fire` of `job`.
    pub(super) fn emit(&self, job: &str, fire: &ZonedTime, kind: EventKind) {
        event::emit(&self.listeners, job, fire, kind);
    }

    /// A worker finished a task of `job`, `failures` of whose runs failed; its lease in a
    /// shared store, if any, is released.
    pub(super) fn task_done(&self, job: &str, failures: u64, lease: Option<(String, i64)>) {
        let mut st = lock(&self.state);
        st.failed_runs += failures;
        if let Some((store, id)) = lease {
            if let Some(s) = st.stores.get_mut(&store).and_then(|s| s.as_shared()) {
                s.release(id);
            }
        }
        if let Some(e) = st.jobs.get_mut(job) {
            e.running = e.running.saturating_sub(1);
            if e.next.is_none() && e.running == 0 {
                st.jobs.remove(job);
            }
        }
        self.wake.notify_all();
    }
}

/// The entry of a stored job: its trigger parsed and bound to the job's anchor (or `now`, for
/// a job added now), its executor found, its action (`action`, else a closure registered for
/// its id, else its command), and its next run time: the stored one, or with none its first
/// fire from `now`.
pub(super) fn build_entry(
    executors: &[Executor],
    closures: &BTreeMap<String, Closure>,
    row: StoredJob,
    action: Option<Action>,
    now: Instant,
) -> Result<Entry, RunnerError> {
    let StoredJob {
        spec,
        next_run_time: next,
        paused,
        anchor,
        origin,
        file_spec,
        ..
    } = row;
    let store_err = |error| RunnerError::Store {
        store: spec.jobstore.clone(),
        error,
    };
    let trigger = spec.parse_trigger().map_err(store_err)?;
    let executor = executors
        .iter()
        .position(|e| e.name == spec.executor)
        .ok_or_else(|| RunnerError::Unknown {
            job: spec.id.clone(),
            what: "executor",
            name: spec.executor.clone(),
        })?;
    let job = Job {
        id: spec.id.clone(),
        trigger_text: spec.trigger.clone(),
        trigger: trigger.clone(),
        duration: Micros::from_micros(spec.duration_us),
        command: spec.command.clone(),
        executor,
        jobstore: spec.jobstore.clone(),
        coalesce: spec.coalesce,
        max_instances: spec.max_instances,
        misfire_grace_time: spec.misfire_grace_us.map(Micros::from_micros),
        timeout: spec.timeout_us.map(Micros::from_micros),
        on_abandon: spec.on_abandon,
        line: 0,
    };
    let id = spec.id.clone();
    let fail = |error| RunnerError::Trigger {
        job: id.clone(),
        error,
    };
    let anchor = anchor.map_or(now, Instant::from_unix_micros);
    let schedule = trigger.schedule(anchor).map_err(fail)?;
    let action = match action {
        Some(a) => a,
        None => match closures.get(&spec.id) {
            Some(c) => Action::Closure(c.clone()),
            None if spec.command.is_empty() => {
                return Err(RunnerError::NothingToRun { job: spec.id });
            }
            None => Action::Command(CommandSpec {
                argv: spec.command.clone(),
                timeout: spec
                    .timeout_us
                    .map(|us| Duration::from_micros(us.max(0) as u64)),
                ..CommandSpec::default()
            }),
        },
    };
    let mut entry = Entry {
        spec,
        job,
        schedule,
        next: None,
        paused,
        anchor,
        origin,
        file_spec,
        running: 0,
        action,
        rng: JitterRng::new(0),
        cursor: Cursor::default(),
    };
    entry.next = match next {
        Some(us) => Some(
            ZonedTime::from_instant(
                Instant::from_unix_micros(us),
                Tz::Zone(entry.schedule.zone()),
            )
            .map_err(|e| fail(e.into()))?,
        ),
        None => first_fire(&mut entry, now)?,
    };
    Ok(entry)
}

/// The entry's first fire from `now`.
pub(super) fn first_fire(
    entry: &mut Entry,
    now: Instant,
) -> Result<Option<ZonedTime>, RunnerError> {
    let fail = |error| RunnerError::Trigger {
        job: entry.spec.id.clone(),
        error,
    };
    let now = ZonedTime::from_instant(now, Tz::Fixed(0)).map_err(|e| fail(e.into()))?;
    entry
        .schedule
        .next_fire_time(None, &now, &mut entry.rng)
        .map_err(fail)
}

/// The entry as its store keeps it.
pub(super) fn stored(entry: &Entry) -> StoredJob {
    StoredJob {
        spec: entry.spec.clone(),
        next_run_time: entry.next.map(|n| n.instant().unix_micros()),
        paused: entry.paused,
        anchor: Some(entry.anchor.unix_micros()),
        ended: None,
        removed: false,
        origin: entry.origin,
        file_spec: entry.file_spec.clone(),
    }
}

/// The entry as its store keeps it once it has ended, and why.
pub(super) fn ended(entry: &Entry, reason: String) -> StoredJob {
    StoredJob {
        next_run_time: None,
        ended: Some(reason),
        ..stored(entry)
    }
}

/// Writes the entry to its store, which must be configured.
pub(super) fn persist(st: &mut State, entry: &Entry) -> Result<(), RunnerError> {
    let store = entry.spec.jobstore.clone();
    match st.stores.get_mut(&store) {
        Some(s) => s
            .put(&stored(entry))
            .map_err(|error| RunnerError::Store { store, error }),
        None => Err(RunnerError::Unknown {
            job: entry.spec.id.clone(),
            what: "job store",
            name: store,
        }),
    }
}
