use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Where a record came from, so every alert can point back at its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub file: Arc<str>,
    pub position: Position,
}

/// Position of a record inside its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// 1-based line number in the (decompressed) text.
    Line(u64),
    /// EVTX record number (EventRecordID) or 1-based index of an object in a JSON document.
    Record(u64),
    /// Byte offset in the (decompressed) stream.
    Offset(u64),
    /// The file as a whole (open or decompression failures).
    File,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Record(n) => write!(f, "record {n}"),
            Position::Offset(n) => write!(f, "byte {n}"),
            Position::File => write!(f, "file"),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::File => write!(f, "{}", self.file),
            p => write!(f, "{}:{}", self.file, p),
        }
    }
}
