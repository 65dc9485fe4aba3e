//! The `schedctl` command line: argument parsing, rendering and exit codes.
//!
//! `main.rs` only calls [`run`]; each subcommand lives in `cmd/<name>.rs` and turns validated
//! arguments into output. This is the only crate with clap and tables.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
pub mod exit;
mod format;
mod output;
mod timearg;

/// See what your schedules will do before production.
///
/// schedctl computes fire times exactly as APScheduler 3.x does and simulates a scheduler
/// (coalescing, max_instances, misfire grace, worker pools) over any window on a virtual clock.
// Public for main.rs and the Python binding's `schedctl` command only: the command line is
// the interface, not these types.
#[doc(hidden)]
#[derive(Debug, Parser)]
#[command(name = "schedctl", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour error messages: `auto` (on a terminal, unless NO_COLOR is set),
    /// `always`, `never`
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: ColorWhen,
}

/// `--color`, as cargo and ripgrep spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    Next(cmd::next::NextArgs),
    Simulate(cmd::simulate::SimulateArgs),
    Snapshot(cmd::snapshot::SnapshotArgs),
    Check(cmd::snapshot::CheckArgs),
    Diff(cmd::snapshot::DiffArgs),
    Explain(cmd::lint::ExplainArgs),
    Lint(cmd::lint::LintArgs),
    Dst(cmd::lint::DstArgs),
    Run(cmd::run::RunArgs),
    Jobs(cmd::jobs::JobsArgs),
    Reference(cmd::reference::ReferenceArgs),
    Completions(cmd::reference::CompletionsArgs),
    Man(cmd::reference::ManArgs),
}

/// Runs the command line `args` (the program name first) and returns the exit code.
#[doc(hidden)] // For main.rs (see `Cli`).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    ExitCode::from(run_code(args))
}

/// [`run`], with the exit code as a number (the Python binding's `schedctl` command exits with
/// it through `sys.exit`).
#[doc(hidden)] // For the Python binding (crates/schedctl-py).
pub fn run_code<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    // `auto` leaves anstream's own choice: colour on a terminal unless NO_COLOR is set
    // (CLICOLOR_FORCE forces it), as cargo does.
    // Set every time: the Python binding runs several command lines in one process.
    match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto.write_global(),
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
    let stdout = std::io::stdout();
    // `run` prints events from worker threads: it must not hold the stdout lock.
    let command = match cli.command {
        Command::Run(args) => return finish(cmd::run::run_run(args, &mut std::io::stdout())),
        other => other,
    };
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = dispatch(command, &mut out);
    finish(result.and_then(|code| out.flush().map(|()| code).map_err(output::Failure::from)))
}

/// Runs one command other than `run`, its output to `out`.
fn dispatch(command: Command, out: &mut impl Write) -> output::CmdResult {
    match command {
        Command::Next(args) => cmd::next::run(args, out),
        Command::Simulate(args) => cmd::simulate::run(args, out),
        Command::Snapshot(args) => cmd::snapshot::run_snapshot(args, out),
        Command::Check(args) => cmd::snapshot::run_check(args, out),
        Command::Diff(args) => cmd::snapshot::run_diff(args, out),
        // `run` prints from worker threads, straight to stdout: `run` handles it.
        Command::Run(_) => Err(output::Failure::Input(
            "error: `schedctl run` cannot have its output captured; run the command instead\n"
                .into(),
        )),
        Command::Jobs(args) => cmd::jobs::run_jobs(args, out),
        Command::Explain(args) => cmd::lint::run_explain(args, out),
        Command::Lint(args) => cmd::lint::run_lint(args, out),
        Command::Dst(args) => cmd::lint::run_dst(args, out),
        Command::Reference(args) => cmd::reference::run_reference(args, out),
        Command::Completions(args) => cmd::reference::run_completions(args, out),
        Command::Man(args) => cmd::reference::run_man(args, out),
    }
}

/// A command's outcome with its output kept: what the Python binding's functions return.
#[doc(hidden)] // For the Python binding (crates/schedctl-py), not an API of its own.
#[derive(Debug)]
pub struct Captured {
    /// The exit code (0 ok, 1 check failed, 2 usage or input error).
    pub code: u8,
    /// What the command wrote to standard output.
    pub stdout: Vec<u8>,
    /// The error message, without colour (empty when none).
    pub error: String,
}

/// Runs the command line `args` (the program name first) with its output captured instead of
/// printed: the same parsing and commands as [`run`]. `schedctl run` is refused (it prints
/// from worker threads); notes a command writes to stderr still go there.
#[doc(hidden)] // For the Python binding (crates/schedctl-py).
pub fn run_captured<I, T>(args: I) -> Captured
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut stdout = Vec::new();
    let result = match Cli::try_parse_from(args) {
        Ok(cli) => dispatch(cli.command, &mut stdout),
        Err(e) if e.use_stderr() => Err(output::Failure::Input(e.to_string())),
        Err(e) => {
            stdout.extend_from_slice(e.to_string().as_bytes());
            Ok(exit::OK)
        }
    };
    let plain = |m: &str| anstream::adapter::strip_str(m).to_string();
    let (code, error) = match result {
        Ok(code) => (code, String::new()),
        Err(output::Failure::BrokenPipe) => (exit::OK, String::new()),
        Err(output::Failure::Io(e)) => (exit::USAGE, format!("error: cannot write output: {e}")),
        Err(output::Failure::Input(message)) => (exit::USAGE, plain(&message)),
    };
    Captured {
        code,
        stdout,
        error,
    }
}

/// The exit code of a command's result, with its error reported on stderr.
fn finish(result: output::CmdResult) -> u8 {
    match result {
        Ok(code) => code,
        Err(output::Failure::BrokenPipe) => exit::OK,
        Err(output::Failure::Io(e)) => {
            eprintln!("error: cannot write output: {e}");
            exit::USAGE
        }
        // Messages are drawn with colour; anstream removes it where colour is off.
        Err(output::Failure::Input(message)) => {
            anstream::eprint!("{message}");
            if !message.ends_with('\n') {
                anstream::eprintln!();
            }
            exit::USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
