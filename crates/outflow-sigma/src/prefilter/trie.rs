//! A trie of literals walked from one end of a text: it reports every
//! literal the text starts (or ends) with, after at most as many steps as
//! the longest literal, and usually far fewer. Start, end and whole-text
//! literals are looked up this way instead of being searched anywhere.

use super::scan::NO_PAT;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct Node {
    /// Its edges: `edges[first..first + len]`, sorted by byte.
    first: u32,
    len: u32,
    /// The pattern a walk reaching the node found, and the one it found
    /// when the node is also the end of the text (`NO_PAT`: none).
    pats: [u32; 2],
}

#[derive(Clone, Debug)]
pub struct Trie {
    nodes: Vec<Node>,
    edges: Vec<(u8, u32)>,
    /// Walked from the end of the text (literals are stored reversed).
    from_end: bool,
}

impl Trie {
    /// `lits`: (ASCII-lowercased literal, [pattern, whole-text pattern]).
    pub fn new(lits: &[(&[u8], [u32; 2])], from_end: bool) -> Trie {
        let mut kids: Vec<BTreeMap<u8, u32>> = vec![BTreeMap::new()];
        let mut pats: Vec<[u32; 2]> = vec![[NO_PAT; 2]];
        for (text, ids) in lits {
            let mut node = 0usize;
            let mut step = |b: u8| {
                let next = kids.len() as u32;
                let child = *kids[node].entry(b).or_insert(next);
                if child == next {
                    kids.push(BTreeMap::new());
                    pats.push([NO_PAT; 2]);
                }
                node = child as usize;
            };
            if from_end {
                text.iter().rev().for_each(|&b| step(b));
            } else {
                text.iter().for_each(|&b| step(b));
            }
            for (slot, &id) in pats[node].iter_mut().zip(ids) {
                if id != NO_PAT {
                    *slot = id;
                }
            }
        }
        let mut nodes = Vec::with_capacity(kids.len());
        let mut edges = Vec::new();
        for (k, p) in kids.iter().zip(pats) {
            nodes.push(Node {
                first: edges.len() as u32,
                len: k.len() as u32,
                pats: p,
            });
            edges.extend(k.iter().map(|(&b, &c)| (b, c)));
        }
        Trie {
            nodes,
            edges,
            from_end,
        }
    }

    /// Reports the literals `s` starts with (ends with, when walked from
    /// the end), compared ASCII-case-insensitively.
    #[inline]
    pub fn run(&self, s: &[u8], hit: &mut impl FnMut(u32)) {
        if self.from_end {
            self.walk(s.iter().rev(), s.len(), hit);
        } else {
            self.walk(s.iter(), s.len(), hit);
        }
    }

    fn walk<'a>(&self, bytes: impl Iterator<Item = &'a u8>, len: usize, hit: &mut impl FnMut(u32)) {
        let mut node = 0usize;
        for (i, &b) in bytes.enumerate() {
            let Some(n) = self.nodes.get(node) else {
                return;
            };
            let (a, z) = (n.first as usize, (n.first + n.len) as usize);
            let Some(es) = self.edges.get(a..z) else {
                return;
            };
            let b = b.to_ascii_lowercase();
            match es.binary_search_by_key(&b, |e| e.0) {
                Ok(k) => node = es[k].1 as usize,
                Err(_) => return,
            }
            let Some(n) = self.nodes.get(node) else {
                return;
            };
            let [any, whole] = n.pats;
            if any != NO_PAT {
                hit(any);
            }
            if whole != NO_PAT && i + 1 == len {
                hit(whole);
            }
        }
    }
}
