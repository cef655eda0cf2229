//! Aho-Corasick prefilter, one per distinct event logsource list.
//!
//! Each gated rule has clauses (see `Detection::clauses`): sets of literals
//! of which every match contains one, in the field the literal comes from
//! (any string field for keywords). A rule is evaluated only when each of
//! its clauses saw one of its literals; ungated rules always are. A field
//! is scanned by an automaton of its own literals; small automata stay in
//! cache, which matters more than scanning a text twice. Keyword literals
//! are searched once per event, in the lowercased text of all its fields
//! joined by NUL bytes (see [`Hits::finish`]). Numbers (`EventID: 4624`)
//! are atoms too: the field's numeric value is looked up in a hash map.

use crate::detection::{Lit, LitKind};
use crate::index::{FieldNames, NONE};
use crate::rule::Rule;
use crate::value_test::{with_text, Num};
use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use outflow_event::{Event, Value};
use rustc_hash::FxHashMap;

#[derive(Clone, Debug)]
pub struct Prefilter {
    scanners: Vec<Scanner>,
    /// Field id → scanner of its own literals (`NO_SCAN`: none).
    by_field: Vec<u32>,
    /// Scanner of the keyword literals (lowercase, case-sensitive), run on
    /// the joined text of the event (`NO_SCAN`: none).
    keywords: u32,
    /// (field id, [`Num::key`]) → global pattern id of a number atom.
    nums: FxHashMap<(u32, u64), u32>,
    /// Field id → whether some number atom names it.
    num_fields: Vec<bool>,
    /// Global pattern id → (rule, clause bit) pairs it satisfies.
    targets: Vec<Vec<(u32, u8)>>,
    /// Per rule of the set: the bits of all its clauses (0: not gated here).
    need: Vec<u64>,
}

const NO_SCAN: u32 = u32::MAX;

/// Most patterns a scanner compiles to a DFA.
const DFA_MAX: usize = 300;

/// One automaton and where its patterns' ids start.
#[derive(Clone, Debug)]
struct Scanner {
    ac: AhoCorasick,
    base: u32,
    /// Some pattern could occur in an integer's text (digits and `-`).
    ints: bool,
    /// Global id of the "holds a non-ASCII character" atom, if any.
    non_ascii: Option<u32>,
    /// For the joined text: a packed (SIMD) searcher of the same literals,
    /// which tells far faster than the automaton that none occurs.
    packed: Option<packed::Searcher>,
}

/// Per-caller prefilter state, all clear between events.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    /// Per global pattern: seen in this event.
    seen: Vec<bool>,
    seen_list: Vec<u32>,
    /// Per rule: the clause bits satisfied so far.
    mask: Vec<u64>,
    touched: Vec<u32>,
    /// The event's field texts, ASCII-lowercased, each followed by NUL.
    joined: Vec<u8>,
}

impl Hits {
    /// Sizes the state for `pf` (a no-op when it already fits).
    pub fn fit(&mut self, pf: &Prefilter) {
        if self.seen.len() < pf.targets.len() {
            self.seen.resize(pf.targets.len(), false);
        }
        if self.mask.len() < pf.need.len() {
            self.mask.resize(pf.need.len(), 0);
        }
    }

    /// Searches the joined text for keyword literals; call once every field
    /// was scanned. One search of the whole text costs far less than one
    /// per field, and the automaton may skip ahead with a prefilter.
    pub fn finish(&mut self, pf: &Prefilter) {
        if let Some(sc) = pf.scanners.get(pf.keywords as usize) {
            let text = std::mem::take(&mut self.joined);
            pf.scan_text(sc, &text, self);
            self.joined = text;
            self.joined.clear();
        }
    }

    /// Appends the gated rules whose clauses all hold to `out` and clears
    /// the state for the next event.
    pub fn drain_passed(&mut self, pf: &Prefilter, out: &mut Vec<u32>) {
        for &g in &self.seen_list {
            self.seen[g as usize] = false;
        }
        self.seen_list.clear();
        for &r in &self.touched {
            let r = r as usize;
            if self.mask[r] == pf.need[r] {
                out.push(r as u32);
            }
            self.mask[r] = 0;
        }
        self.touched.clear();
    }
}

/// Literal patterns of one scanner, deduplicated by text.
#[derive(Default)]
struct PatternList<'a> {
    index: FxHashMap<&'a str, usize>,
    texts: Vec<&'a str>,
    targets: Vec<Vec<(u32, u8)>>,
    /// Targets of the "holds a non-ASCII character" atom.
    non_ascii: Vec<(u32, u8)>,
}

impl<'a> PatternList<'a> {
    fn add(&mut self, text: &'a str, rule: u32, bit: u8) {
        let p = *self.index.entry(text).or_insert_with(|| {
            self.texts.push(text);
            self.targets.push(Vec::new());
            self.texts.len() - 1
        });
        if !self.targets[p].contains(&(rule, bit)) {
            self.targets[p].push((rule, bit));
        }
    }

    fn add_non_ascii(&mut self, rule: u32, bit: u8) {
        if !self.non_ascii.contains(&(rule, bit)) {
            self.non_ascii.push((rule, bit));
        }
    }

    fn is_empty(&self) -> bool {
        self.texts.is_empty() && self.non_ascii.is_empty()
    }
}

impl Prefilter {
    /// The prefilter for rules `cands` (sorted) and the candidates it does
    /// not gate (all of them when there is no prefilter).
    pub fn build(
        rules: &[Rule],
        cands: &[u32],
        names: &FieldNames,
    ) -> (Option<Prefilter>, Vec<u32>) {
        let mut keywords = PatternList::default();
        let mut fields: FxHashMap<u32, PatternList> = FxHashMap::default();
        let mut nums: FxHashMap<(u32, u64), Vec<(u32, u8)>> = FxHashMap::default();
        let mut need = vec![0u64; rules.len()];
        let mut always = Vec::new();
        for &i in cands {
            let gate = &rules[i as usize].gate;
            let num_field = |l: &Lit| l.field.as_deref().map_or(NONE, |f| names.id(f));
            // Number atoms need a known field: without one, no gate.
            let unknown = gate
                .iter()
                .flatten()
                .any(|l| matches!(l.kind, LitKind::Num(_)) && num_field(l) == NONE);
            if gate.is_empty() || unknown {
                always.push(i);
                continue;
            }
            for (bit, clause) in gate.iter().enumerate() {
                let bit = bit as u8;
                need[i as usize] |= 1 << bit;
                for l in clause {
                    if let LitKind::Num(k) = l.kind {
                        nums.entry((num_field(l), k)).or_default().push((i, bit));
                        continue;
                    }
                    let list = match l.field.as_deref().map(|f| names.id(f)) {
                        Some(id) if id != NONE => fields.entry(id).or_default(),
                        // A keyword (or a field the set does not know): any field.
                        _ => &mut keywords,
                    };
                    match l.kind {
                        LitKind::NonAscii => list.add_non_ascii(i, bit),
                        _ => list.add(&l.text, i, bit),
                    }
                }
            }
        }
        if keywords.is_empty() && fields.is_empty() && nums.is_empty() {
            return (None, cands.to_vec());
        }
        let mut pf = Prefilter {
            scanners: Vec::new(),
            by_field: vec![NO_SCAN; names.len()],
            keywords: NO_SCAN,
            nums: FxHashMap::default(),
            num_fields: vec![false; names.len()],
            targets: Vec::new(),
            need,
        };
        let mut num_keys: Vec<_> = nums.into_iter().collect();
        num_keys.sort_unstable_by_key(|(k, _)| *k);
        for ((id, k), ts) in num_keys {
            pf.nums.insert((id, k), pf.targets.len() as u32);
            pf.targets.push(ts);
            pf.num_fields[id as usize] = true;
        }
        let mut ids: Vec<u32> = fields.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(list) = fields.remove(&id) else {
                continue;
            };
            match pf.add_scanner(list, false) {
                Some(s) => pf.by_field[id as usize] = s,
                None => return (None, cands.to_vec()),
            }
        }
        if !keywords.is_empty() {
            match pf.add_scanner(keywords, true) {
                Some(s) => pf.keywords = s,
                None => return (None, cands.to_vec()),
            }
        }
        (Some(pf), always)
    }

    /// `joined`: the scanner searches the joined lowercase text (keywords);
    /// the texts must hold no NUL, which separates fields there.
    fn add_scanner(&mut self, list: PatternList, joined: bool) -> Option<u32> {
        if joined && list.texts.iter().any(|t| t.contains('\0')) {
            return None;
        }
        let lower: Vec<String> = list.texts.iter().map(|t| t.to_ascii_lowercase()).collect();
        let build = |kind| {
            let mut b = AhoCorasickBuilder::new();
            b.match_kind(MatchKind::Standard).kind(kind);
            if joined {
                // Lowercase literals in lowercased text: case-sensitive,
                // which lets the automaton skip ahead with a packed searcher
                // over one long text.
                b.build(&lower)
            } else {
                // Field values are short and the rare bytes of literals
                // (`\\`, `.`) are common in them: skipping ahead costs more.
                b.ascii_case_insensitive(true)
                    .prefilter(false)
                    .build(&list.texts)
            }
        };
        // A DFA costs more to build than an NFA but scans about twice as
        // fast; a plan is built once per logsource list and scans every event.
        // Past a few hundred patterns a DFA grows to megabytes and every
        // byte scanned misses the cache; the contiguous NFA is much smaller.
        let kind = if list.texts.len() > DFA_MAX {
            AhoCorasickKind::ContiguousNFA
        } else {
            AhoCorasickKind::DFA
        };
        let ac = build(Some(kind)).or_else(|_| build(None)).ok()?;
        let packed = joined
            .then(|| packed::Config::new().builder().extend(&lower).build())
            .flatten();
        let ints = list
            .texts
            .iter()
            .any(|p| p.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
        let base = self.targets.len() as u32;
        self.targets.extend(list.targets);
        let non_ascii = (!list.non_ascii.is_empty()).then(|| {
            self.targets.push(list.non_ascii);
            self.targets.len() as u32 - 1
        });
        self.scanners.push(Scanner {
            ac,
            base,
            ints,
            non_ascii,
            packed,
        });
        Some(self.scanners.len() as u32 - 1)
    }

    /// Scans one value of the field with id `id` (`NONE`: a field no rule
    /// names), recording in `hits` the clauses its literals satisfy.
    #[inline]
    pub fn scan_field(&self, ev: &Event, id: u32, v: &Value, hits: &mut Hits) {
        let own = self.by_field.get(id as usize).copied().unwrap_or(NO_SCAN);
        if let Some(sc) = self.scanners.get(own as usize) {
            self.scan_value(sc, ev, v, hits);
        }
        if let Some(sc) = self.scanners.get(self.keywords as usize) {
            join_value(sc, ev, v, &mut hits.joined);
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
            self.hit(g as usize, hits);
        }
    }

    /// Records that global pattern `g` occurs in the event.
    #[inline]
    fn hit(&self, g: usize, hits: &mut Hits) {
        if hits.seen[g] {
            return;
        }
        hits.seen[g] = true;
        hits.seen_list.push(g as u32);
        for &(r, bit) in &self.targets[g] {
            let mask = &mut hits.mask[r as usize];
            if *mask == 0 {
                hits.touched.push(r);
            }
            *mask |= 1 << bit;
        }
    }

    fn scan_value(&self, sc: &Scanner, ev: &Event, v: &Value, hits: &mut Hits) {
        if let Value::List(items) = v {
            for i in items {
                self.scan_value(sc, ev, i, hits);
            }
            return;
        }
        if matches!(v, Value::Int(_)) && !sc.ints {
            return;
        }
        with_text(ev, v, |s| self.scan_text(sc, s.as_bytes(), hits));
    }

    fn scan_text(&self, sc: &Scanner, s: &[u8], hits: &mut Hits) {
        if let Some(g) = sc.non_ascii.filter(|_| !s.is_ascii()) {
            self.hit(g as usize, hits);
        }
        if sc.packed.as_ref().is_some_and(|p| p.find(s).is_none()) {
            return;
        }
        for m in sc.ac.find_overlapping_iter(s) {
            self.hit(sc.base as usize + m.pattern().as_usize(), hits);
        }
    }
}

/// Appends the texts of `v` the keyword scanner `sc` would search,
/// lowercased and each followed by NUL, to `out`.
fn join_value(sc: &Scanner, ev: &Event, v: &Value, out: &mut Vec<u8>) {
    if let Value::List(items) = v {
        for i in items {
            join_value(sc, ev, i, out);
        }
        return;
    }
    if matches!(v, Value::Int(_)) && !sc.ints {
        return;
    }
    with_text(ev, v, |s| {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
        out.push(0);
    });
}
