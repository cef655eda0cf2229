//! outflow's correlate stage: alerts become incidents. Risk accumulates per
//! entity (host, user) over a sliding event-time window; an incident opens
//! on a critical alert, on accumulated risk over a threshold, or when
//! different rules agree on one entity and destination. Each incident has a
//! stable id, the union of its entities, destinations and techniques, an
//! ordered chain of evidence, the actor's other uploads (linked artifacts)
//! and a one-line explanation. [`score`] measures alerts or incidents
//! against a labelled corpus's ground truth.

pub mod config;
pub mod correlator;
pub mod entity;
pub mod incident;
mod rfc3339;
pub mod score;
pub mod stage;
pub mod write;

pub use config::Settings;
pub use correlator::{CorrelateStats, Correlator};
pub use incident::{ChainLink, Incident, Linked, Trigger};
pub use stage::CorrelateStage;
pub use write::{IncidentFormat, IncidentWriter};
