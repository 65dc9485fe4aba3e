//! `simulate` over a generated 1,000-job file (cron, crontab, interval and date triggers,
//! 10 + 3 workers; see `schedctl_bench::job_file`) for 1, 4 and 16 weeks from 2026-01-01.
//! Throughput is classified fires (every ledger entry: executed, missed, coalesced, dropped,
//! pending), counted once before measuring; equal fires per second across the three windows
//! means time grows linearly with the fires. Latest numbers: benches/README.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use schedctl_bench::job_file;
use schedctl_core::{simulate, JobFile};
use schedctl_trigger::Instant;

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const WEEK: i64 = 7 * 86_400;
const JOBS: usize = 1000;

fn simulate_weeks(c: &mut Criterion) {
    let file = JobFile::parse(&job_file(JOBS, 0)).expect("generated files are valid");
    let from = Instant::from_unix_seconds(START);
    let mut g = c.benchmark_group("simulate");
    // One 16-week run takes seconds: the fewest samples criterion allows, one run each.
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_millis(500));
    for weeks in [1, 4, 16] {
        let to = Instant::from_unix_seconds(START + weeks * WEEK);
        let fires = simulate(&file, from, to, 0)
            .expect("the generated file simulates")
            .ledger
            .len();
        g.throughput(Throughput::Elements(fires as u64));
        g.measurement_time(Duration::from_secs(3 * weeks as u64));
        g.bench_function(
            BenchmarkId::new(format!("{JOBS}_jobs"), format!("{weeks}w")),
            |b| b.iter(|| simulate(black_box(&file), from, to, 0).expect("simulates")),
        );
    }
    g.finish();
}

criterion_group!(benches, simulate_weeks);
criterion_main!(benches);
