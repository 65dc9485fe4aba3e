//! The text form of triggers: `KIND:FIELD=VALUE ...` (CONTRACT.md, "Trigger strings").
//!
//! Fields are separated by whitespace or `;`; a word without `=` continues the previous
//! field's value; `and:`/`or:` take bracketed trigger strings first. Every error is pushed
//! with the byte span of its text in the whole string, and parsing goes on, so one pass
//! reports every mistake.

use crate::calendar::{CalendarIntervalTrigger, CALENDAR_TIME_FIELDS, CALENDAR_UNITS};
use crate::civil::days_from_civil;
use crate::cron::{CronField, CronTrigger, FieldText};
use crate::date::DateTrigger;
use crate::dst::{DstPolicy, FoldPolicy, GapPolicy, JumpPolicy};
use crate::error::{ErrorKind, ParseError, ParseErrors};
use crate::interval::{IntervalTrigger, INTERVAL_UNITS};
use crate::iso::IsoDateTime;
use crate::time::{Tz, ZonedTime};
use std::str::FromStr;

use crate::trigger::{CombiningTrigger, Trigger};
use crate::zone::{Zone, ZoneLookupError};

/// The trigger kinds, as written before the `:`.
pub(crate) const KINDS: [&str; 7] = [
    "cron",
    "crontab",
    "interval",
    "date",
    "calendarinterval",
    "and",
    "or",
];

/// A word of the body and its byte offset in the whole string.
struct Word<'a> {
    text: &'a str,
    at: usize,
}

fn words(body: &str, base: usize, seps: fn(char) -> bool) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in body.char_indices() {
        if seps(c) {
            if let Some(s) = start.take() {
                out.push(Word {
                    text: &body[s..i],
                    at: base + s,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &body[s..],
            at: base + s,
        });
    }
    out
}

/// One `FIELD=VALUE` of the body, the value joined with spaces across continuation words.
struct FieldSpec {
    key: String,
    key_at: usize,
    value: String,
    value_at: usize,
    value_end: usize,
}

impl FieldSpec {
    fn span(&self) -> std::ops::Range<usize> {
        self.value_at..self.value_end.max(self.value_at + 1)
    }

    fn key_span(&self) -> std::ops::Range<usize> {
        self.key_at..self.key_at + self.key.len().max(1)
    }
}

fn split_fields(body: &str, base: usize, errors: &mut Vec<ParseError>) -> Vec<FieldSpec> {
    let mut fields: Vec<FieldSpec> = Vec::new();
    for w in words(body, base, |c| c.is_whitespace() || c == ';') {
        if let Some((key, value)) = w.text.split_once('=') {
            if fields.iter().any(|f| f.key == key) {
                errors.push(ParseError::new(
                    w.at..w.at + key.len().max(1),
                    ErrorKind::DuplicateField { field: key.into() },
                ));
                continue;
            }
            let value_at = w.at + key.len() + 1;
            fields.push(FieldSpec {
                key: key.into(),
                key_at: w.at,
                value: value.into(),
                value_at,
                value_end: value_at + value.len(),
            });
        } else if let Some(last) = fields.last_mut() {
            last.value.push(' ');
            last.value.push_str(w.text);
            last.value_end = w.at + w.text.len();
        } else {
            errors.push(ParseError::new(
                w.at..w.at + w.text.len(),
                ErrorKind::ExpectedField {
                    word: w.text.into(),
                },
            ));
        }
    }
    fields
}

/// Python's `int()` on a field value: optional sign, digits, `_` between digits.
fn parse_int(field: &'static str, spec: &FieldSpec) -> Result<i64, ParseError> {
    let bad = || {
        ParseError::new(
            spec.span(),
            ErrorKind::BadInteger {
                field,
                text: spec.value.clone(),
            },
        )
    };
    let t = spec.value.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return Err(bad());
    }
    let v: i64 = digits.replace('_', "").parse().map_err(|_| bad())?;
    Ok(if neg { -v } else { v })
}

fn lookup_zone(name: &str, span: std::ops::Range<usize>) -> Result<Zone, ParseError> {
    Zone::get(name).map_err(|e| {
        let suggestion = match e {
            ZoneLookupError::Unknown { suggestion } => suggestion,
            ZoneLookupError::Corrupt => None,
        };
        ParseError::new(
            span,
            ErrorKind::UnknownZone {
                name: name.into(),
                suggestion,
            },
        )
    })
}

fn parse_date_field(
    field: &'static str,
    spec: &FieldSpec,
    zone: Zone,
) -> Result<ZonedTime, ParseError> {
    let iso = IsoDateTime::parse(&spec.value).map_err(|error| {
        ParseError::new(
            spec.span(),
            ErrorKind::BadDate {
                field,
                text: spec.value.clone(),
                error,
            },
        )
    })?;
    iso.resolve(Tz::Zone(zone))
        .map_err(|_| ParseError::new(spec.span(), ErrorKind::DateOutOfRange { field }))
}

/// Parses one trigger string, `text`, which stands at byte `base` of the whole string (a
/// child of `and:`/`or:` stands inside brackets): every span pushed is in the whole string.
pub(crate) fn parse_body(
    text: &str,
    base: usize,
    default_zone: Zone,
    errors: &mut Vec<ParseError>,
) -> Option<Trigger> {
    let Some((kind_raw, body)) = text.split_once(':') else {
        errors.push(ParseError::new(
            base..base + text.len().max(1),
            ErrorKind::UnknownKind {
                kind: text.trim().into(),
            },
        ));
        return None;
    };
    let kind = kind_raw.trim();
    let body_at = base + kind_raw.len() + 1;
    let end = base + text.len();
    if !KINDS.contains(&kind) {
        let lead = base + kind_raw.len() - kind_raw.trim_start().len();
        errors.push(ParseError::new(
            lead..lead + kind.len().max(1),
            ErrorKind::UnknownKind { kind: kind.into() },
        ));
        return None;
    }
    match kind {
        "crontab" => parse_crontab(body, body_at, end, default_zone, errors),
        "and" | "or" => parse_combination(kind, body, body_at, end, default_zone, errors),
        _ => {
            let mut fields = Fields {
                specs: split_fields(body, body_at, errors),
            };
            let zone = match fields.take("timezone") {
                Some(spec) => lookup_zone(spec.value.trim(), spec.span())
                    .map_err(|e| errors.push(e))
                    .unwrap_or(default_zone),
                None => default_zone,
            };
            let trigger = match kind {
                "date" => {
                    let run_date = fields.date("run_date", zone, errors);
                    Some(Trigger::Date(DateTrigger { run_date, zone }))
                }
                "calendarinterval" => parse_calendar(&mut fields, body_at, end, zone, errors)
                    .map(Trigger::CalendarInterval),
                "cron" => parse_cron(&mut fields, zone, errors),
                _ => parse_interval(&mut fields, body_at, end, zone, errors),
            };
            let kind = KINDS
                .iter()
                .find(|k| **k == kind)
                .copied()
                .unwrap_or("cron");
            errors.extend(fields.specs.iter().map(|spec| {
                ParseError::new(
                    spec.key_span(),
                    ErrorKind::UnknownField {
                        kind,
                        field: spec.key.clone(),
                    },
                )
            }));
            trigger
        }
    }
}

/// The fields of a body not read yet: what is left at the end is unknown to the kind.
struct Fields {
    specs: Vec<FieldSpec>,
}

impl Fields {
    fn take(&mut self, name: &str) -> Option<FieldSpec> {
        let i = self.specs.iter().position(|f| f.key == name)?;
        Some(self.specs.remove(i))
    }

    fn date(
        &mut self,
        name: &'static str,
        zone: Zone,
        errors: &mut Vec<ParseError>,
    ) -> Option<ZonedTime> {
        parse_date_field(name, &self.take(name)?, zone)
            .map_err(|e| errors.push(e))
            .ok()
    }

    /// A DST policy field (`dst_gap`, `dst_fold`, `dst_jump`) into `slot`, or an error saying
    /// which names it takes.
    fn policy<P>(
        &mut self,
        name: &'static str,
        from_name: fn(&str) -> Option<P>,
        allowed: &'static str,
        slot: &mut P,
        errors: &mut Vec<ParseError>,
    ) {
        let Some(spec) = self.take(name) else { return };
        match from_name(spec.value.trim()) {
            Some(p) => *slot = p,
            None => errors.push(ParseError::new(
                spec.span(),
                ErrorKind::BadPolicy {
                    field: name,
                    value: spec.value.clone(),
                    allowed,
                },
            )),
        }
    }

    fn int(&mut self, name: &'static str, errors: &mut Vec<ParseError>) -> Option<i64> {
        parse_int(name, &self.take(name)?)
            .map_err(|e| errors.push(e))
            .ok()
    }
}

fn parse_crontab(
    body: &str,
    body_at: usize,
    end: usize,
    zone: Zone,
    errors: &mut Vec<ParseError>,
) -> Option<Trigger> {
    let parts = words(body, body_at, char::is_whitespace);
    if parts.len() != 5 {
        errors.push(ParseError::new(
            body_at..end.max(body_at + 1),
            ErrorKind::CrontabFieldCount { found: parts.len() },
        ));
        return None;
    }
    let at = |i: usize| {
        Some(FieldText {
            text: parts[i].text,
            offset: parts[i].at,
        })
    };
    // from_crontab: minute hour day month day_of_week
    let given = [None, at(3), at(2), None, at(4), at(1), at(0), None];
    CronTrigger::build(given, zone, None, None, None, DstPolicy::default(), errors)
        .map(|c| Trigger::Cron(Box::new(c)))
}

fn parse_cron(fields: &mut Fields, zone: Zone, errors: &mut Vec<ParseError>) -> Option<Trigger> {
    let start_date = fields.date("start_date", zone, errors);
    let end_date = fields.date("end_date", zone, errors);
    let jitter = fields.int("jitter", errors);
    let mut dst = DstPolicy::default();
    fields.policy(
        "dst_gap",
        GapPolicy::from_name,
        GapPolicy::NAMES,
        &mut dst.gap,
        errors,
    );
    fields.policy(
        "dst_fold",
        FoldPolicy::from_name,
        FoldPolicy::NAMES,
        &mut dst.fold,
        errors,
    );
    fields.policy(
        "dst_jump",
        JumpPolicy::from_name,
        JumpPolicy::NAMES,
        &mut dst.jump,
        errors,
    );
    let mut given: [Option<FieldText<'_>>; 8] = Default::default();
    let mut unknown = Vec::new();
    for spec in &fields.specs {
        match CronField::from_name(&spec.key) {
            Some(f) => {
                given[f as usize] = Some(FieldText {
                    text: &spec.value,
                    offset: spec.value_at,
                })
            }
            None => unknown.push(spec.key.clone()),
        }
    }
    let built = CronTrigger::build(given, zone, start_date, end_date, jitter, dst, errors)
        .map(|c| Trigger::Cron(Box::new(c)));
    fields.specs.retain(|spec| unknown.contains(&spec.key));
    built
}

fn parse_interval(
    fields: &mut Fields,
    body_at: usize,
    end: usize,
    zone: Zone,
    errors: &mut Vec<ParseError>,
) -> Option<Trigger> {
    let start_date = fields.date("start_date", zone, errors);
    let end_date = fields.date("end_date", zone, errors);
    let jitter = fields.int("jitter", errors);
    let units = INTERVAL_UNITS.map(|unit| fields.int(unit, errors));
    // Python's timedelta holds at most 999,999,999 days.
    let seconds: i128 = units
        .iter()
        .zip([604_800i128, 86_400, 3_600, 60, 1])
        .map(|(v, s)| i128::from(v.unwrap_or(0)) * s)
        .sum();
    if seconds.abs() >= 1_000_000_000 * 86_400 {
        errors.push(ParseError::new(
            body_at..end.max(body_at + 1),
            ErrorKind::IntervalTooLong,
        ));
    }
    Some(Trigger::Interval(IntervalTrigger {
        units,
        zone,
        start_date,
        end_date,
        jitter,
    }))
}

/// `calendarinterval:`: APScheduler 3.11's `CalendarIntervalTrigger` checks, each pointed at
/// its field (dates only for start_date/end_date, a valid time of day, not all units zero,
/// end_date not before start_date).
fn parse_calendar(
    fields: &mut Fields,
    body_at: usize,
    end: usize,
    zone: Zone,
    errors: &mut Vec<ParseError>,
) -> Option<CalendarIntervalTrigger> {
    let before = errors.len();
    let mut date = |name: &'static str, errors: &mut Vec<ParseError>| {
        let spec = fields.take(name)?;
        IsoDateTime::parse_date(&spec.value)
            .map(|(y, m, d)| (days_from_civil(y, m, d), spec.span()))
            .map_err(|error| {
                errors.push(ParseError::new(
                    spec.span(),
                    ErrorKind::BadDate {
                        field: name,
                        text: spec.value.clone(),
                        error,
                    },
                ))
            })
            .ok()
    };
    let start_date = date("start_date", errors);
    let end_date = date("end_date", errors);
    let jitter = fields.int("jitter", errors);
    let units = CALENDAR_UNITS.map(|unit| fields.int(unit, errors));
    let mut time = [0u32; 3];
    for (i, (name, max)) in CALENDAR_TIME_FIELDS
        .into_iter()
        .zip([23, 59, 59])
        .enumerate()
    {
        let Some(spec) = fields.take(name) else {
            continue;
        };
        match parse_int(name, &spec) {
            Ok(v) if (0..=i64::from(max)).contains(&v) => time[i] = v as u32,
            Ok(value) => errors.push(ParseError::new(
                spec.span(),
                ErrorKind::OutOfRange {
                    field: name,
                    value,
                    max,
                },
            )),
            Err(e) => errors.push(e),
        }
    }
    let units = units.map(|u| u.unwrap_or(0));
    if units == [0; 4] && errors.len() == before {
        errors.push(ParseError::new(
            body_at..end.max(body_at + 1),
            ErrorKind::ZeroCalendarInterval,
        ));
    }
    if let (Some((start, _)), Some((last, span))) = (&start_date, &end_date) {
        if start > last {
            errors.push(ParseError::new(span.clone(), ErrorKind::EndBeforeStart));
        }
    }
    Some(CalendarIntervalTrigger {
        units,
        time,
        start_date: start_date.map(|(d, _)| d),
        end_date: end_date.map(|(d, _)| d),
        zone,
        jitter,
    })
}

/// `and:[T1] [T2] ... [jitter=N]` and `or:[...]`: the bracketed children, each parsed as a
/// trigger string of its own (errors point inside the brackets), then the combination's own
/// fields (only `jitter`).
fn parse_combination(
    kind: &str,
    body: &str,
    body_at: usize,
    end: usize,
    zone: Zone,
    errors: &mut Vec<ParseError>,
) -> Option<Trigger> {
    let kind: &'static str = if kind == "and" { "and" } else { "or" };
    let (groups, rest_at) = split_groups(body, body_at, errors)?;
    if groups.is_empty() {
        errors.push(ParseError::new(
            body_at..end.max(body_at + 1),
            ErrorKind::NoChildren { kind },
        ));
    }
    let children: Vec<Option<Trigger>> = groups
        .iter()
        .map(|(text, at)| parse_body(text, *at, zone, errors))
        .collect();
    let rest = &body[rest_at - body_at..];
    let mut fields = Fields {
        specs: split_fields(rest, rest_at, errors),
    };
    let jitter = fields.int("jitter", errors);
    errors.extend(fields.specs.iter().map(|spec| {
        ParseError::new(
            spec.key_span(),
            ErrorKind::UnknownField {
                kind,
                field: spec.key.clone(),
            },
        )
    }));
    let children = children.into_iter().collect::<Option<Vec<_>>>()?;
    let combination = CombiningTrigger {
        children,
        jitter,
        zone,
    };
    Some(if kind == "and" {
        Trigger::And(combination)
    } else {
        Trigger::Or(combination)
    })
}

/// The bracketed groups at the start of `body` (each as its text and its offset in the whole
/// string, brackets nested), and the offset where the rest begins. A bracket left open, or
/// one in the rest, is an error.
fn split_groups<'a>(
    body: &'a str,
    body_at: usize,
    errors: &mut Vec<ParseError>,
) -> Option<(Vec<(&'a str, usize)>, usize)> {
    let bytes = body.as_bytes();
    let mut groups = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b';') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'[' {
            break;
        }
        let mut depth = 0usize;
        let mut close = None;
        for (j, b) in bytes.iter().enumerate().skip(i) {
            match b {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else {
            errors.push(ParseError::new(
                body_at + i..body_at + i + 1,
                ErrorKind::UnclosedBracket,
            ));
            return None;
        };
        groups.push((&body[i + 1..close], body_at + i + 1));
        i = close + 1;
    }
    if let Some(j) = body[i..].find(['[', ']']) {
        errors.push(ParseError::new(
            body_at + i + j..body_at + i + j + 1,
            ErrorKind::StrayBracket,
        ));
        return None;
    }
    Some((groups, body_at + i))
}

impl Trigger {
    /// Parses a trigger string whose zone, unless it names one with `timezone=`, is `zone`
    /// (the scheduler's default zone; `and:`/`or:` write their fires in it). Naive dates in
    /// the string (`start_date`, `end_date`, `run_date` without an offset) are read in the
    /// trigger's zone as APScheduler 3.x reads them; `crontab:` weekdays count from 0 =
    /// Monday, as APScheduler's `CronTrigger.from_crontab` does.
    ///
    /// Errors: [`ParseErrors`] with every error of the string (not only the first), each
    /// with its byte span, a message and a help line ([`ErrorKind::help`](crate::ErrorKind::help)).
    ///
    /// ```
    /// use schedctl_trigger::{Trigger, Zone};
    ///
    /// let st_johns = Zone::get("America/St_Johns")?;
    /// let t = Trigger::parse_in("cron:hour=9 minute=30", st_johns)?;
    /// assert_eq!(t.zone(), st_johns);
    /// // `timezone=` in the string wins over the default zone.
    /// let utc = Trigger::parse_in("interval:hours=1 timezone=UTC", st_johns)?;
    /// assert_eq!(utc.zone(), Zone::utc());
    ///
    /// let err = Trigger::parse_in("cron:hour=24 minute=x", st_johns).unwrap_err();
    /// let messages: Vec<String> = err.errors().iter().map(|e| e.to_string()).collect();
    /// assert_eq!(messages, [
    ///     "`hour` value `24` is above the maximum `23`",
    ///     "`minute` value `x` is not a cron expression",
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_in(text: &str, zone: Zone) -> Result<Trigger, ParseErrors> {
        let mut errors = Vec::new();
        let trigger = parse_body(text, 0, zone, &mut errors);
        match trigger {
            Some(t) if errors.is_empty() => Ok(t),
            _ => {
                errors.sort_by_key(|e| e.span().start);
                Err(ParseErrors::new(text, errors))
            }
        }
    }
}

impl FromStr for Trigger {
    type Err = ParseErrors;

    /// Parses with `UTC` as the default zone; see [`Trigger::parse_in`] for the zone rules
    /// and the errors.
    fn from_str(s: &str) -> Result<Trigger, ParseErrors> {
        Trigger::parse_in(s, Zone::utc())
    }
}
