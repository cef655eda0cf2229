//! Recognising an input's format from its content, never its name.

use crate::formats;
use crate::json::{self, Leaf};
use outflow_event::SourceKind;

/// What detection looks at: the first bytes of the decompressed content,
/// its first meaningful lines, and the field paths of its first JSON record.
pub struct Sample<'a> {
    pub bytes: &'a [u8],
    /// Up to 20 non-empty lines that are not `###` comments, lossily decoded.
    pub lines: Vec<String>,
    /// Dotted paths of the first JSON object's leaves (first element of a
    /// top-level array), when the content starts with JSON.
    pub json_paths: Vec<String>,
}

impl<'a> Sample<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        // Decoded once: the lines come from the first 16 KiB, the JSON paths from all of it.
        let all = String::from_utf8_lossy(bytes);
        let head = floor_boundary(&all, 16 * 1024);
        let text = &all[..head];
        let lines: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("###"))
            .take(20)
            .map(|l| l.trim_start_matches('\u{feff}').to_string())
            .collect();
        let json_paths = first_json_paths(&all);
        Sample {
            bytes,
            lines,
            json_paths,
        }
    }

    pub fn first_line(&self) -> &str {
        self.lines.first().map(String::as_str).unwrap_or("")
    }

    pub fn has_path(&self, path: &str) -> bool {
        self.json_paths.iter().any(|p| p == path)
    }

    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.json_paths.iter().any(|p| p.starts_with(prefix))
    }
}

/// The largest char boundary of `s` at or below `max`.
fn floor_boundary(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn first_json_paths(text: &str) -> Vec<String> {
    let mut start = None;
    for line in text.lines() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('{') || t.starts_with('[') {
            start = Some(line.as_ptr() as usize - text.as_ptr() as usize + (line.len() - t.len()));
        }
        break;
    }
    let Some(mut pos) = start else {
        return Vec::new();
    };
    if text.as_bytes()[pos] == b'[' {
        pos += 1;
        while text
            .as_bytes()
            .get(pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            pos += 1;
        }
    }
    let mut paths: Vec<String> = Vec::new();
    // A partial first record (sample cut short) still yields its leading paths.
    let _ = json::walk(text, pos, 64, |p, _, leaf| {
        if !matches!(leaf, Leaf::EmptyObject) && paths.last().is_none_or(|l| l != p) {
            paths.push(p.to_string());
        }
    });
    paths
}

/// The format of content starting with `sample`, or `None`.
pub fn detect_format(sample: &[u8]) -> Option<SourceKind> {
    if sample.starts_with(b"ElfFile\0") {
        return Some(SourceKind::Evtx);
    }
    let s = Sample::new(sample);
    if !s.json_paths.is_empty() {
        return Some(formats::sniff_json(&s));
    }
    formats::sniff_text(&s)
}
