//! Property tests of the engine over random job files: the invariants of the model hold
//! whatever the jobs, pools and pauses.

use proptest::prelude::*;
use schedctl_trigger::Instant;

use crate::{simulate, JobFile, Simulation, Status};

const TRIGGERS: &[&str] = &[
    "interval:seconds=30",
    "interval:minutes=7",
    "interval:minutes=1 start_date=2026-03-01T00:00:10",
    "cron:minute=*/5",
    "cron:minute=*/2 second=30",
    "cron:hour=* minute=0,15",
    "crontab:*/3 * * * *",
    "date:run_date=2026-03-01T00:20:00",
    "cron:second=*/20 timezone=Europe/Berlin",
];
const DURATIONS: &[&str] = &["0s", "500ms", "10s", "1m", "4m", "9m", "30m"];
const GRACES: &[&str] = &["1s", "30s", "5m", "none"];

#[derive(Debug, Clone)]
struct JobSpec {
    trigger: usize,
    duration: usize,
    grace: usize,
    coalesce: bool,
    max_instances: u32,
    pool: usize,
}

fn job_spec() -> impl Strategy<Value = JobSpec> {
    (
        0..TRIGGERS.len(),
        0..DURATIONS.len(),
        0..GRACES.len(),
        any::<bool>(),
        1u32..4,
        0usize..2,
    )
        .prop_map(
            |(trigger, duration, grace, coalesce, max_instances, pool)| JobSpec {
                trigger,
                duration,
                grace,
                coalesce,
                max_instances,
                pool,
            },
        )
}

fn job_file(jobs: &[JobSpec], workers: (u32, u32), pause: Option<(u32, u32)>) -> String {
    let mut s = format!(
        "[executor]\nmax_workers = {}\n[executors.other]\nmax_workers = {}\n",
        workers.0, workers.1
    );
    for (i, j) in jobs.iter().enumerate() {
        s.push_str(&format!(
            "[[job]]\nid = \"job-{i:02}\"\ntrigger = \"{}\"\nduration = \"{}\"\nmisfire_grace_time = \"{}\"\ncoalesce = {}\nmax_instances = {}\nexecutor = \"{}\"\n",
            TRIGGERS[j.trigger],
            DURATIONS[j.duration],
            GRACES[j.grace],
            j.coalesce,
            j.max_instances,
            ["default", "other"][j.pool],
        ));
    }
    if let Some((from, len)) = pause {
        s.push_str(&format!(
            "[[pause]]\nfrom = \"2026-03-01T00:{from:02}:00\"\nto = \"2026-03-01T{:02}:{:02}:00\"\n",
            (from + len) / 60,
            (from + len) % 60
        ));
    }
    s
}

const START: i64 = 1_772_323_200; // 2026-03-01T00:00:00Z

fn run(
    jobs: &[JobSpec],
    workers: (u32, u32),
    pause: Option<(u32, u32)>,
    minutes: i64,
) -> (JobFile, Simulation) {
    let file =
        JobFile::parse(&job_file(jobs, workers, pause)).expect("generated job files are valid");
    let start = Instant::from_unix_seconds(START);
    let end = Instant::from_unix_seconds(START + minutes * 60);
    let sim = simulate(&file, start, end, 0).expect("simulation completes (conservation holds)");
    (file, sim)
}

/// Executed runs as (start, end) per key, for overlap checks.
fn max_overlap(mut intervals: Vec<(i64, i64)>) -> usize {
    let mut events: Vec<(i64, i32)> = Vec::new();
    for (s, e) in intervals.drain(..) {
        if e > s {
            events.push((s, 1));
            events.push((e, -1));
        }
    }
    events.sort_by_key(|&(t, d)| (t, d));
    let (mut cur, mut best) = (0i32, 0i32);
    for (_, d) in events {
        cur += d;
        best = best.max(cur);
    }
    best as usize
}

fn executed(sim: &Simulation) -> impl Iterator<Item = &crate::Entry> {
    sim.ledger.iter().filter(|e| e.status == Status::Executed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_fire_has_exactly_one_class(jobs in prop::collection::vec(job_spec(), 1..6), w in (1u32..4, 1u32..3), pause in prop::option::of((0u32..50, 1u32..40)), minutes in 10i64..120) {
        let (file, sim) = run(&jobs, w, pause, minutes);
        for (i, c) in sim.counts.iter().enumerate() {
            let classified: u64 = Status::ALL.iter().map(|s| c.get(*s)).sum();
            prop_assert_eq!(classified, c.fires, "job {}", file.jobs[i].id);
            let in_ledger = sim.ledger.iter().filter(|e| e.job == i).count() as u64;
            prop_assert_eq!(in_ledger, c.fires);
        }
        let end = Instant::from_unix_seconds(START + minutes * 60);
        prop_assert!(sim.ledger.iter().all(|e| e.fire.instant() < end));
    }

    #[test]
    fn no_worker_runs_two_tasks_at_once(jobs in prop::collection::vec(job_spec(), 1..6), w in (1u32..4, 1u32..3), minutes in 10i64..120) {
        let (file, sim) = run(&jobs, w, None, minutes);
        for (p, pool) in file.executors.iter().enumerate() {
            for worker in 0..pool.max_workers {
                let runs: Vec<(i64, i64)> = executed(&sim)
                    .filter(|e| file.jobs[e.job].executor == p && e.worker == Some(worker))
                    .filter_map(|e| Some((e.start?.unix_micros(), e.end?.unix_micros())))
                    .collect();
                prop_assert!(max_overlap(runs) <= 1, "worker {} of {} overlaps", worker, pool.name);
            }
        }
    }

    #[test]
    fn never_more_than_max_workers_busy(jobs in prop::collection::vec(job_spec(), 1..6), w in (1u32..4, 1u32..3), minutes in 10i64..120) {
        let (file, sim) = run(&jobs, w, None, minutes);
        for (p, pool) in file.executors.iter().enumerate() {
            let runs: Vec<(i64, i64)> = executed(&sim)
                .filter(|e| file.jobs[e.job].executor == p)
                .filter_map(|e| Some((e.start?.unix_micros(), e.end?.unix_micros())))
                .collect();
            prop_assert!(max_overlap(runs) <= pool.max_workers as usize);
            prop_assert!(sim.ledger.iter().filter(|e| file.jobs[e.job].executor == p).all(|e| e.worker.is_none_or(|w| w < pool.max_workers)));
        }
        prop_assert!(sim.pools.iter().all(|p| p.peak_busy <= p.max_workers));
    }

    #[test]
    fn a_job_never_exceeds_max_instances(jobs in prop::collection::vec(job_spec(), 1..6), w in (1u32..4, 1u32..3), minutes in 10i64..120) {
        let (file, sim) = run(&jobs, w, None, minutes);
        for (i, job) in file.jobs.iter().enumerate() {
            let runs: Vec<(i64, i64)> = executed(&sim)
                .filter(|e| e.job == i)
                .filter_map(|e| Some((e.start?.unix_micros(), e.end?.unix_micros())))
                .collect();
            prop_assert!(max_overlap(runs) <= job.max_instances as usize);
            prop_assert!(sim.counts[i].peak_instances <= job.max_instances);
        }
    }

    #[test]
    fn missed_runs_were_late_beyond_their_grace(jobs in prop::collection::vec(job_spec(), 1..6), w in (1u32..3, 1u32..2), minutes in 10i64..90) {
        let (file, sim) = run(&jobs, w, None, minutes);
        for e in &sim.ledger {
            let grace = file.jobs[e.job].misfire_grace_time;
            let late = e.start.map(|s| s.unix_micros() - e.fire.instant().unix_micros());
            match e.status {
                Status::Missed => prop_assert!(late.zip(grace).is_some_and(|(l, g)| l > g.as_micros())),
                Status::Executed => prop_assert!(grace.is_none_or(|g| late.is_some_and(|l| l <= g.as_micros()))),
                _ => prop_assert!(e.start.is_none() && e.worker.is_none()),
            }
        }
    }

    /// The ledger written while the simulation runs (drained after every step, the most
    /// often it can be) is the ledger sorted at the end, line for line.
    #[test]
    fn streamed_ledger_is_the_sorted_ledger(jobs in prop::collection::vec(job_spec(), 1..6), w in (1u32..4, 1u32..3), pause in prop::option::of((0u32..50, 1u32..40)), minutes in 10i64..120) {
        let (file, sim) = run(&jobs, w, pause, minutes);
        let (start, end) = (Instant::from_unix_seconds(START), Instant::from_unix_seconds(START + minutes * 60));
        let mut streamed = Vec::new();
        let mut emit = |e| {
            streamed.push(e);
            true
        };
        let drain = crate::simulate::Drain { emit: &mut emit, first_drain: 1 };
        let counts = crate::simulate::run_with(&file, start, end, 0, true, &mut |_| {}, Some(drain))
            .expect("simulation completes");
        prop_assert_eq!(&streamed, &sim.ledger);
        prop_assert_eq!(counts.counts, sim.counts);
    }
}
