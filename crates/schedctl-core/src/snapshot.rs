//! Schedule snapshots: a canonical, line-oriented text of every fire and its outcome, and the
//! comparison of two of them.
//!
//! A snapshot is meant to be committed and reviewed in diffs: one header block (window, the job
//! file's name and SHA-256, schedctl and tz database versions), then per job (in file order) a
//! `[job-id]` line and one line per fire: the fire in RFC 3339 with its offset, its outcome
//! class, and for started runs the lateness when not zero. Nothing depends on the machine, the
//! current time or how the window was spelled: the same job file and window give the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schedctl_trigger::{Instant, IsoDateTime, Tz, ZonedTime, TZDB_VERSION};
use sha2::{Digest, Sha256};

use crate::jobfile::JobFile;
use crate::ledger::{Entry, Status};
use crate::simulate::Simulation;

/// The first line of every snapshot.
pub const MAGIC: &str = "# schedctl snapshot v1";

/// The text of a snapshot of `sim`, the simulation of `file` (read from `source`, named
/// `file_name` in the header) over `[from, to)`.
pub fn render(
    file_name: &str,
    source: &str,
    file: &JobFile,
    sim: &Simulation,
    from: &ZonedTime,
    to: &ZonedTime,
) -> String {
    let mut out = String::new();
    let digest = Sha256::digest(source.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let _ = writeln!(out, "{MAGIC}");
    let _ = writeln!(out, "# file: {file_name}");
    let _ = writeln!(out, "# sha256: {hex}");
    let _ = writeln!(out, "# from: {from}");
    let _ = writeln!(out, "# to: {to}");
    let _ = writeln!(out, "# schedctl: {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "# tzdb: {TZDB_VERSION}");
    let mut per_job: Vec<Vec<&Entry>> = vec![Vec::new(); file.jobs.len()];
    for e in &sim.ledger {
        per_job[e.job].push(e);
    }
    for (job, entries) in file.jobs.iter().zip(per_job) {
        let _ = writeln!(out, "\n[{}]", job.id);
        for e in entries {
            let _ = writeln!(out, "{} {}", e.fire, outcome(e));
        }
    }
    out
}

/// `executed`, `executed late=20m`, `missed late=1h 30m`, `coalesced`, ...
fn outcome(e: &Entry) -> String {
    match (e.status, e.start) {
        (Status::Executed | Status::Missed, Some(start)) => {
            let late = start.unix_micros() - e.fire.instant().unix_micros();
            if late == 0 {
                e.status.name().to_owned()
            } else {
                let d = std::time::Duration::from_micros(late.unsigned_abs());
                format!("{} late={}", e.status.name(), humantime::format_duration(d))
            }
        }
        _ => e.status.name().to_owned(),
    }
}

/// One fire line of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FireLine {
    /// The fire as written.
    pub fire: String,
    /// Its instant.
    pub instant: Instant,
    /// The outcome text.
    pub outcome: String,
}

/// A parsed snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Header keys (`file`, `sha256`, `from`, `to`, `schedctl`, `tzdb`).
    pub header: BTreeMap<String, String>,
    /// Jobs in order, with their fires.
    pub jobs: Vec<(String, Vec<FireLine>)>,
}

/// A snapshot text that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SnapshotError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl Snapshot {
    /// Reads a snapshot written by [`render`].
    pub fn parse(text: &str) -> Result<Snapshot, SnapshotError> {
        let mut snap = Snapshot::default();
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, first)) if first.trim_end() == MAGIC => {}
            _ => {
                return Err(SnapshotError {
                    line: 1,
                    message: format!("not a schedctl snapshot (expected `{MAGIC}`)"),
                });
            }
        }
        for (i, raw) in lines {
            let line = raw.trim_end();
            let err = |message: String| SnapshotError {
                line: i + 1,
                message,
            };
            if line.is_empty() {
                continue;
            }
            if let Some(h) = line.strip_prefix("# ") {
                let (k, v) = h
                    .split_once(": ")
                    .ok_or_else(|| err(format!("header line `{line}` is not `# key: value`")))?;
                snap.header.insert(k.to_owned(), v.to_owned());
            } else if let Some(id) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                snap.jobs.push((id.to_owned(), Vec::new()));
            } else {
                let (fire, outcome) = line
                    .split_once(' ')
                    .ok_or_else(|| err(format!("`{line}` is not `FIRE OUTCOME`")))?;
                let instant = IsoDateTime::parse(fire)
                    .ok()
                    .filter(|t| t.offset.is_some())
                    .and_then(|t| t.resolve(Tz::Fixed(0)).ok())
                    .map(|t| t.instant())
                    .ok_or_else(|| {
                        err(format!("`{fire}` is not an RFC 3339 instant with offset"))
                    })?;
                let job = snap
                    .jobs
                    .last_mut()
                    .ok_or_else(|| err("a fire before any `[job]` line".into()))?;
                job.1.push(FireLine {
                    fire: fire.to_owned(),
                    instant,
                    outcome: outcome.to_owned(),
                });
            }
        }
        Ok(snap)
    }

    /// The header value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.header.get(key).map(String::as_str)
    }
}

/// What changed for one job between two snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobDiff {
    /// The job id.
    pub job: String,
    /// The job is only in the new snapshot / only in the old one.
    pub added_job: bool,
    /// See `added_job`.
    pub removed_job: bool,
    /// Fires that moved: (old, new), paired in order.
    pub moved: Vec<(FireLine, FireLine)>,
    /// Fires only in the new snapshot.
    pub added: Vec<FireLine>,
    /// Fires only in the old snapshot.
    pub removed: Vec<FireLine>,
    /// Same fire, different outcome: (old, new).
    pub changed: Vec<(FireLine, FireLine)>,
}

impl JobDiff {
    fn is_empty(&self) -> bool {
        !self.added_job
            && !self.removed_job
            && self.moved.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }
}

/// Compares the fires of two snapshots, job by job (jobs matched by id).
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<JobDiff> {
    let mut out = Vec::new();
    let find =
        |s: &Snapshot, id: &str| s.jobs.iter().find(|(j, _)| j == id).map(|(_, f)| f.clone());
    for (id, new_fires) in &new.jobs {
        let d = match find(old, id) {
            Some(old_fires) => diff_fires(id, &old_fires, new_fires),
            None => JobDiff {
                job: id.clone(),
                added_job: true,
                added: new_fires.clone(),
                ..JobDiff::default()
            },
        };
        if !d.is_empty() {
            out.push(d);
        }
    }
    for (id, old_fires) in &old.jobs {
        if find(new, id).is_none() {
            out.push(JobDiff {
                job: id.clone(),
                removed_job: true,
                removed: old_fires.clone(),
                ..JobDiff::default()
            });
        }
    }
    out
}

fn diff_fires(id: &str, old: &[FireLine], new: &[FireLine]) -> JobDiff {
    let mut d = JobDiff {
        job: id.to_owned(),
        ..JobDiff::default()
    };
    let (mut i, mut j) = (0, 0);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.instant == b.instant => {
                if a.outcome != b.outcome {
                    d.changed.push((a.clone(), b.clone()));
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.instant < b.instant => {
                removed.push(a.clone());
                i += 1;
            }
            (Some(_), Some(b)) => {
                added.push(b.clone());
                j += 1;
            }
            (Some(a), None) => {
                removed.push(a.clone());
                i += 1;
            }
            (None, Some(b)) => {
                added.push(b.clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    // A removed fire and an added fire between the same neighbours read best as a move.
    let pairs = removed.len().min(added.len());
    let moved: Vec<(FireLine, FireLine)> =
        removed.drain(..pairs).zip(added.drain(..pairs)).collect();
    d.moved = moved;
    d.removed = removed;
    d.added = added;
    d
}

/// A readable report of a diff, one block per job; empty when nothing changed.
pub fn render_diff(diffs: &[JobDiff]) -> String {
    let mut out = String::new();
    for d in diffs {
        let what = if d.added_job {
            " (new job)"
        } else if d.removed_job {
            " (job removed)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "[{}]{what}: {} moved, {} added, {} removed, {} changed outcome",
            d.job,
            d.moved.len(),
            d.added.len(),
            d.removed.len(),
            d.changed.len()
        );
        for (a, b) in &d.moved {
            let _ = writeln!(
                out,
                "  ~ moved    {} {} -> {} {}",
                a.fire, a.outcome, b.fire, b.outcome
            );
        }
        for (a, b) in &d.changed {
            let _ = writeln!(
                out,
                "  ! outcome  {} {} -> {}",
                a.fire, a.outcome, b.outcome
            );
        }
        for f in &d.added {
            let _ = writeln!(out, "  + added    {} {}", f.fire, f.outcome);
        }
        for f in &d.removed {
            let _ = writeln!(out, "  - removed  {} {}", f.fire, f.outcome);
        }
    }
    out
}

/// Why a snapshot could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MakeError {
    /// The job file has errors.
    #[error("{0}")]
    File(#[from] crate::error::FileErrors),
    /// The trigger string has errors.
    #[error("{0}")]
    Trigger(#[from] schedctl_trigger::ParseErrors),
    /// A window bound cannot be read.
    #[error("window bound `{0}` is not an ISO 8601 date or datetime")]
    Window(String),
    /// The simulation failed.
    #[error("{0}")]
    Sim(#[from] crate::engine::SimError),
    /// A fire is out of range.
    #[error("{0}")]
    Eval(#[from] schedctl_trigger::EvalError),
}

fn bound(text: &str, zone: schedctl_trigger::Zone) -> Result<ZonedTime, MakeError> {
    IsoDateTime::parse(text)
        .ok()
        .and_then(|t| t.resolve(Tz::Zone(zone)).ok())
        .and_then(|t| t.canonical_in(Tz::Zone(zone)).ok())
        .ok_or_else(|| MakeError::Window(text.to_owned()))
}

/// The snapshot of a job file's text over `[from, to)` (ISO dates or datetimes, naive ones in
/// the file's timezone). Used by [`assert_schedule_snapshot!`](crate::assert_schedule_snapshot).
pub fn job_file_snapshot(
    file_name: &str,
    source: &str,
    from: &str,
    to: &str,
) -> Result<String, MakeError> {
    let file = JobFile::parse(source)?;
    let (from, to) = (bound(from, file.timezone)?, bound(to, file.timezone)?);
    let sim = crate::simulate::simulate(&file, from.instant(), to.instant(), 0)?;
    Ok(render(file_name, source, &file, &sim, &from, &to))
}

/// The fires of one trigger over `[from, to)`, one per line (zone: UTC unless the trigger
/// names one). Used by [`assert_trigger_snapshot!`](crate::assert_trigger_snapshot).
pub fn trigger_snapshot(trigger: &str, from: &str, to: &str) -> Result<String, MakeError> {
    let t: schedctl_trigger::Trigger = trigger.parse()?;
    let zone = t.zone();
    let (from, to) = (bound(from, zone)?, bound(to, zone)?);
    let schedule = t.schedule(from.instant())?;
    let mut out = format!(
        "# {t}
# from: {from}
# to: {to}
"
    );
    for fire in schedule.fires_from(from, 0)? {
        let fire = fire?;
        if fire.instant() >= to.instant() {
            break;
        }
        let _ = writeln!(out, "{fire}");
    }
    Ok(out)
}

/// Asserts that a job file's schedule over a window matches its insta snapshot, so that
/// `cargo insta review` shows what a change to the job file does to fires and outcomes.
/// The calling crate depends on `insta`.
///
/// ```no_run
/// # use schedctl_core::assert_schedule_snapshot;
/// assert_schedule_snapshot!("fixtures/jobs/month.toml", "2026-03-01", "2026-04-01");
/// ```
#[macro_export]
macro_rules! assert_schedule_snapshot {
    ($path:expr, $from:expr, $to:expr) => {{
        let path = ::std::path::Path::new($path);
        let source = ::std::fs::read_to_string(path).expect("job file is readable");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = $crate::snapshot::job_file_snapshot(&name, &source, $from, $to)
            .expect("job file simulates");
        ::insta::assert_snapshot!(text);
    }};
}

/// Asserts that a trigger's fires over a window match their insta snapshot.
///
/// ```no_run
/// # use schedctl_core::assert_trigger_snapshot;
/// assert_trigger_snapshot!("cron:hour=2 minute=30 timezone=Europe/Berlin", "2026-03-27", "2026-04-01");
/// ```
#[macro_export]
macro_rules! assert_trigger_snapshot {
    ($trigger:expr, $from:expr, $to:expr) => {{
        let text =
            $crate::snapshot::trigger_snapshot($trigger, $from, $to).expect("trigger evaluates");
        ::insta::assert_snapshot!(text);
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(jobs: &[(&str, &[(&str, &str)])]) -> Snapshot {
        let mut text = format!("{MAGIC}\n# from: x\n");
        for (id, fires) in jobs {
            text.push_str(&format!("\n[{id}]\n"));
            for (f, o) in *fires {
                text.push_str(&format!("{f} {o}\n"));
            }
        }
        Snapshot::parse(&text).expect("valid snapshot")
    }

    #[test]
    fn a_moved_fire_is_reported_as_a_move() {
        let old = snap(&[(
            "a",
            &[
                ("2026-03-01T02:30:00+01:00", "executed"),
                ("2026-03-02T02:30:00+01:00", "executed"),
            ],
        )]);
        let new = snap(&[(
            "a",
            &[
                ("2026-03-01T02:30:00+01:00", "executed"),
                ("2026-03-02T03:30:00+01:00", "executed"),
            ],
        )]);
        let d = diff(&old, &new);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].moved.len(), 1);
        assert_eq!(
            render_diff(&d),
            "[a]: 1 moved, 0 added, 0 removed, 0 changed outcome\n  ~ moved    2026-03-02T02:30:00+01:00 executed -> 2026-03-02T03:30:00+01:00 executed\n"
        );
    }

    #[test]
    fn outcome_changes_and_job_changes() {
        let old = snap(&[
            ("a", &[("2026-03-01T02:30:00Z", "executed")]),
            ("gone", &[]),
        ]);
        let new = snap(&[
            ("a", &[("2026-03-01T02:30:00+00:00", "missed late=5s")]),
            ("b", &[("2026-03-01T00:00:00Z", "executed")]),
        ]);
        let d = diff(&old, &new);
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].changed.len(), 1);
        assert!(d[1].added_job && d[1].added.len() == 1);
        assert!(d[2].removed_job);
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn bad_snapshots_name_the_line() {
        assert_eq!(
            Snapshot::parse("hello").map(|_| ()),
            Err(SnapshotError {
                line: 1,
                message: format!("not a schedctl snapshot (expected `{MAGIC}`)")
            })
        );
        let e = Snapshot::parse(&format!("{MAGIC}\n2026-03-01 executed\n"))
            .expect_err("fire before job");
        assert_eq!(e.line, 2);
    }
}
