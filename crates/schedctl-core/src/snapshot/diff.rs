//! The comparison of two snapshots, job by job: renamed jobs, a uniform shift of every fire,
//! and the pairing of fires that moved.

use std::collections::HashMap;

use schedctl_trigger::Instant;

use super::format::{FireLine, Snapshot};

/// What changed for one job between two snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
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

pub(super) fn gap(a: &FireLine, b: &FireLine) -> i64 {
    b.instant.unix_micros() - a.instant.unix_micros()
}

#[cfg(test)]
mod tests {
    use super::diff;
    use crate::snapshot::format::fixtures::snap;

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
}
