//! A fired correlation as an outflow alert.

use super::resolve::Correlation;
use outflow_detect::{Alert, AlertRule};
use outflow_event::{Origin, Timestamp};
use std::collections::BTreeMap;

/// A correlation that fired for one group.
#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    pub corr: usize,
    pub ts: i64,
    pub evidence: Vec<Origin>,
    /// (group-by name, value), which a chained correlation groups on.
    pub pairs: Vec<(String, String)>,
    pub host: Option<String>,
    pub user: Option<String>,
}

pub fn alert(c: &Correlation, f: &Fired) -> Alert {
    let m = &c.rule.meta;
    Alert {
        timestamp: Some(Timestamp(f.ts)),
        rule: AlertRule {
            id: m.id.clone().unwrap_or_else(|| m.title.clone()),
            title: m.title.clone(),
            level: m.level.clone().unwrap_or_else(|| "informational".into()),
            source: "sigma".into(),
        },
        attack: m.attack.clone(),
        host: f.host.clone(),
        user: f.user.clone(),
        evidence: f.evidence.clone(),
        fields: fields(c, f),
    }
}

/// The correlation's type and the group it fired for (`group.<field>`):
/// an analyst reads which user or address crossed the threshold.
fn fields(c: &Correlation, f: &Fired) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("correlation".to_string(), c.rule.kind.as_str().to_string());
    for (name, value) in &f.pairs {
        out.insert(format!("group.{name}"), value.clone());
    }
    out
}
