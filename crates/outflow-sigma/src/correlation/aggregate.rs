//! What a window of matches measures, per correlation type.

use super::rule::CorrelationType;
use super::window::{Entry, Val};
use rustc_hash::{FxHashMap, FxHashSet};

/// The number the condition is compared with. `None` when the window holds
/// nothing to measure (an average of no numbers). Not for `value_percentile`,
/// which is measured per value ([`rare_values`]).
pub fn measure(kind: CorrelationType, n_slots: usize, window: &[&Entry]) -> Option<f64> {
    Some(match kind {
        CorrelationType::EventCount => window.len() as f64,
        CorrelationType::ValueCount => {
            let distinct: FxHashSet<&str> = window.iter().filter_map(|e| text(e)).collect();
            distinct.len() as f64
        }
        CorrelationType::ValueSum => window.iter().filter_map(|e| num(e)).sum(),
        CorrelationType::ValueAvg => {
            let nums: Vec<f64> = window.iter().filter_map(|e| num(e)).collect();
            if nums.is_empty() {
                return None;
            }
            nums.iter().sum::<f64>() / nums.len() as f64
        }
        CorrelationType::Temporal => {
            let slots: FxHashSet<u16> = window.iter().map(|e| e.slot).collect();
            slots.len() as f64
        }
        CorrelationType::TemporalOrdered => ordered_prefix(n_slots, window) as f64,
        CorrelationType::ValuePercentile => return None,
    })
}

/// How many of the referenced rules, from the first, matched in that order
/// (equal times count as in order). `window` is sorted by time.
fn ordered_prefix(n_slots: usize, window: &[&Entry]) -> usize {
    let mut prev = i64::MIN;
    let mut from = 0;
    for stage in 0..n_slots {
        let found = window[from..]
            .iter()
            .position(|e| e.slot as usize == stage && e.ts >= prev);
        match found {
            Some(p) => {
                prev = window[from + p].ts;
                // Equal-time entries before the found one may still serve later stages.
                from = window.partition_point(|e| e.ts < prev);
            }
            None => return stage,
        }
    }
    n_slots
}

/// `value_percentile`: the entries whose value makes up a share (in percent
/// of the window's values) that satisfies `holds`.
pub fn rare_values<'a>(window: &[&'a Entry], holds: impl Fn(f64) -> bool) -> Vec<&'a Entry> {
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for e in window {
        if let Some(t) = text(e) {
            *counts.entry(t).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    if total == 0 {
        return Vec::new();
    }
    window
        .iter()
        .copied()
        .filter(|e| text(e).is_some_and(|t| holds(counts[t] as f64 * 100.0 / total as f64)))
        .collect()
}

fn text(e: &Entry) -> Option<&str> {
    match &e.val {
        Val::Text(t) => Some(t),
        _ => None,
    }
}

fn num(e: &Entry) -> Option<f64> {
    match e.val {
        Val::Num(n) => Some(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outflow_event::{Origin, Position};
    use std::sync::Arc;

    fn e(ts: i64, slot: u16) -> Entry {
        Entry {
            ts,
            slot,
            val: Val::None,
            origin: Origin {
                file: Arc::from("f"),
                position: Position::Line(ts as u64),
            },
        }
    }

    #[test]
    fn ordered_prefix_greedy_and_ties() {
        let w = [e(1, 1), e(2, 0), e(3, 2), e(4, 1), e(5, 2)];
        let r: Vec<&Entry> = w.iter().collect();
        assert_eq!(ordered_prefix(3, &r), 3);
        let w = [e(1, 2), e(2, 1), e(3, 0)];
        let r: Vec<&Entry> = w.iter().collect();
        assert_eq!(ordered_prefix(3, &r), 1);
        // Same time, stored in the "wrong" order: still in order.
        let w = [e(5, 1), e(5, 0)];
        let r: Vec<&Entry> = w.iter().collect();
        assert_eq!(ordered_prefix(2, &r), 2);
    }
}
