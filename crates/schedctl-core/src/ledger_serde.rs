//! serde for the ledger (cargo feature `serde`).
//!
//! An [`Entry`](crate::Entry) is an object with the keys of the CLI's JSON ledger
//! (`schedctl simulate --format jsonl`): `job`, `fire`, `status`, `start`, `end`, `worker`,
//! plus `rule`. Values differ where the library knows more than the CLI prints: `job` is the
//! job's index in the job file (the CLI writes its id), `fire` is RFC 9557 with the zone
//! (`"2027-03-28T03:30:00+02:00[Europe/Berlin]"`), `start` and `end` are RFC 3339 instants in
//! UTC, and `rule` is an object tagged by `kind` (`{"kind": "on_time", "late": "0s"}`).
//! A [`Micros`] is a humantime duration, as job files write them (`"45m"`, `"1h 30m"`).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::duration::Micros;

/// A humantime duration: `"0s"`, `"45m"`, `"1h 30m 500us"`.
impl Serialize for Micros {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A humantime duration, to the microsecond.
impl<'de> Deserialize<'de> for Micros {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Micros, D::Error> {
        deserializer.deserialize_str(MicrosVisitor)
    }
}

struct MicrosVisitor;

impl Visitor<'_> for MicrosVisitor {
    type Value = Micros;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as `45m` or `1h 30m`")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Micros, E> {
        let d = humantime::parse_duration(text.trim())
            .map_err(|e| E::custom(format_args!("invalid duration `{text}`: {e}")))?;
        i64::try_from(d.as_micros())
            .map(Micros::from_micros)
            .map_err(|_| E::custom(format_args!("duration `{text}` is too long")))
    }
}

#[cfg(test)]
mod tests {
    use schedctl_trigger::{IsoDateTime, Tz};

    use crate::{simulate, Entry, JobFile, Micros, Rule, Status};

    #[test]
    fn ledger_round_trips_through_json_with_the_cli_keys() {
        let file = JobFile::parse(
            r#"
timezone = "Europe/Berlin"
[[job]]
id = "nightly"
trigger = "cron:hour=2 minute=30"
duration = "45m"
[[job]]
id = "slow"
trigger = "interval:minutes=20"
duration = "50m"
misfire_grace_time = "1m"
"#,
        )
        .expect("valid");
        let zone = Tz::Zone(file.timezone);
        let at = |s: &str| {
            IsoDateTime::parse(s)
                .expect("iso")
                .resolve(zone)
                .expect("r")
        };
        let sim = simulate(
            &file,
            at("2027-03-27").instant(),
            at("2027-03-29").instant(),
            0,
        )
        .expect("simulates");
        let json = serde_json::to_string(&sim.ledger).expect("serializes");
        let back: Vec<Entry> = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, sim.ledger);
        let moved = sim
            .ledger
            .iter()
            .find(|e| e.fire.to_string().starts_with("2027-03-28T03:30"))
            .expect("the fire moved by the gap");
        assert_eq!(
            serde_json::to_string(moved).expect("serializes"),
            r#"{"job":0,"fire":"2027-03-28T03:30:00+02:00[Europe/Berlin]","status":"executed","start":"2027-03-28T01:30:00Z","end":"2027-03-28T02:15:00Z","worker":1,"rule":{"kind":"on_time","late":"0s"}}"#
        );
        assert!(sim.ledger.iter().any(|e| e.status == Status::Dropped));
    }

    #[test]
    fn status_names_are_the_ledger_names() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).expect("serializes");
            assert_eq!(json, format!("\"{}\"", s.name()));
            assert_eq!(serde_json::from_str::<Status>(&json).ok(), Some(s));
        }
    }

    #[test]
    fn rules_are_tagged_by_kind() {
        let late = Rule::LateBeyondGrace {
            late: Micros::from_secs(5400),
            grace: Micros::from_secs(60),
            woke_late: Micros::ZERO,
            queued: Micros::from_micros(500),
        };
        let json = serde_json::to_string(&late).expect("serializes");
        assert_eq!(
            json,
            r#"{"kind":"late_beyond_grace","late":"1h 30m","grace":"1m","woke_late":"0s","queued":"500us"}"#
        );
        assert_eq!(serde_json::from_str::<Rule>(&json).ok(), Some(late));
        let paused = serde_json::to_string(&Rule::PausedPastEnd).expect("serializes");
        assert_eq!(paused, r#"{"kind":"paused_past_end"}"#);
        let err = serde_json::from_str::<Micros>(r#""5 parsecs""#).expect_err("not a duration");
        assert!(err.to_string().starts_with("invalid duration `5 parsecs`"));
    }
}
