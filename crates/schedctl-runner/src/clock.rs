//! The system clock: the one place schedctl reads real time.

use schedctl_core::Clock;
use schedctl_trigger::Instant;

/// Real time (the system clock, as instants since the Unix epoch); waiting sleeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Instant::from_unix_micros(micros)
    }

    fn wait_until(&mut self, deadline: Instant) {
        let micros = deadline.unix_micros() - self.now().unix_micros();
        if micros > 0 {
            std::thread::sleep(std::time::Duration::from_micros(micros as u64));
        }
    }
}
