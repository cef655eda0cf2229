//! UTC timestamps as nanoseconds since the Unix epoch, with tolerant parsers
//! for the shapes log sources use. Parsing does not allocate.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

const NANOS: i64 = 1_000_000_000;

impl Timestamp {
    pub fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(NANOS))
    }

    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms.saturating_mul(1_000_000))
    }

    pub fn from_f64_secs(secs: f64) -> Option<Self> {
        if !secs.is_finite() || secs.abs() > 9.0e9 {
            return None;
        }
        Some(Timestamp((secs * 1e9).round() as i64))
    }

    pub fn secs(&self) -> i64 {
        self.0.div_euclid(NANOS)
    }

    pub fn subsec_nanos(&self) -> u32 {
        self.0.rem_euclid(NANOS) as u32
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with as many fractional digits (0, 3, 6 or 9) as needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.secs();
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )?;
        let ns = self.subsec_nanos();
        if ns == 0 {
        } else if ns % 1_000_000 == 0 {
            write!(f, ".{:03}", ns / 1_000_000)?;
        } else if ns % 1_000 == 0 {
            write!(f, ".{:06}", ns / 1_000)?;
        } else {
            write!(f, ".{ns:09}")?;
        }
        f.write_str("Z")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as i64;
    }
    Some(n)
}

/// Nanoseconds of a fraction's digits (`"5"` → 500 ms); extra digits past 9 are ignored.
fn fraction_nanos(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: i64 = 0;
    for i in 0..9 {
        n = n * 10 + b.get(i).map_or(0, |c| (c - b'0') as i64);
    }
    Some(n)
}

/// Epoch seconds with an optional fraction: `1517336080.794930`, `1517336080`.
pub fn parse_epoch_secs(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let b = s.as_bytes();
    let (int, frac) = match memchr_dot(b) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let secs = digits(int)?;
    if secs > 9_000_000_000 {
        return None;
    }
    let ns = match frac {
        Some(f) if !f.is_empty() => fraction_nanos(f)?,
        _ => 0,
    };
    let v = secs * NANOS + ns;
    Some(Timestamp(if neg { -v } else { v }))
}

fn memchr_dot(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'.')
}

/// ISO 8601 / RFC 3339 date-times: `2025-11-27T07:40:10.165324Z`,
/// `2025-11-27 07:40:10.132`, `2024-01-02T03:04:05+02:00`, `2024/01/02 03:04:05`.
/// A time without a zone is taken as UTC.
pub fn parse_iso8601(s: &str) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    if b.len() < 10 {
        return None;
    }
    let sep = b[4];
    if (sep != b'-' && sep != b'/') || b[7] != sep {
        return None;
    }
    let y = digits(&b[0..4])?;
    let mo = digits(&b[5..7])? as u32;
    let d = digits(&b[8..10])? as u32;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    let mut secs = days * 86_400;
    let mut ns = 0;
    let mut rest = &b[10..];
    if !rest.is_empty() {
        if rest[0] != b'T' && rest[0] != b' ' && rest[0] != b't' {
            return None;
        }
        rest = &rest[1..];
        if rest.len() < 5 || rest[2] != b':' {
            return None;
        }
        let h = digits(&rest[0..2])?;
        let mi = digits(&rest[3..5])?;
        rest = &rest[5..];
        let mut sec = 0;
        if rest.first() == Some(&b':') {
            if rest.len() < 3 {
                return None;
            }
            sec = digits(&rest[1..3])?;
            rest = &rest[3..];
        }
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + sec;
        if matches!(rest.first(), Some(b'.') | Some(b',')) {
            let end = rest[1..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(rest.len(), |p| p + 1);
            ns = fraction_nanos(&rest[1..end])?;
            rest = &rest[end..];
        }
        secs -= zone_offset_secs(rest)?;
    }
    // Years past 2262 do not fit in i64 nanoseconds (damaged EVTX renders up to 9999).
    Some(Timestamp(secs.checked_mul(NANOS)?.checked_add(ns)?))
}

/// Offset east of UTC in seconds from `Z`, `+02:00`, `-0530`, ` UTC` or nothing.
fn zone_offset_secs(z: &[u8]) -> Option<i64> {
    let z = trim_ascii(z);
    match z {
        b"" | b"Z" | b"z" | b"UTC" | b"GMT" => Some(0),
        _ => {
            let sign = match z[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let r = &z[1..];
            let (h, m) = match r.len() {
                2 => (digits(r)?, 0),
                4 => (digits(&r[0..2])?, digits(&r[2..4])?),
                5 if r[2] == b':' => (digits(&r[0..2])?, digits(&r[3..5])?),
                _ => return None,
            };
            Some(sign * (h * 3600 + m * 60))
        }
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &b[start..end]
}

/// US-style `M/D/YYYY h:mm:ss AM` (as Exchange message trace exports write), UTC.
pub fn parse_us_datetime(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let (date, time) = s.split_once(' ')?;
    let mut dp = date.split('/');
    let mo: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    let y: i64 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || y < 1000 {
        return None;
    }
    let (clock, ampm) = match time.trim().split_once(' ') {
        Some((c, a)) => (c, Some(a.trim().to_ascii_uppercase())),
        None => (time.trim(), None),
    };
    let mut tp = clock.split(':');
    let mut h: i64 = tp.next()?.parse().ok()?;
    let mi: i64 = tp.next()?.parse().ok()?;
    let sec: i64 = tp
        .next()
        .map_or(Some(0), |v| v.split('.').next()?.parse().ok())?;
    match ampm.as_deref() {
        Some("PM") if h < 12 => h += 12,
        Some("AM") if h == 12 => h = 0,
        Some("AM") | Some("PM") | None => {}
        _ => return None,
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(Timestamp::from_secs(
        days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec,
    ))
}

/// Tries every shape outflow knows: ISO 8601, epoch seconds (with fraction),
/// epoch milliseconds (13 digits), US date-time.
pub fn parse_any(s: &str) -> Option<Timestamp> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if t.as_bytes()[0].is_ascii_digit() && t.len() >= 10 && matches!(t.as_bytes()[4], b'-' | b'/') {
        return parse_iso8601(t);
    }
    if t.bytes().all(|c| c.is_ascii_digit()) {
        let n = digits(t.as_bytes())?;
        return Some(if t.len() >= 13 {
            Timestamp::from_millis(n)
        } else {
            Timestamp::from_secs(n)
        });
    }
    parse_epoch_secs(t).or_else(|| parse_us_datetime(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_common_shapes() {
        let t = parse_iso8601("2025-11-27T07:40:10.165324Z").unwrap();
        assert_eq!(t.to_string(), "2025-11-27T07:40:10.165324Z");
        assert_eq!(
            parse_iso8601("2025-11-27 07:40:10.132")
                .unwrap()
                .to_string(),
            "2025-11-27T07:40:10.132Z"
        );
        assert_eq!(
            parse_iso8601("2024-01-02T03:04:05+02:00")
                .unwrap()
                .to_string(),
            "2024-01-02T01:04:05Z"
        );
        assert_eq!(
            parse_iso8601("2024/01/02 03:04:05").unwrap().to_string(),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            parse_iso8601("2025-11-27T07:40:10.1653241Z")
                .unwrap()
                .to_string(),
            "2025-11-27T07:40:10.165324100Z"
        );
        assert_eq!(
            parse_epoch_secs("1517336080.794930").unwrap().to_string(),
            "2018-01-30T18:14:40.794930Z"
        );
        assert_eq!(
            parse_any("1517336080794").unwrap().to_string(),
            "2018-01-30T18:14:40.794Z"
        );
        assert_eq!(
            parse_us_datetime("1/2/2024 3:04:05 PM")
                .unwrap()
                .to_string(),
            "2024-01-02T15:04:05Z"
        );
    }

    #[test]
    fn rejects_masked_and_garbage() {
        assert_eq!(parse_epoch_secs("XXXXXXXXXX.XXXXXX"), None);
        assert_eq!(parse_iso8601("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_any(""), None);
        assert_eq!(parse_any("yesterday"), None);
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(ns in -2_000_000_000_000_000_000i64..4_000_000_000_000_000_000i64) {
            let t = Timestamp(ns);
            prop_assert_eq!(parse_iso8601(&t.to_string()), Some(t));
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_any(&s);
            let _ = parse_us_datetime(&s);
        }
    }
}
