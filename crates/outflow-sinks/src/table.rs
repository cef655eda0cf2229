use crate::EventWriter;
use outflow_event::{EntitySlot, Event};
use std::io::{self, BufWriter, Write};

/// A fixed-width table for reading events in a terminal. Streams: column
/// widths are fixed, long values are cut with `…`.
pub struct TableWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    header_done: bool,
}

const COLUMNS: &[(&str, usize)] = &[
    ("time", 24),
    ("source", 10),
    ("logsource", 28),
    ("host", 16),
    ("user", 16),
    ("process / what", 34),
    ("destination", 34),
    ("out", 9),
    ("in", 9),
];

impl TableWriter {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        TableWriter {
            out: BufWriter::new(out),
            header_done: false,
        }
    }
}

pub(crate) fn fit(s: &str, width: usize) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else {
        let cut: String = s.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

fn what(ev: &Event) -> String {
    if let Some(img) = ev.entity_str(EntitySlot::Image) {
        return img.rsplit(['\\', '/']).next().unwrap_or(&img).to_string();
    }
    [
        "Operation",
        "eventName",
        "action",
        "events.name",
        "method",
        "cs-method",
        "query",
        "_path",
        "type",
    ]
    .iter()
    .find_map(|k| ev.get(k).map(|v| ev.display(v).into_owned()))
    .unwrap_or_default()
}

fn destination(ev: &Event) -> String {
    let host = ev
        .entity_str(EntitySlot::DstDomain)
        .or_else(|| ev.entity_str(EntitySlot::DstIp))
        .unwrap_or_default();
    match ev.entity.dst_port {
        Some(p) if !host.is_empty() => format!("{host}:{p}"),
        _ => host.into_owned(),
    }
}

/// Bytes in a short human form: 1.2M, 340K.
fn human(n: Option<u64>) -> String {
    match n {
        None => String::new(),
        Some(n) if n >= 1 << 30 => format!("{:.1}G", n as f64 / (1u64 << 30) as f64),
        Some(n) if n >= 1 << 20 => format!("{:.1}M", n as f64 / (1u64 << 20) as f64),
        Some(n) if n >= 1 << 10 => format!("{:.1}K", n as f64 / 1024.0),
        Some(n) => n.to_string(),
    }
}

impl EventWriter for TableWriter {
    fn write(&mut self, ev: &Event) -> io::Result<()> {
        if !self.header_done {
            self.header_done = true;
            let header: Vec<String> = COLUMNS.iter().map(|(n, w)| fit(n, *w)).collect();
            writeln!(self.out, "{}", header.join(" ").trim_end())?;
        }
        let ls = ev
            .primary_logsource()
            .map(|l| l.to_string())
            .unwrap_or_default();
        let cells = [
            ev.ts.map(|t| t.to_string()).unwrap_or_default(),
            ev.source.to_string(),
            ls,
            ev.entity_str(EntitySlot::Host)
                .unwrap_or_default()
                .into_owned(),
            ev.entity_str(EntitySlot::User)
                .unwrap_or_default()
                .into_owned(),
            what(ev),
            destination(ev),
            human(ev.entity.bytes_out),
            human(ev.entity.bytes_in),
        ];
        let row: Vec<String> = cells
            .iter()
            .zip(COLUMNS)
            .map(|(c, (_, w))| fit(c, *w))
            .collect();
        writeln!(self.out, "{}", row.join(" ").trim_end())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
