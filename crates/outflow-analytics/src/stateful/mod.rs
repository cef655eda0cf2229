//! The stateful analytics, one file each.

pub mod email_exfil;
pub mod geo_logon;
pub mod inbound_untrusted;
pub mod outbound_policy;
pub mod support;
