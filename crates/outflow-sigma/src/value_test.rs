//! One compiled rule value tested against one event value.
//!
//! Sigma compares across types: a rule number matches a field holding the
//! number or its text, a rule string matches a number field by its text.

use crate::cidr::Cidr;
use crate::modifiers::{Anchor, CmpOp};
use crate::pattern::{StrMatcher, StrSet};
use outflow_event::{Event, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::io::Write;
use std::sync::Arc;

/// A number as written in a rule or held by a field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    I(i64),
    F(f64),
}

impl Num {
    pub fn parse(s: &str) -> Option<Num> {
        let t = s.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Some(Num::I(i));
        }
        t.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::F)
    }

    pub fn of_yaml(n: &yaml_serde::Number) -> Option<Num> {
        n.as_i64()
            .map(Num::I)
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(Num::F))
    }

    /// Equal numbers have equal keys (the converse holds below 2^53).
    pub fn key(self) -> u64 {
        let x = self.as_f64();
        // -0.0 == 0.0
        if x == 0.0 {
            0
        } else {
            x.to_bits()
        }
    }

    pub(crate) fn of_value(ev: &Event, v: &Value) -> Option<Num> {
        match v {
            Value::Int(i) => Some(Num::I(*i)),
            Value::Float(f) => Some(Num::F(*f)),
            Value::Str(s) => Num::parse(ev.span_str(*s)),
            _ => None,
        }
    }

    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::I(a), Num::I(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

#[derive(Clone, Debug)]
pub enum ValueTest {
    /// A Sigma string (plain, wildcards, contains/startswith/endswith, encoded).
    Str(StrMatcher),
    /// Several Sigma strings of one value list, any of which may match.
    Set(Box<StrSet>),
    /// A plain rule number, with its text for string fields.
    Num(Num, String),
    Bool(bool),
    /// `null`: the field is absent or null.
    Null,
    Cmp(CmpOp, Num),
    Cidr(Cidr),
    /// A regex, with the literals one of which starts every match (for
    /// the prefilter; `None` when unknown).
    Re(Regex, Option<Vec<String>>),
    /// `fieldref`: compare with another field of the same event.
    FieldRef {
        other: Arc<str>,
        anchor: Option<Anchor>,
        cased: bool,
    },
}

impl ValueTest {
    /// Whether an absent field satisfies this test.
    pub fn matches_absent(&self) -> bool {
        matches!(self, ValueTest::Null)
    }

    /// Tests one value; a list matches when any element does.
    pub fn matches(&self, ev: &Event, v: &Value) -> bool {
        match v {
            Value::List(items) => items.iter().any(|i| self.matches(ev, i)),
            v => self.matches_scalar(ev, v),
        }
    }

    fn matches_scalar(&self, ev: &Event, v: &Value) -> bool {
        match self {
            ValueTest::Null => *v == Value::Null,
            ValueTest::Str(m) => with_text(ev, v, |s| m.is_match(s)).unwrap_or(false),
            ValueTest::Set(m) => with_text(ev, v, |s| m.is_match(s)).unwrap_or(false),
            ValueTest::Re(re, _) => with_text(ev, v, |s| re.is_match(s)).unwrap_or(false),
            ValueTest::Cidr(c) => with_text(ev, v, |s| c.contains_text(s)).unwrap_or(false),
            ValueTest::Num(n, text) => match v {
                Value::Str(s) => {
                    let s = ev.span_str(*s);
                    s.trim() == text
                        || Num::parse(s).is_some_and(|x| x.cmp(*n) == Some(Ordering::Equal))
                }
                _ => Num::of_value(ev, v).is_some_and(|x| x.cmp(*n) == Some(Ordering::Equal)),
            },
            ValueTest::Bool(b) => match v {
                Value::Bool(x) => x == b,
                Value::Str(s) => {
                    ev.span_str(*s)
                        .trim()
                        .eq_ignore_ascii_case(if *b { "true" } else { "false" })
                }
                _ => false,
            },
            ValueTest::Cmp(op, n) => {
                Num::of_value(ev, v)
                    .and_then(|x| x.cmp(*n))
                    .is_some_and(|o| match op {
                        CmpOp::Lt => o == Ordering::Less,
                        CmpOp::Lte => o != Ordering::Greater,
                        CmpOp::Gt => o == Ordering::Greater,
                        CmpOp::Gte => o != Ordering::Less,
                    })
            }
            ValueTest::FieldRef {
                other,
                anchor,
                cased,
            } => {
                let Some(o) = ev.get(other) else {
                    return false;
                };
                if *o == Value::Null || *v == Value::Null {
                    return false;
                }
                let (a, b) = (ev.display(v), ev.display(o));
                let (a, b) = if *cased {
                    (a.into_owned(), b.into_owned())
                } else {
                    (a.to_lowercase(), b.to_lowercase())
                };
                match anchor {
                    None => a == b,
                    Some(Anchor::Contains) => a.contains(&b),
                    Some(Anchor::StartsWith) => a.starts_with(&b),
                    Some(Anchor::EndsWith) => a.ends_with(&b),
                }
            }
        }
    }
}

/// Calls `f` with the text of a scalar value; numbers and booleans are
/// rendered on the stack, so string rules see `4688` for `Int(4688)`.
pub fn with_text<R>(ev: &Event, v: &Value, f: impl FnOnce(&str) -> R) -> Option<R> {
    match v {
        Value::Str(s) => Some(f(ev.span_str(*s))),
        Value::Bool(b) => Some(f(if *b { "true" } else { "false" })),
        Value::Int(i) => {
            let mut buf = [0u8; 24];
            let mut cur = std::io::Cursor::new(&mut buf[..]);
            write!(cur, "{i}").ok()?;
            let n = cur.position() as usize;
            std::str::from_utf8(&buf[..n]).ok().map(f)
        }
        Value::Float(x) => Some(f(&x.to_string())),
        Value::Null | Value::List(_) => None,
    }
}
