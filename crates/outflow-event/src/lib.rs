//! The one event model every outflow stage shares.
//!
//! An [`Event`] owns a single text buffer that starts with the raw record
//! (kept as evidence) and continues with any decoded strings. Field values
//! point into that buffer by [`Span`], so a parser creates no string per
//! field and a lookup by name ([`Event::get`]) never allocates.

mod entity;
mod event;
mod logsource;
mod origin;
mod reject;
pub mod time;
mod value;

pub use entity::{Entity, EntitySlot};
pub use event::{Event, Key};
pub use logsource::{LogSource, SourceKind};
pub use origin::{Origin, Position};
pub use reject::{Reject, RejectReason};
pub use time::Timestamp;
pub use value::{Span, Value};
