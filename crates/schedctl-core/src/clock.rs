//! The clock the policy engine runs on.
//!
//! The engine never reads the time itself: it asks its [`Clock`] to wait until the next event
//! and then asks what time it is. A [`VirtualClock`] jumps straight to the deadline, which
//! turns the engine into a simulation; the real runner's system clock sleeps instead.

use schedctl_trigger::Instant;

/// A source of "now" that can wait.
pub trait Clock {
    /// The current instant.
    fn now(&self) -> Instant;

    /// Waits until `deadline` (or returns at once if it has passed).
    fn wait_until(&mut self, deadline: Instant);
}

/// A clock that only moves when asked to wait: waiting is instantaneous.
///
/// ```
/// # use schedctl_core::{Clock, VirtualClock};
/// # use schedctl_trigger::Instant;
/// let mut clock = VirtualClock::new(Instant::from_unix_seconds(0));
/// clock.wait_until(Instant::from_unix_seconds(3600));
/// assert_eq!(clock.now(), Instant::from_unix_seconds(3600));
/// clock.wait_until(Instant::from_unix_seconds(10)); // the past: no change
/// assert_eq!(clock.now(), Instant::from_unix_seconds(3600));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VirtualClock {
    now: Instant,
}

impl VirtualClock {
    /// A clock showing `start`.
    pub fn new(start: Instant) -> VirtualClock {
        VirtualClock { now: start }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.now
    }

    fn wait_until(&mut self, deadline: Instant) {
        self.now = self.now.max(deadline);
    }
}
