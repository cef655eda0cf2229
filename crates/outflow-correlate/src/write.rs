//! Incident writers: JSON lines (one incident per line), a readable block
//! per incident for a terminal, and CSV (one row per incident).

use crate::incident::{human_bytes, Incident};
use std::io::{self, BufWriter, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentFormat {
    Jsonl,
    Table,
    Csv,
}

pub struct IncidentWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    format: IncidentFormat,
    header: bool,
}

const CSV_HEADER: &str = "id,severity,risk_score,first_seen,last_seen,hosts,users,processes,destinations,services,attack,bytes_out,alerts,linked,explanation";

fn csv_cell(out: &mut impl Write, s: &str) -> io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", s.replace('"', "\"\""))
    } else {
        out.write_all(s.as_bytes())
    }
}

fn time(t: &Option<outflow_event::Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

impl IncidentWriter {
    pub fn new(format: IncidentFormat, out: Box<dyn Write + Send>) -> IncidentWriter {
        IncidentWriter {
            out: BufWriter::new(out),
            format,
            header: false,
        }
    }

    pub fn write(&mut self, i: &Incident) -> io::Result<()> {
        match self.format {
            IncidentFormat::Jsonl => {
                serde_json::to_writer(&mut self.out, i)?;
                self.out.write_all(b"\n")
            }
            IncidentFormat::Csv => self.csv(i),
            IncidentFormat::Table => self.block(i),
        }
    }

    pub fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn csv(&mut self, i: &Incident) -> io::Result<()> {
        if !self.header {
            self.header = true;
            writeln!(self.out, "{CSV_HEADER}")?;
        }
        let dests: Vec<String> = i.destinations.iter().map(|d| d.label()).collect();
        let cells = [
            i.id.clone(),
            i.severity.clone(),
            i.risk_score.to_string(),
            time(&i.first_seen),
            time(&i.last_seen),
            i.hosts.join(" "),
            i.users.join(" "),
            i.processes.join(" "),
            dests.join(" "),
            i.services.join("; "),
            i.attack.join(" "),
            i.bytes_out.to_string(),
            i.alerts.to_string(),
            i.linked.len().to_string(),
            i.explanation.clone(),
        ];
        for (n, c) in cells.iter().enumerate() {
            if n > 0 {
                self.out.write_all(b",")?;
            }
            csv_cell(&mut self.out, c)?;
        }
        self.out.write_all(b"\n")
    }

    fn block(&mut self, i: &Incident) -> io::Result<()> {
        let o = &mut self.out;
        writeln!(
            o,
            "{} [{} {}] {}",
            i.id, i.severity, i.risk_score, i.explanation
        )?;
        writeln!(
            o,
            "  time:         {} .. {}",
            time(&i.first_seen),
            time(&i.last_seen)
        )?;
        writeln!(o, "  hosts:        {}", i.hosts.join(", "))?;
        if !i.users.is_empty() {
            writeln!(o, "  users:        {}", i.users.join(", "))?;
        }
        if !i.processes.is_empty() {
            writeln!(o, "  processes:    {}", i.processes.join(", "))?;
        }
        let dests: Vec<String> = i.destinations.iter().map(|d| d.label()).collect();
        if !dests.is_empty() {
            writeln!(o, "  destinations: {}", dests.join(", "))?;
        }
        if !i.services.is_empty() {
            writeln!(o, "  services:     {}", i.services.join(", "))?;
        }
        writeln!(
            o,
            "  techniques:   {}{}",
            i.attack.join(", "),
            if i.d3fend.is_empty() {
                String::new()
            } else {
                format!(" (found by {})", i.d3fend.join(", "))
            }
        )?;
        if i.bytes_out > 0 {
            writeln!(o, "  bytes out:    {}", human_bytes(i.bytes_out))?;
        }
        writeln!(o, "  evidence ({} alerts):", i.alerts)?;
        for l in &i.chain {
            let origin = l
                .evidence
                .first()
                .map(|e| &e.origin)
                .or(l.origin.as_ref())
                .map(|o| o.to_string())
                .unwrap_or_default();
            writeln!(
                o,
                "    {}  {:<3} {}  [{}]  {}",
                time(&l.time),
                l.risk_score,
                l.summary,
                l.rule_id,
                origin
            )?;
        }
        if i.chain.len() < i.alerts {
            writeln!(o, "    ... {} more", i.alerts - i.chain.len())?;
        }
        if !i.linked.is_empty() {
            writeln!(o, "  linked ({} by the same actor):", i.linked.len())?;
            for l in &i.linked {
                let origin = l.origin.as_ref().map(|o| o.to_string()).unwrap_or_default();
                writeln!(
                    o,
                    "    {}  {}  {}  via {}  {}",
                    time(&l.time),
                    l.host.as_deref().unwrap_or("-"),
                    l.summary,
                    l.via,
                    origin
                )?;
            }
        }
        writeln!(o)
    }
}
