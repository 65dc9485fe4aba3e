//! Run schedules for real: the core's APScheduler policy on the system clock.
//!
//! Owns the [`SystemClock`], worker pools (threads), running commands and Rust closures, and
//! job stores ([`MemoryStore`], [`SqliteStore`], or any [`JobStore`]). The policy — which fires
//! run, coalesce, drop or miss — is [`schedctl_core::policy`], the same code `simulate` uses.
//!
//! A command is told which fire it runs for by its environment (`SCHEDCTL_JOB_ID`,
//! `SCHEDCTL_FIRE_TIME`, `SCHEDCTL_FIRE_TIME_UNIX`, `SCHEDCTL_LATENESS_SECONDS`,
//! `SCHEDCTL_RUN_TIMES`); its output is discarded, passed through or captured to a file per
//! run as [`Scheduler::set_output`] says, and its event has the tail ([`Event::output`]).
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use schedctl_core::Executor;
//! use schedctl_runner::{Action, JobSpec, MemoryStore, Scheduler};
//!
//! let runs = Arc::new(Mutex::new(0));
//! let counter = runs.clone();
//! let mut sched = Scheduler::new(vec![Executor { name: "default".into(), max_workers: 2 }], vec![]);
//! sched.add_store("default", Box::new(MemoryStore::default()))?;
//! let spec = JobSpec {
//!     id: "tick".into(),
//!     trigger: "interval:seconds=1".into(),
//!     timezone: "UTC".into(),
//!     command: vec![],
//!     executor: "default".into(),
//!     jobstore: "default".into(),
//!     coalesce: true,
//!     max_instances: 1,
//!     misfire_grace_us: Some(1_000_000),
//!     duration_us: 0,
//!     timeout_us: None,
//!     on_abandon: Default::default(),
//! };
//! let action = Action::Closure(Arc::new(move || {
//!     *counter.lock().map_err(|e| e.to_string())? += 1;
//!     Ok(())
//! }));
//! sched.add_job(spec, Some(action), false)?;
//! sched.start();
//! std::thread::sleep(std::time::Duration::from_millis(2_300));
//! sched.shutdown(true);
//! assert!(*runs.lock().unwrap() >= 2);
//! # Ok::<(), schedctl_runner::RunnerError>(())
//! ```
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod clock;
mod command;
mod error;
mod event;
mod output;
mod pool;
mod scheduler;
mod store;

use std::sync::{Mutex, MutexGuard};

pub use clock::SystemClock;
pub use command::{Action, Closure, CommandSpec};
pub use error::RunnerError;
pub use event::{Event, EventKind, Listener};
pub use output::{job_dir_name, run_file_name, Output, RunOutput, TAIL_BYTES, TAIL_LINES};
pub use scheduler::{JobInfo, Scheduler, SyncAction, Synced};
pub use store::{
    host_name, job_zone, Abandoned, Claim, ClaimOutcome, Claimed, JobSpec, JobStore, MemoryStore,
    Origin, RunnerId, SharedStore, SqliteStore, StoreError, StoredJob, Waker, SCHEMA_VERSION,
};
#[cfg(feature = "postgres")]
pub use store::{Notice, PostgresStore, PG_SCHEMA_VERSION};

/// Locks a mutex, also one poisoned by a thread that panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
