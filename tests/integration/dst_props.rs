//! The DST policies (`dst_gap`, `dst_fold`) keep their promises on random cron triggers in
//! zones with DST, and the defaults are APScheduler 3.x's behaviour.

use proptest::prelude::*;
use schedctl_trigger::{dst_touch, DstTouch, Instant, Trigger, Tz, Zone, ZonedTime};

fn trigger(hours: &str, minutes: &str, zone: &str, policy: &str) -> Trigger {
    let text = format!("cron:hour={hours} minute={minutes} timezone={zone} {policy}");
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn fires(t: &Trigger, from: i64, n: usize) -> Vec<ZonedTime> {
    let start = Instant::from_unix_seconds(from);
    let s = t.schedule(start).expect("in range");
    s.fires(start)
        .expect("in range")
        .take(n)
        .map(|f| f.expect("in range"))
        .collect()
}

fn zones() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
        "America/Sao_Paulo",
        "Europe/Dublin",
        "Pacific/Chatham",
    ])
}

fn hours() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["0", "1", "2", "3", "0-3", "*/2", "1,2", "23"])
}

fn minutes() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["0", "15", "30", "45", "*/20", "59"])
}

/// Starts near a transition: a few days before late March or late October in 1995..2035.
fn near_transition() -> impl Strategy<Value = i64> {
    (
        1995i64..2035,
        prop::sample::select(vec![80i64, 85, 90, 270, 280, 295, 300]),
        0i64..86_400,
    )
        .prop_map(|(y, doy, s)| (y - 1970) * 31_556_952 + doy * 86_400 + s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn dst_gap_skip_never_yields_a_non_existent_local_time(z in zones(), h in hours(), m in minutes(), from in near_transition()) {
        let t = trigger(h, m, z, "dst_gap=skip");
        let Trigger::Cron(c) = &t else { unreachable!("cron") };
        let fs = fires(&t, from, 12);
        for f in &fs {
            prop_assert!(!matches!(dst_touch(c, f), DstTouch::Gap { .. }), "{} fires at shifted {}", t, f);
        }
        // Without shifted fires, no instant can fire twice (APScheduler's shift can: Dublin
        // `hour=1,2` fires 02:00+01:00 twice on the spring night).
        prop_assert!(fs.windows(2).all(|w| w[0].instant() < w[1].instant()), "{} repeats an instant", t);
    }

    #[test]
    fn dst_fold_first_and_last_fire_once_per_local_time(z in zones(), h in hours(), m in minutes(), from in near_transition(), last in any::<bool>()) {
        let t = trigger(h, m, z, if last { "dst_fold=last" } else { "dst_fold=first" });
        let fs = fires(&t, from, 12);
        // Only wall times that a fold repeats: a gap can also make APScheduler fire one
        // instant twice (Dublin `hour=1,2` on a spring night), which dst_gap, not dst_fold, is about.
        let zone = Zone::get(z).expect("zone");
        let ambiguous = |f: &ZonedTime| {
            let secs = f.local_micros().div_euclid(1_000_000);
            zone.offset_for_wall(secs, false) != zone.offset_for_wall(secs, true)
        };
        let mut walls: Vec<i64> = fs.iter().filter(|f| ambiguous(f)).map(ZonedTime::local_micros).collect();
        let n = walls.len();
        walls.sort_unstable();
        walls.dedup();
        prop_assert_eq!(walls.len(), n, "{} repeats a local time: {:?}", t, fs.iter().map(ToString::to_string).collect::<Vec<_>>());
    }

    #[test]
    fn default_policies_are_apschedulers(z in zones(), h in hours(), m in minutes(), from in near_transition()) {
        let default = trigger(h, m, z, "");
        let explicit = trigger(h, m, z, "dst_gap=shift dst_fold=both");
        prop_assert_eq!(&default, &explicit);
        prop_assert_eq!(fires(&default, from, 8), fires(&explicit, from, 8));
    }

    #[test]
    fn dst_gap_next_fires_at_the_end_of_the_gap(z in zones(), h in hours(), m in minutes(), from in near_transition()) {
        let shift = trigger(h, m, z, "");
        let next = trigger(h, m, z, "dst_gap=next");
        let Trigger::Cron(c) = &shift else { unreachable!("cron") };
        let zone = Tz::Zone(Zone::get(z).expect("zone"));
        let next_fires = fires(&next, from, 12);
        for f in fires(&shift, from, 12) {
            if let DstTouch::Gap { after_gap } = dst_touch(c, &f) {
                let at = ZonedTime::from_instant(after_gap, zone).expect("in range");
                prop_assert!(next_fires.iter().any(|g| g.instant() == at.instant()), "{} misses {}", next, at);
            }
        }
    }
}

/// `dst_gap = next` fires every day a daily trigger wants, also where the DST gap starts at
/// midnight: APScheduler's search jumps over that day (its roll-over lands in the gap), and
/// the policy still fires at the end of the gap. The default (APScheduler's) loses the day.
#[test]
fn next_fires_every_day_also_when_the_gap_is_at_midnight() {
    // Zones whose spring-forward gap starts at 00:00 local time, in years where it does.
    let cases = [
        ("America/Santiago", 2025),
        ("America/Sao_Paulo", 2018),
        ("America/Asuncion", 2023),
        ("Asia/Beirut", 2023),
        ("America/Havana", 2023),
    ];
    for (zone, year) in cases {
        let count_days = |policy: &str| {
            let t = trigger("0", "0", zone, policy);
            let start = schedctl_trigger::IsoDateTime::parse(&format!("{year}-01-01T12:00:00"))
                .expect("date")
                .resolve(Tz::Zone(Zone::get(zone).expect("zone")))
                .expect("range");
            let end = schedctl_trigger::IsoDateTime::parse(&format!("{}-01-01T12:00:00", year + 1))
                .expect("date")
                .resolve(Tz::Zone(Zone::get(zone).expect("zone")))
                .expect("range");
            let s = t.schedule(start.instant()).expect("in range");
            s.fires(start.instant())
                .expect("in range")
                .map(|f| f.expect("in range"))
                .take_while(|f| f.instant() < end.instant())
                .count()
        };
        let days = if year % 4 == 0 { 366 } else { 365 };
        // Havana repeats midnight in autumn: count each day once.
        assert_eq!(
            count_days("dst_gap=next dst_fold=first"),
            days,
            "{zone} {year} with dst_gap=next"
        );
        assert_eq!(
            count_days("dst_fold=first"),
            days - 1,
            "{zone} {year}: APScheduler 3.11 skips the day after the midnight gap"
        );
    }
}

/// APScheduler 3.11 skips the 00:xx fire on the day after a spring-forward when it walks on
/// from the previous fire (it carries the old UTC offset): the default reproduces that, and
/// `dst_jump = fire` fires every day. `schedctl dst` and `explain --at` name the skipped fire
/// (see the CLI tests); here the class: several zones, both hemispheres.
#[test]
fn dst_jump_fire_fires_the_day_after_a_spring_forward() {
    let cases = [
        ("Europe/Berlin", 2026),
        ("America/New_York", 2026),
        ("US/Central", 2021),
        ("Australia/Sydney", 2026),
    ];
    for (zone, year) in cases {
        let z = Zone::get(zone).expect("zone");
        let at = |text: String| {
            schedctl_trigger::IsoDateTime::parse(&text)
                .expect("date")
                .resolve(Tz::Zone(z))
                .expect("range")
        };
        let (start, end) = (
            at(format!("{year}-01-01T12:00:00")),
            at(format!("{}-01-01T12:00:00", year + 1)),
        );
        let count = |policy: &str| {
            let t = trigger("0", "0", zone, policy);
            let s = t.schedule(start.instant()).expect("in range");
            s.fires(start.instant())
                .expect("in range")
                .map(|f| f.expect("in range"))
                .take_while(|f| f.instant() < end.instant())
                .count()
        };
        let days = 365;
        assert_eq!(
            count("dst_jump=fire"),
            days,
            "{zone} {year} with dst_jump=fire"
        );
        assert_eq!(
            count(""),
            days - 1,
            "{zone} {year}: APScheduler skips one day"
        );
    }
}
