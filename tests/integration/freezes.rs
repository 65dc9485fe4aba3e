//! Where APScheduler 3.11's scheduler thread never comes back, the simulation ends with the
//! freeze recorded (CONTRACT rule 7a), never hangs: an AndTrigger loop, and a job whose
//! trigger's answers come back to an earlier run time without passing `now`.

use schedctl_core::{simulate, JobFile, Status};
use schedctl_trigger::{EvalError, IsoDateTime, Tz};

fn run(trigger: &str, from: &str, to: &str) -> schedctl_core::Simulation {
    let file = JobFile::parse(&format!(
        "timezone = \"UTC\"\n[[job]]\nid = \"x\"\ntrigger = \"{trigger}\"\n"
    ))
    .expect("a valid job file");
    let at = |t: &str| {
        IsoDateTime::parse(t)
            .expect("a time")
            .resolve(Tz::Fixed(0))
            .expect("in range")
            .instant()
    };
    simulate(&file, at(from), at(to), 0).expect("the simulation ends")
}

#[test]
fn fires_that_come_back_to_an_earlier_run_time_freeze_the_scheduler() {
    // The calendar interval answers its start date whatever `now` is; the cron child in
    // another zone answers the next minute: `or` alternates between them for ever.
    let sim = run(
        "or:[calendarinterval:days=1 start_date=2026-06-09 timezone=UTC] [cron:minute=* timezone=America/New_York]",
        "2026-06-10T00:00:00Z",
        "2026-06-10T01:00:00Z",
    );
    let frozen = sim.frozen.expect("a freeze");
    assert!(
        matches!(frozen.error, EvalError::RunTimesRepeat { .. }),
        "{:?}",
        frozen.error
    );
    assert!(frozen.error.freezes_scheduler());
    // Nothing ran; every fire of the window is pending behind the freeze.
    assert!(
        sim.ledger.iter().all(|e| e.status == Status::Pending),
        "{:?}",
        sim.ledger
    );
}

#[test]
fn an_and_trigger_loop_is_still_the_same_freeze() {
    let sim = run(
        "and:[cron:hour=*/2] [cron:hour=*/3]",
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
    );
    let frozen = sim.frozen.expect("a freeze");
    assert!(matches!(frozen.error, EvalError::AndTriggerLoops { .. }));
    // The first fire (00:00, where both agree) is collected, then the search for the next
    // loops: nothing is submitted (rule 7a).
    assert!(sim.ledger.iter().all(|e| e.status == Status::Pending));
}

#[test]
fn an_instant_answered_again_in_a_fold_freezes_once_and_ends() {
    // In the October fold, Dublin's 01:00 and UTC's 00:00 are one instant that Python's
    // comparison calls neither equal nor ordered: the `or` answers it for ever.
    let sim = run(
        "or:[cron:hour=1 minute=*/30 timezone=Europe/Dublin] [cron:hour=0 minute=0 timezone=UTC]",
        "2026-10-24T23:00:00Z",
        "2026-10-25T02:00:00Z",
    );
    assert!(sim.frozen.is_some());
    assert_eq!(sim.ledger.len(), 1, "{:?}", sim.ledger);
}

#[test]
fn a_backlog_with_one_instant_written_twice_counts_it_once() {
    // Dublin's gap wall time 01:00 (01:00Z) and then 02:00 IST (01:00Z again): one fire, as the
    // scheduler collects it at its wake-up; conservation holds.
    let sim = run(
        "or:[cron:hour=1-3 minute=*/10 second=0 timezone=Europe/Dublin] [date:run_date=2026-03-29T00:00:00+00:00 timezone=UTC]",
        "2026-03-30T00:00:00Z",
        "2026-03-31T00:00:00Z",
    );
    assert!(sim.frozen.is_none());
    assert_eq!(sim.counts[0].fires, 31);
}
