//! Where the walker is in a document, kept by the caller's choice of
//! [`KeyPath`]: a dotted path string for generic readers, nothing at all
//! for validation, or a reader's own structure (a trie of known layouts)
//! when joining keys into a string for every leaf would cost more than the
//! reader needs.

use super::scan::unescape;

/// Follows the walker into and out of object members.
pub trait KeyPath<'a> {
    /// Enters the member whose key is `raw` (string contents, still escaped
    /// when `escaped`); returns a mark to [`leave`](Self::leave) it with.
    fn enter(&mut self, raw: &'a str, escaped: bool) -> usize;
    /// Leaves the member entered when `enter` returned `mark`.
    fn leave(&mut self, mark: usize);
    /// Enters the member whose key starts (at its opening quote) at `b[at]`
    /// if it is the key this path expected there, without the walker
    /// scanning it: returns the offset past the key's closing quote and the
    /// mark. `None` leaves the key to the walker and [`enter`](Self::enter).
    #[inline]
    fn enter_expected(&mut self, b: &[u8], at: usize) -> Option<(usize, usize)> {
        let _ = (b, at);
        None
    }
}

/// Object keys joined with `.`; array elements share their array's path.
#[derive(Default)]
pub struct Dotted(pub String);

impl<'a> KeyPath<'a> for Dotted {
    #[inline]
    fn enter(&mut self, raw: &'a str, escaped: bool) -> usize {
        let mark = self.0.len();
        if mark > 0 {
            self.0.push('.');
        }
        if escaped {
            unescape(raw, &mut self.0);
        } else {
            self.0.push_str(raw);
        }
        mark
    }

    #[inline]
    fn leave(&mut self, mark: usize) {
        self.0.truncate(mark);
    }
}

/// No path: for walks that only validate or find where a value ends.
pub struct NoPath;

impl<'a> KeyPath<'a> for NoPath {
    #[inline]
    fn enter(&mut self, _: &'a str, _: bool) -> usize {
        0
    }

    #[inline]
    fn leave(&mut self, _: usize) {}
}
