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
