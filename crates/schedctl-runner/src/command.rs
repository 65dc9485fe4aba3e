//! Command execution: what a job does when it runs, and running it.
//!
//! A command runs without a shell, in its own process group, its stdin, stdout and stderr on
//! the null device; a timeout kills the whole group, so everything the command started ends
//! with it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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

/// A Rust function to run (for library users).
pub type Closure = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

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
        // `kill -KILL -- -PGID`: std has no killpg, and this crate forbids unsafe code.
        let group = format!("-{}", child.id());
        let killed = std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if killed {
            return;
        }
    }
    let _ = child.kill();
}

/// Runs an action; `Ok(exit code)` when it succeeded, `Err(why)` when not.
pub(crate) fn run_action(action: &Action) -> Result<Option<i32>, (String, Option<i32>)> {
    match action {
        Action::Closure(f) => f().map(|()| None).map_err(|m| (m, None)),
        Action::Command(spec) => {
            let Some((program, args)) = spec.argv.split_first() else {
                return Ok(None);
            };
            let mut cmd = std::process::Command::new(program);
            cmd.args(args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            if let Some(dir) = &spec.cwd {
                cmd.current_dir(dir);
            }
            for (k, v) in &spec.env {
                cmd.env(k, v);
            }
            // Its own process group: a timeout kills the command and everything it started
            // (`sh -c "a; b"`), and a Ctrl-C at the terminal reaches the runner, which decides.
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            let mut child = cmd
                .spawn()
                .map_err(|e| (format!("cannot start `{program}`: {e}"), None))?;
            let status = match spec.timeout {
                Some(limit) => match wait_timeout::ChildExt::wait_timeout(&mut child, limit) {
                    Ok(Some(status)) => status,
                    Ok(None) => {
                        kill_group(&mut child);
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
    }
}
