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

/// Splits `line` at `delim` into `out` (cleared first). Returns false when
/// the line ends inside a quoted cell: the record continues on the next line.
/// Text between a closing quote and the next delimiter is ignored.
pub fn split(line: &str, delim: u8, out: &mut Vec<Cell>) -> bool {
    out.clear();
    let b = line.as_bytes();
    let mut p = 0;
    loop {
        if b.get(p) == Some(&b'"') {
            let start = p + 1;
            let mut i = start;
            let mut doubled = false;
            let end = loop {
                match memchr::memchr(b'"', &b[i..]) {
                    None => return false,
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
            p = match memchr::memchr(delim, &b[end..]) {
                Some(off) => end + off + 1,
                None => return true,
            };
        } else {
            match memchr::memchr(delim, &b[p..]) {
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
                    return true;
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
}
