use outflow_event::SourceKind;
use outflow_sources::input::Compression;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a run read, per file and in total. Printed by `--summary json`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    /// Events per input format.
    pub by_source: BTreeMap<String, u64>,
    /// Events per Sigma logsource (`product/category/service`); an event
    /// counts once for each logsource it belongs to; `(none)` for events no
    /// mapping rule placed.
    pub by_logsource: BTreeMap<String, u64>,
    /// Rejected records (and files) per reason.
    pub rejects: BTreeMap<String, u64>,
    pub totals: Totals,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub format: Option<SourceKind>,
    pub compression: Option<Compression>,
    pub bytes: u64,
    pub events: u64,
    pub rejects: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub files: u64,
    /// Files that could be opened and whose format was known.
    pub files_read: u64,
    pub bytes: u64,
    pub events: u64,
    pub rejects: u64,
    pub seconds: f64,
    pub events_per_second: f64,
    /// The run stopped before the end (`--strict` after a reject, or output closed).
    pub stopped_early: bool,
    /// Events skipped as outside `--from`/`--to` (read, never detected on).
    #[serde(skip_serializing_if = "is_zero")]
    pub out_of_range: u64,
    /// The files were interleaved by event time (`hunt`, `baseline`).
    #[serde(skip_serializing_if = "is_false")]
    pub merged_by_time: bool,
    /// The files were too many to open at once (over 256, the smaller ones
    /// holding more than the shared lane takes): they opened in the order
    /// their events begin, at most 256 at once.
    #[serde(skip_serializing_if = "is_false")]
    pub merged_in_start_order: bool,
    /// Files that opened after the merge had passed their first event's
    /// time, because more than 256 were due at once (they overlap in time,
    /// or only flagged events are handed on and the merge's time jumps):
    /// their earliest events may have arrived late (counted as such by `hunt`).
    #[serde(skip_serializing_if = "is_zero")]
    pub late_file_starts: u64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
