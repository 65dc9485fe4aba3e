//! `schedctl jobs ...`: managing the persistent job store while a runner uses it.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use schedctl_core::{parse_duration, Clock};
use schedctl_runner::{job_zone, JobSpec, JobStore, Origin, StoredJob, SystemClock};
use schedctl_trigger::Instant;

use crate::cmd::run::{input, show_time};
use crate::format::{chosen, col, Column, RowFormat, RowWriter};
use crate::output::{CmdResult, Failure};
use serde_json::json;

/// Manage the jobs of a persistent store, also while a runner uses it (it picks changes up
/// within a second).
///
/// Examples:
///   schedctl jobs list --store schedctl.db
///   schedctl jobs pause nightly-report --store schedctl.db
///   schedctl jobs list --store postgres://scheduler@db.internal/jobs
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct JobsArgs {
    #[command(subcommand)]
    action: JobsAction,
    /// The job store: an SQLite file, or a PostgreSQL URL (`postgres://user@host/db`)
    #[arg(long, global = true, default_value = "schedctl.db")]
    store: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ShowFormat {
    Text,
    Json,
}

/// The keys of a job in `jobs list`'s machine formats.
const LIST_COLUMNS: &[Column] = &[
    col("id"),
    col("trigger"),
    col("next_run_time"),
    col("executor"),
    col("jobstore"),
    col("paused"),
    col("state"),
    col("origin"),
    col("anchor"),
    col("running_on"),
];

#[derive(Debug, Subcommand)]
enum JobsAction {
    /// List jobs with their next run times, executors and stores (APScheduler's print_jobs)
    List {
        /// Output: table (the default), json, jsonl or csv
        #[arg(long, value_enum)]
        format: Option<ListFormat>,
        /// Same as `--format json`
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Show one job's definition, state and abandoned runs
    Show {
        id: String,
        /// Output: text (the default) or json (one document, nothing else)
        #[arg(long, value_enum)]
        format: Option<ShowFormat>,
        /// Same as `--format json`
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Pause a job: it keeps its definition but does not run
    Pause { id: String },
    /// Resume a job: its next run time becomes its first fire from now (an interval keeps
    /// the start it had when the job was added)
    Resume { id: String },
    /// Remove a job (a job of the job file stays removed at the next start while its
    /// definition is unchanged)
    Remove { id: String },
    /// Change a job's options (its next run time stays) or its trigger (rescheduled from now)
    Modify {
        id: String,
        /// A new trigger string
        #[arg(long)]
        trigger: Option<String>,
        /// A new max_instances
        #[arg(long)]
        max_instances: Option<u32>,
        /// A new coalesce
        #[arg(long)]
        coalesce: Option<bool>,
        /// A new misfire grace (`30s`, or `none`)
        #[arg(long)]
        misfire_grace_time: Option<String>,
    },
    /// Add a job running a command
    Add {
        id: String,
        /// The trigger string
        #[arg(long)]
        trigger: String,
        /// Zone of the trigger when it names none (default: the job file's zone, which the
        /// runner records in the store; UTC for a store no runner has used)
        #[arg(long)]
        tz: Option<String>,
        /// The executor
        #[arg(long, default_value = "default")]
        executor: String,
        /// The command and its arguments (after `--`)
        #[arg(last = true)]
        command: Vec<String>,
    },
}

/// A trigger given on the command line, checked with carets before it reaches the store.
fn check_trigger(text: &str, zone: &str) -> Result<(), Failure> {
    let zone = crate::timearg::parse_zone(zone, "--tz").map_err(Failure::Input)?;
    schedctl_trigger::Trigger::parse_in(text, zone)
        .map(|_| ())
        .map_err(|e| crate::output::trigger_errors(&e))
}

fn stored_or_fail(store: &mut dyn JobStore, id: &str) -> Result<StoredJob, Failure> {
    store.get(id).map_err(|e| input(e.to_string()))
}

/// A stored job that the scheduler still runs (ended jobs and removal markers are kept only
/// so that a restart does not add them again).
fn active_or_fail(store: &mut dyn JobStore, id: &str) -> Result<StoredJob, Failure> {
    let j = stored_or_fail(store, id)?;
    if j.removed {
        return Err(input(format!(
            "job `{id}` was removed with `schedctl jobs remove` (change its definition in the job file to add it again)"
        )));
    }
    if let Some(reason) = &j.ended {
        return Err(input(format!(
            "job `{id}` has ended: {reason} (change its definition in the job file to schedule it again)"
        )));
    }
    Ok(j)
}

/// The first fire of a stored job from now, as microseconds, with its trigger bound to its
/// anchor (APScheduler keeps an interval's start when a job is resumed).
fn first_fire_from_now(job: &StoredJob) -> Result<Option<i64>, Failure> {
    let trigger = job.spec.parse_trigger().map_err(|e| input(e.to_string()))?;
    let now = SystemClock.now();
    let anchor = job.anchor.map_or(now, Instant::from_unix_micros);
    let schedule = trigger.schedule(anchor).map_err(|e| input(e.to_string()))?;
    let mut fires = schedule.fires(now).map_err(|e| input(e.to_string()))?;
    match fires.next() {
        Some(Ok(f)) => Ok(Some(f.instant().unix_micros())),
        Some(Err(e)) => Err(input(e.to_string())),
        None => Ok(None),
    }
}

/// How `jobs list` shows a job's state.
fn state_of(j: &StoredJob) -> String {
    match (&j.ended, j.removed, j.paused) {
        (_, true, _) => "removed".into(),
        (Some(reason), _, _) => format!("ended: {reason}"),
        (None, false, true) => "paused".into(),
        (None, false, false) => "scheduled".into(),
    }
}

pub(crate) fn run_jobs(args: JobsArgs, out: &mut impl Write) -> CmdResult {
    if let JobsAction::Modify {
        id,
        trigger: None,
        max_instances: None,
        coalesce: None,
        misfire_grace_time: None,
    } = &args.action
    {
        return Err(input(format!(
            "nothing to change: give --trigger, --max-instances, --coalesce or --misfire-grace-time for job `{id}`"
        )));
    }
    // Listing reads the store without writing to it (a read-only store lists fine); every
    // other action changes it. Neither ever creates a store.
    let writable = !matches!(
        args.action,
        JobsAction::List { .. } | JobsAction::Show { .. }
    );
    let mut store = crate::cmd::store::open_existing(&args.store, writable)?;
    let store = store.as_mut();
    let fail = |e: schedctl_runner::StoreError| input(e.to_string());
    // A shared store knows which runner runs what (`host:pid`).
    let mut running_on: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    if matches!(
        args.action,
        JobsAction::List { .. } | JobsAction::Show { .. }
    ) {
        if let Some(shared) = store.as_shared() {
            for (job, runner) in shared.running().map_err(fail)? {
                running_on.entry(job).or_default().push(runner);
            }
        }
    }
    let running = |id: &str| -> String {
        running_on
            .get(id)
            .map(|r| format!(", running on {}", r.join(", ")))
            .unwrap_or_default()
    };
    match args.action {
        JobsAction::List { format, json }
            if chosen(format, json, ListFormat::Json, ListFormat::Table) != ListFormat::Table =>
        {
            let format = match chosen(format, json, ListFormat::Json, ListFormat::Table) {
                ListFormat::Jsonl => RowFormat::Jsonl,
                ListFormat::Csv => RowFormat::Csv,
                _ => RowFormat::Json,
            };
            let mut rows = RowWriter::new(format, out, LIST_COLUMNS)?;
            for j in store.load().map_err(fail)? {
                let zone = job_zone(&j.spec);
                let time =
                    |t: Option<i64>| t.map(|t| show_time(Instant::from_unix_micros(t), zone));
                rows.row(vec![
                    json!(j.spec.id),
                    json!(j.spec.trigger),
                    // A paused job has no next run time (APScheduler's pause_job sets it to
                    // None); resume computes a new one.
                    json!(time(j.next_run_time.filter(|_| !j.paused))),
                    json!(j.spec.executor),
                    json!(j.spec.jobstore),
                    json!(j.paused),
                    json!(state_of(&j)),
                    json!(j.origin.name()),
                    json!(time(j.anchor)),
                    json!(running_on.get(&j.spec.id).cloned().unwrap_or_default()),
                ])?;
            }
            rows.finish()?;
            return Ok(crate::exit::OK);
        }
        JobsAction::List { .. } => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_header([
                "id",
                "trigger",
                "next run time",
                "executor",
                "store",
                "state",
            ]);
            let jobs = store.load().map_err(fail)?;
            if jobs.is_empty() {
                writeln!(
                    out,
                    "no jobs in `{}`. Jobs of a memory job store ([jobstores.NAME] kind = \"memory\") live only inside the running `schedctl run`, which prints them at its start.",
                    args.store.display()
                )?;
                return Ok(crate::exit::OK);
            }
            for j in jobs {
                let zone = job_zone(&j.spec);
                let next = j.next_run_time.filter(|_| !j.paused).map_or_else(
                    || "-".into(),
                    |t| show_time(Instant::from_unix_micros(t), zone),
                );
                table.add_row([
                    j.spec.id.clone(),
                    j.spec.trigger.clone(),
                    next,
                    j.spec.executor.clone(),
                    j.spec.jobstore.clone(),
                    format!("{}{}", state_of(&j), running(&j.spec.id)),
                ]);
            }
            writeln!(out, "{table}")?;
            return Ok(crate::exit::OK);
        }
        JobsAction::Show { id, format, json } => {
            let j = stored_or_fail(store, &id)?;
            if chosen(format, json, ShowFormat::Json, ShowFormat::Text) == ShowFormat::Json {
                return show_json(store, &j, running_on.get(&id), out);
            }
            let text = serde_json::to_string_pretty(&j.spec).map_err(|e| input(e.to_string()))?;
            writeln!(out, "{text}")?;
            let zone = job_zone(&j.spec);
            let next = j.next_run_time.map_or_else(
                || "-".into(),
                |t| show_time(Instant::from_unix_micros(t), zone),
            );
            writeln!(out, "next run time: {next}")?;
            writeln!(out, "state: {}{}", state_of(&j), running(&j.spec.id))?;
            writeln!(out, "added by: {}", j.origin.name())?;
            if let Some(shared) = store.as_shared() {
                let abandoned = shared.abandoned(&id, 20).map_err(fail)?;
                if !abandoned.is_empty() {
                    writeln!(out, "abandoned runs (latest first):")?;
                }
                for a in abandoned {
                    for f in a.fires {
                        writeln!(
                            out,
                            "  {} claimed by {}:{}{}: {}",
                            show_time(Instant::from_unix_micros(f), zone),
                            a.host,
                            a.pid,
                            if a.rerun { ", run again" } else { "" },
                            a.reason
                        )?;
                    }
                }
            }
            return Ok(crate::exit::OK);
        }
        JobsAction::Pause { id } => {
            let mut j = active_or_fail(store, &id)?;
            j.paused = true;
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Resume { id } => {
            let mut j = active_or_fail(store, &id)?;
            j.paused = false;
            j.next_run_time = first_fire_from_now(&j)?;
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Remove { id } => {
            let j = active_or_fail(store, &id)?;
            if j.origin == Origin::File {
                // Kept as a marker: the job file still has it, and the next start must not
                // add it back while its definition is unchanged.
                store
                    .put(&StoredJob {
                        removed: true,
                        next_run_time: None,
                        ..j
                    })
                    .map_err(fail)?;
            } else {
                store.remove(&id).map_err(fail)?;
            }
        }
        JobsAction::Modify {
            id,
            trigger,
            max_instances,
            coalesce,
            misfire_grace_time,
        } => {
            let mut j = active_or_fail(store, &id)?;
            // Like APScheduler: options change and the next run time stays (`modify_job`); a
            // new trigger reschedules from now (`reschedule_job`), bound to now.
            if let Some(t) = trigger {
                check_trigger(&t, &j.spec.timezone)?;
                j.spec.trigger = t;
                j.anchor = Some(SystemClock.now().unix_micros());
                j.next_run_time = first_fire_from_now(&j)?;
            }
            if let Some(n) = max_instances {
                if n == 0 {
                    return Err(input("--max-instances must be at least 1".into()));
                }
                j.spec.max_instances = n;
            }
            if let Some(c) = coalesce {
                j.spec.coalesce = c;
            }
            if let Some(g) = misfire_grace_time {
                j.spec.misfire_grace_us = if g.trim() == "none" {
                    None
                } else {
                    Some(
                        parse_duration(&g)
                            .map_err(|e| input(format!("--misfire-grace-time `{g}`: {e}")))?
                            .as_micros(),
                    )
                };
            }
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Add {
            id,
            trigger,
            tz,
            executor,
            command,
        } => {
            // The job file's zone (the runner records it in the store), else UTC.
            let tz = match tz {
                Some(tz) => tz,
                None => store
                    .setting("timezone")
                    .map_err(fail)?
                    .unwrap_or_else(|| "UTC".into()),
            };
            check_trigger(&trigger, &tz)?;
            if store.get(&id).is_ok_and(|j| j.is_active()) {
                return Err(input(format!("a job `{id}` exists already")));
            }
            // APScheduler's add_job defaults (the builder's).
            let (spec, _) = JobSpec::builder(id.clone(), trigger)
                .timezone(tz)
                .command(command)
                .executor(executor)
                .build();
            let mut job = StoredJob {
                origin: Origin::Command,
                ..StoredJob::new(spec, None, Some(SystemClock.now().unix_micros()))
            };
            job.next_run_time = first_fire_from_now(&job)?;
            store.put(&job).map_err(fail)?;
        }
    }
    store.notify_runners().map_err(fail)?;
    writeln!(out, "ok")?;
    Ok(crate::exit::OK)
}

/// `jobs show --format json`: the definition, the state and the abandoned runs as one
/// document, with the keys of `jobs list`.
fn show_json(
    store: &mut dyn JobStore,
    j: &StoredJob,
    running_on: Option<&Vec<String>>,
    out: &mut impl Write,
) -> CmdResult {
    let zone = job_zone(&j.spec);
    let time = |t: i64| show_time(Instant::from_unix_micros(t), zone);
    let mut abandoned = Vec::new();
    if let Some(shared) = store.as_shared() {
        for a in shared
            .abandoned(&j.spec.id, 20)
            .map_err(|e| input(e.to_string()))?
        {
            for f in a.fires {
                abandoned.push(json!({
                    "fire": time(f),
                    "host": a.host,
                    "pid": a.pid,
                    "rerun": a.rerun,
                    "reason": a.reason,
                }));
            }
        }
    }
    let doc = json!({
        "id": j.spec.id,
        "spec": j.spec,
        "next_run_time": j.next_run_time.filter(|_| !j.paused).map(time),
        "paused": j.paused,
        "state": state_of(j),
        "origin": j.origin.name(),
        "anchor": j.anchor.map(time),
        "running_on": running_on.cloned().unwrap_or_default(),
        "abandoned": abandoned,
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| Failure::Io(e.into()))?;
    writeln!(out)?;
    Ok(crate::exit::OK)
}
