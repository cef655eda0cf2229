//! Rule and filter documents: metadata and compiled detection.

use crate::detection::Detection;
use crate::field::Ctx;
use crate::placeholders::Placeholders;
use crate::report::{DocKind, Reject, RejectKind};
use outflow_event::LogSource;
use std::fmt;
use yaml_serde::Value as Yaml;

/// A rule's logsource, lowercase; a missing part matches anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleLogSource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

impl RuleLogSource {
    fn parse(v: Option<&Yaml>) -> Result<Self, Reject> {
        let Some(Yaml::Mapping(m)) = v else {
            return Err(Reject::new(
                RejectKind::Structure,
                "missing logsource mapping",
            ));
        };
        let part = |k: &str| -> Result<Option<String>, Reject> {
            match m.get(k) {
                None | Some(Yaml::Null) => Ok(None),
                Some(Yaml::String(s)) => Ok(Some(s.trim().to_lowercase())),
                Some(_) => Err(Reject::new(
                    RejectKind::Structure,
                    format!("logsource.{k} is not a string"),
                )),
            }
        };
        Ok(RuleLogSource {
            product: part("product")?,
            category: part("category")?,
            service: part("service")?,
        })
    }

    /// Every part the rule names equals the event logsource's (case-insensitively).
    pub fn matches(&self, ls: &LogSource) -> bool {
        let ok = |want: &Option<String>, have: &Option<std::sync::Arc<str>>| match want {
            None => true,
            Some(w) => have.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(w)),
        };
        ok(&self.product, &ls.product)
            && ok(&self.category, &ls.category)
            && ok(&self.service, &ls.service)
    }
}

impl RuleLogSource {
    /// Any of the event's logsources fits; with none, only an empty rule logsource does.
    pub fn matches_any(&self, logsources: &[LogSource]) -> bool {
        if logsources.is_empty() {
            return *self == RuleLogSource::default();
        }
        logsources.iter().any(|ls| self.matches(ls))
    }
}

impl fmt::Display for RuleLogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
        write!(
            f,
            "{}/{}/{}",
            p(&self.product),
            p(&self.category),
            p(&self.service)
        )
    }
}

/// Rule metadata kept for alerts and reports.
#[derive(Clone, Debug, Default)]
pub struct RuleMeta {
    pub id: Option<String>,
    /// Sigma 2 `name`, which correlations and filters may refer to.
    pub name: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    pub tags: Vec<String>,
    /// ATT&CK technique ids from `attack.tNNNN(.NNN)` tags, e.g. `T1567.002`.
    pub attack: Vec<String>,
    pub logsource: RuleLogSource,
    pub fields: Vec<String>,
    pub falsepositives: Vec<String>,
}

/// A loaded detection rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    pub(crate) detection: Detection,
    /// Indices of the filters applied to this rule (AND NOT).
    pub(crate) filters: Vec<usize>,
    /// Modifiers the rule uses.
    pub modifiers: Vec<String>,
    /// At least one of these occurs in any matching event (see [`Detection::required_literals`]).
    pub required_literals: Option<Vec<String>>,
    /// Literal clauses every match satisfies, each literal with the field
    /// it must occur in (see [`Detection::clauses`]); empty: no gate.
    pub(crate) gate: Vec<Vec<crate::detection::Lit>>,
    /// The atoms the detection reads (ids of the set's [`crate::atoms::Atoms`]).
    pub(crate) atoms: Vec<u32>,
}

impl Rule {
    /// The field names the rule's detection refers to (keyword searches
    /// name none), each once, in order of first use.
    pub fn detection_fields(&self) -> Vec<String> {
        self.detection.fields()
    }
}

/// A Sigma filter document: `filter.rules` lists the rules it applies to.
#[derive(Clone, Debug)]
pub struct Filter {
    pub meta: RuleMeta,
    pub rules: Vec<String>,
    pub(crate) detection: Detection,
}

pub enum Compiled {
    Rule(Box<Rule>),
    Filter(Box<Filter>),
    Correlation(Box<crate::correlation::CorrelationRule>),
}

/// What kind a document is, from its keys.
pub fn doc_kind(doc: &Yaml) -> DocKind {
    if doc.get("correlation").is_some() {
        DocKind::Correlation
    } else if doc.get("filter").is_some() {
        DocKind::Filter
    } else if doc.get("detection").is_some() {
        DocKind::Rule
    } else {
        DocKind::Other
    }
}

pub fn compile_doc(doc: &Yaml, placeholders: Option<&Placeholders>) -> Result<Compiled, Reject> {
    let kind = doc_kind(doc);
    if kind == DocKind::Correlation {
        return crate::correlation::rule::parse(doc).map(|c| Compiled::Correlation(Box::new(c)));
    }
    if kind == DocKind::Other {
        return Err(Reject::new(
            RejectKind::Structure,
            "document has no detection, filter or correlation",
        ));
    }
    let meta = meta(doc)?;
    let mut used = Vec::new();
    let mut ctx = Ctx {
        placeholders,
        used: &mut used,
    };
    if kind == DocKind::Filter {
        let Some(Yaml::Mapping(f)) = doc.get("filter") else {
            return Err(Reject::new(
                RejectKind::Structure,
                "filter is not a mapping",
            ));
        };
        let rules = string_list(f.get("rules"));
        if rules.is_empty() {
            return Err(Reject::new(
                RejectKind::Structure,
                "filter.rules lists no rule",
            ));
        }
        let mut det = f.clone();
        det.remove("rules");
        let detection = Detection::compile(&Yaml::Mapping(det), &mut ctx)?;
        return Ok(Compiled::Filter(Box::new(Filter {
            meta,
            rules,
            detection,
        })));
    }
    let detection = doc
        .get("detection")
        .ok_or_else(|| Reject::new(RejectKind::Structure, "missing detection"))?;
    let detection = Detection::compile(detection, &mut ctx)?;
    let required_literals = detection.gate().as_deref().map(crate::detection::texts);
    let gate = detection.clauses();
    Ok(Compiled::Rule(Box::new(Rule {
        meta,
        detection,
        filters: Vec::new(),
        modifiers: used,
        required_literals,
        gate,
        atoms: Vec::new(),
    })))
}

fn meta(doc: &Yaml) -> Result<RuleMeta, Reject> {
    let text = |k: &str| doc.get(k).and_then(crate::placeholders::scalar_text);
    let title = text("title").ok_or_else(|| Reject::new(RejectKind::Structure, "missing title"))?;
    let tags = string_list(doc.get("tags"));
    Ok(RuleMeta {
        id: text("id"),
        name: text("name"),
        title,
        description: text("description"),
        level: text("level"),
        status: text("status"),
        attack: attack_ids(&tags),
        tags,
        logsource: RuleLogSource::parse(doc.get("logsource"))?,
        fields: string_list(doc.get("fields")),
        falsepositives: string_list(doc.get("falsepositives")),
    })
}

/// A list of scalars (or one scalar) as strings; anything else is ignored.
pub(crate) fn string_list(v: Option<&Yaml>) -> Vec<String> {
    match v {
        Some(Yaml::Sequence(items)) => items
            .iter()
            .filter_map(crate::placeholders::scalar_text)
            .collect(),
        Some(v) => crate::placeholders::scalar_text(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `attack.t1567.002` → `T1567.002`; other tags are skipped.
pub fn attack_ids(tags: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tags {
        let Some(rest) = t
            .trim()
            .to_ascii_lowercase()
            .strip_prefix("attack.t")
            .map(str::to_string)
        else {
            continue;
        };
        let (main, sub) = match rest.split_once('.') {
            Some((m, s)) => (m.to_string(), Some(s.to_string())),
            None => (rest.clone(), None),
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(&main, 4) || sub.as_deref().is_some_and(|s| !digits(s, 3)) {
            continue;
        }
        let id = match sub {
            Some(s) => format!("T{main}.{s}"),
            None => format!("T{main}"),
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_tags() {
        let tags: Vec<String> = [
            "attack.exfiltration",
            "attack.t1567.002",
            "attack.T1048",
            "attack.g0032",
            "attack.t15",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(attack_ids(&tags), vec!["T1567.002", "T1048"]);
    }
}
