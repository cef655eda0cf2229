//! Small helpers the SaaS audit and email gateway readers share: stepping
//! through the members of a JSON object or array without a DOM (to split
//! envelopes such as `Records` or `items` and to pair `{Name, Value}` lists),
//! event times, URL hosts and IP addresses written with a port.

use crate::ctx::ReadCtx;
use crate::json::{add_field, leaf_value, skip_value, unescape, walk, JsonError, RecordMeta};
use outflow_event::{time, Event, Position, Timestamp, Value};
use std::borrow::Cow;

/// One member of a JSON object: its (unescaped) key and the byte range of its value.
pub struct Member<'a> {
    pub key: Cow<'a, str>,
    pub start: usize,
    pub end: usize,
}

fn ws(b: &[u8], mut p: usize) -> usize {
    while b
        .get(p)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        p += 1;
    }
    p
}

fn syntax(offset: usize, what: &'static str) -> JsonError {
    JsonError::Syntax { offset, what }
}

/// The members of the object at `start` (leading whitespace allowed).
pub fn members(text: &str, start: usize, max_depth: usize) -> Result<Vec<Member<'_>>, JsonError> {
    let b = text.as_bytes();
    let mut p = ws(b, start);
    if b.get(p) != Some(&b'{') {
        return Err(syntax(p, "expected a JSON object"));
    }
    let mut out = Vec::new();
    p = ws(b, p + 1);
    if b.get(p) == Some(&b'}') {
        return Ok(out);
    }
    loop {
        if b.get(p) != Some(&b'"') {
            return Err(syntax(p, "expected a key"));
        }
        let kend = skip_value(text, p, 1)?;
        let raw = &text[p + 1..kend - 1];
        let key = if raw.contains('\\') {
            let mut s = String::new();
            unescape(raw, &mut s);
            Cow::Owned(s)
        } else {
            Cow::Borrowed(raw)
        };
        p = ws(b, kend);
        if b.get(p) != Some(&b':') {
            return Err(syntax(p, "expected ':'"));
        }
        let vstart = ws(b, p + 1);
        let vend = skip_value(text, vstart, max_depth)?;
        out.push(Member {
            key,
            start: vstart,
            end: vend,
        });
        p = ws(b, vend);
        match b.get(p) {
            Some(b',') => p = ws(b, p + 1),
            Some(b'}') => return Ok(out),
            None => return Err(JsonError::Incomplete),
            Some(_) => return Err(syntax(p, "expected ',' or '}'")),
        }
    }
}

/// Byte ranges of the elements of the array at `start`.
pub fn elements(
    text: &str,
    start: usize,
    max_depth: usize,
) -> Result<Vec<(usize, usize)>, JsonError> {
    let b = text.as_bytes();
    let mut p = ws(b, start);
    if b.get(p) != Some(&b'[') {
        return Err(syntax(p, "expected a JSON array"));
    }
    let mut out = Vec::new();
    p = ws(b, p + 1);
    if b.get(p) == Some(&b']') {
        return Ok(out);
    }
    loop {
        let end = skip_value(text, p, max_depth)?;
        out.push((p, end));
        p = ws(b, end);
        match b.get(p) {
            Some(b',') => p = ws(b, p + 1),
            Some(b']') => return Ok(out),
            None => return Err(JsonError::Incomplete),
            Some(_) => return Err(syntax(p, "expected ',' or ']'")),
        }
    }
}

/// The member named `key`, if any.
pub fn member<'m, 'a>(ms: &'m [Member<'a>], key: &str) -> Option<&'m Member<'a>> {
    ms.iter().find(|m| m.key == key)
}

/// A JSON string value's text (unescaped); `None` for other values.
pub fn json_str(text: &str, start: usize, end: usize) -> Option<Cow<'_, str>> {
    let v = text.get(start..end)?;
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        let mut s = String::new();
        unescape(inner, &mut s);
        Some(Cow::Owned(s))
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Each element of the array at `array` in a page document (CloudTrail's
/// `Records`, a Reports API page's `items`, a Slack page's `entries`),
/// with the element's own record meta and position: its line in a
/// pretty-printed page, else its 1-based index in the array (a page on one
/// line would give every element the same line). An array that is not one
/// is rejected as `what`.
pub fn for_each_element(
    text: &str,
    meta: RecordMeta,
    array: usize,
    ctx: &mut ReadCtx,
    what: &str,
    mut each: impl FnMut(&str, RecordMeta, Position, &mut ReadCtx),
) {
    let Ok(els) = elements(text, array, ctx.limits.max_json_depth) else {
        let detail = format!("{what} is not an array");
        return super::common::reject_shape(ctx, meta.position(), detail);
    };
    let one_line = !text.contains('\n');
    for (i, (start, end)) in els.into_iter().enumerate() {
        if ctx.stopped() {
            return;
        }
        let item = RecordMeta {
            line: meta.line + lines_before(text, start),
            index: meta.index,
        };
        let position = if one_line {
            Position::Record(i as u64 + 1)
        } else {
            item.position()
        };
        each(&text[start..end], item, position, ctx);
    }
}

/// Number of line breaks in `text[..pos]`, to give a nested record its line.
pub fn lines_before(text: &str, pos: usize) -> u64 {
    memchr::memchr_iter(b'\n', &text.as_bytes()[..pos.min(text.len())]).count() as u64
}

/// The time of the first of `names` that holds one: ISO 8601 / epoch text,
/// or a number (13+ digits: milliseconds, else seconds).
pub fn time_of(ev: &Event, names: &[&str]) -> Option<Timestamp> {
    names.iter().find_map(|n| value_time(ev, ev.get(n)?))
}

fn value_time(ev: &Event, v: &Value) -> Option<Timestamp> {
    match v {
        Value::Str(s) => time::parse_any(ev.span_str(*s)),
        Value::Int(i) if i.unsigned_abs() >= 100_000_000_000 => Some(Timestamp::from_millis(*i)),
        Value::Int(i) => Some(Timestamp::from_secs(*i)),
        Value::Float(f) if f.abs() >= 1e11 => Timestamp::from_f64_secs(f / 1000.0),
        Value::Float(f) => Timestamp::from_f64_secs(*f),
        _ => None,
    }
}

/// The host of `scheme://[user@]host[:port]/...`, lower-case when it needs to be.
pub fn url_host(url: &str) -> Option<Cow<'_, str>> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    if host.is_empty() {
        return None;
    }
    Some(if host.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    })
}

/// An IP address as written with an optional port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), without the port; other text unchanged.
pub fn strip_port(s: &str) -> &str {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match s.split_once(':') {
        // Exactly one colon: IPv4 with a port. IPv6 has several.
        Some((ip, port)) if !port.contains(':') && port.bytes().all(|c| c.is_ascii_digit()) => ip,
        _ => s,
    }
}

/// For an array of `{name_key: N, <value key>: V}` objects at `array` in
/// `raw` (which must be the event's raw text, so spans point into it), adds a field `<prefix>.<N>` = V for
/// each element, V taken from the first of `value_keys` present. Nested
/// values flatten under `<prefix>.<N>.<path>`. Names that would collide with
/// the flattened `<prefix>.<name_key>` list are left out.
pub fn add_pairs(
    ev: &mut Event,
    ctx: &mut ReadCtx,
    raw: &str,
    array: (usize, usize),
    prefix: &str,
    name_key: &str,
    value_keys: &[&str],
) {
    let depth = ctx.limits.max_json_depth;
    let Ok(items) = elements(raw, array.0, depth) else {
        return;
    };
    let mut scratch = String::new();
    let mut name_buf = String::new();
    for (start, _) in items {
        let Ok(ms) = members(raw, start, depth) else {
            continue;
        };
        let Some(name) = member(&ms, name_key).and_then(|m| json_str(raw, m.start, m.end)) else {
            continue;
        };
        if name.is_empty() || name == name_key || value_keys.contains(&name.as_ref()) {
            continue;
        }
        let Some(v) = value_keys.iter().find_map(|k| member(&ms, k)) else {
            continue;
        };
        let _ = walk(raw, v.start, depth, |path, in_array, leaf| {
            name_buf.clear();
            name_buf.push_str(prefix);
            name_buf.push('.');
            name_buf.push_str(&name);
            if !path.is_empty() {
                name_buf.push('.');
                name_buf.push_str(path);
            }
            if let Some(value) = leaf_value(ev, leaf, 0, &mut scratch) {
                let key = ctx.key(&name_buf);
                add_field(ev, key, value, in_array);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_through_members_and_elements() {
        let t = r#" {"a" : [1, {"b":"x"}], "k\"e": "v\n"} "#;
        let ms = members(t, 0, 64).unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[1].key, "k\"e");
        assert_eq!(json_str(t, ms[1].start, ms[1].end).unwrap(), "v\n");
        let el = elements(t, ms[0].start, 64).unwrap();
        assert_eq!(&t[el[1].0..el[1].1], r#"{"b":"x"}"#);
        assert!(members(r#"{"a":1"#, 0, 64).is_err());
        assert!(elements("[1,", 0, 64).is_err());
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(
            url_host("https://Corp-My.SharePoint.com/personal/x").unwrap(),
            "corp-my.sharepoint.com"
        );
        assert_eq!(
            url_host("https://u:p@webhook.site:8443?x").unwrap(),
            "webhook.site"
        );
        assert_eq!(url_host("http://[::1]:80/").unwrap(), "::1");
        assert_eq!(url_host("no url"), None);
        assert_eq!(strip_port("10.0.0.1:5555"), "10.0.0.1");
        assert_eq!(strip_port("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(strip_port("2001:db8::1"), "2001:db8::1");
    }
}
