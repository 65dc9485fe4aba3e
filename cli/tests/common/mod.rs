//! Helpers of the real-process tests: the binary, a scratch directory, the run log.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schedctl"))
}

/// A fresh directory for one test.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedctl-run-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The run log: one JSON value per line.
pub(crate) fn read_log(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("run log lines are JSON"))
        .collect()
}

/// Events per (job, outcome).
pub(crate) fn counts(log: &[serde_json::Value]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for e in log {
        let key = (
            e["job"].as_str().unwrap_or("").to_owned(),
            e["status"].as_str().unwrap_or("").to_owned(),
        );
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

pub(crate) fn get(c: &BTreeMap<(String, String), usize>, job: &str, outcome: &str) -> usize {
    c.get(&(job.to_owned(), outcome.to_owned()))
        .copied()
        .unwrap_or(0)
}

/// Runs the binary in `dir` and waits for it.
pub(crate) fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("schedctl runs")
}

/// Standard output of a successful run.
pub(crate) fn ok_stdout(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
