//! Aho-Corasick prefilter: one automaton over every rule's required
//! literals. A rule with a literal set is only evaluated when one of its
//! literals occurs in some field of the event; the others always are.

use crate::rule::Rule;
use crate::value_test::with_text;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use outflow_event::{Event, Value};
use rustc_hash::FxHashMap;

#[derive(Clone, Debug)]
pub struct Prefilter {
    ac: AhoCorasick,
    /// Pattern index → rules that need it.
    rules_of: Vec<Vec<u32>>,
    /// Rules that have a literal set (and so may be skipped).
    gated: Vec<bool>,
}

impl Prefilter {
    pub fn build(rules: &[Rule]) -> Option<Prefilter> {
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        let mut patterns: Vec<&str> = Vec::new();
        let mut rules_of: Vec<Vec<u32>> = Vec::new();
        let mut gated = vec![false; rules.len()];
        for (i, r) in rules.iter().enumerate() {
            let Some(lits) = &r.required_literals else {
                continue;
            };
            gated[i] = true;
            for l in lits {
                let p = *index.entry(l.as_str()).or_insert_with(|| {
                    patterns.push(l.as_str());
                    rules_of.push(Vec::new());
                    patterns.len() - 1
                });
                rules_of[p].push(i as u32);
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok()?;
        Some(Prefilter {
            ac,
            rules_of,
            gated,
        })
    }

    /// Marks in `hit` (one flag per rule, all false on entry) the gated
    /// rules whose literals occur in the event; records them in `touched`.
    pub fn scan(&self, ev: &Event, hit: &mut [bool], touched: &mut Vec<u32>) {
        for (_, v) in &ev.fields {
            self.scan_value(ev, v, hit, touched);
        }
    }

    fn scan_value(&self, ev: &Event, v: &Value, hit: &mut [bool], touched: &mut Vec<u32>) {
        if let Value::List(items) = v {
            for i in items {
                self.scan_value(ev, i, hit, touched);
            }
            return;
        }
        with_text(ev, v, |s| {
            for m in self.ac.find_overlapping_iter(s) {
                for &r in &self.rules_of[m.pattern().as_usize()] {
                    if !hit[r as usize] {
                        hit[r as usize] = true;
                        touched.push(r);
                    }
                }
            }
        });
    }

    /// Whether rule `i` must be evaluated given the scan's flags.
    pub fn admits(&self, i: usize, hit: &[bool]) -> bool {
        !self.gated[i] || hit[i]
    }
}
