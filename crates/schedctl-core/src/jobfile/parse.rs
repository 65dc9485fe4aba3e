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
    Executor, Job, JobFile, JobStore, JobStoreKind, Pause, DEFAULT_MAX_WORKERS, MAX_WORKERS,
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
const DEFAULT_KEYS: &[&str] = &["coalesce", "max_instances", "misfire_grace_time"];

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
    use crate::jobfile::{line_of, Executor, JobFile};

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
