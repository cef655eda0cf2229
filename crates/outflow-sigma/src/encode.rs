//! Value transformations of the encoding modifiers and `windash`.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard Base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three Base64 forms of `data` at offsets 0, 1 and 2 inside a longer
/// encoded text, trimmed of the characters that depend on the neighbouring
/// bytes. Same algorithm as pySigma's `base64offset`.
pub fn base64_offsets(data: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    // Characters to drop at the end, indexed by (len + shift) % 3.
    const END_TRIM: [usize; 3] = [0, 3, 2];
    let mut out = Vec::with_capacity(3);
    for shift in 0..3 {
        let mut buf = vec![b' '; shift];
        buf.extend_from_slice(data);
        let enc = base64(&buf);
        let end = enc.len().saturating_sub(END_TRIM[(data.len() + shift) % 3]);
        let s = enc.get(START[shift]..end).unwrap_or("").to_string();
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

pub fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

/// `utf16`: little-endian with a byte order mark, as pySigma does.
pub fn utf16_bom(s: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(utf16le(s));
    out
}

/// The dash characters `windash` makes interchangeable.
pub const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Most variants `windash` may create before the rule is rejected.
pub const WINDASH_MAX: usize = 5usize.pow(5);

/// All variants of `s` with each flag dash replaced by every dash character.
/// A flag dash is one not preceded by a word character and followed by one
/// (pySigma's `\B[-/]\b`), so `a-b` and `--` stay as written.
pub fn windash(s: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = s.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            DASHES.contains(&chars[i])
                && !word(i.checked_sub(1).and_then(|p| chars.get(p)))
                && word(chars.get(i + 1))
        })
        .collect();
    let total = 5usize.saturating_pow(positions.len() as u32);
    if total > WINDASH_MAX {
        return Err(format!(
            "windash: {} dash positions in {s:?} give too many variants",
            positions.len()
        ));
    }
    let mut out = Vec::with_capacity(total);
    for mut n in 0..total {
        let mut v = chars.clone();
        for &p in &positions {
            v[p] = DASHES[n % 5];
            n /= 5;
        }
        out.push(v.into_iter().collect());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn base64_offsets_match_pysigma() {
        // pySigma: SigmaBase64OffsetModifier on "/c " style inputs.
        assert_eq!(base64_offsets(b"http"), vec!["aHR0c", "h0dH", "odHRw"]);
        let shifted = [base64(b"xxhttpyy"), base64(b"xhttpy"), base64(b"httpz")];
        for s in shifted {
            assert!(
                base64_offsets(b"http")
                    .iter()
                    .any(|o| s.contains(o.as_str())),
                "{s}"
            );
        }
    }

    #[test]
    fn utf16_forms() {
        assert_eq!(utf16le("cmd"), b"c\0m\0d\0");
        assert_eq!(utf16be("cmd"), b"\0c\0m\0d");
        assert_eq!(utf16_bom("cmd"), b"\xFF\xFEc\0m\0d\0");
    }

    #[test]
    fn windash_variants() {
        let v = windash(" -enc x").unwrap();
        assert_eq!(v.len(), 5);
        assert!(v.contains(&" /enc x".to_string()));
        assert!(v.contains(&" \u{2015}enc x".to_string()));
        assert_eq!(windash("a-b").unwrap(), vec!["a-b"]);
        assert_eq!(windash("-a -b").unwrap().len(), 25);
    }
}
