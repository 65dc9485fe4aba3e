//! chrono-tz in, chrono out: a trigger's fires as `DateTime<chrono_tz::Tz>`.

use std::error::Error;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use schedctl_trigger::{Trigger, Zone, ZonedTime};

fn berlin(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<chrono_tz::Tz> {
    Berlin
        .with_ymd_and_hms(y, m, d, h, mi, 0)
        .earliest()
        .expect("a wall time Berlin has")
}

#[test]
fn cron_fires_across_the_march_dst_change() -> Result<(), Box<dyn Error>> {
    // The zone comes from chrono-tz; the trigger is read in it.
    let trigger = Trigger::parse_in("cron:hour=2 minute=30", Zone::try_from(Berlin)?)?;
    let from = berlin(2027, 3, 26, 12, 0);
    let schedule = trigger.schedule(from.into())?;
    let fires = schedule
        .fires_chrono(from)?
        .take(4)
        .collect::<Result<Vec<DateTime<chrono_tz::Tz>>, _>>()?;
    // 02:30 does not exist on 2027-03-28 (clocks jump from 02:00 to 03:00): APScheduler fires
    // at 03:30+02:00, an hour after the wall time, which is 01:30 UTC.
    assert_eq!(
        fires,
        [
            berlin(2027, 3, 27, 2, 30),
            berlin(2027, 3, 28, 3, 30),
            berlin(2027, 3, 29, 2, 30),
            berlin(2027, 3, 30, 2, 30),
        ]
    );
    let text: Vec<String> = fires.iter().map(DateTime::to_rfc3339).collect();
    assert_eq!(
        text,
        [
            "2027-03-27T02:30:00+01:00",
            "2027-03-28T03:30:00+02:00",
            "2027-03-29T02:30:00+02:00",
            "2027-03-30T02:30:00+02:00",
        ]
    );
    assert_eq!(
        fires[1].with_timezone(&Utc),
        Utc.with_ymd_and_hms(2027, 3, 28, 1, 30, 0).unwrap()
    );
    assert!(fires.iter().all(|f| f.timezone() == Berlin));
    Ok(())
}

#[test]
fn cron_fires_twice_in_the_october_fold() -> Result<(), Box<dyn Error>> {
    let trigger: Trigger = "cron:hour=2 minute=30 timezone=Europe/Berlin".parse()?;
    let from = berlin(2027, 10, 30, 12, 0);
    let schedule = trigger.schedule(from.into())?;
    let fires = schedule
        .fires_chrono(from)?
        .take(3)
        .map(|f| f.map(|t| t.to_rfc3339()))
        .collect::<Result<Vec<_>, _>>()?;
    // 02:30 happens twice on 2027-10-31: APScheduler 3.x fires at both.
    assert_eq!(
        fires,
        [
            "2027-10-31T02:30:00+02:00",
            "2027-10-31T02:30:00+01:00",
            "2027-11-01T02:30:00+01:00",
        ]
    );
    Ok(())
}

#[test]
fn a_chrono_start_in_any_zone_gives_the_same_fires() -> Result<(), Box<dyn Error>> {
    let trigger: Trigger =
        "interval:hours=5 start_date=2027-03-27T22:00:00 timezone=Europe/Berlin".parse()?;
    let from = Utc.with_ymd_and_hms(2027, 3, 27, 0, 0, 0).unwrap();
    let schedule = trigger.schedule(from.into())?;
    let from_utc: Vec<_> = schedule
        .fires_chrono(from)?
        .take(3)
        .collect::<Result<_, _>>()?;
    let in_berlin = from.with_timezone(&Berlin);
    let from_berlin: Vec<_> = schedule
        .fires_chrono(in_berlin)?
        .take(3)
        .collect::<Result<_, _>>()?;
    assert_eq!(from_utc, from_berlin);
    // Interval triggers count real hours: across the gap, 22:00+01:00 + 5 h is 04:00+02:00.
    let text: Vec<String> = from_utc.iter().map(DateTime::to_rfc3339).collect();
    assert_eq!(
        text,
        [
            "2027-03-27T22:00:00+01:00",
            "2027-03-28T04:00:00+02:00",
            "2027-03-28T09:00:00+02:00",
        ]
    );
    Ok(())
}

#[test]
fn single_values_convert_both_ways() -> Result<(), Box<dyn Error>> {
    let t = ZonedTime::try_from(berlin(2027, 7, 1, 9, 0))?;
    assert_eq!(t.to_string(), "2027-07-01T09:00:00+02:00");
    assert_eq!(
        DateTime::<chrono_tz::Tz>::try_from(t)?,
        berlin(2027, 7, 1, 9, 0)
    );
    let fixed = DateTime::<chrono::FixedOffset>::try_from(t)?;
    assert_eq!(fixed.to_rfc3339(), "2027-07-01T09:00:00+02:00");
    // A fixed offset is no chrono-tz zone: the error says so.
    let err = DateTime::<chrono_tz::Tz>::try_from(ZonedTime::try_from(fixed)?).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fixed offset `+02:00` is not an IANA zone, which `chrono_tz::Tz` needs (convert to a \
         fixed-offset type instead)"
    );
    Ok(())
}
