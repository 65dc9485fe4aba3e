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
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use schedctl_core::Executor;
//! use schedctl_runner::{JobSpec, MemoryStore, Scheduler};
//!
//! let runs = Arc::new(AtomicUsize::new(0));
//! let counter = runs.clone();
//! let mut sched = Scheduler::new(vec![Executor { name: "default".into(), max_workers: 2 }], vec![]);
//! sched.add_store("default", Box::new(MemoryStore::default()))?;
//! sched.add(
//!     JobSpec::builder("tick", "interval:seconds=1")
//!         .misfire_grace_time(Some(Duration::from_secs(1)))
//!         .closure(move |_job, _fire| {
//!             counter.fetch_add(1, Ordering::SeqCst);
//!             Ok(())
//!         }),
//! )?;
//! sched.start();
//! std::thread::sleep(Duration::from_millis(2_300));
//! sched.shutdown(true);
//! assert!(runs.load(Ordering::SeqCst) >= 2);
//! # Ok::<(), schedctl_runner::RunnerError>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod builder;
mod clock;
mod command;
mod error;
mod event;
#[cfg(all(test, feature = "serde"))]
mod event_serde;
mod output;
mod pool;
mod scheduler;
mod store;

use std::sync::{Mutex, MutexGuard};

pub use builder::{JobBuilder, JobResult};
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
