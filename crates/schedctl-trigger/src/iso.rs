//! ISO 8601 dates and datetimes as Python 3.11's `datetime.fromisoformat` reads them.
//!
//! Owns the text → (wall time, optional offset) step. Accepted: `2026-03-01`, `20260301`,
//! then optionally `T` (or a space) and `HH`, `HH:MM`, `HH:MM:SS`, `HHMM`, `HHMMSS`, each with
//! an optional fraction (`.` or `,`, digits past the sixth dropped), then optionally `Z` or
//! an offset `±HH`, `±HH:MM`, `±HHMM`, `±HH:MM:SS`. A value without an offset is *naive*: its
//! zone is decided by the caller (the trigger's zone).

use crate::civil::Civil;
#[cfg(test)]
use crate::civil::US_PER_SEC;
use crate::time::{OutOfRange, Tz, ZonedTime};

/// A parsed date or datetime: a wall time, and the fixed offset when the text gave one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoDateTime {
    /// Microseconds of wall-clock time since 1970-01-01T00:00.
    pub local_us: i64,
    /// Seconds east of UTC, when the text had `Z` or an offset.
    pub offset: Option<i32>,
}

/// Why a datetime text was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IsoError {
    /// Not of any accepted shape.
    #[error("not an ISO 8601 date or datetime")]
    Shape,
    /// The month is not 1..=12.
    #[error("month must be in 1..12")]
    Month,
    /// The day does not exist in that month.
    #[error("day is out of range for month")]
    Day,
    /// The hour is not 0..=23.
    #[error("hour must be in 0..23")]
    Hour,
    /// The minute is not 0..=59.
    #[error("minute must be in 0..59")]
    Minute,
    /// The second is not 0..=59.
    #[error("second must be in 0..59")]
    Second,
    /// The offset is not less than 24 hours.
    #[error("offset must be strictly between -24:00 and +24:00")]
    Offset,
    /// The year is 0.
    #[error("year 0 is out of range")]
    Year,
    /// A time of day where only a date is allowed.
    #[error("expected a date without a time of day")]
    NotADate,
}

impl IsoDateTime {
    /// Parses `text` (surrounding whitespace ignored).
    ///
    /// ```
    /// # use schedctl_trigger::IsoDateTime;
    /// let t = IsoDateTime::parse("2026-03-01T02:30:00+01:00")?;
    /// assert_eq!(t.offset, Some(3600));
    /// assert!(IsoDateTime::parse("2026-02-30").is_err());
    /// # Ok::<(), schedctl_trigger::IsoError>(())
    /// ```
    pub fn parse(text: &str) -> Result<IsoDateTime, IsoError> {
        let b = text.trim().as_bytes();
        let (year, month, day, rest) = parse_date(b)?;
        let mut civil = Civil {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
        };
        let mut offset = None;
        if !rest.is_empty() {
            let sep = rest[0];
            if !(sep == b'T' || sep == b't' || sep == b' ') {
                return Err(IsoError::Shape);
            }
            let rest = &rest[1..];
            let split = rest
                .iter()
                .position(|&c| c == b'+' || c == b'-' || c == b'Z' || c == b'z')
                .unwrap_or(rest.len());
            let (time, tz) = rest.split_at(split);
            parse_time(time, &mut civil)?;
            if !tz.is_empty() {
                offset = Some(parse_offset(tz)?);
            }
        }
        if year == 0 {
            return Err(IsoError::Year);
        }
        if !(1..=12).contains(&civil.month) {
            return Err(IsoError::Month);
        }
        if civil.day == 0 || civil.day > crate::civil::days_in_month(year, civil.month) {
            return Err(IsoError::Day);
        }
        if civil.hour > 23 {
            return Err(IsoError::Hour);
        }
        if civil.minute > 59 {
            return Err(IsoError::Minute);
        }
        if civil.second > 59 {
            return Err(IsoError::Second);
        }
        Ok(IsoDateTime {
            local_us: civil.to_local_us(),
            offset,
        })
    }

    /// Parses a date without a time of day (`2026-01-31` or `20260131`), as Python's
    /// `date.fromisoformat` does: (year, month, day).
    ///
    /// ```
    /// # use schedctl_trigger::IsoDateTime;
    /// assert_eq!(IsoDateTime::parse_date("2026-01-31")?, (2026, 1, 31));
    /// assert!(IsoDateTime::parse_date("2026-01-31T00:00:00").is_err());
    /// # Ok::<(), schedctl_trigger::IsoError>(())
    /// ```
    pub fn parse_date(text: &str) -> Result<(i32, u32, u32), IsoError> {
        let (year, month, day, rest) = parse_date(text.trim().as_bytes())?;
        if !rest.is_empty() {
            return Err(if matches!(rest[0], b'T' | b't' | b' ') {
                IsoError::NotADate
            } else {
                IsoError::Shape
            });
        }
        if year == 0 {
            return Err(IsoError::Year);
        }
        if !(1..=12).contains(&month) {
            return Err(IsoError::Month);
        }
        if day == 0 || day > crate::civil::days_in_month(year, month) {
            return Err(IsoError::Day);
        }
        Ok((year, month, day))
    }

    /// The value as a zoned time: with its own offset when it has one, else read in `tz` the
    /// way APScheduler reads naive datetimes (see [`ZonedTime::localize`]). Errors:
    /// [`OutOfRange`] when the result lies outside years 1 to 9999.
    pub fn resolve(&self, tz: Tz) -> Result<ZonedTime, OutOfRange> {
        match self.offset {
            Some(offset) => ZonedTime::from_wall(self.local_us, false, Tz::Fixed(offset)),
            None => ZonedTime::localize(self.local_us, tz),
        }
    }
}

fn digits(b: &[u8], n: usize) -> Option<u32> {
    if b.len() < n || !b[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        b[..n]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
    )
}

fn parse_date(b: &[u8]) -> Result<(i32, u32, u32, &[u8]), IsoError> {
    let year = digits(b, 4).ok_or(IsoError::Shape)? as i32;
    if b.get(4) == Some(&b'-') {
        let month = digits(&b[5..], 2).ok_or(IsoError::Shape)?;
        if b.get(7) != Some(&b'-') {
            return Err(IsoError::Shape);
        }
        let day = digits(b.get(8..).ok_or(IsoError::Shape)?, 2).ok_or(IsoError::Shape)?;
        Ok((year, month, day, &b[10..]))
    } else {
        let month = digits(&b[4..], 2).ok_or(IsoError::Shape)?;
        let day = digits(&b[6..], 2).ok_or(IsoError::Shape)?;
        Ok((year, month, day, &b[8..]))
    }
}

fn parse_time(b: &[u8], civil: &mut Civil) -> Result<(), IsoError> {
    let frac_at = b.iter().position(|&c| c == b'.' || c == b',');
    let (hms, frac) = match frac_at {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let parts: Vec<u32> = if hms.contains(&b':') {
        let mut out = Vec::new();
        for part in hms.split(|&c| c == b':') {
            if part.len() != 2 {
                return Err(IsoError::Shape);
            }
            out.push(digits(part, 2).ok_or(IsoError::Shape)?);
        }
        out
    } else {
        if hms.len() % 2 != 0 || hms.is_empty() {
            return Err(IsoError::Shape);
        }
        hms.chunks(2)
            .map(|c| digits(c, 2).ok_or(IsoError::Shape))
            .collect::<Result<_, _>>()?
    };
    if parts.is_empty() || parts.len() > 3 {
        return Err(IsoError::Shape);
    }
    civil.hour = parts[0];
    civil.minute = parts.get(1).copied().unwrap_or(0);
    civil.second = parts.get(2).copied().unwrap_or(0);
    if let Some(frac) = frac {
        if parts.len() != 3 || frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
            return Err(IsoError::Shape);
        }
        let mut micro = 0u32;
        for i in 0..6 {
            micro = micro * 10 + frac.get(i).map_or(0, |d| u32::from(d - b'0'));
        }
        civil.micro = micro;
    }
    Ok(())
}

fn parse_offset(b: &[u8]) -> Result<i32, IsoError> {
    if b == b"Z" || b == b"z" {
        return Ok(0);
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(IsoError::Shape),
    };
    let body = &b[1..];
    let parts: Vec<u32> = if body.contains(&b':') {
        body.split(|&c| c == b':')
            .map(|p| {
                if p.len() == 2 {
                    digits(p, 2).ok_or(IsoError::Shape)
                } else {
                    Err(IsoError::Shape)
                }
            })
            .collect::<Result<_, _>>()?
    } else {
        if !body.len().is_multiple_of(2) || body.is_empty() {
            return Err(IsoError::Shape);
        }
        body.chunks(2)
            .map(|c| digits(c, 2).ok_or(IsoError::Shape))
            .collect::<Result<_, _>>()?
    };
    if parts.len() > 3 {
        return Err(IsoError::Shape);
    }
    let (h, m, s) = (
        parts[0],
        parts.get(1).copied().unwrap_or(0),
        parts.get(2).copied().unwrap_or(0),
    );
    if m > 59 || s > 59 {
        return Err(IsoError::Shape);
    }
    let total = (h * 3600 + m * 60 + s) as i32;
    if total >= 86_400 {
        return Err(IsoError::Offset);
    }
    Ok(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: i64) -> i64 {
        s * US_PER_SEC
    }

    #[test]
    fn accepted_shapes() {
        for text in [
            "2026-03-01",
            "20260301",
            "2026-03-01T02:30",
            "2026-03-01 02:30:00",
            "2026-03-01T02",
            "2026-03-01T0230",
            "2026-03-01T023000.5",
            "2026-03-01T02:30:00.123456789",
            "2026-03-01T02:30:00Z",
            "2026-03-01T02:30:00+05:30",
            "2026-03-01T02:30:00-0330",
            "2026-03-01T02:30:00+05",
        ] {
            assert!(IsoDateTime::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn rejected_values_say_why() {
        assert_eq!(IsoDateTime::parse("2034-12-18T09h21"), Err(IsoError::Shape));
        assert_eq!(IsoDateTime::parse("09/12/2005"), Err(IsoError::Shape));
        assert_eq!(IsoDateTime::parse("2026-02-30"), Err(IsoError::Day));
        assert_eq!(
            IsoDateTime::parse("2019-04-08T25:00:00"),
            Err(IsoError::Hour)
        );
        assert_eq!(IsoDateTime::parse("1995-14-02"), Err(IsoError::Month));
        assert_eq!(
            IsoDateTime::parse("1997-03-12T16:64:00"),
            Err(IsoError::Minute)
        );
        assert_eq!(IsoDateTime::parse(""), Err(IsoError::Shape));
        assert_eq!(IsoDateTime::parse("2026-3-1"), Err(IsoError::Shape));
    }

    #[test]
    fn fraction_and_offset_values() {
        let t = IsoDateTime::parse("1970-01-01T00:00:01.25-01:30").expect("valid");
        assert_eq!(t.local_us, secs(1) + 250_000);
        assert_eq!(t.offset, Some(-5400));
    }
}
