//! The snapshot API for Rust users' own tests: a job file or a trigger over a window, through
//! insta, so `cargo insta review` shows what a change does to fires and outcomes.

use schedctl_core::{assert_schedule_snapshot, assert_trigger_snapshot};

#[test]
fn example_month_over_dst_weekend() {
    let path = schedctl_tests::fixtures_dir().join("jobs/month.toml");
    assert_schedule_snapshot!(
        path.to_str().expect("utf-8 path"),
        "2026-03-28T22:00",
        "2026-03-29T04:00"
    );
}

#[test]
fn nightly_trigger_across_the_spring_gap() {
    assert_trigger_snapshot!(
        "cron:hour=2 minute=30 timezone=Europe/Berlin",
        "2026-03-27",
        "2026-04-01"
    );
}
