//! Lints of one trigger over a window: what its fires show (never, skipped months, DST, an
//! `and` that freezes APScheduler, calendar interval quirks, an `or` with an interval).

use schedctl_trigger::{CronTrigger, EvalError, Expr, Instant, Trigger, Tz, ZonedTime};

use super::calendar::calendar_lints;
use super::code::{Lint, LintCode};
use super::pitfalls::{pitfall_lints, twin};
use super::walk::{date_list, min_gap, walk, Walk};

/// Lints one trigger over `[from, to)`; `text` is the trigger as written (some lints read
/// its spelling, e.g. numeric `crontab:` weekdays), `job` the job it belongs to, if any.
/// The window is instants; the fires are judged in the trigger's zone. A trigger that
/// fails to evaluate is reported as a lint, not an error.
///
/// ```
/// use schedctl_core::lint::{lint_trigger, LintCode};
/// use schedctl_trigger::{IsoDateTime, Trigger, Tz};
///
/// let text = "cron:day=31 hour=6";
/// let trigger: Trigger = text.parse()?;
/// let from = IsoDateTime::parse("2026-01-01")?.resolve(Tz::utc())?.instant();
/// let to = IsoDateTime::parse("2027-01-01")?.resolve(Tz::utc())?.instant();
/// let lints = lint_trigger(text, &trigger, None, from, to);
/// assert!(lints.iter().any(|l| l.code == LintCode::SkipsMonths));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    let failed = error.is_some();
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
        if let Some((message, fix)) = skipped_months(c) {
            push(LintCode::SkipsMonths, "day", message, fix);
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
    // Fires APScheduler's own walk never produces: walking on from a fire before a DST change
    // with the old UTC offset, its search lands past the next one.
    if let Ok(schedule) = trigger.schedule(from) {
        let skipped: Vec<(ZonedTime, bool)> = fs
            .windows(2)
            .filter_map(|w| schedule.jumped_over(&w[0].0, Some(&w[1].0)).ok().flatten())
            .filter(|(s, _)| s.instant() >= from && s.instant() < to)
            .collect();
        if let Some((first, _)) = skipped.first() {
            let times: Vec<ZonedTime> = skipped.iter().map(|(s, _)| *s).collect();
            let in_gap = skipped.iter().any(|(_, gap)| *gap);
            let (hour, minute) = {
                let text = first.to_string();
                (text[11..13].to_owned(), text[14..16].to_owned())
            };
            push(
                LintCode::DstSkippedFire,
                "hour",
                format!(
                    "APScheduler 3.11 skips {} fire(s) after a DST change: {} (walking on from the previous fire with the old UTC offset, its search lands past {}){}",
                    times.len(),
                    date_list(&times),
                    if times.len() == 1 { "it" } else { "them" },
                    if in_gap { "; a day whose start falls in the gap is skipped whole" } else { "" }
                ),
                &if in_gap {
                    "APScheduler cannot fire a wall time that does not exist; in schedctl, `dst_gap=next` fires at the end of the gap".to_owned()
                } else {
                    format!(
                        "`calendarinterval:days=1 hour={} minute={}` does not skip, in APScheduler too; in schedctl, `dst_jump=fire` fires them",
                        hour.parse::<u32>().unwrap_or(0),
                        minute.parse::<u32>().unwrap_or(0)
                    )
                },
            );
        }
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
    // The period is read from the fires without jitter: jittered fires come closer at times.
    let plain = trigger
        .jitter()
        .and_then(|_| twin(trigger, &[], None))
        .map(|t| walk(&t, from, to).fires);
    if let (Some(j), Some(gap)) = (trigger.jitter(), plain.as_deref().and_then(min_gap)) {
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
    out.extend(pitfall_lints(text, trigger, &fs, failed, job, from, to));
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

/// `skips-months`: days of month the trigger names that some of its months lack. Only days
/// given as such count (`31`, `29-31`, `15,31`): a step or a range from a smaller day
/// (`*/3`, `1-31/10`, `25-31`) has days that every month has, and `last` is the last day of
/// every month.
fn skipped_months(c: &CronTrigger) -> Option<(String, &'static str)> {
    let [_, month, day, ..] = c.fields();
    if day.exprs().iter().any(|e| matches!(e, Expr::LastDay)) {
        return None;
    }
    let months: Vec<u32> = (1..=12)
        .filter(|m| month.exprs().iter().any(|e| expr_allows(e, *m)))
        .collect();
    let d = (29..=31)
        .filter(|d| {
            day.exprs().iter().any(|e| {
                matches!(e, Expr::Range { first, .. } if *first >= 29) && expr_allows(e, *d)
            })
        })
        .min()?;
    let missing = months.iter().filter(|m| days_in_month_max(**m) < d).count();
    let fix = "use `day=last` for the last day of every month";
    if missing > 0 {
        return Some((
            format!("day {d} does not exist in {missing} of its months: those months have no fire that day"),
            fix,
        ));
    }
    (d == 29 && months.contains(&2)).then(|| {
        (
            "day 29 does not exist in February of common years (three years in four): those Februaries have no fire that day".to_owned(),
            "use `day=last` for the last day of every month (February 28 in common years)",
        )
    })
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

    #[test]
    fn dst_skipped_fire_names_the_fire_apscheduler_jumps_over() {
        let berlin = Zone::get("Europe/Berlin").expect("zone");
        let t = Trigger::parse_in("cron:hour=0", berlin).expect("valid");
        let lints = lint_trigger(
            "cron:hour=0",
            &t,
            None,
            Instant::from_unix_seconds(FROM),
            Instant::from_unix_seconds(FROM + YEAR),
        );
        let lint = lints
            .iter()
            .find(|l| l.code == LintCode::DstSkippedFire)
            .expect("dst-skipped-fire");
        assert_eq!(
            lint.message,
            "APScheduler 3.11 skips 1 fire(s) after a DST change: 2026-03-30T00:00:00+02:00 (walking on from the previous fire with the old UTC offset, its search lands past it)"
        );
        assert!(
            lint.fix
                .starts_with("`calendarinterval:days=1 hour=0 minute=0`"),
            "{}",
            lint.fix
        );
        assert!(!codes("cron:hour=0 dst_jump=fire", "Europe/Berlin")
            .contains(&LintCode::DstSkippedFire));
        assert!(!codes("cron:hour=12", "Europe/Berlin").contains(&LintCode::DstSkippedFire));
        assert!(!codes("cron:hour=0", "UTC").contains(&LintCode::DstSkippedFire));
    }
}
