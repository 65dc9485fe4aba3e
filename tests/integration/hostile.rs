//! Hostile input: arbitrary text and near-valid mutations of real triggers, job files and
//! snapshots never panic; every error points inside the input; whatever parses evaluates
//! without panicking (and, for triggers, walks to the fires the search finds).

use proptest::prelude::*;
use schedctl_core::JobFile;
use schedctl_trigger::{Instant, Trigger, Tz, Zone, ZonedTime};

fn corpus_triggers() -> Vec<String> {
    let path = schedctl_tests::fixtures_dir().join("conformance/next.jsonl");
    let cases: Vec<serde_json::Value> = schedctl_tests::read_jsonl(&path).expect("corpus");
    cases
        .iter()
        .filter_map(|c| c["trigger"].as_str().map(str::to_owned))
        .collect()
}

/// The texts of the fixture files in `dir` (under `fixtures/`) whose names end in `.ext`.
fn fixture_texts(dir: &str, ext: &str) -> Vec<String> {
    let dir = schedctl_tests::fixtures_dir().join(dir);
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("fixture folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    files.sort();
    files
}

fn job_files() -> Vec<String> {
    fixture_texts("conformance/sim", "toml")
}

fn snapshots() -> Vec<String> {
    fixture_texts("snapshots", "snap")
}

/// Applies `edits` (position, kind, byte) to `text`, keeping it valid UTF-8.
fn mutate(text: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(pos, kind, c) in edits {
        if chars.is_empty() {
            chars.push(c);
            continue;
        }
        let i = pos % chars.len();
        match kind % 4 {
            0 => chars.insert(i, c),
            1 => {
                chars.remove(i);
            }
            2 => chars[i] = c,
            _ => {
                let j = (i + 7).min(chars.len());
                let dup: Vec<char> = chars[i..j].to_vec();
                chars.splice(i..i, dup);
            }
        }
    }
    chars.into_iter().collect()
}

fn edit() -> impl Strategy<Value = (usize, u8, char)> {
    (
        any::<usize>(),
        any::<u8>(),
        prop::sample::select(vec![
            '=',
            ' ',
            ';',
            ',',
            '-',
            '/',
            '*',
            '0',
            '9',
            '5',
            'a',
            'Z',
            '+',
            ':',
            'T',
            '\u{e9}',
            '\u{1F600}',
            '\n',
            '"',
            '[',
            ']',
            '#',
            'l',
        ]),
    )
}

/// Where evaluation starts: now-ish, the epoch's first year, and days before the end of the
/// supported range (9999-12-31), where the walk and the search both run out of years.
const STARTS: [i64; 3] = [1_767_225_600, 1_000_000, 253_402_000_000];

fn check_trigger(text: &str) -> Result<(), TestCaseError> {
    match Trigger::parse_in(text, Zone::utc()) {
        Ok(t) => {
            // Whatever parses evaluates, to fires or an error, never a panic; and the walk
            // (bit scans away from DST changes) answers exactly what the search answers.
            for start in STARTS.map(Instant::from_unix_seconds) {
                let Ok(s) = t.schedule(start) else { continue };
                let Ok(from) = ZonedTime::from_instant(start, Tz::Zone(s.zone())) else {
                    continue;
                };
                prop_assert_eq!(
                    schedctl_tests::walked_fires(&s, from, 12),
                    schedctl_tests::searched_fires(&s, from, 12),
                    "`{}` from {}",
                    text,
                    from
                );
            }
        }
        Err(errors) => {
            prop_assert!(!errors.errors().is_empty());
            for e in errors.errors() {
                prop_assert!(
                    e.span().start <= text.len() + 1,
                    "span {:?} outside {:?}",
                    e.span(),
                    text
                );
            }
            prop_assert!(!errors.render().is_empty());
        }
    }
    Ok(())
}

/// 512 cases per property by default; `PROPTEST_CASES=20000` searches deeper.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_trigger_text_never_panics(text in "\\PC{0,60}") {
        check_trigger(&text)?;
    }

    #[test]
    fn mutated_corpus_triggers_never_panic(i in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..4)) {
        let corpus = corpus_triggers();
        let text = mutate(i.get::<String>(&corpus), &edits);
        check_trigger(&text)?;
    }

    #[test]
    fn mutated_job_files_never_panic(i in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let files = job_files();
        let text = mutate(i.get::<String>(&files), &edits);
        match JobFile::parse(&text) {
            // Whatever parses simulates (a day), conservation checked, or fails with an error.
            Ok(file) => {
                let start = Instant::from_unix_seconds(1_767_225_600);
                let _ = schedctl_core::simulate_counts(&file, start, start.add_micros(86_400_000_000), 0, &mut |_| {});
            }
            Err(errors) => {
                prop_assert!(!errors.errors().is_empty());
                for e in errors.errors() {
                    prop_assert!(e.span().start <= text.len(), "span {:?} outside the file", e.span());
                }
                prop_assert!(errors.render("jobs.toml").contains("jobs.toml:"));
            }
        }
    }

    /// A damaged snapshot (`schedctl check SNAP`) is read or refused with its line, never a
    /// panic; one that still reads can be compared with the original.
    #[test]
    fn mutated_snapshots_never_panic(i in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let files = snapshots();
        let original = i.get::<String>(&files);
        let text = mutate(original, &edits);
        match schedctl_core::snapshot::Snapshot::parse(&text) {
            Ok(snap) => {
                let old = schedctl_core::snapshot::Snapshot::parse(original).expect("fixture reads");
                let diffs = schedctl_core::snapshot::diff(&old, &snap);
                let _ = schedctl_core::snapshot::render_diff(&diffs);
            }
            Err(e) => {
                prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1), "line {} of {}", e.line, text.lines().count());
                let place = format!("line {}:", e.line);
                prop_assert!(e.to_string().starts_with(&place), "{} does not start with {}", e, place);
            }
        }
    }
}

#[test]
fn instants_past_year_9999_are_an_error_not_a_panic() {
    let t: Trigger = "cron:year=9999 month=12 day=31 hour=23 minute=59 second=59"
        .parse()
        .expect("valid");
    let start = Instant::from_unix_seconds(253_402_300_000);
    let s = t.schedule(start).expect("in range");
    let fires: Vec<_> = s.fires(start).expect("in range").take(3).collect();
    assert_eq!(fires.len(), 2, "the last fire, then an error: {fires:?}");
    assert!(fires[0].is_ok());
    assert!(fires[1].is_err());
}

#[test]
fn regressions_found_by_fuzzing_are_errors_with_carets() {
    let path = schedctl_tests::fixtures_dir().join("hostile/triggers.txt");
    let text = std::fs::read_to_string(path).expect("fixture");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let err = Trigger::parse_in(line, Zone::utc()).expect_err(line);
        assert!(err.render().contains('^'), "{line}: {}", err.render());
        checked += 1;
    }
    assert_eq!(checked, 6);
}
