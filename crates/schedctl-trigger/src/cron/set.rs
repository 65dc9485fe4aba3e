//! The eight fields of a cron trigger together, and the calendar questions the walk and the
//! search ask of them: which days of a month match, which month is next, which times of day.

use super::field::{weekday_position, Bits, Field};
use crate::civil::{days_from_civil, days_in_month, iso_week, weekday_mon0};

/// The eight compiled fields of a cron trigger, year first, with what the walk derives from
/// them; answers the calendar questions of the walk and the search (which days of a month,
/// which months, which times of day match).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FieldSet {
    pub(super) fields: [Field; 8],
    /// The months the month field allows in which the day field can name a day at all (a
    /// pruning for the walk: `day=31` never looks at April).
    walk_months: u16,
    /// February can only match on the 29th (skip it in common years).
    feb_leap_only: bool,
    /// The year field allows every year (`*`): no need to look years up.
    every_year: bool,
}

impl FieldSet {
    /// The set of the given fields, with the walk's pruning computed from them.
    pub(super) fn new(fields: [Field; 8]) -> FieldSet {
        let (walk_months, feb_leap_only) = walk_months(&fields[1], &fields[2]);
        let every_year = fields[0].bits == Bits::AllYears;
        FieldSet {
            fields,
            walk_months,
            feb_leap_only,
            every_year,
        }
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
