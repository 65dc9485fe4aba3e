//! The cron search's property tests: they build triggers from their text (through
//! [`crate::trigger::Trigger`]), so they live beside the search instead of inside it.

mod fast_path {
    use proptest::prelude::*;

    use crate::jitter::JitterRng;
    use crate::time::{Instant, Tz, ZonedTime};
    use crate::trigger::Trigger;
    use crate::zone::Zone;

    fn field(values: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
        proptest::sample::select(values)
    }

    fn trigger_text() -> impl Strategy<Value = String> {
        (
            field(&[
                "",
                "month=*/3",
                "month=2",
                "month=jan-mar,oct",
                "month=11-12",
            ]),
            field(&[
                "",
                "day=last",
                "day=29",
                "day=1,15",
                "day=last sun",
                "day=2nd fri",
                "day=*/10",
                "day=31",
            ]),
            field(&["", "week=1-10", "week=53", "week=*/2"]),
            field(&[
                "",
                "day_of_week=mon-fri",
                "day_of_week=sun",
                "day_of_week=2,4",
            ]),
            field(&["", "hour=2", "hour=0-3", "hour=*/5", "hour=23"]),
            field(&["", "minute=30", "minute=*/15", "minute=0,45", "minute=59"]),
            field(&["", "second=0", "second=*/20", "second=59"]),
            field(&[
                "UTC",
                "Europe/Berlin",
                "America/Sao_Paulo",
                "Australia/Lord_Howe",
                "Europe/Dublin",
            ]),
        )
            .prop_map(|(a, b, c, d, e, f, g, z)| {
                format!("cron:{a} {b} {c} {d} {e} {f} {g} timezone={z}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// The wall-clock fast path must give APScheduler's own answer wherever it applies.
        #[test]
        fn fast_search_agrees_with_apscheduler_search(text in trigger_text(), secs in 788_918_400i64..2_051_222_400, steps in 1usize..6) {
            let trigger: Trigger = text.parse().expect("generated triggers are valid");
            let Trigger::Cron(cron) = &trigger else { unreachable!("cron") };
            let tz = Tz::Zone(cron.zone());
            let mut now = ZonedTime::from_instant(Instant::from_unix_seconds(secs), tz).expect("range");
            for _ in 0..steps {
                let first = crate::cron::datetime_ceil(&now).expect("range").canonical_in(tz).expect("range");
                let slow = cron.slow_search(first).expect("no overflow");
                if let Some(fast) = cron.fast_search(&first) {
                    let fast = ZonedTime::from_wall(fast, first.fold(), tz).expect("range");
                    prop_assert_eq!(Some(fast.instant()), slow.map(|s| s.instant()), "{} from {}", text, first);
                }
                match slow {
                    Some(s) => now = s.utc_add(1).expect("range"),
                    None => break,
                }
            }
            let _ = (Zone::utc(), JitterRng::new(0));
        }
    }
}
