//! The web-service catalog: domain patterns → service, category, ATT&CK technique.

mod catalog;
mod file;
mod model;
mod pattern;

pub use catalog::{ServiceMatch, WebServiceCatalog};
pub use model::{Category, ServiceEntry, Technique, TenantFrom};
pub use pattern::{Pattern, PatternError};
