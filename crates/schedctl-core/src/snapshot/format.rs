//! The snapshot text: writing it from a simulation ([`render`]) and reading it back
//! ([`Snapshot::parse`]), versions 1 and 2, with the fire lines it is made of.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schedctl_trigger::{Instant, IsoDateTime, Tz, ZonedTime, TZDB_VERSION};
use sha2::{Digest, Sha256};

use super::span::span;
use crate::duration::{parse_duration, Micros};
use crate::jobfile::JobFile;
use crate::ledger::{Entry, Rule, Status};
use crate::simulate::Simulation;

/// The first line of every snapshot written now.
pub const MAGIC: &str = "# schedctl snapshot v2";

/// The first line of a version 1 snapshot (before rules were recorded): still read.
pub const MAGIC_V1: &str = "# schedctl snapshot v1";

/// The format version written by [`render`].
pub const VERSION: u32 = 2;

/// The format version of a snapshot's text, from its first line; `None` when it is not one.
pub fn version_of(text: &str) -> Option<u32> {
    match text.lines().next().map(str::trim_end) {
        Some(MAGIC) => Some(2),
        Some(MAGIC_V1) => Some(1),
        _ => None,
    }
}

/// The text of a snapshot of `sim`, the simulation of `file` (read from `source`, named
/// `file_name` in the header) over `[from, to)`. Fires are written in RFC 3339 with their
/// offset in the job's trigger zone; the window as given.
///
/// Checking a committed snapshot is rendering again and comparing: [`Snapshot::parse`] both
/// texts, [`diff`](super::diff) them, and [`render_diff`](super::render_diff) says what
/// changed (empty when nothing did).
///
/// ```
/// use schedctl_core::snapshot::{diff, render, render_diff, Snapshot};
/// use schedctl_core::{simulate, JobFile};
/// use schedctl_trigger::{IsoDateTime, Tz};
///
/// let source = r#"
/// timezone = "Australia/Lord_Howe"
/// [[job]]
/// id = "report"
/// trigger = "cron:hour=2 minute=15"
/// "#;
/// let file = JobFile::parse(source)?;
/// let zone = Tz::Zone(file.timezone);
/// let from = IsoDateTime::parse("2026-10-03")?.resolve(zone)?;
/// let to = IsoDateTime::parse("2026-10-06")?.resolve(zone)?;
/// let sim = simulate(&file, from.instant(), to.instant(), 0)?;
/// let text = render("jobs.toml", source, &file, &sim, &from, &to);
/// // Lord Howe moves its clocks forward by 30 minutes at 02:00 on 2026-10-04.
/// assert!(text.contains("2026-10-04T02:45:00+11:00 executed"));
///
/// // A check: the committed snapshot against a fresh one.
/// let committed = Snapshot::parse(&text)?;
/// let fresh = Snapshot::parse(&render("jobs.toml", source, &file, &sim, &from, &to))?;
/// assert_eq!(render_diff(&diff(&committed, &fresh)), "");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

/// `executed`, `executed late=20m`, `missed late=1h 30m grace=30s queued=20m`,
/// `coalesced into=...`, `dropped running=1`, `pending paused`, `pending frozen=...`.
fn outcome(e: &Entry) -> String {
    let mut s = e.status.name().to_owned();
    if let (Status::Executed | Status::Missed, Some(start)) = (e.status, e.start) {
        let late = start.unix_micros() - e.fire.instant().unix_micros();
        if late != 0 {
            let _ = write!(s, " late={}", span(late));
        }
    }
    let zoned = |at: Instant| match ZonedTime::from_instant(at, e.fire.tz()) {
        Ok(t) => t.to_string(),
        Err(_) => at.unix_micros().to_string(),
    };
    match e.rule {
        Rule::OnTime { .. } => {}
        Rule::LateBeyondGrace {
            grace,
            woke_late,
            queued,
            ..
        } => {
            let _ = write!(s, " grace={}", span(grace.as_micros()));
            if woke_late.as_micros() > 0 {
                let _ = write!(s, " woke_late={}", span(woke_late.as_micros()));
            }
            if queued.as_micros() > 0 {
                let _ = write!(s, " queued={}", span(queued.as_micros()));
            }
        }
        Rule::CoalescedInto { into } => {
            let _ = write!(s, " into={}", zoned(into));
        }
        Rule::MaxInstances { running } => {
            let _ = write!(s, " running={running}");
        }
        Rule::PausedPastEnd => s.push_str(" paused"),
        Rule::Frozen { at } => {
            let _ = write!(s, " frozen={}", zoned(at));
        }
    }
    s
}

/// The rule recorded for a fire, as read from a snapshot line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FireRule {
    /// A version 1 snapshot: the rule was not recorded.
    Unrecorded,
    /// No rule field: a started run (within its grace, if any).
    Plain,
    /// `grace=`: started later than the misfire grace; of the lateness, `woke_late` passed
    /// before the scheduler handed the fire to its pool and `queued` waiting for a worker.
    BeyondGrace {
        /// The job's misfire_grace_time.
        grace: Micros,
        /// `woke_late=`.
        woke_late: Micros,
        /// `queued=`.
        queued: Micros,
    },
    /// `into=`: coalesced into the overdue fire written.
    CoalescedInto(String),
    /// `running=`: max_instances runs were in progress.
    MaxInstances(u32),
    /// `paused`: the scheduler was paused past the end of the window.
    PausedPastEnd,
    /// `frozen=`: the scheduler froze at the time written (APScheduler 3.11's AndTrigger loop).
    Frozen(String),
}

/// One fire line of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FireLine {
    /// The fire as written.
    pub fire: String,
    /// Its instant.
    pub instant: Instant,
    /// Its outcome.
    pub status: Status,
    /// Start − fire of a started run (zero when not written).
    pub late: Micros,
    /// Why it got its outcome.
    pub rule: FireRule,
}

impl FireLine {
    /// The outcome and lateness: `executed`, `missed late=3m`.
    pub fn outcome(&self) -> String {
        if self.late == Micros::ZERO {
            self.status.name().to_owned()
        } else {
            format!(
                "{} late={}",
                self.status.name(),
                span(self.late.as_micros())
            )
        }
    }

    /// Why the fire got its outcome, in words; `None` for a plain started run or when the
    /// snapshot did not record it (version 1).
    pub fn reason(&self) -> Option<String> {
        match &self.rule {
            FireRule::Unrecorded | FireRule::Plain => None,
            FireRule::BeyondGrace {
                grace,
                woke_late,
                queued,
            } => {
                let mut why = Vec::new();
                if woke_late.as_micros() > 0 {
                    why.push(format!(
                        "the scheduler woke {} late",
                        span(woke_late.as_micros())
                    ));
                }
                if queued.as_micros() > 0 {
                    why.push(format!("{} queued for a worker", span(queued.as_micros())));
                }
                let rest = self.late.as_micros() - woke_late.as_micros() - queued.as_micros();
                if rest > 0 {
                    why.push(format!("{} behind the job's earlier runs", span(rest)));
                }
                let grace = span(grace.as_micros());
                Some(if why.is_empty() {
                    format!("misfire_grace_time {grace} exceeded")
                } else {
                    format!("misfire_grace_time {grace} exceeded: {}", why.join(", "))
                })
            }
            FireRule::CoalescedInto(into) => Some(format!("into the overdue fire at {into}")),
            FireRule::MaxInstances(running) => {
                Some(format!("max_instances reached: {running} running"))
            }
            FireRule::PausedPastEnd => {
                Some("the scheduler is paused past the end of the window".into())
            }
            FireRule::Frozen(at) => Some(format!(
                "the scheduler froze at {at} (APScheduler 3.11's AndTrigger loop)"
            )),
        }
    }

    /// The outcome with its reason: `dropped (max_instances reached: 1 running)`.
    pub fn explained(&self) -> String {
        match self.reason() {
            Some(why) => format!("{} ({why})", self.outcome()),
            None => self.outcome(),
        }
    }

    /// Same outcome and lateness, and the same rule when both snapshots recorded one.
    pub fn same_outcome(&self, other: &FireLine) -> bool {
        self.status == other.status
            && self.late == other.late
            && (self.rule == FireRule::Unrecorded
                || other.rule == FireRule::Unrecorded
                || self.rule == other.rule)
    }
}

/// A parsed snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The format version (1 or 2).
    pub version: u32,
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

/// An RFC 3339 instant with an offset.
fn instant_of(text: &str) -> Option<Instant> {
    IsoDateTime::parse(text)
        .ok()
        .filter(|t| t.offset.is_some())
        .and_then(|t| t.resolve(Tz::Fixed(0)).ok())
        .map(|t| t.instant())
}

/// Reads `STATUS [late=D] [rule fields]` of a version `version` snapshot.
fn parse_outcome(text: &str, version: u32) -> Result<(Status, Micros, FireRule), String> {
    let mut tokens = text.split(' ').filter(|t| !t.is_empty());
    let name = tokens.next().unwrap_or_default();
    let status = Status::ALL
        .into_iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| {
            format!(
                "unknown outcome `{name}` (expected executed, missed, coalesced, dropped or pending)"
            )
        })?;
    // `key=value` fields; a duration's later words (`late=1h 30m`) continue its value.
    let mut fields: Vec<(&str, Option<String>)> = Vec::new();
    for t in tokens {
        match (t.split_once('='), fields.last_mut()) {
            (Some((k, v)), _) => fields.push((k, Some(v.to_owned()))),
            (None, Some((k, Some(v)))) if ["late", "grace", "woke_late", "queued"].contains(k) => {
                v.push(' ');
                v.push_str(t);
            }
            (None, _) => fields.push((t, None)),
        }
    }
    let duration = |k: &str, v: &str| {
        parse_duration(v).map_err(|e| format!("`{k}={v}` is not a duration: {e}"))
    };
    let fire_time = |k: &str, v: &str| {
        instant_of(v)
            .map(|_| v.to_owned())
            .ok_or_else(|| format!("`{k}={v}` is not an RFC 3339 instant with offset"))
    };
    let mut late = Micros::ZERO;
    let (mut grace, mut woke_late, mut queued) = (None, None, None);
    let mut rules = Vec::new();
    for (k, v) in fields {
        match (k, v.as_deref()) {
            ("late", Some(v)) => late = duration(k, v)?,
            (k, _) if version < 2 => {
                return Err(format!(
                    "unknown field `{k}` in a version {version} snapshot"
                ));
            }
            ("grace", Some(v)) => grace = Some(duration(k, v)?),
            ("woke_late", Some(v)) => woke_late = Some(duration(k, v)?),
            ("queued", Some(v)) => queued = Some(duration(k, v)?),
            ("into", Some(v)) => rules.push(FireRule::CoalescedInto(fire_time(k, v)?)),
            ("running", Some(v)) => rules.push(FireRule::MaxInstances(
                v.parse()
                    .map_err(|_| format!("`running={v}` is not a count"))?,
            )),
            ("paused", None) => rules.push(FireRule::PausedPastEnd),
            ("frozen", Some(v)) => rules.push(FireRule::Frozen(fire_time(k, v)?)),
            (k, _) => {
                return Err(format!(
                    "unknown field `{k}` (expected late=, grace=, woke_late=, queued=, into=, running=, paused or frozen=)"
                ));
            }
        }
    }
    if let Some(grace) = grace {
        rules.push(FireRule::BeyondGrace {
            grace,
            woke_late: woke_late.unwrap_or_default(),
            queued: queued.unwrap_or_default(),
        });
    } else if woke_late.is_some() || queued.is_some() {
        return Err("`woke_late=` and `queued=` go with `grace=`".into());
    }
    let rule = match (version, rules.len()) {
        (1, _) => FireRule::Unrecorded,
        (_, 0) => FireRule::Plain,
        (_, 1) => rules.pop().unwrap_or(FireRule::Plain),
        _ => return Err(format!("`{text}` gives more than one rule")),
    };
    Ok((status, late, rule))
}

impl Snapshot {
    /// Reads a snapshot written by [`render`], or by a schedctl that wrote version 1.
    ///
    /// Errors: [`SnapshotError`] with the 1-based line of the first line that cannot be
    /// read (not a snapshot, a bad header, fire or outcome).
    pub fn parse(text: &str) -> Result<Snapshot, SnapshotError> {
        let mut snap = Snapshot::default();
        let mut lines = text.lines().enumerate();
        snap.version = match lines.next().and_then(|(_, first)| version_of(first)) {
            Some(v) => v,
            None => {
                return Err(SnapshotError {
                    line: 1,
                    message: format!("not a schedctl snapshot (expected `{MAGIC}`)"),
                });
            }
        };
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
                let instant = instant_of(fire).ok_or_else(|| {
                    err(format!("`{fire}` is not an RFC 3339 instant with offset"))
                })?;
                let (status, late, rule) = parse_outcome(outcome, snap.version).map_err(err)?;
                let job = snap
                    .jobs
                    .last_mut()
                    .ok_or_else(|| err("a fire before any `[job]` line".into()))?;
                job.1.push(FireLine {
                    fire: fire.to_owned(),
                    instant,
                    status,
                    late,
                    rule,
                });
            }
        }
        Ok(snap)
    }

    /// The header value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.header.get(key).map(String::as_str)
    }

    /// The window `[from, to)` of the header, when it reads.
    pub fn window(&self) -> Option<(Instant, Instant)> {
        Some((instant_of(self.get("from")?)?, instant_of(self.get("to")?)?))
    }
}

/// Snapshots for the tests of this module and the ones after it (diff, render).
#[cfg(test)]
pub(super) mod fixtures {
    use super::{Snapshot, MAGIC};

    pub(in crate::snapshot) fn snap(jobs: &[(&str, &[(&str, &str)])]) -> Snapshot {
        snap_in(MAGIC, jobs)
    }

    pub(in crate::snapshot) fn snap_in(magic: &str, jobs: &[(&str, &[(&str, &str)])]) -> Snapshot {
        let mut text =
            format!("{magic}\n# from: 2026-03-01T00:00:00Z\n# to: 2026-03-08T00:00:00Z\n");
        for (id, fires) in jobs {
            text.push_str(&format!("\n[{id}]\n"));
            for (f, o) in *fires {
                text.push_str(&format!("{f} {o}\n"));
            }
        }
        Snapshot::parse(&text).expect("valid snapshot")
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::snap;
    use super::{FireLine, Snapshot, SnapshotError, MAGIC};

    #[test]
    fn rules_read_back() {
        let s = snap(&[(
            "a",
            &[
                (
                    "2026-03-01T00:00:00Z",
                    "coalesced into=2026-03-01T04:00:00+01:00",
                ),
                ("2026-03-01T01:00:00Z", "pending paused"),
                (
                    "2026-03-01T02:00:00Z",
                    "pending frozen=2026-03-01T01:30:00+00:00",
                ),
                (
                    "2026-03-01T03:00:00Z",
                    "missed late=1h 30m grace=30s woke_late=1h 30m",
                ),
            ],
        )]);
        let why: Vec<String> = s.jobs[0].1.iter().map(FireLine::explained).collect();
        assert_eq!(
            why,
            [
                "coalesced (into the overdue fire at 2026-03-01T04:00:00+01:00)",
                "pending (the scheduler is paused past the end of the window)",
                "pending (the scheduler froze at 2026-03-01T01:30:00+00:00 (APScheduler 3.11's AndTrigger loop))",
                "missed late=1h 30m (misfire_grace_time 30s exceeded: the scheduler woke 1h 30m late)",
            ]
        );
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
        let bad = |line: &str| {
            Snapshot::parse(&format!("{MAGIC}\n[a]\n2026-03-01T00:00:00Z {line}\n"))
                .expect_err(line)
                .to_string()
        };
        assert_eq!(
            bad("ran"),
            "line 3: unknown outcome `ran` (expected executed, missed, coalesced, dropped or pending)"
        );
        assert_eq!(
            bad("dropped running=1 paused"),
            "line 3: `dropped running=1 paused` gives more than one rule"
        );
        assert!(bad("missed late=soon").starts_with("line 3: `late=soon` is not a duration"));
        assert_eq!(
            bad("missed queued=1s"),
            "line 3: `woke_late=` and `queued=` go with `grace=`"
        );
    }
}
