//! Explanations: a trigger in plain English (APScheduler's hidden defaults spelled out), and
//! why an instant is or is not one of its fires.

use crate::calendar::{CalendarIntervalTrigger, CALENDAR_UNITS};
use crate::cron::{CronField, CronTrigger, Expr, Field};
use crate::interval::INTERVAL_UNITS;
use crate::time::{Instant, Tz, ZonedTime};
use crate::trigger::{CombiningTrigger, Trigger};

/// One line per field of a cron trigger: the field, its expression, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldLine {
    /// The field.
    pub field: CronField,
    /// Its expression (APScheduler's form).
    pub expr: String,
    /// Given, or which default rule set it.
    pub origin: &'static str,
}

/// A trigger explained.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Explanation {
    /// One sentence.
    pub summary: String,
    /// For cron triggers, each field with its origin.
    pub fields: Vec<FieldLine>,
    /// Zone, bounds and other notes, one per line.
    pub notes: Vec<String>,
}

fn all(f: &Field) -> bool {
    f.exprs() == [Expr::All { step: None }]
}

fn phrase(f: &Field, singular: &str, plural: &str) -> String {
    let text = f.to_string();
    if all(f) {
        return format!("every {singular}");
    }
    let single = f.exprs().len() == 1
        && matches!(f.exprs()[0], Expr::Range { first, last: Some(l), step: None } if first == l);
    if single {
        format!("{singular} {text}")
    } else {
        format!("{plural} {text}")
    }
}

fn day_phrase(f: &Field) -> String {
    if all(f) {
        return "every day".into();
    }
    let parts: Vec<String> = f
        .exprs()
        .iter()
        .map(|e| match e {
            Expr::WeekdayPosition { .. } => format!("the {e}"),
            Expr::LastDay => "the last day".into(),
            other => format!("day {other}"),
        })
        .collect();
    parts.join(" or ")
}

/// Explains a trigger in plain English.
///
/// ```
/// # use schedctl_trigger::{explain, Trigger};
/// let t: Trigger = "cron:day=1 minute=20".parse()?;
/// let e = explain(&t);
/// assert_eq!(e.summary, "at second 0 of minute 20 of every hour, on day 1 of every month");
/// # Ok::<(), schedctl_trigger::ParseErrors>(())
/// ```
pub fn explain(trigger: &Trigger) -> Explanation {
    match trigger {
        Trigger::Cron(c) => explain_cron(c),
        Trigger::Interval(i) => {
            let parts: Vec<String> = INTERVAL_UNITS
                .iter()
                .zip(i.units())
                .filter_map(|(u, v)| v.map(|v| format!("{v} {u}")))
                .collect();
            let every = if parts.is_empty() {
                "1 second (a zero interval)".to_owned()
            } else {
                parts.join(" ")
            };
            let mut notes = vec![format!("zone {} (fires count absolute time: a daily interval drifts an hour across a DST change)", i.zone())];
            match i.start_date() {
                Some(s) => notes.push(format!("first fire {s}")),
                None => notes.push(
                    "no start_date: the first fire is one interval after the scheduler starts"
                        .into(),
                ),
            }
            if let Some(e) = i.end_date() {
                notes.push(format!("no fire after {e}"));
            }
            Explanation {
                summary: format!("every {every}"),
                fields: Vec::new(),
                notes,
            }
        }
        Trigger::Date(d) => {
            let summary = match d.run_date() {
                Some(r) => format!("once, at {r}"),
                None => "once, when the scheduler starts".into(),
            };
            Explanation {
                summary,
                fields: Vec::new(),
                notes: vec![format!("zone {}", d.zone())],
            }
        }
        Trigger::CalendarInterval(c) => explain_calendar(c),
        Trigger::And(c) | Trigger::Or(c) => explain_combination(trigger.kind() == "and", c),
    }
}

fn explain_calendar(c: &CalendarIntervalTrigger) -> Explanation {
    let every: Vec<String> = CALENDAR_UNITS
        .iter()
        .zip(c.units())
        .filter(|(_, v)| *v != 0)
        .map(|(u, v)| format!("{v} {u}"))
        .collect();
    let [h, m, s] = c.time_of_day();
    let mut notes = vec![format!(
        "zone {} (the time of day stays on the wall clock across DST changes)",
        c.zone()
    )];
    match c.start_date() {
        Some((y, mo, d)) => notes.push(format!(
            "first fire {y:04}-{mo:02}-{d:02} at {h:02}:{m:02}:{s:02}, even when that lies before the scheduler starts (APScheduler then runs the missed fires at its first wake-up)"
        )),
        None => notes.push(
            "no start_date: the first fire is on the date the scheduler starts (even when that time of day has passed)".into(),
        ),
    }
    if let Some((y, mo, d)) = c.end_date() {
        notes.push(format!("no fire after {y:04}-{mo:02}-{d:02}"));
    }
    let [years, months, ..] = c.units();
    if years != 0 || months != 0 {
        notes.push(
            "years and months keep the day of month: a month without that day (29-31, or February 29) is skipped".into(),
        );
    }
    notes.push(
        "a date whose time of day falls in a DST gap is skipped; in a DST fold it fires at the first occurrence".into(),
    );
    if let Some(j) = c.jitter() {
        notes.push(format!("each fire is delayed by up to {j} s at random"));
    }
    Explanation {
        summary: format!(
            "every {} at {h:02}:{m:02}:{s:02} wall-clock time",
            every.join(" ")
        ),
        fields: Vec::new(),
        notes,
    }
}

fn explain_combination(and: bool, c: &CombiningTrigger) -> Explanation {
    let mut notes: Vec<String> = c
        .children()
        .iter()
        .enumerate()
        .map(|(i, t)| format!("trigger {}: {t} ({})", i + 1, explain(t).summary))
        .collect();
    notes.push(format!("fires are written in zone {}", c.zone()));
    if and {
        notes.push("it ends when any trigger ends".into());
        notes.push(
            "APScheduler 3.11 freezes: once it has fired, it asks every trigger for its next fire after that one; unless all give the same instant it loops for ever in the scheduler thread, and every job stops (`schedctl next` and `schedctl lint` show the fire after which that happens)".into(),
        );
    } else {
        notes.push("it ends when every trigger has ended".into());
        notes.push(
            "every trigger is handed the previous fire of the whole `or`: an interval counts from any trigger's fire, and a date trigger can only be the first fire".into(),
        );
    }
    if let Some(j) = c.jitter() {
        notes.push(format!("each fire is delayed by up to {j} s at random"));
    }
    let summary = if and {
        format!(
            "when all {} triggers give the same next fire",
            c.children().len()
        )
    } else {
        format!(
            "at the earliest next fire of any of {} triggers",
            c.children().len()
        )
    };
    Explanation {
        summary,
        fields: Vec::new(),
        notes,
    }
}

fn explain_cron(c: &CronTrigger) -> Explanation {
    let f = c.fields();
    let last_given = f.iter().rposition(|x| !x.is_default());
    let fields = f
        .iter()
        .enumerate()
        .map(|(i, x)| FieldLine {
            field: x.field(),
            expr: x.to_string(),
            origin: if !x.is_default() {
                "given"
            } else if last_given.is_some_and(|l| i > l)
                && !matches!(x.field(), CronField::Week | CronField::DayOfWeek)
            {
                "unset: its minimum, as it comes after the least significant field given"
            } else {
                "unset: any value"
            },
        })
        .collect();
    let [year, month, day, week, dow, hour, minute, second] = f;
    let mut summary = format!(
        "at {} of {} of {}, on {} of {}",
        phrase(second, "second", "seconds"),
        phrase(minute, "minute", "minutes"),
        phrase(hour, "hour", "hours"),
        day_phrase(day),
        phrase(month, "month", "months"),
    );
    if !all(dow) {
        summary.push_str(&format!(", only on {} (0 = mon)", dow));
    }
    if !all(week) {
        summary.push_str(&format!(", in ISO week {week}"));
    }
    if !all(year) {
        summary.push_str(&format!(", in year {year}"));
    }
    let mut notes = vec![format!("zone {}", c.zone())];
    if !all(day) && !all(dow) {
        notes.push(
            "day and day_of_week must both match (APScheduler ANDs them; Vixie cron ORs them)"
                .into(),
        );
    }
    if let Some(s) = c.start_date() {
        notes.push(format!("no fire before {s}"));
    }
    if let Some(e) = c.end_date() {
        notes.push(format!("no fire after {e}"));
    }
    if let Some(j) = c.jitter() {
        notes.push(format!("each fire is delayed by up to {j} s at random"));
    }
    if c.is_empty() {
        notes.push("a field allows no value: this trigger never fires".into());
    }
    Explanation {
        summary,
        fields,
        notes,
    }
}

/// Why an instant is, or is not, a fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It is a fire; notes say when it is one only because of a DST rule.
    Fires(Vec<String>),
    /// It is not; the reasons, one per line (which field rejects it, a bound, a DST shift).
    NotAFire(Vec<String>),
}

/// Says why `at` is or is not a fire of `trigger` (for cron triggers, field by field).
pub fn why(trigger: &Trigger, at: Instant) -> Verdict {
    let zone = trigger.zone();
    // Walk from two days before, as a running scheduler would arrive: a fire shifted by a DST
    // gap is only reached that way.
    let walk_from = at.add_micros(-2 * crate::civil::US_PER_DAY);
    let walked = walk_past(trigger, walk_from, at);
    let first = walked.at;
    let next = walked.next;
    if let Some(f) = first {
        let mut notes = Vec::new();
        if let Trigger::Cron(c) = trigger {
            let civil = f.civil();
            let days = f.local_micros().div_euclid(crate::civil::US_PER_DAY);
            if c.fields()
                .iter()
                .any(|x| !x.allows(&civil, x.field().value_at(&civil, days)))
            {
                notes.push(format!(
                    "{f} matches only because the wall time APScheduler wanted does not exist (a DST gap): it fires shifted by the gap"
                ));
            }
        }
        return Verdict::Fires(notes);
    }
    let first = next;
    let mut reasons = Vec::new();
    let Ok(local) = ZonedTime::from_instant(at, Tz::Zone(zone)) else {
        return Verdict::NotAFire(vec!["out of range".into()]);
    };
    if let Trigger::Cron(c) = trigger {
        if local.local_micros().rem_euclid(1_000_000) != 0 {
            reasons.push("cron fires fall on whole seconds".into());
        }
        let civil = local.civil();
        let days = local.local_micros().div_euclid(crate::civil::US_PER_DAY);
        for field in c.fields() {
            let value = field.field().value_at(&civil, days);
            if !field.allows(&civil, value) {
                reasons.push(format!(
                    "`{}` is {value} at {local}, the trigger allows `{field}`",
                    field.field()
                ));
            }
        }
        if let Some(s) = c.start_date() {
            if at < s.instant() {
                reasons.push(format!("it is before start_date {s}"));
            }
        }
        if let Some(e) = c.end_date() {
            if at > e.instant() {
                reasons.push(format!("it is after end_date {e}"));
            }
        }
        if let Some((prev, landed)) = walked.jumped {
            reasons.push(format!(
                "APScheduler 3.11 skips this fire: walking on from its fire at {prev} across the DST change, its search carries the old UTC offset and lands on {landed} (a job whose search starts after {prev}, added or resumed then, does fire at {local}); the workaround that works in APScheduler itself is `calendarinterval:days=1 hour={} minute={}` (it does not skip), and `dst_jump=fire` makes schedctl fire anyway (unlike APScheduler)",
                local.civil().hour,
                local.civil().minute
            ));
        } else if reasons.is_empty() {
            reasons.push(format!(
                "every field matches {local}, but APScheduler's search from here lands elsewhere: a DST change moves this wall time (see the DST page)"
            ));
        }
    }
    if let Some(f) = first {
        reasons.push(format!("the next fire is {f}"));
    } else {
        reasons.push("there is no fire at or after it".into());
    }
    Verdict::NotAFire(reasons)
}

/// What walking a trigger's fires from `from`, as a running scheduler does, shows about `at`.
struct WalkedPast {
    /// The fire at `at`, if it is one.
    at: Option<ZonedTime>,
    /// The first fire after `at`.
    next: Option<ZonedTime>,
    /// When APScheduler's search jumped over `at`: the fire it walked on from, and where it
    /// landed.
    jumped: Option<(ZonedTime, ZonedTime)>,
}

fn walk_past(trigger: &Trigger, from: Instant, at: Instant) -> WalkedPast {
    let mut out = WalkedPast {
        at: None,
        next: None,
        jumped: None,
    };
    let zone = Tz::Zone(trigger.zone());
    let (Ok(schedule), Ok(start)) = (trigger.schedule(from), ZonedTime::from_instant(from, zone))
    else {
        return out;
    };
    let mut rng = crate::jitter::JitterRng::new(0);
    let (mut prev, mut now) = (None::<ZonedTime>, start);
    // A bounded walk: two days of fires (an every-second trigger has 172,800).
    for _ in 0..200_000 {
        let Ok(raw) = schedule.next_fire_time(prev.as_ref(), &now, &mut rng) else {
            return out;
        };
        if let Some(p) = &prev {
            if let Ok(Some((skipped, false))) = schedule.jumped_over(p, raw.as_ref()) {
                if skipped.instant() == at {
                    let shown = |t: &ZonedTime| t.canonical_in(zone).unwrap_or(*t);
                    out.jumped = raw.map(|r| (shown(p), shown(&r)));
                }
            }
        }
        let Some(raw) = raw else { return out };
        let Ok(fire) = raw.canonical_in(zone) else {
            return out;
        };
        if fire.instant() == at {
            out.at = Some(fire);
        } else if fire.instant() > at {
            out.next = Some(fire);
            return out;
        }
        (prev, now) = (Some(raw), raw);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso::IsoDateTime;
    use crate::zone::Zone;

    fn at(text: &str, zone: Zone) -> Instant {
        IsoDateTime::parse(text)
            .map(|t| t.resolve(Tz::Zone(zone)).expect("range").instant())
            .expect("valid")
    }

    #[test]
    fn why_names_the_rejecting_field_and_the_dst_shift() {
        let berlin = Zone::get("Europe/Berlin").expect("zone");
        let t = Trigger::parse_in("cron:hour=2 minute=30", berlin).expect("valid");
        assert_eq!(
            why(&t, at("2027-03-29T02:30:00", berlin)),
            Verdict::Fires(Vec::new())
        );
        let Verdict::Fires(notes) = why(&t, at("2027-03-28T03:30:00+02:00", berlin)) else {
            panic!("a fire")
        };
        assert!(notes[0].contains("DST gap"), "{notes:?}");
        let Verdict::NotAFire(reasons) = why(&t, at("2027-03-29T02:31:00", berlin)) else {
            panic!("not a fire")
        };
        assert!(reasons[0].starts_with("`minute` is 31"), "{reasons:?}");
        assert!(
            reasons[1].contains("2027-03-30T02:30:00+02:00"),
            "{reasons:?}"
        );
    }

    #[test]
    fn explain_spells_out_defaults() {
        let t: Trigger = "cron:month=6 day=last sun".parse().expect("valid");
        let e = explain(&t);
        assert_eq!(
            e.summary,
            "at second 0 of minute 0 of hour 0, on the last sun of month 6"
        );
        assert_eq!(
            e.fields[5].origin,
            "unset: its minimum, as it comes after the least significant field given"
        );
        assert_eq!(e.fields[0].origin, "unset: any value");
    }
}
