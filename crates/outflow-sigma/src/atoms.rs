//! Atoms: "this literal occurs in this field, at this place", compared
//! ASCII-case-insensitively. The prefilter finds every atom of an event in
//! one pass per field, and rules read plain string items from the atoms
//! found instead of searching the field again (see `FieldMatcher::atoms`).

use rustc_hash::FxHashMap;

/// Where a literal must sit in the field's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum At {
    /// Anywhere.
    Contains,
    /// At its start.
    Start,
    /// At its end.
    End,
    /// It is the whole text.
    Whole,
}

/// No atom.
pub const NO_ATOM: u32 = u32::MAX;

/// The atoms of a rule set's items, each with an id.
#[derive(Clone, Debug, Default)]
pub struct Atoms {
    ids: FxHashMap<(u32, At, String), u32>,
    keys: Vec<(u32, At, String)>,
}

impl Atoms {
    /// The id of the atom (`field` id, `text`, `at`); the text is compared
    /// ASCII-case-insensitively, so its ASCII letters are lowercased.
    pub fn intern(&mut self, field: u32, text: &str, at: At) -> u32 {
        let key = (field, at, text.to_ascii_lowercase());
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.clone());
        self.ids.insert(key, id);
        id
    }

    /// The id of an atom, `NO_ATOM` when no item uses it.
    pub fn id(&self, field: u32, text: &str, at: At) -> u32 {
        let key = (field, at, text.to_ascii_lowercase());
        self.ids.get(&key).copied().unwrap_or(NO_ATOM)
    }

    /// The field id, place and (lowercased) text of atom `id`.
    pub fn key(&self, id: u32) -> Option<(u32, At, &str)> {
        self.keys
            .get(id as usize)
            .map(|(f, at, t)| (*f, *at, t.as_str()))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
}
