//! One field of a cron trigger and the values it allows.
//!
//! [`CronField`] names a field and its range, [`Expr`] is one compiled expression of a field,
//! and [`Field`] a field's expressions with the values they allow as a precomputed bitset, so
//! that "the next valid value" is a bit scan. Everything here depends on the calendar alone
//! (no zone, no error type).

use std::borrow::Cow;
use std::fmt;

use crate::civil::{days_from_civil, days_in_month, iso_week, weekday_mon0, Civil};

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
    pub(super) fn is_real(self) -> bool {
        !matches!(self, CronField::Week | CronField::DayOfWeek)
    }

    /// The value APScheduler gives an unset field after the least significant set one.
    pub(super) fn default_expr(self) -> &'static str {
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

    pub(super) fn value_of(self, c: &Civil, days: i64) -> u32 {
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

pub(super) const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
pub(super) const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
pub(super) const POSITIONS: [&str; 6] = ["1st", "2nd", "3rd", "4th", "5th", "last"];

/// One expression of a field's comma-separated list, as APScheduler compiles it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// `*` or `*/step`.
    All {
        /// Every `step`-th value from the field's minimum; `None` for every value.
        step: Option<u32>,
    },
    /// `a`, `a-b`, `a/step` (a to the maximum), `a-b/step`.
    Range {
        /// The first value, in the field's own numbering (weekday 0 = mon, month 1 = jan).
        first: u32,
        /// The last value (inclusive): `Some(a)` for a lone `a`, `None` for `a/step` (up to
        /// the field's maximum).
        last: Option<u32>,
        /// Every `step`-th value from `first`; `None` for every value.
        step: Option<u32>,
    },
    /// `jan`, `jan-mar` (months).
    MonthRange {
        /// The first month, 1 = jan.
        first: u32,
        /// The last month (inclusive), 1 = jan; equal to `first` for a single name.
        last: u32,
    },
    /// `mon`, `mon-fri` (weekdays, 0 = mon).
    WeekdayRange {
        /// The first weekday, 0 = mon.
        first: u32,
        /// The last weekday (inclusive), 0 = mon; equal to `first` for a single name.
        last: u32,
    },
    /// `1st mon` .. `5th mon` (`nth` 0..=4) or `last mon` (`nth` 5).
    WeekdayPosition {
        /// Which occurrence in the month: 0..=4 for `1st` to `5th`, 5 for `last`.
        nth: u8,
        /// The weekday, 0 = mon.
        weekday: u32,
    },
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
pub(super) enum Bits {
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
    pub(super) fn small(&self) -> u64 {
        match self {
            Bits::Small(b) => *b,
            Bits::Years(_) | Bits::AllYears => 0,
        }
    }

    /// The smallest member `>= from` and `<= max`.
    pub(super) fn next_from(&self, from: u32, max: u32) -> Option<u32> {
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
pub(super) const EVERY: &[Expr] = &[Expr::All { step: None }];

/// A compiled field: its expressions, and the values they allow.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub(super) field: CronField,
    exprs: Cow<'static, [Expr]>,
    is_default: bool,
    /// Values allowed by the month-independent expressions.
    pub(super) bits: Bits,
    /// `day` only: `(nth, weekday)` positions, which depend on the month.
    pub(super) positions: Vec<(u8, u32)>,
    /// `day` only: `last` was given.
    pub(super) last_day: bool,
}

impl Field {
    pub(super) fn compile(
        field: CronField,
        exprs: Cow<'static, [Expr]>,
        is_default: bool,
    ) -> Field {
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
    pub(super) fn max_at(&self, c: &Civil) -> u32 {
        if self.field == CronField::Day {
            days_in_month(c.year, c.month)
        } else {
            self.field.max()
        }
    }

    /// APScheduler's `get_next_value`: the smallest allowed value at or after the date's own.
    pub(super) fn next_value(&self, c: &Civil, current: u32) -> Option<u32> {
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
    pub(super) fn can_match(&self) -> bool {
        match &self.bits {
            Bits::Small(b) => *b != 0 || !self.positions.is_empty() || self.last_day,
            Bits::Years(w) => w.iter().any(|x| *x != 0),
            Bits::AllYears => true,
        }
    }
}

/// The day of the month of the `nth` (0-based; 5 = last) `weekday` of a month whose first day is
/// `first_wd` and which has `last_day` days.
pub(super) fn weekday_position(first_wd: u32, last_day: u32, nth: u8, weekday: u32) -> Option<u32> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
