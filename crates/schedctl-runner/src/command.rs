//! Command execution: what a job does when it runs, and running it.
//!
//! A command runs without a shell, in its own process group, its stdin on the null device and
//! its stdout and stderr as the scheduler's [`Output`] says; a timeout kills the whole group, so
//! everything the command started ends with it. Its environment tells it which fire it runs
//! for (`SCHEDCTL_JOB_ID`, `SCHEDCTL_FIRE_TIME`, ...).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use schedctl_trigger::{Instant, ZonedTime};

use crate::output::{connect, Output, RunOutput};

/// A command to run: argv (no shell), working directory, environment, optional timeout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandSpec {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Working directory (default: the runner's).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Kill the command after this long.
    pub timeout: Option<Duration>,
}

/// A Rust function to run (for library users): called with the job id and the scheduled fire
/// time (in the trigger's zone); an error fails the run with its `Display` as the message.
pub type Closure = Arc<dyn Fn(&str, &ZonedTime) -> crate::JobResult + Send + Sync>;

/// What a job does when it runs.
#[derive(Clone)]
pub enum Action {
    /// Run a command.
    Command(CommandSpec),
    /// Call a function.
    Closure(Closure),
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Command(c) => write!(f, "Command({:?})", c.argv),
            Action::Closure(_) => f.write_str("Closure"),
        }
    }
}

/// Kills a command started in its own process group, with everything it started.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The command leads its own process group: SIGKILL to the group takes its children
        // too (rustix's safe killpg; this crate forbids unsafe code).
        let group = rustix::process::Pid::from_child(child);
        let signal = rustix::process::Signal::KILL;
        if rustix::process::kill_process_group(group, signal).is_ok() {
            return;
        }
    }
    let _ = child.kill();
}

/// The run a command is started for: what its `SCHEDCTL_*` variables say.
pub(crate) struct RunContext<'a> {
    /// The job id.
    pub(crate) job: &'a str,
    /// The scheduled fire time, canonical in the trigger's zone (as events show it).
    pub(crate) fire: &'a ZonedTime,
    /// When the worker started the run.
    pub(crate) start: Instant,
    /// How many fire times the run stands for: 1, plus the overdue fires coalesced into it.
    pub(crate) run_times: usize,
}

/// Microseconds as decimal seconds: `12`, `0.004632`, `-1.5`.
fn decimal_seconds(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let (secs, frac) = (
        micros.unsigned_abs() / 1_000_000,
        micros.unsigned_abs() % 1_000_000,
    );
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        let frac = format!("{frac:06}");
        format!("{sign}{secs}.{}", frac.trim_end_matches('0'))
    }
}

/// The variables that tell a command which fire it runs for.
pub(crate) fn run_env(ctx: &RunContext<'_>) -> [(&'static str, String); 5] {
    let fire = ctx.fire.instant().unix_micros();
    [
        // An environment variable cannot hold NUL, a job id can.
        ("SCHEDCTL_JOB_ID", ctx.job.replace('\0', "\u{FFFD}")),
        ("SCHEDCTL_FIRE_TIME", ctx.fire.to_string()),
        ("SCHEDCTL_FIRE_TIME_UNIX", decimal_seconds(fire)),
        (
            "SCHEDCTL_LATENESS_SECONDS",
            decimal_seconds(ctx.start.unix_micros() - fire),
        ),
        ("SCHEDCTL_RUN_TIMES", ctx.run_times.to_string()),
    ]
}

/// How a run ended (`Ok(exit code)` when it succeeded, `Err(why, exit code)` when not), and
/// what its command wrote.
pub(crate) struct RunResult {
    pub(crate) outcome: Result<Option<i32>, (String, Option<i32>)>,
    pub(crate) output: Option<RunOutput>,
}

impl From<Result<Option<i32>, (String, Option<i32>)>> for RunResult {
    fn from(outcome: Result<Option<i32>, (String, Option<i32>)>) -> RunResult {
        RunResult {
            outcome,
            output: None,
        }
    }
}

/// Runs an action for the run `ctx`, its command's output going where `output` says.
pub(crate) fn run_action(action: &Action, ctx: &RunContext<'_>, output: &Output) -> RunResult {
    match action {
        Action::Closure(f) => f(ctx.job, ctx.fire)
            .map(|()| None)
            .map_err(|e| (e.to_string(), None))
            .into(),
        Action::Command(spec) => run_command(spec, ctx, output),
    }
}

fn run_command(spec: &CommandSpec, ctx: &RunContext<'_>, output: &Output) -> RunResult {
    let Some((program, args)) = spec.argv.split_first() else {
        return Ok(None).into();
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).stdin(std::process::Stdio::null());
    if let Some(dir) = &spec.cwd {
        cmd.current_dir(dir);
    }
    for (k, v) in run_env(ctx) {
        cmd.env(k, v);
    }
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    // Its own process group: a timeout kills the command and everything it started
    // (`sh -c "a; b"`), and a Ctrl-C at the terminal reaches the runner, which decides.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let connected = match connect(&mut cmd, output) {
        Ok(c) => c,
        Err(e) => return Err((format!("cannot start `{program}`: output pipe: {e}"), None)).into(),
    };
    let spawned = cmd.spawn();
    // The command holds the parent's copy of the pipe's writing end: without dropping it, the
    // readers would never see the end of the output.
    drop(cmd);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return Err((format!("cannot start `{program}`: {e}"), None)).into(),
    };
    let readers = connected.start(&mut child, ctx.job, ctx.fire);
    let outcome = wait(&mut child, program, spec.timeout);
    RunResult {
        outcome,
        output: readers.map(|r| r.finish()),
    }
}

/// Waits for a started command, killing its group past `timeout`.
fn wait(
    child: &mut std::process::Child,
    program: &str,
    timeout: Option<Duration>,
) -> Result<Option<i32>, (String, Option<i32>)> {
    let status = match timeout {
        Some(limit) => match wait_timeout::ChildExt::wait_timeout(child, limit) {
            Ok(Some(status)) => status,
            Ok(None) => {
                kill_group(child);
                let _ = child.wait();
                return Err((
                    format!(
                        "`{program}` timed out after {} s and was killed",
                        limit.as_secs_f64()
                    ),
                    None,
                ));
            }
            Err(e) => return Err((format!("waiting for `{program}`: {e}"), None)),
        },
        None => child
            .wait()
            .map_err(|e| (format!("waiting for `{program}`: {e}"), None))?,
    };
    if status.success() {
        Ok(status.code())
    } else {
        let message = match status.code() {
            Some(code) => format!("`{program}` exited with status {code}"),
            None => format!("`{program}` was killed by a signal"),
        };
        Err((message, status.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schedctl_trigger::Tz;

    fn capture(name: &str, argv: &[&str], timeout: Option<Duration>) -> (RunResult, Duration) {
        let dir =
            std::env::temp_dir().join(format!("schedctl-command-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let spec = CommandSpec {
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            timeout,
            ..CommandSpec::default()
        };
        let now = Instant::from_unix_seconds(1_795_000_000);
        let fire = ZonedTime::from_instant(now, Tz::utc()).expect("in range");
        let ctx = RunContext {
            job: name,
            fire: &fire,
            start: now,
            run_times: 1,
        };
        let started = std::time::Instant::now();
        let result = run_action(
            &Action::Command(spec),
            &ctx,
            &Output::Capture { dir, keep: 3 },
        );
        (result, started.elapsed())
    }

    #[test]
    fn a_timeout_still_kills_the_group_while_output_is_read() {
        let (result, took) = capture(
            "timeout",
            &["sh", "-c", "echo started; sleep 30 & sleep 30"],
            Some(Duration::from_millis(300)),
        );
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(result.outcome.is_err_and(|(m, _)| m.contains("timed out")));
        let output = result.output.expect("captured");
        assert_eq!(output.tail, "started");
        let file = output.file.expect("a file");
        assert_eq!(std::fs::read_to_string(file).expect("read"), "started\n");
    }

    #[test]
    fn a_process_left_running_with_the_output_does_not_hold_the_run() {
        let (result, took) = capture("background", &["sh", "-c", "sleep 10 & echo done"], None);
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(result.outcome, Ok(Some(0)));
        assert_eq!(result.output.expect("captured").tail, "done");
    }

    #[test]
    fn the_environment_tells_the_fire() {
        let (result, _) = capture(
            "env",
            &[
                "sh",
                "-c",
                "echo \"$SCHEDCTL_JOB_ID $SCHEDCTL_FIRE_TIME $SCHEDCTL_FIRE_TIME_UNIX $SCHEDCTL_LATENESS_SECONDS $SCHEDCTL_RUN_TIMES\"",
            ],
            None,
        );
        assert_eq!(
            result.output.expect("captured").tail,
            "env 2026-11-18T11:06:40+00:00 1795000000 0 1"
        );
    }

    #[test]
    fn seconds_are_written_as_decimals() {
        assert_eq!(decimal_seconds(0), "0");
        assert_eq!(decimal_seconds(1_795_000_000_000_000), "1795000000");
        assert_eq!(decimal_seconds(1_795_000_000_250_000), "1795000000.25");
        assert_eq!(decimal_seconds(4_632), "0.004632");
        assert_eq!(decimal_seconds(-1_500_000), "-1.5");
    }
}
