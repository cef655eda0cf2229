//! `outflow score`: alerts or incidents measured against a labelled
//! corpus's ground truth (`truth.jsonl`, one exfiltration story per line).
//! An alert matches a story when it is about one of the story's hosts
//! (name or address) or its user, and its time falls in the story's span
//! widened by a slack; when it could match several stories, those whose
//! destination or service it names win. An incident matches the stories
//! its chain's alerts match.

use crate::entity::{host_name_key, user_key};
use crate::incident::Incident;
use outflow_detect::Finding;
use outflow_event::time::parse_iso8601;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One labelled story of the truth file (the fields scoring needs).
#[derive(Clone, Debug, Deserialize)]
pub struct Story {
    pub id: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub host_ips: Vec<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub user_email: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    pub start: String,
    pub end: String,
}

/// What was scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Alerts,
    Incidents,
}

/// How wide a story's span is taken, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct Slack {
    pub before: i64,
    pub after: i64,
}

impl Default for Slack {
    fn default() -> Self {
        Slack {
            before: 3_600,
            after: 6 * 3_600,
        }
    }
}

/// One alert reduced to what matching needs.
struct Observation {
    rule: String,
    time: Option<i64>,
    host: Option<String>,
    user: Option<String>,
    domain: Option<String>,
    service: Option<String>,
    target: Option<String>,
    incident: Option<String>,
}

impl Observation {
    fn of_finding(f: &Finding) -> Observation {
        let d = f.destination.clone().unwrap_or_default();
        Observation {
            rule: f.rule.id.clone(),
            time: f.timestamp.map(|t| t.0),
            host: f.entity.host.clone(),
            user: f.entity.user.clone(),
            domain: d.domain,
            service: d.service,
            target: d.target,
            incident: f.incident_id.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct StoryResult {
    pub id: String,
    /// Some incident matches it.
    pub detected: bool,
    /// Alerts matching it.
    pub alerts: usize,
    pub incidents: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub input: InputKind,
    pub stories: usize,
    /// Stories some incident matches, and their share (incident recall).
    pub detected: usize,
    pub recall: Option<f64>,
    /// Stories some alert matches, and their share.
    pub detected_by_alerts: usize,
    pub alert_recall: Option<f64>,
    pub incidents: usize,
    pub true_incidents: usize,
    pub incident_precision: Option<f64>,
    pub alerts: usize,
    pub true_alerts: usize,
    pub alert_precision: Option<f64>,
    pub false_alerts: usize,
    pub false_incidents: usize,
    pub hosts: Option<u64>,
    pub days: Option<f64>,
    pub false_alerts_per_host_day: Option<f64>,
    pub false_incidents_per_host_day: Option<f64>,
    /// Stories no incident matches.
    pub missed: Vec<String>,
    pub per_story: Vec<StoryResult>,
    /// Alerts matching no story, per rule: where to tune first.
    pub false_by_rule: BTreeMap<String, usize>,
    /// Every alert matching no story, in input order.
    pub false_list: Vec<FalseAlert>,
}

/// An alert (or an incident's alert) that matches no story.
#[derive(Clone, Debug, Serialize)]
pub struct FalseAlert {
    pub rule: String,
    pub time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Domain, service or target, the first the alert names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

impl FalseAlert {
    fn of(o: &Observation) -> FalseAlert {
        FalseAlert {
            rule: o.rule.clone(),
            time: o.time.map(|t| outflow_event::Timestamp(t).to_string()),
            host: o.host.clone(),
            user: o.user.clone(),
            destination: o
                .domain
                .clone()
                .or_else(|| o.service.clone())
                .or_else(|| o.target.clone()),
            incident: o.incident.clone(),
        }
    }
}

/// False alerts the text report lists one by one (the JSON has them all).
const FALSE_LISTED: usize = 20;

struct Span {
    from: i64,
    to: i64,
}

fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Parses the truth file (JSON lines).
pub fn parse_truth(text: &str) -> Result<Vec<Story>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let s: Story = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        out.push(s);
    }
    Ok(out)
}

/// Parses alerts or incidents (JSON lines; the first line decides which).
fn parse_items(text: &str) -> Result<(InputKind, Vec<Observation>, usize), String> {
    let mut kind = None;
    let mut obs = Vec::new();
    let mut incidents = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let this = if v.get("chain").is_some() {
            InputKind::Incidents
        } else if v.get("rule").is_some() {
            InputKind::Alerts
        } else {
            return Err(format!(
                "line {}: neither an alert (no \"rule\") nor an incident (no \"chain\")",
                n + 1
            ));
        };
        if *kind.get_or_insert(this) != this {
            return Err(format!(
                "line {}: alerts and incidents mixed in one file",
                n + 1
            ));
        }
        match this {
            InputKind::Alerts => {
                let f: Finding =
                    serde_json::from_value(v).map_err(|e| format!("line {}: {e}", n + 1))?;
                obs.push(Observation::of_finding(&f));
            }
            InputKind::Incidents => {
                let i: Incident =
                    serde_json::from_value(v).map_err(|e| format!("line {}: {e}", n + 1))?;
                incidents += 1;
                for l in &i.chain {
                    let d = l.destination.clone().unwrap_or_default();
                    obs.push(Observation {
                        rule: l.rule_id.clone(),
                        time: l.time.map(|t| t.0),
                        host: l.host.clone(),
                        user: l.user.clone(),
                        domain: d.domain,
                        service: d.service,
                        target: d.target,
                        incident: Some(i.id.clone()),
                    });
                }
            }
        }
    }
    Ok((kind.unwrap_or(InputKind::Alerts), obs, incidents))
}

fn same_host(obs: &str, s: &Story) -> bool {
    let k = host_name_key(obs);
    s.hosts.iter().any(|h| host_name_key(h) == k) || s.host_ips.iter().any(|ip| ip == obs.trim())
}

fn same_user(obs: &str, s: &Story) -> bool {
    let k = user_key(obs);
    !k.is_empty()
        && [&s.user, &s.user_email]
            .into_iter()
            .flatten()
            .any(|u| user_key(u) == k)
}

fn names_destination(o: &Observation, s: &Story) -> bool {
    let eq = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    if eq(&o.service, &s.service) {
        return true;
    }
    let Some(dest) = s.destination.as_deref().map(str::to_ascii_lowercase) else {
        return false;
    };
    if let Some(d) = o.domain.as_deref().map(str::to_ascii_lowercase) {
        if d == dest || d.ends_with(&format!(".{dest}")) || dest.ends_with(&format!(".{d}")) {
            return true;
        }
    }
    let Some(target) = o.target.as_deref().map(str::to_ascii_lowercase) else {
        return false;
    };
    // A bucket or host named in a URL or remote (`s3://xfer-19998/...`).
    let label = dest.split('.').next().unwrap_or("");
    target.contains(&dest) || (label.len() >= 6 && target.contains(label))
}

/// The stories one observation matches.
fn matches(o: &Observation, stories: &[Story], spans: &[Span]) -> Vec<usize> {
    let Some(t) = o.time else {
        return Vec::new();
    };
    let found: Vec<usize> = stories
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            let who = o.host.as_deref().is_some_and(|h| same_host(h, s))
                || o.user.as_deref().is_some_and(|u| same_user(u, s));
            who && spans[*i].from <= t && t <= spans[*i].to
        })
        .map(|(i, _)| i)
        .collect();
    if found.len() < 2 {
        return found;
    }
    let named: Vec<usize> = found
        .iter()
        .copied()
        .filter(|i| names_destination(o, &stories[*i]))
        .collect();
    if named.is_empty() {
        found
    } else {
        named
    }
}

/// Scores alerts or incidents (JSON lines in `items`) against `stories`.
pub fn score(
    stories: &[Story],
    items: &str,
    slack: Slack,
    hosts: Option<u64>,
    days: Option<f64>,
) -> Result<Report, String> {
    let mut spans = Vec::with_capacity(stories.len());
    for s in stories {
        let (Some(a), Some(b)) = (parse_iso8601(&s.start), parse_iso8601(&s.end)) else {
            return Err(format!(
                "story {}: start or end is not an RFC 3339 time",
                s.id
            ));
        };
        spans.push(Span {
            from: a
                .0
                .saturating_sub(slack.before.saturating_mul(1_000_000_000)),
            to: b
                .0
                .saturating_add(slack.after.saturating_mul(1_000_000_000)),
        });
    }
    let (input, obs, _) = parse_items(items)?;
    let mut alert_hits: Vec<usize> = vec![0; stories.len()];
    let mut incident_hits: Vec<BTreeSet<String>> = vec![BTreeSet::new(); stories.len()];
    let mut incidents: BTreeMap<String, bool> = BTreeMap::new();
    let mut true_alerts = 0;
    let mut false_list = Vec::new();
    for o in &obs {
        let m = matches(o, stories, &spans);
        if m.is_empty() {
            false_list.push(FalseAlert::of(o));
        } else {
            true_alerts += 1;
        }
        for i in &m {
            alert_hits[*i] += 1;
        }
        if let Some(id) = &o.incident {
            *incidents.entry(id.clone()).or_insert(false) |= !m.is_empty();
            for i in &m {
                incident_hits[*i].insert(id.clone());
            }
        }
    }
    let per_story: Vec<StoryResult> = stories
        .iter()
        .enumerate()
        .map(|(i, s)| StoryResult {
            id: s.id.clone(),
            detected: !incident_hits[i].is_empty(),
            alerts: alert_hits[i],
            incidents: incident_hits[i].iter().cloned().collect(),
        })
        .collect();
    let detected = per_story.iter().filter(|s| s.detected).count();
    let detected_by_alerts = per_story.iter().filter(|s| s.alerts > 0).count();
    let true_incidents = incidents.values().filter(|t| **t).count();
    let false_alerts = obs.len() - true_alerts;
    let mut false_by_rule = BTreeMap::new();
    for f in &false_list {
        *false_by_rule.entry(f.rule.clone()).or_insert(0) += 1;
    }
    let false_incidents = incidents.len() - true_incidents;
    let host_days = match (hosts, days) {
        (Some(h), Some(d)) if h > 0 && d > 0.0 => Some(h as f64 * d),
        _ => None,
    };
    Ok(Report {
        input,
        stories: stories.len(),
        detected,
        recall: ratio(detected, stories.len()),
        detected_by_alerts,
        alert_recall: ratio(detected_by_alerts, stories.len()),
        incidents: incidents.len(),
        true_incidents,
        incident_precision: ratio(true_incidents, incidents.len()),
        alerts: obs.len(),
        true_alerts,
        alert_precision: ratio(true_alerts, obs.len()),
        false_alerts,
        false_incidents,
        hosts,
        days,
        false_alerts_per_host_day: host_days.map(|hd| false_alerts as f64 / hd),
        false_incidents_per_host_day: host_days.map(|hd| false_incidents as f64 / hd),
        missed: per_story
            .iter()
            .filter(|s| !s.detected)
            .map(|s| s.id.clone())
            .collect(),
        per_story,
        false_by_rule,
        false_list,
    })
}

fn fixed(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

/// The report as a table for people.
pub fn text(r: &Report) -> String {
    let mut s = String::new();
    let line = |s: &mut String, l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    let kind = match r.input {
        InputKind::Alerts => "alerts",
        InputKind::Incidents => "incidents",
    };
    line(&mut s, format!("scored: {kind}"));
    line(
        &mut s,
        format!(
            "incident recall:    {} ({} of {} stories)",
            fixed(r.recall),
            r.detected,
            r.stories
        ),
    );
    line(
        &mut s,
        format!(
            "incident precision: {} ({} of {} incidents match a story)",
            fixed(r.incident_precision),
            r.true_incidents,
            r.incidents
        ),
    );
    line(
        &mut s,
        format!(
            "alert recall:       {} ({} of {} stories)",
            fixed(r.alert_recall),
            r.detected_by_alerts,
            r.stories
        ),
    );
    line(
        &mut s,
        format!(
            "alert precision:    {} ({} of {} alerts match a story)",
            fixed(r.alert_precision),
            r.true_alerts,
            r.alerts
        ),
    );
    match (r.hosts, r.days) {
        (Some(h), Some(d)) => line(
            &mut s,
            format!(
                "false alerts per host per day: {} ({} over {h} hosts x {d} days); false incidents: {} ({})",
                fixed(r.false_alerts_per_host_day),
                r.false_alerts,
                fixed(r.false_incidents_per_host_day),
                r.false_incidents
            ),
        ),
        _ => line(
            &mut s,
            format!(
                "false alerts: {}, false incidents: {} (per host and day: pass --hosts and --days, or keep summary.json beside the truth file)",
                r.false_alerts, r.false_incidents
            ),
        ),
    }
    line(&mut s, String::new());
    line(
        &mut s,
        format!(
            "{:<40} {:<9} {:>6}  incidents",
            "story", "detected", "alerts"
        ),
    );
    for p in &r.per_story {
        line(
            &mut s,
            format!(
                "{:<40} {:<9} {:>6}  {}",
                p.id,
                if p.detected { "yes" } else { "no" },
                p.alerts,
                p.incidents.join(" ")
            ),
        );
    }
    if !r.missed.is_empty() {
        line(&mut s, String::new());
        line(
            &mut s,
            format!("missed ({}): {}", r.missed.len(), r.missed.join(", ")),
        );
    }
    if !r.false_list.is_empty() {
        false_alerts_text(r, &mut s);
    }
    s
}

/// False alerts per rule (most first), then the first of them one by one.
fn false_alerts_text(r: &Report, s: &mut String) {
    let mut by_rule: Vec<(&String, &usize)> = r.false_by_rule.iter().collect();
    by_rule.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    s.push_str("\nfalse alerts by rule:\n");
    for (rule, n) in by_rule {
        s.push_str(&format!("  {n:>6}  {rule}\n"));
    }
    let shown = r.false_list.len().min(FALSE_LISTED);
    s.push_str(&format!(
        "\nfalse alerts ({shown} of {}{}):\n",
        r.false_list.len(),
        if shown < r.false_list.len() {
            "; --format json lists them all"
        } else {
            ""
        }
    ));
    for f in &r.false_list[..shown] {
        let dash = || "-".to_string();
        s.push_str(&format!(
            "  {}  {}  host {}  user {}  to {}\n",
            f.time.clone().unwrap_or_else(dash),
            f.rule,
            f.host.clone().unwrap_or_else(dash),
            f.user.clone().unwrap_or_else(dash),
            f.destination.clone().unwrap_or_else(dash),
        ));
    }
}
