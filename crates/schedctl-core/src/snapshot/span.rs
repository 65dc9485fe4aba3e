//! Durations in words for snapshots and their reports: days, hours, minutes and seconds.

use std::fmt::Write as _;

/// A span of time in days, hours, minutes and seconds (`35d`, `1h 30m`, `2m 5s`, `1s 500ms`):
/// never months or years, whose length varies. Zero is `0s`; the sign is dropped.
pub fn span(micros: i64) -> String {
    const UNITS: [(u64, &str); 6] = [
        (86_400_000_000, "d"),
        (3_600_000_000, "h"),
        (60_000_000, "m"),
        (1_000_000, "s"),
        (1_000, "ms"),
        (1, "us"),
    ];
    let mut rest = micros.unsigned_abs();
    let mut out = String::new();
    for (size, unit) in UNITS {
        let n = rest / size;
        rest %= size;
        if n > 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{n}{unit}");
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// A signed [`span`]: `+1h`, `-30m`.
pub fn signed_span(micros: i64) -> String {
    let sign = if micros < 0 { '-' } else { '+' };
    format!("{sign}{}", span(micros))
}

#[cfg(test)]
mod tests {
    use super::{signed_span, span};
    use crate::duration::{parse_duration, Micros};

    #[test]
    fn spans_are_days_hours_minutes_seconds() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(5_400_000_000), "1h 30m");
        assert_eq!(span(35 * 86_400_000_000), "35d");
        assert_eq!(span(35 * 86_400_000_000 + 4 * 3_600_000_000), "35d 4h");
        assert_eq!(span(400 * 86_400_000_000), "400d");
        assert_eq!(span(1_500_000), "1s 500ms");
        assert_eq!(span(-60_000_000), "1m");
        assert_eq!(signed_span(-60_000_000), "-1m");
        assert_eq!(signed_span(3_600_000_000), "+1h");
        // Every span reads back as the job file reads durations.
        for us in [
            1,
            1_500_000,
            5_400_000_000,
            35 * 86_400_000_000 + 61_000_000,
        ] {
            assert_eq!(parse_duration(&span(us)), Ok(Micros::from_micros(us)));
        }
    }
}
