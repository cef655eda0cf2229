//! Literals for the prefilter's gate: for one detection item, texts one of
//! which occurs (ASCII-case-insensitively) in the field whenever the item
//! matches, or numbers it equals. Regexes give the literals their matches
//! must start with.

use crate::atoms::At;
use crate::modifiers::Mods;
use crate::value_test::ValueTest;
use regex_syntax::hir::literal::Extractor;
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

/// The literals one of which begins every match of the regex `pat` built
/// with the flags of `m` (lowercased: the prefilter folds ASCII case), or
/// `None` when the set is unknown, too large or holds the empty string.
pub fn regex_prefixes(pat: &str, m: &Mods) -> Option<Vec<String>> {
    let hir = ParserBuilder::new()
        .case_insensitive(m.re_i)
        .multi_line(m.re_m)
        .dot_matches_new_line(m.re_s)
        .build()
        .parse(pat)
        .ok()?;
    let seq = Extractor::new().extract(&hir);
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

    #[test]
    fn regex_prefix_literals() {
        assert_eq!(
            regex_prefixes(r"(foo|bar)\d+", &mods(false)),
            Some(vec!["bar".to_string(), "foo".to_string()])
        );
        assert_eq!(
            regex_prefixes(r"IEX\s", &mods(true)),
            Some(vec!["iex".to_string()])
        );
        assert_eq!(regex_prefixes(r".*x", &mods(false)), None);
        assert_eq!(
            regex_prefixes(r"a?b", &mods(false)).map(|v| v.len()),
            Some(2)
        );
        assert_eq!(regex_prefixes(r"x*", &mods(false)), None);
    }
}
