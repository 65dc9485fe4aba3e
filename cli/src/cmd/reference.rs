//! `schedctl reference`, `completions` and `man`: help that lives outside `--help`.

use std::io::Write;

use clap::{Args, CommandFactory, ValueEnum};

use crate::output::{CmdResult, Failure};

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

/// Print a man page (roff), generated from the same definitions as --help: schedctl(1), or
/// one command's page (schedctl-next(1), schedctl-jobs-list(1), ...); with --dir, write every
/// page into a directory.
///
/// Examples:
///   schedctl man > schedctl.1
///   schedctl man jobs list | man -l -
///   schedctl man --dir ~/.local/share/man/man1
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ManArgs {
    /// The command whose page to print (`next`, `jobs list`); none: schedctl(1)
    command: Vec<String>,
    /// Write schedctl.1 and a page for every command (schedctl-next.1, ...) into this directory
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    dir: Option<std::path::PathBuf>,
}

/// Writes man pages (roff) generated from the same definitions as `--help`.
pub(crate) fn run_man(args: ManArgs, out: &mut impl Write) -> CmdResult {
    let mut cmd = crate::Cli::command().disable_help_subcommand(true);
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| {
                Failure::Input(format!("error: cannot write to `{}`: {e}\n", dir.display()))
            })?;
        eprintln!("wrote the man pages to {}", dir.display());
        return Ok(crate::exit::OK);
    }
    // Building names each command as its page: `schedctl-jobs-list`.
    cmd.build();
    let mut page = &cmd;
    for name in &args.command {
        page = page.find_subcommand(name).ok_or_else(|| {
            let known: Vec<&str> = page.get_subcommands().map(|c| c.get_name()).collect();
            Failure::Input(format!(
                "error: `{name}` is not a command of `{}`\n  = help: commands: {}\n",
                page.get_display_name().unwrap_or("schedctl"),
                known.join(", ")
            ))
        })?;
    }
    clap_mangen::Man::new(page.clone()).render(out)?;
    Ok(crate::exit::OK)
}
