//! Compiling the text of a cron field into its expressions, with APScheduler's checks in
//! APScheduler's order: `*`, `*/n`, `a`, `a-b`, `a/n`, `a-b/n`, month and weekday names,
//! `1st`..`5th`/`last` + weekday, `last`.

use super::field::{CronField, Expr, MONTHS, POSITIONS, WEEKDAYS};
use crate::error::{ErrorKind, ParseError};

/// Compiles one field's comma-separated expression list, pushing an error per bad expression.
pub(super) fn compile_field(
    field: CronField,
    text: &str,
    offset: usize,
    errors: &mut Vec<ParseError>,
) -> Vec<Expr> {
    let mut exprs = Vec::new();
    // APScheduler strips the value and splits it on ` *, *`.
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let mut pos = offset + lead;
    for raw in trimmed.split(',') {
        let start = pos + (raw.len() - raw.trim_start_matches(' ').len());
        let expr = raw.trim_matches(' ');
        pos += raw.len() + 1;
        let span = start..start + expr.len().max(1);
        match compile_expr(field, expr) {
            Ok(e) => exprs.push(e),
            Err(kind) => errors.push(ParseError::new(span, kind)),
        }
    }
    exprs
}

/// Leading ASCII digits of `s` as a number (saturating), and how many bytes they take.
fn leading_number(s: &str) -> Option<(u64, usize)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let v = s[..n].bytes().fold(0u64, |acc, d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some((v, n))
}

/// Leading ASCII letters of `s`.
fn leading_letters(s: &str) -> &str {
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    &s[..n]
}

/// `*` or `*/n`, matched whole.
fn parse_all(expr: &str) -> Option<Option<u64>> {
    let rest = expr.strip_prefix('*')?;
    if rest.is_empty() {
        return Some(None);
    }
    let digits = rest.strip_prefix('/')?;
    match leading_number(digits) {
        Some((v, n)) if n == digits.len() => Some(Some(v)),
        _ => None,
    }
}

/// `a`, `a-b`, `a/n`, `a-b/n`, matched whole.
fn parse_range(expr: &str) -> Option<(u64, Option<u64>, Option<u64>)> {
    let (first, n) = leading_number(expr)?;
    let mut rest = &expr[n..];
    let mut last = None;
    if let Some(r) = rest.strip_prefix('-') {
        let (v, n) = leading_number(r)?;
        last = Some(v);
        rest = &r[n..];
    }
    let mut step = None;
    if let Some(r) = rest.strip_prefix('/') {
        let (v, n) = leading_number(r)?;
        step = Some(v);
        rest = &r[n..];
    }
    rest.is_empty().then_some((first, last, step))
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// One expression, validated as APScheduler validates it (same order of checks).
fn compile_expr(field: CronField, expr: &str) -> Result<Expr, ErrorKind> {
    let (lo, hi) = (u64::from(field.min()), u64::from(field.max()));
    let step_check = |step: Option<u64>, range: i64| -> Result<(), ErrorKind> {
        match step {
            Some(s) if i128::from(s) > i128::from(range) => Err(ErrorKind::StepTooLarge {
                field,
                step: s,
                range,
            }),
            _ => Ok(()),
        }
    };
    if let Some(step) = parse_all(expr) {
        if step == Some(0) {
            return Err(ErrorKind::ZeroStep { field });
        }
        step_check(step, (hi - lo) as i64)?;
        return Ok(Expr::All {
            step: step.map(to_u32),
        });
    }
    if let Some((first, last, step)) = parse_range(expr) {
        if step == Some(0) {
            return Err(ErrorKind::ZeroStep { field });
        }
        let last = if last.is_none() && step.is_none() {
            Some(first)
        } else {
            last
        };
        if let Some(l) = last {
            if first > l {
                return Err(ErrorKind::ReversedRange {
                    field,
                    first,
                    last: l,
                });
            }
        }
        step_check(step, (hi - lo) as i64)?;
        if first < lo {
            return Err(ErrorKind::BelowMinimum {
                field,
                value: first,
                min: field.min(),
            });
        }
        if let Some(l) = last {
            if l > hi {
                return Err(ErrorKind::AboveMaximum {
                    field,
                    value: l,
                    max: field.max(),
                });
            }
        }
        // APScheduler: `(self.last or MAX) - self.first` (a last of 0 counts as the maximum).
        // The range can be negative (`75/5` for minutes): then any step is too large.
        // Python's integers do not wrap: a first value past i64 (`hour=99999999999999999999/12`)
        // makes the range hugely negative, never positive.
        let top = match last {
            Some(l) if l != 0 => l,
            _ => hi,
        };
        let range = (i128::from(top) - i128::from(first)).clamp(i64::MIN.into(), i64::MAX.into());
        let range = range as i64;
        step_check(step, range)?;
        return Ok(Expr::Range {
            first: to_u32(first),
            last: last.map(to_u32),
            step: step.map(to_u32),
        });
    }
    match field {
        CronField::Month => {
            if let Some((first, last)) = name_range_prefix(expr) {
                let f = index_of(&MONTHS, first)
                    .ok_or_else(|| ErrorKind::BadMonthName { name: first.into() })?;
                let l = match last {
                    Some(l) => index_of(&MONTHS, l)
                        .ok_or_else(|| ErrorKind::BadMonthName { name: l.into() })?,
                    None => f,
                };
                return range_of_names(field, f + 1, l + 1)
                    .map(|(first, last)| Expr::MonthRange { first, last });
            }
        }
        CronField::DayOfWeek => {
            if let Some((first, last)) = name_range_prefix(expr) {
                let f = index_of(&WEEKDAYS, first)
                    .ok_or_else(|| ErrorKind::BadWeekdayName { name: first.into() })?;
                let l = match last {
                    Some(l) => index_of(&WEEKDAYS, l)
                        .ok_or_else(|| ErrorKind::BadWeekdayName { name: l.into() })?,
                    None => f,
                };
                return range_of_names(field, f, l)
                    .map(|(first, last)| Expr::WeekdayRange { first, last });
            }
        }
        CronField::Day => {
            if let Some((nth, name)) = position_prefix(expr) {
                let weekday = index_of(&WEEKDAYS, name)
                    .ok_or_else(|| ErrorKind::BadWeekdayName { name: name.into() })?;
                return Ok(Expr::WeekdayPosition { nth, weekday });
            }
            if expr
                .get(..4)
                .is_some_and(|head| head.eq_ignore_ascii_case("last"))
            {
                return Ok(Expr::LastDay);
            }
        }
        _ => {}
    }
    Err(ErrorKind::UnrecognizedExpression {
        field,
        expr: expr.to_owned(),
    })
}

fn range_of_names(field: CronField, first: u32, last: u32) -> Result<(u32, u32), ErrorKind> {
    if first > last {
        return Err(ErrorKind::ReversedRange {
            field,
            first: u64::from(first),
            last: u64::from(last),
        });
    }
    Ok((first, last))
}

fn index_of(names: &[&str], name: &str) -> Option<u32> {
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))
        .map(|i| i as u32)
}

/// APScheduler's `[a-z]+(?:-[a-z]+)?` matched at the start only (the rest is ignored).
fn name_range_prefix(expr: &str) -> Option<(&str, Option<&str>)> {
    let first = leading_letters(expr);
    if first.is_empty() {
        return None;
    }
    let rest = &expr[first.len()..];
    let last = rest
        .strip_prefix('-')
        .map(leading_letters)
        .filter(|l| !l.is_empty());
    Some((first, last))
}

/// APScheduler's `(1st|2nd|3rd|4th|5th|last) +(\d+|\w+)` matched at the start only.
fn position_prefix(expr: &str) -> Option<(u8, &str)> {
    let (nth, rest) = POSITIONS.iter().enumerate().find_map(|(i, p)| {
        let head = expr.get(..p.len())?;
        head.eq_ignore_ascii_case(p)
            .then(|| (i as u8, &expr[p.len()..]))
    })?;
    let name_start = rest.trim_start_matches(' ');
    if name_start.len() == rest.len() {
        return None;
    }
    let digits = name_start.bytes().take_while(u8::is_ascii_digit).count();
    let n = if digits > 0 {
        digits
    } else {
        name_start
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum()
    };
    (n > 0).then(|| (nth, &name_start[..n]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(field: CronField, text: &str) -> Result<Vec<Expr>, Vec<ParseError>> {
        let mut errors = Vec::new();
        let exprs = compile_field(field, text, 0, &mut errors);
        if errors.is_empty() {
            Ok(exprs)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn expression_forms_compile() {
        assert_eq!(
            compile(CronField::Day, "last sun").expect("ok"),
            vec![Expr::WeekdayPosition { nth: 5, weekday: 6 }]
        );
        assert_eq!(
            compile(CronField::Day, "last").expect("ok"),
            vec![Expr::LastDay]
        );
        assert_eq!(
            compile(CronField::Month, "jan-mar, 6").expect("ok"),
            vec![
                Expr::MonthRange { first: 1, last: 3 },
                Expr::Range {
                    first: 6,
                    last: Some(6),
                    step: None
                }
            ]
        );
        assert_eq!(
            compile(CronField::Minute, "5/15").expect("ok"),
            vec![Expr::Range {
                first: 5,
                last: None,
                step: Some(15)
            }]
        );
        assert_eq!(
            compile(CronField::DayOfWeek, "MON-fri").expect("ok"),
            vec![Expr::WeekdayRange { first: 0, last: 4 }]
        );
    }

    #[test]
    fn expression_errors_follow_apscheduler_checks() {
        let kind = |f, t| compile(f, t).expect_err("error")[0].kind().clone();
        assert!(matches!(
            kind(CronField::Hour, "24"),
            ErrorKind::AboveMaximum {
                value: 24,
                max: 23,
                ..
            }
        ));
        assert!(matches!(
            kind(CronField::Minute, "*/0"),
            ErrorKind::ZeroStep { .. }
        ));
        assert!(matches!(
            kind(CronField::DayOfWeek, "fri-mon"),
            ErrorKind::ReversedRange { .. }
        ));
        assert!(matches!(
            kind(CronField::Day, "6th mon"),
            ErrorKind::UnrecognizedExpression { .. }
        ));
        assert!(matches!(
            kind(CronField::Minute, "75/5"),
            ErrorKind::StepTooLarge {
                step: 5,
                range: -16,
                ..
            }
        ));
        assert!(matches!(
            kind(CronField::Second, "0-1/8"),
            ErrorKind::StepTooLarge {
                step: 8,
                range: 1,
                ..
            }
        ));
        assert!(matches!(
            kind(CronField::Year, "1969"),
            ErrorKind::BelowMinimum { .. }
        ));
        assert!(matches!(
            kind(CronField::Day, "last xyz"),
            ErrorKind::BadWeekdayName { .. }
        ));
        assert!(matches!(
            kind(CronField::Hour, ""),
            ErrorKind::UnrecognizedExpression { .. }
        ));
        // `0-0/5`: APScheduler reads a last value of 0 as the maximum when checking the step.
        assert!(compile(CronField::Minute, "0-0/5").is_ok());
    }
}
