//! Every command × every `--format` of the book's table (book/src/commands/formats.md), run
//! for real: JSON is one document, JSON lines are objects, the CSV header is the JSON's keys,
//! `--json` is `--format json`; and output streams (memory does not grow with --count).

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{bin, temp_dir};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// The arguments that run `command` (as the book's table names it) on the fixtures; `store`
/// is a job store with jobs in it.
fn invocation(command: &str, store: &Path) -> Vec<String> {
    let store = store.display().to_string();
    let args: Vec<&str> = match command {
        "next" => vec![
            "next",
            "cron:hour=2 minute=30",
            "--tz",
            "Europe/Berlin",
            "--from",
            "2026-03-28",
            "--count",
            "3",
        ],
        "simulate" => vec![
            "simulate",
            "fixtures/jobs/month.toml",
            "--from",
            "2026-03-28",
            "--to",
            "+2d",
        ],
        "snapshot" => vec![
            "snapshot",
            "fixtures/jobs/month.toml",
            "--from",
            "2026-03-28",
            "--to",
            "+2d",
        ],
        "check" => vec!["check", "fixtures/snapshots/month-stale.snap"],
        "diff" => vec![
            "diff",
            "fixtures/snapshots/team.toml",
            "fixtures/snapshots/team-next.toml",
            "--from",
            "2026-03-01",
            "--to",
            "+7d",
        ],
        "lint" => vec![
            "lint",
            "fixtures/jobs/month.toml",
            "--from",
            "2026-03-01",
            "--to",
            "+30d",
        ],
        "explain" => vec![
            "explain",
            "cron:day=1 minute=20",
            "--from",
            "2026-01-01",
            "--count",
            "3",
        ],
        "dst" => vec![
            "dst",
            "cron:hour=2 minute=30",
            "--tz",
            "Europe/Berlin",
            "--from",
            "2027-01-01",
            "--to",
            "2028-01-01",
        ],
        "jobs list" => vec!["jobs", "list", "--store", &store],
        "jobs show" => vec!["jobs", "show", "tick", "--store", &store],
        other => panic!("the book's format table names `{other}`, which this test cannot run"),
    };
    args.into_iter().map(str::to_owned).collect()
}

/// The rows of the book's table: (command, formats with a ✓).
fn book_table() -> Vec<(String, Vec<String>)> {
    let page = std::fs::read_to_string(root().join("book/src/commands/formats.md")).expect("page");
    let mut lines = page.lines().skip_while(|l| !l.starts_with("| command |"));
    let header: Vec<String> = cells(lines.next().expect("the table's header"));
    lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let row = cells(l);
            let command = row[0].trim_matches('`').to_owned();
            let mut formats = Vec::new();
            for (name, cell) in header.iter().zip(&row).skip(1) {
                if cell.contains('✓') {
                    formats.push(name.clone());
                }
                // `other`: the formats named in backquotes.
                for part in cell.split('`').skip(1).step_by(2) {
                    formats.push(part.to_owned());
                }
            }
            (command, formats)
        })
        .collect()
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_owned())
        .collect()
}

fn run(args: &[String]) -> (i32, String, String) {
    let out = bin()
        .current_dir(root())
        .args(args)
        .output()
        .expect("schedctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A store with one job, written by a short real run.
fn store() -> PathBuf {
    let dir = temp_dir("formats");
    std::fs::write(
        dir.join("jobs.toml"),
        "[[job]]\nid = \"tick\"\ntrigger = \"cron:hour=3\"\ncommand = [\"true\"]\n",
    )
    .expect("job file");
    let out = bin()
        .current_dir(&dir)
        .args(["run", "jobs.toml", "--for", "100ms"])
        .output()
        .expect("schedctl run");
    assert!(out.status.success(), "{out:?}");
    dir.join("schedctl.db")
}

/// The keys of the first object found in a JSON document: the rows of an array, the
/// `entries` of `simulate`, the `changes` of `check`'s snapshots.
fn row_keys(doc: &Value) -> Option<Vec<String>> {
    let rows = match doc {
        Value::Array(rows) => rows.clone(),
        Value::Object(o) if o.contains_key("entries") => o["entries"].as_array()?.clone(),
        Value::Object(o) if o.contains_key("snapshots") => {
            o["snapshots"][0]["changes"].as_array()?.clone()
        }
        _ => return None,
    };
    let first = rows.first()?.as_object()?;
    Some(first.keys().cloned().collect())
}

#[test]
fn every_command_prints_every_format_of_the_book_table() {
    let store = store();
    let table = book_table();
    assert!(table.len() >= 10, "the book's table: {table:?}");
    let mut checked = 0;
    for (command, formats) in &table {
        let base = invocation(command, &store);
        let mut json_keys = None;
        for format in formats {
            let mut args = base.clone();
            args.extend(["--format".to_owned(), format.clone()]);
            let (code, out, err) = run(&args);
            let what = format!("schedctl {} (exit {code}): {err}\n{out}", args.join(" "));
            assert!(
                code == 0 || (code == 1 && ["check", "diff"].contains(&command.as_str())),
                "{what}"
            );
            assert!(!out.trim().is_empty(), "no output: {what}");
            match format.as_str() {
                "json" => {
                    let doc: Value =
                        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {what}"));
                    json_keys = row_keys(&doc).map(|mut k| {
                        k.sort();
                        (k, out.clone())
                    });
                    let (_, alias, _) = run(&[base.clone(), vec!["--json".to_owned()]].concat());
                    assert_eq!(alias, out, "--json differs from --format json: {what}");
                }
                "jsonl" => {
                    for line in out.lines() {
                        let v: Value = serde_json::from_str(line)
                            .unwrap_or_else(|e| panic!("{e}: {line}: {what}"));
                        assert!(v.is_object(), "{what}");
                    }
                }
                "csv" => {
                    let mut reader = csv::Reader::from_reader(out.as_bytes());
                    let header: Vec<String> = reader
                        .headers()
                        .expect("header")
                        .iter()
                        .map(str::to_owned)
                        .collect();
                    let n = header.len();
                    for record in reader.records() {
                        assert_eq!(record.expect("a CSV record").len(), n, "{what}");
                    }
                    if let Some((keys, json)) = &json_keys {
                        // `check` rows also say which snapshot, its job file and its status (the JSON
                        // document nests the changes under each snapshot instead).
                        let skip = if command == "check" { 3 } else { 0 };
                        let mut sorted = header[skip..].to_vec();
                        sorted.sort();
                        assert_eq!(&sorted, keys, "CSV header vs JSON keys: {what}");
                        // ... in the same order: where each key first appears in the JSON.
                        let at: Vec<usize> = header[skip..]
                            .iter()
                            .map(|k| json.find(&format!("\"{k}\":")).unwrap_or(0))
                            .collect();
                        assert!(
                            at.windows(2).all(|w| w[0] < w[1]),
                            "key order {at:?}: {what}"
                        );
                    }
                }
                "table" => assert!(out.contains('┌') || out.starts_with("simulated"), "{what}"),
                "rfc3339" => assert!(out.lines().all(|l| l.contains('T')), "{what}"),
                _ => {}
            }
            checked += 1;
        }
    }
    assert!(checked >= 35, "checked {checked} command × format pairs");
}

#[test]
fn simulate_and_snapshot_use_the_same_keys_as_their_csv() {
    let (_, jsonl, _) = run(&invocation("simulate", Path::new("-"))
        .into_iter()
        .chain(["--format".into(), "jsonl".into()])
        .collect::<Vec<_>>());
    let first: Value = serde_json::from_str(jsonl.lines().next().expect("a line")).expect("JSON");
    for key in ["job", "fire", "status", "start", "end", "worker", "rule"] {
        assert!(first.get(key).is_some(), "`{key}` in {first}");
    }
    let (_, csv, _) = run(&invocation("simulate", Path::new("-"))
        .into_iter()
        .chain(["--format".into(), "csv".into()])
        .collect::<Vec<_>>());
    assert_eq!(
        csv.lines().next(),
        Some("job,fire,status,start,end,worker,rule")
    );
}

/// Runs `schedctl` under a 60 MB address-space limit: a format that held every row would
/// need far more for this many fires (each held row costs about 900 bytes).
fn bounded(args: &[&str]) -> std::process::ExitStatus {
    let command = std::iter::once(env!("CARGO_BIN_EXE_schedctl").to_owned())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    std::process::Command::new("sh")
        .args(["-c", &format!("ulimit -v 60000 && exec {command}")])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .expect("sh runs")
}

#[cfg(target_os = "linux")]
#[test]
fn output_streams_memory_does_not_grow_with_the_count() {
    let count = "100000";
    for format in ["json", "table", "jsonl", "csv"] {
        let status = bounded(&[
            "next",
            "cron:second=*",
            "--from",
            "2026-01-01",
            "--count",
            count,
            "--format",
            format,
        ]);
        assert!(status.success(), "next --format {format}: {status}");
    }
    let status = bounded(&[
        "explain",
        "cron:second=*",
        "--from",
        "2026-01-01",
        "--count",
        count,
        "--json",
    ]);
    assert!(status.success(), "explain --json: {status}");
}
