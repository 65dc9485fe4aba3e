//! Times given on the command line: `now`, ISO 8601 dates and datetimes, and `+DURATION`
//! relative to a base (`--to +30d`).

use schedctl_trigger::{Instant, IsoDateTime, Tz, Zone, ZonedTime};

/// Reads `text` as an instant. Naive values are read in `zone` the way APScheduler reads them
/// (a gap moves forward, a fold takes the first occurrence); `+DURATION` counts from `base`.
pub(crate) fn parse_time(
    text: &str,
    zone: Zone,
    base: Option<Instant>,
    what: &str,
) -> Result<ZonedTime, String> {
    let t = text.trim();
    let tz = Tz::Zone(zone);
    if t == "now" {
        return now_in(zone);
    }
    if let Some(rel) = t.strip_prefix('+') {
        let base = match base {
            Some(b) => b,
            None => now_in(zone)?.instant(),
        };
        let d = humantime::parse_duration(rel).map_err(|e| {
            format!(
                "error: {what} `{t}`: {e}\n  = help: a duration after `+`, e.g. `+30d`, `+1h 30m`"
            )
        })?;
        let micros = i64::try_from(d.as_micros())
            .map_err(|_| format!("error: {what} `{t}` is too far away"))?;
        return ZonedTime::from_instant(base.add_micros(micros), tz)
            .map_err(|e| format!("error: {what} `{t}`: {e}"));
    }
    let iso = IsoDateTime::parse(t).map_err(|e| {
        format!(
            "error: {what} `{t}`: {e}\n  = help: `now`, a date `2026-03-01`, a datetime `2026-03-01T09:00:00` (optionally with `Z` or `+01:00`), or `+DURATION`"
        )
    })?;
    let value = iso
        .resolve(tz)
        .map_err(|e| format!("error: {what} `{t}`: {e}"))?;
    value
        .canonical_in(tz)
        .map_err(|e| format!("error: {what} `{t}`: {e}"))
}

/// The current time in `zone`: the one place the CLI reads the clock for `next`/`simulate`.
pub(crate) fn now_in(zone: Zone) -> Result<ZonedTime, String> {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    ZonedTime::from_instant(Instant::from_unix_micros(micros), Tz::Zone(zone))
        .map_err(|e| format!("error: {e}"))
}

/// Reads a zone name given with `--tz` or in a job file.
pub(crate) fn parse_zone(name: &str, what: &str) -> Result<Zone, String> {
    Zone::get(name).map_err(|e| match e {
        schedctl_trigger::ZoneLookupError::Unknown { suggestion: Some(s) } => {
            format!("error: {what}: unknown time zone `{name}`\n  = help: did you mean `{s}`?")
        }
        _ => format!("error: {what}: unknown time zone `{name}`\n  = help: an IANA zone name such as `Europe/Berlin`, `America/New_York` or `UTC`"),
    })
}
