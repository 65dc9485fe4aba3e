//! Adding a job without a wall of fields: [`JobSpec::builder`] with APScheduler's defaults and
//! [`std::time::Duration`] for every span.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use schedctl_core::OnAbandon;
use schedctl_trigger::ZonedTime;

use crate::command::Action;
use crate::store::JobSpec;

/// What a closure job returns: `Ok` for a run that succeeded, any error for one that failed
/// (its `Display` becomes the `error` event's message).
pub type JobResult = Result<(), Box<dyn Error + Send + Sync>>;

/// A job under construction: the definition a job store keeps, and what the job does.
///
/// Defaults are APScheduler 3.x's `add_job` defaults: executor and job store `default`,
/// `coalesce = true`, `max_instances = 1`, `misfire_grace_time = 1 s`; the trigger is read in
/// UTC unless it names its zone or [`JobBuilder::timezone`] says otherwise. A job without an
/// action (neither [`JobBuilder::command`] nor [`JobBuilder::closure`]) does nothing when it
/// runs, which still shows its fires in events.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use schedctl_core::Executor;
/// use schedctl_runner::{JobSpec, MemoryStore, Scheduler};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// let job = JobSpec::builder("tick", "interval:seconds=1")
///     .misfire_grace_time(Some(Duration::from_secs(5)))
///     .closure(move |id, fire| {
///         log.lock().map_err(|e| e.to_string())?.push(format!("{id} {fire}"));
///         Ok(())
///     });
/// let mut sched = Scheduler::new(vec![Executor { name: "default".into(), max_workers: 2 }], vec![]);
/// sched.add_store("default", Box::new(MemoryStore::default()))?;
/// sched.add(job)?;
/// sched.start();
/// std::thread::sleep(Duration::from_millis(2_300));
/// sched.shutdown(true);
/// assert!(seen.lock().unwrap().iter().all(|line| line.starts_with("tick ")));
/// assert!(seen.lock().unwrap().len() >= 2);
/// # Ok::<(), schedctl_runner::RunnerError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until it is added with `Scheduler::add`"]
pub struct JobBuilder {
    spec: JobSpec,
    action: Option<Action>,
}

impl JobSpec {
    /// Starts a job `id` firing on `trigger` (a trigger string: `cron:hour=2 minute=30`,
    /// `interval:minutes=5`, ...), with APScheduler's defaults ([`JobBuilder`]).
    pub fn builder(id: impl Into<String>, trigger: impl Into<String>) -> JobBuilder {
        JobBuilder {
            spec: JobSpec {
                id: id.into(),
                trigger: trigger.into(),
                timezone: "UTC".into(),
                command: Vec::new(),
                executor: "default".into(),
                jobstore: "default".into(),
                coalesce: true,
                max_instances: 1,
                misfire_grace_us: Some(1_000_000),
                duration_us: 0,
                timeout_us: None,
                on_abandon: OnAbandon::default(),
            },
            action: None,
        }
    }

    /// APScheduler's `misfire_grace_time`: how late a run may start (`None`: no limit).
    pub fn misfire_grace_time(&self) -> Option<Duration> {
        self.misfire_grace_us.map(micros_to_duration)
    }

    /// How long a command may run before it is killed (`None`: no limit).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout_us.map(micros_to_duration)
    }
}

impl JobBuilder {
    /// The IANA zone the trigger is read in when it names none (checked when the job is
    /// added: an unknown zone is [`crate::RunnerError::Trigger`]).
    pub fn timezone(mut self, zone: impl Into<String>) -> Self {
        self.spec.timezone = zone.into();
        self
    }

    /// The executor (worker pool) that runs the job.
    pub fn executor(mut self, name: impl Into<String>) -> Self {
        self.spec.executor = name.into();
        self
    }

    /// The job store that keeps the job.
    pub fn jobstore(mut self, name: impl Into<String>) -> Self {
        self.spec.jobstore = name.into();
        self
    }

    /// APScheduler's `coalesce`: run once for several overdue fires (default `true`).
    pub fn coalesce(mut self, coalesce: bool) -> Self {
        self.spec.coalesce = coalesce;
        self
    }

    /// APScheduler's `max_instances`: runs of this job at once (default 1; 0 is read as 1).
    pub fn max_instances(mut self, n: u32) -> Self {
        self.spec.max_instances = n.max(1);
        self
    }

    /// APScheduler's `misfire_grace_time` (default 1 s; `None`: no limit). Sub-microsecond
    /// parts are dropped; spans past 292,000 years are read as no limit.
    pub fn misfire_grace_time(mut self, grace: Option<Duration>) -> Self {
        self.spec.misfire_grace_us = grace.and_then(duration_to_micros);
        self
    }

    /// Kill a command run after this long (default: no limit).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.spec.timeout_us = duration_to_micros(timeout);
        self
    }

    /// What a runner of a shared store does with a run its dead runner did not finish.
    pub fn on_abandon(mut self, on_abandon: OnAbandon) -> Self {
        self.spec.on_abandon = on_abandon;
        self
    }

    /// Runs a command (program and arguments, no shell) at each fire; it is stored with the
    /// job, so a runner that loads it from a persistent store runs it too.
    pub fn command<I, S>(mut self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.spec.command = argv.into_iter().map(Into::into).collect();
        self.action = None;
        self
    }

    /// Calls `f` with the job id and the scheduled fire time (in the trigger's zone) at each
    /// fire, on a worker of the job's executor. A closure is not stored: after a restart,
    /// register it again with [`crate::Scheduler::register_closure`].
    pub fn closure<F>(mut self, f: F) -> Self
    where
        F: Fn(&str, &ZonedTime) -> JobResult + Send + Sync + 'static,
    {
        self.spec.command.clear();
        self.action = Some(Action::Closure(Arc::new(f)));
        self
    }

    /// The definition and the action, for [`crate::Scheduler::add_job`].
    pub fn build(self) -> (JobSpec, Option<Action>) {
        (self.spec, self.action)
    }
}

fn micros_to_duration(micros: i64) -> Duration {
    Duration::from_micros(micros.max(0).unsigned_abs())
}

fn duration_to_micros(d: Duration) -> Option<i64> {
    i64::try_from(d.as_micros()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_apschedulers_and_durations_round_trip() {
        let (spec, action) = JobSpec::builder("a", "cron:hour=2").build();
        assert!(action.is_none());
        assert_eq!(
            (spec.coalesce, spec.max_instances, spec.executor.as_str()),
            (true, 1, "default")
        );
        assert_eq!(spec.misfire_grace_time(), Some(Duration::from_secs(1)));
        let (spec, _) = JobSpec::builder("a", "cron:hour=2")
            .misfire_grace_time(Some(Duration::from_millis(1500)))
            .timeout(Duration::from_secs(90))
            .build();
        assert_eq!(spec.misfire_grace_us, Some(1_500_000));
        assert_eq!(spec.timeout(), Some(Duration::from_secs(90)));
        let (spec, _) = JobSpec::builder("a", "cron:hour=2")
            .misfire_grace_time(Some(Duration::MAX))
            .build();
        assert_eq!(spec.misfire_grace_time(), None);
    }

    #[test]
    fn a_closure_replaces_a_command_and_the_other_way_round() {
        let (spec, action) = JobSpec::builder("a", "cron:hour=2")
            .command(["echo", "hi"])
            .closure(|_, _| Ok(()))
            .build();
        assert!(spec.command.is_empty() && matches!(action, Some(Action::Closure(_))));
        let (spec, action) = JobSpec::builder("a", "cron:hour=2")
            .closure(|_, _| Ok(()))
            .command(["echo"])
            .build();
        assert_eq!(spec.command, ["echo"]);
        assert!(action.is_none());
    }
}
