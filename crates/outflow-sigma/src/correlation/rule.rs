//! A correlation document as written: checked for shape, references not yet resolved.

use super::condition::Condition;
use super::timespan::Timespan;
use crate::placeholders::scalar_text;
use crate::report::{Reject, RejectKind};
use crate::rule::{attack_ids, string_list, RuleMeta};
use serde::{Deserialize, Serialize};
use yaml_serde::Value as Yaml;

/// The seven correlation types of Sigma 2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
}

impl CorrelationType {
    pub const ALL: &'static [CorrelationType] = &[
        CorrelationType::EventCount,
        CorrelationType::ValueCount,
        CorrelationType::Temporal,
        CorrelationType::TemporalOrdered,
        CorrelationType::ValueSum,
        CorrelationType::ValueAvg,
        CorrelationType::ValuePercentile,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
            CorrelationType::Temporal => "temporal",
            CorrelationType::TemporalOrdered => "temporal_ordered",
            CorrelationType::ValueSum => "value_sum",
            CorrelationType::ValueAvg => "value_avg",
            CorrelationType::ValuePercentile => "value_percentile",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == s)
    }

    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    }

    /// The `value_*` types aggregate `condition.field`.
    pub fn needs_field(&self) -> bool {
        matches!(
            self,
            CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        )
    }

    /// The field is summed or averaged, so it must be a number.
    pub fn is_numeric(&self) -> bool {
        matches!(self, CorrelationType::ValueSum | CorrelationType::ValueAvg)
    }
}

/// `aliases.<name>`: the field to read for each referenced rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Alias {
    pub name: String,
    /// (rule reference, field name).
    pub fields: Vec<(String, String)>,
}

/// A parsed correlation rule.
#[derive(Clone, Debug)]
pub struct CorrelationRule {
    /// Title, id, name, level, tags...; `logsource` stays empty.
    pub meta: RuleMeta,
    pub kind: CorrelationType,
    /// References (id or `name`) to rules or correlations, as written.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan: Timespan,
    pub condition: Condition,
    pub aliases: Vec<Alias>,
    /// Whether the referenced rules still alert on their own (default `false`).
    pub generate: bool,
}

fn reject(detail: impl Into<String>) -> Reject {
    Reject::new(RejectKind::Correlation, detail)
}

pub fn parse(doc: &Yaml) -> Result<CorrelationRule, Reject> {
    let text = |k: &str| doc.get(k).and_then(scalar_text);
    let title = text("title").ok_or_else(|| Reject::new(RejectKind::Structure, "missing title"))?;
    let Some(Yaml::Mapping(c)) = doc.get("correlation") else {
        return Err(reject("correlation is not a mapping"));
    };
    let kind = match c.get("type") {
        None => return Err(reject("correlation.type is missing")),
        Some(v) => {
            let t = v.as_str().unwrap_or_default();
            CorrelationType::parse(t).ok_or_else(|| {
                let known: Vec<_> = CorrelationType::ALL.iter().map(|t| t.as_str()).collect();
                reject(format!(
                    "correlation.type '{t}' is unknown (known: {})",
                    known.join(", ")
                ))
            })?
        }
    };
    let rules = strings(c.get("rules"), "rules")?;
    if rules.is_empty() {
        return Err(reject("correlation.rules lists no rule"));
    }
    if let Some(d) = first_duplicate(&rules) {
        return Err(reject(format!("correlation.rules lists '{d}' twice")));
    }
    let group_by = strings(c.get("group-by"), "group-by")?;
    if let Some(d) = first_duplicate(&group_by) {
        return Err(reject(format!("correlation.group-by lists '{d}' twice")));
    }
    let timespan = match c.get("timespan") {
        None => return Err(reject("correlation.timespan is missing")),
        Some(v) => Timespan::parse(&scalar_text(v).unwrap_or_default())
            .map_err(|e| reject(format!("correlation.{e}")))?,
    };
    let condition = condition(kind, c.get("condition"), rules.len())?;
    let aliases = aliases(c.get("aliases"))?;
    let generate = match doc.get("generate").or_else(|| c.get("generate")) {
        None | Some(Yaml::Null) => false,
        Some(Yaml::Bool(b)) => *b,
        Some(_) => return Err(reject("generate is not a boolean")),
    };
    let tags = string_list(doc.get("tags"));
    let meta = RuleMeta {
        id: text("id"),
        name: text("name"),
        title,
        description: text("description"),
        level: text("level"),
        status: text("status"),
        attack: attack_ids(&tags),
        tags,
        falsepositives: string_list(doc.get("falsepositives")),
        ..RuleMeta::default()
    };
    Ok(CorrelationRule {
        meta,
        kind,
        rules,
        group_by,
        timespan,
        condition,
        aliases,
        generate,
    })
}

fn condition(kind: CorrelationType, v: Option<&Yaml>, n_rules: usize) -> Result<Condition, Reject> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        // Temporal types without a condition need every referenced rule.
        if kind.is_temporal() {
            return Ok(Condition::at_least(n_rules));
        }
        return Err(reject(format!(
            "correlation.condition is required for {}",
            kind.as_str()
        )));
    };
    let cond = Condition::parse(v).map_err(|e| reject(format!("correlation.{e}")))?;
    if kind.needs_field() && cond.fields.is_empty() {
        return Err(reject(format!(
            "correlation.condition.field is required for {}",
            kind.as_str()
        )));
    }
    if !kind.needs_field() && !cond.fields.is_empty() {
        return Err(reject(format!(
            "correlation.condition.field is not used by {}",
            kind.as_str()
        )));
    }
    if kind != CorrelationType::ValueCount && cond.fields.len() > 1 {
        return Err(reject(format!(
            "correlation.condition.field must name one field for {}",
            kind.as_str()
        )));
    }
    if kind.is_temporal() && cond.needs_more_than(n_rules as f64) {
        return Err(reject(format!(
            "correlation.condition can never hold: it needs more than the {n_rules} referenced rules"
        )));
    }
    Ok(cond)
}

fn aliases(v: Option<&Yaml>) -> Result<Vec<Alias>, Reject> {
    let m = match v {
        None | Some(Yaml::Null) => return Ok(Vec::new()),
        Some(Yaml::Mapping(m)) => m,
        Some(_) => return Err(reject("correlation.aliases is not a mapping")),
    };
    let mut out = Vec::new();
    for (name, per_rule) in m {
        let Some(name) = scalar_text(name) else {
            return Err(reject("correlation.aliases has a non-string alias name"));
        };
        let Yaml::Mapping(pr) = per_rule else {
            return Err(reject(format!(
                "correlation.aliases.{name} is not a mapping of rule to field"
            )));
        };
        let mut fields = Vec::new();
        for (r, f) in pr {
            match (scalar_text(r), f.as_str()) {
                (Some(r), Some(f)) if !f.trim().is_empty() => fields.push((r, f.to_string())),
                _ => {
                    return Err(reject(format!(
                        "correlation.aliases.{name} must map rule names to field names"
                    )))
                }
            }
        }
        out.push(Alias { name, fields });
    }
    Ok(out)
}

/// A list of non-empty strings (or one string); absent is empty.
fn strings(v: Option<&Yaml>, what: &str) -> Result<Vec<String>, Reject> {
    let items: Vec<&Yaml> = match v {
        None | Some(Yaml::Null) => return Ok(Vec::new()),
        Some(Yaml::Sequence(s)) => s.iter().collect(),
        Some(one) => vec![one],
    };
    items
        .into_iter()
        .map(|i| {
            scalar_text(i)
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string())
                .ok_or_else(|| {
                    reject(format!(
                        "correlation.{what} lists a non-string or empty entry"
                    ))
                })
        })
        .collect()
}

fn first_duplicate(items: &[String]) -> Option<&str> {
    items
        .iter()
        .enumerate()
        .find(|(i, s)| items[..*i].contains(s))
        .map(|(_, s)| s.as_str())
}
