//! Sources: open every input (files, folders, stdin; gzip and zstd read
//! transparently, UTF-16 text transcoded), recognise its format from its content, and parse it into
//! [`outflow_event::Event`]s with the source's own field names. Mapping to
//! the Sigma taxonomy happens later, in `outflow-normalize`.
//!
//! One module per format lives in [`formats`]; the shared machinery is here:
//! [`input`] (open and decompress), [`lines`] (bounded line reading),
//! [`json`] (bounded, zero-copy JSON framing and flattening), [`detect`].

pub mod ctx;
pub mod detect;
pub mod expand;
pub mod formats;
pub mod input;
pub mod json;
pub mod keys;
pub mod lines;
pub mod utf16;

pub use ctx::{CollectSink, DropSink};
pub use ctx::{EventSink, Flow, Limits, ReadCtx};
pub use detect::detect_format;
pub use expand::{expand_inputs, InputSpec};
pub use input::{open_input, read_input, read_to_vec, FileOutcome};
