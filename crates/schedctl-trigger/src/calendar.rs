//! The calendar interval trigger: APScheduler 3.11's `CalendarIntervalTrigger`.
//!
//! Fires at one wall-clock time of day (`hour`, `minute`, `second`) on dates a calendar
//! interval apart. The next date adds `years` and `months` to the previous fire's date keeping
//! its day of month (a month without that day is skipped: month after month is tried), then
//! adds `weeks` and `days`. A date whose time of day falls in a DST gap is skipped (the next
//! date is computed from it); a time in a fold fires at its first occurrence. The first fire
//! is `start_date` at that time, even when it lies before the scheduler start, as APScheduler
//! returns it; without `start_date` it is the scheduler start's date in the trigger's zone.

use crate::civil::{civil_from_days, days_from_civil, days_in_month, US_PER_DAY, US_PER_SEC};
use crate::error::EvalError;
use crate::jitter::{wall_jitter, JitterRng};
use crate::time::{Instant, Tz, ZonedTime};
use crate::zone::Zone;

/// The units of a calendar interval, in the order they are written.
pub const CALENDAR_UNITS: [&str; 4] = ["years", "months", "weeks", "days"];

/// The time-of-day fields of a calendar interval, in the order they are written.
pub const CALENDAR_TIME_FIELDS: [&str; 3] = ["hour", "minute", "second"];

/// Python's `date` range, as days since 1970-01-01: 0001-01-01 and 9999-12-31.
const MIN_DAY: i64 = -719_162;
const MAX_DAY: i64 = 2_932_896;

/// How many dates one question may skip (DST gaps) before it is called stuck: APScheduler
/// would loop forever on a date sequence that never leaves a gap.
const MAX_SKIPS: u32 = 100_000;

/// A parsed, validated calendar interval trigger.
///
/// ```
/// # use schedctl_trigger::{Instant, Trigger};
/// let t: Trigger = "calendarinterval:months=1 hour=9 start_date=2026-01-31".parse()?;
/// let s = t.schedule(Instant::from_unix_seconds(0))?;
/// let fires: Vec<String> = s
///     .fires(Instant::from_unix_seconds(0))?
///     .take(3)
///     .map(|f| f.map(|t| t.to_string()))
///     .collect::<Result<_, _>>()?;
/// // Months without a 31st are skipped, as in APScheduler 3.11.
/// assert_eq!(fires, [
///     "2026-01-31T09:00:00+00:00",
///     "2026-03-31T09:00:00+00:00",
///     "2026-05-31T09:00:00+00:00",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CalendarIntervalTrigger {
    /// years, months, weeks, days (any sign, as Python ints; not all zero).
    pub(crate) units: [i64; 4],
    /// hour, minute, second of the fire's wall-clock time.
    pub(crate) time: [u32; 3],
    /// Days since 1970-01-01.
    pub(crate) start_date: Option<i64>,
    pub(crate) end_date: Option<i64>,
    pub(crate) zone: Zone,
    pub(crate) jitter: Option<i64>,
}

/// A date as days since 1970-01-01, written `YYYY-MM-DD`.
pub(crate) fn date_text(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

impl CalendarIntervalTrigger {
    /// `years`, `months`, `weeks`, `days`, as given (0 when not given).
    pub fn units(&self) -> [i64; 4] {
        self.units
    }

    /// The wall-clock time of day of every fire: hour, minute, second.
    pub fn time_of_day(&self) -> [u32; 3] {
        self.time
    }

    /// The first date, when given, as (year, month, day).
    pub fn start_date(&self) -> Option<(i32, u32, u32)> {
        self.start_date.map(civil_from_days)
    }

    /// The last possible date, when given, as (year, month, day).
    pub fn end_date(&self) -> Option<(i32, u32, u32)> {
        self.end_date.map(civil_from_days)
    }

    /// The zone the dates and the time of day are read in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The most seconds a fire may be delayed at random.
    pub fn jitter(&self) -> Option<i64> {
        self.jitter
    }

    /// The same interval in UTC, starting on the date this one starts on when the scheduler
    /// starts at `scheduler_start`. UTC has no DST, so its fires fall on every date the
    /// interval steps through, including those this one skips for a DST gap.
    pub fn without_dst(
        &self,
        scheduler_start: Instant,
    ) -> Result<CalendarIntervalTrigger, EvalError> {
        Ok(CalendarIntervalTrigger {
            zone: Zone::utc(),
            start_date: Some(self.anchored_start(scheduler_start)?),
            ..self.clone()
        })
    }

    pub(crate) fn start_text(&self) -> Option<String> {
        self.start_date.map(date_text)
    }

    pub(crate) fn end_text(&self) -> Option<String> {
        self.end_date.map(date_text)
    }

    /// The first date: `start_date`, else the scheduler start's date in the trigger's zone
    /// (APScheduler uses the host's `date.today()`). A first date after `end_date` is
    /// APScheduler's `ValueError: end_date cannot be earlier than start_date`.
    pub(crate) fn anchored_start(&self, scheduler_start: Instant) -> Result<i64, EvalError> {
        let start = match self.start_date {
            Some(d) => d,
            None => {
                let now = ZonedTime::from_instant(scheduler_start, Tz::Zone(self.zone))?;
                now.local_micros().div_euclid(US_PER_DAY)
            }
        };
        match self.end_date {
            Some(end) if start > end => Err(EvalError::EndBeforeStart),
            _ => Ok(start),
        }
    }

    /// APScheduler's `CalendarIntervalTrigger.get_next_fire_time(previous_fire_time, now)`
    /// (which does not read `now`): `start` is the first date ([`Self::anchored_start`]).
    pub(crate) fn next_fire_time(
        &self,
        start: i64,
        prev: Option<&ZonedTime>,
        rng: &mut JitterRng,
    ) -> Result<Option<ZonedTime>, EvalError> {
        let tz = Tz::Zone(self.zone);
        let [hour, minute, second] = self.time.map(i64::from);
        let time_us = (hour * 3600 + minute * 60 + second) * US_PER_SEC;
        // The previous fire's date as Python reads `previous_fire_time.year/.month/.day`: its
        // own wall clock, whatever its zone (an `or` hands over another child's fire).
        let mut from = prev.map(|p| p.local_micros().div_euclid(US_PER_DAY));
        for _ in 0..MAX_SKIPS {
            let date = match from {
                Some(days) => self.advance(days)?,
                None => start,
            };
            if self.end_date.is_some_and(|end| date > end) {
                return Ok(None);
            }
            // `datetime.combine(date, time).timestamp()` reads a gap time with the offset
            // before the gap; `fromtimestamp` then shows where that instant really is.
            let raw = ZonedTime::from_wall(date * US_PER_DAY + time_us, false, tz)?;
            let next = ZonedTime::from_instant(raw.instant(), tz)?;
            if next.local_micros().rem_euclid(US_PER_DAY) == time_us {
                return Ok(Some(wall_jitter(next, self.jitter, rng)?));
            }
            // The time of day does not exist that date: go on from the date it moved to.
            from = Some(next.local_micros().div_euclid(US_PER_DAY));
        }
        Err(EvalError::CalendarStuck)
    }

    /// The date after `days`: years and months added keeping the day of month (months
    /// without that day skipped), then weeks and days.
    fn advance(&self, days: i64) -> Result<i64, EvalError> {
        let [years, months, weeks, plus_days] = self.units;
        let (year, month, day) = civil_from_days(days);
        let step = years
            .checked_mul(12)
            .and_then(|y| y.checked_add(months))
            .ok_or(EvalError::OutOfRange)?;
        let mut index = i64::from(year) * 12 + i64::from(month) - 1;
        loop {
            index = index.checked_add(step).ok_or(EvalError::OutOfRange)?;
            let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
            // Python's `date()` fails outside years 1..9999 and APScheduler tries the next
            // month for ever: report it instead.
            let year = i32::try_from(year)
                .ok()
                .filter(|y| (1..=9999).contains(y))
                .ok_or(EvalError::OutOfRange)?;
            if day <= days_in_month(year, month) {
                let shift = weeks
                    .checked_mul(7)
                    .and_then(|w| w.checked_add(plus_days))
                    .ok_or(EvalError::OutOfRange)?;
                let next = days_from_civil(year, month, day)
                    .checked_add(shift)
                    .filter(|d| (MIN_DAY..=MAX_DAY).contains(d))
                    .ok_or(EvalError::OutOfRange)?;
                return Ok(next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(
        units: [i64; 4],
        time: [u32; 3],
        start: (i32, u32, u32),
        zone: &str,
    ) -> CalendarIntervalTrigger {
        CalendarIntervalTrigger {
            units,
            time,
            start_date: Some(days_from_civil(start.0, start.1, start.2)),
            end_date: None,
            zone: Zone::get(zone).expect("zone"),
            jitter: None,
        }
    }

    fn fires(t: &CalendarIntervalTrigger, n: usize) -> Vec<String> {
        let mut rng = JitterRng::new(0);
        let start = t
            .anchored_start(Instant::from_unix_seconds(0))
            .expect("start");
        let mut prev = None;
        let mut out = Vec::new();
        for _ in 0..n {
            let Some(f) = t
                .next_fire_time(start, prev.as_ref(), &mut rng)
                .expect("eval")
            else {
                break;
            };
            out.push(f.to_string());
            prev = Some(f);
        }
        out
    }

    #[test]
    fn leap_day_with_years_waits_for_leap_years() {
        let t = trigger([1, 0, 0, 0], [0, 0, 0], (2024, 2, 29), "UTC");
        assert_eq!(
            fires(&t, 3),
            [
                "2024-02-29T00:00:00+00:00",
                "2028-02-29T00:00:00+00:00",
                "2032-02-29T00:00:00+00:00"
            ]
        );
    }

    #[test]
    fn gap_time_skips_that_date_and_fold_takes_the_first() {
        // Berlin 2027-03-28 has no 02:30; 2027-10-31 has two.
        let t = trigger([0, 0, 0, 1], [2, 30, 0], (2027, 3, 27), "Europe/Berlin");
        assert_eq!(
            fires(&t, 2),
            ["2027-03-27T02:30:00+01:00", "2027-03-29T02:30:00+02:00"]
        );
        let t = trigger([0, 0, 0, 1], [2, 30, 0], (2027, 10, 30), "Europe/Berlin");
        assert_eq!(
            fires(&t, 3),
            [
                "2027-10-30T02:30:00+02:00",
                "2027-10-31T02:30:00+02:00",
                "2027-11-01T02:30:00+01:00"
            ]
        );
    }

    #[test]
    fn leaving_years_1_to_9999_is_an_error_not_a_hang() {
        let t = trigger([1000, 0, 0, 0], [0, 0, 0], (9000, 1, 1), "UTC");
        let mut rng = JitterRng::new(0);
        let first = t.next_fire_time(t.start_date.expect("start"), None, &mut rng);
        let first = first.expect("eval").expect("fire");
        assert_eq!(
            t.next_fire_time(0, Some(&first), &mut rng),
            Err(EvalError::OutOfRange)
        );
    }
}
