//! Instants and zoned wall-clock times, with the semantics of Python's aware `datetime`.
//!
//! APScheduler's answers depend on how Python treats an aware datetime, so this module
//! reproduces it instead of "fixing" it:
//!
//! * a [`ZonedTime`] is a wall-clock time, a PEP 495 `fold` bit and a zone ([`Tz`]); its
//!   instant is computed from the wall time, so a wall time inside a DST gap is a legal value
//!   (Berlin 02:30 with fold 0 is the instant 01:30 UTC, which reads 03:30+02:00);
//! * two times in the *same* IANA zone compare by wall clock (fold ignored), any other pair by
//!   instant — Python's rule, which APScheduler relies on for `end_date`;
//! * arithmetic goes through the instant (`datetime_utc_add`) and converting an instant to a
//!   zone always gives the canonical wall time and fold.
//!
//! The supported range is Python's: years 1 to 9999 of the wall clock.

use std::cmp::Ordering;
use std::fmt;

use crate::civil::{Civil, US_PER_SEC};
use crate::zone::Zone;

/// A point in time: microseconds since 1970-01-01T00:00:00Z.
///
/// ```
/// # use schedctl_trigger::Instant;
/// let t = Instant::from_unix_seconds(1_800_000_000);
/// assert_eq!(t.unix_micros(), 1_800_000_000_000_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

impl Instant {
    /// The instant `secs` seconds after the Unix epoch.
    pub const fn from_unix_seconds(secs: i64) -> Instant {
        Instant(secs * US_PER_SEC)
    }

    /// The instant `micros` microseconds after the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Instant {
        Instant(micros)
    }

    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded down).
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(US_PER_SEC)
    }

    /// This instant moved by `micros` (negative moves back); saturates at the ends of `i64`.
    pub const fn add_micros(self, micros: i64) -> Instant {
        Instant(self.0.saturating_add(micros))
    }

    /// Python's `datetime.timestamp()` of this instant: seconds as a correctly rounded float.
    pub(crate) fn py_timestamp(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Python's `datetime.fromtimestamp(ts)`: the float rounded half-even to microseconds.
    pub(crate) fn from_py_timestamp(ts: f64) -> Option<Instant> {
        if !ts.is_finite() || ts.abs() > 1e15 {
            return None;
        }
        let int_part = ts.trunc();
        let mut frac = ((ts - int_part) * 1e6).round_ties_even();
        let mut secs = int_part as i64;
        if frac >= 1e6 {
            secs += 1;
            frac -= 1e6;
        } else if frac < 0.0 {
            secs -= 1;
            frac += 1e6;
        }
        Some(Instant(secs * US_PER_SEC + frac as i64))
    }
}

/// The zone of a [`ZonedTime`]: an IANA zone or a fixed UTC offset in seconds (from an
/// explicit `+05:30` or `Z` in the input).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tz {
    /// An IANA zone, with its DST rules.
    Zone(Zone),
    /// A fixed offset from UTC, in seconds east.
    Fixed(i32),
}

impl Tz {
    /// The zone `UTC`.
    pub fn utc() -> Tz {
        Tz::Zone(Zone::utc())
    }

    #[inline]
    fn offset_at(self, instant: Instant) -> (i32, bool) {
        match self {
            Tz::Zone(z) => z.offset_at_utc(instant.unix_seconds()),
            Tz::Fixed(o) => (o, false),
        }
    }

    #[inline]
    fn offset_for_wall(self, local_us: i64, fold: bool) -> i32 {
        match self {
            Tz::Zone(z) => z.offset_for_wall(local_us.div_euclid(US_PER_SEC), fold),
            Tz::Fixed(o) => o,
        }
    }
}

impl fmt::Display for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tz::Zone(z) => write!(f, "{z}"),
            Tz::Fixed(o) => write_offset(f, *o),
        }
    }
}

/// The local timestamps of 0001-01-01T00:00 and 9999-12-31T23:59:59.999999.
const MIN_LOCAL_US: i64 = -62_135_596_800 * US_PER_SEC;
const MAX_LOCAL_US: i64 = 253_402_300_800 * US_PER_SEC - 1;

/// A wall-clock time in a zone, with a PEP 495 fold bit: Python's aware `datetime`.
///
/// ```
/// # use schedctl_trigger::{Instant, Tz, Zone, ZonedTime};
/// let berlin = Tz::Zone(Zone::get("Europe/Berlin")?);
/// // 00:30 UTC and 01:30 UTC on 2027-10-31 both read 02:30 in Berlin.
/// let first = ZonedTime::from_instant(Instant::from_unix_seconds(1_824_942_600), berlin)?;
/// let second = ZonedTime::from_instant(Instant::from_unix_seconds(1_824_946_200), berlin)?;
/// assert_eq!(first.to_string(), "2027-10-31T02:30:00+02:00");
/// assert_eq!(second.to_string(), "2027-10-31T02:30:00+01:00");
/// assert!(second.fold());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZonedTime {
    local: i64,
    fold: bool,
    tz: Tz,
}

/// A wall-clock time outside years 1..=9999 (Python's `OverflowError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("date is out of the supported range 0001-01-01 to 9999-12-31")]
pub struct OutOfRange;

impl ZonedTime {
    /// The wall time of `instant` in `tz` (Python's `astimezone`/`fromtimestamp`).
    #[inline]
    pub fn from_instant(instant: Instant, tz: Tz) -> Result<ZonedTime, OutOfRange> {
        let (offset, fold) = tz.offset_at(instant);
        let local = instant
            .unix_micros()
            .checked_add(i64::from(offset) * US_PER_SEC)
            .ok_or(OutOfRange)?;
        check_local(local)?;
        Ok(ZonedTime { local, fold, tz })
    }

    /// A wall time as given, fold included, without normalising it (Python's
    /// `datetime(..., tzinfo=tz, fold=fold)`); it may lie in a DST gap.
    #[inline]
    pub(crate) fn from_wall(local: i64, fold: bool, tz: Tz) -> Result<ZonedTime, OutOfRange> {
        check_local(local)?;
        Ok(ZonedTime { local, fold, tz })
    }

    /// A naive wall time read in `tz` the way APScheduler localizes it: in a gap moved forward
    /// by the gap's length, in a fold the first occurrence.
    pub fn localize(local_us: i64, tz: Tz) -> Result<ZonedTime, OutOfRange> {
        let raw = ZonedTime::from_wall(local_us, false, tz)?;
        ZonedTime::from_instant(raw.instant(), tz)
    }

    /// The instant (Python's `timestamp()`), using the fold bit to read the wall time.
    #[inline]
    pub fn instant(&self) -> Instant {
        let offset = self.tz.offset_for_wall(self.local, self.fold);
        Instant(self.local - i64::from(offset) * US_PER_SEC)
    }

    /// The UTC offset in seconds that this wall time is read with.
    pub fn offset_seconds(&self) -> i32 {
        self.tz.offset_for_wall(self.local, self.fold)
    }

    /// The same instant written with its real offset in `tz` (for a gap time, the wall time
    /// that clocks actually showed).
    #[inline]
    pub fn canonical_in(&self, tz: Tz) -> Result<ZonedTime, OutOfRange> {
        ZonedTime::from_instant(self.instant(), tz)
    }

    /// The zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The PEP 495 fold bit: true for the second occurrence of a repeated wall time.
    pub fn fold(&self) -> bool {
        self.fold
    }

    /// Microseconds of wall-clock time since 1970-01-01T00:00 (local).
    pub fn local_micros(&self) -> i64 {
        self.local
    }

    pub(crate) fn civil(&self) -> Civil {
        Civil::from_local_us(self.local)
    }

    /// Python's comparison of two aware datetimes: by wall clock when both are in the same
    /// IANA zone, else by instant.
    // Hidden: the and-trigger search and the core's tests need Python's quirk; a user
    // comparing fires wants `instant()`.
    #[doc(hidden)]
    pub fn py_cmp(&self, other: &ZonedTime) -> Ordering {
        match (self.tz, other.tz) {
            (Tz::Zone(a), Tz::Zone(b)) if a == b => self.local.cmp(&other.local),
            _ => self.instant().cmp(&other.instant()),
        }
    }

    /// Python's `==` on aware datetimes: by wall clock in the same IANA zone (fold ignored),
    /// else by instant, but never equal when either wall time is ambiguous or missing (PEP
    /// 495's rule for comparisons across zones).
    pub fn py_eq(&self, other: &ZonedTime) -> bool {
        match (self.tz, other.tz) {
            (Tz::Zone(x), Tz::Zone(y)) if x == y => self.local == other.local,
            _ => {
                let fold_dependent = |t: &ZonedTime| match t.tz {
                    Tz::Zone(z) => {
                        let secs = t.local.div_euclid(US_PER_SEC);
                        z.offset_for_wall(secs, false) != z.offset_for_wall(secs, true)
                    }
                    Tz::Fixed(_) => false,
                };
                !fold_dependent(self) && !fold_dependent(other) && self.instant() == other.instant()
            }
        }
    }

    /// APScheduler's `datetime_utc_add`: add `micros` to the instant, back in the same zone.
    pub(crate) fn utc_add(&self, micros: i64) -> Result<ZonedTime, OutOfRange> {
        ZonedTime::from_instant(self.instant().add_micros(micros), self.tz)
    }
}

fn check_local(local: i64) -> Result<(), OutOfRange> {
    if (MIN_LOCAL_US..=MAX_LOCAL_US).contains(&local) {
        Ok(())
    } else {
        Err(OutOfRange)
    }
}

fn write_offset(f: &mut fmt::Formatter<'_>, offset: i32) -> fmt::Result {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    write!(f, "{sign}{:02}:{:02}", a / 3600, a / 60 % 60)?;
    if !a.is_multiple_of(60) {
        write!(f, ":{:02}", a % 60)?;
    }
    Ok(())
}

/// RFC 3339 with the offset this wall time is read with, as Python's `isoformat()` writes it
/// (microseconds only when non-zero). Digits are written by hand into a buffer: ledgers print
/// millions of these.
impl fmt::Display for ZonedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        let mut b = AsciiBuf {
            bytes: [0; 40],
            len: 0,
        };
        // Years are 1..=9999 (the supported range), so always four digits.
        b.digits(c.year as u32, 4);
        b.push(b'-');
        b.digits(c.month, 2);
        b.push(b'-');
        b.digits(c.day, 2);
        b.push(b'T');
        b.digits(c.hour, 2);
        b.push(b':');
        b.digits(c.minute, 2);
        b.push(b':');
        b.digits(c.second, 2);
        if c.micro != 0 {
            b.push(b'.');
            b.digits(c.micro, 6);
        }
        let offset = self.offset_seconds();
        let a = offset.unsigned_abs();
        b.push(if offset < 0 { b'-' } else { b'+' });
        b.digits(a / 3600, 2);
        b.push(b':');
        b.digits(a / 60 % 60, 2);
        if !a.is_multiple_of(60) {
            b.push(b':');
            b.digits(a % 60, 2);
        }
        f.write_str(b.as_str())
    }
}

/// A timestamp's text, built on the stack.
struct AsciiBuf {
    bytes: [u8; 40],
    len: usize,
}

impl AsciiBuf {
    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value` in exactly `width` decimal digits (zero-padded; higher digits dropped).
    fn digits(&mut self, mut value: u32, width: usize) {
        for i in (0..width).rev() {
            self.bytes[self.len + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::civil::days_from_civil;

    fn berlin() -> Tz {
        Tz::Zone(Zone::get("Europe/Berlin").expect("zone"))
    }

    fn local(y: i32, m: u32, d: u32, h: i64, mi: i64) -> i64 {
        (days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60) * US_PER_SEC
    }

    #[test]
    fn gap_wall_time_reads_as_shifted_instant() {
        let t = ZonedTime::from_wall(local(2027, 3, 28, 2, 30), false, berlin()).expect("range");
        assert_eq!(t.to_string(), "2027-03-28T02:30:00+01:00");
        assert_eq!(
            t.canonical_in(berlin()).expect("range").to_string(),
            "2027-03-28T03:30:00+02:00"
        );
        let l = ZonedTime::localize(local(2027, 3, 28, 2, 30), berlin()).expect("range");
        assert_eq!(l.to_string(), "2027-03-28T03:30:00+02:00");
    }

    #[test]
    fn same_zone_compares_by_wall_clock() {
        let first = ZonedTime::from_wall(local(2027, 10, 31, 2, 30), false, berlin()).expect("r");
        let second = ZonedTime::from_wall(local(2027, 10, 31, 2, 40), true, berlin()).expect("r");
        // By instant the 02:40 (second occurrence) is later, and by wall clock too.
        assert_eq!(first.py_cmp(&second), Ordering::Less);
        let third = ZonedTime::from_wall(local(2027, 10, 31, 2, 20), true, berlin()).expect("r");
        // Wall clock says 02:20 < 02:30 though the instant is later.
        assert_eq!(third.py_cmp(&first), Ordering::Less);
        assert!(third.instant() > first.instant());
    }

    #[test]
    fn python_timestamp_rounding() {
        let t = Instant::from_py_timestamp(1.5e-6).expect("finite");
        assert_eq!(t.unix_micros(), 2);
        let t = Instant::from_py_timestamp(-0.5e-6).expect("finite");
        assert_eq!(t.unix_micros(), 0);
        assert_eq!(Instant::from_py_timestamp(f64::NAN), None);
    }

    #[test]
    fn range_is_python_range() {
        let max = ZonedTime::from_wall(MAX_LOCAL_US, false, Tz::utc()).expect("in range");
        assert_eq!(max.to_string(), "9999-12-31T23:59:59.999999+00:00");
        assert!(max.utc_add(1).is_err());
    }
}
