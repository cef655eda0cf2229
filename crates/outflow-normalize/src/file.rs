//! The mapping file format (YAML). See `mappings/*.yml` for the built-in ones.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One mapping file: the rules for one family of sources.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// Name of the file's family; a user file with the same name replaces the built-in one.
    pub name: String,
    /// Input formats (`outflow formats` lists them) this file applies to.
    pub sources: Vec<String>,
    /// Source fields whose values choose the rule (e.g. `[Channel, EventID]`).
    /// Every `when` key must be one of them. Empty: rules are tried in order.
    #[serde(default)]
    pub select: Vec<String>,
    pub rules: Vec<MappingRule>,
}

/// A rule: which events it applies to and what it adds to them.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MappingRule {
    /// Field → value (or list of values), compared case-insensitively;
    /// `"*"` matches any value of a field that is present.
    /// A selector field left out matches anything. Empty: every event.
    #[serde(default)]
    pub when: BTreeMap<String, OneOrMany>,
    /// Sigma logsources of matching events; the first is the primary one.
    #[serde(default)]
    pub logsource: Vec<LogSourceSpec>,
    /// Sigma taxonomy name → source field (or list: the first present wins).
    #[serde(default)]
    pub fields: BTreeMap<String, OneOrMany>,
    /// Entity slot → source field (or list: the first present wins).
    #[serde(default)]
    pub entity: BTreeMap<String, OneOrMany>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSourceSpec {
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(Scalar),
    Many(Vec<Scalar>),
}

/// YAML scalars accepted where a name or value is expected (EventIDs are numbers).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl Scalar {
    pub fn as_string(&self) -> String {
        match self {
            Scalar::Str(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.as_string()],
            OneOrMany::Many(v) => v.iter().map(Scalar::as_string).collect(),
        }
    }
}
