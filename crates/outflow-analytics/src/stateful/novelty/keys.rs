//! The compact keys first-seen state is counted under: hosts by their short
//! name (`WS-FIN-01.corp.example` and `ws-fin-01` are one host),
//! destinations by catalogued service (and tenant) else registered domain.

use crate::stateful::transfers::is_private;
use crate::view::Flow;
use std::net::IpAddr;
use std::sync::Arc;

/// A host's key: lower case, first label of a name; addresses as they are.
/// Hosts are few and repeat on every event: each key is computed once per
/// name the engine shares, found by the copy's address without reading
/// the text.
pub fn host_key(host: &Arc<str>) -> Arc<str> {
    memo_shared(&HOST_KEYS, host, |h| Some(compute_host_key(h))).unwrap_or_else(|| host.clone())
}

fn compute_host_key(host: &str) -> Arc<str> {
    let h = host.trim();
    if h.parse::<IpAddr>().is_ok() {
        return Arc::from(h);
    }
    let short = h.split('.').next().unwrap_or(h);
    // Windows `DOMAIN\HOST` forms keep the host part.
    let short = short.rsplit('\\').next().unwrap_or(short);
    Arc::from(short.to_ascii_lowercase())
}

/// A destination's key: the registered domain (public suffix list, private
/// section included, so `bucket.s3.amazonaws.com` and
/// `account.blob.core.windows.net` stay apart), else the catalogued
/// service, else the name. One key per destination whichever record named
/// it (a proxy URL path may pick a finer catalog entry than a connection).
pub fn dest_key(flow: &Flow) -> Option<Arc<str>> {
    // The public-suffix lookup is the costly part; domains repeat, and the
    // engine shares one copy of each.
    if let Some(r) = flow.domain.as_ref().and_then(|d| {
        memo_shared(&REGISTERED, d, |d| {
            if d.parse::<IpAddr>().is_ok() {
                return None;
            }
            outflow_intel::registered_domain(d).map(|r| Arc::from(r.as_ref()))
        })
    }) {
        return Some(r);
    }
    if let Some(s) = &flow.service {
        return Some(Arc::from(format!("service:{}", s.id)));
    }
    flow.domain
        .as_ref()
        .filter(|d| d.parse::<IpAddr>().is_err())
        .cloned()
}

/// The flow goes out of the organisation: not to the policy's internal
/// networks, nor to private, loopback, link-local or multicast addresses.
pub fn is_external(flow: &Flow) -> bool {
    if flow.internal {
        return false;
    }
    match flow.dst_ip {
        Some(ip) => !is_private(ip),
        // A named destination without an address (proxy logs) is outside.
        None => flow.domain.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_fold_fqdn_and_case() {
        let key = |h: &str| host_key(&Arc::from(h));
        assert_eq!(&*key("WS-FIN-01.corp.example"), "ws-fin-01");
        assert_eq!(&*key("srv-build-01"), "srv-build-01");
        assert_eq!(&*key("10.20.1.5"), "10.20.1.5");
    }

    #[test]
    fn destinations_by_registered_domain() {
        let f = Flow {
            domain: Some(Arc::from("a.b.example.co.uk")),
            ..Flow::default()
        };
        assert_eq!(dest_key(&f).as_deref(), Some("example.co.uk"));
        let ip = Flow {
            domain: Some(Arc::from("1.2.3.4")),
            ..Flow::default()
        };
        assert_eq!(dest_key(&ip), None);
    }

    #[test]
    fn private_addresses_are_not_external() {
        let f = |ip: &str| Flow {
            dst_ip: Some(ip.parse().unwrap()),
            ..Flow::default()
        };
        assert!(!is_external(&f("10.20.0.2")));
        assert!(!is_external(&f("100.64.1.1")));
        assert!(is_external(&f("52.113.194.132")));
    }
}

/// Most keys each memo holds; past it the memo starts over (bounded memory).
const MEMO_CAP: usize = 65_536;

type Memo = std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Option<Arc<str>>>>;

/// Keyed by the address of a shared name, which the entry holds (so the
/// address is not reused while the entry lives).
type SharedMemo = std::cell::RefCell<rustc_hash::FxHashMap<usize, (Arc<str>, Option<Arc<str>>)>>;

thread_local! {
    static HOST_KEYS: SharedMemo = Default::default();
    static REGISTERED: SharedMemo = Default::default();
    static GROUPED_DOMAINS: Memo = Default::default();
    static GROUPED_TENANTS: Memo = Default::default();
}

/// What a grouped destination key is made from.
pub enum KeyKind {
    /// A domain name (the key is its registered domain).
    Domain,
    /// A service and its tenant, spelt `id:tenant`.
    Tenant,
}

/// `f(key)` for the destination keys the network analytics group by
/// ([`crate::stateful::common::destination_key`]), computed once per
/// distinct key on this thread.
pub fn memo_key(
    kind: KeyKind,
    key: &str,
    f: impl FnOnce(&str) -> Option<Arc<str>>,
) -> Option<Arc<str>> {
    match kind {
        KeyKind::Domain => memo(&GROUPED_DOMAINS, key, f),
        KeyKind::Tenant => memo(&GROUPED_TENANTS, key, f),
    }
}

/// `f(key)`, computed once per distinct key on this thread.
fn memo(
    table: &'static std::thread::LocalKey<Memo>,
    key: &str,
    f: impl FnOnce(&str) -> Option<Arc<str>>,
) -> Option<Arc<str>> {
    table.with(|m| {
        if let Some(v) = m.borrow().get(key) {
            return v.clone();
        }
        let v = f(key);
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_CAP {
            m.clear();
        }
        m.insert(Box::from(key), v.clone());
        v
    })
}

/// `f(name)` for a name the engine shares, found by its address.
fn memo_shared(
    table: &'static std::thread::LocalKey<SharedMemo>,
    name: &Arc<str>,
    f: impl FnOnce(&str) -> Option<Arc<str>>,
) -> Option<Arc<str>> {
    let at = Arc::as_ptr(name) as *const u8 as usize;
    table.with(|m| {
        if let Some((held, v)) = m.borrow().get(&at) {
            if Arc::ptr_eq(held, name) {
                return v.clone();
            }
        }
        let v = f(name);
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_CAP {
            m.clear();
        }
        m.insert(at, (name.clone(), v.clone()));
        v
    })
}
