//! `timespan`: a positive number and one lowercase unit letter.

use serde::{Deserialize, Serialize};

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// A correlation window length, as written and in nanoseconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timespan {
    pub text: String,
    pub nanos: i64,
}

impl Timespan {
    /// `s`, `m`, `h`, `d` (the specification's units) and `w`; months and
    /// years are refused because they are not fixed durations.
    pub fn parse(text: &str) -> Result<Timespan, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("timespan '{t}' has no unit (s, m, h, d or w)"))?;
        let (num, unit) = t.split_at(split);
        let n: i64 = num
            .parse()
            .map_err(|_| format!("timespan '{t}' does not start with a number"))?;
        let secs = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            "w" => 604_800,
            "M" | "y" => {
                return Err(format!(
                    "timespan '{t}': months and years are not fixed durations"
                ))
            }
            _ => return Err(format!("timespan '{t}' has an unknown unit '{unit}'")),
        };
        if n <= 0 {
            return Err(format!("timespan '{t}' must be positive"));
        }
        let nanos = n
            .checked_mul(secs)
            .and_then(|s| s.checked_mul(NANOS_PER_SEC))
            .ok_or_else(|| format!("timespan '{t}' is too long"))?;
        Ok(Timespan {
            text: t.to_string(),
            nanos,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(Timespan::parse("90m").unwrap().nanos, 5_400 * NANOS_PER_SEC);
        assert_eq!(
            Timespan::parse("1w").unwrap().nanos,
            604_800 * NANOS_PER_SEC
        );
        assert!(Timespan::parse("1M").is_err());
        assert!(Timespan::parse("0s").is_err());
        assert!(Timespan::parse("h").is_err());
        assert!(Timespan::parse("10").is_err());
        assert!(Timespan::parse("1.5h").is_err());
    }
}
