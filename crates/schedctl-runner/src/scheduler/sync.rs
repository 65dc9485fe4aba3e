//! Starting from a job file: make the stores match it, and say what that did to each job.
//!
//! The rule (the book's `schedctl jobs` page states it for users). The file is compared with
//! its own definition at the previous start (kept in the store), not with the job as
//! `schedctl jobs modify` may have changed it since:
//!
//! * a job of the file that no store has is **added** (first fire from now);
//! * a job whose definition in the file did not change is **kept**, with its next run time
//!   (overdue fires are then handled by its policy); if it has **ended** (its trigger has no
//!   more fires, or APScheduler's AndTrigger would loop) or was **removed** with
//!   `schedctl jobs remove`, it stays so: a one-off `date:` job does not run again at every
//!   restart, and a removed job does not come back;
//! * a job whose definition in the file changed is **changed**: with the same trigger and zone it keeps its
//!   next run time (APScheduler's `modify_job`), with a new one it is rescheduled from now
//!   (`reschedule_job`); an ended or removed job whose definition changed is scheduled again;
//! * a stored job that the file no longer has is **removed**, unless it was added with
//!   `schedctl jobs add` (or the library's `add_job`): the store owns those, and they are kept.
//!
//! A memory store starts empty, so its jobs are always added.

use std::collections::BTreeMap;

use schedctl_core::Clock;
use schedctl_trigger::ZonedTime;

use super::state::{build_entry, persist};
use super::Scheduler;
use crate::error::RunnerError;
use crate::lock;
use crate::store::{JobSpec, Origin, StoreError, StoredJob};

/// What starting from a job file did to one job.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncAction {
    /// New: scheduled from now.
    Added,
    /// Unchanged: it keeps its next run time.
    Kept,
    /// Its definition changed; `rescheduled` when its trigger or zone did (or it had ended or
    /// been removed), else it keeps its next run time.
    Changed {
        /// Whether its next run time was computed afresh from now.
        rescheduled: bool,
    },
    /// Not in the file any more: removed from its store.
    Removed,
    /// Unchanged and ended earlier: it stays ended, for this reason.
    Ended {
        /// Why it ended, in words.
        reason: String,
    },
    /// Removed with `schedctl jobs remove` and unchanged in the file: it stays removed.
    StaysRemoved,
    /// Added with `schedctl jobs add` and not in the file: kept.
    KeptFromCommand,
}

impl SyncAction {
    /// One word for a start-up line: added, kept, changed, rescheduled, removed, ended.
    pub fn word(&self) -> &'static str {
        match self {
            SyncAction::Added => "added",
            SyncAction::Kept | SyncAction::KeptFromCommand => "kept",
            SyncAction::Changed { rescheduled: false } => "changed",
            SyncAction::Changed { rescheduled: true } => "rescheduled",
            SyncAction::Removed | SyncAction::StaysRemoved => "removed",
            SyncAction::Ended { .. } => "ended",
        }
    }
}

/// One job after [`Scheduler::sync_job_file`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Synced {
    /// The job id.
    pub id: String,
    /// The store that holds it.
    pub store: String,
    /// What happened to it.
    pub action: SyncAction,
    /// Its next run time now (none: not scheduled).
    pub next_run_time: Option<ZonedTime>,
}

impl Scheduler {
    /// Makes the stores (added already) match the jobs of a job file, by the rule of this
    /// module's docs, and reports what it did to each job, file order first, then the stored
    /// jobs the file does not have.
    pub fn sync_job_file(&self, specs: Vec<JobSpec>) -> Result<Vec<Synced>, RunnerError> {
        let mut st = lock(&self.inner.state);
        let now = self.inner.clock.now();
        // Every stored row, ended jobs and removal markers included.
        let mut stored: BTreeMap<String, (String, StoredJob)> = BTreeMap::new();
        for (name, store) in st.stores.iter_mut() {
            let rows = store.load().map_err(|error| RunnerError::Store {
                store: name.clone(),
                error,
            })?;
            for row in rows {
                stored.insert(row.spec.id.clone(), (name.clone(), row));
            }
        }
        let mut out = Vec::new();
        for spec in specs {
            let id = spec.id.clone();
            let previous = stored.remove(&id);
            // Whether the file changed since the last start: compared with the file's own
            // definition then, so that `schedctl jobs modify/remove` stand until it does.
            let same = |row: &StoredJob| row.file_spec.as_ref().unwrap_or(&row.spec) == &spec;
            let (action, row) = match previous {
                None => (
                    SyncAction::Added,
                    StoredJob {
                        file_spec: Some(spec.clone()),
                        ..StoredJob::new(spec, None, None)
                    },
                ),
                Some((store, row)) if same(&row) && row.removed => {
                    out.push(synced(id, store, SyncAction::StaysRemoved, None));
                    continue;
                }
                Some((store, row)) if same(&row) && row.ended.is_some() => {
                    let reason = row.ended.unwrap_or_default();
                    out.push(synced(id, store, SyncAction::Ended { reason }, None));
                    continue;
                }
                Some((store, row)) if same(&row) => {
                    let next = st.jobs.get(&id).and_then(|e| e.next);
                    out.push(synced(id, store, SyncAction::Kept, next));
                    continue;
                }
                Some((old_store, row)) => {
                    if old_store != spec.jobstore {
                        let old = st.stores.get_mut(&old_store);
                        if let Some(s) = old {
                            match s.remove(&id) {
                                Ok(()) | Err(StoreError::NoSuchJob { .. }) => {}
                                Err(error) => {
                                    return Err(RunnerError::Store {
                                        store: old_store,
                                        error,
                                    })
                                }
                            }
                        }
                    }
                    let reschedule = !row.is_active()
                        || row.spec.trigger != spec.trigger
                        || row.spec.timezone != spec.timezone;
                    let kept = StoredJob {
                        file_spec: Some(spec.clone()),
                        spec,
                        next_run_time: if reschedule { None } else { row.next_run_time },
                        paused: row.paused && !reschedule,
                        anchor: if reschedule { None } else { row.anchor },
                        ..StoredJob::default()
                    };
                    (
                        SyncAction::Changed {
                            rescheduled: reschedule,
                        },
                        kept,
                    )
                }
            };
            let action_of_closure = st.jobs.remove(&id).and_then(|e| match e.action {
                crate::command::Action::Closure(c) => Some(crate::command::Action::Closure(c)),
                crate::command::Action::Command(_) => None,
            });
            let entry = build_entry(
                &self.inner.executors,
                &st.closures,
                row,
                action_of_closure,
                now,
            )?;
            persist(&mut st, &entry)?;
            let (store, next) = (entry.spec.jobstore.clone(), entry.next);
            st.jobs.insert(id.clone(), entry);
            out.push(synced(id, store, action, next));
        }
        for (id, (store, row)) in stored {
            if row.origin == Origin::Command {
                if row.is_active() {
                    let next = st.jobs.get(&id).and_then(|e| e.next);
                    out.push(synced(id, store, SyncAction::KeptFromCommand, next));
                }
                continue;
            }
            st.jobs.remove(&id);
            if let Some(s) = st.stores.get_mut(&store) {
                match s.remove(&id) {
                    Ok(()) | Err(StoreError::NoSuchJob { .. }) => {}
                    Err(error) => return Err(RunnerError::Store { store, error }),
                }
            }
            if row.is_active() {
                out.push(synced(id, store, SyncAction::Removed, None));
            }
        }
        self.inner.wake.notify_all();
        Ok(out)
    }
}

fn synced(id: String, store: String, action: SyncAction, next: Option<ZonedTime>) -> Synced {
    Synced {
        id,
        store,
        action,
        next_run_time: next,
    }
}
