//! Alert writers: JSON lines (the whole [`Finding`]), CSV (fixed columns)
//! and a fixed-width table for a terminal. Each streams.

use crate::csv::cell;
use crate::table::fit;
use outflow_detect::Finding;
use std::io::{self, BufWriter, Write};

/// How alerts are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertFormat {
    Jsonl,
    Table,
    Csv,
}

/// Writes alerts one at a time.
pub trait AlertWriter: Send {
    fn write(&mut self, alert: &Finding) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
}

pub fn alert_writer(format: AlertFormat, out: Box<dyn Write + Send>) -> Box<dyn AlertWriter> {
    let out = BufWriter::new(out);
    match format {
        AlertFormat::Jsonl => Box::new(JsonlAlerts { out }),
        AlertFormat::Csv => Box::new(CsvAlerts { out, header: false }),
        AlertFormat::Table => Box::new(TableAlerts { out, header: false }),
    }
}

struct JsonlAlerts {
    out: BufWriter<Box<dyn Write + Send>>,
}

impl AlertWriter for JsonlAlerts {
    fn write(&mut self, a: &Finding) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, a)?;
        self.out.write_all(b"\n")
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn process(a: &Finding) -> String {
    let e = &a.entity;
    let image = e
        .image
        .as_deref()
        .map(|i| i.rsplit(['\\', '/']).next().unwrap_or(i))
        .unwrap_or("");
    match (&e.pid, image.is_empty()) {
        (Some(pid), false) => format!("{image} ({pid})"),
        (Some(pid), true) => format!("pid {pid}"),
        (None, _) => image.to_string(),
    }
}

fn destination(a: &Finding) -> String {
    a.destination
        .as_ref()
        .map(|d| d.label())
        .unwrap_or_default()
}

fn origin(a: &Finding) -> String {
    a.origin.as_ref().map(|o| o.to_string()).unwrap_or_default()
}

const CSV_HEADER: &str = "timestamp,level,rule_id,rule_title,source,attack,host,host_ip,user,user_sid,image,pid,process_guid,destination,origin";

struct CsvAlerts {
    out: BufWriter<Box<dyn Write + Send>>,
    header: bool,
}

impl AlertWriter for CsvAlerts {
    fn write(&mut self, a: &Finding) -> io::Result<()> {
        if !self.header {
            self.header = true;
            writeln!(self.out, "{CSV_HEADER}")?;
        }
        let e = &a.entity;
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        let cells = [
            a.timestamp.map(|t| t.to_string()).unwrap_or_default(),
            a.rule.level.clone(),
            a.rule.id.clone(),
            a.rule.title.clone(),
            a.rule.source.clone(),
            a.attack.join(" "),
            s(&e.host),
            s(&e.host_ip),
            s(&e.user),
            s(&e.user_sid),
            s(&e.image),
            s(&e.pid),
            s(&e.process_guid),
            destination(a),
            origin(a),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            cell(&mut self.out, c)?;
        }
        self.out.write_all(b"\n")
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

const COLUMNS: &[(&str, usize)] = &[
    ("time", 24),
    ("level", 8),
    ("rule", 44),
    ("host", 16),
    ("user", 18),
    ("process", 24),
    ("destination", 28),
    ("origin", 40),
];

/// The time to the millisecond: `2026-11-20T08:00:00.123Z` fits its column.
fn short_time(a: &Finding) -> String {
    let t = a.timestamp.map(|t| t.to_string()).unwrap_or_default();
    match t.get(..23) {
        Some(head) if t.len() > 24 => format!("{head}Z"),
        _ => t,
    }
}

/// Keeps the end of a long value (file paths end in what matters).
fn fit_tail(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return fit(s, width);
    }
    let tail: String = s.chars().skip(n + 1 - width).collect();
    format!("…{tail}")
}

struct TableAlerts {
    out: BufWriter<Box<dyn Write + Send>>,
    header: bool,
}

impl AlertWriter for TableAlerts {
    fn write(&mut self, a: &Finding) -> io::Result<()> {
        if !self.header {
            self.header = true;
            let header: Vec<String> = COLUMNS.iter().map(|(n, w)| fit(n, *w)).collect();
            writeln!(self.out, "{}", header.join(" ").trim_end())?;
        }
        let e = &a.entity;
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        let cells = [
            short_time(a),
            a.rule.level.clone(),
            a.rule.title.clone(),
            s(&e.host),
            s(&e.user),
            process(a),
            destination(a),
        ];
        let mut row: Vec<String> = cells
            .iter()
            .zip(COLUMNS)
            .map(|(c, (_, w))| fit(c, *w))
            .collect();
        row.push(fit_tail(&origin(a), COLUMNS[7].1));
        writeln!(self.out, "{}", row.join(" ").trim_end())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outflow_detect::{AlertRule, FindingEntity};
    use outflow_event::{Origin, Position, Timestamp};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("lock"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn finding() -> Finding {
        let rule = AlertRule {
            id: "r-1".into(),
            title: "Rclone, to cloud".into(),
            level: "high".into(),
            source: "sigma".into(),
        };
        Finding {
            attack: vec!["T1567.002".into()],
            entity: FindingEntity {
                host: Some("ws1".into()),
                image: Some("C:\\t\\rclone.exe".into()),
                pid: Some("42".into()),
                ..FindingEntity::default()
            },
            fields: [("CommandLine".to_string(), "rclone copy".to_string())]
                .into_iter()
                .collect(),
            origin: Some(Origin {
                file: Arc::from("logs/a.evtx"),
                position: Position::Record(7),
            }),
            ..Finding::new(rule, Some(Timestamp::from_secs(1_795_000_000)))
        }
    }

    fn render(format: AlertFormat) -> String {
        let buf = Shared::default();
        let mut w = alert_writer(format, Box::new(buf.clone()));
        w.write(&finding()).unwrap();
        w.finish().unwrap();
        let bytes = buf.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn formats() {
        let j: serde_json::Value = serde_json::from_str(render(AlertFormat::Jsonl).trim()).unwrap();
        assert_eq!(j["rule"]["source"], "sigma");
        assert_eq!(j["attack"][0], "T1567.002");
        assert!(j["timestamp"].as_str().is_some_and(|t| t.ends_with("Z")));
        assert_eq!(j["entity"]["pid"], "42");
        assert_eq!(j["fields"]["CommandLine"], "rclone copy");
        assert_eq!(j["origin"]["position"]["record"], 7);
        let csv = render(AlertFormat::Csv);
        assert!(csv.starts_with(CSV_HEADER));
        assert!(csv.contains(",\"Rclone, to cloud\","), "{csv}");
        let table = render(AlertFormat::Table);
        assert!(table.contains("rclone.exe (42)"), "{table}");
        assert!(table.contains("logs/a.evtx:record 7"), "{table}");
    }
}
