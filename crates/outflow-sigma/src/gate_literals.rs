//! Literals for the prefilter's gate: for one detection item, texts one of
//! which occurs (ASCII-case-insensitively) in the field whenever the item
//! matches, or numbers it equals. Regexes give the literals their matches
//! must hold.

use crate::atoms::At;
use crate::modifiers::Mods;
use crate::value_test::ValueTest;
use regex_syntax::hir::literal::Extractor;
use regex_syntax::hir::{Hir, HirKind};
use regex_syntax::ParserBuilder;

/// Most literals a regex may contribute: past that it hardly filters.
const MAX_REGEX_LITERALS: usize = 64;

/// One way an item's field can satisfy a gate clause.
#[derive(Clone, Debug, PartialEq)]
pub enum GateLit {
    /// The text occurs in the field's text, there.
    Text(String, At),
    /// The field's value equals the number with this `Num::key` (and
    /// this decimal form).
    Num(u64, String),
    /// The field's text holds a non-ASCII character.
    NonAscii,
}

impl GateLit {
    fn len(&self) -> usize {
        match self {
            GateLit::Text(t, _) | GateLit::Num(_, t) => t.len(),
            // Most text is ASCII: about as selective as a short literal.
            GateLit::NonAscii => 3,
        }
    }
}

/// The gate literals of an item (groups ANDed, tests ORed), or `None`
/// when some test has none (negations, comparisons, ...).
pub fn of_item(groups: &[Vec<ValueTest>], m: &Mods) -> Option<Vec<GateLit>> {
    if m.neq || m.time.is_some() {
        return None;
    }
    // With `all` every group must match: the best group is enough.
    let mut best: Option<Vec<GateLit>> = None;
    for g in groups {
        let mut lits = Vec::with_capacity(g.len());
        for t in g {
            match t {
                ValueTest::Str(s) => lits.push(match s.gate_literal() {
                    Some((t, at)) => GateLit::Text(t, at),
                    None if s.needs_non_ascii() => GateLit::NonAscii,
                    None => return None,
                }),
                ValueTest::Re(_, Some(ls)) => {
                    lits.extend(ls.iter().map(|l| GateLit::Text(l.clone(), At::Contains)))
                }
                ValueTest::Num(n, text) => lits.push(GateLit::Num(n.key(), text.clone())),
                _ => return None,
            }
        }
        lits.dedup();
        let score = |ls: &[GateLit]| ls.iter().map(GateLit::len).min().unwrap_or(0);
        if best.as_ref().is_none_or(|b| score(&lits) > score(b)) {
            best = Some(lits);
        }
    }
    best
}

/// Literals one of which occurs in every match of the regex `pat` built
/// with the flags of `m` (lowercased: the prefilter folds ASCII case), or
/// `None` when no such set is known. The prefixes of the whole regex and
/// of every tail of its concatenations are candidates (a match of `a\s+b`
/// holds a match of `b`); the most selective set wins.
pub fn regex_literals(pat: &str, m: &Mods) -> Option<Vec<String>> {
    let hir = ParserBuilder::new()
        .case_insensitive(m.re_i)
        .multi_line(m.re_m)
        .dot_matches_new_line(m.re_s)
        .build()
        .parse(pat)
        .ok()?;
    let mut best = None;
    consider(&hir, &mut best, 0);
    best
}

/// Literal sets of `h` and of the parts every match of `h` holds a match
/// of, kept in `best` when better.
fn consider(h: &Hir, best: &mut Option<Vec<String>>, depth: usize) {
    keep_better(best, prefixes(h));
    // Deeply nested regexes gain little from more candidates.
    if depth > 8 {
        return;
    }
    match h.kind() {
        HirKind::Capture(c) => consider(&c.sub, best, depth + 1),
        HirKind::Repetition(r) if r.min >= 1 => consider(&r.sub, best, depth + 1),
        HirKind::Concat(subs) => {
            // Each tail is cloned and extracted: bound the load time of
            // very long regexes (they keep their prefixes).
            let tails = if subs.len() <= MAX_TAILS {
                subs.len()
            } else {
                1
            };
            for j in 1..tails {
                keep_better(best, prefixes(&Hir::concat(subs[j..].to_vec())));
            }
            for sub in subs {
                consider(sub, best, depth + 1);
            }
        }
        _ => {}
    }
}

fn keep_better(best: &mut Option<Vec<String>>, cand: Option<Vec<String>>) {
    let Some(c) = cand else {
        return;
    };
    // The shortest literal bounds how often the set matches by chance;
    // among equals, fewer literals.
    let score = |ls: &[String]| {
        let min = ls.iter().map(String::len).min().unwrap_or(0);
        (min, std::cmp::Reverse(ls.len()))
    };
    if best.as_ref().is_none_or(|b| score(&c) > score(b)) {
        *best = Some(c);
    }
}

/// The literals one of which begins every match of `h`, lowercased; `None`
/// when the set is unknown, too large or holds the empty string.
fn prefixes(h: &Hir) -> Option<Vec<String>> {
    let seq = Extractor::new().limit_total(LIMIT_TOTAL).extract(h);
    let mut out = Vec::new();
    for l in seq.literals()? {
        let text = std::str::from_utf8(l.as_bytes()).ok()?;
        if text.is_empty() {
            return None;
        }
        out.push(text.to_ascii_lowercase());
    }
    out.sort_unstable();
    out.dedup();
    (!out.is_empty() && out.len() <= MAX_REGEX_LITERALS).then_some(out)
}

/// Longest concatenation whose tails are tried.
const MAX_TAILS: usize = 256;

/// Most case variants the extractor spells out: about ten letters of a
/// case-insensitive word, which lowercase to one literal.
const LIMIT_TOTAL: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn mods(i: bool) -> Mods {
        Mods {
            re: true,
            re_i: i,
            ..Mods::default()
        }
    }

    fn lits(pat: &str, i: bool) -> Option<Vec<String>> {
        regex_literals(pat, &mods(i))
    }

    fn one(s: &str) -> Option<Vec<String>> {
        Some(vec![s.to_string()])
    }

    #[test]
    fn regex_literals_of_prefixes_and_tails() {
        assert_eq!(
            lits(r"(foo|bar)\d+", false),
            Some(vec!["bar".to_string(), "foo".to_string()])
        );
        assert_eq!(lits(r"IEX\s", true), one("iex"));
        assert_eq!(lits(r"a?b", false), one("b"));
        assert_eq!(lits(r"x*", false), None);
        assert_eq!(lits(r".*", false), None);
        // A tail of the concatenation: every match holds `x`. Case variants
        // stop at the limit (ten letters here).
        assert_eq!(lits(r".*x", false), one("x"));
        assert_eq!(
            lits(r#"\.exe\s+[^"]{0,64}werfault\.exe"#, true),
            one("werfault.ex")
        );
        assert_eq!(lits(r"\w+`(?:\w+|-|.)`", false), one("`"));
        // Case-insensitive `k` also matches the Kelvin sign.
        assert_eq!(
            lits(r"\s+kill", true),
            Some(vec!["kill".to_string(), "\u{212a}ill".to_string()])
        );
        // Inside a group that must match.
        assert_eq!(lits(r"(\d+abcd)+", false), one("abcd"));
        assert_eq!(lits(r"(\d+abcd)?", false), None);
    }
}
