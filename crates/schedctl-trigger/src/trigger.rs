//! Trigger strings: `KIND:FIELD=VALUE ...` → a validated [`Trigger`] → a [`Schedule`].
//!
//! Owns the text form of the contract (fields separated by whitespace or `;`, a word without
//! `=` continuing the previous value), the canonical `Display` that parses back to an equal
//! value, and the binding of a trigger to a scheduler start (an interval without `start_date`,
//! a bare `date:`), after which fires can be asked for.

use std::fmt;
use std::str::FromStr;

use crate::cron::{CronField, CronTrigger, FieldText};
use crate::dst::{apply, touch, DstPolicy, FoldPolicy, GapPolicy};
use crate::error::{ErrorKind, EvalError, ParseError, ParseErrors};
use crate::interval::{DateTrigger, IntervalTrigger, INTERVAL_UNITS};
use crate::iso::IsoDateTime;
use crate::jitter::JitterRng;
use crate::time::{Instant, Tz, ZonedTime};
use crate::walk::Cursor;
use crate::zone::{Zone, ZoneLookupError};

/// A parsed, validated trigger.
///
/// ```
/// # use schedctl_trigger::{Trigger, Zone};
/// let t: Trigger = "cron:day=last sun hour=0".parse()?;
/// assert_eq!(t.to_string(), "cron:day=last sun hour=0 timezone=UTC");
/// let berlin = Trigger::parse_in("crontab:30 2 * * mon-fri", Zone::get("Europe/Berlin")?)?;
/// assert_eq!(berlin.to_string().parse::<Trigger>()?, berlin);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// `cron:` and `crontab:`.
    Cron(Box<CronTrigger>),
    /// `interval:`.
    Interval(IntervalTrigger),
    /// `date:`.
    Date(DateTrigger),
}

const KINDS: [&str; 4] = ["cron", "crontab", "interval", "date"];

/// A word of the body and its byte offset in the whole string.
struct Word<'a> {
    text: &'a str,
    at: usize,
}

fn words(body: &str, base: usize, seps: fn(char) -> bool) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in body.char_indices() {
        if seps(c) {
            if let Some(s) = start.take() {
                out.push(Word {
                    text: &body[s..i],
                    at: base + s,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &body[s..],
            at: base + s,
        });
    }
    out
}

/// One `FIELD=VALUE` of the body, the value joined with spaces across continuation words.
struct FieldSpec {
    key: String,
    key_at: usize,
    value: String,
    value_at: usize,
    value_end: usize,
}

impl FieldSpec {
    fn span(&self) -> std::ops::Range<usize> {
        self.value_at..self.value_end.max(self.value_at + 1)
    }

    fn key_span(&self) -> std::ops::Range<usize> {
        self.key_at..self.key_at + self.key.len().max(1)
    }
}

fn split_fields(body: &str, base: usize, errors: &mut Vec<ParseError>) -> Vec<FieldSpec> {
    let mut fields: Vec<FieldSpec> = Vec::new();
    for w in words(body, base, |c| c.is_whitespace() || c == ';') {
        if let Some((key, value)) = w.text.split_once('=') {
            if fields.iter().any(|f| f.key == key) {
                errors.push(ParseError::new(
                    w.at..w.at + key.len().max(1),
                    ErrorKind::DuplicateField { field: key.into() },
                ));
                continue;
            }
            let value_at = w.at + key.len() + 1;
            fields.push(FieldSpec {
                key: key.into(),
                key_at: w.at,
                value: value.into(),
                value_at,
                value_end: value_at + value.len(),
            });
        } else if let Some(last) = fields.last_mut() {
            last.value.push(' ');
            last.value.push_str(w.text);
            last.value_end = w.at + w.text.len();
        } else {
            errors.push(ParseError::new(
                w.at..w.at + w.text.len(),
                ErrorKind::ExpectedField {
                    word: w.text.into(),
                },
            ));
        }
    }
    fields
}

/// Python's `int()` on a field value: optional sign, digits, `_` between digits.
fn parse_int(field: &'static str, spec: &FieldSpec) -> Result<i64, ParseError> {
    let bad = || {
        ParseError::new(
            spec.span(),
            ErrorKind::BadInteger {
                field,
                text: spec.value.clone(),
            },
        )
    };
    let t = spec.value.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return Err(bad());
    }
    let v: i64 = digits.replace('_', "").parse().map_err(|_| bad())?;
    Ok(if neg { -v } else { v })
}

fn lookup_zone(name: &str, span: std::ops::Range<usize>) -> Result<Zone, ParseError> {
    Zone::get(name).map_err(|e| {
        let suggestion = match e {
            ZoneLookupError::Unknown { suggestion } => suggestion,
            ZoneLookupError::Corrupt => None,
        };
        ParseError::new(
            span,
            ErrorKind::UnknownZone {
                name: name.into(),
                suggestion,
            },
        )
    })
}

fn parse_date_field(
    field: &'static str,
    spec: &FieldSpec,
    zone: Zone,
) -> Result<ZonedTime, ParseError> {
    let iso = IsoDateTime::parse(&spec.value).map_err(|error| {
        ParseError::new(
            spec.span(),
            ErrorKind::BadDate {
                field,
                text: spec.value.clone(),
                error,
            },
        )
    })?;
    iso.resolve(Tz::Zone(zone))
        .map_err(|_| ParseError::new(spec.span(), ErrorKind::DateOutOfRange { field }))
}

impl Trigger {
    /// Parses a trigger string whose zone, unless it names one with `timezone=`, is `zone`
    /// (the scheduler's default zone). All errors of the string are reported together.
    pub fn parse_in(text: &str, zone: Zone) -> Result<Trigger, ParseErrors> {
        let mut errors = Vec::new();
        let trigger = parse_body(text, zone, &mut errors);
        match trigger {
            Some(t) if errors.is_empty() => Ok(t),
            _ => {
                errors.sort_by_key(|e| e.span().start);
                Err(ParseErrors::new(text, errors))
            }
        }
    }

    /// The zone that fires are computed and written in.
    pub fn zone(&self) -> Zone {
        match self {
            Trigger::Cron(c) => c.zone(),
            Trigger::Interval(i) => i.zone(),
            Trigger::Date(d) => d.zone(),
        }
    }

    /// The same trigger with another DST policy; `None` for interval and date triggers, which
    /// count absolute time and have no gaps or folds.
    pub fn with_dst(&self, dst: DstPolicy) -> Option<Trigger> {
        match self {
            Trigger::Cron(c) => Some(Trigger::Cron(Box::new(c.with_dst(dst)))),
            _ => None,
        }
    }

    /// The jitter bound in seconds, when set.
    pub fn jitter(&self) -> Option<i64> {
        match self {
            Trigger::Cron(c) => c.jitter(),
            Trigger::Interval(i) => i.jitter(),
            Trigger::Date(_) => None,
        }
    }

    /// Binds the trigger to the instant the scheduler starts: an interval without
    /// `start_date` starts one interval later, a bare `date:` fires at that instant.
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
        };
        Ok(Schedule { bound })
    }
}

fn parse_body(text: &str, default_zone: Zone, errors: &mut Vec<ParseError>) -> Option<Trigger> {
    let Some((kind_raw, body)) = text.split_once(':') else {
        errors.push(ParseError::new(
            0..text.len().max(1),
            ErrorKind::UnknownKind {
                kind: text.trim().into(),
            },
        ));
        return None;
    };
    let kind = kind_raw.trim();
    let body_at = kind_raw.len() + 1;
    if !KINDS.contains(&kind) {
        let lead = kind_raw.len() - kind_raw.trim_start().len();
        errors.push(ParseError::new(
            lead..lead + kind.len().max(1),
            ErrorKind::UnknownKind { kind: kind.into() },
        ));
        return None;
    }
    if kind == "crontab" {
        let parts = words(body, body_at, char::is_whitespace);
        if parts.len() != 5 {
            errors.push(ParseError::new(
                body_at..text.len().max(body_at + 1),
                ErrorKind::CrontabFieldCount { found: parts.len() },
            ));
            return None;
        }
        let at = |i: usize| {
            Some(FieldText {
                text: parts[i].text,
                offset: parts[i].at,
            })
        };
        // from_crontab: minute hour day month day_of_week
        let given = [None, at(3), at(2), None, at(4), at(1), at(0), None];
        return CronTrigger::build(
            given,
            default_zone,
            None,
            None,
            None,
            DstPolicy::default(),
            errors,
        )
        .map(|c| Trigger::Cron(Box::new(c)));
    }
    let mut fields = split_fields(body, body_at, errors);
    let mut zone = default_zone;
    if let Some(i) = fields.iter().position(|f| f.key == "timezone") {
        let spec = fields.remove(i);
        match lookup_zone(spec.value.trim(), spec.span()) {
            Ok(z) => zone = z,
            Err(e) => errors.push(e),
        }
    }
    let take = |fields: &mut Vec<FieldSpec>, name: &str| -> Option<FieldSpec> {
        let i = fields.iter().position(|f| f.key == name)?;
        Some(fields.remove(i))
    };
    let mut date = |spec: Option<FieldSpec>, name: &'static str| -> Option<ZonedTime> {
        parse_date_field(name, &spec?, zone)
            .map_err(|e| errors.push(e))
            .ok()
    };
    let unknown = |kind: &'static str, spec: &FieldSpec| {
        ParseError::new(
            spec.key_span(),
            ErrorKind::UnknownField {
                kind,
                field: spec.key.clone(),
            },
        )
    };
    if kind == "date" {
        let run_date = date(take(&mut fields, "run_date"), "run_date");
        errors.extend(fields.iter().map(|spec| unknown("date", spec)));
        return Some(Trigger::Date(DateTrigger { run_date, zone }));
    }
    let start_date = date(take(&mut fields, "start_date"), "start_date");
    let end_date = date(take(&mut fields, "end_date"), "end_date");
    let jitter = take(&mut fields, "jitter")
        .and_then(|spec| parse_int("jitter", &spec).map_err(|e| errors.push(e)).ok());
    if kind == "cron" {
        let mut dst = DstPolicy::default();
        if let Some(p) = policy(
            take(&mut fields, "dst_gap"),
            "dst_gap",
            GapPolicy::from_name,
            GapPolicy::NAMES,
            errors,
        ) {
            dst.gap = p;
        }
        if let Some(p) = policy(
            take(&mut fields, "dst_fold"),
            "dst_fold",
            FoldPolicy::from_name,
            FoldPolicy::NAMES,
            errors,
        ) {
            dst.fold = p;
        }
        let mut given: [Option<FieldText<'_>>; 8] = Default::default();
        for spec in &fields {
            match CronField::from_name(&spec.key) {
                Some(f) => {
                    given[f as usize] = Some(FieldText {
                        text: &spec.value,
                        offset: spec.value_at,
                    })
                }
                None => errors.push(unknown("cron", spec)),
            }
        }
        return CronTrigger::build(given, zone, start_date, end_date, jitter, dst, errors)
            .map(|c| Trigger::Cron(Box::new(c)));
    }
    let mut units = [None; 5];
    for spec in &fields {
        match INTERVAL_UNITS.iter().position(|u| *u == spec.key) {
            Some(i) => match parse_int(INTERVAL_UNITS[i], spec) {
                Ok(v) => units[i] = Some(v),
                Err(e) => errors.push(e),
            },
            None => errors.push(unknown("interval", spec)),
        }
    }
    // Python's timedelta holds at most 999,999,999 days.
    let seconds: i128 = units
        .iter()
        .zip([604_800i128, 86_400, 3_600, 60, 1])
        .map(|(v, s)| i128::from(v.unwrap_or(0)) * s)
        .sum();
    if seconds.abs() >= 1_000_000_000 * 86_400 {
        errors.push(ParseError::new(
            body_at..text.len().max(body_at + 1),
            ErrorKind::IntervalTooLong,
        ));
    }
    Some(Trigger::Interval(IntervalTrigger {
        units,
        zone,
        start_date,
        end_date,
        jitter,
    }))
}

/// A DST policy field (`dst_gap`, `dst_fold`), or an error saying which names it takes.
fn policy<P>(
    spec: Option<FieldSpec>,
    field: &'static str,
    from_name: fn(&str) -> Option<P>,
    allowed: &'static str,
    errors: &mut Vec<ParseError>,
) -> Option<P> {
    let spec = spec?;
    let found = from_name(spec.value.trim());
    if found.is_none() {
        errors.push(ParseError::new(
            spec.span(),
            ErrorKind::BadPolicy {
                field,
                value: spec.value.clone(),
                allowed,
            },
        ));
    }
    found
}

impl FromStr for Trigger {
    type Err = ParseErrors;

    /// Parses with `UTC` as the default zone; see [`Trigger::parse_in`].
    fn from_str(s: &str) -> Result<Trigger, ParseErrors> {
        Trigger::parse_in(s, Zone::utc())
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
}

impl Schedule {
    /// APScheduler's `get_next_fire_time(previous_fire_time, now)`: the next fire after
    /// `prev` (the previous value this method returned) or, for the first call, at or after
    /// `now`. The value is APScheduler's raw one (it may be a wall time in a DST gap); use
    /// [`ZonedTime::canonical_in`] to print it. Jitter, when the trigger has some, is drawn
    /// from `rng`.
    #[inline]
    pub fn next_fire_time(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
    ) -> Result<Option<ZonedTime>, EvalError> {
        match &self.bound {
            Bound::Cron(c) if c.dst().is_default() => c.next_fire_time(prev, now, rng),
            Bound::Cron(c) => {
                // APScheduler's fires, each then kept, moved or dropped by the DST policy.
                let zone = Tz::Zone(c.zone());
                let (mut prev, mut now) = (prev.copied(), *now);
                loop {
                    let Some(raw) = c.next_fire_time(prev.as_ref(), &now, rng)? else {
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
        }
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
            cursor.sync(c, fire.as_ref());
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
                let local = cursor.next_after(c, p, now)?;
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
        };
        jitter.is_some_and(|j| j != 0)
    }

    /// The zone fires are written in.
    pub fn zone(&self) -> Zone {
        match &self.bound {
            Bound::Cron(c) => c.zone(),
            Bound::Interval { trigger, .. } => trigger.zone(),
            Bound::Date { zone, .. } => *zone,
        }
    }

    /// The fires at or after `from`, in order, each written with its real offset in the
    /// trigger's zone. Jitter uses seed 0; see [`Schedule::fires_seeded`].
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
