//! jiff in, jiff out: a trigger's fires as `jiff::Zoned`.

use std::error::Error;

use jiff::tz::TimeZone;
use jiff::Zoned;
use schedctl_trigger::{Trigger, Zone, ZonedTime};

#[test]
fn cron_fires_across_the_march_dst_change() -> Result<(), Box<dyn Error>> {
    // The start comes from jiff's own database; the trigger's zone from its name.
    let from: Zoned = "2027-03-26T12:00:00+01:00[Europe/Berlin]".parse()?;
    let zone = Zone::try_from(from.time_zone())?;
    let trigger = Trigger::parse_in("cron:hour=2 minute=30", zone)?;
    let schedule = trigger.schedule(from.timestamp().into())?;
    let fires = schedule
        .fires_jiff(&from)?
        .take(4)
        .collect::<Result<Vec<Zoned>, _>>()?;
    let expected: Vec<Zoned> = [
        "2027-03-27T02:30:00+01:00[Europe/Berlin]",
        // 02:30 does not exist on 2027-03-28: APScheduler fires an hour later.
        "2027-03-28T03:30:00+02:00[Europe/Berlin]",
        "2027-03-29T02:30:00+02:00[Europe/Berlin]",
        "2027-03-30T02:30:00+02:00[Europe/Berlin]",
    ]
    .iter()
    .map(|s| s.parse())
    .collect::<Result<_, _>>()?;
    // `Zoned` compares instants; the text shows the wall clock and the zone too.
    assert_eq!(fires, expected);
    let text: Vec<String> = fires.iter().map(Zoned::to_string).collect();
    let expected_text: Vec<String> = expected.iter().map(Zoned::to_string).collect();
    assert_eq!(text, expected_text);
    assert!(fires
        .iter()
        .all(|f| f.time_zone().iana_name() == Some("Europe/Berlin")));
    // jiff's own arithmetic works on them: the day after the gap fire, at the same wall time.
    assert_eq!(
        fires[1].tomorrow()?.to_string(),
        "2027-03-29T03:30:00+02:00[Europe/Berlin]"
    );
    Ok(())
}

#[test]
fn cron_fires_twice_in_the_october_fold() -> Result<(), Box<dyn Error>> {
    let trigger: Trigger = "cron:hour=2 minute=30 timezone=Europe/Berlin".parse()?;
    let from: Zoned = "2027-10-30T12:00[Europe/Berlin]".parse()?;
    let schedule = trigger.schedule(from.timestamp().into())?;
    let fires = schedule
        .fires_jiff(&from)?
        .take(3)
        .map(|f| f.map(|z| z.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    assert_eq!(
        fires,
        [
            "2027-10-31T02:30:00+02:00[Europe/Berlin]",
            "2027-10-31T02:30:00+01:00[Europe/Berlin]",
            "2027-11-01T02:30:00+01:00[Europe/Berlin]",
        ]
    );
    Ok(())
}

#[test]
fn single_values_convert_both_ways() -> Result<(), Box<dyn Error>> {
    // The second 02:30 of 2027-10-31, from jiff's text.
    let second: Zoned = "2027-10-31T02:30:00+01:00[Europe/Berlin]".parse()?;
    let t = ZonedTime::try_from(&second)?;
    assert!(t.fold());
    assert_eq!(t.to_string(), "2027-10-31T02:30:00+01:00");
    let back = Zoned::try_from(t)?;
    assert_eq!(back.to_string(), second.to_string());
    // A POSIX rule has no IANA name: schedctl cannot hold it, and says why.
    let posix = TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3")?;
    let err = ZonedTime::try_from(second.with_time_zone(posix)).unwrap_err();
    assert!(err
        .to_string()
        .starts_with("the jiff time zone has no IANA name"));
    Ok(())
}
