//! Walks one schedule for a while, or asks it about random instants, for profilers:
//! `cargo run --release --example profile_next -- TRIGGER N [walk|query|parse]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let text = args
        .next()
        .unwrap_or_else(|| "cron:hour=2 minute=30 timezone=Europe/Berlin".into());
    let n: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let mode = args.next();
    let query = mode.as_deref() == Some("query");
    if mode.as_deref() == Some("parse") {
        let t = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(
                std::hint::black_box(text.as_str())
                    .parse::<schedctl_trigger::Trigger>()
                    .ok(),
            );
        }
        println!(
            "{n} parses, {:.1} ns each",
            t.elapsed().as_nanos() as f64 / n as f64
        );
        return;
    }
    let trigger: schedctl_trigger::Trigger = text.parse().expect("valid trigger");
    let start = schedctl_trigger::Instant::from_unix_seconds(1_767_225_600);
    let schedule = trigger.schedule(start).expect("in range");
    let t = std::time::Instant::now();
    let mut count = 0;
    let mut last = None;
    if query {
        // The instants of the random_query bench: 1995..2035 from a fixed LCG.
        let (lo, hi) = (788_918_400i64, 2_051_222_400i64);
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let utc = schedctl_trigger::Tz::Fixed(0);
        let mut rng = schedctl_trigger::JitterRng::new(0);
        while count < n {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let secs = lo + ((x >> 11) % (hi - lo) as u64) as i64;
            let now = schedctl_trigger::ZonedTime::from_instant(
                schedctl_trigger::Instant::from_unix_seconds(secs),
                utc,
            )
            .expect("in range");
            last = schedule
                .next_fire_time(None, &now, &mut rng)
                .expect("in range");
            count += 1;
        }
    } else {
        while count < n {
            for fire in schedule
                .fires(start)
                .expect("in range")
                .take((n - count).min(5_000))
            {
                last = Some(fire.expect("in range"));
                count += 1;
            }
        }
    }
    println!(
        "{count} {}, last {:?}, {:.1} ns each",
        if query { "queries" } else { "fires" },
        last.map(|l| l.to_string()),
        t.elapsed().as_nanos() as f64 / count as f64
    );
}
