//! The crash test: a runner with five jobs at 1–3 s periods is killed with `SIGKILL` at random
//! moments, 30 times (`SCHEDCTL_CRASH_ROUNDS` for more), then runs once cleanly. Each command
//! appends `JOB FIRE LATENESS RUN_TIMES` (from its environment) to `fires.txt`.
//!
//! What is checked, with the job store as the referee (no timing tolerance anywhere):
//!
//! - **0 doubled fires**: no (job, fire) is in `fires.txt` twice, and no fire is both run and
//!   classified missed/coalesced/dropped.
//! - **0 silently lost fires**: the store's next run time of each job, read after every kill,
//!   says exactly which fires each runner committed (those between the next run time before it
//!   started and the one after it died). Every fire the trigger produced between the first and
//!   the last next run time was committed by exactly one runner, and is
//!   - *executed* (its line is in `fires.txt`; a command outlives a killed runner), or
//!   - *classified* in that runner's part of the run log: `missed`, `coalesced` or `dropped`, or
//!   - *lost in the window* that the at-most-once design allows, and only in a runner that was
//!     killed: `submitted` but never started (queued when the kill came), or committed but
//!     killed before its events were written. Those lost fires are the job's last fires in that
//!     runner: no later fire of the job in the same runner started (executed or missed).
//! - **the restart policy**: the fires a runner slept through (before the next runner was
//!   started) are handled at the restart as the job says: with `coalesce = true` all but the
//!   latest are `coalesced`; with `coalesce = false` and a grace of 1 s, the ones more than 1 s
//!   old are `missed`; with a grace of `none` nothing is ever missed; with a grace of 1 s no run
//!   started more than 1 s late; `SCHEDCTL_RUN_TIMES` counts the coalesced fires of its run.
//!
//! About a minute of wall time for 30 rounds (a debug build on a loaded 2-core machine).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use schedctl_trigger::{Instant, IsoDateTime, Trigger, Tz, Zone};

/// The jobs: id, trigger (`{S}` is the start date), coalesce, misfire grace in seconds.
const JOBS: [(&str, &str, bool, Option<u32>); 5] = [
    ("a", "interval:seconds=1 start_date={S}", true, Some(1)),
    ("b", "interval:seconds=2 start_date={S}", false, Some(1)),
    ("c", "interval:seconds=3 start_date={S}", false, None),
    ("d", "cron:second=*/2 start_date={S}", true, None),
    ("e", "interval:seconds=1 start_date={S}", false, None),
];

/// A tiny deterministic generator (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_micros() as i64
}

/// Microseconds since 1970 of an RFC 3339 time.
fn micros(text: &str) -> i64 {
    IsoDateTime::parse(text)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .resolve(Tz::utc())
        .expect("range")
        .instant()
        .unix_micros()
}

/// An RFC 3339 UTC time on a whole second.
fn rfc3339_utc(unix_seconds: i64) -> String {
    let t = schedctl_trigger::ZonedTime::from_instant(
        Instant::from_unix_seconds(unix_seconds),
        Tz::utc(),
    )
    .expect("range");
    t.to_string().replace("+00:00", "Z")
}

/// One event of the run log.
#[derive(Debug, Clone)]
struct Event {
    job: String,
    fire: i64,
    outcome: String,
}

/// One runner: when it was spawned, whether it was killed, its part of the run log, and each
/// job's next run time in the store once it had stopped.
struct Session {
    spawned: i64,
    killed: bool,
    events: Vec<Event>,
    /// Records of the log cut by the kill (not JSON).
    torn: usize,
    next_after: BTreeMap<String, i64>,
}

/// Each job's next run time in the store.
fn next_run_times(dir: &Path) -> BTreeMap<String, i64> {
    let text = common::ok_stdout(dir, &["jobs", "list", "--json", "--store", "schedctl.db"]);
    let jobs: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
    jobs.iter()
        .map(|j| {
            let id = j["id"].as_str().expect("id").to_owned();
            let next = j["next_run_time"]
                .as_str()
                .unwrap_or_else(|| panic!("{id} has a next run time: {j}"));
            (id, micros(next))
        })
        .collect()
}

/// The events of the run log written from byte `from` on (one runner's part), and how many
/// records were cut by a kill.
fn read_events(log: &Path, from: usize) -> (Vec<Event>, usize) {
    let bytes = std::fs::read(log).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes[from.min(bytes.len())..]).into_owned();
    let (mut events, mut torn) = (Vec::new(), 0);
    for line in text.lines() {
        // A record is one line; a kill between the record and its newline would glue the next
        // runner's first record to it, so read every JSON value of the line.
        let mut values = serde_json::Deserializer::from_str(line).into_iter::<serde_json::Value>();
        loop {
            match values.next() {
                Some(Ok(v)) => events.push(Event {
                    job: v["job"].as_str().expect("job").to_owned(),
                    fire: micros(v["fire"].as_str().expect("fire")),
                    outcome: v["status"].as_str().expect("outcome").to_owned(),
                }),
                Some(Err(_)) => {
                    torn += 1;
                    break;
                }
                None => break,
            }
        }
    }
    (events, torn)
}

fn file_len(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| m.len() as usize)
}

/// What became of one fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fate {
    Executed,
    Missed,
    Coalesced,
    Dropped,
    /// Submitted, then the runner was killed before a worker started it.
    LostQueued,
    /// Committed, then the runner was killed before it wrote the fire's events.
    LostUnlogged,
    /// None of the above: a bug.
    Silent,
}

#[test]
fn random_kill_9s_never_double_or_silently_lose_a_fire() {
    let rounds: usize = std::env::var("SCHEDCTL_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("SCHEDCTL_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_c0ff_ee15_2026);
    let mut rng = XorShift(seed.max(1));
    let test_start = std::time::Instant::now();
    let dir = common::temp_dir("crash");
    let log = dir.join("runs.jsonl");
    let start_date = rfc3339_utc(now_micros().div_euclid(1_000_000) + 3);
    let mut file = String::from("timezone = \"UTC\"\n");
    for (id, trigger, coalesce, grace) in JOBS {
        let grace = grace.map_or_else(|| "none".to_owned(), |s| format!("{s}s"));
        file.push_str(&format!(
            "[[job]]\nid = \"{id}\"\ntrigger = \"{}\"\ncoalesce = {coalesce}\nmisfire_grace_time = \"{grace}\"\n\
             command = [\"sh\", \"-c\", \"echo \\\"$SCHEDCTL_JOB_ID $SCHEDCTL_FIRE_TIME $SCHEDCTL_LATENESS_SECONDS $SCHEDCTL_RUN_TIMES\\\" >> fires.txt\"]\n",
            trigger.replace("{S}", &start_date)
        ));
    }
    std::fs::write(dir.join("jobs.toml"), &file).expect("write");
    let runner_args = |extra: &[&'static str]| {
        let mut args = vec![
            "run",
            "jobs.toml",
            "--log",
            "runs.jsonl",
            "--output",
            "discard",
        ];
        args.extend_from_slice(extra);
        args
    };

    // The jobs are added before their start date: the store's next run times are where the
    // schedule begins.
    common::ok_stdout(&dir, &runner_args(&["--for", "100ms"]));
    let first_next = next_run_times(&dir);
    assert_eq!(first_next.len(), JOBS.len(), "{first_next:?}");

    let mut sessions: Vec<Session> = Vec::new();
    let mut long_downtimes = 0;
    for round in 0..=rounds {
        let from = file_len(&log);
        let spawned = now_micros();
        let last = round == rounds;
        let (killed, torn_events) = if last {
            // The clean final run.
            common::ok_stdout(&dir, &runner_args(&["--for", "2s"]));
            (false, read_events(&log, from))
        } else {
            let mut child = common::bin()
                .current_dir(&dir)
                .args(runner_args(&[]))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn");
            std::thread::sleep(Duration::from_millis(rng.range(200, 1_500)));
            child.kill().expect("SIGKILL");
            let _ = child.wait();
            (true, read_events(&log, from))
        };
        let (events, torn) = torn_events;
        sessions.push(Session {
            spawned,
            killed,
            events,
            torn,
            next_after: next_run_times(&dir),
        });
        if !last {
            // Down for a moment; every tenth round long enough (3.2 s) that each job has fires
            // more than its grace behind when the runner comes back.
            let down = if round % 10 == 4 {
                long_downtimes += 1;
                3_200
            } else {
                rng.range(0, 600)
            };
            std::thread::sleep(Duration::from_millis(down));
        }
    }
    // The commands of killed runners have long ended (the final run took 2 s).
    let fires_text = std::fs::read_to_string(dir.join("fires.txt")).expect("fires ran");

    let mut failures: Vec<String> = Vec::new();

    // 1. Doubles: a (job, fire) at most once in fires.txt.
    let mut executed: BTreeMap<(String, i64), (f64, u32)> = BTreeMap::new();
    let mut doubles = 0;
    for line in fires_text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 4, "fires.txt line {line:?}");
        let key = (f[0].to_owned(), micros(f[1]));
        let late: f64 = f[2].parse().expect("lateness");
        let run_times: u32 = f[3].parse().expect("run times");
        if executed.insert(key, (late, run_times)).is_some() {
            doubles += 1;
            failures.push(format!("doubled fire: {line}"));
        }
    }

    // 2. Every fire the trigger produced between the first and the last next run time.
    let utc = Zone::get("UTC").expect("UTC");
    let mut fates: BTreeMap<Fate, usize> = BTreeMap::new();
    let mut expected_total = 0;
    for (id, trigger, coalesce, grace) in JOBS {
        let trigger = Trigger::parse_in(&trigger.replace("{S}", &start_date), utc).expect("parse");
        let schedule = trigger
            .schedule(Instant::from_unix_micros(first_next[id]))
            .expect("schedule");
        let end = sessions.last().expect("sessions").next_after[id];
        let expected: Vec<i64> = schedule
            .fires(Instant::from_unix_micros(first_next[id]))
            .expect("fires")
            .map(|f| f.expect("fire").instant().unix_micros())
            .take_while(|&f| f < end)
            .collect();
        expected_total += expected.len();
        let expected_set: BTreeSet<i64> = expected.iter().copied().collect();
        for (job, fire) in executed.keys() {
            if job == id && !expected_set.contains(fire) {
                failures.push(format!("{id}: ran {fire}, not a fire of its schedule"));
            }
        }
        let mut before = first_next[id];
        for (n, s) in sessions.iter().enumerate() {
            let after = s.next_after[id];
            if after < before {
                failures.push(format!("{id}: next run time went back in runner {n}"));
            }
            // The fires this runner committed, and its events for them.
            let mine: Vec<i64> = expected
                .iter()
                .copied()
                .filter(|&f| before <= f && f < after)
                .collect();
            let mut events: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
            for e in s.events.iter().filter(|e| e.job == id) {
                if !mine.contains(&e.fire) {
                    failures.push(format!(
                        "{id}: runner {n} logged {} for {}, a fire it did not commit",
                        e.outcome, e.fire
                    ));
                }
                if e.outcome == "error" {
                    failures.push(format!("{id}: runner {n}: error for {}", e.fire));
                }
                events.entry(e.fire).or_default().insert(e.outcome.as_str());
            }
            let mut fate_of: Vec<(i64, Fate)> = Vec::new();
            for &f in &mine {
                let ev = events.get(&f).cloned().unwrap_or_default();
                let ran = executed.get(&(id.to_owned(), f));
                let classified: Vec<&str> = ["missed", "coalesced", "dropped"]
                    .into_iter()
                    .filter(|o| ev.contains(o))
                    .collect();
                let fate = match (ran, classified.as_slice()) {
                    (Some(_), []) => Fate::Executed,
                    (Some(_), c) => {
                        failures.push(format!("{id} {f}: ran and also {c:?}"));
                        Fate::Executed
                    }
                    (None, ["missed"]) => Fate::Missed,
                    (None, ["coalesced"]) => Fate::Coalesced,
                    (None, ["dropped"]) => Fate::Dropped,
                    (None, []) if s.killed && ev.len() == 1 && ev.contains("submitted") => {
                        Fate::LostQueued
                    }
                    (None, []) if s.killed && ev.is_empty() => Fate::LostUnlogged,
                    (None, c) => {
                        failures.push(format!(
                            "{id} {f}: silently lost (runner {n}, killed {}, events {ev:?}, {c:?})",
                            s.killed
                        ));
                        Fate::Silent
                    }
                };
                if ran.is_some() && !ev.contains("submitted") {
                    failures.push(format!("{id} {f}: ran without a `submitted` event"));
                }
                if ev.contains("executed") && ran.is_none() {
                    failures.push(format!("{id} {f}: logged executed, not in fires.txt"));
                }
                fate_of.push((f, fate));
                *fates.entry(fate).or_default() += 1;
            }
            // Lost fires are the job's last ones in the killed runner: nothing after the first
            // of them started.
            if let Some(first_lost) = fate_of
                .iter()
                .find(|(_, fate)| matches!(fate, Fate::LostQueued | Fate::LostUnlogged))
                .map(|(f, _)| *f)
            {
                for (f, fate) in &fate_of {
                    if *f > first_lost && matches!(fate, Fate::Executed | Fate::Missed) {
                        failures.push(format!(
                            "{id}: runner {n} lost {first_lost} but then ran {f} ({fate:?})"
                        ));
                    }
                }
            }
            // Unlogged fires are the last ones: the kill came while the events were written.
            if let Some(first) = fate_of
                .iter()
                .find(|(_, fate)| *fate == Fate::LostUnlogged)
                .map(|(f, _)| *f)
            {
                if fate_of
                    .iter()
                    .any(|(f, fate)| *f > first && *fate != Fate::LostUnlogged)
                {
                    failures.push(format!(
                        "{id}: runner {n} has an unlogged fire {first} before logged ones"
                    ));
                }
            }
            // The restart policy, for the fires that were due before this runner was spawned
            // (all of them handled at its first wake-up).
            let overdue: Vec<(i64, Fate)> = fate_of
                .iter()
                .copied()
                .filter(|(f, _)| *f < s.spawned)
                .collect();
            let handled = |fate: Fate| fate != Fate::LostUnlogged;
            if coalesce {
                for (f, fate) in overdue.iter().take(overdue.len().saturating_sub(1)) {
                    if handled(*fate) && *fate != Fate::Coalesced {
                        failures.push(format!(
                            "{id}: overdue {f} at restart {n} was {fate:?}, not coalesced"
                        ));
                    }
                }
            } else if grace == Some(1) {
                for (f, fate) in &overdue {
                    if *f < s.spawned - 1_000_000
                        && !matches!(fate, Fate::Missed | Fate::LostQueued | Fate::LostUnlogged)
                    {
                        failures.push(format!(
                            "{id}: {f}, more than 1 s before restart {n}, was {fate:?}, not missed"
                        ));
                    }
                }
            }
            if let (true, Some(1), Some((f, fate))) = (coalesce, grace, overdue.last()) {
                if *f < s.spawned - 1_000_000 && *fate == Fate::Executed {
                    failures.push(format!("{id}: {f} ran more than 1 s late at restart {n}"));
                }
            }
            // SCHEDCTL_RUN_TIMES: 1, plus the fires coalesced into the run.
            let mut group = 0;
            for (f, fate) in &fate_of {
                match fate {
                    Fate::Coalesced => group += 1,
                    Fate::Executed => {
                        let run_times = executed[&(id.to_owned(), *f)].1;
                        if run_times as usize != 1 + group {
                            failures.push(format!(
                                "{id} {f}: SCHEDCTL_RUN_TIMES={run_times}, {group} coalesced into it"
                            ));
                        }
                        group = 0;
                    }
                    _ => group = 0,
                }
            }
            before = after;
        }
        // The policy, across all runners.
        let count = |job: &str, outcome: &str| {
            sessions
                .iter()
                .flat_map(|s| &s.events)
                .filter(|e| e.job == job && e.outcome == outcome)
                .count()
        };
        if !coalesce && count(id, "coalesced") > 0 {
            failures.push(format!("{id}: coalesced with coalesce = false"));
        }
        if grace.is_none() && count(id, "missed") > 0 {
            failures.push(format!("{id}: missed with misfire_grace_time = none"));
        }
        for ((job, f), (late, _)) in &executed {
            if job == id && grace.is_some_and(|g| *late > f64::from(g)) {
                failures.push(format!("{id} {f}: started {late} s late, grace {grace:?}"));
            }
        }
    }
    let kills = sessions.iter().filter(|s| s.killed).count();
    let torn: usize = sessions.iter().map(|s| s.torn).sum();
    let fate = |f: Fate| fates.get(&f).copied().unwrap_or(0);
    let summary = format!(
        "crash test (seed {seed}): {kills} kills ({long_downtimes} long downtimes), {expected_total} fires: \
         executed {}, missed {}, coalesced {}, dropped {}, lost in window {} (queued {}, unlogged {}), \
         silently lost {}, doubled {doubles}, torn log records {torn}, {:.1} s",
        fate(Fate::Executed),
        fate(Fate::Missed),
        fate(Fate::Coalesced),
        fate(Fate::Dropped),
        fate(Fate::LostQueued) + fate(Fate::LostUnlogged),
        fate(Fate::LostQueued),
        fate(Fate::LostUnlogged),
        fate(Fate::Silent),
        test_start.elapsed().as_secs_f64()
    );
    eprintln!("{summary}");
    // The policy was exercised: the long downtimes leave overdue fires of every kind.
    if fate(Fate::Coalesced) == 0 || fate(Fate::Missed) == 0 {
        failures
            .push("no coalesced or no missed fire: the restarts did not test the policy".into());
    }
    assert!(
        failures.is_empty(),
        "{summary}\n{}\n(the files are in {})",
        failures.join("\n"),
        dir.display()
    );
    assert_eq!(kills, rounds);
}
