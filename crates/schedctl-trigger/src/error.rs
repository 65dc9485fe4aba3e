//! Errors of trigger parsing and evaluation.
//!
//! Every parse error carries the byte span of the offending text in the trigger string, a
//! message that says what was wrong, and a help line that says what is allowed. Parsing
//! collects every error of a string ([`ParseErrors`]) instead of stopping at the first.

use std::fmt;
use std::ops::Range;

use crate::cron::field::CronField;
use crate::diagnostic::{render_diagnostic, Style};
use crate::iso::IsoError;
use crate::time::ZonedTime;

/// What was wrong with one part of a trigger string.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text before `:` is not a trigger kind.
    #[error("unknown trigger kind `{kind}`")]
    UnknownKind {
        /// The text before `:`, as written.
        kind: String,
    },
    /// A word without `=` before any field.
    #[error("expected `FIELD=VALUE`, found `{word}`")]
    ExpectedField {
        /// The word, as written.
        word: String,
    },
    /// The same field twice.
    #[error("field `{field}` given twice")]
    DuplicateField {
        /// The field's name.
        field: String,
    },
    /// A field this kind of trigger does not have.
    #[error("`{kind}` triggers have no field `{field}`")]
    UnknownField {
        /// The trigger kind, e.g. `cron`.
        kind: &'static str,
        /// The field's name, as written.
        field: String,
    },
    /// A cron expression of no known form.
    #[error("`{field}` value `{expr}` is not a cron expression")]
    UnrecognizedExpression {
        /// The cron field.
        field: CronField,
        /// The expression, as written.
        expr: String,
    },
    /// A value below the field's minimum.
    #[error("`{field}` value `{value}` is below the minimum `{min}`")]
    BelowMinimum {
        /// The cron field.
        field: CronField,
        /// The value given.
        value: u64,
        /// The field's smallest value.
        min: u32,
    },
    /// A value above the field's maximum.
    #[error("`{field}` value `{value}` is above the maximum `{max}`")]
    AboveMaximum {
        /// The cron field.
        field: CronField,
        /// The value given.
        value: u64,
        /// The field's largest value.
        max: u32,
    },
    /// `a-b` with `a > b`.
    #[error("`{field}` range `{first}-{last}` runs backwards")]
    ReversedRange {
        /// The cron field.
        field: CronField,
        /// The range's first value (`a`).
        first: u64,
        /// The range's last value (`b`).
        last: u64,
    },
    /// A step of zero.
    #[error("`{field}` step must be at least 1")]
    ZeroStep {
        /// The cron field.
        field: CronField,
    },
    /// A step larger than the range it steps through.
    #[error("`{field}` step `{step}` is larger than the range it steps through ({range})")]
    StepTooLarge {
        /// The cron field.
        field: CronField,
        /// The step given.
        step: u64,
        /// The width of the range as APScheduler computes it: `last - first` (the field's
        /// maximum for a missing `last`), `max - min` for `*`; negative when `first` lies past
        /// the maximum.
        range: i64,
    },
    /// Not a month name.
    #[error("`{name}` is not a month name")]
    BadMonthName {
        /// The word, as written.
        name: String,
    },
    /// Not a weekday name.
    #[error("`{name}` is not a weekday name")]
    BadWeekdayName {
        /// The word, as written.
        name: String,
    },
    /// A crontab line without exactly five fields.
    #[error("crontab needs 5 fields (minute hour day month day_of_week), found {found}")]
    CrontabFieldCount {
        /// How many whitespace-separated fields the line has.
        found: usize,
    },
    /// A date or datetime that cannot be read.
    #[error("`{field}` value `{text}`: {error}")]
    BadDate {
        /// The field: `start_date`, `end_date` or `run_date`.
        field: &'static str,
        /// The value, as written.
        text: String,
        /// Why it cannot be read.
        #[source]
        error: IsoError,
    },
    /// A date outside years 1..=9999 once put in the trigger's zone.
    #[error("`{field}` is outside years 1 to 9999")]
    DateOutOfRange {
        /// The field: `start_date`, `end_date` or `run_date`.
        field: &'static str,
    },
    /// A zone name the IANA database does not have.
    #[error("unknown time zone `{name}`")]
    UnknownZone {
        /// The zone name, as written.
        name: String,
        /// The canonical name when the given one differs only in case.
        suggestion: Option<&'static str>,
    },
    /// Not an integer.
    #[error("`{field}` value `{text}` is not an integer")]
    BadInteger {
        /// The field's name.
        field: &'static str,
        /// The value, as written.
        text: String,
    },
    /// A DST policy name that does not exist.
    #[error("`{field}` value `{value}` is not a policy")]
    BadPolicy {
        /// The field: `dst_gap`, `dst_fold` or `dst_jump`.
        field: &'static str,
        /// The value, as written.
        value: String,
        /// The policy names the field takes, APScheduler 3.x's behaviour first.
        allowed: &'static str,
    },
    /// An interval too long to represent.
    #[error("the interval is longer than 999,999,999 days")]
    IntervalTooLong,
    /// A whole number outside what the field takes (a calendar interval's time of day).
    #[error("`{field}` value `{value}` is outside 0 to {max}")]
    OutOfRange {
        /// The field: `hour`, `minute` or `second`.
        field: &'static str,
        /// The value given.
        value: i64,
        /// The field's largest value (the smallest is 0).
        max: u32,
    },
    /// A calendar interval whose years, months, weeks and days are all zero.
    #[error("the interval must be at least 1 day long")]
    ZeroCalendarInterval,
    /// A calendar interval's `end_date` before its `start_date`.
    #[error("end_date cannot be earlier than start_date")]
    EndBeforeStart,
    /// `and:` or `or:` without a bracketed trigger.
    #[error("`{kind}` needs one or more bracketed triggers")]
    NoChildren {
        /// `and` or `or`.
        kind: &'static str,
    },
    /// A `[` without its `]`.
    #[error("`[` is never closed")]
    UnclosedBracket,
    /// A bracket after the bracketed triggers (or a `]` without `[`).
    #[error("unexpected bracket: bracketed triggers come first, then `jitter=N`")]
    StrayBracket,
}

impl ErrorKind {
    /// One line saying what would be right.
    pub fn help(&self) -> String {
        match self {
            ErrorKind::UnknownKind { .. } => "a trigger starts with `cron:`, `crontab:`, \
                 `interval:`, `date:`, `calendarinterval:`, `and:` or `or:`"
                .into(),
            ErrorKind::ExpectedField { .. } => {
                "write fields as `FIELD=VALUE`, e.g. `cron:hour=2 minute=30`".into()
            }
            ErrorKind::DuplicateField { .. } => "give each field once".into(),
            ErrorKind::UnknownField { kind, .. } => format!("`{kind}` fields: {}", fields_of(kind)),
            ErrorKind::UnrecognizedExpression { field, .. }
            | ErrorKind::ZeroStep { field }
            | ErrorKind::StepTooLarge { field, .. }
            | ErrorKind::ReversedRange { field, .. } => field.allowed().into(),
            ErrorKind::BelowMinimum { field, .. } | ErrorKind::AboveMaximum { field, .. } => {
                field.allowed().into()
            }
            ErrorKind::BadMonthName { .. } => {
                "months: jan feb mar apr may jun jul aug sep oct nov dec".into()
            }
            ErrorKind::BadWeekdayName { .. } => "weekdays: mon tue wed thu fri sat sun".into(),
            ErrorKind::CrontabFieldCount { .. } => {
                "e.g. `crontab:30 2 * * mon-fri` (weekday 0 = mon, as in APScheduler 3.x)".into()
            }
            ErrorKind::BadDate {
                error: IsoError::NotADate,
                ..
            } => "a date without a time of day, e.g. `2026-03-01` (calendarinterval's start_date \
                 and end_date are dates; its time of day is `hour`, `minute`, `second`)"
                .into(),
            ErrorKind::BadDate { .. } | ErrorKind::DateOutOfRange { .. } => {
                "ISO 8601: `2026-03-01`, `2026-03-01T02:30:00`, optionally with `Z` or `+01:00`"
                    .into()
            }
            ErrorKind::UnknownZone {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            ErrorKind::UnknownZone { .. } => {
                "an IANA zone name such as `Europe/Berlin`, `America/New_York` or `UTC`".into()
            }
            ErrorKind::BadInteger { .. } => "a whole number, e.g. `hours=2`".into(),
            ErrorKind::BadPolicy { allowed, .. } => {
                format!("one of: {allowed} (the first is APScheduler 3.x's behaviour)")
            }
            ErrorKind::IntervalTooLong => {
                "Python's timedelta, and so APScheduler, holds at most 999,999,999 days".into()
            }
            ErrorKind::OutOfRange { .. } => {
                "the time of day: hour 0-23, minute 0-59, second 0-59".into()
            }
            ErrorKind::ZeroCalendarInterval => {
                "give years, months, weeks or days, e.g. `calendarinterval:months=1 hour=9`".into()
            }
            ErrorKind::EndBeforeStart => {
                "end_date is the last date that may fire; it cannot come before start_date".into()
            }
            ErrorKind::NoChildren { kind } => {
                format!("bracketed triggers, then optionally jitter: `{kind}:[TRIGGER] [TRIGGER] ...`, e.g. `or:[cron:hour=6] [cron:hour=18]`")
            }
            ErrorKind::UnclosedBracket | ErrorKind::StrayBracket => {
                "write each combined trigger in brackets: `or:[cron:hour=6] [cron:hour=18] jitter=60`"
                    .into()
            }
        }
    }
}

fn fields_of(kind: &str) -> &'static str {
    match kind {
        "cron" => {
            "year month day week day_of_week hour minute second start_date end_date timezone jitter dst_gap dst_fold"
        }
        "interval" => "weeks days hours minutes seconds start_date end_date timezone jitter",
        "calendarinterval" => {
            "years months weeks days hour minute second start_date end_date timezone jitter"
        }
        "and" | "or" => "bracketed triggers, then jitter",
        _ => "run_date timezone",
    }
}

/// One error in a trigger string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    span: Range<usize>,
    kind: ErrorKind,
}

impl ParseError {
    pub(crate) fn new(span: Range<usize>, kind: ErrorKind) -> ParseError {
        ParseError { span, kind }
    }

    /// Byte range of the offending text in the trigger string.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// What was wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for ParseError {}

/// All errors of one trigger string, with the string, so each can be shown with a caret.
///
/// ```
/// # use schedctl_trigger::Trigger;
/// let err = "cron:hour=24 minute=x".parse::<Trigger>().unwrap_err();
/// assert_eq!(err.errors().len(), 2);
/// assert_eq!(err.errors()[0].to_string(), "`hour` value `24` is above the maximum `23`");
/// assert_eq!(err.errors()[0].span(), 10..12);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseErrors {
    source: String,
    errors: Vec<ParseError>,
}

impl ParseErrors {
    pub(crate) fn new(source: &str, errors: Vec<ParseError>) -> ParseErrors {
        ParseErrors {
            source: source.to_owned(),
            errors,
        }
    }

    /// The trigger string.
    pub fn source_text(&self) -> &str {
        &self.source
    }

    /// Each error, in the order of the string.
    pub fn errors(&self) -> &[ParseError] {
        &self.errors
    }

    /// The errors drawn under the string as rustc draws them (plain text), each with a help
    /// line:
    ///
    /// ```
    /// # use schedctl_trigger::Trigger;
    /// let err = "cron:hour=24".parse::<Trigger>().unwrap_err();
    /// assert_eq!(err.render(), "\
    /// error: `hour` value `24` is above the maximum `23`
    ///   |
    /// 1 | cron:hour=24
    ///   |           ^^
    ///   |
    ///   = help: hour: 0-23, `*`, `*/n`, `a-b`, `a-b/n`, lists `a,b`
    /// ");
    /// ```
    pub fn render(&self) -> String {
        self.render_styled(Style::Plain)
    }

    /// [`ParseErrors::render`] with ANSI colours when `style` is [`Style::Color`].
    pub fn render_styled(&self, style: Style) -> String {
        self.errors
            .iter()
            .map(|e| {
                render_diagnostic(
                    &self.source,
                    None,
                    e.span.clone(),
                    &e.kind.to_string(),
                    &e.kind.help(),
                    style,
                )
            })
            // A blank line between two errors, as rustc leaves.
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for e in &self.errors {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}

/// A failure while evaluating a valid trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A date computation left Python's datetime range (years 1 to 9999).
    #[error("the next fire time would be outside years 1 to 9999")]
    OutOfRange,
    /// A calendar interval whose first date (the scheduler start's, without `start_date`)
    /// lies after its `end_date`: APScheduler refuses to make such a trigger.
    #[error("end_date cannot be earlier than start_date (the scheduler start's date, as none was given)")]
    EndBeforeStart,
    /// A calendar interval whose dates never leave a DST gap (APScheduler loops for ever).
    #[error("the calendar interval's time of day falls in a DST gap on every date it tries")]
    CalendarStuck,
    /// APScheduler 3.11's AndTrigger never returns after the fire `after`: given a previous
    /// fire time its children ignore the raised `now`, and they disagree (`disagree` holds
    /// the earliest and the latest of their answers).
    #[error(
        "APScheduler 3.11's AndTrigger never returns after the fire at {}: its triggers disagree \
         (next fires {} and {}) and, given a previous fire time, they ignore the raised `now`, \
         so the scheduler thread loops for ever (every job stops)",
        canonical(after),
        canonical(&disagree.0),
        canonical(&disagree.1)
    )]
    AndTriggerLoops {
        /// The fire after which the search never returns, in the trigger's zone.
        after: ZonedTime,
        /// The earliest and the latest of the children's next fires, in the trigger's zone.
        disagree: (ZonedTime, ZonedTime),
    },
    /// APScheduler's scheduler never finishes collecting a job's run times: its trigger, asked
    /// for the fire after each run time, comes back to the run time `again` without passing
    /// the scheduler's `now` (an `or` of children in different zones can alternate), and
    /// `Job._get_run_times` loops for ever. Found by the scheduling policy, not by a trigger.
    #[error(
        "APScheduler 3.11 never finishes collecting this job's run times: its trigger comes back \
         to the fire at {} without passing the scheduler's `now`, so the scheduler thread loops \
         for ever (every job stops)",
        canonical(again)
    )]
    RunTimesRepeat {
        /// The run time the trigger came back to.
        again: ZonedTime,
    },
    /// An `and` whose children disagreed for 500,000 rounds of its search (APScheduler would
    /// search on, to year 9999).
    #[error("the `and` trigger's children found no common fire in 500,000 rounds of search (APScheduler 3.11 would search on, to year 9999): they probably never agree")]
    AndSearchTooLong,
}

impl EvalError {
    /// Whether APScheduler 3.11's scheduler thread hangs on this error (an AndTrigger loop, a
    /// run-time collection that never ends): the simulation records a freeze (CONTRACT rule
    /// 7a) instead of failing.
    pub fn freezes_scheduler(&self) -> bool {
        matches!(
            self,
            EvalError::AndTriggerLoops { .. } | EvalError::RunTimesRepeat { .. }
        )
    }
}

/// A raw fire as it reads on the clock (a DST-gap wall time moved to where it really is).
fn canonical(t: &ZonedTime) -> String {
    t.canonical_in(t.tz())
        .map_or_else(|_| t.to_string(), |c| c.to_string())
}

impl From<crate::time::OutOfRange> for EvalError {
    fn from(_: crate::time::OutOfRange) -> EvalError {
        EvalError::OutOfRange
    }
}
