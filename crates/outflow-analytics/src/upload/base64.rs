//! Base64 (standard alphabet) and UTF-16LE, for `powershell -EncodedCommand`.

/// Longest encoded text decoded.
const MAX_ENCODED: usize = 64 * 1024;

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64, ignoring white space and missing padding; `None` on any
/// other character or input longer than 64 KiB.
pub(crate) fn decode(s: &str) -> Option<Vec<u8>> {
    if s.len() > MAX_ENCODED {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s.trim_end_matches(['=', ' ', '\t', '\r', '\n']).as_bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `-EncodedCommand` text: base64 of UTF-16LE.
pub(crate) fn decode_utf16le(s: &str) -> Option<String> {
    let bytes = decode(s)?;
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    Some(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode("a*b"), None);
        // "iwr" in UTF-16LE
        assert_eq!(decode_utf16le("aQB3AHIA").as_deref(), Some("iwr"));
    }
}
