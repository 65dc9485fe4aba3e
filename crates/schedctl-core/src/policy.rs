//! The decisions APScheduler 3.x makes for one job, shared by the simulation ([`crate::Engine`])
//! and the real runner, so that the two cannot disagree.
//!
//! * At a wake-up, a due job collects every run time up to now ([`wake_job`]); with `coalesce`
//!   only the last is kept; if the job already has `max_instances` runs in progress the kept
//!   run times are dropped; the next run time is the first fire after the last run time.
//! * When a worker is about to start a run time, it is missed if it is later than the job's
//!   `misfire_grace_time` ([`start_decision`]).

use schedctl_trigger::{Cursor, EvalError, Instant, JitterRng, Schedule, Tz, ZonedTime};
use smallvec::SmallVec;

use crate::duration::Micros;
use crate::jobfile::Job;

/// The run times of one task, oldest first: a slice (`w.kept.len()`, `w.kept.last()`,
/// `for t in &w.kept`). Almost always one, kept inline so that a wake-up allocates nothing;
/// the inline storage is an implementation detail, not part of the API.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunTimes(SmallVec<[ZonedTime; 1]>);

impl RunTimes {
    pub(crate) fn new() -> RunTimes {
        RunTimes(SmallVec::new())
    }

    pub(crate) fn push(&mut self, t: ZonedTime) {
        self.0.push(t);
    }

    /// Removes the first `n` run times, oldest first.
    pub(crate) fn take_first(&mut self, n: usize) -> Vec<ZonedTime> {
        self.0.drain(..n).collect()
    }
}

impl std::ops::Deref for RunTimes {
    type Target = [ZonedTime];

    fn deref(&self) -> &[ZonedTime] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a RunTimes {
    type Item = &'a ZonedTime;
    type IntoIter = std::slice::Iter<'a, ZonedTime>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// How many answers that do not move forward one collection of run times takes before it is
/// reported as APScheduler's endless loop ([`EvalError::RunTimesRepeat`]).
const MAX_BACKWARD_STEPS: u32 = 100_000;

/// A walk through a job's fires (rule 8's count of fires, and the pending fires after a freeze
/// or past the window): the same steps for both, so that conservation holds.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    same: u32,
}

/// One step of a [`Walk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A fire after the previous one.
    Fire,
    /// The previous fire's instant again, written in another zone or the other side of a DST
    /// change (Python's comparison of the two is false both ways): one fire, not two, as the
    /// scheduler, asking with `now` at its wake-up, collects it once.
    Repeat,
    /// The walk ends: a step back in time, an answer equal to the previous one (a trigger is a
    /// function of its previous fire: it would repeat for ever), or more than
    /// [`MAX_SAME_INSTANT`] answers at one instant (APScheduler's own walk never leaves it).
    End,
}

/// How many answers in a row at one instant a walk takes before it ends.
const MAX_SAME_INSTANT: u32 = 2;

impl Walk {
    /// The step from `prev` to `next`, the trigger's answer after it.
    pub(crate) fn step(&mut self, prev: &ZonedTime, next: &ZonedTime) -> Step {
        if next.instant() != prev.instant() {
            self.same = 0;
            return if next.instant() < prev.instant() {
                Step::End
            } else {
                Step::Fire
            };
        }
        self.same += 1;
        if next == prev || self.same > MAX_SAME_INSTANT {
            Step::End
        } else {
            Step::Repeat
        }
    }
}

/// What a wake-up decides for one due job.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wakeup {
    /// Overdue run times merged into the last one (coalesce), oldest first.
    pub coalesced: Vec<ZonedTime>,
    /// The run times to run (one task), or to drop when `dropped`; almost always one, kept
    /// inline so that a wake-up allocates nothing.
    pub kept: RunTimes,
    /// `max_instances` runs were in progress: `kept` is dropped, nothing is queued.
    pub dropped: bool,
    /// The job's next run time (none: the trigger is done).
    pub next: Option<ZonedTime>,
}

/// APScheduler's processing of a due job at `now`: `next` is its next run time (at or before
/// `now`), `running` its runs in progress. `now` is read in UTC, as the scheduler loop does.
/// `cursor` is the job's walk through its fires (see [`Cursor`]): keep one per job.
///
/// Errors: the [`EvalError`] of the trigger when a next run time cannot be computed.
// Inlined into each caller: its result then stays in registers instead of being stored
// field by field and reloaded whole (a store-forwarding stall per wake-up).
#[inline(always)]
pub fn wake_job(
    job: &Job,
    schedule: &Schedule,
    next: ZonedTime,
    running: u32,
    now: Instant,
    rng: &mut JitterRng,
    cursor: &mut Cursor,
) -> Result<Wakeup, EvalError> {
    let now_utc = ZonedTime::from_instant(now, Tz::Fixed(0))?;
    let mut run_times = RunTimes::new();
    let mut upcoming = Some(next);
    let mut backward = 0u32;
    while let Some(n) = upcoming {
        let at = n.instant();
        if at > now {
            break;
        }
        // One run time per instant, as a walk counts fires ([`Walk`]): the same instant
        // answered again in another zone (or the other side of a DST change) is the run time
        // already collected.
        if run_times.last().is_none_or(|l| l.instant() != at) {
            run_times.push(n);
        }
        upcoming = schedule.next_fire_time_walking(Some(&n), &now_utc, rng, cursor)?;
        // APScheduler's Job._get_run_times asks on while the answer is not after `now`. An
        // answer that does not move forward and is a run time already collected starts the
        // same answers again (a trigger is a function of the previous fire): APScheduler
        // loops there for ever. Only a step that does not move forward is checked, so the
        // usual walk stays linear; a walk that keeps going back without repeating is cut at
        // MAX_BACKWARD_STEPS, where APScheduler would walk back to year 1.
        if let Some(c) = upcoming.filter(|c| c.instant() <= at) {
            backward += 1;
            let repeats = !schedule.has_jitter() && run_times.contains(&c);
            if repeats || backward > MAX_BACKWARD_STEPS {
                return Err(EvalError::RunTimesRepeat { again: c });
            }
        }
    }
    let Some(&last) = run_times.last() else {
        return Ok(Wakeup {
            coalesced: Vec::new(),
            kept: RunTimes::new(),
            dropped: false,
            next: Some(next),
        });
    };
    let coalesced = if job.coalesce && run_times.len() > 1 {
        run_times.take_first(run_times.len() - 1)
    } else {
        Vec::new()
    };
    // APScheduler asks the trigger again for the fire after the last run time. Without jitter
    // the answer is the one the loop just got (same previous fire, same `now`); with jitter
    // it is a new draw.
    let next = if schedule.has_jitter() || upcoming.is_none() {
        schedule.next_fire_time_walking(Some(&last), &now_utc, rng, cursor)?
    } else {
        upcoming
    };
    Ok(Wakeup {
        coalesced,
        kept: run_times,
        dropped: running >= job.max_instances,
        next,
    })
}

/// What a worker does with a run time when it would start it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartDecision {
    /// Run it; it starts `late` after its fire time.
    Run {
        /// The start minus the run time.
        late: Micros,
    },
    /// Skip it: `late` is beyond the job's misfire grace `grace`.
    Missed {
        /// The start minus the run time.
        late: Micros,
        /// The job's `misfire_grace_time`, which `late` exceeds.
        grace: Micros,
    },
}

/// Whether a run time of `job` due at `run_time` may start at `start`.
pub fn start_decision(job: &Job, run_time: Instant, start: Instant) -> StartDecision {
    let late = Micros::from_micros(start.unix_micros() - run_time.unix_micros());
    match job.misfire_grace_time {
        Some(grace) if late > grace => StartDecision::Missed { late, grace },
        _ => StartDecision::Run { late },
    }
}

#[cfg(test)]
mod tests {
    use schedctl_trigger::{Instant, Tz, Zone, ZonedTime};

    use super::{Step, Walk};

    fn at(micros: i64, zone: &str) -> ZonedTime {
        let tz = Tz::Zone(Zone::get(zone).expect("bundled"));
        ZonedTime::from_instant(Instant::from_unix_micros(micros), tz).expect("in range")
    }

    #[test]
    fn a_walk_counts_one_fire_per_instant_and_ends_where_it_cannot_go_on() {
        let mut walk = Walk::default();
        let (a, b) = (at(0, "UTC"), at(60_000_000, "UTC"));
        assert_eq!(walk.step(&a, &b), Step::Fire);
        // The same instant in another zone: one fire, not two.
        let b_dublin = at(60_000_000, "Europe/Dublin");
        assert_ne!(b, b_dublin);
        assert_eq!(walk.step(&b, &b_dublin), Step::Repeat);
        // Forward again resets the count of answers at one instant.
        let c = at(120_000_000, "UTC");
        assert_eq!(walk.step(&b_dublin, &c), Step::Fire);
        // The very answer it was given: it would repeat for ever.
        assert_eq!(walk.step(&c, &c), Step::End);
        // A step back in time.
        assert_eq!(Walk::default().step(&c, &a), Step::End);
        // Answers alternating between two zones at one instant end after MAX_SAME_INSTANT.
        let mut walk = Walk::default();
        let c_dublin = at(120_000_000, "Europe/Dublin");
        assert_eq!(walk.step(&c, &c_dublin), Step::Repeat);
        assert_eq!(walk.step(&c_dublin, &c), Step::Repeat);
        assert_eq!(walk.step(&c, &c_dublin), Step::End);
    }
}
