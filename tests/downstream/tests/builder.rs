//! A closure job through the builder, on a real scheduler: the closure gets the job id and the
//! scheduled fire time, which converts to chrono like any other `ZonedTime`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use schedctl_core::Executor;
use schedctl_runner::{JobSpec, MemoryStore, RunnerError, Scheduler};

/// What the job saw: its id and its fire time, per run.
type Seen = Arc<Mutex<Vec<(String, DateTime<FixedOffset>)>>>;

#[test]
fn a_closure_job_gets_its_id_and_fire_time() -> Result<(), RunnerError> {
    let fired: Seen = Arc::default();
    let log = fired.clone();
    let mut sched = Scheduler::new(
        vec![Executor {
            name: "default".into(),
            max_workers: 1,
        }],
        vec![],
    );
    sched.add_store("default", Box::new(MemoryStore::default()))?;
    sched.add(
        JobSpec::builder("report", "interval:seconds=1")
            .timezone("Europe/Berlin")
            .misfire_grace_time(Some(Duration::from_secs(5)))
            .closure(move |id, fire| {
                let fire = DateTime::<FixedOffset>::try_from(*fire)?;
                log.lock()
                    .map_err(|e| e.to_string())?
                    .push((id.to_owned(), fire));
                Ok(())
            }),
    )?;
    // A second job with its id is refused, as APScheduler's add_job refuses it.
    let again = sched.add(JobSpec::builder("report", "interval:seconds=1"));
    assert!(matches!(again, Err(RunnerError::Exists(id)) if id == "report"));
    sched.start();
    std::thread::sleep(Duration::from_millis(2_300));
    sched.shutdown(true);
    let fired = fired.lock().expect("no panic in the job");
    assert!(fired.len() >= 2, "{fired:?}");
    for (id, fire) in fired.iter() {
        assert_eq!(id, "report");
        // The fire is written in the job's zone: Berlin is +01:00 or +02:00.
        assert!(
            [3600, 7200].contains(&fire.offset().local_minus_utc()),
            "{fire}"
        );
    }
    // Fires are 1 s apart, as the interval says.
    for pair in fired.windows(2) {
        assert_eq!(
            (pair[1].1 - pair[0].1).num_milliseconds(),
            1000,
            "{fired:?}"
        );
    }
    Ok(())
}
