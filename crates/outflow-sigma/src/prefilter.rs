//! Aho-Corasick prefilter, one per distinct event logsource list: one
//! automaton over the required literals of the rules that logsource list
//! reaches. A rule with a literal set is only evaluated when one of its
//! literals occurs in a field the literal can come from (any string field
//! for keywords); the others always are.

use crate::index::{FieldNames, NONE};
use crate::rule::Rule;
use crate::value_test::with_text;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use outflow_event::{Event, Value};
use rustc_hash::FxHashMap;

#[derive(Clone, Debug)]
pub struct Prefilter {
    ac: AhoCorasick,
    /// Pattern index → rules that need it.
    rules_of: Vec<Vec<u32>>,
    /// Field id → whether some literal comes from that field.
    scan: Vec<bool>,
    /// Some literal comes from a keyword: scan every field.
    scan_all: bool,
    /// Some literal could occur in an integer's text (digits and `-`).
    ints: bool,
}

impl Prefilter {
    /// The prefilter for rules `cands` (sorted) and the candidates it does
    /// not gate (all of them when there is no prefilter).
    pub fn build(
        rules: &[Rule],
        cands: &[u32],
        names: &FieldNames,
    ) -> (Option<Prefilter>, Vec<u32>) {
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        let mut patterns: Vec<&str> = Vec::new();
        let mut rules_of: Vec<Vec<u32>> = Vec::new();
        let mut scan = vec![false; names.len()];
        let mut scan_all = false;
        let mut always = Vec::new();
        for &i in cands {
            let Some(lits) = &rules[i as usize].gate else {
                always.push(i);
                continue;
            };
            for l in lits {
                match &l.field {
                    None => scan_all = true,
                    Some(f) => match names.id(f) {
                        NONE => scan_all = true,
                        id => scan[id as usize] = true,
                    },
                }
                let p = *index.entry(l.text.as_str()).or_insert_with(|| {
                    patterns.push(l.text.as_str());
                    rules_of.push(Vec::new());
                    patterns.len() - 1
                });
                if rules_of[p].last() != Some(&i) {
                    rules_of[p].push(i);
                }
            }
        }
        if patterns.is_empty() {
            return (None, cands.to_vec());
        }
        let build = |kind| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(kind)
                .build(&patterns)
        };
        // A DFA costs more to build than an NFA but scans about twice as
        // fast; a plan is built once per logsource list and scans every event.
        let Ok(ac) = build(Some(AhoCorasickKind::DFA)).or_else(|_| build(None)) else {
            return (None, cands.to_vec());
        };
        let ints = patterns
            .iter()
            .any(|p| p.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
        let pf = Prefilter {
            ints,
            ac,
            rules_of,
            scan,
            scan_all,
        };
        (Some(pf), always)
    }

    /// Whether values of the field with id `id` are scanned.
    #[inline]
    pub fn wants(&self, id: u32) -> bool {
        self.scan_all || self.scan.get(id as usize).copied().unwrap_or(false)
    }

    /// Marks in `hit` (one flag per rule, all false on entry) the gated
    /// rules whose literals occur in `v`; records them in `touched`.
    pub fn scan_value(&self, ev: &Event, v: &Value, hit: &mut [bool], touched: &mut Vec<u32>) {
        if let Value::List(items) = v {
            for i in items {
                self.scan_value(ev, i, hit, touched);
            }
            return;
        }
        if matches!(v, Value::Int(_)) && !self.ints {
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
}
