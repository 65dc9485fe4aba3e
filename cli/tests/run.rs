//! `schedctl run` for real: real processes, real time, kept to a few seconds each.
//!
//! Each test writes a job file into its own temporary directory, runs the binary, and reads the
//! run log (one JSON line per event).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;

use common::{bin, counts, get, ok_stdout, read_log, run, temp_dir};

/// An RFC 3339 UTC time `secs` seconds from now, on a whole second.
fn whole_second_from_now(secs: u64) -> (u64, String) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + secs;
    let (days, rem) = (now / 86_400, now % 86_400);
    // civil from days (1970-01-01 = day 0)
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        now,
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        ),
    )
}

#[test]
fn run_agrees_with_simulate_on_the_same_window() {
    let dir = temp_dir("agree");
    let (_, start_text) = whole_second_from_now(2);
    let jobs = format!(
        "[executor]\nmax_workers = 3\n\
         [[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1 start_date={start_text}\"\ncommand = [\"true\"]\n\
         [[job]]\nid = \"slow\"\ntrigger = \"interval:seconds=1 start_date={start_text}\"\nduration = \"1500ms\"\ncommand = [\"sleep\", \"1.5\"]\n"
    );
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let out = run(
        &dir,
        &["run", "jobs.toml", "--for", "6500ms", "--log", "runs.jsonl"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let real = counts(&read_log(&dir.join("runs.jsonl")));
    // The same window on the virtual clock: the run ends about 4.5 s after the first fire.
    let sim = run(
        &dir,
        &[
            "simulate",
            "jobs.toml",
            "--from",
            &start_text,
            "--to",
            "+4500ms",
            "--format",
            "summary",
        ],
    );
    let summary = String::from_utf8_lossy(&sim.stdout).into_owned();
    let field = |job: &str, key: &str| -> usize {
        summary
            .lines()
            .find(|l| l.starts_with(&format!("{job} ")))
            .and_then(|l| {
                l.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or(usize::MAX)
    };
    // Real time has a few ms of slack at the window's edges: allow one fire either way.
    for (job, outcome) in [
        ("tick", "executed"),
        ("slow", "executed"),
        ("slow", "dropped"),
    ] {
        let r = get(&real, job, outcome);
        let s = field(job, outcome);
        assert!(
            r.abs_diff(s) <= 1,
            "{job} {outcome}: run {r}, simulate {s}\n{summary}\n{real:?}"
        );
    }
    assert!(
        get(&real, "slow", "dropped") >= 1,
        "a 1.5 s job every second with max_instances = 1 drops runs: {real:?}"
    );
}

#[test]
fn kill_9_and_restart_never_runs_a_fire_twice() {
    let dir = temp_dir("kill");
    let jobs = "[[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\nmisfire_grace_time = \"none\"\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let mut child = bin()
        .current_dir(&dir)
        .args(["run", "jobs.toml", "--log", "runs.jsonl"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(3_200));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let before = read_log(&dir.join("runs.jsonl")).len();
    std::thread::sleep(Duration::from_millis(2_500));
    let out = run(
        &dir,
        &["run", "jobs.toml", "--for", "2s", "--log", "runs.jsonl"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = read_log(&dir.join("runs.jsonl"));
    assert!(log.len() > before, "the restart ran");
    let mut seen = BTreeSet::new();
    for e in log.iter().filter(|e| e["status"] == "executed") {
        let fire = e["fire"].as_str().expect("fire").to_owned();
        assert!(seen.insert(fire.clone()), "fire {fire} executed twice");
    }
    // The fires overdue while the runner was down were coalesced into one run (coalesce = true).
    let after = &log[before..];
    assert!(
        after.iter().any(|e| e["status"] == "coalesced"),
        "overdue fires coalesced: {after:?}"
    );
    // The store is consistent: the job is there with a next run time.
    let list = run(&dir, &["jobs", "list", "--store", "schedctl.db"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("tick"));
}

#[test]
fn a_saturated_pool_never_delays_another_pool() {
    let dir = temp_dir("pools");
    let jobs = "[executor]\nmax_workers = 1\n[executors.fast]\nmax_workers = 1\n\
        [[job]]\nid = \"heavy\"\ntrigger = \"interval:seconds=1\"\nduration = \"2s\"\ncommand = [\"sleep\", \"2\"]\nmax_instances = 3\nmisfire_grace_time = \"1s\"\n\
        [[job]]\nid = \"quick\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\nexecutor = \"fast\"\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let out = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "5s",
            "--log",
            "runs.jsonl",
            "--store",
            "pools.db",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = read_log(&dir.join("runs.jsonl"));
    let c = counts(&log);
    assert!(get(&c, "quick", "executed") >= 4, "{c:?}");
    assert_eq!(
        get(&c, "quick", "missed") + get(&c, "quick", "dropped"),
        0,
        "{c:?}"
    );
    assert!(
        get(&c, "heavy", "missed") + get(&c, "heavy", "dropped") >= 1,
        "the saturated pool misses or drops: {c:?}"
    );
    // The fast job started on time: within a fraction of a second of each fire.
    let millis = |t: &str| -> i64 {
        // `...THH:MM:SS.ffffff+00:00`: minutes and seconds suffice within one run.
        let minutes: i64 = t.get(14..16).and_then(|m| m.parse().ok()).unwrap_or(0);
        let secs: f64 = t
            .get(17..t.len().saturating_sub(6))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0);
        minutes * 60_000 + (secs * 1000.0) as i64
    };
    for e in log
        .iter()
        .filter(|e| e["job"] == "quick" && e["status"] == "executed")
    {
        let (fire, start) = (
            e["fire"].as_str().unwrap_or(""),
            e["start"].as_str().unwrap_or(""),
        );
        let late = (millis(start) - millis(fire)).rem_euclid(3_600_000);
        assert!(late < 300, "quick started {late} ms late: {e}");
    }
    // What simulate predicts for the same pools: the heavy pool misses or drops, quick never.
    let sim = run(
        &dir,
        &[
            "simulate",
            "jobs.toml",
            "--from",
            "2026-01-01",
            "--to",
            "+5s",
            "--format",
            "summary",
        ],
    );
    let summary = String::from_utf8_lossy(&sim.stdout).into_owned();
    assert!(
        summary.contains("quick fires=4 executed=4 missed=0 coalesced=0 dropped=0"),
        "{summary}"
    );
    let heavy = summary
        .lines()
        .find(|l| l.starts_with("heavy "))
        .unwrap_or_default();
    assert!(
        !heavy.contains("missed=0 coalesced=0 dropped=0"),
        "{summary}"
    );
}

#[test]
fn jobs_pause_takes_effect_while_running() {
    let dir = temp_dir("pause");
    let jobs = "[[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let mut child = bin()
        .current_dir(&dir)
        .args(["run", "jobs.toml", "--for", "6s", "--log", "runs.jsonl"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(2_500));
    let paused = run(&dir, &["jobs", "pause", "tick", "--store", "schedctl.db"]);
    assert!(
        paused.status.success(),
        "{}",
        String::from_utf8_lossy(&paused.stderr)
    );
    let executed_at_pause = counts(&read_log(&dir.join("runs.jsonl")));
    let status = child.wait().expect("runner ends");
    assert!(status.success());
    let executed_at_end = counts(&read_log(&dir.join("runs.jsonl")));
    // Within a second of the pause the runner stops running the job.
    let (a, b) = (
        get(&executed_at_pause, "tick", "executed"),
        get(&executed_at_end, "tick", "executed"),
    );
    assert!(b <= a + 1, "paused at {a} runs, ended at {b}");
    let shown = run(&dir, &["jobs", "show", "tick", "--store", "schedctl.db"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("state: paused"));
}

#[test]
fn restart_keeps_the_persistent_job_and_rebuilds_the_memory_job() {
    let dir = temp_dir("stores");
    let jobs = "[jobstores.volatile]\nkind = \"memory\"\n\
        [[job]]\nid = \"durable\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\n\
        [[job]]\nid = \"fresh\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\njobstore = \"volatile\"\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let first = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "2500ms",
            "--log",
            "first.jsonl",
        ],
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    std::thread::sleep(Duration::from_millis(3_000));
    let second = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "1500ms",
            "--log",
            "second.jsonl",
        ],
    );
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let log = read_log(&dir.join("second.jsonl"));
    let c = counts(&log);
    // The SQLite job kept its next run time: the fires missed while down are coalesced into
    // one run (coalesce = true) at the restart.
    assert!(get(&c, "durable", "coalesced") >= 2, "{c:?}");
    // The memory job was rebuilt from the job file: it starts one interval after the restart.
    assert_eq!(get(&c, "fresh", "coalesced"), 0, "{c:?}");
    assert!(get(&c, "fresh", "executed") >= 1, "{c:?}");
    // Only the persistent job is in the SQLite store.
    let list =
        String::from_utf8_lossy(&run(&dir, &["jobs", "list", "--store", "schedctl.db"]).stdout)
            .into_owned();
    assert!(
        list.contains("durable") && !list.contains("fresh"),
        "{list}"
    );
}

#[test]
fn a_command_past_its_timeout_is_killed_and_reported_and_others_go_on() {
    let dir = temp_dir("timeout");
    let jobs = "[executor]\nmax_workers = 2\n\
        [[job]]\nid = \"hang\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"sleep\", \"30\"]\ntimeout = \"500ms\"\n\
        [[job]]\nid = \"missing\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"/no/such/program\"]\n\
        [[job]]\nid = \"fine\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let started = std::time::Instant::now();
    let out = run(
        &dir,
        &["run", "jobs.toml", "--for", "3s", "--log", "runs.jsonl"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "failed runs make the exit status 1"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a hung command does not hold the runner"
    );
    let log = read_log(&dir.join("runs.jsonl"));
    let errors = |job: &str| -> Vec<String> {
        log.iter()
            .filter(|e| e["job"] == job && e["status"] == "error")
            .map(|e| e["message"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert!(
        errors("hang").iter().any(|m| m.contains("timed out")),
        "{log:?}"
    );
    assert!(
        errors("missing").iter().any(|m| m.contains("cannot start")),
        "{log:?}"
    );
    assert!(get(&counts(&log), "fine", "executed") >= 2, "{log:?}");
}

#[test]
fn a_timeout_kills_the_whole_command_not_only_its_shell() {
    let dir = temp_dir("group");
    let jobs = format!(
        "[[job]]\nid = \"script\"\ntrigger = \"date:run_date=2020-01-01\"\ncommand = [\"sh\", \"-c\", \"(sleep 2; touch {}) & wait\"]\ntimeout = \"300ms\"\nmisfire_grace_time = \"none\"\n",
        dir.join("marker").display()
    );
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let out = run(
        &dir,
        &["run", "jobs.toml", "--for", "1s", "--log", "runs.jsonl"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(2_500));
    assert!(
        !dir.join("marker").exists(),
        "the script's `sleep` outlived the timeout"
    );
}

#[test]
fn a_second_runner_on_the_same_store_is_refused() {
    let dir = temp_dir("second-runner");
    let jobs = "[[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let mut first = bin()
        .current_dir(&dir)
        .args(["run", "jobs.toml", "--for", "4s"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Until the first runner has opened its store.
    let lock = dir.join("schedctl.db.lock");
    for _ in 0..50 {
        if std::fs::read_to_string(&lock).is_ok_and(|pid| !pid.is_empty()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = run(&dir, &["run", "jobs.toml", "--for", "1s"]);
    let message = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{message}");
    assert!(
        message.contains(&format!(
            "is in use by another schedctl run (pid {} on ",
            first.id()
        )),
        "{message}"
    );
    // `schedctl jobs` still reads the store the first runner holds.
    let listed = run(&dir, &["jobs", "list", "--store", "schedctl.db"]);
    assert!(listed.status.success());
    assert!(String::from_utf8_lossy(&listed.stdout).contains("tick"));
    assert!(first.wait().expect("first runner ends").success());
    // Once the first runner is gone, the store is free.
    let after = run(&dir, &["run", "jobs.toml", "--for", "1s"]);
    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
}

/// APScheduler 3.11 would freeze its whole scheduler on this `and` after its first fire; the
/// real runner reports it on that job, ends the job, and runs every other job on.
#[test]
fn an_and_trigger_that_would_freeze_apscheduler_ends_only_its_job() {
    let dir = temp_dir("and-freeze");
    // Both intervals first agree 2 s after the start; after that fire they answer +1 s and
    // +2 s for ever: APScheduler's AndTrigger loop.
    let jobs = "[[job]]\nid = \"both\"\ntrigger = \"and:[interval:seconds=1] [interval:seconds=2]\"\ncommand = [\"true\"]\n\
        [[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let out = run(
        &dir,
        &["run", "jobs.toml", "--for", "5s", "--log", "runs.jsonl"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the job's error makes the exit status 1"
    );
    let log = read_log(&dir.join("runs.jsonl"));
    let both: Vec<&serde_json::Value> = log.iter().filter(|e| e["job"] == "both").collect();
    assert_eq!(both.len(), 1, "one event, then the job has ended: {log:?}");
    assert_eq!(both[0]["status"], "error", "{log:?}");
    assert!(
        both[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("AndTrigger never returns")),
        "{log:?}"
    );
    assert!(get(&counts(&log), "tick", "executed") >= 4, "{log:?}");
}

// Commands' output (`--output`) and the `SCHEDCTL_*` environment of each run.

/// The one `executed` or `error` event of `job` in the run log.
fn finished(log: &[serde_json::Value], job: &str) -> serde_json::Value {
    let ends: Vec<&serde_json::Value> = log
        .iter()
        .filter(|e| e["job"] == job && (e["status"] == "executed" || e["status"] == "error"))
        .collect();
    assert_eq!(ends.len(), 1, "one run of {job}: {log:?}");
    ends[0].clone()
}

#[test]
fn a_failing_commands_stderr_is_in_the_run_log_and_in_its_file() {
    let dir = temp_dir("output-capture");
    let jobs = "[[job]]\nid = \"reports/nightly\"\ntrigger = \"date:run_date=2020-01-01\"\nmisfire_grace_time = \"none\"\n\
        command = [\"sh\", \"-c\", \"echo generating; echo 'cannot reach db.internal:5432' >&2; exit 3\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let out = run(
        &dir,
        &["run", "jobs.toml", "--for", "1s", "--log", "runs.jsonl"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = finished(&read_log(&dir.join("runs.jsonl")), "reports/nightly");
    assert_eq!(e["status"], "error", "{e}");
    assert_eq!(
        e["output_tail"], "generating\ncannot reach db.internal:5432",
        "{e}"
    );
    // The whole output, in the default directory beside the job file, in a directory named
    // after the job id with its `/` escaped.
    let file = PathBuf::from(e["output_file"].as_str().expect("an output file"));
    assert!(
        file.starts_with("./schedctl-output/reports%2Fnightly"),
        "{}",
        file.display()
    );
    let text = std::fs::read_to_string(dir.join(&file)).expect("the output file");
    assert_eq!(text, "generating\ncannot reach db.internal:5432\n");
    // The console's error line says where the output is.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("(output: {})", file.display())),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn five_megabytes_of_output_neither_block_the_command_nor_grow_the_tail() {
    let dir = temp_dir("output-big");
    // A command blocked on a full pipe would run into its timeout.
    let jobs = "[[job]]\nid = \"chatty\"\ntrigger = \"date:run_date=2020-01-01\"\nmisfire_grace_time = \"none\"\ntimeout = \"20s\"\n\
        command = ['sh', '-c', 'head -c 5000000 /dev/zero | tr \"\\0\" x; echo; i=0; while [ $i -lt 100 ]; do echo \"line $i\" >&2; i=$((i+1)); done']\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let started = std::time::Instant::now();
    let out = run(
        &dir,
        &["run", "jobs.toml", "--for", "1s", "--log", "runs.jsonl"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let e = finished(&read_log(&dir.join("runs.jsonl")), "chatty");
    assert_eq!(e["status"], "executed", "{e}");
    let tail = e["output_tail"].as_str().expect("a tail");
    assert!(tail.len() <= 2048, "{} bytes", tail.len());
    assert_eq!(tail.lines().count(), 20, "{tail}");
    assert!(
        tail.starts_with("line 80\n") && tail.ends_with("line 99"),
        "{tail}"
    );
    let file = dir.join(e["output_file"].as_str().expect("an output file"));
    let len = std::fs::metadata(&file).expect("the output file").len();
    assert_eq!(
        len,
        5_000_001 + (0..100).map(|i: u64| 7 + u64::from(i >= 10)).sum::<u64>()
    );
}

#[test]
fn each_job_keeps_its_newest_output_files() {
    let dir = temp_dir("output-rotate");
    let jobs = "[[job]]\nid = \"nightly\"\ntrigger = \"date:run_date=2021-06-01\"\nmisfire_grace_time = \"none\"\ncommand = [\"echo\", \"today\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    // The files of five earlier runs (one at a fraction of a second), and a file that is not
    // one.
    let job_dir = dir.join("out").join("nightly");
    std::fs::create_dir_all(&job_dir).expect("job dir");
    for name in [
        "2021-05-27T00-00-00Z.log",
        "2021-05-28T00-00-00Z.log",
        "2021-05-29T00-00-00Z.log",
        "2021-05-31T00-00-00Z.log",
        "2021-05-31T00-00-00.500000Z.log",
        "notes.txt",
    ] {
        std::fs::write(job_dir.join(name), "earlier\n").expect("write");
    }
    let out = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "1s",
            "--log",
            "runs.jsonl",
            "--output-dir",
            "out",
            "--output-keep",
            "3",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut left: Vec<String> = std::fs::read_dir(&job_dir)
        .expect("job dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "2021-05-31T00-00-00.500000Z.log",
            "2021-05-31T00-00-00Z.log",
            "2021-06-01T00-00-00Z.log",
            "notes.txt"
        ]
    );
    let e = finished(&read_log(&dir.join("runs.jsonl")), "nightly");
    assert_eq!(e["output_file"], "out/nightly/2021-06-01T00-00-00Z.log");
    assert_eq!(
        std::fs::read_to_string(job_dir.join("2021-06-01T00-00-00Z.log")).expect("read"),
        "today\n"
    );
}

#[test]
fn output_inherit_prefixes_each_line_with_the_job_id() {
    let dir = temp_dir("output-inherit");
    let jobs = "[[job]]\nid = \"greet\"\ntrigger = \"date:run_date=2020-01-01\"\nmisfire_grace_time = \"none\"\n\
        command = [\"sh\", \"-c\", \"echo hello; echo 'to stderr' >&2; printf 'no newline'\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let out = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "1s",
            "--log",
            "runs.jsonl",
            "--output",
            "inherit",
        ],
    );
    assert!(out.status.success());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.lines().any(|l| l == "[greet] hello"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l == "[greet] no newline"),
        "{stdout}"
    );
    assert!(stderr.lines().any(|l| l == "[greet] to stderr"), "{stderr}");
    // Nothing is written to files; the run log still has the tail.
    assert!(!dir.join("schedctl-output").exists());
    let e = finished(&read_log(&dir.join("runs.jsonl")), "greet");
    assert_eq!(e["output_file"], serde_json::Value::Null, "{e}");
    assert!(
        e["output_tail"]
            .as_str()
            .is_some_and(|t| t.contains("hello") && t.contains("to stderr")),
        "{e}"
    );
}

#[test]
fn a_command_is_told_its_job_and_fire_time() {
    let dir = temp_dir("env");
    let jobs = "timezone = \"Europe/Paris\"\n\
        [[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1\"\n\
        command = [\"sh\", \"-c\", \"echo \\\"$SCHEDCTL_JOB_ID|$SCHEDCTL_FIRE_TIME|$SCHEDCTL_RUN_TIMES\\\" >> tick.txt\"]\n\
        [[job]]\nid = \"once\"\ntrigger = \"date:run_date=2020-01-01\"\nmisfire_grace_time = \"none\"\n\
        command = [\"sh\", \"-c\", \"echo \\\"$SCHEDCTL_FIRE_TIME|$SCHEDCTL_FIRE_TIME_UNIX|$SCHEDCTL_LATENESS_SECONDS|$SCHEDCTL_RUN_TIMES\\\" > once.txt\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let out = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "2500ms",
            "--log",
            "runs.jsonl",
            "--output",
            "discard",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = read_log(&dir.join("runs.jsonl"));
    let fires: Vec<String> = log
        .iter()
        .filter(|e| e["job"] == "tick" && e["status"] == "executed")
        .map(|e| format!("tick|{}|1", e["fire"].as_str().expect("fire")))
        .collect();
    assert!(fires.len() >= 2, "{log:?}");
    let seen = std::fs::read_to_string(dir.join("tick.txt")).expect("tick ran");
    assert_eq!(seen.lines().collect::<Vec<_>>(), fires);
    // A date in the past, in the file's zone: its fire, the same in seconds since 1970, and
    // how late the run started (about the time since then).
    let once = std::fs::read_to_string(dir.join("once.txt")).expect("once ran");
    let fields: Vec<&str> = once.trim_end().split('|').collect();
    assert_eq!(fields[0], "2020-01-01T00:00:00+01:00", "{once}");
    assert_eq!(finished(&log, "once")["fire"], fields[0]);
    assert_eq!(fields[1], "1577833200", "{once}");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64();
    let late: f64 = fields[2].parse().expect("decimal seconds");
    assert!((now - 1_577_833_200.0 - late).abs() < 10.0, "{once}");
    assert_eq!(fields[3], "1", "{once}");
}

#[test]
fn a_run_that_coalesced_overdue_fires_is_told_how_many() {
    let dir = temp_dir("env-coalesce");
    let jobs = "[[job]]\nid = \"catchup\"\ntrigger = \"interval:seconds=1\"\nmisfire_grace_time = \"none\"\n\
        command = [\"sh\", \"-c\", \"echo \\\"$SCHEDCTL_FIRE_TIME $SCHEDCTL_RUN_TIMES\\\" >> runs.txt\"]\n";
    std::fs::write(dir.join("jobs.toml"), jobs).expect("write");
    let first = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "1500ms",
            "--log",
            "first.jsonl",
        ],
    );
    assert!(first.status.success());
    std::thread::sleep(Duration::from_millis(3_000));
    let second = run(
        &dir,
        &[
            "run",
            "jobs.toml",
            "--for",
            "500ms",
            "--log",
            "second.jsonl",
        ],
    );
    assert!(second.status.success());
    let log = read_log(&dir.join("second.jsonl"));
    let coalesced = get(&counts(&log), "catchup", "coalesced");
    assert!(coalesced >= 2, "{log:?}");
    let caught_up = log
        .iter()
        .find(|e| e["status"] == "executed")
        .expect("the overdue run ran");
    let line = format!(
        "{} {}",
        caught_up["fire"].as_str().expect("fire"),
        coalesced + 1
    );
    let seen = std::fs::read_to_string(dir.join("runs.txt")).expect("runs");
    assert!(seen.lines().any(|l| l == line), "{line:?} in\n{seen}");
}

/// A job file's `[jobstores.default]` is the default store: `schedctl.db` is not created
/// beside it; `--store` still overrides it.
#[test]
fn the_job_files_default_store_replaces_schedctl_db() {
    let dir = temp_dir("file-default");
    std::fs::write(
        dir.join("jobs.toml"),
        "[jobstores.default]\nkind = \"sqlite\"\npath = \"other.db\"\n\
         [[job]]\nid = \"a\"\ntrigger = \"cron:hour=3\"\ncommand = [\"true\"]\n",
    )
    .expect("job file");
    let out = ok_stdout(&dir, &["run", "jobs.toml", "--for", "100ms"]);
    assert!(
        out.contains("store default = ") && out.contains("other.db"),
        "{out}"
    );
    assert!(dir.join("other.db").exists());
    assert!(!dir.join("schedctl.db").exists());
    let out = ok_stdout(
        &dir,
        &["run", "jobs.toml", "--for", "100ms", "--store", "given.db"],
    );
    assert!(out.contains("given.db"), "{out}");
    assert!(dir.join("given.db").exists() && !dir.join("schedctl.db").exists());
}
