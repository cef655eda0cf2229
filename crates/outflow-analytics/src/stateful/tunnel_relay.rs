//! Relay Pattern Analysis (D3FEND D3-RPA) and Remote Terminal Session
//! Detection (D3-RTSD): a host that runs a tunnel client (ngrok,
//! cloudflared, devtunnel, `code tunnel`) or talks to a tunnel or relay
//! service (catalog category `tunnel_relay`) exposes itself to the outside;
//! long sessions that carry data make it worse. Apart from tunnels, a long
//! session of many small packets both ways to an external web destination
//! looks like an interactive terminal session relayed over the web.
//!
//! Signals of one host (tunnel) or one host and destination (interactive
//! session) within `hold` seconds make one alert; later ones within
//! `cooldown` are absorbed.

use super::common::{bound, is_private, micros, pairs, restore_state, sensor, SWEEP_EVERY};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use outflow_intel::Intel;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub const ID: &str = "tunnel-relay";

const MAX_EVIDENCE: usize = 8;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the meta keys are read through `AnalyticMeta`
struct Settings {
    risk: Option<u8>,
    /// Web-service catalog categories of tunnel and relay services.
    service_categories: Vec<String>,
    /// Tool catalog categories of tunnel clients.
    tool_categories: Vec<String>,
    /// Seconds a host's signals collect before the alert.
    hold: u64,
    /// Seconds after an alert during which the same host (and destination)
    /// raises no other.
    cooldown: u64,
    /// A session at least this long (seconds) is long-lived.
    long_session: u64,
    /// Bytes out that make a tunnel session carry data (risk + 1).
    session_min_bytes: u64,
    /// Interactive: at most this many bytes per packet on average, each way ...
    interactive_max_avg_packet: u64,
    /// ... over at least this many packets each way.
    interactive_min_packets: u64,
    /// Categories whose long sessions are normal (video calls).
    exempt_categories: Vec<String>,
    /// Bytes out above which the risk is raised by one more.
    high_bytes_out: u64,
    max_entries: usize,
}

/// Signals of one host (and destination) being collected.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Incident {
    first: i64,
    tools: BTreeSet<String>,
    services: BTreeSet<String>,
    /// Longest session seen (seconds).
    longest: f64,
    /// Bytes out per sensor family.
    bytes: BTreeMap<String, u64>,
    interactive: bool,
    finding: Finding,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// (host, destination or `tunnel`) → incident.
    #[serde(with = "pairs")]
    open: FxHashMap<(Arc<str>, Arc<str>), Incident>,
    /// (host, destination or `tunnel`) → when it was reported.
    #[serde(with = "pairs")]
    reported: FxHashMap<(Arc<str>, Arc<str>), i64>,
}

pub struct TunnelRelay {
    meta: AnalyticMeta,
    settings: Settings,
    intel: Arc<Intel>,
    state: State,
    last_sweep: i64,
    /// The key all tunnel signals of a host share.
    tunnel_key: Arc<str>,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(TunnelRelay::new(ctx)?))
}

/// What one record adds to an incident.
struct Signal {
    tool: Option<String>,
    service: Option<String>,
    duration: f64,
    bytes_out: u64,
    interactive: bool,
    summary: String,
}

impl TunnelRelay {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        Ok(TunnelRelay {
            meta: ctx.config.meta(ID)?,
            settings: ctx.config.section(ID)?,
            intel: ctx.intel.clone(),
            tunnel_key: Arc::from("tunnel"),
            state: State::default(),
            last_sweep: i64::MIN,
        })
    }

    /// A tunnel client starting (with the arguments that make it a tunnel
    /// when the catalog names them).
    fn tool_start(&self, view: &View<'_>) -> Option<Signal> {
        let image = view.image.as_deref();
        let m = self.intel.tools.identify(
            image,
            view.get("OriginalFileName"),
            view.get("Description"),
        )?;
        let t = m.tool;
        if !self
            .settings
            .tool_categories
            .iter()
            .any(|c| c == t.category.as_str())
        {
            return None;
        }
        let cmd = view.text("CommandLine").unwrap_or_default();
        let lower = format!(" {} ", cmd.to_ascii_lowercase());
        if !t.upload_markers.is_empty()
            && !t
                .upload_markers
                .iter()
                .any(|mk| lower.contains(&mk.to_ascii_lowercase()))
        {
            return None;
        }
        let renamed = if m.renamed { " (renamed)" } else { "" };
        Some(Signal {
            tool: Some(t.name.clone()),
            service: None,
            duration: 0.0,
            bytes_out: 0,
            interactive: false,
            summary: format!("{} started{renamed}: {cmd}", t.name),
        })
    }

    /// A network record to a tunnel service, or an interactive long session.
    fn flow_signal(&self, view: &View<'_>) -> Option<(Signal, bool)> {
        let f = view.flow.as_ref()?;
        if f.internal || f.dst_ip.is_some_and(is_private) {
            return None;
        }
        if f.service.as_ref().is_some_and(|s| s.sanctioned) {
            return None;
        }
        let target = || {
            f.domain
                .as_deref()
                .map(str::to_string)
                .or_else(|| f.dst_ip.map(|i| i.to_string()))
                .unwrap_or_default()
        };
        let duration = session_seconds(view);
        let bytes_out = f.bytes_out.unwrap_or(0);
        let tunnel = f.service.as_ref().filter(|s| {
            self.settings
                .service_categories
                .iter()
                .any(|c| c.as_str() == &*s.category)
        });
        if let Some(s) = tunnel {
            let what = match view.kind {
                Kind::Dns => "name lookup of".to_string(),
                _ if duration > 0.0 => format!(
                    "{} session sending {} to",
                    hours(duration),
                    human_bytes(bytes_out)
                ),
                _ => "connection to".to_string(),
            };
            return Some((
                Signal {
                    tool: None,
                    service: Some(s.name.to_string()),
                    duration,
                    bytes_out,
                    interactive: false,
                    summary: format!("{what} {} ({})", target(), s.name),
                },
                true,
            ));
        }
        if duration < self.settings.long_session as f64 || view.kind == Kind::Dns {
            return None;
        }
        if f.service.as_ref().is_some_and(|s| {
            self.settings
                .exempt_categories
                .iter()
                .any(|c| c.as_str() == &*s.category)
        }) {
            return None;
        }
        let (out_pkts, in_pkts) = packets(view)?;
        let s = &self.settings;
        let bytes_in = f.bytes_in.unwrap_or(0);
        let small = |bytes: u64, pkts: u64| {
            pkts >= s.interactive_min_packets && bytes / pkts.max(1) <= s.interactive_max_avg_packet
        };
        if !(small(bytes_out, out_pkts) && small(bytes_in, in_pkts)) {
            return None;
        }
        Some((
            Signal {
                tool: None,
                service: f.service.as_ref().map(|s| s.name.to_string()),
                duration,
                bytes_out,
                interactive: true,
                summary: format!(
                    "{} interactive session to {}: {out_pkts} packets out, {in_pkts} in, {} B per packet out",
                    hours(duration),
                    target(),
                    bytes_out / out_pkts.max(1)
                ),
            },
            false,
        ))
    }

    fn add(&mut self, view: &View<'_>, key: (Arc<str>, Arc<str>), sig: Signal) {
        let now = view.micros();
        if self
            .state
            .reported
            .get(&key)
            .is_some_and(|t| now.saturating_sub(*t) < micros(self.settings.cooldown))
        {
            return;
        }
        if !self.state.open.contains_key(&key) {
            let f = report::finding(ID, &self.meta, view, sig.summary.clone());
            bound(&mut self.state.open, self.settings.max_entries, |i| i.first);
            self.state.open.insert(
                key.clone(),
                Incident {
                    first: now,
                    tools: BTreeSet::new(),
                    services: BTreeSet::new(),
                    longest: 0.0,
                    bytes: BTreeMap::new(),
                    interactive: false,
                    finding: f,
                },
            );
        } else if let Some(i) = self.state.open.get_mut(&key) {
            if i.finding.evidence.len() < MAX_EVIDENCE {
                i.finding
                    .evidence
                    .push(Evidence::of(view.ev, sig.summary.clone()));
            }
        }
        let Some(i) = self.state.open.get_mut(&key) else {
            return;
        };
        i.tools.extend(sig.tool);
        i.services.extend(sig.service);
        i.longest = i.longest.max(sig.duration);
        i.interactive |= sig.interactive;
        if sig.bytes_out > 0 {
            let b = i.bytes.entry(sensor(view).to_string()).or_default();
            *b = b.saturating_add(sig.bytes_out);
        }
        // The network record names the destination better than a process start.
        if i.finding.destination.is_none() && view.flow.is_some() {
            i.finding.destination = view.flow.as_ref().map(report::destination);
        }
        if i.finding.entity.image.is_none() {
            i.finding.entity.image = view.image.as_deref().map(str::to_string);
        }
    }

    fn close(&mut self, now: i64, out: &mut Vec<Finding>) {
        let hold = micros(self.settings.hold);
        let due: Vec<_> = self
            .state
            .open
            .iter()
            .filter(|(_, i)| i.first.saturating_add(hold) <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            if let Some(i) = self.state.open.remove(&key) {
                bound(&mut self.state.reported, self.settings.max_entries, |t| *t);
                self.state.reported.insert(key.clone(), i.first);
                out.push(self.report(&key.0, i));
            }
        }
        if now < i64::MAX {
            let cut = now.saturating_sub(micros(self.settings.cooldown));
            self.state.reported.retain(|_, t| *t >= cut);
        }
    }

    fn report(&self, host: &str, i: Incident) -> Finding {
        let s = &self.settings;
        let volume = i.bytes.values().copied().max().unwrap_or(0);
        let mut f = i.finding;
        let mut parts = Vec::new();
        if !i.tools.is_empty() {
            parts.push(format!("ran {}", join(&i.tools)));
        }
        if !i.services.is_empty() && !i.interactive {
            parts.push(format!("connected to {}", join(&i.services)));
        }
        if i.interactive {
            parts.push("held an interactive session (many small packets both ways)".to_string());
        }
        if i.longest > 0.0 {
            parts.push(format!("longest session {}", hours(i.longest)));
        }
        if volume > 0 {
            parts.push(format!("{} out", human_bytes(volume)));
            f.bytes_out = Some(volume);
        }
        let head = format!("{host} {}", parts.join(", "));
        if let Some(first) = f.evidence.first().cloned() {
            f.evidence.insert(
                0,
                Evidence {
                    summary: head,
                    ..first
                },
            );
        }
        f.fields.insert(
            "pattern".into(),
            if i.interactive {
                "interactive_session"
            } else {
                "tunnel"
            }
            .into(),
        );
        if !i.tools.is_empty() {
            f.fields.insert("tunnel_tools".into(), join(&i.tools));
        }
        if !i.services.is_empty() {
            f.fields.insert("relay_services".into(), join(&i.services));
        }
        if i.longest > 0.0 {
            f.fields.insert(
                "longest_session_seconds".into(),
                format!("{:.0}", i.longest),
            );
        }
        // The tunnel itself is T1572; data leaving through it is exfiltration.
        f.attack = if i.interactive {
            self.meta.attack.clone()
        } else {
            vec!["T1572".to_string()]
        };
        let mut risk = self.meta.risk;
        if !i.tools.is_empty() && !i.services.is_empty() {
            risk = risk.saturating_add(1);
        }
        if i.longest >= s.long_session as f64 && volume >= s.session_min_bytes {
            risk = risk.saturating_add(1);
        }
        if volume >= s.high_bytes_out {
            risk = risk.saturating_add(1);
        }
        if i.tools.is_empty() && i.services.is_empty() {
            risk = risk.saturating_sub(1);
        }
        report::set_risk(&mut f, risk.min(10));
        f
    }
}

/// A session's length in seconds: Zeek conn `duration`, PAN-OS `elapsed`,
/// proxy `time-taken` (milliseconds); 0 when the record has none.
fn session_seconds(view: &View<'_>) -> f64 {
    let num = |k: &str| view.text(k).and_then(|v| v.trim().parse::<f64>().ok());
    match view.kind {
        Kind::Conn => num("duration"),
        Kind::Firewall => num("elapsed"),
        Kind::Http => num("time-taken").map(|ms| ms / 1000.0),
        _ => None,
    }
    .filter(|d| d.is_finite() && *d > 0.0)
    .unwrap_or(0.0)
}

/// Packets (out, in): Zeek conn `orig_pkts`/`resp_pkts`, PAN-OS
/// `pkts_sent`/`pkts_received`.
fn packets(view: &View<'_>) -> Option<(u64, u64)> {
    let num = |k: &str| view.text(k).and_then(|v| v.trim().parse::<u64>().ok());
    match view.kind {
        Kind::Conn => Some((num("orig_pkts")?, num("resp_pkts")?)),
        Kind::Firewall => Some((num("pkts_sent")?, num("pkts_received")?)),
        _ => None,
    }
}

fn hours(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

impl StatefulAnalytic for TunnelRelay {
    fn name(&self) -> &str {
        ID
    }

    fn on_event(&mut self, view: &View<'_>, _out: &mut Vec<Finding>) {
        let Some(host) = view.host.clone() else {
            return;
        };
        let tunnel = self.tunnel_key.clone();
        if view.kind == Kind::ProcessStart {
            if let Some(sig) = self.tool_start(view) {
                self.add(view, (host, tunnel), sig);
            }
            return;
        }
        if let Some((sig, is_tunnel)) = self.flow_signal(view) {
            let key = if is_tunnel {
                tunnel
            } else {
                match view.destination_key().cloned() {
                    Some(d) => d,
                    None => Arc::from(
                        view.flow
                            .as_ref()
                            .and_then(|f| f.dst_ip)
                            .map(|i| i.to_string())
                            .unwrap_or_default(),
                    ),
                }
            };
            self.add(view, (host, key), sig);
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        if now.saturating_sub(self.last_sweep) < SWEEP_EVERY {
            return;
        }
        self.last_sweep = now;
        self.close(now, out);
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.close(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.state).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(s) = restore_state(ID, state)? {
            self.state = s;
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.state.open.len() + self.state.reported.len()
    }
}
