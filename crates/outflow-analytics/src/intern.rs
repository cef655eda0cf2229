//! One shared copy of each host and destination name the engine hands
//! to analytics: names repeat on nearly every event, and a shared copy
//! costs a hash lookup instead of an allocation (and the analytics' maps
//! keyed by it then hold one allocation, not one per key).

use rustc_hash::FxHashSet;
use std::sync::Arc;

/// Most names held; past it the table starts over (bounded memory; names
/// already handed out stay valid).
const MAX_NAMES: usize = 100_000;

#[derive(Default)]
pub struct Interner {
    names: FxHashSet<Arc<str>>,
    /// Reused for lower-casing, so a name already held costs no allocation.
    buf: String,
}

impl Interner {
    /// The shared copy of `name`.
    pub fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.names.get(name) {
            return n.clone();
        }
        if self.names.len() >= MAX_NAMES {
            self.names.clear();
        }
        let n: Arc<str> = Arc::from(name);
        self.names.insert(n.clone());
        n
    }

    /// The shared copy of `name` in ASCII lower case.
    pub fn lower(&mut self, name: &str) -> Arc<str> {
        if !name.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.get(name);
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.push_str(name);
        buf.make_ascii_lowercase();
        let n = self.get(&buf);
        self.buf = buf;
        n
    }

    /// The shared copy of a domain as catalogs and analytics key it:
    /// lower case, without the root's trailing dot.
    pub fn domain(&mut self, name: &str) -> Arc<str> {
        self.lower(name.trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_copy_per_name_and_domains_fold_case() {
        let mut i = Interner::default();
        let a = i.get("WS-FIN-01");
        assert!(Arc::ptr_eq(&a, &i.get("WS-FIN-01")));
        let d = i.domain("Drive.Google.com.");
        assert_eq!(&*d, "drive.google.com");
        assert!(Arc::ptr_eq(&d, &i.domain("drive.google.com")));
        let img = i.lower(r"C:\Windows\System32\curl.exe");
        assert_eq!(&*img, r"c:\windows\system32\curl.exe");
        assert!(Arc::ptr_eq(&img, &i.lower(r"c:\Windows\system32\CURL.exe")));
    }
}
