//! What the network countermeasure analytics share: the destination key a
//! baseline is kept under, host-name globs, the byte-bearing flow records
//! and small helpers over event time.

use super::novelty::keys::{memo_key, KeyKind};
use crate::view::{Flow, Kind, View};
use std::sync::Arc;

/// A (host, destination) key.
pub type HostDest = (Arc<str>, Arc<str>);
/// A (host, destination, check or agent) key.
pub type HostDestTag = (Arc<str>, Arc<str>, Arc<str>);
/// Hosts with the time each was last seen (µs).
pub type Seen = Vec<(Arc<str>, i64)>;

/// Event time between two sweeps of an analytic's open windows (the
/// pipeline advances time once per batch; a sweep walks a whole map).
pub const SWEEP_EVERY: i64 = 5 * SECOND;

/// Microseconds in a second of event time.
pub const SECOND: i64 = 1_000_000;

/// Seconds (config) → microseconds, saturating.
pub fn micros(seconds: u64) -> i64 {
    i64::try_from(seconds)
        .unwrap_or(i64::MAX / SECOND)
        .saturating_mul(SECOND)
}

/// The key a destination's baseline is kept under: the catalogued service
/// (every domain of MEGA is one destination) with its tenant when the
/// catalog shows one (each S3 bucket is its own), else the registered domain
/// (`a.b.example.co.uk` → `example.co.uk`).
pub fn destination_key(flow: &Flow) -> Option<Arc<str>> {
    if let Some(s) = &flow.service {
        return Some(service_key(&s.id, s.tenant.as_deref()));
    }
    let d = flow.domain.as_deref()?;
    if d.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    memo_key(KeyKind::Domain, d, |d| {
        Some(Arc::from(registered_domain(d)))
    })
}

/// The key of a catalogued service, with its tenant when it has one: `id`,
/// or `id:tenant` with the tenant in lower case. The one spelling every
/// analytic groups by; keys repeat on nearly every flow, so each is one
/// shared copy (per thread).
pub fn service_key(id: &Arc<str>, tenant: Option<&str>) -> Arc<str> {
    let Some(tenant) = tenant else {
        return id.clone();
    };
    SERVICE_KEY.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.clear();
        buf.push_str(id);
        buf.push(':');
        buf.extend(tenant.chars().map(|c| c.to_ascii_lowercase()));
        memo_key(KeyKind::Tenant, &buf, |k| Some(Arc::from(k)))
            .unwrap_or_else(|| Arc::from(buf.as_str()))
    })
}

thread_local! {
    /// Reused to spell a service-and-tenant key before its lookup.
    static SERVICE_KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The registered domain of a host name, by the common rule (the last two
/// labels, three under a two-letter country code whose second level is a
/// generic one such as `co.uk`, `com.au`). No public-suffix list is
/// compiled in: private suffixes (`*.s3.amazonaws.com`) are covered by the
/// service catalog, which is consulted first.
pub fn registered_domain(domain: &str) -> &str {
    // The last three dots, right to left, are all the rule looks at.
    let mut dots = domain.rmatch_indices('.').map(|(i, _)| i);
    let (Some(last), Some(before)) = (dots.next(), dots.next()) else {
        return domain;
    };
    let third = dots.next();
    let tld = &domain[last + 1..];
    let second = &domain[before + 1..last];
    let generic = matches!(
        second,
        "co" | "com" | "net" | "org" | "gov" | "ac" | "edu" | "or" | "ne" | "go"
    );
    if tld.len() == 2 && generic {
        return match third {
            None => domain,
            Some(i) => &domain[i + 1..],
        };
    }
    &domain[before + 1..]
}

/// A record that tells how many bytes a host sent out: a flow (Zeek conn,
/// firewall session) or a web request (proxy, Zeek http).
pub fn is_byte_record(kind: Kind) -> bool {
    matches!(kind, Kind::Conn | Kind::Firewall | Kind::Http)
}

/// The view's outbound flow to an external destination with bytes sent,
/// when it is one.
pub fn outbound<'v>(view: &'v View<'_>) -> Option<(&'v Flow, u64)> {
    if !is_byte_record(view.kind) {
        return None;
    }
    let f = view.flow.as_ref()?;
    if f.internal || f.dst_ip.is_some_and(is_private) {
        return None;
    }
    Some((f, f.bytes_out.unwrap_or(0)))
}

/// Private, loopback and link-local addresses (used when no policy names
/// the organisation's networks).
pub fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => v.is_private() || v.is_loopback() || v.is_link_local(),
        std::net::IpAddr::V6(v) => {
            v.is_loopback()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The sensor family of a record, so volumes seen by several sensors (Zeek,
/// the proxy and the firewall all see one upload) are not added together.
pub fn sensor(view: &View<'_>) -> &'static str {
    match view.kind {
        Kind::Http => "http",
        Kind::Firewall => "firewall",
        _ => "flow",
    }
}

/// Short host name: `WS-FIN-02.corp.example` → `WS-FIN-02`. An address is
/// returned whole.
pub fn short_host(host: &str) -> &str {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    host.split('.').next().unwrap_or(host)
}

/// Case-insensitive glob match (`*` any run, `?` one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// At `cap` entries, drops the older half by the time `age` gives
/// (bounded maps under heavy input).
pub fn bound<K: Eq + std::hash::Hash, V>(
    map: &mut rustc_hash::FxHashMap<K, V>,
    cap: usize,
    age: impl Fn(&V) -> i64,
) {
    if map.len() < cap {
        return;
    }
    let mut ages: Vec<i64> = map.values().map(&age).collect();
    let mid = ages.len() / 2;
    let (_, cut, _) = ages.select_nth_unstable(mid);
    let cut = *cut;
    map.retain(|_, v| age(v) > cut);
}

/// Serializes a map as a list of pairs (keys that are not strings, such as
/// tuples, cannot be JSON object keys).
pub mod pairs {
    use rustc_hash::FxHashMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::hash::Hash;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &FxHashMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<FxHashMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let v: Vec<(K, V)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

/// Restores a state value of type `T` (an error names what did not fit).
pub fn restore_state<T: serde::de::DeserializeOwned>(
    name: &str,
    state: serde_json::Value,
) -> Result<Option<T>, String> {
    if state.is_null() {
        return Ok(None);
    }
    serde_json::from_value(state)
        .map(Some)
        .map_err(|e| format!("{name}: state does not fit this version: {e}"))
}

/// The one state version this build writes and reads (`"version": 1` in
/// the volume analytics' states); another is an error naming the analytic.
pub fn known_version(name: &str, version: u32) -> Result<(), String> {
    if version == 1 {
        Ok(())
    } else {
        Err(format!("{name}: state has unknown version {version}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_domains() {
        assert_eq!(registered_domain("www.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registered_domain("bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registered_domain("a.b.example.com"), "example.com");
        assert_eq!(registered_domain("example.com"), "example.com");
        assert_eq!(registered_domain("localhost"), "localhost");
        assert_eq!(registered_domain("x.example.de"), "example.de");
        assert_eq!(registered_domain("a.b.shop.com.au"), "shop.com.au");
    }

    #[test]
    fn destination_keys_are_shared_and_fold_the_tenant() {
        use crate::view::ServiceRef;
        let service = |tenant: Option<&str>| ServiceRef {
            id: Arc::from("aws_s3"),
            name: Arc::from("Amazon S3"),
            category: Arc::from("cloud_storage"),
            technique: Arc::from("T1567.002"),
            upload_endpoint: false,
            tenant: tenant.map(Arc::from),
            sanctioned: false,
        };
        let flow = |domain: &str, tenant: Option<&str>, catalogued: bool| Flow {
            domain: Some(Arc::from(domain)),
            service: catalogued.then(|| service(tenant)),
            ..Flow::default()
        };
        let a = destination_key(&flow("Bucket-A.s3.amazonaws.com", Some("Bucket-A"), true));
        let b = destination_key(&flow("bucket-a.s3.amazonaws.com", Some("bucket-a"), true));
        assert_eq!(a.as_deref(), Some("aws_s3:bucket-a"));
        assert!(Arc::ptr_eq(a.as_ref().unwrap(), b.as_ref().unwrap()));
        assert_eq!(
            destination_key(&flow("s3.amazonaws.com", None, true)).as_deref(),
            Some("aws_s3")
        );
        let d = destination_key(&flow("cdn.files.example.co.uk", None, false));
        assert_eq!(d.as_deref(), Some("example.co.uk"));
        assert_eq!(destination_key(&flow("203.0.113.9", None, false)), None);
    }

    #[test]
    fn globs() {
        assert!(glob_match("WS-FIN-*", "ws-fin-02"));
        assert!(glob_match("srv-*", "SRV-build-01"));
        assert!(!glob_match("srv-*", "ws-srv"));
        assert!(glob_match("*-db-??", "eu-db-01"));
        assert!(!glob_match("*-db-??", "eu-db-001"));
    }

    #[test]
    fn saved_states_that_do_not_fit_are_errors_naming_the_analytic() {
        #[derive(serde::Deserialize, Debug)]
        struct State {
            #[allow(dead_code)]
            version: u32,
        }
        assert!(restore_state::<State>("x", serde_json::Value::Null)
            .unwrap()
            .is_none());
        assert!(
            restore_state::<State>("x", serde_json::json!({"version": 1}))
                .unwrap()
                .is_some()
        );
        let e = restore_state::<State>("slow-and-low", serde_json::json!({"v": 1})).unwrap_err();
        assert!(e.starts_with("slow-and-low: state does not fit"), "{e}");
        assert_eq!(known_version("x", 1), Ok(()));
        assert_eq!(
            known_version("large-transfer", 2),
            Err("large-transfer: state has unknown version 2".to_string())
        );
    }
}
