//! The interval trigger: APScheduler 3.x `IntervalTrigger`.
//!
//! An interval counts absolute seconds from its start, in floating point exactly as
//! APScheduler does (`timestamp() + interval_length`), so a daily interval drifts by an hour of
//! wall time across a DST change and a fractional start keeps its fraction. Without a
//! `start_date`, the first fire is one interval after the scheduler starts, added on the wall
//! clock.

use crate::error::EvalError;
use crate::jitter::JitterRng;
use crate::time::{Instant, Tz, ZonedTime};
use crate::zone::Zone;

/// The units of an interval, in the order they are written.
pub const INTERVAL_UNITS: [&str; 5] = ["weeks", "days", "hours", "minutes", "seconds"];

const UNIT_SECONDS: [i64; 5] = [604_800, 86_400, 3_600, 60, 1];

/// A parsed, validated interval trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntervalTrigger {
    pub(crate) units: [Option<i64>; 5],
    pub(crate) zone: Zone,
    pub(crate) start_date: Option<ZonedTime>,
    pub(crate) end_date: Option<ZonedTime>,
    pub(crate) jitter: Option<i64>,
}

impl IntervalTrigger {
    /// The interval in microseconds (a zero interval is one second, as in APScheduler).
    pub fn interval_micros(&self) -> i64 {
        let secs: i64 = self
            .units
            .iter()
            .zip(UNIT_SECONDS)
            .map(|(v, s)| v.unwrap_or(0).saturating_mul(s))
            .fold(0i64, i64::saturating_add);
        if secs == 0 {
            1_000_000
        } else {
            secs.saturating_mul(1_000_000)
        }
    }

    /// The value given for each unit of [`INTERVAL_UNITS`].
    pub fn units(&self) -> [Option<i64>; 5] {
        self.units
    }

    /// The zone fires are written in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The first fire (`start_date`), when given: in the trigger's zone, or with the fixed
    /// offset it was written with.
    pub fn start_date(&self) -> Option<ZonedTime> {
        self.start_date
    }

    /// The last possible fire (`end_date`, inclusive), when given: in the trigger's zone, or
    /// with the fixed offset it was written with.
    pub fn end_date(&self) -> Option<ZonedTime> {
        self.end_date
    }

    /// The most seconds a fire may be delayed at random.
    pub fn jitter(&self) -> Option<i64> {
        self.jitter
    }

    /// The start: the given `start_date`, else the scheduler start plus one interval, added to
    /// the wall clock of the trigger's zone (APScheduler's `datetime.now(tz) + interval`).
    pub(crate) fn anchored_start(&self, scheduler_start: Instant) -> Result<ZonedTime, EvalError> {
        match self.start_date {
            Some(s) => Ok(s),
            None => {
                let now = ZonedTime::from_instant(scheduler_start, Tz::Zone(self.zone))?;
                Ok(ZonedTime::from_wall(
                    now.local_micros().saturating_add(self.interval_micros()),
                    now.fold(),
                    now.tz(),
                )?)
            }
        }
    }

    /// APScheduler's `IntervalTrigger.get_next_fire_time(previous_fire_time, now)`.
    #[inline]
    pub(crate) fn next_fire_time(
        &self,
        start: &ZonedTime,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
    ) -> Result<Option<ZonedTime>, EvalError> {
        let length = self.interval_micros() as f64 / 1e6;
        let mut next = match prev {
            Some(p) => p.instant().py_timestamp() + length,
            None if start.py_cmp(now).is_gt() => start.instant().py_timestamp(),
            None => {
                let start_ts = start.instant().py_timestamp();
                let n = ((now.instant().py_timestamp() - start_ts) / length).ceil();
                start_ts + length * n
            }
        };
        if let Some(j) = self.jitter {
            next += rng.uniform(0.0, j as f64);
        }
        if let Some(end) = &self.end_date {
            if next > end.instant().py_timestamp() {
                return Ok(None);
            }
        }
        let instant = Instant::from_py_timestamp(next).ok_or(EvalError::OutOfRange)?;
        Ok(Some(ZonedTime::from_instant(instant, Tz::Zone(self.zone))?))
    }
}
