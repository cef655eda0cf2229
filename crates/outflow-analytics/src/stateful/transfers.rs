//! Network records as byte transfers, for the volume analytics
//! (`large-transfer`, `upload-ratio`, `slow-and-low`): who (host, and the
//! process when a Sysmon 3 / auditd connection matches the flow) sent how
//! many bytes to where (catalogued service, else domain, else address),
//! seen by which sensor family.
//!
//! Three things happen here that every volume analytic needs:
//! * **process attribution**: Sysmon 3 carries host, image and user but no
//!   bytes; flow records (Zeek conn, firewall, proxy) carry bytes but no
//!   process. Recent connections are kept by (source, destination, port)
//!   and by (source, domain) for a short time, and a matching flow is
//!   attributed to that process and host.
//! * **late naming**: a Zeek conn record can come before the ssl/http
//!   record of the same uid (same start time). An unnamed conn flow is held
//!   until that record names it, or until event time passes its start plus
//!   the hold, when it goes on named by its address.
//! * **sensor families**: the same upload shows in Zeek, the firewall and
//!   the proxy. Each transfer says which family saw it, so an analytic sums
//!   per family and reports the largest sum instead of adding them.

use super::common::service_key;
use crate::config::AnalyticMeta;
use crate::intern::Interner;
use crate::report::{human_bytes, rule_id, set_risk};
use crate::view::{named_address, Kind, ServiceRef, View};
use crate::Ctx;
use outflow_detect::{AlertRule, Destination, Evidence, Finding, FindingEntity};
use outflow_event::{EntitySlot, Origin, SourceKind, Timestamp};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

/// Sensor families whose byte counts are summed apart (one transfer seen
/// by several of them is counted once: the largest family sum).
pub const FAMILIES: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Family {
    /// Zeek conn (both Zeek sensors: they watch different links).
    Zeek,
    /// Firewall sessions (PAN-OS TRAFFIC).
    Firewall,
    /// Web proxies (W3C/ProxySG `cs-bytes`).
    Proxy,
    /// Cloud audit records with bytes (CloudTrail S3 data events).
    Cloud,
}

impl Family {
    pub const ALL: [Family; FAMILIES] =
        [Family::Zeek, Family::Firewall, Family::Proxy, Family::Cloud];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Zeek => "zeek",
            Family::Firewall => "firewall",
            Family::Proxy => "proxy",
            Family::Cloud => "cloud",
        }
    }
}

/// Bytes per sensor family.
pub type PerFamily = [u64; FAMILIES];

/// The count that stands for the transfer: the largest family's.
pub fn counted(b: &PerFamily) -> u64 {
    b.iter().copied().max().unwrap_or(0)
}

/// `zeek=12.0 MB firewall=12.1 MB` (families that saw something).
pub fn per_family_text(b: &PerFamily) -> String {
    Family::ALL
        .iter()
        .filter(|f| b[f.index()] > 0)
        .map(|f| format!("{}={}", f.as_str(), human_bytes(b[f.index()])))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The catalogued service of a destination (what a report needs of it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub category: Arc<str>,
    pub technique: Arc<str>,
    #[serde(default)]
    pub tenant: Option<Arc<str>>,
    pub sanctioned: bool,
}

impl From<&ServiceRef> for Service {
    fn from(s: &ServiceRef) -> Self {
        Service {
            id: s.id.clone(),
            name: s.name.clone(),
            category: s.category.clone(),
            technique: s.technique.clone(),
            tenant: s.tenant.clone(),
            sanctioned: s.sanctioned,
        }
    }
}

/// The process behind a connection (from Sysmon 3 / auditd connect).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub host: Option<Arc<str>>,
    pub image: Option<Arc<str>>,
    pub user: Option<Arc<str>>,
    pub pid: Option<Arc<str>>,
    pub guid: Option<Arc<str>>,
}

/// Where a transfer went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dest {
    pub domain: Option<Arc<str>>,
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
    pub service: Option<Service>,
}

impl Dest {
    /// The key transfers are grouped by: the catalogued service and its
    /// tenant ([`service_key`], as every analytic spells it), else the
    /// domain, else the address.
    pub fn key(&self) -> Arc<str> {
        match (&self.service, &self.domain, &self.ip) {
            (Some(s), _, _) => service_key(&s.id, s.tenant.as_deref()),
            (None, Some(d), _) => d.clone(),
            (None, None, Some(ip)) => Arc::from(ip.to_string()),
            _ => Arc::from("-"),
        }
    }

    /// For people: the service and the name or address it was reached by
    /// (`MEGA (g.api.mega.co.nz)`), else that name or address.
    pub fn describe(&self) -> String {
        let label = self.label();
        match &self.service {
            Some(s) if !s.name.eq_ignore_ascii_case(&label) => format!("{} ({label})", s.name),
            _ => label,
        }
    }

    pub fn label(&self) -> String {
        match (&self.domain, &self.ip) {
            (Some(d), _) => d.to_string(),
            (None, Some(ip)) => ip.to_string(),
            _ => "-".to_string(),
        }
    }

    /// A catalogued web service the policy does not sanction, outside the
    /// ignored categories.
    pub fn is_unsanctioned_service(&self, ignore_categories: &[String]) -> bool {
        self.service
            .as_ref()
            .is_some_and(|s| !s.sanctioned && !ignore_categories.iter().any(|c| **c == *s.category))
    }

    pub fn is_sanctioned(&self) -> bool {
        self.service.as_ref().is_some_and(|s| s.sanctioned)
    }

    pub fn report(&self) -> Destination {
        Destination {
            domain: self.domain.as_deref().map(str::to_string),
            ip: self.ip.map(|ip| ip.to_string()),
            port: self.port,
            service: self.service.as_ref().map(|s| s.name.to_string()),
            category: self.service.as_ref().map(|s| s.category.to_string()),
            target: self
                .service
                .as_ref()
                .and_then(|s| s.tenant.as_deref().map(str::to_string)),
        }
    }
}

/// One record's bytes out (and in) from a host to a destination.
#[derive(Clone, Debug)]
pub struct Transfer {
    /// Event time, µs.
    pub ts: i64,
    pub family: Family,
    pub host: Arc<str>,
    /// The address the record named the host by, when the host is known
    /// by name (from the engine, or from the process the flow joined).
    pub host_ip: Option<IpAddr>,
    pub user: Option<Arc<str>>,
    /// The process, when a host connection record matched the flow.
    pub process: Option<Process>,
    pub dest: Dest,
    /// `dest.key()`, computed once for every analytic that groups by it.
    pub key: Arc<str>,
    pub bytes_out: u64,
    pub bytes_in: u64,
    /// The record it comes from (its evidence is written only when kept).
    pub record: Record,
}

/// Where a transfer's record is, and who sent it: enough to write its
/// evidence line later, when an analytic keeps it.
#[derive(Clone, Debug)]
pub struct Record {
    pub time: Option<Timestamp>,
    pub source: SourceKind,
    pub origin: Origin,
    pub src_ip: Option<IpAddr>,
}

impl Transfer {
    /// The evidence line of the record: `zeek 10.1.2.3 → mega.nz sent 12.0 MB (received 1.0 KB)`.
    pub fn evidence(&self) -> Evidence {
        let summary = format!(
            "{} {} → {} sent {} (received {})",
            self.family.as_str(),
            self.record
                .src_ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| self.host.to_string()),
            self.dest.label(),
            human_bytes(self.bytes_out),
            human_bytes(self.bytes_in),
        );
        Evidence {
            time: self.record.time,
            source: self.record.source.as_str().to_string(),
            origin: self.record.origin.clone(),
            summary,
        }
    }

    /// The entity to report: host, the flow's user, the process when known.
    pub fn entity(&self) -> FindingEntity {
        let p = self.process.clone().unwrap_or_default();
        FindingEntity {
            host: Some(self.host.to_string()),
            host_ip: self.host_ip.map(|ip| ip.to_string()),
            user: p.user.or_else(|| self.user.clone()).map(|u| u.to_string()),
            user_sid: None,
            image: p.image.map(|s| s.to_string()),
            pid: p.pid.map(|s| s.to_string()),
            process_guid: p.guid.map(|s| s.to_string()),
        }
    }
}

/// How long joins and holds last (µs of event time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinSettings {
    /// A host connection (Sysmon 3) names the process of matching flows
    /// for this long.
    pub join_ttl: i64,
    /// An unnamed Zeek conn flow waits this long for its ssl/http record.
    pub name_hold: i64,
}

/// Most remembered connections / held flows; past it the map is cleared
/// (attribution is lost for a moment, counts are not).
const MAX_JOIN: usize = 200_000;
const MAX_HELD: usize = 50_000;

/// Turns views into [`Transfer`]s (see the module documentation).
pub struct Transfers {
    ctx: Arc<Ctx>,
    settings: JoinSettings,
    by_tuple: FxHashMap<(IpAddr, IpAddr, u16), (Process, i64)>,
    by_domain: FxHashMap<(IpAddr, Arc<str>), (Process, i64)>,
    /// Unnamed Zeek conn transfers by connection uid.
    held: FxHashMap<Arc<str>, Transfer>,
    last_sweep: i64,
    last_join_sweep: i64,
    /// Images and users, one shared copy each.
    names: Interner,
}

impl Transfers {
    pub fn new(ctx: Arc<Ctx>, settings: JoinSettings) -> Transfers {
        Transfers {
            ctx,
            settings,
            by_tuple: FxHashMap::default(),
            by_domain: FxHashMap::default(),
            held: FxHashMap::default(),
            last_sweep: 0,
            last_join_sweep: 0,
            names: Interner::default(),
        }
    }

    /// The transfers `view` makes known (none, its own, or a held one it names).
    pub fn on_view(&mut self, view: &View<'_>, out: &mut Vec<Transfer>) {
        match view.kind {
            Kind::NetConn => {
                self.remember(view);
                return;
            }
            Kind::Tls | Kind::Http if !self.held.is_empty() => self.name_held(view, out),
            _ => {}
        }
        let Some(family) = family_of(view) else {
            return;
        };
        let Some(t) = self.transfer(view, family) else {
            return;
        };
        match (family, &t.dest.domain, view.get("uid")) {
            (Family::Zeek, None, Some(uid)) if self.held.len() < MAX_HELD => {
                self.held.insert(Arc::from(uid), t);
            }
            _ => out.push(t),
        }
    }

    /// Event time reached `now`: held flows past their hold go on unnamed,
    /// old connections are forgotten.
    pub fn advance(&mut self, now: i64, out: &mut Vec<Transfer>) {
        if now - self.last_sweep < 10_000_000 {
            return;
        }
        self.last_sweep = now;
        let hold = self.settings.name_hold;
        if !self.held.is_empty() {
            let due: Vec<Arc<str>> = self
                .held
                .iter()
                .filter(|(_, t)| t.ts + hold <= now)
                .map(|(k, _)| k.clone())
                .collect();
            let mut released: Vec<Transfer> =
                due.iter().filter_map(|k| self.held.remove(k)).collect();
            released.sort_by_key(|t| t.ts);
            out.extend(released);
        }
        // A lookup checks the time itself: sweeping the joins is only for
        // memory, so twice per time to live is enough.
        let ttl = self.settings.join_ttl;
        if now - self.last_join_sweep >= (ttl / 2).max(10_000_000) {
            self.last_join_sweep = now;
            self.by_tuple.retain(|_, (_, t)| *t + ttl > now);
            self.by_domain.retain(|_, (_, t)| *t + ttl > now);
        }
    }

    /// End of input: every held flow goes on.
    pub fn finish(&mut self, out: &mut Vec<Transfer>) {
        let mut released: Vec<Transfer> = self.held.drain().map(|(_, t)| t).collect();
        released.sort_by_key(|t| t.ts);
        out.extend(released);
    }

    /// Entries held (joins and unnamed flows).
    pub fn len(&self) -> usize {
        self.by_tuple.len() + self.by_domain.len() + self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn remember(&mut self, view: &View<'_>) {
        let Some(flow) = &view.flow else { return };
        let Some(src) = flow.src_ip else { return };
        let ev = view.ev;
        let arc = |s: Option<std::borrow::Cow<'_, str>>| s.map(|c| Arc::<str>::from(c.as_ref()));
        let p = Process {
            host: view.host.clone(),
            image: view.image.as_deref().map(|i| self.names.get(i)),
            user: view.user.as_deref().map(|u| self.names.get(u)),
            pid: arc(ev.entity_str(EntitySlot::Pid)),
            guid: arc(ev.entity_str(EntitySlot::ProcessGuid)),
        };
        let now = view.micros();
        if self.by_tuple.len() >= MAX_JOIN {
            self.by_tuple.clear();
        }
        if self.by_domain.len() >= MAX_JOIN {
            self.by_domain.clear();
        }
        if let (Some(dst), Some(port)) = (flow.dst_ip, flow.dst_port) {
            self.by_tuple.insert((src, dst, port), (p.clone(), now));
        }
        if let Some(d) = &flow.domain {
            self.by_domain.insert((src, d.clone()), (p, now));
        }
    }

    fn name_held(&mut self, view: &View<'_>, out: &mut Vec<Transfer>) {
        let Some(uid) = view.get("uid") else { return };
        let Some(flow) = &view.flow else { return };
        let Some(domain) = flow.domain.clone() else {
            return;
        };
        let Some(mut t) = self.held.remove(uid) else {
            return;
        };
        t.dest.service = flow.service.as_ref().map(Service::from);
        if t.process.is_none() {
            if let Some(src) = flow.src_ip {
                t.process = self.joined_domain(src, &domain, t.ts);
                if let Some(h) = t.process.as_ref().and_then(|p| p.host.clone()) {
                    t.host = h;
                }
            }
        }
        t.dest.domain = Some(domain);
        if t.dest.is_sanctioned() {
            return;
        }
        t.key = t.dest.key();
        out.push(t);
    }

    fn joined_tuple(&self, src: IpAddr, dst: IpAddr, port: u16, now: i64) -> Option<Process> {
        let (p, at) = self.by_tuple.get(&(src, dst, port))?;
        (now - at <= self.settings.join_ttl).then(|| p.clone())
    }

    fn joined_domain(&self, src: IpAddr, domain: &Arc<str>, now: i64) -> Option<Process> {
        let (p, at) = self.by_domain.get(&(src, domain.clone()))?;
        (now - at <= self.settings.join_ttl).then(|| p.clone())
    }

    fn transfer(&self, view: &View<'_>, family: Family) -> Option<Transfer> {
        let flow = view.flow.as_ref()?;
        let bytes_out = flow.bytes_out.unwrap_or(0);
        let bytes_in = flow.bytes_in.unwrap_or(0);
        if bytes_out == 0 && bytes_in == 0 {
            return None;
        }
        if flow.internal || flow.dst_ip.is_some_and(is_private) {
            return None;
        }
        let mut dest = Dest {
            domain: flow.domain.clone(),
            ip: flow.dst_ip,
            port: flow.dst_port,
            service: flow.service.as_ref().map(Service::from),
        };
        if family == Family::Cloud {
            self.cloud_dest(view, &mut dest)?;
        }
        if dest.is_sanctioned() {
            return None;
        }
        let now = view.micros();
        let process = match (flow.src_ip, flow.dst_ip, flow.dst_port, &dest.domain) {
            (Some(s), Some(d), Some(p), _) if family != Family::Proxy => {
                self.joined_tuple(s, d, p, now).or_else(|| {
                    dest.domain
                        .as_ref()
                        .and_then(|dom| self.joined_domain(s, dom, now))
                })
            }
            (Some(s), _, _, Some(dom)) => self.joined_domain(s, dom, now),
            _ => None,
        };
        let host = process
            .as_ref()
            .and_then(|p| p.host.clone())
            .or_else(|| view.host.clone())?;
        let host_ip = named_address(view.addressed, &host);
        Some(Transfer {
            ts: now,
            family,
            host,
            host_ip,
            user: view.user.as_deref().map(Arc::from),
            process,
            key: dest.key(),
            dest,
            bytes_out,
            bytes_in,
            record: Record {
                time: view.ev.ts,
                source: view.ev.source,
                origin: view.ev.origin.clone(),
                src_ip: flow.src_ip,
            },
        })
    }

    /// A CloudTrail S3 data event's destination: the request's host (or
    /// the bucket's virtual host), looked up in the catalog so the bucket
    /// is the tenant and the policy's buckets are sanctioned.
    fn cloud_dest(&self, view: &View<'_>, dest: &mut Dest) -> Option<()> {
        let host = match view.get("requestParameters.Host") {
            Some(h) if !h.is_empty() => h.to_ascii_lowercase(),
            _ => {
                let bucket = view.get("requestParameters.bucketName")?;
                format!("{}.s3.amazonaws.com", bucket.to_ascii_lowercase())
            }
        };
        dest.service = self.ctx.service_ref(&host, None).map(|s| Service::from(&s));
        dest.domain = Some(Arc::from(host));
        Some(())
    }
}

/// A volume analytic's finding about `entity` sending to `dest`, at `ts`
/// (µs): rule, tags (the service's T1567 sub-technique when it has one),
/// risk and destination; the caller adds bytes, fields and evidence.
pub fn finding(
    name: &str,
    meta: &AnalyticMeta,
    ts: i64,
    entity: FindingEntity,
    dest: &Dest,
    risk: u8,
) -> Finding {
    let rule = AlertRule {
        id: rule_id(name),
        title: meta.title.clone(),
        level: String::new(),
        source: "analytic".to_string(),
    };
    let attack = match &dest.service {
        Some(s) if s.technique.starts_with("T1567") => vec![s.technique.to_string()],
        _ => meta.attack.clone(),
    };
    let d = dest.report();
    let mut f = Finding {
        attack,
        d3fend: meta.d3fend.clone(),
        entity,
        destination: (!d.is_empty()).then_some(d),
        ..Finding::new(rule, Some(Timestamp(ts.saturating_mul(1_000))))
    };
    set_risk(&mut f, risk);
    f
}

/// Date (`2026-11-16`) of a day number (days since the epoch).
pub fn day_text(day: i64) -> String {
    let (y, m, d) = outflow_event::time::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Time (µs) as RFC 3339 UTC, to the second.
pub fn time_text(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let day = secs.div_euclid(86_400);
    let s = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        day_text(day),
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// Microseconds in a day.
pub const DAY: i64 = 86_400 * 1_000_000;

/// The sensor family of a record that counts bytes, if it is one.
fn family_of(view: &View<'_>) -> Option<Family> {
    match view.kind {
        Kind::Conn => Some(Family::Zeek),
        Kind::Firewall => Some(Family::Firewall),
        // Zeek http repeats what its conn record counts.
        Kind::Http if view.product() != Some("zeek") => Some(Family::Proxy),
        Kind::Saas if view.ev.source == SourceKind::CloudTrail => Some(Family::Cloud),
        _ => None,
    }
}

/// Addresses that are never an Internet web service, whatever the policy
/// says (private, loopback, link-local, carrier-grade NAT, multicast).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_not_destinations() {
        for ip in [
            "10.1.2.3",
            "192.168.0.1",
            "100.64.0.1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["74.120.8.13", "2606:4700::1", "100.128.0.1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn dates_and_times_are_utc() {
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(time_text(1_794_841_926_345_870), "2026-11-16T15:12:06Z");
        assert_eq!(day_text(-1), "1969-12-31");
    }

    #[test]
    fn a_service_and_tenant_key_is_spelt_as_every_analytic_spells_it() {
        let service = ServiceRef {
            id: Arc::from("azure_blob"),
            name: Arc::from("Azure Blob Storage"),
            category: Arc::from("cloud_storage"),
            technique: Arc::from("T1567.002"),
            upload_endpoint: true,
            tenant: Some(Arc::from("StgAcct")),
            sanctioned: false,
        };
        let flow = crate::view::Flow {
            domain: Some(Arc::from("stgacct.blob.core.windows.net")),
            service: Some(service.clone()),
            ..Default::default()
        };
        let dest = Dest {
            domain: flow.domain.clone(),
            service: Some(Service::from(&service)),
            ..Dest::default()
        };
        assert_eq!(&*dest.key(), "azure_blob:stgacct");
        assert_eq!(
            Some(dest.key()),
            super::super::common::destination_key(&flow)
        );
        let by_ip = Dest {
            ip: "203.0.113.9".parse().ok(),
            ..Dest::default()
        };
        assert_eq!(&*by_ip.key(), "203.0.113.9");
    }

    #[test]
    fn the_largest_family_stands_for_the_transfer() {
        assert_eq!(counted(&[10, 12, 0, 0]), 12);
        assert_eq!(per_family_text(&[0, 2_000_000, 0, 0]), "firewall=2.0 MB");
    }
}
