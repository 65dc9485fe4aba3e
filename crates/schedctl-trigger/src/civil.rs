//! Proleptic Gregorian calendar arithmetic on plain integers.
//!
//! Owns the conversions between days since 1970-01-01 and (year, month, day), the weekday and
//! ISO week rules, and the split of a local timestamp into calendar fields. Branch-light integer
//! code (Howard Hinnant's `days_from_civil`), because the trigger engine calls it on every step.

/// Days since 1970-01-01 of a civil date (any month/day in range; no validation).
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a count of days since 1970-01-01, for years 1 to 9999 and well
/// beyond. Neri and Schneider's Euclidean affine functions ("Euclidean affine functions and
/// their application to calendar algorithms", 2022): a handful of multiplications and shifts
/// instead of Hinnant's divisions, and this runs once per search.
#[inline]
pub(crate) fn civil_from_days(days: i64) -> (i32, u32, u32) {
    // Shift the epoch so that every supported day is a small positive number: 82 cycles of
    // 400 years before 0000-03-01.
    const SHIFT_CYCLES: u32 = 82;
    const K: i64 = 719_468 + 146_097 * SHIFT_CYCLES as i64;
    const L: i32 = 400 * SHIFT_CYCLES as i32;
    let n = (days + K) as u32;
    let n1 = 4 * n + 3;
    let century = n1 / 146_097;
    let n_c = n1 % 146_097 / 4;
    let n2 = 4 * n_c + 3;
    let p2 = 2_939_745u64 * u64::from(n2);
    let z = (p2 >> 32) as u32;
    let n_y = (p2 as u32) / 2_939_745 / 4;
    let n3 = 2_141 * n_y + 197_913;
    let (m, d) = (n3 >> 16, (n3 & 0xffff) / 2_141);
    let january_or_february = n_y >= 306;
    let year = (100 * century + z) as i32 + i32::from(january_or_february) - L;
    let month = if january_or_february { m - 12 } else { m };
    (year, month, d + 1)
}

pub(crate) fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Weekday with Monday = 0 (Python's `date.weekday()`, APScheduler's numbering).
pub(crate) fn weekday_mon0(days: i64) -> u32 {
    // 1970-01-01 was a Thursday (3).
    (days + 3).rem_euclid(7) as u32
}

/// Weekday with Sunday = 0 (POSIX TZ rules).
pub(crate) fn weekday_sun0(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

/// ISO 8601 week number (1..=53) of a day.
pub(crate) fn iso_week(days: i64) -> u32 {
    let wd = i64::from(weekday_mon0(days));
    // The Thursday of this ISO week decides the ISO year.
    let thursday = days - wd + 3;
    let (iso_year, _, _) = civil_from_days(thursday);
    let jan1 = days_from_civil(iso_year, 1, 1);
    ((thursday - jan1) / 7 + 1) as u32
}

/// The calendar year of a local timestamp in seconds.
pub(crate) fn year_of_epoch_secs(secs: i64) -> i32 {
    civil_from_days(secs.div_euclid(86_400)).0
}

/// Microseconds in a second, minute, day.
pub(crate) const US_PER_SEC: i64 = 1_000_000;
pub(crate) const US_PER_DAY: i64 = 86_400 * US_PER_SEC;

/// A local timestamp (microseconds since 1970-01-01T00:00 of the wall clock) split into fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) micro: u32,
}

impl Civil {
    pub(crate) fn from_local_us(us: i64) -> Civil {
        let days = us.div_euclid(US_PER_DAY);
        let rem = us.rem_euclid(US_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let secs = (rem / US_PER_SEC) as u32;
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            micro: (rem % US_PER_SEC) as u32,
        }
    }

    pub(crate) fn to_local_us(self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs =
            i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        days * US_PER_DAY + secs * US_PER_SEC + i64::from(self.micro)
    }

    /// Whether the fields name a real calendar date and time of day.
    pub(crate) fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
            && self.micro < 1_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_over_the_supported_range() {
        // 0001-01-01 to 9999-12-31, every day.
        for days in -719_162..=2_932_896 {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=9999).contains(&y), "{days}: year {y}");
            assert!((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn known_weekdays_and_iso_weeks() {
        assert_eq!(weekday_mon0(days_from_civil(2026, 11, 25)), 2); // Wednesday
        assert_eq!(iso_week(days_from_civil(2026, 12, 31)), 53);
        assert_eq!(iso_week(days_from_civil(2027, 1, 3)), 53);
        assert_eq!(iso_week(days_from_civil(2027, 1, 4)), 1);
        assert_eq!(iso_week(days_from_civil(2024, 12, 30)), 1);
    }
}
