//! Sigma string values (`*`, `?` wildcards, `\` escapes) and the compiled
//! matcher that tests them against field text.
//!
//! Case-insensitive matching lowercases the needle once at compile time and,
//! when the needle is ASCII, compares bytes with ASCII case folding so that
//! no event text is copied. Non-ASCII needles mean "match the lowercased
//! text"; that is done without lowercasing when it gives the same answer:
//! when the text is ASCII, or when no character of the needle can come from
//! lowercasing another character (emoji, digits, CJK, uncased symbols). Only
//! the rest lowercase the haystack (one allocation). Known gap of the ASCII
//! path: the few non-ASCII characters whose lowercase is ASCII (KELVIN SIGN
//! → `k`) do not fold.

use crate::atoms::At;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use memchr::memmem::Finder;
use regex::{Regex, RegexBuilder};
use std::sync::OnceLock;

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
    /// Case-insensitive and the needle has a character that lowercasing the
    /// text could produce from another one: compare with the lowercased text
    /// (unless the text is ASCII).
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
        let lower_hay = !cased
            && lits.iter().any(|l| !l.is_ascii())
            && !lits.iter().all(|l| fold_safe(&l.to_lowercase()));
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

    /// A literal every matching text holds, ASCII-case-insensitively, where
    /// it says (lowercase unless cased), or `None`. Unlike
    /// [`Self::longest_literal`] it keeps non-ASCII characters where
    /// matching compares the text's own bytes (cased, or needles no
    /// lowercasing can produce).
    pub fn gate_literal(&self) -> Option<(String, At)> {
        let at = match &self.shape {
            Shape::Exact(_) => At::Whole,
            Shape::Prefix(_) => At::Start,
            Shape::Suffix(_) => At::End,
            _ => At::Contains,
        };
        let whole = match &self.shape {
            Shape::Exact(n) | Shape::Prefix(n) | Shape::Suffix(n) | Shape::Contains(n) => {
                Some(n.text.as_str())
            }
            Shape::Ordered {
                first,
                middle,
                last,
            } => first
                .iter()
                .chain(middle)
                .chain(last)
                .map(|n| n.text.as_str())
                .max_by_key(|t| t.len()),
            Shape::Regex(_) | Shape::Any => None,
        };
        match whole {
            Some(t) if !t.is_empty() && (self.cased || !self.lower_hay) => {
                Some((t.to_string(), at))
            }
            _ => self.longest_literal().map(|t| (t, At::Contains)),
        }
    }

    /// The literal and its place when the match is exactly "the text holds
    /// it there, ASCII-case-insensitively", so that the prefilter's atom
    /// answers for this matcher.
    pub fn atom(&self) -> Option<(&str, At)> {
        if self.cased || self.lower_hay {
            return None;
        }
        let (n, k) = self.simple()?;
        let at = match k {
            EXACT => At::Whole,
            PREFIX => At::Start,
            SUFFIX => At::End,
            _ => At::Contains,
        };
        Some((n, at))
    }

    /// Whether only text with a non-ASCII character can match: a needle
    /// has one, and bytes are compared (a regex folds case by Unicode, and
    /// `K` matches the Kelvin sign).
    pub fn needs_non_ascii(&self) -> bool {
        match &self.shape {
            Shape::Exact(n) | Shape::Prefix(n) | Shape::Suffix(n) | Shape::Contains(n) => {
                !n.text.is_ascii()
            }
            Shape::Ordered {
                first,
                middle,
                last,
            } => first
                .iter()
                .chain(middle)
                .chain(last)
                .any(|n| !n.text.is_ascii()),
            Shape::Regex(_) | Shape::Any => false,
        }
    }

    pub fn is_match(&self, hay: &str) -> bool {
        if let Shape::Regex(re) = &self.shape {
            return re.is_match(hay);
        }
        if self.lower_hay && !hay.is_ascii() {
            let low = hay.to_lowercase();
            return self.match_bytes(low.as_bytes(), false);
        }
        self.match_bytes(hay.as_bytes(), !self.cased)
    }

    /// The needle and its anchoring when the shape is one literal with at
    /// most its ends anchored (what a [`StrSet`] can hold).
    fn simple(&self) -> Option<(&str, u8)> {
        let (n, k) = match &self.shape {
            Shape::Exact(n) => (n, EXACT),
            Shape::Prefix(n) => (n, PREFIX),
            Shape::Suffix(n) => (n, SUFFIX),
            Shape::Contains(n) => (n, CONTAINS),
            _ => return None,
        };
        (!n.text.is_empty()).then_some((n.text.as_str(), k))
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

/// Whether comparing the lowercased text with `needle` (lowercase) gives the
/// same answer as comparing the text itself with ASCII case folding: true
/// when no character of the needle is produced by lowercasing a different
/// non-ASCII character (nor by the final-sigma rule), and each lowercases to
/// itself. Then every needle character in the lowercased text comes from the
/// same character (or its ASCII capital) in the text, one for one.
pub fn fold_safe(needle: &str) -> bool {
    needle.chars().all(|c| {
        let mut l = c.to_lowercase();
        l.next() == Some(c) && l.next().is_none() && !fold_targets().contains(&c)
    })
}

/// Characters that lowercasing some other non-ASCII character yields, sorted.
fn fold_targets() -> &'static [char] {
    static T: OnceLock<Vec<char>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t: Vec<char> = vec!['ς'];
        for x in '\u{80}'..=char::MAX {
            let mut l = x.to_lowercase();
            if l.len() == 1 && l.clone().next() == Some(x) {
                continue;
            }
            t.extend(l.by_ref().filter(|&c| c != x));
        }
        t.sort_unstable();
        t.dedup();
        t
    })
}

const EXACT: u8 = 1;
const PREFIX: u8 = 2;
const SUFFIX: u8 = 4;
const CONTAINS: u8 = 8;

/// Many literal patterns (exact, prefix, suffix, contains) of one value list
/// in one Aho-Corasick automaton: one pass over the text instead of one
/// search per value. Same answers as testing each [`StrMatcher`].
#[derive(Clone, Debug)]
pub struct StrSet {
    /// Compared with the text as is (ASCII case folding unless cased).
    direct: Option<SetAc>,
    /// Compared with the lowercased text (non-ASCII text only).
    lowered: Option<SetAc>,
}

#[derive(Clone, Debug)]
struct SetAc {
    needles: Vec<String>,
    fold: bool,
    /// Built on first use: most rules of a large set are never evaluated.
    ac: OnceLock<Option<AhoCorasick>>,
    /// Pattern → anchoring bits (one pattern per distinct needle).
    kinds: Vec<u8>,
    /// Every needle has a non-ASCII byte: ASCII text cannot match.
    non_ascii: bool,
    /// Longest needle, in bytes.
    max_len: usize,
    /// Every pattern is anchored at the start (prefix or exact), or at the
    /// end (suffix or exact): only that many bytes of the text can match.
    at_start: bool,
    at_end: bool,
}

impl SetAc {
    fn new(pats: Vec<(String, u8)>, fold: bool) -> SetAc {
        let mut needles: Vec<String> = Vec::new();
        let mut kinds: Vec<u8> = Vec::new();
        let mut at: rustc_hash::FxHashMap<String, usize> = Default::default();
        for (n, k) in pats {
            match at.get(&n) {
                Some(&i) => kinds[i] |= k,
                None => {
                    at.insert(n.clone(), needles.len());
                    needles.push(n);
                    kinds.push(k);
                }
            }
        }
        SetAc {
            non_ascii: needles.iter().all(|n| !n.is_ascii()),
            max_len: needles.iter().map(String::len).max().unwrap_or(0),
            at_start: kinds.iter().all(|&k| k & !(PREFIX | EXACT) == 0),
            at_end: kinds.iter().all(|&k| k & !(SUFFIX | EXACT) == 0),
            needles,
            fold,
            ac: OnceLock::new(),
            kinds,
        }
    }

    fn automaton(&self) -> Option<&AhoCorasick> {
        self.ac
            .get_or_init(|| {
                let kind = if self.needles.len() <= 64 {
                    AhoCorasickKind::DFA
                } else {
                    AhoCorasickKind::ContiguousNFA
                };
                let b = |k| {
                    AhoCorasickBuilder::new()
                        .ascii_case_insensitive(self.fold)
                        .match_kind(MatchKind::Standard)
                        .kind(k)
                        .build(&self.needles)
                        .ok()
                };
                b(Some(kind)).or_else(|| b(None))
            })
            .as_ref()
    }

    fn is_match(&self, hay: &str) -> bool {
        if self.non_ascii && hay.is_ascii() {
            return false;
        }
        let Some(ac) = self.automaton() else {
            // Not buildable (never seen in practice): test each needle.
            return self.needles.iter().zip(&self.kinds).any(|(n, &k)| {
                let (h, n) = (hay.as_bytes(), n.as_bytes());
                let f = self.fold;
                (k & CONTAINS != 0 && h.windows(n.len()).any(|w| eq(w, n, f)))
                    || (k & PREFIX != 0 && h.len() >= n.len() && eq(&h[..n.len()], n, f))
                    || (k & SUFFIX != 0 && h.len() >= n.len() && eq(&h[h.len() - n.len()..], n, f))
                    || (k & EXACT != 0 && eq(h, n, f))
            });
        };
        let len = hay.len();
        // Only the window an anchored pattern can occupy is searched.
        let (from, to) = if self.at_start {
            (0, len.min(self.max_len))
        } else if self.at_end {
            (len.saturating_sub(self.max_len), len)
        } else {
            (0, len)
        };
        let input = aho_corasick::Input::new(hay.as_bytes()).span(from..to);
        let mut state = aho_corasick::automaton::OverlappingState::start();
        loop {
            ac.find_overlapping(input.clone(), &mut state);
            let Some(m) = state.get_match() else {
                return false;
            };
            let k = self.kinds[m.pattern().as_usize()];
            let (s, e) = (m.start() == 0, m.end() == len);
            if k & CONTAINS != 0
                || (k & PREFIX != 0 && s)
                || (k & SUFFIX != 0 && e)
                || (k & EXACT != 0 && s && e)
            {
                return true;
            }
        }
    }
}

impl StrSet {
    /// Takes the matchers a set can hold out of `tests` (all compiled with
    /// the same `cased`) and returns the set of them, when there are at
    /// least `min` of them; the others are left in place.
    pub fn take(tests: &mut Vec<StrMatcher>, min: usize) -> Option<StrSet> {
        let simple: Vec<&StrMatcher> = tests.iter().filter(|m| m.simple().is_some()).collect();
        if simple.len() < min || simple.is_empty() {
            return None;
        }
        let cased = simple[0].cased;
        if simple.iter().any(|m| m.cased != cased) {
            return None;
        }
        let (mut direct, mut lowered) = (Vec::new(), Vec::new());
        for m in &simple {
            let (n, k) = m.simple()?;
            if m.lower_hay {
                lowered.push((n.to_string(), k));
            } else {
                direct.push((n.to_string(), k));
            }
        }
        let build =
            |pats: Vec<(String, u8)>, fold| (!pats.is_empty()).then(|| SetAc::new(pats, fold));
        let set = StrSet {
            direct: build(direct, !cased),
            lowered: build(lowered, true),
        };
        tests.retain(|m| m.simple().is_none());
        Some(set)
    }

    pub fn is_match(&self, hay: &str) -> bool {
        if self.direct.as_ref().is_some_and(|d| d.is_match(hay)) {
            return true;
        }
        match &self.lowered {
            None => false,
            Some(l) if hay.is_ascii() => l.is_match(hay),
            Some(l) => l.is_match(&hay.to_lowercase()),
        }
    }
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

    #[test]
    fn fold_safety() {
        assert!(fold_safe("😀"));
        assert!(fold_safe("中文 123"));
        assert!(fold_safe("☺\u{fe0f}"));
        // Lowercasing other characters yields these.
        assert!(!fold_safe("é"));
        assert!(!fold_safe("k"));
        assert!(!fold_safe("i"));
        assert!(!fold_safe("å"));
        assert!(!fold_safe("σ"));
        assert!(!fold_safe("ς"));
        assert!(!fold_safe("а"));
    }

    /// Non-ASCII needles that need no lowercasing still see the text as
    /// lowercased: same answers as lowercasing it.
    #[test]
    fn non_ascii_needles_match_the_lowercased_text() {
        let hays = [
            "",
            "abc",
            "x😀y",
            "😀",
            "CMD 😀 RUN",
            "\u{212a}😀",
            "K😀",
            "İ😀",
            "ÄBC",
            "äbc",
            "ΣΑΣ",
            "σας",
            "Кот",
            "кот",
            "a\u{0307}😀",
        ];
        let pats = [
            "*😀*",
            "😀*",
            "*😀",
            "😀",
            "k😀*",
            "*k😀",
            "*i\u{307}😀",
            "*äbc*",
            "äbc",
            "*ς",
            "*σ*",
            "кот",
            "*от",
            "x😀y",
            "*cmd 😀*",
        ];
        for p in pats {
            let sm = m(p, false);
            let low = StrMatcher {
                lower_hay: true,
                ..sm.clone()
            };
            for h in hays {
                let want = low.match_bytes(h.to_lowercase().as_bytes(), false);
                assert_eq!(sm.is_match(h), want, "{p:?} on {h:?}");
            }
        }
    }

    /// A set answers like its members one by one.
    #[test]
    fn sets_match_like_their_members() {
        let pats = [
            "cmd.exe",
            "*\\cmd.exe",
            "c:\\win*",
            "*-enc*",
            "*😀*",
            "*äbc*",
            "кот",
            "*σ",
            "k😀*",
            "x",
            "*.EXE",
            "power*",
        ];
        let hays = [
            "",
            "CMD.EXE",
            "C:\\Windows\\cmd.exe",
            "powershell -ENC abc",
            "xx😀",
            "XÄBCx",
            "КОТ",
            "ΣΑΣ",
            "\u{212a}😀z",
            "x",
            "X",
            "a.exe",
            "PowerShell",
            "c:\\",
        ];
        for cased in [false, true] {
            let ms: Vec<StrMatcher> = pats.iter().map(|p| m(p, cased)).collect();
            for n in 1..=ms.len() {
                for start in 0..ms.len() {
                    let sub: Vec<StrMatcher> =
                        ms.iter().cycle().skip(start).take(n).cloned().collect();
                    let mut rest = sub.clone();
                    let Some(set) = StrSet::take(&mut rest, 1) else {
                        continue;
                    };
                    for h in hays {
                        let want = sub.iter().any(|m| m.is_match(h));
                        let got = set.is_match(h) || rest.iter().any(|m| m.is_match(h));
                        assert_eq!(
                            got, want,
                            "{h:?} with {n} patterns from {start}, cased {cased}"
                        );
                    }
                }
            }
        }
    }
}
