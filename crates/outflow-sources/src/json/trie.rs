//! A [`KeyPath`] for readers of records that repeat one layout (or a few):
//! the member keys seen so far form a trie, each node remembering what the
//! reader made of its dotted path. Following the walker costs one key
//! compare per member (the key that followed the same sibling last time is
//! tried first) instead of joining a path string and looking it up at every
//! leaf.

use super::path::KeyPath;
use super::scan::unescape;

const NONE: u32 = u32::MAX;
/// Nodes kept between records; past this the trie starts afresh.
const MAX_NODES: usize = 4096;
/// Key bytes kept between records, likewise.
const MAX_KEY_BYTES: usize = 1 << 20;
/// Children searched under one node; further keys get a node of their own
/// each time, so hostile fan-out costs linear time, not quadratic.
const MAX_CHILDREN: usize = 128;

struct Node<T> {
    /// The member key, unescaped.
    key: Box<str>,
    /// The key has no `"` or `\`: the JSON string of it is its own bytes.
    plain: bool,
    parent: u32,
    children: Vec<u32>,
    /// Guesses: the first child entered last time, and the sibling entered
    /// after this node last time.
    first: u32,
    next: u32,
    value: Option<T>,
}

impl<T> Node<T> {
    fn new(key: &str, parent: u32) -> Self {
        Node {
            key: Box::from(key),
            plain: !key.bytes().any(|c| c == b'"' || c == b'\\'),
            parent,
            children: Vec::new(),
            first: NONE,
            next: NONE,
            value: None,
        }
    }
}

#[derive(Clone, Copy)]
struct Frame {
    node: u32,
    last_child: u32,
}

/// Dotted paths as a trie whose nodes cache a `T` computed from the path.
pub struct PathTrie<T> {
    nodes: Vec<Node<T>>,
    key_bytes: usize,
    frames: Vec<Frame>,
    scratch: String,
}

impl<T> Default for PathTrie<T> {
    fn default() -> Self {
        PathTrie {
            nodes: vec![Node::new("", NONE)],
            key_bytes: 0,
            frames: vec![Frame {
                node: 0,
                last_child: NONE,
            }],
            scratch: String::new(),
        }
    }
}

impl<T: Clone> PathTrie<T> {
    /// Readies the trie for the next record's walk.
    pub fn start(&mut self) {
        if self.nodes.len() > MAX_NODES || self.key_bytes > MAX_KEY_BYTES {
            *self = Self::default();
        }
        self.frames.truncate(1);
        self.frames[0].last_child = NONE;
    }

    /// The value for the current path, made by `make(dotted path)` the
    /// first time the path is seen.
    #[inline]
    pub fn value(&mut self, make: impl FnOnce(&str) -> T) -> T {
        let node = self.frames.last().map_or(0, |f| f.node) as usize;
        if let Some(v) = &self.nodes[node].value {
            return v.clone();
        }
        let mut path = std::mem::take(&mut self.scratch);
        self.dotted_path(node, &mut path);
        let v = make(&path);
        self.scratch = path;
        self.nodes[node].value = Some(v.clone());
        v
    }

    /// The keys from the root to `node` joined with `.`, as
    /// [`super::Dotted`] has them (nodes keep only their own key, so the
    /// trie's memory stays linear in the keys it holds).
    fn dotted_path(&self, node: usize, out: &mut String) {
        let mut chain = Vec::new();
        let mut n = node;
        while n != 0 {
            chain.push(n);
            n = self.nodes[n].parent as usize;
        }
        out.clear();
        for &n in chain.iter().rev() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&self.nodes[n].key);
        }
    }

    /// The child of `parent` with `key`, added when missing.
    fn child(&mut self, parent: u32, key: &str) -> u32 {
        let p = parent as usize;
        let children = &self.nodes[p].children;
        if let Some(&c) = children
            .iter()
            .find(|&&c| *self.nodes[c as usize].key == *key)
        {
            return c;
        }
        let id = self.nodes.len() as u32;
        let searchable = self.nodes[p].children.len() < MAX_CHILDREN;
        self.nodes.push(Node::new(key, parent));
        self.key_bytes += key.len();
        if searchable {
            self.nodes[p].children.push(id);
        }
        id
    }
}

impl<T: Clone> PathTrie<T> {
    /// The child of the current node guessed to be entered next.
    #[inline(always)]
    fn guess(&self, top: Frame) -> u32 {
        match top.last_child {
            NONE => self.nodes[top.node as usize].first,
            last => self.nodes[last as usize].next,
        }
    }

    /// Enters the member with (unescaped) `key` under the current node.
    #[inline(always)]
    fn enter_key(&mut self, key: &str) -> usize {
        let mark = self.frames.len();
        let top = self.frames[mark - 1];
        let guess = self.guess(top);
        let child = match self.nodes.get(guess as usize) {
            Some(g) if g.parent == top.node && same_bytes(g.key.as_bytes(), key.as_bytes()) => {
                guess
            }
            _ => self.missed(top, key),
        };
        self.frames[mark - 1].last_child = child;
        self.frames.push(Frame {
            node: child,
            last_child: NONE,
        });
        mark
    }

    /// The guess was wrong: finds (or adds) the child and guesses it next time.
    #[cold]
    fn missed(&mut self, top: Frame, key: &str) -> u32 {
        let child = self.child(top.node, key);
        match top.last_child {
            NONE => self.nodes[top.node as usize].first = child,
            last => self.nodes[last as usize].next = child,
        }
        child
    }

    #[cold]
    fn enter_escaped(&mut self, raw: &str) -> usize {
        let mut key = std::mem::take(&mut self.scratch);
        key.clear();
        unescape(raw, &mut key);
        let mark = self.enter_key(&key);
        self.scratch = key;
        mark
    }
}

impl<'a, T: Clone> KeyPath<'a> for PathTrie<T> {
    #[inline]
    fn enter(&mut self, raw: &'a str, escaped: bool) -> usize {
        if escaped {
            self.enter_escaped(raw)
        } else {
            self.enter_key(raw)
        }
    }

    #[inline]
    fn leave(&mut self, mark: usize) {
        self.frames.truncate(mark);
    }

    /// The guessed key, matched in place: a plain key's bytes followed by a
    /// quote are a JSON string with no escapes, the one the walker would
    /// have scanned.
    #[inline(always)]
    fn enter_expected(&mut self, b: &[u8], at: usize) -> Option<(usize, usize)> {
        let mark = self.frames.len();
        let top = *self.frames.last()?;
        let guess = self.guess(top);
        let g = self.nodes.get(guess as usize)?;
        let (start, end) = (at + 1, at + 1 + g.key.len());
        if g.parent != top.node
            || !g.plain
            || b.get(end) != Some(&b'"')
            || !same_bytes(&b[start..end], g.key.as_bytes())
        {
            return None;
        }
        self.frames[mark - 1].last_child = guess;
        self.frames.push(Frame {
            node: guess,
            last_child: NONE,
        });
        Some((end + 1, mark))
    }
}

/// `a == b` for short keys, in a few word compares instead of a call.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if word8(a, i) != word8(b, i) {
                return false;
            }
            i += 8;
        }
        return word8(a, n - 8) == word8(b, n - 8);
    }
    if n >= 4 {
        // Two overlapping four-byte words cover four to seven bytes.
        return word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

#[inline(always)]
fn word8(s: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn word4(s: &[u8], i: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&s[i..i + 4]);
    u32::from_le_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{walk, walk_path};
    use proptest::prelude::*;

    /// Every leaf's path as the trie has it, over several records sharing it.
    fn trie_paths(trie: &mut PathTrie<String>, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        trie.start();
        let _ = walk_path(text, 0, 64, trie, |t, _, _| {
            out.push(t.value(str::to_string))
        });
        out
    }

    fn dotted_paths(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let _ = walk(text, 0, 64, |p, _, _| out.push(p.to_string()));
        out
    }

    #[test]
    fn gives_the_dotted_paths_of_changing_layouts() {
        let mut trie = PathTrie::default();
        for text in [
            r#"{"a":{"b":1,"c":[{"d":1},{"d":2,"e":3}]},"f":"x"}"#,
            r#"{"a":{"c":1,"b":2},"a.b":3,"f":{"g":1}}"#,
            r#"{"":{"x":1},"k\u0065y":2,"a":{"b":{"c":1}}}"#,
            r#"{"a":{"b":1,"c":[{"d":1},{"d":2,"e":3}]},"f":"x"}"#,
            r#"{"k\"ey":1,"a\\b":{"c":2},"ab":3,"a":{"bc":1}}"#,
            r#"{"k\"ey":1,"a\\b":{"c":2},"a":3,"a":{"b":1}}"#,
            r#"{"k\"ey":1,"a\\b":{"c":2},"ab":3,"a":{"bc":1}}"#,
        ] {
            assert_eq!(trie_paths(&mut trie, text), dotted_paths(text), "{text}");
        }
    }

    #[test]
    fn wide_objects_stay_correct_past_the_search_limit() {
        let wide: Vec<String> = (0..300).map(|i| format!("\"k{i}\":{{\"v\":1}}")).collect();
        let text = format!("{{{}}}", wide.join(","));
        let mut trie = PathTrie::default();
        for _ in 0..2 {
            assert_eq!(trie_paths(&mut trie, &text), dotted_paths(&text));
        }
    }

    proptest! {
        #[test]
        fn agrees_with_dotted_paths(docs in prop::collection::vec(
            prop::collection::vec(("[ab.]{0,2}", "[ab.]{0,2}", 0u8..3), 0..6), 1..6)) {
            let mut trie = PathTrie::default();
            for members in docs {
                let body: Vec<String> = members
                    .iter()
                    .map(|(k, k2, shape)| match shape {
                        0 => format!("{k:?}:1"),
                        1 => format!("{k:?}:{{{k2:?}:1,\"z\":[{{{k:?}:2}}]}}"),
                        _ => format!("{k:?}:[{{{k2:?}:1}},{{{k:?}:{{{k2:?}:1}}}}]"),
                    })
                    .collect();
                let text = format!("{{{}}}", body.join(","));
                prop_assert_eq!(trie_paths(&mut trie, &text), dotted_paths(&text));
            }
        }
    }
}
