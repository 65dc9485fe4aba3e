//! `schedctl run FILE` and `schedctl jobs ...`: running schedules for real, and managing the
//! persistent job store while a runner uses it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, Subcommand};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use schedctl_core::{parse_duration, Clock, JobStoreKind};
use schedctl_runner::{
    job_zone, Event, EventKind, JobSpec, JobStore, Listener, MemoryStore, Scheduler, SqliteStore,
    StoredJob, SystemClock,
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
    /// Resume a job: its next run time becomes its first fire from now
    Resume { id: String },
    /// Remove a job
    Remove { id: String },
    /// Change a job's trigger or options; its next run time is recomputed from now
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
        /// Zone of the trigger when it names none
        #[arg(long, default_value = "UTC")]
        tz: String,
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
    let printer: Listener = Arc::new(|e: &Event| {
        let detail = match &e.kind {
            EventKind::Executed { exit_code, .. } => format!("exit {}", exit_code.unwrap_or(0)),
            EventKind::Error { message, .. } => message.clone(),
            EventKind::Missed { late, .. } => format!("{late} late"),
            EventKind::Dropped { running } => format!("{running} running"),
            _ => String::new(),
        };
        println!("{:<9} {} {} {detail}", e.kind.outcome(), e.fire, e.job);
    });
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
    let mut sched = Scheduler::new(file.executors.clone(), vec![printer, logger]);
    let default_store = args
        .store
        .clone()
        .unwrap_or_else(|| beside(&args.file, "schedctl.db"));
    let open = |path: &Path| -> Result<Box<dyn JobStore>, Failure> {
        Ok(Box::new(
            SqliteStore::open_for_runner(path).map_err(|e| input(e.to_string()))?,
        ))
    };
    sched
        .add_store("default", open(&default_store)?)
        .map_err(|e| input(e.to_string()))?;
    for store in &file.jobstores {
        let boxed: Box<dyn JobStore> = match &store.kind {
            JobStoreKind::Memory => Box::new(MemoryStore::default()),
            JobStoreKind::Sqlite { path } => open(&beside(&args.file, path))?,
        };
        sched
            .add_store(&store.name, boxed)
            .map_err(|e| input(e.to_string()))?;
    }
    // Make the stores match the job file: keep unchanged jobs (and their next run times),
    // replace changed ones, add new ones, remove the rest.
    let existing: std::collections::HashMap<String, JobSpec> = sched
        .get_jobs()
        .into_iter()
        .map(|j| (j.spec.id.clone(), j.spec))
        .collect();
    for job in &file.jobs {
        let spec = JobSpec::from_job(job, zone, &file.executor_of(job).name);
        if existing.get(&spec.id) == Some(&spec) {
            continue;
        }
        sched
            .add_job(spec, None, true)
            .map_err(|e| input(e.to_string()))?;
    }
    let in_file: std::collections::HashSet<&str> =
        file.jobs.iter().map(|j| j.id.as_str()).collect();
    for id in existing.keys().filter(|id| !in_file.contains(id.as_str())) {
        sched.remove_job(id).map_err(|e| input(e.to_string()))?;
    }
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
    writeln!(
        out,
        "running {} jobs from {} (store {}, log {})",
        file.jobs.len(),
        args.file.display(),
        default_store.display(),
        log_path.display()
    )?;
    out.flush()?;
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

/// The first fire of a stored job from now, as microseconds.
fn first_fire_from_now(spec: &JobSpec) -> Result<Option<i64>, Failure> {
    let trigger = spec.parse_trigger().map_err(|e| input(e.to_string()))?;
    let now = SystemClock.now();
    let schedule = trigger.schedule(now).map_err(|e| input(e.to_string()))?;
    let mut fires = schedule.fires(now).map_err(|e| input(e.to_string()))?;
    match fires.next() {
        Some(Ok(f)) => Ok(Some(f.instant().unix_micros())),
        Some(Err(e)) => Err(input(e.to_string())),
        None => Ok(None),
    }
}

pub(crate) fn run_jobs(args: JobsArgs, out: &mut impl Write) -> CmdResult {
    if !args.store.exists() {
        return Err(input(format!(
            "no job store at `{}` (give it with --store)",
            args.store.display()
        )));
    }
    let mut store = SqliteStore::open(&args.store).map_err(|e| input(e.to_string()))?;
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
                        "next_run_time": j.next_run_time.map(|t| show_time(Instant::from_unix_micros(t), zone)),
                        "executor": j.spec.executor,
                        "jobstore": j.spec.jobstore,
                        "paused": j.paused,
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
            for j in store.load().map_err(fail)? {
                let zone = job_zone(&j.spec);
                let next = j.next_run_time.map_or_else(
                    || "-".into(),
                    |t| show_time(Instant::from_unix_micros(t), zone),
                );
                let state = if j.paused { "paused" } else { "scheduled" };
                table.add_row([
                    j.spec.id.clone(),
                    j.spec.trigger.clone(),
                    next,
                    j.spec.executor.clone(),
                    j.spec.jobstore.clone(),
                    state.into(),
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
            writeln!(
                out,
                "next run time: {next}{}",
                if j.paused { " (paused)" } else { "" }
            )?;
            return Ok(crate::exit::OK);
        }
        JobsAction::Pause { id } => {
            let mut j = stored_or_fail(&mut store, &id)?;
            j.paused = true;
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Resume { id } => {
            let mut j = stored_or_fail(&mut store, &id)?;
            j.paused = false;
            j.next_run_time = first_fire_from_now(&j.spec)?;
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Remove { id } => store.remove(&id).map_err(fail)?,
        JobsAction::Modify {
            id,
            trigger,
            max_instances,
            coalesce,
            misfire_grace_time,
        } => {
            let mut j = stored_or_fail(&mut store, &id)?;
            if let Some(t) = trigger {
                check_trigger(&t, &j.spec.timezone)?;
                j.spec.trigger = t;
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
            j.next_run_time = first_fire_from_now(&j.spec)?;
            store.put(&j).map_err(fail)?;
        }
        JobsAction::Add {
            id,
            trigger,
            tz,
            executor,
            command,
        } => {
            check_trigger(&trigger, &tz)?;
            if store.get(&id).is_ok() {
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
            let next_run_time = first_fire_from_now(&spec)?;
            store
                .put(&StoredJob {
                    spec,
                    next_run_time,
                    paused: false,
                })
                .map_err(fail)?;
        }
    }
    store.bump_generation().map_err(fail)?;
    writeln!(out, "ok")?;
    Ok(crate::exit::OK)
}
