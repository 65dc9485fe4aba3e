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
