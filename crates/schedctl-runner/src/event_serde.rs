//! Tests of the serde form of events (cargo feature `serde`): an event is one flat object
//! with the simulation ledger's keys, `job`, `fire`, `status`, `start`, `end`, then those of
//! its kind and `output`.

use schedctl_core::Micros;
use schedctl_trigger::{Instant, Tz, Zone, ZonedTime};

use crate::event::{Event, EventKind};
use crate::output::RunOutput;

fn fire() -> ZonedTime {
    let berlin = Tz::Zone(Zone::get("Europe/Berlin").expect("bundled"));
    ZonedTime::from_instant(Instant::from_unix_seconds(1_806_197_400), berlin).expect("in range")
}

#[test]
fn executed_event_is_flat_with_the_ledger_keys() {
    let event = Event {
        job: "nightly".into(),
        fire: fire(),
        kind: EventKind::Executed {
            start: Instant::from_unix_seconds(1_806_197_400),
            end: Instant::from_unix_seconds(1_806_200_100),
            exit_code: Some(0),
        },
        output: Some(RunOutput {
            tail: "done".into(),
            bytes: 5,
            file: None,
            file_error: None,
        }),
    };
    let json = serde_json::to_string(&event).expect("serializes");
    assert_eq!(
        json,
        r#"{"job":"nightly","fire":"2027-03-28T03:30:00+02:00[Europe/Berlin]","status":"executed","start":"2027-03-28T01:30:00Z","end":"2027-03-28T02:15:00Z","exit_code":0,"output":{"tail":"done","bytes":5,"file":null,"file_error":null}}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&json).ok(), Some(event));
}

#[test]
fn every_kind_round_trips_and_is_named_by_its_outcome() {
    let kinds = [
        EventKind::Submitted,
        EventKind::Error {
            exit_code: None,
            start: Instant::from_unix_seconds(10),
            end: Instant::from_unix_seconds(20),
            message: "timed out after 10s".into(),
        },
        EventKind::Missed {
            start: Instant::from_unix_seconds(10),
            late: Micros::from_secs(90),
        },
        EventKind::Coalesced,
        EventKind::Dropped { running: 2 },
        EventKind::Abandoned {
            host: "a".into(),
            pid: 7,
            reason: "lease expired".into(),
            rerun: true,
        },
    ];
    for kind in kinds {
        let event = Event {
            job: "j".into(),
            fire: fire(),
            kind,
            output: None,
        };
        let value = serde_json::to_value(&event).expect("serializes");
        assert_eq!(value["status"], event.kind.outcome());
        assert_eq!(serde_json::from_value::<Event>(value).ok(), Some(event));
    }
}
