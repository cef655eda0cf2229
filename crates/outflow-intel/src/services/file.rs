//! The `kind: web_services` file format and its validation.

use super::model::{Category, ServiceEntry, Technique, TenantFrom};
use super::pattern::Pattern;
use crate::IntelError;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServicesFile {
    #[allow(dead_code)]
    pub name: String,
    #[allow(dead_code)]
    pub kind: String,
    #[serde(default)]
    #[allow(dead_code)]
    pub description: Option<String>,
    /// Host labels that name a service's own hosts (`www`, `api`) rather
    /// than a tenant, for every entry of the file that takes its tenant
    /// from a subdomain.
    #[serde(default)]
    pub tenant_skip: Vec<String>,
    pub groups: Vec<Group>,
}

/// Services sharing a source note and, optionally, a category and technique.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Group {
    #[allow(dead_code)]
    pub group: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub technique: Option<Technique>,
    pub services: Vec<RawService>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    pub id: String,
    pub service: String,
    pub provider: String,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub technique: Option<Technique>,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub upload_endpoints: Vec<String>,
    #[serde(default)]
    pub tenant: Option<TenantFrom>,
    #[serde(default)]
    pub tenant_strip: Vec<String>,
    /// Labels of this service's own hosts, added to the file's `tenant_skip`.
    #[serde(default)]
    pub tenant_skip: Vec<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// In a user file: removes the built-in entry with this id.
    #[serde(default)]
    pub disabled: bool,
}

/// Parses and validates one file: (key path, entry or `None` when disabled).
pub(crate) fn parse_services(
    origin: &str,
    text: &str,
) -> Result<Vec<(String, String, Option<ServiceEntry>)>, IntelError> {
    let file: ServicesFile =
        yaml_serde::from_str(text).map_err(|e| IntelError::parse(origin, e))?;
    let mut out = Vec::new();
    for (g, group) in file.groups.into_iter().enumerate() {
        for (s, raw) in group.services.into_iter().enumerate() {
            let key = format!("groups[{g}].services[{s}]");
            let id = raw.id.trim().to_string();
            if id.is_empty() {
                return Err(IntelError::invalid(origin, format!("{key}.id"), "empty id"));
            }
            if raw.disabled {
                out.push((key, id, None));
                continue;
            }
            let category = raw.category.or(group.category).ok_or_else(|| {
                IntelError::invalid(
                    origin,
                    format!("{key}.category"),
                    "missing (entry or group)",
                )
            })?;
            let technique = raw.technique.or(group.technique).ok_or_else(|| {
                IntelError::invalid(
                    origin,
                    format!("{key}.technique"),
                    "missing (entry or group)",
                )
            })?;
            let source = raw.source.or(group.source.clone()).ok_or_else(|| {
                IntelError::invalid(origin, format!("{key}.source"), "missing (entry or group)")
            })?;
            if raw.domains.is_empty() && raw.upload_endpoints.is_empty() {
                return Err(IntelError::invalid(
                    origin,
                    format!("{key}.domains"),
                    "no domains and no upload_endpoints",
                ));
            }
            for (field, list) in [
                ("domains", &raw.domains),
                ("upload_endpoints", &raw.upload_endpoints),
            ] {
                for (i, p) in list.iter().enumerate() {
                    Pattern::parse(p).map_err(|e| {
                        IntelError::invalid(
                            origin,
                            format!("{key}.{field}[{i}]"),
                            format!("`{p}`: {e}"),
                        )
                    })?;
                }
            }
            let entry = ServiceEntry {
                id: id.clone(),
                service: raw.service,
                provider: raw.provider,
                category,
                technique,
                domains: raw.domains,
                upload_endpoints: raw.upload_endpoints,
                tenant: raw.tenant,
                tenant_strip: raw
                    .tenant_strip
                    .iter()
                    .map(|s| s.to_ascii_lowercase())
                    .collect(),
                tenant_skip: file
                    .tenant_skip
                    .iter()
                    .chain(&raw.tenant_skip)
                    .map(|s| s.to_ascii_lowercase())
                    .collect(),
                source,
                note: raw.note,
            };
            out.push((key, id, Some(entry)));
        }
    }
    Ok(out)
}
