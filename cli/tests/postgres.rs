//! The PostgreSQL job store with real `schedctl` processes and a real server: several runners
//! run each fire once, `max_instances` holds across runners, `schedctl jobs` changes reach
//! every runner, and stores that are not ours are refused and left untouched. (Kills and a
//! database restart: `chaos.rs`.)

mod common;
#[path = "common/pg.rs"]
mod pg;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{bin, read_log, run, temp_dir};

/// Starts a runner of `file` on the store `url` for `secs` seconds.
fn runner(dir: &Path, file: &str, url: &str, secs: u32, log: &str) -> Child {
    bin()
        .current_dir(dir)
        .args([
            "run",
            file,
            "--store",
            url,
            "--for",
            &format!("{secs}s"),
            "--log",
            log,
            "--output",
            "discard",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("schedctl run starts")
}

fn finish(child: Child) -> String {
    let out = child.wait_with_output().expect("runner ends");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "runner failed: {err}");
    err
}

/// Lines `JOB FIRE` that the jobs' commands appended: how many times each fire ran.
fn fires_run(path: &Path) -> BTreeMap<(String, String), usize> {
    let mut seen = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let mut parts = line.split_whitespace();
        if let (Some(job), Some(fire)) = (parts.next(), parts.next()) {
            *seen.entry((job.to_owned(), fire.to_owned())).or_insert(0) += 1;
        }
    }
    seen
}

const APPEND: &str =
    r#"command = ["sh", "-c", "echo \"$SCHEDCTL_JOB_ID $SCHEDCTL_FIRE_TIME_UNIX\" >> ran.txt"]"#;

#[test]
fn three_runners_run_each_fire_once_and_see_jobs_changes_within_a_second() {
    let Some(db) = pg::database("each_fire_once") else {
        return;
    };
    let dir = temp_dir("pg-once");
    let mut file = String::from("timezone = \"UTC\"\n[executor]\nmax_workers = 4\n");
    for i in 0..6 {
        file.push_str(&format!(
            "[[job]]\nid = \"j{i}\"\ntrigger = \"cron:second=*\"\n{APPEND}\n"
        ));
    }
    std::fs::write(dir.join("jobs.toml"), file).expect("job file");
    let runners: Vec<Child> = (0..3)
        .map(|r| runner(&dir, "jobs.toml", &db.url, 7, &format!("log{r}.jsonl")))
        .collect();
    std::thread::sleep(Duration::from_millis(3_500));
    // Paused from "another host": every runner must stop running it within a second.
    let paused = run(&dir, &["jobs", "pause", "j0", "--store", &db.url]);
    assert!(paused.status.success(), "{paused:?}");
    let paused_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let list = run(&dir, &["jobs", "list", "--store", &db.url]);
    assert!(list.status.success());
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("paused"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
    for r in runners {
        finish(r);
    }
    let ran = fires_run(&dir.join("ran.txt"));
    let twice: Vec<_> = ran.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "fires run more than once: {twice:?}");
    for i in 1..6 {
        let n = ran.keys().filter(|(j, _)| j == &format!("j{i}")).count();
        assert!(n >= 5, "job j{i} ran {n} fires in 7 s");
    }
    let late_j0: Vec<_> = ran
        .keys()
        .filter(|(j, f)| j == "j0" && f.parse::<f64>().is_ok_and(|f| f > paused_at + 1.0))
        .collect();
    assert!(late_j0.is_empty(), "j0 ran after its pause: {late_j0:?}");
    // Every record says which runner wrote it, and the runners shared the work.
    let mut pids = std::collections::BTreeSet::new();
    for r in 0..3 {
        for e in read_log(&dir.join(format!("log{r}.jsonl"))) {
            assert!(e["host"].is_string() && e["pid"].is_u64(), "{e}");
            if e["status"] == "executed" {
                pids.insert(e["pid"].as_u64());
            }
        }
    }
    assert!(pids.len() >= 2, "only {pids:?} ran jobs");
}

#[test]
fn max_instances_holds_across_three_runners() {
    let Some(db) = pg::database("max_instances") else {
        return;
    };
    let dir = temp_dir("pg-max");
    // Each run takes 2.2 s and the job fires every second: with max_instances = 1, runs on
    // three runners must never overlap.
    std::fs::write(
        dir.join("jobs.toml"),
        r#"timezone = "UTC"
[executor]
max_workers = 3
[[job]]
id = "long"
trigger = "cron:second=*"
max_instances = 1
command = ["sh", "-c", "echo start $(date +%s%N) >> spans.txt; sleep 2.2; echo end $(date +%s%N) >> spans.txt"]
"#,
    )
    .expect("job file");
    let runners: Vec<Child> = (0..3)
        .map(|r| runner(&dir, "jobs.toml", &db.url, 9, &format!("log{r}.jsonl")))
        .collect();
    for r in runners {
        finish(r);
    }
    let text = std::fs::read_to_string(dir.join("spans.txt")).expect("runs happened");
    let mut open = 0;
    let mut most = 0;
    let mut events: Vec<(u128, i32)> = text
        .lines()
        .filter_map(|l| {
            let (kind, ns) = l.split_once(' ')?;
            Some((ns.parse().ok()?, if kind == "start" { 1 } else { -1 }))
        })
        .collect();
    events.sort();
    for (_, d) in &events {
        open += d;
        most = most.max(open);
    }
    let runs = events.iter().filter(|(_, d)| *d == 1).count();
    assert!(runs >= 2, "{runs} runs in 9 s");
    assert_eq!(most, 1, "runs overlapped:\n{text}");
    let dropped: usize = (0..3)
        .flat_map(|r| read_log(&dir.join(format!("log{r}.jsonl"))))
        .filter(|e| e["status"] == "dropped")
        .count();
    assert!(dropped >= 2, "fires during a run are dropped ({dropped})");
}

#[test]
fn stores_that_are_not_ours_are_refused_and_left_untouched() {
    let Some(db) = pg::database("refusals") else {
        return;
    };
    let dir = temp_dir("pg-refuse");
    std::fs::write(
        dir.join("jobs.toml"),
        "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\ncommand = [\"true\"]\n",
    )
    .expect("job file");
    // `schedctl jobs` never creates a store.
    let out = run(&dir, &["jobs", "list", "--store", &db.url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no job store at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Someone else's table of our name.
    let mut c = db.client();
    c.batch_execute("CREATE TABLE schedctl_jobs (x int); INSERT INTO schedctl_jobs VALUES (7)")
        .expect("foreign table");
    let out = run(
        &dir,
        &["run", "jobs.toml", "--store", &db.url, "--for", "1s"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a schedctl job store"), "{err}");
    let x: i32 = c
        .query_one("SELECT x FROM schedctl_jobs", &[])
        .expect("untouched")
        .get(0);
    assert_eq!(x, 7);
    c.batch_execute("DROP TABLE schedctl_jobs").expect("drop");
    // A store, then a newer schedctl's.
    let out = run(
        &dir,
        &["run", "jobs.toml", "--store", &db.url, "--for", "1s"],
    );
    assert!(out.status.success(), "{out:?}");
    c.batch_execute("UPDATE schedctl_meta SET value = '99' WHERE key = 'schema_version'")
        .expect("newer");
    let out = run(&dir, &["jobs", "list", "--store", &db.url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newer schedctl (schema 99"), "{err}");
    let jobs: i64 = c
        .query_one("SELECT count(*) FROM schedctl_jobs", &[])
        .expect("jobs")
        .get(0);
    assert_eq!(jobs, 1, "the newer store keeps its job");
}

#[test]
fn a_url_from_an_unset_variable_or_a_bad_url_is_a_clear_error() {
    let dir = temp_dir("pg-url");
    std::fs::write(
        dir.join("jobs.toml"),
        "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"SCHEDCTL_TEST_NO_SUCH_URL\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\ncommand = [\"true\"]\njobstore = \"shared\"\n",
    )
    .expect("job file");
    let out = bin()
        .current_dir(&dir)
        .env_remove("SCHEDCTL_TEST_NO_SUCH_URL")
        .args(["run", "jobs.toml", "--for", "1s"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`SCHEDCTL_TEST_NO_SUCH_URL` (url_env) is not set"),
        "{err}"
    );
    let out = run(
        &dir,
        &[
            "jobs",
            "list",
            "--store",
            "postgres://u:hunter2@127.0.0.1:1/db?sslmode=sometimes",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sslmode `sometimes`"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the password is never shown: {err}"
    );
}

#[test]
fn sslmode_require_encrypts_and_verify_full_checks_the_certificate() {
    let Some(db) = pg::database("tls") else {
        return;
    };
    let mut c = db.client();
    let ssl: String = c.query_one("SHOW ssl", &[]).expect("ssl").get(0);
    if ssl != "on" {
        eprintln!("skipped the TLS checks: the server has ssl = {ssl}");
        return;
    }
    let dir = temp_dir("pg-tls");
    std::fs::write(
        dir.join("jobs.toml"),
        "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\ncommand = [\"true\"]\n",
    )
    .expect("job file");
    let url = format!("{}?sslmode=require", db.url);
    let out = run(&dir, &["run", "jobs.toml", "--store", &url, "--for", "1s"]);
    assert!(out.status.success(), "{out:?}");
    // The server's certificate is not signed by a public authority: verify-full refuses it.
    let url = format!("{}?sslmode=verify-full", db.url);
    let out = run(&dir, &["jobs", "list", "--store", &url]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("job store"), "{err}");
}
