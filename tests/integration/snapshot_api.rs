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

/// What a change to a job file does, as `schedctl diff` reports it: a summary line per job (a
/// rename, a uniform shift, outcome changes with their rule, a move of five weeks in days),
/// then at most 6 detail lines.
#[test]
fn diff_of_two_job_files_says_why() {
    use schedctl_core::snapshot::{diff, job_file_snapshot, render_diff_limited, Snapshot};
    let dir = schedctl_tests::fixtures_dir().join("snapshots");
    let snap = |name: &str| {
        let source = std::fs::read_to_string(dir.join(name)).expect("job file is readable");
        let text = job_file_snapshot(name, &source, "2026-03-01", "2026-04-10").expect("simulates");
        Snapshot::parse(&text).expect("reads back")
    };
    let diffs = diff(&snap("team.toml"), &snap("team-next.toml"));
    let (text, left_out) = render_diff_limited(&diffs, 6);
    assert_eq!(left_out, 2875);
    insta::assert_snapshot!(text);
}
