//! The `field|mod|mod` chain, parsed and checked for combinations that make sense.

use crate::report::{Reject, RejectKind};

/// Every modifier of the specification's appendix (v2.1.0), plus the `re`
/// flags, `wide`'s alias and `any` (pySigma's explicit OR of a list).
pub const KNOWN: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "all",
    "any",
    "exists",
    "cased",
    "neq",
    "windash",
    "re",
    "i",
    "m",
    "s",
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "lt",
    "lte",
    "gt",
    "gte",
    "cidr",
    "expand",
    "fieldref",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
];

/// A value transformation, applied in the order written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transform {
    Expand,
    Windash,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// The parsed modifier chain of one detection item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mods {
    pub names: Vec<String>,
    pub transforms: Vec<Transform>,
    pub anchor: Option<Anchor>,
    pub all: bool,
    pub exists: bool,
    pub cased: bool,
    pub neq: bool,
    pub re: bool,
    pub re_i: bool,
    pub re_m: bool,
    pub re_s: bool,
    pub cmp: Option<CmpOp>,
    pub cidr: bool,
    pub fieldref: bool,
    pub time: Option<TimePart>,
}

impl Mods {
    /// Parses the modifiers after the field name (`parts` without the field).
    pub fn parse(parts: &[&str]) -> Result<Mods, Reject> {
        let bad = |d: String| Reject::new(RejectKind::Modifier, d);
        let mut m = Mods::default();
        for &raw in parts {
            let p = raw.trim();
            let lower = p.to_ascii_lowercase();
            if !KNOWN.contains(&lower.as_str()) {
                return Err(bad(format!("unknown modifier '{p}'")));
            }
            m.names.push(lower.clone());
            match lower.as_str() {
                "contains" | "startswith" | "endswith" => {
                    let a = match lower.as_str() {
                        "contains" => Anchor::Contains,
                        "startswith" => Anchor::StartsWith,
                        _ => Anchor::EndsWith,
                    };
                    if m.anchor.is_some_and(|b| b != a) {
                        return Err(bad(format!(
                            "'{p}' combined with another of contains/startswith/endswith"
                        )));
                    }
                    m.anchor = Some(a);
                }
                "all" => m.all = true,
                "any" => {}
                "exists" => m.exists = true,
                "cased" => m.cased = true,
                "neq" => m.neq = true,
                "re" => m.re = true,
                "i" => m.re_i = true,
                "m" => m.re_m = true,
                "s" => m.re_s = true,
                "windash" => m.transforms.push(Transform::Windash),
                "expand" => m.transforms.push(Transform::Expand),
                "base64" => m.transforms.push(Transform::Base64),
                "base64offset" => m.transforms.push(Transform::Base64Offset),
                "utf16le" | "wide" => m.transforms.push(Transform::Utf16Le),
                "utf16be" => m.transforms.push(Transform::Utf16Be),
                "utf16" => m.transforms.push(Transform::Utf16),
                "lt" | "lte" | "gt" | "gte" => {
                    if m.cmp.is_some() {
                        return Err(bad("more than one of lt/lte/gt/gte".into()));
                    }
                    m.cmp = Some(match lower.as_str() {
                        "lt" => CmpOp::Lt,
                        "lte" => CmpOp::Lte,
                        "gt" => CmpOp::Gt,
                        _ => CmpOp::Gte,
                    });
                }
                "cidr" => m.cidr = true,
                "fieldref" => m.fieldref = true,
                _ => {
                    if m.time.is_some() {
                        return Err(bad("more than one time modifier".into()));
                    }
                    m.time = Some(match lower.as_str() {
                        "minute" => TimePart::Minute,
                        "hour" => TimePart::Hour,
                        "day" => TimePart::Day,
                        "week" => TimePart::Week,
                        "month" => TimePart::Month,
                        _ => TimePart::Year,
                    });
                }
            }
        }
        m.check()?;
        Ok(m)
    }

    /// Rejects combinations whose meaning is undefined.
    fn check(&self) -> Result<(), Reject> {
        let bad = |d: &str| Err(Reject::new(RejectKind::Modifier, d));
        let string_like = self.anchor.is_some() || !self.transforms.is_empty();
        if (self.re_i || self.re_m || self.re_s) && !self.re {
            return bad("'i', 'm' and 's' need 're'");
        }
        if self.re && (string_like || self.cidr || self.cmp.is_some() || self.fieldref) {
            return bad(
                "'re' combined with a string, encoding, numeric, cidr or fieldref modifier",
            );
        }
        if self.exists && self.names.len() > 1 {
            return bad("'exists' combined with other modifiers");
        }
        if self.cidr && (string_like || self.cmp.is_some() || self.fieldref || self.time.is_some())
        {
            return bad("'cidr' combined with other value modifiers");
        }
        if self.cmp.is_some() && (string_like || self.fieldref) {
            return bad("lt/lte/gt/gte combined with string modifiers");
        }
        if self.time.is_some() && (string_like || self.fieldref) {
            return bad("time modifier combined with string modifiers");
        }
        if self.fieldref && !self.transforms.is_empty() {
            return bad("'fieldref' combined with an encoding modifier");
        }
        if self.cmp.is_some() && self.neq {
            return bad("'neq' combined with lt/lte/gt/gte");
        }
        Ok(())
    }

    /// Encoded values are case-significant (Base64 alphabet, UTF-16 bytes).
    pub fn encodes(&self) -> bool {
        self.transforms
            .iter()
            .any(|t| matches!(t, Transform::Base64 | Transform::Base64Offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let m = Mods::parse(&["wide", "base64offset", "contains"]).unwrap();
        assert_eq!(
            m.transforms,
            vec![Transform::Utf16Le, Transform::Base64Offset]
        );
        assert_eq!(m.anchor, Some(Anchor::Contains));
        assert!(Mods::parse(&["bogus"]).is_err());
        assert!(Mods::parse(&["i"]).is_err());
        assert!(Mods::parse(&["re", "contains"]).is_err());
        assert!(Mods::parse(&["contains", "endswith"]).is_err());
        assert!(Mods::parse(&["re", "i", "m", "s"]).is_ok());
        assert!(Mods::parse(&["hour", "gte"]).is_ok());
        assert!(Mods::parse(&["fieldref", "neq"]).is_ok());
    }
}
