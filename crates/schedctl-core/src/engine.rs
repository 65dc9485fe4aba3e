//! The policy engine: APScheduler 3.x's scheduler loop and executors on a [`Clock`].
//!
//! The model, in plain words (CONTRACT.md, "Simulation semantics"):
//!
//! * every job is added at the start: its next run time is its trigger's first fire at or
//!   after the start;
//! * the scheduler wakes at the earliest next run time (never while paused: at the pause's
//!   end instead). At a wake-up, each due job (in order of next run time, then id) collects
//!   its overdue run times; with `coalesce` only the last is kept and the others are
//!   *coalesced*; if the job already has `max_instances` runs in progress its run times are
//!   *dropped*, otherwise one task holding them joins its executor's FIFO queue;
//! * each executor is a pool of numbered workers; a free worker (lowest number first) takes
//!   the oldest task. For each run time, at the moment it would start, a lateness beyond
//!   `misfire_grace_time` makes it *missed*, else it is *executed* for the job's duration;
//! * at one instant: completions first, then free workers take tasks, then the wake-up.
//!
//! [`Engine::step`] processes the events of one instant; [`Engine::next_event`] says when the
//! next one is. A simulation alternates the two on a virtual clock ([`crate::simulate`]).

use std::cmp::{Ordering, Reverse};
use std::collections::binary_heap::PeekMut;
use std::collections::{BinaryHeap, VecDeque};

use schedctl_trigger::{Cursor, EvalError, Instant, JitterRng, Schedule, Tz, ZonedTime};

use crate::duration::Micros;
use crate::jobfile::{Job, JobFile};
use crate::ledger::{Counts, Entry, PoolLoad, Rule, Status};
use crate::policy::{start_decision, wake_job, RunTimes, StartDecision, Step, Walk};

/// A run of one job waiting for, or holding, a worker: its run times, the first `started`
/// of them already taken.
#[derive(Debug)]
struct Task {
    job: usize,
    run_times: RunTimes,
    started: usize,
    queued_at: Instant,
    /// When a worker took the task (none while it is queued).
    taken_at: Option<Instant>,
}

/// A worker busy until `end`. Ordered by end, then by when it started (`seq` is unique, so
/// the pool and worker never decide).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Busy {
    end: Instant,
    seq: u64,
    pool: usize,
    worker: u32,
}

#[derive(Debug)]
struct Pool {
    free: BinaryHeap<Reverse<u32>>,
    queue: VecDeque<Task>,
    /// The task each busy worker holds (kept out of the busy heap, which then moves small
    /// entries).
    holding: Vec<Option<Task>>,
    load: PoolLoad,
}

#[derive(Debug)]
struct JobState {
    schedule: Schedule,
    next: Option<ZonedTime>,
    running: u32,
    peak_running: u32,
    rng: JitterRng,
    cursor: Cursor,
}

/// Why a simulation could not complete.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A trigger's next fire left the supported range.
    #[error("job `{job}`: {error}")]
    Trigger {
        /// The job's id.
        job: String,
        /// What the trigger could not compute.
        #[source]
        error: EvalError,
    },
    /// A fire was classified twice or not at all: a bug in schedctl.
    #[error("internal error: conservation broken for job `{job}`: {fires} fires in the window, {classified} classified")]
    Conservation {
        /// The job's id.
        job: String,
        /// The job's fires in the window.
        fires: u64,
        /// The ledger entries the job got.
        classified: u64,
    },
    /// The consumer of a streamed ledger asked to stop.
    #[error("the ledger's reader stopped reading")]
    Stopped,
}

/// The scheduler policy over a job file, advanced one instant at a time.
#[derive(Debug)]
pub struct Engine<'f> {
    file: &'f JobFile,
    jobs: Vec<JobState>,
    /// Rank of each job's id in id order (ties of next run time go by id).
    id_rank: Vec<usize>,
    /// (next run time, id rank, job) of every job with a next run time.
    due: BinaryHeap<Reverse<(Instant, usize, usize)>>,
    pools: Vec<Pool>,
    /// Earliest end first.
    busy: BinaryHeap<Reverse<Busy>>,
    seq: u64,
    end: Instant,
    peak_workers: u32,
    sink: Sink,
    /// Where APScheduler 3.11's AndTrigger loop froze the scheduler (CONTRACT rule 7a).
    frozen: Option<Frozen>,
}

/// The wake-up at which APScheduler 3.11's scheduler thread stopped for good: computing the
/// next run time of `job` entered the AndTrigger's endless loop (CONTRACT rule 7a).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Frozen {
    /// The job (index in the file) whose trigger froze the scheduler.
    pub job: usize,
    /// The wake-up instant.
    pub at: Instant,
    /// Why: the fire after which the `and` never returns, and its children's disagreement.
    pub error: EvalError,
}

/// Where classified fires go: counted always, and for the ledger formats held in ledger
/// order, (fire instant, job id), until no fire classified later can come before them (see
/// [`Engine::drain_ready`]). Summaries keep nothing, so their memory does not grow with the
/// window; a streamed ledger keeps only the fires still in flight.
#[derive(Debug)]
struct Sink {
    held: BinaryHeap<Reverse<Held>>,
    keep_ledger: bool,
    counts: Vec<Counts>,
    seq: u64,
}

/// A classified fire waiting for its place in the ledger.
#[derive(Debug)]
struct Held {
    at: Instant,
    rank: usize,
    /// Classification order, for fires of one job at one instant (a repeated DST instant).
    seq: u64,
    entry: Entry,
}

impl Held {
    fn key(&self) -> (Instant, usize, u64) {
        (self.at, self.rank, self.seq)
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl Sink {
    /// Counts `entry` (a fire at the instant `at`) and holds it for the ledger.
    fn record(&mut self, entry: Entry, at: Instant, rank: usize) {
        self.counts[entry.job].record(&entry, at);
        if self.keep_ledger {
            self.seq += 1;
            self.held.push(Reverse(Held {
                at,
                rank,
                seq: self.seq,
                entry,
            }));
        }
    }

    /// Hands over, in ledger order, the held fires earlier than `before`; stops early when
    /// `emit` says so (returns false then).
    fn release(&mut self, before: Option<Instant>, emit: &mut dyn FnMut(Entry) -> bool) -> bool {
        while let Some(top) = self.held.peek_mut() {
            if before.is_some_and(|b| top.0.at >= b) {
                break;
            }
            if !emit(PeekMut::pop(top).0.entry) {
                return false;
            }
        }
        true
    }
}

fn utc(t: Instant) -> Result<ZonedTime, EvalError> {
    Ok(ZonedTime::from_instant(t, Tz::Fixed(0))?)
}

impl<'f> Engine<'f> {
    /// Adds every job at `start`; wake-ups at or after `end` will not happen. Jitter of job
    /// `i` is drawn from a generator seeded with `seed` and `i`.
    ///
    /// Errors: [`SimError::Trigger`] when a job's first fire cannot be computed.
    pub fn new(
        file: &'f JobFile,
        start: Instant,
        end: Instant,
        seed: u64,
    ) -> Result<Engine<'f>, SimError> {
        let mut order: Vec<usize> = (0..file.jobs.len()).collect();
        order.sort_by(|a, b| file.jobs[*a].id.cmp(&file.jobs[*b].id));
        let mut id_rank = vec![0; file.jobs.len()];
        for (rank, job) in order.into_iter().enumerate() {
            id_rank[job] = rank;
        }
        let now = utc(start).map_err(|error| SimError::Trigger {
            job: String::new(),
            error,
        })?;
        let mut jobs = Vec::with_capacity(file.jobs.len());
        let mut due = BinaryHeap::with_capacity(file.jobs.len());
        for (i, job) in file.jobs.iter().enumerate() {
            let fail = |error| SimError::Trigger {
                job: job.id.clone(),
                error,
            };
            let schedule = job.trigger.schedule(start).map_err(fail)?;
            let mut rng = JitterRng::new(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut cursor = Cursor::default();
            let next = schedule
                .next_fire_time_walking(None, &now, &mut rng, &mut cursor)
                .map_err(fail)?;
            if let Some(n) = &next {
                due.push(Reverse((n.instant(), id_rank[i], i)));
            }
            jobs.push(JobState {
                schedule,
                next,
                running: 0,
                peak_running: 0,
                rng,
                cursor,
            });
        }
        let pools = file
            .executors
            .iter()
            .map(|e| Pool {
                free: (0..e.max_workers).map(Reverse).collect(),
                queue: VecDeque::new(),
                holding: (0..e.max_workers).map(|_| None).collect(),
                load: PoolLoad {
                    name: e.name.clone(),
                    max_workers: e.max_workers,
                    ..PoolLoad::default()
                },
            })
            .collect();
        Ok(Engine {
            file,
            jobs,
            id_rank,
            due,
            pools,
            busy: BinaryHeap::new(),
            seq: 0,
            end,
            peak_workers: 0,
            frozen: None,
            sink: Sink {
                held: BinaryHeap::new(),
                keep_ledger: true,
                counts: vec![Counts::default(); file.jobs.len()],
                seq: 0,
            },
        })
    }

    /// Counts fires without keeping ledger entries (see [`Finished::ledger`]).
    pub fn count_only(mut self) -> Engine<'f> {
        self.sink.keep_ledger = false;
        self
    }

    /// The scheduler's next wake-up at or after `now`: the earliest next run time, moved to
    /// the end of any pause it falls in; none at or after the window's end.
    fn next_wake(&self, now: Instant) -> Option<Instant> {
        if self.frozen.is_some() {
            // The scheduler thread never comes back: no wake-up, work in flight drains.
            return None;
        }
        let Reverse((first, _, _)) = self.due.peek()?;
        let mut t = (*first).max(now);
        while let Some(p) = self
            .file
            .pauses
            .iter()
            .find(|p| p.from.instant() <= t && t < p.to.instant())
        {
            t = p.to.instant();
        }
        (t < self.end).then_some(t)
    }

    /// The next instant at which something happens (a wake-up or a run ending), if any.
    pub fn next_event(&self, now: Instant) -> Option<Instant> {
        let wake = self.next_wake(now);
        let done = self.busy.peek().map(|b| b.0.end);
        match (wake, done) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Processes every event at `now`: completions, then free workers taking tasks, then the
    /// scheduler's wake-up if one is due.
    pub fn step(&mut self, now: Instant) -> Result<(), SimError> {
        let wake = self.next_wake(now);
        while self.busy.peek().is_some_and(|b| b.0.end == now) {
            if let Some(Reverse(b)) = self.busy.pop() {
                let held = self.pools[b.pool].holding[b.worker as usize].take();
                if !held.is_some_and(|task| self.work(b.pool, b.worker, task, now)) {
                    self.pools[b.pool].free.push(Reverse(b.worker));
                }
            }
        }
        self.dispatch(now);
        if wake == Some(now) {
            self.wake_up(now)?;
            self.dispatch(now);
        }
        Ok(())
    }

    fn wake_up(&mut self, now: Instant) -> Result<(), SimError> {
        while let Some(&Reverse((at, _, j))) = self.due.peek() {
            if at > now {
                break;
            }
            // The job stays on top of the heap while it is processed: its next run time then
            // replaces it in one sift instead of a pop and a push.
            let job: &Job = &self.file.jobs[j];
            let fail = |error| SimError::Trigger {
                job: job.id.clone(),
                error,
            };
            let state = &mut self.jobs[j];
            let Some(next) = state.next else {
                self.due.pop();
                continue;
            };
            let w = match wake_job(
                job,
                &state.schedule,
                next,
                state.running,
                now,
                &mut state.rng,
                &mut state.cursor,
            ) {
                Ok(w) => w,
                Err(error) if error.freezes_scheduler() => {
                    // Rule 7a: the job's collected run times are not submitted, it and every
                    // job after it in this wake-up stay unprocessed, and nothing wakes again.
                    self.frozen = Some(Frozen {
                        job: j,
                        at: now,
                        error,
                    });
                    return Ok(());
                }
                Err(error) => return Err(fail(error)),
            };
            let zone = Tz::Zone(state.schedule.zone());
            let canon = |t: &ZonedTime| t.canonical_in(zone).map_err(|e| fail(e.into()));
            if let Some(last) = w.kept.last() {
                let into = last.instant();
                for rt in &w.coalesced {
                    self.sink.record(
                        Entry::unstarted(
                            j,
                            canon(rt)?,
                            Status::Coalesced,
                            Rule::CoalescedInto { into },
                        ),
                        rt.instant(),
                        self.id_rank[j],
                    );
                }
            }
            if w.dropped {
                for rt in &w.kept {
                    self.sink.record(
                        Entry::unstarted(
                            j,
                            canon(rt)?,
                            Status::Dropped,
                            Rule::MaxInstances {
                                running: state.running,
                            },
                        ),
                        rt.instant(),
                        self.id_rank[j],
                    );
                }
            } else if !w.kept.is_empty() {
                state.running += 1;
                state.peak_running = state.peak_running.max(state.running);
                self.pools[job.executor].queue.push_back(Task {
                    job: j,
                    run_times: w.kept,
                    started: 0,
                    queued_at: now,
                    taken_at: None,
                });
            }
            let state = &mut self.jobs[j];
            state.next = w.next;
            match (&state.next, self.due.peek_mut()) {
                (Some(n), Some(mut top)) => *top = Reverse((n.instant(), self.id_rank[j], j)),
                (None, Some(top)) => {
                    PeekMut::pop(top);
                }
                (_, None) => {}
            }
        }
        Ok(())
    }

    /// Free workers take queued tasks, pool by pool in name order.
    fn dispatch(&mut self, now: Instant) {
        for p in 0..self.pools.len() {
            while !self.pools[p].queue.is_empty() {
                let Some(Reverse(worker)) = self.pools[p].free.pop() else {
                    break;
                };
                let Some(task) = self.pools[p].queue.pop_front() else {
                    break;
                };
                let wait = Micros::from_micros(now.unix_micros() - task.queued_at.unix_micros());
                let load = &mut self.pools[p].load;
                load.longest_wait = load.longest_wait.max(wait);
                if !self.work(p, worker, task, now) {
                    self.pools[p].free.push(Reverse(worker));
                }
            }
        }
        let mut busy_total = 0;
        for pool in &mut self.pools {
            let busy = pool.load.max_workers - pool.free.len() as u32;
            pool.load.peak_busy = pool.load.peak_busy.max(busy);
            busy_total += busy;
        }
        self.peak_workers = self.peak_workers.max(busy_total);
    }

    /// Runs the task's remaining run times on `worker` from `now`, each checked against the
    /// misfire grace when it would start. Returns whether the worker is now busy.
    fn work(&mut self, pool: usize, worker: u32, mut task: Task, now: Instant) -> bool {
        let job = &self.file.jobs[task.job];
        let zone = Tz::Zone(self.jobs[task.job].schedule.zone());
        let taken_at = *task.taken_at.get_or_insert(now);
        while let Some(&rt) = task.run_times.get(task.started) {
            task.started += 1;
            let at = rt.instant();
            // The ledger shows the fire with its real offset (a DST-gap wall time moves);
            // counts need its instant only.
            let fire = if self.sink.keep_ledger {
                ZonedTime::from_instant(at, zone).unwrap_or(rt)
            } else {
                rt
            };
            let late = match start_decision(job, at, now) {
                StartDecision::Run { late } => late,
                StartDecision::Missed { late, grace } => {
                    self.pools[pool].load.missed_while_queued += 1;
                    self.sink.record(
                        Entry {
                            job: task.job,
                            fire,
                            status: Status::Missed,
                            start: Some(now),
                            end: None,
                            worker: Some(worker),
                            rule: Rule::LateBeyondGrace {
                                late,
                                grace,
                                woke_late: Micros::from_micros(
                                    task.queued_at.unix_micros() - at.unix_micros(),
                                ),
                                queued: Micros::from_micros(
                                    taken_at.unix_micros() - task.queued_at.unix_micros(),
                                ),
                            },
                        },
                        at,
                        self.id_rank[task.job],
                    );
                    continue;
                }
            };
            let end = now.add_micros(job.duration.as_micros());
            self.sink.record(
                Entry {
                    job: task.job,
                    fire,
                    status: Status::Executed,
                    start: Some(now),
                    end: Some(end),
                    worker: Some(worker),
                    rule: Rule::OnTime { late },
                },
                at,
                self.id_rank[task.job],
            );
            if job.duration.as_micros() > 0 {
                self.seq += 1;
                self.busy.push(Reverse(Busy {
                    end,
                    seq: self.seq,
                    pool,
                    worker,
                }));
                self.pools[pool].holding[worker as usize] = Some(task);
                return true;
            }
        }
        self.jobs[task.job].running -= 1;
        false
    }

    /// How many classified fires are held for the ledger.
    pub fn held(&self) -> usize {
        self.sink.held.len()
    }

    /// Hands `emit` the held fires that are final in ledger order: those earlier than every
    /// fire still in flight (a job's next run time, a queued or running task's run times),
    /// since fires classified later are never earlier than those. Returns false when `emit`
    /// asked to stop.
    pub fn drain_ready(&mut self, emit: &mut dyn FnMut(Entry) -> bool) -> bool {
        fn in_flight(t: &Task) -> impl Iterator<Item = Instant> + '_ {
            t.run_times[t.started..].iter().map(ZonedTime::instant)
        }
        let due = self.due.peek().map(|Reverse((at, _, _))| *at);
        let queued = self.pools.iter().flat_map(|p| {
            let waiting = p.queue.iter().flat_map(in_flight);
            waiting.chain(p.holding.iter().flatten().flat_map(in_flight))
        });
        let earliest = due.into_iter().chain(queued).min();
        match earliest {
            Some(at) => self.sink.release(Some(at), emit),
            // Nothing in flight: nothing classified later can come first.
            None => self.sink.release(None, emit),
        }
    }

    /// Classifies the fires still unprocessed before the window's end as pending, and
    /// returns the ledger (the fires not drained yet, in ledger order), the per-job peak of
    /// runs in progress, the per-pool load and the peak of busy workers.
    pub fn finish(mut self) -> Result<Finished, SimError> {
        for (j, state) in self.jobs.iter_mut().enumerate() {
            let fail = |error| SimError::Trigger {
                job: self.file.jobs[j].id.clone(),
                error,
            };
            let zone = Tz::Zone(state.schedule.zone());
            let mut next = state.next;
            let mut walk = Walk::default();
            // The first pending fire is recorded; a repeat of the previous instant is not.
            let mut step = Step::Fire;
            while let Some(n) = next.filter(|n| n.instant() < self.end) {
                if step == Step::Fire {
                    self.sink.record(
                        Entry::unstarted(
                            j,
                            n.canonical_in(zone).map_err(|e| fail(e.into()))?,
                            Status::Pending,
                            match self.frozen {
                                Some(f) => Rule::Frozen { at: f.at },
                                None => Rule::PausedPastEnd,
                            },
                        ),
                        n.instant(),
                        self.id_rank[j],
                    );
                }
                let now = utc(n.instant()).map_err(fail)?;
                next = match state.schedule.next_fire_time_walking(
                    Some(&n),
                    &now,
                    &mut state.rng,
                    &mut state.cursor,
                ) {
                    Ok(m) => m.filter(|m| {
                        step = walk.step(&n, m);
                        step != Step::End
                    }),
                    // A job's fires end where its next fire cannot be computed (rule 7a).
                    Err(error) if error.freezes_scheduler() => None,
                    Err(error) => return Err(fail(error)),
                };
            }
        }
        let mut ledger = Vec::with_capacity(self.sink.held.len());
        self.sink.release(None, &mut |e| {
            ledger.push(e);
            true
        });
        Ok(Finished {
            ledger,
            counts: self.sink.counts,
            peak_instances: self.jobs.iter().map(|s| s.peak_running).collect(),
            pools: self.pools.into_iter().map(|p| p.load).collect(),
            peak_workers: self.peak_workers,
            id_rank: self.id_rank,
            frozen: self.frozen,
        })
    }
}

/// What an engine leaves when the window is over.
#[derive(Debug)]
#[non_exhaustive]
pub struct Finished {
    /// The classified fires not yet drained (see [`Engine::drain_ready`]), in ledger order
    /// (fire instant, job id); empty after [`Engine::count_only`].
    pub ledger: Vec<Entry>,
    /// Per job, counts per status and max lateness.
    pub counts: Vec<Counts>,
    /// Per job, the most runs in progress at once.
    pub peak_instances: Vec<u32>,
    /// Per executor (name order), its load.
    pub pools: Vec<PoolLoad>,
    /// The most runs in progress at once over all executors.
    pub peak_workers: u32,
    /// Per job, the rank of its id in id order.
    pub id_rank: Vec<usize>,
    /// Where APScheduler 3.11's scheduler froze (an AndTrigger loop), if it did.
    pub frozen: Option<Frozen>,
}
