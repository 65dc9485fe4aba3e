//! Any bytes as a job file: reading never panics; every error has a place in the file; a file
//! that reads simulates an hour (conservation checked) or fails with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schedctl_core::{simulate_counts, JobFile, SimError};
use schedctl_trigger::Instant;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match JobFile::parse(text) {
        Ok(file) => {
            let start = Instant::from_unix_seconds(1_767_225_600);
            let end = start.add_micros(3_600_000_000);
            let result = simulate_counts(&file, start, end, 0, &mut |_| {});
            assert!(
                !matches!(result, Err(SimError::Conservation { .. })),
                "{result:?}"
            );
        }
        Err(errors) => {
            for e in errors.errors() {
                assert!(e.span().start <= text.len(), "span outside the file");
            }
            assert!(errors.render("jobs.toml").contains("jobs.toml:"));
        }
    }
});
