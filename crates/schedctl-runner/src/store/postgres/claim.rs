//! Claims, leases and heartbeats: how several runners share one PostgreSQL store and run each
//! fire once.
//!
//! * A claim is one transaction: the due jobs the runner can run are locked with `FOR UPDATE
//!   SKIP LOCKED` (rows another runner is claiming are skipped, never waited for); when there
//!   are any, the runner's heartbeat row is updated (so no one declares it dead before the
//!   commit; with none, nothing is written), the policy decides each with
//!   the number of leases its job holds on every runner, and the new next run times, one lease
//!   per run handed over and the outcome of each fire are committed together.
//! * A runner is dead when its heartbeat is older than its lease time. The clock is the
//!   server's (hosts' clocks may disagree), and a database restart counts as a heartbeat of
//!   everyone: runners get a full lease time to reconnect before anyone is declared dead.
//! * A dead runner's leases are deleted and each of their fires written to
//!   `schedctl_abandoned` by the one runner whose `DELETE` got them (row locks make that
//!   exactly one); a job with `on_abandon = "rerun"` gets a new lease on that runner when it
//!   has a free instance.
//! * When the connection drops during a commit, the runner cannot know whether its claim was
//!   committed. At reconnection any lease of its own that it does not hold is released and
//!   recorded as abandoned: the fire is not run (at most once) but not lost without a trace.

use std::time::{Duration, Instant};

use postgres::{Client, GenericClient};

use super::{PostgresStore, Registration};
use crate::store::shared::{Abandoned, Claim, Claimed, SharedStore};
use crate::store::{StoreError, StoredJob};

/// Most jobs claimed by one transaction (the rest at the next wake-up, at once).
const CLAIM_LIMIT: i64 = 500;

/// Fire history older than this is deleted.
const HISTORY_DAYS: i32 = 7;

impl PostgresStore {
    fn registration(&mut self) -> Result<&mut Registration, StoreError> {
        self.runner.as_mut().ok_or_else(|| StoreError::BadJob {
            what: "this PostgreSQL store was opened for `schedctl jobs`, not for a runner (PostgresStore::open_for_runner)".into(),
        })
    }

    /// Adds (or renews) this runner's row; at reconnection, also settles the leases the
    /// runner lost track of (see the module documentation).
    pub(super) fn register(&mut self) -> Result<(), StoreError> {
        let reg = self.registration()?;
        let (id, host, pid) = (reg.id.id.clone(), reg.id.host.clone(), reg.id.pid as i32);
        let lease_us = reg.lease.as_micros() as i64;
        let held: Vec<i64> = reg.held.iter().copied().collect();
        let pending = std::mem::take(&mut reg.pending);
        let pending_kept = pending.clone();
        let again = std::mem::replace(&mut reg.registered, true);
        let result = self.with(|c| {
            let mut tx = c.transaction()?;
            let inserted = upsert_runner(&mut tx, &id, &host, pid, lease_us)?;
            tx.execute(
                "DELETE FROM schedctl_leases WHERE id = ANY($1)",
                &[&pending],
            )?;
            let lost = tx.query(
                "DELETE FROM schedctl_leases WHERE runner_id = $1 AND NOT (id = ANY($2))
                 RETURNING job_id, fires",
                &[&id, &held],
            )?;
            let reason = "the connection dropped while the claim was committed: not run";
            record_leases(&mut tx, &lost, (&host, pid), reason, &id)?;
            tx.commit()?;
            Ok((inserted, lost.len()))
        });
        match result {
            Ok((inserted, lost)) => {
                if inserted && again {
                    self.say("this runner had been declared dead by another runner (silent for longer than its lease time): its runs in progress were recorded as abandoned");
                }
                if lost > 0 {
                    self.say(&format!("{lost} claim(s) whose commit was cut off by the lost connection were recorded as abandoned (not run)"));
                }
                Ok(())
            }
            Err(e) => {
                if let Ok(reg) = self.registration() {
                    reg.pending.extend(pending_kept);
                }
                Err(e)
            }
        }
    }

    /// A clean stop: this runner's remaining leases are recorded as abandoned and its row
    /// deleted.
    pub(super) fn deregister(&mut self) -> Result<(), StoreError> {
        let reg = self.registration()?;
        let (id, host, pid) = (reg.id.id.clone(), reg.id.host.clone(), reg.id.pid as i32);
        self.with(|c| {
            let mut tx = c.transaction()?;
            let left = tx.query(
                "DELETE FROM schedctl_leases WHERE runner_id = $1 RETURNING job_id, fires",
                &[&id],
            )?;
            let reason = "its runner stopped before the run finished";
            record_leases(&mut tx, &left, (&host, pid), reason, &id)?;
            tx.execute("DELETE FROM schedctl_runners WHERE id = $1", &[&id])?;
            tx.commit()
        })
    }
}

/// Inserts or renews a runner's row; true when it had to be inserted.
fn upsert_runner(
    tx: &mut impl GenericClient,
    id: &str,
    host: &str,
    pid: i32,
    lease_us: i64,
) -> Result<bool, postgres::Error> {
    let row = tx.query_one(
        "INSERT INTO schedctl_runners (id, host, pid, lease_us) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET heartbeat = now()
         RETURNING (xmax = 0)",
        &[&id, &host, &pid, &lease_us],
    )?;
    Ok(row.get(0))
}

/// Records each fire of deleted lease rows (`job_id, fires`) of the runner `(host, pid)` as
/// abandoned, not run again.
fn record_leases(
    tx: &mut impl GenericClient,
    rows: &[postgres::Row],
    (host, pid): (&str, i32),
    reason: &str,
    detected_by: &str,
) -> Result<(), postgres::Error> {
    for l in rows {
        let (job, fires): (String, Vec<i64>) = (l.get(0), l.get(1));
        for f in fires {
            record_abandoned(tx, &job, f, host, pid, reason, detected_by, false)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record_abandoned(
    tx: &mut impl GenericClient,
    job: &str,
    fire: i64,
    host: &str,
    pid: i32,
    reason: &str,
    detected_by: &str,
    rerun: bool,
) -> Result<(), postgres::Error> {
    tx.execute(
        "INSERT INTO schedctl_abandoned (job_id, fire, host, pid, reason, detected_by, rerun)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&job, &fire, &host, &pid, &reason, &detected_by, &rerun],
    )?;
    Ok(())
}

/// The claim transaction (see the module documentation).
fn claim(
    c: &mut Client,
    shown: &str,
    reg: (&str, &str, i32, i64),
    now: i64,
    executors: &[String],
    decide: &mut dyn FnMut(StoredJob, u32) -> Option<Claim>,
) -> Result<Result<Vec<Claimed>, StoreError>, postgres::Error> {
    let (me, host, pid, lease_us) = reg;
    let mut tx = c.transaction()?;
    let rows = tx.query(
        &format!(
            "{} WHERE next_run_time <= $1 AND NOT paused AND ended IS NULL AND NOT removed
               AND executor = ANY($2)
             ORDER BY next_run_time LIMIT {CLAIM_LIMIT} FOR UPDATE SKIP LOCKED",
            super::SELECT_JOB
        ),
        &[&now, &executors],
    )?;
    if rows.is_empty() {
        // Nothing due: nothing written (a wake-up after each finished run comes here).
        tx.rollback()?;
        return Ok(Ok(Vec::new()));
    }
    // This runner's heartbeat, under its row lock until the commit: a runner declaring it
    // dead meanwhile waits, then sees it alive.
    upsert_runner(&mut tx, me, host, pid, lease_us)?;
    let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let counts: std::collections::BTreeMap<String, i64> = tx
        .query(
            "SELECT job_id, count(*) FROM schedctl_leases WHERE job_id = ANY($1) GROUP BY job_id",
            &[&ids],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let (mut upd_id, mut upd_next, mut upd_ended) = (Vec::new(), Vec::new(), Vec::new());
    let (mut h_job, mut h_fire, mut h_outcome) = (Vec::new(), Vec::new(), Vec::new());
    let mut claimed = Vec::new();
    for r in &rows {
        let id: String = r.get(0);
        let job = match super::row_to_job(shown, r) {
            Ok(j) => j,
            Err(e) => {
                // A definition this build cannot read would be due forever: end it, saying
                // why, rather than spin on it or stop every other job.
                upd_id.push(id);
                upd_next.push(None);
                upd_ended.push(Some(e.to_string()));
                continue;
            }
        };
        let running = counts.get(&id).copied().unwrap_or(0).max(0) as u32;
        let Some(decision) = decide(job, running) else {
            continue;
        };
        upd_id.push(id.clone());
        upd_next.push(decision.row.next_run_time);
        upd_ended.push(decision.row.ended.clone());
        for (fire, outcome) in &decision.fires {
            h_job.push(id.clone());
            h_fire.push(*fire);
            h_outcome.push(outcome.name());
        }
        let lease = if decision.lease.is_empty() {
            None
        } else {
            let row = tx.query_one(
                "INSERT INTO schedctl_leases (job_id, runner_id, fires) VALUES ($1, $2, $3) RETURNING id",
                &[&id, &me, &decision.lease],
            )?;
            Some(row.get(0))
        };
        claimed.push(Claimed { id, lease });
    }
    tx.execute(
        "UPDATE schedctl_jobs j SET next_run_time = u.next, ended = u.ended
           FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(id, next, ended)
          WHERE j.id = u.id",
        &[&upd_id, &upd_next, &upd_ended],
    )?;
    tx.execute(
        "INSERT INTO schedctl_history (job_id, fire, outcome, runner_id)
         SELECT u.job, u.fire, u.outcome, $4 FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(job, fire, outcome)",
        &[&h_job, &h_fire, &h_outcome, &me],
    )?;
    tx.commit()?;
    Ok(Ok(claimed))
}

impl SharedStore for PostgresStore {
    fn lease_time(&self) -> Duration {
        self.runner
            .as_ref()
            .map_or(Duration::from_secs(5), |r| r.lease)
    }

    fn claim_due(
        &mut self,
        now: i64,
        executors: &[String],
        decide: &mut dyn FnMut(StoredJob, u32) -> Option<Claim>,
    ) -> Result<Vec<Claimed>, StoreError> {
        let reg = self.registration()?;
        let (me, host, pid) = (reg.id.id.clone(), reg.id.host.clone(), reg.id.pid as i32);
        let lease_us = reg.lease.as_micros() as i64;
        let executors = executors.to_vec();
        let shown = self.shown.clone();
        let claimed = self.with(|c| {
            claim(
                c,
                &shown,
                (&me, &host, pid, lease_us),
                now,
                &executors,
                decide,
            )
        })??;
        let reg = self.registration()?;
        reg.held.extend(claimed.iter().filter_map(|c| c.lease));
        Ok(claimed)
    }

    fn next_due(&mut self, executors: &[String]) -> Result<Option<i64>, StoreError> {
        let executors = executors.to_vec();
        self.with(|c| {
            c.query_one(
                "SELECT min(next_run_time) FROM schedctl_jobs
                  WHERE NOT paused AND ended IS NULL AND NOT removed AND executor = ANY($1)",
                &[&executors],
            )?
            .try_get(0)
        })
    }

    fn heartbeat(
        &mut self,
        rerun: &mut dyn FnMut(&Abandoned) -> bool,
    ) -> Result<Vec<(Abandoned, Option<i64>)>, StoreError> {
        let reg = self.registration()?;
        let (me, host, pid) = (reg.id.id.clone(), reg.id.host.clone(), reg.id.pid as i32);
        let lease_us = reg.lease.as_micros() as i64;
        let prune = reg
            .pruned
            .is_none_or(|t| t.elapsed() > Duration::from_secs(600));
        let (inserted, found) = self.with(|c| {
            let mut tx = c.transaction()?;
            let inserted = upsert_runner(&mut tx, &me, &host, pid, lease_us)?;
            let dead = tx.query(
                "WITH dead AS (
                   DELETE FROM schedctl_runners
                    WHERE id <> $1
                      AND greatest(heartbeat, pg_postmaster_start_time())
                          + lease_us * interval '1 microsecond' < now()
                    RETURNING id, host, pid, lease_us)
                 DELETE FROM schedctl_leases l USING dead WHERE l.runner_id = dead.id
                 RETURNING l.job_id, l.fires, dead.host, dead.pid, dead.lease_us",
                &[&me],
            )?;
            let mut found = Vec::new();
            for d in &dead {
                let (job, fires, dhost, dpid, dlease): (String, Vec<i64>, String, i32, i64) =
                    (d.get(0), d.get(1), d.get(2), d.get(3), d.get(4));
                let mut a = Abandoned {
                    job: job.clone(),
                    fires: fires.clone(),
                    host: dhost.clone(),
                    pid: dpid.max(0) as u32,
                    reason: format!(
                        "its runner {dhost}:{dpid} stopped renewing its lease for more than {:.1} s (it died or was cut off)",
                        dlease as f64 / 1e6
                    ),
                    rerun: false,
                };
                let mut lease = None;
                if rerun(&a) {
                    lease = grant_rerun(&mut tx, &job, &fires, &me)?;
                    a.rerun = lease.is_some();
                }
                for f in &fires {
                    record_abandoned(&mut tx, &job, *f, &dhost, dpid, &a.reason, &me, a.rerun)?;
                }
                found.push((a, lease));
            }
            if prune {
                tx.execute(
                    "DELETE FROM schedctl_history WHERE at < now() - make_interval(days => $1)",
                    &[&HISTORY_DAYS],
                )?;
            }
            tx.commit()?;
            Ok((inserted, found))
        })?;
        let reg = self.registration()?;
        if prune {
            reg.pruned = Some(Instant::now());
        }
        reg.held.extend(found.iter().filter_map(|(_, l)| *l));
        if inserted {
            self.say("this runner had been declared dead by another runner (silent for longer than its lease time): its runs in progress were recorded as abandoned there");
        }
        Ok(found)
    }

    fn release(&mut self, lease: i64) {
        if let Some(reg) = self.runner.as_mut() {
            reg.held.remove(&lease);
        }
        let done = self.with(|c| c.execute("DELETE FROM schedctl_leases WHERE id = $1", &[&lease]));
        if done.is_err() {
            if let Some(reg) = self.runner.as_mut() {
                reg.pending.push(lease);
            }
        }
    }

    fn running(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.with(|c| {
            c.query(
                "SELECT l.job_id, coalesce(r.host || ':' || r.pid, 'a runner that is gone')
                   FROM schedctl_leases l LEFT JOIN schedctl_runners r ON r.id = l.runner_id
                  ORDER BY l.job_id, l.id",
                &[],
            )
        })?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn abandoned(&mut self, job: &str, limit: i64) -> Result<Vec<Abandoned>, StoreError> {
        let rows = self.with(|c| {
            c.query(
                "SELECT fire, host, pid, reason, rerun FROM schedctl_abandoned
                  WHERE job_id = $1 ORDER BY fire DESC, id DESC LIMIT $2",
                &[&job, &limit],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| Abandoned {
                job: job.to_owned(),
                fires: vec![r.get(0)],
                host: r.get(1),
                pid: r.get::<_, i32>(2).max(0) as u32,
                reason: r.get(3),
                rerun: r.get(4),
            })
            .collect())
    }
}

/// A new lease for an abandoned run of `job` on runner `me`, when the job has a free
/// instance (its row locked, so no claim races it).
fn grant_rerun(
    tx: &mut impl GenericClient,
    job: &str,
    fires: &[i64],
    me: &str,
) -> Result<Option<i64>, postgres::Error> {
    let rows = tx.query(
        "SELECT spec FROM schedctl_jobs WHERE id = $1 AND ended IS NULL AND NOT removed FOR UPDATE",
        &[&job],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let spec: String = row.get(0);
    let max: i64 = serde_json::from_str::<crate::store::JobSpec>(&spec)
        .map_or(1, |s| i64::from(s.max_instances));
    let running: i64 = tx
        .query_one(
            "SELECT count(*) FROM schedctl_leases WHERE job_id = $1",
            &[&job],
        )?
        .get(0);
    if running >= max {
        return Ok(None);
    }
    let row = tx.query_one(
        "INSERT INTO schedctl_leases (job_id, runner_id, fires) VALUES ($1, $2, $3) RETURNING id",
        &[&job, &me, &fires],
    )?;
    Ok(Some(row.get(0)))
}
