//! What an analytic sees of an event: its kind (process start, file write,
//! flow, DNS answer, SaaS record, message), the entity it belongs to, and
//! for network records one [`Flow`] with the destination named and
//! looked up in the web-service catalog. Built once per event by the
//! engine, so every analytic shares the work.

use crate::stateful::common::destination_key;
use crate::stateful::novelty::{dest_key, flow_rec, host_key, FlowRec};
use outflow_event::{EntitySlot, Event, SourceKind};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::net::IpAddr;
use std::sync::Arc;

/// `addressed` (the address a record named its host by) when `host` is
/// a name for it, not the address itself: what alerts report as `host_ip`.
pub fn named_address(addressed: Option<IpAddr>, host: &str) -> Option<IpAddr> {
    let ip = addressed?;
    (host.parse::<IpAddr>().ok() != Some(ip)).then_some(ip)
}

/// What kind of record an event is, as far as the analytics care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A process started (Sysmon 1, Security 4688, auditd EXECVE).
    ProcessStart,
    /// A PowerShell script block (4104).
    PsScript,
    /// A file was created or written (Sysmon 11, auditd PATH CREATE).
    FileWrite,
    /// A process's network connection (Sysmon 3, auditd connect).
    NetConn,
    /// A DNS query or answer (Sysmon 22, Zeek dns, DNS-Client).
    Dns,
    /// A web request (proxy logs, Zeek http).
    Http,
    /// A flow record (Zeek conn).
    Conn,
    /// A TLS handshake (Zeek ssl).
    Tls,
    /// A firewall session (PAN-OS TRAFFIC).
    Firewall,
    /// A SaaS or cloud audit record (M365, Google Workspace, CloudTrail, GitHub).
    Saas,
    /// An email (Proofpoint, message trace).
    Email,
    /// A DHCP record: which host holds which address (Zeek's dhcp.log
    /// says it; the Windows DHCP server's events are not read for it).
    Dhcp,
    /// Anything else (Zeek files, other channels).
    Other,
}

/// The catalogued service a destination belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRef {
    pub id: Arc<str>,
    pub name: Arc<str>,
    /// `cloud_storage`, `webhook`, ...
    pub category: Arc<str>,
    /// `T1567.002`, ...
    pub technique: Arc<str>,
    /// The request went to one of the service's upload endpoints.
    pub upload_endpoint: bool,
    /// Account, bucket or organisation, when the catalog says where it shows.
    pub tenant: Option<Arc<str>>,
    /// The organisation's policy sanctions this service, tenant or domain.
    pub sanctioned: bool,
}

/// A network record's view: who sent how much to where.
#[derive(Clone, Debug, Default)]
pub struct Flow {
    pub src_ip: Option<IpAddr>,
    pub dst_ip: Option<IpAddr>,
    pub dst_port: Option<u16>,
    /// The destination's host name: from the record itself, else named by
    /// the engine (Zeek ssl/http of the same connection, the host's DNS answers).
    pub domain: Option<Arc<str>>,
    /// Where `domain` came from: `record`, `tls`, `http`, `dns`.
    pub named_by: Option<&'static str>,
    pub service: Option<ServiceRef>,
    pub bytes_out: Option<u64>,
    pub bytes_in: Option<u64>,
    /// The destination is inside the organisation's networks (policy).
    pub internal: bool,
}

/// One event as the analytics see it.
pub struct View<'e> {
    pub ev: &'e Event,
    pub kind: Kind,
    /// Host name, else the source address (Zeek and firewall logs name no
    /// host); a known address is replaced by the host name learnt for it.
    pub host: Option<Arc<str>>,
    /// The address the record named the host by, when it named none
    /// (`host` is then the name learnt for it, or the address itself).
    pub addressed: Option<IpAddr>,
    pub user: Option<Cow<'e, str>>,
    pub image: Option<Cow<'e, str>>,
    pub flow: Option<Flow>,
    /// The host's and the destination's first-seen keys, computed on
    /// first use (several analytics key by them).
    keys: Keys,
}

#[derive(Default)]
struct Keys {
    host: OnceCell<Option<Arc<str>>>,
    dest: OnceCell<Option<Arc<str>>>,
    grouped: OnceCell<Option<Arc<str>>>,
    rec: OnceCell<Option<Arc<FlowRec>>>,
}

impl<'e> View<'e> {
    pub fn new(
        ev: &'e Event,
        kind: Kind,
        host: Option<Arc<str>>,
        user: Option<Cow<'e, str>>,
        image: Option<Cow<'e, str>>,
        flow: Option<Flow>,
    ) -> Self {
        View {
            ev,
            kind,
            host,
            addressed: None,
            user,
            image,
            flow,
            keys: Keys::default(),
        }
    }

    /// The address the record named the host by, when a name was learnt
    /// for it (reported as the alert's `host_ip`).
    pub fn host_ip(&self) -> Option<IpAddr> {
        named_address(self.addressed, self.host.as_deref()?)
    }

    /// The host's key ([`host_key`]).
    pub fn host_key(&self) -> Option<&Arc<str>> {
        self.keys
            .host
            .get_or_init(|| self.host.as_ref().map(host_key))
            .as_ref()
    }

    /// The key the D3FEND analytics group destinations by
    /// ([`destination_key`]: service and tenant, else registered domain).
    pub fn destination_key(&self) -> Option<&Arc<str>> {
        self.keys
            .grouped
            .get_or_init(|| self.flow.as_ref().and_then(destination_key))
            .as_ref()
    }

    /// The destination's key ([`dest_key`]), for a flow.
    pub fn dest_key(&self) -> Option<&Arc<str>> {
        self.keys
            .dest
            .get_or_init(|| self.flow.as_ref().and_then(dest_key))
            .as_ref()
    }

    /// The flow as the upload joins keep it ([`flow_rec`]): one shared copy
    /// for the analytics that join uploads to what they saw first.
    pub fn flow_rec(&self) -> Option<Arc<FlowRec>> {
        self.keys
            .rec
            .get_or_init(|| flow_rec(self).map(Arc::new))
            .clone()
    }

    /// Time of the event in microseconds since the epoch (0 when unknown).
    pub fn micros(&self) -> i64 {
        self.ev.ts.map(|t| t.0 / 1_000).unwrap_or(0)
    }

    pub fn get(&self, field: &str) -> Option<&'e str> {
        self.ev.get_str(field)
    }

    /// The field's value as text, numbers included.
    pub fn text(&self, field: &str) -> Option<Cow<'e, str>> {
        self.ev.get(field).map(|v| self.ev.display(v))
    }

    pub fn has_logsource(&self, product: Option<&str>, category: Option<&str>) -> bool {
        self.ev.logsources.iter().any(|l| {
            product.is_none_or(|p| l.product.as_deref() == Some(p))
                && category.is_none_or(|c| l.category.as_deref() == Some(c))
        })
    }

    /// The first logsource's `service` (`conn`, `drive`, `audit`, ...).
    pub fn service(&self) -> Option<&'e str> {
        self.ev.logsources.iter().find_map(|l| l.service.as_deref())
    }

    pub fn product(&self) -> Option<&'e str> {
        self.ev.logsources.iter().find_map(|l| l.product.as_deref())
    }
}

/// The event's kind from its source format and logsources.
pub fn kind_of(ev: &Event) -> Kind {
    match ev.source {
        SourceKind::M365
        | SourceKind::GWorkspace
        | SourceKind::CloudTrail
        | SourceKind::GitHub
        | SourceKind::Slack => return Kind::Saas,
        SourceKind::Proofpoint | SourceKind::MessageTrace => return Kind::Email,
        SourceKind::PanOs => return Kind::Firewall,
        _ => {}
    }
    for l in ev.logsources.iter() {
        match (l.category.as_deref(), l.service.as_deref()) {
            (Some("process_creation"), _) => return Kind::ProcessStart,
            (Some("ps_script"), _) => return Kind::PsScript,
            (Some("file_event"), _) => return Kind::FileWrite,
            (Some("network_connection"), _) => return Kind::NetConn,
            (Some("dns_query" | "dns"), _) => return Kind::Dns,
            (Some("proxy"), _) => return Kind::Http,
            (Some("firewall"), _) => return Kind::Firewall,
            (_, Some("conn")) => return Kind::Conn,
            (_, Some("ssl")) => return Kind::Tls,
            (_, Some("dns-client")) => return Kind::Dns,
            (_, Some("dhcp")) => return Kind::Dhcp,
            _ => {}
        }
    }
    Kind::Other
}

/// The record's own flow fields (before the engine names and looks it up),
/// the destination's name shared through `names`.
pub fn raw_flow(ev: &Event, names: &mut crate::intern::Interner) -> Flow {
    let e = &ev.entity;
    Flow {
        src_ip: e.src_ip,
        dst_ip: e.dst_ip,
        dst_port: e.dst_port,
        domain: ev
            .entity_str(EntitySlot::DstDomain)
            .filter(|d| !d.is_empty() && d.as_ref() != "-")
            .map(|d| names.domain(&d)),
        named_by: None,
        service: None,
        bytes_out: e.bytes_out,
        bytes_in: e.bytes_in,
        internal: false,
    }
}
