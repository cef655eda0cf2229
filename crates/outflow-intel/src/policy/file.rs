//! The policy file format.

use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyFile {
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub sanctioned: Sanctioned,
    #[serde(default)]
    pub internal_networks: Vec<String>,
    #[serde(default)]
    pub allow: Vec<AllowRaw>,
    #[serde(default)]
    pub forbidden: ForbiddenRaw,
}

/// What the organisation forbids reaching, whatever the firewall did.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForbiddenRaw {
    /// Web-service catalog categories (`file_sharing`, `paste`, ...).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Web-service catalog service ids (`mega`, `pastebin`, ...).
    #[serde(default)]
    pub services: Vec<String>,
    /// Host patterns, IP addresses or CIDRs.
    #[serde(default)]
    pub destinations: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sanctioned {
    /// Host patterns (`corpexample.com`, `*.corpexample.com`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Tenants per catalog service id.
    #[serde(default)]
    pub tenants: Vec<TenantsRaw>,
    /// Bucket / container names (globs).
    #[serde(default)]
    pub buckets: Vec<String>,
    /// Third-party apps per SaaS service (`slack`), by id or name.
    #[serde(default)]
    pub apps: Vec<AppsRaw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppsRaw {
    pub service: String,
    pub apps: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TenantsRaw {
    pub service: String,
    pub tenants: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllowRaw {
    pub name: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub signers: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}
