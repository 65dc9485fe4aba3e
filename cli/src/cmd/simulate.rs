//! `schedctl simulate FILE --from A --to B`: a scheduler run on a virtual clock.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use schedctl_core::{
    simulate_counts, simulate_streaming, Entry, Frozen, JobFile, Simulation, Status,
};
use schedctl_trigger::{EvalError, Instant, Tz, ZonedTime};

use crate::output::{stdout_is_terminal, CmdResult, Failure};
use crate::timearg::parse_time;

/// Simulate a job file over a window on a virtual clock: every fire executed, missed,
/// coalesced, dropped or pending, with the rule that decided it.
///
/// Examples:
///   schedctl simulate fixtures/jobs/month.toml --from 2026-03-01 --to 2026-04-01
///   schedctl simulate jobs.toml --from 2026-03-01 --to +7d --format jsonl --job nightly-report
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct SimulateArgs {
    /// The job file (TOML, see the book's job file reference); `-` reads it from standard input
    file: PathBuf,
    /// Start of the window (inclusive): a date, a datetime (naive = the file's timezone), `now`
    #[arg(long)]
    from: String,
    /// End of the window (exclusive): a date, a datetime, or `+DURATION` after --from
    #[arg(long, default_value = "+30d")]
    to: String,
    /// Output: a summary table (the default on a terminal), the ledger as one JSON document,
    /// JSON lines (the default otherwise) or CSV, or one summary line per job; the ledger
    /// formats are written while the simulation runs
    #[arg(long, value_enum)]
    format: Option<SimFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Only show these jobs (repeatable); all jobs are still simulated (they share pools)
    #[arg(long = "job", value_name = "ID")]
    jobs: Vec<String>,
    /// Seed for jitter
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SimFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    Summary,
}

/// Reads and validates a job file; errors are rendered with file:line:col.
/// Reads and parses a job file; `-` reads it from standard input (named `<stdin>` in errors).
pub(crate) fn load_job_file(path: &std::path::Path) -> Result<JobFile, Failure> {
    let from_stdin = path.as_os_str() == "-";
    let shown = if from_stdin {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let read = if from_stdin {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = read.map_err(|e| Failure::Input(format!("error: cannot read `{shown}`: {e}\n")))?;
    let source = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        crate::output::error_at(
            &text,
            &shown,
            offset..offset + 1,
            "the job file is not valid UTF-8",
            "save the file as UTF-8",
        )
    })?;
    JobFile::parse(&source).map_err(|e| crate::output::file_errors(&e, &shown))
}

pub(crate) fn run(args: SimulateArgs, out: &mut impl Write) -> CmdResult {
    let file = load_job_file(&args.file)?;
    let from = parse_time(&args.from, file.timezone, None, "--from").map_err(Failure::Input)?;
    let to = parse_time(&args.to, file.timezone, Some(from.instant()), "--to")
        .map_err(Failure::Input)?;
    if to.instant() <= from.instant() {
        return Err(Failure::Input(format!(
            "error: --to `{to}` is not after --from `{from}`\n"
        )));
    }
    for id in &args.jobs {
        if !file.jobs.iter().any(|j| &j.id == id) {
            let known: Vec<&str> = file.jobs.iter().map(|j| j.id.as_str()).collect();
            return Err(Failure::Input(format!(
                "error: --job `{id}`: no such job in `{}`\n  = help: jobs: {}\n",
                args.file.display(),
                known.join(", ")
            )));
        }
    }
    let (span, begin) = (
        to.instant().unix_micros() - from.instant().unix_micros(),
        from.instant().unix_micros(),
    );
    let show_progress = crate::output::stderr_is_terminal();
    let mut progress = |t: Instant| {
        if show_progress {
            let pct = (t.unix_micros() - begin) as f64 * 100.0 / span as f64;
            eprint!("\rsimulating: {pct:5.1}% of the window");
        }
    };
    let terminal = if stdout_is_terminal() {
        SimFormat::Table
    } else {
        SimFormat::Jsonl
    };
    let format = crate::format::chosen(args.format, args.json, SimFormat::Json, terminal);
    // Summaries need counts only, and the ledger formats are written while the simulation
    // runs: either way memory does not grow with the window.
    let (from_i, to_i) = (from.instant(), to.instant());
    let shown = |job: usize| args.jobs.is_empty() || args.jobs.contains(&file.jobs[job].id);
    match format {
        SimFormat::Csv => writeln!(out, "job,fire,status,start,end,worker,rule")?,
        SimFormat::Json => write!(out, "{{\n  \"entries\": [")?,
        _ => {}
    }
    let mut entries = 0u64;
    let mut written: std::io::Result<()> = Ok(());
    // Job ids escaped once, not once per line.
    let ids: Vec<String> = file
        .jobs
        .iter()
        .map(|j| match format {
            SimFormat::Csv => csv_field(&j.id),
            _ => json_str(&j.id),
        })
        .collect();
    let mut write_entry = |e: Entry| {
        if shown(e.job) {
            written = match format {
                SimFormat::Csv => write_csv_line(out, &file, &ids[e.job], &e),
                SimFormat::Json => {
                    let lead: &[u8] = if entries == 0 { b"\n    " } else { b",\n    " };
                    out.write_all(lead)
                        .and_then(|()| write_json_entry(out, &file, &ids[e.job], &e))
                }
                _ => write_json_entry(out, &file, &ids[e.job], &e)
                    .and_then(|()| out.write_all(b"\n")),
            };
            entries += 1;
        }
        written.is_ok()
    };
    let sim = match format {
        SimFormat::Table | SimFormat::Summary => {
            simulate_counts(&file, from_i, to_i, args.seed, &mut progress)
        }
        SimFormat::Json | SimFormat::Jsonl | SimFormat::Csv => simulate_streaming(
            &file,
            from_i,
            to_i,
            args.seed,
            &mut progress,
            &mut write_entry,
        ),
    };
    if show_progress {
        eprint!("\r\x1b[2K");
    }
    written?;
    let sim = match sim {
        Ok(sim) => sim,
        Err(e) => {
            // The entries written so far stay one document: close it, then the error.
            if format == SimFormat::Json {
                let close = if entries == 0 { "]" } else { "\n  ]" };
                writeln!(out, "{close}\n}}")?;
            }
            return Err(Failure::Input(format!("error: {e}\n")));
        }
    };
    match format {
        SimFormat::Jsonl => writeln!(out, "{{{}}}", summary_fields(&file, &sim, &shown))?,
        SimFormat::Json => {
            let close = if entries == 0 { "]" } else { "\n  ]" };
            writeln!(
                out,
                "{close},\n  {}\n}}",
                summary_fields(&file, &sim, &shown)
            )?;
        }
        SimFormat::Csv => {}
        SimFormat::Summary => {
            for (i, c) in sim.counts.iter().enumerate().filter(|(i, _)| shown(*i)) {
                let parts: Vec<String> = Status::ALL
                    .iter()
                    .map(|s| format!("{}={}", s.name(), c.get(*s)))
                    .collect();
                writeln!(
                    out,
                    "{} fires={} {}",
                    file.jobs[i].id,
                    c.fires,
                    parts.join(" ")
                )?;
            }
            writeln!(out, "peak_workers {}", sim.peak_workers)?;
            if let Some(f) = &sim.frozen {
                writeln!(
                    out,
                    "frozen {} {}",
                    file.jobs[f.job].id,
                    frozen_at(&file, f)
                )?;
            }
        }
        SimFormat::Table => write_table(out, &file, &sim, &shown, &from, &to)?,
    }
    Ok(crate::exit::OK)
}

fn zoned(t: Instant, file: &JobFile, e: &Entry) -> String {
    let zone = file.jobs[e.job].trigger.zone();
    ZonedTime::from_instant(t, Tz::Zone(zone)).map_or_else(|_| "?".into(), |z| z.to_string())
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// One fire of the ledger of CONTRACT.md as a JSON object (no newline), spaced as Python's
/// `json.dumps` spaces it, with the rule that decided it as CSV has it; `id` is the job id
/// already written as a JSON string. RFC 3339 times need no escaping.
fn write_json_entry(
    out: &mut impl Write,
    file: &JobFile,
    id: &str,
    e: &Entry,
) -> std::io::Result<()> {
    let zone = Tz::Zone(file.jobs[e.job].trigger.zone());
    write!(
        out,
        "{{\"job\": {id}, \"fire\": \"{}\", \"status\": \"{}\", \"start\": ",
        e.fire,
        e.status.name()
    )?;
    write_json_time(out, e.start, zone)?;
    out.write_all(b", \"end\": ")?;
    write_json_time(out, e.end, zone)?;
    match e.worker {
        Some(w) => write!(out, ", \"worker\": {w}")?,
        None => out.write_all(b", \"worker\": null")?,
    }
    write!(out, ", \"rule\": {}}}", json_str(&e.rule.describe()))
}

fn write_json_time(out: &mut impl Write, t: Option<Instant>, zone: Tz) -> std::io::Result<()> {
    match t.map(|t| ZonedTime::from_instant(t, zone)) {
        Some(Ok(z)) => write!(out, "\"{z}\""),
        Some(Err(_)) => out.write_all(b"\"?\""),
        None => out.write_all(b"null"),
    }
}

/// The ledger's closing members: counts per job, the peak of busy workers, the freeze (the
/// last line of JSON lines, the keys after `entries` in one JSON document).
fn summary_fields(file: &JobFile, sim: &Simulation, shown: &dyn Fn(usize) -> bool) -> String {
    let mut summary = Vec::new();
    for (i, c) in sim.counts.iter().enumerate().filter(|(i, _)| shown(*i)) {
        let parts: Vec<String> = Status::ALL
            .iter()
            .map(|s| format!("\"{}\": {}", s.name(), c.get(*s)))
            .collect();
        summary.push(format!(
            "{}: {{\"fires\": {}, {}}}",
            json_str(&file.jobs[i].id),
            c.fires,
            parts.join(", ")
        ));
    }
    let frozen = match &sim.frozen {
        Some(f) => format!(
            ", \"frozen\": {{\"job\": {}, \"at\": \"{}\"}}",
            json_str(&file.jobs[f.job].id),
            frozen_at(file, f)
        ),
        None => String::new(),
    };
    format!(
        "\"summary\": {{{}}}, \"peak_workers\": {}{frozen}",
        summary.join(", "),
        sim.peak_workers
    )
}

/// The wake-up at which the scheduler froze, in the file's zone (CONTRACT rule 7a).
fn frozen_at(file: &JobFile, f: &Frozen) -> String {
    ZonedTime::from_instant(f.at, Tz::Zone(file.timezone))
        .map_or_else(|_| "?".into(), |z| z.to_string())
}

/// The freeze said in words, for people reading a table or a summary.
fn write_frozen(out: &mut impl Write, file: &JobFile, f: &Frozen) -> std::io::Result<()> {
    let fix = match f.error {
        EvalError::RunTimesRepeat { .. } => {
            "give the `or`'s triggers one zone, or split the job in two, so that each next fire \
             comes after the last"
        }
        _ => {
            "make the `and` triggers agree after every fire (see `schedctl explain`), or use \
             `or`/`cron` instead"
        }
    };
    writeln!(
        out,
        "FROZEN at {}: computing the next run time of job `{}` never returns in APScheduler 3.11 \
         ({}). The scheduler thread stops there: no job is processed again, runs already \
         started finish, and every later fire is pending. Fix: {fix}.",
        frozen_at(file, f),
        file.jobs[f.job].id,
        f.error
    )
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One fire of the CSV ledger (after the header line); `id` is the job id already quoted
/// as CSV needs.
fn write_csv_line(
    out: &mut impl Write,
    file: &JobFile,
    id: &str,
    e: &Entry,
) -> std::io::Result<()> {
    let time = |t: Option<Instant>| t.map(|t| zoned(t, file, e)).unwrap_or_default();
    writeln!(
        out,
        "{},{},{},{},{},{},{}",
        id,
        e.fire,
        e.status.name(),
        time(e.start),
        time(e.end),
        e.worker.map(|w| w.to_string()).unwrap_or_default(),
        csv_field(&e.rule.describe()),
    )
}

fn write_table(
    out: &mut impl Write,
    file: &JobFile,
    sim: &Simulation,
    shown: &dyn Fn(usize) -> bool,
    from: &ZonedTime,
    to: &ZonedTime,
) -> Result<(), Failure> {
    writeln!(
        out,
        "simulated {from} .. {to} ({} jobs, timezone {})",
        file.jobs.len(),
        file.timezone
    )?;
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["job", "executor", "fires"];
    header.extend(Status::ALL.iter().map(|s| s.name()));
    header.extend(["max lateness", "peak instances"]);
    table.set_header(header);
    let mut totals = [0u64; 6];
    for (i, c) in sim.counts.iter().enumerate().filter(|(i, _)| shown(*i)) {
        let job = &file.jobs[i];
        let mut row = vec![
            job.id.clone(),
            file.executor_of(job).name.clone(),
            c.fires.to_string(),
        ];
        totals[0] += c.fires;
        for (k, s) in Status::ALL.iter().enumerate() {
            row.push(c.get(*s).to_string());
            totals[k + 1] += c.get(*s);
        }
        row.push(c.max_lateness.to_string());
        row.push(format!("{} / {}", c.peak_instances, job.max_instances));
        table.add_row(row);
    }
    let mut total_row = vec!["total".to_owned(), String::new()];
    total_row.extend(totals.iter().map(u64::to_string));
    total_row.extend([String::new(), String::new()]);
    table.add_row(total_row);
    writeln!(out, "{table}")?;
    let mut pools = Table::new();
    pools.load_preset(UTF8_FULL_CONDENSED);
    pools.set_header([
        "executor",
        "workers",
        "peak busy",
        "longest queue wait",
        "runs missed",
    ]);
    for p in &sim.pools {
        pools.add_row([
            p.name.clone(),
            p.max_workers.to_string(),
            p.peak_busy.to_string(),
            p.longest_wait.to_string(),
            p.missed_while_queued.to_string(),
        ]);
    }
    writeln!(out, "{pools}")?;
    writeln!(
        out,
        "peak busy workers (all executors): {}",
        sim.peak_workers
    )?;
    if let Some(f) = &sim.frozen {
        write_frozen(out, file, f)?;
    }
    Ok(())
}

/// A trigger given on the command line; `-` reads it from standard input (one trigger
/// string, surrounding whitespace ignored).
pub(crate) fn trigger_text(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text).map_err(|e| {
        Failure::Input(format!(
            "error: cannot read the trigger from standard input: {e}\n"
        ))
    })?;
    Ok(text.trim().to_owned())
}
