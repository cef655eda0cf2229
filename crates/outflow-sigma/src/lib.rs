//! outflow's Sigma engine.
//!
//! [`RuleSet::load`] reads Sigma 2.x rule files (multi-document files,
//! `action: global|reset|repeat` collections, filter documents) and compiles
//! each rule once; the [`LoadReport`] says what was loaded and why anything
//! was rejected. [`SigmaDetector`] runs the set as an `outflow_detect::Detector`.
//!
//! Matching semantics, where the specification leaves a choice:
//! - strings compare case-insensitively unless `cased`; Base64 output is
//!   compared case-sensitively (its alphabet is case-significant);
//! - keyword (field-less) values match as `contains` against every string
//!   field of the event, including string elements of list fields;
//! - `null` matches an absent or null field; `''` only an empty string;
//! - `neq` needs the field to be present and different from every value;
//! - `re` searches (unanchored) with the linear-time `regex` crate; patterns
//!   it cannot run (look-around, back-references) reject the rule;
//! - a list-valued field matches when any element matches.
//!
//! Correlation rules (`correlation:` documents) run inside [`SigmaDetector`];
//! see [`correlation`] for their semantics.

mod atoms;
mod cidr;
mod condition;
pub mod correlation;
mod detection;
mod detector;
mod docs;
mod encode;
mod field;
mod gate_literals;
mod index;
mod modifiers;
mod pattern;
pub mod pipeline;
mod placeholders;
mod prefilter;
mod report;
mod rule;
mod ruleset;
mod timepart;
mod value_test;

pub use correlation::{CorrelationLimits, CorrelationStats};
pub use detector::SigmaDetector;
pub use modifiers::KNOWN as KNOWN_MODIFIERS;
pub use pipeline::Pipeline;
pub use placeholders::Placeholders;
pub use report::{DocKind, LoadEntry, LoadReport, Outcome, Reject, RejectKind};
pub use rule::{Filter, Rule, RuleLogSource, RuleMeta};
pub use ruleset::{MatchScratch, RuleSet};
