//! UTF-16 text inputs. Windows tools write UTF-16 more often than one would
//! like: Windows PowerShell 5's `>` and `Out-File`, some Exchange admin
//! center reports (message trace downloads), exports saved as "Unicode" from
//! Excel. Such a stream is recognised by its byte-order mark, or without one
//! by its shape (ASCII text with a zero byte beside every character), and
//! transcoded to UTF-8 before format detection, so every text reader works
//! on it unchanged. Positions stay lines and records; byte offsets, where a
//! reader reports them, count the transcoded UTF-8 text.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};
use encoding_rs_io::DecodeReaderBytesBuilder;
use std::io::Read;

/// Bytes looked at to recognise UTF-16 without a byte-order mark.
pub const HEAD_BYTES: usize = 256;

/// The UTF-16 variant `head` (the first bytes of a stream) is written in.
pub fn utf16_of(head: &[u8]) -> Option<&'static Encoding> {
    match head {
        [0xFF, 0xFE, ..] => return Some(UTF_16LE),
        [0xFE, 0xFF, ..] => return Some(UTF_16BE),
        _ => {}
    }
    let pairs: Vec<(u8, u8)> = head.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    // Too little to judge: a short stream is read as it is.
    if pairs.len() < 8 {
        return None;
    }
    let text = |c: u8| c.is_ascii_graphic() || matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let le = pairs.iter().filter(|(a, b)| text(*a) && *b == 0).count();
    let be = pairs.iter().filter(|(a, b)| *a == 0 && text(*b)).count();
    // Nearly every character ASCII beside a zero byte: text, not binary.
    let enough = |n: usize| n * 20 >= pairs.len() * 19;
    if enough(le) {
        Some(UTF_16LE)
    } else if enough(be) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// `stream` transcoded from `encoding` to UTF-8, without its byte-order mark.
pub fn transcode(
    stream: Box<dyn Read + Send>,
    encoding: &'static Encoding,
) -> Box<dyn Read + Send> {
    Box::new(
        DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(stream),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn utf16be(s: &str) -> Vec<u8> {
        let mut out = vec![0xFE, 0xFF];
        out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    fn decoded(bytes: Vec<u8>) -> String {
        let enc = utf16_of(&bytes).expect("recognised as UTF-16");
        let mut out = String::new();
        transcode(Box::new(std::io::Cursor::new(bytes)), enc)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn marked_and_unmarked_utf16_becomes_utf8() {
        let text =
            "\"Received\",\"SenderAddress\"\r\n\"11/16/2026 10:00\",\"amélie@corp.example\"\r\n";
        assert_eq!(decoded(utf16le(text, true)), text);
        assert_eq!(decoded(utf16le(text, false)), text);
        assert_eq!(decoded(utf16be(text)), text);
    }

    #[test]
    fn utf8_binary_and_short_streams_are_left_alone() {
        assert_eq!(utf16_of(b"{\"a\":1}\n{\"a\":2}\n"), None);
        assert_eq!(utf16_of("héllo wörld, plain UTF-8".as_bytes()), None);
        assert_eq!(utf16_of(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), None);
        assert_eq!(utf16_of(b"a\0b\0"), None);
        // Mostly zero bytes (a sparse binary file) is not text.
        assert_eq!(utf16_of(&[0u8; 64]), None);
        let mut bin: Vec<u8> = (0..=255u8).collect();
        bin.extend((0..=255u8).rev());
        assert_eq!(utf16_of(&bin), None);
    }
}
