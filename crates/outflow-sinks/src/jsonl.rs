use crate::json::{write_json_str, write_value};
use crate::{EventWriter, WriterOptions};
use outflow_event::{EntitySlot, Event, Position};
use std::io::{self, BufWriter, Write};

/// One JSON object per event:
/// `{"ts","source","logsource":[..],"origin":{..},"entity":{..},"fields":{..}[,"raw"]}`.
pub struct JsonlWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    options: WriterOptions,
}

impl JsonlWriter {
    pub fn new(out: Box<dyn Write + Send>, options: WriterOptions) -> Self {
        JsonlWriter {
            out: BufWriter::with_capacity(256 * 1024, out),
            options,
        }
    }
}

/// Writes the event as one JSON object (no newline).
pub fn write_event_json(out: &mut impl Write, ev: &Event, raw: bool) -> io::Result<()> {
    out.write_all(b"{\"ts\":")?;
    match ev.ts {
        Some(t) => write!(out, "\"{t}\"")?,
        None => out.write_all(b"null")?,
    }
    write!(out, ",\"source\":\"{}\",\"logsource\":[", ev.source)?;
    for (i, ls) in ev.logsources.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"{")?;
        let mut first = true;
        for (name, part) in [
            ("product", &ls.product),
            ("category", &ls.category),
            ("service", &ls.service),
        ] {
            if let Some(p) = part {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                write!(out, "\"{name}\":")?;
                write_json_str(out, p)?;
            }
        }
        out.write_all(b"}")?;
    }
    out.write_all(b"],\"origin\":{\"file\":")?;
    write_json_str(out, &ev.origin.file)?;
    match ev.origin.position {
        Position::Line(n) => write!(out, ",\"line\":{n}")?,
        Position::Record(n) => write!(out, ",\"record\":{n}")?,
        Position::Offset(n) => write!(out, ",\"offset\":{n}")?,
        Position::File => {}
    }
    out.write_all(b"},\"entity\":{")?;
    let mut first = true;
    for slot in EntitySlot::ALL {
        if let Some(v) = ev.entity_str(*slot) {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            write!(out, "\"{}\":", slot.as_str())?;
            let numeric = matches!(
                slot,
                EntitySlot::Pid
                    | EntitySlot::SrcPort
                    | EntitySlot::DstPort
                    | EntitySlot::BytesOut
                    | EntitySlot::BytesIn
            );
            if numeric {
                out.write_all(v.as_bytes())?;
            } else {
                write_json_str(out, &v)?;
            }
        }
    }
    out.write_all(b"},\"fields\":{")?;
    for (i, (k, v)) in ev.fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_json_str(out, k)?;
        out.write_all(b":")?;
        write_value(out, ev, v)?;
    }
    out.write_all(b"}")?;
    if raw {
        out.write_all(b",\"raw\":")?;
        write_json_str(out, ev.raw())?;
    }
    out.write_all(b"}")
}

impl EventWriter for JsonlWriter {
    fn write(&mut self, ev: &Event) -> io::Result<()> {
        write_event_json(&mut self.out, ev, self.options.raw)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outflow_event::{LogSource, Origin, SourceKind, Timestamp, Value};
    use std::sync::Arc;

    #[test]
    fn writes_valid_json_with_every_part() {
        let mut ev = Event::new(
            SourceKind::ZeekTsv,
            Origin {
                file: Arc::from("conn.log"),
                position: Position::Line(9),
            },
            "raw\tline",
        );
        ev.ts = Some(Timestamp::from_secs(1_700_000_000));
        ev.logsources = Arc::from(vec![LogSource {
            product: Some(Arc::from("zeek")),
            category: None,
            service: Some(Arc::from("conn")),
        }]);
        ev.push_str(Arc::from("id.orig_h"), "10.0.0.1");
        ev.push(Arc::from("orig_bytes"), Value::Int(42));
        ev.entity.src_ip = "10.0.0.1".parse().ok();
        ev.entity.bytes_out = Some(42);
        let mut out = Vec::new();
        write_event_json(&mut out, &ev, true).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["ts"], "2023-11-14T22:13:20Z");
        assert_eq!(v["source"], "zeek-tsv");
        assert_eq!(v["logsource"][0]["service"], "conn");
        assert_eq!(v["origin"]["line"], 9);
        assert_eq!(v["entity"]["src_ip"], "10.0.0.1");
        assert_eq!(v["entity"]["bytes_out"], 42);
        assert_eq!(v["fields"]["orig_bytes"], 42);
        assert_eq!(v["raw"], "raw\tline");
    }
}
