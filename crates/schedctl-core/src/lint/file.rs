//! Lints of a whole job file: each job's trigger lints, then what a simulation of the window
//! shows — runs dropped or missed, each miss by its cause, and crowded instants.
//!
//! The simulation's ledger is read as it streams out (in ledger order: fire instant, then job
//! id), into counts per job and the fires of one instant at a time, so memory is bounded by
//! the number of jobs, never by the window.

use schedctl_trigger::{Instant, Tz, ZonedTime};

use super::code::{Lint, LintCode};
use super::trigger::lint_trigger;
use super::walk::{fires, min_gap};
use crate::duration::Micros;
use crate::engine::SimError;
use crate::jobfile::{Job, JobFile};
use crate::ledger::{Entry, Rule, Status};
use crate::simulate::simulate_streaming;

/// Why a run was missed: the part of its lateness that passed the grace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    /// The fire lies before the window's start (a past run date or start_date): processed at
    /// the start.
    BeforeStart,
    /// The scheduler handed it to the pool late: it was paused, or down (`[[pause]]`).
    Paused,
    /// It waited in the executor's queue for a free worker.
    PoolBusy,
    /// It waited behind earlier run times of the same task (`coalesce = false`).
    SameTask,
}

/// What the ledger showed for one job.
#[derive(Clone, Debug, Default)]
struct JobStats {
    /// Per cause: how many runs were missed, and the worst lateness.
    missed: [(u64, Micros); 4],
    /// The longest queue wait of a missed run.
    worst_queue: Micros,
    dropped: u64,
    dropped_running: u32,
}

/// The fires of one instant per executor, for the crowded-instant lint.
struct Crowding {
    at: Option<Instant>,
    per_executor: Vec<usize>,
    first: Vec<Option<(Instant, usize)>>,
}

impl Crowding {
    fn see(&mut self, file: &JobFile, e: &Entry) {
        let at = e.fire.instant();
        if self.at != Some(at) {
            self.flush(file);
            self.at = Some(at);
        }
        self.per_executor[file.jobs[e.job].executor] += 1;
    }

    /// Closes the current instant: an executor with more fires than workers is remembered
    /// (its first such instant only).
    fn flush(&mut self, file: &JobFile) {
        let Some(at) = self.at else { return };
        for (exec, count) in self.per_executor.iter_mut().enumerate() {
            if *count > file.executors[exec].max_workers as usize && self.first[exec].is_none() {
                self.first[exec] = Some((at, *count));
            }
            *count = 0;
        }
    }
}

fn cause(rule: &Rule, fire: Instant, from: Instant) -> Option<(Cause, Micros, Micros)> {
    let Rule::LateBeyondGrace {
        late,
        grace,
        woke_late,
        queued,
    } = *rule
    else {
        return None;
    };
    let cause = if fire < from {
        Cause::BeforeStart
    } else if woke_late > grace {
        Cause::Paused
    } else if woke_late.as_micros() + queued.as_micros() > grace.as_micros() {
        Cause::PoolBusy
    } else {
        Cause::SameTask
    };
    Some((cause, late, queued))
}

/// Lints every job of a file over `[from, to)`: its trigger lints, then what a simulation of
/// the window shows (seed 0 for jitter), such as runs dropped at `max_instances` or missed
/// for a misfire grace shorter than the wait for a worker.
///
/// Errors: the [`SimError`] of the simulation (see [`crate::simulate`]).
///
/// ```
/// use schedctl_core::lint::{lint_file, LintCode};
/// use schedctl_core::JobFile;
/// use schedctl_trigger::Instant;
///
/// let file = JobFile::parse(r#"
/// [[job]]
/// id = "slow"
/// trigger = "interval:minutes=10 start_date=1970-01-01T00:00:00"
/// duration = "25m"
/// "#)?;
/// let lints = lint_file(&file, Instant::from_unix_seconds(0), Instant::from_unix_seconds(86_400))?;
/// let overrun = lints.iter().find(|l| l.code == LintCode::Overrun).expect("an overrun lint");
/// assert_eq!(overrun.job.as_deref(), Some("slow"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lint_file(file: &JobFile, from: Instant, to: Instant) -> Result<Vec<Lint>, SimError> {
    let mut stats = vec![JobStats::default(); file.jobs.len()];
    let mut crowding = Crowding {
        at: None,
        per_executor: vec![0; file.executors.len()],
        first: vec![None; file.executors.len()],
    };
    let mut emit = |e: Entry| {
        crowding.see(file, &e);
        let s = &mut stats[e.job];
        match e.status {
            Status::Missed => {
                if let Some((c, late, queued)) = cause(&e.rule, e.fire.instant(), from) {
                    let slot = &mut s.missed[c as usize];
                    slot.0 += 1;
                    slot.1 = slot.1.max(late);
                    if c == Cause::PoolBusy {
                        s.worst_queue = s.worst_queue.max(queued);
                    }
                }
            }
            Status::Dropped => {
                s.dropped += 1;
                if let Rule::MaxInstances { running } = e.rule {
                    s.dropped_running = s.dropped_running.max(running);
                }
            }
            _ => {}
        }
        true
    };
    simulate_streaming(file, from, to, 0, &mut |_| {}, &mut emit)?;
    crowding.flush(file);

    let mut out = Vec::new();
    for (job, s) in file.jobs.iter().zip(&stats) {
        out.extend(lint_trigger(
            &job.trigger_text,
            &job.trigger,
            Some(&job.id),
            from,
            to,
        ));
        out.extend(job_lints(file, job, s, from, to));
    }
    for (exec, first) in crowding.first.iter().enumerate() {
        if let Some((instant, count)) = first {
            let workers = file.executors[exec].max_workers;
            let when = ZonedTime::from_instant(*instant, Tz::Zone(file.timezone))
                .map_or_else(|_| "?".into(), |t| t.to_string());
            out.push(Lint {
                code: LintCode::Crowded,
                job: None,
                field: "max_workers",
                message: format!(
                    "{count} jobs fire at {when} on executor `{}`, which has {workers} workers (first such instant)",
                    file.executors[exec].name
                ),
                fix: "spread the jobs over the minute/hour, or add workers".into(),
            });
        }
    }
    Ok(out)
}

/// The lints of one job from its trigger's period and what the simulation did to its fires.
fn job_lints(file: &JobFile, job: &Job, s: &JobStats, from: Instant, to: Instant) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut push = |code, field, message: String, fix: String| {
        out.push(Lint {
            code,
            job: Some(job.id.clone()),
            field,
            message,
            fix,
        });
    };
    // A run as long as the period ends as the next fire comes, and task completions come
    // first at an instant: only a longer run overlaps the next fire. Runs that are missed take
    // no time, so the simulation has the last word on whether fires were dropped.
    let overrun = min_gap(&fires(&job.trigger, from, to))
        .filter(|gap| job.max_instances == 1 && job.duration > *gap && s.dropped > 0);
    if let Some(gap) = overrun {
        push(
            LintCode::Overrun,
            "duration",
            format!("a run takes {} but fires come every {gap}: with max_instances = 1 fires are dropped", job.duration),
            "raise max_instances, shorten the run, or fire less often".into(),
        );
    } else if s.dropped > 0 {
        push(
            LintCode::Overrun,
            "max_instances",
            format!(
                "{} fires dropped: max_instances = {} runs were still in progress",
                s.dropped, s.dropped_running
            ),
            "raise max_instances, or shorten the run".into(),
        );
    }
    let Some(grace) = job.misfire_grace_time else {
        return out;
    };
    let executor = &file.executor_of(job).name;
    for (i, (count, worst)) in s.missed.iter().enumerate() {
        if *count == 0 {
            continue;
        }
        let (code, message, fix) = match i {
            0 => (
                LintCode::MissedBeforeStart,
                format!("{count} runs missed: their fires lie before the start (a run date or start_date in the past), and APScheduler processed them at the start, up to {worst} late, beyond the {grace} grace"),
                "move the run date or start_date to the start or later, or raise misfire_grace_time".to_owned(),
            ),
            1 => (
                LintCode::MissedAfterPause,
                format!("{count} fires fell while the scheduler was paused or down and ran up to {worst} late at its return, beyond the {grace} grace"),
                format!("raise misfire_grace_time above {worst} (or \"none\") if they must still run after an outage; with coalesce = true they run once"),
            ),
            2 => (
                LintCode::GraceTooShort,
                format!("{count} runs missed: they waited up to {} for a worker of `{executor}`, beyond the {grace} grace", s.worst_queue),
                format!("add workers to `{executor}`, or raise misfire_grace_time above {worst}"),
            ),
            _ => (
                LintCode::MissedInBatch,
                format!("{count} runs of an overdue batch (coalesce = false) ran one after another and the later ones passed the {grace} grace (up to {worst} late)"),
                "set coalesce = true to run an overdue batch once, or raise misfire_grace_time".to_owned(),
            ),
        };
        push(code, "misfire_grace_time", message, fix);
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;

    const FROM: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn file_codes(text: &str) -> Vec<LintCode> {
        let file = JobFile::parse(text).expect("valid");
        let (from, to) = (
            Instant::from_unix_seconds(FROM),
            Instant::from_unix_seconds(FROM + 86_400),
        );
        lint_file(&file, from, to)
            .expect("simulates")
            .into_iter()
            .map(|l| l.code)
            .collect()
    }

    #[test]
    fn each_job_lint_fires_and_stays_quiet() {
        let base = "[[job]]\nid = \"a\"\ntrigger = \"interval:minutes=5 start_date=2026-01-01\"\n";
        assert!(file_codes(&format!("{base}duration = \"1m\"\n")).is_empty());
        // A run as long as the period ends as the next fire comes: nothing is dropped.
        assert!(file_codes(&format!("{base}duration = \"5m\"\n")).is_empty());
        assert_eq!(
            file_codes(&format!("{base}duration = \"6m\"\n")),
            vec![LintCode::Overrun]
        );
        assert!(file_codes(&format!("{base}duration = \"6m\"\nmax_instances = 2\n")).is_empty());
        // Runs that are all missed (a pool too small) take no time and drop nothing.
        // (`b` waits 25 minutes for `a` every hour, beyond its grace.)
        let missed = "[executor]\nmax_workers = 1\n[[job]]\nid = \"a\"\ntrigger = \"cron:minute=0\"\nduration = \"25m\"\n[[job]]\nid = \"b\"\ntrigger = \"cron:minute=0\"\nduration = \"3h\"\n";
        assert!(
            !file_codes(missed).contains(&LintCode::Overrun),
            "{:?}",
            file_codes(missed)
        );
        let queued = "[executor]\nmax_workers = 1\n[[job]]\nid = \"a\"\ntrigger = \"cron:minute=0\"\nduration = \"10m\"\n[[job]]\nid = \"b\"\ntrigger = \"cron:minute=0\"\nduration = \"10m\"\n";
        let c = file_codes(queued);
        assert!(
            c.contains(&LintCode::GraceTooShort) && c.contains(&LintCode::Crowded),
            "{c:?}"
        );
        let roomy = queued.replace("max_workers = 1", "max_workers = 2");
        assert!(file_codes(&roomy).is_empty());
    }

    /// Misses are told apart by cause: a pause, a run date before the start, a batch run one
    /// after another; none of them blames the pool, whose one worker sat idle.
    #[test]
    fn misses_are_grouped_by_their_cause() {
        let paused =
            "[executor]\nmax_workers = 1\n[[job]]\nid = \"daily\"\ntrigger = \"cron:hour=6\"\n\
            [[pause]]\nfrom = \"2026-01-01T05:59:00\"\nto = \"2026-01-01T06:30:00\"\n";
        assert_eq!(file_codes(paused), vec![LintCode::MissedAfterPause]);
        let outage =
            "[[job]]\nid = \"tick\"\ntrigger = \"interval:seconds=30 start_date=2026-01-01\"\n\
            [[pause]]\nfrom = \"2026-01-01T10:00:00\"\nto = \"2026-01-01T10:01:45\"\n";
        assert_eq!(file_codes(outage), vec![LintCode::MissedAfterPause]);
        let past = "[[job]]\nid = \"once\"\ntrigger = \"date:run_date=2020-01-01T00:00:00\"\n";
        // The trigger lint says what APScheduler does with the past run date, the file lint
        // what happened to it.
        assert_eq!(
            file_codes(past),
            vec![LintCode::DateBeforeWindow, LintCode::MissedBeforeStart]
        );
        // 10:00:10, :20 and :30 fall in the pause; at 10:00:36 the batch runs one by one: :10
        // is 26 s late (the pause), :20 runs 15 s, so :30 starts 21 s late (the batch).
        let batch =
            "[[job]]\nid = \"b\"\ntrigger = \"interval:seconds=10 start_date=2026-01-01\"\n\
            duration = \"15s\"\ncoalesce = false\nmax_instances = 3\nmisfire_grace_time = \"20s\"\n\
            [[pause]]\nfrom = \"2026-01-01T10:00:01\"\nto = \"2026-01-01T10:00:36\"\n";
        assert_eq!(
            file_codes(batch),
            vec![LintCode::MissedAfterPause, LintCode::MissedInBatch]
        );
        // The grace-too-short lint stays for a pool that really is too small (see above), and
        // names the longest queue wait.
        let queued = "[executor]\nmax_workers = 1\n[[job]]\nid = \"a\"\ntrigger = \"cron:minute=0\"\nduration = \"10m\"\n[[job]]\nid = \"b\"\ntrigger = \"cron:minute=0\"\nduration = \"10m\"\n";
        let file = JobFile::parse(queued).expect("valid");
        let from = Instant::from_unix_seconds(FROM);
        let lints = lint_file(&file, from, from.add_micros(3_600_000_000)).expect("simulates");
        let grace = lints
            .iter()
            .find(|l| l.code == LintCode::GraceTooShort)
            .expect("grace-too-short");
        assert!(
            grace
                .message
                .contains("waited up to 10m for a worker of `default`"),
            "{}",
            grace.message
        );
    }
}
