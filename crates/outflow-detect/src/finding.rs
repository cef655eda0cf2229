//! An alert as it is written out: the rule, the entity and the key fields of
//! the matched event, and where that event came from. Built beside the event
//! (which [`Alert`] alone does not carry), so writers need nothing else.

use crate::alert::{Alert, AlertRule};
use outflow_event::{Event, Origin, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who and what an alert is about; every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingEntity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The address the record named the host by, when the host's name was
    /// learnt for it (Zeek, proxy and firewall records name no host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The Windows SID the record named the user by, when the account's
    /// name was learnt for it (PowerShell records give only the SID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_guid: Option<String>,
}

/// Where the data went: host name, address, and the catalogued service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Catalog service name (`MEGA`, `Discord webhooks`), when catalogued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Catalog category (`cloud_storage`, `webhook`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// A URL, bucket or remote named by a command line, when that is all there is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl Destination {
    /// One short text for tables: the domain, else the target, else `ip:port`.
    pub fn label(&self) -> String {
        if let Some(d) = self.domain.as_ref().or(self.target.as_ref()) {
            return d.clone();
        }
        match (&self.ip, self.port) {
            (Some(ip), Some(p)) if ip.contains(':') => format!("[{ip}]:{p}"),
            (Some(ip), Some(p)) => format!("{ip}:{p}"),
            (Some(ip), None) => ip.clone(),
            _ => String::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Destination::default()
    }
}

impl Evidence {
    /// The event as evidence, with a one-line summary of what it shows.
    pub fn of(ev: &Event, summary: String) -> Evidence {
        Evidence {
            time: ev.ts,
            source: ev.source.as_str().to_string(),
            origin: ev.origin.clone(),
            summary,
        }
    }
}

/// One record an alert rests on: when, from which source, where, and what it says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(with = "rfc3339")]
    pub time: Option<Timestamp>,
    /// The source format (`zeek_conn`, `evtx`, ...).
    pub source: String,
    pub origin: Origin,
    /// One line saying what the record shows.
    pub summary: String,
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
    /// D3FEND technique ids of the countermeasure that found it, e.g. `D3-PHDURA`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub d3fend: Vec<String>,
    /// 0 (none) to 10 (certain and severe).
    #[serde(default)]
    pub risk_score: u8,
    /// `informational`, `low`, `medium`, `high` or `critical`, from the risk score.
    #[serde(default)]
    pub severity: String,
    pub entity: FindingEntity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    /// Bytes sent out by what the alert is about, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_out: Option<u64>,
    /// The incident this alert was grouped into, once correlated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
    /// Key fields of the matched event, by name (for Sigma: the rule's
    /// `fields:`, else the fields its detection names), where present.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Where the matched event came from (file and line / record / offset).
    pub origin: Option<Origin>,
    /// The records the alert rests on, in time order (the matched event
    /// first for single-event alerts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// A finding of `rule` at `timestamp` with nothing else known yet; its
    /// risk and severity follow the rule's level until set.
    pub fn new(rule: AlertRule, timestamp: Option<Timestamp>) -> Finding {
        let risk = risk_of_level(&rule.level);
        Finding {
            timestamp,
            rule,
            attack: Vec::new(),
            d3fend: Vec::new(),
            risk_score: risk,
            severity: severity_of_risk(risk).to_string(),
            entity: FindingEntity::default(),
            destination: None,
            bytes_out: None,
            incident_id: None,
            fields: BTreeMap::new(),
            origin: None,
            evidence: Vec::new(),
        }
    }

    /// Sets the risk score (capped at 10) and the severity that goes with it.
    pub fn with_risk(mut self, risk: u8) -> Finding {
        self.set_risk(risk);
        self
    }

    /// Sets the risk score (capped at 10) and the severity that goes with it.
    pub fn set_risk(&mut self, risk: u8) {
        self.risk_score = risk.min(10);
        self.severity = severity_of_risk(self.risk_score).to_string();
    }
}

/// The risk score a Sigma level stands for.
pub fn risk_of_level(level: &str) -> u8 {
    match level {
        "critical" => 9,
        "high" => 7,
        "medium" => 5,
        "low" => 3,
        _ => 1,
    }
}

/// The severity a risk score stands for.
pub fn severity_of_risk(risk: u8) -> &'static str {
    match risk {
        9.. => "critical",
        7..=8 => "high",
        4..=6 => "medium",
        2..=3 => "low",
        _ => "informational",
    }
}

impl From<Alert> for Finding {
    /// A bare alert (from a detector that does not see the writer): its
    /// entity is host and user, its origin the first evidence record.
    fn from(a: Alert) -> Self {
        let risk = risk_of_level(&a.rule.level);
        let evidence = a
            .evidence
            .iter()
            .map(|o| Evidence {
                time: None,
                source: "sigma".to_string(),
                origin: o.clone(),
                summary: a.rule.title.clone(),
            })
            .collect();
        Finding {
            timestamp: a.timestamp,
            attack: a.attack,
            d3fend: Vec::new(),
            risk_score: risk,
            severity: severity_of_risk(risk).to_string(),
            entity: FindingEntity {
                host: a.host,
                user: a.user,
                ..FindingEntity::default()
            },
            destination: None,
            bytes_out: None,
            incident_id: None,
            fields: a.fields,
            origin: a.evidence.into_iter().next(),
            rule: a.rule,
            evidence,
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
            fields: BTreeMap::new(),
        });
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("\"timestamp\":\"2026-11-20T"), "{json}");
        let back: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
    }
}
