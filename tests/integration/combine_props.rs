//! Properties of the combining triggers `or:` and `and:` (APScheduler 3.11's OrTrigger and
//! AndTrigger), each checked against the fires of the children walked on their own.
//!
//! Fires are compared by instant, and only before the first DST change after the start less
//! one hour (the DST changes of [`ZONES`] shift clocks by at most an hour). Past that point the
//! combination and a lone child legitimately part ways, as APScheduler does:
//! - a combination compares its children's answers as Python compares datetimes of one zone,
//!   by wall clock with the fold ignored: in a fold, a child's 02:10 of the second pass is
//!   "earlier" than another child's 02:50 of the first pass, so `or:[cron:hour=2 minute=10]
//!   [cron:hour=2 minute=50]` in Europe/Berlin on 2027-10-31 fires 02:10+02:00, then
//!   02:10+01:00 (an hour later than 02:50+02:00, which it never fires), and an `and` takes two
//!   children's 02:30+02:00 and 02:30+01:00 for the same fire;
//! - a cron child's search that steps over a DST change can land past a match (see
//!   `no_fire_is_skipped_between_consecutive_fires` in trigger_props.rs), so a child asked
//!   from another child's fire can answer what the child walked alone skips, and the
//!   reverse.
//!
//! UTC has no DST change, so there every fire up to the window's end is compared.

use std::collections::BTreeMap;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant as Clock};

use proptest::prelude::*;
use proptest::sample::select;
use schedctl_trigger::{EvalError, Instant, Trigger, Tz, Zone, ZonedTime};

/// UTC, 1 h DST in both hemispheres, and Lord Howe's 30-minute DST.
const ZONES: [&str; 4] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
];

/// 1995-01-01T00:00:00Z and 2035-01-01T00:00:00Z.
const FROM_1995: i64 = 788_918_400;
const TO_2035: i64 = 2_051_222_400;

const US_PER_SEC: i64 = 1_000_000;
const US_PER_HOUR: i64 = 3_600 * US_PER_SEC;
const US_PER_DAY: i64 = 24 * US_PER_HOUR;

/// Fires of each `or` child compared per case.
const OR_CHILD_FIRES: usize = 20;

/// How far past the start an `and` and its children are compared, and the most fires of one
/// child walked to get there.
const AND_WINDOW_DAYS: i64 = 14;
const AND_CHILD_FIRES: usize = 1_500;

/// Fires of an `and` compared per case (the walk stops there if the children still agree).
const AND_FIRES: usize = 50;

/// The hang guard: fires taken per generated combination, and the time allowed for them. An
/// `and` that never agrees and cannot be proven so searches at most 500,000 rounds (a few
/// seconds unoptimised, a tenth of a second optimised) before it gives up with an error: the
/// limit bounds that, with room for a loaded machine.
const HANG_FIRES: usize = 50;
const HANG_LIMIT: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(30)
} else {
    Duration::from_secs(5)
};

/// `default` cases per property (the whole file runs in a few seconds in debug);
/// `PROPTEST_CASES=5000` searches deeper.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---- generators -------------------------------------------------------------------------

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `a`, `a,b`, `a-b` or `*/n` over `lo..=hi` (`b` > `a`, `n` at most the range's length).
fn small_expr(lo: u32, hi: u32) -> BoxedStrategy<String> {
    prop_oneof![
        3 => (lo..=hi).prop_map(|a| a.to_string()),
        1 => (lo..=hi, lo..=hi)
            .prop_filter("two values", |(a, b)| a != b)
            .prop_map(|(a, b)| format!("{},{}", a.min(b), a.max(b))),
        1 => (lo..hi)
            .prop_flat_map(move |a| (Just(a), a + 1..=hi))
            .prop_map(|(a, b)| format!("{a}-{b}")),
        1 => (1..=(hi - lo).max(1)).prop_map(|n| format!("*/{n}")),
    ]
    .boxed()
}

fn weekday_expr() -> BoxedStrategy<String> {
    prop_oneof![
        (0..7usize).prop_map(|a| WEEKDAYS[a].to_owned()),
        (0..7usize, 0..7usize).prop_map(|(a, b)| format!(
            "{}-{}",
            WEEKDAYS[a.min(b)],
            WEEKDAYS[a.max(b)]
        )),
    ]
    .boxed()
}

fn day_expr() -> BoxedStrategy<String> {
    prop_oneof![
        4 => small_expr(1, 31),
        1 => Just("last".to_owned()),
        1 => (select(vec!["1st", "2nd", "last"]), 0..7usize)
            .prop_map(|(p, w)| format!("{p} {}", WEEKDAYS[w])),
    ]
    .boxed()
}

/// ` name=value` for each field that is set.
fn fields(pairs: &[(&str, Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!(" {name}={v}")))
        .collect()
}

/// The fields of a `cron:` child of an `or`: months, days, weekdays, hours, minutes (and
/// now and then seconds), so that a child fires from every few seconds to a few times a year.
fn or_cron_fields() -> impl Strategy<Value = String> {
    (
        prop::option::weighted(0.1, small_expr(1, 12)),
        prop::option::weighted(0.2, day_expr()),
        prop::option::weighted(0.25, weekday_expr()),
        prop::option::weighted(0.7, small_expr(0, 23)),
        prop::option::weighted(0.7, small_expr(0, 59)),
        prop::option::weighted(0.1, small_expr(0, 59)),
    )
        .prop_map(|(month, day, dow, hour, minute, second)| {
            fields(&[
                ("month", month),
                ("day", day),
                ("day_of_week", dow),
                ("hour", hour),
                ("minute", minute),
                ("second", second),
            ])
        })
}

/// The fields of a `cron:` child of an `and`: minute 0 (and maybe more) of some hours, so
/// that children often agree.
fn and_cron_fields() -> impl Strategy<Value = String> {
    let minute = select(vec!["0", "0", "0,30", "*/15", "*/30", "0-30/10"]).prop_map(str::to_owned);
    let hour = select(vec![
        "*/2", "*/3", "*/4", "*/6", "9", "0-12", "6-18", "8,20",
    ])
    .prop_map(str::to_owned);
    (
        prop::option::weighted(0.15, day_expr()),
        prop::option::weighted(0.25, weekday_expr()),
        prop::option::weighted(0.7, hour),
        minute,
    )
        .prop_map(|(day, dow, hour, minute)| {
            fields(&[
                ("day", day),
                ("day_of_week", dow),
                ("hour", hour),
                ("minute", Some(minute)),
            ])
        })
}

/// A non-combining trigger whose dates are written relative to the start (they are only
/// known once the case's start is drawn): see [`Leaf::text`].
#[derive(Clone, Debug)]
enum Leaf {
    /// `cron:` with these fields.
    Cron(String),
    /// `interval:UNIT=N`, starting this many hours after the start's hour.
    Interval {
        unit: &'static str,
        n: u32,
        start_hours: i64,
    },
    /// `calendarinterval:UNIT=N hour=.. minute=..`, starting this many days after the
    /// start's date.
    Calendar {
        unit: &'static str,
        n: u32,
        hour: u32,
        minute: u32,
        start_days: i64,
    },
    /// `date:`, this many hours after the start's hour.
    Date { hours: i64 },
}

impl Leaf {
    /// The trigger string, its dates naive in the trigger's zone, counted from `start`: the
    /// wall time of the case's start with the minutes and seconds cut off.
    fn text(&self, start: chrono::NaiveDateTime) -> String {
        let wall = |hours: i64| {
            (start + chrono::Duration::hours(hours))
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        };
        match self {
            Leaf::Cron(fields) => format!("cron:{fields}"),
            Leaf::Interval {
                unit,
                n,
                start_hours,
            } => format!("interval:{unit}={n} start_date={}", wall(*start_hours)),
            Leaf::Calendar {
                unit,
                n,
                hour,
                minute,
                start_days,
            } => {
                let date = (start.date() + chrono::Duration::days(*start_days)).format("%Y-%m-%d");
                format!("calendarinterval:{unit}={n} hour={hour} minute={minute} start_date={date}")
            }
            Leaf::Date { hours } => format!("date:run_date={}", wall(*hours)),
        }
    }

    /// APScheduler's first answer of a date or calendar interval is the same however late
    /// `now` is.
    fn ignores_now(&self) -> bool {
        matches!(self, Leaf::Calendar { .. } | Leaf::Date { .. })
    }
}

/// A child of an `and`: mostly cron, on whole hours where it has dates. Every cron child
/// fires at minute 0 of its hours and every interval is 15 or 30 minutes long from a whole
/// hour (in every zone, Lord Howe's half-hour DST included), so a cron and an interval child
/// always agree somewhere: children that never agree make schedctl search 2,000,000 rounds
/// (seconds in a debug build) before it gives up with `AndSearchTooLong`, which
/// `walking_a_combination_never_hangs` is about.
fn and_leaf() -> impl Strategy<Value = Leaf> {
    let interval = (select(vec![15u32, 30]), -48i64..=24).prop_map(|(n, s)| Leaf::Interval {
        unit: "minutes",
        n,
        start_hours: s,
    });
    let calendar = (
        select(vec![
            ("days", 1u32),
            ("days", 2),
            ("days", 3),
            ("weeks", 1),
            ("months", 1),
        ]),
        select(vec![0u32, 6, 8, 9, 12, 20]),
        select(vec![0u32, 0, 30]),
        -1i64..=3,
    )
        .prop_map(|((unit, n), hour, minute, start_days)| Leaf::Calendar {
            unit,
            n,
            hour,
            minute,
            start_days,
        });
    prop_oneof![
        6 => and_cron_fields().prop_map(Leaf::Cron),
        3 => interval,
        2 => calendar,
        1 => (-6i64..=72).prop_map(|hours| Leaf::Date { hours }),
    ]
}

/// Any leaf, for the hang guard: every cron syntax of [`or_cron_fields`], intervals from
/// seconds to weeks, calendar intervals of every unit, dates; sometimes in another zone or
/// with jitter.
fn any_leaf() -> impl Strategy<Value = (Leaf, String)> {
    let interval = (
        select(vec!["seconds", "minutes", "hours", "days", "weeks"]),
        1u32..=90,
        -72i64..=72,
    )
        .prop_map(|(unit, n, start_hours)| Leaf::Interval {
            unit,
            n,
            start_hours,
        });
    let calendar = (
        select(vec!["years", "months", "weeks", "days"]),
        1u32..=13,
        0u32..24,
        0u32..60,
        -40i64..=40,
    )
        .prop_map(|(unit, n, hour, minute, start_days)| Leaf::Calendar {
            unit,
            n,
            hour,
            minute,
            start_days,
        });
    let leaf = prop_oneof![
        3 => or_cron_fields().prop_map(Leaf::Cron),
        2 => and_cron_fields().prop_map(Leaf::Cron),
        2 => interval,
        2 => calendar,
        1 => (-72i64..=72).prop_map(|hours| Leaf::Date { hours }),
    ];
    let extra = (
        prop::option::weighted(0.15, select(&ZONES[..])),
        prop::option::weighted(0.1, 1u32..=600),
    )
        .prop_map(|(zone, jitter)| {
            let mut out = String::new();
            if let Some(z) = zone {
                out += &format!(" timezone={z}");
            }
            if let Some(j) = jitter {
                out += &format!(" jitter={j}");
            }
            out
        });
    (leaf, extra)
}

/// A tree of `and`/`or` over leaves, at most two combinations deep.
#[derive(Clone, Debug)]
enum Node {
    /// A leaf and the extra fields (`timezone=`, `jitter=`) written after it (not for dates).
    Leaf(Leaf, String),
    /// `and` (true) or `or` (false), its children and its jitter.
    Combine(bool, Vec<Node>, Option<u32>),
}

impl Node {
    fn text(&self, start: chrono::NaiveDateTime) -> String {
        match self {
            Node::Leaf(leaf @ Leaf::Date { .. }, _) => leaf.text(start),
            Node::Leaf(leaf, extra) => leaf.text(start) + extra,
            Node::Combine(and, children, jitter) => {
                let mut out = if *and { "and:" } else { "or:" }.to_owned();
                let texts: Vec<String> = children
                    .iter()
                    .map(|c| format!("[{}]", c.text(start)))
                    .collect();
                out += &texts.join(" ");
                if let Some(j) = jitter {
                    out += &format!(" jitter={j}");
                }
                out
            }
        }
    }
}

fn combination(children: BoxedStrategy<Node>) -> BoxedStrategy<Node> {
    (
        any::<bool>(),
        prop::collection::vec(children, 1..=3),
        prop::option::weighted(0.1, 1u32..=300),
    )
        .prop_map(|(and, children, jitter)| Node::Combine(and, children, jitter))
        .boxed()
}

/// An `and` or `or` whose children are leaves or combinations of leaves.
fn any_combination() -> BoxedStrategy<Node> {
    let leaf = any_leaf()
        .prop_map(|(l, extra)| Node::Leaf(l, extra))
        .boxed();
    let inner = prop_oneof![3 => leaf.clone(), 1 => combination(leaf)].boxed();
    combination(inner)
}

/// An instant in 1995..2035 with a fraction of a second now and then.
fn instant() -> impl Strategy<Value = Instant> {
    let micros = prop_oneof![3 => Just(0i64), 1 => 1i64..US_PER_SEC];
    (FROM_1995..TO_2035, micros).prop_map(|(s, us)| Instant::from_unix_micros(s * US_PER_SEC + us))
}

// ---- helpers ----------------------------------------------------------------------------

fn zone(name: &str) -> Zone {
    Zone::get(name).unwrap_or_else(|e| panic!("zone `{name}` is bundled: {e:?}"))
}

fn parse(text: &str, zone: Zone) -> Trigger {
    Trigger::parse_in(text, zone)
        .unwrap_or_else(|e| panic!("generated trigger `{text}` is valid:\n{}", e.render()))
}

fn at(t: Instant, zone: Zone) -> ZonedTime {
    ZonedTime::from_instant(t, Tz::Zone(zone)).expect("instants of 1995..2035 are in range")
}

fn offset(zone: Zone, us: i64) -> i32 {
    at(Instant::from_unix_micros(us), zone).offset_seconds()
}

/// The wall time of `t` in `zone`, minutes and seconds cut off: what leaf dates count from.
fn start_hour(t: Instant, zone: Zone) -> chrono::NaiveDateTime {
    let local = at(t, zone).local_micros();
    let secs = local.div_euclid(US_PER_SEC);
    chrono::DateTime::from_timestamp(secs - secs.rem_euclid(3_600), 0)
        .expect("1995..2035")
        .naive_utc()
}

/// The first instant in `(a, b]` whose UTC offset in `zone` differs from the offset at `a`,
/// to the second. The DST changes of [`ZONES`] since 1995 are more than 100 days apart, so
/// samples 30 days apart see every change, and then a bisection finds it.
fn first_dst_change(zone: Zone, a: i64, b: i64) -> Option<i64> {
    let before = offset(zone, a);
    let mut lo = a;
    while lo < b {
        let mut hi = lo.saturating_add(30 * US_PER_DAY).min(b);
        if offset(zone, hi) != before {
            while hi - lo > US_PER_SEC {
                let mid = lo + (hi - lo) / 2;
                if offset(zone, mid) == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return Some(hi);
        }
        lo = hi;
    }
    None
}

/// The end (exclusive) of the span from `a` up to `b` where fires are compared: `b`, or
/// one hour before the first DST change after `a`.
fn quiet_until(zone: Zone, a: i64, b: i64) -> i64 {
    first_dst_change(zone, a, b.saturating_add(US_PER_HOUR)).map_or(b, |t| (t - US_PER_HOUR).min(b))
}

/// The fires of `trigger` bound to and walked from `t`, in `zone`, while `keep` holds, at
/// most `cap` of them; true when the trigger ended before that.
fn walk(
    trigger: &Trigger,
    zone: Zone,
    t: Instant,
    cap: usize,
    keep: impl Fn(&ZonedTime) -> bool,
) -> (Vec<ZonedTime>, bool) {
    let schedule = trigger.schedule(t).expect("binds in 1995..2035");
    let mut fires = schedule
        .fires_from(at(t, zone), 0)
        .expect("starts in range");
    let mut out = Vec::new();
    while out.len() < cap {
        match fires.next() {
            None => return (out, true),
            Some(Ok(f)) if keep(&f) => out.push(f),
            Some(Ok(_)) => return (out, false),
            Some(Err(e)) => panic!("`{trigger}` from {}: {e}", at(t, zone)),
        }
    }
    (out, false)
}

fn us(t: &ZonedTime) -> i64 {
    t.instant().unix_micros()
}

/// The fires of one child of an `and`, as the model of the `and` reads them: every fire
/// before `known_until` (the same bound for all children), and whether the child ends there.
struct ChildFires {
    fires: Vec<i64>,
    ended: bool,
    ignores_now: bool,
}

/// A child's answer as far as its fires are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Answer {
    /// A fire before the common bound.
    At(i64),
    /// Some fire at or after the common bound.
    Beyond,
    /// No fire: the child has ended.
    Ended,
}

impl ChildFires {
    /// The first fire at or after `now` (`strictly` after it).
    fn first_from(&self, now: i64, strictly: bool) -> Answer {
        let i = self
            .fires
            .partition_point(|&f| if strictly { f <= now } else { f < now });
        match self.fires.get(i) {
            Some(&f) => Answer::At(f),
            None if self.ended => Answer::Ended,
            None => Answer::Beyond,
        }
    }
}

/// How a walk of an `and` ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// The trigger has no more fires.
    Ended,
    /// APScheduler 3.11 loops for ever after this fire.
    Loops(i64),
    /// The next fire is at or after the common bound (or, for the model, not known).
    Beyond,
    /// [`AND_FIRES`] fires taken.
    Enough,
    /// schedctl gave up the search for a first fire ([`EvalError::AndSearchTooLong`]).
    SearchTooLong,
}

/// APScheduler 3.11's AndTrigger walked over its children's own fires, by instant:
/// the first fire raises `now` to the latest answer until every child gives the same one
/// (nothing, if a child that ignores `now` answered earlier), and every later fire is the
/// children's common next fire after the previous one, or the loop that APScheduler never
/// leaves when they disagree.
fn model_and(children: &[ChildFires], from: i64) -> (Vec<i64>, End) {
    let mut fires = Vec::new();
    let mut now = from;
    // The first fire.
    loop {
        let answers: Vec<Answer> = children
            .iter()
            .map(|c| {
                if c.ignores_now {
                    c.first_from(i64::MIN, false)
                } else {
                    c.first_from(now, false)
                }
            })
            .collect();
        if answers.contains(&Answer::Ended) {
            return (fires, End::Ended);
        }
        let high = *answers.iter().max().expect("children");
        if answers.iter().all(|a| *a == high) {
            match high {
                Answer::At(t) => {
                    fires.push(t);
                    break;
                }
                _ => return (fires, End::Beyond),
            }
        }
        let early_fixed_answer = children
            .iter()
            .zip(&answers)
            .any(|(c, a)| c.ignores_now && *a < high);
        if early_fixed_answer {
            return (fires, End::Ended);
        }
        match high {
            Answer::At(t) => now = t,
            _ => return (fires, End::Beyond),
        }
    }
    // Every next fire.
    while fires.len() < AND_FIRES {
        let prev = *fires.last().expect("a first fire");
        let answers: Vec<Answer> = children.iter().map(|c| c.first_from(prev, true)).collect();
        if answers.contains(&Answer::Ended) {
            return (fires, End::Ended);
        }
        match answers[0] {
            Answer::At(t) if answers.iter().all(|a| *a == answers[0]) => fires.push(t),
            Answer::Beyond if answers.iter().all(|a| *a == Answer::Beyond) => {
                return (fires, End::Beyond)
            }
            _ => return (fires, End::Loops(prev)),
        }
    }
    (fires, End::Enough)
}

/// An `and` case: the leaves, the zone, the start, and each child's fires up to the end of
/// the compared span.
struct AndCase {
    text: String,
    zone: Zone,
    from: ZonedTime,
    children: Vec<(String, ChildFires)>,
    known_until: i64,
}

fn and_case(leaves: &[Leaf], tz: &str, t: Instant) -> AndCase {
    let zone = zone(tz);
    let start = start_hour(t, zone);
    let texts: Vec<String> = leaves.iter().map(|l| l.text(start)).collect();
    let text = format!(
        "and:{}",
        texts
            .iter()
            .map(|c| format!("[{c}]"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let from = at(t, zone);
    let window_end = us(&from) + AND_WINDOW_DAYS * US_PER_DAY;
    let walked: Vec<(Vec<ZonedTime>, bool)> = texts
        .iter()
        .map(|c| {
            walk(&parse(c, zone), zone, t, AND_CHILD_FIRES, |f| {
                us(f) < window_end
            })
        })
        .collect();
    // Calendar intervals and dates may fire before the start: the span begins at the earliest
    // fire, so that no DST change lies between it and the start.
    let earliest = walked
        .iter()
        .filter_map(|(f, _)| f.first().map(us))
        .fold(us(&from), i64::min);
    let mut known_until = quiet_until(zone, earliest, window_end);
    for (fires, ended) in &walked {
        if !ended && fires.len() == AND_CHILD_FIRES {
            known_until = known_until.min(us(fires.last().expect("fires")) + 1);
        }
    }
    let children = texts
        .into_iter()
        .zip(walked)
        .zip(leaves)
        .map(|((text, (fires, ended)), leaf)| {
            let fires: Vec<i64> = fires.iter().map(us).collect();
            let beyond = fires.iter().any(|&f| f >= known_until);
            let fires = fires.into_iter().filter(|&f| f < known_until).collect();
            let child = ChildFires {
                fires,
                ended: ended && !beyond,
                ignores_now: leaf.ignores_now(),
            };
            (text, child)
        })
        .collect();
    AndCase {
        text,
        zone,
        from,
        children,
        known_until,
    }
}

/// The fires of the `and` itself before the common bound, and how its walk ended.
fn walk_and(case: &AndCase, t: Instant) -> (Vec<ZonedTime>, End, Option<EvalError>) {
    let trigger = parse(&case.text, case.zone);
    let schedule = trigger.schedule(t).expect("binds in 1995..2035");
    let mut fires = schedule.fires_from(case.from, 0).expect("starts in range");
    let mut out: Vec<ZonedTime> = Vec::new();
    while out.len() < AND_FIRES {
        match fires.next() {
            None => return (out, End::Ended, None),
            Some(Ok(f)) if us(&f) < case.known_until => out.push(f),
            Some(Ok(_)) => return (out, End::Beyond, None),
            Some(Err(e @ EvalError::AndTriggerLoops { after, .. })) => {
                return (out, End::Loops(after.instant().unix_micros()), Some(e))
            }
            Some(Err(EvalError::AndSearchTooLong)) => return (out, End::SearchTooLong, None),
            Some(Err(e)) => panic!("`{}` from {}: {e}", case.text, case.from),
        }
    }
    (out, End::Enough, None)
}

fn show(us: i64, zone: Zone) -> String {
    at(Instant::from_unix_micros(us), zone).to_string()
}

// ---- properties -------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// An `or` of cron triggers fires exactly at the fires of its children, merged in order
    /// of time, an instant where several children fire given once. Only cron children: a cron
    /// trigger handed the previous fire of the combination answers its own next fire after
    /// it, while an interval counts from it and a date or calendar interval fires relative
    /// to it (those would fire differently alone).
    #[test]
    fn or_of_crons_fires_the_merged_fires_of_its_children(
        children in prop::collection::vec(
            (or_cron_fields(), prop::option::weighted(0.2, 0i64..=4 * 24 * 60)),
            2..=3,
        ),
        tz in select(&ZONES[..]),
        t in instant(),
    ) {
        let zone = zone(tz);
        let from = at(t, zone);
        let texts: Vec<String> = children
            .iter()
            .map(|(f, end)| match end {
                // An end date written with its offset (an instant, not a wall time).
                Some(m) => {
                    let end = at(t.add_micros(m * 60 * US_PER_SEC), zone);
                    format!("cron:{f} end_date={end}")
                }
                None => format!("cron:{f}"),
            })
            .collect();
        let walked: Vec<(Vec<ZonedTime>, bool)> = texts
            .iter()
            .map(|c| walk(&parse(c, zone), zone, t, OR_CHILD_FIRES, |_| true))
            .collect();
        // Compared: fires up to the last fire of every child that has more (the merge is
        // complete up to there), and before any DST change.
        let mut until = i64::MAX;
        for (fires, ended) in &walked {
            if !ended {
                until = until.min(us(fires.last().expect("a child that has not ended fires")) + 1);
            }
        }
        let last = walked
            .iter()
            .filter_map(|(f, _)| f.last().map(us))
            .max()
            .map_or(us(&from), |l| l.min(until));
        let until = quiet_until(zone, us(&from), last.saturating_add(1)).min(until);

        let mut merged = BTreeMap::new();
        for fire in walked.iter().flat_map(|(f, _)| f) {
            if us(fire) < until {
                merged.insert(us(fire), fire.to_string());
            }
        }
        let expected: Vec<String> = merged.into_values().collect();

        let text = format!(
            "or:{}",
            texts.iter().map(|c| format!("[{c}]")).collect::<Vec<_>>().join(" ")
        );
        let (ours, _) = walk(&parse(&text, zone), zone, t, expected.len() + 1, |f| us(f) < until);
        let ours: Vec<String> = ours.iter().map(ToString::to_string).collect();
        prop_assert_eq!(
            &ours, &expected,
            "`{}` --tz {} --from {} (compared before {})", text, tz, from, show(until, zone)
        );
    }

    /// Every fire of an `and` is a fire of each child (walked on its own from the same start,
    /// compared by instant), up to the end of the window or the first
    /// [`EvalError::AndTriggerLoops`], where APScheduler 3.11 stops for good.
    #[test]
    fn and_fires_are_fires_of_every_child(
        leaves in prop::collection::vec(and_leaf(), 2..=3),
        tz in select(&ZONES[..]),
        t in instant(),
    ) {
        let case = and_case(&leaves, tz, t);
        let (fires, _, _) = walk_and(&case, t);
        for fire in &fires {
            for (child, own) in &case.children {
                prop_assert!(
                    own.fires.binary_search(&us(fire)).is_ok(),
                    "`{}` --tz {} --from {}: fires {}, which its child `{}` does not",
                    case.text, tz, case.from, fire, child
                );
            }
        }
    }

    /// The fires of an `and` and where they end are those of a model of APScheduler 3.11's
    /// AndTrigger over its children's own fires (see [`model_and`]): after the first fire it
    /// fires while the children's next fires agree, and reports the endless loop
    /// ([`EvalError::AndTriggerLoops`] after the last fire) as soon as they do not.
    #[test]
    fn and_fires_until_its_children_disagree(
        leaves in prop::collection::vec(and_leaf(), 1..=3),
        tz in select(&ZONES[..]),
        t in instant(),
    ) {
        let case = and_case(&leaves, tz, t);
        let children: Vec<ChildFires> = case.children.iter().map(|(_, c)| ChildFires {
            fires: c.fires.clone(),
            ended: c.ended,
            ignores_now: c.ignores_now,
        }).collect();
        let (expected, expected_end) = model_and(&children, us(&case.from));
        let (fires, end, error) = walk_and(&case, t);
        let ours: Vec<String> = fires.iter().map(ToString::to_string).collect();
        let expected: Vec<String> = expected.iter().map(|&f| show(f, case.zone)).collect();
        let context = format!(
            "`{}` --tz {tz} --from {} (compared before {})",
            case.text, case.from, show(case.known_until, case.zone)
        );
        prop_assert_eq!(&ours, &expected, "{}", context);
        match (&expected_end, &end) {
            // Past the compared span the model knows nothing more.
            (End::Beyond, _) => {}
            (End::Loops(after), End::Loops(_)) => {
                prop_assert_eq!(&end, &expected_end, "{}: loops after another fire", context);
                // The error names two different answers of the children, both after the
                // last fire.
                if let Some(EvalError::AndTriggerLoops { disagree: (low, high), .. }) = error {
                    prop_assert!(
                        low.instant() != high.instant()
                            && low.instant().unix_micros() > *after
                            && high.instant().unix_micros() > *after,
                        "{}: {:?}", context, error
                    );
                }
            }
            _ => prop_assert_eq!(&end, &expected_end, "{}: the walk ends otherwise", context),
        }
    }
}

/// The hang guard's configuration: a failing case can take seconds, so shrinking is cut short.
fn hang_config() -> ProptestConfig {
    ProptestConfig {
        max_shrink_iters: 32,
        max_shrink_time: 10_000,
        ..config(64)
    }
}

/// How long taking up to [`HANG_FIRES`] fires of `text` (in `tz`, from `t`) took, up to the
/// first error; `Err` with the fires taken so far once [`HANG_LIMIT`] has passed. The walk
/// runs on its own thread, so that a walk that never ends fails the case instead of hanging
/// the test run (the thread is left behind, and ends with the test process). While a failure
/// shrinks, the walks left behind share the CPU: run the reported case alone to confirm it.
fn time_walk(text: &str, tz: &'static str, t: Instant) -> Result<Duration, usize> {
    let (tx, rx) = std::sync::mpsc::channel();
    let text = text.to_owned();
    let walked = text.clone();
    let began = Clock::now();
    std::thread::spawn(move || {
        let zone = zone(tz);
        let trigger = parse(&walked, zone);
        if let Ok(schedule) = trigger.schedule(t) {
            let fires = schedule
                .fires_from(at(t, zone), 0)
                .expect("starts in range");
            for fire in fires.take(HANG_FIRES) {
                // The receiver is gone once the case has failed; the walk just goes on.
                let _ = tx.send(Some(()));
                if fire.is_err() {
                    break;
                }
            }
        }
        let _ = tx.send(None);
    });
    let mut taken = 0;
    loop {
        let left = HANG_LIMIT.saturating_sub(began.elapsed());
        match rx.recv_timeout(left) {
            Ok(Some(())) => taken += 1,
            Ok(None) => return Ok(began.elapsed()),
            Err(RecvTimeoutError::Timeout) => return Err(taken),
            Err(RecvTimeoutError::Disconnected) => panic!("the walk of `{text}` panicked"),
        }
    }
}

proptest! {
    #![proptest_config(hang_config())]

    /// Walking a combination never hangs: `and`/`or` up to two deep over cron, interval,
    /// calendar interval and date triggers starting near the start (sometimes in other zones
    /// or with jitter), [`HANG_FIRES`] fires or up to the first error, in under
    /// [`HANG_LIMIT`] each (debug build). APScheduler 3.11 itself loops for ever in some of
    /// these: an `and` whose children disagree after a fire, or never agree at all; the
    /// contract asks schedctl to report the first and to answer the second quickly.
    #[test]
    fn walking_a_combination_never_hangs(
        node in any_combination(),
        tz in select(&ZONES[..]),
        t in instant(),
    ) {
        let zone = zone(tz);
        let text = node.text(start_hour(t, zone));
        let took = time_walk(&text, tz, t);
        prop_assert!(
            took.is_ok(),
            "`{}` --tz {} --from {}: still walking after {:?}, {} fires taken",
            text, tz, at(t, zone), HANG_LIMIT, took.unwrap_err()
        );
    }
}

// ---- examples ---------------------------------------------------------------------------

fn fires_of(text: &str, tz: &str, from: &str, n: usize) -> Vec<String> {
    let zone = zone(tz);
    let from = schedctl_trigger::IsoDateTime::parse(from)
        .expect("an ISO datetime")
        .resolve(Tz::Zone(zone))
        .expect("in range");
    let schedule = parse(text, zone).schedule(from.instant()).expect("binds");
    schedctl_tests::walked_fires(&schedule, from, n)
}

/// The two-time `or` of the benches: both children's fires, in turn.
#[test]
fn or_of_two_daily_crons_alternates() {
    assert_eq!(
        fires_of(
            "or:[cron:hour=6 minute=0] [cron:hour=18 minute=30]",
            "Europe/Berlin",
            "2027-03-27T12:00:00",
            4
        ),
        [
            "2027-03-27T18:30:00+01:00",
            "2027-03-28T06:00:00+02:00",
            "2027-03-28T18:30:00+02:00",
            "2027-03-29T06:00:00+02:00",
        ]
    );
}

/// In a fold the `or` compares wall clocks, as Python does: the second 02:10 counts as
/// earlier than the first 02:50, which is never fired (see the module docs).
#[test]
fn or_in_a_fold_compares_wall_clocks() {
    assert_eq!(
        fires_of(
            "or:[cron:hour=2 minute=10] [cron:hour=2 minute=50]",
            "Europe/Berlin",
            "2027-10-31T00:00:00",
            4
        ),
        [
            "2027-10-31T02:10:00+02:00",
            "2027-10-31T02:10:00+01:00",
            "2027-10-31T02:50:00+01:00",
            "2027-11-01T02:10:00+01:00",
        ]
    );
}

/// Every second hour and every third hour agree at midnight, then disagree (02:00 against
/// 03:00): APScheduler 3.11 loops for ever after the first fire.
#[test]
fn and_of_disagreeing_crons_reports_the_loop() {
    let utc = Zone::utc();
    let from = Instant::from_unix_seconds(1_798_761_600); // 2027-01-01T00:00:00Z
    let schedule = parse("and:[cron:hour=*/2 minute=0] [cron:hour=*/3 minute=0]", utc)
        .schedule(from)
        .expect("binds");
    let mut fires = schedule
        .fires_from(at(from, utc), 0)
        .expect("starts in range");
    let first = fires.next().expect("a first fire").expect("no error");
    assert_eq!(first.to_string(), "2027-01-01T00:00:00+00:00");
    match fires.next() {
        Some(Err(EvalError::AndTriggerLoops { after, disagree })) => {
            assert_eq!(after.instant(), first.instant());
            let (low, high) = (
                disagree.0.canonical_in(Tz::Zone(utc)),
                disagree.1.canonical_in(Tz::Zone(utc)),
            );
            assert_eq!(
                (
                    low.expect("in range").to_string(),
                    high.expect("in range").to_string()
                ),
                (
                    "2027-01-01T02:00:00+00:00".to_owned(),
                    "2027-01-01T03:00:00+00:00".to_owned()
                )
            );
        }
        other => panic!("expected the AndTriggerLoops error, got {other:?}"),
    }
    assert!(fires.next().is_none(), "the walk ends at the error");
}
