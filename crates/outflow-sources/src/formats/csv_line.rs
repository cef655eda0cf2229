//! Splitting one CSV line (RFC 4180 quoting: `"a,b"`, `""` for a quote)
//! into cell ranges, so values can stay spans of the raw line.

/// A cell's value range in the line; `escaped` when it holds `""`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub start: usize,
    pub end: usize,
    pub escaped: bool,
}

impl Cell {
    /// The cell's text: a slice of `line`, or unescaped into `buf`.
    pub fn text<'a>(&self, line: &'a str, buf: &'a mut String) -> &'a str {
        let raw = &line[self.start..self.end];
        if self.escaped {
            buf.clear();
            buf.push_str(&raw.replace("\"\"", "\""));
            buf
        } else {
            raw
        }
    }
}

/// Splits `line[from..]` on commas into `out`.
pub fn split(line: &str, from: usize, out: &mut Vec<Cell>) -> Result<(), &'static str> {
    let b = line.as_bytes();
    let mut i = from;
    loop {
        if b.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            let mut escaped = false;
            loop {
                match b.get(j) {
                    None => return Err("unterminated quoted field"),
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => {
                        escaped = true;
                        j += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            out.push(Cell {
                start,
                end: j,
                escaped,
            });
            i = j + 1;
            match b.get(i) {
                None => return Ok(()),
                Some(b',') => i += 1,
                Some(_) => return Err("text after a closing quote"),
            }
        } else {
            let end = b[i.min(b.len())..]
                .iter()
                .position(|&c| c == b',')
                .map_or(b.len(), |p| i + p);
            out.push(Cell {
                start: i,
                end,
                escaped: false,
            });
            if end >= b.len() {
                return Ok(());
            }
            i = end + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Result<Vec<String>, &'static str> {
        let mut cells = Vec::new();
        split(line, 0, &mut cells)?;
        let mut buf = String::new();
        Ok(cells
            .iter()
            .map(|c| c.text(line, &mut buf).to_string())
            .collect())
    }

    #[test]
    fn quoting() {
        assert_eq!(
            texts("a,,\"b,c\",\"say \"\"hi\"\"\",").unwrap(),
            ["a", "", "b,c", "say \"hi\"", ""]
        );
        assert_eq!(texts("").unwrap(), [""]);
        assert!(texts("a,\"open").is_err());
        assert!(texts("\"x\"y,z").is_err());
    }
}
