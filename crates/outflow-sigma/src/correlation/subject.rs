//! Where a match's field values come from: the event, or for a chained
//! correlation the group values of the correlation that fired.

use outflow_event::{Event, Origin, Value};
use std::borrow::Cow;

/// One match arriving at a correlation.
pub struct Obs<'a> {
    pub ts: i64,
    pub origin: Origin,
    /// The event being processed (absent for windows closed by the watermark).
    pub event: Option<&'a Event>,
    /// Group values of a firing correlation, looked up before the event.
    pub pairs: &'a [(String, String)],
    pub host: Option<String>,
    pub user: Option<String>,
}

impl Obs<'_> {
    /// A field's text; absent and null fields are missing.
    pub fn text(&self, field: &str) -> Option<Cow<'_, str>> {
        if let Some((_, v)) = self.pairs.iter().find(|(k, _)| k == field) {
            return Some(Cow::Borrowed(v));
        }
        let ev = self.event?;
        match ev.get(field)? {
            Value::Null => None,
            v => Some(ev.display(v)),
        }
    }

    /// A field as a finite number (numbers, or text that parses as one).
    pub fn number(&self, field: &str) -> Option<f64> {
        let from_text = |s: &str| s.trim().parse::<f64>().ok();
        let n = match self.pairs.iter().find(|(k, _)| k == field) {
            Some((_, v)) => from_text(v),
            None => {
                let ev = self.event?;
                match ev.get(field)? {
                    Value::Int(i) => Some(*i as f64),
                    Value::Float(f) => Some(*f),
                    Value::Str(s) => from_text(ev.span_str(*s)),
                    _ => None,
                }
            }
        };
        n.filter(|n| n.is_finite())
    }
}
