//! `-` reads a trigger or a job file from standard input, as pipes expect.

mod common;

use std::io::Write;
use std::process::Stdio;

/// Runs the binary with `input` on its standard input.
fn piped(args: &[&str], input: &str) -> std::process::Output {
    let mut child = common::bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("schedctl runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("ends")
}

/// Standard output of a successful [`piped`] run.
fn piped_ok(args: &[&str], input: &str) -> String {
    let out = piped(args, input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_trigger_from_standard_input() {
    let out = piped_ok(
        &[
            "next",
            "-",
            "--tz",
            "Europe/Berlin",
            "--from",
            "2027-03-27",
            "--count",
            "2",
        ],
        "cron:hour=2 minute=30\n",
    );
    assert_eq!(
        out,
        "2027-03-27T02:30:00+01:00\n2027-03-28T03:30:00+02:00\n"
    );
}

#[test]
fn a_job_file_from_standard_input_and_its_errors_name_stdin() {
    // Two days of a job file read from standard input.
    let simulate = [
        "simulate",
        "-",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-03",
    ];
    let ok = piped_ok(
        &[&simulate[..], &["--format", "summary"]].concat(),
        "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=3\"\n",
    );
    assert!(ok.starts_with("a fires=2 executed=2"), "{ok}");
    let bad = piped(
        &simulate,
        "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=25\"\n",
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.starts_with("error: `hour` value `25`") && err.contains(" --> <stdin>:3:22\n"),
        "{err}"
    );
}
