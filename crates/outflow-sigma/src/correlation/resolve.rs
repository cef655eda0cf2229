//! Turning parsed correlations into a runnable set: references resolved to
//! rules or other correlations (chains), cycles refused, aliases applied per
//! referenced rule, and which rules still alert on their own (`generate`).

use super::rule::{CorrelationRule, CorrelationType};
use crate::report::{Reject, RejectKind};
use crate::rule::Rule;
use rustc_hash::FxHashMap;

/// What one entry of `correlation.rules` refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Loaded rules with that id or name (several when an id is reused).
    Rules(Vec<usize>),
    /// Another correlation, by index in the set.
    Correlation(usize),
}

/// How a correlation's windows are decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Only lower bounds on a count or sum: decided as each event arrives,
    /// over the `timespan` ending at that event.
    Sliding,
    /// Upper bounds, `eq`/`neq`, averages and percentiles: decided once the
    /// window that the first event opened has closed.
    Closing,
}

/// A loaded correlation with its references resolved.
#[derive(Clone, Debug)]
pub struct Correlation {
    pub rule: CorrelationRule,
    /// One per entry of `rule.rules`.
    pub targets: Vec<Target>,
    /// Per referenced rule: the field to read for each `group-by` entry.
    pub group_fields: Vec<Vec<String>>,
    /// Per referenced rule: the fields of `condition.field`.
    pub value_fields: Vec<Vec<String>>,
    /// Whether this correlation reports alerts (not silenced by a chain).
    pub emits: bool,
    pub mode: Mode,
}

/// Every loaded correlation and the routes from matches into them.
#[derive(Clone, Debug, Default)]
pub struct CorrelationSet {
    pub list: Vec<Correlation>,
    /// Per rule index: (correlation, slot) pairs it feeds.
    pub from_rule: Vec<Vec<(u32, u16)>>,
    /// Per correlation index: (correlation, slot) pairs it feeds (chains).
    pub from_corr: Vec<Vec<(u32, u16)>>,
    /// Per rule index: silenced by `generate: false`.
    pub rule_silent: Vec<bool>,
}

fn reject(detail: impl Into<String>) -> Reject {
    Reject::new(RejectKind::Correlation, detail)
}

/// Resolves `cands` against the loaded rules. Returns the set and, for each
/// refused candidate, its index in `cands` and why.
pub fn build(
    cands: Vec<CorrelationRule>,
    rules: &[Rule],
) -> (CorrelationSet, Vec<(usize, Reject)>) {
    let mut rule_refs: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, r) in rules.iter().enumerate() {
        for key in [&r.meta.id, &r.meta.name].into_iter().flatten() {
            let v = rule_refs.entry(key.as_str()).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
    }
    let mut corr_refs: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, c) in cands.iter().enumerate() {
        for key in [&c.meta.id, &c.meta.name].into_iter().flatten() {
            let v = corr_refs.entry(key.as_str()).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
    }
    let n = cands.len();
    let mut dead: Vec<Option<Reject>> = vec![None; n];
    let mut targets: Vec<Vec<Target>> = vec![Vec::new(); n];
    for (ci, c) in cands.iter().enumerate() {
        match resolve_refs(ci, c, &rule_refs, &corr_refs) {
            Ok(t) => targets[ci] = t,
            Err(r) => dead[ci] = Some(r),
        }
    }
    // A correlation over a refused one is refused too (to a fixpoint).
    loop {
        let mut changed = false;
        for ci in 0..n {
            if dead[ci].is_some() {
                continue;
            }
            let bad = targets[ci].iter().find_map(|t| match t {
                Target::Correlation(d) if dead[*d].is_some() => Some(*d),
                _ => None,
            });
            if let Some(d) = bad {
                dead[ci] = Some(reject(format!(
                    "correlation.rules: correlation '{}' was not loaded",
                    label(&cands[d])
                )));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Kahn's algorithm: what never becomes ready is in, or behind, a cycle.
    let mut pending: Vec<usize> = (0..n)
        .map(|ci| {
            targets[ci]
                .iter()
                .filter(|t| matches!(t, Target::Correlation(_)))
                .count()
        })
        .collect();
    let mut ready: Vec<usize> = (0..n)
        .filter(|&ci| dead[ci].is_none() && pending[ci] == 0)
        .collect();
    let mut done = vec![false; n];
    while let Some(d) = ready.pop() {
        done[d] = true;
        for ci in 0..n {
            if dead[ci].is_none() && !done[ci] {
                let k = targets[ci]
                    .iter()
                    .filter(|t| **t == Target::Correlation(d))
                    .count();
                if k > 0 {
                    pending[ci] -= k;
                    if pending[ci] == 0 {
                        ready.push(ci);
                    }
                }
            }
        }
    }
    for ci in 0..n {
        if dead[ci].is_none() && !done[ci] {
            dead[ci] = Some(reject(
                "correlation.rules: reference cycle between correlations",
            ));
        }
    }
    assemble(cands, targets, dead, rules)
}

fn label(c: &CorrelationRule) -> &str {
    c.meta
        .name
        .as_deref()
        .or(c.meta.id.as_deref())
        .unwrap_or(&c.meta.title)
}

fn resolve_refs(
    ci: usize,
    c: &CorrelationRule,
    rule_refs: &FxHashMap<&str, Vec<usize>>,
    corr_refs: &FxHashMap<&str, Vec<usize>>,
) -> Result<Vec<Target>, Reject> {
    let mut out: Vec<Target> = Vec::new();
    for r in &c.rules {
        let t = match (rule_refs.get(r.as_str()), corr_refs.get(r.as_str())) {
            (Some(rs), None) => Target::Rules(rs.clone()),
            (None, Some(cs)) if cs.len() == 1 => {
                if cs[0] == ci {
                    return Err(reject(format!(
                        "correlation.rules: '{r}' is this correlation itself"
                    )));
                }
                Target::Correlation(cs[0])
            }
            (None, None) => {
                return Err(reject(format!(
                    "correlation.rules: '{r}' names no loaded rule or correlation"
                )))
            }
            _ => {
                return Err(reject(format!(
                    "correlation.rules: '{r}' is ambiguous (names several rules or correlations)"
                )))
            }
        };
        if out.contains(&t) {
            return Err(reject(format!(
                "correlation.rules: '{r}' refers to a rule already listed"
            )));
        }
        out.push(t);
    }
    // Alias keys must name one of the referenced rules.
    for a in &c.aliases {
        for (key, _) in &a.fields {
            if !c.rules.contains(key) {
                return Err(reject(format!(
                    "correlation.aliases.{}: '{key}' is not one of the correlation's rules",
                    a.name
                )));
            }
        }
    }
    Ok(out)
}

/// Keeps the live candidates, renumbers them, and derives fields and routes.
fn assemble(
    cands: Vec<CorrelationRule>,
    targets: Vec<Vec<Target>>,
    dead: Vec<Option<Reject>>,
    rules: &[Rule],
) -> (CorrelationSet, Vec<(usize, Reject)>) {
    let mut rejected = Vec::new();
    let mut new_index = vec![usize::MAX; cands.len()];
    let mut next = 0;
    for (ci, d) in dead.iter().enumerate() {
        if d.is_none() {
            new_index[ci] = next;
            next += 1;
        }
    }
    let mut set = CorrelationSet {
        from_rule: vec![Vec::new(); rules.len()],
        from_corr: vec![Vec::new(); next],
        rule_silent: vec![false; rules.len()],
        list: Vec::with_capacity(next),
    };
    for (ci, (c, (t, d))) in cands
        .into_iter()
        .zip(targets.into_iter().zip(dead))
        .enumerate()
    {
        if let Some(r) = d {
            rejected.push((ci, r));
            continue;
        }
        let t: Vec<Target> = t
            .into_iter()
            .map(|t| match t {
                Target::Correlation(d) => Target::Correlation(new_index[d]),
                other => other,
            })
            .collect();
        let per_slot = |names: &[String]| -> Vec<Vec<String>> {
            c.rules
                .iter()
                .map(|r| names.iter().map(|n| aliased(&c, r, n)).collect())
                .collect()
        };
        let group_fields = per_slot(&c.group_by);
        let value_fields = per_slot(&c.condition.fields);
        let sliding = matches!(
            c.kind,
            CorrelationType::EventCount
                | CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::Temporal
                | CorrelationType::TemporalOrdered
        ) && c.condition.only_lower_bounds();
        set.list.push(Correlation {
            rule: c,
            targets: t,
            group_fields,
            value_fields,
            emits: true,
            mode: if sliding {
                Mode::Sliding
            } else {
                Mode::Closing
            },
        });
    }
    // Routes, and `generate`: a referenced rule keeps its own alerts only
    // when at least one correlation referring to it says `generate: true`.
    let mut rule_keep = vec![None::<bool>; rules.len()];
    let mut corr_keep = vec![None::<bool>; set.list.len()];
    for (ci, c) in set.list.iter().enumerate() {
        for (slot, t) in c.targets.iter().enumerate() {
            let keep = c.rule.generate;
            match t {
                Target::Rules(rs) => {
                    for &r in rs {
                        set.from_rule[r].push((ci as u32, slot as u16));
                        let k = rule_keep[r].get_or_insert(false);
                        *k |= keep;
                    }
                }
                Target::Correlation(d) => {
                    set.from_corr[*d].push((ci as u32, slot as u16));
                    let k = corr_keep[*d].get_or_insert(false);
                    *k |= keep;
                }
            }
        }
    }
    for (r, k) in rule_keep.into_iter().enumerate() {
        set.rule_silent[r] = k == Some(false);
    }
    for (c, k) in corr_keep.into_iter().enumerate() {
        set.list[c].emits = k != Some(false);
    }
    (set, rejected)
}

/// The field for group-by (or value) `name` in events of rule reference `r`.
/// An alias without an entry for that rule falls back to its own name.
fn aliased(c: &CorrelationRule, r: &str, name: &str) -> String {
    c.aliases
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.fields.iter().find(|(k, _)| k == r))
        .map(|(_, f)| f.clone())
        .unwrap_or_else(|| name.to_string())
}
