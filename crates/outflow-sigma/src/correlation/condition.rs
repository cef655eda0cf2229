//! The correlation `condition`: comparisons joined by AND, plus `field`.

use serde::{Deserialize, Serialize};
use yaml_serde::Value as Yaml;

/// A comparison operator of a correlation condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl CmpOp {
    fn parse(k: &str) -> Option<CmpOp> {
        Some(match k {
            "gt" => CmpOp::Gt,
            "gte" => CmpOp::Gte,
            "lt" => CmpOp::Lt,
            "lte" => CmpOp::Lte,
            "eq" => CmpOp::Eq,
            "neq" => CmpOp::Neq,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            CmpOp::Gt => "gt",
            CmpOp::Gte => "gte",
            CmpOp::Lt => "lt",
            CmpOp::Lte => "lte",
            CmpOp::Eq => "eq",
            CmpOp::Neq => "neq",
        }
    }
}

/// Every predicate must hold (the specification's ranges are an AND).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub predicates: Vec<(CmpOp, f64)>,
    /// `field` (one, or several for a `value_count` over tuples).
    pub fields: Vec<String>,
}

impl Condition {
    pub fn parse(v: &Yaml) -> Result<Condition, String> {
        let Yaml::Mapping(m) = v else {
            return Err("condition is not a mapping".into());
        };
        let mut out = Condition {
            predicates: Vec::new(),
            fields: Vec::new(),
        };
        for (k, val) in m {
            let Some(key) = k.as_str() else {
                return Err("condition has a non-string key".into());
            };
            if key == "field" {
                out.fields = field_names(val)?;
                continue;
            }
            let op = CmpOp::parse(key).ok_or_else(|| {
                format!("condition has an unknown key '{key}' (gt, gte, lt, lte, eq, neq, field)")
            })?;
            let n = match val {
                Yaml::Number(n) => n.as_f64(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("condition.{key} is not a number"))?;
            out.predicates.push((op, n));
        }
        if out.predicates.is_empty() {
            return Err("condition has no comparison (gt, gte, lt, lte, eq or neq)".into());
        }
        if out.is_empty_range() {
            return Err("condition can never hold (empty range)".into());
        }
        Ok(out)
    }

    /// `gte: n` for a temporal correlation written without a condition.
    pub fn at_least(n: usize) -> Condition {
        Condition {
            predicates: vec![(CmpOp::Gte, n as f64)],
            fields: Vec::new(),
        }
    }

    pub fn holds(&self, x: f64) -> bool {
        self.predicates.iter().all(|&(op, v)| match op {
            CmpOp::Gt => x > v,
            CmpOp::Gte => x >= v,
            CmpOp::Lt => x < v,
            CmpOp::Lte => x <= v,
            CmpOp::Eq => x == v,
            CmpOp::Neq => x != v,
        })
    }

    /// Only lower bounds: once true for a window, adding events keeps it
    /// true, so it can be decided as events arrive.
    pub fn only_lower_bounds(&self) -> bool {
        self.predicates
            .iter()
            .all(|(op, _)| matches!(op, CmpOp::Gt | CmpOp::Gte))
    }

    /// Whether the smallest value needed exceeds `max` (e.g. `gte: 4` over three rules).
    pub fn needs_more_than(&self, max: f64) -> bool {
        !self.predicates.iter().all(|&(op, v)| match op {
            CmpOp::Gt => max > v,
            CmpOp::Gte | CmpOp::Eq => max >= v,
            _ => true,
        })
    }

    fn is_empty_range(&self) -> bool {
        let (mut lo, mut lo_incl) = (f64::NEG_INFINITY, true);
        let (mut hi, mut hi_incl) = (f64::INFINITY, true);
        for &(op, v) in &self.predicates {
            let (l, li, h, hi_) = match op {
                CmpOp::Gt => (v, false, f64::INFINITY, true),
                CmpOp::Gte => (v, true, f64::INFINITY, true),
                CmpOp::Lt => (f64::NEG_INFINITY, true, v, false),
                CmpOp::Lte => (f64::NEG_INFINITY, true, v, true),
                CmpOp::Eq => (v, true, v, true),
                CmpOp::Neq => continue,
            };
            if l > lo || (l == lo && !li) {
                (lo, lo_incl) = (l, li);
            }
            if h < hi || (h == hi && !hi_) {
                (hi, hi_incl) = (h, hi_);
            }
        }
        lo > hi || (lo == hi && !(lo_incl && hi_incl))
    }
}

fn field_names(v: &Yaml) -> Result<Vec<String>, String> {
    let names: Vec<String> = match v {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Sequence(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or("condition.field lists a non-string")?,
        _ => return Err("condition.field is not a string or a list of strings".into()),
    };
    if names.is_empty() || names.iter().any(|n| n.trim().is_empty()) {
        return Err("condition.field is empty".into());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(text: &str) -> Result<Condition, String> {
        Condition::parse(&yaml_serde::from_str(text).unwrap())
    }

    #[test]
    fn ranges_and_errors() {
        let c = cond("{gt: 100, lte: 200}").unwrap();
        assert!(!c.holds(100.0) && c.holds(101.0) && c.holds(200.0) && !c.holds(201.0));
        assert!(!c.only_lower_bounds());
        assert!(cond("{gte: 5}").unwrap().only_lower_bounds());
        assert!(cond("{neq: 2}").unwrap().holds(3.0));
        assert!(cond("{gt: 5, lt: 3}").unwrap_err().contains("never hold"));
        assert!(cond("{gt: 5, lte: 5}").is_err());
        assert!(cond("{gte: 5, lte: 5}").is_ok());
        assert!(cond("{more: 5}")
            .unwrap_err()
            .contains("unknown key 'more'"));
        assert!(cond("{gt: x}").unwrap_err().contains("not a number"));
        assert!(cond("{field: a}").unwrap_err().contains("no comparison"));
        assert_eq!(cond("{field: [a, b], gt: 1}").unwrap().fields, ["a", "b"]);
        assert!(cond("{gte: 4}").unwrap().needs_more_than(3.0));
        assert!(!cond("{gte: 3}").unwrap().needs_more_than(3.0));
    }
}
