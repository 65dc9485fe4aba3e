//! `schedctl next TRIGGER`: the next fire times of a trigger.

use std::io::Write;

use clap::{Args, ValueEnum};
use schedctl_trigger::{Trigger, Tz, ZonedTime};
use serde_json::{json, Value};

use crate::format::{chosen, col, labeled, machine, Column, RowFormat, RowWriter};

use crate::output::{stdout_is_terminal, CmdResult, Failure};
use crate::timearg::{now_in, parse_time, parse_zone};

/// Print the next fire times of a trigger, as APScheduler 3.x computes them.
///
/// Examples:
///   schedctl next 'cron:day=last sun' --count 5
///   schedctl next 'crontab:30 2 * * mon-fri' --tz Europe/Berlin --from 2027-03-25
///   schedctl next 'interval:hours=2 start_date=2026-03-01T09:00' --format json
///   schedctl next 'cron:second=*' --count 1000000 --format csv > fires.csv
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct NextArgs {
    /// The trigger, e.g. `cron:hour=2 minute=30` (see the book's trigger reference); `-` reads it from standard input
    trigger: String,
    /// How many fires to print
    #[arg(long, short = 'n', default_value_t = 5)]
    count: u64,
    /// First instant to consider (inclusive): `now`, a date, a datetime, `+DURATION`
    #[arg(long, default_value = "now")]
    from: String,
    /// Default time zone of the trigger (its `timezone=` field wins)
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Output: table (the default on a terminal), rfc3339 (one fire per line, the default
    /// otherwise), json, jsonl or csv; every format is written as the fires are found
    #[arg(long, value_enum)]
    format: Option<NextFormat>,
    /// Same as `--format json`
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Seed for jitter
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum NextFormat {
    Table,
    Rfc3339,
    Json,
    Jsonl,
    Csv,
}

/// The keys of a fire in every machine format, and its table headings.
const COLUMNS: &[Column] = &[
    labeled("n", "#"),
    col("fire"),
    machine("utc"),
    col("weekday"),
    labeled("offset", "UTC offset"),
    labeled("after_previous", "after previous"),
];

pub(crate) fn run(args: NextArgs, out: &mut impl Write) -> CmdResult {
    let zone = parse_zone(&args.tz, "--tz").map_err(Failure::Input)?;
    let text = crate::cmd::simulate::trigger_text(&args.trigger)?;
    let trigger = Trigger::parse_in(&text, zone).map_err(|e| crate::output::trigger_errors(&e))?;
    let from = if args.from.trim() == "now" {
        now_in(zone).map_err(Failure::Input)?
    } else {
        parse_time(&args.from, zone, None, "--from").map_err(Failure::Input)?
    };
    let schedule = trigger
        .schedule(from.instant())
        .map_err(|e| Failure::Input(format!("error: {e}\n")))?;
    let terminal = if stdout_is_terminal() {
        NextFormat::Table
    } else {
        NextFormat::Rfc3339
    };
    let format = chosen(args.format, args.json, NextFormat::Json, terminal);
    let fires = schedule
        .fires_from(from, args.seed)
        .map_err(|e| Failure::Input(format!("error: {e}\n")))?
        .take(usize::try_from(args.count).unwrap_or(usize::MAX));
    // Every format shows the fires found before an error (an AndTrigger loop, a date past
    // 9999), then the error.
    let mut failed = None;
    let rows = match format {
        NextFormat::Rfc3339 => {
            for fire in fires {
                match fire {
                    Ok(fire) => writeln!(out, "{fire}")?,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            1
        }
        NextFormat::Table | NextFormat::Json | NextFormat::Jsonl | NextFormat::Csv => {
            let format = match format {
                NextFormat::Table => RowFormat::Table,
                NextFormat::Jsonl => RowFormat::Jsonl,
                NextFormat::Csv => RowFormat::Csv,
                _ => RowFormat::Json,
            };
            let mut rows = RowWriter::new(format, out, COLUMNS)?;
            let mut prev: Option<ZonedTime> = None;
            for (i, fire) in fires.enumerate() {
                let fire = match fire {
                    Ok(f) => f,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                };
                let gap = prev.as_ref().map(|p| gap_text(p, &fire, format));
                rows.row(vec![
                    json!(i + 1),
                    json!(fire.to_string()),
                    json!(utc(&fire)),
                    json!(weekday(&fire)),
                    json!(offset(&fire)),
                    gap.unwrap_or(match format {
                        RowFormat::Table => json!("-"),
                        _ => Value::Null,
                    }),
                ])?;
                prev = Some(fire);
            }
            let n = rows.rows();
            rows.finish()?;
            n
        }
    };
    if rows == 0 && failed.is_none() && format == NextFormat::Table {
        writeln!(out, "{trigger} never fires at or after {from}")?;
    }
    if let Some(e) = failed {
        return Err(Failure::Input(format!("error: {e}\n")));
    }
    Ok(crate::exit::OK)
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

pub(crate) fn weekday(t: &ZonedTime) -> &'static str {
    let days = t.local_micros().div_euclid(86_400_000_000);
    WEEKDAYS[(days + 3).rem_euclid(7) as usize]
}

fn offset(t: &ZonedTime) -> String {
    let s = t.to_string();
    let cut = s.rfind(['+', '-']).unwrap_or(s.len());
    s[cut..].to_owned()
}

/// The time since the previous fire: words in a table (`1day 2h`), seconds elsewhere.
fn gap_text(a: &ZonedTime, b: &ZonedTime, format: RowFormat) -> Value {
    let micros = b.instant().unix_micros() - a.instant().unix_micros();
    if format != RowFormat::Table {
        return json!(micros as f64 / 1e6);
    }
    let d = std::time::Duration::from_micros(micros.unsigned_abs());
    let text = humantime::format_duration(d).to_string();
    if text == "0s" {
        json!("0s (same instant)")
    } else {
        json!(text)
    }
}

/// The fire in UTC, written with `Z`.
fn utc(t: &ZonedTime) -> String {
    t.canonical_in(Tz::Fixed(0))
        .map(|u| u.to_string().replace("+00:00", "Z"))
        .unwrap_or_default()
}
