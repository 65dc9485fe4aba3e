//! The job lifecycle across restarts and `schedctl jobs` (APScheduler's rules, with a job file
//! deciding at each start): real processes on a real SQLite store, a few seconds each.

mod common;

use common::{counts, get, ok_stdout, read_log, run, temp_dir};

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

fn jobs_json(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let text = ok_stdout(dir, &["jobs", "list", "--json", "--store", "schedctl.db"]);
    serde_json::from_str(&text).expect("json")
}

fn job<'a>(jobs: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    jobs.iter()
        .find(|j| j["id"] == id)
        .unwrap_or_else(|| panic!("no job {id} in {jobs:?}"))
}

/// A one-off date job runs once, not once per start: the store remembers that it ended.
#[test]
fn an_ended_job_stays_ended_across_restarts() {
    let dir = temp_dir("ended");
    write(
        &dir,
        "jobs.toml",
        "[[job]]\nid = \"once\"\ntrigger = \"date:\"\ncommand = [\"true\"]\nmisfire_grace_time = \"none\"\n",
    );
    for start in 0..3 {
        let out = ok_stdout(
            &dir,
            &["run", "jobs.toml", "--for", "1s", "--log", "runs.jsonl"],
        );
        let word = if start == 0 { "added" } else { "ended" };
        assert!(
            out.contains(&format!("  {word:<11} once")),
            "start {start}: {out}"
        );
    }
    let log = read_log(&dir.join("runs.jsonl"));
    assert_eq!(get(&counts(&log), "once", "executed"), 1, "{log:?}");
    assert!(job(&jobs_json(&dir), "once")["state"]
        .as_str()
        .is_some_and(|s| s.starts_with("ended")));
    // A changed definition schedules it again.
    write(
        &dir,
        "jobs.toml",
        "[[job]]\nid = \"once\"\ntrigger = \"date:\"\ncommand = [\"echo\", \"again\"]\nmisfire_grace_time = \"none\"\n",
    );
    let out = ok_stdout(
        &dir,
        &["run", "jobs.toml", "--for", "1s", "--log", "runs.jsonl"],
    );
    assert!(out.contains("  rescheduled once"), "{out}");
    let log = read_log(&dir.join("runs.jsonl"));
    assert_eq!(get(&counts(&log), "once", "executed"), 2, "{log:?}");
}

/// `jobs remove` of a job the file still has: it stays removed at the next start; a job added
/// with `jobs add` is the store's, so a start from the file keeps it. Each start says so.
#[test]
fn removed_and_added_jobs_survive_a_restart_as_the_start_says() {
    let dir = temp_dir("removed");
    write(
        &dir,
        "jobs.toml",
        "timezone = \"Europe/Berlin\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=3\"\ncommand = [\"true\"]\n\
         [[job]]\nid = \"b\"\ntrigger = \"cron:hour=4\"\ncommand = [\"true\"]\n",
    );
    ok_stdout(&dir, &["run", "jobs.toml", "--for", "200ms"]);
    ok_stdout(&dir, &["jobs", "remove", "a", "--store", "schedctl.db"]);
    ok_stdout(
        &dir,
        &[
            "jobs",
            "add",
            "c",
            "--trigger",
            "cron:hour=5",
            "--store",
            "schedctl.db",
            "--",
            "true",
        ],
    );
    // `jobs add` reads the trigger in the job file's zone.
    assert!(
        job(&jobs_json(&dir), "c")["next_run_time"]
            .as_str()
            .is_some_and(|t| t.contains("T05:00:00+0")),
        "{:?}",
        jobs_json(&dir)
    );
    let out = ok_stdout(&dir, &["run", "jobs.toml", "--for", "200ms"]);
    assert!(out.contains("  removed     a"), "{out}");
    assert!(out.contains("  kept        b"), "{out}");
    assert!(
        out.contains("  kept        c") && out.contains("added with `schedctl jobs add`"),
        "{out}"
    );
    let jobs = jobs_json(&dir);
    assert_eq!(job(&jobs, "a")["state"], "removed");
    assert_eq!(job(&jobs, "c")["state"], "scheduled");
    // Dropping `b` from the file removes it; `c` stays.
    write(&dir, "jobs.toml", "timezone = \"Europe/Berlin\"\n");
    let out = ok_stdout(&dir, &["run", "jobs.toml", "--for", "200ms"]);
    assert!(out.contains("  removed     b"), "{out}");
    let ids: Vec<String> = jobs_json(&dir)
        .iter()
        .map(|j| j["id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        ids.contains(&"c".to_owned()) && !ids.contains(&"b".to_owned()),
        "{ids:?}"
    );
}

/// `jobs resume` of an interval without start_date keeps the interval's grid, as APScheduler
/// does (its start was fixed when the job was added); `jobs modify` with options only keeps
/// the next run time; with nothing to change it is an error.
#[test]
fn resume_keeps_the_interval_anchor_and_modify_keeps_the_next_run_time() {
    let dir = temp_dir("anchor");
    write(
        &dir,
        "jobs.toml",
        "[[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=7\"\ncommand = [\"true\"]\n",
    );
    ok_stdout(&dir, &["run", "jobs.toml", "--for", "200ms"]);
    let before = jobs_json(&dir);
    let anchor = instant(&job(&before, "tick")["anchor"]);
    ok_stdout(&dir, &["jobs", "pause", "tick", "--store", "schedctl.db"]);
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    ok_stdout(&dir, &["jobs", "resume", "tick", "--store", "schedctl.db"]);
    let next = instant(&job(&jobs_json(&dir), "tick")["next_run_time"]);
    let step = 7_000_000;
    assert_eq!(
        (next - anchor) % step,
        0,
        "on the grid of the original start"
    );
    assert!(next - anchor >= step);

    let next_before = job(&jobs_json(&dir), "tick")["next_run_time"].clone();
    ok_stdout(
        &dir,
        &[
            "jobs",
            "modify",
            "tick",
            "--max-instances",
            "3",
            "--store",
            "schedctl.db",
        ],
    );
    ok_stdout(
        &dir,
        &[
            "jobs",
            "modify",
            "tick",
            "--coalesce",
            "false",
            "--store",
            "schedctl.db",
        ],
    );
    assert_eq!(job(&jobs_json(&dir), "tick")["next_run_time"], next_before);
    let out = run(&dir, &["jobs", "modify", "tick", "--store", "schedctl.db"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to change"));
    // The job file did not change since the last start: the modification stands.
    let out = ok_stdout(&dir, &["run", "jobs.toml", "--for", "200ms"]);
    assert!(out.contains("  kept        tick"), "{out}");
    let show = ok_stdout(&dir, &["jobs", "show", "tick", "--store", "schedctl.db"]);
    assert!(show.contains("\"max_instances\": 3"), "{show}");
}

/// Microseconds since the epoch of an RFC 3339 value.
fn instant(v: &serde_json::Value) -> i64 {
    let text = v.as_str().expect("a time");
    let t = schedctl_trigger::IsoDateTime::parse(text).expect("RFC 3339");
    t.resolve(schedctl_trigger::Tz::utc())
        .expect("range")
        .instant()
        .unix_micros()
}

/// Two runners on one store through a symlink: the second is refused (the lock is on the
/// file), so no fire runs twice.
#[test]
fn a_second_runner_through_a_symlink_is_refused() {
    let dir = temp_dir("symlink");
    write(
        &dir,
        "jobs.toml",
        "[[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\n",
    );
    ok_stdout(&dir, &["run", "jobs.toml", "--for", "100ms"]);
    std::os::unix::fs::symlink(dir.join("schedctl.db"), dir.join("link.db")).expect("symlink");
    let first = common::bin()
        .current_dir(&dir)
        .args(["run", "jobs.toml", "--for", "3s"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("first runner");
    std::thread::sleep(std::time::Duration::from_millis(700));
    let second = run(
        &dir,
        &["run", "jobs.toml", "--store", "link.db", "--for", "1s"],
    );
    let mut first = first;
    let _ = first.wait();
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("in use by another schedctl run (pid "),
        "{stderr}"
    );
}

/// A closed standard output (`| head`) never stops scheduling: the runner goes on, every event
/// reaches the run log, and nothing panics.
#[test]
fn a_closed_standard_output_does_not_stop_the_scheduler() {
    let dir = temp_dir("closed-stdout");
    write(
        &dir,
        "jobs.toml",
        "[[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=1\"\ncommand = [\"true\"]\n",
    );
    let mut child = common::bin()
        .current_dir(&dir)
        .args(["run", "jobs.toml", "--for", "4s", "--log", "runs.jsonl"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runner");
    // Read the first line, then close the pipe, as `| head -1` does.
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).expect("a line");
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let log = read_log(&dir.join("runs.jsonl"));
    assert!(get(&counts(&log), "tick", "executed") >= 3, "{log:?}");
}

/// `schedctl jobs` never creates or changes a file that is not a store.
#[test]
fn jobs_never_creates_a_store() {
    let dir = temp_dir("jobs-create");
    std::fs::write(dir.join("empty.db"), b"").expect("empty");
    for store in ["empty.db", "missing.db"] {
        let out = run(&dir, &["jobs", "list", "--store", store]);
        assert_eq!(out.status.code(), Some(2), "{store}");
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert_eq!(names, ["empty.db"]);
    assert_eq!(std::fs::read(dir.join("empty.db")).expect("read"), b"");
}
