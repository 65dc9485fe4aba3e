//! `simulate` over a generated 1,000-job file (cron, crontab, interval and date triggers,
//! 10 + 3 workers; see `schedctl_bench::job_file`) for 1, 4 and 16 weeks from 2026-01-01.
//!
//! Two groups: `simulate_summary` is what `--format summary` and `table` run (counts only,
//! memory independent of the window); `simulate_ledger` also hands every classified fire
//! over in ledger order while the simulation runs, as `--format jsonl` and `csv` do, without
//! the text formatting. Throughput is classified fires (executed, missed, coalesced, dropped,
//! pending), counted once before measuring; equal fires per second across the windows means
//! time grows linearly with the fires. Latest numbers: benches/README.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use schedctl_bench::job_file;
use schedctl_core::{simulate_counts, simulate_streaming, JobFile};
use schedctl_trigger::Instant;

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const WEEK: i64 = 7 * 86_400;
const JOBS: usize = 1000;

fn simulate_weeks(c: &mut Criterion) {
    let file = JobFile::parse(&job_file(JOBS, 0)).expect("generated files are valid");
    let from = Instant::from_unix_seconds(START);
    for (group, windows) in [
        ("simulate_summary", &[1, 4, 16][..]),
        ("simulate_ledger", &[1, 4][..]),
    ] {
        let mut g = c.benchmark_group(group);
        // One 16-week run takes seconds: the fewest samples criterion allows, one run each.
        g.sample_size(10);
        g.sampling_mode(SamplingMode::Flat);
        g.warm_up_time(Duration::from_millis(500));
        for &weeks in windows {
            let to = Instant::from_unix_seconds(START + weeks * WEEK);
            let fires: u64 = simulate_counts(&file, from, to, 0, &mut |_| {})
                .expect("the generated file simulates")
                .counts
                .iter()
                .map(|c| c.fires)
                .sum();
            g.throughput(Throughput::Elements(fires));
            g.measurement_time(Duration::from_secs(weeks as u64));
            let id = BenchmarkId::new(format!("{JOBS}_jobs"), format!("{weeks}w"));
            if group == "simulate_summary" {
                g.bench_function(id, |b| {
                    b.iter(|| simulate_counts(black_box(&file), from, to, 0, &mut |_| {}))
                });
            } else {
                g.bench_function(id, |b| {
                    b.iter(|| {
                        let mut n = 0u64;
                        let sim = simulate_streaming(
                            black_box(&file),
                            from,
                            to,
                            0,
                            &mut |_| {},
                            &mut |e| {
                                n += u64::from(black_box(&e).worker.is_some());
                                true
                            },
                        );
                        (sim.is_ok(), n)
                    })
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, simulate_weeks);
criterion_main!(benches);
