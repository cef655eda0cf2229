//! An alert as it is written out: the rule, the entity and the key fields of
//! the matched event, and where that event came from. Built beside the event
//! (which [`Alert`] alone does not carry), so writers need nothing else.

use crate::alert::{Alert, AlertRule};
use outflow_event::{Origin, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who and what an alert is about; every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingEntity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_guid: Option<String>,
    /// `domain`, `ip` or `ip:port` of the destination, when the event has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// One alert with its evidence, ready to print.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The matched event's time, written as RFC 3339 (UTC).
    #[serde(with = "rfc3339")]
    pub timestamp: Option<Timestamp>,
    pub rule: AlertRule,
    /// ATT&CK technique ids, e.g. `T1567.002`.
    pub attack: Vec<String>,
    pub entity: FindingEntity,
    /// Key fields of the matched event, by name (for Sigma: the rule's
    /// `fields:`, else the fields its detection names), where present.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Where the matched event came from (file and line / record / offset).
    pub origin: Option<Origin>,
}

impl From<Alert> for Finding {
    /// A bare alert (from a detector that does not see the writer): its
    /// entity is host and user, its origin the first evidence record.
    fn from(a: Alert) -> Self {
        Finding {
            timestamp: a.timestamp,
            rule: a.rule,
            attack: a.attack,
            entity: FindingEntity {
                host: a.host,
                user: a.user,
                ..FindingEntity::default()
            },
            fields: BTreeMap::new(),
            origin: a.evidence.into_iter().next(),
        }
    }
}

/// `Option<Timestamp>` as an RFC 3339 string (or null), both ways.
mod rfc3339 {
    use outflow_event::{time::parse_iso8601, Timestamp};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => parse_iso8601(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("bad time '{text}'"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trips_as_rfc3339() {
        let f = Finding::from(Alert {
            timestamp: Some(Timestamp(1_795_165_964_512_345_600)),
            rule: AlertRule {
                id: "r".into(),
                title: "t".into(),
                level: "low".into(),
                source: "sigma".into(),
            },
            attack: vec![],
            host: Some("h".into()),
            user: None,
            evidence: vec![],
        });
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("\"timestamp\":\"2026-11-20T"), "{json}");
        let back: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
    }
}
