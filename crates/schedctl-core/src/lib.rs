//! Scheduler policy with APScheduler 3.x semantics, on a [`Clock`].
//!
//! Owns the job-file model ([`JobFile`]: jobs, job defaults, named executors and job stores,
//! pause windows), the policy engine ([`Engine`]: coalesce, max_instances, misfire grace,
//! worker pools with FIFO queues) and the fire ledger. Nothing here does I/O, spawns a thread
//! or reads the wall clock: a [`VirtualClock`] makes a simulation ([`simulate`]); the real
//! runner drives the same engine with the system clock.
//!
//! ```
//! use schedctl_core::{simulate, JobFile, Status};
//! use schedctl_trigger::{IsoDateTime, Tz};
//!
//! let file = JobFile::parse(r#"
//! timezone = "Europe/Berlin"
//! [[job]]
//! id = "nightly"
//! trigger = "cron:hour=2 minute=30"
//! duration = "45m"
//! "#)?;
//! let zone = Tz::Zone(file.timezone);
//! let from = IsoDateTime::parse("2027-03-01")?.resolve(zone)?.instant();
//! let to = IsoDateTime::parse("2027-04-01")?.resolve(zone)?.instant();
//! let sim = simulate(&file, from, to, 0)?;
//! assert_eq!(sim.counts[0].get(Status::Executed), 31);
//! // 02:30 does not exist on 2027-03-28: the run starts at 03:30+02:00.
//! let moved = sim.ledger.iter().find(|e| e.fire.to_string().starts_with("2027-03-28")).map(|e| e.fire.to_string());
//! assert_eq!(moved.as_deref(), Some("2027-03-28T03:30:00+02:00"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod clock;
mod duration;
mod engine;
mod error;
mod jobfile;
mod ledger;
#[cfg(feature = "serde")]
mod ledger_serde;
pub mod lint;
pub mod policy;
mod simulate;
pub mod snapshot;

#[cfg(test)]
mod props;

pub use clock::{Clock, VirtualClock};
pub use duration::{parse_duration, DurationError, Micros, MAX_DURATION};
pub use engine::{Engine, Finished, Frozen, SimError};
pub use error::{FileError, FileErrorKind, FileErrors};
pub use jobfile::{
    Executor, Job, JobFile, JobStore, JobStoreKind, OnAbandon, Pause, PostgresUrl, DEFAULT_LEASE,
    DEFAULT_MAX_WORKERS, MAX_WORKERS,
};
pub use ledger::{Counts, Entry, PoolLoad, Rule, Status};
pub use simulate::{
    simulate, simulate_counts, simulate_streaming, simulate_with_progress, Simulation,
};
