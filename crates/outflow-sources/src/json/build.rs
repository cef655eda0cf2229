use super::scan::{unescape, Leaf};
use outflow_event::{Event, Key, Span, Value};

/// Converts a leaf found in the event's raw text (at `base` within it) into a
/// value. Unescaped strings point into the raw text; escaped ones are decoded
/// into the event buffer.
pub fn leaf_value(
    ev: &mut Event,
    leaf: Leaf<'_>,
    base: usize,
    scratch: &mut String,
) -> Option<Value> {
    Some(match leaf {
        Leaf::Str {
            raw,
            escaped,
            start,
            end,
        } => {
            if escaped {
                scratch.clear();
                unescape(raw, scratch);
                Value::Str(ev.intern(scratch))
            } else {
                Value::Str(Span::new(base + start, base + end))
            }
        }
        Leaf::Num(n) => number(ev, n),
        Leaf::Bool(b) => Value::Bool(b),
        Leaf::Null => Value::Null,
        Leaf::EmptyArray => Value::List(Vec::new()),
        Leaf::EmptyObject => return None,
    })
}

fn number(ev: &mut Event, n: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        Value::Int(i)
    } else if let Ok(f) = n.parse::<f64>() {
        Value::Float(f)
    } else {
        Value::Str(ev.intern(n))
    }
}

/// Adds a field; leaves found inside arrays that share a name are gathered
/// into one list value (as search engines flatten arrays of objects).
#[inline]
pub fn add_field(ev: &mut Event, key: Key, value: Value, in_array: bool) {
    if in_array {
        add_listed(ev, key, value);
    } else {
        ev.push(key, value);
    }
}

/// [`add_field`] for a leaf inside an array.
fn add_listed(ev: &mut Event, key: Key, value: Value) {
    if let Some((_, existing)) = ev.fields.iter_mut().rev().find(|(k, _)| *k == key) {
        match existing {
            Value::List(items) => {
                if !matches!(value, Value::List(ref v) if v.is_empty()) {
                    items.push(value)
                }
            }
            other => {
                let first = std::mem::replace(other, Value::Null);
                *other = Value::List(vec![first, value]);
            }
        }
        return;
    }
    let v = match value {
        Value::List(_) => value,
        v => Value::List(vec![v]),
    };
    ev.push(key, v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::walk;
    use outflow_event::{Origin, Position, SourceKind};
    use std::sync::Arc;

    #[test]
    fn builds_fields_pointing_into_raw_text() {
        let raw = r#"{"Image":"C:\\x.exe","n":5,"tags":["a","b"],"r":[{"k":"1"},{"k":"2"}]}"#;
        let mut ev = Event::new(
            SourceKind::Json,
            Origin {
                file: Arc::from("f"),
                position: Position::Line(1),
            },
            raw,
        );
        let mut leaves = Vec::new();
        walk(raw, 0, 64, |p, a, l| leaves.push((p.to_string(), a, l))).unwrap();
        let mut scratch = String::new();
        for (p, a, l) in leaves {
            if let Some(v) = leaf_value(&mut ev, l, 0, &mut scratch) {
                add_field(&mut ev, Arc::from(p.as_str()), v, a);
            }
        }
        assert_eq!(ev.get_str("Image"), Some("C:\\x.exe"));
        assert_eq!(ev.get("n"), Some(&Value::Int(5)));
        let tags = ev.get("tags").unwrap().clone();
        assert_eq!(ev.display(&tags), "a,b");
        let ks = ev.get("r.k").unwrap().clone();
        assert_eq!(ev.display(&ks), "1,2");
    }
}
