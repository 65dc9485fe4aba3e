//! The TOML job file of the contract: text → validated [`JobFile`].
//!
//! Owns every key of the file, its default and its validation. The file is read into a
//! spanned TOML tree (the `toml` crate's `DeTable`), then walked key by key so that *every*
//! error is reported, each with the byte span of the offending key or value; nothing is
//! simulated from a file with errors. Trigger strings are parsed here, once, in the file's
//! zone.

use std::collections::BTreeMap;
use std::ops::Range;

use schedctl_trigger::{
    DstPolicy, FoldPolicy, GapPolicy, IsoDateTime, Trigger, Tz, Zone, ZoneLookupError, ZonedTime,
};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::duration::{parse_duration, Micros};
use crate::error::{FileError, FileErrorKind, FileErrors};

/// APScheduler's default pool size.
pub const DEFAULT_MAX_WORKERS: u32 = 10;

/// The largest pool a job file may ask for.
pub const MAX_WORKERS: u32 = 10_000;

/// A worker pool (APScheduler's `ThreadPoolExecutor(max_workers)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executor {
    /// The name jobs refer to (`default` for `[executor]`).
    pub name: String,
    /// Number of workers, at least 1.
    pub max_workers: u32,
}

/// Where the real runner keeps jobs; a simulation only validates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStoreKind {
    /// Rebuilt from the job file at each start.
    Memory,
    /// An SQLite file, relative to the job file.
    Sqlite { path: String },
}

/// A named job store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobStore {
    /// The name jobs refer to.
    pub name: String,
    /// Its kind.
    pub kind: JobStoreKind,
}

/// One job, with `job_defaults` applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Unique id.
    pub id: String,
    /// The trigger as written.
    pub trigger_text: String,
    /// The parsed trigger.
    pub trigger: Trigger,
    /// Simulated run time of one run.
    pub duration: Micros,
    /// What the real runner executes (argv, no shell).
    pub command: Vec<String>,
    /// Index into [`JobFile::executors`].
    pub executor: usize,
    /// The job store's name.
    pub jobstore: String,
    /// Run once for several overdue fires.
    pub coalesce: bool,
    /// Most runs of this job in progress (queued or running) at once.
    pub max_instances: u32,
    /// Most lateness allowed at start; `None` for no limit.
    pub misfire_grace_time: Option<Micros>,
    /// The real runner kills a command that runs longer (none: no limit).
    pub timeout: Option<Micros>,
    /// 1-based line of the `[[job]]` header.
    pub line: usize,
}

/// A window in which the scheduler is paused (or down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    /// Start, inclusive.
    pub from: ZonedTime,
    /// End, exclusive.
    pub to: ZonedTime,
}

/// A validated job file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobFile {
    /// The scheduler's default zone.
    pub timezone: Zone,
    /// Pools, sorted by name (`default` always present).
    pub executors: Vec<Executor>,
    /// Named stores (`default` is built in and not listed unless configured).
    pub jobstores: Vec<JobStore>,
    /// Jobs, in file order.
    pub jobs: Vec<Job>,
    /// Pause windows, sorted by start.
    pub pauses: Vec<Pause>,
}

type Table<'i> = DeTable<'i>;
type Value<'i> = Spanned<DeValue<'i>>;

const TOP_KEYS: &[&str] = &[
    "timezone",
    "executor",
    "executors",
    "jobstores",
    "job_defaults",
    "job",
    "pause",
];
const JOB_KEYS: &[&str] = &[
    "id",
    "trigger",
    "duration",
    "command",
    "executor",
    "jobstore",
    "coalesce",
    "max_instances",
    "misfire_grace_time",
    "dst_gap",
    "dst_fold",
    "timeout",
];
const DEFAULT_KEYS: &[&str] = &["coalesce", "max_instances", "misfire_grace_time"];

/// Collects errors while walking the file.
struct Walker<'s> {
    source: &'s str,
    errors: Vec<FileError>,
    /// Byte offsets where lines start, so a job's line is a binary search, not a count of
    /// the file's newlines (which made large files quadratic).
    line_starts: Vec<usize>,
}

impl Walker<'_> {
    /// 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|s| *s <= offset)
    }
}

impl Walker<'_> {
    fn err(&mut self, span: Range<usize>, kind: FileErrorKind) {
        self.errors.push(FileError::new(span, kind));
    }

    fn unknown_keys(&mut self, table: &Table<'_>, allowed: &[&str], section: &str) {
        for key in table.keys() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                self.err(
                    key.span(),
                    FileErrorKind::UnknownKey {
                        section: section.into(),
                        key: key.get_ref().to_string(),
                        allowed: allowed.join(", "),
                    },
                );
            }
        }
    }

    fn table<'a, 'i>(&mut self, value: &'a Value<'i>, what: &str) -> Option<&'a Table<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.type_error(value.span(), what, "a table", other.type_str());
                None
            }
        }
    }

    fn type_error(&mut self, span: Range<usize>, key: &str, expected: &str, found: &str) {
        self.err(
            span,
            FileErrorKind::WrongType {
                key: key.into(),
                expected: expected.into(),
                found: found.into(),
            },
        );
    }

    fn string<'a>(&mut self, value: &'a Value<'_>, key: &str) -> Option<&'a str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            other => {
                self.type_error(value.span(), key, "a string", other.type_str());
                None
            }
        }
    }

    fn bool(&mut self, value: &Value<'_>, key: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.type_error(value.span(), key, "true or false", other.type_str());
                None
            }
        }
    }

    /// An integer `>= 1`.
    fn positive(&mut self, value: &Value<'_>, key: &str) -> Option<u32> {
        let DeValue::Integer(i) = value.get_ref() else {
            self.type_error(
                value.span(),
                key,
                "an integer >= 1",
                value.get_ref().type_str(),
            );
            return None;
        };
        let text = i.as_str().replace('_', "");
        let parsed = match i.radix() {
            10 => text.parse::<i64>().ok(),
            r => i64::from_str_radix(text.get(2..).unwrap_or(""), r).ok(),
        };
        match parsed {
            Some(v) if v >= 1 => u32::try_from(v).ok().or_else(|| {
                self.err(value.span(), FileErrorKind::TooLarge { key: key.into() });
                None
            }),
            _ => {
                self.err(
                    value.span(),
                    FileErrorKind::NotPositive {
                        key: key.into(),
                        value: i.as_str().into(),
                    },
                );
                None
            }
        }
    }

    fn duration(
        &mut self,
        value: &Value<'_>,
        key: &str,
        none_allowed: bool,
    ) -> Option<Option<Micros>> {
        let text = self.string(value, key)?;
        if none_allowed && text.trim() == "none" {
            return Some(None);
        }
        match parse_duration(text) {
            Ok(d) => Some(Some(d)),
            Err(reason) => {
                self.err(
                    value.span(),
                    FileErrorKind::BadDuration {
                        key: key.into(),
                        text: text.into(),
                        reason,
                        none_allowed,
                    },
                );
                None
            }
        }
    }

    /// A datetime given as a string or a TOML datetime, read in `zone` when naive.
    fn datetime(&mut self, value: &Value<'_>, key: &str, zone: Zone) -> Option<ZonedTime> {
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            other => {
                self.type_error(
                    value.span(),
                    key,
                    "a datetime such as \"2026-03-10T02:00:00\"",
                    other.type_str(),
                );
                return None;
            }
        };
        let parsed = IsoDateTime::parse(&text)
            .map_err(|e| e.to_string())
            .and_then(|iso| iso.resolve(Tz::Zone(zone)).map_err(|e| e.to_string()));
        match parsed {
            Ok(t) => Some(t),
            Err(reason) => {
                self.err(
                    value.span(),
                    FileErrorKind::BadDatetime {
                        key: key.into(),
                        text,
                        reason,
                    },
                );
                None
            }
        }
    }

    /// Parses a trigger string; its errors point into the file (inside the quoted value).
    fn trigger(&mut self, value: &Value<'_>, zone: Zone) -> Option<(String, Trigger)> {
        let text = self.string(value, "trigger")?;
        match Trigger::parse_in(text, zone) {
            Ok(t) => Some((text.to_owned(), t)),
            Err(errors) => {
                // The value's span includes the opening quote.
                let quoted = self
                    .source
                    .get(value.span())
                    .is_some_and(|s| s.starts_with(['"', '\'']));
                let base = value.span().start + usize::from(quoted);
                for e in errors.errors() {
                    let span = e.span();
                    self.err(
                        base + span.start..base + span.end,
                        FileErrorKind::Trigger {
                            message: e.to_string(),
                            help: e.kind().help(),
                        },
                    );
                }
                None
            }
        }
    }
}

fn lookup_zone(name: &str) -> Result<Zone, Option<&'static str>> {
    Zone::get(name).map_err(|e| match e {
        ZoneLookupError::Unknown { suggestion } => suggestion,
        _ => None,
    })
}

/// Job options that `[job_defaults]` and each `[[job]]` can set.
#[derive(Clone, Copy)]
struct Options {
    coalesce: bool,
    max_instances: u32,
    misfire_grace_time: Option<Micros>,
}

impl JobFile {
    /// Parses and validates a job file. All errors are returned together, each with its span
    /// in `source`.
    ///
    /// ```
    /// # use schedctl_core::JobFile;
    /// let file = JobFile::parse(r#"
    /// timezone = "Europe/Berlin"
    /// [[job]]
    /// id = "nightly"
    /// trigger = "cron:hour=2 minute=30"
    /// duration = "45m"
    /// "#)?;
    /// assert_eq!(file.jobs[0].duration.as_micros(), 45 * 60 * 1_000_000);
    /// assert_eq!(file.executors[0].max_workers, 10);
    /// # Ok::<(), schedctl_core::FileErrors>(())
    /// ```
    pub fn parse(source: &str) -> Result<JobFile, FileErrors> {
        let doc = match DeTable::parse(source) {
            Ok(doc) => doc,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                return Err(FileErrors::new(
                    source,
                    vec![FileError::new(
                        span,
                        FileErrorKind::Toml {
                            message: e.message().trim().to_owned(),
                        },
                    )],
                ));
            }
        };
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut w = Walker {
            source,
            errors: Vec::new(),
            line_starts,
        };
        let file = parse_doc(&mut w, doc.get_ref());
        match file {
            Some(f) if w.errors.is_empty() => Ok(f),
            _ => {
                let mut errors = w.errors;
                errors.sort_by_key(|e| e.span().start);
                Err(FileErrors::new(source, errors))
            }
        }
    }

    /// The executor a job runs on.
    pub fn executor_of(&self, job: &Job) -> &Executor {
        &self.executors[job.executor]
    }
}

fn parse_doc(w: &mut Walker<'_>, doc: &Table<'_>) -> Option<JobFile> {
    w.unknown_keys(doc, TOP_KEYS, "top level");
    let mut timezone = Zone::utc();
    if let Some(v) = doc.get("timezone") {
        if let Some(name) = w.string(v, "timezone") {
            match lookup_zone(name) {
                Ok(z) => timezone = z,
                Err(suggestion) => w.err(
                    v.span(),
                    FileErrorKind::UnknownZone {
                        name: name.into(),
                        suggestion,
                    },
                ),
            }
        }
    }

    // Executors: [executor] is shorthand for [executors.default].
    let mut pools: BTreeMap<String, u32> = BTreeMap::new();
    let pool_table = |w: &mut Walker<'_>, name: &str, value: &Value<'_>| -> Option<u32> {
        let t = w.table(value, name)?;
        w.unknown_keys(t, &["max_workers"], &format!("executor `{name}`"));
        match t.get("max_workers") {
            Some(v) => w.positive(v, "max_workers").filter(|n| {
                // More threads than a machine starts: `run` would abort, `simulate` would
                // spend gigabytes on idle workers.
                let ok = *n <= MAX_WORKERS;
                if !ok {
                    w.err(v.span(), FileErrorKind::TooManyWorkers { max: MAX_WORKERS });
                }
                ok
            }),
            None => Some(DEFAULT_MAX_WORKERS),
        }
    };
    if let Some(v) = doc.get("executors") {
        if let Some(t) = w.table(v, "executors") {
            for (name, value) in t {
                if let Some(n) = pool_table(w, name.get_ref(), value) {
                    pools.insert(name.get_ref().to_string(), n);
                }
            }
        }
    }
    if let Some(v) = doc.get("executor") {
        if doc
            .get("executors")
            .and_then(|e| e.get_ref().get("default"))
            .is_some()
        {
            w.err(v.span(), FileErrorKind::DefaultExecutorTwice);
        } else if let Some(n) = pool_table(w, "default", v) {
            pools.insert("default".into(), n);
        }
    }
    pools.entry("default".into()).or_insert(DEFAULT_MAX_WORKERS);
    let executors: Vec<Executor> = pools
        .into_iter()
        .map(|(name, max_workers)| Executor { name, max_workers })
        .collect();

    let mut jobstores = Vec::new();
    if let Some(v) = doc.get("jobstores") {
        if let Some(t) = w.table(v, "jobstores") {
            for (name, value) in t {
                if let Some(store) = parse_store(w, name.get_ref(), value) {
                    jobstores.push(store);
                }
            }
        }
    }

    let mut defaults = Options {
        coalesce: true,
        max_instances: 1,
        misfire_grace_time: Some(Micros::from_secs(1)),
    };
    if let Some(v) = doc.get("job_defaults") {
        if let Some(t) = w.table(v, "job_defaults") {
            w.unknown_keys(t, DEFAULT_KEYS, "[job_defaults]");
            defaults = parse_options(w, t, defaults);
        }
    }

    let mut jobs: Vec<Job> = Vec::new();
    // Ids seen so far, with their lines: a lookup per job, not a scan of the jobs before it.
    let mut lines_by_id: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    if let Some(v) = doc.get("job") {
        match v.get_ref() {
            DeValue::Array(items) => {
                for item in items {
                    if let Some(t) = w.table(item, "[[job]]") {
                        if let Some(job) = parse_job(
                            w,
                            t,
                            item.span(),
                            timezone,
                            defaults,
                            &executors,
                            &jobstores,
                        ) {
                            if let Some(&first_line) = lines_by_id.get(job.id.as_str()) {
                                let span = t.get("id").map_or(item.span(), Spanned::span);
                                w.err(
                                    span,
                                    FileErrorKind::DuplicateId {
                                        id: job.id.clone(),
                                        first_line,
                                    },
                                );
                            } else {
                                lines_by_id.insert(job.id.clone(), job.line);
                                jobs.push(job);
                            }
                        }
                    }
                }
            }
            other => w.type_error(
                v.span(),
                "job",
                "an array of tables `[[job]]`",
                other.type_str(),
            ),
        }
    }

    let mut pauses = Vec::new();
    if let Some(v) = doc.get("pause") {
        match v.get_ref() {
            DeValue::Array(items) => {
                for item in items {
                    if let Some(p) = w
                        .table(item, "[[pause]]")
                        .and_then(|t| parse_pause(w, t, item.span(), timezone))
                    {
                        pauses.push(p);
                    }
                }
            }
            other => w.type_error(
                v.span(),
                "pause",
                "an array of tables `[[pause]]`",
                other.type_str(),
            ),
        }
    }
    pauses.sort_by_key(|p: &Pause| p.from.instant());
    Some(JobFile {
        timezone,
        executors,
        jobstores,
        jobs,
        pauses,
    })
}

fn parse_store(w: &mut Walker<'_>, name: &str, value: &Value<'_>) -> Option<JobStore> {
    let t = w.table(value, name)?;
    w.unknown_keys(t, &["kind", "path"], &format!("job store `{name}`"));
    let Some(kind_v) = t.get("kind") else {
        w.err(
            value.span(),
            FileErrorKind::Missing {
                key: "kind".into(),
                section: format!("job store `{name}`"),
            },
        );
        return None;
    };
    let kind = w.string(kind_v, "kind")?;
    let path = t.get("path");
    match (kind, path) {
        ("memory", None) => Some(JobStore {
            name: name.into(),
            kind: JobStoreKind::Memory,
        }),
        ("memory", Some(p)) => {
            w.err(p.span(), FileErrorKind::PathOnMemoryStore);
            None
        }
        ("sqlite", Some(p)) => {
            let path = w.string(p, "path")?;
            Some(JobStore {
                name: name.into(),
                kind: JobStoreKind::Sqlite { path: path.into() },
            })
        }
        ("sqlite", None) => {
            w.err(
                value.span(),
                FileErrorKind::Missing {
                    key: "path".into(),
                    section: format!("job store `{name}`"),
                },
            );
            None
        }
        (other, _) => {
            w.err(
                kind_v.span(),
                FileErrorKind::BadStoreKind { kind: other.into() },
            );
            None
        }
    }
}

fn parse_options(w: &mut Walker<'_>, t: &Table<'_>, mut o: Options) -> Options {
    if let Some(v) = t.get("coalesce") {
        o.coalesce = w.bool(v, "coalesce").unwrap_or(o.coalesce);
    }
    if let Some(v) = t.get("max_instances") {
        o.max_instances = w.positive(v, "max_instances").unwrap_or(o.max_instances);
    }
    if let Some(v) = t.get("misfire_grace_time") {
        if let Some(g) = w.duration(v, "misfire_grace_time", true) {
            o.misfire_grace_time = g;
        }
    }
    o
}

fn parse_job(
    w: &mut Walker<'_>,
    t: &Table<'_>,
    span: Range<usize>,
    zone: Zone,
    defaults: Options,
    executors: &[Executor],
    stores: &[JobStore],
) -> Option<Job> {
    let errors_before = w.errors.len();
    w.unknown_keys(t, JOB_KEYS, "[[job]]");
    let line = w.line(span.start);
    let id = match t.get("id") {
        Some(v) => w.string(v, "id").map(str::to_owned),
        None => {
            w.err(
                span.clone(),
                FileErrorKind::Missing {
                    key: "id".into(),
                    section: "[[job]]".into(),
                },
            );
            None
        }
    };
    if let (Some(id), Some(v)) = (&id, t.get("id")) {
        if id.trim().is_empty() {
            w.err(v.span(), FileErrorKind::EmptyId);
        }
    }
    let trigger = match t.get("trigger") {
        Some(v) => w.trigger(v, zone),
        None => {
            w.err(
                span.clone(),
                FileErrorKind::Missing {
                    key: "trigger".into(),
                    section: "[[job]]".into(),
                },
            );
            None
        }
    };
    let trigger = match (trigger, t.get("dst_gap"), t.get("dst_fold")) {
        (Some((text, trig)), gap, fold) if gap.is_some() || fold.is_some() => {
            // The keys change what they name; the rest of the trigger's own policy (its
            // `dst_jump`, say) stays.
            let mut dst = match &trig {
                Trigger::Cron(c) => c.dst(),
                _ => DstPolicy::default(),
            };
            if let Some(v) = gap {
                match w.string(v, "dst_gap").map(|n| (n, GapPolicy::from_name(n))) {
                    Some((_, Some(p))) => dst.gap = p,
                    Some((n, None)) => w.err(
                        v.span(),
                        FileErrorKind::BadPolicy {
                            key: "dst_gap".into(),
                            value: n.into(),
                            allowed: GapPolicy::NAMES,
                        },
                    ),
                    None => {}
                }
            }
            if let Some(v) = fold {
                match w
                    .string(v, "dst_fold")
                    .map(|n| (n, FoldPolicy::from_name(n)))
                {
                    Some((_, Some(p))) => dst.fold = p,
                    Some((n, None)) => w.err(
                        v.span(),
                        FileErrorKind::BadPolicy {
                            key: "dst_fold".into(),
                            value: n.into(),
                            allowed: FoldPolicy::NAMES,
                        },
                    ),
                    None => {}
                }
            }
            match trig.with_dst(dst) {
                Some(t2) => Some((text, t2)),
                None => {
                    let v = gap.or(fold).map_or(span.clone(), Spanned::span);
                    w.err(v, FileErrorKind::DstOnNonCron);
                    None
                }
            }
        }
        (other, _, _) => other,
    };
    // APScheduler accepts a negative interval and walks backwards in time; a scheduler loop
    // on it never ends (APScheduler's included), so a job file may not have one.
    let trigger = match trigger {
        Some((text, Trigger::Interval(i))) if i.interval_micros() < 0 => {
            let v = t.get("trigger").map_or(span.clone(), Spanned::span);
            w.err(v, FileErrorKind::BackwardsInterval);
            let _ = (text, i);
            None
        }
        other => other,
    };
    let duration = match t.get("duration") {
        Some(v) => w.duration(v, "duration", false).flatten(),
        None => Some(Micros::ZERO),
    };
    let mut command = Vec::new();
    if let Some(v) = t.get("command") {
        match v.get_ref() {
            DeValue::Array(items) => {
                for item in items {
                    if let Some(s) = w.string(item, "command") {
                        // An argument is a C string: a NUL would fail every fire at exec.
                        if s.contains('\0') {
                            w.err(item.span(), FileErrorKind::NulInCommand);
                        }
                        command.push(s.to_owned());
                    }
                }
            }
            other => w.type_error(
                v.span(),
                "command",
                "an array of strings (argv, no shell)",
                other.type_str(),
            ),
        }
    }
    let executor = match t.get("executor") {
        Some(v) => w.string(v, "executor").and_then(|name| {
            let found = executors.iter().position(|e| e.name == name);
            if found.is_none() {
                let defined = executors
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                w.err(
                    v.span(),
                    FileErrorKind::UnknownExecutor {
                        name: name.into(),
                        defined,
                    },
                );
            }
            found
        }),
        None => executors.iter().position(|e| e.name == "default"),
    };
    let jobstore = match t.get("jobstore") {
        Some(v) => w.string(v, "jobstore").and_then(|name| {
            let known = name == "default" || stores.iter().any(|s| s.name == name);
            if !known {
                let mut defined: Vec<&str> = stores.iter().map(|s| s.name.as_str()).collect();
                defined.insert(0, "default");
                w.err(
                    v.span(),
                    FileErrorKind::UnknownJobStore {
                        name: name.into(),
                        defined: defined.join(", "),
                    },
                );
            }
            known.then(|| name.to_owned())
        }),
        None => Some("default".into()),
    };
    let timeout = match t.get("timeout") {
        Some(v) => w.duration(v, "timeout", true).flatten(),
        None => None,
    };
    let options = parse_options(w, t, defaults);
    if w.errors.len() > errors_before {
        return None;
    }
    let (trigger_text, trigger) = trigger?;
    Some(Job {
        id: id?,
        trigger_text,
        trigger,
        duration: duration?,
        command,
        executor: executor?,
        jobstore: jobstore?,
        coalesce: options.coalesce,
        max_instances: options.max_instances,
        misfire_grace_time: options.misfire_grace_time,
        timeout,
        line,
    })
}

fn parse_pause(w: &mut Walker<'_>, t: &Table<'_>, span: Range<usize>, zone: Zone) -> Option<Pause> {
    w.unknown_keys(t, &["from", "to"], "[[pause]]");
    let mut get = |key: &str| match t.get(key) {
        Some(v) => w.datetime(v, key, zone),
        None => {
            w.err(
                span.clone(),
                FileErrorKind::Missing {
                    key: key.into(),
                    section: "[[pause]]".into(),
                },
            );
            None
        }
    };
    let from = get("from");
    let to = get("to");
    let (from, to) = (from?, to?);
    if to.instant() <= from.instant() {
        let s = t.get("to").map_or(span, Spanned::span);
        w.err(
            s,
            FileErrorKind::PauseBackwards {
                from: from.to_string(),
                to: to.to_string(),
            },
        );
        return None;
    }
    Some(Pause { from, to })
}

/// 1-based line of a byte offset.
#[cfg(test)]
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_apscheduler() {
        let f = JobFile::parse("[[job]]\nid = \"a\"\ntrigger = \"interval:seconds=5\"\n")
            .expect("valid");
        let j = &f.jobs[0];
        assert!(j.coalesce);
        assert_eq!(j.max_instances, 1);
        assert_eq!(j.misfire_grace_time, Some(Micros::from_secs(1)));
        assert_eq!(j.duration, Micros::ZERO);
        assert_eq!(
            f.executors,
            vec![Executor {
                name: "default".into(),
                max_workers: 10
            }]
        );
        assert_eq!(f.timezone, Zone::utc());
    }

    #[test]
    fn all_errors_are_collected_with_spans() {
        let src = "timezone = \"Europe/Berln\"\nbogus = 1\n[executor]\nmax_workers = 0\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=24\"\nduration = \"-5m\"\nmax_instances = 0\nexecutor = \"nope\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\n[[pause]]\nfrom = \"2026-03-10T05:00:00\"\nto = \"2026-03-10T02:00:00\"\n";
        let errs = JobFile::parse(src).expect_err("invalid");
        let kinds: Vec<String> = errs.errors().iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.errors().len(), 8, "{kinds:#?}");
        let lines: Vec<usize> = errs
            .errors()
            .iter()
            .map(|e| line_of(src, e.span().start))
            .collect();
        assert_eq!(lines, vec![1, 2, 4, 7, 8, 9, 10, 16]);
        // The duplicate id is only detected once the first job is valid, so it is not listed
        // here: job "a" number one has errors and is not registered.
    }

    #[test]
    fn duplicate_ids_name_the_first_line() {
        let src = "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=2\"\n";
        let errs = JobFile::parse(src).expect_err("duplicate");
        assert_eq!(errs.errors().len(), 1);
        assert_eq!(
            errs.errors()[0].to_string(),
            "job id `a` is already used by the job on line 1"
        );
    }

    #[test]
    fn dst_policy_keys_apply_to_cron_jobs_only() {
        let src = "timezone = \"Europe/Berlin\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=2 minute=30\"\ndst_gap = \"skip\"\ndst_fold = \"first\"\n";
        let f = JobFile::parse(src).expect("valid");
        let schedctl_trigger::Trigger::Cron(c) = &f.jobs[0].trigger else {
            panic!("cron")
        };
        assert_eq!(
            c.dst(),
            DstPolicy {
                gap: GapPolicy::Skip,
                fold: FoldPolicy::First,
                ..DstPolicy::default()
            }
        );
        let bad = "[[job]]\nid = \"a\"\ntrigger = \"interval:hours=1\"\ndst_gap = \"skip\"\n[[job]]\nid = \"b\"\ntrigger = \"cron:hour=1\"\ndst_fold = \"sometimes\"\n";
        let errs = JobFile::parse(bad).expect_err("invalid");
        let texts: Vec<String> = errs.errors().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "`dst_gap` and `dst_fold` apply to cron and crontab triggers (and to the cron triggers inside `and:`/`or:`) only",
                "`dst_fold` value `sometimes` is not a policy"
            ]
        );
    }

    #[test]
    fn executors_and_stores() {
        let src = "[executors.default]\nmax_workers = 2\n[executors.pp]\nmax_workers = 3\n[jobstores.durable]\nkind = \"sqlite\"\npath = \"jobs.db\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\nexecutor = \"pp\"\njobstore = \"durable\"\n";
        let f = JobFile::parse(src).expect("valid");
        assert_eq!(f.executor_of(&f.jobs[0]).name, "pp");
        assert_eq!(f.jobs[0].jobstore, "durable");
        let both = "[executor]\nmax_workers = 2\n[executors.default]\nmax_workers = 3\n";
        assert!(JobFile::parse(both).is_err());
    }
}
