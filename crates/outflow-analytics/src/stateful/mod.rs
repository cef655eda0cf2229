//! The built-in stateful analytics (one file each) and what they share.

pub mod browsers;
pub mod bulk_saas_upload;
pub mod staging_upload;
pub mod webhook_integration;
