use crate::{Origin, Position};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Why a record (or a whole file) could not be read. Every reject is counted
/// and reported with its origin; nothing is dropped silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The file could not be opened or read (I/O error other than permissions).
    Unreadable,
    PermissionDenied,
    /// The content matched no known format.
    UnknownFormat,
    /// The input holds no data at all.
    EmptyFile,
    /// Compressed stream is corrupt or ends early.
    Decompress,
    LineTooLong,
    InvalidUtf8,
    /// Bytes that are neither text nor the expected binary format.
    Binary,
    JsonSyntax,
    JsonTooDeep,
    /// A JSON document that is valid but not the shape the format expects.
    UnexpectedShape,
    /// A delimited line whose column count does not match its header.
    ColumnCount,
    /// A text line that does not follow the format's grammar.
    Malformed,
    /// Data lines before any header that would describe them.
    MissingHeader,
    EvtxChunk,
    EvtxRecord,
    /// The record ends before its end (truncated file).
    Truncated,
    /// A single record larger than the configured record limit.
    RecordTooLarge,
}

impl RejectReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            RejectReason::Unreadable => "unreadable",
            RejectReason::PermissionDenied => "permission_denied",
            RejectReason::UnknownFormat => "unknown_format",
            RejectReason::EmptyFile => "empty_file",
            RejectReason::Decompress => "decompress",
            RejectReason::LineTooLong => "line_too_long",
            RejectReason::InvalidUtf8 => "invalid_utf8",
            RejectReason::Binary => "binary",
            RejectReason::JsonSyntax => "json_syntax",
            RejectReason::JsonTooDeep => "json_too_deep",
            RejectReason::UnexpectedShape => "unexpected_shape",
            RejectReason::ColumnCount => "column_count",
            RejectReason::Malformed => "malformed",
            RejectReason::MissingHeader => "missing_header",
            RejectReason::EvtxChunk => "evtx_chunk",
            RejectReason::EvtxRecord => "evtx_record",
            RejectReason::Truncated => "truncated",
            RejectReason::RecordTooLarge => "record_too_large",
        }
    }

    /// Reasons that make a whole input unusable rather than one record.
    pub fn is_file_level(&self) -> bool {
        matches!(
            self,
            RejectReason::Unreadable
                | RejectReason::PermissionDenied
                | RejectReason::UnknownFormat
                | RejectReason::EmptyFile
        )
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected record or file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub reason: RejectReason,
    pub origin: Origin,
    pub detail: String,
}

impl Reject {
    pub fn new(
        reason: RejectReason,
        file: &Arc<str>,
        position: Position,
        detail: impl Into<String>,
    ) -> Self {
        Reject {
            reason,
            origin: Origin {
                file: file.clone(),
                position,
            },
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.origin, self.reason, self.detail)
    }
}
