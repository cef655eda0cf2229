//! The organisation's policy: sanctioned services, tenants and buckets, internal
//! networks, and allowlists per process, signer, destination, host or user.

mod file;

use crate::glob::glob_match;
use crate::services::{Category, Pattern};
use crate::{parse_host, Host, IntelError, ServiceMatch};
use file::{AllowRaw, PolicyFile};
use ipnet::IpNet;
use std::net::IpAddr;
use std::path::Path;

/// A loaded, validated policy.
#[derive(Debug, Default)]
pub struct Policy {
    pub organisation: Option<String>,
    domains: Vec<Pattern>,
    /// (catalog service id, tenant), lower case.
    tenants: Vec<(String, String)>,
    buckets: Vec<String>,
    /// (SaaS service, app id or name), lower case.
    apps: Vec<(String, String)>,
    internal: Vec<IpNet>,
    allow: Vec<AllowRule>,
    forbidden: Forbidden,
}

/// The `forbidden:` section: destinations policy forbids even when the
/// firewall lets them through.
#[derive(Debug, Default)]
struct Forbidden {
    categories: Vec<String>,
    services: Vec<String>,
    destinations: Vec<Destination>,
    /// The text of each destination, for reports.
    destination_text: Vec<String>,
}

/// A destination to check against the `forbidden:` section; any part may be
/// unknown.
#[derive(Clone, Copy, Debug, Default)]
pub struct ForbiddenQuery<'a> {
    pub host: Option<&'a str>,
    pub ip: Option<IpAddr>,
    /// Catalog service id.
    pub service: Option<&'a str>,
    /// Catalog category.
    pub category: Option<&'a str>,
}

/// Why a destination is forbidden: the entry of the `forbidden:` section
/// that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForbiddenBy {
    Category(String),
    Service(String),
    Destination(String),
}

impl std::fmt::Display for ForbiddenBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ForbiddenBy::Category(c) => write!(f, "forbidden category {c}"),
            ForbiddenBy::Service(s) => write!(f, "forbidden service {s}"),
            ForbiddenBy::Destination(d) => write!(f, "forbidden destination {d}"),
        }
    }
}

/// Something that may be sanctioned.
#[derive(Clone, Copy, Debug)]
pub enum Sanctioned<'a> {
    /// A host name (patterns of `sanctioned.domains`).
    Domain(&'a str),
    /// A tenant of a catalog service (`sharepoint_online`, `corpexample`).
    Tenant { service: &'a str, tenant: &'a str },
    /// A bucket or container name.
    Bucket(&'a str),
    /// A third-party app installed in a SaaS service (`slack`), by id or name.
    App { service: &'a str, app: &'a str },
}

/// One allowlist rule: every condition given must hold (a list means any of).
#[derive(Debug)]
pub struct AllowRule {
    pub name: String,
    hosts: Vec<String>,
    users: Vec<String>,
    images: Vec<String>,
    signers: Vec<String>,
    destinations: Vec<Destination>,
    pub note: Option<String>,
}

#[derive(Debug)]
enum Destination {
    Net(IpNet),
    Host(Pattern),
}

/// What [`Policy::allowed_by`] checks: the activity's host, user, process image,
/// signer and destination (host name or IP), any may be unknown.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowQuery<'a> {
    pub host: Option<&'a str>,
    pub user: Option<&'a str>,
    pub image: Option<&'a str>,
    pub signer: Option<&'a str>,
    pub destination: Option<&'a str>,
}

impl Policy {
    /// Reads and validates a policy file.
    pub fn load(path: &Path) -> Result<Policy, IntelError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| IntelError::Io {
            file: origin.clone(),
            source,
        })?;
        Policy::from_yaml(&origin, &text)
    }

    /// Parses and validates policy text; `origin` names it in errors.
    pub fn from_yaml(origin: &str, text: &str) -> Result<Policy, IntelError> {
        let file: PolicyFile = if text.trim().is_empty() {
            PolicyFile::default()
        } else {
            yaml_serde::from_str(text).map_err(|e| IntelError::parse(origin, e))?
        };
        let bad = |key: String, msg: String| IntelError::invalid(origin, key, msg);
        let mut p = Policy {
            organisation: file.organisation,
            ..Policy::default()
        };
        for (i, d) in file.sanctioned.domains.iter().enumerate() {
            let pat = Pattern::parse(d)
                .map_err(|e| bad(format!("sanctioned.domains[{i}]"), format!("`{d}`: {e}")))?;
            p.domains.push(pat);
        }
        for (i, t) in file.sanctioned.tenants.iter().enumerate() {
            if t.service.trim().is_empty() {
                return Err(bad(
                    format!("sanctioned.tenants[{i}].service"),
                    "empty".into(),
                ));
            }
            for (j, name) in t.tenants.iter().enumerate() {
                if name.trim().is_empty() {
                    return Err(bad(
                        format!("sanctioned.tenants[{i}].tenants[{j}]"),
                        "empty".into(),
                    ));
                }
                p.tenants.push((
                    t.service.trim().to_ascii_lowercase(),
                    name.trim().to_ascii_lowercase(),
                ));
            }
        }
        for (i, a) in file.sanctioned.apps.iter().enumerate() {
            if a.service.trim().is_empty() {
                return Err(bad(format!("sanctioned.apps[{i}].service"), "empty".into()));
            }
            for (j, name) in a.apps.iter().enumerate() {
                if name.trim().is_empty() {
                    return Err(bad(
                        format!("sanctioned.apps[{i}].apps[{j}]"),
                        "empty".into(),
                    ));
                }
                p.apps.push((
                    a.service.trim().to_ascii_lowercase(),
                    name.trim().to_ascii_lowercase(),
                ));
            }
        }
        p.buckets = file
            .sanctioned
            .buckets
            .iter()
            .map(|b| b.trim().to_string())
            .collect();
        for (i, n) in file.internal_networks.iter().enumerate() {
            p.internal.push(parse_net(n).ok_or_else(|| {
                bad(
                    format!("internal_networks[{i}]"),
                    format!("`{n}` is not a CIDR or IP address"),
                )
            })?);
        }
        for (i, raw) in file.allow.into_iter().enumerate() {
            let key = format!("allow[{i}]");
            if p.allow.iter().any(|r| r.name == raw.name) {
                return Err(bad(
                    format!("{key}.name"),
                    format!("duplicate rule name `{}`", raw.name),
                ));
            }
            p.allow
                .push(allow_rule(raw, &key).map_err(|(k, m)| bad(k, m))?);
        }
        p.forbidden = forbidden(file.forbidden).map_err(|(k, m)| bad(k, m))?;
        Ok(p)
    }

    /// Whether the policy has a `forbidden:` entry.
    pub fn has_forbidden(&self) -> bool {
        let f = &self.forbidden;
        !(f.categories.is_empty() && f.services.is_empty() && f.destinations.is_empty())
    }

    /// The `forbidden:` entry a destination matches: its service id, its
    /// category, then its host name or address.
    pub fn forbidden_by(&self, q: &ForbiddenQuery<'_>) -> Option<ForbiddenBy> {
        let f = &self.forbidden;
        if let Some(s) = q.service {
            if let Some(hit) = f.services.iter().find(|x| x.eq_ignore_ascii_case(s)) {
                return Some(ForbiddenBy::Service(hit.clone()));
            }
        }
        if let Some(c) = q.category {
            if let Some(hit) = f.categories.iter().find(|x| x.eq_ignore_ascii_case(c)) {
                return Some(ForbiddenBy::Category(hit.clone()));
            }
        }
        let name = q.host.and_then(parse_host);
        f.destinations
            .iter()
            .zip(&f.destination_text)
            .find(|(d, _)| match (d, &name, q.ip) {
                (Destination::Host(p), Some(Host::Name(n)), _) => p.matches_host(n),
                (Destination::Net(n), Some(Host::Ip(ip)), _) => n.contains(ip),
                (Destination::Net(n), _, Some(ip)) => n.contains(&ip),
                _ => false,
            })
            .map(|(_, text)| ForbiddenBy::Destination(text.clone()))
    }

    /// Whether the policy names internal networks (else callers fall back to
    /// the private ranges).
    pub fn has_internal_networks(&self) -> bool {
        !self.internal.is_empty()
    }

    /// Whether a domain, tenant, bucket or app is sanctioned by the organisation.
    pub fn is_sanctioned(&self, what: Sanctioned<'_>) -> bool {
        match what {
            Sanctioned::Domain(host) => match parse_host(host) {
                Some(Host::Name(n)) => self.domains.iter().any(|p| p.matches_host(&n)),
                _ => false,
            },
            Sanctioned::Tenant { service, tenant } => self.tenants.iter().any(|(s, t)| {
                s.eq_ignore_ascii_case(service.trim()) && t.eq_ignore_ascii_case(tenant.trim())
            }),
            Sanctioned::Bucket(b) => self.buckets.iter().any(|p| glob_match(p, b.trim())),
            Sanctioned::App { service, app } => self.apps.iter().any(|(s, a)| {
                s.eq_ignore_ascii_case(service.trim()) && a.eq_ignore_ascii_case(app.trim())
            }),
        }
    }

    /// Whether a catalog match is sanctioned: its tenant (for its service id; as a
    /// bucket too), else the host.
    pub fn is_sanctioned_match(&self, m: &ServiceMatch<'_>, host: &str) -> bool {
        if let Some(t) = &m.tenant {
            let tenant = Sanctioned::Tenant {
                service: m.id(),
                tenant: t,
            };
            if self.is_sanctioned(tenant) || self.is_sanctioned(Sanctioned::Bucket(t)) {
                return true;
            }
        }
        self.is_sanctioned(Sanctioned::Domain(host))
    }

    /// Whether `ip` lies in one of the internal networks.
    pub fn is_internal(&self, ip: IpAddr) -> bool {
        self.internal.iter().any(|n| n.contains(&ip))
    }

    /// Whether an allowlist rule covers this activity.
    pub fn is_allowed(&self, host: &str, user: &str, image: &str, destination: &str) -> bool {
        let q = AllowQuery {
            host: Some(host),
            user: Some(user),
            image: Some(image),
            signer: None,
            destination: Some(destination),
        };
        self.allowed_by(&q).is_some()
    }

    /// The first allowlist rule covering this activity. A condition on a field the
    /// query does not know fails.
    pub fn allowed_by(&self, q: &AllowQuery<'_>) -> Option<&AllowRule> {
        self.allow.iter().find(|r| r.matches(q))
    }

    /// The allowlist rules.
    pub fn allow_rules(&self) -> &[AllowRule] {
        &self.allow
    }
}

impl AllowRule {
    fn matches(&self, q: &AllowQuery<'_>) -> bool {
        any_glob(&self.hosts, q.host)
            && any_glob(&self.users, q.user)
            && any_image(&self.images, q.image)
            && any_glob(&self.signers, q.signer)
            && self.destination_matches(q.destination)
    }

    fn destination_matches(&self, dest: Option<&str>) -> bool {
        if self.destinations.is_empty() {
            return true;
        }
        let Some(host) = dest.and_then(parse_host) else {
            return false;
        };
        self.destinations.iter().any(|d| match (d, &host) {
            (Destination::Net(n), Host::Ip(ip)) => n.contains(ip),
            (Destination::Host(p), Host::Name(name)) => p.matches_host(name),
            _ => false,
        })
    }
}

fn any_glob(patterns: &[String], value: Option<&str>) -> bool {
    patterns.is_empty() || value.is_some_and(|v| patterns.iter().any(|p| glob_match(p, v.trim())))
}

/// Image patterns with a path separator match the whole path (`\` and `/` alike);
/// others match the file name.
fn any_image(patterns: &[String], image: Option<&str>) -> bool {
    if patterns.is_empty() {
        return true;
    }
    let Some(image) = image else { return false };
    let path = image.trim().trim_matches('"').replace('/', "\\");
    let base = path.rsplit('\\').next().unwrap_or_default();
    patterns.iter().any(|p| {
        if p.contains(['\\', '/']) {
            glob_match(&p.replace('/', "\\"), &path)
        } else {
            glob_match(p, base)
        }
    })
}

fn parse_net(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

fn forbidden(raw: file::ForbiddenRaw) -> Result<Forbidden, (String, String)> {
    let mut f = Forbidden::default();
    for (i, c) in raw.categories.iter().enumerate() {
        let c = c.trim().to_ascii_lowercase();
        if !Category::ALL.iter().any(|k| k.as_str() == c) {
            let known: Vec<&str> = Category::ALL.iter().map(|k| k.as_str()).collect();
            return Err((
                format!("forbidden.categories[{i}]"),
                format!("`{c}` is no catalog category (one of {})", known.join(", ")),
            ));
        }
        f.categories.push(c);
    }
    for (i, s) in raw.services.iter().enumerate() {
        if s.trim().is_empty() {
            return Err((format!("forbidden.services[{i}]"), "empty".into()));
        }
        f.services.push(s.trim().to_ascii_lowercase());
    }
    for (i, d) in raw.destinations.iter().enumerate() {
        let dest = match parse_net(d) {
            Some(n) => Destination::Net(n),
            None => Destination::Host(Pattern::parse(d).map_err(|e| {
                (
                    format!("forbidden.destinations[{i}]"),
                    format!("`{d}`: {e}"),
                )
            })?),
        };
        f.destinations.push(dest);
        f.destination_text.push(d.trim().to_string());
    }
    Ok(f)
}

fn allow_rule(raw: AllowRaw, key: &str) -> Result<AllowRule, (String, String)> {
    if raw.name.trim().is_empty() {
        return Err((format!("{key}.name"), "empty".into()));
    }
    let conditions = raw.hosts.len()
        + raw.users.len()
        + raw.images.len()
        + raw.signers.len()
        + raw.destinations.len();
    if conditions == 0 {
        return Err((
            key.to_string(),
            "a rule without hosts, users, images, signers or destinations would allow everything"
                .into(),
        ));
    }
    let mut destinations = Vec::new();
    for (i, d) in raw.destinations.iter().enumerate() {
        let dest = match parse_net(d) {
            Some(n) => Destination::Net(n),
            None => Destination::Host(
                Pattern::parse(d)
                    .map_err(|e| (format!("{key}.destinations[{i}]"), format!("`{d}`: {e}")))?,
            ),
        };
        destinations.push(dest);
    }
    Ok(AllowRule {
        name: raw.name,
        hosts: raw.hosts,
        users: raw.users,
        images: raw.images,
        signers: raw.signers,
        destinations,
        note: raw.note,
    })
}
