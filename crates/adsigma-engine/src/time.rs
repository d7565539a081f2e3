//! Timestamp parts for the `minute` ... `year` modifiers.

/// A calendar date and time as written (no time-zone conversion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Year.
    pub year: i64,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-31.
    pub day: u32,
    /// Hour 0-23.
    pub hour: u32,
    /// Minute 0-59.
    pub minute: u32,
}

fn digits(s: &[u8], n: usize) -> Option<u32> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s[..n].iter().fold(0, |a, d| a * 10 + u32::from(d - b'0')))
}

/// Parses RFC 3339 / ISO 8601 (`2024-03-01T10:20:30Z`, `2024-03-01 10:20`, `2024-03-01`,
/// basic `20240301T102030`), keeping the fields as written.
pub fn parse_iso(text: &str) -> Option<DateTime> {
    let s = text.trim().as_bytes();
    let year = digits(s, 4)?;
    let (month, day, rest) = if s.get(4) == Some(&b'-') {
        (
            digits(&s[5..], 2)?,
            digits(s.get(8..)?, 2).filter(|_| s.get(7) == Some(&b'-'))?,
            s.get(10..)?,
        )
    } else {
        (digits(&s[4..], 2)?, digits(s.get(6..)?, 2)?, s.get(8..)?)
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(i64::from(year), month) {
        return None;
    }
    let (hour, minute) = match rest.first() {
        None => (0, 0),
        Some(b'T' | b't' | b' ') => {
            let t = &rest[1..];
            let hour = digits(t, 2)?;
            let m = if t.get(2) == Some(&b':') {
                t.get(3..)?
            } else {
                t.get(2..)?
            };
            (hour, digits(m, 2)?)
        }
        _ => return None,
    };
    if hour > 23 || minute > 59 {
        return None;
    }
    Some(DateTime {
        year: i64::from(year),
        month,
        day,
        hour,
        minute,
    })
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 -> (year, month, day), proleptic Gregorian (Howard Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An epoch number: seconds, or milliseconds at or above 10^11 in magnitude (UTC). Only
/// years 0 to 9999 (those RFC 3339 can write) are timestamps.
pub fn from_epoch(n: f64) -> Option<DateTime> {
    if !n.is_finite() {
        return None;
    }
    let secs = if n.abs() >= 1e11 { n / 1000.0 } else { n };
    let secs = secs.floor();
    // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
    if !(-62_167_219_200.0..=253_402_300_799.0).contains(&secs) {
        return None;
    }
    let secs = secs as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Some(DateTime {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: ((rem % 3600) / 60) as u32,
    })
}

impl DateTime {
    /// The ISO 8601 week number (1-53).
    pub fn iso_week(&self) -> u32 {
        let days = days_from_civil(self.year, self.month, self.day);
        // 1970-01-01 was a Thursday; ISO weekday 1 = Monday.
        let weekday = (days + 3).rem_euclid(7) + 1;
        let jan1 = days_from_civil(self.year, 1, 1);
        let ordinal = days - jan1 + 1;
        let week = (ordinal - weekday + 10) / 7;
        if week < 1 {
            // Last week of the previous year.
            let prev = DateTime {
                year: self.year - 1,
                month: 12,
                day: 31,
                ..*self
            };
            return prev.iso_week();
        }
        if week == 53 {
            // Week 53 exists only if Dec 31 is a Thursday, or a Friday in a leap year...
            let dec31 = days_from_civil(self.year, 12, 31);
            let dec31_weekday = (dec31 + 3).rem_euclid(7) + 1;
            if dec31_weekday < 4 {
                return 1;
            }
        }
        week as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_weeks() {
        let d = parse_iso("2024-03-01T10:20:30.5+05:00").unwrap();
        assert_eq!(
            (d.year, d.month, d.day, d.hour, d.minute),
            (2024, 3, 1, 10, 20)
        );
        assert_eq!(parse_iso("2024-03-01").unwrap().hour, 0);
        assert!(parse_iso("2024-13-01").is_none());
        assert!(parse_iso("hello").is_none());
        let e = from_epoch(1_709_288_430.0).unwrap();
        assert_eq!(
            (e.year, e.month, e.day, e.hour, e.minute),
            (2024, 3, 1, 10, 20)
        );
        assert_eq!(from_epoch(1_709_288_430_000.0), Some(e));
        // ISO weeks: 2021-01-03 is in week 53 of 2020; 2024-12-30 is week 1 of 2025.
        let w = |s: &str| parse_iso(s).unwrap().iso_week();
        assert_eq!(w("2021-01-03"), 53);
        assert_eq!(w("2021-01-04"), 1);
        assert_eq!(w("2024-12-30"), 1);
        assert_eq!(w("2024-03-01"), 9);
        assert_eq!(w("2026-12-31"), 53);
    }
}
