//! Schedule snapshots: a canonical, line-oriented text of every fire, its outcome and the rule
//! that decided it, and the comparison of two of them.
//!
//! A snapshot is meant to be committed and reviewed in diffs: one header block (window, the job
//! file's name and SHA-256, schedctl and tz database versions), then per job (in file order) a
//! `[job-id]` line and one line per fire: the fire in RFC 3339 with its offset, its outcome
//! class, for started runs the lateness when not zero, and the fields of the rule that decided
//! the outcome (`grace=`, `running=`, `into=`, ...). Nothing depends on the machine, the current
//! time or how the window was spelled: the same job file and window give the same bytes.
//!
//! Version 1 snapshots (no rule fields) are still read: they compare on outcome and lateness
//! only, and a report shows no reason for their side.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use schedctl_trigger::{Instant, IsoDateTime, Tz, ZonedTime, TZDB_VERSION};
use sha2::{Digest, Sha256};

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

/// A span of time in days, hours, minutes and seconds (`35d`, `1h 30m`, `2m 5s`, `1s 500ms`):
/// never months or years, whose length varies. Zero is `0s`; the sign is dropped.
pub fn span(micros: i64) -> String {
    const UNITS: [(u64, &str); 6] = [
        (86_400_000_000, "d"),
        (3_600_000_000, "h"),
        (60_000_000, "m"),
        (1_000_000, "s"),
        (1_000, "ms"),
        (1, "us"),
    ];
    let mut rest = micros.unsigned_abs();
    let mut out = String::new();
    for (size, unit) in UNITS {
        let n = rest / size;
        rest %= size;
        if n > 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{n}{unit}");
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// A signed [`span`]: `+1h`, `-30m`.
pub fn signed_span(micros: i64) -> String {
    let sign = if micros < 0 { '-' } else { '+' };
    format!("{sign}{}", span(micros))
}

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

/// What changed for one job between two snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobDiff {
    /// The job id (the new one for a renamed job).
    pub job: String,
    /// The job is only in the new snapshot / only in the old one.
    pub added_job: bool,
    /// See `added_job`.
    pub removed_job: bool,
    /// The job's old id: a job of the old snapshot with the same fires under another id.
    pub renamed_from: Option<String>,
    /// Every fire moved by this many microseconds (a uniform shift); the fires in `added` and
    /// `removed` then moved into or out of the window.
    pub shift: Option<i64>,
    /// The job's fires in the new snapshot.
    pub fires: usize,
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
            && self.renamed_from.is_none()
            && self.moved.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }

    /// Fires whose outcome changed, moved ones included: (old, new).
    pub fn outcome_changes(&self) -> impl Iterator<Item = &(FireLine, FireLine)> {
        self.changed
            .iter()
            .chain(self.moved.iter().filter(|(a, b)| !a.same_outcome(b)))
    }
}

fn same_instants(a: &[FireLine], b: &[FireLine]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.instant == y.instant)
}

fn sorted(fires: &[FireLine]) -> Vec<FireLine> {
    let mut v = fires.to_vec();
    v.sort_by_key(|f| f.instant);
    v
}

/// Compares the fires of two snapshots, job by job. Jobs are matched by id; a job only in the
/// old snapshot and one only in the new one with the same fire times (at least one) are a
/// rename.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<JobDiff> {
    let window = new.window().or_else(|| old.window());
    let mut old_ids: HashMap<&str, usize> = HashMap::new();
    for (i, (id, _)) in old.jobs.iter().enumerate() {
        old_ids.entry(id.as_str()).or_insert(i);
    }
    let new_ids: std::collections::HashSet<&str> =
        new.jobs.iter().map(|(id, _)| id.as_str()).collect();
    let old_sorted: Vec<Vec<FireLine>> = old.jobs.iter().map(|(_, f)| sorted(f)).collect();
    // Old jobs gone from the new snapshot, not yet taken by a rename.
    let mut gone: Vec<Option<usize>> = (0..old.jobs.len())
        .filter(|&i| {
            !new_ids.contains(old.jobs[i].0.as_str())
                && old_ids.get(old.jobs[i].0.as_str()) == Some(&i)
        })
        .map(Some)
        .collect();
    let mut out = Vec::new();
    for (id, new_fires) in &new.jobs {
        let new_fires = sorted(new_fires);
        let d = match old_ids.get(id.as_str()) {
            Some(&i) => diff_fires(id, &old_sorted[i], &new_fires, window),
            None => {
                let renamed = (!new_fires.is_empty())
                    .then(|| {
                        gone.iter_mut()
                            .find(|g| g.is_some_and(|i| same_instants(&old_sorted[i], &new_fires)))
                    })
                    .flatten()
                    .and_then(Option::take);
                match renamed {
                    Some(i) => JobDiff {
                        renamed_from: Some(old.jobs[i].0.clone()),
                        ..diff_fires(id, &old_sorted[i], &new_fires, window)
                    },
                    None => JobDiff {
                        job: id.clone(),
                        added_job: true,
                        fires: new_fires.len(),
                        added: new_fires,
                        ..JobDiff::default()
                    },
                }
            }
        };
        if !d.is_empty() {
            out.push(d);
        }
    }
    for i in gone.into_iter().flatten() {
        out.push(JobDiff {
            job: old.jobs[i].0.clone(),
            removed_job: true,
            removed: old_sorted[i].clone(),
            ..JobDiff::default()
        });
    }
    out
}

/// Fires of `old` and `new` (sorted) paired by instant after moving the old ones by `by`:
/// (pairs, unpaired old, unpaired new).
type Pairing = (Vec<(usize, usize)>, Vec<usize>, Vec<usize>);

fn pair_by(old: &[FireLine], new: &[FireLine], by: i64) -> Pairing {
    let at = |f: &[FireLine]| f.iter().map(|f| f.instant).collect::<Vec<_>>();
    pair_instants(&at(old), &at(new), by)
}

/// [`pair_by`] on sorted instants.
fn pair_instants(old: &[Instant], new: &[Instant], by: i64) -> Pairing {
    let (mut pairs, mut lone_old, mut lone_new) = (Vec::new(), Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let a = old.get(i).map(|t| t.add_micros(by));
        match (a, new.get(j).copied()) {
            (Some(a), Some(b)) if a == b => {
                pairs.push((i, j));
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                lone_old.push(i);
                i += 1;
            }
            (Some(_), None) => {
                lone_old.push(i);
                i += 1;
            }
            _ => {
                lone_new.push(j);
                j += 1;
            }
        }
    }
    (pairs, lone_old, lone_new)
}

/// The gap that most unmatched old fires have to their nearest new fire before or after (ties:
/// the smallest); `None` when either side is empty.
fn common_gap(old: &[Instant], new: &[Instant]) -> Option<i64> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    let mut j = 0;
    for &a in old {
        while j < new.len() && new[j] < a {
            j += 1;
        }
        for b in [j.checked_sub(1).map(|k| new[k]), new.get(j).copied()]
            .into_iter()
            .flatten()
        {
            *counts.entry(b.unix_micros() - a.unix_micros()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(gap, n)| (n, std::cmp::Reverse(gap.unsigned_abs()), gap))
        .map(|(gap, _)| gap)
}

/// Pairs fires that disappear with fires that appear, as moves: first by the gap most of them
/// share (a few rounds), then the rest in time order. Returns (pairs, left old, left new),
/// indices into `old` and `new`.
fn pair_moves(old: &[Instant], new: &[Instant]) -> Pairing {
    const ROUNDS: usize = 3;
    let mut lo: Vec<usize> = (0..old.len()).collect();
    let mut ln: Vec<usize> = (0..new.len()).collect();
    let mut pairs = Vec::new();
    for _ in 0..ROUNDS {
        let a: Vec<Instant> = lo.iter().map(|&i| old[i]).collect();
        let b: Vec<Instant> = ln.iter().map(|&j| new[j]).collect();
        let Some(gap) = common_gap(&a, &b) else {
            break;
        };
        let (p, rest_old, rest_new) = pair_instants(&a, &b, gap);
        if p.is_empty() {
            break;
        }
        pairs.extend(p.iter().map(|&(i, j)| (lo[i], ln[j])));
        lo = rest_old.iter().map(|&i| lo[i]).collect();
        ln = rest_new.iter().map(|&j| ln[j]).collect();
    }
    let n = lo.len().min(ln.len());
    pairs.extend(lo.iter().zip(&ln).take(n).map(|(&i, &j)| (i, j)));
    pairs.sort_unstable();
    (pairs, lo[n..].to_vec(), ln[n..].to_vec())
}

/// Shifts worth trying: the gaps between the first few fires of each side and the other's
/// first, and the same at the end; never zero.
fn shift_candidates(old: &[FireLine], new: &[FireLine]) -> Vec<i64> {
    const TRIES: usize = 8;
    let (Some(first_old), Some(first_new), Some(last_old), Some(last_new)) =
        (old.first(), new.first(), old.last(), new.last())
    else {
        return Vec::new();
    };
    let mut candidates = Vec::new();
    for t in 0..TRIES {
        if let Some(b) = new.get(t) {
            candidates.push(gap(first_old, b));
        }
        if let Some(a) = old.get(t) {
            candidates.push(gap(a, first_new));
        }
        if let Some(b) = new.len().checked_sub(t + 1).map(|k| &new[k]) {
            candidates.push(gap(last_old, b));
        }
        if let Some(a) = old.len().checked_sub(t + 1).map(|k| &old[k]) {
            candidates.push(gap(a, last_new));
        }
    }
    candidates.retain(|&d| d != 0);
    candidates.sort_by_key(|&d| (d.unsigned_abs(), d));
    candidates.dedup();
    candidates
}

/// How much a reader has to take in: fires added and removed (except those a shift moved
/// across the window's edges, which it explains), outcomes changed, and one for each distinct
/// amount that fires moved by.
fn cost(d: &JobDiff) -> usize {
    let amounts: std::collections::HashSet<i64> = d.moved.iter().map(|(a, b)| gap(a, b)).collect();
    let unexplained = if d.shift.is_some() {
        0
    } else {
        d.added.len() + d.removed.len()
    };
    unexplained + d.outcome_changes().count() + amounts.len()
}

/// The diff of one job's fires (both sorted). Fires at the same instant are compared; the
/// rest are paired as moves ([`pair_moves`]), and left over as added or removed. Unless every
/// fire moved by the same amount (a uniform shift): then old fires moved by it land on new
/// fires, except those moved out of the window, and every new fire not matched comes from
/// outside the window. The shift is taken when it pairs at least two fires, more than are at
/// the same instants without moving and more than cross the window's edges, and tells no more
/// changes than the pairing in order.
fn diff_fires(
    id: &str,
    old: &[FireLine],
    new: &[FireLine],
    window: Option<(Instant, Instant)>,
) -> JobDiff {
    let mut d = JobDiff {
        job: id.to_owned(),
        fires: new.len(),
        ..JobDiff::default()
    };
    let (pairs, lone_old, lone_new) = pair_by(old, new, 0);
    for &(i, j) in &pairs {
        if !old[i].same_outcome(&new[j]) {
            d.changed.push((old[i].clone(), new[j].clone()));
        }
    }
    if lone_old.is_empty() && lone_new.is_empty() {
        return d;
    }
    let (moves, left_old, left_new) = pair_moves(
        &lone_old.iter().map(|&i| old[i].instant).collect::<Vec<_>>(),
        &lone_new.iter().map(|&j| new[j].instant).collect::<Vec<_>>(),
    );
    d.moved = moves
        .iter()
        .map(|&(i, j)| (old[lone_old[i]].clone(), new[lone_new[j]].clone()))
        .collect();
    d.removed = left_old.iter().map(|&i| old[lone_old[i]].clone()).collect();
    d.added = left_new.iter().map(|&j| new[lone_new[j]].clone()).collect();
    let outside = |t: Instant| window.is_some_and(|(from, to)| t < from || t >= to);
    let mut best: Option<(usize, JobDiff)> = None;
    for by in shift_candidates(old, new) {
        let (shifted, lone_old, lone_new) = pair_by(old, new, by);
        let edges_only = lone_old
            .iter()
            .all(|&i| outside(old[i].instant.add_micros(by)))
            && lone_new
                .iter()
                .all(|&j| outside(new[j].instant.add_micros(-by)));
        let edges = lone_old.len() + lone_new.len();
        if !edges_only || shifted.len() < 2 || shifted.len() <= pairs.len().max(edges) {
            continue;
        }
        let s = JobDiff {
            shift: Some(by),
            moved: shifted
                .iter()
                .map(|&(i, j)| (old[i].clone(), new[j].clone()))
                .collect(),
            removed: lone_old.iter().map(|&i| old[i].clone()).collect(),
            added: lone_new.iter().map(|&j| new[j].clone()).collect(),
            job: id.to_owned(),
            fires: new.len(),
            ..JobDiff::default()
        };
        let c = cost(&s);
        // Candidates come smallest shift first: a later one must do strictly better.
        if best.as_ref().is_none_or(|(b, _)| c < *b) {
            best = Some((c, s));
        }
    }
    match best {
        Some((c, s)) if c <= cost(&d) => s,
        _ => d,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn gap(a: &FireLine, b: &FireLine) -> i64 {
    b.instant.unix_micros() - a.instant.unix_micros()
}

/// Counts of `keys`, most frequent first (ties in order of first appearance), as
/// `3 by +1h, 2 by -30m` or `1 executed -> dropped`.
fn tally<K: Eq + std::hash::Hash + Clone>(keys: impl Iterator<Item = K>) -> Vec<(K, usize)> {
    let mut order: Vec<(K, usize)> = Vec::new();
    let mut at: HashMap<K, usize> = HashMap::new();
    for k in keys {
        match at.get(&k) {
            Some(&i) => order[i].1 += 1,
            None => {
                at.insert(k.clone(), order.len());
                order.push((k, 1));
            }
        }
    }
    order.sort_by_key(|g| std::cmp::Reverse(g.1));
    order
}

/// How an outcome changed, in a few words: `executed -> dropped`, `executed with a new
/// lateness`, `dropped for a new reason`.
fn change_kind(a: &FireLine, b: &FireLine) -> String {
    if a.status != b.status {
        format!("{} -> {}", a.status.name(), b.status.name())
    } else if a.late != b.late {
        format!("{} with a new lateness", a.status.name())
    } else {
        format!("{} for a new reason", a.status.name())
    }
}

/// Up to three groups in words, the rest counted.
fn groups(groups: &[(String, usize)], total: usize) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = groups
        .iter()
        .take(SHOWN)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let rest: usize = groups.iter().skip(SHOWN).map(|(_, n)| n).sum();
    if rest > 0 {
        parts.push(format!("{rest} other"));
    }
    debug_assert_eq!(groups.iter().map(|(_, n)| n).sum::<usize>(), total);
    parts.join(", ")
}

/// The one-line summary of a job's changes:
/// `[sync]: 2 fires moved +1h, 1 fire added, 12 outcomes changed (executed -> dropped)`.
pub fn summary(d: &JobDiff) -> String {
    let label = match (&d.renamed_from, d.added_job, d.removed_job) {
        (Some(old), _, _) => format!("[{old}] renamed to [{}]", d.job),
        (None, true, _) => format!("[{}] (new job)", d.job),
        (None, _, true) => format!("[{}] (job removed)", d.job),
        _ => format!("[{}]", d.job),
    };
    let mut parts = Vec::new();
    if d.renamed_from.is_some() {
        parts.push(format!("same {}", plural(d.fires, "fire", "fires")));
    }
    if let Some(by) = d.shift {
        let mut edges = Vec::new();
        if !d.added.is_empty() {
            edges.push(format!("{} added", d.added.len()));
        }
        if !d.removed.is_empty() {
            edges.push(format!("{} removed", d.removed.len()));
        }
        let fires = plural(d.moved.len(), "fire", "fires");
        parts.push(if edges.is_empty() {
            format!("every fire moved {} ({fires})", signed_span(by))
        } else {
            format!(
                "every fire moved {} ({fires}; at the window's edges {})",
                signed_span(by),
                edges.join(", ")
            )
        });
    } else {
        if !d.moved.is_empty() {
            let by = tally(d.moved.iter().map(|(a, b)| gap(a, b)));
            let moved = plural(d.moved.len(), "fire moved", "fires moved");
            parts.push(match by.as_slice() {
                [(one, _)] => format!("{moved} {}", signed_span(*one)),
                _ => {
                    let words: Vec<(String, usize)> = by
                        .iter()
                        .map(|(g, n)| (format!("by {}", signed_span(*g)), *n))
                        .collect();
                    format!("{moved} ({})", groups(&words, d.moved.len()))
                }
            });
        }
        if !d.added.is_empty() {
            parts.push(plural(d.added.len(), "fire added", "fires added"));
        }
        if !d.removed.is_empty() {
            parts.push(plural(d.removed.len(), "fire removed", "fires removed"));
        }
    }
    let changes: Vec<&(FireLine, FireLine)> = d.outcome_changes().collect();
    if !changes.is_empty() {
        let kinds = tally(changes.iter().map(|(a, b)| change_kind(a, b)));
        let what = plural(changes.len(), "outcome changed", "outcomes changed");
        parts.push(match kinds.as_slice() {
            [(one, _)] => format!("{what} ({one})"),
            _ => format!("{what} ({})", groups(&kinds, changes.len())),
        });
    }
    if parts.is_empty() {
        parts.push("no fires in the window".into());
    }
    format!("{label}: {}", parts.join(", "))
}

/// The detail lines of a job's changes, in time order.
pub fn detail(d: &JobDiff) -> Vec<String> {
    let change = |a: &FireLine, b: &FireLine| format!("{} -> {}", a.explained(), b.explained());
    let mut lines: Vec<(Instant, String)> = Vec::new();
    for (a, b) in &d.moved {
        let same = a.same_outcome(b);
        if same && d.shift.is_some() {
            // The summary says it: every fire moved by the same amount.
            continue;
        }
        let what = if same { b.explained() } else { change(a, b) };
        let by = signed_span(gap(a, b));
        lines.push((
            a.instant,
            format!("~ moved    {} -> {} ({by}) {what}", a.fire, b.fire),
        ));
    }
    for (a, b) in &d.changed {
        lines.push((a.instant, format!("! outcome  {} {}", a.fire, change(a, b))));
    }
    let edge = |into: bool| match (d.shift, into) {
        (None, _) => "",
        (Some(_), true) => " (moved into the window)",
        (Some(_), false) => " (moved out of the window)",
    };
    for f in &d.added {
        let note = edge(true);
        lines.push((
            f.instant,
            format!("+ added    {} {}{note}", f.fire, f.explained()),
        ));
    }
    for f in &d.removed {
        let note = edge(false);
        lines.push((
            f.instant,
            format!("- removed  {} {}{note}", f.fire, f.explained()),
        ));
    }
    lines.sort_by_key(|(at, _)| *at);
    lines.into_iter().map(|(_, l)| l).collect()
}

/// A readable report of a diff: one summary line per job, then the detail lines, job by job;
/// empty when nothing changed.
pub fn render_diff(diffs: &[JobDiff]) -> String {
    render_diff_limited(diffs, usize::MAX).0
}

/// [`render_diff`] with at most `max_lines` detail lines (summary lines are always shown),
/// and how many detail lines were left out. The lines are shared fairly: a job with few
/// changes shows them all even after a job with thousands.
pub fn render_diff_limited(diffs: &[JobDiff], max_lines: usize) -> (String, usize) {
    let mut out = String::new();
    for d in diffs {
        let _ = writeln!(out, "{}", summary(d));
    }
    let details: Vec<Vec<String>> = diffs.iter().map(detail).collect();
    let shown = share(&details.iter().map(Vec::len).collect::<Vec<_>>(), max_lines);
    let mut body = String::new();
    for ((d, lines), &n) in diffs.iter().zip(&details).zip(&shown) {
        if n > 0 {
            let _ = writeln!(body, "[{}]", d.job);
            for l in &lines[..n] {
                let _ = writeln!(body, "  {l}");
            }
        }
    }
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    let total: usize = details.iter().map(Vec::len).sum();
    (out, total - shown.iter().sum::<usize>())
}

/// How many of each count fit in `budget`, shared equally, a share that one count does not
/// use going to the larger ones.
fn share(counts: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
    order.sort_by_key(|&i| counts[i]);
    let mut shown = vec![0; counts.len()];
    let mut left = budget;
    for (k, &i) in order.iter().enumerate() {
        let takers = order.len() - k;
        let fair = left / takers + usize::from(!left.is_multiple_of(takers));
        shown[i] = counts[i].min(fair).min(left);
        left -= shown[i];
    }
    shown
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
        snap_in(MAGIC, jobs)
    }

    fn snap_in(magic: &str, jobs: &[(&str, &[(&str, &str)])]) -> Snapshot {
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

    /// `hours` o'clock on each of the window's seven days, all executed.
    fn daily(hours: &[u32]) -> Vec<(String, String)> {
        (1..=7)
            .flat_map(|day| {
                hours.iter().map(move |h| {
                    (
                        format!("2026-03-{day:02}T{h:02}:00:00+00:00"),
                        "executed".to_owned(),
                    )
                })
            })
            .collect()
    }

    fn owned(fires: &[(String, String)]) -> Vec<(&str, &str)> {
        fires
            .iter()
            .map(|(f, o)| (f.as_str(), o.as_str()))
            .collect()
    }

    #[test]
    fn spans_are_days_hours_minutes_seconds() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(5_400_000_000), "1h 30m");
        assert_eq!(span(35 * 86_400_000_000), "35d");
        assert_eq!(span(35 * 86_400_000_000 + 4 * 3_600_000_000), "35d 4h");
        assert_eq!(span(400 * 86_400_000_000), "400d");
        assert_eq!(span(1_500_000), "1s 500ms");
        assert_eq!(span(-60_000_000), "1m");
        assert_eq!(signed_span(-60_000_000), "-1m");
        assert_eq!(signed_span(3_600_000_000), "+1h");
        // Every span reads back as the job file reads durations.
        for us in [
            1,
            1_500_000,
            5_400_000_000,
            35 * 86_400_000_000 + 61_000_000,
        ] {
            assert_eq!(parse_duration(&span(us)), Ok(Micros::from_micros(us)));
        }
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
        assert_eq!(d[0].shift, None);
        assert_eq!(
            render_diff(&d),
            "[a]: 1 fire moved +1h

[a]
  ~ moved    2026-03-02T02:30:00+01:00 -> 2026-03-02T03:30:00+01:00 (+1h) executed
"
        );
    }

    #[test]
    fn an_outcome_change_says_why() {
        let old = snap(&[(
            "sync",
            &[
                ("2026-03-01T00:00:00+00:00", "executed"),
                ("2026-03-01T00:05:00+00:00", "executed"),
                (
                    "2026-03-01T00:10:00+00:00",
                    "missed late=3m grace=1s queued=3m",
                ),
            ],
        )]);
        let new = snap(&[(
            "sync",
            &[
                ("2026-03-01T00:00:00+00:00", "executed"),
                ("2026-03-01T00:05:00+00:00", "dropped running=1"),
                ("2026-03-01T00:10:00+00:00", "executed late=3m"),
            ],
        )]);
        assert_eq!(
            render_diff(&diff(&old, &new)),
            "[sync]: 2 outcomes changed (1 executed -> dropped, 1 missed -> executed)

[sync]
  ! outcome  2026-03-01T00:05:00+00:00 executed -> dropped (max_instances reached: 1 running)
  ! outcome  2026-03-01T00:10:00+00:00 missed late=3m (misfire_grace_time 1s exceeded: 3m queued for a worker) -> executed late=3m
"
        );
    }

    #[test]
    fn a_version_1_snapshot_diffs_without_reasons() {
        let old = snap_in(
            MAGIC_V1,
            &[(
                "sync",
                &[
                    ("2026-03-01T00:00:00+00:00", "executed"),
                    ("2026-03-01T00:05:00+00:00", "dropped"),
                    ("2026-03-01T00:10:00+00:00", "missed late=1month 4days"),
                ],
            )],
        );
        assert_eq!(old.version, 1);
        assert_eq!(old.jobs[0].1[1].rule, FireRule::Unrecorded);
        assert_eq!(
            old.jobs[0].1[2].late,
            Micros::from_secs(2_630_016 + 4 * 86_400)
        );
        // Same outcomes, rules now recorded: no difference.
        let same = snap(&[(
            "sync",
            &[
                ("2026-03-01T00:00:00+00:00", "executed"),
                ("2026-03-01T00:05:00+00:00", "dropped running=1"),
                (
                    "2026-03-01T00:10:00+00:00",
                    "missed late=34d 10h 33m 36s grace=1s queued=1s",
                ),
            ],
        )]);
        assert!(diff(&old, &same).is_empty());
        let new = snap(&[(
            "sync",
            &[
                ("2026-03-01T00:00:00+00:00", "dropped running=1"),
                ("2026-03-01T00:05:00+00:00", "executed"),
                (
                    "2026-03-01T00:10:00+00:00",
                    "missed late=34d 10h 33m 36s grace=1s queued=1s",
                ),
            ],
        )]);
        assert_eq!(
            render_diff(&diff(&old, &new)),
            "[sync]: 2 outcomes changed (1 executed -> dropped, 1 dropped -> executed)

[sync]
  ! outcome  2026-03-01T00:00:00+00:00 executed -> dropped (max_instances reached: 1 running)
  ! outcome  2026-03-01T00:05:00+00:00 dropped -> executed
"
        );
        // Rule fields are not version 1.
        let e = Snapshot::parse(&format!(
            "{MAGIC_V1}\n[a]\n2026-03-01T00:00:00Z dropped running=1\n"
        ))
        .expect_err("v1 has no rules");
        assert_eq!(
            e.to_string(),
            "line 3: unknown field `running` in a version 1 snapshot"
        );
    }

    #[test]
    fn a_renamed_job_is_one_rename() {
        let fires = daily(&[0, 12]);
        let old = snap(&[("a", &owned(&fires)), ("old-name", &owned(&fires))]);
        let new = snap(&[("a", &owned(&fires)), ("new-name", &owned(&fires))]);
        let d = diff(&old, &new);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].renamed_from.as_deref(), Some("old-name"));
        assert_eq!(
            render_diff(&d),
            "[old-name] renamed to [new-name]: same 14 fires\n"
        );
        // Without fires there is nothing to tell a rename from a new job.
        let old = snap(&[("x", &[])]);
        let new = snap(&[("y", &[])]);
        assert_eq!(
            render_diff(&diff(&old, &new)),
            "[y] (new job): no fires in the window\n[x] (job removed): no fires in the window\n"
        );
    }

    #[test]
    fn a_uniform_shift_is_one_line() {
        let old = daily(&[0, 1, 2, 3]);
        let new = daily(&[1, 2, 3, 4]);
        let d = diff(
            &snap(&[("batch", &owned(&old))]),
            &snap(&[("batch", &owned(&new))]),
        );
        assert_eq!(d[0].shift, Some(3_600_000_000));
        assert_eq!(
            render_diff(&d),
            "[batch]: every fire moved +1h (28 fires)\n"
        );
    }

    #[test]
    fn a_shift_cut_by_the_window_names_its_edges() {
        // 22:00 and 23:00 → 23:00 and 00:00: the last 23:00 fire moves out of the window.
        let old = daily(&[22, 23]);
        let mut new = daily(&[23]);
        for day in 2..=7 {
            new.push((
                format!("2026-03-{day:02}T00:00:00+00:00"),
                "executed".into(),
            ));
        }
        new.sort();
        let d = diff(
            &snap(&[("job", &owned(&old))]),
            &snap(&[("job", &owned(&new))]),
        );
        assert_eq!(d[0].shift, Some(3_600_000_000));
        assert_eq!(
            render_diff(&d),
            "[job]: every fire moved +1h (13 fires; at the window's edges 1 removed)

[job]
  - removed  2026-03-07T23:00:00+00:00 executed (moved out of the window)
"
        );
        // Without the window, the same fires are moves and a removal.
        let strip = |s: Snapshot| Snapshot {
            header: BTreeMap::new(),
            ..s
        };
        let d = diff(
            &strip(snap(&[("job", &owned(&old))])),
            &strip(snap(&[("job", &owned(&new))])),
        );
        assert_eq!(d[0].shift, None);
        assert_eq!(summary(&d[0]), "[job]: 6 fires moved +2h, 1 fire removed");
    }

    #[test]
    fn a_short_dst_day_is_no_shift() {
        // 02:30 → 03:30 in Berlin over the spring change: three fires move +1h, and the
        // 29 March one (02:30 does not exist, so 03:30+02:00 before and after) stays. Moving
        // every fire by -23h would pair three too, at the cost of two outcome changes.
        let text = |fires: [&str; 4]| {
            let mut t = format!(
                "{MAGIC}\n# from: 2026-03-27T00:00:00+01:00\n# to: 2026-03-31T00:00:00+02:00\n[r]\n"
            );
            for (i, f) in fires.iter().enumerate() {
                let outcome = if i == 2 {
                    "missed late=20m grace=30s queued=20m"
                } else {
                    "executed"
                };
                t.push_str(&format!("{f} {outcome}\n"));
            }
            Snapshot::parse(&t).expect("valid")
        };
        let old = text([
            "2026-03-27T02:30:00+01:00",
            "2026-03-28T02:30:00+01:00",
            "2026-03-29T03:30:00+02:00",
            "2026-03-30T02:30:00+02:00",
        ]);
        let new = text([
            "2026-03-27T03:30:00+01:00",
            "2026-03-28T03:30:00+01:00",
            "2026-03-29T03:30:00+02:00",
            "2026-03-30T03:30:00+02:00",
        ]);
        let d = diff(&old, &new);
        assert_eq!(d[0].shift, None);
        assert_eq!(summary(&d[0]), "[r]: 3 fires moved +1h");
    }

    #[test]
    fn one_extra_fire_does_not_mispair_the_rest() {
        // 02:00 → 03:00 every day, and the old version also fired at 02:45 on the 3rd: every
        // fire moved +1h and one is gone, not "moved +1d 1h" from the 3rd on.
        let mut old = daily(&[2]);
        old.push(("2026-03-03T02:45:00+00:00".into(), "executed".into()));
        old.sort();
        let new = daily(&[3]);
        let d = diff(&snap(&[("r", &owned(&old))]), &snap(&[("r", &owned(&new))]));
        assert_eq!(d[0].shift, None);
        assert_eq!(summary(&d[0]), "[r]: 7 fires moved +1h, 1 fire removed");
    }

    #[test]
    fn long_details_are_cut_and_counted() {
        let old = daily(&[0, 6, 12, 18]);
        let new: Vec<(String, String)> = old
            .iter()
            .map(|(f, _)| (f.clone(), "dropped running=2".to_owned()))
            .collect();
        let d = diff(&snap(&[("a", &owned(&old))]), &snap(&[("a", &owned(&new))]));
        let (text, left_out) = render_diff_limited(&d, 2);
        assert_eq!(left_out, 26);
        assert_eq!(
            text,
            "[a]: 28 outcomes changed (executed -> dropped)

[a]
  ! outcome  2026-03-01T00:00:00+00:00 executed -> dropped (max_instances reached: 2 running)
  ! outcome  2026-03-01T06:00:00+00:00 executed -> dropped (max_instances reached: 2 running)
"
        );
        assert_eq!(share(&[5, 1, 100], 20), [5, 1, 14]);
        assert_eq!(share(&[30, 30, 30], 20), [7, 7, 6]);
        assert_eq!(share(&[3, 0, 2], usize::MAX), [3, 0, 2]);
        let (text, left_out) = render_diff_limited(&d, 0);
        assert_eq!(
            (text.as_str(), left_out),
            ("[a]: 28 outcomes changed (executed -> dropped)\n", 28)
        );
    }

    #[test]
    fn outcome_changes_and_job_changes() {
        let old = snap(&[
            ("a", &[("2026-03-01T02:30:00Z", "executed")]),
            ("gone", &[]),
        ]);
        let new = snap(&[
            (
                "a",
                &[(
                    "2026-03-01T02:30:00+00:00",
                    "missed late=5s grace=1s queued=5s",
                )],
            ),
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
