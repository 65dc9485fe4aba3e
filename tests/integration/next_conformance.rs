//! Replays `fixtures/conformance/next.jsonl` and `next-more.jsonl` (APScheduler 3.11.3's
//! answers, see the README there) through the trigger library, evaluated step for step as `schedctl next` does.

use std::error::Error;

use schedctl_tests::{fixtures_dir, read_jsonl};
use schedctl_trigger::{IsoDateTime, Trigger, Tz, Zone};
use serde::Deserialize;

/// One line of the corpus: `fires` (possibly empty), `error`, or both (fires, then an
/// AndTrigger loop).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    trigger: String,
    tz: String,
    from: String,
    count: usize,
    fires: Option<Vec<String>>,
    error: Option<String>,
}

/// The fires found (at most `count`, as RFC 3339 strings) and the error that ended the walk,
/// if one did: `schedctl next` prints the same fires, then the error.
fn evaluate(case: &Case) -> (Vec<String>, Option<String>) {
    let mut fires = Vec::new();
    let outcome = (|| -> Result<(), Box<dyn Error>> {
        let zone = Zone::get(&case.tz).map_err(|e| format!("unknown zone `{}`: {e:?}", case.tz))?;
        let trigger = Trigger::parse_in(&case.trigger, zone)?;
        let tz = Tz::Zone(zone);
        let from = IsoDateTime::parse(&case.from)?
            .resolve(tz)?
            .canonical_in(tz)?;
        let schedule = trigger.schedule(from.instant())?;
        for fire in schedule.fires_from(from, 0)?.take(case.count) {
            fires.push(fire?.to_string());
        }
        Ok(())
    })();
    (fires, outcome.err().map(|e| e.to_string()))
}

/// How many cases of each kind a corpus must hold (so no branch of the replay is dead).
struct Expect {
    fire_cases: usize,
    error_cases: usize,
    loop_cases: usize,
}

/// Replays every case of `corpus` (under fixtures/): the same fires, the same instants and
/// offsets; an error where APScheduler raised one; for an AndTrigger loop, the fires before
/// it and then an error.
fn replay(corpus: &str, expect: Expect) {
    let path = fixtures_dir().join(corpus);
    let lines = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()))
        .lines()
        .count();
    let cases: Vec<Case> =
        read_jsonl(&path).unwrap_or_else(|e| panic!("corpus does not parse: {e}"));

    let (mut fire_cases, mut error_cases, mut loop_cases) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let (got, error) = evaluate(case);
        let head = format!(
            "{} `{}` --tz {} --from {}",
            case.id, case.trigger, case.tz, case.from
        );
        match (&case.fires, &case.error) {
            (Some(expected), None) => {
                fire_cases += 1;
                if &got != expected || error.is_some() {
                    failures.push(format!(
                        "{head}\n  expected {expected:?}\n  got      {got:?} then {error:?}"
                    ));
                }
            }
            (None, Some(expected)) => {
                error_cases += 1;
                if error.is_none() {
                    failures.push(format!(
                        "{head}\n  expected error: {expected}\n  got      {got:?}"
                    ));
                }
            }
            (Some(expected), Some(why)) => {
                loop_cases += 1;
                if &got != expected || error.is_none() {
                    failures.push(format!(
                        "{head}\n  expected {expected:?} then error: {why}\n  got      {got:?} then {error:?}"
                    ));
                }
            }
            (None, None) => failures.push(format!(
                "{}: a case needs `fires`, `error` or both",
                case.id
            )),
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} cases differ from APScheduler:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(
        fire_cases + error_cases + loop_cases,
        lines,
        "every line of `{}` is a case, and every case is checked",
        path.display()
    );
    assert!(
        fire_cases >= expect.fire_cases
            && error_cases >= expect.error_cases
            && loop_cases >= expect.loop_cases,
        "{fire_cases} fire cases, {error_cases} error cases, {loop_cases} loop cases"
    );
}

#[test]
fn every_case_matches_apscheduler() {
    replay(
        "conformance/next.jsonl",
        Expect {
            fire_cases: 1000,
            error_cases: 10,
            loop_cases: 0,
        },
    );
}

/// calendarinterval, and, or: 550 cases with fires, 82 where APScheduler's AndTrigger loops
/// after some fires, 68 errors.
#[test]
fn every_calendarinterval_and_or_case_matches_apscheduler() {
    replay(
        "conformance/next-more.jsonl",
        Expect {
            fire_cases: 550,
            error_cases: 68,
            loop_cases: 82,
        },
    );
}
