//! Small helpers the stateful analytics share: field values as strings
//! (lists included), internal addresses, mail domains.

use outflow_event::{Event, Value};
use outflow_intel::Policy;
use std::net::IpAddr;

/// Most items taken from one list field (fields are attacker-influenced).
const MAX_ITEMS: usize = 256;

/// Every string of `field`: the items of a list, or the one value.
pub fn strings(ev: &Event, field: &str) -> Vec<String> {
    match ev.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(items)) => items
            .iter()
            .take(MAX_ITEMS)
            .filter(|v| !matches!(v, Value::Null | Value::List(_)))
            .map(|v| ev.display(v).trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(v) => {
            let s = ev.display(v).trim().to_string();
            if s.is_empty() {
                Vec::new()
            } else {
                vec![s]
            }
        }
    }
}

/// The first string of the first field present.
pub fn first_string(ev: &Event, fields: &[&str]) -> Option<String> {
    fields
        .iter()
        .find_map(|f| strings(ev, f).into_iter().next())
}

/// A number field (`1234` or `"1234"`).
pub fn number(ev: &Event, field: &str) -> Option<u64> {
    match ev.get(field)? {
        Value::Int(i) => u64::try_from(*i).ok(),
        Value::Float(f) if *f >= 0.0 && f.is_finite() => Some(*f as u64),
        v => ev.display(v).trim().parse().ok(),
    }
}

/// Whether `ip` is inside the organisation: its policy's networks when it
/// names any, else the private, loopback, link-local and shared ranges.
pub fn internal_ip(policy: &Policy, ip: IpAddr) -> bool {
    if policy.has_internal_networks() {
        return policy.is_internal(ip);
    }
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments()[0];
            v6.is_loopback() || (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

/// The domain of an e-mail address, lower case (`a@B.example` → `b.example`).
pub fn mail_domain(address: &str) -> Option<&str> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches(['>', '.']))
        .filter(|d| !d.is_empty())
}

/// An e-mail address as a key: trimmed, without angle brackets, lower case.
pub fn mail_key(address: &str) -> String {
    address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_internal_without_a_policy() {
        let p = Policy::default();
        for ip in ["10.1.2.3", "192.168.0.1", "100.64.1.1", "fd00::1", "::1"] {
            assert!(internal_ip(&p, ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "203.0.113.5", "2001:db8::1"] {
            assert!(!internal_ip(&p, ip.parse().unwrap()), "{ip}");
        }
        let p = Policy::from_yaml("p", "internal_networks: [203.0.113.0/24]\n").unwrap();
        assert!(internal_ip(&p, "203.0.113.5".parse().unwrap()));
        assert!(!internal_ip(&p, "10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn mail_helpers() {
        assert_eq!(mail_domain("a@B.example>"), Some("B.example"));
        assert_eq!(mail_domain("nobody"), None);
        assert_eq!(mail_key(" <A@b.Example> "), "a@b.example");
    }
}
