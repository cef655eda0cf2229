//! The stateful analytics (event-time windows and baselines), one per file.

pub mod large_transfer;
pub mod prevalence;
pub mod slow_and_low;
pub mod transfers;
pub mod upload_ratio;
