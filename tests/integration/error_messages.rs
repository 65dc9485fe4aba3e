//! Every error message, rendered as users see it, in one reviewed snapshot per kind of input:
//! a message that changes shows up in `cargo insta review`.

use schedctl_core::JobFile;
use schedctl_trigger::{Trigger, Zone};

/// One trigger string per kind of trigger error.
const TRIGGERS: &[&str] = &[
    "every:hours=1",                                                     // unknown kind
    "cron:5",                                                            // a word before any field
    "cron:hour=1 hour=2",                                                // a field twice
    "cron:hours=5",                       // a field the kind does not have
    "cron:hour=**",                       // not an expression
    "cron:year=1969",                     // below the minimum
    "cron:hour=24",                       // above the maximum
    "cron:day_of_week=fri-mon",           // a range backwards
    "cron:minute=*/0",                    // a zero step
    "cron:second=0-1/8",                  // a step larger than its range
    "cron:month=janx",                    // not a month
    "cron:day=last sunday",               // not a weekday
    "crontab:* 0",                        // crontab field count
    "cron:hour=3 start_date=2026-02-30",  // a date that does not exist
    "cron:hour=1 timezone=europe/berlin", // unknown zone, with a suggestion
    "cron:hour=1 timezone=Mars/Olympus",  // unknown zone
    "interval:hours=two",                 // not an integer
    "cron:hour=2 dst_gap=later",          // not a DST policy
    "interval:weeks=9999999999",          // longer than Python's timedelta
    "calendarinterval:days=1 hour=24",    // a time of day out of range
    "calendarinterval:hour=3",            // no interval
    "calendarinterval:days=1 start_date=2026-05-01 end_date=2026-04-01", // end before start
    "calendarinterval:days=1 start_date=2026-01-01T09:00:00", // a datetime, not a date
    "and:",                               // no bracketed trigger
    "and:[cron:hour=1",                   // a bracket never closed
    "or:[cron:hour=1]]",                  // a stray bracket
    "or:[cron:hour=6] [cron:hour=25] minute=3", // an error inside the brackets, a field or lacks
];

#[test]
fn every_trigger_error_renders_with_a_caret_and_help() {
    let mut out = String::new();
    for text in TRIGGERS {
        let err = Trigger::parse_in(text, Zone::utc()).expect_err(text);
        out.push_str(&err.render());
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}

/// One job file per kind of job-file error (each file shows one or two).
const FILES: &[&str] = &[
    "[[job]\nid = 1\n",                                                             // not TOML
    "bogus = 1\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\nretries = 2\n",      // unknown keys
    "timezone = 5\n",                                                               // wrong type
    "[[job]]\nduration = \"1s\"\n",                                                 // missing id, trigger
    "[executor]\nmax_workers = 0\n",                                                // not positive
    "[executor]\nmax_workers = 99999999999\n",                                      // too large
    "[executor]\nmax_workers = 20000\n",                                            // too many workers
    "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\nduration = \"soon\"\nmisfire_grace_time = \"-1s\"\n", // durations
    "[[pause]]\nfrom = \"yesterday\"\nto = \"2026-03-10T02:00:00\"\n",             // bad datetime
    "timezone = \"Europe/Berln\"\n",                                                // unknown zone
    "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=25\"\n",                            // a trigger error in place
    "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\n[[job]]\nid = \"a\"\ntrigger = \"cron:hour=2\"\n", // duplicate id
    "[[job]]\nid = \" \"\ntrigger = \"cron:hour=1\"\n",                             // empty id
    "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\nexecutor = \"pp\"\njobstore = \"db\"\n", // unknown executor, store
    "[executor]\nmax_workers = 2\n[executors.default]\nmax_workers = 3\n",          // default executor twice
    "[jobstores.a]\nkind = \"redis\"\n[jobstores.b]\nkind = \"memory\"\npath = \"x\"\n", // store kinds
    "[[pause]]\nfrom = \"2026-03-10T05:00:00\"\nto = \"2026-03-10T02:00:00\"\n",   // pause backwards
    "[[job]]\nid = \"a\"\ntrigger = \"interval:hours=1\"\ndst_gap = \"skip\"\n[[job]]\nid = \"b\"\ntrigger = \"cron:hour=1\"\ndst_fold = \"often\"\n", // DST keys
    "[[job]]\nid = \"a\"\ntrigger = \"interval:seconds=-5\"\n",                     // backwards interval
    "[[job]]\nid = \"a\"\ntrigger = \"or:[cron:hour=6] [cron:hour=25]\"\n",       // an error inside an or's brackets
    "[[job]]\nid = \"a\"\ntrigger = \"cron:hour=1\"\ncommand = [\"echo\", \"a\\u0000b\"]\n", // NUL in an argument
];

#[test]
fn every_job_file_error_renders_with_file_line_column() {
    let mut out = String::new();
    for (i, text) in FILES.iter().enumerate() {
        let err = JobFile::parse(text).expect_err(text);
        out.push_str(&err.render(&format!("case{i}.toml")));
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}
