//! The calendar interval lints: a first fire before the start, and the dates it skips.

use schedctl_trigger::{CalendarIntervalTrigger, Instant, Trigger, ZonedTime};

use super::code::{Lint, LintCode};
use super::pitfalls::{day_text, skipped_days};
use super::walk::walk;

pub(super) fn calendar_lints(
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
    // A whole day the zone skips is `skipped-calendar-day`'s, not a DST gap's; the interval
    // counts its next dates from the day after, so the twin is compared only up to it.
    let skipped = skipped_days(c.zone(), from, to)
        .first()
        .map(|s| day_text(s.first_day));
    let lost: Vec<String> = plain
        .iter()
        .filter(|f| f.0.instant() >= from && f.0.instant() < to)
        .map(|f| ymd(&f.0))
        .filter(|date| !fired.contains(date))
        .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
        .filter(|date| skipped.as_ref().is_none_or(|s| date < s))
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
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
