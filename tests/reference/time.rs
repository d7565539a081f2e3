//! Timestamp parts for `minute` `hour` `day` `week` `month` `year`: RFC 3339 and ISO 8601
//! calendar date-times (extended `2024-03-15T13:45:30+02:00` and basic
//! `20240315T134530Z` forms, or a date alone), and epoch numbers (seconds, or milliseconds at
//! or above 10^11). The time zone is taken as written: no conversion. Written naively: the
//! calendar is walked a year and a month at a time.

use adsigma::syntax::value::Modifier;
use serde_json::Value as Json;

/// The parts of a date-time as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Parts {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
}

/// The part `m` of the timestamp `v`, when `v` is one.
pub fn part_of(v: &Json, m: Modifier) -> Option<i64> {
    let p = match v {
        Json::Number(n) => from_epoch(n)?,
        // A string that parses as a number is an epoch number too, as numeric comparisons
        // read such strings.
        Json::String(s) => match parse_iso(s) {
            Some(p) => p,
            None => {
                let f: f64 = s.trim().parse().ok()?;
                from_epoch(&serde_json::Number::from_f64(f)?)?
            }
        },
        _ => return None,
    };
    match m {
        Modifier::Minute => Some(p.minute),
        Modifier::Hour => Some(p.hour),
        Modifier::Day => Some(p.day),
        Modifier::Week => Some(iso_week(p.year, p.month, p.day)),
        Modifier::Month => Some(p.month),
        Modifier::Year => Some(p.year),
        _ => None,
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn year_len(y: i64) -> i64 {
    if is_leap(y) { 366 } else { 365 }
}

fn month_len(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Epoch seconds, or milliseconds at or above 10^11 in magnitude, in UTC; only years 0 to
/// 9999 (those RFC 3339 can write) are timestamps.
fn from_epoch(n: &serde_json::Number) -> Option<Parts> {
    let seconds = match n.as_i64() {
        Some(i) if i.unsigned_abs() >= 100_000_000_000 => i.div_euclid(1000),
        Some(i) => i,
        None => {
            let f = n.as_f64().filter(|f| f.is_finite())?;
            let s = if f.abs() >= 1e11 { f / 1000.0 } else { f };
            if s.abs() > 1e15 {
                return None;
            }
            s.floor() as i64
        }
    };
    // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
    if !(-62_167_219_200..=253_402_300_799).contains(&seconds) {
        return None;
    }
    let mut days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let mut year = 1970;
    while days < 0 {
        year -= 1;
        days += year_len(year);
    }
    while days >= year_len(year) {
        days -= year_len(year);
        year += 1;
    }
    let mut month = 1;
    while days >= month_len(year, month) {
        days -= month_len(year, month);
        month += 1;
    }
    Some(Parts {
        year,
        month,
        day: days + 1,
        hour: in_day / 3600,
        minute: in_day % 3600 / 60,
    })
}

/// A cursor over the timestamp text.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    /// `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let s = self.b.get(self.i..self.i + n)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(s.iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek_digit(&self) -> bool {
        self.b.get(self.i).is_some_and(u8::is_ascii_digit)
    }

    fn at_end(&self) -> bool {
        self.i == self.b.len()
    }
}

/// `YYYY-MM-DD` or `YYYYMMDD`, then optionally `T`/`t`/space and `hh:mm[:ss[.f]]` or
/// `hhmm[ss[.f]]`, then optionally `Z`/`z` or an offset `+hh:mm`, `+hhmm`, `+hh`.
fn parse_iso(s: &str) -> Option<Parts> {
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = c.digits(4)?;
    let extended = c.eat(b'-');
    let month = c.digits(2)?;
    if extended && !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    let (mut hour, mut minute) = (0, 0);
    if !c.at_end() {
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return None;
        }
        hour = c.digits(2)?;
        if extended && !c.eat(b':') {
            return None;
        }
        minute = c.digits(2)?;
        let has_seconds = if extended {
            c.eat(b':')
        } else {
            c.peek_digit()
        };
        if has_seconds {
            let second = c.digits(2)?;
            if second > 60 {
                return None;
            }
            if c.eat(b'.') || c.eat(b',') {
                if !c.peek_digit() {
                    return None;
                }
                while c.peek_digit() {
                    c.i += 1;
                }
            }
        }
        if !(c.eat(b'Z') || c.eat(b'z')) && (c.eat(b'+') || c.eat(b'-')) {
            let oh = c.digits(2)?;
            let colon = c.eat(b':');
            let om = if colon || c.peek_digit() {
                c.digits(2)?
            } else {
                0
            };
            if oh > 23 || om > 59 {
                return None;
            }
        }
        if !c.at_end() {
            return None;
        }
    }
    let valid = (1..=12).contains(&month)
        && (1..=month_len(year, month)).contains(&day)
        && (0..=23).contains(&hour)
        && (0..=59).contains(&minute);
    valid.then_some(Parts {
        year,
        month,
        day,
        hour,
        minute,
    })
}

/// Days since 1970-01-01.
fn days_since_epoch(year: i64, month: i64, day: i64) -> i64 {
    let mut days = 0;
    if year >= 1970 {
        days += (1970..year).map(year_len).sum::<i64>();
    } else {
        days -= (year..1970).map(year_len).sum::<i64>();
    }
    days += (1..month).map(|m| month_len(year, m)).sum::<i64>();
    days + day - 1
}

/// ISO weekday: Monday 1 ... Sunday 7 (1970-01-01 was a Thursday).
fn weekday(year: i64, month: i64, day: i64) -> i64 {
    (days_since_epoch(year, month, day) + 3).rem_euclid(7) + 1
}

/// ISO 8601 weeks in a year: 53 when it starts on a Thursday, or on a Wednesday in a leap
/// year; else 52.
fn weeks_in_year(year: i64) -> i64 {
    let jan1 = weekday(year, 1, 1);
    if jan1 == 4 || (is_leap(year) && jan1 == 3) {
        53
    } else {
        52
    }
}

/// ISO 8601 week number: the week (Monday to Sunday) that holds the year's first Thursday
/// is week 1.
fn iso_week(year: i64, month: i64, day: i64) -> i64 {
    let ordinal = days_since_epoch(year, month, day) - days_since_epoch(year, 1, 1) + 1;
    let week = (ordinal - weekday(year, month, day) + 10) / 7;
    if week < 1 {
        weeks_in_year(year - 1)
    } else if week > weeks_in_year(year) {
        1
    } else {
        week
    }
}

#[test]
fn calendar_facts() {
    // 2023-11-14T22:13:20Z
    let p = from_epoch(&serde_json::Number::from(1_700_000_000)).unwrap();
    assert_eq!(
        (p.year, p.month, p.day, p.hour, p.minute),
        (2023, 11, 14, 22, 13)
    );
    let p = from_epoch(&serde_json::Number::from(1_700_000_000_000_i64)).unwrap();
    assert_eq!((p.year, p.month, p.day), (2023, 11, 14));
    assert_eq!(iso_week(2021, 1, 1), 53);
    assert_eq!(iso_week(2024, 12, 30), 1);
    assert_eq!(iso_week(2024, 3, 15), 11);
    assert_eq!(weekday(2024, 3, 15), 5);
    assert_eq!(parse_iso("2024-02-30"), None);
    assert_eq!(
        parse_iso("20240315T134530Z").map(|p| (p.hour, p.minute)),
        Some((13, 45))
    );
}
