//! The correlate-and-score stage: findings arrive in (about) event-time
//! order; risk accumulates per entity (host, user) over a sliding window;
//! an incident opens on a critical alert, on accumulated risk over the
//! threshold, or when different rules agree on one entity and destination.
//! Findings are held until their fate is known (their incident closed, or
//! their window closed without one) and released in time order with their
//! `incident_id`, so memory holds one window of alerts at most. Ids are
//! given when an incident closes, from its earliest alert, so they do not
//! depend on the order in which the reader threads delivered alerts.

use crate::config::Settings;
use crate::entity::{self, Aliases};
use crate::incident::{Building, Incident, Linked, Trigger};
use outflow_detect::Finding;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Event time between two prunings of the per-entity state, in ns.
const PRUNE_EVERY: i64 = 60_000_000_000;

/// One alert's share of an entity's risk.
struct Contribution {
    time: i64,
    rule: Arc<str>,
    risk: u8,
    /// What the alert's destination is (service, else host name, else address).
    destination: Option<Arc<str>>,
}

/// A finding waiting for its fate.
struct Held {
    finding: Finding,
    keys: Vec<String>,
    /// The open incident it joined; its id is written when the incident closes.
    incident: Option<u64>,
}

/// What the stage did, for summaries and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CorrelateStats {
    pub alerts: u64,
    pub grouped_alerts: u64,
    pub incidents: u64,
    /// Alerts that arrived after their window had closed (raise `lateness`).
    pub late_alerts: u64,
    /// Most findings held at once (bounded by one window of alerts).
    pub peak_held: usize,
}

pub struct Correlator {
    settings: Settings,
    aliases: Aliases,
    seq: u64,
    /// Held findings by (time, arrival).
    queue: BTreeMap<(i64, u64), Held>,
    ledgers: FxHashMap<String, VecDeque<Contribution>>,
    /// Incidents still gathering alerts, by number.
    open: BTreeMap<u64, Building>,
    /// Entity key -> the open incident that owns it.
    owner: FxHashMap<String, u64>,
    next_incident: u64,
    /// Actor (user or address) -> its recent alerts, for linked artifacts.
    actors: FxHashMap<String, VecDeque<Linked>>,
    closed: Vec<Incident>,
    watermark: i64,
    last_prune: i64,
    pub stats: CorrelateStats,
}

/// What names a destination for agreement between rules.
fn destination_key(f: &Finding) -> Option<Arc<str>> {
    let d = f.destination.as_ref()?;
    let text = d
        .service
        .clone()
        .or_else(|| d.domain.clone())
        .or_else(|| d.ip.clone())?;
    Some(Arc::from(text.to_lowercase()))
}

impl Correlator {
    pub fn new(settings: Settings) -> Correlator {
        Correlator {
            aliases: Aliases::new(&settings),
            settings,
            seq: 0,
            queue: BTreeMap::new(),
            ledgers: FxHashMap::default(),
            open: BTreeMap::new(),
            owner: FxHashMap::default(),
            next_incident: 0,
            actors: FxHashMap::default(),
            closed: Vec::new(),
            watermark: i64::MIN,
            last_prune: i64::MIN,
            stats: CorrelateStats::default(),
        }
    }

    /// Findings held now.
    pub fn held(&self) -> usize {
        self.queue.len()
    }

    /// Incidents closed since the last call.
    pub fn take_closed(&mut self) -> Vec<Incident> {
        std::mem::take(&mut self.closed)
    }

    /// Takes one finding; releases into `out` what is decided.
    pub fn push(&mut self, f: Finding, out: &mut Vec<Finding>) {
        self.stats.alerts += 1;
        self.aliases.learn(&f);
        let Some(ts) = f.timestamp else {
            // Without a time it cannot be windowed: passed on as it is.
            out.push(f);
            return;
        };
        let t = ts.0;
        if t.saturating_add(self.settings.window_ns()) < self.watermark {
            // Its window closed before it came: grouped only with what is still held.
            self.stats.late_alerts += 1;
        }
        self.seq += 1;
        let seq = self.seq;
        let keys = entity::keys(&f, &self.aliases, &self.settings.shared_users);
        let incident = if let Some(n) = self.joinable(&keys, t) {
            self.join(n, &f, seq, &keys);
            Some(n)
        } else {
            self.contribute(&f, &keys, t);
            self.trigger(&f, &keys, t)
                .map(|trigger| self.open_incident(trigger, &f, seq, &keys, t))
        };
        self.remember_actor(&f, seq, &keys, t);
        self.queue.insert(
            (t, seq),
            Held {
                finding: f,
                keys,
                incident,
            },
        );
        self.stats.peak_held = self.stats.peak_held.max(self.queue.len());
        self.release(out);
    }

    /// Event time reached `now` (ns): incidents past their gap close,
    /// findings whose window ended without an incident are released.
    pub fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        // Decisions wait `lateness` behind the newest event time.
        self.watermark = self
            .watermark
            .max(now.saturating_sub(self.settings.lateness_ns()));
        let (gap, span) = (self.settings.join_gap_ns(), self.settings.max_span_ns());
        let done: Vec<u64> = self
            .open
            .iter()
            .filter(|(_, b)| {
                let first = b.first.map_or(i64::MIN, |t| t.0);
                let last = b.last.map_or(i64::MIN, |t| t.0);
                self.watermark > last.saturating_add(gap).min(first.saturating_add(span))
            })
            .map(|(n, _)| *n)
            .collect();
        for n in done {
            self.close(n);
        }
        self.release(out);
        if self.watermark.saturating_sub(self.last_prune) >= PRUNE_EVERY {
            self.last_prune = self.watermark;
            self.prune();
        }
    }

    /// End of input: every incident closes and every finding is released.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        let numbers: Vec<u64> = self.open.keys().copied().collect();
        for n in numbers {
            self.close(n);
        }
        out.extend(
            std::mem::take(&mut self.queue)
                .into_values()
                .map(|h| h.finding),
        );
        self.ledgers.clear();
        self.actors.clear();
    }

    /// Releases held findings from the oldest while each is decided.
    fn release(&mut self, out: &mut Vec<Finding>) {
        let window = self.settings.window_ns();
        while let Some(entry) = self.queue.first_entry() {
            let (t, _) = *entry.key();
            let held = entry.get();
            // Grouped alerts leave with their incident's id, when it closes.
            let decided = held.finding.incident_id.is_some()
                || (held.incident.is_none() && t.saturating_add(window) < self.watermark);
            if !decided {
                break;
            }
            out.push(entry.remove().finding);
        }
    }

    /// The oldest open incident that owns one of `keys` and still takes alerts at `t`.
    fn joinable(&self, keys: &[String], t: i64) -> Option<u64> {
        let (gap, span) = (self.settings.join_gap_ns(), self.settings.max_span_ns());
        keys.iter()
            .filter_map(|k| self.owner.get(k))
            .filter(|n| {
                self.open.get(n).is_some_and(|b| {
                    let first = b.first.map_or(t, |x| x.0);
                    let last = b.last.map_or(t, |x| x.0);
                    t <= last.saturating_add(gap) && t <= first.saturating_add(span)
                })
            })
            .min()
            .copied()
    }

    fn join(&mut self, n: u64, f: &Finding, seq: u64, keys: &[String]) {
        let Some(b) = self.open.get_mut(&n) else {
            return;
        };
        b.add(f, seq, keys, self.settings.chain_cap);
        self.stats.grouped_alerts += 1;
        for k in keys {
            b.keys.insert(k.clone());
            self.owner.entry(k.clone()).or_insert(n);
        }
    }

    fn contribute(&mut self, f: &Finding, keys: &[String], t: i64) {
        let rule: Arc<str> = Arc::from(f.rule.id.as_str());
        let destination = destination_key(f);
        for k in keys {
            let ledger = self.ledgers.entry(k.clone()).or_default();
            if ledger.len() >= self.settings.entity_cap {
                ledger.pop_front();
            }
            ledger.push_back(Contribution {
                time: t,
                rule: rule.clone(),
                risk: f.risk_score,
                destination: destination.clone(),
            });
        }
    }

    /// Whether this finding opens an incident, and why.
    fn trigger(&self, f: &Finding, keys: &[String], t: i64) -> Option<Trigger> {
        if f.risk_score >= self.settings.critical {
            return Some(Trigger::Critical);
        }
        let since = t.saturating_sub(self.settings.window_ns());
        let mut agreement = false;
        for k in keys {
            let Some(ledger) = self.ledgers.get(k) else {
                continue;
            };
            let recent = ledger.iter().filter(|c| c.time >= since);
            let mut per_rule: BTreeMap<&str, u8> = BTreeMap::new();
            let mut per_destination: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            let mut repeats: BTreeMap<&str, u32> = BTreeMap::new();
            for c in recent {
                let r = per_rule.entry(&c.rule).or_insert(0);
                *r = (*r).max(c.risk);
                if c.risk >= self.settings.repeat_min_risk {
                    *repeats.entry(&c.rule).or_insert(0) += 1;
                }
                if let Some(d) = c.destination.as_deref() {
                    if c.risk >= self.settings.agreement_min_risk {
                        per_destination.entry(d).or_default().insert(&c.rule);
                    }
                }
            }
            let total: u32 = per_rule.values().map(|r| u32::from(*r)).sum();
            if total >= self.settings.threshold {
                return Some(Trigger::Threshold);
            }
            if self.settings.repeat > 0 && repeats.values().any(|n| *n >= self.settings.repeat) {
                return Some(Trigger::Repeated);
            }
            agreement |= per_destination
                .values()
                .any(|rules| rules.len() >= self.settings.agreement);
        }
        agreement.then_some(Trigger::Agreement)
    }

    /// Opens an incident around `f`: every held, ungrouped finding of the
    /// same entities within the window joins it (and their entities too).
    fn open_incident(
        &mut self,
        trigger: Trigger,
        f: &Finding,
        seq: u64,
        keys: &[String],
        t: i64,
    ) -> u64 {
        let since = t.saturating_sub(self.settings.window_ns());
        let mut entities: BTreeSet<String> = keys.iter().cloned().collect();
        let mut members: BTreeSet<(i64, u64)> = BTreeSet::new();
        // Entities grow as members join: repeat until nothing new joins.
        loop {
            let before = members.len();
            for (at, h) in self.queue.range((since, 0)..) {
                if h.incident.is_none()
                    && h.finding.incident_id.is_none()
                    && !members.contains(at)
                    && h.keys.iter().any(|k| entities.contains(k))
                {
                    members.insert(*at);
                    entities.extend(h.keys.iter().cloned());
                }
            }
            if members.len() == before {
                break;
            }
        }
        let n = self.next_incident;
        self.next_incident += 1;
        let mut b = Building::new(trigger);
        for at in &members {
            if let Some(h) = self.queue.get_mut(at) {
                h.incident = Some(n);
                b.add(&h.finding, at.1, &h.keys, self.settings.chain_cap);
                self.stats.grouped_alerts += 1;
            }
        }
        b.add(f, seq, keys, self.settings.chain_cap);
        self.stats.grouped_alerts += 1;
        self.stats.incidents += 1;
        for k in &entities {
            // Its risk is spent on this incident, and later alerts of these
            // entities join it (not an older one past its span, still open).
            self.ledgers.remove(k);
            self.owner.insert(k.clone(), n);
        }
        b.keys = entities;
        self.open.insert(n, b);
        n
    }

    fn remember_actor(&mut self, f: &Finding, seq: u64, keys: &[String], t: i64) {
        let since = t.saturating_sub(self.settings.linked_lookback_ns());
        for k in keys.iter().filter(|k| entity::is_actor(k)) {
            let ring = self.actors.entry(k.clone()).or_default();
            while ring
                .front()
                .is_some_and(|l| l.time.is_some_and(|x| x.0 < since))
            {
                ring.pop_front();
            }
            if ring.len() >= self.settings.linked_cap.max(1) {
                ring.pop_front();
            }
            ring.push_back(Linked::of(f, seq, k.clone()));
        }
    }

    fn close(&mut self, n: u64) {
        let Some(mut b) = self.open.remove(&n) else {
            return;
        };
        self.owner.retain(|_, o| *o != n);
        let last = b.last.map_or(i64::MAX, |t| t.0);
        let mut seen: BTreeSet<u64> = BTreeSet::new();
        for k in b.keys.iter().filter(|k| entity::is_actor(k)) {
            for l in self.actors.get(k).into_iter().flatten() {
                let in_time = l.time.is_some_and(|x| x.0 <= last);
                if in_time && !b.has_member(l.seq) && seen.insert(l.seq) {
                    if b.linked.len() >= self.settings.linked_cap {
                        break;
                    }
                    b.linked.push(l.clone());
                }
            }
        }
        let incident = b.finish();
        for h in self.queue.values_mut().filter(|h| h.incident == Some(n)) {
            h.finding.incident_id = Some(incident.id.clone());
        }
        self.closed.push(incident);
    }

    /// Drops risk and actor history older than their windows.
    fn prune(&mut self) {
        let since = self.watermark.saturating_sub(self.settings.window_ns());
        self.ledgers.retain(|_, l| {
            while l.front().is_some_and(|c| c.time < since) {
                l.pop_front();
            }
            !l.is_empty()
        });
        let since = self
            .watermark
            .saturating_sub(self.settings.linked_lookback_ns());
        self.actors.retain(|_, ring| {
            while ring
                .front()
                .is_some_and(|l| l.time.is_some_and(|x| x.0 < since))
            {
                ring.pop_front();
            }
            !ring.is_empty()
        });
    }

    /// Keys with risk or history held (for bounds in tests and summaries).
    pub fn state_len(&self) -> usize {
        self.queue.len() + self.ledgers.len() + self.actors.len() + self.open.len()
    }
}
