use outflow_event::Key;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Hands out one shared [`Key`] per field name, so that the millionth record
/// of a file reuses the names of the first without allocating.
#[derive(Default)]
pub struct KeyCache {
    map: FxHashMap<Box<str>, Key>,
}

/// Past this many distinct names (hostile or very sparse JSON) new names are
/// allocated per use rather than cached, keeping memory bounded.
const MAX_CACHED: usize = 16_384;

impl KeyCache {
    pub fn get(&mut self, name: &str) -> Key {
        if let Some(k) = self.map.get(name) {
            return k.clone();
        }
        let key: Key = Arc::from(name);
        if self.map.len() < MAX_CACHED {
            self.map.insert(Box::from(name), key.clone());
        }
        key
    }
}
