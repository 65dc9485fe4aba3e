//! Pure, deterministic triggers with APScheduler 3.x semantics.
//!
//! Parse a trigger string once into a validated [`Trigger`], bind it to a scheduler start
//! ([`Trigger::schedule`]), then ask for fires. Answers are those of APScheduler 3.11 (its
//! quirks included: crontab weekday 0 = Monday, a DST gap shifts a fire by the gap, a fold
//! fires twice), with zones from the bundled IANA database ([`TZDB_VERSION`]). Nothing here
//! reads the clock, a global random generator, files or the environment.
//!
//! Cargo features `chrono`, `jiff` and `serde` add conversions to and from those crates' types
//! and text forms for serde; module `interop` documents them (and the trap of two tz databases).
//!
//! ```
//! use schedctl_trigger::{Instant, IsoDateTime, Trigger, Tz, Zone};
//!
//! let berlin = Zone::get("Europe/Berlin")?;
//! let trigger = Trigger::parse_in("cron:hour=2 minute=30", berlin)?;
//! let from = IsoDateTime::parse("2027-03-27T00:00:00+01:00")?.resolve(Tz::Zone(berlin))?;
//! let schedule = trigger.schedule(from.instant())?;
//! let fires: Vec<String> = schedule
//!     .fires(from.instant())?
//!     .take(3)
//!     .map(|f| f.map(|t| t.to_string()))
//!     .collect::<Result<_, _>>()?;
//! // 02:30 does not exist on 2027-03-28: APScheduler fires an hour later.
//! assert_eq!(fires, [
//!     "2027-03-27T02:30:00+01:00",
//!     "2027-03-28T03:30:00+02:00",
//!     "2027-03-29T02:30:00+02:00",
//! ]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod calendar;
mod civil;
mod combine;
mod cron;
mod date;
mod diagnostic;
mod dst;
mod error;
mod explain;
#[cfg(any(feature = "chrono", feature = "jiff", feature = "serde"))]
pub mod interop;
mod interval;
mod iso;
mod jitter;
mod parse;
mod time;
mod trigger;
mod zone;

pub use calendar::{CalendarIntervalTrigger, CALENDAR_TIME_FIELDS, CALENDAR_UNITS};
pub use cron::{touch as dst_touch, CronField, CronTrigger, Expr, Field};
// The walk state and the jitter generator are threaded through schedctl-core's policy and the
// runner (one per job) for speed; they are implementation details of those crates, not an API
// to build on, so they stay public but out of the docs.
#[doc(hidden)]
pub use cron::Cursor;
pub use date::DateTrigger;
pub use diagnostic::{render_diagnostic, Style};
pub use dst::{apply as apply_dst, DstPolicy, DstTouch, FoldPolicy, GapPolicy, JumpPolicy};
pub use error::{ErrorKind, EvalError, ParseError, ParseErrors};
pub use explain::{explain, why, Explanation, FieldLine, Verdict};
pub use interval::{IntervalTrigger, INTERVAL_UNITS};
pub use iso::{IsoDateTime, IsoError};
#[doc(hidden)]
pub use jitter::JitterRng;
pub use time::{Instant, OutOfRange, Tz, ZonedTime};
pub use trigger::{CombiningTrigger, Fires, Schedule, Trigger};
pub use zone::{Zone, ZoneLookupError, TZDB_VERSION};
