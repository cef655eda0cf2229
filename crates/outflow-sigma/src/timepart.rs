//! Numbers the time modifiers extract from a date (UTC, no zone conversion,
//! as the specification warns).

use crate::modifiers::TimePart;
use outflow_event::time::{civil_from_days, days_from_civil, parse_any};

/// The part of a date-time text, or `None` when the text is no date.
pub fn extract(text: &str, part: TimePart) -> Option<i64> {
    let secs = parse_any(text)?.secs();
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Some(match part {
        TimePart::Minute => of_day / 60 % 60,
        TimePart::Hour => of_day / 3600,
        TimePart::Day => i64::from(d),
        TimePart::Month => i64::from(m),
        TimePart::Year => y,
        TimePart::Week => iso_week(days),
    })
}

/// ISO 8601 week number (1..=53) of a day count since 1970-01-01.
fn iso_week(days: i64) -> i64 {
    // 1970-01-01 was a Thursday; weekday 1 = Monday.
    let weekday = (days + 3).rem_euclid(7) + 1;
    let thursday = days - weekday + 4;
    let (y, _, _) = civil_from_days(thursday);
    (thursday - days_from_civil(y, 1, 1)) / 7 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let t = "2024-12-30T23:45:10Z";
        assert_eq!(extract(t, TimePart::Minute), Some(45));
        assert_eq!(extract(t, TimePart::Hour), Some(23));
        assert_eq!(extract(t, TimePart::Day), Some(30));
        assert_eq!(extract(t, TimePart::Month), Some(12));
        assert_eq!(extract(t, TimePart::Year), Some(2024));
        // 2024-12-30 is a Monday of ISO week 1 of 2025.
        assert_eq!(extract(t, TimePart::Week), Some(1));
        assert_eq!(extract("2021-01-03T00:00:00Z", TimePart::Week), Some(53));
        assert_eq!(extract("2024-06-15T00:00:00Z", TimePart::Week), Some(24));
        assert_eq!(extract("nope", TimePart::Hour), None);
    }
}
