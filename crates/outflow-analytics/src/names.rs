//! Naming what flow records leave unnamed: the destination host name of a
//! Zeek conn record (from ssl `server_name` or http `host` of the same
//! connection uid, else from the DNS answers the client received), and
//! the host name behind a source address (learnt from host events that
//! carry both, and from DHCP leases, which name hosts such as Linux servers
//! whose own logs carry no address). All maps are bounded and expire by
//! event time.

use crate::address_match::AddressMatcher;
use crate::intern::Interner;
use crate::stateful::transfers::is_private;
use crate::view::Kind;
use outflow_event::time::parse_iso8601;
use outflow_event::{EntitySlot, Event, Value};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

/// How long a DNS answer names its addresses (µs of event time).
const DNS_TTL: i64 = 24 * 3600 * 1_000_000;
/// How long a connection uid's name is kept (µs).
const UID_TTL: i64 = 3600 * 1_000_000;
/// Most entries per map; past it the oldest half is dropped.
const MAX_ENTRIES: usize = 500_000;

#[derive(Serialize, Deserialize)]
pub struct Names {
    /// (client, answer address) → (name, last seen µs).
    dns: FxHashMap<(IpAddr, IpAddr), (Arc<str>, i64)>,
    /// Answer address → (name, last seen), whoever asked (for host events
    /// with no client address, e.g. Sysmon 22 then Sysmon 3).
    dns_any: FxHashMap<IpAddr, (Arc<str>, i64)>,
    /// Zeek connection uid → (server name, seen).
    uid: FxHashMap<Arc<str>, (Arc<str>, i64)>,
    /// Source address → host name.
    hosts: FxHashMap<IpAddr, Arc<str>>,
    /// Address text, interned (entity keys for hosts known only by address).
    ip_text: FxHashMap<IpAddr, Arc<str>>,
    /// Windows account SID (`S-1-5-21-…`: domain and local accounts, unique
    /// to one account; well-known SIDs like SYSTEM's are the same on every
    /// machine) → `DOMAIN\name`, from Security events that give both.
    #[serde(default)]
    accounts: FxHashMap<Arc<str>, Arc<str>>,
    /// No DNS answer held is older than this (µs; a lower bound): until it
    /// has lived its time, expiring them would drop nothing.
    /// Read back from a saved state it is unknown: the first expiry sweeps.
    #[serde(skip, default = "i64_min")]
    dns_oldest: i64,
    /// When connection names were last expired (µs).
    #[serde(skip)]
    uid_swept: i64,
    /// Host connections without an address, matched with sensors' flows
    /// (names static-address servers).
    #[serde(skip)]
    matcher: AddressMatcher,
}

fn i64_min() -> i64 {
    i64::MIN
}

impl Default for Names {
    fn default() -> Self {
        Names {
            dns: FxHashMap::default(),
            dns_any: FxHashMap::default(),
            uid: FxHashMap::default(),
            hosts: FxHashMap::default(),
            ip_text: FxHashMap::default(),
            accounts: FxHashMap::default(),
            dns_oldest: i64::MAX,
            uid_swept: 0,
            matcher: AddressMatcher::default(),
        }
    }
}

impl Names {
    /// Learns what the event tells: DNS answers, connection names, host addresses.
    /// Names are shared through `names`.
    pub fn learn(&mut self, ev: &Event, kind: Kind, now: i64, names: &mut Interner) {
        match kind {
            Kind::Dns => self.learn_dns(ev, now, names),
            Kind::Tls => {
                if let (Some(uid), Some(sni)) = (ev.get_str("uid"), ev.get_str("server_name")) {
                    self.learn_uid(uid, sni, now, names);
                }
            }
            Kind::Http => {
                if let (Some(uid), Some(host)) = (ev.get_str("uid"), ev.get_str("host")) {
                    self.learn_uid(uid, host, now, names);
                }
            }
            Kind::NetConn => {
                let Some(host) = ev.entity_str(EntitySlot::Host).filter(|h| !h.is_empty()) else {
                    return;
                };
                match ev.entity.src_ip {
                    // A host's own connection: its source address is the host.
                    Some(ip) => self.learn_host(ip, &host),
                    // auditd: only the remote end; a sensor's flow may give
                    // the host's own.
                    None => {
                        let Some(dst) = public_destination(ev) else {
                            return;
                        };
                        let host = names.get(&host);
                        if let Some((ip, h)) = self.matcher.connect(&host, dst, now) {
                            self.learn_host(ip, &h);
                        }
                    }
                }
            }
            // A sensor's flow (Zeek stamps it with its start); a firewall's
            // session, logged when it ends, with its start in the record.
            Kind::Conn | Kind::Firewall => {
                let (Some(src), Some(dst)) = (ev.entity.src_ip, public_destination(ev)) else {
                    return;
                };
                if self.hosts.contains_key(&src) {
                    return;
                }
                let start = match kind {
                    Kind::Firewall => match ev.get_str("start_time").and_then(parse_iso8601) {
                        Some(t) => t.0 / 1_000,
                        None => return,
                    },
                    _ => now,
                };
                if let Some((ip, h)) = self.matcher.flow(src, dst, start) {
                    self.learn_host(ip, &h);
                }
            }
            Kind::Dhcp => self.learn_lease(ev),
            Kind::ProcessStart | Kind::Other => self.learn_accounts(ev),
            _ => {}
        }
    }

    /// The account names Windows Security events give with their SIDs
    /// (4688's subject and target, 4624's target, ...).
    fn learn_accounts(&mut self, ev: &Event) {
        let windows = ev
            .logsources
            .first()
            .is_some_and(|l| l.product.as_deref() == Some("windows"));
        if !windows {
            return;
        }
        for (sid, name, domain) in [
            ("SubjectUserSid", "SubjectUserName", "SubjectDomainName"),
            ("TargetUserSid", "TargetUserName", "TargetDomainName"),
        ] {
            let Some(sid) = ev.get_str(sid).filter(|s| s.starts_with("S-1-5-21-")) else {
                continue;
            };
            let Some(name) = ev.get_str(name).filter(|n| !n.is_empty() && *n != "-") else {
                continue;
            };
            let domain = ev.get_str(domain).filter(|d| !d.is_empty() && *d != "-");
            // Compared in place: most Security events repeat a known account.
            let known = self.accounts.get(sid).is_some_and(|a| match domain {
                Some(d) => a
                    .strip_prefix(d)
                    .and_then(|rest| rest.strip_prefix('\\'))
                    .is_some_and(|n| n == name),
                None => **a == *name,
            });
            if known {
                continue;
            }
            let account = match domain {
                Some(d) => format!("{d}\\{name}"),
                None => name.to_string(),
            };
            bound(&mut self.accounts);
            self.accounts.insert(Arc::from(sid), Arc::from(account));
        }
    }

    /// The account name learnt for a Windows SID.
    pub fn account(&self, sid: &str) -> Option<&Arc<str>> {
        self.accounts.get(sid.trim())
    }

    /// `ip` is `host`'s address (the latest host seen with it wins: DHCP
    /// moves addresses between hosts).
    pub fn learn_host(&mut self, ip: IpAddr, host: &str) {
        if ip.is_loopback() || ip.is_unspecified() || host.is_empty() {
            return;
        }
        if self.hosts.get(&ip).is_some_and(|h| h.as_ref() == host) {
            return;
        }
        bound(&mut self.hosts);
        self.hosts.insert(ip, Arc::from(host));
    }

    /// A DHCP lease (Zeek dhcp.log): the address assigned, and the name the
    /// client gave, fully qualified when it sent one (as Windows and most
    /// Linux clients do) or its host name with the lease's domain.
    fn learn_lease(&mut self, ev: &Event) {
        let Some(ip) = ["assigned_addr", "assigned_ip", "client_addr"]
            .iter()
            .filter_map(|f| ev.get_str(f)?.trim().parse::<IpAddr>().ok())
            .find(|ip| !ip.is_unspecified())
        else {
            return;
        };
        let field = |f: &str| {
            ev.get_str(f)
                .map(|s| s.trim().trim_end_matches('.'))
                .filter(|s| !s.is_empty() && *s != "-")
        };
        let name = match (field("client_fqdn"), field("host_name"), field("domain")) {
            (Some(fqdn), _, _) => fqdn.to_string(),
            (None, Some(host), Some(domain)) if !host.contains('.') => format!("{host}.{domain}"),
            (None, Some(host), _) => host.to_string(),
            (None, None, _) => return,
        };
        self.learn_host(ip, &name);
    }

    /// The host addresses learnt, sorted (kept in the baseline store so the
    /// next run keys flow records by host name from its first record).
    pub fn host_addresses(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .hosts
            .iter()
            .map(|(ip, h)| (ip.to_string(), h.to_string()))
            .collect();
        v.sort();
        v
    }

    fn learn_uid(&mut self, uid: &str, name: &str, now: i64, names: &mut Interner) {
        let name = names.domain(name.trim());
        if name.is_empty() || name.parse::<IpAddr>().is_ok() {
            return;
        }
        bound_timed(&mut self.uid);
        self.uid.insert(Arc::from(uid), (name, now));
    }

    fn learn_dns(&mut self, ev: &Event, now: i64, names: &mut Interner) {
        let query = ev
            .get_str("query")
            .or_else(|| ev.get_str("QueryName"))
            .map(str::trim);
        let Some(query) = query.filter(|q| !q.trim_end_matches('.').is_empty()) else {
            return;
        };
        let answers = ev
            .get("answer")
            .or_else(|| ev.get("answers"))
            .or_else(|| ev.get("QueryResults"));
        let Some(answers) = answers else {
            return;
        };
        let name = names.domain(query);
        let client = ev.entity.src_ip;
        self.dns_oldest = self.dns_oldest.min(now);
        // A list's items are read one by one (no joined copy of them).
        let items = match answers {
            Value::List(items) => items.as_slice(),
            one => std::slice::from_ref(one),
        };
        for item in items {
            let text = ev.display(item);
            for ip in addresses(&text) {
                if let Some(c) = client {
                    bound_timed(&mut self.dns);
                    self.dns.insert((c, ip), (name.clone(), now));
                }
                bound_timed(&mut self.dns_any);
                self.dns_any.insert(ip, (name.clone(), now));
            }
        }
    }

    /// The destination's name: the connection's own (uid), else the client's
    /// DNS answer for the address, else anyone's.
    pub fn name_of(
        &self,
        uid: Option<&str>,
        client: Option<IpAddr>,
        dst: Option<IpAddr>,
        now: i64,
    ) -> Option<(Arc<str>, &'static str)> {
        if let Some((n, t)) = uid.and_then(|u| self.uid.get(u)) {
            if now - t <= UID_TTL {
                return Some((n.clone(), "tls-or-http"));
            }
        }
        let dst = dst?;
        if let Some((n, t)) = client.and_then(|c| self.dns.get(&(c, dst))) {
            if now - t <= DNS_TTL {
                return Some((n.clone(), "dns"));
            }
        }
        match self.dns_any.get(&dst) {
            Some((n, t)) if now - t <= DNS_TTL => Some((n.clone(), "dns")),
            _ => None,
        }
    }

    /// The host name learnt for an address, if any.
    pub fn known_host(&self, ip: IpAddr) -> Option<&Arc<str>> {
        self.hosts.get(&ip)
    }

    /// The host name learnt for an address, else the address as text.
    pub fn host_of(&mut self, ip: IpAddr) -> Arc<str> {
        if let Some(h) = self.hosts.get(&ip) {
            return h.clone();
        }
        if let Some(t) = self.ip_text.get(&ip) {
            return t.clone();
        }
        bound(&mut self.ip_text);
        let t: Arc<str> = Arc::from(ip.to_string());
        self.ip_text.insert(ip, t.clone());
        t
    }

    /// Drops names older than their time to live. Lookups check a name's
    /// age, so this only bounds memory: DNS answers are swept once the
    /// oldest can have ended, connection names every twelfth of their time
    /// (a pass over a day of answers every minute cost more than the
    /// lookups).
    pub fn expire(&mut self, now: i64) {
        if now.saturating_sub(self.dns_oldest) > DNS_TTL {
            self.dns.retain(|_, (_, t)| now - *t <= DNS_TTL);
            self.dns_any.retain(|_, (_, t)| now - *t <= DNS_TTL);
            self.dns_oldest = (self.dns.values().chain(self.dns_any.values()))
                .map(|(_, t)| *t)
                .min()
                .unwrap_or(i64::MAX);
        }
        self.matcher.expire(now);
        if now.saturating_sub(self.uid_swept) >= UID_TTL / 12 {
            self.uid_swept = now;
            self.uid.retain(|_, (_, t)| now - *t <= UID_TTL);
        }
    }

    pub fn len(&self) -> usize {
        self.dns.len()
            + self.dns_any.len()
            + self.uid.len()
            + self.hosts.len()
            + self.ip_text.len()
            + self.matcher.len()
            + self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The record's destination address and port, when the address is a
/// public one (flows to the organisation's own servers are too many and
/// too alike to tell hosts apart by).
fn public_destination(ev: &Event) -> Option<(IpAddr, u16)> {
    let (ip, port) = (ev.entity.dst_ip?, ev.entity.dst_port?);
    (!is_private(ip)).then_some((ip, port))
}

/// Every IP address in an answer text (Zeek `answers` lists, Sysmon
/// `QueryResults` like `type:  5 x.example;::ffff:1.2.3.4;`).
fn addresses(text: &str) -> impl Iterator<Item = IpAddr> + '_ {
    text.split(|c: char| {
        c == ',' || c == ';' || c.is_whitespace() || c == '[' || c == ']' || c == '"'
    })
    .filter_map(|t| {
        let t = t.strip_prefix("::ffff:").unwrap_or(t);
        t.parse::<IpAddr>().ok()
    })
}

fn bound<K, V>(m: &mut FxHashMap<K, V>) {
    if m.len() >= MAX_ENTRIES {
        m.clear();
    }
}

/// Past the bound, keeps the newer half.
fn bound_timed<K, V>(m: &mut FxHashMap<K, (V, i64)>) {
    if m.len() < MAX_ENTRIES {
        return;
    }
    let mut times: Vec<i64> = m.values().map(|(_, t)| *t).collect();
    let mid = times.len() / 2;
    let (_, cut, _) = times.select_nth_unstable(mid);
    let cut = *cut;
    m.retain(|_, (_, t)| *t >= cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000_000;

    #[test]
    fn a_name_past_its_time_is_not_given_whether_or_not_it_was_swept() {
        let min = 60_000_000;
        let mut n = Names::default();
        let mut shared = Interner::default();
        n.learn_uid("CuID1", "Drive.Google.com", 10 * HOUR, &mut shared);
        let name = |n: &Names, t| n.name_of(Some("CuID1"), None, None, t).map(|(d, _)| d);
        // A sweep a minute before its hour is up keeps it, and it is given.
        n.expire(11 * HOUR - min);
        assert_eq!(
            name(&n, 11 * HOUR - min).as_deref(),
            Some("drive.google.com")
        );
        // Two minutes later it is held (sweeps come every five minutes) but
        // no longer given.
        n.expire(11 * HOUR + min);
        assert_eq!(n.len(), 1);
        assert_eq!(name(&n, 11 * HOUR + min), None);
        // The next sweep drops it.
        n.expire(11 * HOUR + 4 * min);
        assert_eq!(n.len(), 0);
    }

    #[test]
    fn answers_in_zeek_and_sysmon_shapes() {
        let z: Vec<IpAddr> = addresses("162.125.1.18,162.125.1.19").collect();
        assert_eq!(z.len(), 2);
        let s: Vec<IpAddr> =
            addresses("type:  5 edge.example.net;::ffff:31.216.144.5;2001:db8::1;").collect();
        assert_eq!(
            s,
            vec![
                "31.216.144.5".parse::<IpAddr>().unwrap(),
                "2001:db8::1".parse().unwrap()
            ]
        );
    }
}
