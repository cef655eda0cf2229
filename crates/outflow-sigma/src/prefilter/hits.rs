//! Per-caller prefilter state for one event: the patterns and atoms found
//! and the clause bits of the rules they satisfy.

use super::Prefilter;

/// Per-caller prefilter state, cleared after every event.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    /// Per pattern of the plan: seen in this event.
    pub(super) seen: Vec<bool>,
    pub(super) seen_list: Vec<u32>,
    /// Per atom of the rule set: seen in this event.
    pub(super) atoms: Vec<bool>,
    /// Per rule: its first clause holds.
    pub(super) primed: Vec<bool>,
    pub(super) touched: Vec<u32>,
    /// The event's field texts, ASCII-lowercased, each followed by NUL
    /// (for the keyword literals).
    pub(super) joined: Vec<u8>,
    /// Scratch for a lowercased field text.
    pub(super) low: Vec<u8>,
}

impl Hits {
    /// Sizes the state for `pf` (a no-op when it already fits).
    pub fn fit(&mut self, pf: &Prefilter) {
        if self.seen.len() < pf.targets.len() {
            self.seen.resize(pf.targets.len(), false);
        }
        if self.atoms.len() < pf.n_atoms {
            self.atoms.resize(pf.n_atoms, false);
        }
        if self.primed.len() < pf.others.len() {
            self.primed.resize(pf.others.len(), false);
        }
    }

    /// Searches the joined text for keyword literals; call once every field
    /// was scanned.
    pub fn finish(&mut self, pf: &Prefilter) {
        if let Some(kw) = &pf.keywords {
            let text = std::mem::take(&mut self.joined);
            kw.scan(&text, &mut |g| pf.hit(g, self));
            self.joined = text;
            self.joined.clear();
        }
    }

    /// Per atom id of the rule set, whether the event holds it.
    pub fn atoms(&self) -> &[bool] {
        &self.atoms
    }

    /// Appends the gated rules whose clauses all hold to `out`.
    pub fn drain_passed(&mut self, pf: &Prefilter, out: &mut Vec<u32>) {
        let seen = |p: &u32| self.seen.get(*p as usize).copied().unwrap_or(false);
        for &r in &self.touched {
            let others = pf.others.get(r as usize).map_or(&[][..], |o| &o[..]);
            if others.iter().all(|c| c.iter().any(seen)) {
                out.push(r);
            }
        }
        for &r in &self.touched {
            if let Some(p) = self.primed.get_mut(r as usize) {
                *p = false;
            }
        }
        self.touched.clear();
    }

    /// Forgets the patterns and atoms found, for the next event.
    pub fn clear(&mut self, pf: &Prefilter) {
        for &g in &self.seen_list {
            self.seen[g as usize] = false;
            if let Some(&a) = pf.atom.get(g as usize) {
                if let Some(x) = self.atoms.get_mut(a as usize) {
                    *x = false;
                }
            }
        }
        self.seen_list.clear();
    }
}
