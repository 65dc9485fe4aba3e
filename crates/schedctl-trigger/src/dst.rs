//! What a cron trigger does when a DST transition touches one of its fires: a choosable
//! policy whose default is APScheduler 3.x's behaviour.
//!
//! * A **gap** fire: the wall time the trigger wants does not exist that day (Berlin 02:30 on
//!   2027-03-28). [`GapPolicy::Shift`] (APScheduler 3.x) fires shifted by the gap length
//!   (03:30+02:00); [`GapPolicy::Skip`] (systemd, the `cron` crate) does not fire that day;
//!   [`GapPolicy::Next`] (croniter, croner) fires at the first instant after the gap
//!   (03:00+02:00).
//! * A **fold** fire: the wall time exists twice (Berlin 02:30 on 2027-10-31, at +02:00 and
//!   at +01:00). [`FoldPolicy::Both`] (APScheduler 3.x) fires at both; [`FoldPolicy::First`]
//!   only at the first occurrence; [`FoldPolicy::Last`] only at the second.

use std::fmt;

use crate::time::Instant;

/// What to do with a fire whose wall time falls in a DST gap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GapPolicy {
    /// Fire shifted by the gap's length (APScheduler 3.x).
    #[default]
    Shift,
    /// Do not fire.
    Skip,
    /// Fire at the first instant after the gap.
    Next,
}

/// What to do with a wall time that a DST fold repeats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FoldPolicy {
    /// Fire at both occurrences (APScheduler 3.x).
    #[default]
    Both,
    /// Fire at the first occurrence only.
    First,
    /// Fire at the second occurrence only.
    Last,
}

impl GapPolicy {
    /// The names accepted in trigger strings and job files.
    pub const NAMES: &'static str = "shift, skip, next";

    /// The policy of a name.
    pub fn from_name(name: &str) -> Option<GapPolicy> {
        match name {
            "shift" => Some(GapPolicy::Shift),
            "skip" => Some(GapPolicy::Skip),
            "next" => Some(GapPolicy::Next),
            _ => None,
        }
    }
}

impl FoldPolicy {
    /// The names accepted in trigger strings and job files.
    pub const NAMES: &'static str = "both, first, last";

    /// The policy of a name.
    pub fn from_name(name: &str) -> Option<FoldPolicy> {
        match name {
            "both" => Some(FoldPolicy::Both),
            "first" => Some(FoldPolicy::First),
            "last" => Some(FoldPolicy::Last),
            _ => None,
        }
    }
}

impl fmt::Display for GapPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GapPolicy::Shift => "shift",
            GapPolicy::Skip => "skip",
            GapPolicy::Next => "next",
        })
    }
}

impl fmt::Display for FoldPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FoldPolicy::Both => "both",
            FoldPolicy::First => "first",
            FoldPolicy::Last => "last",
        })
    }
}

/// What to do with a fire that APScheduler's search jumps over after a DST change: the day
/// after a spring-forward, walking on from the previous fire, APScheduler 3.11 carries the
/// old UTC offset and lands past the next 00:xx fire (Berlin `cron:hour=0`: 03-29, then 03-31).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum JumpPolicy {
    /// Do not fire (APScheduler 3.x).
    #[default]
    Skip,
    /// Fire at the wall time the fields want, as cron and systemd do.
    Fire,
}

impl JumpPolicy {
    /// The names accepted in trigger strings.
    pub const NAMES: &'static str = "skip, fire";

    /// The policy of a name.
    pub fn from_name(name: &str) -> Option<JumpPolicy> {
        match name {
            "skip" => Some(JumpPolicy::Skip),
            "fire" => Some(JumpPolicy::Fire),
            _ => None,
        }
    }
}

impl fmt::Display for JumpPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JumpPolicy::Skip => "skip",
            JumpPolicy::Fire => "fire",
        })
    }
}

/// A trigger's DST policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DstPolicy {
    /// For wall times that do not exist.
    pub gap: GapPolicy,
    /// For wall times that exist twice.
    pub fold: FoldPolicy,
    /// For fires APScheduler's search jumps over after a DST change.
    pub jump: JumpPolicy,
}

impl DstPolicy {
    /// APScheduler 3.x's behaviour.
    pub fn is_default(&self) -> bool {
        *self == DstPolicy::default()
    }
}

/// How DST touches one fire (as APScheduler computes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DstTouch {
    /// Not touched.
    None,
    /// The wanted wall time was in a gap; APScheduler shifted it. `after_gap` is the first
    /// instant after the gap.
    Gap {
        /// The first instant after the gap (the transition itself).
        after_gap: Instant,
    },
    /// The wall time exists twice; this is its first occurrence.
    FoldFirst,
    /// The wall time exists twice; this is its second occurrence.
    FoldSecond,
}

/// What `policy` makes of a fire APScheduler computed: `Some(instant)` to fire then, `None` to
/// not fire.
pub fn apply(policy: DstPolicy, touched: DstTouch, fire: Instant) -> Option<Instant> {
    match (touched, policy.gap, policy.fold) {
        (DstTouch::Gap { .. }, GapPolicy::Skip, _) => None,
        (DstTouch::Gap { after_gap }, GapPolicy::Next, _) => Some(after_gap),
        (DstTouch::FoldFirst, _, FoldPolicy::Last)
        | (DstTouch::FoldSecond, _, FoldPolicy::First) => None,
        _ => Some(fire),
    }
}
