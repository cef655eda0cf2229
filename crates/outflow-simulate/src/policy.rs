//! The simulated organisation's policy (`OUT/policy.yml`), in the format
//! `outflow hunt --policy` reads: what a real organisation would write about
//! itself — its domains, its SaaS tenants, its own buckets, its networks.
//! It names no story: it only tells outflow what is the organisation's own.

use crate::background::slack::APPROVED;
use crate::world::{ARTIFACT_BUCKET, BACKUP_BUCKET, DOMAIN, GITHUB_ORG, TENANT};

/// The policy file's text.
pub fn text() -> String {
    let apps: Vec<&str> = APPROVED.iter().map(|(id, _, _)| *id).collect();
    let apps = apps.join(", ");
    format!(
        "# The simulated organisation's policy: give it to `outflow hunt --policy`.\n\
         organisation: Example Corp (simulated)\n\
         sanctioned:\n\
         \x20 domains: [{DOMAIN}, \"*.{DOMAIN}\"]\n\
         \x20 tenants:\n\
         \x20   - service: sharepoint_online\n\
         \x20     tenants: [{TENANT}]\n\
         \x20   - service: github\n\
         \x20     tenants: [{GITHUB_ORG}]\n\
         \x20 buckets: [{BACKUP_BUCKET}, {ARTIFACT_BUCKET}]\n\
         \x20 apps:\n\
         \x20   - service: slack\n\
         \x20     apps: [{apps}]\n\
         internal_networks: [10.20.0.0/16]\n"
    )
}
