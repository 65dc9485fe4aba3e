//! Shared inputs of the benchmarks: a deterministic generator of large, realistic job files.
//!
//! ```
//! use schedctl_bench::job_file;
//! use schedctl_core::JobFile;
//!
//! let text = job_file(50, 7);
//! assert_eq!(text, job_file(50, 7)); // same arguments, same bytes
//! let file = JobFile::parse(&text)?;
//! assert_eq!(file.jobs.len(), 50);
//! # Ok::<(), schedctl_core::FileErrors>(())
//! ```

use std::fmt::Write as _;

/// A job file of `jobs` jobs in the TOML of CONTRACT.md, the same bytes for the same
/// `(jobs, seed)`: the input of the `simulate` bench and of `examples/gen_jobs.rs`.
///
/// The mix imitates a busy production scheduler (shares are of the jobs, drawn per job):
///
/// | share | schedule | duration |
/// |---|---|---|
/// | 6 % | every 30 s to 5 min (`cron:minute=*/N`, `crontab:*/N …`, `interval:seconds=…`) | 100 ms – 5 s |
/// | 10 % | every 10 to 30 min | 500 ms – 1 min |
/// | 25 % | hourly to every 6 h, office hours on weekdays; a third at minute 0 | 1 s – 5 min |
/// | 36 % | daily, weekdays only, or `interval:days=1` | 10 s – 45 min |
/// | 15 % | weekly, monthly (`day=last`, `1st mon`, `last sun`), quarterly | 5 min – 2 h |
/// | 8 % | one-off `date:` triggers spread over 2026 | 1 min – 1 h |
///
/// Durations are log-uniform in their range, so most runs are short. Every interval has a
/// `start_date` in December 2025 (so a window from 2026-01-01 on does not depend on when the
/// scheduler started); a quarter of the `cron:` triggers name a zone of their own (Berlin,
/// London, New York, Tokyo, Sydney: DST changes in both hemispheres), a few have an
/// `end_date`. The default pool `[executor]` has 10 workers; a second pool `heavy` of 3
/// workers takes most runs of 20 minutes or more. `job_defaults` are APScheduler's but with
/// a 30 s grace; about one job in five overrides the grace (`1s` .. `1h`, or `none`), one in
/// twenty sets `coalesce = false`, one in twenty `max_instances` 2 or 3. No job has jitter, so
/// the simulator's conservation check covers every job; there are no pauses.
///
/// ```
/// let text = schedctl_bench::job_file(3, 0);
/// assert!(text.contains("[executor]\nmax_workers = 10\n"));
/// assert_eq!(text.matches("[[job]]").count(), 3);
/// ```
pub fn job_file(jobs: usize, seed: u64) -> String {
    let mut rng = SplitMix64(seed ^ 0x005E_ED0F_5C4E_D0C7);
    let mut out = String::with_capacity(jobs * 200 + 512);
    let _ = write!(
        out,
        "# {jobs} generated jobs (schedctl_bench::job_file({jobs}, {seed})): a busy scheduler's mix\n\
         # of cron, crontab, interval and date triggers for benchmarks. Regenerate with\n\
         #   cargo run -p schedctl-bench --example gen_jobs -- {jobs} {seed}\n\
         timezone = \"UTC\"\n\
         \n\
         [executor]\n\
         max_workers = 10\n\
         \n\
         [executors.heavy]\n\
         max_workers = 3\n\
         \n\
         [jobstores.durable]\n\
         kind = \"sqlite\"\n\
         path = \"jobs.db\"\n\
         \n\
         [job_defaults]\n\
         coalesce = true\n\
         max_instances = 1\n\
         misfire_grace_time = \"30s\"\n"
    );
    for i in 0..jobs {
        let job = Generated::draw(&mut rng);
        let stem = rng.pick(STEMS);
        let _ = write!(
            out,
            "\n[[job]]\nid = \"{stem}-{i:04}\"\ntrigger = \"{}\"\nduration = \"{}\"\n\
             command = [\"./bin/{stem}\", \"--shard\", \"{i}\"]\n",
            job.trigger,
            humantime_ms(job.duration_ms)
        );
        if job.duration_ms >= 20 * MINUTE && rng.chance(0.7) {
            out.push_str("executor = \"heavy\"\n");
        }
        if rng.chance(0.2) {
            out.push_str("jobstore = \"durable\"\n");
        }
        if rng.chance(0.05) {
            out.push_str("coalesce = false\n");
        }
        if rng.chance(0.05) {
            let _ = writeln!(out, "max_instances = {}", rng.range(2, 3));
        }
        if rng.chance(0.2) {
            let grace = rng.pick(&["1s", "5s", "10s", "1m", "5m", "1h", "none"]);
            let _ = writeln!(out, "misfire_grace_time = \"{grace}\"");
        }
    }
    out
}

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

const STEMS: &[&str] = &[
    "export",
    "sync",
    "report",
    "cleanup",
    "backup",
    "etl",
    "digest",
    "poll",
    "refresh",
    "rotate",
    "reindex",
    "billing",
    "metrics",
    "invoice",
    "mailer",
    "scrape",
    "prune",
    "audit",
    "thumbnail",
    "healthcheck",
];

const ZONES: &[&str] = &[
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// One drawn job: its trigger string and its run time.
struct Generated {
    trigger: String,
    duration_ms: u64,
}

impl Generated {
    fn draw(rng: &mut SplitMix64) -> Generated {
        let class = rng.range(0, 99);
        let (trigger, lo, hi) = match class {
            0..=5 => (frequent(rng), 100, 5 * SECOND),
            6..=15 => (quarter_hourly(rng), 500, MINUTE),
            16..=40 => (hourly(rng), SECOND, 5 * MINUTE),
            41..=76 => (daily(rng), 10 * SECOND, 45 * MINUTE),
            77..=91 => (weekly_or_monthly(rng), 5 * MINUTE, 2 * HOUR),
            _ => (one_off(rng), MINUTE, HOUR),
        };
        Generated {
            trigger,
            duration_ms: rng.log_uniform(lo, hi),
        }
    }
}

/// A cron trigger's optional tail: a zone of its own (1 in 4), an end date (1 in 30).
fn cron_tail(rng: &mut SplitMix64) -> String {
    let mut tail = String::new();
    if rng.chance(0.25) {
        let _ = write!(tail, " timezone={}", rng.pick(ZONES));
    }
    if rng.chance(1.0 / 30.0) {
        let _ = write!(tail, " end_date=2026-{:02}-01", rng.range(2, 12));
    }
    tail
}

/// An interval's start: some time in December 2025, to the second.
fn interval_start(rng: &mut SplitMix64) -> String {
    format!(
        "start_date=2025-12-{:02}T{:02}:{:02}:{:02}",
        rng.range(1, 31),
        rng.range(0, 23),
        rng.range(0, 59),
        rng.range(0, 59)
    )
}

fn frequent(rng: &mut SplitMix64) -> String {
    match rng.range(0, 2) {
        0 => {
            let n = rng.pick(&[1, 2, 5]);
            format!("cron:minute=*/{n}{}", cron_tail(rng))
        }
        1 => format!("crontab:*/{} * * * *", rng.pick(&[1, 2, 3, 5])),
        _ => format!(
            "interval:seconds={} {}",
            rng.pick(&[30, 45, 60, 90, 120, 300]),
            interval_start(rng)
        ),
    }
}

fn quarter_hourly(rng: &mut SplitMix64) -> String {
    match rng.range(0, 2) {
        0 => {
            let n = rng.pick(&[10, 15, 20, 30]);
            format!("cron:minute={}/{n}{}", rng.range(0, n - 1), cron_tail(rng))
        }
        1 => format!("crontab:*/{} * * * *", rng.pick(&[10, 15, 30])),
        _ => format!(
            "interval:minutes={} {}",
            rng.range(10, 30),
            interval_start(rng)
        ),
    }
}

/// A minute of the hour: a third of people pick :00.
fn minute(rng: &mut SplitMix64) -> u64 {
    if rng.chance(1.0 / 3.0) {
        0
    } else {
        rng.range(0, 59)
    }
}

fn hourly(rng: &mut SplitMix64) -> String {
    match rng.range(0, 3) {
        0 => format!("cron:minute={}{}", minute(rng), cron_tail(rng)),
        1 => format!(
            "cron:hour=*/{} minute={}{}",
            rng.pick(&[2, 3, 4, 6]),
            minute(rng),
            cron_tail(rng)
        ),
        2 => format!("crontab:{} 8-18 * * 1-5", minute(rng)),
        _ => format!("interval:hours={} {}", rng.range(1, 6), interval_start(rng)),
    }
}

fn daily(rng: &mut SplitMix64) -> String {
    // Nightly batch hours are popular.
    let hour = if rng.chance(0.5) {
        rng.range(0, 5)
    } else {
        rng.range(0, 23)
    };
    match rng.range(0, 3) {
        0 => format!("cron:hour={hour} minute={}{}", minute(rng), cron_tail(rng)),
        1 => format!("crontab:{} {hour} * * *", minute(rng)),
        2 => format!(
            "cron:day_of_week=mon-fri hour={hour} minute={}{}",
            minute(rng),
            cron_tail(rng)
        ),
        _ => format!("interval:days=1 {}", interval_start(rng)),
    }
}

fn weekly_or_monthly(rng: &mut SplitMix64) -> String {
    let hour = rng.range(0, 6);
    match rng.range(0, 5) {
        0 => format!(
            "cron:day_of_week={} hour={hour}{}",
            rng.pick(&["sun", "sat", "mon", "fri"]),
            cron_tail(rng)
        ),
        1 => format!(
            "cron:day=last hour={} minute={}{}",
            rng.range(18, 23),
            minute(rng),
            cron_tail(rng)
        ),
        2 => format!("cron:day=1st mon hour={hour}{}", cron_tail(rng)),
        3 => format!("cron:day=last sun hour={hour}{}", cron_tail(rng)),
        4 => format!("crontab:{} {hour} 1 * *", minute(rng)),
        _ => format!("cron:month=1,4,7,10 day=1 hour={hour}{}", cron_tail(rng)),
    }
}

fn one_off(rng: &mut SplitMix64) -> String {
    format!(
        "date:run_date=2026-{:02}-{:02}T{:02}:{:02}:00",
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 23),
        rng.range(0, 59)
    )
}

/// Milliseconds in humantime syntax (`2h 5m`, `1m 30s`, `4s 250ms`), rounded to what a
/// person would write for that length.
fn humantime_ms(ms: u64) -> String {
    let ms = match ms {
        0..=999 => ms.div_ceil(10) * 10,
        1_000..=59_999 => ms / 100 * 100,
        60_000..=3_599_999 => ms / SECOND * SECOND,
        _ => ms / MINUTE * MINUTE,
    };
    let parts = [
        (ms / HOUR, "h"),
        (ms % HOUR / MINUTE, "m"),
        (ms % MINUTE / SECOND, "s"),
        (ms % SECOND, "ms"),
    ];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if text.is_empty() {
        "0s".into()
    } else {
        text.join(" ")
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, and the same numbers on every platform, so
/// a generated file never changes under a bench.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() as u64 - 1) as usize]
    }

    /// Log-uniform in `lo..=hi` (`lo` > 0): as many runs of 1–10 s as of 10–100 s.
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        ((l + (h - l) * self.unit()).exp().round() as u64).clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schedctl_core::{simulate, JobFile};
    use schedctl_trigger::Instant;

    #[test]
    fn generated_file_parses_with_the_requested_job_count() {
        let text = job_file(1000, 0);
        let file = JobFile::parse(&text).unwrap_or_else(|e| panic!("{}", e.render("gen.toml")));
        assert_eq!(file.jobs.len(), 1000);
        assert_eq!(file.executors.len(), 2);
        let default = file.executors.iter().find(|e| e.name == "default");
        assert_eq!(default.map(|e| e.max_workers), Some(10));
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_file() {
        assert_eq!(job_file(300, 42), job_file(300, 42));
        assert_ne!(job_file(300, 42), job_file(300, 43));
    }

    #[test]
    fn mix_has_every_kind_and_policy() {
        let text = job_file(1000, 0);
        for needle in [
            "trigger = \"cron:",
            "trigger = \"crontab:",
            "trigger = \"interval:",
            "trigger = \"date:",
            "timezone=Europe/Berlin",
            "coalesce = false",
            "max_instances = 2",
            "max_instances = 3",
            "misfire_grace_time = \"1s\"",
            "misfire_grace_time = \"none\"",
            "executor = \"heavy\"",
            "end_date=",
        ] {
            assert!(text.contains(needle), "no `{needle}` in the generated file");
        }
        let file = JobFile::parse(&text).expect("valid");
        let longest = file.jobs.iter().map(|j| j.duration.as_micros()).max();
        let shortest = file.jobs.iter().map(|j| j.duration.as_micros()).min();
        assert!(longest <= Some(2 * 3_600_000_000) && longest > Some(3_600_000_000));
        assert!(shortest >= Some(100_000) && shortest < Some(1_000_000));
    }

    #[test]
    fn generated_file_simulates_a_day() {
        let file = JobFile::parse(&job_file(200, 1)).expect("valid");
        let from = Instant::from_unix_seconds(1_767_225_600); // 2026-01-01T00:00:00Z
        let to = Instant::from_unix_seconds(1_767_225_600 + 86_400);
        let sim = simulate(&file, from, to, 0).expect("simulates");
        assert!(sim.ledger.len() > 1_000, "{} fires", sim.ledger.len());
    }

    #[test]
    fn durations_print_in_humantime() {
        assert_eq!(humantime_ms(100), "100ms");
        assert_eq!(humantime_ms(4_250), "4s 200ms");
        assert_eq!(humantime_ms(90_500), "1m 30s");
        assert_eq!(humantime_ms(2 * HOUR), "2h");
        assert_eq!(humantime_ms(3_725_000), "1h 2m");
    }
}
