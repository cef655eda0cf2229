//! What the analytics read of a network record, so that a reader thread can
//! hand the analytics' thread a small copy of it ([`Event::project`]) and
//! free the full record where it was read. Flow, DNS, TLS, web and firewall
//! records are most of the input and carry many fields (a PAN-OS session
//! has over a hundred) of which the analytics read a few; the copy keeps
//! those, the entity, the time and the origin. Other records (process
//! starts, scripts, SaaS and mail) are read by more analytics, in more
//! fields, and are rare: they go on whole.
//!
//! The field list must name every field an analytic reads of these kinds.
//! In developer builds, reading a field a projection left out panics, so a
//! test that reaches such a read names the missing field.

use crate::view::{kind_of, Kind};
use outflow_event::{Event, Key};
use rustc_hash::FxHashSet;

/// Every field the engine and the analytics read of a network record, in
/// any source's naming.
pub const NETWORK_FIELDS: &[&str] = &[
    // Connection ids, destination names and DNS answers (engine, names, joins).
    "uid",
    "server_name",
    "host",
    "c-uri-stem",
    "c-uri",
    "url",
    "uri",
    "query",
    "QueryName",
    "answer",
    "answers",
    "QueryResults",
    // DHCP leases.
    "assigned_addr",
    "assigned_ip",
    "client_addr",
    "client_fqdn",
    "host_name",
    "domain",
    // Requests: method, user agent, TLS metadata.
    "cs-method",
    "method",
    "http_method",
    "c-useragent",
    "cs(User-Agent)",
    "user_agent",
    "UserAgent",
    "userAgent",
    "sni_matches_cert",
    "ja3",
    "subject",
    // Certificates (Zeek ssl names its chain; x509 records go on whole).
    "cert_chain_fps",
    "cert_chain_fuids",
    "fingerprint",
    "id",
    "host_cert",
    "san.dns",
    "certificate.subject",
    "certificate_subject",
    // Session state, zones, rules and verdicts (inbound, outbound, tunnels).
    "conn_state",
    "local_orig",
    "local_resp",
    "action",
    "from_zone",
    "to_zone",
    "nat_dst_ip",
    "nat_dst_port",
    "rule",
    "sc-filter-result",
    "s-action",
    "result_code",
    "duration",
    "elapsed",
    "start_time",
    "time-taken",
    "orig_pkts",
    "resp_pkts",
    "pkts_sent",
    "pkts_received",
    // The process behind a host's connection (Sysmon 3).
    "Initiated",
    "OriginalFileName",
    "Description",
    "CommandLine",
    "Signature",
    "Hashes",
];

/// Slots of the cache of decisions by key (keys are shared per file, so a
/// few hundred slots hold a file's names).
const CACHE: usize = 256;

/// Makes the analytics' copies of events, on one reader thread.
pub struct Projector {
    wanted: FxHashSet<&'static str>,
    /// Decision by key identity: the key is held, so its address cannot be
    /// reused by another name while it is cached.
    cache: Vec<Option<(Key, bool)>>,
    /// The keys of the last record projected, held (so that their
    /// addresses stay theirs), and whether each was kept.
    layout: Vec<Key>,
    decisions: Vec<bool>,
}

impl Default for Projector {
    fn default() -> Self {
        Projector {
            wanted: NETWORK_FIELDS.iter().copied().collect(),
            cache: vec![None; CACHE],
            layout: Vec::new(),
            decisions: Vec::new(),
        }
    }
}

impl Projector {
    /// The copy of `ev` the analytics need, or `None` when they need it whole.
    pub fn project(&mut self, ev: &Event) -> Option<Event> {
        match kind_of(ev) {
            Kind::NetConn
            | Kind::Dns
            | Kind::Http
            | Kind::Conn
            | Kind::Tls
            | Kind::Firewall
            | Kind::Dhcp => {
                self.learn_layout(ev);
                Some(ev.project(&self.decisions))
            }
            Kind::ProcessStart
            | Kind::PsScript
            | Kind::FileWrite
            | Kind::Saas
            | Kind::Email
            | Kind::Other => None,
        }
    }

    /// Decides for each field of `ev`. Fixed-layout sources (Zeek, PAN-OS,
    /// proxies) repeat the same keys in the same order record after
    /// record: the last decisions stand when every key is the same.
    fn learn_layout(&mut self, ev: &Event) {
        let same = self.layout.len() == ev.fields.len()
            && self
                .layout
                .iter()
                .zip(&ev.fields)
                .all(|(a, (b, _))| std::sync::Arc::ptr_eq(a, b));
        if same {
            return;
        }
        self.layout.clear();
        self.decisions.clear();
        for (k, _) in &ev.fields {
            let keep = self.wants(k);
            self.layout.push(k.clone());
            self.decisions.push(keep);
        }
    }

    fn wants(&mut self, key: &Key) -> bool {
        let slot = (std::sync::Arc::as_ptr(key) as *const u8 as usize >> 4) % CACHE;
        if let Some((k, keep)) = &self.cache[slot] {
            if std::sync::Arc::ptr_eq(k, key) {
                return *keep;
            }
        }
        let keep = self.wanted.contains(&**key);
        self.cache[slot] = Some((key.clone(), keep));
        keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outflow_event::{LogSource, Origin, Position, SourceKind, Value};
    use std::sync::Arc;

    fn conn(keys: &[Key]) -> Event {
        let raw = "C1\tab\tS1";
        let mut ev = Event::new(
            SourceKind::ZeekTsv,
            Origin {
                file: Arc::from("conn.log"),
                position: Position::Line(9),
            },
            raw,
        );
        ev.logsources = Arc::from(vec![LogSource {
            product: Some("zeek".into()),
            category: None,
            service: Some("conn".into()),
        }]);
        for (i, k) in keys.iter().enumerate() {
            ev.push(k.clone(), Value::Str(ev.raw_span(i * 3, i * 3 + 2)));
        }
        ev
    }

    #[test]
    fn network_records_keep_only_the_fields_analytics_read() {
        let keys: Vec<Key> = ["uid", "id.orig_h", "conn_state"]
            .iter()
            .map(|k| Arc::from(*k))
            .collect();
        let mut p = Projector::default();
        for _ in 0..2 {
            let small = p.project(&conn(&keys)).expect("a flow is projected");
            let names: Vec<&str> = small.fields.iter().map(|(k, _)| &**k).collect();
            assert_eq!(names, ["uid", "conn_state"]);
            assert_eq!(small.get_str("uid"), Some("C1"));
            assert_eq!(small.get_str("conn_state"), Some("S1"));
            assert_eq!(small.origin.position, Position::Line(9));
        }
        // Another layout (other keys, same count) is decided anew.
        let other: Vec<Key> = ["conn_state", "orig_bytes", "uid"]
            .iter()
            .map(|k| Arc::from(*k))
            .collect();
        let small = p.project(&conn(&other)).expect("a flow is projected");
        let names: Vec<&str> = small.fields.iter().map(|(k, _)| &**k).collect();
        assert_eq!(names, ["conn_state", "uid"]);
        assert_eq!(small.get_str("uid"), Some("S1"));
    }

    #[test]
    fn records_read_in_many_fields_go_on_whole() {
        let mut ev = conn(&[Arc::from("Operation")]);
        ev.source = SourceKind::M365;
        assert!(Projector::default().project(&ev).is_none());
    }
}
