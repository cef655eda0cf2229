use outflow_event::{Origin, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What fired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    pub id: String,
    pub title: String,
    pub level: String,
    /// `sigma` or `analytic`.
    pub source: String,
}

/// One detection result with the evidence it rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub timestamp: Option<Timestamp>,
    pub rule: AlertRule,
    /// ATT&CK technique ids, e.g. `T1567.002`.
    pub attack: Vec<String>,
    pub host: Option<String>,
    pub user: Option<String>,
    /// Where each evidence record came from.
    pub evidence: Vec<Origin>,
    /// What the detector adds to explain it (a correlation's type and the
    /// values of its `group-by` fields).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}
