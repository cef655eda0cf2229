use crate::{Entity, EntitySlot, LogSource, Origin, SourceKind, Span, Timestamp, Value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// A field name. Shared (`Arc`) so that parsers hand out the same name to
/// every record of a file without allocating it again.
pub type Key = Arc<str>;

/// One normalized record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    /// UTC event time; `None` when the record carries no usable time.
    pub ts: Option<Timestamp>,
    pub source: SourceKind,
    /// Sigma logsources this event belongs to; the first is the primary one.
    /// Empty until the normalize stage has run.
    pub logsources: Arc<[LogSource]>,
    /// Fields in read order: the source's own names, then the Sigma taxonomy
    /// names the mapping adds.
    pub fields: Vec<(Key, Value)>,
    pub entity: Entity,
    pub origin: Origin,
    /// Raw record (first `raw_len` bytes) followed by decoded strings.
    buf: String,
    raw_len: u32,
    /// Fields a projection left out (developer builds): reading one is a
    /// bug in the projection's field list, and panics there.
    #[cfg(debug_assertions)]
    #[serde(skip)]
    left_out: Vec<Key>,
}

impl Event {
    /// A new event whose raw record is `raw`.
    pub fn new(source: SourceKind, origin: Origin, raw: &str) -> Self {
        let mut buf = String::with_capacity(raw.len() + raw.len() / 4 + 16);
        buf.push_str(raw);
        Event {
            ts: None,
            source,
            logsources: Arc::from(Vec::new()),
            fields: Vec::with_capacity(24),
            entity: Entity::default(),
            origin,
            raw_len: raw.len() as u32,
            buf,
            #[cfg(debug_assertions)]
            left_out: Vec::new(),
        }
    }

    /// The record as read, kept as evidence.
    pub fn raw(&self) -> &str {
        &self.buf[..self.raw_len as usize]
    }

    /// Shortens the raw record to its first `len` bytes (a reader that was
    /// handed more text than the record spans). Spans stay valid.
    pub fn set_raw_len(&mut self, len: usize) {
        if len <= self.raw_len as usize && self.buf.is_char_boundary(len) {
            self.raw_len = len as u32;
        }
    }

    pub fn primary_logsource(&self) -> Option<&LogSource> {
        self.logsources.first()
    }

    /// The text a span points at.
    pub fn span_str(&self, span: Span) -> &str {
        self.buf
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// Appends `s` to the event's buffer and returns its span.
    pub fn intern(&mut self, s: &str) -> Span {
        let start = self.buf.len();
        self.buf.push_str(s);
        Span::new(start, self.buf.len())
    }

    /// Span of a sub-slice of the raw record, given by byte offsets into it.
    pub fn raw_span(&self, start: usize, end: usize) -> Span {
        debug_assert!(end <= self.raw_len as usize);
        Span::new(start, end)
    }

    pub fn push(&mut self, key: Key, value: Value) {
        self.fields.push((key, value));
    }

    /// Adds a string field, copying `s` into the buffer.
    pub fn push_str(&mut self, key: Key, s: &str) {
        let span = self.intern(s);
        self.fields.push((key, Value::Str(span)));
    }

    /// Sets a field, replacing an existing one of the same name.
    pub fn set(&mut self, key: Key, value: Value) {
        match self.fields.iter_mut().find(|(k, _)| **k == *key) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((key, value)),
        }
    }

    /// First field of that exact name. No allocation.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let found = self
            .fields
            .iter()
            .find(|(k, _)| k.len() == name.len() && **k == *name)
            .map(|(_, v)| v);
        #[cfg(debug_assertions)]
        if found.is_none() && self.left_out.iter().any(|k| **k == *name) {
            panic!("field '{name}' is read but a projection left it out (add it to the reader's field list)");
        }
        found
    }

    /// The field as a string, when it is one.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Value::Str(s) => Some(self.span_str(*s)),
            _ => None,
        }
    }

    /// Text of a string value; `None` for other kinds.
    pub fn str_of(&self, value: &Value) -> Option<&str> {
        match value {
            Value::Str(s) => Some(self.span_str(*s)),
            _ => None,
        }
    }

    /// Any value rendered as text (lists joined with `,`), for output and matching.
    pub fn display(&self, value: &Value) -> Cow<'_, str> {
        match value {
            Value::Str(s) => Cow::Borrowed(self.span_str(*s)),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Null => Cow::Borrowed(""),
            Value::List(items) => Cow::Owned(
                items
                    .iter()
                    .map(|v| self.display(v))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        }
    }

    /// A string-valued entity slot as text.
    pub fn entity_str(&self, slot: EntitySlot) -> Option<Cow<'_, str>> {
        let e = &self.entity;
        let v = match slot {
            EntitySlot::Host => e.host.as_ref(),
            EntitySlot::User => e.user.as_ref(),
            EntitySlot::Image => e.image.as_ref(),
            EntitySlot::ProcessGuid => e.process_guid.as_ref(),
            EntitySlot::OriginalFileName => e.original_file_name.as_ref(),
            EntitySlot::DstDomain => e.dst_domain.as_ref(),
            EntitySlot::Pid => return e.pid.map(|v| Cow::Owned(v.to_string())),
            EntitySlot::SrcIp => return e.src_ip.map(|v| Cow::Owned(v.to_string())),
            EntitySlot::DstIp => return e.dst_ip.map(|v| Cow::Owned(v.to_string())),
            EntitySlot::SrcPort => return e.src_port.map(|v| Cow::Owned(v.to_string())),
            EntitySlot::DstPort => return e.dst_port.map(|v| Cow::Owned(v.to_string())),
            EntitySlot::BytesOut => return e.bytes_out.map(|v| Cow::Owned(v.to_string())),
            EntitySlot::BytesIn => return e.bytes_in.map(|v| Cow::Owned(v.to_string())),
        }?;
        Some(self.display(v))
    }

    /// A copy with the time, source, logsources, origin and entity, and of
    /// the fields `keep` marks (`keep[i]` for the `i`th field; fields past
    /// its end are left out), their text copied into a buffer of its own;
    /// the raw record is left out (empty). For a reader thread that hands a
    /// consumer only what it reads: the copy is small, and the full event
    /// is freed where it was read.
    pub fn project(&self, keep: &[bool]) -> Event {
        let mut out = Event {
            ts: self.ts,
            source: self.source,
            logsources: self.logsources.clone(),
            fields: Vec::new(),
            entity: Entity::default(),
            origin: self.origin.clone(),
            buf: String::new(),
            raw_len: 0,
            #[cfg(debug_assertions)]
            left_out: Vec::new(),
        };
        let kept = || {
            self.fields
                .iter()
                .zip(keep)
                .filter_map(|(f, k)| k.then_some(f))
        };
        #[cfg(debug_assertions)]
        for (i, (k, _)) in self.fields.iter().enumerate() {
            if !keep.get(i).copied().unwrap_or(false) {
                out.left_out.push(k.clone());
            }
        }
        let text = |v: &Value| self.text_len(v);
        let entity_text: usize = self
            .entity
            .text_slots()
            .into_iter()
            .flatten()
            .map(text)
            .sum();
        let (n, field_text) = kept().fold((0, 0), |(n, len), (_, v)| (n + 1, len + text(v)));
        out.buf.reserve(field_text + entity_text);
        out.fields.reserve_exact(n);
        for (k, v) in kept() {
            let v = out.rehome(self, v);
            out.fields.push((k.clone(), v));
        }
        let mut entity = self.entity.clone();
        for v in entity.text_slots_mut().into_iter().flatten() {
            *v = out.rehome(self, v);
        }
        out.entity = entity;
        out
    }

    /// Bytes of text `v` points at in this event's buffer.
    fn text_len(&self, v: &Value) -> usize {
        match v {
            Value::Str(s) => s.len(),
            Value::List(items) => items.iter().map(|i| self.text_len(i)).sum(),
            _ => 0,
        }
    }

    /// `v` of event `from`, its text copied into this event's buffer.
    fn rehome(&mut self, from: &Event, v: &Value) -> Value {
        match v {
            Value::Str(s) => Value::Str(self.intern(from.span_str(*s))),
            Value::List(items) => Value::List(items.iter().map(|i| self.rehome(from, i)).collect()),
            other => other.clone(),
        }
    }

    /// Size of the event in memory, roughly, for back-pressure accounting.
    pub fn approx_bytes(&self) -> usize {
        self.buf.capacity() + self.fields.capacity() * std::mem::size_of::<(Key, Value)>() + 256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Position;

    fn origin() -> Origin {
        Origin {
            file: Arc::from("t.log"),
            position: Position::Line(1),
        }
    }

    #[test]
    fn fields_point_into_raw_and_decoded_text() {
        let raw = "a\tb\tc";
        let mut ev = Event::new(SourceKind::ZeekTsv, origin(), raw);
        let span = ev.raw_span(2, 3);
        ev.push(Arc::from("second"), Value::Str(span));
        ev.push_str(Arc::from("decoded"), "x y");
        assert_eq!(ev.get_str("second"), Some("b"));
        assert_eq!(ev.get_str("decoded"), Some("x y"));
        assert_eq!(ev.raw(), raw);
        assert_eq!(ev.get("missing"), None);
    }

    #[test]
    fn set_replaces_existing_field() {
        let mut ev = Event::new(SourceKind::Json, origin(), "{}");
        ev.set(Arc::from("n"), Value::Int(1));
        ev.set(Arc::from("n"), Value::Int(2));
        assert_eq!(ev.fields.len(), 1);
        assert_eq!(ev.get("n"), Some(&Value::Int(2)));
    }

    #[test]
    fn projection_keeps_chosen_fields_entity_and_origin_without_the_raw_record() {
        let raw = "10.0.0.5\tmega.nz\tC1a\tbig";
        let mut ev = Event::new(SourceKind::ZeekTsv, origin(), raw);
        ev.ts = Some(crate::Timestamp::from_secs(7));
        let ip = ev.raw_span(0, 8);
        let domain = ev.raw_span(9, 16);
        let uid = ev.raw_span(17, 20);
        let big = ev.raw_span(21, 24);
        ev.push(Arc::from("id.orig_h"), Value::Str(ip));
        ev.push(Arc::from("uid"), Value::Str(uid));
        ev.push(Arc::from("note"), Value::Str(big));
        let a = ev.intern("x");
        let b = ev.intern("yz");
        ev.push(
            Arc::from("answers"),
            Value::List(vec![Value::Str(a), Value::Str(b)]),
        );
        ev.push(Arc::from("orig_bytes"), Value::Int(12));
        ev.entity.dst_domain = Some(Value::Str(domain));
        ev.entity.bytes_out = Some(12);
        ev.entity.src_ip = "10.0.0.5".parse().ok();
        let keep: Vec<bool> = ev.fields.iter().map(|(k, _)| &**k != "note").collect();
        let p = ev.project(&keep);
        assert_eq!(p.raw(), "");
        assert_eq!(p.ts, ev.ts);
        assert_eq!(p.origin, ev.origin);
        assert_eq!(p.get_str("uid"), Some("C1a"));
        assert_eq!(p.get_str("id.orig_h"), Some("10.0.0.5"));
        assert!(p.fields.iter().all(|(k, _)| &**k != "note"));
        assert_eq!(p.display(p.get("answers").unwrap()), "x,yz");
        assert_eq!(p.get("orig_bytes"), Some(&Value::Int(12)));
        assert_eq!(
            p.entity_str(EntitySlot::DstDomain).as_deref(),
            Some("mega.nz")
        );
        assert_eq!(p.entity.bytes_out, Some(12));
        assert_eq!(p.entity.src_ip, ev.entity.src_ip);
        // Only the kept text is carried.
        assert!(p.buf.len() <= "10.0.0.5C1axyzmega.nz".len());
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "field 'b' is read but a projection left it out")]
    fn reading_a_field_the_projection_left_out_is_caught_in_developer_builds() {
        let mut ev = Event::new(SourceKind::Json, origin(), "");
        ev.push_str(Arc::from("a"), "1");
        ev.push_str(Arc::from("b"), "2");
        let p = ev.project(&[true]);
        assert_eq!(p.get_str("a"), Some("1"));
        assert_eq!(p.get("never-there"), None);
        let _ = p.get("b");
    }

    #[test]
    fn display_joins_lists() {
        let mut ev = Event::new(SourceKind::Json, origin(), "");
        let a = ev.intern("a");
        let b = ev.intern("b");
        let list = Value::List(vec![Value::Str(a), Value::Str(b), Value::Int(3)]);
        assert_eq!(ev.display(&list), "a,b,3");
    }
}
