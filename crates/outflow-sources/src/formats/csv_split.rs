//! Splitting one CSV line (RFC 4180 quoting) into cells without copying:
//! each cell is a byte range of the line, so event fields can point at it.

/// A cell's contents: `start..end` of the line (inside the quotes when
/// quoted); `doubled` when it holds `""` escapes and must be unescaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub start: usize,
    pub end: usize,
    pub doubled: bool,
}

impl Cell {
    /// The cell's text, unescaped when needed.
    pub fn text<'a>(&self, line: &'a str) -> std::borrow::Cow<'a, str> {
        let s = line.get(self.start..self.end).unwrap_or("");
        if self.doubled {
            std::borrow::Cow::Owned(s.replace("\"\"", "\""))
        } else {
            std::borrow::Cow::Borrowed(s)
        }
    }
}

/// How splitting a line ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Every cell is complete; `stray` when text followed a closing quote
    /// before the next delimiter (it is left out of the cell).
    Complete { stray: bool },
    /// The line ends inside a quoted cell.
    Open,
}

/// Splits `line` at `delim` into `out` (cleared first). Returns false when
/// the line ends inside a quoted cell: the record continues on the next line.
/// Text between a closing quote and the next delimiter is ignored.
pub fn split(line: &str, delim: u8, out: &mut Vec<Cell>) -> bool {
    matches!(split_from(line, 0, delim, out), Split::Complete { .. })
}

/// Splits `line[from..]` at `delim` into `out` (cleared first), saying how
/// it ended, for readers that take stray text or an open quote as damage.
pub fn split_from(line: &str, from: usize, delim: u8, out: &mut Vec<Cell>) -> Split {
    out.clear();
    let b = line.as_bytes();
    let mut p = from.min(b.len());
    let mut stray = false;
    loop {
        if b.get(p) == Some(&b'"') {
            let start = p + 1;
            let mut i = start;
            let mut doubled = false;
            let end = loop {
                match memchr::memchr(b'"', &b[i..]) {
                    None => return Split::Open,
                    Some(off) => {
                        i += off;
                        if b.get(i + 1) == Some(&b'"') {
                            doubled = true;
                            i += 2;
                        } else {
                            break i;
                        }
                    }
                }
            };
            out.push(Cell {
                start,
                end,
                doubled,
            });
            let next = memchr::memchr(delim, &b[end + 1..]);
            stray |= next.map_or(b.len(), |off| end + 1 + off) > end + 1;
            p = match next {
                Some(off) => end + 1 + off + 1,
                None => return Split::Complete { stray },
            };
        } else {
            // Unquoted cells are short (PAN-OS writes a hundred a line): a
            // plain scan beats memchr's setup there.
            match b[p..].iter().position(|&c| c == delim) {
                Some(off) => {
                    out.push(Cell {
                        start: p,
                        end: p + off,
                        doubled: false,
                    });
                    p += off + 1;
                }
                None => {
                    out.push(Cell {
                        start: p,
                        end: b.len(),
                        doubled: false,
                    });
                    return Split::Complete { stray };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(line: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        split(line, b',', &mut out).then(|| out.iter().map(|c| c.text(line).into_owned()).collect())
    }

    #[test]
    fn splits_quoted_and_plain_cells() {
        assert_eq!(
            cells(r#"a,"b,c","d ""q""",,e"#).unwrap(),
            ["a", "b,c", "d \"q\"", "", "e"]
        );
        assert_eq!(cells("x,").unwrap(), ["x", ""]);
        assert_eq!(cells("").unwrap(), [""]);
        assert_eq!(cells(r#""open,"#), None);
        assert_eq!(cells("\"a\"b,c").unwrap(), ["a", "c"]);
    }

    #[test]
    fn strict_readers_see_stray_text_and_open_quotes() {
        let mut out = Vec::new();
        let line = "<14>fw 1,\"a,b\",\"say \"\"hi\"\"\",";
        let from = line.find(" 1,").unwrap() + 1;
        assert_eq!(
            split_from(line, from, b',', &mut out),
            Split::Complete { stray: false }
        );
        let texts: Vec<String> = out.iter().map(|c| c.text(line).into_owned()).collect();
        assert_eq!(texts, ["1", "a,b", "say \"hi\"", ""]);
        assert_eq!(
            split_from("\"x\"y,z", 0, b',', &mut out),
            Split::Complete { stray: true }
        );
        assert_eq!(split_from("a,\"open", 0, b',', &mut out), Split::Open);
        assert_eq!(
            split_from("", 0, b',', &mut out),
            Split::Complete { stray: false }
        );
        assert_eq!(out.len(), 1);
    }
}
