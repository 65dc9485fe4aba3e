//! Next fire, random queries and parsing: schedctl against the `cron` and `croner` crates,
//! measured in the same run (see benches/README.md for the latest numbers). The `or` and
//! `calendarinterval` cases walk consecutive fires like the others: each next fire is asked
//! with the previous one, which both kinds need.

use std::hint::black_box;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz as ChronoTz;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use schedctl_trigger::{Instant, Schedule, Trigger, Tz, ZonedTime};

/// One schedule in each engine's syntax (`None` where the engine cannot express it).
struct Case {
    name: &'static str,
    schedctl: &'static str,
    cron: Option<&'static str>,
    croner: Option<&'static str>,
    zone: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "every_minute",
        schedctl: "cron:minute=*",
        cron: Some("0 * * * * * *"),
        croner: Some("0 * * * * *"),
        zone: "UTC",
    },
    Case {
        name: "every_second",
        schedctl: "cron:second=*",
        cron: Some("* * * * * * *"),
        croner: Some("* * * * * *"),
        zone: "UTC",
    },
    Case {
        name: "every_15min_9to17_weekdays",
        schedctl: "cron:day_of_week=mon-fri hour=9-17 minute=*/15",
        cron: Some("0 */15 9-17 * * Mon-Fri *"),
        croner: Some("0 */15 9-17 * * 1-5"),
        zone: "UTC",
    },
    Case {
        name: "daily_0230_berlin",
        schedctl: "cron:hour=2 minute=30 timezone=Europe/Berlin",
        cron: Some("0 30 2 * * * *"),
        croner: Some("0 30 2 * * *"),
        zone: "Europe/Berlin",
    },
    Case {
        name: "last_sunday",
        schedctl: "cron:day=last sun",
        cron: None,
        croner: Some("0 0 0 * * 0#L"),
        zone: "UTC",
    },
    Case {
        name: "third_friday_0to3",
        schedctl: "cron:day=3rd fri hour=0-3",
        cron: None,
        croner: Some("0 0 0-3 * * 5#3"),
        zone: "UTC",
    },
    Case {
        name: "feb29_noon",
        schedctl: "cron:month=2 day=29 hour=12",
        cron: Some("0 0 12 29 2 * *"),
        croner: Some("0 0 12 29 2 *"),
        zone: "UTC",
    },
    Case {
        name: "interval_90min",
        schedctl: "interval:minutes=90 start_date=2026-01-01",
        cron: None,
        croner: None,
        zone: "UTC",
    },
    // Two daily times at different minutes: one pattern cannot say it.
    Case {
        name: "or_two_crons",
        schedctl: "or:[cron:hour=6 minute=0] [cron:hour=18 minute=30]",
        cron: None,
        croner: None,
        zone: "UTC",
    },
    // The same shape where one pattern can: the `or` against a list of hours.
    Case {
        name: "or_two_crons_same_minute",
        schedctl: "or:[cron:hour=6] [cron:hour=18]",
        cron: Some("0 0 6,18 * * * *"),
        croner: Some("0 0 6,18 * * *"),
        zone: "UTC",
    },
    // Every month from a 31st, skipping months without one (APScheduler 3.11): the fires
    // of day 31 at 09:00, which the peers can say.
    Case {
        name: "calendarinterval_monthly",
        schedctl: "calendarinterval:months=1 hour=9 start_date=2026-01-31",
        cron: Some("0 0 9 31 * * *"),
        croner: Some("0 0 9 31 * *"),
        zone: "UTC",
    },
];

/// Whether random queries mean anything for the case: a calendar interval's first fire is
/// its start date however late `now` is (APScheduler's rule), so they would time one answer.
fn answers_now(case: &Case) -> bool {
    !case.schedctl.starts_with("calendarinterval:")
}

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn schedule(case: &Case) -> Schedule {
    let trigger: Trigger = case.schedctl.parse().expect("bench triggers are valid");
    trigger
        .schedule(Instant::from_unix_seconds(START))
        .expect("in range")
}

fn chrono_zone(case: &Case) -> ChronoTz {
    case.zone.parse().expect("bench zones are valid")
}

/// Consecutive fires per walk before every engine starts again from 2026-01-01: a walk of
/// 1,000 daily fires crosses both DST changes of three years, and no engine wanders past the
/// years schedules are really about.
const WALK: u32 = 1_000;

fn next_fire(c: &mut Criterion) {
    let mut g = c.benchmark_group("next_fire");
    for case in CASES {
        let s = schedule(case);
        let from = Instant::from_unix_seconds(START);
        let mut it = s.fires(from).expect("in range");
        let mut n = 0;
        g.bench_function(BenchmarkId::new(case.name, "schedctl"), |b| {
            b.iter(|| {
                n += 1;
                if n == WALK {
                    n = 0;
                    it = s.fires(from).expect("in range");
                }
                match it.next() {
                    Some(f) => f,
                    None => {
                        it = s.fires(from).expect("in range");
                        it.next().expect("fires again")
                    }
                }
            })
        });
        let tz = chrono_zone(case);
        let start: DateTime<ChronoTz> = Utc
            .timestamp_opt(START, 0)
            .single()
            .expect("valid")
            .with_timezone(&tz);
        if let Some(expr) = case.cron {
            let sched = cron::Schedule::from_str(expr).expect("valid for cron");
            let mut it = sched.after(&start);
            let mut n = 0;
            g.bench_function(BenchmarkId::new(case.name, "cron"), |b| {
                b.iter(|| {
                    n += 1;
                    if n == WALK {
                        n = 0;
                        it = sched.after(&start);
                    }
                    match it.next() {
                        Some(f) => f,
                        None => {
                            it = sched.after(&start);
                            it.next().expect("fires again")
                        }
                    }
                })
            });
        }
        if let Some(expr) = case.croner {
            let cron = croner::Cron::from_str(expr).expect("valid for croner");
            let mut last = start;
            let mut n = 0;
            g.bench_function(BenchmarkId::new(case.name, "croner"), |b| {
                b.iter(|| {
                    n += 1;
                    if n == WALK {
                        n = 0;
                        last = start;
                    }
                    last = cron.find_next_occurrence(&last, false).unwrap_or(start);
                    last
                })
            });
        }
    }
    g.finish();
}

/// 10,000 instants spread over 1995..2035 (a fixed LCG, so every run asks the same).
fn random_instants() -> Vec<i64> {
    let (lo, hi) = (788_918_400i64, 2_051_222_400i64);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..10_000)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            lo + ((x >> 11) % (hi - lo) as u64) as i64
        })
        .collect()
}

fn random_query(c: &mut Criterion) {
    let mut g = c.benchmark_group("random_query");
    let instants = random_instants();
    g.throughput(Throughput::Elements(instants.len() as u64));
    for case in CASES.iter().filter(|c| answers_now(c)) {
        let trigger: Trigger = case.schedctl.parse().expect("valid");
        let s = trigger
            .schedule(Instant::from_unix_seconds(START))
            .expect("in range");
        let utc = Tz::Fixed(0);
        let zoned: Vec<ZonedTime> = instants
            .iter()
            .map(|t| {
                ZonedTime::from_instant(Instant::from_unix_seconds(*t), utc).expect("in range")
            })
            .collect();
        g.bench_function(BenchmarkId::new(case.name, "schedctl"), |b| {
            let mut rng = schedctl_trigger::JitterRng::new(0);
            b.iter(|| {
                for now in &zoned {
                    black_box(s.next_fire_time(None, now, &mut rng).ok());
                }
            })
        });
        let tz = chrono_zone(case);
        let chrono_instants: Vec<DateTime<ChronoTz>> = instants
            .iter()
            .map(|t| {
                Utc.timestamp_opt(*t, 0)
                    .single()
                    .expect("valid")
                    .with_timezone(&tz)
            })
            .collect();
        if let Some(expr) = case.cron {
            let sched = cron::Schedule::from_str(expr).expect("valid");
            g.bench_function(BenchmarkId::new(case.name, "cron"), |b| {
                b.iter(|| {
                    for t in &chrono_instants {
                        black_box(sched.after(t).next());
                    }
                })
            });
        }
        if let Some(expr) = case.croner {
            let cron = croner::Cron::from_str(expr).expect("valid");
            g.bench_function(BenchmarkId::new(case.name, "croner"), |b| {
                b.iter(|| {
                    for t in &chrono_instants {
                        black_box(cron.find_next_occurrence(t, true).ok());
                    }
                })
            });
        }
    }
    g.finish();
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for case in CASES {
        g.bench_function(BenchmarkId::new(case.name, "schedctl"), |b| {
            b.iter(|| black_box(case.schedctl).parse::<Trigger>().expect("valid"))
        });
        if let Some(expr) = case.cron {
            g.bench_function(BenchmarkId::new(case.name, "cron"), |b| {
                b.iter(|| cron::Schedule::from_str(black_box(expr)).expect("valid"))
            });
        }
        if let Some(expr) = case.croner {
            g.bench_function(BenchmarkId::new(case.name, "croner"), |b| {
                b.iter(|| croner::Cron::from_str(black_box(expr)).expect("valid"))
            });
        }
    }
    g.finish();
}

/// Triggers that can never fire must say so fast (target: well under 1 ms each).
fn never_fires(c: &mut Criterion) {
    let mut g = c.benchmark_group("never_fires");
    for (name, text) in [
        ("feb31", "cron:month=2 day=31"),
        ("year_in_the_past", "cron:year=2001"),
        (
            "end_before_start",
            "cron:hour=1 start_date=2026-06-01 end_date=2026-01-01",
        ),
        ("week53_feb", "cron:week=53 month=2"),
    ] {
        let trigger: Trigger = text.parse().expect("valid");
        let from = Instant::from_unix_seconds(START);
        let s = trigger.schedule(from).expect("in range");
        g.bench_function(name, |b| {
            b.iter(|| {
                let first = s.fires(from).expect("in range").next();
                assert!(first.is_none(), "{text} fired");
                first
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .sample_size(20);
    targets = next_fire, random_query, parse, never_fires
}
criterion_main!(benches);
