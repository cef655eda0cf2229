//! outflow's knowledge, kept as readable data files shipped inside the binary
//! (`crates/outflow-intel/data/`) and overridable by the user:
//!
//! - [`WebServiceCatalog`]: web services data leaves through (cloud storage, file
//!   sharing, paste, code repositories, webhooks, tunnels, ...) with the ATT&CK
//!   technique each implies and their upload endpoints;
//! - [`ToolCatalog`]: exfiltration-capable programs, browsers and LOLBins, recognised
//!   also when renamed, plus the LOLBAS binaries that should not talk to the network;
//! - [`Policy`]: what the organisation sanctions (services, tenants, buckets),
//!   its internal networks and its allowlists.
//!
//! [`Intel::load`] reads the built-in files and a folder of user files: a user
//! file with the same `name:` as a built-in one replaces it, other files add to it,
//! and a user entry with the same `id` as a built-in entry replaces that entry.

mod builtin;
mod error;
mod glob;
mod host;
mod intel;
mod load;
pub mod policy;
pub mod services;
pub mod tools;

pub use builtin::{BUILTIN, POLICY_EXAMPLE};
pub use error::IntelError;
pub use host::{parse_host, registered_domain, Host};
pub use intel::Intel;
pub use policy::{AllowQuery, ForbiddenBy, ForbiddenQuery, Policy, Sanctioned};
pub use services::{Category, ServiceEntry, ServiceMatch, Technique, WebServiceCatalog};
pub use tools::{LolbinEntry, MatchReason, ToolCatalog, ToolCategory, ToolEntry, ToolMatch};
