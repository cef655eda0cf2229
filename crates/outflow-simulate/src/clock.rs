//! Event time: microseconds since the Unix epoch (UTC), and the text forms
//! each log format writes it in.

use std::fmt::Write;

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

pub const SEC: Micros = 1_000_000;
pub const MIN: Micros = 60 * SEC;
pub const HOUR: Micros = 60 * MIN;
pub const DAY: Micros = 24 * HOUR;

/// Broken-down UTC time.
#[derive(Clone, Copy, Debug)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub micros: u32,
}

/// Days since the epoch of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil(t: Micros) -> Civil {
    let secs = t.div_euclid(SEC);
    let micros = t.rem_euclid(SEC) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    Civil {
        year,
        month,
        day,
        hour: sod / 3600,
        min: sod / 60 % 60,
        sec: sod % 60,
        micros,
    }
}

/// Parses `YYYY-MM-DD` into the epoch time of its midnight.
pub fn parse_date(s: &str) -> Option<Micros> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY)
}

/// Hour of day (0-23).
pub fn hour_of(t: Micros) -> u32 {
    (t.rem_euclid(DAY) / HOUR) as u32
}

/// Day of week, 0 = Monday.
pub fn weekday(t: Micros) -> u32 {
    ((t.div_euclid(DAY) + 3).rem_euclid(7)) as u32
}

/// `2026-11-20T08:02:11.4182310Z` (EVTX SystemTime, 100 ns digits).
pub fn iso7(b: &mut String, t: Micros) {
    let c = civil(t);
    let _ = write!(
        b,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}0Z",
        c.year, c.month, c.day, c.hour, c.min, c.sec, c.micros
    );
}

/// `2026-11-20 08:02:11.418` (Sysmon UtcTime).
pub fn sysmon(b: &mut String, t: Micros) {
    let c = civil(t);
    let _ = write!(
        b,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.min,
        c.sec,
        c.micros / 1000
    );
}

/// `2026-11-20T08:05:12.311Z`.
pub fn iso3(b: &mut String, t: Micros) {
    let c = civil(t);
    let _ = write!(
        b,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.min,
        c.sec,
        c.micros / 1000
    );
}

/// `2026-11-20T07:55:02Z` with `z` as the zone suffix (`Z`, or empty for M365).
pub fn iso0(b: &mut String, t: Micros, z: &str) {
    let c = civil(t);
    let _ = write!(
        b,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{z}",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    );
}

/// `2026-11-20T07:48:12.301220-0000` (Proofpoint).
pub fn iso6_offset(b: &mut String, t: Micros) {
    let c = civil(t);
    let _ = write!(
        b,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}-0000",
        c.year, c.month, c.day, c.hour, c.min, c.sec, c.micros
    );
}

/// `2026-11-20 15:02:11` (W3C date and time columns).
pub fn w3c(b: &mut String, t: Micros) {
    let c = civil(t);
    let _ = write!(
        b,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    );
}

/// `2026/11/20 14:25:51` (PAN-OS).
pub fn panos(b: &mut String, t: Micros) {
    let c = civil(t);
    let _ = write!(
        b,
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    );
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Nov 20 14:25:51` (BSD syslog header).
pub fn syslog(b: &mut String, t: Micros) {
    let c = civil(t);
    let _ = write!(
        b,
        "{} {:2} {:02}:{:02}:{:02}",
        MONTHS[(c.month as usize + 11) % 12],
        c.day,
        c.hour,
        c.min,
        c.sec
    );
}

/// `11/20/2026 7:48:13 AM` (Exchange message trace).
pub fn us(b: &mut String, t: Micros) {
    let c = civil(t);
    let (h12, ampm) = match c.hour {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    let _ = write!(
        b,
        "{}/{}/{} {}:{:02}:{:02} {}",
        c.month, c.day, c.year, h12, c.min, c.sec, ampm
    );
}

/// `1795164928.613332` (Zeek), with `digits` decimals (6 or 3).
pub fn epoch(b: &mut String, t: Micros, digits: u32) {
    let s = t.div_euclid(SEC);
    let us = t.rem_euclid(SEC);
    let _ = match digits {
        3 => write!(b, "{s}.{:03}", us / 1000),
        _ => write!(b, "{s}.{us:06}"),
    };
}

/// Milliseconds since the epoch (GitHub).
pub fn millis(t: Micros) -> i64 {
    t.div_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_dates() {
        let t = parse_date("2026-11-20").unwrap() + 8 * HOUR + 2 * MIN + 11 * SEC + 418_231;
        let mut b = String::new();
        iso7(&mut b, t);
        assert_eq!(b, "2026-11-20T08:02:11.4182310Z");
        b.clear();
        us(&mut b, t);
        assert_eq!(b, "11/20/2026 8:02:11 AM");
        b.clear();
        syslog(&mut b, t);
        assert_eq!(b, "Nov 20 08:02:11");
        assert_eq!(t / SEC, 1_795_161_731);
        assert_eq!(weekday(parse_date("2026-11-16").unwrap()), 0);
        assert!(parse_date("2026-13-01").is_none());
    }
}
