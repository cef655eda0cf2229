//! Entity keys: one spelling per host and per user, so that `WS-HR-02`,
//! `ws-hr-02.corp.example` and its address (once known) are one host, and
//! `CORP\eivanova`, `eivanova@corp.example` and `eivanova` one user.

use outflow_detect::Finding;
use rustc_hash::FxHashMap;
use std::net::IpAddr;

/// Finding fields that may carry the reporting host's own address.
const SOURCE_ADDRESS_FIELDS: &[&str] = &["src_ip", "SourceIp", "id.orig_h", "client_ip", "c-ip"];

/// Most learnt address -> name pairs kept.
const ALIAS_CAP: usize = 65_536;

/// A host name in one spelling: lower case, without the domain.
pub fn host_name_key(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    match h.split_once('.') {
        Some((short, _)) if !short.is_empty() => short.to_string(),
        _ => h,
    }
}

/// A user in one spelling: lower case, without `DOMAIN\` or `@domain`.
pub fn user_key(user: &str) -> String {
    let u = user.trim();
    let u = u.rsplit_once('\\').map_or(u, |(_, n)| n);
    let u = u.split_once('@').map_or(u, |(n, _)| n);
    u.to_lowercase()
}

fn as_ip(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

/// Address -> host name, from the settings and from findings that name both.
#[derive(Default)]
pub struct Aliases {
    by_ip: FxHashMap<IpAddr, String>,
}

impl Aliases {
    pub fn new(settings: &crate::Settings) -> Aliases {
        let by_ip = settings
            .aliases_by_ip()
            .map(|(ip, name)| (ip, host_name_key(name)))
            .collect();
        Aliases { by_ip }
    }

    /// Learns the address of a finding's named host, when it gives one
    /// (`host_ip`, or one of its fields).
    pub fn learn(&mut self, f: &Finding) {
        let Some(host) = f.entity.host.as_deref().filter(|h| as_ip(h).is_none()) else {
            return;
        };
        let named_by = f.entity.host_ip.as_deref().and_then(as_ip);
        let fields = SOURCE_ADDRESS_FIELDS
            .iter()
            .filter_map(|k| f.fields.get(*k));
        for ip in named_by.into_iter().chain(fields.filter_map(|v| as_ip(v))) {
            if self.by_ip.len() < ALIAS_CAP || self.by_ip.contains_key(&ip) {
                self.by_ip.insert(ip, host_name_key(host));
            }
        }
    }

    /// The key of a host as reported: its name's, or its address's (by
    /// name when the address is known).
    pub fn host_key(&self, host: &str) -> Option<String> {
        let host = host.trim();
        if host.is_empty() || host == "-" {
            return None;
        }
        Some(match as_ip(host) {
            Some(ip) => match self.by_ip.get(&ip) {
                Some(name) => format!("host:{name}"),
                None => format!("ip:{ip}"),
            },
            None => format!("host:{}", host_name_key(host)),
        })
    }
}

/// The keys a finding is about: its host and, when it names a person, its user.
pub fn keys(f: &Finding, aliases: &Aliases, shared_users: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(2);
    if let Some(h) = f.entity.host.as_deref().and_then(|h| aliases.host_key(h)) {
        out.push(h);
    }
    if let Some(u) = f.entity.user.as_deref().map(user_key) {
        let numeric = u.chars().all(|c| c.is_ascii_digit());
        if !u.is_empty() && !numeric && !shared_users.iter().any(|s| s.eq_ignore_ascii_case(&u)) {
            out.push(format!("user:{u}"));
        }
    }
    out
}

/// Whether a key names an actor whose other uploads are linked to an
/// incident: a user, an address, or a host (a named address).
pub fn is_actor(key: &str) -> bool {
    key.starts_with("user:") || key.starts_with("ip:") || key.starts_with("host:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use outflow_detect::{AlertRule, FindingEntity};

    fn finding(host: &str, user: Option<&str>) -> Finding {
        let rule = AlertRule {
            id: "r".into(),
            title: "t".into(),
            level: "high".into(),
            source: "analytic".into(),
        };
        Finding {
            entity: FindingEntity {
                host: Some(host.into()),
                user: user.map(str::to_string),
                ..FindingEntity::default()
            },
            ..Finding::new(rule, None)
        }
    }

    #[test]
    fn spellings_of_one_host_and_user_share_a_key() {
        let a = Aliases::default();
        let shared = vec!["system".to_string()];
        let k1 = keys(
            &finding("WS-HR-02.corp.example", Some("CORP\\eivanova")),
            &a,
            &shared,
        );
        let k2 = keys(
            &finding("ws-hr-02", Some("eivanova@corp.example")),
            &a,
            &shared,
        );
        assert_eq!(k1, ["host:ws-hr-02", "user:eivanova"]);
        assert_eq!(k1, k2);
        // Numeric ids and shared accounts tie nothing together.
        assert_eq!(
            keys(&finding("srv-1", Some("1001")), &a, &shared),
            ["host:srv-1"]
        );
        assert_eq!(
            keys(&finding("srv-1", Some("NT AUTHORITY\\SYSTEM")), &a, &shared),
            ["host:srv-1"]
        );
    }

    #[test]
    fn an_address_is_named_once_a_finding_gives_both() {
        let mut a = Aliases::default();
        assert_eq!(a.host_key("10.20.1.23").unwrap(), "ip:10.20.1.23");
        let mut f = finding("WS-HR-02", None);
        f.fields.insert("src_ip".into(), "10.20.1.23".into());
        a.learn(&f);
        assert_eq!(a.host_key("10.20.1.23").unwrap(), "host:ws-hr-02");
        let mut configured = crate::Settings::builtin();
        configured.host_aliases = [("10.0.0.9".to_string(), "DB-01".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            Aliases::new(&configured).host_key("10.0.0.9").unwrap(),
            "host:db-01"
        );
    }
}
