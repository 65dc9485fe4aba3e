//! Deterministic jitter: a seeded generator instead of Python's global `random`.
//!
//! APScheduler adds `random.uniform(0, jitter)` seconds to each fire. schedctl draws the same
//! distribution from a [`JitterRng`] that the caller seeds, so the same seed gives the same
//! fires on every machine and the library never reads a global generator or the clock.

use crate::time::{OutOfRange, ZonedTime};

/// APScheduler's `BaseTrigger._apply_jitter` for the triggers that return aware datetimes
/// (cron, calendarinterval, and, or): `next + timedelta(seconds=random.uniform(0, jitter))`,
/// which Python adds to the wall clock. No jitter, or zero, leaves `next` as it is.
pub(crate) fn wall_jitter(
    next: ZonedTime,
    jitter: Option<i64>,
    rng: &mut JitterRng,
) -> Result<ZonedTime, OutOfRange> {
    match jitter.filter(|j| *j != 0) {
        None => Ok(next),
        Some(j) => {
            let delta = (rng.uniform(0.0, j as f64) * 1e6).round() as i64;
            ZonedTime::from_wall(
                next.local_micros().saturating_add(delta),
                next.fold(),
                next.tz(),
            )
        }
    }
}

/// A small, fast, seedable generator (SplitMix64).
///
/// ```
/// # use schedctl_trigger::JitterRng;
/// let mut a = JitterRng::new(7);
/// let mut b = JitterRng::new(7);
/// assert_eq!(a.uniform(0.0, 30.0), b.uniform(0.0, 30.0));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JitterRng(u64);

impl JitterRng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> JitterRng {
        JitterRng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)` with 53 random bits, as Python's `random.random()`.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Python's `random.uniform(a, b)`: `a + (b - a) * random()`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_stays_in_bounds_and_varies() {
        let mut rng = JitterRng::new(1);
        let draws: Vec<f64> = (0..1000).map(|_| rng.uniform(0.0, 10.0)).collect();
        assert!(draws.iter().all(|d| (0.0..10.0).contains(d)));
        assert!(draws.iter().any(|d| *d < 1.0) && draws.iter().any(|d| *d > 9.0));
    }
}
