//! The stateful analytics (event-time windows and baselines), one per file,
//! and what they share.

pub mod browsers;
pub mod bulk_saas_upload;
pub mod certs;
pub mod code_repo_push;
pub mod common;
pub mod community_deviation;
pub mod email_exfil;
pub mod first_seen_process;
pub mod geo_logon;
pub mod inbound_untrusted;
pub mod large_transfer;
pub mod new_destination;
pub mod novelty;
pub mod outbound_policy;
pub mod payload_profile;
pub mod prevalence;
pub mod protocol_anomaly;
pub mod rare_destination;
pub mod slow_and_low;
pub mod staging_upload;
pub mod support;
pub mod transfers;
pub mod tunnel_relay;
pub mod upload_ratio;
pub mod webhook_integration;
