//! `schedctl reference`, `completions` and `man`: help that lives outside `--help`.

use std::io::Write;

use clap::{Args, CommandFactory, ValueEnum};

use crate::output::CmdResult;

/// The trigger syntax reference; the book includes the same file.
pub(crate) const TRIGGERS_MD: &str = include_str!("../reference/triggers.md");

/// Print a reference page: the trigger syntax.
///
/// Example:
///   schedctl reference triggers
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ReferenceArgs {
    /// The topic
    #[arg(value_enum, default_value = "triggers")]
    topic: Topic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Topic {
    /// Trigger strings: cron, crontab, interval, date, calendarinterval, and, or
    Triggers,
}

/// Print a shell completion script.
///
/// Examples:
///   schedctl completions bash > ~/.local/share/bash-completion/completions/schedctl
///   schedctl completions zsh > ~/.zfunc/_schedctl
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct CompletionsArgs {
    /// The shell
    shell: clap_complete::Shell,
}

pub(crate) fn run_reference(args: ReferenceArgs, out: &mut impl Write) -> CmdResult {
    match args.topic {
        Topic::Triggers => out.write_all(TRIGGERS_MD.as_bytes())?,
    }
    Ok(crate::exit::OK)
}

pub(crate) fn run_completions(args: CompletionsArgs, out: &mut impl Write) -> CmdResult {
    let mut cmd = crate::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "schedctl", out);
    Ok(crate::exit::OK)
}

/// Writes the man page (roff) generated from the same definitions as `--help`.
pub(crate) fn run_man(out: &mut impl Write) -> CmdResult {
    clap_mangen::Man::new(crate::Cli::command()).render(out)?;
    Ok(crate::exit::OK)
}
