//! The scheduler thread: each wake-up applies the core's policy to the due jobs.
//!
//! The thread wakes at the earliest next run time, and at least every second to pick up changes
//! other processes made to persistent stores ([`reconcile`]). For each due job it commits the
//! job's new next run time to its store, and only then queues the run on the job's pool.

use std::collections::BTreeMap;
use std::time::Duration;

use schedctl_core::policy::{wake_job, Wakeup};
use schedctl_core::Clock;
use schedctl_trigger::{Instant, ZonedTime};

use super::claim;
use super::reconcile::reconcile;
use super::state::{ended, stored, Entry, Inner, State};
use crate::event::EventKind;
use crate::lock;
use crate::pool::Task;
use crate::store::StoredJob;

/// The body of the scheduler thread, until the scheduler shuts down.
pub(super) fn scheduler_loop(inner: &Inner) {
    let mut st = lock(&inner.state);
    loop {
        if st.stopping {
            return;
        }
        reconcile(inner, &mut st);
        let now = inner.clock.now();
        let mut wait = Duration::from_secs(1);
        if !st.paused {
            process_due(inner, &mut st, now);
        }
        // Shared stores: heartbeats go on while the scheduler is paused (its runs still hold
        // leases); claims do not.
        let claiming = !st.paused;
        let (next_due, beat) = claim::process_shared(inner, &mut st, now, claiming);
        wait = wait.min(beat);
        let local_due = st
            .jobs
            .values()
            .filter(|e| !e.paused && !st.shared.contains_key(&e.spec.jobstore))
            .filter_map(|e| e.next.map(|n| n.instant()))
            .min();
        let next_due = next_due.into_iter().chain(local_due).min();
        if let Some(t) = next_due {
            let micros = (t.unix_micros() - inner.clock.now().unix_micros()).max(0);
            wait = wait.min(Duration::from_micros(micros as u64));
        }
        if st.paused {
            wait = beat;
        }
        st = inner
            .wake
            .wait_timeout(st, wait)
            .map(|(g, _)| g)
            .unwrap_or_else(|p| p.into_inner().0);
    }
}

/// Applies the policy to every due job, earliest first, commits their new next run times
/// (one transaction per store), and only then queues the runs they keep.
fn process_due(inner: &Inner, st: &mut State, now: Instant) {
    let mut due: Vec<(Instant, String)> = st
        .jobs
        .iter()
        .filter(|(_, e)| !e.paused && !st.shared.contains_key(&e.spec.jobstore))
        .filter_map(|(id, e)| {
            e.next
                .filter(|n| n.instant() <= now)
                .map(|n| (n.instant(), id.clone()))
        })
        .collect();
    due.sort();
    // 1. The policy decides every due job; nothing reaches a worker yet.
    let mut decided: Vec<(String, ZonedTime, Wakeup)> = Vec::with_capacity(due.len());
    let mut rows: BTreeMap<String, Vec<StoredJob>> = BTreeMap::new();
    for (_, id) in due {
        let Some(entry) = st.jobs.get_mut(&id) else {
            continue;
        };
        let Some(next) = entry.next else { continue };
        let running = entry.running;
        let (decision, row) = wake_entry(entry, next, running, now);
        rows.entry(entry.spec.jobstore.clone())
            .or_default()
            .push(row);
        match decision {
            Ok(w) => decided.push((id, next, w)),
            Err(reason) => {
                fail_run(inner, st, &id, &next, now, reason);
                if st.jobs.get(&id).is_some_and(|e| e.running == 0) {
                    st.jobs.remove(&id);
                }
            }
        }
    }
    // 2. Commit before any worker sees a run: a crash from here on can lose these runs,
    // never repeat them. One transaction per store (one sync to disk per wake-up).
    let mut failed: BTreeMap<String, String> = BTreeMap::new();
    for (name, rows) in rows {
        if let Some(store) = st.stores.get_mut(&name) {
            if let Err(e) = store.put_many(&rows) {
                failed.insert(name, e.to_string());
            }
        }
    }
    // 3. Hand over the runs (or say why they cannot run).
    for (id, next, w) in decided {
        let store = st.jobs.get(&id).map(|e| e.spec.jobstore.clone());
        if let Some(e) = store.and_then(|s| failed.get(&s).map(|e| (s, e))) {
            let (store, e) = (e.0, e.1.clone());
            fail_run(
                inner,
                st,
                &id,
                &next,
                now,
                format!("job store `{store}`: {e}"),
            );
            continue;
        }
        hand_over(inner, st, &id, &w, None);
    }
}

/// Applies the policy to `entry`'s due fire `next` with `running` runs in progress; returns
/// the decision (or why the next fire cannot be computed) and the row its store must commit.
pub(super) fn wake_entry(
    entry: &mut Entry,
    next: ZonedTime,
    running: u32,
    now: Instant,
) -> (Result<Wakeup, String>, StoredJob) {
    match wake_job(
        &entry.job,
        &entry.schedule,
        next,
        running,
        now,
        &mut entry.rng,
        &mut entry.cursor,
    ) {
        Ok(w) => {
            entry.next = w.next;
            let row = match w.next {
                Some(_) => stored(entry),
                None => ended(entry, format!("its trigger has no more fires after {next}")),
            };
            (Ok(w), row)
        }
        Err(e) => {
            // The next fire cannot be computed (APScheduler 3.11's AndTrigger would loop here
            // and freeze every job): this job ends, with the reason kept, and the others go on.
            entry.next = None;
            let reason = e.to_string();
            let row = ended(entry, reason.clone());
            (Err(reason), row)
        }
    }
}

/// Tells what a committed wake-up of job `id` decided and queues its run (holding `lease` in a
/// shared store); forgets a job whose trigger has ended once no run of it is left.
pub(super) fn hand_over(
    inner: &Inner,
    st: &mut State,
    id: &str,
    w: &Wakeup,
    lease: Option<(String, i64)>,
) {
    for c in &w.coalesced {
        inner.emit(id, c, EventKind::Coalesced);
    }
    let Some(entry) = st.jobs.get_mut(id) else {
        return;
    };
    let running = entry.running;
    if w.dropped {
        for rt in &w.kept {
            inner.emit(id, rt, EventKind::Dropped { running });
        }
    } else if !w.kept.is_empty() {
        for rt in &w.kept {
            inner.emit(id, rt, EventKind::Submitted);
        }
        queue(
            inner,
            entry,
            w.kept.to_vec(),
            w.coalesced.len(),
            lease,
            true,
        );
    }
    if w.next.is_none() && st.jobs.get(id).is_some_and(|e| e.running == 0) {
        st.jobs.remove(id);
    }
}

/// Queues a run of `entry` for these run times on its executor's pool; without `grace` the
/// job's misfire grace is not applied (the rerun of an abandoned run: a recovery, late by a
/// lease time at least, that the grace meant for fires on time would always miss).
pub(super) fn queue(
    inner: &Inner,
    entry: &mut Entry,
    run_times: Vec<ZonedTime>,
    coalesced: usize,
    lease: Option<(String, i64)>,
    grace: bool,
) {
    entry.running += 1;
    let mut job = entry.job.clone();
    if !grace {
        job.misfire_grace_time = None;
    }
    inner.pools[entry.job.executor].push(Task {
        job,
        run_times,
        action: entry.action.clone(),
        coalesced,
        lease,
    });
}

/// Reports a fire that could not be run at all (its trigger or its store failed).
pub(super) fn fail_run(
    inner: &Inner,
    st: &mut State,
    id: &str,
    fire: &ZonedTime,
    now: Instant,
    message: String,
) {
    st.failed_runs += 1;
    inner.emit(
        id,
        fire,
        EventKind::Error {
            exit_code: None,
            start: now,
            end: now,
            message,
        },
    );
}
