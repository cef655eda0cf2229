//! The tool catalog: exfiltration-capable programs, browsers and LOLBins,
//! recognised also when renamed, and the LOLBAS binaries that should not
//! make network connections.

mod catalog;
mod file;

pub use catalog::{MatchReason, ToolCatalog, ToolMatch};
pub use file::{LolbinEntry, ToolCategory, ToolEntry};
