//! chrono and chrono-tz conversions (feature `chrono`); see the module docs of `interop`.

use ::chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::convert::{zoned, ZONED_RANGE};
use super::{ConvertError, Database};
use crate::error::EvalError;
use crate::time::{Instant, Tz, ZonedTime};
use crate::trigger::{Fires, Schedule};
use crate::zone::Zone;

const DATETIME: &str = "`chrono::DateTime`, years -262143 to 262142";
const FIXED_OFFSET: &str = "`chrono::FixedOffset`, -23:59:59 to +23:59:59";
const CHRONO_TZ: &str = "`chrono_tz::Tz`";

/// The instant, when chrono's range holds it.
///
/// ```
/// # use schedctl_trigger::Instant;
/// use chrono::{DateTime, Utc};
/// let t = DateTime::<Utc>::try_from(Instant::from_unix_seconds(1_837_733_400))?;
/// assert_eq!(t.to_rfc3339(), "2028-03-27T01:30:00+00:00");
/// # Ok::<(), schedctl_trigger::interop::ConvertError>(())
/// ```
impl TryFrom<Instant> for DateTime<Utc> {
    type Error = ConvertError;

    fn try_from(instant: Instant) -> Result<DateTime<Utc>, ConvertError> {
        DateTime::from_timestamp_micros(instant.unix_micros()).ok_or(ConvertError::OutOfRange {
            instant,
            target: DATETIME,
        })
    }
}

/// The instant of any chrono `DateTime`, to the microsecond (finer digits are dropped, rounding
/// toward the past).
///
/// ```
/// # use schedctl_trigger::Instant;
/// use chrono::{DateTime, FixedOffset};
/// let t = DateTime::<FixedOffset>::parse_from_rfc3339("2027-03-28T03:30:00.1234567+02:00")?;
/// assert_eq!(Instant::from(t), Instant::from_unix_micros(1_806_197_400_123_456));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<Z: TimeZone> From<DateTime<Z>> for Instant {
    fn from(t: DateTime<Z>) -> Instant {
        // chrono keeps the sub-second part non-negative: this is the floor.
        Instant::from_unix_micros(t.timestamp_micros())
    }
}

/// The same instant at the offset this time is read with in its zone (the canonical one: a
/// raw wall time in a DST gap becomes the time clocks showed). Fails for a [`Tz::Fixed`]
/// offset of 24 hours or more, which `FixedOffset` cannot hold.
///
/// ```
/// # use schedctl_trigger::{IsoDateTime, Tz, Zone};
/// use chrono::{DateTime, FixedOffset};
/// let berlin = Tz::Zone(Zone::get("Europe/Berlin")?);
/// let t = IsoDateTime::parse("2027-10-31T02:30:00")?.resolve(berlin)?;
/// let c = DateTime::<FixedOffset>::try_from(t)?;
/// assert_eq!(c.to_rfc3339(), "2027-10-31T02:30:00+02:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<ZonedTime> for DateTime<FixedOffset> {
    type Error = ConvertError;

    fn try_from(t: ZonedTime) -> Result<DateTime<FixedOffset>, ConvertError> {
        let instant = t.instant();
        let canonical = t
            .canonical_in(t.tz())
            .map_err(|_| ConvertError::OutOfRange {
                instant,
                target: ZONED_RANGE,
            })?;
        let offset = canonical.offset_seconds();
        let fixed = FixedOffset::east_opt(offset).ok_or(ConvertError::OffsetOutOfRange {
            offset_seconds: offset,
            target: FIXED_OFFSET,
        })?;
        Ok(DateTime::<Utc>::try_from(instant)?.with_timezone(&fixed))
    }
}

/// The same instant at the same fixed offset ([`Tz::Fixed`]).
///
/// ```
/// # use schedctl_trigger::{Tz, ZonedTime};
/// use chrono::{DateTime, FixedOffset};
/// let c = DateTime::<FixedOffset>::parse_from_rfc3339("2027-03-28T02:30:00+05:30")?;
/// let t = ZonedTime::try_from(c)?;
/// assert_eq!((t.tz(), t.to_string().as_str()), (Tz::Fixed(19_800), "2027-03-28T02:30:00+05:30"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<DateTime<FixedOffset>> for ZonedTime {
    type Error = ConvertError;

    fn try_from(t: DateTime<FixedOffset>) -> Result<ZonedTime, ConvertError> {
        let offset = t.offset().local_minus_utc();
        zoned(Instant::from(t), Tz::Fixed(offset))
    }
}

/// The same instant in the chrono-tz zone of the same IANA name. chrono-tz reads its wall
/// clock with its own tz release (see the module docs of `interop`). Fails for a fixed offset,
/// and for a zone that chrono-tz does not have.
///
/// ```
/// # use schedctl_trigger::{IsoDateTime, Tz, Zone};
/// use chrono::DateTime;
/// let berlin = Tz::Zone(Zone::get("Europe/Berlin")?);
/// // 02:30 does not exist on 2027-03-28: APScheduler reads it as 03:30+02:00.
/// let t = IsoDateTime::parse("2027-03-28T02:30:00")?.resolve(berlin)?;
/// let c = DateTime::<chrono_tz::Tz>::try_from(t)?;
/// assert_eq!(c.to_rfc3339(), "2027-03-28T03:30:00+02:00");
/// assert_eq!(c.timezone(), chrono_tz::Europe::Berlin);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<ZonedTime> for DateTime<chrono_tz::Tz> {
    type Error = ConvertError;

    fn try_from(t: ZonedTime) -> Result<DateTime<chrono_tz::Tz>, ConvertError> {
        let tz = chrono_tz::Tz::try_from(t.tz())?;
        Ok(DateTime::<Utc>::try_from(t.instant())?.with_timezone(&tz))
    }
}

/// The same instant in schedctl's zone of the same IANA name (whose offsets come from
/// schedctl's tz release). Fails for a zone that schedctl does not bundle and outside years
/// 1 to 9999.
///
/// ```
/// # use schedctl_trigger::ZonedTime;
/// use chrono::TimeZone;
/// use chrono_tz::Europe::Berlin;
/// let c = Berlin.with_ymd_and_hms(2027, 10, 31, 2, 30, 0).latest().expect("a fold");
/// let t = ZonedTime::try_from(c)?;
/// assert_eq!(t.to_string(), "2027-10-31T02:30:00+01:00");
/// assert!(t.fold());
/// # Ok::<(), schedctl_trigger::interop::ConvertError>(())
/// ```
impl TryFrom<DateTime<chrono_tz::Tz>> for ZonedTime {
    type Error = ConvertError;

    fn try_from(t: DateTime<chrono_tz::Tz>) -> Result<ZonedTime, ConvertError> {
        let zone = Zone::try_from(t.timezone())?;
        zoned(Instant::from(t), Tz::Zone(zone))
    }
}

/// The chrono-tz zone of the same IANA name.
///
/// ```
/// # use schedctl_trigger::Zone;
/// let tz = chrono_tz::Tz::try_from(Zone::get("Australia/Lord_Howe")?)?;
/// assert_eq!(tz, chrono_tz::Australia::Lord_Howe);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<Zone> for chrono_tz::Tz {
    type Error = ConvertError;

    fn try_from(zone: Zone) -> Result<chrono_tz::Tz, ConvertError> {
        zone.name()
            .parse::<chrono_tz::Tz>()
            .map_err(|_| ConvertError::UnknownZone {
                name: zone.name().into(),
                database: Database::ChronoTz,
            })
    }
}

/// The chrono-tz zone of the same IANA name; a fixed offset has none
/// ([`ConvertError::FixedOffset`]: use `DateTime<FixedOffset>`).
impl TryFrom<Tz> for chrono_tz::Tz {
    type Error = ConvertError;

    fn try_from(tz: Tz) -> Result<chrono_tz::Tz, ConvertError> {
        match tz {
            Tz::Zone(zone) => chrono_tz::Tz::try_from(zone),
            Tz::Fixed(offset) => Err(ConvertError::FixedOffset {
                offset_seconds: offset,
                target: CHRONO_TZ,
            }),
        }
    }
}

/// schedctl's zone of the same IANA name.
///
/// ```
/// # use schedctl_trigger::Zone;
/// let zone = Zone::try_from(chrono_tz::Pacific::Chatham)?;
/// assert_eq!(zone.name(), "Pacific/Chatham");
/// # Ok::<(), schedctl_trigger::interop::ConvertError>(())
/// ```
impl TryFrom<chrono_tz::Tz> for Zone {
    type Error = ConvertError;

    fn try_from(tz: chrono_tz::Tz) -> Result<Zone, ConvertError> {
        Zone::get(tz.name()).map_err(|_| ConvertError::UnknownZone {
            name: tz.name().into(),
            database: Database::Schedctl,
        })
    }
}

/// schedctl's zone of the same IANA name, as a [`Tz::Zone`].
impl TryFrom<chrono_tz::Tz> for Tz {
    type Error = ConvertError;

    fn try_from(tz: chrono_tz::Tz) -> Result<Tz, ConvertError> {
        Zone::try_from(tz).map(Tz::Zone)
    }
}

impl Schedule {
    /// [`Schedule::fires`] from a chrono time (its instant), yielding chrono-tz times in the
    /// trigger's zone: the same instants, each read by chrono-tz with its own tz release (see
    /// the module docs of `interop`). Jitter uses seed 0.
    ///
    /// Errors: the trigger's zone unknown to chrono-tz, or `from` outside years 1 to 9999.
    ///
    /// ```
    /// # use schedctl_trigger::{Trigger, Zone};
    /// use chrono::TimeZone;
    /// use chrono_tz::Europe::Berlin;
    ///
    /// let trigger = Trigger::parse_in("cron:hour=2 minute=30", Zone::get("Europe/Berlin")?)?;
    /// let from = Berlin.with_ymd_and_hms(2027, 3, 27, 0, 0, 0).unwrap();
    /// let schedule = trigger.schedule(from.into())?;
    /// let fires = schedule
    ///     .fires_chrono(from)?
    ///     .take(3)
    ///     .map(|f| f.map(|t| t.to_rfc3339()))
    ///     .collect::<Result<Vec<_>, _>>()?;
    /// // 02:30 does not exist on 2027-03-28: APScheduler fires an hour later.
    /// assert_eq!(fires, [
    ///     "2027-03-27T02:30:00+01:00",
    ///     "2027-03-28T03:30:00+02:00",
    ///     "2027-03-29T02:30:00+02:00",
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fires_chrono<Z: TimeZone>(
        &self,
        from: DateTime<Z>,
    ) -> Result<FiresChrono<'_>, ConvertError> {
        let zone = chrono_tz::Tz::try_from(self.zone())?;
        let instant = Instant::from(from);
        let fires = self.fires(instant).map_err(|_| ConvertError::OutOfRange {
            instant,
            target: ZONED_RANGE,
        })?;
        Ok(FiresChrono { fires, zone })
    }
}

/// The fires of a [`Schedule`] as chrono-tz times: see [`Schedule::fires_chrono`].
#[derive(Debug)]
pub struct FiresChrono<'a> {
    fires: Fires<'a>,
    zone: chrono_tz::Tz,
}

impl Iterator for FiresChrono<'_> {
    type Item = Result<DateTime<chrono_tz::Tz>, EvalError>;

    fn next(&mut self) -> Option<Self::Item> {
        let fire = self.fires.next()?;
        Some(fire.and_then(|fire| {
            // Fires lie in years 1 to 9999, well inside chrono's range.
            DateTime::from_timestamp_micros(fire.instant().unix_micros())
                .map(|utc| utc.with_timezone(&self.zone))
                .ok_or(EvalError::OutOfRange)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::civil::US_PER_SEC;
    use crate::interop::testing::{local, tz as zone};
    use crate::trigger::Trigger;
    use ::chrono::LocalResult;
    use chrono_tz::{America, Europe};
    use proptest::prelude::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0)
            .single()
            .expect("a UTC time")
    }

    #[test]
    fn dst_fold_keeps_both_occurrences() {
        let berlin = zone("Europe/Berlin");
        // 00:30 UTC and 01:30 UTC on 2027-10-31 both read 02:30 in Berlin.
        let first = ZonedTime::from_instant(utc(2027, 10, 31, 0, 30).into(), berlin).expect("r");
        let second = ZonedTime::from_instant(utc(2027, 10, 31, 1, 30).into(), berlin).expect("r");
        let (c1, c2) = (
            DateTime::<chrono_tz::Tz>::try_from(first).expect("converts"),
            DateTime::<chrono_tz::Tz>::try_from(second).expect("converts"),
        );
        assert_eq!(c1.to_rfc3339(), "2027-10-31T02:30:00+02:00");
        assert_eq!(c2.to_rfc3339(), "2027-10-31T02:30:00+01:00");
        assert_eq!(ZonedTime::try_from(c1), Ok(first));
        assert_eq!(ZonedTime::try_from(c2), Ok(second));
        assert!(!first.fold() && second.fold());
        // chrono's own ambiguous local time gives the same two values.
        let LocalResult::Ambiguous(early, late) =
            Europe::Berlin.with_ymd_and_hms(2027, 10, 31, 2, 30, 0)
        else {
            panic!("02:30 is ambiguous on 2027-10-31")
        };
        assert_eq!((early, late), (c1, c2));
        let fixed = DateTime::<FixedOffset>::try_from(second).expect("converts");
        assert_eq!(fixed.to_rfc3339(), "2027-10-31T02:30:00+01:00");
    }

    #[test]
    fn dst_gap_converts_to_the_instant_it_stands_for() {
        let berlin = zone("Europe/Berlin");
        // APScheduler's raw fire at 02:30 on 2027-03-28 (which clocks skipped) is 01:30 UTC.
        let raw = ZonedTime::from_wall(local(2027, 3, 28, 2, 30), false, berlin).expect("r");
        let c = DateTime::<chrono_tz::Tz>::try_from(raw).expect("converts");
        assert_eq!(c.to_rfc3339(), "2027-03-28T03:30:00+02:00");
        let f = DateTime::<FixedOffset>::try_from(raw).expect("converts");
        assert_eq!(f.to_rfc3339(), "2027-03-28T03:30:00+02:00");
        // Back: the canonical time, not the raw one.
        let back = ZonedTime::try_from(c).expect("converts");
        assert_eq!(back.to_string(), "2027-03-28T03:30:00+02:00");
        assert_eq!(back, raw.canonical_in(berlin).expect("r"));
        // chrono has no such wall time at all.
        assert_eq!(
            Europe::Berlin.with_ymd_and_hms(2027, 3, 28, 2, 30, 0),
            LocalResult::None
        );
    }

    #[test]
    fn out_of_range_says_which_value_and_range() {
        let far = Instant::from_unix_micros(i64::MAX);
        assert_eq!(
            DateTime::<Utc>::try_from(far).map_err(|e| e.to_string()),
            Err(
                "instant `9223372036854775807` (microseconds since the Unix epoch) is outside \
                 the range of `chrono::DateTime`, years -262143 to 262142"
                    .into()
            )
        );
        // Year 20000 is chrono's but not schedctl's.
        let late = utc(20_000, 1, 1, 0, 0);
        let err = ZonedTime::try_from(late.with_timezone(&Europe::Berlin)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "instant `568971820800000000` (microseconds since the Unix epoch) is outside the \
             range of `ZonedTime`, wall-clock years 1 to 9999"
        );
        let fixed = FixedOffset::east_opt(3600).expect("an offset");
        assert!(ZonedTime::try_from(late.with_timezone(&fixed)).is_err());
        // Year 1 in UTC is 0000-12-31 at -05:00: outside the wall clock's range.
        let first = utc(1, 1, 1, 0, 0);
        let west = FixedOffset::west_opt(5 * 3600).expect("an offset");
        assert!(ZonedTime::try_from(first.with_timezone(&west)).is_err());
        // An offset of a day or more is schedctl's, not chrono's.
        let wide = ZonedTime::from_instant(Instant::from_unix_seconds(0), Tz::Fixed(90_000));
        assert_eq!(
            DateTime::<FixedOffset>::try_from(wide.expect("r")).map_err(|e| e.to_string()),
            Err(
                "offset `+25:00` is outside the range of `chrono::FixedOffset`, -23:59:59 to \
                 +23:59:59"
                    .into()
            )
        );
    }

    #[test]
    fn zones_convert_by_name() {
        for tz in [
            Europe::Berlin,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Pacific::Chatham,
            America::St_Johns,
            Europe::Dublin,
            America::Sao_Paulo,
            chrono_tz::US::Eastern,
            chrono_tz::UTC,
        ] {
            let zone = Zone::try_from(tz).expect("bundled");
            assert_eq!(zone.name(), tz.name());
            assert_eq!(chrono_tz::Tz::try_from(zone), Ok(tz));
            assert_eq!(Tz::try_from(tz), Ok(Tz::Zone(zone)));
            assert_eq!(chrono_tz::Tz::try_from(Tz::Zone(zone)), Ok(tz));
        }
    }

    #[test]
    fn every_chrono_tz_zone_is_bundled() {
        for tz in chrono_tz::TZ_VARIANTS {
            assert!(Zone::try_from(tz).is_ok(), "{}", tz.name());
        }
    }

    #[test]
    fn zone_unknown_to_chrono_tz_and_fixed_offsets_fail() {
        // `Factory` is in schedctl's release but not compiled into chrono-tz 0.10.
        let factory = Zone::get("Factory").expect("bundled");
        assert_eq!(
            chrono_tz::Tz::try_from(factory).map_err(|e| e.to_string()),
            Err(format!(
                "time zone `Factory` is unknown to chrono-tz's tz database `{}`",
                chrono_tz::IANA_TZDB_VERSION
            ))
        );
        assert_eq!(
            chrono_tz::Tz::try_from(Tz::Fixed(-12_600)).map_err(|e| e.to_string()),
            Err(
                "fixed offset `-03:30` is not an IANA zone, which `chrono_tz::Tz` needs (convert \
                 to a fixed-offset type instead)"
                    .into()
            )
        );
        let t = ZonedTime::from_instant(Instant::from_unix_seconds(0), Tz::Fixed(19_800));
        assert!(DateTime::<chrono_tz::Tz>::try_from(t.expect("r")).is_err());
    }

    #[test]
    fn fixed_offsets_stay_fixed() {
        let c = DateTime::parse_from_rfc3339("2027-03-28T02:30:00.25+05:30").expect("rfc 3339");
        let t = ZonedTime::try_from(c).expect("converts");
        assert_eq!(t.tz(), Tz::Fixed(19_800));
        assert_eq!(t.to_string(), "2027-03-28T02:30:00.250000+05:30");
        assert_eq!(DateTime::<FixedOffset>::try_from(t), Ok(c));
    }

    #[test]
    fn sub_microseconds_round_toward_the_past() {
        let before_epoch = DateTime::parse_from_rfc3339("1969-12-31T23:59:59.9999999Z");
        assert_eq!(
            Instant::from(before_epoch.expect("rfc 3339")),
            Instant::from_unix_micros(-1)
        );
        let after = DateTime::parse_from_rfc3339("1970-01-01T00:00:00.0000019Z");
        assert_eq!(
            Instant::from(after.expect("rfc 3339")),
            Instant::from_unix_micros(1)
        );
    }

    /// The trap of the module docs, as observed: America/Havana in November 2026.
    #[test]
    fn havana_differs_between_schedctl_and_chrono_tz_releases() {
        let havana = zone("America/Havana");
        let at = utc(2026, 11, 15, 12, 0);
        let ours = ZonedTime::from_instant(at.into(), havana).expect("r");
        let theirs = at.with_timezone(&America::Havana);
        if crate::TZDB_VERSION == "2026f" && chrono_tz::IANA_TZDB_VERSION == "2025b" {
            assert_eq!(ours.to_string(), "2026-11-15T08:00:00-04:00");
            assert_eq!(theirs.to_rfc3339(), "2026-11-15T07:00:00-05:00");
        }
        // Whatever the releases, the conversion keeps the instant.
        let converted = DateTime::<chrono_tz::Tz>::try_from(ours).expect("converts");
        assert_eq!(converted, theirs);
        assert_eq!(ZonedTime::try_from(converted), Ok(ours));
        // A cron job at 08:00 in Havana fires at 12:00 UTC by schedctl's release.
        let t = Trigger::parse_in("cron:hour=8", Zone::get("America/Havana").expect("bundled"));
        let t = t.expect("valid");
        let from = utc(2026, 11, 15, 0, 0);
        let s = t.schedule(from.into()).expect("binds");
        let fire = s
            .fires_chrono(from)
            .expect("starts")
            .next()
            .expect("a fire");
        assert_eq!(fire.expect("in range").with_timezone(&Utc), at);
    }

    #[test]
    fn fires_chrono_cross_the_spring_gap() {
        let berlin = Zone::get("Europe/Berlin").expect("bundled");
        let t = Trigger::parse_in("cron:hour=2 minute=30", berlin).expect("valid");
        let from = Europe::Berlin
            .with_ymd_and_hms(2027, 3, 26, 12, 0, 0)
            .single()
            .expect("no DST change");
        let s = t.schedule(from.into()).expect("binds");
        let fires: Vec<String> = s
            .fires_chrono(from)
            .expect("starts")
            .take(4)
            .map(|f| f.expect("in range").to_rfc3339())
            .collect();
        assert_eq!(
            fires,
            [
                "2027-03-27T02:30:00+01:00",
                "2027-03-28T03:30:00+02:00",
                "2027-03-29T02:30:00+02:00",
                "2027-03-30T02:30:00+02:00",
            ]
        );
        // The same instants as `fires`.
        let plain: Vec<Instant> = s
            .fires(from.into())
            .expect("starts")
            .take(4)
            .map(|f| f.expect("in range").instant())
            .collect();
        let chrono: Vec<Instant> = s
            .fires_chrono(from.with_timezone(&Utc))
            .expect("starts")
            .take(4)
            .map(|f| Instant::from(f.expect("in range")))
            .collect();
        assert_eq!(plain, chrono);
    }

    #[test]
    fn fires_chrono_fails_for_a_zone_chrono_tz_lacks() {
        let t = Trigger::parse_in("interval:hours=1", Zone::get("Factory").expect("bundled"));
        let s = t.expect("valid").schedule(Instant::from_unix_seconds(0));
        let err = s
            .expect("binds")
            .fires_chrono(utc(2027, 1, 1, 0, 0))
            .unwrap_err();
        assert!(matches!(err, ConvertError::UnknownZone { .. }));
    }

    proptest! {
        #[test]
        fn instant_round_trips_through_datetime_utc(micros in any::<i64>()) {
            let t = Instant::from_unix_micros(micros);
            match DateTime::<Utc>::try_from(t) {
                Ok(c) => prop_assert_eq!(Instant::from(c), t),
                Err(e) => {
                    // Only past chrono's ±262,143 years.
                    prop_assert!(micros.unsigned_abs() > 8_000_000_000_000_000_000, "{e}");
                }
            }
        }

        #[test]
        fn zoned_time_round_trips_through_chrono_tz_and_fixed_offset(
            secs in -62_135_596_800i64 + 86_400..253_402_300_800 - 86_400,
            micros in 0..1_000_000i64,
            z in prop::sample::select(vec![
                "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns",
                "Europe/Dublin", "America/Sao_Paulo", "America/Havana", "UTC",
            ]),
        ) {
            let instant = Instant::from_unix_micros(secs * US_PER_SEC + micros);
            let t = ZonedTime::from_instant(instant, zone(z)).expect("in range");
            let c = DateTime::<chrono_tz::Tz>::try_from(t).expect("converts");
            prop_assert_eq!(Instant::from(c), instant);
            prop_assert_eq!(ZonedTime::try_from(c), Ok(t));
            let f = DateTime::<FixedOffset>::try_from(t).expect("converts");
            prop_assert_eq!(f.offset().local_minus_utc(), t.offset_seconds());
            prop_assert_eq!(Instant::from(f), instant);
        }
    }
}
