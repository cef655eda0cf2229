//! The normalize stage. A mapping file per source family (shipped inside the
//! binary, readable and overridable by the user) decides, for each event:
//! its Sigma logsources, the Sigma taxonomy names added beside the source's
//! own field names, and the entity fields (host, user, process, addresses,
//! bytes) that the later stages use whatever the source.

mod builtin;
mod compile;
mod entity;
mod file;

pub use builtin::BUILTIN;
pub use compile::parse_mapping;
pub use compile::{Mappings, Normalizer};
pub use file::{MappingFile, MappingRule, OneOrMany};

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}
