//! The compiled catalog and its lookup: a hash map keyed on the fixed right-hand
//! part of every pattern, probed with each label-boundary suffix of the host,
//! longest first. No regex per lookup.

use super::file::parse_services;
use super::model::{Category, ServiceEntry, Technique, TenantFrom};
use super::pattern::Pattern;
use crate::load::{ById, DataFile, Kind};
use crate::{parse_host, Host, IntelError};
use rustc_hash::FxHashMap;

/// Web services data can leave through, by host pattern.
#[derive(Debug, Default)]
pub struct WebServiceCatalog {
    entries: Vec<ServiceEntry>,
    by_key: FxHashMap<String, Vec<Rule>>,
}

#[derive(Debug)]
struct Rule {
    pattern: Pattern,
    raw: String,
    entry: usize,
    upload: bool,
}

/// A host (and path) recognised as a catalog service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceMatch<'a> {
    pub entry: &'a ServiceEntry,
    /// Whether the request went to one of the service's upload endpoints.
    pub upload: bool,
    /// The pattern that matched, as written in the data file.
    pub pattern: &'a str,
    /// The account, bucket or organisation, when the entry says where to find it.
    pub tenant: Option<String>,
}

impl ServiceMatch<'_> {
    pub fn service(&self) -> &str {
        &self.entry.service
    }
    pub fn id(&self) -> &str {
        &self.entry.id
    }
    pub fn category(&self) -> Category {
        self.entry.category
    }
    pub fn technique(&self) -> Technique {
        self.entry.technique
    }
}

impl WebServiceCatalog {
    /// The built-in catalog only.
    pub fn builtin() -> Result<WebServiceCatalog, IntelError> {
        Ok(crate::Intel::builtin()?.services)
    }

    /// A catalog from the text of one `kind: web_services` file (tests, tools).
    pub fn from_yaml(origin: &str, text: &str) -> Result<WebServiceCatalog, IntelError> {
        let mut by_id = ById::new();
        for (key, id, entry) in parse_services(origin, text)? {
            if let Some(entry) = entry {
                by_id.add(&id, entry, false, origin, &key)?;
            }
        }
        Ok(Self::compile(by_id.into_vec()))
    }

    pub(crate) fn from_files(files: &[DataFile]) -> Result<WebServiceCatalog, IntelError> {
        let mut by_id: ById<Option<ServiceEntry>> = ById::new();
        for f in files.iter().filter(|f| f.kind == Kind::WebServices) {
            for (key, id, entry) in parse_services(&f.origin, &f.text)? {
                by_id.add(&id, entry, f.user, &f.origin, &key)?;
            }
        }
        Ok(Self::compile(
            by_id.into_vec().into_iter().flatten().collect(),
        ))
    }

    fn compile(entries: Vec<ServiceEntry>) -> WebServiceCatalog {
        let mut by_key: FxHashMap<String, Vec<Rule>> = FxHashMap::default();
        for (i, e) in entries.iter().enumerate() {
            let all = e.upload_endpoints.iter().map(|p| (p, true));
            for (raw, upload) in all.chain(e.domains.iter().map(|p| (p, false))) {
                // Validated when the file was parsed.
                let Ok(pattern) = Pattern::parse(raw) else {
                    continue;
                };
                let rules = by_key.entry(pattern.key.clone()).or_default();
                if rules.iter().any(|r| r.pattern == pattern) {
                    continue;
                }
                rules.push(Rule {
                    pattern,
                    raw: raw.clone(),
                    entry: i,
                    upload,
                });
            }
        }
        for rules in by_key.values_mut() {
            rules.sort_by_key(|r| std::cmp::Reverse((r.pattern.rank(), r.upload)));
        }
        WebServiceCatalog { entries, by_key }
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[ServiceEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&ServiceEntry> {
        self.entries.iter().find(|e| e.id.eq_ignore_ascii_case(id))
    }

    /// The service `host` (any case, trailing dot, port, URL) belongs to, the most
    /// specific pattern winning; `path` (the request path, when known) selects
    /// path-prefixed patterns such as webhook endpoints. IP literals give `None`.
    pub fn lookup(&self, host: &str, path: Option<&str>) -> Option<ServiceMatch<'_>> {
        let Host::Name(name) = parse_host(host)? else {
            return None;
        };
        // Bound before it is returned: the iterator borrows `name`.
        let found = self.suffix_rules(&name).find_map(|(left, rules)| {
            rules.iter().find_map(|r| {
                if !r.pattern.match_path(path) {
                    return None;
                }
                let label = r.pattern.match_left(left)?;
                Some(self.found(r, left, label, path))
            })
        });
        found
    }

    /// The rules keyed on each label-boundary suffix of `name`, longest
    /// first, with the labels left of that suffix.
    fn suffix_rules<'s, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = (&'n str, &'s [Rule])> + use<'s, 'n> {
        let starts = std::iter::once(0).chain(name.match_indices('.').map(|(i, _)| i + 1));
        starts.filter_map(move |start| {
            let rules = self.by_key.get(&name[start..])?;
            Some((name[..start].trim_end_matches('.'), rules.as_slice()))
        })
    }

    /// Whether a request path can change what [`Self::lookup`] gives for
    /// `host`: some pattern under one of its suffixes has a path prefix, or
    /// takes the tenant from the path. When not, a caller may look the host
    /// up once and reuse the answer for every path.
    pub fn path_matters(&self, host: &str) -> bool {
        let Some(Host::Name(name)) = parse_host(host) else {
            return false;
        };
        let by_path = self.suffix_rules(&name).any(|(_, rules)| {
            rules.iter().any(|r| {
                r.pattern.path.is_some()
                    || matches!(
                        self.entries[r.entry].tenant,
                        Some(TenantFrom::Path | TenantFrom::SubdomainOrPath)
                    )
            })
        });
        by_path
    }

    /// The match of rule `r` for a host whose labels left of the rule's key
    /// are `left`; `label` is the one the pattern's leading `*` stands for.
    fn found<'a>(
        &'a self,
        r: &'a Rule,
        left: &str,
        label: Option<&str>,
        path: Option<&str>,
    ) -> ServiceMatch<'a> {
        let entry = &self.entries[r.entry];
        let from_path = || {
            path.and_then(|p| p.trim_start_matches('/').split(['/', '?', '#']).next())
                .filter(|s| !s.is_empty())
        };
        // The subdomain tenant, past the labels of the service's own hosts.
        let label = label.and_then(|_| r.pattern.tenant_label(left, &entry.tenant_skip));
        let tenant = match entry.tenant {
            None => None,
            Some(TenantFrom::Subdomain) => label,
            Some(TenantFrom::Path) => from_path(),
            Some(TenantFrom::SubdomainOrPath) => label.or_else(from_path),
        };
        let tenant = tenant.map(|t| {
            let mut t = t.to_ascii_lowercase();
            for s in &entry.tenant_strip {
                if let Some(stripped) = t.strip_suffix(s.as_str()) {
                    t = stripped.to_string();
                }
            }
            t
        });
        ServiceMatch {
            entry,
            upload: r.upload,
            pattern: &r.raw,
            tenant,
        }
    }
}
