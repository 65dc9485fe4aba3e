//! Lints: semantic warnings about schedules that are valid but probably not what was meant.
//!
//! Each lint has a stable code, names the job and field, says why in one line and how to fix
//! it. Trigger lints look at a trigger's fires in a window; job-file lints also run the
//! simulation over the window (misses from queueing, crowded instants).

use std::collections::BTreeMap;

use schedctl_trigger::{
    CalendarIntervalTrigger, EvalError, Expr, Instant, JitterRng, Trigger, Tz, ZonedTime,
};

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
    /// An `and` that APScheduler 3.11 loops on for ever after a fire: the scheduler freezes.
    AndFreezes,
    /// A calendar interval whose first fire lies before the start: APScheduler replays it.
    CalendarintervalPastStart,
    /// A calendar interval that skips dates (a day some months lack, a time in a DST gap).
    CalendarintervalSkips,
    /// An `or` with an interval child, which counts from any child's fire.
    OrIntervalChild,
}

impl LintCode {
    /// Every code.
    pub const ALL: [LintCode; 14] = [
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
        LintCode::AndFreezes,
        LintCode::CalendarintervalPastStart,
        LintCode::CalendarintervalSkips,
        LintCode::OrIntervalChild,
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
            LintCode::AndFreezes => "and-freezes",
            LintCode::CalendarintervalPastStart => "calendarinterval-past-start",
            LintCode::CalendarintervalSkips => "calendarinterval-skips",
            LintCode::OrIntervalChild => "or-interval-child",
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

/// The fires of a trigger in `[from, to)` as (raw, canonical) pairs, at most [`SCAN_LIMIT`],
/// and the error that ended the walk early (an AndTrigger loop, a date past 9999), if any.
struct Walk {
    fires: Vec<(ZonedTime, ZonedTime)>,
    error: Option<EvalError>,
}

fn walk(trigger: &Trigger, from: Instant, to: Instant) -> Walk {
    let mut out = Walk {
        fires: Vec::new(),
        error: None,
    };
    let schedule = match trigger.schedule(from) {
        Ok(s) => s,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let zone = Tz::Zone(schedule.zone());
    let Ok(mut now) = ZonedTime::from_instant(from, Tz::Fixed(0)) else {
        return out;
    };
    let mut prev: Option<ZonedTime> = None;
    let mut rng = JitterRng::new(0);
    while out.fires.len() < SCAN_LIMIT {
        let raw = match schedule.next_fire_time(prev.as_ref(), &now, &mut rng) {
            Ok(Some(raw)) => raw,
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        if raw.instant() >= to {
            break;
        }
        let Ok(canonical) = raw.canonical_in(zone) else {
            break;
        };
        out.fires.push((raw, canonical));
        now = raw;
        prev = Some(raw);
    }
    out
}

fn fires(trigger: &Trigger, from: Instant, to: Instant) -> Vec<(ZonedTime, ZonedTime)> {
    walk(trigger, from, to).fires
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
    let Walk { fires: fs, error } = walk(trigger, from, to);
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
    // A gap fire reads differently on its own zone's clock (an `or` child may have a zone of
    // its own, so compare in the raw value's zone, not the trigger's).
    let gaps: Vec<ZonedTime> = fs
        .iter()
        .filter(|(raw, _)| {
            raw.canonical_in(raw.tz())
                .is_ok_and(|c| c.local_micros() != raw.local_micros())
        })
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
    if let Some(EvalError::AndTriggerLoops { after, disagree }) = error {
        let zone = Tz::Zone(trigger.zone());
        let show = |t: ZonedTime| {
            t.canonical_in(zone)
                .map_or_else(|_| t.to_string(), |t| t.to_string())
        };
        let fix = match merged_cron(trigger, &fs) {
            Some(one) => format!("fire where all agree with one trigger: `{one}` (the same fires, without the loop)"),
            None => "make the triggers agree after every fire, or use one `cron:` trigger with all the conditions".into(),
        };
        out.push(Lint {
            code: LintCode::AndFreezes,
            job: job.map(str::to_owned),
            field: "trigger",
            message: format!(
                "APScheduler 3.11 freezes after the fire at {}: its triggers then answer {} and {}, and the AndTrigger loops for ever in the scheduler thread, so every job stops",
                show(after),
                show(disagree.0),
                show(disagree.1)
            ),
            fix,
        });
    }
    if let Trigger::CalendarInterval(c) = trigger {
        out.extend(calendar_lints(c, &fs, job, from, to));
    }
    if let Trigger::Or(c) = trigger {
        if let Some(child) = c
            .children()
            .iter()
            .find(|t| matches!(t, Trigger::Interval(_) | Trigger::CalendarInterval(_)))
        {
            out.push(Lint {
                code: LintCode::OrIntervalChild,
                job: job.map(str::to_owned),
                field: "trigger",
                message: format!("`{child}` counts from the previous fire of any trigger of the `or` (APScheduler hands each child the combination's previous fire): every fire of another child restarts it"),
                fix: "give the interval a job of its own, or express it as a cron trigger".into(),
            });
        }
    }
    out
}

/// For an `and` of cron triggers in one zone whose fields do not conflict (each field `*` in
/// all but at most one of them, or the same in all), one cron trigger with every field
/// written out: it fires exactly where they all agree. Checked against the fires found
/// before the freeze; `None` when no such trigger exists.
fn merged_cron(trigger: &Trigger, fires: &[(ZonedTime, ZonedTime)]) -> Option<String> {
    let Trigger::And(c) = trigger else {
        return None;
    };
    let crons: Vec<_> = c
        .children()
        .iter()
        .map(|t| match t {
            Trigger::Cron(cron) if cron.jitter().is_none() && cron.dst().is_default() => Some(cron),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let zone = crons.first()?.zone();
    if crons.iter().any(|x| x.zone() != zone) {
        return None;
    }
    let mut parts = Vec::new();
    for i in 0..8 {
        let mut exprs: Vec<String> = crons.iter().map(|x| x.fields()[i].to_string()).collect();
        exprs.retain(|e| e != "*");
        exprs.dedup();
        let name = crons[0].fields()[i].field();
        match exprs.as_slice() {
            [] if i == 7 => parts.push(format!("{name}=*")),
            [] => {}
            [one] => parts.push(format!("{name}={one}")),
            _ => return None,
        }
    }
    let text = format!("cron:{} timezone={zone}", parts.join(" "));
    let merged = Trigger::parse_in(&text, zone).ok()?;
    let (first, last) = (fires.first()?.1.instant(), fires.last()?.1.instant());
    let same = walk(&merged, first, last.add_micros(1)).fires;
    let agree = same.len() == fires.len()
        && same
            .iter()
            .zip(fires)
            .all(|(a, b)| a.1.instant() == b.1.instant());
    agree.then_some(text)
}

/// `calendarinterval-past-start` and `calendarinterval-skips` for one calendar interval whose
/// fires (from the start of the window) are `fs`.
fn calendar_lints(
    c: &CalendarIntervalTrigger,
    fs: &[(ZonedTime, ZonedTime)],
    job: Option<&str>,
    from: Instant,
    to: Instant,
) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut push = |code, field, message: String, fix: String| {
        out.push(Lint {
            code,
            job: job.map(str::to_owned),
            field,
            message,
            fix,
        });
    };
    let before = fs.iter().filter(|f| f.1.instant() < from).count();
    if let Some(first) = fs.first().filter(|_| before > 0) {
        let origin = if c.start_date().is_some() {
            "start_date"
        } else {
            "the start's date (no start_date)"
        };
        push(
            LintCode::CalendarintervalPastStart,
            "start_date",
            format!("the first fire, {} (from {origin}), lies before the start: APScheduler 3.11 returns it anyway and at its first wake-up processes the {before} fire(s) up to the start as overdue (coalesced into one run by default, and missed beyond misfire_grace_time)", first.1),
            "set start_date to the first date that should really fire, on or after the start".into(),
        );
    }
    // The dates the interval steps through, read in UTC (no DST): a month jump that lands on a
    // month without the day, and a date whose time of day falls in a DST gap, are skipped.
    let Ok(twin) = c.without_dst(from) else {
        return out;
    };
    let plain = walk(
        &Trigger::CalendarInterval(twin),
        from,
        to.add_micros(86_400_000_000),
    )
    .fires;
    let [years, months, ..] = c.units();
    let step = years.saturating_mul(12).saturating_add(months);
    let mut skipped_months = Vec::new();
    if step != 0 {
        for pair in plain.windows(2) {
            let (y, m, d) = ymd(&pair[0].0);
            let index = i64::from(y) * 12 + i64::from(m) - 1 + step;
            let (ny, nm) = (index.div_euclid(12) as i32, index.rem_euclid(12) as u32 + 1);
            let in_window = pair[1].0.instant() >= from && pair[0].0.instant() < to;
            if d > days_in(ny, nm) && in_window {
                skipped_months.push(format!("{ny:04}-{nm:02}"));
            }
        }
    }
    if let Some(first) = skipped_months.first() {
        let (_, _, d) = ymd(&plain[0].0);
        push(
            LintCode::CalendarintervalSkips,
            "start_date",
            format!("day {d} does not exist in every month the interval steps to: APScheduler 3.11 skips {first}{}", if skipped_months.len() > 1 { format!(" and {} more month(s) in the window", skipped_months.len() - 1) } else { String::new() }),
            "start on day 28 or earlier, or use `cron:day=last` for month ends".into(),
        );
    }
    let fired: std::collections::BTreeSet<(i32, u32, u32)> = fs.iter().map(|f| ymd(&f.1)).collect();
    let lost: Vec<String> = plain
        .iter()
        .filter(|f| f.0.instant() >= from && f.0.instant() < to)
        .map(|f| ymd(&f.0))
        .filter(|date| !fired.contains(date))
        .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
        .collect();
    if !lost.is_empty() {
        let [h, m, s] = c.time_of_day();
        push(
            LintCode::CalendarintervalSkips,
            "hour",
            format!("{h:02}:{m:02}:{s:02} does not exist on {} in {} (a DST gap): APScheduler 3.11 skips that date", lost.join(", "), c.zone()),
            "choose a time of day outside the transition hour".into(),
        );
    }
    out
}

/// The wall-clock date of a zoned time.
fn ymd(t: &ZonedTime) -> (i32, u32, u32) {
    let text = t.to_string();
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|x| x.parse().ok()).unwrap_or(0);
    (num(0..4) as i32, num(5..7), num(8..10))
}

fn days_in(year: i32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        _ => days_in_month_max(month),
    }
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

    #[test]
    fn combination_and_calendar_lints_fire_and_stay_quiet() {
        let freezing = "and:[cron:day_of_week=mon-fri hour=9] [cron:day=1-7 hour=9]";
        assert_eq!(codes(freezing, "UTC"), vec![LintCode::AndFreezes]);
        let t = Trigger::parse_in(freezing, Zone::utc()).expect("valid");
        let from = Instant::from_unix_seconds(FROM);
        let lints = lint_trigger(freezing, &t, None, from, from.add_micros(YEAR * 1_000_000));
        assert!(
            lints[0]
                .message
                .contains("after the fire at 2026-01-02T09:00:00+00:00"),
            "{lints:?}"
        );
        assert_eq!(
            lints[0].fix,
            "fire where all agree with one trigger: `cron:day=1-7 day_of_week=mon-fri hour=9 minute=0 second=0 timezone=UTC` (the same fires, without the loop)"
        );
        // Children that agree after every fire never loop.
        assert!(codes("and:[cron:hour=9 minute=0] [cron:hour=9]", "UTC").is_empty());
        assert!(codes(
            "and:[cron:hour=9] [interval:days=1 start_date=2026-01-01T09:00:00]",
            "UTC"
        )
        .is_empty());

        assert_eq!(
            codes(
                "calendarinterval:months=1 hour=9 start_date=2025-12-15",
                "UTC"
            ),
            vec![LintCode::CalendarintervalPastStart]
        );
        assert!(codes(
            "calendarinterval:months=1 hour=9 start_date=2026-01-15",
            "UTC"
        )
        .is_empty());
        assert_eq!(
            codes(
                "calendarinterval:months=1 hour=9 start_date=2026-01-31",
                "UTC"
            ),
            vec![LintCode::CalendarintervalSkips]
        );
        assert_eq!(
            codes(
                "calendarinterval:days=1 hour=2 minute=30 start_date=2026-01-01",
                "Europe/Berlin"
            ),
            vec![LintCode::CalendarintervalSkips]
        );
        assert!(codes(
            "calendarinterval:days=1 hour=12 start_date=2026-01-01",
            "Europe/Berlin"
        )
        .is_empty());

        assert_eq!(
            codes(
                "or:[interval:hours=2 start_date=2026-01-01] [cron:hour=9]",
                "UTC"
            ),
            vec![LintCode::OrIntervalChild]
        );
        assert!(codes("or:[cron:hour=6] [cron:hour=18 minute=30]", "UTC").is_empty());
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
