//! Properties of triggers over random expressions, zones and instants (1995..2035). Each test
//! is named after the invariant it checks. Cron strings come from a small grammar that only
//! yields strings APScheduler accepts, so every generated trigger must parse.

use std::fmt::Write as _;
use std::str::FromStr;

use proptest::prelude::*;
use proptest::sample::select;
use schedctl_trigger::{Instant, Trigger, Tz, Zone, ZonedTime};

/// The zones fires are computed in: no DST, 1 h DST both hemispheres, 30-minute DST
/// (Lord_Howe), +12:45/+13:45 (Chatham), −3:30 (St_Johns), +5:30 (Kolkata).
const ZONES: [&str; 7] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kolkata",
];

/// Fires looked at per case.
const FIRES: usize = 6;

/// 1995-01-01T00:00:00Z and 2035-01-01T00:00:00Z.
const FROM_1995: i64 = 788_918_400;
const TO_2035: i64 = 2_051_222_400;

/// Naive wall times in a DST gap or fold of one of [`ZONES`] (2027).
const TRICKY_WALL_TIMES: [&str; 10] = [
    "2027-03-28T02:30:00", // Berlin gap
    "2027-10-31T02:30:00", // Berlin fold
    "2027-03-14T02:30:00", // New York and St Johns gap
    "2027-11-07T01:30:00", // New York and St Johns fold
    "2027-10-03T02:15:00", // Lord Howe gap (30 minutes)
    "2027-04-04T01:45:00", // Lord Howe fold
    "2027-09-26T03:00:00", // Chatham gap
    "2027-04-04T03:00:00", // Chatham fold
    "2027-10-31",
    "2027-03-28",
];

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const POSITIONS: [&str; 6] = ["1st", "2nd", "3rd", "4th", "5th", "last"];

/// 256 cases per property keep the suite at a few seconds in debug; `PROPTEST_CASES=20000`
/// searches deeper.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---- generators -------------------------------------------------------------------------

/// `*`, `*/n`, `a`, `a-b` or `a-b/n` over `lo..=hi`, in the forms APScheduler accepts (a step
/// is at most the length of its range).
fn numeric_expr(lo: u32, hi: u32) -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just("*".to_owned()),
        2 => (1..=hi - lo).prop_map(|n| format!("*/{n}")),
        4 => (lo..=hi).prop_map(|a| a.to_string()),
        2 => (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
        2 => (lo..hi)
            .prop_flat_map(move |a| (Just(a), a + 1..=hi))
            .prop_flat_map(|(a, b)| (Just(a), Just(b), 1..=b - a))
            .prop_map(|(a, b, n)| format!("{a}-{b}/{n}")),
    ]
    .boxed()
}

/// `a` or `a-b` of names (`a` <= `b`).
fn name_expr(names: &'static [&'static str]) -> BoxedStrategy<String> {
    let n = names.len();
    prop_oneof![
        (0..n).prop_map(move |a| names[a].to_owned()),
        (0..n, 0..n).prop_map(move |(a, b)| format!("{}-{}", names[a.min(b)], names[a.max(b)])),
    ]
    .boxed()
}

/// A comma-separated list of one to three expressions.
fn list(expr: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop::collection::vec(expr, 1..=3)
        .prop_map(|v| v.join(","))
        .boxed()
}

fn year_expr() -> BoxedStrategy<String> {
    prop_oneof![
        Just("*".to_owned()),
        (1995u32..=2040).prop_map(|a| a.to_string()),
        (1995u32..=2040, 1995u32..=2040).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
    ]
    .boxed()
}

fn day_expr() -> BoxedStrategy<String> {
    prop_oneof![
        4 => numeric_expr(1, 31),
        1 => Just("last".to_owned()),
        2 => (select(&POSITIONS[..]), select(&WEEKDAYS[..])).prop_map(|(p, w)| format!("{p} {w}")),
    ]
    .boxed()
}

fn month_expr() -> BoxedStrategy<String> {
    prop_oneof![3 => numeric_expr(1, 12), 1 => name_expr(&MONTHS)].boxed()
}

fn weekday_expr() -> BoxedStrategy<String> {
    prop_oneof![2 => numeric_expr(0, 6), 1 => name_expr(&WEEKDAYS)].boxed()
}

/// The calendar fields of a `cron:` trigger, each set or not (all unset is every second).
fn cron_fields() -> impl Strategy<Value = String> {
    (
        prop::option::weighted(0.1, year_expr()),
        prop::option::weighted(0.3, list(month_expr())),
        prop::option::weighted(0.4, list(day_expr())),
        prop::option::weighted(0.05, list(numeric_expr(1, 53))),
        prop::option::weighted(0.3, list(weekday_expr())),
        prop::option::weighted(0.6, list(numeric_expr(0, 23))),
        prop::option::weighted(0.6, list(numeric_expr(0, 59))),
        prop::option::weighted(0.4, list(numeric_expr(0, 59))),
    )
        .prop_map(|(year, month, day, week, dow, hour, minute, second)| {
            let names = [
                "year",
                "month",
                "day",
                "week",
                "day_of_week",
                "hour",
                "minute",
                "second",
            ];
            let values = [year, month, day, week, dow, hour, minute, second];
            let mut out = String::new();
            for (name, value) in names.iter().zip(values) {
                if let Some(v) = value {
                    write!(out, " {name}={v}").expect("writing to a String");
                }
            }
            out
        })
}

/// An ISO 8601 datetime: naive (in the trigger's zone), with `Z` or an offset, a date, or a
/// wall time in some zone's DST gap or fold.
fn datetime_text() -> BoxedStrategy<String> {
    let wall = (
        1995i32..2035,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        prop::option::weighted(0.25, 1u32..1_000_000),
    )
        .prop_map(|(y, mo, d, h, mi, s, frac)| {
            let mut t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
            if let Some(f) = frac {
                write!(t, ".{f:06}").expect("writing to a String");
            }
            t
        });
    let offset = prop_oneof![
        4 => Just(String::new()),
        1 => Just("Z".to_owned()),
        1 => (select(vec!['+', '-']), 0u32..14, select(vec![0u32, 30, 45]))
            .prop_map(|(sign, h, m)| format!("{sign}{h:02}:{m:02}")),
    ];
    prop_oneof![
        4 => (wall, offset).prop_map(|(w, o)| w + &o),
        1 => select(&TRICKY_WALL_TIMES[..]).prop_map(str::to_owned),
    ]
    .boxed()
}

/// ` start_date=.. end_date=..`, each present or not.
fn date_range(p: f64) -> impl Strategy<Value = String> {
    (
        prop::option::weighted(p, datetime_text()),
        prop::option::weighted(p, datetime_text()),
    )
        .prop_map(|(start, end)| {
            let mut out = String::new();
            if let Some(s) = start {
                out += &format!(" start_date={s}");
            }
            if let Some(e) = end {
                out += &format!(" end_date={e}");
            }
            out
        })
}

/// A `cron:` trigger without `timezone=` or `jitter=` (fires are deterministic and in the
/// zone given to `parse_in`).
fn cron_text() -> impl Strategy<Value = String> {
    (cron_fields(), date_range(0.1)).prop_map(|(fields, dates)| format!("cron:{fields}{dates}"))
}

/// `cron:` with every field set, in the subset of syntax that the `cron` crate reads the same
/// way: numbers only, `day_of_week` and `year` left `*`.
fn cron_text_for_cron_crate() -> impl Strategy<Value = [String; 5]> {
    (
        list(numeric_expr(0, 59)),
        list(numeric_expr(0, 59)),
        list(numeric_expr(0, 23)),
        list(numeric_expr(1, 31)),
        list(numeric_expr(1, 12)),
    )
        .prop_map(|(s, mi, h, d, mo)| [s, mi, h, d, mo])
}

/// ` timezone=.. jitter=..`, each present or not.
fn zone_and_jitter() -> impl Strategy<Value = String> {
    let zone = prop_oneof![
        4 => select(&ZONES[..]),
        1 => select(vec!["US/Eastern", "Etc/GMT+5", "Asia/Kathmandu"]),
    ];
    (
        prop::option::weighted(0.3, zone),
        prop::option::weighted(0.2, 0u32..=120),
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
        })
}

/// Any kind of trigger, with dates, zones and jitter.
fn any_trigger_text() -> impl Strategy<Value = String> {
    let cron = (cron_fields(), date_range(0.3), zone_and_jitter())
        .prop_map(|(f, d, z)| format!("cron:{f}{d}{z}"));
    let crontab = (
        list(numeric_expr(0, 59)),
        list(numeric_expr(0, 23)),
        list(prop_oneof![4 => numeric_expr(1, 31), 1 => Just("last".to_owned())].boxed()),
        list(month_expr()),
        list(weekday_expr()),
    )
        .prop_map(|(mi, h, d, mo, w)| format!("crontab:{mi} {h} {d} {mo} {w}"));
    let interval = (
        prop::collection::vec(prop::option::weighted(0.4, 0i64..200), 5),
        date_range(0.3),
        zone_and_jitter(),
    )
        .prop_map(|(units, d, z)| {
            let mut out = "interval:".to_owned();
            for (unit, v) in ["weeks", "days", "hours", "minutes", "seconds"]
                .iter()
                .zip(units)
            {
                if let Some(v) = v {
                    out += &format!(" {unit}={v}");
                }
            }
            out + &d + &z
        });
    let date = (
        prop::option::weighted(0.8, datetime_text()),
        prop::option::weighted(0.3, select(&ZONES[..])),
    )
        .prop_map(|(run, zone)| {
            let mut out = "date:".to_owned();
            if let Some(r) = run {
                out += &format!(" run_date={r}");
            }
            if let Some(z) = zone {
                out += &format!(" timezone={z}");
            }
            out
        });
    prop_oneof![4 => cron, 2 => crontab, 2 => interval, 1 => date]
}

fn zone_name() -> impl Strategy<Value = &'static str> {
    select(&ZONES[..])
}

/// An instant in 1995..2035: anywhere, or on a UTC day in a month where the zones change
/// their clocks; sometimes with a fraction of a second.
fn instant() -> impl Strategy<Value = Instant> {
    let anywhere = FROM_1995..TO_2035;
    let dst_season = (
        1995i32..2035,
        select(vec![3u32, 4, 9, 10, 11]),
        1u32..=30,
        0i64..86_400,
    )
        .prop_map(|(y, m, d, s)| {
            let day = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("day 1..=30 of these months");
            day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp() + s
        });
    let secs = prop_oneof![anywhere, dst_season];
    let micros = prop_oneof![3 => Just(0i64), 1 => 1i64..1_000_000];
    (secs, micros).prop_map(|(s, us)| Instant::from_unix_micros(s * 1_000_000 + us))
}

// ---- helpers ----------------------------------------------------------------------------

fn zone(name: &str) -> Zone {
    Zone::get(name).unwrap_or_else(|e| panic!("zone `{name}` is bundled: {e:?}"))
}

fn parse(text: &str, zone: Zone) -> Trigger {
    Trigger::parse_in(text, zone).unwrap_or_else(|e| {
        panic!(
            "generated trigger is valid APScheduler input:\n{}",
            e.render()
        )
    })
}

fn at(t: Instant, zone: Zone) -> ZonedTime {
    ZonedTime::from_instant(t, Tz::Zone(zone)).expect("instants of 1995..2035 are in range")
}

/// The first `n` fires at or after `t`, computed as `schedctl next --from t --tz zone` does.
/// An evaluation error is a failure: it only happens past year 9999, and a generated trigger
/// either fires long before that or never (its search ends without a fire).
fn fires(trigger: &Trigger, zone: Zone, t: Instant, n: usize) -> Vec<ZonedTime> {
    let schedule = trigger
        .schedule(t)
        .expect("a trigger binds to a start in 1995..2035");
    schedule
        .fires_from(at(t, zone), 0)
        .expect("fires can start in 1995..2035")
        .take(n)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("`{trigger}` from {}: {e}", at(t, zone)))
}

/// The UTC offset of `zone` at `t`, in seconds.
fn offset(zone: Zone, t: Instant) -> i64 {
    i64::from(at(t, zone).offset_seconds())
}

/// True when `t` lies less than one gap length after a transition that moves the clocks
/// forward: where APScheduler puts a fire whose wall time does not exist. The gaps of
/// [`ZONES`] are 30 or 60 minutes.
fn just_after_a_gap(zone: Zone, t: Instant) -> bool {
    let now = offset(zone, t);
    let before = offset(zone, t.add_micros(-3_600_000_000));
    if before >= now {
        return false;
    }
    let gap = now - before;
    offset(zone, t.add_micros(-gap * 1_000_000)) < now
}

/// True when the UTC offset of `zone` is the same all the way from `a` to `b` (no DST
/// transition in `(a, b]`). Transitions of [`ZONES`] since 1995 are more than 100 days apart,
/// so comparing samples 60 days apart sees every change.
fn same_offset_throughout(zone: Zone, a: Instant, b: Instant) -> bool {
    const STEP: i64 = 60 * 86_400 * 1_000_000;
    let first = offset(zone, a);
    let mut t = a;
    while t < b {
        t = t.add_micros(STEP).min(b);
        if offset(zone, t) != first {
            return false;
        }
    }
    true
}

/// `t` rounded up to a whole second, as a cron search rounds its start.
fn ceil_to_second(t: Instant) -> Instant {
    Instant::from_unix_seconds((t.unix_micros() + 999_999).div_euclid(1_000_000))
}

// ---- properties -------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn next_fire_is_at_or_after_now(text in cron_text(), tz in zone_name(), t in instant()) {
        let zone = zone(tz);
        let trigger = parse(&text, zone);
        if let Some(first) = fires(&trigger, zone, t, 1).first() {
            prop_assert!(
                first.instant() >= t,
                "`{text}` --tz {tz} --from {}: first fire {first} is earlier",
                at(t, zone)
            );
            if let Trigger::Cron(c) = &trigger {
                if let Some(start) = c.start_date() {
                    prop_assert!(
                        first.instant() >= start.instant(),
                        "`{text}` --tz {tz} --from {}: first fire {first} is before start_date",
                        at(t, zone)
                    );
                }
            }
        }
    }

    /// Restricted where APScheduler itself repeats an instant: a fire whose wall time falls
    /// in a DST gap is moved forward by the gap and can land on the next real match, which then
    /// fires a second time at the same instant. Oracle: `aps_next.py 'cron:day=last hour=3-4'
    /// --tz Pacific/Chatham --from 2012-09-01T12:45:00+12:45` fires 2012-09-30T04:00:00+13:45
    /// twice (03:00 does not exist that day). After a fire less than one gap after a forward
    /// transition, the next fire is only checked not to be earlier.
    #[test]
    fn fires_strictly_increase(text in cron_text(), tz in zone_name(), t in instant()) {
        let zone = zone(tz);
        let fires = fires(&parse(&text, zone), zone, t, FIRES);
        for pair in fires.windows(2) {
            let (a, b) = (pair[0].instant(), pair[1].instant());
            let ok = if just_after_a_gap(zone, a) { a <= b } else { a < b };
            prop_assert!(
                ok,
                "`{text}` --tz {tz} --from {}: {} is followed by {}",
                at(t, zone), pair[0], pair[1]
            );
        }
    }

    /// For a random `u` strictly between fire k and fire k+1, a schedule started afresh at `u`
    /// fires first at fire k+1.
    ///
    /// Restricted to a `u` (rounded up to the second, as the search rounds it) with the same
    /// UTC offset as fire k, because APScheduler itself breaks the property across a DST
    /// transition, in two ways the oracle confirms:
    /// - a fire whose wall time is in a gap is moved forward by the gap, so only a search that
    ///   starts before the gap finds it: `aps_next.py 'cron:hour=2 minute=30' --tz
    ///   Europe/Berlin --from 2027-03-28T00:00:00+01:00` fires 03:30+02:00 first, but `--from
    ///   2027-03-28T03:10:00+02:00` fires 2027-03-29T02:30+02:00 first;
    /// - a search that increments a field adds the wall-clock difference to the instant, so
    ///   stepping over a transition lands off by the change of offset and can step past a
    ///   match: `'cron:month=*/4,*/6' --tz Pacific/Chatham` fires 1999-09-01T00:00+12:45 then
    ///   2000-05-01 (skipping 2000-01-01, reached at 01:00+13:45), while `--from
    ///   1999-10-03T02:44:59.000001+12:45` fires 2000-01-01T00:00:00+13:45 first.
    #[test]
    fn no_fire_is_skipped_between_consecutive_fires(
        text in cron_text(),
        tz in zone_name(),
        t in instant(),
        k in any::<prop::sample::Index>(),
        offset_between in any::<u64>(),
    ) {
        let zone = zone(tz);
        let trigger = parse(&text, zone);
        let fires = fires(&trigger, zone, t, FIRES);
        if fires.len() < 2 {
            return Ok(());
        }
        let k = k.index(fires.len() - 1);
        let (before, after) = (fires[k].instant(), fires[k + 1].instant());
        let between = after.unix_micros() - before.unix_micros() - 1;
        if between < 1 {
            return Ok(());
        }
        let u = before.add_micros(1 + (offset_between % between.unsigned_abs()) as i64);
        if !same_offset_throughout(zone, before, ceil_to_second(u)) {
            return Ok(());
        }
        let fresh = self::fires(&trigger, zone, u, 1);
        prop_assert_eq!(
            fresh.first().map(ToString::to_string),
            Some(fires[k + 1].to_string()),
            "`{}` --tz {}: fires {} then {}, but from {} the first fire differs",
            text, tz, fires[k], fires[k + 1], at(u, zone)
        );
    }

    #[test]
    fn display_parses_back_to_an_equal_trigger(text in any_trigger_text(), tz in zone_name()) {
        let trigger = parse(&text, zone(tz));
        let shown = trigger.to_string();
        // `Display` always names the zone, so the default zone of the second parse is moot.
        let back = Trigger::from_str(&shown)
            .unwrap_or_else(|e| panic!("`{text}` is shown as `{shown}`, which does not parse:\n{}", e.render()));
        prop_assert_eq!(&back, &trigger, "`{}` is shown as `{}`", text, shown);
        prop_assert_eq!(back.to_string(), shown);
    }

    /// The `cron` crate (0.15) agrees in UTC on the syntax both read alike. Its day of week
    /// stays `*`: with both day fields set it ORs them (Vixie cron) where APScheduler ANDs
    /// them. It stops at year 2100, so only fires before 2099 are compared.
    #[test]
    fn differential_against_cron_crate(
        fields in cron_text_for_cron_crate(),
        secs in FROM_1995..TO_2035,
    ) {
        let [second, minute, hour, day, month] = &fields;
        let ours_text = format!("cron:second={second} minute={minute} hour={hour} day={day} month={month}");
        let theirs_text = format!("{second} {minute} {hour} {day} {month} * *");
        let utc = Zone::utc();
        let ours: Vec<i64> = fires(&parse(&ours_text, utc), utc, Instant::from_unix_seconds(secs), 5)
            .iter()
            .map(|f| f.instant().unix_seconds())
            .take_while(|s| *s < 4_070_908_800) // 2099-01-01
            .collect();
        let theirs_schedule = cron::Schedule::from_str(&theirs_text)
            .unwrap_or_else(|e| panic!("the cron crate reads `{theirs_text}`: {e}"));
        // `after` is exclusive, our `--from` inclusive.
        let from = chrono::DateTime::from_timestamp(secs - 1, 0).expect("1995..2035");
        let theirs: Vec<i64> = theirs_schedule
            .after(&from)
            .take(5)
            .map(|d| d.timestamp())
            .take_while(|s| *s < 4_070_908_800)
            .collect();
        prop_assert_eq!(
            &ours, &theirs,
            "`{}` vs cron crate `{}` from {}", ours_text, theirs_text, at(Instant::from_unix_seconds(secs), utc)
        );
    }
}

proptest! {
    #![proptest_config(config())]

    /// Walking consecutive fires with a cursor (bit scans away from DST changes) gives exactly
    /// the fires that asking the search for each one gives, in every zone, with or without a
    /// DST policy, jitter, start and end dates.
    #[test]
    fn walking_gives_the_same_fires_as_searching(
        fields in cron_fields(),
        dates in date_range(0.3),
        extra in zone_and_jitter(),
        policy in select(vec!["", " dst_gap=skip dst_fold=first", " dst_gap=next dst_fold=last"]),
        tz in zone_name(),
        t in instant(),
    ) {
        let text = format!("cron:{fields}{dates}{extra}{policy}");
        let trigger = parse(&text, zone(tz));
        let schedule = trigger.schedule(t).expect("binds in 1995..2035");
        let from = at(t, zone(tz));
        prop_assert_eq!(
            schedctl_tests::walked_fires(&schedule, from, 60),
            schedctl_tests::searched_fires(&schedule, from, 60),
            "`{}` --tz {} --from {}", text, tz, from
        );
    }
}

/// A cursor is kept per schedule; handed another schedule's question (a misuse), it is not
/// used: the answers are the other schedule's own.
#[test]
fn a_cursor_never_walks_another_schedules_fields() {
    let from = Instant::from_unix_seconds(FROM_1995);
    let every_minute = parse("cron:minute=*", Zone::utc())
        .schedule(from)
        .expect("binds");
    let hourly = parse("cron:minute=0", Zone::utc())
        .schedule(from)
        .expect("binds");
    let now = at(from, Zone::utc());
    let mut rng = schedctl_trigger::JitterRng::new(0);
    let mut cursor = schedctl_trigger::Cursor::default();
    let first = every_minute
        .next_fire_time_walking(None, &now, &mut rng, &mut cursor)
        .expect("fires")
        .expect("a first fire");
    // The cursor stands at 1995-01-01T00:00 of `every_minute`; `hourly` also fires then.
    let next = hourly
        .next_fire_time_walking(Some(&first), &first, &mut rng, &mut cursor)
        .expect("fires")
        .expect("a next fire");
    assert_eq!(next.to_string(), "1995-01-01T01:00:00+00:00");
}
