//! The cron trigger: APScheduler 3.x `CronTrigger`, field for field.
//!
//! Owns the eight calendar fields, their expressions (`*`, `*/a`, `a-b/c`, names, `3rd fri`,
//! `last sun`, `last`), APScheduler's defaulting rule for unset fields, and the search for the
//! next fire time.
//!
//! The search is APScheduler's own algorithm, ported step for step because its answers around
//! DST depend on each step: fields are visited from year to second; a field with no valid value
//! left increments the field before it (adding the wall-clock difference to the *instant*,
//! which is why a fire in a DST gap is shifted by the gap), a field with a later valid value is
//! set directly on the wall clock (keeping the fold bit, which is why a fold fires twice). What
//! is not APScheduler's is the representation: each field's allowed values are a precomputed
//! bitset, so "the next valid value" is a bit scan instead of a walk over expressions.
//!
//! The parts, imported one way: `field.rs` (one field: its name, expressions and allowed
//! values), `set.rs` (the eight fields together and the calendar questions asked of them),
//! `expr.rs` (compiling a field's text into expressions), `walk.rs` (the bit-scan walk over a
//! field set) and this file, the trigger itself: building it, its search, and how DST touches
//! its fires.

mod expr;
pub(crate) mod field;
mod set;
#[cfg(test)]
mod tests;
mod walk;

use std::borrow::Cow;

use crate::civil::{Civil, US_PER_SEC};
use crate::dst::DstTouch;
use crate::error::{EvalError, ParseError};
use crate::jitter::JitterRng;
use crate::time::{Instant, Tz, ZonedTime};
use crate::zone::Zone;
use expr::compile_field;
use field::EVERY;
pub use field::{CronField, Expr, Field};
use set::FieldSet;
pub use walk::Cursor;
use walk::WallCursor;

/// A parsed, validated cron trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CronTrigger {
    /// The fields, with what the walk derives from them.
    set: FieldSet,
    zone: Zone,
    start_date: Option<ZonedTime>,
    end_date: Option<ZonedTime>,
    jitter: Option<i64>,
    /// What DST gaps and folds do to fires (default: APScheduler 3.x).
    dst: crate::dst::DstPolicy,
    /// Some field allows no value at all: the trigger never fires.
    never: bool,
    /// Whether any date at all matches day, month, week and day_of_week (computed on first use).
    dates: DateFeasibility,
}

/// A lazily computed flag that takes no part in equality or hashing (it is derived from the
/// fields).
#[derive(Clone, Debug, Default)]
struct DateFeasibility(std::sync::OnceLock<bool>);

impl PartialEq for DateFeasibility {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for DateFeasibility {}
impl std::hash::Hash for DateFeasibility {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// A field's value text and where it starts in the trigger string.
pub(crate) struct FieldText<'a> {
    pub(crate) text: &'a str,
    pub(crate) offset: usize,
}

impl CronTrigger {
    /// Builds the trigger from the given field texts (unset fields get APScheduler's default),
    /// pushing one error per bad expression.
    pub(crate) fn build(
        given: [Option<FieldText<'_>>; 8],
        zone: Zone,
        start_date: Option<ZonedTime>,
        end_date: Option<ZonedTime>,
        jitter: Option<i64>,
        dst: crate::dst::DstPolicy,
        errors: &mut Vec<ParseError>,
    ) -> Option<CronTrigger> {
        let mut remaining = given.iter().filter(|g| g.is_some()).count();
        let mut assign_defaults = false;
        let before = errors.len();
        let fields: [Field; 8] = std::array::from_fn(|i| {
            let field = CronField::ALL[i];
            let (exprs, is_default) = match &given[i] {
                Some(t) => {
                    remaining -= 1;
                    assign_defaults = remaining == 0;
                    (compile_field(field, t.text, t.offset, errors).into(), false)
                }
                None if assign_defaults => (
                    compile_field(field, field.default_expr(), 0, errors).into(),
                    true,
                ),
                None => (Cow::Borrowed(EVERY), true),
            };
            Field::compile(field, exprs, is_default)
        });
        if errors.len() > before {
            return None;
        }
        let never = fields.iter().any(|f| !f.can_match());
        Some(CronTrigger {
            set: FieldSet::new(fields),
            zone,
            start_date,
            end_date,
            jitter,
            dst,
            never,
            dates: DateFeasibility::default(),
        })
    }

    /// The fields, year first.
    pub fn fields(&self) -> &[Field; 8] {
        &self.set.fields
    }

    /// The zone the fields are read in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The earliest possible fire (`start_date`, inclusive): in the trigger's zone, or with
    /// the fixed offset it was written with.
    pub fn start_date(&self) -> Option<ZonedTime> {
        self.start_date
    }

    /// The latest possible fire (`end_date`, inclusive): in the trigger's zone, or with the
    /// fixed offset it was written with.
    pub fn end_date(&self) -> Option<ZonedTime> {
        self.end_date
    }

    /// The most seconds a fire may be delayed at random.
    pub fn jitter(&self) -> Option<i64> {
        self.jitter
    }

    /// What DST gaps and folds do to fires.
    pub fn dst(&self) -> crate::dst::DstPolicy {
        self.dst
    }

    /// The same trigger with another DST policy.
    pub fn with_dst(&self, dst: crate::dst::DstPolicy) -> CronTrigger {
        CronTrigger {
            dst,
            ..self.clone()
        }
    }

    /// Whether some field rules out every value (then the trigger never fires).
    pub fn is_empty(&self) -> bool {
        self.never
    }

    /// The next fire by `cursor`'s walk ([`Cursor::next_after`] on this trigger's fields).
    #[inline]
    pub(crate) fn walk_next(
        &self,
        cursor: &mut Cursor,
        prev: &ZonedTime,
        now: &ZonedTime,
    ) -> Option<i64> {
        cursor.next_after(&self.set, self.zone, prev, now)
    }

    /// Places `cursor`'s walk at `fire`, a raw fire of this trigger ([`Cursor::sync`]).
    pub(crate) fn walk_sync(&self, cursor: &mut Cursor, fire: Option<&ZonedTime>) {
        cursor.sync(&self.set, self.zone, self.jitter, self.end_date, fire);
    }

    fn tz(&self) -> Tz {
        Tz::Zone(self.zone)
    }

    /// APScheduler's `CronTrigger.get_next_fire_time(previous_fire_time, now)`.
    pub(crate) fn next_fire_time(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
    ) -> Result<Option<ZonedTime>, EvalError> {
        if self.never || !self.some_date_matches() {
            return Ok(None);
        }
        let tz = self.tz();
        // Walking consecutive fires away from any DST change: APScheduler's start is the
        // previous fire plus 1 µs, rounded up to a second, on the same wall clock.
        let shortcut = prev
            .filter(|p| p.tz() == tz && !p.fold() && now.instant() > p.instant())
            .and_then(|p| {
                let local = p.local_micros() + 1;
                let ceil = local + (US_PER_SEC - local.rem_euclid(US_PER_SEC)) % US_PER_SEC;
                let first = ZonedTime::from_wall(ceil, false, tz).ok()?;
                Some((self.fast_search(&first)?, false))
            });
        // A wall time and fold bit from the wall-clock search, or APScheduler's own answer.
        let (wall, fold) = match shortcut {
            Some(found) => found,
            None => {
                let first = self.first_candidate(prev, now)?;
                match self.fast_search(&first) {
                    Some(wall) => (wall, first.fold()),
                    None => match self.slow_search(first)? {
                        Some(found) => return self.bound_and_jitter(found, rng),
                        None => return Ok(None),
                    },
                }
            }
        };
        if self.end_date.is_none() && self.jitter.is_none() {
            // Built here from registers: a zoned time stored field by field and copied whole
            // stalls on store forwarding, which costs more than the search itself.
            return Ok(Some(ZonedTime::from_wall(wall, fold, tz)?));
        }
        self.bound_and_jitter(ZonedTime::from_wall(wall, fold, tz)?, rng)
    }

    /// The end date (no fire after it), then jitter and APScheduler's `min(next, end_date)`.
    fn bound_and_jitter(
        &self,
        next: ZonedTime,
        rng: &mut JitterRng,
    ) -> Result<Option<ZonedTime>, EvalError> {
        if let Some(end) = &self.end_date {
            if next.py_cmp(end).is_gt() {
                return Ok(None);
            }
        }
        self.finish(next, rng)
    }

    /// APScheduler's starting point: after the previous fire (or at `now`, or at the start
    /// date), rounded up to a whole second, in the trigger's zone.
    fn first_candidate(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
    ) -> Result<ZonedTime, EvalError> {
        let tz = self.tz();
        let start = match prev {
            Some(prev) => {
                let candidate = now.instant().min(prev.utc_add(1)?.instant());
                let start = ZonedTime::from_instant(candidate, tz)?;
                if start.py_eq(prev) {
                    start.utc_add(1)?
                } else {
                    start
                }
            }
            None => match &self.start_date {
                Some(sd) => ZonedTime::from_instant(now.instant().max(sd.instant()), tz)?,
                None => *now,
            },
        };
        Ok(datetime_ceil(&start)?.canonical_in(tz)?)
    }

    /// Whether any date matches day, month, week and day_of_week together. The Gregorian
    /// calendar repeats every 400 years (146,097 days, a whole number of weeks), so one cycle
    /// decides it: `month=2 day=31` or `week=53 month=2` never fire, and say so at once instead
    /// of searching to year 9999.
    fn some_date_matches(&self) -> bool {
        *self.dates.0.get_or_init(|| {
            let [_, month, day, ..] = &self.set.fields;
            (2000..2400).any(|year| {
                (1..=12)
                    .filter(|m| month.bits.next_from(*m, 12) == Some(*m))
                    .any(|m| {
                        let c = Civil {
                            year,
                            month: m,
                            day: 1,
                            hour: 0,
                            minute: 0,
                            second: 0,
                            micro: 0,
                        };
                        self.next_day(&c, day).is_some()
                    })
            })
        })
    }

    /// The search on wall-clock fields alone, valid when the span searched reads every wall
    /// time with one offset and nothing else (no gap, no fold: the zone's quiet span, as the
    /// walk uses it): then every step of APScheduler's search reads that offset, and its answer
    /// is simply the first matching wall time. `None` when that does not hold (or nothing
    /// matches before year 9999): use [`Self::slow_search`].
    fn fast_search(&self, first: &ZonedTime) -> Option<i64> {
        let Tz::Zone(zone) = first.tz() else {
            return None;
        };
        let wall = self.wall_search(first.local_micros())?;
        if !zone.is_constant() {
            let (_, lo, hi) = zone.quiet_wall_span(first.instant().unix_seconds());
            let secs = |local: i64| local.div_euclid(US_PER_SEC);
            if secs(first.local_micros()) < lo || secs(wall) >= hi {
                return None;
            }
        }
        Some(wall)
    }

    /// The first wall time at or after `from` (microseconds of local time, whole seconds)
    /// whose fields all match; `None` past year 9999.
    pub(crate) fn wall_search(&self, from: i64) -> Option<i64> {
        WallCursor::seek(&self.set, from).map(|w| w.local())
    }

    /// The first day at or after `c.day` in `c`'s month that the day, week and day_of_week
    /// fields all allow.
    fn next_day(&self, c: &Civil, day: &Field) -> Option<u32> {
        debug_assert_eq!(day.field, CronField::Day);
        let later = self.set.month_days(c.year, c.month) & (!0u64 << c.day.min(63));
        (later != 0).then(|| later.trailing_zeros())
    }

    /// APScheduler's own search, step for step (see the module docs); used near DST changes.
    fn slow_search(&self, mut next: ZonedTime) -> Result<Option<ZonedTime>, EvalError> {
        let mut fieldnum: isize = 0;
        while (0..8).contains(&fieldnum) {
            let field = &self.set.fields[fieldnum as usize];
            let c = next.civil();
            let days = next.local_micros().div_euclid(crate::civil::US_PER_DAY);
            let current = field.field.value_of(&c, days);
            match field.next_value(&c, current) {
                None => (next, fieldnum) = self.increment(&next, fieldnum - 1)?,
                Some(v) if v > current => {
                    if field.field.is_real() {
                        next = self.set_field(&next, fieldnum as usize, v)?;
                        fieldnum += 1;
                    } else {
                        (next, fieldnum) = self.increment(&next, fieldnum)?;
                    }
                }
                Some(_) => fieldnum += 1,
            }
            if let Some(end) = &self.end_date {
                if next.py_cmp(end).is_gt() {
                    return Ok(None);
                }
            }
        }
        Ok((fieldnum >= 0).then_some(next))
    }

    /// Jitter, then the end date (APScheduler's `min(next_date, end_date)`).
    fn finish(&self, next: ZonedTime, rng: &mut JitterRng) -> Result<Option<ZonedTime>, EvalError> {
        let next = crate::jitter::wall_jitter(next, self.jitter, rng)?;
        match &self.end_date {
            Some(end) if end.py_cmp(&next).is_lt() => Ok(Some(*end)),
            _ => Ok(Some(next)),
        }
    }

    /// APScheduler's `_increment_field_value`, including its walk to negative field indices
    /// (Python list indexing from the end) when the year is exhausted.
    fn increment(
        &self,
        date: &ZonedTime,
        mut fieldnum: isize,
    ) -> Result<(ZonedTime, isize), EvalError> {
        let c = date.civil();
        let mut values = c;
        values.micro = 0;
        let n = self.set.fields.len() as isize;
        let mut i: isize = 0;
        while i < n {
            let idx = if i < 0 { i + n } else { i };
            if idx < 0 {
                // Python raises IndexError here: only a date already at 9999-12-31 23:59:59
                // gets this far, so there is no next fire within the supported range.
                return Err(EvalError::OutOfRange);
            }
            let field = &self.set.fields[idx as usize];
            if !field.field.is_real() {
                if i == fieldnum {
                    fieldnum -= 1;
                    i -= 1;
                } else {
                    i += 1;
                }
                continue;
            }
            let days = date.local_micros().div_euclid(crate::civil::US_PER_DAY);
            if i < fieldnum {
                set_civil(&mut values, field.field, field.field.value_of(&c, days));
                i += 1;
            } else if i > fieldnum {
                set_civil(&mut values, field.field, field.field.min());
                i += 1;
            } else {
                let value = field.field.value_of(&c, days);
                if value == field.max_at(&c) {
                    fieldnum -= 1;
                    i -= 1;
                } else {
                    set_civil(&mut values, field.field, value + 1);
                    i += 1;
                }
            }
        }
        if !values.is_valid() {
            return Err(EvalError::OutOfRange);
        }
        let difference = values.to_local_us() - date.local_micros();
        Ok((date.utc_add(difference)?, fieldnum))
    }

    /// APScheduler's `_set_field_value`: a wall time, not normalised, keeping the fold bit.
    fn set_field(
        &self,
        date: &ZonedTime,
        fieldnum: usize,
        value: u32,
    ) -> Result<ZonedTime, EvalError> {
        let c = date.civil();
        let mut values = c;
        values.micro = 0;
        for (i, field) in self.set.fields.iter().enumerate() {
            if !field.field.is_real() {
                continue;
            }
            let v = match i.cmp(&fieldnum) {
                std::cmp::Ordering::Less => continue,
                std::cmp::Ordering::Greater => field.field.min(),
                std::cmp::Ordering::Equal => value,
            };
            set_civil(&mut values, field.field, v);
        }
        Ok(ZonedTime::from_wall(
            values.to_local_us(),
            date.fold(),
            self.tz(),
        )?)
    }
}

fn set_civil(c: &mut Civil, field: CronField, v: u32) {
    match field {
        CronField::Year => c.year = v as i32,
        CronField::Month => c.month = v,
        CronField::Day => c.day = v,
        CronField::Hour => c.hour = v,
        CronField::Minute => c.minute = v,
        CronField::Second => c.second = v,
        CronField::Week | CronField::DayOfWeek => {}
    }
}

/// Whether some wall time matches the fields of every one of `crons`: their hour, minute
/// and second sets intersect, some year is allowed by all, and some date of one 400-year
/// Gregorian cycle (which repeats weekdays and ISO weeks) matches every month, day, week and
/// day_of_week field. False proves that they never fire at the same wall time.
pub(crate) fn some_common_fire(crons: &[&CronTrigger]) -> bool {
    let time = crons.iter().fold([!0u64; 3], |acc, c| {
        let t = c.set.time_bits();
        [acc[0] & t[0], acc[1] & t[1], acc[2] & t[2]]
    });
    if time.contains(&0) {
        return false;
    }
    let mut year = 1970;
    'years: loop {
        for c in crons {
            match c.set.fields[0].bits.next_from(year, 9999) {
                None => return false,
                Some(y) if y != year => {
                    year = y;
                    continue 'years;
                }
                Some(_) => {}
            }
        }
        break;
    }
    (2000..2400).any(|y| {
        (1..=12).any(|m| {
            crons.iter().fold(!0u64, |days, c| {
                if c.set.fields[1].bits.next_from(m, 12) == Some(m) {
                    days & c.set.month_days(y, m)
                } else {
                    0
                }
            }) != 0
        })
    })
}

/// APScheduler's `datetime_ceil`: round up to a whole second through the instant.
pub(crate) fn datetime_ceil(t: &ZonedTime) -> Result<ZonedTime, EvalError> {
    let micro = t.local_micros().rem_euclid(US_PER_SEC);
    if micro > 0 {
        Ok(t.utc_add(US_PER_SEC - micro)?)
    } else {
        Ok(*t)
    }
}

/// Classifies a fire of `cron` as APScheduler returned it (`raw`: a wall time that may lie
/// in a gap, as APScheduler's search leaves it).
pub fn touch(cron: &CronTrigger, raw: &ZonedTime) -> DstTouch {
    let Tz::Zone(zone) = raw.tz() else {
        return DstTouch::None;
    };
    if zone.is_constant() {
        return DstTouch::None;
    }
    let Ok(fire) = raw.canonical_in(Tz::Zone(zone)) else {
        return DstTouch::None;
    };
    let after_gap = || {
        let at = fire.instant().unix_seconds();
        match zone.next_transition_after(at - 86_400) {
            Some(t) if t <= at => DstTouch::Gap {
                after_gap: Instant::from_unix_seconds(t),
            },
            _ => DstTouch::None,
        }
    };
    // APScheduler's search stopped on a wall time that does not exist: a gap fire.
    if raw.local_micros() != fire.local_micros() {
        return after_gap();
    }
    let secs = fire.local_micros().div_euclid(1_000_000);
    if zone.offset_for_wall(secs, false) != zone.offset_for_wall(secs, true) {
        // Ambiguous or missing wall time; a canonical time is never missing.
        return if fire.fold() {
            DstTouch::FoldSecond
        } else {
            DstTouch::FoldFirst
        };
    }
    let civil = fire.civil();
    let days = fire.local_micros().div_euclid(crate::civil::US_PER_DAY);
    if cron
        .fields()
        .iter()
        .all(|f| f.allows(&civil, f.field().value_at(&civil, days)))
    {
        return DstTouch::None;
    }
    // The fields do not match the wall time it fires at: APScheduler moved it out of a gap.
    after_gap()
}
