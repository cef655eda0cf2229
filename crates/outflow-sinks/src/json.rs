//! Minimal JSON writing for the hot output path (no intermediate DOM).

use outflow_event::{Event, Value};
use std::io::{self, Write};

/// Writes `s` as a JSON string literal.
pub fn write_json_str(out: &mut impl Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.write_all(&b[start..i])?;
                write!(out, "\\u{c:04x}")?;
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.write_all(&b[start..i])?;
        out.write_all(esc)?;
        start = i + 1;
    }
    out.write_all(&b[start..])?;
    out.write_all(b"\"")
}

/// Writes a field value as JSON.
pub fn write_value(out: &mut impl Write, ev: &Event, v: &Value) -> io::Result<()> {
    match v {
        Value::Str(s) => write_json_str(out, ev.span_str(*s)),
        Value::Int(i) => write!(out, "{i}"),
        Value::Float(f) if f.is_finite() => write!(out, "{f}"),
        Value::Float(_) | Value::Null => out.write_all(b"null"),
        Value::Bool(b) => out.write_all(if *b { b"true" } else { b"false" }),
        Value::List(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_value(out, ev, item)?;
            }
            out.write_all(b"]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_quote_characters() {
        let mut out = Vec::new();
        write_json_str(&mut out, "a\"b\\c\nd\u{1}é").unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é\"");
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}é");
    }
}
