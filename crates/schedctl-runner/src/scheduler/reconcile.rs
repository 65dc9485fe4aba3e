//! Picking up changes that another process (`schedctl jobs ...`) made to a persistent store.

use schedctl_core::Clock;
use schedctl_trigger::{Tz, ZonedTime};

use super::state::{build_entry, Inner, State};
use crate::command::Action;
use crate::event::EventKind;

/// Picks up changes that another process (`schedctl jobs ...`) made to a persistent store.
pub(super) fn reconcile(inner: &Inner, st: &mut State) {
    let names: Vec<String> = st.stores.keys().cloned().collect();
    for name in names {
        let Some(store) = st.stores.get_mut(&name) else {
            continue;
        };
        let Ok(generation) = store.generation() else {
            continue;
        };
        if st.generations.get(&name) == Some(&generation) {
            continue;
        }
        let Ok(rows) = store.load() else { continue };
        st.generations.insert(name.clone(), generation);
        let now = inner.clock.now();
        let ids: Vec<String> = st
            .jobs
            .iter()
            .filter(|(_, e)| e.spec.jobstore == name)
            .map(|(k, _)| k.clone())
            .collect();
        // Ended jobs and removal markers stay in the store, not in the job table.
        let rows: Vec<_> = rows.into_iter().filter(|r| r.is_active()).collect();
        for id in ids {
            if !rows.iter().any(|r| r.spec.id == id) {
                st.jobs.remove(&id);
            }
        }
        for row in rows {
            let running = st.jobs.get(&row.spec.id).map_or(0, |e| e.running);
            let action = st.jobs.get(&row.spec.id).and_then(|e| match &e.action {
                Action::Closure(c) => Some(Action::Closure(c.clone())),
                Action::Command(_) => None,
            });
            let id = row.spec.id.clone();
            match build_entry(&inner.executors, &st.closures, row, action, now) {
                Err(e) => {
                    // Report it: a job added with `schedctl jobs add` that cannot run must not
                    // be ignored in silence.
                    if let Ok(fire) = ZonedTime::from_instant(now, Tz::Fixed(0)) {
                        st.failed_runs += 1;
                        inner.emit(
                            &id,
                            &fire,
                            EventKind::Error {
                                exit_code: None,
                                start: now,
                                end: now,
                                message: e.to_string(),
                            },
                        );
                    }
                }
                Ok(mut entry) => {
                    entry.running = running;
                    st.jobs.insert(id, entry);
                }
            }
        }
    }
}
