//! serde text forms (feature `serde`); the forms are described in the module docs of
//! `interop`.

use std::fmt;

use ::serde::de::{self, MapAccess, Visitor};
use ::serde::ser::{self, SerializeMap};
use ::serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::OffsetText;
use crate::iso::{IsoDateTime, IsoError};
use crate::time::{Instant, Tz, ZonedTime};
use crate::trigger::Trigger;
use crate::zone::{Zone, ZoneLookupError};

/// The canonical string; an `and:`/`or:` whose default zone is not `UTC` as
/// `{"trigger": ..., "timezone": ...}`.
///
/// ```
/// # use schedctl_trigger::{Trigger, Zone};
/// let t = Trigger::parse_in("cron:hour=2 minute=30", Zone::get("Europe/Berlin")?)?;
/// let json = serde_json::to_string(&t)?;
/// assert_eq!(json, r#""cron:hour=2 minute=30 timezone=Europe/Berlin""#);
/// assert_eq!(serde_json::from_str::<Trigger>(&json)?, t);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Serialize for Trigger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // The canonical text of a combination does not name the zone it was parsed in.
            Trigger::And(c) | Trigger::Or(c) if c.zone() != Zone::utc() => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("trigger", &self.to_string())?;
                map.serialize_entry("timezone", c.zone().name())?;
                map.end()
            }
            _ => serializer.collect_str(self),
        }
    }
}

/// A trigger string (default zone `UTC`), or `{"trigger": ..., "timezone": ...}` (the zone
/// defaults to `UTC`). Needs a self-describing format (JSON, TOML, YAML, ...).
///
/// ```
/// # use schedctl_trigger::Trigger;
/// let err = serde_json::from_str::<Trigger>(r#""cron:hour=24""#).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid trigger `cron:hour=24`: `hour` value `24` is above the maximum `23` \
///      at line 1 column 14",
/// );
/// ```
impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Trigger, D::Error> {
        deserializer.deserialize_any(TriggerVisitor)
    }
}

struct TriggerVisitor;

impl<'de> Visitor<'de> for TriggerVisitor {
    type Value = Trigger;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a trigger string such as `cron:hour=2 minute=30`, or a map with keys `trigger` and \
             `timezone`",
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Trigger, E> {
        parse_trigger(text, Zone::utc())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Trigger, A::Error> {
        let mut text: Option<String> = None;
        let mut zone: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "trigger" if text.is_none() => text = Some(map.next_value()?),
                "timezone" if zone.is_none() => zone = Some(map.next_value()?),
                "trigger" | "timezone" => return Err(de::Error::duplicate_field("trigger")),
                other => return Err(de::Error::unknown_field(other, &["trigger", "timezone"])),
            }
        }
        let text = text.ok_or_else(|| de::Error::missing_field("trigger"))?;
        let zone = match zone {
            Some(name) => zone_named(&name)?,
            None => Zone::utc(),
        };
        parse_trigger(&text, zone)
    }
}

fn parse_trigger<E: de::Error>(text: &str, zone: Zone) -> Result<Trigger, E> {
    Trigger::parse_in(text, zone)
        .map_err(|errors| E::custom(format_args!("invalid trigger `{text}`: {errors}")))
}

/// RFC 9557: `2027-03-28T03:30:00+02:00[Europe/Berlin]`; a fixed offset without a bracket.
///
/// ```
/// # use schedctl_trigger::{IsoDateTime, Tz, Zone, ZonedTime};
/// let berlin = Tz::Zone(Zone::get("Europe/Berlin")?);
/// // The second 02:30 of 2027-10-31 (fold 1): the offset tells which.
/// let t = IsoDateTime::parse("2027-10-31T02:30:00+01:00")?.resolve(berlin)?.canonical_in(berlin)?;
/// let json = serde_json::to_string(&t)?;
/// assert_eq!(json, r#""2027-10-31T02:30:00+01:00[Europe/Berlin]""#);
/// assert_eq!(serde_json::from_str::<ZonedTime>(&json)?, t);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Serialize for ZonedTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Rfc9557(self))
    }
}

/// RFC 9557 or RFC 3339 text: the offset is required and, with a zone, checked against it.
impl<'de> Deserialize<'de> for ZonedTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ZonedTime, D::Error> {
        deserializer.deserialize_str(TextVisitor {
            what: "time",
            expecting: "an RFC 9557 time such as `2027-03-28T03:30:00+02:00[Europe/Berlin]`",
            read: parse_zoned,
        })
    }
}

/// RFC 3339 in UTC: `2027-03-28T01:30:00Z`. Fails outside years 1 to 9999.
///
/// ```
/// # use schedctl_trigger::Instant;
/// let t = Instant::from_unix_micros(1_806_197_400_000_001);
/// assert_eq!(serde_json::to_string(&t)?, r#""2027-03-28T01:30:00.000001Z""#);
/// let back: Instant = serde_json::from_str(r#""2027-03-28T03:30:00.000001+02:00""#)?;
/// assert_eq!(back, t);
/// # Ok::<(), serde_json::Error>(())
/// ```
impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let utc = ZonedTime::from_instant(*self, Tz::Fixed(0)).map_err(|_| {
            <S::Error as ser::Error>::custom(format_args!(
                "instant `{}` (microseconds since the Unix epoch) is outside years 1 to 9999, \
                 which RFC 3339 can write",
                self.unix_micros()
            ))
        })?;
        let text = utc.to_string();
        // `ZonedTime` writes UTC as `+00:00`.
        let wall = text.strip_suffix("+00:00").unwrap_or(&text);
        serializer.collect_str(&format_args!("{wall}Z"))
    }
}

/// RFC 3339 (any offset) or RFC 9557 text, as for [`ZonedTime`].
impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Instant, D::Error> {
        deserializer.deserialize_str(TextVisitor {
            what: "time",
            expecting: "an RFC 3339 time such as `2027-03-28T01:30:00Z`",
            read: |text| parse_zoned(text).map(|t| t.instant()),
        })
    }
}

/// The IANA name.
impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// An IANA name of the bundled database, spelled exactly.
impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Zone, D::Error> {
        deserializer.deserialize_str(TextVisitor {
            what: "time zone",
            expecting: "an IANA time zone name such as `Europe/Berlin`",
            read: |name| Zone::get(name).map_err(|e| TextError::Zone(name.to_owned(), e)),
        })
    }
}

fn zone_named<E: de::Error>(name: &str) -> Result<Zone, E> {
    Zone::get(name).map_err(|e| E::custom(TextError::Zone(name.to_owned(), e)))
}

/// A visitor of one string, read by `read`.
struct TextVisitor<T> {
    what: &'static str,
    expecting: &'static str,
    read: fn(&str) -> Result<T, TextError>,
}

impl<T> Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        let what = self.what;
        (self.read)(text).map_err(|e| E::custom(format_args!("invalid {what} `{text}`: {e}")))
    }
}

/// Why a time or zone text was not read.
#[derive(Debug)]
enum TextError {
    Iso(IsoError),
    NoOffset,
    Annotation,
    Zone(String, ZoneLookupError),
    WrongOffset {
        zone: Zone,
        offset: i32,
        allowed: (i32, i32),
    },
    Fold,
    Range,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Iso(e) => write!(f, "{e}"),
            TextError::NoOffset => {
                f.write_str("the offset is missing: write `Z` or e.g. `+02:00` after the time")
            }
            TextError::Annotation => f.write_str(
                "after the offset, only `[Zone/Name]` and `[_fold=0]` or `[_fold=1]` are read \
                 (and non-critical RFC 9557 annotations, which are ignored)",
            ),
            TextError::Zone(
                name,
                ZoneLookupError::Unknown {
                    suggestion: Some(s),
                },
            ) => {
                write!(f, "unknown time zone `{name}`; did you mean `{s}`?")
            }
            TextError::Zone(name, _) => write!(
                f,
                "`{name}` is not in the bundled tz database `{}`",
                crate::TZDB_VERSION
            ),
            TextError::WrongOffset {
                zone,
                offset,
                allowed: (a, b),
            } if a == b => write!(
                f,
                "offset `{}` is not `{zone}`'s at that wall time, which is `{}`",
                OffsetText(*offset),
                OffsetText(*a)
            ),
            TextError::WrongOffset {
                zone,
                offset,
                allowed: (a, b),
            } => write!(
                f,
                "offset `{}` is not `{zone}`'s at that wall time, which is `{}` or `{}`",
                OffsetText(*offset),
                OffsetText(*a),
                OffsetText(*b)
            ),
            TextError::Fold => f.write_str("`[_fold=...]` contradicts the offset"),
            TextError::Range => f.write_str("outside years 1 to 9999"),
        }
    }
}

/// A zoned time in RFC 9557 form (see the module docs of `interop`).
struct Rfc9557<'a>(&'a ZonedTime);

impl fmt::Display for Rfc9557<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(f, "{t}")?;
        if let Tz::Zone(zone) = t.tz() {
            write!(f, "[{zone}]")?;
        }
        if t.fold() && !fold_shows(t) {
            f.write_str("[_fold=1]")?;
        }
        Ok(())
    }
}

/// Whether the offset of `t` tells its fold bit (the wall time is in a fold or a gap).
fn fold_shows(t: &ZonedTime) -> bool {
    ZonedTime::from_wall(t.local_micros(), !t.fold(), t.tz())
        .is_ok_and(|other| other.offset_seconds() != t.offset_seconds())
}

/// Reads RFC 9557 text (or RFC 3339, for a fixed offset).
fn parse_zoned(text: &str) -> Result<ZonedTime, TextError> {
    let (base, mut rest) = text.split_at(text.find('[').unwrap_or(text.len()));
    let iso = IsoDateTime::parse(base).map_err(TextError::Iso)?;
    let offset = iso.offset.ok_or(TextError::NoOffset)?;
    let (mut zone, mut fold) = (None, None);
    while !rest.is_empty() {
        if !rest.starts_with('[') {
            return Err(TextError::Annotation);
        }
        let close = rest.find(']').ok_or(TextError::Annotation)?;
        let annotation = &rest[1..close];
        rest = &rest[close + 1..];
        let (critical, annotation) = match annotation.strip_prefix('!') {
            Some(a) => (true, a),
            None => (false, annotation),
        };
        match annotation.split_once('=') {
            Some(("_fold", "0")) => fold = Some(false),
            Some(("_fold", "1")) => fold = Some(true),
            Some(("_fold", _)) => return Err(TextError::Annotation),
            Some(_) if critical => return Err(TextError::Annotation),
            Some(_) => {}
            None if zone.is_some() => return Err(TextError::Annotation),
            None => zone = Some(annotation),
        }
    }
    let wall =
        |tz, fold| ZonedTime::from_wall(iso.local_us, fold, tz).map_err(|_| TextError::Range);
    let Some(name) = zone else {
        return wall(Tz::Fixed(offset), fold.unwrap_or(false));
    };
    let zone = Zone::get(name).map_err(|e| TextError::Zone(name.to_owned(), e))?;
    let tz = Tz::Zone(zone);
    let first = wall(tz, false)?.offset_seconds();
    let second = wall(tz, true)?.offset_seconds();
    let implied = match offset {
        _ if first == second && offset == first => fold.unwrap_or(false),
        o if o == first && first != second => false,
        o if o == second && first != second => true,
        _ => {
            return Err(TextError::WrongOffset {
                zone,
                offset,
                allowed: (first, second),
            })
        }
    };
    if fold.is_some_and(|f| f != implied) {
        return Err(TextError::Fold);
    }
    wall(tz, implied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::civil::US_PER_SEC;
    use crate::interop::testing::{local, tz as zone};
    use proptest::prelude::*;

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("serializes")
    }

    fn back<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn fold_and_raw_gap_times_round_trip_with_the_offset_they_are_read_with() {
        let berlin = zone("Europe/Berlin");
        // A fold: each occurrence its offset. APScheduler's raw 02:30 in the gap: fold 0 reads
        // +01:00, fold 1 reads +02:00.
        for (wall, fold, text) in [
            (
                local(2027, 10, 31, 2, 30),
                false,
                r#""2027-10-31T02:30:00+02:00[Europe/Berlin]""#,
            ),
            (
                local(2027, 10, 31, 2, 30),
                true,
                r#""2027-10-31T02:30:00+01:00[Europe/Berlin]""#,
            ),
            (
                local(2027, 3, 28, 2, 30),
                false,
                r#""2027-03-28T02:30:00+01:00[Europe/Berlin]""#,
            ),
            (
                local(2027, 3, 28, 2, 30),
                true,
                r#""2027-03-28T02:30:00+02:00[Europe/Berlin]""#,
            ),
        ] {
            let t = ZonedTime::from_wall(wall, fold, berlin).expect("r");
            assert_eq!(json(&t), text);
            assert_eq!(back::<ZonedTime>(text), Ok(t));
        }
    }

    #[test]
    fn a_fold_bit_the_offset_cannot_tell_is_an_annotation() {
        let berlin = zone("Europe/Berlin");
        let t = ZonedTime::from_wall(local(2027, 11, 1, 2, 30), true, berlin).expect("r");
        let text = json(&t);
        assert_eq!(
            text,
            r#""2027-11-01T02:30:00+01:00[Europe/Berlin][_fold=1]""#
        );
        assert_eq!(back::<ZonedTime>(&text), Ok(t));
        let fixed = ZonedTime::from_wall(local(2027, 11, 1, 2, 30), true, Tz::Fixed(-12_600));
        let fixed = fixed.expect("r");
        assert_eq!(json(&fixed), r#""2027-11-01T02:30:00-03:30[_fold=1]""#);
        assert_eq!(back::<ZonedTime>(&json(&fixed)), Ok(fixed));
    }

    #[test]
    fn reading_checks_the_offset_against_the_zone() {
        assert_eq!(
            back::<ZonedTime>(r#""2027-10-31T02:30:00+03:00[Europe/Berlin]""#),
            Err(
                "invalid time `2027-10-31T02:30:00+03:00[Europe/Berlin]`: offset `+03:00` is \
                 not `Europe/Berlin`'s at that wall time, which is `+02:00` or `+01:00` at line \
                 1 column 42"
                    .into()
            )
        );
        assert!(back::<ZonedTime>(r#""2027-07-01T12:00:00[Europe/Berlin]""#)
            .is_err_and(|e| e.contains("the offset is missing")));
        assert!(
            back::<ZonedTime>(r#""2027-07-01T12:00:00+02:00[europe/berlin]""#)
                .is_err_and(|e| e.contains("did you mean `Europe/Berlin`?"))
        );
        assert!(
            back::<ZonedTime>(r#""2027-07-01T12:00:00+01:00[Europe/Berlin][_fold=1]""#).is_err()
        );
        assert!(
            back::<ZonedTime>(r#""2027-07-01T12:00:00+02:00[Europe/Berlin][!x=y]""#)
                .is_err_and(|e| e.contains("only `[Zone/Name]`"))
        );
        // Non-critical annotations of others are ignored, as RFC 9557 asks.
        assert!(
            back::<ZonedTime>(r#""2027-07-01T12:00:00+02:00[Europe/Berlin][u-ca=iso8601]""#)
                .is_ok()
        );
    }

    #[test]
    fn unusual_offsets_round_trip() {
        for (name, y, m, d) in [
            ("Australia/Lord_Howe", 2027, 1, 15),
            ("Pacific/Chatham", 2027, 7, 1),
            ("America/St_Johns", 2027, 1, 15),
            ("Europe/Dublin", 2027, 1, 15),
        ] {
            let t = ZonedTime::localize(local(y, m, d, 12, 0), zone(name)).expect("r");
            assert_eq!(back::<ZonedTime>(&json(&t)), Ok(t), "{name}");
        }
        let lmt = ZonedTime::localize(local(1850, 1, 1, 12, 0), zone("Europe/Brussels"));
        let lmt = lmt.expect("r");
        assert_eq!(
            json(&lmt),
            r#""1850-01-01T12:00:00+00:17:30[Europe/Brussels]""#
        );
        assert_eq!(back::<ZonedTime>(&json(&lmt)), Ok(lmt));
    }

    #[test]
    fn instant_is_utc_and_out_of_range_fails() {
        assert_eq!(
            json(&Instant::from_unix_seconds(0)),
            r#""1970-01-01T00:00:00Z""#
        );
        let far = Instant::from_unix_seconds(400_000_000_000);
        assert!(serde_json::to_string(&far).is_err_and(|e| e.to_string().contains(
            "instant `400000000000000000` (microseconds since the Unix epoch) is outside years 1 to 9999"
        )));
        assert_eq!(
            back::<Instant>(r#""1970-01-01T05:30:00+05:30""#),
            Ok(Instant::from_unix_seconds(0))
        );
        assert!(back::<Instant>(r#""1970-01-01T00:00:00""#).is_err());
    }

    #[test]
    fn zone_is_its_name() {
        let z = Zone::get("America/Havana").expect("bundled");
        assert_eq!(json(&z), r#""America/Havana""#);
        assert_eq!(back::<Zone>(r#""America/Havana""#), Ok(z));
        assert!(back::<Zone>(r#""Mars/Olympus""#).is_err());
    }

    #[test]
    fn combination_in_another_zone_is_a_map() {
        let berlin = Zone::get("Europe/Berlin").expect("bundled");
        let t = Trigger::parse_in("or:[cron:hour=6] [interval:hours=5] jitter=10", berlin);
        let t = t.expect("valid");
        let text = json(&t);
        assert_eq!(
            text,
            r#"{"trigger":"or:[cron:hour=6 timezone=Europe/Berlin] [interval:hours=5 timezone=Europe/Berlin] jitter=10","timezone":"Europe/Berlin"}"#
        );
        assert_eq!(back::<Trigger>(&text), Ok(t));
        // In UTC, the string alone.
        let utc: Trigger = "and:[cron:hour=6] [cron:day_of_week=mon]"
            .parse()
            .expect("valid");
        assert_eq!(back::<Trigger>(&json(&utc)), Ok(utc));
        assert!(back::<Trigger>(r#"{"trigger":"cron:hour=1","zone":"UTC"}"#)
            .is_err_and(|e| e.contains("unknown field `zone`")));
    }

    #[test]
    fn bad_trigger_text_carries_every_message() {
        assert_eq!(
            back::<Trigger>(r#""cron:hour=24 minute=x""#),
            Err(
                "invalid trigger `cron:hour=24 minute=x`: `hour` value `24` is above the \
                 maximum `23`; `minute` value `x` is not a cron expression at line 1 column 23"
                    .into()
            )
        );
    }

    const TRIGGERS: &[&str] = &[
        "cron:hour=2 minute=30",
        "crontab:*/15 9-17 * * mon-fri",
        "cron:day=last sun hour=0 start_date=2027-01-01 end_date=2027-12-31T23:00:00+01:00 jitter=30",
        "cron:hour=2 minute=30 dst_gap=skip dst_fold=first",
        "interval:hours=2 minutes=5 start_date=2027-03-28T01:00:00",
        "date:run_date=2027-10-31T02:30:00",
        "date:",
        "calendarinterval:months=1 hour=9 start_date=2027-01-31",
        "and:[cron:hour=6] [cron:day_of_week=mon] jitter=5",
        "or:[and:[cron:hour=6] [cron:minute=0]] [date:run_date=2027-05-01]",
    ];

    proptest! {
        #[test]
        fn trigger_round_trips_through_json_in_any_zone(
            i in 0..TRIGGERS.len(),
            z in prop::sample::select(vec![
                "UTC", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo",
            ]),
        ) {
            let zone = Zone::get(z).expect("bundled");
            let t = Trigger::parse_in(TRIGGERS[i], zone).expect("valid");
            prop_assert_eq!(back::<Trigger>(&json(&t)), Ok(t));
        }

        #[test]
        fn zoned_time_round_trips_exactly_whatever_its_fold_bit(
            secs in -62_135_596_800i64 + 86_400..253_402_300_800 - 86_400,
            micros in prop_oneof![Just(0i64), 0..1_000_000i64],
            fold in any::<bool>(),
            z in prop::sample::select(vec![
                "UTC", "Europe/Berlin", "Pacific/Chatham", "America/St_Johns", "Europe/Dublin",
                "America/Sao_Paulo", "Australia/Lord_Howe", "+05:30",
            ]),
        ) {
            let tz = match z {
                "+05:30" => Tz::Fixed(19_800),
                name => zone(name),
            };
            let t = ZonedTime::from_wall(secs * US_PER_SEC + micros, fold, tz).expect("in range");
            prop_assert_eq!(back::<ZonedTime>(&json(&t)), Ok(t));
        }

        #[test]
        fn instant_round_trips_through_rfc3339(
            micros in -62_135_596_800_000_000i64..253_402_300_800_000_000,
        ) {
            let t = Instant::from_unix_micros(micros);
            prop_assert_eq!(back::<Instant>(&json(&t)), Ok(t));
        }
    }
}
