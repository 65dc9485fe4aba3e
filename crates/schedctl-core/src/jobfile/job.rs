//! One `[[job]]` table, and the options that `[job_defaults]` sets for every job.

use std::ops::Range;

use schedctl_trigger::{DstPolicy, FoldPolicy, GapPolicy, Trigger, Zone};
use toml::de::DeValue;
use toml::Spanned;

use super::walker::{Table, Walker};
use super::{Executor, Job, JobStore, OnAbandon};
use crate::duration::Micros;
use crate::error::FileErrorKind;

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
    "on_abandon",
];

/// Job options that `[job_defaults]` and each `[[job]]` can set.
#[derive(Clone, Copy)]
pub(super) struct Options {
    pub(super) coalesce: bool,
    pub(super) max_instances: u32,
    pub(super) misfire_grace_time: Option<Micros>,
    pub(super) on_abandon: OnAbandon,
}

pub(super) fn parse_options(w: &mut Walker<'_>, t: &Table<'_>, mut o: Options) -> Options {
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
    if let Some(v) = t.get("on_abandon") {
        match w
            .string(v, "on_abandon")
            .map(|n| (n, OnAbandon::from_name(n)))
        {
            Some((_, Some(a))) => o.on_abandon = a,
            Some((n, None)) => w.err(
                v.span(),
                FileErrorKind::BadPolicy {
                    key: "on_abandon".into(),
                    value: n.into(),
                    allowed: OnAbandon::NAMES,
                },
            ),
            None => {}
        }
    }
    o
}

pub(super) fn parse_job(
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
        on_abandon: options.on_abandon,
        line,
    })
}
