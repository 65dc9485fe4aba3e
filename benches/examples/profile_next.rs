//! Walks one schedule for a while, for profilers: `cargo run --release --example profile_next -- TRIGGER N`.
fn main() {
    let mut args = std::env::args().skip(1);
    let text = args
        .next()
        .unwrap_or_else(|| "cron:hour=2 minute=30 timezone=Europe/Berlin".into());
    let n: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let trigger: schedctl_trigger::Trigger = text.parse().expect("valid trigger");
    let start = schedctl_trigger::Instant::from_unix_seconds(1_767_225_600);
    let schedule = trigger.schedule(start).expect("in range");
    let t = std::time::Instant::now();
    let mut count = 0;
    let mut last = None;
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
    println!(
        "{count} fires, last {:?}, {:.1} ns/fire",
        last.map(|l| l.to_string()),
        t.elapsed().as_nanos() as f64 / count as f64
    );
}
