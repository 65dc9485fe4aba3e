//! A whole simulation: the engine on a virtual clock over a window, and its results.

use schedctl_trigger::{Cursor, Instant, JitterRng, Tz, ZonedTime};

use crate::clock::{Clock, VirtualClock};
use crate::engine::{Engine, Frozen, SimError};
use crate::jobfile::JobFile;
use crate::ledger::{Counts, Entry, PoolLoad, Status};
use crate::policy::{Step, Walk};

/// The outcome of [`simulate`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Simulation {
    /// Every fire in the window, sorted by (fire instant, job id).
    pub ledger: Vec<Entry>,
    /// Per job (file order): counts per status, max lateness, peak instances.
    pub counts: Vec<Counts>,
    /// Per executor (name order).
    pub pools: Vec<PoolLoad>,
    /// The most runs in progress at once over all executors.
    pub peak_workers: u32,
    /// Where APScheduler 3.11's scheduler froze for good (CONTRACT rule 7a), if it did.
    pub frozen: Option<Frozen>,
}

/// Simulates `file` from `start` (inclusive) to `end` (exclusive) on a virtual clock, with
/// APScheduler 3.x's policy: every job is added at `start` (an interval without
/// `start_date` counts from there), wakes at its next run time, coalesces, drops at
/// `max_instances`, queues on its executor and is missed beyond its misfire grace. Jitter of
/// job `i` comes from a generator seeded with `seed` and `i`: the same inputs give the same
/// simulation. Ledger fires are written in each job's trigger zone; `start`, `end` and the
/// entries' `start`/`end` are instants.
///
/// Checks the conservation rule before returning: for every job without jitter, the fires
/// of its trigger in the window are exactly the classified ones.
///
/// Errors: [`SimError::Trigger`] when a trigger's next fire cannot be computed (past year
/// 9999, an `and` search without end); [`SimError::Conservation`] for a bug in schedctl.
/// An AndTrigger loop that freezes APScheduler 3.11 is not an error: the simulation records
/// it in [`Simulation::frozen`] and classifies the later fires as never processed.
///
/// ```
/// # use schedctl_core::{simulate, JobFile, Status};
/// # use schedctl_trigger::Instant;
/// let file = JobFile::parse(r#"
/// [[job]]
/// id = "slow"
/// trigger = "interval:minutes=10"
/// duration = "25m"
/// "#)?;
/// let sim = simulate(&file, Instant::from_unix_seconds(0), Instant::from_unix_seconds(3600), 0)?;
/// let c = &sim.counts[0];
/// assert_eq!(c.fires, 5); // 00:10 .. 00:50
/// assert_eq!(c.get(Status::Executed), 2);
/// assert_eq!(c.get(Status::Dropped), 3); // max_instances = 1 while a 25 min run is in progress
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn simulate(
    file: &JobFile,
    start: Instant,
    end: Instant,
    seed: u64,
) -> Result<Simulation, SimError> {
    simulate_with_progress(file, start, end, seed, &mut |_| {})
}

/// [`simulate`], telling `progress` the virtual time reached every 65,536 events (for a
/// progress bar; the simulation itself does not depend on it).
pub fn simulate_with_progress(
    file: &JobFile,
    start: Instant,
    end: Instant,
    seed: u64,
    progress: &mut dyn FnMut(Instant),
) -> Result<Simulation, SimError> {
    run_with(file, start, end, seed, true, progress, None)
}

/// [`simulate_with_progress`] without the ledger: counts per job, pool loads and peaks only,
/// in memory that does not grow with the window.
pub fn simulate_counts(
    file: &JobFile,
    start: Instant,
    end: Instant,
    seed: u64,
    progress: &mut dyn FnMut(Instant),
) -> Result<Simulation, SimError> {
    run_with(file, start, end, seed, false, progress, None)
}

/// [`simulate_with_progress`], handing the ledger to `emit` in ledger order while the
/// simulation runs instead of returning it: memory holds only the fires still in flight, not
/// the window. `emit` returns false to stop (say, the output was closed): the result is then
/// [`SimError::Stopped`]. The returned simulation has an empty ledger.
pub fn simulate_streaming(
    file: &JobFile,
    start: Instant,
    end: Instant,
    seed: u64,
    progress: &mut dyn FnMut(Instant),
    emit: &mut dyn FnMut(Entry) -> bool,
) -> Result<Simulation, SimError> {
    let drain = Drain {
        emit,
        first_drain: FIRST_DRAIN,
    };
    run_with(file, start, end, seed, true, progress, Some(drain))
}

/// Where a streamed ledger goes, and when to drain the engine first.
pub(crate) struct Drain<'e> {
    pub(crate) emit: &'e mut dyn FnMut(Entry) -> bool,
    pub(crate) first_drain: usize,
}

/// Held fires before the first drain; later drains wait for twice what the last one left
/// (so a long backlog in flight is not rescanned for every few fires).
const FIRST_DRAIN: usize = 4_096;

/// The simulation; the ledger is returned, or handed to `drain` as it becomes final (then
/// the returned ledger is empty).
pub(crate) fn run_with(
    file: &JobFile,
    start: Instant,
    end: Instant,
    seed: u64,
    keep_ledger: bool,
    progress: &mut dyn FnMut(Instant),
    mut drain: Option<Drain<'_>>,
) -> Result<Simulation, SimError> {
    let mut engine = Engine::new(file, start, end, seed)?;
    let mut drain_at = drain.as_ref().map_or(0, |d| d.first_drain);
    if !keep_ledger {
        engine = engine.count_only();
    }
    let mut clock = VirtualClock::new(start);
    let mut events: u32 = 0;
    while let Some(t) = engine.next_event(clock.now()) {
        clock.wait_until(t);
        engine.step(clock.now())?;
        if let Some(d) = drain.as_mut() {
            if engine.held() >= drain_at {
                if !engine.drain_ready(d.emit) {
                    return Err(SimError::Stopped);
                }
                drain_at = d.first_drain.max(2 * engine.held());
            }
        }
        events = events.wrapping_add(1);
        if events.is_multiple_of(65_536) {
            progress(clock.now());
        }
    }
    let finished = engine.finish()?;
    let mut ledger = finished.ledger;
    if let Some(d) = drain {
        for e in ledger.drain(..) {
            if !(d.emit)(e) {
                return Err(SimError::Stopped);
            }
        }
    }
    let mut counts = finished.counts;
    for (c, peak) in counts.iter_mut().zip(&finished.peak_instances) {
        c.peak_instances = *peak;
    }
    check_conservation(file, start, end, seed, &counts)?;
    Ok(Simulation {
        ledger,
        counts,
        pools: finished.pools,
        peak_workers: finished.peak_workers,
        frozen: finished.frozen,
    })
}

/// The conservation rule: fires = executed + missed + coalesced + dropped + pending, where
/// "fires" is counted independently by walking each trigger through the window.
fn check_conservation(
    file: &JobFile,
    start: Instant,
    end: Instant,
    seed: u64,
    counts: &[Counts],
) -> Result<(), SimError> {
    for (job, c) in file.jobs.iter().zip(counts) {
        let classified: u64 = Status::ALL.iter().map(|s| c.get(*s)).sum();
        let fail = |error| SimError::Trigger {
            job: job.id.clone(),
            error,
        };
        let schedule = job.trigger.schedule(start).map_err(fail)?;
        if job.trigger.jitter().is_some() || schedule.has_jitter() {
            // Jittered fires depend on the order of the draws, so a second walk would not
            // meet the same fires.
            continue;
        }
        let mut rng = JitterRng::new(seed);
        let mut now = ZonedTime::from_instant(start, Tz::Fixed(0)).map_err(|e| fail(e.into()))?;
        let mut prev = None;
        let mut fires = 0u64;
        let mut cursor = Cursor::default();
        let mut walk = Walk::default();
        loop {
            let n =
                match schedule.next_fire_time_walking(prev.as_ref(), &now, &mut rng, &mut cursor) {
                    Ok(Some(n)) => n,
                    // The fires end where the next one cannot be computed (rule 8).
                    Ok(None) => break,
                    Err(error) if error.freezes_scheduler() => break,
                    Err(error) => return Err(fail(error)),
                };
            let step = prev.map_or(Step::Fire, |p: ZonedTime| walk.step(&p, &n));
            if n.instant() >= end || step == Step::End {
                break;
            }
            if step == Step::Fire {
                fires += 1;
            }
            now = ZonedTime::from_instant(n.instant(), Tz::Fixed(0)).map_err(|e| fail(e.into()))?;
            prev = Some(n);
        }
        if fires != classified {
            return Err(SimError::Conservation {
                job: job.id.clone(),
                fires,
                classified,
            });
        }
    }
    Ok(())
}
