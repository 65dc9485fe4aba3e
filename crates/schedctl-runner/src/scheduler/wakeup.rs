//! The scheduler thread: each wake-up applies the core's policy to the due jobs.
//!
//! The thread wakes at the earliest next run time, and at least every second to pick up changes
//! other processes made to persistent stores ([`reconcile`]). For each due job it commits the
//! job's new next run time to its store, and only then queues the run on the job's pool.

use std::time::Duration;

use schedctl_core::policy::wake_job;
use schedctl_core::Clock;
use schedctl_trigger::{Instant, ZonedTime};

use super::reconcile::reconcile;
use super::state::{ignore_missing, stored, Inner, State};
use crate::event::EventKind;
use crate::lock;
use crate::pool::Task;

/// The body of the scheduler thread, until the scheduler shuts down.
pub(super) fn scheduler_loop(inner: &Inner) {
    let mut st = lock(&inner.state);
    loop {
        if st.stopping {
            return;
        }
        reconcile(inner, &mut st);
        let now = inner.clock.now();
        if !st.paused {
            process_due(inner, &mut st, now);
        }
        let next_due = st
            .jobs
            .values()
            .filter(|e| !e.paused)
            .filter_map(|e| e.next.map(|n| n.instant()))
            .min();
        let mut wait = Duration::from_secs(1);
        if let Some(t) = next_due {
            let micros = (t.unix_micros() - inner.clock.now().unix_micros()).max(0);
            wait = wait.min(Duration::from_micros(micros as u64));
        }
        if st.paused {
            wait = Duration::from_secs(1);
        }
        st = inner
            .wake
            .wait_timeout(st, wait)
            .map(|(g, _)| g)
            .unwrap_or_else(|p| p.into_inner().0);
    }
}

/// Applies the policy to every due job, earliest first, and queues the runs it keeps.
fn process_due(inner: &Inner, st: &mut State, now: Instant) {
    let mut due: Vec<(Instant, String)> = st
        .jobs
        .iter()
        .filter(|(_, e)| !e.paused)
        .filter_map(|(id, e)| {
            e.next
                .filter(|n| n.instant() <= now)
                .map(|n| (n.instant(), id.clone()))
        })
        .collect();
    due.sort();
    for (_, id) in due {
        let Some(entry) = st.jobs.get_mut(&id) else {
            continue;
        };
        let Some(next) = entry.next else { continue };
        let w = match wake_job(
            &entry.job,
            &entry.schedule,
            next,
            entry.running,
            now,
            &mut entry.rng,
            &mut entry.cursor,
        ) {
            Ok(w) => w,
            Err(e) => {
                entry.next = None;
                fail_run(inner, st, &id, &next, now, e.to_string());
                continue;
            }
        };
        for c in &w.coalesced {
            inner.emit(&id, c, EventKind::Coalesced);
        }
        entry.next = w.next;
        let snapshot = stored(entry);
        let (store, done, running) = (entry.spec.jobstore.clone(), w.next.is_none(), entry.running);
        // Commit the next run time before any worker sees the run: a crash from here on can lose
        // this run, never repeat it.
        let committed = match st.stores.get_mut(&store) {
            Some(s) if done => s.remove(&id).or_else(ignore_missing),
            Some(s) => s.put(&snapshot),
            None => Ok(()),
        };
        if let Err(e) = committed {
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
        let Some(entry) = st.jobs.get_mut(&id) else {
            continue;
        };
        if w.dropped {
            for rt in &w.kept {
                inner.emit(&id, rt, EventKind::Dropped { running });
            }
        } else if !w.kept.is_empty() {
            entry.running += 1;
            let task = Task {
                job: entry.job.clone(),
                run_times: w.kept.to_vec(),
                action: entry.action.clone(),
            };
            let pool = &inner.pools[entry.job.executor];
            for rt in &w.kept {
                inner.emit(&id, rt, EventKind::Submitted);
            }
            pool.push(task);
        }
        if done && st.jobs.get(&id).is_some_and(|e| e.running == 0) {
            st.jobs.remove(&id);
        }
    }
}

/// Reports a fire that could not be run at all (its trigger or its store failed).
fn fail_run(
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
