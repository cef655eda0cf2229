use super::path::{Dotted, KeyPath, NoPath};
use std::cell::Cell;
use std::fmt;

/// A scalar (or empty container) found while walking a document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leaf<'a> {
    /// String contents between the quotes, still escaped when `escaped`.
    /// `start..end` are byte offsets of the contents in the walked text.
    Str {
        raw: &'a str,
        escaped: bool,
        start: usize,
        end: usize,
    },
    Num(&'a str),
    Bool(bool),
    Null,
    EmptyArray,
    EmptyObject,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// The text ends inside a value.
    Incomplete,
    Syntax {
        offset: usize,
        what: &'static str,
    },
    TooDeep {
        offset: usize,
    },
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Incomplete => write!(f, "JSON ends inside a value"),
            JsonError::Syntax { offset, what } => write!(f, "{what} at byte {offset}"),
            JsonError::TooDeep { offset } => write!(f, "nesting too deep at byte {offset}"),
        }
    }
}

type Res<T> = Result<T, JsonError>;

/// The walker's own error: the reason waits in [`Walker::error`], so that
/// results stay two words and come back in registers.
struct Stop;
type Step<T> = Result<T, Stop>;

struct Walker<'a, 'p, P, F> {
    text: &'a str,
    b: &'a [u8],
    max_depth: usize,
    path: &'p mut P,
    visit: F,
    error: Cell<JsonError>,
}

/// Offset (from `from`) of the first `"` or `\\` in `b[from..]`. JSON
/// strings are mostly short keys and values, where a vector search's set-up
/// costs more than it saves; eight bytes at a time (SWAR) suits them better.
#[inline]
fn find_quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let quote = LO * b'"' as u64;
    let slash = LO * b'\\' as u64;
    let mut i = from;
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let (q, s) = (w ^ quote, w ^ slash);
        let hit = (q.wrapping_sub(LO) & !q | s.wrapping_sub(LO) & !s) & HI;
        if hit != 0 {
            return Some(i - from + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| i - from + p)
}

/// Walks the value starting at `start` (leading whitespace allowed), calling
/// `visit(path, in_array, leaf)` for every leaf; object keys are joined with
/// `.` and array elements share their array's path. Returns the offset just
/// past the value.
pub fn walk<'a, F>(text: &'a str, start: usize, max_depth: usize, mut visit: F) -> Res<usize>
where
    F: FnMut(&str, bool, Leaf<'a>),
{
    let mut path = Dotted(String::with_capacity(64));
    walk_path(text, start, max_depth, &mut path, |p, in_array, leaf| {
        visit(&p.0, in_array, leaf)
    })
}

/// Like [`walk`], with the position kept by `path` (entered and left at
/// each object member) and handed to `visit` at every leaf.
pub fn walk_path<'a, P, F>(
    text: &'a str,
    start: usize,
    max_depth: usize,
    path: &mut P,
    visit: F,
) -> Res<usize>
where
    P: KeyPath<'a>,
    F: FnMut(&mut P, bool, Leaf<'a>),
{
    let mut w = Walker {
        text,
        b: text.as_bytes(),
        max_depth,
        path,
        visit,
        error: Cell::new(JsonError::Incomplete),
    };
    let pos = w.ws(start);
    w.value(pos, 0, false).map_err(|Stop| w.error.get())
}

/// Validates and skips the value at `start`; returns the offset past it.
pub fn skip_value(text: &str, start: usize, max_depth: usize) -> Res<usize> {
    walk_path(text, start, max_depth, &mut NoPath, |_, _, _| {})
}

impl<'a, P, F> Walker<'a, '_, P, F>
where
    P: KeyPath<'a>,
    F: FnMut(&mut P, bool, Leaf<'a>),
{
    /// Records why the walk stops; callers pass the `Stop` up unchanged.
    #[cold]
    fn fail<T>(&self, e: JsonError) -> Step<T> {
        self.error.set(e);
        Err(Stop)
    }

    #[inline]
    fn ws(&self, mut p: usize) -> usize {
        while let Some(c) = self.b.get(p) {
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            p += 1;
        }
        p
    }

    /// The first byte at or after `p` that is not whitespace, and where it is.
    #[inline(always)]
    fn peek(&self, p: usize) -> (usize, Option<u8>) {
        match self.b.get(p) {
            Some(&c) if c > b' ' => (p, Some(c)),
            _ => {
                let q = self.ws(p);
                (q, self.b.get(q).copied())
            }
        }
    }

    fn value(&mut self, p: usize, depth: usize, in_array: bool) -> Step<usize> {
        let Some(&c) = self.b.get(p) else {
            return self.fail(JsonError::Incomplete);
        };
        match c {
            b'{' => self.object(p, depth + 1, in_array),
            b'[' => self.array(p, depth + 1),
            b'"' => {
                let (end, escaped) = self.string(p)?;
                let leaf = Leaf::Str {
                    raw: &self.text[p + 1..end - 1],
                    escaped,
                    start: p + 1,
                    end: end - 1,
                };
                (self.visit)(self.path, in_array, leaf);
                Ok(end)
            }
            b't' => self.literal(p, b"true", Leaf::Bool(true), in_array),
            b'f' => self.literal(p, b"false", Leaf::Bool(false), in_array),
            b'n' => self.literal(p, b"null", Leaf::Null, in_array),
            b'-' | b'0'..=b'9' => {
                let end = self.number(p, depth)?;
                (self.visit)(self.path, in_array, Leaf::Num(&self.text[p..end]));
                Ok(end)
            }
            _ => self.fail(JsonError::Syntax {
                offset: p,
                what: "expected a JSON value",
            }),
        }
    }

    fn literal(&mut self, p: usize, word: &[u8], leaf: Leaf<'a>, in_array: bool) -> Step<usize> {
        let end = p + word.len();
        match self.b.get(p..end) {
            Some(s) if s == word => {
                (self.visit)(self.path, in_array, leaf);
                Ok(end)
            }
            Some(_) => self.fail(JsonError::Syntax {
                offset: p,
                what: "invalid literal",
            }),
            None if word.starts_with(&self.b[p..]) => self.fail(JsonError::Incomplete),
            None => self.fail(JsonError::Syntax {
                offset: p,
                what: "invalid literal",
            }),
        }
    }

    /// A number that runs to the end of the text is complete only at top level.
    fn number(&self, p: usize, depth: usize) -> Step<usize> {
        let mut e = p;
        while let Some(c) = self.b.get(e) {
            if !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                break;
            }
            e += 1;
        }
        if e == self.b.len() && depth > 0 {
            return self.fail(JsonError::Incomplete);
        }
        if !self.b[p..e].iter().any(u8::is_ascii_digit) {
            return self.fail(JsonError::Syntax {
                offset: p,
                what: "invalid number",
            });
        }
        Ok(e)
    }

    /// `p` at the opening quote; returns (offset past the closing quote, has escapes).
    #[inline(always)]
    fn string(&self, p: usize) -> Step<(usize, bool)> {
        let mut i = p + 1;
        let mut escaped = false;
        loop {
            match find_quote_or_backslash(self.b, i) {
                None => return self.fail(JsonError::Incomplete),
                Some(off) => {
                    i += off;
                    if self.b[i] == b'"' {
                        return Ok((i + 1, escaped));
                    }
                    escaped = true;
                    i += 2;
                    if i > self.b.len() {
                        return self.fail(JsonError::Incomplete);
                    }
                }
            }
        }
    }

    fn object(&mut self, p: usize, depth: usize, in_array: bool) -> Step<usize> {
        if depth > self.max_depth {
            return self.fail(JsonError::TooDeep { offset: p });
        }
        let mut i = self.ws(p + 1);
        match self.b.get(i) {
            None => return self.fail(JsonError::Incomplete),
            Some(b'}') => {
                (self.visit)(self.path, in_array, Leaf::EmptyObject);
                return Ok(i + 1);
            }
            _ => {}
        }
        loop {
            match self.b.get(i) {
                None => return self.fail(JsonError::Incomplete),
                Some(b'"') => {}
                Some(_) => {
                    return self.fail(JsonError::Syntax {
                        offset: i,
                        what: "expected a key",
                    })
                }
            }
            let (kend, mark) = match self.path.enter_expected(self.b, i) {
                Some(entered) => entered,
                None => {
                    let (kend, kesc) = self.string(i)?;
                    (kend, self.path.enter(&self.text[i + 1..kend - 1], kesc))
                }
            };
            let (at, c) = self.peek(kend);
            i = at;
            match c {
                None => return self.fail(JsonError::Incomplete),
                Some(b':') => {}
                Some(_) => {
                    return self.fail(JsonError::Syntax {
                        offset: i,
                        what: "expected ':'",
                    })
                }
            }
            i = self.ws(i + 1);
            i = self.value(i, depth, in_array)?;
            self.path.leave(mark);
            let (at, c) = self.peek(i);
            i = at;
            match c {
                None => return self.fail(JsonError::Incomplete),
                Some(b',') => i = self.ws(i + 1),
                Some(b'}') => return Ok(i + 1),
                Some(_) => {
                    return self.fail(JsonError::Syntax {
                        offset: i,
                        what: "expected ',' or '}'",
                    })
                }
            }
        }
    }

    fn array(&mut self, p: usize, depth: usize) -> Step<usize> {
        if depth > self.max_depth {
            return self.fail(JsonError::TooDeep { offset: p });
        }
        let mut i = self.ws(p + 1);
        match self.b.get(i) {
            None => return self.fail(JsonError::Incomplete),
            Some(b']') => {
                (self.visit)(self.path, true, Leaf::EmptyArray);
                return Ok(i + 1);
            }
            _ => {}
        }
        loop {
            i = self.value(i, depth, true)?;
            let (at, c) = self.peek(i);
            i = at;
            match c {
                None => return self.fail(JsonError::Incomplete),
                Some(b',') => i = self.ws(i + 1),
                Some(b']') => return Ok(i + 1),
                Some(_) => {
                    return self.fail(JsonError::Syntax {
                        offset: i,
                        what: "expected ',' or ']'",
                    })
                }
            }
        }
    }
}

/// Finds where the object or array starting at `start` ends, by its
/// brackets and strings alone, without checking the grammar in between (the
/// caller walks the value afterwards, which does). Errors: `Incomplete` when
/// the text ends first, `TooDeep` past `max_depth`, `Syntax` for a closing
/// bracket that does not match.
pub fn value_end(text: &str, start: usize, max_depth: usize) -> Res<usize> {
    let mut stack: [u8; 128] = [0; 128];
    if max_depth > stack.len() {
        // Deeper limits than the fixed stack holds: the full walk checks them.
        return skip_value(text, start, max_depth);
    }
    let b = text.as_bytes();
    let limit = max_depth;
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                loop {
                    match find_quote_or_backslash(b, i) {
                        None => return Err(JsonError::Incomplete),
                        Some(off) if b[i + off] == b'"' => {
                            i += off + 1;
                            break;
                        }
                        Some(off) => i += off + 2,
                    }
                    if i > b.len() {
                        return Err(JsonError::Incomplete);
                    }
                }
                continue;
            }
            c @ (b'{' | b'[') => {
                if depth >= limit {
                    return Err(JsonError::TooDeep { offset: i });
                }
                stack[depth] = if c == b'{' { b'}' } else { b']' };
                depth += 1;
            }
            c @ (b'}' | b']') => {
                if depth == 0 || stack[depth - 1] != c {
                    return Err(JsonError::Syntax {
                        offset: i,
                        what: "unbalanced bracket",
                    });
                }
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(JsonError::Incomplete)
}

/// Offset (from `from`) of the next `\\` in `b[from..]`: between escapes
/// (Windows paths) the runs are short, so eight bytes at a time beats a
/// vector search's set-up, as in [`find_quote_or_backslash`].
#[inline]
fn find_backslash(b: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let slash = LO * b'\\' as u64;
    let mut i = from;
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let x = u64::from_le_bytes(word) ^ slash;
        let hit = x.wrapping_sub(LO) & !x & HI;
        if hit != 0 {
            return Some(i - from + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'\\')
        .map(|p| i - from + p)
}

/// Appends the unescaped form of JSON string contents to `out`. Invalid
/// escapes and lone surrogates become U+FFFD rather than failing.
pub fn unescape(raw: &str, out: &mut String) {
    // Unescaping never lengthens the text: one reservation covers it.
    out.reserve(raw.len());
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let Some(off) = find_backslash(b, i) else {
            out.push_str(&raw[i..]);
            return;
        };
        out.push_str(&raw[i..i + off]);
        i += off + 1;
        let Some(&c) = b.get(i) else {
            out.push('\u{FFFD}');
            return;
        };
        i += 1;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let hi = hex4(b, i);
                i += 4;
                let ch = match hi {
                    Some(h @ 0xD800..=0xDBFF) => {
                        if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
                            match hex4(b, i + 2) {
                                Some(l @ 0xDC00..=0xDFFF) => {
                                    i += 6;
                                    char::from_u32(0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00))
                                }
                                _ => None,
                            }
                        } else {
                            None
                        }
                    }
                    Some(h) => char::from_u32(h),
                    None => None,
                };
                out.push(ch.unwrap_or('\u{FFFD}'));
            }
            _ => out.push('\u{FFFD}'),
        }
        // Keep `i` on a char boundary after a malformed escape.
        while i < b.len() && !raw.is_char_boundary(i) {
            i += 1;
        }
    }
}

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let s = b.get(i..i + 4)?;
    let mut v = 0u32;
    for &c in s {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(text: &str) -> Res<Vec<(String, bool, String)>> {
        let mut out = Vec::new();
        walk(text, 0, 64, |path, arr, leaf| {
            let v = match leaf {
                Leaf::Str { raw, escaped, .. } => {
                    let mut s = String::new();
                    if escaped {
                        unescape(raw, &mut s)
                    } else {
                        s.push_str(raw)
                    }
                    s
                }
                Leaf::Num(n) => n.to_string(),
                Leaf::Bool(b) => b.to_string(),
                Leaf::Null => "null".into(),
                Leaf::EmptyArray => "[]".into(),
                Leaf::EmptyObject => "{}".into(),
            };
            out.push((path.to_string(), arr, v));
        })?;
        Ok(out)
    }

    #[test]
    fn flattens_nested_objects_and_arrays() {
        let got = leaves(r#"{"a":{"b":1,"c":"x\"y"},"d":[true,{"e":null}],"f":[]}"#).unwrap();
        let want = [
            ("a.b", false, "1"),
            ("a.c", false, "x\"y"),
            ("d", true, "true"),
            ("d.e", true, "null"),
            ("f", true, "[]"),
        ];
        let got: Vec<_> = got
            .iter()
            .map(|(p, a, v)| (p.as_str(), *a, v.as_str()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn reports_errors_with_offsets() {
        assert_eq!(leaves(r#"{"a":1"#), Err(JsonError::Incomplete));
        assert_eq!(
            leaves(r#"{"a" 1}"#),
            Err(JsonError::Syntax {
                offset: 5,
                what: "expected ':'"
            })
        );
        let deep = "[".repeat(70) + &"]".repeat(70);
        assert_eq!(leaves(&deep), Err(JsonError::TooDeep { offset: 64 }));
    }

    #[test]
    fn swar_search_finds_the_first_quote_or_backslash() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut v = vec![b'a'; len];
                    v[at] = c;
                    if at + 1 < len {
                        v[at + 1] = b'"';
                    }
                    assert_eq!(find_quote_or_backslash(&v, 0), Some(at));
                    assert_eq!(find_quote_or_backslash(&v, at), Some(0));
                }
            }
            assert_eq!(find_quote_or_backslash(&vec![0xC3u8; len], 0), None);
        }
    }

    #[test]
    fn swar_backslash_search_matches_a_plain_search() {
        for len in 0..40 {
            for at in 0..len {
                let mut v = vec![b'"'; len];
                v[at] = b'\\';
                assert_eq!(find_backslash(&v, 0), Some(at));
            }
            assert_eq!(find_backslash(&vec![0xDCu8; len], 0), None);
        }
    }

    #[test]
    fn value_end_finds_the_end_by_brackets_and_strings() {
        let t = r#"{"a":"}]{\"","b":[1,{"c":2}]} {"next":1}"#;
        assert_eq!(value_end(t, 0, 64), skip_value(t, 0, 64));
        assert_eq!(
            value_end(r#"{"a":[1}"#, 0, 64).err(),
            Some(JsonError::Syntax {
                offset: 7,
                what: "unbalanced bracket"
            })
        );
        assert_eq!(value_end(r#"{"a":"x"#, 0, 64), Err(JsonError::Incomplete));
        assert_eq!(
            value_end(&"[".repeat(10), 0, 5),
            Err(JsonError::TooDeep { offset: 5 })
        );
    }

    #[test]
    fn unescapes_unicode_and_surrogates() {
        let mut s = String::new();
        unescape(r"C:\\Windows\u00e9\ud83d\ude00\ud800x\q", &mut s);
        assert_eq!(s, "C:\\Windowsé😀\u{FFFD}x\u{FFFD}");
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            ".{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn reference(
        v: &serde_json::Value,
        path: &str,
        arr: bool,
        out: &mut Vec<(String, bool, String)>,
    ) {
        use serde_json::Value as J;
        let mut push = |s: String| out.push((path.to_string(), arr, s));
        match v {
            J::Null => push("null".into()),
            J::Bool(b) => push(b.to_string()),
            J::Number(n) => push(n.to_string()),
            J::String(s) => push(s.clone()),
            J::Array(a) if a.is_empty() => out.push((path.to_string(), true, "[]".into())),
            J::Array(a) => a.iter().for_each(|x| reference(x, path, true, out)),
            J::Object(o) if o.is_empty() => push("{}".into()),
            J::Object(o) => o.iter().for_each(|(k, x)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                reference(x, &p, arr, out)
            }),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json(v in arb_json(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
            let mut want = Vec::new();
            reference(&v, "", false, &mut want);
            prop_assert_eq!(leaves(&text).unwrap(), want);
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in "[\\[\\]{}\":,0-9a-z\\\\ \\-.]{0,64}") {
            let _ = leaves(&s);
            let _ = value_end(&s, 0, 8);
        }

        #[test]
        fn value_end_agrees_with_the_validating_walk_on_valid_json(v in arb_json()) {
            let text = format!("{} {{}}", serde_json::to_string_pretty(&v).unwrap());
            if v.is_object() || v.is_array() {
                prop_assert_eq!(value_end(&text, 0, 64), skip_value(&text, 0, 64));
            }
        }

        #[test]
        fn truncated_documents_are_incomplete(v in arb_json(), cut in 0usize..1000) {
            let text = v.to_string();
            if (v.is_object() || v.is_array()) && cut < text.len() && text.is_char_boundary(cut) {
                prop_assert_eq!(leaves(&text[..cut]).err(), Some(JsonError::Incomplete));
            }
        }
    }
}
