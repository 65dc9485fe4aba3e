//! serde round trips with serde_json: triggers, times, and a simulation's ledger.

use std::error::Error;

use schedctl_core::{simulate, Entry, JobFile, Status};
use schedctl_trigger::{Instant, IsoDateTime, JitterRng, Trigger, Tz, Zone, ZonedTime};
use serde_json::Value;

#[test]
fn triggers_round_trip_as_their_canonical_text() -> Result<(), Box<dyn Error>> {
    let berlin = Zone::get("Europe/Berlin")?;
    for text in [
        "cron:hour=2 minute=30",
        "crontab:*/15 9-17 * * mon-fri",
        "interval:hours=2 start_date=2027-03-28T01:00:00",
        "calendarinterval:months=1 hour=9 start_date=2027-01-31",
        "date:run_date=2027-10-31T02:30:00",
        "or:[cron:hour=6] [cron:hour=18] jitter=60",
    ] {
        let trigger = Trigger::parse_in(text, berlin)?;
        let json = serde_json::to_string(&trigger)?;
        assert_eq!(
            serde_json::from_str::<Trigger>(&json)?,
            trigger,
            "{text}: {json}"
        );
    }
    let t = Trigger::parse_in("cron:hour=2 minute=30", berlin)?;
    assert_eq!(
        serde_json::to_string(&t)?,
        r#""cron:hour=2 minute=30 timezone=Europe/Berlin""#
    );
    // A bad trigger fails with the parser's message.
    let err = serde_json::from_str::<Trigger>(r#""cron:hour=25""#).unwrap_err();
    assert!(err
        .to_string()
        .contains("`hour` value `25` is above the maximum `23`"));
    Ok(())
}

#[test]
fn zoned_times_round_trip_exactly_even_apschedulers_raw_gap_fire() -> Result<(), Box<dyn Error>> {
    let berlin = Zone::get("Europe/Berlin")?;
    let trigger = Trigger::parse_in("cron:hour=2 minute=30", berlin)?;
    let now = IsoDateTime::parse("2027-03-27T12:00:00+01:00")?.resolve(Tz::Zone(berlin))?;
    let schedule = trigger.schedule(now.instant())?;
    // APScheduler's raw answer for 2027-03-28 is the wall time 02:30, which clocks skipped.
    let raw = schedule
        .next_fire_time(None, &now, &mut JitterRng::new(0))?
        .expect("a fire");
    let json = serde_json::to_string(&raw)?;
    assert_eq!(json, r#""2027-03-28T02:30:00+01:00[Europe/Berlin]""#);
    let back: ZonedTime = serde_json::from_str(&json)?;
    assert_eq!(back, raw);
    assert_eq!(
        back.canonical_in(Tz::Zone(berlin))?.to_string(),
        "2027-03-28T03:30:00+02:00"
    );
    // A time at a fixed offset has no zone in brackets.
    let fixed = IsoDateTime::parse("2027-03-28T02:30:00+05:30")?.resolve(Tz::utc())?;
    assert_eq!(
        serde_json::to_string(&fixed)?,
        r#""2027-03-28T02:30:00+05:30""#
    );
    // An instant is RFC 3339 in UTC.
    let instant = Instant::from_unix_seconds(1_806_197_400);
    assert_eq!(
        serde_json::to_string(&instant)?,
        r#""2027-03-28T01:30:00Z""#
    );
    assert_eq!(
        serde_json::from_str::<Instant>(r#""2027-03-28T03:30:00+02:00""#)?,
        instant
    );
    Ok(())
}

#[test]
fn a_simulation_ledger_round_trips_with_the_cli_keys() -> Result<(), Box<dyn Error>> {
    let file = JobFile::parse(
        r#"
timezone = "Europe/Berlin"
[[job]]
id = "nightly"
trigger = "cron:hour=2 minute=30"
duration = "45m"
"#,
    )?;
    let zone = Tz::Zone(file.timezone);
    let from = IsoDateTime::parse("2027-03-27")?.resolve(zone)?.instant();
    let to = IsoDateTime::parse("2027-03-30")?.resolve(zone)?.instant();
    let sim = simulate(&file, from, to, 0)?;
    assert_eq!(sim.ledger.len(), 3);
    let json = serde_json::to_string(&sim.ledger)?;
    let back: Vec<Entry> = serde_json::from_str(&json)?;
    assert_eq!(back, sim.ledger);
    let rows: Vec<Value> = serde_json::from_str(&json)?;
    let mut keys: Vec<&str> = rows[1]
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    // (serde_json's key order depends on its `preserve_order` feature.)
    keys.sort_unstable();
    let mut expected = ["job", "fire", "status", "start", "end", "worker", "rule"];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(rows[1]["fire"], "2027-03-28T03:30:00+02:00[Europe/Berlin]");
    assert_eq!(rows[1]["status"], Status::Executed.name());
    assert_eq!(rows[1]["start"], "2027-03-28T01:30:00Z");
    assert_eq!(rows[1]["end"], "2027-03-28T02:15:00Z");
    assert_eq!(rows[1]["rule"]["kind"], "on_time");
    Ok(())
}
