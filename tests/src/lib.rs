//! Shared helpers for schedctl's integration tests: where the fixtures live, and a JSONL
//! reader that says which file and line a bad record came from.
//!
//! The tests themselves are one binary, `integration/main.rs`, with a module per area.
//!
//! ```
//! use schedctl_tests::{fixtures_dir, read_jsonl};
//!
//! let path = fixtures_dir().join("conformance/next.jsonl");
//! let cases: Vec<serde_json::Value> = read_jsonl(&path)?;
//! assert_eq!(cases[0]["id"], "seed-01-docs-last-sun");
//! # Ok::<(), schedctl_tests::FixtureError>(())
//! ```

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// The workspace's `fixtures/` directory (data only; each folder has a README naming its source).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
}

/// Why a fixture file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not a JSON value of the expected shape.
    #[error("`{}:{line}`: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The line, counted from 1.
        line: usize,
        /// What serde_json said.
        source: serde_json::Error,
    },
}

/// Reads a JSON Lines file: one record per line, every line a record (a blank line is an
/// error, so a count of records is a count of lines).
pub fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, FixtureError> {
    let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
        path: path.to_owned(),
        source,
    })?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|source| FixtureError::Json {
                path: path.to_owned(),
                line: i + 1,
                source,
            })
        })
        .collect()
}

/// The first `n` fires of `schedule` from `from`, each asked afresh of the trigger's search (no
/// cursor), written as text; an evaluation error ends the list as its message.
pub fn searched_fires(
    schedule: &schedctl_trigger::Schedule,
    from: schedctl_trigger::ZonedTime,
    n: usize,
) -> Vec<String> {
    let zone = schedctl_trigger::Tz::Zone(schedule.zone());
    let mut rng = schedctl_trigger::JitterRng::new(0);
    let (mut prev, mut now, mut out) = (None, from, Vec::new());
    while out.len() < n {
        match schedule.next_fire_time(prev.as_ref(), &now, &mut rng) {
            Ok(Some(raw)) => {
                out.push(
                    raw.canonical_in(zone)
                        .map_or_else(|e| e.to_string(), |f| f.to_string()),
                );
                (prev, now) = (Some(raw), raw);
            }
            Ok(None) => break,
            Err(e) => {
                out.push(e.to_string());
                break;
            }
        }
    }
    out
}

/// The first `n` fires of `schedule` from `from` as [`schedctl_trigger::Schedule::fires_from`]
/// walks them (with its cursor), written as [`searched_fires`] writes them.
pub fn walked_fires(
    schedule: &schedctl_trigger::Schedule,
    from: schedctl_trigger::ZonedTime,
    n: usize,
) -> Vec<String> {
    match schedule.fires_from(from, 0) {
        Ok(fires) => fires
            .take(n)
            .map(|f| f.map_or_else(|e| e.to_string(), |f| f.to_string()))
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}
