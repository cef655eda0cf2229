//! JSON string output without a serializer: quoted and escaped.

use std::fmt::Write;

/// Appends `v` as a JSON string literal.
pub fn s(b: &mut String, v: &str) {
    b.push('"');
    esc(b, v);
    b.push('"');
}

/// Appends `v` escaped for inside a JSON string literal.
pub fn esc(b: &mut String, v: &str) {
    let mut from = 0;
    for (i, c) in v.char_indices() {
        let rep: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        b.push_str(&v[from..i]);
        match rep {
            Some(r) => b.push_str(r),
            None => {
                let _ = write!(b, "\\u{:04x}", c as u32);
            }
        }
        from = i + c.len_utf8();
    }
    b.push_str(&v[from..]);
}

/// Appends `,"key":"value"`.
pub fn kv(b: &mut String, key: &str, v: &str) {
    b.push_str(",\"");
    b.push_str(key);
    b.push_str("\":");
    s(b, v);
}

/// Appends `,"key":["a","b"]`.
pub fn kl<S: AsRef<str>>(b: &mut String, key: &str, items: &[S]) {
    let _ = write!(b, ",\"{key}\":[");
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            b.push(',');
        }
        s(b, it.as_ref());
    }
    b.push(']');
}

/// Appends `,"key":n`.
pub fn kn(b: &mut String, key: &str, n: impl std::fmt::Display) {
    let _ = write!(b, ",\"{key}\":{n}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        let mut b = String::new();
        super::s(&mut b, "C:\\a \"b\"\n\u{1}");
        assert_eq!(b, r#""C:\\a \"b\"\n\u0001""#);
    }
}
