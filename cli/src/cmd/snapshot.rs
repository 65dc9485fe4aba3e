//! `schedctl snapshot`, `check` and `diff`: schedule snapshots for CI and code review.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use clap::{Args, ValueEnum};
use schedctl_core::snapshot::{
    diff, render, render_diff_limited, signed_span, version_of, FireLine, JobDiff, Snapshot,
};
use schedctl_core::{simulate, JobFile};
use schedctl_trigger::{IsoDateTime, Tz, ZonedTime};
use serde_json::{json, Value};

use crate::cmd::simulate::load_job_file;
use crate::format::{chosen, col, Column, RowFormat, RowWriter};
use crate::output::{CmdResult, Failure};
use crate::timearg::parse_time;

/// Write a snapshot of every fire and its outcome over a window: a stable, diff-friendly text
/// to commit and check in CI with `schedctl check`.
///
/// Examples:
///   schedctl snapshot jobs.toml --from 2026-03-01 --to 2026-04-01 -o jobs.snap
///   schedctl snapshot jobs.toml --from 2026-03-01 --to +7d
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct SnapshotArgs {
    /// The job file
    file: PathBuf,
    /// Start of the window (inclusive); naive values are in the file's timezone
    #[arg(long)]
    from: String,
    /// End of the window (exclusive), or `+DURATION` after --from
    #[arg(long, default_value = "+30d")]
    to: String,
    /// Write the snapshot here instead of stdout
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Output: text (the snapshot file, the default; `check` reads it), or its fires as
    /// json, jsonl or csv
    #[arg(long, value_enum)]
    format: Option<SnapshotFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SnapshotFormat {
    Text,
    Json,
    Jsonl,
    Csv,
}

/// `check` and `diff`: the readable report, or the changes as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Jsonl,
    Csv,
}

/// A snapshot's fires in the machine formats: the keys of `simulate`'s ledger.
const FIRE_COLUMNS: &[Column] = &[
    col("job"),
    col("fire"),
    col("status"),
    col("late"),
    col("rule"),
];

/// One change of fires or outcomes in the machine formats of `check` and `diff`: `change` is
/// `moved`, `added`, `removed` or `status` for a fire, `job_added`, `job_removed`,
/// `job_renamed` or `shifted` for a whole job (`detail` says from what, or by how much).
const CHANGE_COLUMNS: &[Column] = &[
    col("job"),
    col("change"),
    col("old_fire"),
    col("old_status"),
    col("new_fire"),
    col("new_status"),
    col("rule"),
    col("detail"),
];

/// Recompute snapshots and compare: exit 0 when the fires and outcomes are the same, 1 with a
/// readable diff when not, 2 on bad input.
///
/// Each snapshot is checked against the job file named in its header (relative to the
/// snapshot), unless a job file is given among the paths. The report has one summary line per
/// job (fires moved, added and removed, outcomes changed), then the changed fires, each
/// outcome change with the rule that decided it.
///
/// Examples:
///   schedctl check jobs.snap
///   schedctl check schedules/*.snap
///   schedctl check jobs.snap jobs.toml --update
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct CheckArgs {
    /// Snapshots written by `schedctl snapshot`, and optionally one job file to check them against
    #[arg(required = true, value_name = "SNAP... [FILE]")]
    paths: Vec<PathBuf>,
    /// Rewrite the snapshots with the current fires instead of failing
    #[arg(long)]
    update: bool,
    /// Show at most N lines of changed fires per snapshot after the summary (`all`: no limit)
    #[arg(long, value_name = "N|all", default_value = "20")]
    max_lines: MaxLines,
    /// Output: text (the default), or json (one document: each snapshot's status and
    /// changes), jsonl or csv (one change per line, with the snapshot it is about)
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

/// Show what a change to a job file does to fires and outcomes: one summary line per job
/// (fires moved, added and removed, outcomes changed, a renamed job, a uniform shift), then the
/// changed fires, each outcome change with the rule that decided it. Exit 0 when nothing
/// changes, 1 when something does.
///
/// Example:
///   schedctl diff jobs.old.toml jobs.toml --from 2026-03-01 --to +30d
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct DiffArgs {
    /// The job file before the change
    old: PathBuf,
    /// The job file after the change
    new: PathBuf,
    /// Start of the window (inclusive); naive values are in the new file's timezone
    #[arg(long)]
    from: String,
    /// End of the window (exclusive), or `+DURATION` after --from
    #[arg(long, default_value = "+30d")]
    to: String,
    /// Show at most N lines of changed fires after the summary (`all`: no limit)
    #[arg(long, value_name = "N|all", default_value = "20")]
    max_lines: MaxLines,
    /// Output: text (the default), or the changes as json, jsonl or csv (every change:
    /// --max-lines limits the text only)
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

/// `--max-lines`: a count, or `all`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MaxLines(usize);

impl std::str::FromStr for MaxLines {
    type Err = String;

    fn from_str(s: &str) -> Result<MaxLines, String> {
        if s == "all" {
            return Ok(MaxLines(usize::MAX));
        }
        s.parse()
            .map(MaxLines)
            .map_err(|_| format!("`{s}` is not a number of lines or `all`"))
    }
}

/// The summary and at most `max` detail lines of `diffs`, then how many were left out.
fn write_report(out: &mut impl Write, diffs: &[JobDiff], max: MaxLines) -> std::io::Result<()> {
    let (text, left_out) = render_diff_limited(diffs, max.0);
    out.write_all(text.as_bytes())?;
    if left_out > 0 {
        let more = if max.0 == 0 { "" } else { "more " };
        let lines = if left_out == 1 { "line" } else { "lines" };
        writeln!(
            out,
            "... {left_out} {more}{lines} left out (`--max-lines all` shows every line)"
        )?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Input(format!("error: cannot read `{}`: {e}\n", path.display())))
}

/// Simulates and renders; `name` is what the header calls the job file.
fn snapshot_text(
    path: &Path,
    name: &str,
    from: &ZonedTime,
    to: &ZonedTime,
) -> Result<String, Failure> {
    let source = read(path)?;
    let file = load_job_file(path)?;
    let (from, to) = in_zone(&file, from, to)?;
    let sim = simulate(&file, from.instant(), to.instant(), 0)
        .map_err(|e| Failure::Input(format!("error: {e}\n")))?;
    Ok(render(name, &source, &file, &sim, &from, &to))
}

/// The window written in the file's zone, so that the snapshot does not depend on how
/// `--from` was spelled.
fn in_zone(
    file: &JobFile,
    from: &ZonedTime,
    to: &ZonedTime,
) -> Result<(ZonedTime, ZonedTime), Failure> {
    let tz = Tz::Zone(file.timezone);
    let conv = |t: &ZonedTime| {
        t.canonical_in(tz)
            .map_err(|e| Failure::Input(format!("error: {e}\n")))
    };
    let (from, to) = (conv(from)?, conv(to)?);
    if to.instant() <= from.instant() {
        return Err(Failure::Input(format!(
            "error: --to `{to}` is not after --from `{from}`\n"
        )));
    }
    Ok((from, to))
}

fn window(path: &Path, from: &str, to: &str) -> Result<(ZonedTime, ZonedTime), Failure> {
    let file = load_job_file(path)?;
    let from = parse_time(from, file.timezone, None, "--from").map_err(Failure::Input)?;
    let to = parse_time(to, file.timezone, Some(from.instant()), "--to").map_err(Failure::Input)?;
    Ok((from, to))
}

/// `path` written relative to `dir` (both made absolute first).
fn relative_to(path: &Path, dir: &Path) -> PathBuf {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, dir) = (abs(path), abs(dir));
    let a: Vec<Component<'_>> = path
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let b: Vec<Component<'_>> = dir
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &a[common..] {
        out.push(c);
    }
    out
}

pub(crate) fn run_snapshot(args: SnapshotArgs, out: &mut impl Write) -> CmdResult {
    let (from, to) = window(&args.file, &args.from, &args.to)?;
    let format = chosen(
        args.format,
        args.json,
        SnapshotFormat::Json,
        SnapshotFormat::Text,
    );
    let name = match &args.output {
        Some(target) => relative_to(&args.file, dir_of(target))
            .to_string_lossy()
            .replace('\\', "/"),
        None => args.file.to_string_lossy().into_owned(),
    };
    let mut text = snapshot_text(&args.file, &name, &from, &to)?;
    if format != SnapshotFormat::Text {
        let snap = Snapshot::parse(&text)
            .map_err(|e| Failure::Input(format!("error: internal: {e}\n")))?;
        let format = match format {
            SnapshotFormat::Jsonl => RowFormat::Jsonl,
            SnapshotFormat::Csv => RowFormat::Csv,
            _ => RowFormat::Json,
        };
        let mut bytes = Vec::new();
        let mut rows = RowWriter::new(format, &mut bytes, FIRE_COLUMNS)?;
        for (job, fires) in &snap.jobs {
            for f in fires {
                rows.row(vec![
                    json!(job),
                    json!(f.fire),
                    json!(f.status.name()),
                    json!(f.late.as_micros() as f64 / 1e6),
                    json!(f.reason()),
                ])?;
            }
        }
        rows.finish()?;
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    match &args.output {
        Some(target) => {
            write_atomically(target, &text)?;
            eprintln!("wrote {}", target.display());
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(crate::exit::OK)
}

/// A job's changes as rows of [`CHANGE_COLUMNS`].
fn change_rows(d: &JobDiff) -> Vec<Vec<Value>> {
    let fire = |f: Option<&FireLine>| {
        (
            json!(f.map(|f| f.fire.clone())),
            json!(f.map(|f| f.status.name())),
        )
    };
    let row = |change: &str, old: Option<&FireLine>, new: Option<&FireLine>, detail: Value| {
        let ((old_fire, old_status), (new_fire, new_status)) = (fire(old), fire(new));
        let rule = json!(new.or(old).and_then(FireLine::reason));
        vec![
            json!(d.job),
            json!(change),
            old_fire,
            old_status,
            new_fire,
            new_status,
            rule,
            detail,
        ]
    };
    let mut rows = Vec::new();
    if d.added_job {
        rows.push(row("job_added", None, None, Value::Null));
    }
    if d.removed_job {
        rows.push(row("job_removed", None, None, Value::Null));
    }
    if let Some(old) = &d.renamed_from {
        rows.push(row("job_renamed", None, None, json!(format!("from {old}"))));
    }
    if let Some(by) = d.shift {
        rows.push(row(
            "shifted",
            None,
            None,
            json!(format!("by {}", signed_span(by))),
        ));
    }
    for (a, b) in &d.moved {
        rows.push(row("moved", Some(a), Some(b), Value::Null));
    }
    for a in &d.added {
        rows.push(row("added", None, Some(a), Value::Null));
    }
    for a in &d.removed {
        rows.push(row("removed", Some(a), None, Value::Null));
    }
    for (a, b) in &d.changed {
        rows.push(row("status", Some(a), Some(b), Value::Null));
    }
    rows
}

/// `--format` of `check` and `diff`, `--json` its alias; text by default.
fn report_format(format: Option<ReportFormat>, json: bool) -> ReportFormat {
    chosen(format, json, ReportFormat::Json, ReportFormat::Text)
}

fn row_format(format: ReportFormat) -> RowFormat {
    match format {
        ReportFormat::Jsonl => RowFormat::Jsonl,
        ReportFormat::Csv => RowFormat::Csv,
        _ => RowFormat::Json,
    }
}

/// Writes `text` to a temporary file beside `target`, then renames it over `target`.
fn write_atomically(target: &Path, text: &str) -> Result<(), Failure> {
    let tmp = target.with_extension("snap.tmp");
    let fail = |e: std::io::Error| {
        Failure::Input(format!("error: cannot write `{}`: {e}\n", target.display()))
    };
    if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, target).map_err(fail)
}

fn header_time(snap: &Snapshot, key: &str, path: &Path) -> Result<ZonedTime, Failure> {
    snap.get(key)
        .and_then(|t| IsoDateTime::parse(t).ok())
        .filter(|t| t.offset.is_some())
        .and_then(|t| t.resolve(Tz::Fixed(0)).ok())
        .ok_or_else(|| {
            Failure::Input(format!(
                "error: `{}`: the header has no valid `# {key}:` line\n",
                path.display()
            ))
        })
}

pub(crate) fn run_check(args: CheckArgs, out: &mut impl Write) -> CmdResult {
    let mut snapshots = Vec::new();
    let mut job_file: Option<PathBuf> = None;
    for path in &args.paths {
        let text = read(path)?;
        if version_of(&text).is_some() {
            snapshots.push((path.clone(), text));
        } else if job_file.replace(path.clone()).is_some() {
            return Err(Failure::Input(format!(
                "error: `{}` is not a snapshot, and a job file was already given\n  = help: schedctl check SNAP... [FILE]\n",
                path.display()
            )));
        }
    }
    if snapshots.is_empty() {
        return Err(Failure::Input(
            "error: no snapshot given\n  = help: schedctl check SNAP... [FILE]\n".into(),
        ));
    }
    let format = report_format(args.format, args.json);
    if format != ReportFormat::Text {
        return check_data(&snapshots, job_file.as_deref(), args.update, format, out);
    }
    let mut code = crate::exit::OK;
    for (path, text) in &snapshots {
        code = code.max(check_one(
            path,
            text,
            job_file.as_deref(),
            args.update,
            args.max_lines,
            out,
        )?);
    }
    Ok(code)
}

/// The job file a snapshot names: relative to the snapshot, else (for a snapshot written to
/// stdout) relative to the current directory.
fn named_job_file(snapshot: &Path, name: &str) -> Option<PathBuf> {
    if name.is_empty() {
        return None;
    }
    let beside = tidy(&dir_of(snapshot).join(name));
    if beside.exists() || !Path::new(name).exists() {
        Some(beside)
    } else {
        Some(PathBuf::from(name))
    }
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn tidy(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// A snapshot recomputed from its job file.
struct Recomputed {
    old: Snapshot,
    /// The job file it was checked against.
    file: PathBuf,
    fresh_text: String,
}

/// Recomputes `snapshot` (whose text is `text`) from the job file given, else the one its
/// header names, over the window its header gives.
fn recompute(snapshot: &Path, text: &str, job_file: Option<&Path>) -> Result<Recomputed, Failure> {
    let old = Snapshot::parse(text)
        .map_err(|e| Failure::Input(format!("error: `{}`: {e}\n", snapshot.display())))?;
    let file = match job_file {
        Some(f) => f.to_path_buf(),
        None => named_job_file(snapshot, old.get("file").unwrap_or_default()).ok_or_else(|| {
            Failure::Input(format!(
                "error: `{}` names no job file; give it: schedctl check SNAP FILE\n",
                snapshot.display()
            ))
        })?,
    };
    // The header names the job file relative to the snapshot, whichever way it was found.
    let name = relative_to(&file, dir_of(snapshot))
        .to_string_lossy()
        .replace('\\', "/");
    let (from, to) = (
        header_time(&old, "from", snapshot)?,
        header_time(&old, "to", snapshot)?,
    );
    let fresh_text = snapshot_text(&file, &name, &from, &to)?;
    Ok(Recomputed {
        old,
        file,
        fresh_text,
    })
}

/// `check --format json|jsonl|csv`: each snapshot's status (`ok`, `changed`, `updated`) and
/// its changes.
fn check_data(
    snapshots: &[(PathBuf, String)],
    job_file: Option<&Path>,
    update: bool,
    format: ReportFormat,
    out: &mut impl Write,
) -> CmdResult {
    let mut code = crate::exit::OK;
    let mut checked = Vec::new();
    for (path, text) in snapshots {
        let r = recompute(path, text, job_file)?;
        let diffs = if r.fresh_text == *text {
            Vec::new()
        } else {
            let fresh = Snapshot::parse(&r.fresh_text)
                .map_err(|e| Failure::Input(format!("error: internal: {e}\n")))?;
            diff(&r.old, &fresh)
        };
        let status = if r.fresh_text == *text || (diffs.is_empty() && !update) {
            "ok"
        } else if update {
            write_atomically(path, &r.fresh_text)?;
            "updated"
        } else {
            code = crate::exit::CHECK_FAILED;
            "changed"
        };
        checked.push((path.display().to_string(), r.file, status, diffs));
    }
    if format != ReportFormat::Json {
        // In JSON lines and CSV each change also says which snapshot, its job file and its
        // status (the keys of the JSON document's snapshots).
        let columns = [
            &[col("snapshot"), col("job_file"), col("status")][..],
            CHANGE_COLUMNS,
        ]
        .concat();
        let mut rows = RowWriter::new(row_format(format), out, &columns)?;
        for (snapshot, file, status, diffs) in &checked {
            for mut row in diffs.iter().flat_map(change_rows) {
                let file = file.display().to_string();
                row.splice(0..0, [json!(snapshot), json!(file), json!(status)]);
                rows.row(row)?;
            }
        }
        rows.finish()?;
        return Ok(code);
    }
    // One document, written by hand so that each change's keys keep their column order.
    let status = if code == crate::exit::OK {
        "ok"
    } else {
        "changed"
    };
    write!(
        out,
        "{{\n  \"status\": {},\n  \"snapshots\": [",
        json!(status)
    )?;
    for (i, (snapshot, file, status, diffs)) in checked.iter().enumerate() {
        write!(
            out,
            "{}\n    {{\n      \"snapshot\": {},\n      \"job_file\": {},\n      \"status\": {},\n      \"changes\": ",
            if i == 0 { "" } else { "," },
            json!(snapshot),
            json!(file.display().to_string()),
            json!(status)
        )?;
        let mut rows = RowWriter::nested(RowFormat::Json, &mut *out, CHANGE_COLUMNS, "      ")?;
        for row in diffs.iter().flat_map(change_rows) {
            rows.row(row)?;
        }
        rows.finish()?;
        write!(out, "\n    }}")?;
    }
    writeln!(out, "\n  ]\n}}")?;
    Ok(code)
}

fn check_one(
    snapshot: &Path,
    text: &str,
    job_file: Option<&Path>,
    update: bool,
    max_lines: MaxLines,
    out: &mut impl Write,
) -> CmdResult {
    let Recomputed {
        old,
        file,
        fresh_text,
    } = recompute(snapshot, text, job_file)?;
    let shown = file.display();
    if fresh_text == text {
        writeln!(out, "ok: {} matches {shown}", snapshot.display())?;
        return Ok(crate::exit::OK);
    }
    let fresh = Snapshot::parse(&fresh_text)
        .map_err(|e| Failure::Input(format!("error: internal: {e}\n")))?;
    let diffs = diff(&old, &fresh);
    if update {
        write_atomically(snapshot, &fresh_text)?;
        writeln!(
            out,
            "updated {} ({} jobs changed)",
            snapshot.display(),
            diffs.len()
        )?;
        return Ok(crate::exit::OK);
    }
    if diffs.is_empty() {
        writeln!(
            out,
            "ok: {} matches {shown} (fires and outcomes equal)",
            snapshot.display()
        )?;
        for key in ["file", "sha256", "schedctl", "tzdb"] {
            if old.get(key) != fresh.get(key) {
                eprintln!(
                    "note: header `{key}` changed ({} -> {}); `{}` refreshes it",
                    old.get(key).unwrap_or("none"),
                    fresh.get(key).unwrap_or("none"),
                    update_hint(snapshot, job_file)
                );
            }
        }
        if old.version < schedctl_core::snapshot::VERSION {
            eprintln!(
                "note: `{}` is a version {} snapshot, without the rule of each fire; `{}` rewrites it in version {}",
                snapshot.display(),
                old.version,
                update_hint(snapshot, job_file),
                schedctl_core::snapshot::VERSION
            );
        }
        return Ok(crate::exit::OK);
    }
    writeln!(out, "{} differs from {shown}:", snapshot.display())?;
    write_report(out, &diffs, max_lines)?;
    if old.version < schedctl_core::snapshot::VERSION {
        writeln!(
            out,
            "note: a version {} snapshot records no rules: its outcomes are shown without a reason",
            old.version
        )?;
    }
    writeln!(out, "run `{}` to accept", update_hint(snapshot, job_file))?;
    Ok(crate::exit::CHECK_FAILED)
}

fn update_hint(snapshot: &Path, job_file: Option<&Path>) -> String {
    match job_file {
        Some(f) => format!(
            "schedctl check {} {} --update",
            snapshot.display(),
            f.display()
        ),
        None => format!("schedctl check {} --update", snapshot.display()),
    }
}

pub(crate) fn run_diff(args: DiffArgs, out: &mut impl Write) -> CmdResult {
    let (from, to) = window(&args.new, &args.from, &args.to)?;
    let old_text = snapshot_text(&args.old, &args.old.to_string_lossy(), &from, &to)?;
    let new_text = snapshot_text(&args.new, &args.new.to_string_lossy(), &from, &to)?;
    let parse =
        |t: &str| Snapshot::parse(t).map_err(|e| Failure::Input(format!("error: internal: {e}\n")));
    let diffs = diff(&parse(&old_text)?, &parse(&new_text)?);
    let format = report_format(args.format, args.json);
    if format != ReportFormat::Text {
        let mut rows = RowWriter::new(row_format(format), out, CHANGE_COLUMNS)?;
        for row in diffs.iter().flat_map(change_rows) {
            rows.row(row)?;
        }
        rows.finish()?;
        return Ok(if diffs.is_empty() {
            crate::exit::OK
        } else {
            crate::exit::CHECK_FAILED
        });
    }
    if diffs.is_empty() {
        writeln!(out, "no change to fires or outcomes from {from} to {to}")?;
        return Ok(crate::exit::OK);
    }
    write_report(out, &diffs, args.max_lines)?;
    Ok(crate::exit::CHECK_FAILED)
}
