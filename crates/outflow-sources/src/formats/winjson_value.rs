//! Leaf values of Windows JSON as event values: strings point into the
//! record where they need no change, GUIDs take the form Windows' XML
//! writer gives them, numbers stay numbers (or exact text past i64).

use crate::json::unescape;
use outflow_event::{Event, Span, Value};

/// A number leaf (`n` lies in `text`): integers past i64 (UInt64 data)
/// stay exact, as text.
pub(super) fn number(n: &str, text: &str) -> Value {
    if let Some(i) = short_digits(n) {
        return Value::Int(i);
    }
    if let Ok(i) = n.parse::<i64>() {
        return Value::Int(i);
    }
    if n.bytes().all(|c| c.is_ascii_digit()) {
        let start = n.as_ptr() as usize - text.as_ptr() as usize;
        return Value::Str(Span::new(start, start + n.len()));
    }
    n.parse::<f64>().map_or(Value::Null, Value::Float)
}

/// The value of up to 18 plain digits (they always fit an i64), which is
/// what `str::parse` gives them, without its sign and overflow handling.
#[inline]
fn short_digits(n: &str) -> Option<i64> {
    let b = n.as_bytes();
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    let mut v = 0i64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + i64::from(d);
    }
    Some(v)
}

/// Buffers reused from leaf to leaf and record to record.
#[derive(Default)]
pub(super) struct Values {
    /// Unescaped string contents.
    pub text: String,
    guid: String,
}

impl Values {
    /// A string leaf as a value: a span of the raw text when it needs no
    /// change, decoded text otherwise.
    #[inline]
    pub fn string(
        &mut self,
        ev: &mut Event,
        raw: &str,
        escaped: bool,
        start: usize,
        end: usize,
    ) -> Value {
        if escaped {
            self.text.clear();
            unescape(raw, &mut self.text);
            let text = if canonical_guid(&self.text, &mut self.guid) {
                &self.guid
            } else {
                &self.text
            };
            return Value::Str(ev.intern(text));
        }
        if canonical_guid(raw, &mut self.guid) {
            Value::Str(ev.intern(&self.guid))
        } else {
            Value::Str(Span::new(start, end))
        }
    }
}

/// Writes `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (upper case, braced) into
/// `out` for a value that is a GUID written any other way; `false` when it
/// is no GUID or already in that form. The common non-GUID value costs a
/// length test.
#[inline]
fn canonical_guid(s: &str, out: &mut String) -> bool {
    matches!(s.len(), 36 | 38) && guid_of_length(s, out)
}

/// [`canonical_guid`] for a value of a GUID's length.
fn guid_of_length(s: &str, out: &mut String) -> bool {
    let b = s.as_bytes();
    let inner = match b.len() {
        36 => s,
        38 if b[0] == b'{' && b[37] == b'}' => &s[1..37],
        _ => return false,
    };
    let g = inner.as_bytes();
    if g[8] != b'-' || g[13] != b'-' || g[18] != b'-' || g[23] != b'-' {
        return false;
    }
    // The 32 digits as four words, checked eight at a time.
    let mut w = [[0u8; 8]; 4];
    w[0].copy_from_slice(&g[0..8]);
    w[1][..4].copy_from_slice(&g[9..13]);
    w[1][4..].copy_from_slice(&g[14..18]);
    w[2][..4].copy_from_slice(&g[19..23]);
    w[2][4..].copy_from_slice(&g[24..28]);
    w[3].copy_from_slice(&g[28..36]);
    let (mut hex, mut lower) = (true, false);
    for word in w {
        let (h, l) = hex_digits(u64::from_le_bytes(word));
        hex &= h;
        lower |= l;
    }
    if !hex || (b.len() == 38 && !lower) {
        return false;
    }
    out.clear();
    out.push('{');
    out.push_str(inner);
    out.push('}');
    out.make_ascii_uppercase();
    true
}

/// Whether all eight bytes of `w` are hex digits, and whether any is lower case.
#[inline]
fn hex_digits(w: u64) -> (bool, bool) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    if w & HI != 0 {
        return (false, false);
    }
    // High bit of each byte set where `lo <= byte <= hi` (bytes below 0x80,
    // so no sum carries into the next byte).
    let within =
        |lo: u8, hi: u8| (w + LO * (0x80 - lo as u64)) & !(w + LO * (0x7F - hi as u64)) & HI;
    let lower = within(b'a', b'f');
    let all = within(b'0', b'9') | within(b'A', b'F') | lower;
    (all == HI, lower != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_digits_agree_with_parse() {
        for n in [
            "0",
            "007",
            "123456789012345678",
            "1234567890123456789",
            "",
            "-1",
            "+1",
            "1e3",
            "1.5",
        ] {
            let want = n
                .parse::<i64>()
                .ok()
                .filter(|_| n.len() <= 18 && n.bytes().all(|c| c.is_ascii_digit()));
            assert_eq!(short_digits(n), want, "{n}");
        }
    }

    #[test]
    fn hex_digit_words_agree_with_a_byte_test() {
        for c in 0..=255u8 {
            for at in 0..8 {
                let mut word = *b"0a1B2c3D";
                word[at] = c;
                let (hex, lower) = hex_digits(u64::from_le_bytes(word));
                assert_eq!(hex, word.iter().all(u8::is_ascii_hexdigit), "{c} at {at}");
                if hex {
                    assert_eq!(lower, word.iter().any(u8::is_ascii_lowercase));
                }
            }
        }
    }

    #[test]
    fn guids_become_upper_case_braced() {
        let want = "{0197231E-C424-69E1-C922-000000000800}";
        let g = |s: &str| {
            let mut out = String::new();
            canonical_guid(s, &mut out).then_some(out)
        };
        assert_eq!(
            g("0197231E-C424-69E1-C922-000000000800").as_deref(),
            Some(want)
        );
        assert_eq!(
            g("{0197231e-c424-69e1-c922-000000000800}").as_deref(),
            Some(want)
        );
        assert_eq!(g(want), None);
        assert_eq!(g("C:\\Windows\\System32\\svchost.exe-k-netsvcs"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080Z"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-0000000008-0"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-0000000008\u{e9}"), None);
        assert_eq!(g("{0197231E+C424-69E1-C922-000000000800}"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080g"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080@"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080/"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080:"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080`"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080G"), None);
    }
}
