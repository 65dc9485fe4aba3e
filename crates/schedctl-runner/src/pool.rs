//! Worker pools: one per executor, a FIFO queue of tasks and the threads that run them.
//!
//! A worker checks the misfire grace when it would start a run time, then runs the job's action
//! (telling a command which fire it runs for, its output going where the scheduler's [`Output`]
//! says) and reports an event; when the task is done it tells the scheduler, which keeps the
//! count of running runs.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use schedctl_core::policy::{start_decision, StartDecision};
use schedctl_core::{Clock, Job};
use schedctl_trigger::ZonedTime;

use crate::command::{run_action, Action, RunContext};
use crate::event::{canonical, emit, emit_with_output, EventKind, Listener};
use crate::lock;
use crate::output::Output;

/// The run times of one wake-up of a job, run in order by one worker.
pub(crate) struct Task {
    pub(crate) job: Job,
    pub(crate) run_times: Vec<ZonedTime>,
    pub(crate) action: Action,
    /// How many overdue fires were coalesced into the last run time (coalesce = true).
    pub(crate) coalesced: usize,
    /// The lease the run holds in a shared store (store name, lease id), released when done.
    pub(crate) lease: Option<(String, i64)>,
}

/// The queue of one pool, shared by the scheduler thread and the pool's workers.
#[derive(Default)]
pub(crate) struct PoolShared {
    queue: Mutex<VecDeque<Task>>,
    ready: Condvar,
    closed: AtomicBool,
}

impl PoolShared {
    /// Queues a task for the next free worker.
    pub(crate) fn push(&self, task: Task) {
        lock(&self.queue).push_back(task);
        self.ready.notify_one();
    }

    /// Takes no more tasks: each worker ends once the queue is empty.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.ready.notify_all();
    }

    /// The next task, waiting for one; none once the pool is closed and empty.
    fn next_task(&self) -> Option<Task> {
        let mut q = lock(&self.queue);
        loop {
            if let Some(t) = q.pop_front() {
                break Some(t);
            }
            if self.closed.load(Ordering::SeqCst) {
                break None;
            }
            q = self
                .ready
                .wait_timeout(q, Duration::from_millis(200))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

/// A worker thread of `pool`: runs its tasks until the pool is closed and empty, telling
/// `listeners` about each run time and `done` about each finished task (its job id and how
/// many of its runs failed, and the lease to release). Commands' output goes where `output`
/// says.
pub(crate) fn worker(
    pool: &PoolShared,
    clock: &impl Clock,
    listeners: &[Listener],
    output: &Output,
    done: impl Fn(&str, u64, Option<(String, i64)>),
) {
    loop {
        let Some(task) = pool.next_task() else { return };
        let mut failures = 0;
        for (i, rt) in task.run_times.iter().enumerate() {
            let start = clock.now();
            match start_decision(&task.job, rt.instant(), start) {
                StartDecision::Missed { late, .. } => emit(
                    listeners,
                    &task.job.id,
                    rt,
                    EventKind::Missed { start, late },
                ),
                StartDecision::Run { .. } => {
                    let fire = canonical(rt);
                    let last = i + 1 == task.run_times.len();
                    let ctx = RunContext {
                        job: &task.job.id,
                        fire: &fire,
                        start,
                        run_times: 1 + if last { task.coalesced } else { 0 },
                    };
                    let result = run_action(&task.action, &ctx, output);
                    let end = clock.now();
                    let kind = match result.outcome {
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
                    emit_with_output(listeners, &task.job.id, rt, kind, result.output);
                }
            }
        }
        done(&task.job.id, failures, task.lease);
    }
}
