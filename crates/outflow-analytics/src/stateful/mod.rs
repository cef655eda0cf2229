//! Stateful analytics over views, one per file.

pub mod certs;
pub mod common;
pub mod community_deviation;
pub mod payload_profile;
pub mod protocol_anomaly;
pub mod tunnel_relay;
