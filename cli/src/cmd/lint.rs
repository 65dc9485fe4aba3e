//! `schedctl explain TRIGGER` and `schedctl lint FILE|TRIGGER`: see a schedule's meaning and
//! its pitfalls before production.

use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use schedctl_core::lint::{lint_file, lint_trigger, Lint, LintCode};
use schedctl_trigger::{explain, why, Trigger, Verdict};

use serde_json::json;

use crate::cmd::simulate::load_job_file;
use crate::format::{chosen, col, labeled, Column, RowFormat, RowWriter};
use crate::output::{CmdResult, Failure};
use crate::timearg::{parse_time, parse_zone};

/// Explain a trigger in plain English, APScheduler's hidden defaults spelled out, with its
/// next fires; with --at, say why an instant is or is not a fire.
///
/// Examples:
///   schedctl explain 'cron:day=1 minute=20'
///   schedctl explain 'cron:hour=2 minute=30' --tz Europe/Berlin --at 2027-03-28T02:30
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ExplainArgs {
    /// The trigger
    trigger: String,
    /// Default time zone of the trigger (its `timezone=` field wins)
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Where the list of next fires starts: `now`, a date, a datetime
    #[arg(long, default_value = "now")]
    from: String,
    /// How many next fires to list
    #[arg(long, default_value_t = 5)]
    count: usize,
    /// Say why this instant is or is not a fire
    #[arg(long)]
    at: Option<String>,
    /// Output: text (the default) or json (one document; its `next_fires` are written as
    /// they are found)
    #[arg(long, value_enum)]
    format: Option<ExplainFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ExplainFormat {
    Text,
    Json,
}

/// Warn about valid schedules that are probably not what was meant: never or rarely fires,
/// skips months or calendar days, DST gaps, folds and the fires APScheduler skips after a DST
/// change, crontab weekday numbering and day-or-weekday, overruns, misses by cause (a busy
/// pool, a pause, a past run date, a batch), crowded instants, interval pitfalls, an `and`
/// that freezes APScheduler, calendarinterval quirks (`schedctl lint x --deny list` names them
/// all; the book's lint page shows each).
///
/// Examples:
///   schedctl lint jobs.toml --from 2026-01-01 --to +365d
///   schedctl lint 'crontab:0 9 * * 1-5' --deny crontab-numeric-weekday
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct LintArgs {
    /// A job file, or a trigger string
    target: String,
    /// Window start (default: now)
    #[arg(long, default_value = "now")]
    from: String,
    /// Window end, or `+DURATION` after --from
    #[arg(long, default_value = "+365d")]
    to: String,
    /// Default zone of a lone trigger
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Exit 1 when this lint fires (repeatable; `all` for every lint)
    #[arg(long, value_name = "CODE")]
    deny: Vec<String>,
    /// Do not report this lint (repeatable)
    #[arg(long, value_name = "CODE")]
    allow: Vec<String>,
    /// Output: text (the default), json, jsonl or csv
    #[arg(long, value_enum)]
    format: Option<LintFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LintFormat {
    Text,
    Json,
    Jsonl,
    Csv,
}

/// The keys of a lint in every machine format.
const LINT_COLUMNS: &[Column] = &[
    col("code"),
    col("job"),
    col("field"),
    col("message"),
    col("fix"),
    col("denied"),
];

/// List every fire that a DST transition touches in a window, and what each policy does with
/// it: `dst_gap = shift | skip | next`, `dst_fold = both | first | last` (the first of each is
/// APScheduler 3.x's behaviour).
///
/// Example:
///   schedctl dst 'cron:hour=2 minute=30' --tz Europe/Berlin --from 2027-01-01 --to 2028-01-01
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct DstArgs {
    /// The trigger (cron or crontab)
    trigger: String,
    /// Default time zone of the trigger
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Window start
    #[arg(long)]
    from: String,
    /// Window end, or `+DURATION` after --from
    #[arg(long, default_value = "+365d")]
    to: String,
    /// Output: table (the default), json, jsonl or csv
    #[arg(long, value_enum)]
    format: Option<DstFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DstFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

/// The keys of a DST-touched fire in every format, and its table headings.
const DST_COLUMNS: &[Column] = &[
    labeled("fire", "APScheduler 3.x fires"),
    labeled("dst", "DST"),
    labeled("policies", "policy: fires at"),
];

fn input(message: String) -> Failure {
    Failure::Input(format!("error: {message}\n"))
}

pub(crate) fn run_explain(args: ExplainArgs, out: &mut impl Write) -> CmdResult {
    let zone = parse_zone(&args.tz, "--tz").map_err(Failure::Input)?;
    let text = crate::cmd::simulate::trigger_text(&args.trigger)?;
    let trigger = Trigger::parse_in(&text, zone).map_err(|e| crate::output::trigger_errors(&e))?;
    let e = explain(&trigger);
    if chosen(
        args.format,
        args.json,
        ExplainFormat::Json,
        ExplainFormat::Text,
    ) == ExplainFormat::Json
    {
        return explain_json(&args, &trigger, &e, out);
    }
    writeln!(out, "{trigger}")?;
    writeln!(out, "  fires {}", e.summary)?;
    for f in &e.fields {
        writeln!(out, "  {:<12} {:<12} {}", f.field.name(), f.expr, f.origin)?;
    }
    for n in &e.notes {
        writeln!(out, "  {n}")?;
    }
    if let Some(at) = &args.at {
        let at = parse_time(at, trigger.zone(), None, "--at").map_err(Failure::Input)?;
        match why(&trigger, at.instant()) {
            Verdict::Fires(notes) => {
                writeln!(out, "{at} is a fire")?;
                for n in notes {
                    writeln!(out, "  - {n}")?;
                }
            }
            Verdict::NotAFire(reasons) => {
                writeln!(out, "{at} is not a fire:")?;
                for r in reasons {
                    writeln!(out, "  - {r}")?;
                }
            }
        }
        return Ok(crate::exit::OK);
    }
    let from = parse_time(&args.from, trigger.zone(), None, "--from").map_err(Failure::Input)?;
    let schedule = trigger
        .schedule(from.instant())
        .map_err(|e| input(e.to_string()))?;
    writeln!(out, "next fires from {from}:")?;
    let mut any = false;
    for fire in schedule
        .fires_from(from, 0)
        .map_err(|e| input(e.to_string()))?
        .take(args.count)
    {
        writeln!(out, "  {}", fire.map_err(|e| input(e.to_string()))?)?;
        any = true;
    }
    if !any {
        writeln!(out, "  none: it never fires")?;
    }
    Ok(crate::exit::OK)
}

/// `explain --json`: the same content as the text, as one JSON object.
fn explain_json(
    args: &ExplainArgs,
    trigger: &Trigger,
    e: &schedctl_trigger::Explanation,
    out: &mut impl Write,
) -> CmdResult {
    let fields: Vec<serde_json::Value> = e
        .fields
        .iter()
        .map(|f| serde_json::json!({"field": f.field.name(), "expr": f.expr, "origin": f.origin}))
        .collect();
    let mut doc = serde_json::json!({
        "trigger": trigger.to_string(),
        "summary": e.summary,
        "fields": fields,
        "notes": e.notes,
    });
    if let Some(at) = &args.at {
        let at = parse_time(at, trigger.zone(), None, "--at").map_err(Failure::Input)?;
        let (fires, reasons) = match why(trigger, at.instant()) {
            Verdict::Fires(notes) => (true, notes),
            Verdict::NotAFire(reasons) => (false, reasons),
        };
        doc["at"] =
            serde_json::json!({"instant": at.to_string(), "fires": fires, "reasons": reasons});
    } else {
        let from =
            parse_time(&args.from, trigger.zone(), None, "--from").map_err(Failure::Input)?;
        let schedule = trigger
            .schedule(from.instant())
            .map_err(|e| input(e.to_string()))?;
        let fires = schedule
            .fires_from(from, 0)
            .map_err(|e| input(e.to_string()))?
            .take(args.count);
        // The document without its last member, then `next_fires` written as the fires are
        // found: memory does not grow with --count.
        let text = serde_json::to_string_pretty(&doc).map_err(|e| Failure::Io(e.into()))?;
        let open = text.strip_suffix("\n}").unwrap_or(&text);
        write!(out, "{open},\n  \"next_fires\": [")?;
        let mut failed = None;
        for (i, fire) in fires.enumerate() {
            match fire {
                Ok(f) => write!(out, "{}\n    \"{f}\"", if i == 0 { "" } else { "," })?,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        writeln!(out, "\n  ]\n}}")?;
        return match failed {
            Some(e) => Err(input(e.to_string())),
            None => Ok(crate::exit::OK),
        };
    }
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| Failure::Io(e.into()))?;
    writeln!(out)?;
    Ok(crate::exit::OK)
}

fn codes(names: &[String], what: &str) -> Result<Vec<LintCode>, Failure> {
    let mut out = Vec::new();
    for n in names {
        if n == "all" {
            out.extend(LintCode::ALL);
            continue;
        }
        let code = LintCode::from_name(n).ok_or_else(|| {
            let all: Vec<&str> = LintCode::ALL.iter().map(|c| c.name()).collect();
            input(format!(
                "{what} `{n}` is not a lint\n  = help: lints: {}, or `all`",
                all.join(", ")
            ))
        })?;
        out.push(code);
    }
    Ok(out)
}

pub(crate) fn run_lint(args: LintArgs, out: &mut impl Write) -> CmdResult {
    let deny = codes(&args.deny, "--deny")?;
    let allow = codes(&args.allow, "--allow")?;
    // `-`: a job file on standard input (a trigger is read from there with `explain -`).
    let path = Path::new(&args.target);
    let lints: Vec<Lint> = if path.is_file() || args.target == "-" {
        let file = load_job_file(path)?;
        let from = parse_time(&args.from, file.timezone, None, "--from").map_err(Failure::Input)?;
        let to = parse_time(&args.to, file.timezone, Some(from.instant()), "--to")
            .map_err(Failure::Input)?;
        lint_file(&file, from.instant(), to.instant()).map_err(|e| input(e.to_string()))?
    } else {
        let zone = parse_zone(&args.tz, "--tz").map_err(Failure::Input)?;
        let trigger =
            Trigger::parse_in(&args.target, zone).map_err(|e| crate::output::trigger_errors(&e))?;
        let from = parse_time(&args.from, zone, None, "--from").map_err(Failure::Input)?;
        let to =
            parse_time(&args.to, zone, Some(from.instant()), "--to").map_err(Failure::Input)?;
        lint_trigger(&args.target, &trigger, None, from.instant(), to.instant())
    };
    let lints: Vec<Lint> = lints
        .into_iter()
        .filter(|l| !allow.contains(&l.code))
        .collect();
    match chosen(args.format, args.json, LintFormat::Json, LintFormat::Text) {
        format @ (LintFormat::Json | LintFormat::Jsonl | LintFormat::Csv) => {
            let format = match format {
                LintFormat::Jsonl => RowFormat::Jsonl,
                LintFormat::Csv => RowFormat::Csv,
                _ => RowFormat::Json,
            };
            let mut rows = RowWriter::new(format, out, LINT_COLUMNS)?;
            for l in &lints {
                rows.row(vec![
                    json!(l.code.name()),
                    json!(l.job),
                    json!(l.field),
                    json!(l.message),
                    json!(l.fix),
                    json!(deny.contains(&l.code)),
                ])?;
            }
            rows.finish()?;
        }
        LintFormat::Text => {
            for l in &lints {
                let level = if deny.contains(&l.code) {
                    "error"
                } else {
                    "warning"
                };
                let job = l
                    .job
                    .as_deref()
                    .map_or_else(String::new, |j| format!("job `{j}`, "));
                writeln!(
                    out,
                    "{level}[{}]: {job}`{}`: {}",
                    l.code.name(),
                    l.field,
                    l.message
                )?;
                writeln!(out, "  = fix: {}", l.fix)?;
            }
            if lints.is_empty() {
                writeln!(out, "no lints")?;
            }
        }
    }
    if lints.iter().any(|l| deny.contains(&l.code)) {
        return Ok(crate::exit::CHECK_FAILED);
    }
    Ok(crate::exit::OK)
}

pub(crate) fn run_dst(args: DstArgs, out: &mut impl Write) -> CmdResult {
    use schedctl_trigger::{
        apply_dst, dst_touch, DstPolicy, DstTouch, FoldPolicy, GapPolicy, Tz, ZonedTime,
    };
    let zone = parse_zone(&args.tz, "--tz").map_err(Failure::Input)?;
    let text = crate::cmd::simulate::trigger_text(&args.trigger)?;
    let trigger = Trigger::parse_in(&text, zone).map_err(|e| crate::output::trigger_errors(&e))?;
    let format = match chosen(args.format, args.json, DstFormat::Json, DstFormat::Table) {
        DstFormat::Table => RowFormat::Table,
        DstFormat::Json => RowFormat::Json,
        DstFormat::Jsonl => RowFormat::Jsonl,
        DstFormat::Csv => RowFormat::Csv,
    };
    let Some(Trigger::Cron(cron)) = trigger.with_dst(DstPolicy::default()) else {
        // No fire is touched: the machine formats say so with no rows.
        if format == RowFormat::Table {
            writeln!(
                out,
                "{trigger}: interval and date triggers count absolute time; DST does not move them"
            )?;
        } else {
            RowWriter::new(format, out, DST_COLUMNS)?.finish()?;
        }
        return Ok(crate::exit::OK);
    };
    let from = parse_time(&args.from, trigger.zone(), None, "--from").map_err(Failure::Input)?;
    let to = parse_time(&args.to, trigger.zone(), Some(from.instant()), "--to")
        .map_err(Failure::Input)?;
    let plain = Trigger::Cron(cron.clone());
    let schedule = plain
        .schedule(from.instant())
        .map_err(|e| input(e.to_string()))?;
    let tz = Tz::Zone(trigger.zone());
    let show =
        |p: DstPolicy, touched, at: schedctl_trigger::Instant| match apply_dst(p, touched, at) {
            Some(t) => {
                ZonedTime::from_instant(t, tz).map_or_else(|_| "?".into(), |z| z.to_string())
            }
            None => "no fire".into(),
        };
    let mut rows = RowWriter::new(format, out, DST_COLUMNS)?;
    // Rows found before an error (a fire past 9999) stay a whole document: the walk stops,
    // the output is closed, then the error.
    let walked = (|| -> Result<(), Failure> {
        // Walk APScheduler's raw fires: a fire in a gap is a wall time that does not exist.
        let (mut prev, mut now) = (None::<ZonedTime>, from);
        let mut rng = schedctl_trigger::JitterRng::new(0);
        while let Some(raw) = schedule
            .next_fire_time(prev.as_ref(), &now, &mut rng)
            .map_err(|e| input(e.to_string()))?
        {
            let fire = raw.canonical_in(tz).map_err(|e| input(e.to_string()))?;
            // A fire APScheduler's search jumps over after a DST change (never produced, so no
            // gap or fold policy sees it): say so, with what would fire it.
            if let Some(p) = &prev {
                if let Some((skipped, in_gap)) = schedule
                    .jumped_over(p, Some(&raw))
                    .map_err(|e| input(e.to_string()))?
                    .filter(|(s, _)| s.instant() < to.instant())
                {
                    let (what, fix) = if in_gap {
                        ("skipped (gap at the day's start)", "next: end of the gap")
                    } else {
                        ("skipped by APScheduler's search", "dst_jump=fire: fires")
                    };
                    let calendar = if in_gap {
                        "calendarinterval:days=1: no fire either (that time of day does not exist that date)".to_owned()
                    } else {
                        format!("calendarinterval:days=1 (fires in APScheduler too): {skipped}")
                    };
                    let policies = vec![
                        "APScheduler 3.11: no fire (its search, walking on from the previous fire with the old UTC offset, lands past it)".to_owned(),
                        format!("{fix} {skipped}"),
                        calendar,
                    ];
                    rows.row(vec![
                        json!(skipped.to_string()),
                        json!(what),
                        json!(policies),
                    ])?;
                }
            }
            if fire.instant() >= to.instant() {
                break;
            }
            (prev, now) = (Some(raw), raw);
            let touched = dst_touch(&cron, &raw);
            let (what, policies): (&str, Vec<String>) = match touched {
                DstTouch::None => continue,
                DstTouch::Gap { .. } => (
                    "gap",
                    [GapPolicy::Shift, GapPolicy::Skip, GapPolicy::Next]
                        .iter()
                        .map(|g| {
                            format!(
                                "{g}: {}",
                                show(
                                    DstPolicy {
                                        gap: *g,
                                        ..DstPolicy::default()
                                    },
                                    touched,
                                    fire.instant()
                                )
                            )
                        })
                        .collect(),
                ),
                DstTouch::FoldFirst | DstTouch::FoldSecond => (
                    if touched == DstTouch::FoldFirst {
                        "fold, 1st"
                    } else {
                        "fold, 2nd"
                    },
                    [FoldPolicy::Both, FoldPolicy::First, FoldPolicy::Last]
                        .iter()
                        .map(|f| {
                            format!(
                                "{f}: {}",
                                show(
                                    DstPolicy {
                                        fold: *f,
                                        ..DstPolicy::default()
                                    },
                                    touched,
                                    fire.instant()
                                )
                            )
                        })
                        .collect(),
                ),
            };
            rows.row(vec![json!(fire.to_string()), json!(what), json!(policies)])?;
        }
        Ok(())
    })();
    let n = rows.rows();
    rows.finish()?;
    walked?;
    if n == 0 && format == RowFormat::Table {
        writeln!(
            out,
            "no fire of {trigger} is touched by DST between {from} and {to}"
        )?;
    }
    Ok(crate::exit::OK)
}
