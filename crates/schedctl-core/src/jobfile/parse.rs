//! The whole file: [`JobFile::parse`], the top level, executors, job stores, job defaults and
//! pauses, every job through the `job` module.

use std::collections::BTreeMap;
use std::ops::Range;

use schedctl_trigger::{Zone, ZoneLookupError};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::job::{parse_job, parse_options, Options};
use super::walker::{Table, Value, Walker};
use super::{
    Executor, Job, JobFile, JobStore, JobStoreKind, OnAbandon, Pause, PostgresUrl, DEFAULT_LEASE,
    DEFAULT_MAX_WORKERS, MAX_WORKERS,
};
use crate::duration::Micros;
use crate::error::{FileError, FileErrorKind, FileErrors};

const TOP_KEYS: &[&str] = &[
    "timezone",
    "executor",
    "executors",
    "jobstores",
    "job_defaults",
    "job",
    "pause",
];
const DEFAULT_KEYS: &[&str] = &[
    "coalesce",
    "max_instances",
    "misfire_grace_time",
    "on_abandon",
];

fn lookup_zone(name: &str) -> Result<Zone, Option<&'static str>> {
    Zone::get(name).map_err(|e| match e {
        ZoneLookupError::Unknown { suggestion } => suggestion,
        _ => None,
    })
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
        on_abandon: OnAbandon::Record,
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

/// Every key a job store may have; which of them a store takes depends on its kind.
const STORE_KEYS: &[&str] = &["kind", "path", "url", "url_env", "lease"];

/// The shortest and longest `lease` of a postgres store.
const MIN_LEASE: Micros = Micros::from_secs(1);
const MAX_LEASE: Micros = Micros::from_secs(3600);

fn parse_store(w: &mut Walker<'_>, name: &str, value: &Value<'_>) -> Option<JobStore> {
    let t = w.table(value, name)?;
    w.unknown_keys(t, STORE_KEYS, &format!("job store `{name}`"));
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
    // The keys of the kind, and those words for an error about a key of another kind.
    let (own, allowed): (&[&str], &'static str) = match kind {
        "memory" => (&["kind"], "`kind` only"),
        "sqlite" => (&["kind", "path"], "`kind` and `path`"),
        "postgres" => (
            &["kind", "url", "url_env", "lease"],
            "`kind`, `url` or `url_env`, and `lease`",
        ),
        other => {
            w.err(
                kind_v.span(),
                FileErrorKind::BadStoreKind { kind: other.into() },
            );
            return None;
        }
    };
    let errors_before = w.errors.len();
    for key in STORE_KEYS.iter().filter(|k| !own.contains(k)) {
        let Some(v) = t.get(*key) else { continue };
        let error = if kind == "memory" && *key == "path" {
            FileErrorKind::PathOnMemoryStore
        } else {
            FileErrorKind::KeyNotForStoreKind {
                kind: kind.into(),
                key: (*key).into(),
                allowed,
            }
        };
        w.err(v.span(), error);
    }
    let kind = match kind {
        "memory" => Some(JobStoreKind::Memory),
        "sqlite" => match t.get("path") {
            Some(p) => w
                .string(p, "path")
                .map(|path| JobStoreKind::Sqlite { path: path.into() }),
            None => {
                w.err(
                    value.span(),
                    FileErrorKind::Missing {
                        key: "path".into(),
                        section: format!("job store `{name}`"),
                    },
                );
                None
            }
        },
        _ => parse_postgres(w, t, value.span()),
    };
    if w.errors.len() > errors_before {
        return None;
    }
    Some(JobStore {
        name: name.into(),
        kind: kind?,
    })
}

/// The keys of a postgres store. Does not read the environment: `url_env` is only a name.
fn parse_postgres(w: &mut Walker<'_>, t: &Table<'_>, span: Range<usize>) -> Option<JobStoreKind> {
    let url = t.get_key_value("url");
    let env = t.get_key_value("url_env");
    // Each value given is checked, even when both are (and that is an error).
    let from_url = url.and_then(|(_, v)| {
        let text = w.string(v, "url")?;
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Some(PostgresUrl::Url(text.into()));
        }
        // Only the scheme goes into the message: the rest of a URL may hold a password.
        let scheme = text.split_once("://").map(|(s, _)| s).filter(|s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        w.err(
            v.span(),
            FileErrorKind::BadPostgresUrl {
                scheme: scheme.map(str::to_owned),
            },
        );
        None
    });
    let from_env = env.and_then(|(_, v)| {
        let name = w.string(v, "url_env")?;
        let ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Some(PostgresUrl::Env(name.into()))
        } else {
            w.err(v.span(), FileErrorKind::BadEnvName { name: name.into() });
            None
        }
    });
    let url = match (url, env) {
        (Some((a, _)), Some((b, _))) => {
            // The key written second is the one too many.
            let second = if a.span().start > b.span().start {
                a
            } else {
                b
            };
            w.err(second.span(), FileErrorKind::PostgresUrlTwice);
            None
        }
        (None, None) => {
            w.err(span, FileErrorKind::PostgresUrlMissing);
            None
        }
        _ => from_url.or(from_env),
    };
    let lease = match t.get("lease") {
        Some(v) => w.duration(v, "lease", false).flatten().and_then(|d| {
            if (MIN_LEASE..=MAX_LEASE).contains(&d) {
                return Some(d);
            }
            let text = w.string(v, "lease").unwrap_or_default().trim().to_owned();
            w.err(
                v.span(),
                FileErrorKind::LeaseOutOfRange {
                    text,
                    min: MIN_LEASE,
                    max: MAX_LEASE,
                },
            );
            None
        }),
        None => Some(DEFAULT_LEASE),
    };
    Some(JobStoreKind::Postgres {
        url: url?,
        lease: lease?,
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

#[cfg(test)]
mod tests {
    use schedctl_trigger::{DstPolicy, FoldPolicy, GapPolicy, Zone};

    use crate::duration::Micros;
    use crate::jobfile::{
        line_of, Executor, JobFile, JobStoreKind, OnAbandon, PostgresUrl, DEFAULT_LEASE,
    };

    /// Each error of an invalid file as `LINE:COLUMN: message` (the column in characters,
    /// 1-based, as `FileErrors::render` writes it).
    fn located(src: &str) -> Vec<String> {
        let errs = JobFile::parse(src).expect_err("invalid");
        errs.errors()
            .iter()
            .map(|e| {
                let start = e.span().start;
                let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
                let col = src[line_start..start].chars().count() + 1;
                format!("{}:{col}: {e}", line_of(src, start))
            })
            .collect()
    }

    /// The help line of the only error of an invalid file.
    fn help(src: &str) -> String {
        let errs = JobFile::parse(src).expect_err("invalid");
        assert_eq!(errs.errors().len(), 1, "{errs}");
        errs.errors()[0].kind().help()
    }

    fn store_kind(src: &str) -> JobStoreKind {
        let f = JobFile::parse(src).expect("valid");
        assert_eq!(f.jobstores.len(), 1);
        f.jobstores[0].kind.clone()
    }

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
    #[test]
    fn postgres_store_with_url() {
        let src = "[jobstores.shared]\nkind = \"postgres\"\nurl = \"postgres://scheduler@db.internal/jobs?sslmode=verify-full\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\njobstore = \"shared\"\n";
        let f = JobFile::parse(src).expect("valid");
        assert_eq!(f.jobstores[0].name, "shared");
        assert_eq!(
            f.jobstores[0].kind,
            JobStoreKind::Postgres {
                url: PostgresUrl::Url(
                    "postgres://scheduler@db.internal/jobs?sslmode=verify-full".into()
                ),
                lease: DEFAULT_LEASE,
            }
        );
        assert_eq!(DEFAULT_LEASE, Micros::from_secs(5));
        assert_eq!(f.jobs[0].jobstore, "shared");
        let alias = "[jobstores.s]\nkind = \"postgres\"\nurl = \"postgresql://db/jobs\"\n";
        assert_eq!(
            store_kind(alias),
            JobStoreKind::Postgres {
                url: PostgresUrl::Url("postgresql://db/jobs".into()),
                lease: DEFAULT_LEASE,
            }
        );
    }

    #[test]
    fn postgres_store_with_url_env_is_not_resolved() {
        // The parser keeps the name; the runner reads the variable. This one is surely unset.
        let src = "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"SCHEDCTL_TEST_SURELY_UNSET_9f2c\"\n";
        assert_eq!(
            store_kind(src),
            JobStoreKind::Postgres {
                url: PostgresUrl::Env("SCHEDCTL_TEST_SURELY_UNSET_9f2c".into()),
                lease: DEFAULT_LEASE,
            }
        );
        let underscore = "[jobstores.s]\nkind = \"postgres\"\nurl_env = \"_DB1\"\n";
        assert!(matches!(
            store_kind(underscore),
            JobStoreKind::Postgres { url: PostgresUrl::Env(n), .. } if n == "_DB1"
        ));
    }

    #[test]
    fn postgres_store_lease() {
        let lease = |text: &str| {
            let src = format!(
                "[jobstores.s]\nkind = \"postgres\"\nurl_env = \"DB\"\nlease = \"{text}\"\n"
            );
            match store_kind(&src) {
                JobStoreKind::Postgres { lease, .. } => lease,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(lease("30s"), Micros::from_secs(30));
        assert_eq!(lease("1s"), Micros::from_secs(1));
        assert_eq!(lease("1h"), Micros::from_secs(3600));
        assert_eq!(lease("2m 30s"), Micros::from_secs(150));
    }

    #[test]
    fn postgres_store_needs_exactly_one_of_url_and_url_env() {
        let both = "[jobstores.shared]\nkind = \"postgres\"\nurl = \"postgres://db/jobs\"\nurl_env = \"DB\"\n";
        assert_eq!(
            located(both),
            ["4:1: a postgres job store takes `url` or `url_env`, not both"]
        );
        // Whichever comes second is the one pointed at.
        let both_env_first = "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"DB\"\nurl = \"postgres://db/jobs\"\n";
        assert_eq!(
            located(both_env_first),
            ["4:1: a postgres job store takes `url` or `url_env`, not both"]
        );
        assert_eq!(
            help(both),
            "give one of: url = \"postgres://USER@HOST/DB\", or url_env = \"NAME\" of an environment variable holding the URL (keeps a password out of the file)"
        );
        let neither =
            "timezone = \"UTC\"\n[jobstores.shared]\nkind = \"postgres\"\nlease = \"10s\"\n";
        assert_eq!(
            located(neither),
            ["2:1: a postgres job store needs `url` or `url_env`"]
        );
        assert!(help(neither).contains("url_env = \"NAME\""));
    }

    #[test]
    fn postgres_url_must_be_a_postgres_url() {
        let src =
            "[jobstores.shared]\nkind = \"postgres\"\nurl = \"mysql://root:secret@db/jobs\"\n";
        let errors = located(src);
        assert_eq!(
            errors,
            ["3:7: `url` must start with `postgres://` or `postgresql://`, found `mysql://`"]
        );
        // The password is not repeated in the message.
        assert!(!errors[0].contains("secret"));
        assert_eq!(
            help(src),
            "a URL such as \"postgres://scheduler@db.internal/jobs?sslmode=verify-full\" (or \"postgresql://...\")"
        );
        let no_scheme =
            "[jobstores.shared]\nkind = \"postgres\"\nurl = \"db.internal:5432/jobs\"\n";
        assert_eq!(
            located(no_scheme),
            ["3:7: `url` must start with `postgres://` or `postgresql://`"]
        );
        let not_a_string = "[jobstores.shared]\nkind = \"postgres\"\nurl = 5432\n";
        assert_eq!(
            located(not_a_string),
            ["3:7: `url` must be a string, found integer"]
        );
    }

    #[test]
    fn postgres_url_env_must_be_a_variable_name() {
        for (name, col) in [("1DB", 11), ("MY-DB", 11), ("", 11), ("$DB", 11)] {
            let src = format!("[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"{name}\"\n");
            assert_eq!(
                located(&src),
                [format!(
                    "3:{col}: `url_env` value \"{name}\" is not an environment variable name"
                )]
            );
        }
        let src = "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"A B\"\n";
        assert_eq!(
            help(src),
            "letters, digits and `_`, not starting with a digit, e.g. url_env = \"SCHEDCTL_DATABASE_URL\""
        );
    }

    #[test]
    fn postgres_lease_is_between_1s_and_1h() {
        for text in ["500ms", "1h 1s", "2h"] {
            let src = format!(
                "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"DB\"\nlease = \"{text}\"\n"
            );
            assert_eq!(
                located(&src),
                [format!("4:9: `lease` value `{text}` is outside 1s to 1h")]
            );
            assert_eq!(
                help(&src),
                "a duration from 1s to 1h (inclusive), such as \"5s\" (the default)"
            );
        }
        let zero = "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"DB\"\nlease = \"0s\"\n";
        assert_eq!(
            located(zero),
            ["4:9: `lease` value `0s` is outside 1s to 1h"]
        );
        let bad = "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"DB\"\nlease = \"soon\"\n";
        assert_eq!(located(bad).len(), 1);
        assert!(located(bad)[0].starts_with("4:9: `lease` value `soon` is not a duration"));
    }

    #[test]
    fn store_keys_belong_to_their_kind() {
        let path_on_postgres =
            "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"DB\"\npath = \"jobs.db\"\n";
        assert_eq!(
            located(path_on_postgres),
            ["4:8: a postgres job store has no `path`"]
        );
        assert_eq!(
            help(path_on_postgres),
            "a postgres job store takes `kind`, `url` or `url_env`, and `lease`"
        );
        let url_on_sqlite = "[jobstores.durable]\nkind = \"sqlite\"\npath = \"jobs.db\"\nurl = \"postgres://db/jobs\"\n";
        assert_eq!(
            located(url_on_sqlite),
            ["4:7: a sqlite job store has no `url`"]
        );
        assert_eq!(
            help(url_on_sqlite),
            "a sqlite job store takes `kind` and `path`"
        );
        let on_memory =
            "[jobstores.m]\nkind = \"memory\"\nurl_env = \"DB\"\nlease = \"5s\"\npath = \"x\"\n";
        assert_eq!(
            located(on_memory),
            [
                "3:11: a memory job store has no `url_env`",
                "4:9: a memory job store has no `lease`",
                "5:8: a memory job store has no `path`",
            ]
        );
        // Keys of no kind are unknown keys, as before.
        let unknown =
            "[jobstores.shared]\nkind = \"postgres\"\nurl_env = \"DB\"\npassword = \"x\"\n";
        assert_eq!(
            located(unknown),
            ["4:1: unknown key `password` in job store `shared`"]
        );
        assert_eq!(
            help(unknown),
            "allowed keys: kind, path, url, url_env, lease"
        );
    }

    #[test]
    fn unknown_store_kind_lists_postgres() {
        let src = "[jobstores.a]\nkind = \"redis\"\n";
        assert_eq!(located(src), ["2:8: unknown job store kind `redis`"]);
        assert_eq!(
            help(src),
            "kind = \"memory\"; kind = \"sqlite\" with path = \"jobs.db\"; or kind = \"postgres\" with url = \"postgres://...\" or url_env = \"NAME\""
        );
    }

    #[test]
    fn on_abandon_per_job_and_in_job_defaults() {
        let job = |extra: &str| {
            let src = format!("[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\n{extra}");
            JobFile::parse(&src).expect("valid").jobs[0].on_abandon
        };
        assert_eq!(job(""), OnAbandon::Record);
        assert_eq!(job("on_abandon = \"record\"\n"), OnAbandon::Record);
        assert_eq!(job("on_abandon = \"rerun\"\n"), OnAbandon::Rerun);

        let src = "[job_defaults]\non_abandon = \"rerun\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\n[[job]]\nid = \"b\"\ntrigger = \"cron:hour=2\"\non_abandon = \"record\"\n";
        let f = JobFile::parse(src).expect("valid");
        assert_eq!(f.jobs[0].on_abandon, OnAbandon::Rerun);
        assert_eq!(f.jobs[1].on_abandon, OnAbandon::Record);
    }

    #[test]
    fn on_abandon_bad_value_lists_the_values() {
        let src = "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\non_abandon = \"retry\"\n";
        assert_eq!(
            located(src),
            ["4:14: `on_abandon` value `retry` is not a policy"]
        );
        assert_eq!(
            help(src),
            "one of: record, rerun (the first is APScheduler 3.x's behaviour)"
        );
        let in_defaults = "[job_defaults]\non_abandon = \"Rerun\"\n";
        assert_eq!(
            located(in_defaults),
            ["2:14: `on_abandon` value `Rerun` is not a policy"]
        );
        let not_a_string = "[job_defaults]\non_abandon = true\n";
        assert_eq!(
            located(not_a_string),
            ["2:14: `on_abandon` must be a string, found boolean"]
        );
    }
    #[test]
    fn on_abandon_names_and_serde_agree() {
        for a in [OnAbandon::Record, OnAbandon::Rerun] {
            assert_eq!(OnAbandon::from_name(a.name()), Some(a));
            assert_eq!(
                toml::Value::try_from(a).expect("serializes"),
                toml::Value::String(a.name().into())
            );
            let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(a.name());
            assert_eq!(
                <OnAbandon as serde::Deserialize>::deserialize(de).expect("deserializes"),
                a
            );
        }
        assert_eq!(OnAbandon::default(), OnAbandon::Record);
        assert_eq!(OnAbandon::from_name("Rerun"), None);
        assert_eq!(OnAbandon::NAMES, "record, rerun");
    }
}
