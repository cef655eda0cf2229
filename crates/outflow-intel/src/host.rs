//! Host names as they come in logs: any case, trailing dots, ports, IPv6 in
//! brackets, IP literals, URLs.

use std::borrow::Cow;
use std::net::IpAddr;

/// A parsed destination host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host<'a> {
    /// A DNS name, lower case, without trailing dot or port.
    Name(Cow<'a, str>),
    /// An IP literal (v4, or v6 with or without brackets).
    Ip(IpAddr),
}

/// Parses a host as seen in logs: `Example.COM.`, `example.com:443`,
/// `[2001:db8::1]:443`, `2001:db8::1`, `10.0.0.1:8080`, also `https://host/path`
/// (scheme and path dropped). `None` when nothing usable is left.
pub fn parse_host(raw: &str) -> Option<Host<'_>> {
    let mut s = raw.trim();
    if let Some(at) = s.find("://") {
        s = &s[at + 3..];
    }
    if let Some(end) = s.find(['/', '?', '#']) {
        s = &s[..end];
    }
    if let Some(at) = s.rfind('@') {
        s = &s[at + 1..];
    }
    if let Some(inner) = s.strip_prefix('[') {
        let end = inner.find(']')?;
        return inner[..end].parse().ok().map(Host::Ip);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(Host::Ip(ip));
    }
    if let Some((name, port)) = s.rsplit_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            s = name;
        }
    }
    let s = s.trim_end_matches('.');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(Host::Ip(ip));
    }
    if s.is_empty() || s.contains(':') || s.bytes().any(|b| b <= b' ') {
        return None;
    }
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Host::Name(Cow::Owned(s.to_ascii_lowercase())))
    } else {
        Some(Host::Name(Cow::Borrowed(s)))
    }
}

/// The registered (registrable) domain of a host by the public suffix list,
/// private section included: `a.b.example.co.uk` → `example.co.uk`,
/// `user.github.io` → `user.github.io`. `None` for IP literals and public suffixes.
pub fn registered_domain(raw: &str) -> Option<String> {
    match parse_host(raw)? {
        Host::Name(name) => psl::domain_str(&name).map(str::to_string),
        Host::Ip(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Option<String> {
        match parse_host(s)? {
            Host::Name(n) => Some(n.into_owned()),
            Host::Ip(_) => None,
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(name("Example.COM.").as_deref(), Some("example.com"));
        assert_eq!(name("example.com:443").as_deref(), Some("example.com"));
        assert_eq!(
            name("https://u@x.example.com:8443/p?q").as_deref(),
            Some("x.example.com")
        );
        assert_eq!(
            parse_host("[2001:db8::1]:443"),
            Some(Host::Ip("2001:db8::1".parse().unwrap()))
        );
        assert_eq!(
            parse_host("10.1.2.3:80"),
            Some(Host::Ip("10.1.2.3".parse().unwrap()))
        );
        assert_eq!(parse_host("::1"), Some(Host::Ip("::1".parse().unwrap())));
        assert_eq!(parse_host(""), None);
        assert_eq!(parse_host("."), None);
    }
}
