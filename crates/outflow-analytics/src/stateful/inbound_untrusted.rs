//! `inbound-untrusted`: sessions from untrusted (outside) networks that
//! reach internal hosts — Zeek connections from an outside originator to an
//! internal responder that got past the handshake, PAN-OS sessions allowed
//! from an untrusted zone into a trusted one — other than to the
//! organisation's published services. A session from a tunnel or relay
//! provider's address, or to a host that started a tunnel client or talked
//! to a tunnel service shortly before, is riskier: the host is reachable
//! from outside around the perimeter.

use super::support::internal_ip;
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report;
use crate::stateful::common::restore_state;
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use ipnet::IpNet;
use outflow_detect::{Destination, Finding};
use outflow_intel::{Intel, Policy, ToolCategory};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

pub const NAME: &str = "inbound-untrusted";

const MICROS: i64 = 1_000_000;
/// Zeek connection states past the handshake.
const ESTABLISHED: &[&str] = &["SF", "S1", "S2", "S3", "RSTO", "RSTR"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: Option<u8>,
    /// Firewall zones outside the organisation.
    untrusted_zones: Vec<String>,
    /// Firewall zones of internal hosts (a DMZ of published servers is
    /// normally left out).
    trusted_zones: Vec<String>,
    /// Published services reachable from outside: `ADDRESS[/PREFIX][:PORT]`
    /// (`10.20.0.10:443`, `10.20.5.0/24`, `[2001:db8::5]:25`).
    #[serde(default)]
    exposed_services: Vec<String>,
    /// Firewall rules that publish servers (their sessions are expected).
    #[serde(default)]
    exposed_rules: Vec<String>,
    /// Address ranges of tunnel and relay providers (CIDRs).
    #[serde(default)]
    tunnel_networks: Vec<String>,
    /// Seconds after a tunnel client starts or a host reaches a tunnel
    /// service during which inbound sessions to it count as through the tunnel.
    tunnel_window: u64,
    /// Risk of a session through a tunnel or relay.
    tunnel_risk: u8,
    /// Seconds during which the same source, host and port raise one alert.
    window: u64,
    max_state: usize,
}

/// A published service: a network and maybe one port.
struct Exposed {
    net: IpNet,
    port: Option<u16>,
}

/// Tunnel activity of an internal host.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Tunnel {
    time: i64,
    what: String,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// Internal address or host name → its last tunnel activity.
    tunnels: FxHashMap<String, Tunnel>,
    /// Outside addresses seen serving a tunnel service → (time, service).
    tunnel_remotes: FxHashMap<IpAddr, Tunnel>,
    /// Internal address → host name (from endpoint network events).
    host_of: FxHashMap<IpAddr, String>,
    /// "src|dst|port" → when its alert was raised.
    alerted: FxHashMap<String, i64>,
}

pub struct InboundUntrusted {
    meta: AnalyticMeta,
    s: Settings,
    policy: Arc<Policy>,
    intel: Arc<Intel>,
    exposed: Vec<Exposed>,
    tunnel_nets: Vec<IpNet>,
    st: State,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(InboundUntrusted::new(ctx)?))
}

fn bad(message: String) -> ConfigError {
    ConfigError::Section {
        file: String::new(),
        analytic: NAME.into(),
        message,
    }
}

/// `10.0.0.5`, `10.0.0.0/24`, `10.0.0.5:443`, `10.0.0.0/24:443`, `[2001:db8::5]:25`, `2001:db8::/32`.
fn parse_exposed(s: &str) -> Option<Exposed> {
    let s = s.trim();
    let net = |a: &str| {
        a.parse::<IpNet>()
            .ok()
            .or_else(|| a.parse::<IpAddr>().ok().map(IpNet::from))
    };
    if let Some(rest) = s.strip_prefix('[') {
        let (addr, tail) = rest.split_once(']')?;
        let port = match tail.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if tail.is_empty() => None,
            None => return None,
        };
        return Some(Exposed {
            net: net(addr)?,
            port,
        });
    }
    if let Some(n) = net(s) {
        return Some(Exposed { net: n, port: None });
    }
    let (addr, port) = s.rsplit_once(':')?;
    Some(Exposed {
        net: net(addr)?,
        port: Some(port.parse().ok()?),
    })
}

impl InboundUntrusted {
    pub fn new(ctx: &Arc<Ctx>) -> Result<InboundUntrusted, ConfigError> {
        let s: Settings = ctx.config.section(NAME)?;
        let mut exposed = Vec::new();
        for (i, e) in s.exposed_services.iter().enumerate() {
            exposed.push(parse_exposed(e).ok_or_else(|| {
                bad(format!(
                    "exposed_services[{i}]: `{e}` is not ADDRESS[/PREFIX][:PORT]"
                ))
            })?);
        }
        let mut tunnel_nets = Vec::new();
        for (i, n) in s.tunnel_networks.iter().enumerate() {
            let net = n
                .trim()
                .parse::<IpNet>()
                .ok()
                .or_else(|| n.trim().parse::<IpAddr>().ok().map(IpNet::from))
                .ok_or_else(|| bad(format!("tunnel_networks[{i}]: `{n}` is not a CIDR")))?;
            tunnel_nets.push(net);
        }
        Ok(InboundUntrusted {
            meta: ctx.config.meta(NAME)?,
            s,
            policy: ctx.policy.clone(),
            intel: ctx.intel.clone(),
            exposed,
            tunnel_nets,
            st: State::default(),
        })
    }

    fn in_zones(zones: &[String], zone: Option<&str>) -> bool {
        zone.is_some_and(|z| zones.iter().any(|x| x.eq_ignore_ascii_case(z.trim())))
    }

    fn is_exposed(&self, ip: IpAddr, port: Option<u16>) -> bool {
        self.exposed
            .iter()
            .any(|e| e.net.contains(&ip) && (e.port.is_none() || e.port == port))
    }

    /// Learns what later tells an inbound session came through a tunnel.
    fn learn(&mut self, view: &View<'_>) {
        let now = view.micros();
        match view.kind {
            Kind::ProcessStart => {
                let ofn = view.get("OriginalFileName");
                let desc = view.get("Description");
                let m = self.intel.tools.identify(view.image.as_deref(), ofn, desc);
                if let (Some(m), Some(host)) = (m, view.host.as_deref()) {
                    if m.tool.category == ToolCategory::Tunnel {
                        let what = format!("tunnel client {} started", m.tool.name);
                        self.note_tunnel(host.to_ascii_lowercase(), now, what);
                    }
                }
            }
            Kind::NetConn => {
                if let (Some(f), Some(h)) = (&view.flow, view.host.as_deref()) {
                    if let Some(ip) = f.src_ip {
                        if internal_ip(&self.policy, ip)
                            && (self.st.host_of.contains_key(&ip)
                                || self.st.host_of.len() < self.s.max_state)
                        {
                            self.st.host_of.insert(ip, h.to_ascii_lowercase());
                        }
                    }
                }
            }
            _ => {}
        }
        // A host reaching a tunnel or relay service.
        let Some(f) = &view.flow else { return };
        let Some(svc) = &f.service else { return };
        if &*svc.category != "tunnel_relay" {
            return;
        }
        let what = format!("connected to tunnel service {}", svc.name);
        if let Some(src) = f.src_ip.filter(|ip| internal_ip(&self.policy, *ip)) {
            self.note_tunnel(src.to_string(), now, what.clone());
        }
        if let Some(dst) = f.dst_ip.filter(|ip| !internal_ip(&self.policy, *ip)) {
            if self.st.tunnel_remotes.contains_key(&dst)
                || self.st.tunnel_remotes.len() < self.s.max_state
            {
                self.st.tunnel_remotes.insert(
                    dst,
                    Tunnel {
                        time: now,
                        what: format!("address of tunnel service {}", svc.name),
                    },
                );
            }
        }
    }

    fn note_tunnel(&mut self, key: String, now: i64, what: String) {
        if self.st.tunnels.contains_key(&key) || self.st.tunnels.len() < self.s.max_state {
            self.st.tunnels.insert(key, Tunnel { time: now, what });
        }
    }

    /// Why the session looks like it came through a tunnel or relay.
    fn via_tunnel(&self, src: IpAddr, dst: IpAddr, now: i64) -> Option<String> {
        if let Some(n) = self.tunnel_nets.iter().find(|n| n.contains(&src)) {
            return Some(format!("source in tunnel provider range {n}"));
        }
        let recent =
            |t: &Tunnel| now >= t.time && now - t.time <= self.s.tunnel_window as i64 * MICROS;
        if let Some(t) = self.st.tunnel_remotes.get(&src).filter(|t| recent(t)) {
            return Some(format!("source is the {}", t.what));
        }
        let by_ip = self.st.tunnels.get(&dst.to_string());
        let by_name = self
            .st
            .host_of
            .get(&dst)
            .and_then(|h| self.st.tunnels.get(h));
        by_ip
            .into_iter()
            .chain(by_name)
            .filter(|t| recent(t))
            .max_by_key(|t| t.time)
            .map(|t| format!("the host {} shortly before", t.what))
    }

    /// The inbound session's (source, internal destination, port), when the
    /// record is one that crossed from an untrusted network into the organisation.
    fn inbound(&self, view: &View<'_>) -> Option<(IpAddr, IpAddr, Option<u16>)> {
        let f = view.flow.as_ref()?;
        let (src, dst) = (f.src_ip?, f.dst_ip?);
        match view.kind {
            Kind::Conn => {
                if !view
                    .get("conn_state")
                    .is_some_and(|s| ESTABLISHED.contains(&s.trim()))
                {
                    return None;
                }
                let flag = |name: &str| view.text(name).map(|v| v.eq_ignore_ascii_case("true"));
                let outside = !internal_ip(&self.policy, src) && flag("local_orig") != Some(true);
                let inside = internal_ip(&self.policy, dst) || flag("local_resp") == Some(true);
                (outside && inside).then_some((src, dst, f.dst_port))
            }
            Kind::Firewall => {
                let action = view.get("action").map(|a| a.trim().to_ascii_lowercase());
                if !matches!(
                    action.as_deref(),
                    Some("allow" | "accept" | "allowed" | "permit")
                ) {
                    return None;
                }
                let from = view.get("from_zone");
                let to = view.get("to_zone");
                let crossed = if from.is_some() && to.is_some() {
                    Self::in_zones(&self.s.untrusted_zones, from)
                        && Self::in_zones(&self.s.trusted_zones, to)
                } else {
                    !internal_ip(&self.policy, src) && internal_ip(&self.policy, dst)
                };
                if !crossed {
                    return None;
                }
                // Behind destination NAT the internal address is the translated one.
                let inner = view
                    .get("nat_dst_ip")
                    .and_then(|s| s.trim().parse::<IpAddr>().ok())
                    .filter(|ip| !ip.is_unspecified())
                    .unwrap_or(dst);
                let port = view
                    .get("nat_dst_port")
                    .and_then(|p| p.trim().parse().ok())
                    .filter(|p| *p != 0)
                    .or(f.dst_port);
                Some((src, inner, port))
            }
            _ => None,
        }
    }
}

impl StatefulAnalytic for InboundUntrusted {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        self.learn(view);
        let Some((src, dst, port)) = self.inbound(view) else {
            return;
        };
        let outer_dst = view.flow.as_ref().and_then(|f| f.dst_ip);
        if self.is_exposed(dst, port) || outer_dst.is_some_and(|d| self.is_exposed(d, port)) {
            return;
        }
        if view.get("rule").is_some_and(|r| {
            self.s
                .exposed_rules
                .iter()
                .any(|x| x.eq_ignore_ascii_case(r.trim()))
        }) {
            return;
        }
        let now = view.micros();
        let key = format!("{src}|{dst}|{}", port.unwrap_or(0));
        if let Some(t) = self.st.alerted.get(&key) {
            if now - t <= self.s.window as i64 * MICROS {
                return;
            }
        }
        if !self.st.alerted.contains_key(&key) && self.st.alerted.len() >= self.s.max_state {
            return;
        }
        self.st.alerted.insert(key, now);
        let tunnel = self.via_tunnel(src, dst, now);
        let host = self.st.host_of.get(&dst).cloned();
        let summary = format!(
            "inbound session from untrusted {src} to internal {}{}{}",
            host.as_deref()
                .map(|h| format!("{h} ({dst})"))
                .unwrap_or_else(|| dst.to_string()),
            port.map(|p| format!(" port {p}")).unwrap_or_default(),
            tunnel
                .as_deref()
                .map(|t| format!(" — {t}"))
                .unwrap_or_default()
        );
        let mut f = report::finding(NAME, &self.meta, view, summary);
        f.entity.host = Some(host.unwrap_or_else(|| dst.to_string()));
        f.destination = Some(Destination {
            ip: Some(dst.to_string()),
            port,
            ..Destination::default()
        });
        f.bytes_out = view.flow.as_ref().and_then(|f| f.bytes_in);
        f.fields.insert("source_ip".into(), src.to_string());
        f.fields.insert("internal_ip".into(), dst.to_string());
        if let Some(z) = view.get("from_zone") {
            f.fields.insert("from_zone".into(), z.to_string());
        }
        if let Some(z) = view.get("to_zone") {
            f.fields.insert("to_zone".into(), z.to_string());
        }
        if let Some(r) = view.get("rule") {
            f.fields.insert("firewall_rule".into(), r.to_string());
        }
        if let Some(t) = tunnel {
            f.fields.insert("via_tunnel".into(), t);
            f.attack.push("T1572".into());
            report::set_risk(&mut f, self.s.tunnel_risk);
        }
        out.push(f);
    }

    fn advance(&mut self, now: i64, _out: &mut Vec<Finding>) {
        let w = self.s.window as i64 * MICROS;
        // Tunnel activity is kept a day at least: records of other sources
        // (endpoint logs, sensors) may arrive well behind the watermark.
        let keep = (self.s.tunnel_window as i64 * MICROS).max(86_400 * MICROS);
        self.st.alerted.retain(|_, t| now - *t <= w);
        self.st.tunnels.retain(|_, t| now - t.time <= keep);
        self.st.tunnel_remotes.retain(|_, t| now - t.time <= keep);
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.st).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(st) = restore_state(NAME, state)? {
            self.st = st;
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.st.tunnels.len()
            + self.st.tunnel_remotes.len()
            + self.st.host_of.len()
            + self.st.alerted.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposed_service_forms() {
        let e = parse_exposed("10.20.0.10:443").unwrap();
        assert!(e.net.contains(&"10.20.0.10".parse::<IpAddr>().unwrap()) && e.port == Some(443));
        let e = parse_exposed("10.20.5.0/24").unwrap();
        assert!(e.net.contains(&"10.20.5.9".parse::<IpAddr>().unwrap()) && e.port.is_none());
        assert_eq!(parse_exposed("[2001:db8::5]:25").unwrap().port, Some(25));
        assert!(parse_exposed("2001:db8::/32").unwrap().port.is_none());
        assert!(parse_exposed("10.20.0.0/24:8443").unwrap().port == Some(8443));
        assert!(parse_exposed("web.example:443").is_none());
    }
}
