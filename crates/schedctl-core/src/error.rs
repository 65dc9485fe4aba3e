//! Errors of the job file, each with the byte span it is about and a help line.

use std::fmt;
use std::ops::Range;

use schedctl_trigger::{render_diagnostic, Style};

use crate::duration::Micros;

/// What is wrong at one place of a job file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileErrorKind {
    /// Not valid TOML (this includes a key given twice).
    #[error("{message}")]
    Toml {
        /// The TOML parser's message.
        message: String,
    },
    /// A key the section does not have.
    #[error("unknown key `{key}` in {section}")]
    UnknownKey {
        /// The section, e.g. `[[job]]` or `top level`.
        section: String,
        /// The key, as written.
        key: String,
        /// The keys the section takes, comma-separated.
        allowed: String,
    },
    /// A value of the wrong type.
    #[error("`{key}` must be {expected}, found {found}")]
    WrongType {
        /// The key.
        key: String,
        /// The type the key takes, in words (`a string`, `an integer`, ...).
        expected: String,
        /// The TOML type given, in words.
        found: String,
    },
    /// A required key is missing.
    #[error("{section} is missing `{key}`")]
    Missing {
        /// The missing key.
        key: String,
        /// The section it is missing from, e.g. `[[job]]` or ``job store `main` ``.
        section: String,
    },
    /// An integer that must be at least 1.
    #[error("`{key}` must be at least 1, found `{value}`")]
    NotPositive {
        /// The key.
        key: String,
        /// The value, as written.
        value: String,
    },
    /// An integer too large.
    #[error("`{key}` is too large")]
    TooLarge {
        /// The key.
        key: String,
    },
    /// A duration that cannot be read.
    #[error("`{key}` value `{text}` is not a duration: {reason}")]
    BadDuration {
        /// The key.
        key: String,
        /// The value, as written.
        text: String,
        /// Why it is not a duration (humantime's message, or a limit such as 100 years).
        reason: String,
        /// Whether the key also takes `"none"` (no limit), as `misfire_grace_time` does.
        none_allowed: bool,
    },
    /// A datetime that cannot be read.
    #[error("`{key}` value `{text}` is not a datetime: {reason}")]
    BadDatetime {
        /// The key.
        key: String,
        /// The value, as written.
        text: String,
        /// Why it cannot be read.
        reason: String,
    },
    /// An unknown time zone.
    #[error("unknown time zone `{name}`")]
    UnknownZone {
        /// The zone name, as written.
        name: String,
        /// The canonical name when the given one differs only in case.
        suggestion: Option<&'static str>,
    },
    /// A bad trigger string (the span points into it).
    #[error("{message}")]
    Trigger {
        /// The trigger parser's message.
        message: String,
        /// The trigger parser's help line.
        help: String,
    },
    /// Two jobs with one id.
    #[error("job id `{id}` is already used by the job on line {first_line}")]
    DuplicateId {
        /// The id.
        id: String,
        /// The line (1-based) of the job that has the id first.
        first_line: usize,
    },
    /// An empty id.
    #[error("job id is empty")]
    EmptyId,
    /// A job naming an executor that is not defined.
    #[error("unknown executor `{name}`")]
    UnknownExecutor {
        /// The executor's name, as written.
        name: String,
        /// The executors the file defines, comma-separated.
        defined: String,
    },
    /// A job naming a job store that is not defined.
    #[error("unknown job store `{name}`")]
    UnknownJobStore {
        /// The job store's name, as written.
        name: String,
        /// The job stores the file defines, comma-separated.
        defined: String,
    },
    /// `[executor]` and `[executors.default]` both given.
    #[error("the default executor is given twice")]
    DefaultExecutorTwice,
    /// A job store kind other than memory, sqlite or postgres.
    #[error("unknown job store kind `{kind}`")]
    BadStoreKind {
        /// The kind, as written.
        kind: String,
    },
    /// `path` on a memory store.
    #[error("a memory job store has no `path`")]
    PathOnMemoryStore,
    /// A key of another kind of job store (`url` on an sqlite store, `path` on a postgres
    /// store, ...).
    #[error("a {kind} job store has no `{key}`")]
    KeyNotForStoreKind {
        /// The store's kind: `memory`, `sqlite` or `postgres`.
        kind: String,
        /// The key that kind does not take.
        key: String,
        /// The keys this kind of store takes, in words.
        allowed: &'static str,
    },
    /// A postgres job store with neither `url` nor `url_env`.
    #[error("a postgres job store needs `url` or `url_env`")]
    PostgresUrlMissing,
    /// A postgres job store with both `url` and `url_env`.
    #[error("a postgres job store takes `url` or `url_env`, not both")]
    PostgresUrlTwice,
    /// A `url` that is not a PostgreSQL URL. Only its scheme is kept: the rest may hold a
    /// password.
    #[error(
        "`url` must start with `postgres://` or `postgresql://`{}",
        .scheme.as_ref().map(|s| format!(", found `{s}://`")).unwrap_or_default()
    )]
    BadPostgresUrl {
        /// The URL's scheme (before `://`), if it has one.
        scheme: Option<String>,
    },
    /// A `url_env` that is not an environment variable name.
    #[error("`url_env` value {name:?} is not an environment variable name")]
    BadEnvName {
        /// The name, as written.
        name: String,
    },
    /// A `lease` outside its range.
    #[error("`lease` value `{text}` is outside {min} to {max}")]
    LeaseOutOfRange {
        /// The value, as written.
        text: String,
        /// The shortest lease allowed.
        min: Micros,
        /// The longest lease allowed.
        max: Micros,
    },
    /// A DST policy name that does not exist.
    #[error("`{key}` value `{value}` is not a policy")]
    BadPolicy {
        /// The key: `dst_gap`, `dst_fold` or `on_abandon`.
        key: String,
        /// The value, as written.
        value: String,
        /// The names the key takes, APScheduler 3.x's behaviour (or the default) first.
        allowed: &'static str,
    },
    /// A DST policy on a trigger that has no DST behaviour.
    #[error("`dst_gap` and `dst_fold` apply to cron and crontab triggers (and to the cron triggers inside `and:`/`or:`) only")]
    DstOnNonCron,
    /// A pool larger than [`crate::MAX_WORKERS`].
    #[error("`max_workers` is above {max}")]
    TooManyWorkers {
        /// The largest pool allowed ([`crate::MAX_WORKERS`]).
        max: u32,
    },
    /// An interval that goes back in time.
    #[error("the interval is negative: its fires go back in time")]
    BackwardsInterval,
    /// A NUL byte in a command argument, which no program argument can hold.
    #[error("`command` has a NUL byte (\\0): no program can be started with it")]
    NulInCommand,
    /// A pause that ends before it starts.
    #[error("pause ends (`{to}`) before it starts (`{from}`)")]
    PauseBackwards {
        /// The pause's start (RFC 3339, with its UTC offset).
        from: String,
        /// The pause's end (RFC 3339, with its UTC offset).
        to: String,
    },
}

impl FileErrorKind {
    /// One line saying what would be right.
    pub fn help(&self) -> String {
        match self {
            FileErrorKind::Toml { .. } => "see https://toml.io; each key may be given once per table".into(),
            FileErrorKind::UnknownKey { allowed, .. } => format!("allowed keys: {allowed}"),
            FileErrorKind::WrongType { .. } => "see the job file reference in the book".into(),
            FileErrorKind::Missing { key, .. } => format!("add `{key} = ...`"),
            FileErrorKind::NotPositive { .. } | FileErrorKind::TooLarge { .. } => {
                "a whole number from 1 to 4294967295".into()
            }
            FileErrorKind::BadDuration { none_allowed: true, .. } => {
                "a duration such as \"1s\", \"30s\", \"5m\", \"1h 30m\", or \"none\" for no limit".into()
            }
            FileErrorKind::BadDuration { .. } => "a duration such as \"500ms\", \"45m\", \"1h 30m\"".into(),
            FileErrorKind::BadDatetime { .. } => {
                "\"2026-03-10T02:00:00\" (in the file's timezone) or with an offset \"2026-03-10T02:00:00+01:00\"".into()
            }
            FileErrorKind::UnknownZone { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            FileErrorKind::UnknownZone { .. } => "an IANA zone such as \"Europe/Berlin\" or \"UTC\"".into(),
            FileErrorKind::Trigger { help, .. } => help.clone(),
            FileErrorKind::DuplicateId { .. } => "give each job a unique id".into(),
            FileErrorKind::EmptyId => "give the job a name, e.g. id = \"nightly-report\"".into(),
            FileErrorKind::UnknownExecutor { defined, .. } => {
                format!("defined executors: {defined} (add [executors.NAME] max_workers = N)")
            }
            FileErrorKind::UnknownJobStore { defined, .. } => {
                format!("defined job stores: {defined} (add [jobstores.NAME] kind = \"memory\")")
            }
            FileErrorKind::DefaultExecutorTwice => "keep either [executor] or [executors.default]".into(),
            FileErrorKind::BadStoreKind { .. } => {
                "kind = \"memory\"; kind = \"sqlite\" with path = \"jobs.db\"; or kind = \"postgres\" with url = \"postgres://...\" or url_env = \"NAME\"".into()
            }
            FileErrorKind::PathOnMemoryStore => {
                "kind = \"memory\", or kind = \"sqlite\" with path = \"jobs.db\"".into()
            }
            FileErrorKind::KeyNotForStoreKind { kind, allowed, .. } => {
                format!("a {kind} job store takes {allowed}")
            }
            FileErrorKind::PostgresUrlMissing | FileErrorKind::PostgresUrlTwice => {
                "give one of: url = \"postgres://USER@HOST/DB\", or url_env = \"NAME\" of an environment variable holding the URL (keeps a password out of the file)".into()
            }
            FileErrorKind::BadPostgresUrl { .. } => {
                "a URL such as \"postgres://scheduler@db.internal/jobs?sslmode=verify-full\" (or \"postgresql://...\")".into()
            }
            FileErrorKind::BadEnvName { .. } => {
                "letters, digits and `_`, not starting with a digit, e.g. url_env = \"SCHEDCTL_DATABASE_URL\"".into()
            }
            FileErrorKind::LeaseOutOfRange { min, max, .. } => {
                format!("a duration from {min} to {max} (inclusive), such as \"5s\" (the default)")
            }
            FileErrorKind::PauseBackwards { .. } => "`to` must be after `from`".into(),
            FileErrorKind::NulInCommand => {
                "program arguments are C strings: remove the \\0 (or \\u0000) from the argument".into()
            }
            FileErrorKind::BadPolicy { allowed, .. } => format!("one of: {allowed} (the first is APScheduler 3.x's behaviour)"),
            FileErrorKind::TooManyWorkers { .. } => {
                "a pool of that many threads cannot start on one machine; use fewer workers".into()
            }
            FileErrorKind::BackwardsInterval => {
                "give a positive interval, e.g. `interval:minutes=5`".into()
            }
            FileErrorKind::DstOnNonCron => "interval and date triggers count absolute time, so DST does not move them; a calendarinterval has its own rule (a date whose time falls in a gap is skipped, a fold fires once)".into(),
        }
    }
}

/// One error of a job file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    span: Range<usize>,
    kind: FileErrorKind,
}

impl FileError {
    pub(crate) fn new(span: Range<usize>, kind: FileErrorKind) -> FileError {
        FileError { span, kind }
    }

    /// Byte range in the file.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// What is wrong.
    pub fn kind(&self) -> &FileErrorKind {
        &self.kind
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

/// Every error of a job file, with its text so that each can be shown in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileErrors {
    source: String,
    errors: Vec<FileError>,
}

impl FileErrors {
    pub(crate) fn new(source: &str, errors: Vec<FileError>) -> FileErrors {
        FileErrors {
            source: source.to_owned(),
            errors,
        }
    }

    /// The errors, in file order.
    pub fn errors(&self) -> &[FileError] {
        &self.errors
    }

    /// Each error drawn as rustc draws it (plain text): the message, `--> PATH:LINE:COLUMN`,
    /// the line with the offending text underlined, and a help line.
    pub fn render(&self, path: &str) -> String {
        self.render_styled(path, Style::Plain)
    }

    /// [`FileErrors::render`] with ANSI colours when `style` is [`Style::Color`].
    pub fn render_styled(&self, path: &str, style: Style) -> String {
        self.errors
            .iter()
            .map(|e| {
                render_diagnostic(
                    &self.source,
                    Some(path),
                    e.span(),
                    &e.to_string(),
                    &e.kind.help(),
                    style,
                )
            })
            // A blank line between two errors, as rustc leaves.
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("job file"))
    }
}

impl std::error::Error for FileErrors {}
