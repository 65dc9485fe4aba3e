//! How a command fails, and terminal detection.

use std::io::IsTerminal;

/// Why a command stopped early.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The reader went away (`schedctl ... | head`): not an error.
    BrokenPipe,
    /// Writing failed for another reason.
    Io(std::io::Error),
    /// Bad input, already rendered for the user.
    Input(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Io(e)
        }
    }
}

/// A command's result: an exit code, or why it failed.
pub(crate) type CmdResult = Result<u8, Failure>;

/// Whether stdout is a terminal (tables and colour) rather than a pipe (machine formats).
pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether stderr is a terminal (progress is shown there, never on a pipe).
pub(crate) fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A trigger string's errors, drawn with colour: [`crate::finish`] prints failures through
/// anstream, which removes the colour on a pipe, under `NO_COLOR` or with `--color never`.
pub(crate) fn trigger_errors(e: &schedctl_trigger::ParseErrors) -> Failure {
    Failure::Input(e.render_styled(schedctl_trigger::Style::Color))
}

/// A job file's errors (`path` as the user named it), drawn as [`trigger_errors`] draws.
pub(crate) fn file_errors(e: &schedctl_core::FileErrors, path: &str) -> Failure {
    Failure::Input(e.render_styled(path, schedctl_trigger::Style::Color))
}

/// One error at a byte range of a file, drawn as [`file_errors`] draws.
pub(crate) fn error_at(
    source: &str,
    path: &str,
    span: std::ops::Range<usize>,
    message: &str,
    help: &str,
) -> Failure {
    Failure::Input(schedctl_trigger::render_diagnostic(
        source,
        Some(path),
        span,
        message,
        help,
        schedctl_trigger::Style::Color,
    ))
}
