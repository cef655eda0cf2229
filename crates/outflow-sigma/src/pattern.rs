//! Sigma string values (`*`, `?` wildcards, `\` escapes) and the compiled
//! matcher that tests them against field text.
//!
//! Case-insensitive matching lowercases the needle once at compile time and,
//! when the needle is ASCII, compares bytes with ASCII case folding so that
//! no event text is copied. Non-ASCII needles lowercase the haystack (one
//! allocation) and compare exactly. Known gap of the ASCII path: the few
//! non-ASCII characters whose lowercase is ASCII (KELVIN SIGN → `k`) do not
//! fold.

use memchr::memmem::Finder;
use regex::{Regex, RegexBuilder};

/// One piece of a Sigma string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A parsed Sigma string.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SigmaStr {
    pub pieces: Vec<Piece>,
}

impl SigmaStr {
    /// Parses wildcards and escapes: `\*`, `\?` and `\\` are literal `*`, `?`
    /// and `\`; a backslash before anything else is itself literal (so
    /// `C:\Windows\` needs no doubling), as the Sigma specification says.
    pub fn parse(s: &str) -> Self {
        let mut out = SigmaStr::default();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => out.push_wild(Piece::Star),
                '?' => out.push_wild(Piece::One),
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        chars.next();
                        out.push_char(n);
                    }
                    _ => out.push_char('\\'),
                },
                c => out.push_char(c),
            }
        }
        out
    }

    /// A string with no wildcards at all.
    pub fn literal(s: &str) -> Self {
        let mut out = SigmaStr::default();
        if !s.is_empty() {
            out.pieces.push(Piece::Lit(s.to_string()));
        }
        out
    }

    fn push_char(&mut self, c: char) {
        if let Some(Piece::Lit(s)) = self.pieces.last_mut() {
            s.push(c);
        } else {
            self.pieces.push(Piece::Lit(c.to_string()));
        }
    }

    fn push_wild(&mut self, p: Piece) {
        // `**` means the same as `*`.
        if p == Piece::Star && self.pieces.last() == Some(&Piece::Star) {
            return;
        }
        self.pieces.push(p);
    }

    /// The text when there are no wildcards.
    pub fn plain(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.pieces {
            match p {
                Piece::Lit(l) => s.push_str(l),
                _ => return None,
            }
        }
        Some(s)
    }

    pub fn starts_with_star(&self) -> bool {
        self.pieces.first() == Some(&Piece::Star)
    }

    pub fn prepend_star(&mut self) {
        if !self.starts_with_star() {
            self.pieces.insert(0, Piece::Star);
        }
    }

    pub fn append_star(&mut self) {
        self.push_wild(Piece::Star);
    }

    /// The literal runs, for prefilter literal extraction.
    pub fn literals(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Lit(s) => Some(s.as_str()),
            _ => None,
        })
    }
}

/// A literal to look for, prepared for its comparison mode.
#[derive(Clone, Debug)]
struct Needle {
    /// Lowercased unless the matcher is cased.
    text: String,
    /// Boxed: a finder is large and most needles fold case instead.
    finder: Box<Finder<'static>>,
}

impl Needle {
    fn new(text: String) -> Self {
        let finder = Box::new(Finder::new(text.as_bytes()).into_owned());
        Needle { text, finder }
    }
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }
}

#[derive(Clone, Debug)]
enum Shape {
    Exact(Needle),
    Prefix(Needle),
    Suffix(Needle),
    Contains(Needle),
    /// `a*b*c` with no `?`: anchored first/last, middles found in order.
    Ordered {
        first: Option<Needle>,
        middle: Vec<Needle>,
        last: Option<Needle>,
    },
    /// Anything with `?`: a linear-time regex.
    Regex(Regex),
    /// `*` alone: any value.
    Any,
}

/// A compiled Sigma string.
#[derive(Clone, Debug)]
pub struct StrMatcher {
    shape: Shape,
    cased: bool,
    /// Case-insensitive with a non-ASCII needle: lowercase the haystack.
    lower_hay: bool,
    /// Longest ASCII run of the literal pieces, lowercase (prefilter needle).
    longest: String,
}

impl StrMatcher {
    pub fn new(s: &SigmaStr, cased: bool) -> Result<Self, String> {
        let fold = |t: &str| {
            if cased {
                t.to_string()
            } else {
                t.to_lowercase()
            }
        };
        let lits: Vec<&str> = s.literals().collect();
        let lower_hay = !cased && lits.iter().any(|l| !l.is_ascii());
        let p = &s.pieces;
        let shape = if p.contains(&Piece::One) {
            Shape::Regex(glob_regex(s, cased)?)
        } else {
            match p.as_slice() {
                [] => Shape::Exact(Needle::new(String::new())),
                [Piece::Star] => Shape::Any,
                [Piece::Lit(a)] => Shape::Exact(Needle::new(fold(a))),
                [Piece::Lit(a), Piece::Star] => Shape::Prefix(Needle::new(fold(a))),
                [Piece::Star, Piece::Lit(a)] => Shape::Suffix(Needle::new(fold(a))),
                [Piece::Star, Piece::Lit(a), Piece::Star] => Shape::Contains(Needle::new(fold(a))),
                _ => {
                    let first = match p.first() {
                        Some(Piece::Lit(a)) => Some(Needle::new(fold(a))),
                        _ => None,
                    };
                    let last = match p.last() {
                        Some(Piece::Lit(a)) if p.len() > 1 => Some(Needle::new(fold(a))),
                        _ => None,
                    };
                    let inner =
                        &p[usize::from(first.is_some())..p.len() - usize::from(last.is_some())];
                    let middle = inner
                        .iter()
                        .filter_map(|x| match x {
                            Piece::Lit(a) => Some(Needle::new(fold(a))),
                            _ => None,
                        })
                        .collect();
                    Shape::Ordered {
                        first,
                        middle,
                        last,
                    }
                }
            }
        };
        let longest = lits
            .iter()
            .flat_map(|l| l.split(|c: char| !c.is_ascii()))
            .max_by_key(|r| r.len())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(StrMatcher {
            shape,
            cased,
            lower_hay,
            longest,
        })
    }

    /// A literal every matching text contains (ASCII, lowercase; compare
    /// ASCII-case-insensitively), or `None` when the pattern has none.
    pub fn longest_literal(&self) -> Option<String> {
        (!self.longest.is_empty()).then(|| self.longest.clone())
    }

    pub fn is_match(&self, hay: &str) -> bool {
        if let Shape::Regex(re) = &self.shape {
            return re.is_match(hay);
        }
        if self.lower_hay {
            let low = hay.to_lowercase();
            return self.match_bytes(low.as_bytes(), false);
        }
        self.match_bytes(hay.as_bytes(), !self.cased)
    }

    /// `fold`: compare with ASCII case folding (needles are lowercase).
    fn match_bytes(&self, hay: &[u8], fold: bool) -> bool {
        match &self.shape {
            Shape::Any => true,
            Shape::Exact(n) => eq(hay, n.bytes(), fold),
            Shape::Prefix(n) => {
                hay.len() >= n.text.len() && eq(&hay[..n.text.len()], n.bytes(), fold)
            }
            Shape::Suffix(n) => {
                hay.len() >= n.text.len() && eq(&hay[hay.len() - n.text.len()..], n.bytes(), fold)
            }
            Shape::Contains(n) => find(hay, n, 0, fold).is_some(),
            Shape::Ordered {
                first,
                middle,
                last,
            } => {
                let mut pos = 0;
                if let Some(n) = first {
                    if !(hay.len() >= n.text.len() && eq(&hay[..n.text.len()], n.bytes(), fold)) {
                        return false;
                    }
                    pos = n.text.len();
                }
                for n in middle {
                    match find(hay, n, pos, fold) {
                        Some(at) => pos = at + n.text.len(),
                        None => return false,
                    }
                }
                match last {
                    Some(n) => {
                        hay.len() >= pos + n.text.len()
                            && eq(&hay[hay.len() - n.text.len()..], n.bytes(), fold)
                    }
                    None => true,
                }
            }
            Shape::Regex(_) => false,
        }
    }
}

fn eq(a: &[u8], b: &[u8], fold: bool) -> bool {
    if fold {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// First occurrence of `n` in `hay` at or after `from`.
fn find(hay: &[u8], n: &Needle, from: usize, fold: bool) -> Option<usize> {
    let hay_tail = hay.get(from..)?;
    if !fold {
        return n.finder.find(hay_tail).map(|i| i + from);
    }
    let needle = n.bytes();
    let Some((&first, rest)) = needle.split_first() else {
        return Some(from);
    };
    let upper = first.to_ascii_uppercase();
    let mut i = 0;
    while i + needle.len() <= hay_tail.len() {
        let window = &hay_tail[i..=hay_tail.len() - needle.len()];
        let at = if upper == first {
            memchr::memchr(first, window)
        } else {
            memchr::memchr2(first, upper, window)
        }?;
        let s = i + at;
        if hay_tail[s + 1..s + needle.len()].eq_ignore_ascii_case(rest) {
            return Some(s + from);
        }
        i = s + 1;
    }
    None
}

/// A whole-value regex for a glob with `?`.
fn glob_regex(s: &SigmaStr, cased: bool) -> Result<Regex, String> {
    let mut re = String::from("^");
    for p in &s.pieces {
        match p {
            Piece::Lit(l) => re.push_str(&regex::escape(l)),
            Piece::Star => re.push_str(".*"),
            Piece::One => re.push('.'),
        }
    }
    re.push('$');
    RegexBuilder::new(&re)
        .case_insensitive(!cased)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pat: &str, cased: bool) -> StrMatcher {
        StrMatcher::new(&SigmaStr::parse(pat), cased).unwrap()
    }

    #[test]
    fn escapes() {
        assert_eq!(SigmaStr::parse(r"a\*b").plain().as_deref(), Some("a*b"));
        assert_eq!(SigmaStr::parse(r"a\?b").plain().as_deref(), Some("a?b"));
        assert_eq!(SigmaStr::parse(r"a\\b").plain().as_deref(), Some(r"a\b"));
        assert_eq!(
            SigmaStr::parse(r"C:\Windows\").plain().as_deref(),
            Some(r"C:\Windows\")
        );
        assert_eq!(SigmaStr::parse(r"a\\*").pieces.last(), Some(&Piece::Star));
    }

    #[test]
    fn shapes_case_insensitive() {
        assert!(m("cmd.exe", false).is_match("CMD.EXE"));
        assert!(!m("cmd.exe", false).is_match("xcmd.exe"));
        assert!(m("*\\cmd.exe", false).is_match("C:\\Windows\\CMD.exe"));
        assert!(m("c:\\win*", false).is_match("C:\\Windows"));
        assert!(m("*-enc*", false).is_match("powershell -ENC abc"));
        assert!(m("a*b*c", false).is_match("AxxBxxC"));
        assert!(!m("a*b*c", false).is_match("AxxCxxB"));
        assert!(!m("ab*ba", false).is_match("aba"));
        assert!(m("*", false).is_match(""));
        assert!(m("", false).is_match(""));
        assert!(!m("", false).is_match("x"));
        assert!(m("c?d", false).is_match("CMD"));
        assert!(!m("c?d", false).is_match("cmmd"));
        assert!(m("*ÄBC*", false).is_match("xxäbcxx"));
        assert!(!m("cmd", true).is_match("CMD"));
        assert!(m("*literal\\*star*", false).is_match("a literal*star b"));
        assert!(!m("*literal\\*star*", false).is_match("a literalXstar b"));
    }
}
