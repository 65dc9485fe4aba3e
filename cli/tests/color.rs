//! Error messages as cargo draws them: colour only when asked for or on a terminal
//! (`--color`, NO_COLOR, CLICOLOR_FORCE), and underlines that stay under their text when the
//! line has tabs.

mod common;

use common::{bin, temp_dir};

fn stderr_of(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = bin();
    cmd.args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("schedctl runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8(out.stderr).expect("UTF-8")
}

const BAD: &[&str] = &["next", "cron:hour=24"];

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let with = |args: &[&str], env: &[(&str, &str)]| {
        let all: Vec<&str> = BAD.iter().chain(args).copied().collect();
        stderr_of(&all, env).contains("\x1b[")
    };
    // Standard error is a pipe here: no colour unless asked for.
    assert!(!with(&[], &[]));
    assert!(with(&["--color", "always"], &[]));
    assert!(!with(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(with(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!with(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    // The text is the same with and without colour.
    let plain = stderr_of(BAD, &[]);
    let all: Vec<&str> = BAD.iter().chain(&["--color", "always"]).copied().collect();
    let coloured = stderr_of(&all, &[]);
    let stripped: String = {
        let mut out = String::new();
        let mut chars = coloured.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    assert_eq!(stripped, plain);
}

#[test]
fn an_underline_stays_under_its_text_after_a_tab() {
    let dir = temp_dir("tabs");
    let file = dir.join("jobs.toml");
    std::fs::write(
        &file,
        "[[job]]\nid = \"a\"\n\ttrigger =\t\"cron:hour=24\"\n",
    )
    .expect("write");
    let err = stderr_of(
        &[
            "simulate",
            file.to_str().expect("path"),
            "--from",
            "2026-01-01",
        ],
        &[],
    );
    assert!(err.contains("jobs.toml:3:"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let source = lines
        .iter()
        .position(|l| l.contains("cron:hour=24"))
        .expect("the line is shown");
    assert!(!lines[source].contains('\t'), "tabs are expanded: {err}");
    let at = lines[source].find("24").expect("the value");
    let caret = lines[source + 1].find('^').expect("an underline");
    assert_eq!(caret, at, "{err}");
}
