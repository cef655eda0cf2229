//! What finds a plan's patterns in field texts: per field, an automaton
//! for literals anywhere and tries for literals at the start (and whole
//! texts) and at the end; an automaton for keyword literals over the
//! event's joined text.

use super::trie::Trie;
use crate::atoms::At;
use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, nfa, packed, AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored};
use aho_corasick::{MatchKind, Span};

/// No pattern.
pub const NO_PAT: u32 = u32::MAX;

/// Most patterns a scanner compiles to a DFA. A DFA costs more to build
/// than an NFA but scans about twice as fast; past a few hundred patterns
/// it grows to megabytes and every byte scanned misses the cache, while
/// the contiguous NFA stays much smaller.
const DFA_MAX: usize = 300;

/// One automaton and the pattern ids its matches stand for.
#[derive(Clone, Debug)]
struct Auto {
    kind: Kind,
    /// Per automaton pattern: the plan's pattern id.
    ids: Vec<u32>,
}

/// The automaton, walked state by state: every match of every pattern is
/// wanted, and a direct walk costs less per byte and per match than the
/// overlapping search API.
#[derive(Clone, Debug)]
enum Kind {
    Dfa(dfa::DFA),
    Nfa(nfa::contiguous::NFA),
}

impl Auto {
    fn new(texts: &[&[u8]], ids: Vec<u32>) -> Option<Auto> {
        // Field values are short and the rare bytes of literals (`\\`,
        // `.`) are common in them: skipping ahead with a prefilter costs more.
        let kind = if texts.len() > DFA_MAX {
            nfa::contiguous::Builder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(texts)
                .ok()
                .map(Kind::Nfa)
        } else {
            dfa::Builder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(texts)
                .ok()
                .map(Kind::Dfa)
        }?;
        Some(Auto { kind, ids })
    }

    /// Reports every pattern occurring in `s`.
    #[inline]
    fn run(&self, s: &[u8], hit: &mut impl FnMut(u32)) {
        match &self.kind {
            Kind::Dfa(a) => walk(a, &self.ids, s, hit),
            Kind::Nfa(a) => walk(a, &self.ids, s, hit),
        }
    }
}

/// Reports every pattern of `aut` occurring in `s` by its id in `ids`.
#[inline]
fn walk<A: Automaton>(aut: &A, ids: &[u32], s: &[u8], hit: &mut impl FnMut(u32)) {
    let Ok(mut sid) = aut.start_state(Anchored::No) else {
        return;
    };
    for &b in s {
        sid = aut.next_state(Anchored::No, sid, b);
        // Without a prefilter only dead and match states are special.
        if aut.is_special(sid) {
            if aut.is_dead(sid) {
                return;
            }
            for i in 0..aut.match_len(sid) {
                if let Some(&g) = ids.get(aut.match_pattern(sid, i).as_usize()) {
                    hit(g);
                }
            }
        }
    }
}

/// Literals anywhere, found by their first bytes: a packed (SIMD) search
/// of the ASCII-lowercased text for their few distinct prefixes, then a
/// trie walk from each place one occurs. For fields whose literals are
/// long and share a few prefixes (`imphash=…`, `sha256=…`) this skips most
/// bytes an automaton would step through one by one.
#[derive(Clone, Debug)]
struct Prefixed {
    packed: packed::Searcher,
    trie: Trie,
}

/// Length of the prefixes [`Prefixed`] searches for.
const PREFIX_LEN: usize = 4;

/// Most distinct prefixes [`Prefixed`] takes: more would find too many
/// places to walk from.
const PREFIXES_MAX: usize = 16;

/// Longest literal [`Prefixed`] takes: each place found costs a walk of
/// up to that many bytes.
const PREFIXED_LEN_MAX: usize = 128;

impl Prefixed {
    /// `None` unless every literal has a prefix and they are few.
    fn new(texts: &[&[u8]], ids: &[u32]) -> Option<Prefixed> {
        let mut prefixes: Vec<&[u8]> = Vec::new();
        for t in texts {
            if t.len() > PREFIXED_LEN_MAX {
                return None;
            }
            let p = t.get(..PREFIX_LEN)?;
            if !prefixes.contains(&p) {
                prefixes.push(p);
            }
            if prefixes.len() > PREFIXES_MAX {
                return None;
            }
        }
        let packed = packed::Config::new().builder().extend(&prefixes).build()?;
        let lits: Vec<(&[u8], [u32; 2])> = texts
            .iter()
            .zip(ids)
            .map(|(t, &p)| (*t, [p, NO_PAT]))
            .collect();
        let trie = Trie::new(&lits, false);
        Some(Prefixed { packed, trie })
    }

    /// `low`: scratch for the lowercased text.
    fn run(&self, s: &[u8], low: &mut Vec<u8>, hit: &mut impl FnMut(u32)) {
        low.clear();
        low.extend_from_slice(s);
        low.make_ascii_lowercase();
        let mut at = 0;
        while at < low.len() {
            let Some(m) = self.packed.find_in(&low[..], Span::from(at..low.len())) else {
                return;
            };
            if let Some(rest) = s.get(m.start()..) {
                self.trie.run(rest, hit);
            }
            at = m.start() + 1;
        }
    }
}

/// The patterns of one field, with their place.
#[derive(Default)]
pub struct FieldList {
    pub pats: Vec<(u32, At, String)>,
    /// The "holds a non-ASCII character" pattern, if any.
    pub non_ascii: Option<u32>,
}

impl FieldList {
    pub fn is_empty(&self) -> bool {
        self.pats.is_empty() && self.non_ascii.is_none()
    }

    /// Some pattern could occur in an integer's text (digits and `-`).
    fn ints(&self) -> bool {
        self.pats
            .iter()
            .any(|(_, _, t)| t.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
    }
}

/// The automata of one field.
#[derive(Clone, Debug)]
pub struct FieldScan {
    contains: Option<Auto>,
    /// Or the same literals found by their prefixes.
    prefixed: Option<Prefixed>,
    /// Start and whole-text literals.
    start: Option<Trie>,
    /// End literals.
    end: Option<Trie>,
    /// Integers are searched (else no pattern can occur in one).
    pub ints: bool,
    non_ascii: Option<u32>,
}

impl FieldScan {
    pub fn new(list: &FieldList) -> Option<FieldScan> {
        let (mut contains, mut ids) = (Vec::new(), Vec::new());
        let (mut start, mut end) = (Vec::new(), Vec::new());
        for (p, at, t) in &list.pats {
            let t = t.as_bytes();
            match at {
                At::Contains => {
                    contains.push(t);
                    ids.push(*p);
                }
                At::Start => start.push((t, [*p, NO_PAT])),
                At::Whole => start.push((t, [NO_PAT, *p])),
                At::End => end.push((t, [*p, NO_PAT])),
            }
        }
        let prefixed = match contains.is_empty() {
            true => None,
            false => Prefixed::new(&contains, &ids),
        };
        let contains = match contains.is_empty() || prefixed.is_some() {
            true => None,
            false => Some(Auto::new(&contains, ids)?),
        };
        let trie = |l: Vec<_>, from_end| (!l.is_empty()).then(|| Trie::new(&l, from_end));
        Some(FieldScan {
            contains,
            prefixed,
            start: trie(start, false),
            end: trie(end, true),
            ints: list.ints(),
            non_ascii: list.non_ascii,
        })
    }

    /// Reports every pattern of the field occurring in its text `s`; `low`
    /// is scratch space.
    #[inline]
    pub fn scan(&self, s: &[u8], low: &mut Vec<u8>, hit: &mut impl FnMut(u32)) {
        if let Some(g) = self.non_ascii.filter(|_| !s.is_ascii()) {
            hit(g);
        }
        if let Some(a) = &self.contains {
            a.run(s, hit);
        }
        if let Some(p) = &self.prefixed {
            p.run(s, low, hit);
        }
        if let Some(t) = &self.start {
            t.run(s, hit);
        }
        if let Some(t) = &self.end {
            t.run(s, hit);
        }
    }
}

/// The keyword literals, searched in the event's joined text: field texts
/// ASCII-lowercased, each followed by NUL. One search of the whole text
/// costs far less than one per field, and a packed (SIMD) searcher tells
/// at once when none of the literals occurs, as in most events.
#[derive(Clone, Debug)]
pub struct Joined {
    ac: AhoCorasick,
    packed: Option<packed::Searcher>,
    ids: Vec<u32>,
    pub ints: bool,
    non_ascii: Option<u32>,
}

impl Joined {
    /// `None` when a literal holds NUL (which separates fields) or the
    /// automaton cannot be built.
    pub fn new(list: &FieldList) -> Option<Joined> {
        let lower: Vec<String> = list
            .pats
            .iter()
            .map(|(_, _, t)| t.to_ascii_lowercase())
            .collect();
        if lower.iter().any(|t| t.contains('\0')) {
            return None;
        }
        let build = |kind| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(kind)
                .build(&lower)
        };
        let kind = if lower.len() > DFA_MAX {
            AhoCorasickKind::ContiguousNFA
        } else {
            AhoCorasickKind::DFA
        };
        let ac = build(Some(kind)).or_else(|_| build(None)).ok()?;
        let packed = packed::Config::new().builder().extend(&lower).build();
        Some(Joined {
            ac,
            packed,
            ids: list.pats.iter().map(|(p, _, _)| *p).collect(),
            ints: list.ints(),
            non_ascii: list.non_ascii,
        })
    }

    /// Reports every keyword pattern occurring in the joined text `s`.
    pub fn scan(&self, s: &[u8], hit: &mut impl FnMut(u32)) {
        if let Some(g) = self.non_ascii.filter(|_| !s.is_ascii()) {
            hit(g);
        }
        if self.ids.is_empty() || self.packed.as_ref().is_some_and(|p| p.find(s).is_none()) {
            return;
        }
        let Ok(it) = self.ac.try_find_overlapping_iter(s) else {
            return;
        };
        for m in it {
            if let Some(&g) = self.ids.get(m.pattern().as_usize()) {
                hit(g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pats: &[(At, &str)]) -> FieldList {
        FieldList {
            pats: pats
                .iter()
                .enumerate()
                .map(|(i, (at, t))| (i as u32, *at, t.to_string()))
                .collect(),
            non_ascii: None,
        }
    }

    fn found(fs: &FieldScan, s: &str) -> Vec<u32> {
        let mut out = Vec::new();
        fs.scan(s.as_bytes(), &mut Vec::new(), &mut |g| out.push(g));
        out.sort_unstable();
        out
    }

    #[test]
    fn places() {
        let l = list(&[
            (At::Contains, "exe"),
            (At::Start, "c:\\"),
            (At::Whole, "cmd.exe"),
            (At::Start, "cmd"),
            (At::End, ".exe"),
            (At::End, "\\cmd.exe"),
        ]);
        let fs = FieldScan::new(&l).expect("builds");
        assert_eq!(found(&fs, "C:\\x\\CMD.EXE"), vec![0, 1, 4, 5]);
        assert_eq!(found(&fs, "cmd.exe"), vec![0, 2, 3, 4]);
        assert_eq!(found(&fs, "cmd.exe x"), vec![0, 3]);
        assert_eq!(found(&fs, ""), Vec::<u32>::new());
    }

    #[test]
    fn literals_found_by_their_prefixes() {
        let l = list(&[
            (At::Contains, "imphash=ab12"),
            (At::Contains, "imphash=ab1234"),
            (At::Contains, "md5=ff00"),
            (At::Contains, "md5=ff"),
            (At::Start, "sha1"),
        ]);
        let fs = FieldScan::new(&l).expect("builds");
        assert!(fs.prefixed.is_some() && fs.contains.is_none());
        assert_eq!(
            found(&fs, "SHA1=00,MD5=FF00,IMPHASH=AB1234"),
            vec![0, 1, 2, 3, 4]
        );
        assert_eq!(found(&fs, "md5=md5=ff,imphash=ab1"), vec![3]);
        assert_eq!(found(&fs, "imphash"), Vec::<u32>::new());
    }
}
