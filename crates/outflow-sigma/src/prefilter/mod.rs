//! Aho-Corasick prefilter, one per distinct event logsource list.
//!
//! Each gated rule has clauses (see `Detection::clauses`): sets of literals
//! of which every match holds one, in the field the literal comes from
//! (any string field for keywords), at its place (anywhere, start, end,
//! whole text). A rule is evaluated only when each of its clauses saw one
//! of its literals; ungated rules always are. Only the first (most
//! selective) clause's patterns point at the rule; the others are checked
//! for the few rules that clause lets through. The patterns also hold every
//! atom the plan's rules read (see [`crate::atoms`]), so evaluation finds
//! them in [`Hits::atoms`] instead of searching the fields again.
//!
//! Only the first field of a name is scanned: that is the one rules read.
//! A field is scanned by automata of its own literals (see [`scan`]); small
//! automata stay in cache, which matters more than scanning a text twice.
//! Keyword literals are searched once per event in the joined text of all
//! its fields. Numbers (`EventID: 4624`) are atoms too: the field's numeric
//! value is looked up in a hash map.

mod hits;
mod scan;
mod trie;

use crate::atoms::{At, Atoms, NO_ATOM};
use crate::detection::{Lit, LitKind};
use crate::index::{FieldNames, NONE};
use crate::rule::Rule;
use crate::value_test::{with_text, Num};
pub use hits::Hits;
use outflow_event::{Event, Value};
use rustc_hash::FxHashMap;
use scan::{FieldList, FieldScan, Joined};

#[derive(Clone, Debug)]
pub struct Prefilter {
    /// Field id → index in `fields` (`NO_SCAN`: none).
    by_field: Vec<u32>,
    fields: Vec<FieldScan>,
    /// The keyword literals, searched in the joined text.
    keywords: Option<Joined>,
    /// (field id, [`Num::key`]) → pattern id of a number atom.
    nums: FxHashMap<(u32, u64), u32>,
    /// Field id → whether some number atom names it.
    num_fields: Vec<bool>,
    /// Pattern id → the atom it is (`NO_ATOM`: only a gate literal).
    atom: Vec<u32>,
    /// Pattern id → the rules whose first clause it satisfies.
    targets: Vec<Vec<u32>>,
    /// Per rule of the set: its other clauses, as pattern ids one of which
    /// must have been seen.
    others: Vec<Vec<Vec<u32>>>,
    /// Atoms in the rule set ([`Hits::atoms`] is that long).
    n_atoms: usize,
}

const NO_SCAN: u32 = u32::MAX;

/// The plan's patterns while they are collected.
#[derive(Default)]
struct Patterns {
    /// (field id or `NONE` for keywords, place, lowercase text) → pattern.
    index: FxHashMap<(u32, At, String), u32>,
    fields: FxHashMap<u32, FieldList>,
    keywords: FieldList,
    nums: FxHashMap<(u32, u64), u32>,
    atom: Vec<u32>,
    targets: Vec<Vec<u32>>,
}

impl Patterns {
    fn new_pattern(&mut self, atom: u32) -> u32 {
        self.atom.push(atom);
        self.targets.push(Vec::new());
        self.atom.len() as u32 - 1
    }

    fn list(&mut self, field: u32) -> &mut FieldList {
        if field == NONE {
            &mut self.keywords
        } else {
            self.fields.entry(field).or_default()
        }
    }

    /// The pattern for `text` at `at` in field `field` (`NONE`: any field,
    /// where only "anywhere" is searched).
    fn text(&mut self, field: u32, at: At, text: &str, atoms: &Atoms) -> u32 {
        let at = if field == NONE { At::Contains } else { at };
        let key = (field, at, text.to_ascii_lowercase());
        if let Some(&p) = self.index.get(&key) {
            return p;
        }
        let atom = if field == NONE {
            NO_ATOM
        } else {
            atoms.id(field, text, at)
        };
        let p = self.new_pattern(atom);
        self.list(field).pats.push((p, at, key.2.clone()));
        self.index.insert(key, p);
        p
    }

    fn non_ascii(&mut self, field: u32) -> u32 {
        if let Some(p) = self.list(field).non_ascii {
            return p;
        }
        let p = self.new_pattern(NO_ATOM);
        self.list(field).non_ascii = Some(p);
        p
    }

    fn num(&mut self, field: u32, key: u64) -> u32 {
        if let Some(&p) = self.nums.get(&(field, key)) {
            return p;
        }
        let p = self.new_pattern(NO_ATOM);
        self.nums.insert((field, key), p);
        p
    }

    fn target(&mut self, p: u32, rule: u32) {
        let ts = &mut self.targets[p as usize];
        if !ts.contains(&rule) {
            ts.push(rule);
        }
    }
}

impl Prefilter {
    /// The prefilter for rules `cands` (sorted) and the candidates it does
    /// not gate (all of them when there is no prefilter).
    pub fn build(
        rules: &[Rule],
        cands: &[u32],
        names: &FieldNames,
        atoms: &Atoms,
    ) -> (Option<Prefilter>, Vec<u32>) {
        let mut pats = Patterns::default();
        let mut others = vec![Vec::new(); rules.len()];
        let mut always = Vec::new();
        for &i in cands {
            let rule = &rules[i as usize];
            for &a in &rule.atoms {
                if let Some((field, at, text)) = atoms.key(a) {
                    pats.text(field, at, text, atoms);
                }
            }
            let gate = &rule.gate;
            let field_of = |l: &Lit| l.field.as_deref().map_or(NONE, |f| names.id(f));
            // Number atoms need a known field: without one, no gate.
            let unknown = gate
                .iter()
                .flatten()
                .any(|l| matches!(l.kind, LitKind::Num(_)) && field_of(l) == NONE);
            if gate.is_empty() || unknown {
                always.push(i);
                continue;
            }
            for (n, clause) in gate.iter().enumerate() {
                let mut ps = Vec::with_capacity(clause.len());
                for l in clause {
                    // A keyword (or a field the set does not know): any field.
                    let field = field_of(l);
                    let p = match l.kind {
                        LitKind::Num(k) => pats.num(field, k),
                        LitKind::NonAscii => pats.non_ascii(field),
                        LitKind::Text(at) => pats.text(field, at, &l.text, atoms),
                    };
                    if n == 0 {
                        pats.target(p, i);
                    } else if !ps.contains(&p) {
                        ps.push(p);
                    }
                }
                if n > 0 {
                    others[i as usize].push(ps);
                }
            }
        }
        if pats.targets.is_empty() {
            return (None, cands.to_vec());
        }
        let mut pf = Prefilter {
            by_field: vec![NO_SCAN; names.len()],
            fields: Vec::new(),
            keywords: None,
            nums: std::mem::take(&mut pats.nums),
            num_fields: vec![false; names.len()],
            atom: std::mem::take(&mut pats.atom),
            targets: std::mem::take(&mut pats.targets),
            others,
            n_atoms: atoms.len(),
        };
        for &(id, _) in pf.nums.keys() {
            if let Some(f) = pf.num_fields.get_mut(id as usize) {
                *f = true;
            }
        }
        let mut ids: Vec<u32> = pats.fields.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(list) = pats.fields.get(&id) else {
                continue;
            };
            let (Some(scan), Some(slot)) = (FieldScan::new(list), pf.by_field.get_mut(id as usize))
            else {
                return (None, cands.to_vec());
            };
            *slot = pf.fields.len() as u32;
            pf.fields.push(scan);
        }
        if !pats.keywords.is_empty() {
            match Joined::new(&pats.keywords) {
                Some(j) => pf.keywords = Some(j),
                None => return (None, cands.to_vec()),
            }
        }
        (Some(pf), always)
    }

    /// Scans one field with id `id` (`NONE`: a field no rule names), the
    /// first with that id when `first`, recording in `hits` the patterns
    /// it holds.
    #[inline]
    pub fn scan_field(&self, ev: &Event, id: u32, first: bool, v: &Value, hits: &mut Hits) {
        if let Some(kw) = &self.keywords {
            join_value(kw.ints, ev, v, &mut hits.joined);
        }
        if !first {
            return;
        }
        let own = self.by_field.get(id as usize).copied().unwrap_or(NO_SCAN);
        if let Some(fs) = self.fields.get(own as usize) {
            let mut low = std::mem::take(&mut hits.low);
            self.scan_value(fs, ev, v, &mut low, hits);
            hits.low = low;
        }
        if self.num_fields.get(id as usize).copied().unwrap_or(false) {
            self.number_value(ev, id, v, hits);
        }
    }

    fn number_value(&self, ev: &Event, id: u32, v: &Value, hits: &mut Hits) {
        if let Value::List(items) = v {
            for i in items {
                self.number_value(ev, id, i, hits);
            }
            return;
        }
        let Some(n) = Num::of_value(ev, v) else {
            return;
        };
        if let Some(&g) = self.nums.get(&(id, n.key())) {
            self.hit(g, hits);
        }
    }

    /// Records that pattern `g` occurs in the event.
    #[inline]
    fn hit(&self, g: u32, hits: &mut Hits) {
        let Some(seen) = hits.seen.get_mut(g as usize) else {
            return;
        };
        if *seen {
            return;
        }
        *seen = true;
        hits.seen_list.push(g);
        let g = g as usize;
        if let Some(x) = self
            .atom
            .get(g)
            .and_then(|&a| hits.atoms.get_mut(a as usize))
        {
            *x = true;
        }
        for &r in &self.targets[g] {
            if let Some(p) = hits.primed.get_mut(r as usize) {
                if !*p {
                    *p = true;
                    hits.touched.push(r);
                }
            }
        }
    }

    fn scan_value(
        &self,
        fs: &FieldScan,
        ev: &Event,
        v: &Value,
        low: &mut Vec<u8>,
        hits: &mut Hits,
    ) {
        if let Value::List(items) = v {
            for i in items {
                self.scan_value(fs, ev, i, low, hits);
            }
            return;
        }
        if matches!(v, Value::Int(_)) && !fs.ints {
            return;
        }
        with_text(ev, v, |s| {
            fs.scan(s.as_bytes(), low, &mut |g| self.hit(g, hits))
        });
    }
}

/// Appends the texts of `v` (integers when `ints`), lowercased and each
/// followed by NUL, to `out`.
fn join_value(ints: bool, ev: &Event, v: &Value, out: &mut Vec<u8>) {
    if let Value::List(items) = v {
        for i in items {
            join_value(ints, ev, i, out);
        }
        return;
    }
    if matches!(v, Value::Int(_)) && !ints {
        return;
    }
    with_text(ev, v, |s| {
        let at = out.len();
        out.extend_from_slice(s.as_bytes());
        if let Some(t) = out.get_mut(at..) {
            t.make_ascii_lowercase();
        }
        out.push(0);
    });
}
