//! First- and last-seen times (µs of event time) under bounded keys.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::hash::Hash;
use std::sync::Arc;

/// When something was first and last seen (µs since the epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub first: i64,
    pub last: i64,
}

impl Seen {
    /// Widens the span to `t` (first only moves earlier, last only later:
    /// the order events are seen in does not matter).
    pub fn touch(&mut self, t: i64) {
        self.first = self.first.min(t);
        self.last = self.last.max(t);
    }

    /// New at `t`: first seen no earlier than `window` before `t`.
    pub fn is_new_at(&self, t: i64, window: i64) -> bool {
        self.first >= t.saturating_sub(window)
    }
}

/// Keys with their first/last-seen times, at most `cap` of them: past the
/// cap, the least recently seen tenth is dropped.
#[derive(Clone, Debug)]
pub struct SeenMap<K> {
    map: FxHashMap<K, Seen>,
    cap: usize,
}

impl<K: Eq + Hash + Clone> SeenMap<K> {
    pub fn new(cap: usize) -> Self {
        SeenMap {
            map: FxHashMap::default(),
            cap: cap.max(1),
        }
    }

    /// Records `key` at `t`; returns its span after the update.
    pub fn touch(&mut self, key: &K, t: i64) -> Seen {
        if let Some(s) = self.map.get_mut(key) {
            s.touch(t);
            return *s;
        }
        if self.map.len() >= self.cap {
            self.evict();
        }
        let s = Seen { first: t, last: t };
        self.map.insert(key.clone(), s);
        s
    }

    pub fn get(&self, key: &K) -> Option<Seen> {
        self.map.get(key).copied()
    }

    /// Merges a span read from a baseline.
    pub fn merge(&mut self, key: K, s: Seen) {
        match self.map.get_mut(&key) {
            Some(cur) => {
                cur.touch(s.first);
                cur.touch(s.last);
            }
            None => {
                if self.map.len() >= self.cap {
                    self.evict();
                }
                self.map.insert(key, s);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &Seen)> {
        self.map.iter()
    }

    /// Drops the least recently seen tenth (at least one key).
    fn evict(&mut self) {
        let mut lasts: Vec<i64> = self.map.values().map(|s| s.last).collect();
        let n = (lasts.len() / 10).max(1).min(lasts.len());
        if n == 0 {
            return;
        }
        let (_, cut, _) = lasts.select_nth_unstable(n - 1);
        let cut = *cut;
        let mut dropped = 0;
        self.map.retain(|_, s| {
            if s.last <= cut && dropped < n {
                dropped += 1;
                false
            } else {
                true
            }
        });
    }
}

/// Per host: when it was first and last seen, which decides whether it is
/// still being learnt (nothing is new on a host during its learning period).
#[derive(Clone, Debug)]
pub struct HostClock {
    pub hosts: SeenMap<Arc<str>>,
    learning: i64,
    /// (number of hosts, earliest first-seen) when last computed: a host's
    /// first time never changes once seen, so the minimum only moves when
    /// hosts come or go, and is not recomputed over every host per flow.
    earliest: std::cell::Cell<Option<(usize, Option<i64>)>>,
}

impl HostClock {
    pub fn new(cap: usize, learning: i64) -> Self {
        HostClock {
            hosts: SeenMap::new(cap),
            learning,
            earliest: std::cell::Cell::new(None),
        }
    }

    /// Records the host at `t`; true when its learning period is over.
    pub fn learnt(&mut self, host: &Arc<str>, t: i64) -> bool {
        let s = self.hosts.touch(host, t);
        t >= s.first.saturating_add(self.learning)
    }

    /// Hosts seen at or before `t` (the organisation's active hosts).
    pub fn active_at(&self, t: i64) -> usize {
        self.hosts.iter().filter(|(_, s)| s.first <= t).count()
    }

    /// The earliest first-seen time of any host.
    pub fn earliest(&self) -> Option<i64> {
        let n = self.hosts.len();
        if let Some((len, e)) = self.earliest.get() {
            if len == n {
                return e;
            }
        }
        let e = self.hosts.iter().map(|(_, s)| s.first).min();
        self.earliest.set(Some((n, e)));
        e
    }

    pub fn learning(&self) -> i64 {
        self.learning
    }
}

/// One row of a saved first-seen table: key parts, first, last (µs).
pub type Row = (Vec<String>, i64, i64);

/// Rows of a map whose keys are one string.
pub fn rows1(m: &SeenMap<Arc<str>>) -> Vec<Row> {
    let mut v: Vec<Row> = m
        .iter()
        .map(|(k, s)| (vec![k.to_string()], s.first, s.last))
        .collect();
    v.sort();
    v
}

/// Rows of a map whose keys are two strings.
pub fn rows2(m: &SeenMap<(Arc<str>, Arc<str>)>) -> Vec<Row> {
    let mut v: Vec<Row> = m
        .iter()
        .map(|((a, b), s)| (vec![a.to_string(), b.to_string()], s.first, s.last))
        .collect();
    v.sort();
    v
}

/// Reads rows back into a one-string-key map.
pub fn load1(m: &mut SeenMap<Arc<str>>, rows: Vec<Row>) -> Result<(), String> {
    for (k, first, last) in rows {
        let [a]: [String; 1] = k
            .try_into()
            .map_err(|_| "a host row needs one key".to_string())?;
        m.merge(Arc::from(a), Seen { first, last });
    }
    Ok(())
}

/// Reads rows back into a two-string-key map.
pub fn load2(m: &mut SeenMap<(Arc<str>, Arc<str>)>, rows: Vec<Row>) -> Result<(), String> {
    for (k, first, last) in rows {
        let [a, b]: [String; 2] = k
            .try_into()
            .map_err(|_| "an item row needs two keys".to_string())?;
        m.merge((Arc::from(a), Arc::from(b)), Seen { first, last });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_widen_in_any_order() {
        let mut m = SeenMap::new(10);
        m.touch(&"a", 50);
        m.touch(&"a", 10);
        m.touch(&"a", 30);
        assert_eq!(
            m.get(&"a"),
            Some(Seen {
                first: 10,
                last: 50
            })
        );
        assert!(m.get(&"a").unwrap().is_new_at(12, 5));
        assert!(!m.get(&"a").unwrap().is_new_at(16, 5));
    }

    #[test]
    fn the_least_recently_seen_go_first() {
        let mut m = SeenMap::new(10);
        for i in 0..10 {
            m.touch(&i, i64::from(i));
        }
        m.touch(&0, 100);
        m.touch(&99, 101);
        assert_eq!(m.len(), 10);
        assert!(m.get(&0).is_some());
        assert!(m.get(&1).is_none());
    }

    #[test]
    fn hosts_are_learnt_for_the_learning_period() {
        let mut c = HostClock::new(10, 100);
        let h: Arc<str> = Arc::from("h");
        assert!(!c.learnt(&h, 0));
        assert!(!c.learnt(&h, 99));
        assert!(c.learnt(&h, 100));
    }
}
