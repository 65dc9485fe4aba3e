//! A diff in words: one summary line per job, then detail lines, cut fairly to a budget.

use std::collections::HashMap;
use std::fmt::Write as _;

use schedctl_trigger::Instant;

use super::diff::{gap, JobDiff};
use super::format::FireLine;
use super::span::signed_span;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

/// The diff's cases (renames, shifts, moves, outcome changes), checked through the report a
/// reader sees.
#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{render_diff, render_diff_limited, share, summary};
    use crate::duration::Micros;
    use crate::snapshot::diff::diff;
    use crate::snapshot::format::fixtures::{snap, snap_in};
    use crate::snapshot::format::{FireRule, Snapshot, MAGIC, MAGIC_V1};

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
}
