//! `schedctl run FILE`: running schedules for real.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, ValueEnum};
use schedctl_core::{parse_duration, Clock, JobStoreKind};
use schedctl_runner::{
    host_name, Event, EventKind, JobSpec, JobStore, Listener, MemoryStore, Output, Scheduler,
    SyncAction, SystemClock,
};
use schedctl_trigger::{Instant, Tz, ZonedTime};

use crate::cmd::simulate::load_job_file;
use crate::cmd::store;
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
///   schedctl run jobs.toml --store postgres://scheduler@db.internal/jobs
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct RunArgs {
    /// The job file
    file: PathBuf,
    /// The default job store: an SQLite file, or a PostgreSQL URL (`postgres://user@host/db`)
    /// that several runners share (default: the job file's `[jobstores.default]`, else
    /// `schedctl.db` beside the job file)
    #[arg(long)]
    store: Option<PathBuf>,
    /// How long a runner of a PostgreSQL store (--store URL) may be silent before the others
    /// declare it dead and free its runs' slots (a job file's postgres store sets `lease`)
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    lease: String,
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

pub(super) fn input(message: String) -> Failure {
    Failure::Input(format!("error: {message}\n"))
}

fn beside(file: &Path, name: &str) -> PathBuf {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(name)
}

pub(super) fn show_time(t: Instant, zone: schedctl_trigger::Zone) -> String {
    ZonedTime::from_instant(t, Tz::Zone(zone)).map_or_else(|_| "?".into(), |z| z.to_string())
}

/// One run-log record. Every record names the runner that wrote it (`host`, `pid`): with a
/// shared store, several runners' logs together tell who ran what.
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
        EventKind::Abandoned { reason, .. } => (None, None, None, Some(reason.clone())),
        _ => (None, None, None, None),
    };
    let claimed_by = match &e.kind {
        EventKind::Abandoned { host, pid, .. } => Some(format!("{host}:{pid}")),
        _ => None,
    };
    let rerun = match &e.kind {
        EventKind::Abandoned { rerun, .. } => Some(*rerun),
        _ => None,
    };
    serde_json::json!({
        "host": runner_host(),
        "pid": std::process::id(),
        "claimed_by": claimed_by,
        "rerun": rerun,
        "job": e.job,
        "fire": e.fire.to_string(),
        "status": e.kind.outcome(),
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

/// This machine's host name, read once.
fn runner_host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(host_name)
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
                EventKind::Abandoned {
                    host, pid, rerun, ..
                } => format!(
                    "claimed by {host}:{pid}, which did not finish it{}",
                    if *rerun { "; run again here" } else { "" }
                ),
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
                    // One write per record: a kill -9 between the writes of one line would
                    // leave half a record for the next runner to append to.
                    let mut line = log_line(e).to_string();
                    line.push('\n');
                    let _ = f.write_all(line.as_bytes());
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
    let lease = parse_duration(&args.lease)
        .ok()
        .and_then(|d| u64::try_from(d.as_micros()).ok())
        .map(Duration::from_micros)
        .filter(|d| (Duration::from_secs(1)..=Duration::from_secs(3600)).contains(d))
        .ok_or_else(|| {
            input(format!(
                "--lease `{}`: give a duration from 1s to 1h (e.g. `5s`)",
                args.lease
            ))
        })?;
    // `schedctl jobs add` reads triggers in the job file's zone by default.
    let open = |path: &Path, lease: Duration| store::open_for_runner(path, lease, zone.name());
    let me = format!("{}:{}", host_name(), std::process::id());
    let shown = |boxed: &mut Box<dyn JobStore>| {
        let what = boxed.describe();
        match boxed.as_shared() {
            Some(s) => format!(
                "{what} (shared by every runner using it; this runner is {me}, lease {} s)",
                s.lease_time().as_secs_f64()
            ),
            None => what,
        }
    };
    // The default store is `--store` when given, else the job file's `[jobstores.default]`,
    // else `schedctl.db` beside the job file (never created when the file names another).
    let file_default = file.jobstores.iter().any(|s| s.name == "default");
    let mut stores = Vec::new();
    if args.store.is_some() || !file_default {
        let mut default = open(&default_store, lease)?;
        stores.push(format!("default = {}", shown(&mut default)));
        sched
            .add_store("default", default)
            .map_err(|e| input(e.to_string()))?;
    }
    for store in file
        .jobstores
        .iter()
        .filter(|s| s.name != "default" || args.store.is_none())
    {
        let mut boxed: Box<dyn JobStore> = match &store.kind {
            JobStoreKind::Memory => Box::new(MemoryStore::default()),
            JobStoreKind::Sqlite { path } => open(&beside(&args.file, path), lease)?,
            JobStoreKind::Postgres { url, lease } => {
                let url = store::resolve_url(&store.name, url)?;
                let lease = Duration::from_micros(lease.as_micros().max(0) as u64);
                open(Path::new(&url), lease)?
            }
        };
        stores.push(format!(
            "{} = {}",
            store.name,
            match &store.kind {
                JobStoreKind::Memory =>
                    "memory (its jobs live only while this runner runs; `schedctl jobs` cannot see them)"
                        .to_owned(),
                _ => shown(&mut boxed),
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
