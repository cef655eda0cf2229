//! The correlation engine's state: per correlation, per group key, the
//! window of matches; limits, counters, expiry and snapshots.

use super::alert::Fired;
use super::resolve::{CorrelationSet, Mode};
use super::subject::Obs;
use super::window::{Entry, Group, Hit, Late, Spec, Val};
use outflow_event::{EntitySlot, Event};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

const SNAPSHOT_VERSION: u32 = 1;
/// Joins group-by values into one map key.
const KEY_SEP: &str = "\u{1f}";

/// Memory bounds of the correlation engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationLimits {
    /// Group keys per correlation; a match for a new key beyond it is dropped.
    pub max_groups: usize,
    /// Matches kept per group; beyond it the oldest is dropped.
    pub max_events_per_group: usize,
    /// Evidence per alert: the first and the last this many events.
    pub evidence: usize,
}

impl Default for CorrelationLimits {
    fn default() -> Self {
        CorrelationLimits {
            max_groups: 100_000,
            max_events_per_group: 10_000,
            evidence: 5,
        }
    }
}

/// What the engine did, including every time a limit was hit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationStats {
    /// Rule (or chained correlation) matches that reached a correlation.
    pub matches: u64,
    /// Correlation windows that fired (alerts, emitted or silenced by a chain).
    pub fired: u64,
    /// Matches without an event time, which no window can hold.
    pub no_timestamp: u64,
    /// Matches lacking a group-by field (not counted in any group).
    pub missing_group_field: u64,
    /// Matches lacking `condition.field` (or, for sums and averages, a number in it).
    pub missing_value_field: u64,
    /// Matches older than their window (newest of the group or watermark, minus timespan).
    pub late_dropped: u64,
    /// Matches older than the window that last fired or closed for their group.
    pub late_after_reset: u64,
    /// Matches dropped because `max_groups` was reached.
    pub groups_limit_hit: u64,
    /// Oldest matches dropped because `max_events_per_group` was reached.
    pub events_limit_hit: u64,
    /// Groups freed by the watermark.
    pub groups_expired: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct CorrState {
    /// Which correlation this is, to refuse a snapshot of another rule set.
    id: String,
    groups: FxHashMap<String, Group>,
}

/// Serializable state of every correlation of a rule set.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CorrelationState {
    version: u32,
    limits: CorrelationLimits,
    /// Highest watermark seen; matches older than it minus timespan are late.
    watermark: Option<i64>,
    correlations: Vec<CorrState>,
    stats: CorrelationStats,
}

fn fingerprint(set: &CorrelationSet, i: usize) -> String {
    let r = &set.list[i].rule;
    format!(
        "{}:{}",
        r.meta.id.as_deref().unwrap_or(&r.meta.title),
        r.kind.as_str()
    )
}

impl CorrelationState {
    pub fn new(set: &CorrelationSet, limits: CorrelationLimits) -> Self {
        CorrelationState {
            version: SNAPSHOT_VERSION,
            limits,
            watermark: None,
            correlations: (0..set.list.len())
                .map(|i| CorrState {
                    id: fingerprint(set, i),
                    groups: FxHashMap::default(),
                })
                .collect(),
            stats: CorrelationStats::default(),
        }
    }

    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// State from [`Self::snapshot`], refused unless taken with the same correlations.
    pub fn restore(set: &CorrelationSet, v: &serde_json::Value) -> Result<Self, String> {
        let s =
            CorrelationState::deserialize(v).map_err(|e| format!("correlation snapshot: {e}"))?;
        if s.version != SNAPSHOT_VERSION {
            return Err(format!(
                "correlation snapshot version {} (expected {SNAPSHOT_VERSION})",
                s.version
            ));
        }
        let same = s.correlations.len() == set.list.len()
            && s.correlations
                .iter()
                .enumerate()
                .all(|(i, c)| c.id == fingerprint(set, i));
        if !same {
            return Err("correlation snapshot was taken with other correlation rules".into());
        }
        Ok(s)
    }

    pub fn stats(&self) -> &CorrelationStats {
        &self.stats
    }

    pub fn limits(&self) -> &CorrelationLimits {
        &self.limits
    }

    /// Groups currently held, over all correlations.
    pub fn group_count(&self) -> usize {
        self.correlations.iter().map(|c| c.groups.len()).sum()
    }

    /// Matches currently held, over all correlations.
    pub fn entry_count(&self) -> usize {
        self.correlations
            .iter()
            .flat_map(|c| c.groups.values())
            .map(|g| g.entries.len())
            .sum()
    }

    /// Feeds the rules `hits` that matched `event` to the correlations over them.
    pub fn on_matches(
        &mut self,
        set: &CorrelationSet,
        event: &Event,
        hits: &[usize],
        out: &mut Vec<Fired>,
    ) {
        let mut feeds: Vec<(u32, u16)> = hits
            .iter()
            .filter_map(|&i| set.from_rule.get(i))
            .flatten()
            .copied()
            .collect();
        if feeds.is_empty() {
            return;
        }
        feeds.sort_unstable();
        feeds.dedup();
        let Some(ts) = event.ts else {
            self.stats.no_timestamp += feeds.len() as u64;
            return;
        };
        let obs = Obs {
            ts: ts.0,
            origin: event.origin.clone(),
            event: Some(event),
            pairs: &[],
            host: event.entity_str(EntitySlot::Host).map(|c| c.into_owned()),
            user: event.entity_str(EntitySlot::User).map(|c| c.into_owned()),
        };
        let start = out.len();
        // One observation per correlation, with every slot the event matched.
        for chunk in feeds.chunk_by(|a, b| a.0 == b.0) {
            let slots: Vec<u16> = chunk.iter().map(|f| f.1).collect();
            self.observe(set, chunk[0].0 as usize, &slots, &obs, out);
        }
        self.chain(set, start, Some(event), out);
    }

    /// Fired correlations from `start` on feed the correlations over them,
    /// whose firings are appended and fed in turn (the graph is acyclic).
    fn chain(
        &mut self,
        set: &CorrelationSet,
        start: usize,
        event: Option<&Event>,
        out: &mut Vec<Fired>,
    ) {
        let mut k = start;
        while k < out.len() {
            let f = out[k].clone();
            k += 1;
            let Some(origin) = f.evidence.last().cloned() else {
                continue;
            };
            let obs = Obs {
                ts: f.ts,
                origin,
                event,
                pairs: &f.pairs,
                host: f.host.clone(),
                user: f.user.clone(),
            };
            for &(p, slot) in set.from_corr.get(f.corr).into_iter().flatten() {
                self.observe(set, p as usize, &[slot], &obs, out);
            }
        }
    }

    fn observe(
        &mut self,
        set: &CorrelationSet,
        c: usize,
        slots: &[u16],
        obs: &Obs,
        out: &mut Vec<Fired>,
    ) {
        let (Some(corr), Some(state)) = (set.list.get(c), self.correlations.get_mut(c)) else {
            return;
        };
        let stats = &mut self.stats;
        stats.matches += 1;
        let Some(&slot0) = slots.first() else { return };
        let rule = &corr.rule;
        let span = rule.timespan.nanos;
        let mut values = Vec::with_capacity(rule.group_by.len());
        for f in &corr.group_fields[slot0 as usize] {
            match obs.text(f) {
                Some(v) => values.push(v.into_owned()),
                None => {
                    stats.missing_group_field += 1;
                    return;
                }
            }
        }
        let fields = &corr.value_fields[slot0 as usize];
        let val = if rule.kind.is_numeric() {
            match fields.first().and_then(|f| obs.number(f)) {
                Some(n) => Val::Num(n),
                None => {
                    stats.missing_value_field += 1;
                    return;
                }
            }
        } else if rule.kind.needs_field() {
            let parts: Option<Vec<String>> = fields
                .iter()
                .map(|f| obs.text(f).map(|c| c.into_owned()))
                .collect();
            match parts {
                Some(p) => Val::Text(p.join(KEY_SEP)),
                None => {
                    stats.missing_value_field += 1;
                    return;
                }
            }
        } else {
            Val::None
        };
        if self
            .watermark
            .is_some_and(|w| obs.ts < w.saturating_sub(span))
        {
            stats.late_dropped += 1;
            return;
        }
        let key = values.join(KEY_SEP);
        if !state.groups.contains_key(&key) && state.groups.len() >= self.limits.max_groups {
            stats.groups_limit_hit += 1;
            return;
        }
        let closing = corr.mode == Mode::Closing;
        let g = state.groups.entry(key).or_insert_with(|| Group {
            values,
            ..Group::default()
        });
        match g.admits(obs.ts, span, closing) {
            Ok(()) => {}
            Err(Late::Window) => {
                stats.late_dropped += 1;
                return;
            }
            Err(Late::AfterReset) => {
                stats.late_after_reset += 1;
                return;
            }
        }
        if g.entries.back().is_none_or(|b| obs.ts >= b.ts) {
            if obs.host.is_some() {
                g.host.clone_from(&obs.host);
            }
            if obs.user.is_some() {
                g.user.clone_from(&obs.user);
            }
        }
        // Temporal types keep one entry per referenced rule the event matched;
        // the others count the event once.
        let per_slot = if rule.kind.is_temporal() {
            slots
        } else {
            &slots[..1]
        };
        let mut k = usize::MAX;
        for &slot in per_slot {
            k = k.min(g.insert(Entry {
                ts: obs.ts,
                slot,
                val: val.clone(),
                origin: obs.origin.clone(),
            }));
        }
        let mut removed = g.cap(self.limits.max_events_per_group);
        stats.events_limit_hit += removed as u64;
        let spec = Spec {
            kind: rule.kind,
            condition: &rule.condition,
            span,
            n_slots: rule.rules.len(),
            evidence: self.limits.evidence,
        };
        let mut hits = Vec::new();
        if closing {
            let now = g.entries.back().map(|b| b.ts);
            g.close(now, &spec, &mut hits);
        } else {
            let newest = g.entries.back().map_or(obs.ts, |b| b.ts);
            removed += g.prune_before(newest.saturating_sub(span.saturating_mul(2)));
            // Unless the new entry itself was dropped (it was the oldest).
            if removed <= k {
                hits.extend(g.slide(k - removed, obs.ts, &spec));
            }
        }
        for h in hits {
            stats.fired += 1;
            out.push(fired(c, h, &rule.group_by, g));
        }
    }

    /// Event time has reached `w`: closes windows that ended before it,
    /// drops entries no window can use, frees empty groups.
    pub fn advance(&mut self, set: &CorrelationSet, w: i64, out: &mut Vec<Fired>) {
        if self.watermark.is_some_and(|old| w <= old) {
            return;
        }
        self.watermark = Some(w);
        let start = out.len();
        self.sweep(set, Some(w), out);
        self.chain(set, start, None, out);
    }

    /// End of input: every open window is judged now.
    pub fn finish(&mut self, set: &CorrelationSet, out: &mut Vec<Fired>) {
        let start = out.len();
        self.sweep(set, None, out);
        self.chain(set, start, None, out);
    }

    fn sweep(&mut self, set: &CorrelationSet, w: Option<i64>, out: &mut Vec<Fired>) {
        for (c, state) in self.correlations.iter_mut().enumerate() {
            let Some(corr) = set.list.get(c) else {
                continue;
            };
            let rule = &corr.rule;
            let span = rule.timespan.nanos;
            let spec = Spec {
                kind: rule.kind,
                condition: &rule.condition,
                span,
                n_slots: rule.rules.len(),
                evidence: self.limits.evidence,
            };
            let mut fired_here: Vec<(String, Fired)> = Vec::new();
            for (key, g) in state.groups.iter_mut() {
                match (corr.mode, w) {
                    (Mode::Closing, _) => {
                        let mut hits = Vec::new();
                        g.close(w, &spec, &mut hits);
                        for h in hits {
                            fired_here.push((key.clone(), fired(c, h, &rule.group_by, g)));
                        }
                    }
                    (Mode::Sliding, Some(w)) => {
                        g.prune_before(w.saturating_sub(span.saturating_mul(2)));
                    }
                    (Mode::Sliding, None) => {}
                }
            }
            if let Some(w) = w {
                let before = state.groups.len();
                let horizon = w.saturating_sub(span);
                state.groups.retain(|_, g| {
                    !g.entries.is_empty() || g.reset_at.is_some_and(|r| r >= horizon)
                });
                self.stats.groups_expired += (before - state.groups.len()) as u64;
            }
            // Map order is not stable across a restore: report in time, then key, order.
            fired_here.sort_by(|a, b| a.1.ts.cmp(&b.1.ts).then_with(|| a.0.cmp(&b.0)));
            self.stats.fired += fired_here.len() as u64;
            out.extend(fired_here.into_iter().map(|(_, f)| f));
        }
    }
}

fn fired(c: usize, h: Hit, group_by: &[String], g: &Group) -> Fired {
    Fired {
        corr: c,
        ts: h.ts,
        evidence: h.evidence,
        pairs: group_by
            .iter()
            .cloned()
            .zip(g.values.iter().cloned())
            .collect(),
        host: g.host.clone(),
        user: g.user.clone(),
    }
}
