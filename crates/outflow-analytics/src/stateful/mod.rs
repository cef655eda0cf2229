//! The stateful analytics (one file each) and what they share.

pub mod first_seen_process;
pub mod new_destination;
pub mod novelty;
pub mod rare_destination;
