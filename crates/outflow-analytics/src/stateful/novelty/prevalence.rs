//! How many hosts of the organisation had reached a destination by a given
//! event time: per destination, the earliest hosts to reach it (at most
//! `per_dest`, enough to tell "few" from "many") with their spans.

use super::seen::{Row, Seen};
use rustc_hash::FxHashMap;
use std::sync::Arc;

pub struct Prevalence {
    users: FxHashMap<Arc<str>, FxHashMap<Arc<str>, Seen>>,
    /// Destination → when anyone last reached it (for eviction).
    last: FxHashMap<Arc<str>, i64>,
    max_dests: usize,
    per_dest: usize,
}

impl Prevalence {
    pub fn new(max_dests: usize, per_dest: usize) -> Self {
        Prevalence {
            users: FxHashMap::default(),
            last: FxHashMap::default(),
            max_dests: max_dests.max(1),
            per_dest: per_dest.max(1),
        }
    }

    /// Records that `host` reached `dest` at `t`; the pair's span, when kept.
    pub fn touch(&mut self, dest: &Arc<str>, host: &Arc<str>, t: i64) -> Option<Seen> {
        // Lookups first: destinations are nearly always known, and an entry
        // would clone the key for each flow.
        match self.last.get_mut(dest) {
            Some(last) => *last = (*last).max(t),
            None => {
                if self.last.len() >= self.max_dests {
                    self.evict();
                }
                self.last.insert(dest.clone(), t);
            }
        }
        if !self.users.contains_key(dest) {
            self.users.insert(dest.clone(), FxHashMap::default());
        }
        let users = self.users.get_mut(dest)?;
        if let Some(s) = users.get_mut(host) {
            s.touch(t);
            return Some(*s);
        }
        let s = Seen { first: t, last: t };
        if users.len() >= self.per_dest {
            // Keep the earliest hosts: counts "by time t" stay exact up to the cap.
            let latest = users
                .iter()
                .max_by_key(|(_, s)| s.first)
                .map(|(h, s)| (h.clone(), s.first));
            match latest {
                Some((h, first)) if first > t => {
                    users.remove(&h);
                }
                _ => return None,
            }
        }
        users.insert(host.clone(), s);
        Some(s)
    }

    /// Hosts that had reached `dest` at or before `t` (at most the cap).
    pub fn count(&self, dest: &Arc<str>, t: i64) -> usize {
        self.users
            .get(dest)
            .map(|u| u.values().filter(|s| s.first <= t).count())
            .unwrap_or(0)
    }

    /// Hosts other than `host` that had reached `dest` at or before `t`.
    pub fn count_others(&self, dest: &Arc<str>, host: &Arc<str>, t: i64) -> usize {
        self.users
            .get(dest)
            .map(|u| u.iter().filter(|(h, s)| s.first <= t && *h != host).count())
            .unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.users.values().map(|u| u.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Rows `[host, destination], first, last`, sorted.
    pub fn rows(&self) -> Vec<Row> {
        let mut v: Vec<Row> = self
            .users
            .iter()
            .flat_map(|(d, u)| {
                u.iter()
                    .map(move |(h, s)| (vec![h.to_string(), d.to_string()], s.first, s.last))
            })
            .collect();
        v.sort();
        v
    }

    /// Reads rows back.
    pub fn load(&mut self, rows: Vec<Row>) -> Result<(), String> {
        for (k, first, last) in rows {
            let [h, d]: [String; 2] = k
                .try_into()
                .map_err(|_| "an item row needs two keys".to_string())?;
            let (h, d): (Arc<str>, Arc<str>) = (Arc::from(h), Arc::from(d));
            self.touch(&d, &h, first);
            self.touch(&d, &h, last);
        }
        Ok(())
    }

    /// Drops the least recently reached tenth of the destinations.
    fn evict(&mut self) {
        let mut lasts: Vec<i64> = self.last.values().copied().collect();
        let n = (lasts.len() / 10).max(1).min(lasts.len());
        if n == 0 {
            return;
        }
        let (_, cut, _) = lasts.select_nth_unstable(n - 1);
        let cut = *cut;
        self.last.retain(|_, l| *l > cut);
        let keep = &self.last;
        self.users.retain(|d, _| keep.contains_key(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_time_keep_the_earliest_hosts() {
        let mut p = Prevalence::new(10, 2);
        let d: Arc<str> = Arc::from("d");
        let h = |s: &str| Arc::<str>::from(s);
        p.touch(&d, &h("late"), 300);
        p.touch(&d, &h("mid"), 200);
        p.touch(&d, &h("early"), 100);
        assert_eq!(p.count(&d, 150), 1);
        assert_eq!(p.count(&d, 250), 2);
        assert_eq!(p.count(&d, 1000), 2, "capped");
    }
}
