//! Field names of a rule set as small ids, and a per-event index from id to
//! the position of that field in the event, built in one pass over the
//! event's fields so that rules look fields up in constant time.

use outflow_event::{Event, Value};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// No id / no position.
pub const NONE: u32 = u32::MAX;

/// The field names the rules of a set refer to.
#[derive(Clone, Debug, Default)]
pub struct FieldNames {
    ids: FxHashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl FieldNames {
    pub fn intern(&mut self, name: &Arc<str>) -> u32 {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.clone());
        self.ids.insert(name.clone(), i);
        i
    }

    pub fn id(&self, name: &str) -> u32 {
        self.ids.get(name).copied().unwrap_or(NONE)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// Per-caller index state, reused from event to event.
#[derive(Clone, Debug, Default)]
pub struct FieldIndex {
    /// Field id → index in `ev.fields` of its first occurrence, or `NONE`.
    pos: Vec<u32>,
    /// Ids set for the current event.
    set: Vec<u32>,
    /// Field key allocation (address) → id. Parsers share key `Arc`s between
    /// records; each entry holds its `Arc`, so an address cannot be reused
    /// by another name while it is here.
    keys: FxHashMap<usize, (Arc<str>, u32)>,
}

impl FieldIndex {
    /// Forgets everything (another rule set).
    pub fn reset(&mut self) {
        *self = FieldIndex::default();
    }

    /// Indexes `ev`; `each` sees every field with its id (`NONE` when no
    /// rule names it) and whether it is the first field with that id (the
    /// one rules read).
    pub fn build(
        &mut self,
        names: &FieldNames,
        ev: &Event,
        mut each: impl FnMut(u32, bool, &Value),
    ) {
        for &i in &self.set {
            self.pos[i as usize] = NONE;
        }
        self.set.clear();
        if self.pos.len() != names.len() {
            self.pos.clear();
            self.pos.resize(names.len(), NONE);
        }
        if self.keys.len() > 4096 {
            self.keys.clear();
        }
        for (n, (k, v)) in ev.fields.iter().enumerate() {
            let addr = Arc::as_ptr(k) as *const u8 as usize;
            let id = match self.keys.get(&addr) {
                Some(&(_, id)) => id,
                None => {
                    let id = names.id(k);
                    self.keys.insert(addr, (k.clone(), id));
                    id
                }
            };
            let first = id != NONE && self.pos[id as usize] == NONE;
            if first {
                self.pos[id as usize] = n as u32;
                self.set.push(id);
            }
            each(id, first, v);
        }
    }

    pub fn view<'a>(&'a self, ev: &'a Event) -> View<'a> {
        View {
            ev,
            pos: &self.pos,
            atoms: None,
        }
    }
}

/// An event with its field index.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub ev: &'a Event,
    pos: &'a [u32],
    /// Per atom id of the rule set, whether the prefilter found it; `None`
    /// when no prefilter scanned the event for every atom of the rules.
    pub atoms: Option<&'a [bool]>,
}

impl<'a> View<'a> {
    /// The same view, with the atoms found.
    pub fn with_atoms(self, atoms: &'a [bool]) -> View<'a> {
        View {
            atoms: Some(atoms),
            ..self
        }
    }

    /// The same view, without atoms (for detections whose atoms were not
    /// searched).
    pub fn plain(self) -> View<'a> {
        View {
            atoms: None,
            ..self
        }
    }

    /// The first field with the id `id` (named `name`).
    #[inline]
    pub fn get(&self, id: u32, name: &str) -> Option<&'a Value> {
        match self.pos.get(id as usize) {
            Some(&NONE) => None,
            Some(&p) => self.ev.fields.get(p as usize).map(|(_, v)| v),
            None => self.ev.get(name),
        }
    }
}
