//! Wake-ups of stores shared by several runners: heartbeat, abandoned runs, claims.
//!
//! For a shared store the store is the truth, not the job table: each wake-up claims the due
//! jobs in the store ([`SharedStore::claim_due`]); the same policy as for a local store
//! ([`wake_job`]) decides each with the runs in progress on every runner, and the runs are
//! handed over only once the claim is committed. The job table only caches each job's parsed
//! trigger and cursor (rebuilt whenever the stored definition differs). A heartbeat every
//! third of the lease time (at most every second) keeps this runner alive for the others,
//! and reports the runs of runners that died, which are written to the run log as
//! `abandoned` (and run again for jobs with `on_abandon = "rerun"`).

use std::collections::BTreeMap;
use std::time::Duration;

use schedctl_core::OnAbandon;
use schedctl_trigger::{Instant, Tz, ZonedTime};

use super::state::{build_entry, Inner, State};
use super::wakeup::{fail_run, hand_over, queue, wake_entry};
use crate::command::Action;
use crate::event::EventKind;
use crate::store::{Claim, ClaimOutcome, StoredJob};

/// A claim's wake-up that is not committed yet.
struct Pending {
    id: String,
    w: schedctl_core::policy::Wakeup,
}

/// Heartbeats, reaps and claims every shared store; returns the earliest next run time of
/// their jobs and how long the scheduler may sleep before the next heartbeat.
pub(super) fn process_shared(
    inner: &Inner,
    st: &mut State,
    now: Instant,
    claiming: bool,
) -> (Option<Instant>, Duration) {
    let mut beat = Duration::from_secs(1);
    let mut next_due: Option<Instant> = None;
    let names: Vec<String> = st.shared.keys().cloned().collect();
    let executors: Vec<String> = inner.executors.iter().map(|e| e.name.clone()).collect();
    for name in names {
        let Some(lease) = st
            .stores
            .get_mut(&name)
            .and_then(|s| s.as_shared())
            .map(|s| s.lease_time())
        else {
            continue;
        };
        let period = (lease / 3).min(Duration::from_secs(1));
        beat = beat.min(period);
        let due_for_beat = st
            .shared
            .get(&name)
            .copied()
            .flatten()
            .is_none_or(|t| t.elapsed() >= period);
        if due_for_beat {
            heartbeat(inner, st, &name);
        }
        if claiming {
            claim(inner, st, &name, now, &executors);
        }
        let due = st
            .stores
            .get_mut(&name)
            .and_then(|s| s.as_shared())
            .and_then(|s| s.next_due(&executors).ok().flatten());
        if let Some(us) = due {
            // A due job that this wake-up could not claim (another runner holds its row, or
            // the connection is down) is looked at again shortly, not in a busy loop.
            let floor = now.unix_micros() + 20_000;
            let t = Instant::from_unix_micros(us.max(floor));
            next_due = Some(next_due.map_or(t, |n| n.min(t)));
        }
    }
    (next_due, beat)
}

/// Renews this runner's heartbeat, and writes the runs of dead runners to the run log (and
/// queues their reruns).
fn heartbeat(inner: &Inner, st: &mut State, name: &str) {
    let State {
        jobs,
        stores,
        shared,
        ..
    } = st;
    let Some(store) = stores.get_mut(name).and_then(|s| s.as_shared()) else {
        return;
    };
    let found = store.heartbeat(&mut |a| {
        jobs.get(&a.job)
            .is_some_and(|e| e.spec.on_abandon == OnAbandon::Rerun)
    });
    let Ok(found) = found else {
        return;
    };
    shared.insert(name.to_owned(), Some(std::time::Instant::now()));
    for (a, lease) in found {
        let zone = jobs
            .get(&a.job)
            .map_or(Tz::Fixed(0), |e| Tz::Zone(e.schedule.zone()));
        let fires: Vec<ZonedTime> = a
            .fires
            .iter()
            .filter_map(|us| ZonedTime::from_instant(Instant::from_unix_micros(*us), zone).ok())
            .collect();
        for f in &fires {
            inner.emit(
                &a.job,
                f,
                EventKind::Abandoned {
                    host: a.host.clone(),
                    pid: a.pid,
                    reason: a.reason.clone(),
                    rerun: a.rerun,
                },
            );
        }
        if let (Some(lease), Some(entry)) = (lease, jobs.get_mut(&a.job)) {
            for f in &fires {
                inner.emit(&a.job, f, EventKind::Submitted);
            }
            queue(
                inner,
                entry,
                fires,
                0,
                Some((name.to_owned(), lease)),
                false,
            );
        }
    }
}

/// Claims the due jobs of the shared store `name` and hands their runs over.
fn claim(inner: &Inner, st: &mut State, name: &str, now: Instant, executors: &[String]) {
    let mut pending: Vec<Pending> = Vec::new();
    let mut errors: Vec<(String, ZonedTime, String)> = Vec::new();
    let claimed = {
        let State {
            jobs,
            stores,
            closures,
            ..
        } = &mut *st;
        let Some(store) = stores.get_mut(name).and_then(|s| s.as_shared()) else {
            return;
        };
        let mut decide = |row: StoredJob, running: u32| -> Option<Claim> {
            let id = row.spec.id.clone();
            let fresh = jobs
                .get(&id)
                .is_some_and(|e| e.spec == row.spec && Some(e.anchor.unix_micros()) == row.anchor);
            if !fresh {
                let old = jobs.get(&id);
                let action = old.and_then(|e| match &e.action {
                    Action::Closure(c) => Some(Action::Closure(c.clone())),
                    Action::Command(_) => None,
                });
                let running_here = old.map_or(0, |e| e.running);
                match build_entry(&inner.executors, closures, row.clone(), action, now) {
                    Ok(mut e) => {
                        e.running = running_here;
                        jobs.insert(id.clone(), e);
                    }
                    Err(err) => {
                        // No runner of this build can run it: it ends, saying why, rather
                        // than stay due forever.
                        let reason = err.to_string();
                        if let Ok(at) = ZonedTime::from_instant(now, Tz::Fixed(0)) {
                            errors.push((id, at, reason.clone()));
                        }
                        return Some(Claim {
                            row: StoredJob {
                                next_run_time: None,
                                ended: Some(reason),
                                ..row
                            },
                            fires: Vec::new(),
                            lease: Vec::new(),
                        });
                    }
                }
            }
            let entry = jobs.get_mut(&id)?;
            let next = ZonedTime::from_instant(
                Instant::from_unix_micros(row.next_run_time?),
                Tz::Zone(entry.schedule.zone()),
            )
            .ok()?;
            let (decision, row) = wake_entry(entry, next, running, now);
            match decision {
                Ok(w) => {
                    let us = |t: &ZonedTime| t.instant().unix_micros();
                    let kept = if w.dropped {
                        ClaimOutcome::Dropped
                    } else {
                        ClaimOutcome::Submitted
                    };
                    let fires = (w.coalesced.iter().map(|c| (us(c), ClaimOutcome::Coalesced)))
                        .chain(w.kept.iter().map(|k| (us(k), kept)))
                        .collect();
                    let lease = if w.dropped {
                        Vec::new()
                    } else {
                        w.kept.iter().map(us).collect()
                    };
                    pending.push(Pending { id, w });
                    Some(Claim { row, fires, lease })
                }
                Err(reason) => {
                    errors.push((id, next, reason));
                    Some(Claim {
                        row,
                        fires: Vec::new(),
                        lease: Vec::new(),
                    })
                }
            }
        };
        store.claim_due(now.unix_micros(), executors, &mut decide)
    };
    // Nothing was committed when the claim failed: the fires stay due in the store, for this
    // runner's next wake-up or another runner.
    let Ok(claimed) = claimed else {
        return;
    };
    let leases: BTreeMap<String, i64> = claimed
        .into_iter()
        .filter_map(|c| c.lease.map(|l| (c.id, l)))
        .collect();
    for (id, at, reason) in errors {
        fail_run(inner, st, &id, &at, now, reason);
        if st.jobs.get(&id).is_some_and(|e| e.running == 0) {
            st.jobs.remove(&id);
        }
    }
    for p in pending {
        let lease = leases.get(&p.id).map(|l| (name.to_owned(), *l));
        hand_over(inner, st, &p.id, &p.w, lease);
    }
}
