//! Sinks: where events and alerts go. Each writer streams; none
//! keeps more than the record it is writing.

mod alerts;
mod csv;
mod json;
mod jsonl;
mod table;

pub use alerts::{alert_writer, AlertFormat, AlertWriter};
pub use csv::CsvWriter;
pub use json::{write_json_str, write_value};
pub use jsonl::JsonlWriter;
pub use table::TableWriter;

use outflow_event::Event;
use std::io;
use std::str::FromStr;

/// How events are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventFormat {
    Jsonl,
    Table,
    Csv,
    /// Nothing per event (for counting, summaries and benchmarks).
    None,
}

impl FromStr for EventFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "jsonl" | "json" => Ok(EventFormat::Jsonl),
            "table" => Ok(EventFormat::Table),
            "csv" => Ok(EventFormat::Csv),
            "none" => Ok(EventFormat::None),
            _ => Err(format!("unknown format '{s}' (jsonl, table, csv, none)")),
        }
    }
}

/// Writes events one at a time.
pub trait EventWriter: Send {
    fn write(&mut self, event: &Event) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
}

/// Options shared by the event writers.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriterOptions {
    /// Include the raw record (evidence) in JSON lines.
    pub raw: bool,
}

/// A writer for `format` over `out`; `None` for [`EventFormat::None`].
pub fn event_writer(
    format: EventFormat,
    out: Box<dyn io::Write + Send>,
    options: WriterOptions,
) -> Option<Box<dyn EventWriter>> {
    match format {
        EventFormat::Jsonl => Some(Box::new(JsonlWriter::new(out, options))),
        EventFormat::Csv => Some(Box::new(CsvWriter::new(out))),
        EventFormat::Table => Some(Box::new(TableWriter::new(out))),
        EventFormat::None => None,
    }
}
