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

use std::borrow::Cow;
use std::fmt;

use crate::civil::{days_from_civil, days_in_month, iso_week, weekday_mon0, Civil, US_PER_SEC};
use crate::error::{ErrorKind, EvalError, ParseError};
use crate::jitter::JitterRng;
use crate::time::{Tz, ZonedTime};
use crate::zone::Zone;

/// The fields of a cron trigger, most significant first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CronField {
    /// 4-digit year, 1970..=9999.
    Year,
    /// 1..=12 or jan..dec.
    Month,
    /// Day of month 1..=31, `last`, `3rd fri`, `last sun`.
    Day,
    /// ISO week 1..=53.
    Week,
    /// 0..=6 with 0 = Monday, or mon..sun.
    DayOfWeek,
    /// 0..=23.
    Hour,
    /// 0..=59.
    Minute,
    /// 0..=59.
    Second,
}

impl CronField {
    /// All fields in APScheduler's order.
    pub const ALL: [CronField; 8] = [
        CronField::Year,
        CronField::Month,
        CronField::Day,
        CronField::Week,
        CronField::DayOfWeek,
        CronField::Hour,
        CronField::Minute,
        CronField::Second,
    ];

    /// The field's name in trigger strings.
    pub fn name(self) -> &'static str {
        match self {
            CronField::Year => "year",
            CronField::Month => "month",
            CronField::Day => "day",
            CronField::Week => "week",
            CronField::DayOfWeek => "day_of_week",
            CronField::Hour => "hour",
            CronField::Minute => "minute",
            CronField::Second => "second",
        }
    }

    /// The field of a name.
    pub fn from_name(name: &str) -> Option<CronField> {
        CronField::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Smallest value.
    pub fn min(self) -> u32 {
        match self {
            CronField::Year => 1970,
            CronField::Month | CronField::Day | CronField::Week => 1,
            _ => 0,
        }
    }

    /// Largest value (for `day`, months may end earlier).
    pub fn max(self) -> u32 {
        match self {
            CronField::Year => 9999,
            CronField::Month => 12,
            CronField::Day => 31,
            CronField::Week => 53,
            CronField::DayOfWeek => 6,
            CronField::Hour => 23,
            CronField::Minute | CronField::Second => 59,
        }
    }

    /// Whether the field is a component of the datetime (week and day_of_week are not: they
    /// are tested, and the day is stepped until they match).
    fn is_real(self) -> bool {
        !matches!(self, CronField::Week | CronField::DayOfWeek)
    }

    /// The value APScheduler gives an unset field after the least significant set one.
    fn default_expr(self) -> &'static str {
        match self {
            CronField::Month | CronField::Day => "1",
            CronField::Hour | CronField::Minute | CronField::Second => "0",
            _ => "*",
        }
    }

    /// What the field accepts, for help lines.
    pub fn allowed(self) -> &'static str {
        match self {
            CronField::Year => "year: 1970-9999, `*`, `*/n`, `a-b`, `a-b/n`, lists `a,b`",
            CronField::Month => "month: 1-12 or jan-dec, `*`, `*/n`, `a-b`, `a-b/n`, lists `a,b`",
            CronField::Day => {
                "day: 1-31, `last`, `1st`..`5th` or `last` + weekday (`3rd fri`), `*`, `*/n`, `a-b/n`, lists"
            }
            CronField::Week => "week: ISO week 1-53, `*`, `*/n`, `a-b`, `a-b/n`, lists `a,b`",
            CronField::DayOfWeek => {
                "day_of_week: 0-6 or mon-sun (0 = mon in APScheduler), `*`, `a-b`, lists `a,b`"
            }
            CronField::Hour => "hour: 0-23, `*`, `*/n`, `a-b`, `a-b/n`, lists `a,b`",
            CronField::Minute => "minute: 0-59, `*`, `*/n`, `a-b`, `a-b/n`, lists `a,b`",
            CronField::Second => "second: 0-59, `*`, `*/n`, `a-b`, `a-b/n`, lists `a,b`",
        }
    }

    /// The field's value on a date (`days` since the epoch, for week and weekday).
    pub(crate) fn value_at(self, c: &Civil, days: i64) -> u32 {
        self.value_of(c, days)
    }

    fn value_of(self, c: &Civil, days: i64) -> u32 {
        match self {
            CronField::Year => c.year as u32,
            CronField::Month => c.month,
            CronField::Day => c.day,
            CronField::Week => iso_week(days),
            CronField::DayOfWeek => weekday_mon0(days),
            CronField::Hour => c.hour,
            CronField::Minute => c.minute,
            CronField::Second => c.second,
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const POSITIONS: [&str; 6] = ["1st", "2nd", "3rd", "4th", "5th", "last"];

/// One expression of a field's comma-separated list, as APScheduler compiles it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// `*` or `*/step`.
    All { step: Option<u32> },
    /// `a`, `a-b`, `a/step` (a to the maximum), `a-b/step`.
    Range {
        first: u32,
        last: Option<u32>,
        step: Option<u32>,
    },
    /// `jan`, `jan-mar` (months).
    MonthRange { first: u32, last: u32 },
    /// `mon`, `mon-fri` (weekdays, 0 = mon).
    WeekdayRange { first: u32, last: u32 },
    /// `1st mon` .. `5th mon` (`nth` 0..=4) or `last mon` (`nth` 5).
    WeekdayPosition { nth: u8, weekday: u32 },
    /// `last`: the last day of the month.
    LastDay,
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Expr::All { step: None } => f.write_str("*"),
            Expr::All { step: Some(s) } => write!(f, "*/{s}"),
            Expr::Range { first, last, step } => {
                match last {
                    Some(l) if l != first || step.is_some() => write!(f, "{first}-{l}")?,
                    _ => write!(f, "{first}")?,
                }
                if let Some(s) = step {
                    write!(f, "/{s}")?;
                }
                Ok(())
            }
            Expr::MonthRange { first, last } => name_range(f, &MONTHS, first - 1, last - 1),
            Expr::WeekdayRange { first, last } => name_range(f, &WEEKDAYS, first, last),
            Expr::WeekdayPosition { nth, weekday } => {
                write!(
                    f,
                    "{} {}",
                    POSITIONS[usize::from(nth)],
                    WEEKDAYS[weekday as usize]
                )
            }
            Expr::LastDay => f.write_str("last"),
        }
    }
}

fn name_range(f: &mut fmt::Formatter<'_>, names: &[&str], first: u32, last: u32) -> fmt::Result {
    if first == last {
        f.write_str(names[first as usize])
    } else {
        write!(f, "{}-{}", names[first as usize], names[last as usize])
    }
}

/// A set of small integers (values 0..64 in one word, years in a boxed slice).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Bits {
    Small(u64),
    /// Bit `i` is the year `1970 + i`.
    Years(Box<[u64]>),
    /// Every year, 1970 to 9999 (`year=*`, the default: no 1 KB set to fill).
    AllYears,
}

impl Bits {
    fn new(field: CronField) -> Bits {
        if field == CronField::Year {
            Bits::Years(vec![0; 8030usize.div_ceil(64)].into_boxed_slice())
        } else {
            Bits::Small(0)
        }
    }

    fn insert(&mut self, v: u32) {
        match self {
            Bits::Small(b) => *b |= 1 << v,
            Bits::AllYears => {}
            Bits::Years(words) => {
                let i = (v - 1970) as usize;
                words[i / 64] |= 1 << (i % 64);
            }
        }
    }

    /// Inserts `first, first + step, ...` up to `last`; whole words at a time for unit steps
    /// (a year field of `*` is 8,030 values).
    fn insert_range(&mut self, first: u32, last: u32, step: u32) {
        if let (Bits::Small(b), 1) = (&mut *self, step) {
            if first <= last && last < 64 {
                *b |= (!0u64 << first) & (!0u64 >> (63 - last));
            }
            return;
        }
        if let (Bits::Years(words), 1) = (&mut *self, step) {
            if first > last {
                return;
            }
            let (a, b) = ((first - 1970) as usize, (last - 1970) as usize);
            for (w, word) in words.iter_mut().enumerate().take(b / 64 + 1).skip(a / 64) {
                let lo = if w == a / 64 { a % 64 } else { 0 };
                let hi = if w == b / 64 { b % 64 } else { 63 };
                *word |= (!0u64 >> (63 - hi)) & (!0u64 << lo);
            }
            return;
        }
        let mut v = first;
        while v <= last {
            self.insert(v);
            v += step;
        }
    }

    /// The members of a small set (none for years).
    fn small(&self) -> u64 {
        match self {
            Bits::Small(b) => *b,
            Bits::Years(_) | Bits::AllYears => 0,
        }
    }

    /// The smallest member `>= from` and `<= max`.
    fn next_from(&self, from: u32, max: u32) -> Option<u32> {
        match self {
            Bits::Small(b) => {
                if from > 63 {
                    return None;
                }
                let rest = b & (!0u64 << from);
                let v = rest.trailing_zeros();
                (rest != 0 && v <= max).then_some(v)
            }
            Bits::AllYears => Some(from.max(1970)).filter(|y| *y <= max.min(9999)),
            Bits::Years(words) => {
                let mut i = from.max(1970).checked_sub(1970)? as usize;
                while i < 8030 {
                    let w = words[i / 64] & (!0u64 << (i % 64));
                    if w != 0 {
                        let v = (i / 64 * 64) as u32 + w.trailing_zeros() + 1970;
                        return (v <= max).then_some(v);
                    }
                    i = (i / 64 + 1) * 64;
                }
                None
            }
        }
    }
}

/// `*`: the expression of a field left out.
const EVERY: &[Expr] = &[Expr::All { step: None }];

/// A compiled field: its expressions, and the values they allow.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    field: CronField,
    exprs: Cow<'static, [Expr]>,
    is_default: bool,
    /// Values allowed by the month-independent expressions.
    bits: Bits,
    /// `day` only: `(nth, weekday)` positions, which depend on the month.
    positions: Vec<(u8, u32)>,
    /// `day` only: `last` was given.
    last_day: bool,
}

impl Field {
    fn compile(field: CronField, exprs: Cow<'static, [Expr]>, is_default: bool) -> Field {
        let every = exprs.contains(&Expr::All { step: None });
        let mut bits = if field == CronField::Year && every {
            Bits::AllYears
        } else {
            Bits::new(field)
        };
        let mut positions = Vec::new();
        let mut last_day = false;
        let (lo, hi) = (field.min(), field.max());
        for e in exprs.iter() {
            if bits == Bits::AllYears {
                break;
            }
            let (first, last, step) = match *e {
                Expr::All { step } => (lo, hi, step.unwrap_or(1)),
                Expr::Range { first, last, step } => (first, last.unwrap_or(hi), step.unwrap_or(1)),
                Expr::MonthRange { first, last } | Expr::WeekdayRange { first, last } => {
                    (first, last, 1)
                }
                Expr::WeekdayPosition { nth, weekday } => {
                    positions.push((nth, weekday));
                    continue;
                }
                Expr::LastDay => {
                    last_day = true;
                    continue;
                }
            };
            bits.insert_range(first.max(lo), last.min(hi), step);
        }
        Field {
            field,
            exprs,
            is_default,
            bits,
            positions,
            last_day,
        }
    }

    /// The field.
    pub fn field(&self) -> CronField {
        self.field
    }

    /// The expressions, in the order given.
    pub fn exprs(&self) -> &[Expr] {
        &self.exprs
    }

    /// True when the field was not given and took APScheduler's default.
    pub fn is_default(&self) -> bool {
        self.is_default
    }

    /// APScheduler's `get_max` for a date.
    fn max_at(&self, c: &Civil) -> u32 {
        if self.field == CronField::Day {
            days_in_month(c.year, c.month)
        } else {
            self.field.max()
        }
    }

    /// APScheduler's `get_next_value`: the smallest allowed value at or after the date's own.
    fn next_value(&self, c: &Civil, current: u32) -> Option<u32> {
        let max = self.max_at(c);
        let mut best = self.bits.next_from(current.max(self.field.min()), max);
        if self.field == CronField::Day {
            if !self.positions.is_empty() {
                let first_wd = weekday_mon0(days_from_civil(c.year, c.month, 1));
                for &(nth, weekday) in &self.positions {
                    if let Some(d) = weekday_position(first_wd, max, nth, weekday) {
                        if d >= current && best.is_none_or(|b| d < b) {
                            best = Some(d);
                        }
                    }
                }
            }
            if self.last_day && best.is_none_or(|b| max < b) {
                best = Some(max);
            }
        }
        best
    }

    /// Whether the field allows `value` on the date `c`.
    pub(crate) fn allows(&self, c: &Civil, value: u32) -> bool {
        self.next_value(c, value) == Some(value)
    }

    /// Whether the field can ever match, ignoring the other fields.
    fn can_match(&self) -> bool {
        match &self.bits {
            Bits::Small(b) => *b != 0 || !self.positions.is_empty() || self.last_day,
            Bits::Years(w) => w.iter().any(|x| *x != 0),
            Bits::AllYears => true,
        }
    }
}

/// The months (bit `m`) that `month` allows and in which `day` can name a day in some year,
/// and whether February needs a leap year for that.
fn walk_months(month: &Field, day: &Field) -> (u16, bool) {
    let upto = |last: u32| day.bits.small() & (!0u64 << 1) & !(!0u64 << (last + 1));
    let by_position = !day.positions.is_empty() || day.last_day;
    let mut months = 0u16;
    for m in 1..=12u32 {
        if month.bits.small() & (1 << m) != 0 && (by_position || upto(days_in_month(2000, m)) != 0)
        {
            months |= 1 << m;
        }
    }
    (months, !by_position && upto(28) == 0)
}

/// The day of the month of the `nth` (0-based; 5 = last) `weekday` of a month whose first day is
/// `first_wd` and which has `last_day` days.
fn weekday_position(first_wd: u32, last_day: u32, nth: u8, weekday: u32) -> Option<u32> {
    let mut first_hit = weekday as i64 - first_wd as i64 + 1;
    if first_hit <= 0 {
        first_hit += 7;
    }
    let target = if nth < 5 {
        first_hit + i64::from(nth) * 7
    } else {
        first_hit + ((i64::from(last_day) - first_hit) / 7) * 7
    };
    (target <= i64::from(last_day)).then_some(target as u32)
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.exprs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A parsed, validated cron trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CronTrigger {
    fields: [Field; 8],
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
    /// The months the month field allows in which the day field can name a day at all (a
    /// pruning for the walk: `day=31` never looks at April).
    walk_months: u16,
    /// February can only match on the 29th (skip it in common years).
    feb_leap_only: bool,
    /// The year field allows every year (`*`): no need to look years up.
    every_year: bool,
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
        let (walk_months, feb_leap_only) = walk_months(&fields[1], &fields[2]);
        let every_year = fields[0].bits == Bits::AllYears;
        Some(CronTrigger {
            fields,
            zone,
            start_date,
            end_date,
            jitter,
            dst,
            never,
            dates: DateFeasibility::default(),
            walk_months,
            feb_leap_only,
            every_year,
        })
    }

    /// The fields, year first.
    pub fn fields(&self) -> &[Field; 8] {
        &self.fields
    }

    /// The zone the fields are read in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The earliest possible fire (inclusive).
    pub fn start_date(&self) -> Option<ZonedTime> {
        self.start_date
    }

    /// The latest possible fire (inclusive).
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
            let [_, month, day, ..] = &self.fields;
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
    fn wall_search(&self, from: i64) -> Option<i64> {
        crate::walk::WallCursor::seek(self, from).map(|w| w.local())
    }

    /// The first day at or after `c.day` in `c`'s month that the day, week and day_of_week
    /// fields all allow.
    fn next_day(&self, c: &Civil, day: &Field) -> Option<u32> {
        debug_assert_eq!(day.field, CronField::Day);
        let later = self.month_days(c.year, c.month) & (!0u64 << c.day.min(63));
        (later != 0).then(|| later.trailing_zeros())
    }

    /// The days of a month that the day, week and day_of_week fields all allow: bit `d` for
    /// day `d`.
    pub(crate) fn month_days(&self, year: i32, month: u32) -> u64 {
        let [_, _, day, week, dow, ..] = &self.fields;
        let last = days_in_month(year, month);
        let in_month = (!0u64 << 1) & !(!0u64 << (last + 1));
        let mut days = day.bits.small() & in_month;
        let by_position = !day.positions.is_empty() || day.last_day;
        if days == 0 && !by_position {
            return 0;
        }
        let weekdays = dow.bits.small() & 0x7f;
        let weeks = week.bits.small();
        let every_week = weeks & (!0u64 << 1) & !(!0u64 << 54) == (!0u64 << 1) & !(!0u64 << 54);
        if !by_position && weekdays == 0x7f && every_week {
            return days;
        }
        let first = days_from_civil(year, month, 1);
        if by_position {
            let first_wd = weekday_mon0(first);
            for &(nth, weekday) in &day.positions {
                if let Some(d) = weekday_position(first_wd, last, nth, weekday) {
                    days |= 1 << d;
                }
            }
            if day.last_day {
                days |= 1 << last;
            }
        }
        if weekdays != 0x7f {
            // Day d falls on weekday (first_wd + d - 1) % 7: one week's pattern, repeated.
            let first_wd = weekday_mon0(first) as u64;
            let week_pattern = (0..7u64)
                .filter(|w| weekdays & (1 << w) != 0)
                .fold(0u64, |p, w| p | 1 << (1 + (w + 7 - first_wd) % 7));
            days &= week_pattern * (1 | 1 << 7 | 1 << 14 | 1 << 21 | 1 << 28);
        }
        if !every_week {
            let mut rest = days;
            while rest != 0 {
                let d = rest.trailing_zeros();
                rest &= rest - 1;
                if weeks & (1 << iso_week(first + i64::from(d) - 1)) == 0 {
                    days &= !(1 << d);
                }
            }
        }
        days
    }

    /// The first (year, month) at or after the given one that the year and month fields
    /// allow and in which the day field can name a day; `None` past year 9999.
    pub(crate) fn month_from(&self, mut year: i32, mut month: u32) -> Option<(i32, u32)> {
        let years = &self.fields[0];
        loop {
            let y = if self.every_year {
                Some(year.max(1970)).filter(|y| *y <= 9999)?
            } else {
                years.bits.next_from(year.max(1970) as u32, 9999)? as i32
            };
            if y != year {
                (year, month) = (y, 1);
            }
            let later = self.walk_months & (!0u16 << month.min(15));
            if later == 0 {
                (year, month) = (year + 1, 1);
                continue;
            }
            month = later.trailing_zeros();
            if month == 2 && self.feb_leap_only && !crate::civil::is_leap(year) {
                if self.walk_months >> 3 != 0 {
                    month = 3;
                } else {
                    // Only February 29 can match: go straight to the next leap year.
                    let mut leap = (year / 4 + 1) * 4;
                    if !crate::civil::is_leap(leap) {
                        leap += 4;
                    }
                    (year, month) = (leap, 1);
                }
                continue;
            }
            return Some((year, month));
        }
    }

    /// The hours, minutes and seconds allowed, as bit sets.
    pub(crate) fn time_bits(&self) -> [u64; 3] {
        let [.., hour, minute, second] = &self.fields;
        [hour.bits.small(), minute.bits.small(), second.bits.small()]
    }

    /// APScheduler's own search, step for step (see the module docs); used near DST changes.
    fn slow_search(&self, mut next: ZonedTime) -> Result<Option<ZonedTime>, EvalError> {
        let mut fieldnum: isize = 0;
        while (0..8).contains(&fieldnum) {
            let field = &self.fields[fieldnum as usize];
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
        let n = self.fields.len() as isize;
        let mut i: isize = 0;
        while i < n {
            let idx = if i < 0 { i + n } else { i };
            if idx < 0 {
                // Python raises IndexError here: only a date already at 9999-12-31 23:59:59
                // gets this far, so there is no next fire within the supported range.
                return Err(EvalError::OutOfRange);
            }
            let field = &self.fields[idx as usize];
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
        for (i, field) in self.fields.iter().enumerate() {
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
        let t = c.time_bits();
        [acc[0] & t[0], acc[1] & t[1], acc[2] & t[2]]
    });
    if time.contains(&0) {
        return false;
    }
    let mut year = 1970;
    'years: loop {
        for c in crons {
            match c.fields[0].bits.next_from(year, 9999) {
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
                if c.fields[1].bits.next_from(m, 12) == Some(m) {
                    days & c.month_days(y, m)
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

/// Compiles one field's comma-separated expression list, pushing an error per bad expression.
fn compile_field(
    field: CronField,
    text: &str,
    offset: usize,
    errors: &mut Vec<ParseError>,
) -> Vec<Expr> {
    let mut exprs = Vec::new();
    // APScheduler strips the value and splits it on ` *, *`.
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let mut pos = offset + lead;
    for raw in trimmed.split(',') {
        let start = pos + (raw.len() - raw.trim_start_matches(' ').len());
        let expr = raw.trim_matches(' ');
        pos += raw.len() + 1;
        let span = start..start + expr.len().max(1);
        match compile_expr(field, expr) {
            Ok(e) => exprs.push(e),
            Err(kind) => errors.push(ParseError::new(span, kind)),
        }
    }
    exprs
}

/// Leading ASCII digits of `s` as a number (saturating), and how many bytes they take.
fn leading_number(s: &str) -> Option<(u64, usize)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let v = s[..n].bytes().fold(0u64, |acc, d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some((v, n))
}

/// Leading ASCII letters of `s`.
fn leading_letters(s: &str) -> &str {
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    &s[..n]
}

/// `*` or `*/n`, matched whole.
fn parse_all(expr: &str) -> Option<Option<u64>> {
    let rest = expr.strip_prefix('*')?;
    if rest.is_empty() {
        return Some(None);
    }
    let digits = rest.strip_prefix('/')?;
    match leading_number(digits) {
        Some((v, n)) if n == digits.len() => Some(Some(v)),
        _ => None,
    }
}

/// `a`, `a-b`, `a/n`, `a-b/n`, matched whole.
fn parse_range(expr: &str) -> Option<(u64, Option<u64>, Option<u64>)> {
    let (first, n) = leading_number(expr)?;
    let mut rest = &expr[n..];
    let mut last = None;
    if let Some(r) = rest.strip_prefix('-') {
        let (v, n) = leading_number(r)?;
        last = Some(v);
        rest = &r[n..];
    }
    let mut step = None;
    if let Some(r) = rest.strip_prefix('/') {
        let (v, n) = leading_number(r)?;
        step = Some(v);
        rest = &r[n..];
    }
    rest.is_empty().then_some((first, last, step))
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// One expression, validated as APScheduler validates it (same order of checks).
fn compile_expr(field: CronField, expr: &str) -> Result<Expr, ErrorKind> {
    let (lo, hi) = (u64::from(field.min()), u64::from(field.max()));
    let step_check = |step: Option<u64>, range: i64| -> Result<(), ErrorKind> {
        match step {
            Some(s) if i128::from(s) > i128::from(range) => Err(ErrorKind::StepTooLarge {
                field,
                step: s,
                range,
            }),
            _ => Ok(()),
        }
    };
    if let Some(step) = parse_all(expr) {
        if step == Some(0) {
            return Err(ErrorKind::ZeroStep { field });
        }
        step_check(step, (hi - lo) as i64)?;
        return Ok(Expr::All {
            step: step.map(to_u32),
        });
    }
    if let Some((first, last, step)) = parse_range(expr) {
        if step == Some(0) {
            return Err(ErrorKind::ZeroStep { field });
        }
        let last = if last.is_none() && step.is_none() {
            Some(first)
        } else {
            last
        };
        if let Some(l) = last {
            if first > l {
                return Err(ErrorKind::ReversedRange {
                    field,
                    first,
                    last: l,
                });
            }
        }
        step_check(step, (hi - lo) as i64)?;
        if first < lo {
            return Err(ErrorKind::BelowMinimum {
                field,
                value: first,
                min: field.min(),
            });
        }
        if let Some(l) = last {
            if l > hi {
                return Err(ErrorKind::AboveMaximum {
                    field,
                    value: l,
                    max: field.max(),
                });
            }
        }
        // APScheduler: `(self.last or MAX) - self.first` (a last of 0 counts as the maximum).
        // The range can be negative (`75/5` for minutes): then any step is too large.
        // Python's integers do not wrap: a first value past i64 (`hour=99999999999999999999/12`)
        // makes the range hugely negative, never positive.
        let top = match last {
            Some(l) if l != 0 => l,
            _ => hi,
        };
        let range = (i128::from(top) - i128::from(first)).clamp(i64::MIN.into(), i64::MAX.into());
        let range = range as i64;
        step_check(step, range)?;
        return Ok(Expr::Range {
            first: to_u32(first),
            last: last.map(to_u32),
            step: step.map(to_u32),
        });
    }
    match field {
        CronField::Month => {
            if let Some((first, last)) = name_range_prefix(expr) {
                let f = index_of(&MONTHS, first)
                    .ok_or_else(|| ErrorKind::BadMonthName { name: first.into() })?;
                let l = match last {
                    Some(l) => index_of(&MONTHS, l)
                        .ok_or_else(|| ErrorKind::BadMonthName { name: l.into() })?,
                    None => f,
                };
                return range_of_names(field, f + 1, l + 1)
                    .map(|(first, last)| Expr::MonthRange { first, last });
            }
        }
        CronField::DayOfWeek => {
            if let Some((first, last)) = name_range_prefix(expr) {
                let f = index_of(&WEEKDAYS, first)
                    .ok_or_else(|| ErrorKind::BadWeekdayName { name: first.into() })?;
                let l = match last {
                    Some(l) => index_of(&WEEKDAYS, l)
                        .ok_or_else(|| ErrorKind::BadWeekdayName { name: l.into() })?,
                    None => f,
                };
                return range_of_names(field, f, l)
                    .map(|(first, last)| Expr::WeekdayRange { first, last });
            }
        }
        CronField::Day => {
            if let Some((nth, name)) = position_prefix(expr) {
                let weekday = index_of(&WEEKDAYS, name)
                    .ok_or_else(|| ErrorKind::BadWeekdayName { name: name.into() })?;
                return Ok(Expr::WeekdayPosition { nth, weekday });
            }
            if expr
                .get(..4)
                .is_some_and(|head| head.eq_ignore_ascii_case("last"))
            {
                return Ok(Expr::LastDay);
            }
        }
        _ => {}
    }
    Err(ErrorKind::UnrecognizedExpression {
        field,
        expr: expr.to_owned(),
    })
}

fn range_of_names(field: CronField, first: u32, last: u32) -> Result<(u32, u32), ErrorKind> {
    if first > last {
        return Err(ErrorKind::ReversedRange {
            field,
            first: u64::from(first),
            last: u64::from(last),
        });
    }
    Ok((first, last))
}

fn index_of(names: &[&str], name: &str) -> Option<u32> {
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))
        .map(|i| i as u32)
}

/// APScheduler's `[a-z]+(?:-[a-z]+)?` matched at the start only (the rest is ignored).
fn name_range_prefix(expr: &str) -> Option<(&str, Option<&str>)> {
    let first = leading_letters(expr);
    if first.is_empty() {
        return None;
    }
    let rest = &expr[first.len()..];
    let last = rest
        .strip_prefix('-')
        .map(leading_letters)
        .filter(|l| !l.is_empty());
    Some((first, last))
}

/// APScheduler's `(1st|2nd|3rd|4th|5th|last) +(\d+|\w+)` matched at the start only.
fn position_prefix(expr: &str) -> Option<(u8, &str)> {
    let (nth, rest) = POSITIONS.iter().enumerate().find_map(|(i, p)| {
        let head = expr.get(..p.len())?;
        head.eq_ignore_ascii_case(p)
            .then(|| (i as u8, &expr[p.len()..]))
    })?;
    let name_start = rest.trim_start_matches(' ');
    if name_start.len() == rest.len() {
        return None;
    }
    let digits = name_start.bytes().take_while(u8::is_ascii_digit).count();
    let n = if digits > 0 {
        digits
    } else {
        name_start
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum()
    };
    (n > 0).then(|| (nth, &name_start[..n]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(field: CronField, text: &str) -> Result<Vec<Expr>, Vec<ParseError>> {
        let mut errors = Vec::new();
        let exprs = compile_field(field, text, 0, &mut errors);
        if errors.is_empty() {
            Ok(exprs)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn expression_forms_compile() {
        assert_eq!(
            compile(CronField::Day, "last sun").expect("ok"),
            vec![Expr::WeekdayPosition { nth: 5, weekday: 6 }]
        );
        assert_eq!(
            compile(CronField::Day, "last").expect("ok"),
            vec![Expr::LastDay]
        );
        assert_eq!(
            compile(CronField::Month, "jan-mar, 6").expect("ok"),
            vec![
                Expr::MonthRange { first: 1, last: 3 },
                Expr::Range {
                    first: 6,
                    last: Some(6),
                    step: None
                }
            ]
        );
        assert_eq!(
            compile(CronField::Minute, "5/15").expect("ok"),
            vec![Expr::Range {
                first: 5,
                last: None,
                step: Some(15)
            }]
        );
        assert_eq!(
            compile(CronField::DayOfWeek, "MON-fri").expect("ok"),
            vec![Expr::WeekdayRange { first: 0, last: 4 }]
        );
    }

    #[test]
    fn expression_errors_follow_apscheduler_checks() {
        let kind = |f, t| compile(f, t).expect_err("error")[0].kind().clone();
        assert!(matches!(
            kind(CronField::Hour, "24"),
            ErrorKind::AboveMaximum {
                value: 24,
                max: 23,
                ..
            }
        ));
        assert!(matches!(
            kind(CronField::Minute, "*/0"),
            ErrorKind::ZeroStep { .. }
        ));
        assert!(matches!(
            kind(CronField::DayOfWeek, "fri-mon"),
            ErrorKind::ReversedRange { .. }
        ));
        assert!(matches!(
            kind(CronField::Day, "6th mon"),
            ErrorKind::UnrecognizedExpression { .. }
        ));
        assert!(matches!(
            kind(CronField::Minute, "75/5"),
            ErrorKind::StepTooLarge {
                step: 5,
                range: -16,
                ..
            }
        ));
        assert!(matches!(
            kind(CronField::Second, "0-1/8"),
            ErrorKind::StepTooLarge {
                step: 8,
                range: 1,
                ..
            }
        ));
        assert!(matches!(
            kind(CronField::Year, "1969"),
            ErrorKind::BelowMinimum { .. }
        ));
        assert!(matches!(
            kind(CronField::Day, "last xyz"),
            ErrorKind::BadWeekdayName { .. }
        ));
        assert!(matches!(
            kind(CronField::Hour, ""),
            ErrorKind::UnrecognizedExpression { .. }
        ));
        // `0-0/5`: APScheduler reads a last value of 0 as the maximum when checking the step.
        assert!(compile(CronField::Minute, "0-0/5").is_ok());
    }

    #[test]
    fn weekday_positions() {
        // 2026-03: starts on a Sunday (6), 31 days.
        assert_eq!(weekday_position(6, 31, 5, 6), Some(29)); // last sun
        assert_eq!(weekday_position(6, 31, 0, 0), Some(2)); // 1st mon
        assert_eq!(weekday_position(6, 31, 4, 0), Some(30)); // 5th mon
        assert_eq!(weekday_position(6, 31, 4, 3), None); // no 5th thu
    }

    #[test]
    fn year_ranges_fill_whole_words_exactly() {
        for (first, last) in [
            (1970, 9999),
            (1970, 1970),
            (2000, 2063),
            (2026, 2100),
            (9990, 9999),
            (2033, 2034),
        ] {
            let mut fast = Bits::new(CronField::Year);
            fast.insert_range(first, last, 1);
            let mut slow = Bits::new(CronField::Year);
            for v in first..=last {
                slow.insert(v);
            }
            assert_eq!(fast, slow, "{first}-{last}");
        }
    }

    #[test]
    fn year_bits_scan() {
        let f = Field::compile(
            CronField::Year,
            vec![Expr::Range {
                first: 2100,
                last: Some(2100),
                step: None,
            }]
            .into(),
            false,
        );
        assert_eq!(f.bits.next_from(2026, 9999), Some(2100));
        assert_eq!(f.bits.next_from(2101, 9999), None);
    }

    mod fast_path {
        use proptest::prelude::*;

        use crate::jitter::JitterRng;
        use crate::time::{Instant, Tz, ZonedTime};
        use crate::trigger::Trigger;
        use crate::zone::Zone;

        fn field(values: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
            proptest::sample::select(values)
        }

        fn trigger_text() -> impl Strategy<Value = String> {
            (
                field(&[
                    "",
                    "month=*/3",
                    "month=2",
                    "month=jan-mar,oct",
                    "month=11-12",
                ]),
                field(&[
                    "",
                    "day=last",
                    "day=29",
                    "day=1,15",
                    "day=last sun",
                    "day=2nd fri",
                    "day=*/10",
                    "day=31",
                ]),
                field(&["", "week=1-10", "week=53", "week=*/2"]),
                field(&[
                    "",
                    "day_of_week=mon-fri",
                    "day_of_week=sun",
                    "day_of_week=2,4",
                ]),
                field(&["", "hour=2", "hour=0-3", "hour=*/5", "hour=23"]),
                field(&["", "minute=30", "minute=*/15", "minute=0,45", "minute=59"]),
                field(&["", "second=0", "second=*/20", "second=59"]),
                field(&[
                    "UTC",
                    "Europe/Berlin",
                    "America/Sao_Paulo",
                    "Australia/Lord_Howe",
                    "Europe/Dublin",
                ]),
            )
                .prop_map(|(a, b, c, d, e, f, g, z)| {
                    format!("cron:{a} {b} {c} {d} {e} {f} {g} timezone={z}")
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]

            /// The wall-clock fast path must give APScheduler's own answer wherever it applies.
            #[test]
            fn fast_search_agrees_with_apscheduler_search(text in trigger_text(), secs in 788_918_400i64..2_051_222_400, steps in 1usize..6) {
                let trigger: Trigger = text.parse().expect("generated triggers are valid");
                let Trigger::Cron(cron) = &trigger else { unreachable!("cron") };
                let tz = Tz::Zone(cron.zone());
                let mut now = ZonedTime::from_instant(Instant::from_unix_seconds(secs), tz).expect("range");
                for _ in 0..steps {
                    let first = super::datetime_ceil(&now).expect("range").canonical_in(tz).expect("range");
                    let slow = cron.slow_search(first).expect("no overflow");
                    if let Some(fast) = cron.fast_search(&first) {
                        let fast = ZonedTime::from_wall(fast, first.fold(), tz).expect("range");
                        prop_assert_eq!(Some(fast.instant()), slow.map(|s| s.instant()), "{} from {}", text, first);
                    }
                    match slow {
                        Some(s) => now = s.utc_add(1).expect("range"),
                        None => break,
                    }
                }
                let _ = (Zone::utc(), JitterRng::new(0));
            }
        }
    }
}
