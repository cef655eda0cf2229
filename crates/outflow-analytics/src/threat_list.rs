//! A threat-intelligence list the user supplies (`outflow hunt --intel-list
//! FILE`): one indicator a line — an e-mail address, a domain (its
//! subdomains match too), an IP address or a CIDR. CSV lines are read by
//! their first column; `#` starts a comment; a first line that is no
//! indicator is taken for a header.

use ipnet::IpNet;
use rustc_hash::FxHashSet;
use std::net::IpAddr;
use std::path::Path;

#[derive(Debug, Default)]
pub struct ThreatList {
    emails: FxHashSet<String>,
    domains: FxHashSet<String>,
    nets: Vec<IpNet>,
    /// Where it came from (shown in findings).
    pub origin: String,
}

/// What matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Indicator {
    Email(String),
    Domain(String),
    Net(IpNet),
}

impl std::fmt::Display for Indicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Indicator::Email(s) | Indicator::Domain(s) => f.write_str(s),
            Indicator::Net(n) => write!(f, "{n}"),
        }
    }
}

impl ThreatList {
    pub fn load(path: &Path) -> Result<ThreatList, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        ThreatList::parse(&path.display().to_string(), &text)
    }

    /// Parses list text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<ThreatList, String> {
        let mut list = ThreatList {
            origin: origin.to_string(),
            ..ThreatList::default()
        };
        let mut seen_any = false;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default();
            let first = line
                .split([',', ';', '\t', ' '])
                .map(|f| f.trim().trim_matches('"').trim())
                .find(|f| !f.is_empty());
            let Some(item) = first else { continue };
            match classify(item) {
                Some(ind) => list.add(ind),
                None if !seen_any => {} // a header line
                None => {
                    return Err(format!(
                        "{origin}:{}: `{item}` is no e-mail address, domain, IP address or CIDR",
                        i + 1
                    ))
                }
            }
            seen_any = true;
        }
        Ok(list)
    }

    fn add(&mut self, ind: Indicator) {
        match ind {
            Indicator::Email(e) => {
                self.emails.insert(e);
            }
            Indicator::Domain(d) => {
                self.domains.insert(d);
            }
            Indicator::Net(n) => self.nets.push(n),
        }
    }

    pub fn len(&self) -> usize {
        self.emails.len() + self.domains.len() + self.nets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The indicator an e-mail address matches: itself, or its domain or a
    /// parent domain.
    pub fn match_email(&self, address: &str) -> Option<Indicator> {
        let a = address.trim().to_ascii_lowercase();
        if self.emails.contains(&a) {
            return Some(Indicator::Email(a));
        }
        let domain = a.rsplit_once('@').map(|(_, d)| d)?;
        self.match_domain(domain)
    }

    /// The listed domain `domain` is or lies under.
    pub fn match_domain(&self, domain: &str) -> Option<Indicator> {
        let mut d = domain.trim().trim_end_matches('.');
        loop {
            if self.domains.contains(d) {
                return Some(Indicator::Domain(d.to_string()));
            }
            d = d.split_once('.')?.1;
        }
    }

    /// The listed network holding `ip`.
    pub fn match_ip(&self, ip: IpAddr) -> Option<Indicator> {
        self.nets
            .iter()
            .find(|n| n.contains(&ip))
            .map(|n| Indicator::Net(*n))
    }
}

fn classify(item: &str) -> Option<Indicator> {
    let lower = item.to_ascii_lowercase();
    if let Ok(n) = lower.parse::<IpNet>() {
        return Some(Indicator::Net(n));
    }
    if let Ok(ip) = lower.parse::<IpAddr>() {
        return Some(Indicator::Net(IpNet::from(ip)));
    }
    if let Some((local, domain)) = lower.rsplit_once('@') {
        return (!local.is_empty() && is_domain(domain)).then_some(Indicator::Email(lower));
    }
    let d = lower.trim_end_matches('.');
    is_domain(d).then(|| Indicator::Domain(d.to_string()))
}

fn is_domain(d: &str) -> bool {
    d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "indicator,type\n\
        bad@evil.example,email\n\
        phish.example # campaign 12\n\
        203.0.113.0/24\n\
        \"198.51.100.9\",ip\n";

    #[test]
    fn emails_domains_and_networks_match() {
        let l = ThreatList::parse("list.csv", LIST).unwrap();
        assert_eq!(l.len(), 4);
        assert_eq!(
            l.match_email("Bad@Evil.example"),
            Some(Indicator::Email("bad@evil.example".into()))
        );
        assert_eq!(l.match_email("other@evil.example"), None);
        assert_eq!(
            l.match_email("x@mail.phish.example"),
            Some(Indicator::Domain("phish.example".into()))
        );
        assert!(l.match_ip("203.0.113.77".parse().unwrap()).is_some());
        assert!(l.match_ip("198.51.100.9".parse().unwrap()).is_some());
        assert!(l.match_ip("198.51.100.10".parse().unwrap()).is_none());
    }

    #[test]
    fn a_bad_line_is_an_error_with_its_line_number() {
        let err = ThreatList::parse("l.txt", "evil.example\nnot an indicator\n").unwrap_err();
        assert!(err.starts_with("l.txt:2:"), "{err}");
    }
}
