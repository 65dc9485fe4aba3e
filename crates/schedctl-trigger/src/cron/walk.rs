//! Walking the wall-clock matches of a cron trigger by bit scans, one month at a time.
//!
//! This module owns the cron engine's fast path. [`WallCursor`] finds the first wall time at
//! or after a given one whose fields all match, then each next one: the time of day is three
//! bit scans (second, minute, hour), the day one scan of the month's matching days (computed
//! once per month), the month a scan of the month and year sets. A wall time is only a fire
//! where the zone reads it with one offset and nothing else (no gap, no fold): [`Cursor`] keeps
//! the walk together with that span of wall times, and gives up (the caller then runs
//! APScheduler's own search) as soon as a step leaves it.

use super::set::FieldSet;
use crate::civil::{civil_from_days, US_PER_DAY, US_PER_SEC};
use crate::time::{Tz, ZonedTime};
use crate::zone::Zone;

/// A matching wall time of a cron trigger, as calendar position plus the month's matching days.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WallCursor {
    year: i32,
    month: u32,
    /// The days of the month the date fields allow (bit `d` = day `d`).
    days: u64,
    /// Days since 1970-01-01 of the month's first day.
    month_start: i64,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// The allowed hours, minutes and seconds.
    time: [u64; 3],
}

/// The lowest member of a non-empty set.
fn first(bits: u64) -> u32 {
    bits.trailing_zeros()
}

impl WallCursor {
    /// The first matching wall time at or after `local` (microseconds of local time, read in
    /// whole seconds); `None` when nothing matches before year 10000.
    #[inline]
    pub(crate) fn seek(fields: &FieldSet, local: i64) -> Option<WallCursor> {
        let days = local.div_euclid(US_PER_DAY);
        let sod = (local.rem_euclid(US_PER_DAY) / US_PER_SEC) as u32;
        let (year, month, day) = civil_from_days(days);
        let time = fields.time_bits();
        if time.contains(&0) {
            return None;
        }
        let mut w = WallCursor {
            year,
            month,
            days: 0,
            month_start: days - i64::from(day) + 1,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            time,
        };
        match fields.month_from(year, month)? {
            (y, m) if (y, m) == (year, month) => {
                w.days = fields.month_days(year, month);
                if w.days & (1 << day) != 0 {
                    if w.time_matches() {
                        return Some(w);
                    }
                    if w.time_after() {
                        return Some(w);
                    }
                }
                w.first_day_from(fields, day + 1)?;
            }
            (y, m) => {
                w.enter(fields, y, m);
                w.first_day_from(fields, 1)?;
            }
        }
        Some(w)
    }

    /// Moves to the next matching wall time; `None` when nothing matches before year 10000.
    #[inline]
    pub(crate) fn advance(&mut self, fields: &FieldSet) -> Option<()> {
        if self.time_after() {
            return Some(());
        }
        self.first_day_from(fields, self.day + 1)
    }

    /// Microseconds of local time since 1970-01-01T00:00.
    #[inline]
    pub(crate) fn local(&self) -> i64 {
        let days = self.month_start + i64::from(self.day) - 1;
        let secs = i64::from(self.hour) * 3600 + i64::from(self.minute) * 60;
        days * US_PER_DAY + (secs + i64::from(self.second)) * US_PER_SEC
    }

    fn time_matches(&self) -> bool {
        let [h, m, s] = self.time;
        h & (1 << self.hour) != 0 && m & (1 << self.minute) != 0 && s & (1 << self.second) != 0
    }

    /// Moves to the first allowed time of day after the current one, the same day.
    #[inline]
    fn time_after(&mut self) -> bool {
        let [h, m, s] = self.time;
        if h & (1 << self.hour) != 0 {
            if m & (1 << self.minute) != 0 {
                let later = s & (!1u64 << self.second);
                if later != 0 {
                    self.second = first(later);
                    return true;
                }
            }
            let later = m & (!1u64 << self.minute);
            if later != 0 {
                (self.minute, self.second) = (first(later), first(s));
                return true;
            }
        }
        let later = h & (!1u64 << self.hour);
        if later != 0 {
            (self.hour, self.minute, self.second) = (first(later), first(m), first(s));
            return true;
        }
        false
    }

    /// Moves to the first allowed time of the first matching day at or after `day` (later
    /// months included).
    fn first_day_from(&mut self, fields: &FieldSet, day: u32) -> Option<()> {
        let mut later = self.days & (!0u64 << day.min(63));
        while later == 0 {
            let (y, m) = if self.month == 12 {
                (self.year + 1, 1)
            } else {
                (self.year, self.month + 1)
            };
            let (y, m) = fields.month_from(y, m)?;
            self.enter(fields, y, m);
            later = self.days;
        }
        self.day = first(later);
        let [h, m, s] = self.time;
        (self.hour, self.minute, self.second) = (first(h), first(m), first(s));
        Some(())
    }

    fn enter(&mut self, fields: &FieldSet, year: i32, month: u32) {
        self.year = year;
        self.month = month;
        self.days = fields.month_days(year, month);
        if self.days != 0 {
            self.month_start = crate::civil::days_from_civil(year, month, 1);
        }
    }
}

/// Where a walk of consecutive fires stands, so that the next fire is a few bit scans away
/// instead of a search. Keep one per schedule and pass it to
/// [`crate::Schedule::next_fire_time_walking`] with every question; a cursor that does not
/// fit the question is simply not used.
#[derive(Clone, Debug, Default)]
pub struct Cursor {
    walk: Option<Walk>,
}

#[derive(Clone, Debug)]
struct Walk {
    /// The address of the walked trigger's field set: a cursor handed another schedule's
    /// question (a misuse) is then not used, instead of walking the wrong fields.
    trigger: usize,
    wall: WallCursor,
    /// The wall time of the fire the walk stands at.
    at: i64,
    /// Wall times in `[lo, hi)` read with one offset and nothing else (no gap, no fold), so
    /// APScheduler's search between two of them is a plain wall-clock search; `hi` also stays
    /// two days clear of the end date.
    lo: i64,
    hi: i64,
    /// That offset, in microseconds.
    offset: i64,
}

const DAY_SECS: i64 = 86_400;

impl Cursor {
    /// The next fire after `prev` for a question asked at `now`, if the walk stands at `prev`,
    /// `now` is not earlier (APScheduler then starts 1 µs after `prev`) and the next matching
    /// wall time is still in the quiet span; `None` means "ask the search". `fields` and
    /// `zone` are the trigger's.
    #[inline]
    pub(crate) fn next_after(
        &mut self,
        fields: &FieldSet,
        zone: Zone,
        prev: &ZonedTime,
        now: &ZonedTime,
    ) -> Option<i64> {
        let walk = self.walk.as_mut()?;
        if walk.trigger != std::ptr::from_ref(fields) as usize
            || walk.at != prev.local_micros()
            || prev.fold()
            || prev.tz() != Tz::Zone(zone)
        {
            return None;
        }
        let asked_at_prev = now.local_micros() == prev.local_micros() && now.tz() == prev.tz();
        if !asked_at_prev && now.instant().unix_micros() < walk.at - walk.offset {
            return None;
        }
        let next = walk
            .wall
            .advance(fields)
            .map(|()| walk.wall.local())
            .filter(|local| (walk.lo..walk.hi).contains(local));
        match next {
            Some(local) => {
                walk.at = local;
                Some(local)
            }
            None => {
                // The wall cursor may have moved: never use it again.
                self.walk = None;
                None
            }
        }
    }

    /// Places the walk at `fire` (a raw fire of the trigger of `fields`, `zone`, `jitter` and
    /// `end_date` just found by the search), or drops it when `fire` is not a plain wall time
    /// in a quiet span.
    pub(crate) fn sync(
        &mut self,
        fields: &FieldSet,
        zone: Zone,
        jitter: Option<i64>,
        end_date: Option<ZonedTime>,
        fire: Option<&ZonedTime>,
    ) {
        self.walk = fire.and_then(|f| Walk::at(fields, zone, jitter, end_date, f));
    }
}

impl Walk {
    fn at(
        fields: &FieldSet,
        zone: Zone,
        jitter: Option<i64>,
        end_date: Option<ZonedTime>,
        fire: &ZonedTime,
    ) -> Option<Walk> {
        if fire.fold() || fire.tz() != Tz::Zone(zone) || jitter.is_some_and(|j| j != 0) {
            return None;
        }
        let local = fire.local_micros();
        let (offset, lo, hi) = zone.quiet_wall_span(fire.instant().unix_seconds());
        let micros = |secs: i64| secs.saturating_mul(US_PER_SEC);
        let (lo, mut hi) = (micros(lo), micros(hi));
        if let Some(end) = end_date {
            let end = end.instant().unix_seconds() + i64::from(offset) - 2 * DAY_SECS;
            hi = hi.min(micros(end));
        }
        if local < lo || local >= hi {
            return None;
        }
        let wall = WallCursor::seek(fields, local)?;
        (wall.local() == local).then_some(Walk {
            trigger: std::ptr::from_ref(fields) as usize,
            wall,
            at: local,
            lo,
            hi,
            offset: i64::from(offset) * US_PER_SEC,
        })
    }
}
