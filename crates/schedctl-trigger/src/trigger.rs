//! A validated [`Trigger`] and its binding to a scheduler start, a [`Schedule`].
//!
//! Owns the trigger kinds as one enum, the canonical `Display` that parses back to an equal
//! value (the text form itself is read in `parse`), and the binding of a trigger to a
//! scheduler start (an interval without `start_date`, a bare `date:`, a calendar interval
//! without `start_date`), after which fires can be asked for.

use std::fmt;

use crate::calendar::{CalendarIntervalTrigger, CALENDAR_TIME_FIELDS, CALENDAR_UNITS};
use crate::combine::{and_next, or_next, Child, MAX_ROUNDS};
use crate::cron::{touch, CronTrigger, Cursor};
use crate::date::DateTrigger;
use crate::dst::{apply, DstPolicy, DstTouch, FoldPolicy, GapPolicy, JumpPolicy};
use crate::error::EvalError;
use crate::interval::{IntervalTrigger, INTERVAL_UNITS};
use crate::jitter::JitterRng;
use crate::time::{Instant, Tz, ZonedTime};
use crate::zone::Zone;

/// A parsed, validated trigger.
///
/// ```
/// # use schedctl_trigger::{Trigger, Zone};
/// let t: Trigger = "cron:day=last sun hour=0".parse()?;
/// assert_eq!(t.to_string(), "cron:day=last sun hour=0 timezone=UTC");
/// let berlin = Trigger::parse_in("crontab:30 2 * * mon-fri", Zone::get("Europe/Berlin")?)?;
/// assert_eq!(berlin.to_string().parse::<Trigger>()?, berlin);
/// let either: Trigger = "or:[cron:hour=6] [cron:hour=18]".parse()?;
/// assert_eq!(either.to_string(), "or:[cron:hour=6 timezone=UTC] [cron:hour=18 timezone=UTC]");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trigger {
    /// `cron:` and `crontab:`.
    Cron(Box<CronTrigger>),
    /// `interval:`.
    Interval(IntervalTrigger),
    /// `date:`.
    Date(DateTrigger),
    /// `calendarinterval:` (APScheduler 3.11's `CalendarIntervalTrigger`).
    CalendarInterval(CalendarIntervalTrigger),
    /// `and:[T1] [T2] ...` (APScheduler 3.11's `AndTrigger`).
    And(CombiningTrigger),
    /// `or:[T1] [T2] ...` (APScheduler 3.11's `OrTrigger`).
    Or(CombiningTrigger),
}

/// The children and jitter of an `and:` or `or:` trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CombiningTrigger {
    pub(crate) children: Vec<Trigger>,
    pub(crate) jitter: Option<i64>,
    /// The default zone at parse time: fires are written in it.
    pub(crate) zone: Zone,
}

impl CombiningTrigger {
    /// The combined triggers, in the order given.
    pub fn children(&self) -> &[Trigger] {
        &self.children
    }

    /// The most seconds a fire may be delayed at random (`jitter=`), when set.
    pub fn jitter(&self) -> Option<i64> {
        self.jitter
    }

    /// The zone fires are written in (the scheduler's default zone).
    pub fn zone(&self) -> Zone {
        self.zone
    }
}

impl Trigger {
    /// The zone that fires are computed and written in.
    pub fn zone(&self) -> Zone {
        match self {
            Trigger::Cron(c) => c.zone(),
            Trigger::Interval(i) => i.zone(),
            Trigger::Date(d) => d.zone(),
            Trigger::CalendarInterval(c) => c.zone(),
            Trigger::And(c) | Trigger::Or(c) => c.zone(),
        }
    }

    /// The kind as written before the `:` (`crontab:` reads back as `cron`).
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::Cron(_) => "cron",
            Trigger::Interval(_) => "interval",
            Trigger::Date(_) => "date",
            Trigger::CalendarInterval(_) => "calendarinterval",
            Trigger::And(_) => "and",
            Trigger::Or(_) => "or",
        }
    }

    /// The same trigger with another DST policy: a cron trigger, or a combination whose cron
    /// children all take it; `None` when no part of the trigger is a cron trigger (interval
    /// and date triggers count absolute time, a calendar interval has its own DST rule).
    pub fn with_dst(&self, dst: DstPolicy) -> Option<Trigger> {
        match self {
            Trigger::Cron(c) => Some(Trigger::Cron(Box::new(c.with_dst(dst)))),
            Trigger::And(c) | Trigger::Or(c) => {
                let mut any = false;
                let children = c
                    .children
                    .iter()
                    .map(|t| match t.with_dst(dst) {
                        Some(t) => {
                            any = true;
                            t
                        }
                        None => t.clone(),
                    })
                    .collect();
                let combined = CombiningTrigger {
                    children,
                    ..c.clone()
                };
                any.then(|| match self {
                    Trigger::And(_) => Trigger::And(combined),
                    _ => Trigger::Or(combined),
                })
            }
            _ => None,
        }
    }

    /// The jitter bound in seconds, when set.
    pub fn jitter(&self) -> Option<i64> {
        match self {
            Trigger::Cron(c) => c.jitter(),
            Trigger::Interval(i) => i.jitter(),
            Trigger::Date(_) => None,
            Trigger::CalendarInterval(c) => c.jitter(),
            Trigger::And(c) | Trigger::Or(c) => c.jitter(),
        }
    }

    /// Binds the trigger to the instant the scheduler starts: an interval without
    /// `start_date` starts one interval later, a bare `date:` fires at that instant, a
    /// calendar interval without `start_date` starts on that instant's date; a combination
    /// binds each child.
    ///
    /// Errors: [`EvalError::EndBeforeStart`] for a calendar interval whose `end_date` lies
    /// before that date (APScheduler's `ValueError` when the trigger is made);
    /// [`EvalError::OutOfRange`] past year 9999.
    ///
    /// ```
    /// # use schedctl_trigger::{Instant, Trigger};
    /// let t: Trigger = "interval:hours=2".parse()?;
    /// let s = t.schedule(Instant::from_unix_seconds(0))?;
    /// let first = s.fires(Instant::from_unix_seconds(0))?.next().transpose()?;
    /// assert_eq!(first.map(|f| f.to_string()).as_deref(), Some("1970-01-01T02:00:00+00:00"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn schedule(&self, scheduler_start: Instant) -> Result<Schedule, EvalError> {
        let bound = match self {
            Trigger::Cron(c) => Bound::Cron(c.clone()),
            Trigger::Interval(i) => Bound::Interval {
                start: i.anchored_start(scheduler_start)?,
                trigger: i.clone(),
            },
            Trigger::Date(d) => Bound::Date {
                run_date: match d.run_date {
                    Some(r) => r,
                    None => ZonedTime::from_instant(scheduler_start, Tz::Zone(d.zone))?,
                },
                zone: d.zone,
            },
            Trigger::CalendarInterval(c) => Bound::Calendar {
                start: c.anchored_start(scheduler_start)?,
                trigger: c.clone(),
            },
            Trigger::And(c) | Trigger::Or(c) => {
                let children = c
                    .children
                    .iter()
                    .map(|t| t.schedule(scheduler_start))
                    .collect::<Result<Vec<_>, _>>()?;
                let combined = Combined {
                    children,
                    jitter: c.jitter,
                    zone: c.zone,
                };
                match self {
                    Trigger::And(_) => Bound::And(combined),
                    _ => Bound::Or(combined),
                }
            }
        };
        Ok(Schedule { bound })
    }
}

/// Writes a date field: naive in the trigger's zone (as it was given), else with its offset.
fn write_date(f: &mut fmt::Formatter<'_>, name: &str, t: &Option<ZonedTime>) -> fmt::Result {
    let Some(t) = t else { return Ok(()) };
    let text = t.to_string();
    match t.tz() {
        Tz::Zone(_) => {
            // Drop the offset: a naive value is read in the trigger's zone, which gives back
            // this same wall time (naive values are stored normalised).
            let cut = text.len() - offset_len(&text);
            write!(f, " {name}={}", &text[..cut])
        }
        Tz::Fixed(_) => write!(f, " {name}={text}"),
    }
}

fn offset_len(rfc3339: &str) -> usize {
    rfc3339.rfind(['+', '-']).map_or(0, |i| rfc3339.len() - i)
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::Cron(c) => {
                f.write_str("cron:")?;
                let mut sep = "";
                for field in c.fields().iter().filter(|x| !x.is_default()) {
                    write!(f, "{sep}{}={field}", field.field())?;
                    sep = " ";
                }
                write_date(f, "start_date", &c.start_date())?;
                write_date(f, "end_date", &c.end_date())?;
                write!(f, " timezone={}", c.zone())?;
                if let Some(j) = c.jitter() {
                    write!(f, " jitter={j}")?;
                }
                let dst = c.dst();
                if dst.gap != GapPolicy::default() {
                    write!(f, " dst_gap={}", dst.gap)?;
                }
                if dst.fold != FoldPolicy::default() {
                    write!(f, " dst_fold={}", dst.fold)?;
                }
                if dst.jump != JumpPolicy::default() {
                    write!(f, " dst_jump={}", dst.jump)?;
                }
                Ok(())
            }
            Trigger::Interval(i) => {
                f.write_str("interval:")?;
                let mut sep = "";
                for (unit, v) in INTERVAL_UNITS.iter().zip(i.units()) {
                    if let Some(v) = v {
                        write!(f, "{sep}{unit}={v}")?;
                        sep = " ";
                    }
                }
                write_date(f, "start_date", &i.start_date())?;
                write_date(f, "end_date", &i.end_date())?;
                write!(f, " timezone={}", i.zone())?;
                if let Some(j) = i.jitter() {
                    write!(f, " jitter={j}")?;
                }
                Ok(())
            }
            Trigger::Date(d) => {
                f.write_str("date:")?;
                write_date(f, "run_date", &d.run_date())?;
                write!(f, " timezone={}", d.zone())
            }
            Trigger::CalendarInterval(c) => {
                f.write_str("calendarinterval:")?;
                let mut sep = "";
                for (unit, v) in CALENDAR_UNITS.iter().zip(c.units()) {
                    if v != 0 {
                        write!(f, "{sep}{unit}={v}")?;
                        sep = " ";
                    }
                }
                for (name, v) in CALENDAR_TIME_FIELDS.iter().zip(c.time_of_day()) {
                    if v != 0 {
                        write!(f, " {name}={v}")?;
                    }
                }
                if let Some(d) = c.start_text() {
                    write!(f, " start_date={d}")?;
                }
                if let Some(d) = c.end_text() {
                    write!(f, " end_date={d}")?;
                }
                write!(f, " timezone={}", c.zone())?;
                if let Some(j) = c.jitter() {
                    write!(f, " jitter={j}")?;
                }
                Ok(())
            }
            Trigger::And(c) | Trigger::Or(c) => {
                write!(f, "{}:", self.kind())?;
                let mut sep = "";
                for child in &c.children {
                    write!(f, "{sep}[{child}]")?;
                    sep = " ";
                }
                if let Some(j) = c.jitter {
                    write!(f, " jitter={j}")?;
                }
                Ok(())
            }
        }
    }
}

/// A trigger bound to a scheduler start: ready to answer "next fire".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    bound: Bound,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    Cron(Box<CronTrigger>),
    Interval {
        trigger: IntervalTrigger,
        start: ZonedTime,
    },
    Date {
        run_date: ZonedTime,
        zone: Zone,
    },
    Calendar {
        trigger: CalendarIntervalTrigger,
        /// The first date, days since 1970-01-01.
        start: i64,
    },
    And(Combined),
    Or(Combined),
}

/// The bound children of an `and` or `or`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Combined {
    children: Vec<Schedule>,
    jitter: Option<i64>,
    zone: Zone,
}

impl Child for Schedule {
    fn next_fire_within(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
        budget: &mut u32,
    ) -> Result<Option<ZonedTime>, EvalError> {
        Schedule::next_fire_within(self, prev, now, rng, budget)
    }

    fn ignores_now(&self) -> bool {
        match &self.bound {
            Bound::Date { .. } | Bound::Calendar { .. } => true,
            // Made only of such children, a combination answers the same whatever `now` is.
            Bound::And(c) | Bound::Or(c) => c.children.iter().all(Child::ignores_now),
            _ => false,
        }
    }

    fn cron_constraints<'a>(&'a self, out: &mut Vec<&'a CronTrigger>) {
        match &self.bound {
            Bound::Cron(c) if c.dst().is_default() && c.jitter().is_none_or(|j| j == 0) => {
                out.push(c);
            }
            Bound::And(c) if c.jitter.is_none_or(|j| j == 0) => {
                for child in &c.children {
                    child.cron_constraints(out);
                }
            }
            // A combination of one trigger without jitter is that trigger.
            Bound::Or(c) if c.children.len() == 1 && c.jitter.is_none_or(|j| j == 0) => {
                c.children[0].cron_constraints(out);
            }
            _ => {}
        }
    }
}

/// The first wall time the fields of `c` want after `prev` (or at or after `now`), when
/// APScheduler's answer `raw` jumped over it: as a raw (possibly gap) wall time. Two cases
/// (both from APScheduler's carry over a DST change): when a day's roll-over lands in a gap
/// (Santiago, midnight) APScheduler continues from the end of the gap; the day after a
/// spring-forward, walking on from the previous fire with the old UTC offset, it lands past
/// the next 00:xx fire (Berlin `cron:hour=0`: 03-29, then 03-31).
fn jumped_wall(
    c: &CronTrigger,
    prev: Option<&ZonedTime>,
    now: &ZonedTime,
    raw: Option<&ZonedTime>,
) -> Result<Option<ZonedTime>, EvalError> {
    if c.jitter().is_some_and(|j| j != 0) {
        // A jittered fire lies after its wall time by design, not by a jump.
        return Ok(None);
    }
    let zone = Tz::Zone(c.zone());
    let from = match prev {
        Some(p) => p.canonical_in(zone)?.local_micros() + 1,
        None => now.canonical_in(zone)?.local_micros(),
    };
    let from = from + (1_000_000 - from.rem_euclid(1_000_000)) % 1_000_000;
    let Some(wall) = c.wall_search(from) else {
        return Ok(None);
    };
    if raw.is_some_and(|r| r.tz() == zone && r.local_micros() <= wall) {
        return Ok(None);
    }
    let wanted = ZonedTime::from_wall(wall, false, zone)?;
    let after = prev.map_or(now.instant().add_micros(-1), ZonedTime::instant);
    let before_raw = raw.is_none_or(|r| wanted.instant() < r.instant());
    Ok((wanted.instant() > after && before_raw).then_some(wanted))
}

/// What the DST policy of `c` fires for a wall time APScheduler jumped over
/// ([`jumped_wall`]): the end of its gap under `dst_gap = next`, the wall time itself under
/// `dst_jump = fire`; none under APScheduler's own policies.
fn jumped(
    c: &CronTrigger,
    prev: Option<&ZonedTime>,
    now: &ZonedTime,
    raw: Option<&ZonedTime>,
) -> Result<Option<Instant>, EvalError> {
    let Some(wanted) = jumped_wall(c, prev, now, raw)? else {
        return Ok(None);
    };
    Ok(match touch(c, &wanted) {
        DstTouch::Gap { after_gap } if c.dst().gap == GapPolicy::Next => {
            let after = prev.map_or(now.instant().add_micros(-1), ZonedTime::instant);
            (after_gap > after && raw.is_none_or(|r| after_gap < r.instant())).then_some(after_gap)
        }
        DstTouch::Gap { .. } => None,
        _ if c.dst().jump == JumpPolicy::Fire => Some(wanted.instant()),
        _ => None,
    })
}

impl Schedule {
    /// APScheduler's `get_next_fire_time(previous_fire_time, now)`: the next fire after
    /// `prev` (the previous value this method returned) or, for the first call, at or after
    /// `now`. The value is APScheduler's raw one, written in the trigger's zone (it may be a
    /// wall time in a DST gap); use [`ZonedTime::canonical_in`] to print it. `Ok(None)` when
    /// the trigger has no more fires. Jitter, when the trigger has some, is drawn from `rng`
    /// (up to `jitter` seconds later, as APScheduler 3.x's `_apply_jitter`).
    ///
    /// Errors: [`EvalError::OutOfRange`] past year 9999; for an `and:` trigger
    /// [`EvalError::AndTriggerLoops`] (where APScheduler 3.11 would loop for ever) or
    /// [`EvalError::AndSearchTooLong`]; for a calendar interval [`EvalError::CalendarStuck`].
    ///
    /// ```
    /// use schedctl_trigger::{IsoDateTime, JitterRng, Trigger, Tz, Zone};
    ///
    /// let chatham = Zone::get("Pacific/Chatham")?;
    /// let t = Trigger::parse_in("cron:hour=3", chatham)?;
    /// let now = IsoDateTime::parse("2026-09-26T12:00:00")?.resolve(Tz::Zone(chatham))?;
    /// let s = t.schedule(now.instant())?;
    /// let next = s.next_fire_time(None, &now, &mut JitterRng::new(0))?.expect("a fire");
    /// // On 2026-09-27 Chatham's clocks jump from 02:45 (+12:45) to 03:45 (+13:45).
    /// // APScheduler's raw answer is the wall time in the gap; the clocks showed 04:00.
    /// assert_eq!(next.to_string(), "2026-09-27T03:00:00+12:45");
    /// assert_eq!(next.canonical_in(Tz::Zone(chatham))?.to_string(), "2026-09-27T04:00:00+13:45");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn next_fire_time(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
    ) -> Result<Option<ZonedTime>, EvalError> {
        match &self.bound {
            Bound::Cron(c) if c.dst().is_default() => c.next_fire_time(prev, now, rng),
            _ => self.next_fire_within(prev, now, rng, &mut MAX_ROUNDS.clone()),
        }
    }

    /// [`Schedule::next_fire_time`] with the rounds of the `and` searches in it (nested ones
    /// included) counted down in `budget`: one question never searches without end.
    fn next_fire_within(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
        budget: &mut u32,
    ) -> Result<Option<ZonedTime>, EvalError> {
        match &self.bound {
            Bound::Cron(c) if c.dst().is_default() => c.next_fire_time(prev, now, rng),
            Bound::Cron(c) => {
                // APScheduler's fires, each then kept, moved or dropped by the DST policy.
                let zone = Tz::Zone(c.zone());
                let (mut prev, mut now) = (prev.copied(), *now);
                loop {
                    let raw = c.next_fire_time(prev.as_ref(), &now, rng)?;
                    if c.dst().gap == GapPolicy::Next || c.dst().jump == JumpPolicy::Fire {
                        if let Some(at) = jumped(c, prev.as_ref(), &now, raw.as_ref())? {
                            return Ok(Some(ZonedTime::from_instant(at, zone)?));
                        }
                    }
                    let Some(raw) = raw else {
                        return Ok(None);
                    };
                    let fire = raw.canonical_in(zone)?;
                    match apply(c.dst(), touch(c, &raw), fire.instant()) {
                        Some(at) if at == fire.instant() => return Ok(Some(raw)),
                        Some(at) => return Ok(Some(ZonedTime::from_instant(at, zone)?)),
                        None => {
                            prev = Some(raw);
                            now = raw;
                        }
                    }
                }
            }
            Bound::Interval { trigger, start } => trigger.next_fire_time(start, prev, now, rng),
            Bound::Date { run_date, .. } => Ok(if prev.is_none() {
                Some(*run_date)
            } else {
                None
            }),
            Bound::Calendar { trigger, start } => trigger.next_fire_time(*start, prev, rng),
            Bound::And(c) => and_next(&c.children, c.jitter, prev, now, rng, budget),
            Bound::Or(c) => or_next(&c.children, c.jitter, prev, now, rng, budget),
        }
    }

    /// The fire the fields of a cron schedule want after `prev` that APScheduler 3.11's next
    /// fire `next` jumps over (see `dst_jump`): the day after a spring-forward, or a day whose
    /// roll-over lands in a DST gap. The wall time as clocks show it, and whether it fell in a
    /// gap; `None` for other kinds, where APScheduler misses nothing, and for a calendar day
    /// the zone skipped (a gap of more than three hours: Apia's 2011-12-30).
    ///
    /// ```
    /// # use schedctl_trigger::{IsoDateTime, JitterRng, Trigger, Tz, Zone};
    /// let berlin = Zone::get("Europe/Berlin")?;
    /// let t = Trigger::parse_in("cron:hour=0", berlin)?;
    /// let prev = IsoDateTime::parse("2026-03-29T00:00:00+01:00")?.resolve(Tz::Zone(berlin))?;
    /// let s = t.schedule(prev.instant())?;
    /// let next = s.next_fire_time(Some(&prev), &prev, &mut JitterRng::new(0))?;
    /// assert_eq!(next.map(|n| n.to_string()).as_deref(), Some("2026-03-31T00:00:00+02:00"));
    /// let (skipped, in_gap) = s.jumped_over(&prev, next.as_ref())?.expect("a skipped fire");
    /// assert_eq!((skipped.to_string().as_str(), in_gap), ("2026-03-30T00:00:00+02:00", false));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jumped_over(
        &self,
        prev: &ZonedTime,
        next: Option<&ZonedTime>,
    ) -> Result<Option<(ZonedTime, bool)>, EvalError> {
        let Bound::Cron(c) = &self.bound else {
            return Ok(None);
        };
        let Some(wanted) = jumped_wall(c, Some(prev), prev, next)? else {
            return Ok(None);
        };
        let shown = wanted.canonical_in(Tz::Zone(c.zone()))?;
        // A wall time that does not exist lies in a gap; a gap of more than a few hours is a
        // calendar day the zone skipped (Apia, 2011-12-30), not a DST change.
        let shift = shown.local_micros() - wanted.local_micros();
        if shift > 3 * 3_600_000_000 {
            return Ok(None);
        }
        Ok(Some((shown, shift != 0)))
    }

    /// [`Schedule::next_fire_time`], walking on from `cursor` when it stands at `prev`: a
    /// cron schedule's consecutive fires away from DST changes are then a few bit scans
    /// apart instead of a search each. The answers are the same with or without a cursor.
    #[inline]
    pub fn next_fire_time_walking(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
        cursor: &mut Cursor,
    ) -> Result<Option<ZonedTime>, EvalError> {
        if let Some(fire) = self.walk(prev, now, cursor) {
            return Ok(Some(fire));
        }
        let fire = self.next_fire_time(prev, now, rng)?;
        if let Bound::Cron(c) = &self.bound {
            c.walk_sync(cursor, fire.as_ref());
        }
        Ok(fire)
    }

    /// The next fire by the cursor's walk, when the walk applies (a canonical wall time).
    // Inlined so that the fire stays in registers: returned through memory, its reload
    // stalls on store forwarding (half the cost of a walked fire).
    #[inline(always)]
    fn walk(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        cursor: &mut Cursor,
    ) -> Option<ZonedTime> {
        match (&self.bound, prev) {
            (Bound::Cron(c), Some(p)) => {
                let local = c.walk_next(cursor, p, now)?;
                ZonedTime::from_wall(local, false, p.tz()).ok()
            }
            _ => None,
        }
    }

    /// Whether fires are moved by a random jitter (then asking twice for the same next fire
    /// can give two answers).
    pub fn has_jitter(&self) -> bool {
        let jitter = match &self.bound {
            Bound::Cron(c) => c.jitter(),
            Bound::Interval { trigger, .. } => trigger.jitter(),
            Bound::Date { .. } => None,
            Bound::Calendar { trigger, .. } => trigger.jitter(),
            Bound::And(c) | Bound::Or(c) => {
                if c.children.iter().any(Schedule::has_jitter) {
                    return true;
                }
                c.jitter
            }
        };
        jitter.is_some_and(|j| j != 0)
    }

    /// The zone fires are written in.
    pub fn zone(&self) -> Zone {
        match &self.bound {
            Bound::Cron(c) => c.zone(),
            Bound::Interval { trigger, .. } => trigger.zone(),
            Bound::Date { zone, .. } => *zone,
            Bound::Calendar { trigger, .. } => trigger.zone(),
            Bound::And(c) | Bound::Or(c) => c.zone,
        }
    }

    /// The fires at or after `from`, in order, each written with its real offset in the
    /// trigger's zone. Jitter uses seed 0; see [`Schedule::fires_seeded`].
    ///
    /// Errors: [`EvalError::OutOfRange`] when `from` cannot be written in the zone (outside
    /// years 1 to 9999). The iterator yields an `Err` (then ends) where
    /// [`Schedule::next_fire_time`] fails, and ends when the trigger has no more fires.
    ///
    /// ```
    /// use schedctl_trigger::{IsoDateTime, Trigger, Tz, Zone};
    ///
    /// let st_johns = Zone::get("America/St_Johns")?;
    /// let t = Trigger::parse_in("cron:hour=1 minute=30", st_johns)?;
    /// let from = IsoDateTime::parse("2026-10-31T00:00:00")?.resolve(Tz::Zone(st_johns))?;
    /// let fires: Vec<String> = t
    ///     .schedule(from.instant())?
    ///     .fires(from.instant())?
    ///     .take(4)
    ///     .map(|f| f.map(|t| t.to_string()))
    ///     .collect::<Result<_, _>>()?;
    /// // Clocks go back from 02:00 to 01:00 on 2026-11-01: APScheduler 3.x fires 01:30 twice.
    /// assert_eq!(fires, [
    ///     "2026-10-31T01:30:00-02:30",
    ///     "2026-11-01T01:30:00-02:30",
    ///     "2026-11-01T01:30:00-03:30",
    ///     "2026-11-02T01:30:00-03:30",
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fires(&self, from: Instant) -> Result<Fires<'_>, EvalError> {
        self.fires_seeded(from, 0)
    }

    /// [`Schedule::fires`] with jitter drawn from a generator seeded with `seed`.
    pub fn fires_seeded(&self, from: Instant, seed: u64) -> Result<Fires<'_>, EvalError> {
        self.fires_from(ZonedTime::from_instant(from, Tz::Zone(self.zone()))?, seed)
    }

    /// [`Schedule::fires`] from a zoned start (the zone matters to APScheduler's comparisons:
    /// `now` in the trigger's own zone compares by wall clock).
    pub fn fires_from(&self, from: ZonedTime, seed: u64) -> Result<Fires<'_>, EvalError> {
        Ok(Fires {
            schedule: self,
            prev: None,
            now: from,
            rng: JitterRng::new(seed),
            cursor: Cursor::default(),
            done: false,
        })
    }
}

/// The fires of a [`Schedule`], walked as APScheduler walks them (each fire is both the
/// previous fire and "now" for the next question).
#[derive(Debug)]
pub struct Fires<'a> {
    schedule: &'a Schedule,
    prev: Option<ZonedTime>,
    now: ZonedTime,
    rng: JitterRng,
    cursor: Cursor,
    done: bool,
}

impl Iterator for Fires<'_> {
    type Item = Result<ZonedTime, EvalError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(fire) = self
            .schedule
            .walk(self.prev.as_ref(), &self.now, &mut self.cursor)
        {
            (self.prev, self.now) = (Some(fire), fire);
            return Some(Ok(fire));
        }
        match self.schedule.next_fire_time_walking(
            self.prev.as_ref(),
            &self.now,
            &mut self.rng,
            &mut self.cursor,
        ) {
            Ok(Some(raw)) => {
                self.prev = Some(raw);
                self.now = raw;
                Some(
                    raw.canonical_in(Tz::Zone(self.schedule.zone()))
                        .map_err(EvalError::from),
                )
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
