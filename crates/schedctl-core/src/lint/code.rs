//! The lint codes and the warning they give.

/// The kinds of lint, with stable codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LintCode {
    /// No fire at or after the window's start.
    NeverFires,
    /// No fire in the window, but some later.
    NoFiresInWindow,
    /// Fewer than two fires in four years, on average.
    RareFires,
    /// A day of month that not every month has (29, 30, 31).
    SkipsMonths,
    /// Fires lost to a calendar day that the zone skips (Pacific/Apia's 2011-12-30).
    SkippedCalendarDay,
    /// A fire moved by a DST gap.
    DstGap,
    /// A wall time fired twice in a DST fold.
    DstFold,
    /// A fire APScheduler's search jumps over after a DST change (the day after a
    /// spring-forward; a day whose start falls in a gap).
    DstSkippedFire,
    /// Numeric weekdays in a `crontab:` line (APScheduler 3.x: 0 = Monday).
    CrontabNumericWeekday,
    /// Both day of month and day of week restricted: APScheduler requires both, cron either.
    CrontabDayAndWeekday,
    /// Runs last as long as the period with max_instances = 1: fires are dropped.
    Overrun,
    /// Runs missed because they waited for a worker of a busy pool beyond the misfire grace.
    GraceTooShort,
    /// More jobs fire at one instant than the executor has workers.
    Crowded,
    /// An interval without start_date: its fires depend on when the scheduler starts.
    IntervalWithoutStart,
    /// Jitter on an interval, which adds up from one fire to the next.
    IntervalJitterDrift,
    /// A whole-day interval, whose wall-clock time moves with DST.
    IntervalDstDrift,
    /// Jitter as long as the period between fires.
    JitterOverPeriod,
    /// An end_date without a time: midnight at its start, so that day's fires are lost.
    BareDateEnd,
    /// A run date before the window's start: APScheduler still processes it at the start.
    DateBeforeWindow,
    /// An `and` that APScheduler 3.11 loops on for ever after a fire: the scheduler freezes.
    AndFreezes,
    /// A calendar interval whose first fire lies before the start: APScheduler replays it.
    CalendarintervalPastStart,
    /// A calendar interval that skips dates (a day some months lack, a time in a DST gap).
    CalendarintervalSkips,
    /// An `or` with an interval child, which counts from any child's fire.
    OrIntervalChild,
    /// Fires before the start (a past run date or start_date) missed at the start.
    MissedBeforeStart,
    /// Fires missed after a pause or an outage.
    MissedAfterPause,
    /// Runs of an overdue batch (coalesce = false) missed one after another.
    MissedInBatch,
}

impl LintCode {
    /// Every code.
    pub const ALL: [LintCode; 26] = [
        LintCode::NeverFires,
        LintCode::NoFiresInWindow,
        LintCode::RareFires,
        LintCode::SkipsMonths,
        LintCode::SkippedCalendarDay,
        LintCode::DstGap,
        LintCode::DstFold,
        LintCode::DstSkippedFire,
        LintCode::CrontabNumericWeekday,
        LintCode::CrontabDayAndWeekday,
        LintCode::Overrun,
        LintCode::GraceTooShort,
        LintCode::Crowded,
        LintCode::IntervalWithoutStart,
        LintCode::IntervalJitterDrift,
        LintCode::IntervalDstDrift,
        LintCode::JitterOverPeriod,
        LintCode::BareDateEnd,
        LintCode::DateBeforeWindow,
        LintCode::AndFreezes,
        LintCode::CalendarintervalPastStart,
        LintCode::CalendarintervalSkips,
        LintCode::OrIntervalChild,
        LintCode::MissedBeforeStart,
        LintCode::MissedAfterPause,
        LintCode::MissedInBatch,
    ];

    /// The code as written on the command line (`--deny dst-gap`).
    pub fn name(self) -> &'static str {
        match self {
            LintCode::NeverFires => "never-fires",
            LintCode::NoFiresInWindow => "no-fires-in-window",
            LintCode::RareFires => "rare-fires",
            LintCode::SkipsMonths => "skips-months",
            LintCode::SkippedCalendarDay => "skipped-calendar-day",
            LintCode::DstGap => "dst-gap",
            LintCode::DstFold => "dst-fold",
            LintCode::DstSkippedFire => "dst-skipped-fire",
            LintCode::CrontabNumericWeekday => "crontab-numeric-weekday",
            LintCode::CrontabDayAndWeekday => "crontab-day-and-weekday",
            LintCode::Overrun => "overrun",
            LintCode::GraceTooShort => "grace-too-short",
            LintCode::Crowded => "crowded",
            LintCode::IntervalWithoutStart => "interval-without-start",
            LintCode::IntervalJitterDrift => "interval-jitter-drift",
            LintCode::IntervalDstDrift => "interval-dst-drift",
            LintCode::JitterOverPeriod => "jitter-over-period",
            LintCode::BareDateEnd => "bare-date-end",
            LintCode::DateBeforeWindow => "date-before-window",
            LintCode::AndFreezes => "and-freezes",
            LintCode::CalendarintervalPastStart => "calendarinterval-past-start",
            LintCode::CalendarintervalSkips => "calendarinterval-skips",
            LintCode::OrIntervalChild => "or-interval-child",
            LintCode::MissedBeforeStart => "missed-before-start",
            LintCode::MissedAfterPause => "missed-after-pause",
            LintCode::MissedInBatch => "missed-in-batch",
        }
    }

    /// The code of a name.
    pub fn from_name(name: &str) -> Option<LintCode> {
        LintCode::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One warning.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lint {
    /// What kind.
    pub code: LintCode,
    /// The job (none when linting a lone trigger).
    pub job: Option<String>,
    /// The field or key concerned.
    pub field: &'static str,
    /// Why, in one line.
    pub message: String,
    /// How to fix it, in one line.
    pub fix: String,
}
