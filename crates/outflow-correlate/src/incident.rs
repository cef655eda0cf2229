//! An incident: the alerts grouped on one actor, with their union of
//! entities, destinations and techniques, an ordered chain of evidence, the
//! actor's other (linked) uploads and a one-line explanation.

use outflow_detect::{severity_of_risk, Destination, Evidence, Finding};
use outflow_event::{time::civil_from_days, Origin, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most distinct hosts, users, processes and destinations listed per incident.
const LIST_CAP: usize = 64;

/// Why an incident opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// One alert at or above the critical risk.
    Critical,
    /// The entity's accumulated risk crossed the threshold.
    Threshold,
    /// Different rules agreed on the entity and a destination.
    Agreement,
    /// One rule fired again and again, each time with high risk (15 pastes,
    /// a script posting file after file).
    Repeated,
}

impl Trigger {
    fn text(self) -> &'static str {
        match self {
            Trigger::Critical => "a critical alert",
            Trigger::Threshold => "accumulated risk",
            Trigger::Agreement => "agreeing analytics",
            Trigger::Repeated => "repeated high-risk alerts",
        }
    }
}

/// One alert of the chain of evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainLink {
    #[serde(with = "crate::rfc3339")]
    pub time: Option<Timestamp>,
    pub rule_id: String,
    pub title: String,
    pub risk_score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_out: Option<u64>,
    pub summary: String,
    /// Where the alert's record came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// Another alert of the incident's actor (user or address), outside its chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Linked {
    #[serde(with = "crate::rfc3339")]
    pub time: Option<Timestamp>,
    pub rule_id: String,
    pub risk_score: u8,
    /// The actor it shares with the incident (`user:dolsen`, `ip:10.0.0.5`).
    pub via: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_out: Option<u64>,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    #[serde(skip)]
    pub(crate) seq: u64,
}

impl Linked {
    pub(crate) fn of(f: &Finding, seq: u64, via: String) -> Linked {
        Linked {
            time: f.timestamp,
            rule_id: f.rule.id.clone(),
            risk_score: f.risk_score,
            via,
            host: f.entity.host.clone(),
            user: f.entity.user.clone(),
            destination: f.destination.as_ref().map(Destination::label),
            bytes_out: f.bytes_out,
            summary: summary(f),
            origin: f.origin.clone(),
            seq,
        }
    }
}

/// An incident as written out (`outflow hunt --incidents`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// `INC-<first day>-<hash of the entity and first time>`: the same input
    /// gives the same ids.
    pub id: String,
    /// One line saying who sent what where, and why it is an incident.
    pub explanation: String,
    pub trigger: Trigger,
    /// The highest risk score of its alerts (0-10).
    pub risk_score: u8,
    /// Sum over its rules of each rule's highest risk.
    pub risk_total: u32,
    pub severity: String,
    #[serde(with = "crate::rfc3339")]
    pub first_seen: Option<Timestamp>,
    #[serde(with = "crate::rfc3339")]
    pub last_seen: Option<Timestamp>,
    pub hosts: Vec<String>,
    pub users: Vec<String>,
    pub processes: Vec<String>,
    pub destinations: Vec<Destination>,
    pub services: Vec<String>,
    pub attack: Vec<String>,
    pub d3fend: Vec<String>,
    pub rules: Vec<String>,
    /// Bytes sent out: per destination, the largest total any one rule saw.
    pub bytes_out: u64,
    pub alerts: usize,
    /// Alerts in time order, each with its evidence (at most `chain_cap`).
    pub chain: Vec<ChainLink>,
    /// The actor's other alerts in the data (linked artifacts).
    #[serde(default)]
    pub linked: Vec<Linked>,
}

/// An alert's one-line summary: its own (`fields.summary`, for alerts that
/// sum several records), else its first evidence's, else its rule's title.
pub fn summary(f: &Finding) -> String {
    f.fields
        .get("summary")
        .filter(|s| !s.is_empty())
        .or_else(|| f.evidence.first().map(|e| &e.summary))
        .cloned()
        .unwrap_or_else(|| f.rule.title.clone())
}

/// The stable id of an incident on `entity` starting at `first`.
pub fn incident_id(entity: &str, first: Option<Timestamp>) -> String {
    let ns = first.map_or(0, |t| t.0);
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in entity.bytes().chain(ns.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let day = match first {
        Some(t) => {
            let (y, m, d) = civil_from_days(t.secs().div_euclid(86_400));
            format!("{y:04}{m:02}{d:02}")
        }
        None => "00000000".to_string(),
    };
    format!("INC-{day}-{:010x}", h >> 24)
}

/// The file name of a process image.
fn base_name(image: &str) -> &str {
    image.rsplit(['\\', '/']).next().unwrap_or(image)
}

fn add_capped(set: &mut BTreeSet<String>, v: &str) {
    if set.len() < LIST_CAP && !v.is_empty() {
        set.insert(v.to_string());
    }
}

/// Keeps the first spelling of each host or user.
fn add_spelling(map: &mut BTreeMap<String, String>, key: String, v: &str) {
    if map.len() < LIST_CAP && !key.is_empty() {
        map.entry(key).or_insert_with(|| v.to_string());
    }
}

/// An incident while it gathers alerts.
pub(crate) struct Building {
    pub trigger: Trigger,
    /// The earliest alert's time and first entity (ties: the smallest), for the id.
    lead: Option<(i64, String)>,
    /// Entity keys it owns (hosts, users).
    pub keys: BTreeSet<String>,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    chain: Vec<ChainLink>,
    members: BTreeSet<u64>,
    alerts: usize,
    /// Host and user spellings by key: one name per host or user.
    hosts: BTreeMap<String, String>,
    users: BTreeMap<String, String>,
    images: BTreeMap<String, usize>,
    /// By label, the best-known form of each destination and its rank
    /// ([`destination_rank`]).
    destinations: BTreeMap<String, (Destination, u8)>,
    services: BTreeSet<String>,
    attack: BTreeSet<String>,
    d3fend: BTreeSet<String>,
    /// Highest risk per rule.
    rule_risk: BTreeMap<String, u8>,
    /// Bytes per (destination, rule).
    bytes: BTreeMap<(String, String), u64>,
    /// Highest risk and alerts per destination, to name the main one.
    dest_alerts: BTreeMap<String, (u8, usize)>,
    pub linked: Vec<Linked>,
}

impl Building {
    pub fn new(trigger: Trigger) -> Building {
        Building {
            trigger,
            lead: None,
            keys: BTreeSet::new(),
            first: None,
            last: None,
            chain: Vec::new(),
            members: BTreeSet::new(),
            alerts: 0,
            hosts: BTreeMap::new(),
            users: BTreeMap::new(),
            images: BTreeMap::new(),
            destinations: BTreeMap::new(),
            services: BTreeSet::new(),
            attack: BTreeSet::new(),
            d3fend: BTreeSet::new(),
            rule_risk: BTreeMap::new(),
            bytes: BTreeMap::new(),
            dest_alerts: BTreeMap::new(),
            linked: Vec::new(),
        }
    }

    pub fn has_member(&self, seq: u64) -> bool {
        self.members.contains(&seq)
    }

    /// Adds one alert (its copy stays in the chain while there is room).
    pub fn add(&mut self, f: &Finding, seq: u64, keys: &[String], chain_cap: usize) {
        self.members.insert(seq);
        if let (Some(t), Some(k)) = (f.timestamp, keys.first()) {
            let candidate = (t.0, k.clone());
            if self.lead.as_ref().is_none_or(|l| candidate < *l) {
                self.lead = Some(candidate);
            }
        }
        self.linked.retain(|l| l.seq != seq);
        self.alerts += 1;
        if let Some(t) = f.timestamp {
            self.first = Some(self.first.map_or(t, |x| x.min(t)));
            self.last = Some(self.last.map_or(t, |x| x.max(t)));
        }
        let e = &f.entity;
        if let Some(h) = &e.host {
            add_spelling(&mut self.hosts, crate::entity::host_name_key(h), h);
        }
        if let Some(u) = &e.user {
            add_spelling(&mut self.users, crate::entity::user_key(u), u);
        }
        if let Some(i) = &e.image {
            if self.images.len() < LIST_CAP || self.images.contains_key(base_name(i)) {
                *self.images.entry(base_name(i).to_string()).or_insert(0) += 1;
            }
        }
        let label = f
            .destination
            .as_ref()
            .map(Destination::label)
            .unwrap_or_default();
        if let Some(d) = &f.destination {
            if let Some(s) = &d.service {
                add_capped(&mut self.services, s);
            }
            if !label.is_empty() {
                let rank = destination_rank(d, f.bytes_out);
                let room = self.destinations.len() < LIST_CAP;
                match self.destinations.get_mut(&label) {
                    Some(kept) => merge_destination(kept, d, rank),
                    None if room => {
                        self.destinations.insert(label.clone(), (d.clone(), rank));
                    }
                    None => {}
                }
            }
            if !label.is_empty() {
                let (risk, n) = self.dest_alerts.entry(label.clone()).or_insert((0, 0));
                *risk = (*risk).max(f.risk_score);
                *n += 1;
            }
        }
        for a in &f.attack {
            add_capped(&mut self.attack, a);
        }
        for d in &f.d3fend {
            add_capped(&mut self.d3fend, d);
        }
        let r = self.rule_risk.entry(f.rule.id.clone()).or_insert(0);
        *r = (*r).max(f.risk_score);
        if let Some(b) = f.bytes_out {
            let slot = self.bytes.entry((label, f.rule.id.clone())).or_insert(0);
            *slot = slot.saturating_add(b);
        }
        if self.chain.len() < chain_cap {
            self.chain.push(ChainLink {
                time: f.timestamp,
                rule_id: f.rule.id.clone(),
                title: f.rule.title.clone(),
                risk_score: f.risk_score,
                host: e.host.clone(),
                user: e.user.clone(),
                image: e.image.clone(),
                destination: f.destination.clone(),
                bytes_out: f.bytes_out,
                summary: summary(f),
                origin: f.origin.clone(),
                evidence: f.evidence.clone(),
            });
        }
    }

    /// Bytes out per destination: the largest total any one rule reported.
    fn bytes_per_destination(&self) -> BTreeMap<&str, u64> {
        let mut per_dest: BTreeMap<&str, u64> = BTreeMap::new();
        for ((dest, _), b) in &self.bytes {
            let m = per_dest.entry(dest).or_insert(0);
            *m = (*m).max(*b);
        }
        per_dest
    }

    fn bytes_out(&self) -> u64 {
        self.bytes_per_destination()
            .values()
            .fold(0u64, |a, b| a.saturating_add(*b))
    }

    /// The destination most bytes went to, by label (the first of equals).
    fn main_destination(&self) -> Option<String> {
        let mut best: Option<(&str, u64)> = None;
        for (d, b) in self.bytes_per_destination() {
            if b > 0 && best.is_none_or(|(_, m)| b > m) {
                best = Some((d, b));
            }
        }
        best.map(|(d, _)| d.to_string())
    }

    /// The incident as written out.
    pub fn finish(mut self) -> Incident {
        self.chain.sort_by_key(|l| l.time);
        self.linked.sort_by_key(|l| l.time);
        let risk_score = self.rule_risk.values().copied().max().unwrap_or(0);
        let risk_total = self.rule_risk.values().map(|r| u32::from(*r)).sum();
        let bytes_out = self.bytes_out();
        let main_destination = self.main_destination();
        let mut images: Vec<(&String, &usize)> = self.images.iter().collect();
        images.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let id = match &self.lead {
            Some((t, k)) => incident_id(k, Some(Timestamp(*t))),
            None => incident_id("", self.first),
        };
        let mut incident = Incident {
            id,
            explanation: String::new(),
            trigger: self.trigger,
            risk_score,
            risk_total,
            severity: severity_of_risk(risk_score).to_string(),
            first_seen: self.first,
            last_seen: self.last,
            hosts: self.hosts.into_values().collect(),
            users: self.users.into_values().collect(),
            processes: images.iter().map(|(i, _)| (*i).clone()).collect(),
            destinations: Vec::new(),
            services: self.services.into_iter().collect(),
            attack: self.attack.into_iter().collect(),
            d3fend: self.d3fend.into_iter().collect(),
            rules: self.rule_risk.keys().cloned().collect(),
            bytes_out,
            alerts: self.alerts,
            chain: self.chain,
            linked: self.linked,
        };
        // Destinations, the riskiest (then the most alerted) first.
        let mut dests: Vec<(String, Destination)> = self
            .destinations
            .into_iter()
            .map(|(k, (d, _))| (k, d))
            .collect();
        dests.sort_by(|a, b| {
            let n = |k: &str| self.dest_alerts.get(k).copied().unwrap_or((0, 0));
            n(&b.0).cmp(&n(&a.0)).then(a.0.cmp(&b.0))
        });
        incident.destinations = dests.into_iter().map(|(_, d)| d).collect();
        incident.explanation = explain(&incident, main_destination.as_deref());
        incident
    }
}

/// Bytes as people read them (`479.2 MB`).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A user as people read it: a name rather than a SID or a uid when there is one.
fn main_user(users: &[String]) -> Option<&str> {
    let named = |u: &&String| {
        let k = crate::entity::user_key(u);
        !k.starts_with("s-1-") && !k.chars().all(|c| c.is_ascii_digit())
    };
    users
        .iter()
        .find(named)
        .or(users.first())
        .map(|u| u.rsplit_once('\\').map_or(u.as_str(), |(_, n)| n))
}

/// The incident in one line: `WS-FIN-02 (dolsen): rclone.exe uploaded
/// 479.2 MB to MEGA (mega.co.nz); 3 alerts from 2 analytics agree; ...`.
/// `most_bytes`, by label, is the destination most bytes went to: the
/// sentence names it, and the program an alert about it names, beside
/// the incident's bytes, so that the figures and the names agree.
fn explain(i: &Incident, most_bytes: Option<&str>) -> String {
    // The riskiest alert (the first of equals) leads the sentence.
    let lead = i
        .chain
        .iter()
        .min_by_key(|l| (std::cmp::Reverse(l.risk_score), l.time));
    let mut who = lead
        .and_then(|l| l.host.clone())
        .or_else(|| i.hosts.first().cloned())
        .unwrap_or_else(|| "unknown host".into());
    if i.hosts.len() > 1 {
        who.push_str(&format!(" (+{} hosts)", i.hosts.len() - 1));
    }
    if let Some(u) = main_user(&i.users) {
        who.push_str(&format!(" ({u})"));
    }
    // An address alone says less than the riskiest alert's destination.
    let main_dest = most_bytes
        .and_then(|m| i.destinations.iter().find(|d| d.label() == m))
        .filter(|d| d.domain.is_some() || d.target.is_some() || d.service.is_some());
    let main_label = most_bytes.filter(|_| main_dest.is_some());
    // The riskiest alert about the main destination that names a program.
    let sender = main_label.and_then(|m| {
        i.chain
            .iter()
            .filter(|l| l.image.is_some())
            .filter(|l| l.destination.as_ref().is_some_and(|d| d.label() == m))
            .min_by_key(|l| (std::cmp::Reverse(l.risk_score), l.time))
    });
    let what = match (main_dest, sender) {
        (Some(_), Some(l)) => l.image.as_deref().map(base_name),
        // No alert about where most bytes went names a program: name none
        // (another program of the incident sent elsewhere).
        (Some(_), None) => None,
        (None, _) => lead
            .and_then(|l| l.image.as_deref())
            .map(base_name)
            .or(i.processes.first().map(String::as_str)),
    }
    .unwrap_or("");
    let verb = if i.bytes_out > 0 {
        format!("uploaded {} to", human_bytes(i.bytes_out))
    } else {
        "sent data to".to_string()
    };
    let main = main_dest
        .or(lead.and_then(|l| l.destination.as_ref()))
        .or(i.destinations.first());
    let dest = match main {
        Some(d) => {
            let label = d.label();
            match &d.service {
                Some(s) if !label.is_empty() && *s != label => format!("{s} ({label})"),
                Some(s) => s.clone(),
                None if !label.is_empty() => label,
                None => "an outside destination".into(),
            }
        }
        None => "an outside destination".into(),
    };
    let more = match i.destinations.len() {
        0 | 1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    let subject = if what.is_empty() {
        format!("{who}: {verb}")
    } else {
        format!("{who}: {what} {verb}")
    };
    // Nothing says where the data went: the riskiest alert's title says what happened.
    let (subject, dest) = match (main, lead) {
        (None, Some(l)) if i.bytes_out == 0 && what.is_empty() => {
            (format!("{who}:"), l.title.clone())
        }
        (None, Some(l)) if i.bytes_out == 0 => (format!("{who}:"), format!("{} ({what})", l.title)),
        _ => (subject, dest),
    };
    let agree = match (i.alerts, i.rules.len()) {
        (1, _) => "1 alert".to_string(),
        (n, 1) => format!("{n} alerts from 1 analytic"),
        (n, r) => format!("{n} alerts from {r} analytics agree"),
    };
    let linked = match i.linked.len() {
        0 => String::new(),
        1 => "; 1 linked alert of the same actor".to_string(),
        n => format!("; {n} linked alerts of the same actor"),
    };
    format!(
        "{subject} {dest}{more}; {agree}; risk {}, opened by {}{linked}",
        i.risk_score,
        i.trigger.text()
    )
}

/// How much an alert says of a destination: a catalogued service, then an
/// address the data went to (an alert that counted bytes out). A DNS
/// query's alert names the domain at the resolver's address; the upload's
/// alert on the same domain names where the data went, and is kept.
fn destination_rank(d: &Destination, bytes_out: Option<u64>) -> u8 {
    2 * u8::from(d.service.is_some()) + u8::from(bytes_out.is_some_and(|b| b > 0))
}

/// Another alert's view of a destination already listed: a better-ranked
/// one takes its place, keeping the URL or bucket the first named; any
/// other only fills in what is missing.
fn merge_destination(kept: &mut (Destination, u8), d: &Destination, rank: u8) {
    let (k, r) = kept;
    if rank > *r {
        let target = k.target.take();
        *k = d.clone();
        k.target = k.target.take().or(target);
        *r = rank;
        return;
    }
    if k.service.is_none() && d.service.is_some() {
        k.service = d.service.clone();
        k.category = d.category.clone();
    }
    if k.target.is_none() {
        k.target = d.target.clone();
    }
    if k.ip.is_none() && k.port.is_none() {
        k.ip = d.ip.clone();
        k.port = d.port;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_name_the_day() {
        let t = Some(Timestamp::from_secs(1_795_000_000));
        let a = incident_id("host:ws-fin-02", t);
        assert_eq!(a, incident_id("host:ws-fin-02", t));
        assert!(a.starts_with("INC-20261118-"), "{a}");
        assert_eq!(a.len(), "INC-20261118-".len() + 10);
        assert_ne!(a, incident_id("host:ws-fin-01", t));
        assert_ne!(
            a,
            incident_id("host:ws-fin-02", Some(Timestamp::from_secs(1_795_000_001)))
        );
    }

    #[test]
    fn a_summing_alert_is_summed_up_by_its_own_summary() {
        let rule = outflow_detect::AlertRule {
            id: "outflow.large-transfer".into(),
            title: "Large transfer".into(),
            level: "critical".into(),
            source: "analytic".into(),
        };
        let mut f = Finding::new(rule, None);
        assert_eq!(summary(&f), "Large transfer");
        f.evidence.push(outflow_detect::Evidence {
            time: None,
            source: "zeek-json".into(),
            origin: outflow_event::Origin {
                file: "conn.log".into(),
                position: outflow_event::Position::Line(14),
            },
            summary: "one flow of 18 KB".into(),
        });
        assert_eq!(summary(&f), "one flow of 18 KB");
        f.fields
            .insert("summary".into(), "1.7 GB in 7 flows".into());
        assert_eq!(summary(&f), "1.7 GB in 7 flows");
    }
}
