//! Durations of the job file (`45m`, `1h 30m`, `500ms`), in humantime syntax.

use std::fmt;

/// A non-negative span of time in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(i64);

/// The longest duration a job file may give (100 years): longer is surely a typo.
pub const MAX_DURATION: Micros = Micros(100 * 366 * 86_400 * 1_000_000);

impl Micros {
    /// No time.
    pub const ZERO: Micros = Micros(0);

    /// `s` seconds.
    pub const fn from_secs(s: i64) -> Micros {
        Micros(s * 1_000_000)
    }

    /// `us` microseconds.
    pub const fn from_micros(us: i64) -> Micros {
        Micros(us)
    }

    /// The value in microseconds.
    pub const fn as_micros(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = std::time::Duration::from_micros(self.0.unsigned_abs());
        write!(f, "{}", humantime::format_duration(d))
    }
}

/// Why a duration cannot be read ([`parse_duration`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// A leading `-`.
    #[error("durations cannot be negative")]
    Negative,
    /// Not humantime's syntax (`45m`, `1h 30m`, `500ms`); `reason` is humantime's.
    #[error("{reason}")]
    Syntax {
        /// What humantime says is wrong.
        reason: String,
    },
    /// Longer than [`MAX_DURATION`] (100 years).
    #[error("longer than 100 years")]
    TooLong,
}

/// Reads a humantime duration such as `45m` or `1h 30m` (no sign; at most 100 years).
///
/// ```
/// use schedctl_core::{parse_duration, DurationError, Micros};
/// assert_eq!(parse_duration("1h 30m"), Ok(Micros::from_secs(5400)));
/// assert_eq!(parse_duration("-5m"), Err(DurationError::Negative));
/// ```
///
/// Errors: [`DurationError`] says which rule the text breaks.
pub fn parse_duration(text: &str) -> Result<Micros, DurationError> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let d = humantime::parse_duration(t).map_err(|e| DurationError::Syntax {
        reason: e.to_string(),
    })?;
    let us = i64::try_from(d.as_micros()).map_err(|_| DurationError::TooLong)?;
    if us > MAX_DURATION.0 {
        return Err(DurationError::TooLong);
    }
    Ok(Micros(us))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humantime_forms() {
        assert_eq!(parse_duration("45m"), Ok(Micros::from_secs(2700)));
        assert_eq!(parse_duration("1h 30m"), Ok(Micros::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Micros::from_micros(500_000)));
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("1000y").is_err());
    }
}
