//! The combining triggers: APScheduler 3.11's `AndTrigger` and `OrTrigger`.
//!
//! * `or` fires at the earliest next fire of any child. Every child is handed the previous
//!   fire of the combination, so an interval child counts from the last fire of any child,
//!   and a `date:` child can only ever be the first fire. It ends when every child has ended.
//! * `and` fires when every child gives the same instant: while they disagree it asks again
//!   with `now` raised to the latest answer. It ends when any child ends.
//!
//! **APScheduler 3.11's AndTrigger loops forever** once it has a previous fire time and its
//! children disagree: given a previous fire time every 3.11 trigger ignores `now`, so raising
//! it changes no answer. schedctl reproduces every fire before that point and then returns
//! [`EvalError::AndTriggerLoops`] instead of hanging. Before the first fire, children that
//! can never agree (each answers no later than the raised `now` would allow, or their field
//! sets do not intersect) give no fire at once, where APScheduler searches to year 9999.

use std::cmp::Ordering;

use crate::cron::CronTrigger;
use crate::error::EvalError;
use crate::jitter::{wall_jitter, JitterRng};
use crate::time::ZonedTime;

/// What a combination needs of a bound child trigger.
pub(crate) trait Child {
    /// APScheduler's `get_next_fire_time(previous_fire_time, now)` of the child, spending
    /// the rounds of `and` searches nested in it from `budget`.
    fn next_fire_within(
        &self,
        prev: Option<&ZonedTime>,
        now: &ZonedTime,
        rng: &mut JitterRng,
        budget: &mut u32,
    ) -> Result<Option<ZonedTime>, EvalError>;

    /// Whether the child's first answer does not depend on `now` (a date trigger, a
    /// calendar interval: both answer their first fire, however late `now` is).
    fn ignores_now(&self) -> bool;

    /// The cron triggers whose fields every fire of the child matches (no jitter, no DST
    /// policy): a cron child itself, and the cron triggers an `and` child (or a one-trigger
    /// combination) is made of, since it fires only where they all do.
    fn cron_constraints<'a>(&'a self, out: &mut Vec<&'a CronTrigger>);
}

/// How many times one question (nested `and`s included) may raise `now` before the search is
/// given up with [`EvalError::AndSearchTooLong`] instead of searching on to year 9999.
/// APScheduler itself takes seconds for a hundred thousand rounds (and the conformance corpus
/// holds such a case, searching to year 9999 in about 100,000); 500,000 take schedctl about
/// a tenth of a second.
pub(crate) const MAX_ROUNDS: u32 = 500_000;

/// The earliest of `times` by Python's comparison, the first of equals (`min()`).
fn py_min(times: &[ZonedTime]) -> Option<ZonedTime> {
    times.iter().copied().reduce(|best, t| {
        if t.py_cmp(&best) == Ordering::Less {
            t
        } else {
            best
        }
    })
}

/// The latest of `times` by Python's comparison, the first of equals (`max()`).
fn py_max(times: &[ZonedTime]) -> Option<ZonedTime> {
    times.iter().copied().reduce(|best, t| {
        if t.py_cmp(&best) == Ordering::Greater {
            t
        } else {
            best
        }
    })
}

/// Every child's answer, asked in order (the first failure is returned, as Python's list
/// comprehension raises it); `None` for a child that has ended.
fn ask_all(
    children: &[impl Child],
    prev: Option<&ZonedTime>,
    now: &ZonedTime,
    rng: &mut JitterRng,
    budget: &mut u32,
) -> Result<Vec<Option<ZonedTime>>, EvalError> {
    children
        .iter()
        .map(|c| c.next_fire_within(prev, now, rng, budget))
        .collect()
}

/// `OrTrigger.get_next_fire_time`: the earliest answer of any child, then the jitter.
pub(crate) fn or_next(
    children: &[impl Child],
    jitter: Option<i64>,
    prev: Option<&ZonedTime>,
    now: &ZonedTime,
    rng: &mut JitterRng,
    budget: &mut u32,
) -> Result<Option<ZonedTime>, EvalError> {
    let answers: Vec<ZonedTime> = ask_all(children, prev, now, rng, budget)?
        .into_iter()
        .flatten()
        .collect();
    match py_min(&answers) {
        Some(first) => Ok(Some(wall_jitter(first, jitter, rng)?)),
        None => Ok(None),
    }
}

/// `AndTrigger.get_next_fire_time`, with its endless loop reported (see the module docs).
pub(crate) fn and_next(
    children: &[impl Child],
    jitter: Option<i64>,
    prev: Option<&ZonedTime>,
    now: &ZonedTime,
    rng: &mut JitterRng,
    budget: &mut u32,
) -> Result<Option<ZonedTime>, EvalError> {
    if prev.is_none() && !can_agree(children) {
        return Ok(None);
    }
    let mut now = *now;
    loop {
        if *budget == 0 {
            return Err(EvalError::AndSearchTooLong);
        }
        *budget -= 1;
        let answers = ask_all(children, prev, &now, rng, budget)?;
        let Some(times) = answers.into_iter().collect::<Option<Vec<_>>>() else {
            return Ok(None);
        };
        let (Some(low), Some(high)) = (py_min(&times), py_max(&times)) else {
            return Ok(None);
        };
        if low.py_eq(&high) {
            return Ok(Some(wall_jitter(times[0], jitter, rng)?));
        }
        if let Some(after) = prev {
            return Err(EvalError::AndTriggerLoops {
                after: *after,
                disagree: (low, high),
            });
        }
        // A child that answers before the raised `now` ignores `now` (a date, or a calendar
        // interval before its first fire): it gives that answer for ever, and every other
        // child answers at or after `now`, so they never agree.
        if children
            .iter()
            .zip(&times)
            .any(|(c, t)| c.ignores_now() && t.py_cmp(&high) == Ordering::Less)
        {
            return Ok(None);
        }
        now = high;
    }
}

/// False when the children can be shown never to give the same wall time: the cron triggers
/// they are bound by (see [`Child::cron_constraints`]), of one zone, have fields (or dates)
/// with nothing in common.
fn can_agree(children: &[impl Child]) -> bool {
    let mut crons = Vec::new();
    for c in children {
        c.cron_constraints(&mut crons);
    }
    if crons.len() < 2 || crons.iter().any(|c| c.zone() != crons[0].zone()) {
        return true;
    }
    crate::cron::some_common_fire(&crons)
}
