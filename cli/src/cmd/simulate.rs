//! `schedctl simulate FILE`: placeholder until the core lands.
use std::io::Write;

use clap::Args;

use crate::output::CmdResult;

/// Simulate a job file over a window on a virtual clock.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// The job file (TOML)
    file: std::path::PathBuf,
}

pub(crate) fn run(_args: SimulateArgs, _out: &mut impl Write) -> CmdResult {
    Ok(crate::exit::USAGE)
}
