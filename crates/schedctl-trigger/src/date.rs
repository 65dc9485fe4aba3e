//! The date trigger: APScheduler 3.x `DateTrigger`.
//!
//! A date trigger fires once, at its `run_date`, even when that lies before the start.

use crate::time::ZonedTime;
use crate::zone::Zone;

/// A parsed date trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DateTrigger {
    pub(crate) run_date: Option<ZonedTime>,
    pub(crate) zone: Zone,
}

impl DateTrigger {
    /// The run date, when given (else the scheduler start): in the trigger's zone, or with
    /// the fixed offset it was written with.
    pub fn run_date(&self) -> Option<ZonedTime> {
        self.run_date
    }

    /// The zone fires are written in.
    pub fn zone(&self) -> Zone {
        self.zone
    }
}
