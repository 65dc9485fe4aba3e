//! `schedctl run FILE` and `schedctl jobs ...`: running schedules for real, and managing the
//! persistent job store while a runner uses it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use schedctl_core::{parse_duration, Clock, JobStoreKind};
use schedctl_runner::{
    job_zone, Event, EventKind, JobSpec, JobStore, Listener, MemoryStore, Origin, Output,
    Scheduler, SqliteStore, StoredJob, SyncAction, SystemClock,
};
use schedctl_trigger::{Instant, Tz, ZonedTime};

use crate::cmd::simulate::load_job_file;
use crate::output::{CmdResult, Failure};
use crate::timearg::parse_time;

/// Run the jobs of a job file for real: commands on worker pools, with the same policy as
/// `simulate` (coalesce, max_instances, misfire grace). Jobs of persistent stores keep their
/// next run times across restarts; overdue fires are then handled by each job's policy.
///
/// Ctrl-C (or SIGTERM) stops taking new runs and waits for running ones; a second one stops
/// at once. Exit status 1 when any run failed.
///
/// Examples:
///   schedctl run jobs.toml --for 1h
///   schedctl run jobs.toml --store /var/lib/schedctl/jobs.db --log runs.jsonl
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct RunArgs {
    /// The job file
    file: PathBuf,
    /// The default job store (SQLite); default: `schedctl.db` beside the job file
    #[arg(long)]
    store: Option<PathBuf>,
    /// Stop after this long (e.g. `30s`, `1h`)
    #[arg(long, conflicts_with = "until")]
    r#for: Option<String>,
    /// Stop at this time
    #[arg(long)]
    until: Option<String>,
    /// Append one JSON line per event here; default: `schedctl-runs.jsonl` beside the job file
    #[arg(long)]
    log: Option<PathBuf>,
    /// What becomes of the commands' standard output and error: `capture` (one file per run
    /// under --output-dir, the last lines in the run log), `inherit` (passed through, each line
    /// prefixed with `[JOB-ID] `), `discard`
    #[arg(long, value_enum, default_value = "capture")]
    output: OutputMode,
    /// Where `--output capture` writes: DIR/JOB-ID/FIRE.log; default: `schedctl-output` beside
    /// the job file
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// How many output files `--output capture` keeps per job (the newest)
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    output_keep: u32,
}

/// What becomes of the commands' output (`--output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutputMode {
    Capture,
    Inherit,
    Discard,
}

/// Manage the jobs of a persistent store, also while a runner uses it (it picks changes up
/// within a second).
///
/// Examples:
///   schedctl jobs list --store schedctl.db
///   schedctl jobs pause nightly-report --store schedctl.db
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct JobsArgs {
    #[command(subcommand)]
    action: JobsAction,
    /// The job store (SQLite file)
    #[arg(long, global = true, default_value = "schedctl.db")]
    store: PathBuf,
}

#[derive(Debug, Subcommand)]
enum JobsAction {
    /// List jobs with their next run times, executors and stores (APScheduler's print_jobs)
    List {
        /// Output: a table, or JSON for programs
        #[arg(long)]
        json: bool,
    },
    /// Show one job's definition
    Show { id: String },
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

fn input(message: String) -> Failure {
    Failure::Input(format!("error: {message}\n"))
}

fn beside(file: &Path, name: &str) -> PathBuf {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(name)
}

fn show_time(t: Instant, zone: schedctl_trigger::Zone) -> String {
    ZonedTime::from_instant(t, Tz::Zone(zone)).map_or_else(|_| "?".into(), |z| z.to_string())
}

fn log_line(e: &Event) -> serde_json::Value {
    let zone = match e.fire.tz() {
        Tz::Zone(z) => z,
        Tz::Fixed(_) => schedctl_trigger::Zone::utc(),
    };
    let (start, end, exit, message) = match &e.kind {
        EventKind::Executed {
            start,
            end,
            exit_code,
        } => (Some(*start), Some(*end), *exit_code, None),
        EventKind::Error {
            exit_code,
            start,
            end,
            message,
        } => (Some(*start), Some(*end), *exit_code, Some(message.clone())),
        EventKind::Missed { start, .. } => (Some(*start), None, None, None),
        _ => (None, None, None, None),
    };
    serde_json::json!({
        "job": e.job,
        "fire": e.fire.to_string(),
        "outcome": e.kind.outcome(),
        "start": start.map(|t| show_time(t, zone)),
        "end": end.map(|t| show_time(t, zone)),
        "exit_status": exit,
        "message": message,
        "output_tail": e.output.as_ref().map(|o| o.tail.clone()),
        "output_file": e
            .output
            .as_ref()
            .and_then(|o| o.file.as_ref())
            .map(|p| p.display().to_string()),
    })
}

/// Warns on standard error, once per job, when a job's output cannot be saved to its file.
fn output_warnings() -> Listener {
    let warned = Mutex::new(std::collections::HashSet::new());
    Arc::new(move |e: &Event| {
        let Some(error) = e.output.as_ref().and_then(|o| o.file_error.as_ref()) else {
            return;
        };
        if warned.lock().is_ok_and(|mut w| w.insert(e.job.clone())) {
            eprintln!(
                "schedctl: job `{}`: its output is not saved ({error}); the run log keeps its last lines",
                e.job
            );
        }
    })
}

pub(crate) fn run_run(args: RunArgs, out: &mut impl Write) -> CmdResult {
    let file = load_job_file(&args.file)?;
    let zone = file.timezone;
    let now = SystemClock.now();
    let deadline = match (&args.r#for, &args.until) {
        (Some(d), _) => {
            let d = parse_duration(d).map_err(|e| input(format!("--for `{d}`: {e}")))?;
            Some(now.add_micros(d.as_micros()))
        }
        (None, Some(t)) => Some(
            parse_time(t, zone, Some(now), "--until")
                .map_err(Failure::Input)?
                .instant(),
        ),
        (None, None) => None,
    };
    let log_path = args
        .log
        .clone()
        .unwrap_or_else(|| beside(&args.file, "schedctl-runs.jsonl"));
    // Opened once the stores are, so that a refused store leaves no empty log behind.
    let log: Arc<Mutex<Option<std::fs::File>>> = Arc::new(Mutex::new(None));
    // Events are printed while standard output takes them; once it is closed (`| head`),
    // scheduling goes on and the run log keeps every event. A write error must never panic
    // a worker or the scheduler thread.
    let stdout_open = Arc::new(AtomicBool::new(true));
    let printer: Listener = {
        let open = stdout_open.clone();
        Arc::new(move |e: &Event| {
            if !open.load(Ordering::Relaxed) {
                return;
            }
            let detail = match &e.kind {
                EventKind::Executed { exit_code, .. } => {
                    format!("exit {}", exit_code.unwrap_or(0))
                }
                EventKind::Error { message, .. } => {
                    match e.output.as_ref().and_then(|o| o.file.as_ref()) {
                        Some(path) => format!("{message} (output: {})", path.display()),
                        None => message.clone(),
                    }
                }
                EventKind::Missed { late, .. } => format!("{late} late"),
                EventKind::Dropped { running } => format!("{running} running"),
                _ => String::new(),
            };
            let mut stdout = std::io::stdout().lock();
            let written = writeln!(
                stdout,
                "{:<9} {} {} {detail}",
                e.kind.outcome(),
                e.fire,
                e.job
            )
            .and_then(|()| stdout.flush());
            if written.is_err() && open.swap(false, Ordering::Relaxed) {
                eprintln!("schedctl: standard output was closed; the jobs go on and every event is in the run log");
            }
        })
    };
    let logger: Listener = {
        let log = log.clone();
        Arc::new(move |e: &Event| {
            if let Ok(mut guard) = log.lock() {
                if let Some(f) = guard.as_mut() {
                    let _ = writeln!(f, "{}", log_line(e));
                }
            }
        })
    };
    let mut sched = Scheduler::new(
        file.executors.clone(),
        vec![printer, logger, output_warnings()],
    );
    let default_store = args
        .store
        .clone()
        .unwrap_or_else(|| beside(&args.file, "schedctl.db"));
    let open = |path: &Path| -> Result<Box<dyn JobStore>, Failure> {
        let mut store = SqliteStore::open_for_runner(path).map_err(|e| input(e.to_string()))?;
        // `schedctl jobs add` reads triggers in the job file's zone by default.
        store
            .set_setting("timezone", zone.name())
            .map_err(|e| input(e.to_string()))?;
        Ok(Box::new(store))
    };
    let mut stores = vec![format!("default = {}", default_store.display())];
    sched
        .add_store("default", open(&default_store)?)
        .map_err(|e| input(e.to_string()))?;
    for store in &file.jobstores {
        let boxed: Box<dyn JobStore> = match &store.kind {
            JobStoreKind::Memory => Box::new(MemoryStore::default()),
            JobStoreKind::Sqlite { path } => open(&beside(&args.file, path))?,
        };
        stores.push(format!(
            "{} = {}",
            store.name,
            match &store.kind {
                JobStoreKind::Memory =>
                    "memory (its jobs live only while this runner runs; `schedctl jobs` cannot see them)"
                        .to_owned(),
                JobStoreKind::Sqlite { .. } => boxed.describe(),
            }
        ));
        sched
            .add_store(&store.name, boxed)
            .map_err(|e| input(e.to_string()))?;
    }
    // Make the stores match the job file (the rule: the book's `schedctl run` page, and
    // schedctl_runner's sync module), and say what that did to each job.
    let specs = file
        .jobs
        .iter()
        .map(|job| JobSpec::from_job(job, zone, &file.executor_of(job).name))
        .collect();
    let synced = sched
        .sync_job_file(specs)
        .map_err(|e| input(e.to_string()))?;
    let file_handle = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| {
            input(format!(
                "cannot open the run log `{}`: {e}",
                log_path.display()
            ))
        })?;
    if let Ok(mut guard) = log.lock() {
        *guard = Some(file_handle);
    }
    let output_dir = args
        .output_dir
        .clone()
        .unwrap_or_else(|| beside(&args.file, "schedctl-output"));
    sched.set_output(match args.output {
        OutputMode::Capture => {
            std::fs::create_dir_all(&output_dir).map_err(|e| {
                input(format!(
                    "cannot create the output directory `{}`: {e}",
                    output_dir.display()
                ))
            })?;
            Output::Capture {
                dir: output_dir.clone(),
                keep: args.output_keep as usize,
            }
        }
        OutputMode::Inherit => Output::Inherit,
        OutputMode::Discard => Output::Discard,
    });
    let signals = Arc::new(AtomicUsize::new(0));
    {
        let signals = signals.clone();
        // A second signal stops at once; the first lets running runs finish.
        let _ = ctrlc::set_handler(move || {
            if signals.fetch_add(1, Ordering::SeqCst) >= 1 {
                std::process::exit(130);
            }
        });
    }
    let mut banner = format!(
        "running {} jobs from {} (log {})\n",
        file.jobs.len(),
        args.file.display(),
        log_path.display()
    );
    for store in &stores {
        banner.push_str(&format!("  store {store}\n"));
    }
    match args.output {
        OutputMode::Capture => banner.push_str(&format!(
            "  output of each run in {} (the last lines also in the run log)\n",
            output_dir.display()
        )),
        OutputMode::Inherit => {
            banner.push_str("  output of each run here, each line after [job id]\n")
        }
        OutputMode::Discard => banner.push_str("  output of runs discarded\n"),
    }
    for s in &synced {
        let next = s
            .next_run_time
            .and_then(|n| n.canonical_in(n.tz()).ok())
            .map_or_else(|| "-".to_owned(), |n| n.to_string());
        let why = match &s.action {
            SyncAction::Ended { reason } => format!(" ({reason})"),
            SyncAction::StaysRemoved => {
                " (removed with `schedctl jobs remove`; change its definition to add it again)"
                    .into()
            }
            SyncAction::KeptFromCommand => " (added with `schedctl jobs add`)".into(),
            _ => String::new(),
        };
        banner.push_str(&format!(
            "  {:<11} {} in store {}, next run {next}{why}\n",
            s.action.word(),
            s.id,
            s.store
        ));
    }
    // Like every event line: a closed standard output must not stop the runner.
    if out
        .write_all(banner.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
        && stdout_open.swap(false, Ordering::Relaxed)
    {
        eprintln!("schedctl: standard output was closed; the jobs go on and every event is in the run log");
    }
    sched.start();
    loop {
        if signals.load(Ordering::SeqCst) > 0 {
            eprintln!("stopping: waiting for running jobs (again to stop at once)");
            break;
        }
        if deadline.is_some_and(|d| SystemClock.now() >= d) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    sched.shutdown(true);
    let failed = sched.failed_runs();
    if failed > 0 {
        eprintln!("{failed} runs failed (see {})", log_path.display());
        return Ok(crate::exit::CHECK_FAILED);
    }
    Ok(crate::exit::OK)
}

/// A trigger given on the command line, checked with carets before it reaches the store.
fn check_trigger(text: &str, zone: &str) -> Result<(), Failure> {
    let zone = crate::timearg::parse_zone(zone, "--tz").map_err(Failure::Input)?;
    schedctl_trigger::Trigger::parse_in(text, zone)
        .map(|_| ())
        .map_err(|e| Failure::Input(e.render()))
}

fn stored_or_fail(store: &mut SqliteStore, id: &str) -> Result<StoredJob, Failure> {
    store.get(id).map_err(|e| input(e.to_string()))
}

/// A stored job that the scheduler still runs (ended jobs and removal markers are kept only
/// so that a restart does not add them again).
fn active_or_fail(store: &mut SqliteStore, id: &str) -> Result<StoredJob, Failure> {
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
    let mut store =
        SqliteStore::open_existing(&args.store, writable).map_err(|e| input(e.to_string()))?;
    let fail = |e: schedctl_runner::StoreError| input(e.to_string());
    match args.action {
        JobsAction::List { json: true } => {
            let rows: Vec<serde_json::Value> = store
                .load()
                .map_err(fail)?
                .iter()
                .map(|j| {
                    let zone = job_zone(&j.spec);
                    serde_json::json!({
                        "id": j.spec.id,
                        "trigger": j.spec.trigger,
                        // A paused job has no next run time (APScheduler's pause_job sets
                        // it to None); resume computes a new one.
                        "next_run_time": j.next_run_time.filter(|_| !j.paused).map(|t| show_time(Instant::from_unix_micros(t), zone)),
                        "executor": j.spec.executor,
                        "jobstore": j.spec.jobstore,
                        "paused": j.paused,
                        "state": state_of(j),
                        "origin": j.origin.name(),
                        "anchor": j.anchor.map(|t| show_time(Instant::from_unix_micros(t), zone)),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows).map_err(|e| Failure::Io(e.into()))?;
            writeln!(out)?;
            return Ok(crate::exit::OK);
        }
        JobsAction::List { json: false } => {
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
                    state_of(&j),
                ]);
            }
            writeln!(out, "{table}")?;
            return Ok(crate::exit::OK);
        }
        JobsAction::Show { id } => {
            let j = stored_or_fail(&mut store, &id)?;
            let text = serde_json::to_string_pretty(&j.spec).map_err(|e| input(e.to_string()))?;
            writeln!(out, "{text}")?;
            let zone = job_zone(&j.spec);
            let next = j.next_run_time.map_or_else(
                || "-".into(),
                |t| show_time(Instant::from_unix_micros(t), zone),
            );
            writeln!(out, "next run time: {next}")?;
            writeln!(out, "state: {}", state_of(&j))?;
            writeln!(out, "added by: {}", j.origin.name())?;
            return Ok(crate::exit::OK);
        }
        JobsAction::Pause { id } => {
            let mut j = active_or_fail(&mut store, &id)?;
            j.paused = true;
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Resume { id } => {
            let mut j = active_or_fail(&mut store, &id)?;
            j.paused = false;
            j.next_run_time = first_fire_from_now(&j)?;
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Remove { id } => {
            let j = active_or_fail(&mut store, &id)?;
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
            let mut j = active_or_fail(&mut store, &id)?;
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
            let spec = JobSpec {
                id: id.clone(),
                trigger,
                timezone: tz,
                command,
                executor,
                jobstore: "default".into(),
                coalesce: true,
                max_instances: 1,
                misfire_grace_us: Some(1_000_000),
                duration_us: 0,
                timeout_us: None,
            };
            let mut job = StoredJob {
                origin: Origin::Command,
                ..StoredJob::new(spec, None, Some(SystemClock.now().unix_micros()))
            };
            job.next_run_time = first_fire_from_now(&job)?;
            store.put(&job).map_err(fail)?;
        }
    }
    store.bump_generation().map_err(fail)?;
    writeln!(out, "ok")?;
    Ok(crate::exit::OK)
}
