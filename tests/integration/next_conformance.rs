//! Replays `fixtures/conformance/next.jsonl` (APScheduler 3.11.3's answers, see the README
//! there) through the trigger library, evaluated step for step as `schedctl next` does.

use std::error::Error;

use schedctl_tests::{fixtures_dir, read_jsonl};
use schedctl_trigger::{IsoDateTime, Trigger, Tz, Zone};
use serde::Deserialize;

/// One line of the corpus: either `fires` (possibly empty) or `error`.
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

/// The first `count` fires as RFC 3339 strings, or the first error of the chain.
fn evaluate(case: &Case) -> Result<Vec<String>, Box<dyn Error>> {
    let zone = Zone::get(&case.tz).map_err(|e| format!("unknown zone `{}`: {e:?}", case.tz))?;
    let trigger = Trigger::parse_in(&case.trigger, zone)?;
    let tz = Tz::Zone(zone);
    let from = IsoDateTime::parse(&case.from)?
        .resolve(tz)?
        .canonical_in(tz)?;
    let schedule = trigger.schedule(from.instant())?;
    let fires = schedule
        .fires_from(from, 0)?
        .take(case.count)
        .map(|fire| fire.map(|t| t.to_string()))
        .collect::<Result<_, _>>()?;
    Ok(fires)
}

#[test]
fn every_case_matches_apscheduler() {
    let path = fixtures_dir().join("conformance/next.jsonl");
    let lines = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()))
        .lines()
        .count();
    let cases: Vec<Case> =
        read_jsonl(&path).unwrap_or_else(|e| panic!("corpus does not parse: {e}"));

    let (mut fire_cases, mut error_cases) = (0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let got = evaluate(case);
        match (&case.fires, &case.error, got) {
            (Some(expected), None, Ok(got)) => {
                fire_cases += 1;
                if &got != expected {
                    failures.push(format!(
                        "{} `{}` --tz {} --from {}\n  expected {expected:?}\n  got      {got:?}",
                        case.id, case.trigger, case.tz, case.from
                    ));
                }
            }
            (Some(expected), None, Err(e)) => {
                fire_cases += 1;
                failures.push(format!(
                    "{} `{}` --tz {} --from {}\n  expected {expected:?}\n  got      error: {e}",
                    case.id, case.trigger, case.tz, case.from
                ));
            }
            (None, Some(_), Err(_)) => error_cases += 1,
            (None, Some(expected), Ok(got)) => {
                error_cases += 1;
                failures.push(format!(
                    "{} `{}` --tz {} --from {}\n  expected error: {expected}\n  got      {got:?}",
                    case.id, case.trigger, case.tz, case.from
                ));
            }
            _ => failures.push(format!(
                "{}: a case needs exactly one of `fires` and `error`",
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
        fire_cases + error_cases,
        lines,
        "every line of `{}` is a case, and every case is checked",
        path.display()
    );
    // Both kinds are present, so neither branch above is dead.
    assert!(
        fire_cases > 1000 && error_cases > 10,
        "{fire_cases} fire cases, {error_cases} error cases"
    );
}
