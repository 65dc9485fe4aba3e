//! Replays every simulation case of the APScheduler corpora (`fixtures/conformance/sim/` and
//! `sim-more/`,
//! computed by the oracle's reference scheduler): the same ledger, fire by fire (job, status,
//! worker, fire/start/end instants) and the same summary and peak of busy workers.

use schedctl_core::{simulate, JobFile, Status};
use schedctl_tests::{fixtures_dir, read_jsonl};
use schedctl_trigger::{Instant, IsoDateTime, Tz, ZonedTime};

fn instant(text: &str, tz: Tz) -> Instant {
    IsoDateTime::parse(text)
        .map(|t| t.resolve(tz).expect("in range").instant())
        .unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

fn opt_instant(v: &serde_json::Value) -> Option<Instant> {
    v.as_str().map(|s| instant(s, Tz::Fixed(0)))
}

#[test]
fn every_simulation_case_matches_the_reference_ledger() {
    replay("conformance/sim", 50, 0);
}

/// Job files with calendarinterval, and and or triggers, 7 of them freezing the scheduler.
#[test]
fn every_new_trigger_simulation_case_matches_the_reference_ledger() {
    replay("conformance/sim-more", 43, 7);
}

/// Replays every `<id>.toml` of `dir` (under fixtures/): `count` cases, `frozen` of which
/// freeze the scheduler (CONTRACT rule 7a).
fn replay(dir: &str, count: usize, frozen: usize) {
    let dir = fixtures_dir().join(dir);
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    cases.sort();
    assert_eq!(cases.len(), count, "the public corpus has {count} cases");
    let mut failures = Vec::new();
    let mut frozen_cases = 0;
    for path in &cases {
        let source = std::fs::read_to_string(path).expect("readable");
        let window: Vec<&str> = source
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let ["#", "window:", from, to] = window[..] else {
            panic!("{}: no `# window:` line", path.display())
        };
        let file = JobFile::parse(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tz = Tz::Zone(file.timezone);
        let sim = simulate(&file, instant(from, tz), instant(to, tz), 0).expect("simulates");
        let expected: Vec<serde_json::Value> =
            read_jsonl(&path.with_extension("expected.jsonl")).expect("expected ledger");
        let (summary, rows) = expected.split_last().expect("a summary line");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if rows.len() != sim.ledger.len() {
            failures.push(format!(
                "{name}: {} ledger lines expected, {} computed",
                rows.len(),
                sim.ledger.len()
            ));
            continue;
        }
        for (i, (want, got)) in rows.iter().zip(&sim.ledger).enumerate() {
            let same = want["job"] == file.jobs[got.job].id.as_str()
                && want["status"] == got.status.name()
                && want["worker"].as_u64().map(|w| w as u32) == got.worker
                && opt_instant(&want["fire"]) == Some(got.fire.instant())
                && opt_instant(&want["start"]) == got.start
                && opt_instant(&want["end"]) == got.end;
            if !same {
                failures.push(format!(
                    "{name}: line {} differs: expected {want}, got {got:?}",
                    i + 1
                ));
                break;
            }
        }
        for (job, counts) in file.jobs.iter().zip(&sim.counts) {
            let want = &summary["summary"][job.id.as_str()];
            let mut got = serde_json::json!({"fires": counts.fires});
            for s in Status::ALL {
                got[s.name()] = counts.get(s).into();
            }
            if *want != got {
                failures.push(format!(
                    "{name}: summary of {} expected {want}, got {got}",
                    job.id
                ));
            }
        }
        let got_frozen = sim.frozen.map(|f| {
            let at = ZonedTime::from_instant(f.at, tz).map(|z| z.to_string());
            serde_json::json!({"job": file.jobs[f.job].id, "at": at.unwrap_or_default()})
        });
        frozen_cases += usize::from(got_frozen.is_some());
        if summary.get("frozen") != got_frozen.as_ref() {
            failures.push(format!(
                "{name}: frozen expected {:?}, got {got_frozen:?}",
                summary.get("frozen")
            ));
        }
        if summary["peak_workers"].as_u64() != Some(u64::from(sim.peak_workers)) {
            failures.push(format!(
                "{name}: peak_workers expected {}, got {}",
                summary["peak_workers"], sim.peak_workers
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(frozen_cases, frozen, "cases that freeze the scheduler");
}
