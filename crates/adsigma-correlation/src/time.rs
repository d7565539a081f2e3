//! Event time: reading it from an event, and writing it back as RFC 3339.
//!
//! Times are `i64` nanoseconds since 1970-01-01T00:00:00Z ([`Nanos`]), which covers the years
//! 1678 to 2261.

use adsigma_engine::{Event, EventValue};
use std::fmt;

/// Nanoseconds since the Unix epoch, UTC.
pub type Nanos = i64;

/// One second in [`Nanos`].
pub const SECOND: Nanos = 1_000_000_000;

/// The timestamp fields looked at by default, first present wins.
pub const DEFAULT_TIME_FIELDS: &[&str] = &[
    "@timestamp",
    "timestamp",
    "time",
    "requestReceivedTimestamp",
    "UtcTime",
    "EventTime",
];

/// Why an event has no usable time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// None of the timestamp fields is present.
    Missing,
    /// The first present timestamp field does not hold a time; the field and the text.
    Bad {
        /// The field looked at.
        field: String,
        /// Its value as text (cut to 64 characters).
        value: String,
    },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Missing => f.write_str("the event has none of the timestamp fields"),
            TimeError::Bad { field, value } => write!(
                f,
                "`{field}` is not a time (RFC 3339, ISO 8601 or epoch seconds/milliseconds): `{value}`"
            ),
        }
    }
}

impl std::error::Error for TimeError {}

/// The time of `event`: the first of `fields` that is present, parsed by [`parse_value`].
///
/// ```
/// use adsigma_correlation::time::{event_time, DEFAULT_TIME_FIELDS, SECOND};
/// let e = serde_json::json!({"time": "1970-01-01T00:01:00Z"});
/// let fields: Vec<String> = DEFAULT_TIME_FIELDS.iter().map(|s| s.to_string()).collect();
/// assert_eq!(event_time(&e, &fields), Ok(60 * SECOND));
/// ```
pub fn event_time(event: &dyn Event, fields: &[String]) -> Result<Nanos, TimeError> {
    for field in fields {
        let mut first: Option<Result<Nanos, String>> = None;
        let found = event.lookup(field, &mut |v| {
            if first.is_none() && !matches!(v, EventValue::Missing) {
                first = Some(parse_value(v).ok_or_else(|| {
                    let mut buf = String::new();
                    let text = v.text(&mut buf).unwrap_or("(not a scalar)");
                    text.chars().take(64).collect()
                }));
            }
        });
        if !found {
            continue;
        }
        return match first {
            Some(Ok(t)) => Ok(t),
            Some(Err(value)) => Err(TimeError::Bad {
                field: field.clone(),
                value,
            }),
            None => Err(TimeError::Bad {
                field: field.clone(),
                value: String::new(),
            }),
        };
    }
    Err(TimeError::Missing)
}

/// Parses one event value as a time: a string in RFC 3339 / ISO 8601 form, or an epoch number
/// (or a string holding one). Epoch numbers are seconds below 10^11, milliseconds below 10^14,
/// microseconds below 10^17 and nanoseconds above.
pub fn parse_value(v: EventValue<'_>) -> Option<Nanos> {
    match v {
        EventValue::Int(i) => from_epoch_int(i),
        EventValue::UInt(u) => i64::try_from(u).ok().and_then(from_epoch_int),
        EventValue::Float(f) => from_epoch_float(f),
        EventValue::Str(s) => parse_str(s),
        _ => None,
    }
}

fn from_epoch_int(i: i64) -> Option<Nanos> {
    let a = i.unsigned_abs();
    if a < 100_000_000_000 {
        i.checked_mul(SECOND)
    } else if a < 100_000_000_000_000 {
        i.checked_mul(1_000_000)
    } else if a < 100_000_000_000_000_000 {
        i.checked_mul(1_000)
    } else {
        Some(i)
    }
}

fn from_epoch_float(f: f64) -> Option<Nanos> {
    if !f.is_finite() {
        return None;
    }
    let a = f.abs();
    let unit: i64 = if a < 1e11 {
        SECOND
    } else if a < 1e14 {
        1_000_000
    } else if a < 1e17 {
        1_000
    } else {
        1
    };
    if a >= 9.2e18 / unit as f64 {
        return None;
    }
    // Whole units and the fraction apart, so the fraction keeps its precision.
    let whole = f.trunc();
    let frac = ((f - whole) * unit as f64).round() as i64;
    (whole as i64).checked_mul(unit)?.checked_add(frac)
}

/// Parses a time string: RFC 3339 and ISO 8601 (`2026-03-01T10:00:00Z`,
/// `2026-03-01T10:00:00.123456789+02:00`, `2026-03-01 10:00:00`, `2026-03-01T10:00Z`,
/// `20260301T100000Z`, a date alone; no offset means UTC), or an epoch number as text.
///
/// ```
/// use adsigma_correlation::time::{parse_str, SECOND};
/// assert_eq!(parse_str("1970-01-01T01:00:00+01:00"), Some(0));
/// assert_eq!(parse_str("1970-01-01T00:00:01.5Z"), Some(SECOND + SECOND / 2));
/// assert_eq!(parse_str("1700000000"), Some(1_700_000_000 * SECOND));
/// assert_eq!(parse_str("yesterday"), None);
/// ```
pub fn parse_str(text: &str) -> Option<Nanos> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
        && !(t.len() >= 8 && t.as_bytes().get(4) == Some(&b'-'))
    {
        if let Ok(i) = t.parse::<i64>() {
            // Eight digits alone are more likely a basic ISO date than an epoch in 1970.
            if t.len() != 8 {
                return from_epoch_int(i);
            }
        } else if let Ok(f) = t.parse::<f64>() {
            return from_epoch_float(f);
        }
    }
    parse_iso(t)
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<i64> {
    let d = s.get(at..at + n)?;
    d.iter()
        .all(u8::is_ascii_digit)
        .then(|| d.iter().fold(0i64, |a, c| a * 10 + i64::from(c - b'0')))
}

fn parse_iso(t: &str) -> Option<Nanos> {
    let s = t.as_bytes();
    let year = digits(s, 0, 4)?;
    let extended = s.get(4) == Some(&b'-');
    let (month, day, mut i) = if extended {
        if s.get(7) != Some(&b'-') {
            return None;
        }
        (digits(s, 5, 2)?, digits(s, 8, 2)?, 10)
    } else {
        (digits(s, 4, 2)?, digits(s, 6, 2)?, 8)
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0i64);
    let mut offset = 0i64;
    if i < s.len() {
        if !matches!(s[i], b'T' | b't' | b' ') {
            return None;
        }
        i += 1;
        hour = digits(s, i, 2)?;
        i += 2;
        let colon = s.get(i) == Some(&b':');
        if colon {
            i += 1;
        }
        minute = digits(s, i, 2)?;
        i += 2;
        if s.get(i) == Some(&b':') || (!colon && s.get(i).is_some_and(u8::is_ascii_digit)) {
            if s[i] == b':' {
                i += 1;
            }
            second = digits(s, i, 2)?;
            i += 2;
            if matches!(s.get(i), Some(b'.' | b',')) {
                i += 1;
                let start = i;
                while s.get(i).is_some_and(u8::is_ascii_digit) {
                    if i - start < 9 {
                        nanos = nanos * 10 + i64::from(s[i] - b'0');
                    }
                    i += 1;
                }
                let n = i - start;
                if n == 0 {
                    return None;
                }
                for _ in n.min(9)..9 {
                    nanos *= 10;
                }
            }
        }
        match s.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == s.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(s, i + 1, 2)?;
                let rest = &s[i + 3..];
                let om = match rest {
                    [] => 0,
                    [b':', ..] if rest.len() == 3 => digits(rest, 1, 2)?,
                    _ if rest.len() == 2 => digits(rest, 0, 2)?,
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                offset = (oh * 60 + om) * 60 * if sign == b'-' { -1 } else { 1 };
            }
            _ => return None,
        }
    }
    // 60 is a leap second; it is read as the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    secs.checked_mul(SECOND)?.checked_add(nanos)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Writes a time as RFC 3339 in UTC, with the fraction only when it is not zero (then with as
/// many digits as needed, at most nine).
///
/// ```
/// use adsigma_correlation::time::{format_rfc3339, SECOND};
/// assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
/// assert_eq!(format_rfc3339(1_772_359_240 * SECOND + 500_000_000), "2026-03-01T10:00:40.5Z");
/// ```
pub fn format_rfc3339(t: Nanos) -> String {
    let secs = t.div_euclid(SECOND);
    let nanos = t.rem_euclid(SECOND);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let mut out = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        let base = parse_str("2026-03-01T10:00:00Z").unwrap();
        assert_eq!(format_rfc3339(base), "2026-03-01T10:00:00Z");
        for (text, delta) in [
            ("2026-03-01T10:00:00.000000001Z", 1),
            ("2026-03-01T10:00:00.123456789123Z", 123_456_789),
            ("2026-03-01 10:00:00", 0),
            ("2026-03-01T10:00Z", 0),
            ("2026-03-01t10:00:00z", 0),
            ("2026-03-01T11:30:00+01:30", 0),
            ("2026-03-01T09:00:00-0100", 0),
            ("20260301T100000Z", 0),
            ("2026-03-01T10:00:00,5Z", SECOND / 2),
        ] {
            assert_eq!(parse_str(text), Some(base + delta), "{text}");
        }
        assert_eq!(
            parse_str("2026-03-01"),
            Some(base - 10 * 3600 * SECOND),
            "date alone is midnight UTC"
        );
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-02-30",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:00:00Zjunk",
            "2026-03-01T10:00:00.Z",
            "2026-03-01X10:00",
            "",
            "10:00",
        ] {
            assert_eq!(parse_str(bad), None, "{bad}");
        }
    }

    #[test]
    fn epochs() {
        assert_eq!(
            parse_value(EventValue::Int(1_700_000_000)),
            Some(1_700_000_000 * SECOND)
        );
        assert_eq!(
            parse_value(EventValue::Int(1_700_000_000_123)),
            Some(1_700_000_000_123_000_000)
        );
        assert_eq!(
            parse_value(EventValue::Int(1_700_000_000_123_456)),
            Some(1_700_000_000_123_456_000)
        );
        assert_eq!(
            parse_value(EventValue::Int(1_700_000_000_123_456_789)),
            Some(1_700_000_000_123_456_789)
        );
        assert_eq!(
            parse_value(EventValue::Float(1_700_000_000.25)),
            Some(1_700_000_000_250_000_000)
        );
        assert_eq!(
            parse_value(EventValue::Str("1700000000123")),
            Some(1_700_000_000_123_000_000)
        );
        assert_eq!(parse_value(EventValue::Float(f64::NAN)), None);
        assert_eq!(parse_value(EventValue::Bool(true)), None);
        assert_eq!(
            parse_value(EventValue::Int(i64::MAX / 10)),
            Some(i64::MAX / 10)
        );
    }

    #[test]
    fn roundtrip_civil() {
        for days in [-800_000i64, -1, 0, 1, 59, 365, 11_016, 20_000, 100_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn from_events() {
        let fields: Vec<String> = DEFAULT_TIME_FIELDS.iter().map(|s| s.to_string()).collect();
        let e = serde_json::json!({"timestamp": 5, "time": "x"});
        assert_eq!(event_time(&e, &fields), Ok(5 * SECOND));
        let e = serde_json::json!({"time": "x"});
        assert!(matches!(
            event_time(&e, &fields),
            Err(TimeError::Bad { .. })
        ));
        let e = serde_json::json!({"other": 1});
        assert_eq!(event_time(&e, &fields), Err(TimeError::Missing));
        let e = serde_json::json!({"time": {"a": 1}});
        assert!(matches!(
            event_time(&e, &fields),
            Err(TimeError::Bad { .. })
        ));
    }
}
