//! `outbound-policy`: traffic the organisation's policy forbids but the
//! firewall, proxy or network let through. The user lists forbidden
//! web-service categories, catalog services and destinations (the policy
//! file's `forbidden:` section, or the analytic's own `forbidden:` key in
//! the analytics configuration); allowed PAN-OS sessions, proxy requests
//! not denied and established Zeek connections to them are summed per
//! source and destination over a window and reported with the bytes sent.

use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::stateful::common::restore_state;
use crate::view::{Flow, Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use outflow_intel::{ForbiddenBy, ForbiddenQuery, Policy};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const NAME: &str = "outbound-policy";

const MICROS: i64 = 1_000_000;
const MAX_EVIDENCE: usize = 10;

/// Zeek connection states past the handshake.
const ESTABLISHED: &[&str] = &["SF", "S1", "S2", "S3", "RSTO", "RSTR"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: Option<u8>,
    /// Forbidden destinations besides the policy file's, same shape as its
    /// `forbidden:` section (`categories`, `services`, `destinations`).
    #[serde(default)]
    forbidden: Option<yaml_serde::Value>,
    /// Seconds without a session after which a source/destination's alert
    /// is written.
    window: u64,
    /// Seconds at most one alert gathers sessions for.
    max_span: u64,
    /// Bytes sent out (summed over the window) below which nothing is reported.
    min_bytes_out: u64,
    /// At or above this many bytes sent, the risk goes up one.
    large_bytes: u64,
    max_open: usize,
}

/// Sessions of one source to one forbidden destination.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Open {
    start: i64,
    /// Time of the latest session (µs).
    #[serde(default)]
    last: i64,
    /// Records gathered (all sources).
    sessions: u64,
    /// Bytes sent, per source format: the firewall, the proxy and Zeek see
    /// the same traffic, so the alert reports the largest, not the sum.
    #[serde(default)]
    by_source: std::collections::BTreeMap<String, (u64, u64)>,
    bytes_out: u64,
    /// Some record gave a byte count (Squid's native log gives none sent).
    #[serde(default)]
    bytes_known: bool,
    upload_endpoint: bool,
    /// The finding as first seen, completed when the window closes.
    finding: Finding,
}

pub struct OutboundPolicy {
    meta: AnalyticMeta,
    s: Settings,
    policy: Arc<Policy>,
    /// The analytics configuration's own `forbidden:` list.
    extra: Option<Policy>,
    open: FxHashMap<String, Open>,
    /// Latest time of the records this analytic reads: windows close by it,
    /// so a watermark driven ahead by other sources does not close them early.
    latest: i64,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(OutboundPolicy::new(ctx)?))
}

impl OutboundPolicy {
    pub fn new(ctx: &Arc<Ctx>) -> Result<OutboundPolicy, ConfigError> {
        let s: Settings = ctx.config.section(NAME)?;
        let extra = match &s.forbidden {
            None => None,
            Some(v) => {
                let mut doc = yaml_serde::Mapping::new();
                doc.insert("forbidden".into(), v.clone());
                let text = yaml_serde::to_string(&doc).unwrap_or_default();
                let p = Policy::from_yaml("analytics configuration", &text).map_err(|e| {
                    ConfigError::Section {
                        file: String::new(),
                        analytic: NAME.into(),
                        message: e.to_string(),
                    }
                })?;
                p.has_forbidden().then_some(p)
            }
        };
        Ok(OutboundPolicy {
            meta: ctx.config.meta(NAME)?,
            s,
            policy: ctx.policy.clone(),
            extra,
            open: FxHashMap::default(),
            latest: i64::MIN,
        })
    }

    /// Whether any forbidden destination is configured (else the analytic
    /// has nothing to look for).
    pub fn is_configured(&self) -> bool {
        self.policy.has_forbidden() || self.extra.is_some()
    }

    fn forbidden(&self, f: &Flow) -> Option<ForbiddenBy> {
        let q = ForbiddenQuery {
            host: f.domain.as_deref(),
            ip: f.dst_ip,
            service: f.service.as_ref().map(|s| &*s.id),
            category: f.service.as_ref().map(|s| &*s.category),
        };
        self.policy
            .forbidden_by(&q)
            .or_else(|| self.extra.as_ref().and_then(|p| p.forbidden_by(&q)))
    }

    /// Quiet for `window`, or gathering for `max_span`.
    fn ended(&self, o: &Open, now: i64) -> bool {
        now - o.last > self.s.window as i64 * MICROS
            || now - o.start > self.s.max_span as i64 * MICROS
    }

    fn close(&mut self, key: &str, out: &mut Vec<Finding>) {
        let Some(o) = self.open.remove(key) else {
            return;
        };
        let sessions = o
            .by_source
            .values()
            .map(|(n, _)| *n)
            .max()
            .unwrap_or(o.sessions);
        if o.bytes_known && o.bytes_out < self.s.min_bytes_out.max(1) {
            return;
        }
        let mut f = o.finding;
        f.bytes_out = o.bytes_known.then_some(o.bytes_out);
        let mut risk = self.meta.risk;
        if o.bytes_out >= self.s.large_bytes {
            risk += 1;
        }
        if o.upload_endpoint {
            risk += 1;
        }
        report::set_risk(&mut f, risk.min(10));
        f.fields.insert("sessions".into(), sessions.to_string());
        let sources: Vec<&str> = o.by_source.keys().map(String::as_str).collect();
        f.fields.insert("seen_by".into(), sources.join(", "));
        if o.bytes_known {
            f.fields.insert("bytes_out".into(), o.bytes_out.to_string());
        }
        let dest = f
            .destination
            .as_ref()
            .and_then(|d| d.domain.clone().or_else(|| d.ip.clone()))
            .unwrap_or_default();
        let why = f.fields.get("forbidden_by").cloned().unwrap_or_default();
        if let Some(e) = f.evidence.first_mut() {
            let sent = if o.bytes_known {
                human_bytes(o.bytes_out)
            } else {
                "data (size not logged)".to_string()
            };
            e.summary = format!(
                "{sent} sent to {dest} ({why}) in {sessions} allowed sessions; first: {}",
                e.summary
            );
        }
        out.push(f);
    }
}

/// Whether the record shows the traffic let through (not denied, dropped or
/// reset by the device).
fn allowed(view: &View<'_>) -> bool {
    let lower = |f: &str| view.get(f).map(|v| v.trim().to_ascii_lowercase());
    match view.kind {
        Kind::Firewall => match lower("action") {
            Some(a) => matches!(
                a.as_str(),
                "allow" | "allowed" | "accept" | "pass" | "permit"
            ),
            None => true,
        },
        Kind::Http => {
            let denied = |f: &str| lower(f).is_some_and(|v| v.contains("denied"));
            !(denied("sc-filter-result") || denied("s-action") || denied("result_code"))
        }
        Kind::Conn => view
            .get("conn_state")
            .is_none_or(|s| ESTABLISHED.contains(&s.trim())),
        _ => false,
    }
}

impl StatefulAnalytic for OutboundPolicy {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        if !matches!(view.kind, Kind::Firewall | Kind::Http | Kind::Conn) {
            return;
        }
        self.latest = self.latest.max(view.micros());
        let Some(flow) = &view.flow else { return };
        if flow.internal || flow.service.as_ref().is_some_and(|s| s.sanctioned) {
            return;
        }
        let Some(why) = self.forbidden(flow) else {
            return;
        };
        if !allowed(view) {
            return;
        }
        let bytes = flow.bytes_out.unwrap_or(0);
        let bytes_known = flow.bytes_out.is_some();
        let src = flow
            .src_ip
            .map(|ip| ip.to_string())
            .or_else(|| view.host.as_deref().map(str::to_string))
            .unwrap_or_default();
        let dest = flow
            .service
            .as_ref()
            .map(|s| s.id.to_string())
            .or_else(|| flow.domain.as_deref().map(str::to_string))
            .or_else(|| flow.dst_ip.map(|ip| ip.to_string()))
            .unwrap_or_default();
        let key = format!("{src}\u{1f}{dest}");
        let now = view.micros();
        if self.open.get(&key).is_some_and(|o| self.ended(o, now)) {
            self.close(&key, out);
        }
        if !self.open.contains_key(&key) && self.open.len() >= self.s.max_open {
            return;
        }
        let summary = format!(
            "{} {}{} {}",
            view.product().unwrap_or(view.ev.source.as_str()),
            flow.domain.as_deref().unwrap_or_default(),
            flow.dst_ip.map(|ip| format!(" [{ip}]")).unwrap_or_default(),
            flow.bytes_out.map(human_bytes).unwrap_or_default()
        );
        let o = self.open.entry(key).or_insert_with(|| {
            let mut f = report::finding(NAME, &self.meta, view, summary.clone());
            // The service's own technique (T1572 for a tunnel, T1102 for a
            // dead drop) says more than the analytic's default.
            if let Some(t) = flow.service.as_ref().map(|s| &s.technique) {
                if !t.is_empty() {
                    f.attack = vec![t.to_string()];
                }
            }
            f.fields.insert("forbidden_by".into(), why.to_string());
            if view.kind == Kind::Firewall {
                // A firewall names itself as the host: the source address is the entity.
                f.entity.host = flow.src_ip.map(|ip| ip.to_string());
            }
            Open {
                start: now,
                last: now,
                sessions: 0,
                by_source: Default::default(),
                bytes_out: 0,
                bytes_known: false,
                upload_endpoint: false,
                finding: f,
            }
        });
        o.sessions += 1;
        o.last = o.last.max(now);
        let per = o
            .by_source
            .entry(view.ev.source.as_str().to_string())
            .or_insert((0, 0));
        per.0 += 1;
        per.1 = per.1.saturating_add(bytes);
        o.bytes_out = o.by_source.values().map(|(_, b)| *b).max().unwrap_or(0);
        o.bytes_known |= bytes_known;
        o.upload_endpoint |= flow.service.as_ref().is_some_and(|s| s.upload_endpoint);
        let f = &mut o.finding;
        if f.entity.user.is_none() {
            f.entity.user = view.user.as_deref().map(str::to_string);
        }
        // A sensor that names the host beats an address.
        if view.kind != Kind::Firewall {
            if let Some(h) = view.host.as_deref() {
                if f.entity.host.as_deref() == Some(src.as_str()) || f.entity.host.is_none() {
                    f.entity.host = Some(h.to_string());
                }
            }
        }
        if let (Some(d), Some(dom)) = (f.destination.as_mut(), flow.domain.as_deref()) {
            d.domain.get_or_insert_with(|| dom.to_string());
        }
        // The first record is the finding's first evidence already.
        if o.sessions > 1 && f.evidence.len() < MAX_EVIDENCE {
            f.evidence.push(Evidence::of(view.ev, summary));
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        let now = now.min(self.latest);
        let due: Vec<String> = self
            .open
            .iter()
            .filter(|(_, o)| self.ended(o, now))
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            self.close(&k, out);
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        let mut keys: Vec<String> = self.open.keys().cloned().collect();
        keys.sort_by_key(|k| self.open.get(k).map(|o| o.start));
        for k in keys {
            self.close(&k, out);
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.open).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(st) = restore_state(NAME, state)? {
            self.open = st;
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.open.len()
    }
}
