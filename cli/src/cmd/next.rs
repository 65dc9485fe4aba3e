//! `schedctl next TRIGGER`: the next fire times of a trigger.

use std::io::Write;

use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use schedctl_trigger::{Trigger, Tz, ZonedTime};

use crate::output::{stdout_is_terminal, CmdResult, Failure};
use crate::timearg::{now_in, parse_time, parse_zone};

/// Print the next fire times of a trigger, as APScheduler 3.x computes them.
///
/// Examples:
///   schedctl next 'cron:day=last sun' --count 5
///   schedctl next 'crontab:30 2 * * mon-fri' --tz Europe/Berlin --from 2027-03-25
///   schedctl next 'interval:hours=2 start_date=2026-03-01T09:00' --format json
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
    /// Output format (default: table on a terminal, rfc3339 otherwise)
    #[arg(long, value_enum)]
    format: Option<NextFormat>,
    /// Seed for jitter
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum NextFormat {
    Table,
    Rfc3339,
    Json,
}

pub(crate) fn run(args: NextArgs, out: &mut impl Write) -> CmdResult {
    let zone = parse_zone(&args.tz, "--tz").map_err(Failure::Input)?;
    let text = crate::cmd::simulate::trigger_text(&args.trigger)?;
    let trigger = Trigger::parse_in(&text, zone).map_err(|e| Failure::Input(e.render()))?;
    let from = if args.from.trim() == "now" {
        now_in(zone).map_err(Failure::Input)?
    } else {
        parse_time(&args.from, zone, None, "--from").map_err(Failure::Input)?
    };
    let schedule = trigger
        .schedule(from.instant())
        .map_err(|e| Failure::Input(format!("error: {e}\n")))?;
    let format = args.format.unwrap_or(if stdout_is_terminal() {
        NextFormat::Table
    } else {
        NextFormat::Rfc3339
    });
    let fires = schedule
        .fires_from(from, args.seed)
        .map_err(|e| Failure::Input(format!("error: {e}\n")))?
        .take(usize::try_from(args.count).unwrap_or(usize::MAX));
    match format {
        NextFormat::Rfc3339 => {
            for fire in fires {
                let fire = fire.map_err(|e| Failure::Input(format!("error: {e}\n")))?;
                writeln!(out, "{fire}")?;
            }
        }
        // Every format shows the fires found before an error (an AndTrigger loop, a date
        // past 9999), then the error.
        NextFormat::Json => {
            let mut rows = Vec::new();
            let mut failed = None;
            for fire in fires {
                match fire {
                    Ok(f) => rows.push(json_row(&f)),
                    Err(e) => failed = Some(e),
                }
            }
            serde_json::to_writer_pretty(&mut *out, &rows).map_err(|e| Failure::Io(e.into()))?;
            writeln!(out)?;
            if let Some(e) = failed {
                return Err(Failure::Input(format!("error: {e}\n")));
            }
        }
        NextFormat::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_header(["#", "fire", "weekday", "UTC offset", "after previous"]);
            let mut prev: Option<ZonedTime> = None;
            let mut failed = None;
            for (i, fire) in fires.enumerate() {
                let fire = match fire {
                    Ok(f) => f,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                };
                let gap = prev.map_or_else(|| "-".to_owned(), |p| gap_text(&p, &fire));
                table.add_row([
                    (i + 1).to_string(),
                    fire.to_string(),
                    weekday(&fire).into(),
                    offset(&fire),
                    gap,
                ]);
                prev = Some(fire);
            }
            if prev.is_some() {
                writeln!(out, "{table}")?;
            } else if failed.is_none() {
                writeln!(out, "{} never fires at or after {from}", trigger)?;
            }
            if let Some(e) = failed {
                return Err(Failure::Input(format!("error: {e}\n")));
            }
        }
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

fn gap_text(a: &ZonedTime, b: &ZonedTime) -> String {
    let micros = b.instant().unix_micros() - a.instant().unix_micros();
    let d = std::time::Duration::from_micros(micros.unsigned_abs());
    let text = humantime::format_duration(d).to_string();
    if text == "0s" {
        "0s (same instant)".into()
    } else {
        text
    }
}

fn json_row(t: &ZonedTime) -> serde_json::Value {
    let utc = t
        .canonical_in(Tz::Fixed(0))
        .map(|u| u.to_string())
        .unwrap_or_default();
    serde_json::json!({
        "fire": t.to_string(),
        "utc": utc.replace("+00:00", "Z"),
        "weekday": weekday(t),
        "offset": offset(t),
    })
}
