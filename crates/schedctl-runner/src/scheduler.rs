//! The real scheduler: the core's policy on the system clock, with worker threads.
//!
//! One scheduler thread wakes at the earliest next run time (and at least every second, to pick
//! up changes other processes made to persistent stores), applies [`schedctl_core::policy`]
//! to each due job exactly as the simulation does, commits the job's new next run time to its
//! store, and only then queues the run on the job's executor. Each executor is a pool of
//! worker threads with a FIFO queue; a worker checks the misfire grace when it would start a
//! run time, then runs the job's action (a command, or a Rust closure) and reports an event.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use schedctl_core::policy::{start_decision, wake_job, StartDecision};
use schedctl_core::{Clock, Executor, Job, Micros};
use schedctl_trigger::{Cursor, Instant, JitterRng, Schedule, Tz, Zone, ZonedTime};

use crate::clock::SystemClock;
use crate::store::{JobSpec, JobStore, StoreError, StoredJob};

/// A command to run: argv (no shell), working directory, environment, optional timeout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandSpec {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Working directory (default: the runner's).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Kill the command after this long.
    pub timeout: Option<Duration>,
}

/// A Rust function to run (for library users).
pub type Closure = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// What a job does when it runs.
#[derive(Clone)]
pub enum Action {
    /// Run a command.
    Command(CommandSpec),
    /// Call a function.
    Closure(Closure),
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Command(c) => write!(f, "Command({:?})", c.argv),
            Action::Closure(_) => f.write_str("Closure"),
        }
    }
}

/// How one run ended, or why a fire did not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The run was queued on its executor.
    Submitted,
    /// The run finished; `exit_code` is the command's (none for a closure or a signal).
    Executed {
        start: Instant,
        end: Instant,
        exit_code: Option<i32>,
    },
    /// The run failed: non-zero exit (`exit_code`), could not start, timed out, or the
    /// closure failed.
    Error {
        exit_code: Option<i32>,
        start: Instant,
        end: Instant,
        message: String,
    },
    /// Started too late for the misfire grace.
    Missed { start: Instant, late: Micros },
    /// Merged into a later overdue fire.
    Coalesced,
    /// Not run: the job had max_instances runs in progress.
    Dropped { running: u32 },
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
        }
    }
}

/// Something that happened to a fire of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The job id.
    pub job: String,
    /// The fire, in the trigger's zone.
    pub fire: ZonedTime,
    /// What happened.
    pub kind: EventKind,
}

/// A function told about every event (keep it quick: the scheduler waits for it).
pub type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// A job store failed.
    #[error("job store `{store}`: {error}")]
    Store { store: String, error: StoreError },
    /// No job of that id.
    #[error("no job `{0}`")]
    NoSuchJob(String),
    /// A job with that id exists and replace_existing was not set.
    #[error("a job `{0}` exists already")]
    Exists(String),
    /// A job names an executor or store that is not configured.
    #[error("job `{job}`: unknown {what} `{name}`")]
    Unknown {
        job: String,
        what: &'static str,
        name: String,
    },
    /// The trigger's next fire is out of range.
    #[error("job `{job}`: {error}")]
    Trigger {
        job: String,
        error: schedctl_trigger::EvalError,
    },
}

/// A job as [`Scheduler::get_jobs`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
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

struct Entry {
    spec: JobSpec,
    job: Job,
    schedule: Schedule,
    next: Option<ZonedTime>,
    paused: bool,
    running: u32,
    action: Action,
    rng: JitterRng,
    cursor: Cursor,
}

struct State {
    jobs: BTreeMap<String, Entry>,
    stores: BTreeMap<String, Box<dyn JobStore>>,
    generations: BTreeMap<String, i64>,
    paused: bool,
    stopping: bool,
    failed_runs: u64,
}

struct Task {
    job: Job,
    run_times: Vec<ZonedTime>,
    action: Action,
}

struct PoolShared {
    queue: Mutex<VecDeque<Task>>,
    ready: Condvar,
    closed: AtomicBool,
}

struct Inner {
    state: Mutex<State>,
    wake: Condvar,
    listeners: Vec<Listener>,
    executors: Vec<Executor>,
    pools: Vec<Arc<PoolShared>>,
    clock: SystemClock,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    fn emit(&self, job: &str, fire: &ZonedTime, kind: EventKind) {
        let zone = fire.tz();
        let fire = fire.canonical_in(zone).unwrap_or(*fire);
        let event = Event {
            job: job.to_owned(),
            fire,
            kind,
        };
        for l in &self.listeners {
            l(&event);
        }
    }
}

/// An embeddable scheduler with APScheduler's operations.
pub struct Scheduler {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// A scheduler with these executors (pools) and listeners; no jobs, not started.
    pub fn new(executors: Vec<Executor>, listeners: Vec<Listener>) -> Scheduler {
        let pools = executors
            .iter()
            .map(|_| {
                Arc::new(PoolShared {
                    queue: Mutex::new(VecDeque::new()),
                    ready: Condvar::new(),
                    closed: AtomicBool::new(false),
                })
            })
            .collect();
        let state = State {
            jobs: BTreeMap::new(),
            stores: BTreeMap::new(),
            generations: BTreeMap::new(),
            paused: false,
            stopping: false,
            failed_runs: 0,
        };
        let inner = Arc::new(Inner {
            state: Mutex::new(state),
            wake: Condvar::new(),
            listeners,
            executors,
            pools,
            clock: SystemClock,
        });
        Scheduler {
            inner,
            thread: None,
            workers: Vec::new(),
        }
    }

    /// Adds a job store under `name` and loads its jobs (`actions` gives each loaded job its
    /// action; a job without one runs its stored command). Overdue fires of loaded jobs are
    /// handled at the first wake-up by their coalesce and misfire policy.
    pub fn add_store(&self, name: &str, mut store: Box<dyn JobStore>) -> Result<(), RunnerError> {
        let fail = |error| RunnerError::Store {
            store: name.to_owned(),
            error,
        };
        let jobs = store.load().map_err(fail)?;
        let generation = store.generation().map_err(fail)?;
        let mut st = lock(&self.inner.state);
        for stored in jobs {
            let entry = self.entry(
                stored.spec.clone(),
                None,
                stored.next_run_time,
                stored.paused,
            )?;
            st.jobs.insert(stored.spec.id.clone(), entry);
        }
        st.generations.insert(name.to_owned(), generation);
        st.stores.insert(name.to_owned(), store);
        self.inner.wake.notify_all();
        Ok(())
    }

    fn entry(
        &self,
        spec: JobSpec,
        action: Option<Action>,
        next: Option<i64>,
        paused: bool,
    ) -> Result<Entry, RunnerError> {
        build_entry(
            &self.inner.executors,
            spec,
            action,
            next,
            paused,
            self.inner.clock.now(),
        )
    }

    /// Adds a job (APScheduler's `add_job`): its next run time is its first fire from now. With
    /// `replace_existing`, a job of the same id is replaced.
    pub fn add_job(
        &self,
        spec: JobSpec,
        action: Option<Action>,
        replace_existing: bool,
    ) -> Result<(), RunnerError> {
        let mut st = lock(&self.inner.state);
        if st.jobs.contains_key(&spec.id) && !replace_existing {
            return Err(RunnerError::Exists(spec.id));
        }
        let entry = self.entry(spec, action, None, false)?;
        persist(&mut st, &entry)?;
        st.jobs.insert(entry.spec.id.clone(), entry);
        self.inner.wake.notify_all();
        Ok(())
    }

    /// Removes a job (its running runs finish).
    pub fn remove_job(&self, id: &str) -> Result<(), RunnerError> {
        let mut st = lock(&self.inner.state);
        let entry = st
            .jobs
            .remove(id)
            .ok_or_else(|| RunnerError::NoSuchJob(id.into()))?;
        let store = entry.spec.jobstore.clone();
        if let Some(s) = st.stores.get_mut(&store) {
            s.remove(id)
                .or_else(ignore_missing)
                .map_err(|error| RunnerError::Store { store, error })?;
        }
        Ok(())
    }

    /// Pauses a job: it keeps its definition but does not run.
    pub fn pause_job(&self, id: &str) -> Result<(), RunnerError> {
        self.set_paused(id, true)
    }

    /// Resumes a job: its next run time is its first fire from now (APScheduler's rule).
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

    /// Replaces a job's definition (APScheduler's `modify_job` / `reschedule_job`); the next
    /// run time is recomputed from now.
    pub fn modify_job(&self, spec: JobSpec) -> Result<(), RunnerError> {
        let mut st = lock(&self.inner.state);
        let old = st
            .jobs
            .get(&spec.id)
            .ok_or_else(|| RunnerError::NoSuchJob(spec.id.clone()))?;
        let (running, paused) = (old.running, old.paused);
        let action = match &old.action {
            Action::Closure(c) => Some(Action::Closure(c.clone())),
            Action::Command(_) => None,
        };
        let mut entry = self.entry(spec, action, None, paused)?;
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
    /// fire from now.
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

    /// Starts, runs until `deadline` (or forever with none), then shuts down waiting for
    /// running runs: the blocking form of [`Scheduler::start`].
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
                let inner = self.inner.clone();
                self.workers
                    .push(std::thread::spawn(move || worker(&inner, p)));
            }
        }
        let inner = self.inner.clone();
        self.thread = Some(std::thread::spawn(move || scheduler_loop(&inner)));
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
            pool.closed.store(true, Ordering::SeqCst);
            pool.ready.notify_all();
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

fn ignore_missing(e: StoreError) -> Result<(), StoreError> {
    match e {
        StoreError::NoSuchJob { .. } => Ok(()),
        other => Err(other),
    }
}

fn build_entry(
    executors: &[Executor],
    spec: JobSpec,
    action: Option<Action>,
    next: Option<i64>,
    paused: bool,
    now: Instant,
) -> Result<Entry, RunnerError> {
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
        line: 0,
    };
    let id = spec.id.clone();
    let fail = |error| RunnerError::Trigger {
        job: id.clone(),
        error,
    };
    let schedule = trigger.schedule(now).map_err(fail)?;
    let action = action.unwrap_or_else(|| {
        Action::Command(CommandSpec {
            argv: spec.command.clone(),
            timeout: spec
                .timeout_us
                .map(|us| Duration::from_micros(us.max(0) as u64)),
            ..CommandSpec::default()
        })
    });
    let mut entry = Entry {
        spec,
        job,
        schedule,
        next: None,
        paused,
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

fn first_fire(entry: &mut Entry, now: Instant) -> Result<Option<ZonedTime>, RunnerError> {
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

fn stored(entry: &Entry) -> StoredJob {
    StoredJob {
        spec: entry.spec.clone(),
        next_run_time: entry.next.map(|n| n.instant().unix_micros()),
        paused: entry.paused,
    }
}

fn persist(st: &mut State, entry: &Entry) -> Result<(), RunnerError> {
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

/// Picks up changes that another process (`schedctl jobs ...`) made to a persistent store.
fn reconcile(inner: &Inner, st: &mut State) {
    let names: Vec<String> = st.stores.keys().cloned().collect();
    for name in names {
        let Some(store) = st.stores.get_mut(&name) else {
            continue;
        };
        let Ok(generation) = store.generation() else {
            continue;
        };
        if st.generations.get(&name) == Some(&generation) {
            continue;
        }
        let Ok(rows) = store.load() else { continue };
        st.generations.insert(name.clone(), generation);
        let now = inner.clock.now();
        let ids: Vec<String> = st
            .jobs
            .iter()
            .filter(|(_, e)| e.spec.jobstore == name)
            .map(|(k, _)| k.clone())
            .collect();
        for id in ids {
            if !rows.iter().any(|r| r.spec.id == id) {
                st.jobs.remove(&id);
            }
        }
        for row in rows {
            let running = st.jobs.get(&row.spec.id).map_or(0, |e| e.running);
            let action = st.jobs.get(&row.spec.id).and_then(|e| match &e.action {
                Action::Closure(c) => Some(Action::Closure(c.clone())),
                Action::Command(_) => None,
            });
            match build_entry(
                &inner.executors,
                row.spec.clone(),
                action,
                row.next_run_time,
                row.paused,
                now,
            ) {
                Err(e) => {
                    // Report it: a job added with `schedctl jobs add` that cannot run must not
                    // be ignored in silence.
                    if let Ok(fire) = ZonedTime::from_instant(now, Tz::Fixed(0)) {
                        st.failed_runs += 1;
                        inner.emit(
                            &row.spec.id,
                            &fire,
                            EventKind::Error {
                                exit_code: None,
                                start: now,
                                end: now,
                                message: e.to_string(),
                            },
                        );
                    }
                }
                Ok(mut entry) => {
                    entry.running = running;
                    st.jobs.insert(row.spec.id.clone(), entry);
                }
            }
        }
    }
}

fn scheduler_loop(inner: &Inner) {
    let mut st = lock(&inner.state);
    loop {
        if st.stopping {
            return;
        }
        reconcile(inner, &mut st);
        let now = inner.clock.now();
        if !st.paused {
            process_due(inner, &mut st, now);
        }
        let next_due = st
            .jobs
            .values()
            .filter(|e| !e.paused)
            .filter_map(|e| e.next.map(|n| n.instant()))
            .min();
        let mut wait = Duration::from_secs(1);
        if let Some(t) = next_due {
            let micros = (t.unix_micros() - inner.clock.now().unix_micros()).max(0);
            wait = wait.min(Duration::from_micros(micros as u64));
        }
        if st.paused {
            wait = Duration::from_secs(1);
        }
        st = inner
            .wake
            .wait_timeout(st, wait)
            .map(|(g, _)| g)
            .unwrap_or_else(|p| p.into_inner().0);
    }
}

fn process_due(inner: &Inner, st: &mut State, now: Instant) {
    let mut due: Vec<(Instant, String)> = st
        .jobs
        .iter()
        .filter(|(_, e)| !e.paused)
        .filter_map(|(id, e)| {
            e.next
                .filter(|n| n.instant() <= now)
                .map(|n| (n.instant(), id.clone()))
        })
        .collect();
    due.sort();
    for (_, id) in due {
        let Some(entry) = st.jobs.get_mut(&id) else {
            continue;
        };
        let Some(next) = entry.next else { continue };
        let w = match wake_job(
            &entry.job,
            &entry.schedule,
            next,
            entry.running,
            now,
            &mut entry.rng,
            &mut entry.cursor,
        ) {
            Ok(w) => w,
            Err(e) => {
                entry.next = None;
                fail_run(inner, st, &id, &next, now, e.to_string());
                continue;
            }
        };
        for c in &w.coalesced {
            inner.emit(&id, c, EventKind::Coalesced);
        }
        entry.next = w.next;
        let snapshot = stored(entry);
        let (store, done, running) = (entry.spec.jobstore.clone(), w.next.is_none(), entry.running);
        // Commit the next run time before any worker sees the run: a crash from here on can lose
        // this run, never repeat it.
        let committed = match st.stores.get_mut(&store) {
            Some(s) if done => s.remove(&id).or_else(ignore_missing),
            Some(s) => s.put(&snapshot),
            None => Ok(()),
        };
        if let Err(e) = committed {
            fail_run(
                inner,
                st,
                &id,
                &next,
                now,
                format!("job store `{store}`: {e}"),
            );
            continue;
        }
        let Some(entry) = st.jobs.get_mut(&id) else {
            continue;
        };
        if w.dropped {
            for rt in &w.kept {
                inner.emit(&id, rt, EventKind::Dropped { running });
            }
        } else if !w.kept.is_empty() {
            entry.running += 1;
            let task = Task {
                job: entry.job.clone(),
                run_times: w.kept.to_vec(),
                action: entry.action.clone(),
            };
            let pool = &inner.pools[entry.job.executor];
            for rt in &w.kept {
                inner.emit(&id, rt, EventKind::Submitted);
            }
            lock(&pool.queue).push_back(task);
            pool.ready.notify_one();
        }
        if done && st.jobs.get(&id).is_some_and(|e| e.running == 0) {
            st.jobs.remove(&id);
        }
    }
}

/// Reports a fire that could not be run at all (its trigger or its store failed).
fn fail_run(
    inner: &Inner,
    st: &mut State,
    id: &str,
    fire: &ZonedTime,
    now: Instant,
    message: String,
) {
    st.failed_runs += 1;
    inner.emit(
        id,
        fire,
        EventKind::Error {
            exit_code: None,
            start: now,
            end: now,
            message,
        },
    );
}

fn worker(inner: &Inner, pool_index: usize) {
    let pool = &inner.pools[pool_index];
    loop {
        let task = {
            let mut q = lock(&pool.queue);
            loop {
                if let Some(t) = q.pop_front() {
                    break Some(t);
                }
                if pool.closed.load(Ordering::SeqCst) {
                    break None;
                }
                q = pool
                    .ready
                    .wait_timeout(q, Duration::from_millis(200))
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
            }
        };
        let Some(task) = task else { return };
        let mut failures = 0;
        for rt in &task.run_times {
            let start = inner.clock.now();
            match start_decision(&task.job, rt.instant(), start) {
                StartDecision::Missed { late, .. } => {
                    inner.emit(&task.job.id, rt, EventKind::Missed { start, late })
                }
                StartDecision::Run { .. } => {
                    let result = run_action(&task.action);
                    let end = inner.clock.now();
                    let kind = match result {
                        Ok(exit_code) => EventKind::Executed {
                            start,
                            end,
                            exit_code,
                        },
                        Err((message, exit_code)) => {
                            failures += 1;
                            EventKind::Error {
                                exit_code,
                                start,
                                end,
                                message,
                            }
                        }
                    };
                    inner.emit(&task.job.id, rt, kind);
                }
            }
        }
        let mut st = lock(&inner.state);
        st.failed_runs += failures;
        if let Some(e) = st.jobs.get_mut(&task.job.id) {
            e.running = e.running.saturating_sub(1);
            if e.next.is_none() && e.running == 0 {
                st.jobs.remove(&task.job.id);
            }
        }
        inner.wake.notify_all();
    }
}

/// Kills a command started in its own process group, with everything it started.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // `kill -KILL -- -PGID`: std has no killpg, and this crate forbids unsafe code.
        let group = format!("-{}", child.id());
        let killed = std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if killed {
            return;
        }
    }
    let _ = child.kill();
}

/// Runs an action; `Ok(exit code)` when it succeeded, `Err(why)` when not.
fn run_action(action: &Action) -> Result<Option<i32>, (String, Option<i32>)> {
    match action {
        Action::Closure(f) => f().map(|()| None).map_err(|m| (m, None)),
        Action::Command(spec) => {
            let Some((program, args)) = spec.argv.split_first() else {
                return Ok(None);
            };
            let mut cmd = std::process::Command::new(program);
            cmd.args(args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            if let Some(dir) = &spec.cwd {
                cmd.current_dir(dir);
            }
            for (k, v) in &spec.env {
                cmd.env(k, v);
            }
            // Its own process group: a timeout kills the command and everything it started
            // (`sh -c "a; b"`), and a Ctrl-C at the terminal reaches the runner, which decides.
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            let mut child = cmd
                .spawn()
                .map_err(|e| (format!("cannot start `{program}`: {e}"), None))?;
            let status = match spec.timeout {
                Some(limit) => match wait_timeout::ChildExt::wait_timeout(&mut child, limit) {
                    Ok(Some(status)) => status,
                    Ok(None) => {
                        kill_group(&mut child);
                        let _ = child.wait();
                        return Err((
                            format!(
                                "`{program}` timed out after {} s and was killed",
                                limit.as_secs_f64()
                            ),
                            None,
                        ));
                    }
                    Err(e) => return Err((format!("waiting for `{program}`: {e}"), None)),
                },
                None => child
                    .wait()
                    .map_err(|e| (format!("waiting for `{program}`: {e}"), None))?,
            };
            if status.success() {
                Ok(status.code())
            } else {
                let message = match status.code() {
                    Some(code) => format!("`{program}` exited with status {code}"),
                    None => format!("`{program}` was killed by a signal"),
                };
                Err((message, status.code()))
            }
        }
    }
}

/// The zone used to print times of a job.
pub fn job_zone(spec: &JobSpec) -> Zone {
    spec.parse_trigger()
        .map(|t| t.zone())
        .unwrap_or_else(|_| Zone::utc())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::store::MemoryStore;

    fn spec(id: &str, trigger: &str) -> JobSpec {
        JobSpec {
            id: id.into(),
            trigger: trigger.into(),
            timezone: "UTC".into(),
            command: Vec::new(),
            executor: "default".into(),
            jobstore: "default".into(),
            coalesce: true,
            max_instances: 1,
            misfire_grace_us: None,
            duration_us: 0,
            timeout_us: None,
        }
    }

    /// A scheduler with one job that sleeps `ms` per run and counts finished runs.
    fn sleeper(ms: u64) -> (Scheduler, Arc<AtomicUsize>) {
        let done = Arc::new(AtomicUsize::new(0));
        let counter = done.clone();
        let mut sched = Scheduler::new(
            vec![Executor {
                name: "default".into(),
                max_workers: 1,
            }],
            vec![],
        );
        sched
            .add_store("default", Box::new(MemoryStore::default()))
            .expect("store");
        let action = Action::Closure(Arc::new(move || {
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

    #[test]
    fn job_operations_and_print_jobs() {
        let sched = Scheduler::new(
            vec![Executor {
                name: "default".into(),
                max_workers: 2,
            }],
            vec![],
        );
        sched
            .add_store("default", Box::new(MemoryStore::default()))
            .expect("store");
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
