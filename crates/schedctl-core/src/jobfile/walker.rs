//! Walking the spanned TOML tree: typed values out of it, every error kept with its span.

use std::ops::Range;

use schedctl_trigger::{IsoDateTime, Trigger, Tz, Zone, ZonedTime};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::duration::{parse_duration, Micros};
use crate::error::{FileError, FileErrorKind};

pub(super) type Table<'i> = DeTable<'i>;
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// Collects errors while walking the file.
pub(super) struct Walker<'s> {
    pub(super) source: &'s str,
    pub(super) errors: Vec<FileError>,
    /// Byte offsets where lines start, so a job's line is a binary search, not a count of
    /// the file's newlines (which made large files quadratic).
    pub(super) line_starts: Vec<usize>,
}

impl Walker<'_> {
    /// 1-based line of a byte offset.
    pub(super) fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|s| *s <= offset)
    }
}

impl Walker<'_> {
    pub(super) fn err(&mut self, span: Range<usize>, kind: FileErrorKind) {
        self.errors.push(FileError::new(span, kind));
    }

    pub(super) fn unknown_keys(&mut self, table: &Table<'_>, allowed: &[&str], section: &str) {
        for key in table.keys() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                self.err(
                    key.span(),
                    FileErrorKind::UnknownKey {
                        section: section.into(),
                        key: key.get_ref().to_string(),
                        allowed: allowed.join(", "),
                    },
                );
            }
        }
    }

    pub(super) fn table<'a, 'i>(
        &mut self,
        value: &'a Value<'i>,
        what: &str,
    ) -> Option<&'a Table<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.type_error(value.span(), what, "a table", other.type_str());
                None
            }
        }
    }

    pub(super) fn type_error(
        &mut self,
        span: Range<usize>,
        key: &str,
        expected: &str,
        found: &str,
    ) {
        self.err(
            span,
            FileErrorKind::WrongType {
                key: key.into(),
                expected: expected.into(),
                found: found.into(),
            },
        );
    }

    pub(super) fn string<'a>(&mut self, value: &'a Value<'_>, key: &str) -> Option<&'a str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            other => {
                self.type_error(value.span(), key, "a string", other.type_str());
                None
            }
        }
    }

    pub(super) fn bool(&mut self, value: &Value<'_>, key: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.type_error(value.span(), key, "true or false", other.type_str());
                None
            }
        }
    }

    /// An integer `>= 1`.
    pub(super) fn positive(&mut self, value: &Value<'_>, key: &str) -> Option<u32> {
        let DeValue::Integer(i) = value.get_ref() else {
            self.type_error(
                value.span(),
                key,
                "an integer >= 1",
                value.get_ref().type_str(),
            );
            return None;
        };
        let text = i.as_str().replace('_', "");
        let parsed = match i.radix() {
            10 => text.parse::<i64>().ok(),
            r => i64::from_str_radix(text.get(2..).unwrap_or(""), r).ok(),
        };
        match parsed {
            Some(v) if v >= 1 => u32::try_from(v).ok().or_else(|| {
                self.err(value.span(), FileErrorKind::TooLarge { key: key.into() });
                None
            }),
            _ => {
                self.err(
                    value.span(),
                    FileErrorKind::NotPositive {
                        key: key.into(),
                        value: i.as_str().into(),
                    },
                );
                None
            }
        }
    }

    pub(super) fn duration(
        &mut self,
        value: &Value<'_>,
        key: &str,
        none_allowed: bool,
    ) -> Option<Option<Micros>> {
        let text = self.string(value, key)?;
        if none_allowed && text.trim() == "none" {
            return Some(None);
        }
        match parse_duration(text) {
            Ok(d) => Some(Some(d)),
            Err(reason) => {
                self.err(
                    value.span(),
                    FileErrorKind::BadDuration {
                        key: key.into(),
                        text: text.into(),
                        reason: reason.to_string(),
                        none_allowed,
                    },
                );
                None
            }
        }
    }

    /// A datetime given as a string or a TOML datetime, read in `zone` when naive.
    pub(super) fn datetime(
        &mut self,
        value: &Value<'_>,
        key: &str,
        zone: Zone,
    ) -> Option<ZonedTime> {
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            other => {
                self.type_error(
                    value.span(),
                    key,
                    "a datetime such as \"2026-03-10T02:00:00\"",
                    other.type_str(),
                );
                return None;
            }
        };
        let parsed = IsoDateTime::parse(&text)
            .map_err(|e| e.to_string())
            .and_then(|iso| iso.resolve(Tz::Zone(zone)).map_err(|e| e.to_string()));
        match parsed {
            Ok(t) => Some(t),
            Err(reason) => {
                self.err(
                    value.span(),
                    FileErrorKind::BadDatetime {
                        key: key.into(),
                        text,
                        reason,
                    },
                );
                None
            }
        }
    }

    /// Parses a trigger string; its errors point into the file (inside the quoted value).
    pub(super) fn trigger(&mut self, value: &Value<'_>, zone: Zone) -> Option<(String, Trigger)> {
        let text = self.string(value, "trigger")?;
        match Trigger::parse_in(text, zone) {
            Ok(t) => Some((text.to_owned(), t)),
            Err(errors) => {
                // The value's span includes the opening quote.
                let quoted = self
                    .source
                    .get(value.span())
                    .is_some_and(|s| s.starts_with(['"', '\'']));
                let base = value.span().start + usize::from(quoted);
                for e in errors.errors() {
                    let span = e.span();
                    self.err(
                        base + span.start..base + span.end,
                        FileErrorKind::Trigger {
                            message: e.to_string(),
                            help: e.kind().help(),
                        },
                    );
                }
                None
            }
        }
    }
}
