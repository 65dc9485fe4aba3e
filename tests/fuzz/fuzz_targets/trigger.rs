//! Any bytes as a trigger string: parsing never panics; an error points inside the text; a
//! trigger that parses walks (with the cursor) to the same fires as the search finds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schedctl_trigger::{Instant, Trigger, Tz, Zone, ZonedTime};

/// 2026-01-01, 1970-01-12 and days before 9999-12-31.
const STARTS: [i64; 3] = [1_767_225_600, 1_000_000, 253_402_000_000];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let trigger = match Trigger::parse_in(text, Zone::utc()) {
        Ok(t) => t,
        Err(errors) => {
            for e in errors.errors() {
                assert!(e.span().start <= text.len() + 1, "span outside {text:?}");
            }
            assert!(!errors.render().is_empty());
            return;
        }
    };
    let shown = trigger.to_string();
    let again: Trigger = shown.parse().expect("the canonical form parses");
    assert_eq!(again, trigger, "{text:?} is shown as {shown:?}");
    for start in STARTS.map(Instant::from_unix_seconds) {
        let Ok(schedule) = trigger.schedule(start) else {
            continue;
        };
        let Ok(from) = ZonedTime::from_instant(start, Tz::Zone(schedule.zone())) else {
            continue;
        };
        let walked = schedctl_tests::walked_fires(&schedule, from, 8);
        let searched = schedctl_tests::searched_fires(&schedule, from, 8);
        assert_eq!(walked, searched, "{text:?} from {from}");
    }
});
