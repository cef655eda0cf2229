//! outflow's T1567 analytics.
//!
//! * [`cmdline`]: split Windows and POSIX command lines into argv, with bounds
//!   (command lines are attacker-controlled).
//! * [`upload`]: recognise an upload-tool invocation (rclone, aws s3, gsutil,
//!   azcopy, s3cmd, curl, wget, PowerShell, bitsadmin, certreq) in an argv —
//!   the "upload tooling on the command line" analytic.
//! * [`upload_tooling`]: that analytic over normalized process-start events,
//!   with the tool catalog (renamed binaries) and the web-service catalog.
//! * [`engine`]: the stateful analytics, fed in event-time order: one
//!   [`view::View`] per event (kind, entity, destination named by
//!   [`names`] and looked up in the catalog), settings from [`config`].

pub mod address_match;
pub mod allow;
pub mod cmdline;
pub mod config;
pub mod context;
pub mod engine;
pub mod geoip;
#[cfg(feature = "geoip-writer")]
pub mod geoip_writer;
pub mod intern;
pub mod names;
pub mod projection;
pub mod registry;
pub mod report;
pub mod stateful;
pub mod threat_list;
pub mod upload;
pub mod upload_tooling;
pub mod view;

pub use config::{AnalyticMeta, AnalyticsConfig, ConfigError};
pub use context::Ctx;
pub use engine::{AnalyticsEngine, StatefulAnalytic};
pub use projection::Projector;
pub use view::{Flow, Kind, ServiceRef, View};
