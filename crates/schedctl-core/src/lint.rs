//! Lints: semantic warnings about schedules that are valid but probably not what was meant.
//!
//! Each lint has a stable code, names the job and field, says why in one line and how to fix
//! it. Trigger lints look at a trigger's fires in a window; job-file lints also run the
//! simulation over the window (misses from queueing, crowded instants).

use std::collections::BTreeMap;

use schedctl_trigger::{Expr, Instant, JitterRng, Trigger, Tz, ZonedTime};

use crate::duration::Micros;
use crate::jobfile::JobFile;
use crate::ledger::{Rule, Status};
use crate::simulate::Simulation;

/// The kinds of lint, with stable codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintCode {
    /// No fire at or after the window's start.
    NeverFires,
    /// A day of month that not every month has (29, 30, 31).
    SkipsMonths,
    /// A fire moved by a DST gap.
    DstGap,
    /// A wall time fired twice in a DST fold.
    DstFold,
    /// Numeric weekdays in a `crontab:` line (APScheduler 3.x: 0 = Monday).
    CrontabNumericWeekday,
    /// Runs last as long as the period with max_instances = 1: fires are dropped.
    Overrun,
    /// Runs missed because the pool queued them longer than the misfire grace.
    GraceTooShort,
    /// More jobs fire at one instant than the executor has workers.
    Crowded,
    /// An interval without start_date: its fires depend on when the scheduler starts.
    IntervalWithoutStart,
    /// Jitter as long as the period between fires.
    JitterOverPeriod,
}

impl LintCode {
    /// Every code.
    pub const ALL: [LintCode; 10] = [
        LintCode::NeverFires,
        LintCode::SkipsMonths,
        LintCode::DstGap,
        LintCode::DstFold,
        LintCode::CrontabNumericWeekday,
        LintCode::Overrun,
        LintCode::GraceTooShort,
        LintCode::Crowded,
        LintCode::IntervalWithoutStart,
        LintCode::JitterOverPeriod,
    ];

    /// The code as written on the command line (`--deny dst-gap`).
    pub fn name(self) -> &'static str {
        match self {
            LintCode::NeverFires => "never-fires",
            LintCode::SkipsMonths => "skips-months",
            LintCode::DstGap => "dst-gap",
            LintCode::DstFold => "dst-fold",
            LintCode::CrontabNumericWeekday => "crontab-numeric-weekday",
            LintCode::Overrun => "overrun",
            LintCode::GraceTooShort => "grace-too-short",
            LintCode::Crowded => "crowded",
            LintCode::IntervalWithoutStart => "interval-without-start",
            LintCode::JitterOverPeriod => "jitter-over-period",
        }
    }

    /// The code of a name.
    pub fn from_name(name: &str) -> Option<LintCode> {
        LintCode::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// What kind.
    pub code: LintCode,
    /// The job (none when linting a lone trigger).
    pub job: Option<String>,
    /// The field or key concerned.
    pub field: &'static str,
    /// Why, in one line.
    pub message: String,
    /// How to fix it, in one line.
    pub fix: String,
}

const SCAN_LIMIT: usize = 100_000;

/// The fires of a trigger in `[from, to)` as (raw, canonical) pairs, at most [`SCAN_LIMIT`].
fn fires(trigger: &Trigger, from: Instant, to: Instant) -> Vec<(ZonedTime, ZonedTime)> {
    let mut out = Vec::new();
    let Ok(schedule) = trigger.schedule(from) else {
        return out;
    };
    let zone = Tz::Zone(schedule.zone());
    let Ok(mut now) = ZonedTime::from_instant(from, Tz::Fixed(0)) else {
        return out;
    };
    let mut prev: Option<ZonedTime> = None;
    let mut rng = JitterRng::new(0);
    while out.len() < SCAN_LIMIT {
        let Ok(Some(raw)) = schedule.next_fire_time(prev.as_ref(), &now, &mut rng) else {
            break;
        };
        if raw.instant() >= to {
            break;
        }
        let Ok(canonical) = raw.canonical_in(zone) else {
            break;
        };
        out.push((raw, canonical));
        now = raw;
        prev = Some(raw);
    }
    out
}

/// The shortest time between two consecutive fires, if there are two.
fn min_gap(fires: &[(ZonedTime, ZonedTime)]) -> Option<Micros> {
    fires
        .windows(2)
        .map(|w| {
            Micros::from_micros(w[1].1.instant().unix_micros() - w[0].1.instant().unix_micros())
        })
        .filter(|g| g.as_micros() > 0)
        .min()
}

fn date_list(times: &[ZonedTime]) -> String {
    let mut dates: Vec<String> = times.iter().map(|t| t.to_string()).collect();
    dates.dedup();
    if dates.len() > 3 {
        format!("{} and {} more", dates[..3].join(", "), dates.len() - 3)
    } else {
        dates.join(", ")
    }
}

/// Lints one trigger over `[from, to)`; `text` is the trigger as written.
pub fn lint_trigger(
    text: &str,
    trigger: &Trigger,
    job: Option<&str>,
    from: Instant,
    to: Instant,
) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut push = |code, field, message: String, fix: &str| {
        out.push(Lint {
            code,
            job: job.map(str::to_owned),
            field,
            message,
            fix: fix.to_owned(),
        });
    };
    let fs = fires(trigger, from, to);
    let ever = trigger
        .schedule(from)
        .ok()
        .and_then(|s| s.fires(from).ok().and_then(|mut f| f.next()))
        .and_then(Result::ok);
    if ever.is_none() {
        push(
            LintCode::NeverFires,
            "trigger",
            "it never fires at or after the window's start".into(),
            "check the year, day/month combination and end_date",
        );
    }
    if let Trigger::Cron(c) = trigger {
        let [_, month, day, ..] = c.fields();
        let months_short: Vec<u32> = (1..=12)
            .filter(|m| month.exprs().iter().any(|e| expr_allows(e, *m)))
            .collect();
        let long_days: Vec<u32> = (29..=31)
            .filter(|d| {
                day.exprs().iter().any(|e| {
                    matches!(e, Expr::Range { .. } | Expr::All { step: Some(_) })
                        && expr_allows(e, *d)
                })
            })
            .collect();
        if let Some(&d) = long_days.iter().min() {
            let missing: Vec<u32> = months_short
                .iter()
                .copied()
                .filter(|m| days_in_month_max(*m) < d)
                .collect();
            if !missing.is_empty() && !day.exprs().iter().any(|e| matches!(e, Expr::LastDay)) {
                push(
                    LintCode::SkipsMonths,
                    "day",
                    format!("day {d} does not exist in {} of its months: those months have no fire that day", missing.len()),
                    "use `day=last` for the last day of every month",
                );
            }
        }
    }
    let gaps: Vec<ZonedTime> = fs
        .iter()
        .filter(|(raw, canon)| raw.local_micros() != canon.local_micros())
        .map(|p| p.1)
        .collect();
    if !gaps.is_empty() {
        push(
            LintCode::DstGap,
            "hour",
            format!("{} fires fall in a DST gap and run shifted by the gap: {}", gaps.len(), date_list(&gaps)),
            "move the job out of the transition hour, or accept the shift (APScheduler 3.x behaviour)",
        );
    }
    let folds: Vec<ZonedTime> = fs
        .iter()
        .filter(|(_, canon)| canon.fold())
        .map(|p| p.1)
        .collect();
    if !folds.is_empty() {
        push(
            LintCode::DstFold,
            "hour",
            format!(
                "{} wall times fire twice in a DST fold: {}",
                folds.len(),
                date_list(&folds)
            ),
            "move the job out of the repeated hour, or use UTC",
        );
    }
    if let Some(fields) = text.trim_start().strip_prefix("crontab:") {
        if fields
            .split_whitespace()
            .nth(4)
            .is_some_and(|dow| dow.bytes().any(|b| b.is_ascii_digit()))
        {
            push(
                LintCode::CrontabNumericWeekday,
                "day_of_week",
                "numeric weekdays: APScheduler 3.x reads 0 as Monday, most crons read it as Sunday"
                    .into(),
                "write weekday names (mon-fri, sun)",
            );
        }
    }
    if let Trigger::Interval(i) = trigger {
        if i.start_date().is_none() {
            push(
                LintCode::IntervalWithoutStart,
                "start_date",
                "no start_date: the fires depend on when the scheduler starts".into(),
                "give start_date to pin the fires to the clock",
            );
        }
    }
    if let (Some(j), Some(gap)) = (trigger.jitter(), min_gap(&fs)) {
        if j.saturating_mul(1_000_000) >= gap.as_micros() {
            push(
                LintCode::JitterOverPeriod,
                "jitter",
                format!("jitter {j}s is as long as the {gap} between fires: fires can swap order or merge"),
                "keep jitter well below the period",
            );
        }
    }
    out
}

fn expr_allows(e: &Expr, v: u32) -> bool {
    match *e {
        Expr::All { step } => (v - 1).is_multiple_of(step.unwrap_or(1)),
        Expr::Range { first, last, step } => {
            let last = last.unwrap_or(31);
            v >= first && v <= last && (v - first).is_multiple_of(step.unwrap_or(1))
        }
        Expr::MonthRange { first, last } => v >= first && v <= last,
        _ => false,
    }
}

fn days_in_month_max(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Lints every job of a file over `[from, to)`, using the simulation `sim` of that window.
pub fn lint_file(file: &JobFile, sim: &Simulation, from: Instant, to: Instant) -> Vec<Lint> {
    let mut out = Vec::new();
    for (i, job) in file.jobs.iter().enumerate() {
        out.extend(lint_trigger(
            &job.trigger_text,
            &job.trigger,
            Some(&job.id),
            from,
            to,
        ));
        let fs = fires(&job.trigger, from, to);
        if let Some(gap) = min_gap(&fs) {
            if job.max_instances == 1 && job.duration >= gap {
                out.push(Lint {
                    code: LintCode::Overrun,
                    job: Some(job.id.clone()),
                    field: "duration",
                    message: format!("a run takes {} but fires come every {gap}: with max_instances = 1 fires are dropped", job.duration),
                    fix: "raise max_instances, shorten the run, or fire less often".into(),
                });
            }
        }
        let missed: Vec<Micros> = sim
            .ledger
            .iter()
            .filter(|e| e.job == i && e.status == Status::Missed)
            .filter_map(|e| match e.rule {
                Rule::LateBeyondGrace { late, .. } => Some(late),
                _ => None,
            })
            .collect();
        if let (Some(worst), Some(grace)) = (missed.iter().max(), job.misfire_grace_time) {
            out.push(Lint {
                code: LintCode::GraceTooShort,
                job: Some(job.id.clone()),
                field: "misfire_grace_time",
                message: format!("{} runs missed: they waited up to {worst} for a worker, beyond the {grace} grace", missed.len()),
                fix: format!("raise misfire_grace_time above {worst}, or add workers to `{}`", file.executor_of(job).name),
            });
        }
    }
    // Crowded instants: more fires at one instant on one executor than it has workers.
    let mut at: BTreeMap<(usize, Instant), Vec<usize>> = BTreeMap::new();
    for e in &sim.ledger {
        at.entry((file.jobs[e.job].executor, e.fire.instant()))
            .or_default()
            .push(e.job);
    }
    let mut reported = vec![false; file.executors.len()];
    for ((exec, instant), jobs) in at {
        let workers = file.executors[exec].max_workers as usize;
        if jobs.len() > workers && !reported[exec] {
            reported[exec] = true;
            let zone = Tz::Zone(file.timezone);
            let when = ZonedTime::from_instant(instant, zone)
                .map_or_else(|_| "?".into(), |t| t.to_string());
            out.push(Lint {
                code: LintCode::Crowded,
                job: None,
                field: "max_workers",
                message: format!(
                    "{} jobs fire at {when} on executor `{}`, which has {workers} workers (first such instant)",
                    jobs.len(),
                    file.executors[exec].name
                ),
                fix: "spread the jobs over the minute/hour, or add workers".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use schedctl_trigger::Zone;

    const FROM: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
    const YEAR: i64 = 365 * 86_400;

    fn codes(text: &str, zone: &str) -> Vec<LintCode> {
        let t = Trigger::parse_in(text, Zone::get(zone).expect("zone")).expect("valid");
        lint_trigger(
            text,
            &t,
            None,
            Instant::from_unix_seconds(FROM),
            Instant::from_unix_seconds(FROM + YEAR),
        )
        .into_iter()
        .map(|l| l.code)
        .collect()
    }

    #[test]
    fn each_trigger_lint_fires_and_stays_quiet() {
        assert_eq!(
            codes("cron:month=2 day=30", "UTC"),
            vec![LintCode::NeverFires, LintCode::SkipsMonths]
        );
        assert_eq!(codes("cron:year=2001", "UTC"), vec![LintCode::NeverFires]);
        assert!(codes("cron:day=1", "UTC").is_empty());
        assert_eq!(
            codes("cron:day=31 hour=6", "UTC"),
            vec![LintCode::SkipsMonths]
        );
        assert!(codes("cron:day=last hour=6", "UTC").is_empty());
        assert_eq!(
            codes("cron:hour=2 minute=30", "Europe/Berlin"),
            vec![LintCode::DstGap, LintCode::DstFold]
        );
        assert!(codes("cron:hour=12", "Europe/Berlin").is_empty());
        assert_eq!(
            codes("crontab:0 9 * * 1-5", "UTC"),
            vec![LintCode::CrontabNumericWeekday]
        );
        assert!(codes("crontab:0 9 * * mon-fri", "UTC").is_empty());
        assert_eq!(
            codes("interval:hours=1", "UTC"),
            vec![LintCode::IntervalWithoutStart]
        );
        assert!(codes("interval:hours=1 start_date=2026-01-01", "UTC").is_empty());
        assert!(
            codes("interval:minutes=1 start_date=2026-01-01 jitter=90", "UTC")
                .contains(&LintCode::JitterOverPeriod)
        );
        assert!(
            !codes("interval:minutes=10 start_date=2026-01-01 jitter=5", "UTC")
                .contains(&LintCode::JitterOverPeriod)
        );
    }

    fn file_codes(text: &str) -> Vec<LintCode> {
        let file = JobFile::parse(text).expect("valid");
        let (from, to) = (
            Instant::from_unix_seconds(FROM),
            Instant::from_unix_seconds(FROM + 86_400),
        );
        let sim = crate::simulate(&file, from, to, 0).expect("simulates");
        lint_file(&file, &sim, from, to)
            .into_iter()
            .map(|l| l.code)
            .collect()
    }

    #[test]
    fn each_job_lint_fires_and_stays_quiet() {
        let base = "[[job]]\nid = \"a\"\ntrigger = \"interval:minutes=5 start_date=2026-01-01\"\n";
        assert!(file_codes(&format!("{base}duration = \"1m\"\n")).is_empty());
        assert_eq!(
            file_codes(&format!("{base}duration = \"5m\"\n")),
            vec![LintCode::Overrun]
        );
        assert!(file_codes(&format!("{base}duration = \"5m\"\nmax_instances = 2\n")).is_empty());
        let queued = "[executor]\nmax_workers = 1\n[[job]]\nid = \"a\"\ntrigger = \"cron:minute=0\"\nduration = \"10m\"\n[[job]]\nid = \"b\"\ntrigger = \"cron:minute=0\"\nduration = \"10m\"\n";
        let c = file_codes(queued);
        assert!(
            c.contains(&LintCode::GraceTooShort) && c.contains(&LintCode::Crowded),
            "{c:?}"
        );
        let roomy = queued.replace("max_workers = 1", "max_workers = 2");
        assert!(file_codes(&roomy).is_empty());
    }
}
