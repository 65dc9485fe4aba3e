//! `schedctl snapshot`, `check` and `diff`: schedule snapshots for CI and code review.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use clap::Args;
use schedctl_core::snapshot::{diff, render, render_diff, Snapshot};
use schedctl_core::{simulate, JobFile};
use schedctl_trigger::{IsoDateTime, Tz, ZonedTime};

use crate::cmd::simulate::load_job_file;
use crate::output::{CmdResult, Failure};
use crate::timearg::parse_time;

/// Write a snapshot of every fire and its outcome over a window: a stable, diff-friendly text
/// to commit and check in CI with `schedctl check`.
///
/// Examples:
///   schedctl snapshot jobs.toml --from 2026-03-01 --to 2026-04-01 -o jobs.snap
///   schedctl snapshot jobs.toml --from 2026-03-01 --to +7d
#[derive(Debug, Args)]
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
}

/// Recompute a snapshot and compare: exit 0 when the fires and outcomes are the same, 1 with a
/// readable diff when not, 2 on bad input.
///
/// Examples:
///   schedctl check jobs.snap
///   schedctl check jobs.snap jobs.toml --update
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The snapshot written by `schedctl snapshot`
    snapshot: PathBuf,
    /// The job file (default: the one named in the snapshot, relative to it)
    file: Option<PathBuf>,
    /// Rewrite the snapshot with the current fires instead of failing
    #[arg(long)]
    update: bool,
}

/// Show what a change to a job file does to fires and outcomes, per job: moved, added and
/// removed fires, changed outcomes. Exit 0 when nothing changes, 1 when something does.
///
/// Example:
///   schedctl diff jobs.old.toml jobs.toml --from 2026-03-01 --to +30d
#[derive(Debug, Args)]
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
    match &args.output {
        Some(target) => {
            let dir = target
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = relative_to(&args.file, dir)
                .to_string_lossy()
                .replace('\\', "/");
            let text = snapshot_text(&args.file, &name, &from, &to)?;
            write_atomically(target, &text)?;
            eprintln!("wrote {}", target.display());
        }
        None => {
            let text = snapshot_text(&args.file, &args.file.to_string_lossy(), &from, &to)?;
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(crate::exit::OK)
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
    let text = read(&args.snapshot)?;
    let old = Snapshot::parse(&text)
        .map_err(|e| Failure::Input(format!("error: `{}`: {e}\n", args.snapshot.display())))?;
    let name = old.get("file").unwrap_or_default().to_owned();
    let dir = args
        .snapshot
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = match &args.file {
        Some(f) => f.clone(),
        None if !name.is_empty() => dir.join(&name),
        None => {
            return Err(Failure::Input(format!(
                "error: `{}` names no job file; give it: schedctl check SNAP FILE\n",
                args.snapshot.display()
            )))
        }
    };
    let (from, to) = (
        header_time(&old, "from", &args.snapshot)?,
        header_time(&old, "to", &args.snapshot)?,
    );
    let fresh_text = snapshot_text(&file, &name, &from, &to)?;
    if fresh_text == text {
        writeln!(
            out,
            "ok: {} matches {}",
            args.snapshot.display(),
            file.display()
        )?;
        return Ok(crate::exit::OK);
    }
    let fresh = Snapshot::parse(&fresh_text)
        .map_err(|e| Failure::Input(format!("error: internal: {e}\n")))?;
    let diffs = diff(&old, &fresh);
    if args.update {
        write_atomically(&args.snapshot, &fresh_text)?;
        writeln!(
            out,
            "updated {} ({} jobs changed)",
            args.snapshot.display(),
            diffs.len()
        )?;
        return Ok(crate::exit::OK);
    }
    if diffs.is_empty() {
        writeln!(
            out,
            "ok: {} matches {} (fires and outcomes equal)",
            args.snapshot.display(),
            file.display()
        )?;
        for key in ["sha256", "schedctl", "tzdb"] {
            if old.get(key) != fresh.get(key) {
                eprintln!(
                    "note: header `{key}` changed ({} -> {}); `schedctl check {} --update` refreshes it",
                    old.get(key).unwrap_or("none"),
                    fresh.get(key).unwrap_or("none"),
                    args.snapshot.display()
                );
            }
        }
        return Ok(crate::exit::OK);
    }
    writeln!(
        out,
        "{} differs from {}:",
        args.snapshot.display(),
        file.display()
    )?;
    out.write_all(render_diff(&diffs).as_bytes())?;
    writeln!(
        out,
        "run `schedctl check {} --update` to accept",
        args.snapshot.display()
    )?;
    Ok(crate::exit::CHECK_FAILED)
}

pub(crate) fn run_diff(args: DiffArgs, out: &mut impl Write) -> CmdResult {
    let (from, to) = window(&args.new, &args.from, &args.to)?;
    let old_text = snapshot_text(&args.old, &args.old.to_string_lossy(), &from, &to)?;
    let new_text = snapshot_text(&args.new, &args.new.to_string_lossy(), &from, &to)?;
    let parse =
        |t: &str| Snapshot::parse(t).map_err(|e| Failure::Input(format!("error: internal: {e}\n")));
    let diffs = diff(&parse(&old_text)?, &parse(&new_text)?);
    if diffs.is_empty() {
        writeln!(out, "no change to fires or outcomes from {from} to {to}")?;
        return Ok(crate::exit::OK);
    }
    out.write_all(render_diff(&diffs).as_bytes())?;
    Ok(crate::exit::CHECK_FAILED)
}
