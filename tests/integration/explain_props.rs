//! `explain --at` never contradicts itself or `next`: an instant is a fire exactly when
//! `next --from` two days before lists it (the walk a running scheduler makes), and "is not a
//! fire" ends with the next fire of that same walk, never the instant itself.

use proptest::prelude::*;
use schedctl_trigger::{why, Instant, Trigger, Verdict, Zone};

fn zones() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Europe/Berlin",
        "America/New_York",
        "America/Santiago",
        "Australia/Lord_Howe",
        "UTC",
    ])
}

fn triggers() -> impl Strategy<Value = String> {
    let hours = prop::sample::select(vec!["0", "1", "2", "3", "0-3", "*/6", "23", "*"]);
    let minutes = prop::sample::select(vec!["0", "30", "*/15", "59"]);
    let days = prop::sample::select(vec![
        "",
        " day=1",
        " day=last",
        " day_of_week=sun",
        " day=29",
    ]);
    (hours, minutes, days).prop_map(|(h, m, d)| format!("cron:hour={h} minute={m}{d}"))
}

/// `next --from FROM`, as the CLI computes it: the fires of the trigger bound at FROM.
fn next_from(t: &Trigger, from: Instant, until: Instant) -> Vec<Instant> {
    let s = t.schedule(from).expect("binds");
    s.fires(from)
        .expect("in range")
        .map_while(Result::ok)
        .map(|f| f.instant())
        .take_while(|f| *f <= until)
        .take(100_000)
        .collect()
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn explain_at_agrees_with_next(
        text in triggers(),
        zone in zones(),
        // Around the DST changes of 2025-2027 and anywhere else.
        secs in prop_oneof![
            1_742_600_000i64..1_743_700_000,
            1_761_400_000i64..1_762_200_000,
            1_756_900_000i64..1_757_500_000,
            1_735_700_000i64..1_830_000_000,
        ],
        pick_fire in any::<bool>(),
    ) {
        let t = Trigger::parse_in(&text, Zone::get(zone).expect("zone")).expect("valid");
        let rough = Instant::from_unix_seconds(secs);
        let two_days = 2 * 86_400 * 1_000_000;
        // Half the cases ask about a fire (the first after `rough`), half about any second.
        let candidates = next_from(&t, rough, rough.add_micros(two_days));
        let at = match (pick_fire, candidates.first()) {
            (true, Some(f)) => *f,
            _ => rough,
        };
        let walk_from = at.add_micros(-two_days);
        let listed = next_from(&t, walk_from, at.add_micros(two_days * 400));
        let is_listed = listed.contains(&at);
        match why(&t, at) {
            Verdict::Fires(_) => prop_assert!(is_listed, "`{}` {}: a fire, but `next` skips it", text, at.unix_seconds()),
            Verdict::NotAFire(reasons) => {
                prop_assert!(!is_listed, "`{}` {}: not a fire, but `next` lists it: {:?}", text, at.unix_seconds(), reasons);
                let last = reasons.last().expect("a reason");
                match listed.iter().find(|f| **f > at) {
                    Some(next) => {
                        let shown = schedctl_trigger::ZonedTime::from_instant(*next, schedctl_trigger::Tz::Zone(t.zone()))
                            .expect("range")
                            .to_string();
                        prop_assert_eq!(last, &format!("the next fire is {}", shown));
                    }
                    None => prop_assert_eq!(last.as_str(), "there is no fire at or after it"),
                }
                prop_assert!(reasons.len() >= 2, "a reason besides the next fire: {:?}", reasons);
            }
        }
    }
}
