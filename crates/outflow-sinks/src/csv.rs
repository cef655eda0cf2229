use crate::jsonl::write_event_json;
use crate::EventWriter;
use outflow_event::{EntitySlot, Event};
use std::io::{self, BufWriter, Write};

/// Fixed columns (time, source, logsource, entity, origin) and the full field
/// set as one JSON column, so every row has the same shape for a SIEM import.
pub struct CsvWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    header_done: bool,
    scratch: Vec<u8>,
}

const ENTITY_COLUMNS: &[EntitySlot] = EntitySlot::ALL;

impl CsvWriter {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        CsvWriter {
            out: BufWriter::with_capacity(256 * 1024, out),
            header_done: false,
            scratch: Vec::new(),
        }
    }
}

pub(crate) fn cell(out: &mut impl Write, s: &str) -> io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(s.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(s.as_bytes())
    }
}

impl EventWriter for CsvWriter {
    fn write(&mut self, ev: &Event) -> io::Result<()> {
        if !self.header_done {
            self.header_done = true;
            let mut cols = vec!["ts", "source", "logsource"];
            cols.extend(ENTITY_COLUMNS.iter().map(|s| s.as_str()));
            cols.extend(["file", "position", "event"]);
            writeln!(self.out, "{}", cols.join(","))?;
        }
        let ts = ev.ts.map(|t| t.to_string()).unwrap_or_default();
        cell(&mut self.out, &ts)?;
        write!(self.out, ",{},", ev.source)?;
        cell(
            &mut self.out,
            &ev.primary_logsource()
                .map(|l| l.to_string())
                .unwrap_or_default(),
        )?;
        for slot in ENTITY_COLUMNS {
            self.out.write_all(b",")?;
            cell(&mut self.out, &ev.entity_str(*slot).unwrap_or_default())?;
        }
        self.out.write_all(b",")?;
        cell(&mut self.out, &ev.origin.file)?;
        write!(self.out, ",{},", ev.origin.position)?;
        self.scratch.clear();
        write_event_json(&mut self.scratch, ev, false)?;
        cell(&mut self.out, &String::from_utf8_lossy(&self.scratch))?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
