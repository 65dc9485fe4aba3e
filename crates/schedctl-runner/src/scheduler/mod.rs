//! The real scheduler: the core's policy on the system clock, with worker threads.
//!
//! One scheduler thread wakes at the earliest next run time (and at least every second, to pick
//! up changes other processes made to persistent stores), applies [`schedctl_core::policy`]
//! to each due job exactly as the simulation does, commits the job's new next run time to its
//! store, and only then queues the run on the job's executor. Each executor is a pool of
//! worker threads with a FIFO queue; a worker checks the misfire grace when it would start a
//! run time, then runs the job's action (a command, or a Rust closure) and reports an event.
//!
//! This file holds the [`Scheduler`] handle and its operations. The scheduler thread is in
//! [`wakeup`], picking up other processes' store changes in [`reconcile`], and what the handle,
//! the thread and the workers share (the job table) in [`state`]; the workers are in
//! [`crate::pool`], running a command in [`crate::command`], and events in [`crate::event`].

mod claim;
mod reconcile;
mod state;
mod sync;
mod wakeup;

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use schedctl_core::{Clock, Executor};
use schedctl_trigger::{Instant, ZonedTime};

use crate::clock::SystemClock;
use crate::command::{Action, Closure};
use crate::error::RunnerError;
use crate::event::Listener;
use crate::lock;
use crate::output::Output;
use crate::pool::{self, PoolShared};
use crate::store::{JobSpec, JobStore, Origin, StoreError, StoredJob};
use state::{build_entry, first_fire, persist, stored, Inner, State};
pub use sync::{SyncAction, Synced};

/// A job as [`Scheduler::get_jobs`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobInfo {
    /// Its definition.
    pub spec: JobSpec,
    /// Next run time, in the trigger's zone.
    pub next_run_time: Option<ZonedTime>,
    /// Paused jobs are not run.
    pub paused: bool,
    /// Runs queued or running now.
    pub running: u32,
}

/// An embeddable scheduler with APScheduler's operations.
///
/// Jobs live in named job stores ([`Scheduler::add_store`]) and run on named executors
/// (worker pools) with the policy of APScheduler 3.x: the scheduler thread wakes at the
/// earliest next run time, commits each job's new next run time to its store, and hands the
/// run to a worker, where it is missed when it starts later than the job's misfire grace.
/// Times come from the system clock ([`SystemClock`](crate::SystemClock)); next run times are
/// written in each trigger's zone.
///
/// ```
/// use schedctl_core::Executor;
/// use schedctl_runner::{JobSpec, MemoryStore, RunnerError, Scheduler};
///
/// let mut sched = Scheduler::new(vec![Executor { name: "default".into(), max_workers: 1 }], vec![]);
/// sched.add_store("default", Box::new(MemoryStore::default()))?;
/// let (spec, _) = JobSpec::builder("report", "date:run_date=2030-07-01T09:00:00")
///     .timezone("Europe/Dublin")
///     .command(["true"])
///     .build();
/// sched.add_job(spec.clone(), None, false)?;
/// let jobs = sched.get_jobs();
/// // A naive run date is read in the job's zone (Irish Summer Time in July).
/// let next = jobs[0].next_run_time.map(|t| t.to_string());
/// assert_eq!(next.as_deref(), Some("2030-07-01T09:00:00+01:00"));
///
/// sched.pause_job("report")?;
/// assert!(sched.get_jobs()[0].paused);
/// assert!(matches!(sched.add_job(spec, None, false), Err(RunnerError::Exists(_))));
/// assert!(matches!(sched.pause_job("nightly"), Err(RunnerError::NoSuchJob(_))));
/// # Ok::<(), RunnerError>(())
/// ```
pub struct Scheduler {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
    output: Arc<Output>,
}

impl Scheduler {
    /// A scheduler with these executors (pools) and listeners; no jobs, not started.
    pub fn new(executors: Vec<Executor>, listeners: Vec<Listener>) -> Scheduler {
        let pools = executors
            .iter()
            .map(|_| Arc::new(PoolShared::default()))
            .collect();
        let state = State {
            jobs: BTreeMap::new(),
            closures: BTreeMap::new(),
            stores: BTreeMap::new(),
            generations: BTreeMap::new(),
            shared: BTreeMap::new(),
            paused: false,
            stopping: false,
            failed_runs: 0,
        };
        let inner = Arc::new(Inner {
            state: Mutex::new(state),
            wake: Arc::new(Condvar::new()),
            listeners,
            executors,
            pools,
            clock: SystemClock,
        });
        Scheduler {
            inner,
            thread: None,
            workers: Vec::new(),
            output: Arc::default(),
        }
    }

    /// Where the commands' standard output and error go (default: discarded); takes effect at
    /// [`Scheduler::start`].
    pub fn set_output(&mut self, output: Output) {
        self.output = Arc::new(output);
    }

    /// Adds a job store under `name` and loads its jobs (ended jobs and removal markers stay
    /// in the store). A loaded job runs the closure registered for its id
    /// ([`Scheduler::register_closure`], so register closures first), else its stored
    /// command; a job with neither is [`RunnerError::NothingToRun`]. Overdue fires of loaded
    /// jobs are handled at the first wake-up by their coalesce and misfire policy.
    pub fn add_store(&self, name: &str, mut store: Box<dyn JobStore>) -> Result<(), RunnerError> {
        let fail = |error| RunnerError::Store {
            store: name.to_owned(),
            error,
        };
        let jobs = store.load().map_err(fail)?;
        let generation = store.generation().map_err(fail)?;
        let wake = self.inner.wake.clone();
        store.set_waker(Arc::new(move || wake.notify_all()));
        let shared = store.as_shared().is_some();
        let mut st = lock(&self.inner.state);
        let now = self.inner.clock.now();
        for row in jobs.into_iter().filter(StoredJob::is_active) {
            let id = row.spec.id.clone();
            let entry = build_entry(&self.inner.executors, &st.closures, row, None, now)?;
            st.jobs.insert(id, entry);
        }
        st.generations.insert(name.to_owned(), generation);
        if shared {
            st.shared.insert(name.to_owned(), None);
        }
        st.stores.insert(name.to_owned(), store);
        self.inner.wake.notify_all();
        Ok(())
    }

    /// Registers the closure that job `id` runs, for a job whose definition comes from a
    /// persistent store (closures cannot be stored): call it before [`Scheduler::add_store`].
    /// A job already in the table runs it from now on.
    pub fn register_closure(&self, id: &str, closure: Closure) {
        let mut st = lock(&self.inner.state);
        if let Some(e) = st.jobs.get_mut(id) {
            e.action = Action::Closure(closure.clone());
        }
        st.closures.insert(id.to_owned(), closure);
    }

    /// Adds a job (APScheduler's `add_job`): its trigger is bound to now (an interval without
    /// `start_date` counts from now, also after a pause) and its next run time is its first
    /// fire from now. With `replace_existing`, a job of the same id is replaced. Without an
    /// `action` the job runs its spec's command (or a registered closure). A job added here
    /// belongs to its store: starting from a job file leaves it alone ([`Origin::Command`]).
    ///
    /// Errors: [`RunnerError::Exists`] for a taken id without `replace_existing`;
    /// [`RunnerError::Unknown`] for an executor or job store that is not configured;
    /// [`RunnerError::Trigger`] when the first fire cannot be computed;
    /// [`RunnerError::Store`] for a zone or trigger string that does not parse
    /// ([`StoreError::BadJob`]) or a store that fails to write.
    pub fn add_job(
        &self,
        spec: JobSpec,
        action: Option<Action>,
        replace_existing: bool,
    ) -> Result<(), RunnerError> {
        self.add_job_from(spec, action, replace_existing, Origin::Command)
    }

    /// Adds a job built with [`JobSpec::builder`]; as [`Scheduler::add_job`] without
    /// replacing (a job with its id is [`RunnerError::Exists`]).
    pub fn add(&self, job: crate::JobBuilder) -> Result<(), RunnerError> {
        let (spec, action) = job.build();
        self.add_job(spec, action, false)
    }

    fn add_job_from(
        &self,
        spec: JobSpec,
        action: Option<Action>,
        replace_existing: bool,
        origin: Origin,
    ) -> Result<(), RunnerError> {
        let mut st = lock(&self.inner.state);
        if st.jobs.contains_key(&spec.id) && !replace_existing {
            return Err(RunnerError::Exists(spec.id));
        }
        let row = StoredJob {
            origin,
            ..StoredJob::new(spec, None, None)
        };
        let now = self.inner.clock.now();
        let entry = build_entry(&self.inner.executors, &st.closures, row, action, now)?;
        persist(&mut st, &entry)?;
        st.jobs.insert(entry.spec.id.clone(), entry);
        self.inner.wake.notify_all();
        Ok(())
    }

    /// Removes a job from the scheduler and its store (its running runs finish).
    ///
    /// Errors: [`RunnerError::NoSuchJob`]; [`RunnerError::Store`] when the store fails.
    pub fn remove_job(&self, id: &str) -> Result<(), RunnerError> {
        let mut st = lock(&self.inner.state);
        let entry = st
            .jobs
            .remove(id)
            .ok_or_else(|| RunnerError::NoSuchJob(id.into()))?;
        let store = entry.spec.jobstore.clone();
        if let Some(s) = st.stores.get_mut(&store) {
            match s.remove(id) {
                Ok(()) | Err(StoreError::NoSuchJob { .. }) => {}
                Err(error) => return Err(RunnerError::Store { store, error }),
            }
        }
        Ok(())
    }

    /// Pauses a job: it keeps its definition and next run time but does not run.
    ///
    /// Errors: [`RunnerError::NoSuchJob`]; [`RunnerError::Store`] when the store fails.
    pub fn pause_job(&self, id: &str) -> Result<(), RunnerError> {
        self.set_paused(id, true)
    }

    /// Resumes a job: its next run time is its first fire from now (APScheduler's rule).
    ///
    /// Errors: [`RunnerError::NoSuchJob`]; [`RunnerError::Trigger`] when the next fire cannot
    /// be computed; [`RunnerError::Store`] when the store fails.
    pub fn resume_job(&self, id: &str) -> Result<(), RunnerError> {
        self.set_paused(id, false)
    }

    fn set_paused(&self, id: &str, paused: bool) -> Result<(), RunnerError> {
        let mut st = lock(&self.inner.state);
        let now = self.inner.clock.now();
        let entry = st
            .jobs
            .get_mut(id)
            .ok_or_else(|| RunnerError::NoSuchJob(id.into()))?;
        entry.paused = paused;
        if !paused {
            entry.next = first_fire(entry, now)?;
        }
        let snapshot = stored(entry);
        let store = entry.spec.jobstore.clone();
        if let Some(s) = st.stores.get_mut(&store) {
            s.put(&snapshot)
                .map_err(|error| RunnerError::Store { store, error })?;
        }
        self.inner.wake.notify_all();
        Ok(())
    }

    /// Replaces a job's definition. Like APScheduler's `modify_job`, options (coalesce,
    /// max_instances, misfire grace, executor, command ...) change and the next run time stays;
    /// a new trigger or zone reschedules the job from now, as `reschedule_job` does.
    ///
    /// Errors: [`RunnerError::NoSuchJob`], and those of [`Scheduler::add_job`] but `Exists`.
    pub fn modify_job(&self, spec: JobSpec) -> Result<(), RunnerError> {
        let mut st = lock(&self.inner.state);
        let old = st
            .jobs
            .get(&spec.id)
            .ok_or_else(|| RunnerError::NoSuchJob(spec.id.clone()))?;
        let reschedule = old.spec.trigger != spec.trigger || old.spec.timezone != spec.timezone;
        let running = old.running;
        let action = match &old.action {
            Action::Closure(c) => Some(Action::Closure(c.clone())),
            Action::Command(_) => None,
        };
        let row = if reschedule {
            StoredJob {
                paused: old.paused,
                origin: old.origin,
                file_spec: old.file_spec.clone(),
                ..StoredJob::new(spec, None, None)
            }
        } else {
            StoredJob {
                spec,
                ..stored(old)
            }
        };
        let now = self.inner.clock.now();
        let mut entry = build_entry(&self.inner.executors, &st.closures, row, action, now)?;
        entry.running = running;
        persist(&mut st, &entry)?;
        st.jobs.insert(entry.spec.id.clone(), entry);
        self.inner.wake.notify_all();
        Ok(())
    }

    /// Every job, by id.
    pub fn get_jobs(&self) -> Vec<JobInfo> {
        let st = lock(&self.inner.state);
        st.jobs
            .values()
            .map(|e| JobInfo {
                spec: e.spec.clone(),
                next_run_time: e.next,
                paused: e.paused,
                running: e.running,
            })
            .collect()
    }

    /// Changes a job's trigger (APScheduler's `reschedule_job`); the next run time is its first
    /// fire from now. `trigger` is read in the job's zone unless it names one.
    ///
    /// Errors: those of [`Scheduler::modify_job`].
    pub fn reschedule_job(&self, id: &str, trigger: &str) -> Result<(), RunnerError> {
        let spec = {
            let st = lock(&self.inner.state);
            let entry = st
                .jobs
                .get(id)
                .ok_or_else(|| RunnerError::NoSuchJob(id.into()))?;
            JobSpec {
                trigger: trigger.to_owned(),
                ..entry.spec.clone()
            }
        };
        self.modify_job(spec)
    }

    /// The jobs as a text table, one line per job (APScheduler's `print_jobs`).
    pub fn print_jobs(&self) -> String {
        let mut out = String::from("Jobstore/executor  id  trigger  next run time\n");
        for j in self.get_jobs() {
            let next = match (&j.next_run_time, j.paused) {
                (_, true) => "paused".to_owned(),
                (Some(n), false) => n
                    .canonical_in(n.tz())
                    .map_or_else(|_| n.to_string(), |c| c.to_string()),
                (None, false) => "done".to_owned(),
            };
            out.push_str(&format!(
                "{}/{}  {}  {}  {next}\n",
                j.spec.jobstore, j.spec.executor, j.spec.id, j.spec.trigger
            ));
        }
        out
    }

    /// Starts, runs until `deadline` (an instant of the system clock; or forever with none),
    /// then shuts down waiting for running runs: the blocking form of [`Scheduler::start`].
    pub fn run_until(&mut self, deadline: Option<Instant>) {
        self.start();
        loop {
            let now = self.inner.clock.now();
            match deadline {
                Some(d) if now >= d => break,
                Some(d) => std::thread::sleep(Duration::from_micros(
                    (d.unix_micros() - now.unix_micros()).clamp(0, 200_000) as u64,
                )),
                None => std::thread::sleep(Duration::from_millis(200)),
            }
        }
        self.shutdown(true);
    }

    /// Pauses the whole scheduler: no wake-ups until [`Scheduler::resume`].
    pub fn pause(&self) {
        lock(&self.inner.state).paused = true;
    }

    /// Resumes the scheduler; overdue fires are handled by each job's policy.
    pub fn resume(&self) {
        lock(&self.inner.state).paused = false;
        self.inner.wake.notify_all();
    }

    /// How many runs have failed so far.
    pub fn failed_runs(&self) -> u64 {
        lock(&self.inner.state).failed_runs
    }

    /// Starts the scheduler thread and the workers, and returns.
    pub fn start(&mut self) {
        if self.thread.is_some() {
            return;
        }
        for (p, exec) in self.inner.executors.iter().enumerate() {
            for _ in 0..exec.max_workers {
                let (inner, output) = (self.inner.clone(), self.output.clone());
                self.workers.push(std::thread::spawn(move || {
                    pool::worker(
                        &inner.pools[p],
                        &inner.clock,
                        &inner.listeners,
                        &output,
                        |job, failures, lease| inner.task_done(job, failures, lease),
                    )
                }));
            }
        }
        let inner = self.inner.clone();
        self.thread = Some(std::thread::spawn(move || wakeup::scheduler_loop(&inner)));
    }

    /// Stops taking new runs. With `wait`, returns when queued and running runs have finished;
    /// without, returns at once (running commands are left to finish on their own).
    pub fn shutdown(&mut self, wait: bool) {
        lock(&self.inner.state).stopping = true;
        self.inner.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for pool in &self.inner.pools {
            pool.close();
        }
        if wait {
            for w in self.workers.drain(..) {
                let _ = w.join();
            }
        } else {
            self.workers.clear();
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shutdown(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::store::MemoryStore;

    fn spec(id: &str, trigger: &str) -> JobSpec {
        JobSpec {
            id: id.into(),
            trigger: trigger.into(),
            timezone: "UTC".into(),
            command: vec!["true".into()],
            executor: "default".into(),
            jobstore: "default".into(),
            coalesce: true,
            max_instances: 1,
            misfire_grace_us: None,
            duration_us: 0,
            timeout_us: None,
            on_abandon: Default::default(),
        }
    }

    /// A scheduler with a default pool of `workers` and a memory store, not started.
    fn with_memory_store(workers: u32) -> Scheduler {
        let sched = Scheduler::new(
            vec![Executor {
                name: "default".into(),
                max_workers: workers,
            }],
            vec![],
        );
        sched
            .add_store("default", Box::new(MemoryStore::default()))
            .expect("store");
        sched
    }

    /// A scheduler with one job that sleeps `ms` per run and counts finished runs.
    fn sleeper(ms: u64) -> (Scheduler, Arc<AtomicUsize>) {
        let done = Arc::new(AtomicUsize::new(0));
        let counter = done.clone();
        let mut sched = with_memory_store(1);
        let action = Action::Closure(Arc::new(move |_: &str, _: &schedctl_trigger::ZonedTime| {
            std::thread::sleep(Duration::from_millis(ms));
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }));
        sched
            .add_job(spec("sleepy", "interval:seconds=1"), Some(action), false)
            .expect("add");
        sched.start();
        (sched, done)
    }

    #[test]
    fn shutdown_wait_waits_for_the_running_run() {
        let (mut sched, done) = sleeper(800);
        std::thread::sleep(Duration::from_millis(1_300)); // the first run started at ~1 s
        sched.shutdown(true);
        assert_eq!(
            done.load(Ordering::SeqCst),
            1,
            "shutdown(wait) returned after the run ended"
        );
    }

    #[test]
    fn shutdown_without_wait_returns_at_once() {
        let (mut sched, done) = sleeper(800);
        std::thread::sleep(Duration::from_millis(1_300));
        let t = std::time::Instant::now();
        sched.shutdown(false);
        assert!(
            t.elapsed() < Duration::from_millis(300),
            "returned in {:?}",
            t.elapsed()
        );
        assert_eq!(done.load(Ordering::SeqCst), 0, "the run was still going");
    }

    /// A closure job whose definition comes from a persistent store (closures cannot be
    /// stored) runs the closure registered for its id; without one, adding the store is an
    /// error naming the job, never a job that silently runs nothing.
    #[test]
    fn a_stored_closure_job_runs_its_registered_closure_or_is_refused() {
        let store = || {
            let mut s = MemoryStore::default();
            let mut spec = spec("cleanup", "interval:seconds=1");
            spec.command.clear();
            s.put(&StoredJob::new(spec, None, None)).expect("put");
            Box::new(s)
        };
        let pool = || {
            vec![Executor {
                name: "default".into(),
                max_workers: 1,
            }]
        };
        let sched = Scheduler::new(pool(), vec![]);
        match sched.add_store("default", store()) {
            Err(RunnerError::NothingToRun { job }) => assert_eq!(job, "cleanup"),
            other => panic!("{other:?}"),
        }
        let mut sched = Scheduler::new(pool(), vec![]);
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = runs.clone();
        sched.register_closure(
            "cleanup",
            Arc::new(move |_: &str, _: &schedctl_trigger::ZonedTime| {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }),
        );
        sched.add_store("default", store()).expect("store");
        sched.start();
        std::thread::sleep(Duration::from_millis(1_400));
        sched.shutdown(true);
        assert!(runs.load(Ordering::SeqCst) >= 1, "the closure ran");
    }

    /// Options change without moving the next run time (APScheduler's `modify_job`); a new
    /// trigger reschedules (`reschedule_job`).
    #[test]
    fn modify_keeps_the_next_run_time_unless_the_trigger_changes() {
        let sched = with_memory_store(1);
        sched
            .add_job(spec("a", "interval:hours=5"), None, false)
            .expect("add");
        let next = sched.get_jobs()[0].next_run_time;
        std::thread::sleep(Duration::from_millis(20));
        let mut changed = spec("a", "interval:hours=5");
        changed.max_instances = 3;
        changed.coalesce = false;
        sched.modify_job(changed).expect("modify");
        assert_eq!(sched.get_jobs()[0].next_run_time, next);
        sched
            .reschedule_job("a", "interval:hours=6")
            .expect("reschedule");
        assert_ne!(sched.get_jobs()[0].next_run_time, next);
    }

    #[test]
    fn job_operations_and_print_jobs() {
        let sched = with_memory_store(2);
        sched
            .add_job(spec("a", "cron:hour=2"), None, false)
            .expect("add");
        assert!(matches!(
            sched.add_job(spec("a", "cron:hour=3"), None, false),
            Err(RunnerError::Exists(_))
        ));
        sched
            .add_job(spec("a", "cron:hour=3"), None, true)
            .expect("replace");
        sched
            .reschedule_job("a", "cron:hour=4")
            .expect("reschedule");
        assert_eq!(sched.get_jobs()[0].spec.trigger, "cron:hour=4");
        sched.pause_job("a").expect("pause");
        assert!(
            sched
                .print_jobs()
                .contains("default/default  a  cron:hour=4  paused"),
            "{}",
            sched.print_jobs()
        );
        sched.resume_job("a").expect("resume");
        assert!(
            sched.print_jobs().contains("T04:00:00+00:00"),
            "{}",
            sched.print_jobs()
        );
        sched.remove_job("a").expect("remove");
        assert!(matches!(
            sched.remove_job("a"),
            Err(RunnerError::NoSuchJob(_))
        ));
        assert!(sched.get_jobs().is_empty());
    }
}
