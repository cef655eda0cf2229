//! Destination prevalence: how many of the organisation's hosts sent to a
//! destination (catalogued service and tenant, else domain) in the last
//! days. A destination many hosts use is the organisation's own habit
//! (its meeting service, its backup bucket, its file share), not one
//! host's exfiltration channel; the volume analytics leave it alone.
//! Bounded: per destination at most `common_hosts` hosts are kept, and
//! hosts not seen for `days` are dropped.

use super::common::service_key;
use super::transfers::DAY;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Most destinations followed; past it the least recently used half goes.
const MAX_DESTINATIONS: usize = 200_000;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Prevalence {
    /// Destination key → (host, last day seen), at most `common_hosts`.
    seen: FxHashMap<Arc<str>, Vec<(Arc<str>, i64)>>,
    #[serde(skip)]
    common_hosts: usize,
    #[serde(skip)]
    days: i64,
}

impl Prevalence {
    /// `common_hosts` = 0 turns the check off.
    pub fn new(common_hosts: usize, days: u32) -> Prevalence {
        Prevalence {
            seen: FxHashMap::default(),
            common_hosts,
            days: i64::from(days.max(1)),
        }
    }

    /// `host` sent something to `dest` at `ts` (µs).
    pub fn note(&mut self, dest: &Arc<str>, host: &Arc<str>, ts: i64) {
        if self.common_hosts == 0 {
            return;
        }
        let day = ts.div_euclid(DAY);
        if !self.seen.contains_key(dest) && self.seen.len() >= MAX_DESTINATIONS {
            self.shrink();
        }
        let hosts = self.seen.entry(dest.clone()).or_default();
        if let Some(h) = hosts.iter_mut().find(|(h, _)| h == host) {
            h.1 = h.1.max(day);
            return;
        }
        hosts.retain(|(_, d)| *d > day - self.days);
        if hosts.len() < self.common_hosts {
            hosts.push((host.clone(), day));
        }
    }

    /// Whether at least `common_hosts` hosts sent to `dest` in the last days.
    pub fn is_common(&self, dest: &Arc<str>, ts: i64) -> bool {
        if self.common_hosts == 0 {
            return false;
        }
        let day = ts.div_euclid(DAY);
        self.seen.get(dest).is_some_and(|hosts| {
            hosts.iter().filter(|(_, d)| *d > day - self.days).count() >= self.common_hosts
        })
    }

    /// Forgets hosts not seen within the last days (and emptied destinations).
    pub fn expire(&mut self, now: i64) {
        let day = now.div_euclid(DAY);
        let keep = self.days;
        self.seen.retain(|_, hosts| {
            hosts.retain(|(_, d)| *d > day - keep);
            !hosts.is_empty()
        });
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Takes the destinations of an earlier state (settings stay this run's).
    pub fn absorb(&mut self, other: Prevalence) {
        for (k, v) in other.seen {
            let hosts = self.seen.entry(current_key(k)).or_default();
            for (h, d) in v {
                match hosts.iter_mut().find(|(x, _)| *x == h) {
                    Some(e) => e.1 = e.1.max(d),
                    None => hosts.push((h, d)),
                }
            }
            hosts.truncate(self.common_hosts);
        }
    }

    fn shrink(&mut self) {
        let mut lasts: Vec<i64> = self
            .seen
            .values()
            .map(|v| v.iter().map(|(_, d)| *d).max().unwrap_or(0))
            .collect();
        let mid = lasts.len() / 2;
        let (_, cut, _) = lasts.select_nth_unstable(mid);
        let cut = *cut;
        self.seen
            .retain(|_, v| v.iter().map(|(_, d)| *d).max().unwrap_or(0) > cut);
    }
}

/// A destination key as this version spells it. States saved by earlier
/// versions spelt a service's tenant `id/Tenant`; it is now spelt as every
/// analytic spells it ([`service_key`]; a domain or an address holds no `/`).
fn current_key(k: Arc<str>) -> Arc<str> {
    match k.split_once('/') {
        Some((id, tenant)) => service_key(&Arc::from(id), Some(tenant)),
        None => k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_tenant_keys_take_this_versions_spelling() {
        let mut old = Prevalence::new(3, 7);
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a"), Arc::from("b"));
        old.note(&Arc::from("azure_blob/StgAcct"), &a, 0);
        old.note(&Arc::from("azure_blob:stgacct"), &b, DAY);
        old.note(&Arc::from("mega_nz"), &a, 0);
        let mut p = Prevalence::new(2, 7);
        p.absorb(old);
        assert_eq!(p.len(), 2, "the two spellings are one destination");
        p.note(&Arc::from("mega_nz"), &b, 0);
        assert!(p.is_common(&Arc::from("azure_blob:stgacct"), DAY));
        assert!(p.is_common(&Arc::from("mega_nz"), 0));
    }

    #[test]
    fn a_destination_becomes_common_with_enough_hosts_and_forgets_old_ones() {
        let mut p = Prevalence::new(3, 7);
        let d: Arc<str> = Arc::from("box");
        for h in ["a", "b"] {
            p.note(&d, &Arc::from(h), 0);
        }
        assert!(!p.is_common(&d, 0));
        p.note(&d, &Arc::from("a"), 1);
        assert!(!p.is_common(&d, 0), "one host twice is still one host");
        p.note(&d, &Arc::from("c"), 0);
        assert!(p.is_common(&d, 0));
        assert!(
            !p.is_common(&d, 8 * DAY),
            "hosts seen over a week ago are forgotten"
        );
        p.expire(8 * DAY);
        assert!(p.is_empty());
    }
}
