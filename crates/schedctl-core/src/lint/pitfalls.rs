//! Pitfalls of valid triggers that the fires of a window show only when looked for: a calendar
//! day the zone skips, jitter that adds up on an interval, no fire in the window or hardly
//! ever, cron's day-or-weekday rule that APScheduler does not follow, a bare-date `end_date`,
//! a whole-day interval across DST, and a run date before the window.
//!
//! Where it can, a lint walks a twin of the trigger without the pitfall (the same cron in UTC,
//! the trigger without `end_date` or without jitter, cron's reading of day and weekday) over
//! the same days and names the fires that really differ; each is silent when none do.

use schedctl_trigger::{Expr, Field, Instant, IntervalTrigger, Trigger, Tz, Zone, ZonedTime};

use super::code::{Lint, LintCode};
use super::walk::{walk, walk_limited, SCAN_LIMIT};
use crate::duration::Micros;

const SECOND_US: i64 = 1_000_000;
const DAY_US: i64 = 86_400 * SECOND_US;
/// How far `rare-fires` looks ahead: 400 years, one cycle of the Gregorian calendar.
const LOOKAHEAD_US: i64 = 146_097 * DAY_US;
/// Fires further apart than this on average are rare: fewer than two in four years.
const RARE_GAP_US: i64 = 731 * DAY_US;
/// The most fires `rare-fires` counts ahead (a rare trigger has at most 200 in 400 years).
const RARE_COUNT_LIMIT: usize = 250;

/// One warning before the job is known: code, field, message, fix.
type Found = (LintCode, &'static str, String, String);

/// The pitfall lints of one trigger over `[from, to)`; `text` is the trigger as written, `fs`
/// its fires in the window and `failed` whether their walk stopped on an error.
pub(super) fn pitfall_lints(
    text: &str,
    trigger: &Trigger,
    fs: &[(ZonedTime, ZonedTime)],
    failed: bool,
    job: Option<&str>,
    from: Instant,
    to: Instant,
) -> Vec<Lint> {
    let mut found: Vec<Found> = Vec::new();
    if !failed {
        found.extend(window_and_rarity(trigger, fs, from, to));
    }
    found.extend(skipped_calendar_day(trigger, fs, from, to));
    found.extend(day_and_weekday(text, trigger, from, to));
    if let Trigger::Interval(i) = trigger {
        found.extend(interval_jitter_drift(i));
        found.extend(interval_dst_drift(trigger, i, from, to));
    }
    found.extend(bare_date_end(text, trigger, from));
    found.extend(date_before_window(trigger, from));
    found
        .into_iter()
        .map(|(code, field, message, fix)| Lint {
            code,
            job: job.map(str::to_owned),
            field,
            message,
            fix,
        })
        .collect()
}

/// `no-fires-in-window` (none in the window, some later) and `rare-fires` (fewer than two in
/// four years on average, over the next 400 years).
fn window_and_rarity(
    trigger: &Trigger,
    fs: &[(ZonedTime, ZonedTime)],
    from: Instant,
    to: Instant,
) -> Vec<Found> {
    let mut out = Vec::new();
    let horizon = from.add_micros(LOOKAHEAD_US);
    // An error after a fire (an `and` that loops) leaves the fires before it to name.
    let first = walk_limited(trigger, from, from, horizon, 3);
    let ahead = |fires: &[(ZonedTime, ZonedTime)]| -> Vec<String> {
        fires
            .iter()
            .filter(|f| f.1.instant() >= from)
            .take(3)
            .map(|f| f.1.to_string())
            .collect()
    };
    if fs.is_empty() && !first.fires.is_empty() {
        let zone = Tz::Zone(trigger.zone());
        let show = |t: Instant| {
            ZonedTime::from_instant(t, zone).map_or_else(|_| "?".into(), |z| z.to_string())
        };
        out.push((
            LintCode::NoFiresInWindow,
            "trigger",
            format!(
                "no fire in the window {} to {}: the next {} {}",
                show(from),
                show(to),
                if first.fires.len() == 1 { "is" } else { "are" },
                list(&ahead(&first.fires))
            ),
            "check the year, the date fields and start_date, or lint a window that holds a fire"
                .into(),
        ));
    }
    if matches!(trigger, Trigger::Date(_))
        || first.error.is_some()
        || mean_gap(&first.fires).is_none_or(|g| g <= RARE_GAP_US)
    {
        return out;
    }
    let all = walk_limited(trigger, from, from, horizon, RARE_COUNT_LIMIT);
    let Some(gap) = mean_gap(&all.fires) else {
        return out;
    };
    if all.error.is_some() || all.fires.len() >= RARE_COUNT_LIMIT || gap <= RARE_GAP_US {
        return out;
    }
    let years = (gap as f64 / (365.2425 * DAY_US as f64)).round();
    out.push((
        LintCode::RareFires,
        "trigger",
        format!(
            "it fires about once every {years} years ({} fires in the 400 years from the window's start): next at {}",
            all.fires.len(),
            list(&ahead(&all.fires))
        ),
        "check that every field should be required together: APScheduler fires only where all of them match".into(),
    ));
    out
}

/// The mean time between consecutive fires, when there are two.
fn mean_gap(fires: &[(ZonedTime, ZonedTime)]) -> Option<i64> {
    let (first, last) = (fires.first()?, fires.last()?);
    let n = i64::try_from(fires.len()).ok()?;
    (n >= 2).then(|| (last.1.instant().unix_micros() - first.1.instant().unix_micros()) / (n - 1))
}

/// Whole calendar days that a zone skips: the days of `first_day .. first_day + days` (days
/// since 1970-01-01, on the wall clock) do not exist, the clocks jumping at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SkippedDays {
    pub(super) first_day: i64,
    pub(super) days: i64,
    pub(super) at: Instant,
}

/// The calendar days that `zone` skips by a change of offset in `[from, to)`.
pub(super) fn skipped_days(zone: Zone, from: Instant, to: Instant) -> Vec<SkippedDays> {
    let mut out = Vec::new();
    let (mut after, end) = (from.unix_seconds() - 1, to.unix_seconds());
    // A zone changes its offset a few times a year: the bound is for safety only.
    for _ in 0..100_000 {
        let Some(at) = zone.next_transition_after(after) else {
            break;
        };
        if at >= end {
            break;
        }
        let before = i64::from(zone.offset_at_utc(at - 1).0);
        let now = i64::from(zone.offset_at_utc(at).0);
        // Wall clocks read `at + before` just before the change and `at + now` at it: the
        // days wholly between the two are not on any clock.
        let first_day = -(-(at + before)).div_euclid(86_400);
        let end_day = (at + now).div_euclid(86_400);
        if end_day > first_day {
            out.push(SkippedDays {
                first_day,
                days: end_day - first_day,
                at: Instant::from_unix_seconds(at),
            });
        }
        after = at;
    }
    out
}

/// A day (days since 1970-01-01) as `YYYY-MM-DD`.
pub(super) fn day_text(day: i64) -> String {
    ZonedTime::from_instant(Instant::from_unix_micros(day * DAY_US), Tz::Fixed(0))
        .map_or_else(|_| "?".into(), |t| t.to_string()[..10].to_owned())
}

/// The wall-clock day of a time (days since 1970-01-01).
fn day_of(t: &ZonedTime) -> i64 {
    t.local_micros().div_euclid(DAY_US)
}

/// `skipped-calendar-day`: fires of a cron trigger or a calendar interval due on a calendar
/// day the zone skips. A twin without the zone (the same fields in UTC) says which fires the
/// skipped days and the day after would have; those beyond what the trigger fires on the day
/// after are lost. A calendar interval moves the run due on the skipped day to the day after
/// (its time of day exists there) and counts its next dates from that one.
fn skipped_calendar_day(
    trigger: &Trigger,
    fs: &[(ZonedTime, ZonedTime)],
    from: Instant,
    to: Instant,
) -> Vec<Found> {
    let mut out = Vec::new();
    if !matches!(trigger, Trigger::Cron(_) | Trigger::CalendarInterval(_)) {
        return out;
    }
    let zone = trigger.zone();
    let utc_day = |d: i64| Instant::from_unix_micros(d * DAY_US);
    let show = |t: Instant| {
        ZonedTime::from_instant(t, Tz::Zone(zone)).map_or_else(|_| "?".into(), |z| z.to_string())
    };
    for skip in skipped_days(zone, from, to) {
        let next_day = skip.first_day + skip.days;
        // The days of the twin's fires on the skipped days and the day after.
        let twin_days: Vec<i64> = match trigger {
            Trigger::Cron(_) => {
                let Some(utc) = twin(trigger, &[], Some(Zone::utc())) else {
                    continue;
                };
                walk(&utc, utc_day(skip.first_day), utc_day(next_day + 1)).fires
            }
            Trigger::CalendarInterval(c) => match c.without_dst(from) {
                Ok(plain) => {
                    walk(
                        &Trigger::CalendarInterval(plain),
                        from,
                        utc_day(next_day + 1),
                    )
                    .fires
                }
                Err(_) => continue,
            },
            _ => continue,
        }
        .iter()
        .map(|f| day_of(&f.0))
        .filter(|d| (skip.first_day..=next_day).contains(d))
        .collect();
        let due = twin_days.iter().filter(|d| **d < next_day).count();
        if due == 0 {
            continue;
        }
        // The trigger's fires from the jump to the end of the day after (walked on past the
        // window when that day ends after it).
        let Ok(day_end) = ZonedTime::localize((next_day + 1) * DAY_US, Tz::Zone(zone)) else {
            continue;
        };
        let after: Vec<_>;
        let actual = if day_end.instant() <= to {
            fs
        } else {
            after = walk(trigger, from, day_end.instant()).fires;
            &after[..]
        };
        let fired = actual.iter().filter(|f| f.1.instant() >= skip.at);
        let moved = fired.clone().next().map(|f| f.1);
        let kept = fired.filter(|f| day_of(&f.1) == next_day).count();
        let lost = twin_days.len().saturating_sub(kept);
        let dates = if skip.days == 1 {
            day_text(skip.first_day)
        } else {
            format!("{} to {}", day_text(skip.first_day), day_text(next_day - 1))
        };
        let skipped = format!(
            "{zone} skips the calendar day {dates} (its clocks jump from {} to {})",
            show(skip.at.add_micros(-SECOND_US)),
            show(skip.at)
        );
        let message = match (trigger, moved) {
            (Trigger::CalendarInterval(_), Some(moved)) if day_of(&moved) == next_day => format!(
                "{skipped}: APScheduler 3.11 fires the run due then at {moved} instead and counts the next dates from there{}",
                if lost > 0 { format!(", so {} fewer", plural(lost, "fire")) } else { String::new() }
            ),
            _ if lost > 0 => format!(
                "{skipped}: {} due then never {}",
                plural(lost, "fire"),
                if lost == 1 { "happens" } else { "happen" }
            ),
            _ => continue,
        };
        out.push((
            LintCode::SkippedCalendarDay,
            "timezone",
            message,
            "nothing fires on a day the zone skips: if the run matters, add a one-off `date:` job for it on the day after".into(),
        ));
    }
    out
}

/// The trigger written out again without jitter and without the fields that start with one of
/// `drop` (such as `end_date=`), parsed back; every `timezone=` becomes `zone` when given.
/// Jitter goes from the children of a combination too.
pub(super) fn twin(trigger: &Trigger, drop: &[&str], zone: Option<Zone>) -> Option<Trigger> {
    let text = trigger.to_string();
    let mut words: Vec<String> = Vec::new();
    for w in text.split(' ') {
        let field = w.trim_start_matches('[');
        let gone = field.starts_with("jitter=")
            || drop.iter().any(|d| field.starts_with(d))
            || (zone.is_some() && field.starts_with("timezone="));
        if !gone {
            words.push(w.to_owned());
            continue;
        }
        // A field that ends a bracketed child leaves its brackets to the word before.
        let closing = &w[w.trim_end_matches(']').len()..];
        if let Some(z) = zone.filter(|_| field.starts_with("timezone=")) {
            words.push(format!("timezone={z}{closing}"));
        } else if let Some(last) = words.last_mut() {
            last.push_str(closing);
        }
    }
    Trigger::parse_in(&words.join(" "), zone.unwrap_or_else(|| trigger.zone())).ok()
}

/// `interval-jitter-drift`: APScheduler adds an interval's jitter to the previous fire, which
/// was itself delayed, so the delays add up: the mean period is the interval plus half the
/// jitter.
fn interval_jitter_drift(i: &IntervalTrigger) -> Option<Found> {
    let jitter = i.jitter().filter(|j| *j > 0)?;
    let interval = i.interval_micros();
    let mean = interval.saturating_add(jitter.saturating_mul(SECOND_US) / 2);
    let lost = 100.0 * (mean - interval) as f64 / mean as f64;
    Some((
        LintCode::IntervalJitterDrift,
        "jitter",
        format!(
            "APScheduler adds the jitter to the previous fire, itself delayed, so the delays add up: one fire every {} on average instead of every {}, {}% fewer runs",
            Micros::from_micros(mean),
            Micros::from_micros(interval),
            percent(lost)
        ),
        "use a cron trigger with the same period and jitter (its fires stay on the clock), or shorten the interval by half the jitter".into(),
    ))
}

/// A percentage with one decimal (two below 1 %), without trailing zeros.
fn percent(x: f64) -> String {
    let text = if x >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `interval-dst-drift`: an interval of whole days counts exact hours, so across a change of
/// UTC offset its fires move on the wall clock. Said only when fires in the window do.
fn interval_dst_drift(
    trigger: &Trigger,
    i: &IntervalTrigger,
    from: Instant,
    to: Instant,
) -> Option<Found> {
    let length = i.interval_micros();
    if length % DAY_US != 0 {
        return None;
    }
    let plain = twin(trigger, &[], None)?;
    let fires = walk(&plain, from, to).fires;
    let (_, first) = fires.iter().find(|f| f.1.instant() >= from)?;
    // A change of offset by whole days (Pacific/Apia's) keeps the time of day.
    let time_of_day = |t: &ZonedTime| t.local_micros().rem_euclid(DAY_US);
    let (_, moved) = fires
        .iter()
        .find(|f| f.1.instant() > first.instant() && time_of_day(&f.1) != time_of_day(first))?;
    let zone = Tz::Zone(i.zone());
    // The wall time meant: start_date's, else the first fire's (one interval after the start).
    let meant = match i.start_date() {
        Some(s) => s.canonical_in(zone).ok()?,
        None => *first,
    };
    let clock = |t: &ZonedTime| {
        let text = t.to_string();
        let hms = &text[11..19];
        if hms.ends_with(":00") {
            hms[..5].to_owned()
        } else {
            hms.to_owned()
        }
    };
    let tod = meant.local_micros().rem_euclid(DAY_US) / SECOND_US;
    let (h, m, s) = (tod / 3600, tod / 60 % 60, tod % 60);
    let second = if s == 0 {
        String::new()
    } else {
        format!(" second={s}")
    };
    let days = length / DAY_US;
    let before = fires
        .iter()
        .take_while(|f| f.1.instant() < moved.instant())
        .last()
        .map_or(first, |f| &f.1);
    Some((
        LintCode::IntervalDstDrift,
        "trigger",
        format!(
            "an interval of {} counts exact 24-hour days, so its fires follow the UTC offset: {} on the wall clock until {}, {} from {}",
            plural(days as usize, "day"),
            clock(before),
            &before.to_string()[..10],
            clock(moved),
            moved
        ),
        format!(
            "to keep the wall-clock time, use `calendarinterval:days={days} hour={h} minute={m}{second} start_date={} timezone={}`",
            &first.to_string()[..10],
            i.zone()
        ),
    ))
}

/// `crontab-day-and-weekday`: with both day of month and day of week restricted, APScheduler
/// fires on days that match both, while Vixie cron (and Kubernetes) fire on days that match
/// either. The days cron adds are the fires of a cron on the day alone or the weekday alone
/// that the trigger does not have.
fn day_and_weekday(text: &str, trigger: &Trigger, from: Instant, to: Instant) -> Option<Found> {
    let Trigger::Cron(c) = trigger else {
        return None;
    };
    let f = c.fields();
    let (day, dow) = (&f[2], &f[4]);
    // cron reads a field starting with `*` as unrestricted (then it requires both, too).
    let star = |x: &Field| matches!(x.exprs().first(), Some(Expr::All { .. }));
    if star(day) || star(dow) {
        return None;
    }
    let crontab = text.trim_start().starts_with("crontab:");
    let cron_dow = if crontab {
        cron_weekdays(dow.exprs())?
    } else {
        dow.to_string()
    };
    let shown = trigger.to_string();
    let at = [" start_date=", " end_date=", " timezone="]
        .iter()
        .filter_map(|k| shown.find(k))
        .min()?;
    let suffix: Vec<&str> = shown[at..]
        .split(' ')
        .filter(|w| !w.is_empty() && !w.starts_with("jitter="))
        .collect();
    let suffix = suffix.join(" ");
    let written = |day: Option<&str>, dow: Option<&str>| {
        let parts: Vec<String> = f
            .iter()
            .enumerate()
            .filter_map(|(i, x)| {
                let expr = match i {
                    2 => day.map_or("*".into(), str::to_owned),
                    4 => dow.map_or("*".into(), str::to_owned),
                    _ => x.to_string(),
                };
                (expr != "*" || i == 7).then(|| format!("{}={expr}", x.field()))
            })
            .collect();
        format!("cron:{} {suffix}", parts.join(" "))
    };
    let zone = c.zone();
    let parse = |t: &str| Trigger::parse_in(t, zone).ok();
    let day_text = day.to_string();
    let (both_text, day_only, dow_only) = (
        written(Some(&day_text), Some(&dow.to_string())),
        written(Some(&day_text), None),
        written(None, Some(&cron_dow)),
    );
    let walks = [
        walk(&parse(&both_text)?, from, to).fires,
        walk(&parse(&day_only)?, from, to).fires,
        walk(&parse(&dow_only)?, from, to).fires,
    ];
    // A walk cut at the scan limit is compared only up to where the shortest one reached.
    let cut = walks
        .iter()
        .filter(|w| w.len() >= SCAN_LIMIT)
        .filter_map(|w| w.last().map(|f| f.1.instant()))
        .min();
    let upto = |w: &[(ZonedTime, ZonedTime)]| -> Vec<(Instant, String)> {
        w.iter()
            .filter(|f| cut.is_none_or(|c| f.1.instant() <= c))
            .map(|f| (f.1.instant(), f.1.to_string()[..10].to_owned()))
            .collect()
    };
    let aps: std::collections::BTreeSet<Instant> =
        upto(&walks[0]).into_iter().map(|f| f.0).collect();
    let mut extra: Vec<(Instant, String)> = upto(&walks[1]);
    extra.extend(upto(&walks[2]));
    extra.sort();
    extra.dedup();
    extra.retain(|f| !aps.contains(&f.0));
    if extra.is_empty() {
        return None;
    }
    let mut dates: Vec<String> = extra.iter().map(|f| f.1.clone()).collect();
    dates.dedup();
    let shown_dates = if cut.is_some() {
        format!("first on {}", list(&dates[..dates.len().min(3)]))
    } else if dates.len() > 3 {
        format!(
            "on {} and {}",
            dates[..3].join(", "),
            more(dates.len() - 3, "day")
        )
    } else {
        format!("on {}", list(&dates))
    };
    let weekday = if crontab && cron_dow != dow.to_string() {
        format!("`{dow}` (`{cron_dow}` to cron, which counts 0 as Sunday)")
    } else {
        format!("`{dow}`")
    };
    let jitter = trigger
        .jitter()
        .map_or_else(String::new, |j| format!(" jitter={j}"));
    Some((
        LintCode::CrontabDayAndWeekday,
        "day_of_week",
        format!(
            "day `{day}` and day_of_week {weekday} are both restricted: APScheduler fires only on days that match both, Vixie cron and Kubernetes on days that match either: in this window that is {}{}, {shown_dates}",
            if cut.is_some() { "at least " } else { "" },
            more(extra.len(), "fire"),
        ),
        format!("to fire on either as cron does, use `or:[{day_only}] [{dow_only}]{jitter}`; APScheduler's reading (both) needs no change"),
    ))
}

/// The weekdays of a crontab's numeric day-of-week field as cron reads them (0 and 7 =
/// Sunday), written as APScheduler's names; `None` for an expression cron does not have.
fn cron_weekdays(exprs: &[Expr]) -> Option<String> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut on = [false; 7];
    // cron's number `v` is APScheduler's weekday `(v + 6) % 7`.
    let mut add = |first: u32, last: u32, step: u32, cron_numbers: bool| {
        let mut v = first;
        while v <= last {
            let i = if cron_numbers { (v + 6) % 7 } else { v % 7 };
            on[i as usize] = true;
            v += step.max(1);
        }
    };
    for e in exprs {
        match *e {
            Expr::All { step } => add(0, 6, step.unwrap_or(1), true),
            Expr::Range { first, last, step } => {
                add(first, last.unwrap_or(6), step.unwrap_or(1), true);
            }
            Expr::WeekdayRange { first, last } => add(first, last, 1, false),
            _ => return None,
        }
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        if !on[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < 7 && on[i + 1] {
            i += 1;
        }
        parts.push(match i - start {
            0 => NAMES[start].to_owned(),
            1 => format!("{},{}", NAMES[start], NAMES[i]),
            _ => format!("{}-{}", NAMES[start], NAMES[i]),
        });
        i += 1;
    }
    Some(parts.join(","))
}

/// `bare-date-end`: a cron or interval `end_date` written as a date is midnight at its start,
/// so the fires of that day after midnight do not happen. Said when the trigger without
/// `end_date` fires that day.
fn bare_date_end(text: &str, trigger: &Trigger, from: Instant) -> Option<Found> {
    let body = text.trim_start();
    if !(body.starts_with("cron:") || body.starts_with("interval:")) {
        return None;
    }
    let words: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let at = words.iter().position(|w| w.starts_with("end_date="))?;
    let value = &words[at]["end_date=".len()..];
    // A date alone, not continued by a time in the next word.
    let bare = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !bare || words.get(at + 1).is_some_and(|w| !w.contains('=')) {
        return None;
    }
    let end = match trigger {
        Trigger::Cron(c) => c.end_date(),
        Trigger::Interval(i) => i.end_date(),
        _ => None,
    }?;
    let zone = Tz::Zone(trigger.zone());
    let end = end.canonical_in(zone).ok()?;
    let day_end = ZonedTime::localize(end.local_micros() + DAY_US, zone).ok()?;
    let open = twin(trigger, &["end_date="], None)?;
    let lost = walk_limited(
        &open,
        from,
        end.instant().add_micros(1),
        day_end.instant(),
        SCAN_LIMIT,
    )
    .fires;
    let (_, first) = lost.first()?;
    Some((
        LintCode::BareDateEnd,
        "end_date",
        format!(
            "end_date `{value}` has no time, so it ends at {end}: {} later that day, from {first}, {}",
            plural(lost.len(), "fire"),
            if lost.len() == 1 { "does not happen" } else { "do not happen" }
        ),
        format!(
            "give the last time that may fire, `end_date={value}T23:59:59`, or the day after, `end_date={}`",
            &day_end.to_string()[..10]
        ),
    ))
}

/// `date-before-window`: a run date before the window's start, which APScheduler 3.x still
/// returns as the first fire: the scheduler processes it at the start.
fn date_before_window(trigger: &Trigger, from: Instant) -> Option<Found> {
    let Trigger::Date(d) = trigger else {
        return None;
    };
    let run = d.run_date().filter(|r| r.instant() < from)?;
    let run = run.canonical_in(Tz::Zone(d.zone())).ok()?;
    Some((
        LintCode::DateBeforeWindow,
        "run_date",
        format!("run_date {run} lies before the window's start: APScheduler 3.x still returns it and processes it at the start, where it runs only if the start is within misfire_grace_time of it (else it is missed)"),
        "move run_date to the start or later, or remove the job if it has already run".into(),
    ))
}

/// `n thing` or `n things`.
fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// `n more thing` or `n more things`.
fn more(n: usize, thing: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{n} more {thing}{s}")
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::lint_trigger;
    use schedctl_trigger::IsoDateTime;

    /// The lints of `text` in `zone` over `[from, to)` (naive datetimes in that zone).
    fn lints(text: &str, zone: &str, from: &str, to: &str) -> Vec<Lint> {
        let zone = Zone::get(zone).expect("zone");
        let t = Trigger::parse_in(text, zone).expect("valid");
        let at = |s: &str| {
            IsoDateTime::parse(s)
                .expect("datetime")
                .resolve(Tz::Zone(zone))
                .expect("in range")
                .instant()
        };
        lint_trigger(text, &t, None, at(from), at(to))
    }

    /// The codes over 2026 in `zone`, as `trigger.rs`'s `codes`.
    fn codes(text: &str, zone: &str) -> Vec<LintCode> {
        codes_in(text, zone, "2026-01-01", "2027-01-01")
    }

    fn codes_in(text: &str, zone: &str, from: &str, to: &str) -> Vec<LintCode> {
        lints(text, zone, from, to)
            .into_iter()
            .map(|l| l.code)
            .collect()
    }

    /// The message of the one lint of `code`.
    fn message(text: &str, zone: &str, from: &str, to: &str, code: LintCode) -> String {
        let found: Vec<Lint> = lints(text, zone, from, to)
            .into_iter()
            .filter(|l| l.code == code)
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        format!("{} / {}", found[0].message, found[0].fix)
    }

    #[test]
    fn skipped_calendar_day_names_the_day_and_the_lost_fires() {
        let (from, to) = ("2011-12-01", "2012-01-15");
        assert_eq!(
            message("cron:hour=12", "Pacific/Apia", from, to, LintCode::SkippedCalendarDay),
            "Pacific/Apia skips the calendar day 2011-12-30 (its clocks jump from 2011-12-29T23:59:59-10:00 to 2011-12-31T00:00:00+14:00): 1 fire due then never happens / nothing fires on a day the zone skips: if the run matters, add a one-off `date:` job for it on the day after"
        );
        // A Friday job loses a week.
        assert_eq!(
            codes_in("cron:day_of_week=fri hour=12", "Pacific/Apia", from, to),
            vec![LintCode::SkippedCalendarDay]
        );
        // Every minute of the noon hour.
        assert!(message(
            "cron:hour=12 minute=*",
            "Pacific/Apia",
            from,
            to,
            LintCode::SkippedCalendarDay
        )
        .contains(": 60 fires due then never happen"));
        // A calendar interval moves the run to the day after and goes on from there.
        assert_eq!(
            message(
                "calendarinterval:weeks=1 hour=12 start_date=2011-12-02",
                "Pacific/Apia",
                from,
                to,
                LintCode::SkippedCalendarDay
            ),
            "Pacific/Apia skips the calendar day 2011-12-30 (its clocks jump from 2011-12-29T23:59:59-10:00 to 2011-12-31T00:00:00+14:00): APScheduler 3.11 fires the run due then at 2011-12-31T12:00:00+14:00 instead and counts the next dates from there / nothing fires on a day the zone skips: if the run matters, add a one-off `date:` job for it on the day after"
        );
        assert!(message(
            "calendarinterval:days=1 hour=12 start_date=2011-12-01",
            "Pacific/Apia",
            from,
            to,
            LintCode::SkippedCalendarDay
        )
        .contains("counts the next dates from there, so 1 fire fewer"));

        // Nothing due that day, another year, a zone that skips no day, a kind that counts
        // absolute time.
        assert!(codes_in("cron:day_of_week=sat hour=12", "Pacific/Apia", from, to).is_empty());
        assert!(codes_in("cron:hour=12", "Pacific/Apia", "2012-01-01", "2013-01-01").is_empty());
        assert!(codes("cron:hour=12", "Europe/Berlin").is_empty());
        assert!(codes_in(
            "interval:days=1 start_date=2011-12-01T12:00:00",
            "Pacific/Apia",
            from,
            to
        )
        .is_empty());
    }

    #[test]
    fn interval_jitter_drift_gives_the_mean_period() {
        let text = "interval:seconds=10 start_date=2026-01-01 jitter=5";
        assert_eq!(
            message(text, "UTC", "2026-01-01", "2026-01-02", LintCode::IntervalJitterDrift),
            "APScheduler adds the jitter to the previous fire, itself delayed, so the delays add up: one fire every 12s 500ms on average instead of every 10s, 20% fewer runs / use a cron trigger with the same period and jitter (its fires stay on the clock), or shorten the interval by half the jitter"
        );
        assert!(message(
            "interval:hours=1 start_date=2026-01-01 jitter=5",
            "UTC",
            "2026-01-01",
            "2026-01-02",
            LintCode::IntervalJitterDrift
        )
        .contains("one fire every 1h 2s 500ms on average instead of every 1h, 0.07% fewer runs"));
        // No jitter, and a cron's jitter, which does not add up.
        assert!(codes("interval:seconds=10 start_date=2026-01-01", "UTC").is_empty());
        assert!(codes_in(
            "cron:second=*/10 jitter=5",
            "UTC",
            "2026-01-01",
            "2026-01-02"
        )
        .is_empty());
    }

    #[test]
    fn no_fires_in_window_and_rare_fires_name_the_next_fires() {
        assert_eq!(
            message("cron:month=6 day=1", "UTC", "2026-01-01", "2026-01-31", LintCode::NoFiresInWindow),
            "no fire in the window 2026-01-01T00:00:00+00:00 to 2026-01-31T00:00:00+00:00: the next are 2026-06-01T00:00:00+00:00, 2027-06-01T00:00:00+00:00 and 2028-06-01T00:00:00+00:00 / check the year, the date fields and start_date, or lint a window that holds a fire"
        );
        assert!(message(
            "date:run_date=2026-12-24T18:00:00",
            "UTC",
            "2026-01-01",
            "2026-01-31",
            LintCode::NoFiresInWindow
        )
        .ends_with("the next is 2026-12-24T18:00:00+00:00 / check the year, the date fields and start_date, or lint a window that holds a fire"));
        // Some fire in the window; none at all (never-fires says so).
        assert!(codes_in("cron:month=6 day=1", "UTC", "2026-01-01", "2026-07-01").is_empty());
        assert_eq!(codes("cron:year=2001", "UTC"), vec![LintCode::NeverFires]);

        // 29 February on a Monday (0 = Monday in APScheduler).
        assert_eq!(
            message("crontab:0 2 29 2 0", "UTC", "2026-01-01", "2027-01-01", LintCode::RareFires),
            "it fires about once every 27 years (15 fires in the 400 years from the window's start): next at 2044-02-29T02:00:00+00:00, 2072-02-29T02:00:00+00:00 and 2112-02-29T02:00:00+00:00 / check that every field should be required together: APScheduler fires only where all of them match"
        );
        assert_eq!(
            codes("cron:year=*/3 month=1 day=1", "UTC"),
            vec![LintCode::NoFiresInWindow, LintCode::RareFires]
        );
        // Every two years is two fires in four; a one-off date is not rare.
        assert!(codes_in(
            "cron:year=*/2 month=1 day=1",
            "UTC",
            "2026-01-01",
            "2026-01-02"
        )
        .is_empty());
        assert!(codes("date:run_date=2026-12-24T18:00:00", "UTC").is_empty());
    }

    #[test]
    fn skips_months_counts_february_29_in_common_years() {
        let lint = lints("cron:day=29", "UTC", "2026-01-01", "2027-01-01");
        assert_eq!(lint.len(), 1, "{lint:?}");
        assert_eq!(
            (lint[0].code, lint[0].message.as_str(), lint[0].fix.as_str()),
            (
                LintCode::SkipsMonths,
                "day 29 does not exist in February of common years (three years in four): those Februaries have no fire that day",
                "use `day=last` for the last day of every month (February 28 in common years)"
            )
        );
        // Months with a 29th, `last`, and days that every month has.
        assert!(codes("cron:month=3 day=29", "UTC").is_empty());
        assert!(codes("cron:day=29,last", "UTC").is_empty());
        assert!(codes("cron:day=28-31", "UTC").is_empty());
        assert!(codes("cron:day=*/3", "UTC").is_empty());
        assert!(codes("cron:day=1-31/10", "UTC").is_empty());
    }

    #[test]
    fn crontab_day_and_weekday_counts_the_days_cron_adds() {
        let (from, to) = ("2026-01-01", "2026-04-01");
        assert_eq!(
            message("crontab:0 9 1 * mon", "UTC", from, to, LintCode::CrontabDayAndWeekday),
            "day `1` and day_of_week `mon` are both restricted: APScheduler fires only on days that match both, Vixie cron and Kubernetes on days that match either: in this window that is 16 more fires, on 2026-01-01, 2026-01-05, 2026-01-12 and 13 more days / to fire on either as cron does, use `or:[cron:day=1 hour=9 minute=0 second=0 timezone=UTC] [cron:day_of_week=mon hour=9 minute=0 second=0 timezone=UTC]`; APScheduler's reading (both) needs no change"
        );
        // cron reads a numeric weekday with 0 = Sunday.
        assert!(message(
            "crontab:0 9 1 * 0",
            "UTC",
            from,
            to,
            LintCode::CrontabDayAndWeekday
        )
        .contains("day_of_week `0` (`sun` to cron, which counts 0 as Sunday)"));
        assert!(message(
            "cron:day=1-7 day_of_week=fri hour=9",
            "UTC",
            from,
            to,
            LintCode::CrontabDayAndWeekday
        )
        .contains("28 more fires"));
        // A field starting with `*` makes cron require both too; one field alone.
        assert!(codes_in("crontab:0 9 */2 * mon", "UTC", from, to).is_empty());
        assert!(codes_in("crontab:0 9 1 * *", "UTC", from, to).is_empty());
        assert!(codes_in("cron:day_of_week=mon hour=9", "UTC", from, to).is_empty());
        assert!(codes_in(
            "or:[cron:day=1 hour=9] [cron:day_of_week=mon hour=9]",
            "UTC",
            from,
            to
        )
        .is_empty());
    }

    #[test]
    fn bare_date_end_counts_the_fires_of_that_day() {
        assert_eq!(
            message("cron:hour=9 end_date=2026-06-30", "Europe/Berlin", "2026-06-01", "2026-08-01", LintCode::BareDateEnd),
            "end_date `2026-06-30` has no time, so it ends at 2026-06-30T00:00:00+02:00: 1 fire later that day, from 2026-06-30T09:00:00+02:00, does not happen / give the last time that may fire, `end_date=2026-06-30T23:59:59`, or the day after, `end_date=2026-07-01`"
        );
        assert!(message(
            "interval:hours=5 start_date=2026-06-01 end_date=2026-06-30",
            "Europe/Berlin",
            "2026-06-01",
            "2026-08-01",
            LintCode::BareDateEnd
        )
        .contains("4 fires later that day, from 2026-06-30T04:00:00+02:00, do not happen"));
        // A time given, a fire only at midnight (it happens), a calendar interval's date.
        for text in [
            "cron:hour=9 end_date=2026-06-30T23:59:59",
            "cron:hour=0 end_date=2026-06-30",
            "calendarinterval:days=1 hour=9 start_date=2026-06-01 end_date=2026-06-30",
        ] {
            assert!(
                codes_in(text, "Europe/Berlin", "2026-06-01", "2026-08-01").is_empty(),
                "{text}"
            );
        }
    }

    #[test]
    fn interval_dst_drift_suggests_a_calendar_interval() {
        assert_eq!(
            message(
                "interval:days=1 start_date=2026-03-01T09:00:00",
                "Europe/Berlin",
                "2026-03-01",
                "2026-05-01",
                LintCode::IntervalDstDrift
            ),
            "an interval of 1 day counts exact 24-hour days, so its fires follow the UTC offset: 09:00 on the wall clock until 2026-03-28, 10:00 from 2026-03-29T10:00:00+02:00 / to keep the wall-clock time, use `calendarinterval:days=1 hour=9 minute=0 start_date=2026-03-01 timezone=Europe/Berlin`"
        );
        assert!(message(
            "interval:weeks=2 start_date=2026-01-05T09:00:00",
            "America/New_York",
            "2026-01-01",
            "2027-01-01",
            LintCode::IntervalDstDrift
        )
        .contains("`calendarinterval:days=14 hour=9 minute=0 start_date=2026-01-05 timezone=America/New_York`"));
        // UTC, no change of offset in the window, not whole days, a calendar interval.
        assert!(codes("interval:days=1 start_date=2026-03-01T09:00:00", "UTC").is_empty());
        assert!(codes_in(
            "interval:days=1 start_date=2026-04-01T09:00:00",
            "Europe/Berlin",
            "2026-04-01",
            "2026-06-01"
        )
        .is_empty());
        assert!(codes(
            "interval:hours=23 start_date=2026-03-01T09:00:00",
            "Europe/Berlin"
        )
        .is_empty());
        assert!(codes(
            "calendarinterval:days=1 hour=9 start_date=2026-01-01",
            "Europe/Berlin"
        )
        .is_empty());
    }

    #[test]
    fn date_before_window_says_what_apscheduler_does() {
        assert_eq!(
            message(
                "date:run_date=2025-12-24T18:00:00",
                "UTC",
                "2026-01-01",
                "2027-01-01",
                LintCode::DateBeforeWindow
            ),
            "run_date 2025-12-24T18:00:00+00:00 lies before the window's start: APScheduler 3.x still returns it and processes it at the start, where it runs only if the start is within misfire_grace_time of it (else it is missed) / move run_date to the start or later, or remove the job if it has already run"
        );
        assert!(codes("date:run_date=2026-01-01T00:00:00", "UTC").is_empty());
        assert!(codes("date:", "UTC").is_empty());
    }
}
