//! Walking a trigger's fires through the lint window, as the other lints read them.

use schedctl_trigger::{EvalError, Instant, JitterRng, Trigger, Tz, ZonedTime};

use crate::duration::Micros;

pub(super) const SCAN_LIMIT: usize = 100_000;

/// The fires of a trigger in `[from, to)` as (raw, canonical) pairs, at most [`SCAN_LIMIT`],
/// and the error that ended the walk early (an AndTrigger loop, a date past 9999), if any.
pub(super) struct Walk {
    pub(super) fires: Vec<(ZonedTime, ZonedTime)>,
    pub(super) error: Option<EvalError>,
}

pub(super) fn walk(trigger: &Trigger, from: Instant, to: Instant) -> Walk {
    walk_limited(trigger, from, from, to, SCAN_LIMIT)
}

/// The fires of a trigger bound to a scheduler start at `anchor`, from the first at or after
/// `from` while before `to`, at most `limit` of them (a date or calendar interval, which do
/// not read `from`, start at their first fire whatever it is).
pub(super) fn walk_limited(
    trigger: &Trigger,
    anchor: Instant,
    from: Instant,
    to: Instant,
    limit: usize,
) -> Walk {
    let mut out = Walk {
        fires: Vec::new(),
        error: None,
    };
    let schedule = match trigger.schedule(anchor) {
        Ok(s) => s,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let zone = Tz::Zone(schedule.zone());
    let Ok(mut now) = ZonedTime::from_instant(from, Tz::Fixed(0)) else {
        return out;
    };
    let mut prev: Option<ZonedTime> = None;
    let mut rng = JitterRng::new(0);
    while out.fires.len() < limit {
        let raw = match schedule.next_fire_time(prev.as_ref(), &now, &mut rng) {
            Ok(Some(raw)) => raw,
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        if raw.instant() >= to {
            break;
        }
        let Ok(canonical) = raw.canonical_in(zone) else {
            break;
        };
        out.fires.push((raw, canonical));
        now = raw;
        prev = Some(raw);
    }
    out
}

pub(super) fn fires(trigger: &Trigger, from: Instant, to: Instant) -> Vec<(ZonedTime, ZonedTime)> {
    walk(trigger, from, to).fires
}

/// The shortest time between two consecutive fires, if there are two.
pub(super) fn min_gap(fires: &[(ZonedTime, ZonedTime)]) -> Option<Micros> {
    fires
        .windows(2)
        .map(|w| {
            Micros::from_micros(w[1].1.instant().unix_micros() - w[0].1.instant().unix_micros())
        })
        .filter(|g| g.as_micros() > 0)
        .min()
}

pub(super) fn date_list(times: &[ZonedTime]) -> String {
    let mut dates: Vec<String> = times.iter().map(|t| t.to_string()).collect();
    dates.dedup();
    if dates.len() > 3 {
        format!("{} and {} more", dates[..3].join(", "), dates.len() - 3)
    } else {
        dates.join(", ")
    }
}
