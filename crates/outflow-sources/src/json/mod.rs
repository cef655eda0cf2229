//! JSON without a DOM: [`scan`] walks a document and reports each leaf with
//! where it is, kept by a [`path::KeyPath`] (the dotted path, or a
//! [`trie::PathTrie`] of recent layouts for readers that need less),
//! [`build`] turns leaves into event fields that point into the record's
//! text, [`records`] frames a stream into records (one per line,
//! concatenated, or pretty-printed over several lines).
//!
//! Nesting depth is bounded; errors carry the byte offset where they arose.

pub mod build;
pub mod path;
pub mod records;
pub mod scan;
pub mod trie;

pub use build::{add_field, leaf_value};
pub use path::{Dotted, KeyPath, NoPath};
pub use records::{for_each_record, for_each_record_walked, walk_outcome, RecordMeta};
pub use scan::{skip_value, unescape, value_end, walk, walk_path, JsonError, Leaf};
pub use trie::PathTrie;
