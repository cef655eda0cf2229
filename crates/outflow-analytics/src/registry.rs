//! The built-in stateful analytics, in the order they run. Each reads its
//! section of the analytics configuration; a disabled one is left out.

use crate::engine::StatefulAnalytic;
use crate::stateful;
use crate::stateful::{bulk_saas_upload, staging_upload, webhook_integration};
use crate::stateful::{email_exfil, geo_logon, inbound_untrusted, outbound_policy};
use crate::{ConfigError, Ctx};
use std::sync::Arc;

/// Builds one analytic from the shared context.
type Build = fn(&Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError>;

/// Every built-in stateful analytic: (id in analytics.yml, constructor).
const BUILTIN: &[(&str, Build)] = &[
    (
        stateful::first_seen_process::NAME,
        stateful::first_seen_process::build,
    ),
    (
        stateful::new_destination::NAME,
        stateful::new_destination::build,
    ),
    (
        stateful::rare_destination::NAME,
        stateful::rare_destination::build,
    ),
    (
        stateful::large_transfer::ID,
        stateful::large_transfer::build,
    ),
    (stateful::upload_ratio::ID, stateful::upload_ratio::build),
    (stateful::slow_and_low::ID, stateful::slow_and_low::build),
    (staging_upload::NAME, staging_upload::StagingUpload::build),
    (
        bulk_saas_upload::NAME,
        bulk_saas_upload::BulkSaasUpload::build,
    ),
    (
        webhook_integration::NAME,
        webhook_integration::WebhookIntegration::build,
    ),
    (
        stateful::community_deviation::ID,
        stateful::community_deviation::build,
    ),
    (
        stateful::payload_profile::ID,
        stateful::payload_profile::build,
    ),
    (
        stateful::protocol_anomaly::ID,
        stateful::protocol_anomaly::build,
    ),
    (stateful::tunnel_relay::ID, stateful::tunnel_relay::build),
    (geo_logon::NAME, geo_logon::build),
    (inbound_untrusted::NAME, inbound_untrusted::build),
    (outbound_policy::NAME, outbound_policy::build),
    (email_exfil::NAME, email_exfil::build),
    (
        stateful::code_repo_push::NAME,
        stateful::code_repo_push::build,
    ),
];

/// Why an enabled analytic cannot run with what the user gave (a missing
/// database or list), if so; it is then left out with this note.
pub fn unavailable(ctx: &Arc<Ctx>, name: &str) -> Option<String> {
    match name {
        geo_logon::NAME => geo_logon::unavailable(ctx),
        outbound_policy::NAME => match outbound_policy::OutboundPolicy::new(ctx) {
            Ok(a) if !a.is_configured() => Some(
                "no forbidden destinations (add a `forbidden:` section to the --policy file)"
                    .to_string(),
            ),
            _ => None,
        },
        _ => None,
    }
}

/// `name: why` for each enabled analytic left out (for the hunt summary).
pub fn notes(ctx: &Arc<Ctx>) -> Vec<String> {
    BUILTIN
        .iter()
        .filter(|(name, _)| ctx.config.meta(name).is_ok_and(|m| m.enabled))
        .filter_map(|(name, _)| unavailable(ctx, name).map(|why| format!("{name} not run: {why}")))
        .collect()
}

/// The enabled built-in stateful analytics.
pub fn builtin(ctx: &Arc<Ctx>) -> Result<Vec<Box<dyn StatefulAnalytic>>, ConfigError> {
    let mut out = Vec::new();
    for (name, build) in BUILTIN {
        if ctx.config.meta(name)?.enabled && unavailable(ctx, name).is_none() {
            out.push(build(ctx)?);
        }
    }
    Ok(out)
}

/// Ids of every built-in stateful analytic (enabled or not).
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}
