//! `schedctl._native`: the Rust engine behind the `schedctl` Python package.
//!
//! Thin on purpose: every function here calls the library crates or the CLI's own commands
//! (captured), so Python gets the answers `schedctl` prints, never a second implementation.
//! The Python package (python/schedctl) turns the results into datetimes, dataclasses and
//! exceptions.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use schedctl_core::JobFile;
use schedctl_trigger::{IsoDateTime, Trigger, Tz, Zone};

/// Runs the `schedctl` command line (`argv[0]` is the program name), printing as the binary
/// prints; returns its exit code.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    // Commands can run for long (`schedctl run`): other Python threads go on meanwhile.
    py.detach(|| schedctl::run_code(argv))
}

/// Runs a `schedctl` command with its output captured: `(exit code, stdout bytes, error
/// message without colour)`.
#[pyfunction]
fn run_captured<'py>(py: Python<'py>, argv: Vec<String>) -> (u8, Bound<'py, PyBytes>, String) {
    let captured = py.detach(|| schedctl::run_captured(argv));
    (
        captured.code,
        PyBytes::new(py, &captured.stdout),
        captured.error,
    )
}

/// The errors of a trigger string: `(message, help, first column, end column)` each, columns
/// counted in characters from 1 (the end exclusive); `[]` for a valid trigger.
#[pyfunction]
fn trigger_errors(trigger: &str, tz: &str) -> PyResult<Vec<(String, String, usize, usize)>> {
    let zone = zone(tz)?;
    Ok(match Trigger::parse_in(trigger, zone) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .errors()
            .iter()
            .map(|e| {
                let span = e.span();
                let column = |byte: usize| char_column(trigger, byte);
                (
                    e.to_string(),
                    e.kind().help(),
                    column(span.start),
                    column(span.end).max(column(span.start) + 1),
                )
            })
            .collect(),
    })
}

/// The errors of a job file's text: `(message, help, line, column)` each, from 1; `[]` for a
/// valid file.
#[pyfunction]
fn job_file_errors(source: &str) -> Vec<(String, String, usize, usize)> {
    match JobFile::parse(source) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .errors()
            .iter()
            .map(|e| {
                let at = floor(source, e.span().start);
                let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
                (
                    e.to_string(),
                    e.kind().help(),
                    source[..at].matches('\n').count() + 1,
                    source[line_start..at].chars().count() + 1,
                )
            })
            .collect(),
    }
}

/// The next `count` fires of `trigger` at or after `start` (ISO 8601; naive = in the trigger's
/// zone): `(zone name, [(unix microseconds, UTC offset seconds)], error)`. The zone name is the
/// trigger's IANA zone (empty for a fixed offset); `error` says why the fires stop early (an
/// `and` that APScheduler would loop on, a date past 9999), after the fires found.
#[pyfunction]
#[pyo3(signature = (trigger, start, count, tz, seed = 0))]
fn next_fires(
    py: Python<'_>,
    trigger: &str,
    start: &str,
    count: usize,
    tz: &str,
    seed: u64,
) -> PyResult<(String, Vec<(i64, i32)>, Option<String>)> {
    let zone = zone(tz)?;
    let trigger = Trigger::parse_in(trigger, zone).map_err(|e| PyValueError::new_err(e.render()))?;
    let start = IsoDateTime::parse(start)
        .map_err(|e| PyValueError::new_err(format!("start `{start}`: {e}")))?
        .resolve(Tz::Zone(trigger.zone()))
        .map_err(|e| PyValueError::new_err(format!("start `{start}`: {e}")))?;
    let eval = |e: schedctl_trigger::EvalError| PyValueError::new_err(e.to_string());
    let schedule = trigger.schedule(start.instant()).map_err(eval)?;
    py.detach(|| {
        let mut fires = Vec::with_capacity(count.min(1 << 16));
        let mut stopped = None;
        for fire in schedule.fires_from(start, seed).map_err(eval)?.take(count) {
            match fire.and_then(|f| Ok(f.canonical_in(f.tz())?)) {
                Ok(f) => fires.push((f.instant().unix_micros(), f.offset_seconds())),
                Err(e) => {
                    stopped = Some(e.to_string());
                    break;
                }
            }
        }
        Ok((trigger.zone().name().to_owned(), fires, stopped))
    })
}

/// The IANA release of the bundled zone database (`2026f`).
#[pyfunction]
fn tzdb_version() -> &'static str {
    schedctl_trigger::TZDB_VERSION
}

/// The version of schedctl (the Rust crates'), for `schedctl.__version__`.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn zone(name: &str) -> PyResult<Zone> {
    Zone::get(name).map_err(|e| PyValueError::new_err(format!("tz `{name}`: {e}")))
}

/// The largest char boundary of `s` at or before `i`.
fn floor(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The 1-based character column of byte `i` of a one-line string.
fn char_column(s: &str, i: usize) -> usize {
    s[..floor(s, i)].chars().count() + 1
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(run_captured, m)?)?;
    m.add_function(wrap_pyfunction!(trigger_errors, m)?)?;
    m.add_function(wrap_pyfunction!(job_file_errors, m)?)?;
    m.add_function(wrap_pyfunction!(next_fires, m)?)?;
    m.add_function(wrap_pyfunction!(tzdb_version, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
