//! A radix trie of literals walked from one end of a text: it reports
//! every literal the text starts (or ends) with, after at most as many
//! steps as the literal has branch points. Start, end and whole-text
//! literals are looked up this way instead of being searched anywhere.

use super::scan::NO_PAT;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct Node {
    /// Its edges: `edges[first..first + len]`, sorted by byte.
    first: u32,
    len: u32,
    /// The bytes after the edge's byte that lead into the node:
    /// `labels[label..label + label_len]`, in the text's order (chains
    /// without a branch or a literal's end are one node).
    label: u32,
    label_len: u32,
    /// The pattern a walk reaching the node found, and the one it found
    /// when the node is also the end of the text (`NO_PAT`: none).
    pats: [u32; 2],
}

#[derive(Clone, Debug)]
pub struct Trie {
    nodes: Vec<Node>,
    edges: Vec<(u8, u32)>,
    labels: Vec<u8>,
    /// The root's child per byte (0: none; no edge leads to the root).
    root: Box<[u32; 256]>,
    /// Walked from the end of the text (literals are stored reversed).
    from_end: bool,
}

/// The uncompressed trie while literals are added.
struct Plain {
    kids: Vec<BTreeMap<u8, u32>>,
    pats: Vec<[u32; 2]>,
}

impl Trie {
    /// `lits`: (ASCII-lowercased literal, [pattern, whole-text pattern]).
    pub fn new(lits: &[(&[u8], [u32; 2])], from_end: bool) -> Trie {
        let mut p = Plain {
            kids: vec![BTreeMap::new()],
            pats: vec![[NO_PAT; 2]],
        };
        for (text, ids) in lits {
            let bytes: Vec<u8> = if from_end {
                text.iter().rev().copied().collect()
            } else {
                text.to_vec()
            };
            let mut node = 0usize;
            for b in bytes {
                let next = p.kids.len() as u32;
                let child = *p.kids[node].entry(b).or_insert(next);
                if child == next {
                    p.kids.push(BTreeMap::new());
                    p.pats.push([NO_PAT; 2]);
                }
                node = child as usize;
            }
            for (slot, &id) in p.pats[node].iter_mut().zip(ids) {
                if id != NO_PAT {
                    *slot = id;
                }
            }
        }
        let mut t = Trie {
            nodes: Vec::new(),
            edges: Vec::new(),
            labels: Vec::new(),
            root: Box::new([0u32; 256]),
            from_end,
        };
        t.compress(&p);
        t
    }

    /// Builds the radix nodes of `p`, breadth first from its root.
    fn compress(&mut self, p: &Plain) {
        // (plain node, its label); the root has none.
        let mut queue = std::collections::VecDeque::from([(0usize, Vec::new())]);
        while let Some((n, label)) = queue.pop_front() {
            let id = self.nodes.len() as u32;
            // Children get ids in the order they are queued: after all the
            // nodes already queued.
            let base = id as usize + queue.len() + 1;
            let first = self.edges.len() as u32;
            for (k, (&b, &c)) in p.kids[n].iter().enumerate() {
                let (mut c, mut lab) = (c as usize, Vec::new());
                while p.pats[c] == [NO_PAT; 2] && p.kids[c].len() == 1 {
                    let Some((&b2, &c2)) = p.kids[c].iter().next() else {
                        break;
                    };
                    lab.push(b2);
                    c = c2 as usize;
                }
                self.edges.push((b, (base + k) as u32));
                queue.push_back((c, lab));
            }
            self.nodes.push(Node {
                first,
                len: p.kids[n].len() as u32,
                label: self.labels.len() as u32,
                label_len: label.len() as u32,
                pats: p.pats[n],
            });
            if self.from_end {
                self.labels.extend(label.iter().rev());
            } else {
                self.labels.extend_from_slice(&label);
            }
        }
        if let Some(r) = self.nodes.first() {
            let (a, z) = (r.first as usize, (r.first + r.len) as usize);
            for &(b, c) in self.edges.get(a..z).unwrap_or(&[]) {
                self.root[b as usize] = c;
            }
        }
    }

    /// Reports the literals `s` starts with (ends with, when walked from
    /// the end), compared ASCII-case-insensitively.
    #[inline]
    pub fn run(&self, s: &[u8], hit: &mut impl FnMut(u32)) {
        let len = s.len();
        let (mut node, mut i) = (0usize, 0usize);
        while i < len {
            let at = if self.from_end { len - 1 - i } else { i };
            let Some(b) = s.get(at).map(u8::to_ascii_lowercase) else {
                return;
            };
            let next = if node == 0 {
                self.root[b as usize] as usize
            } else {
                self.child(node, b)
            };
            let Some(n) = self.nodes.get(next).filter(|_| next != 0) else {
                return;
            };
            i += 1;
            let (a, l) = (n.label as usize, n.label_len as usize);
            if l > 0 {
                // The label's bytes in the text.
                let seg = if self.from_end {
                    len.checked_sub(i + l).and_then(|x| s.get(x..len - i))
                } else {
                    s.get(i..i + l)
                };
                let (Some(seg), Some(label)) = (seg, self.labels.get(a..a + l)) else {
                    return;
                };
                if !seg
                    .iter()
                    .zip(label)
                    .all(|(x, y)| x.to_ascii_lowercase() == *y)
                {
                    return;
                }
                i += l;
            }
            node = next;
            let [any, whole] = n.pats;
            if any != NO_PAT {
                hit(any);
            }
            if whole != NO_PAT && i == len {
                hit(whole);
            }
        }
    }

    /// The child of `node` by byte `b` (0: none).
    #[inline]
    fn child(&self, node: usize, b: u8) -> usize {
        let Some(n) = self.nodes.get(node) else {
            return 0;
        };
        let (a, z) = (n.first as usize, (n.first + n.len) as usize);
        let Some(es) = self.edges.get(a..z) else {
            return 0;
        };
        // Past the first levels nodes have one or two edges.
        if es.len() <= 4 {
            return es.iter().find(|e| e.0 == b).map_or(0, |e| e.1 as usize);
        }
        es.binary_search_by_key(&b, |e| e.0)
            .map_or(0, |k| es[k].1 as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(t: &Trie, s: &str) -> Vec<u32> {
        let mut out = Vec::new();
        t.run(s.as_bytes(), &mut |g| out.push(g));
        out.sort_unstable();
        out
    }

    #[test]
    fn walks_both_ways() {
        let lits: Vec<(&[u8], [u32; 2])> = vec![
            (b"abc", [0, NO_PAT]),
            (b"abcdef", [1, 2]),
            (b"abd", [3, NO_PAT]),
            (b"x", [NO_PAT, 4]),
        ];
        let t = Trie::new(&lits, false);
        assert_eq!(found(&t, "ABCDEF"), vec![0, 1, 2]);
        assert_eq!(found(&t, "abcdefg"), vec![0, 1]);
        assert_eq!(found(&t, "abcde"), vec![0]);
        assert_eq!(found(&t, "abd"), vec![3]);
        assert_eq!(found(&t, "x"), vec![4]);
        assert_eq!(found(&t, "xy"), Vec::<u32>::new());
        assert_eq!(found(&t, ""), Vec::<u32>::new());
        let t = Trie::new(&lits, true);
        assert_eq!(found(&t, "zzABCDEF"), vec![1]);
        assert_eq!(found(&t, "abc"), vec![0]);
        assert_eq!(found(&t, "yx"), Vec::<u32>::new());
    }
}
