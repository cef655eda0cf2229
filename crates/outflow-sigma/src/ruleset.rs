//! A compiled rule set: loading with a full report, logsource routing and
//! matching one event against every rule that applies to it.

use crate::atoms::Atoms;
use crate::correlation::resolve::{self, CorrelationSet};
use crate::correlation::{Correlation, CorrelationRule};
use crate::docs;
use crate::index::{FieldIndex, FieldNames, View};
use crate::pipeline::Pipeline;
use crate::placeholders::Placeholders;
use crate::prefilter::{Hits, Prefilter};
use crate::report::{DocKind, LoadEntry, LoadReport, Outcome, Reject, RejectKind};
use crate::rule::{compile_doc, doc_kind, Compiled, Filter, Rule, RuleLogSource};
use outflow_event::{Event, LogSource};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

type RouteKey = (Option<String>, Option<String>, Option<String>);

/// Loaded rules and filters, ready to match.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    filters: Vec<Filter>,
    /// Rules by their (product, category, service) as written, lowercase.
    routes: FxHashMap<RouteKey, Vec<u32>>,
    /// Whether plans gate rules with a prefilter.
    prefilter: bool,
    /// Ids of the field names rules and filters refer to.
    fields: FieldNames,
    /// Ids of the atoms rules and filters read.
    atoms: Atoms,
    /// Per distinct event logsource list: candidates and their prefilter.
    plans: PlanCache,
    /// Tells a [`MatchScratch`] which set its cached state belongs to.
    id: u64,
    correlations: CorrelationSet,
}

/// What matching needs for one event logsource list.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Rules whose logsource fits, in load order.
    candidates: Vec<u32>,
    /// Candidates evaluated whatever the prefilter finds, in load order.
    always: Vec<u32>,
    prefilter: Option<Prefilter>,
}

/// Plans built so far, shared by every caller of the set.
#[derive(Default)]
struct PlanCache(RwLock<FxHashMap<Vec<LogSource>, Arc<Plan>>>);

impl Clone for PlanCache {
    fn clone(&self) -> Self {
        PlanCache::default()
    }
}

impl std::fmt::Debug for PlanCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.read().map(|m| m.len()).unwrap_or(0);
        write!(f, "PlanCache({n} plans)")
    }
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Per-caller scratch: the plan of the last logsource list seen, so
/// consecutive events of one source route without hashing, and the
/// per-event field index and prefilter flags.
#[derive(Clone, Debug, Default)]
pub struct MatchScratch {
    /// The set the cached state belongs to.
    set: u64,
    last: Option<Arc<[LogSource]>>,
    plan: Option<Arc<Plan>>,
    index: FieldIndex,
    /// Prefilter state for the current event.
    hits: Hits,
    /// Rules to evaluate for the current event.
    eval: Vec<u32>,
}

impl RuleSet {
    /// Loads every rule file under `paths` (files or directories).
    pub fn load(paths: &[PathBuf], placeholders: Option<&Placeholders>) -> (RuleSet, LoadReport) {
        RuleSet::load_with_pipelines(paths, placeholders, &[])
    }

    /// Like [`RuleSet::load`], with pySigma processing pipelines applied to
    /// every document before it is compiled (lower priority first).
    pub fn load_with_pipelines(
        paths: &[PathBuf],
        placeholders: Option<&Placeholders>,
        pipelines: &[Pipeline],
    ) -> (RuleSet, LoadReport) {
        let mut b = Builder {
            pipelines: pipelines.to_vec(),
            ..Builder::default()
        };
        for f in docs::expand_paths(paths) {
            match f {
                Ok(path) => match std::fs::read_to_string(&path) {
                    Ok(text) => b.add_text(&path, &text, placeholders),
                    Err(e) => b.file_error(&path, Reject::new(RejectKind::Io, e.to_string())),
                },
                Err((path, e)) => b.file_error(&path, Reject::new(RejectKind::Io, e)),
            }
        }
        b.finish()
    }

    /// Loads rules from YAML text (`name` stands for the file in the report).
    pub fn from_yaml(
        name: &str,
        text: &str,
        placeholders: Option<&Placeholders>,
    ) -> (RuleSet, LoadReport) {
        let mut b = Builder::default();
        b.add_text(Path::new(name), text, placeholders);
        b.finish()
    }

    /// Loads rules from several named YAML texts (a rule pack compiled into
    /// the binary); each name stands for its file in the report.
    pub fn from_texts(
        texts: &[(&str, &str)],
        placeholders: Option<&Placeholders>,
    ) -> (RuleSet, LoadReport) {
        let mut b = Builder::default();
        for (name, text) in texts {
            b.add_text(Path::new(name), text, placeholders);
        }
        b.finish()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    /// Loaded correlation rules, references resolved.
    pub fn correlations(&self) -> &[Correlation] {
        &self.correlations.list
    }

    pub(crate) fn correlation_set(&self) -> &CorrelationSet {
        &self.correlations
    }

    /// Whether rule `i` reports its own matches; `false` when only
    /// correlations with `generate: false` (the default) refer to it.
    pub fn rule_emits(&self, i: usize) -> bool {
        !self
            .correlations
            .rule_silent
            .get(i)
            .copied()
            .unwrap_or(false)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Indices of the rules whose logsource fits one of the event's.
    pub fn candidates<'s>(
        &self,
        logsources: &[LogSource],
        scratch: &'s mut MatchScratch,
    ) -> &'s [u32] {
        self.plan_for(logsources, None, scratch);
        match &scratch.plan {
            Some(p) => &p.candidates,
            None => &[],
        }
    }

    /// Makes `scratch.plan` the plan for `logsources` (`shared`: the same
    /// list as an `Arc`, which makes the common case a pointer comparison).
    fn plan_for(
        &self,
        logsources: &[LogSource],
        shared: Option<&Arc<[LogSource]>>,
        scratch: &mut MatchScratch,
    ) {
        if scratch.set != self.id {
            scratch.set = self.id;
            scratch.last = None;
            scratch.plan = None;
            scratch.index.reset();
        }
        if let (Some(last), Some(_)) = (&scratch.last, &scratch.plan) {
            if shared.is_some_and(|s| Arc::ptr_eq(s, last)) || **last == *logsources {
                return;
            }
        }
        let cached = self
            .plans
            .0
            .read()
            .ok()
            .and_then(|m| m.get(logsources).cloned());
        let plan = match cached {
            Some(p) => p,
            None => {
                let p = Arc::new(self.build_plan(logsources));
                if let Ok(mut m) = self.plans.0.write() {
                    if m.len() < 4096 {
                        m.entry(logsources.to_vec()).or_insert_with(|| p.clone());
                    }
                }
                p
            }
        };
        scratch.last = Some(match shared {
            Some(s) => s.clone(),
            None => Arc::from(logsources),
        });
        scratch.plan = Some(plan);
    }

    fn build_plan(&self, logsources: &[LogSource]) -> Plan {
        let mut candidates = Vec::new();
        // An event with no logsource reaches only rules that name none.
        if logsources.is_empty() {
            if let Some(rs) = self.routes.get(&(None, None, None)) {
                candidates.extend_from_slice(rs);
            }
        }
        for ls in logsources {
            let parts = [&ls.product, &ls.category, &ls.service]
                .map(|p| p.as_deref().map(str::to_lowercase));
            // A rule names a subset of the parts: try all eight.
            for mask in 0u8..8 {
                let pick = |i: usize| {
                    if mask & (1 << i) != 0 {
                        parts[i].clone()
                    } else {
                        None
                    }
                };
                if (0..3).any(|i| mask & (1 << i) != 0 && parts[i].is_none()) {
                    continue;
                }
                if let Some(rs) = self.routes.get(&(pick(0), pick(1), pick(2))) {
                    candidates.extend_from_slice(rs);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let (prefilter, always) = if self.prefilter {
            Prefilter::build(&self.rules, &candidates, &self.fields, &self.atoms)
        } else {
            (None, candidates.clone())
        };
        Plan {
            candidates,
            always,
            prefilter,
        }
    }

    /// Whether rule `i` matches the event (detection, then its filters);
    /// the logsource is not checked here.
    pub fn rule_matches(&self, i: usize, ev: &Event) -> bool {
        let mut index = FieldIndex::default();
        index.build(&self.fields, ev, |_, _, _| {});
        self.rule_matches_in(i, &index.view(ev))
    }

    fn rule_matches_in(&self, i: usize, view: &View) -> bool {
        let Some(rule) = self.rules.get(i) else {
            return false;
        };
        // Plans scan for the atoms of rules, not of filters.
        let plain = view.plain();
        rule.detection.matches(view)
            && !rule.filters.iter().any(|&f| {
                let f = &self.filters[f];
                f.meta.logsource.matches_any(&view.ev.logsources) && f.detection.matches(&plain)
            })
    }

    /// Drops the Aho-Corasick prefilter (every routed rule is evaluated);
    /// results are the same, only slower. For differential tests.
    pub fn without_prefilter(mut self) -> Self {
        self.prefilter = false;
        self.plans = PlanCache::default();
        self.id = next_id();
        self
    }

    pub fn has_prefilter(&self) -> bool {
        self.prefilter && self.rules.iter().any(|r| !r.gate.is_empty())
    }

    /// Indices of every rule matching the event, in load order.
    pub fn matches(&self, ev: &Event, scratch: &mut MatchScratch, out: &mut Vec<usize>) {
        out.clear();
        self.plan_for(&ev.logsources, Some(&ev.logsources), scratch);
        let Some(plan) = scratch.plan.take() else {
            return;
        };
        if !plan.candidates.is_empty() {
            self.match_plan(&plan, ev, scratch, out);
        }
        scratch.plan = Some(plan);
    }

    fn match_plan(
        &self,
        plan: &Plan,
        ev: &Event,
        scratch: &mut MatchScratch,
        out: &mut Vec<usize>,
    ) {
        let MatchScratch {
            index, hits, eval, ..
        } = scratch;
        let Some(pf) = &plan.prefilter else {
            index.build(&self.fields, ev, |_, _, _| {});
            let view = index.view(ev);
            out.extend(
                plan.candidates
                    .iter()
                    .map(|&i| i as usize)
                    .filter(|&i| self.rule_matches_in(i, &view)),
            );
            return;
        };
        hits.fit(pf);
        index.build(&self.fields, ev, |id, first, v| {
            pf.scan_field(ev, id, first, v, hits)
        });
        hits.finish(pf);
        eval.clear();
        hits.drain_passed(pf, eval);
        let todo: &[u32] = if eval.is_empty() {
            &plan.always
        } else {
            eval.extend_from_slice(&plan.always);
            eval.sort_unstable();
            eval
        };
        let view = index.view(ev).with_atoms(hits.atoms());
        out.extend(
            todo.iter()
                .map(|&i| i as usize)
                .filter(|&i| self.rule_matches_in(i, &view)),
        );
        hits.clear(pf);
    }
}

#[derive(Default)]
struct Builder {
    pipelines: Vec<Pipeline>,
    set: RuleSet,
    report: LoadReport,
    /// Parsed correlations and their report entry, resolved at the end.
    correlations: Vec<(CorrelationRule, usize)>,
}

impl Builder {
    fn file_error(&mut self, path: &Path, r: Reject) {
        self.report.push(LoadEntry {
            file: path.to_path_buf(),
            doc: 0,
            kind: DocKind::Other,
            id: None,
            title: None,
            outcome: Outcome::Rejected(r),
        });
    }

    fn add_text(&mut self, path: &Path, text: &str, placeholders: Option<&Placeholders>) {
        for (doc, parsed) in docs::documents(text) {
            let doc_yaml = match parsed {
                Ok(d) => d,
                Err(r) => {
                    self.file_error(path, r);
                    continue;
                }
            };
            let text_of = |k: &str| doc_yaml.get(k).and_then(crate::placeholders::scalar_text);
            let mut entry = LoadEntry {
                file: path.to_path_buf(),
                doc,
                kind: doc_kind(&doc_yaml),
                id: text_of("id"),
                title: text_of("title"),
                outcome: Outcome::Loaded,
            };
            let mut doc_yaml = doc_yaml;
            if let Err(why) = crate::pipeline::apply_all(&self.pipelines, &mut doc_yaml) {
                entry.outcome = Outcome::Rejected(Reject::new(RejectKind::Pipeline, why));
                self.report.push(entry);
                continue;
            }
            match compile_doc(&doc_yaml, placeholders) {
                Ok(Compiled::Rule(rule)) => self.set.rules.push(*rule),
                Ok(Compiled::Filter(f)) => self.set.filters.push(*f),
                Ok(Compiled::Correlation(c)) => {
                    self.correlations.push((*c, self.report.entries.len()))
                }
                Err(r) => entry.outcome = Outcome::Rejected(r),
            }
            self.report.push(entry);
        }
    }

    fn finish(mut self) -> (RuleSet, LoadReport) {
        let set = &mut self.set;
        let mut by_ref: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, r) in set.rules.iter().enumerate() {
            for key in [&r.meta.id, &r.meta.name].into_iter().flatten() {
                by_ref.entry(key.as_str()).or_default().push(i);
            }
        }
        let mut attach: Vec<(usize, usize)> = Vec::new();
        for (fi, f) in set.filters.iter().enumerate() {
            for target in &f.rules {
                match by_ref.get(target.as_str()) {
                    Some(rs) => attach.extend(rs.iter().map(|&r| (r, fi))),
                    None => self.report.warnings.push(format!(
                        "filter '{}' names rule '{target}', which is not loaded",
                        f.meta.title
                    )),
                }
            }
        }
        for (r, fi) in attach {
            if !set.rules[r].filters.contains(&fi) {
                set.rules[r].filters.push(fi);
            }
        }
        let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
        for r in &set.rules {
            if let Some(id) = &r.meta.id {
                *seen.entry(id.as_str()).or_default() += 1;
            }
        }
        let mut dups: Vec<_> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
        dups.sort();
        for (id, n) in dups {
            self.report
                .warnings
                .push(format!("rule id {id} is used by {n} rules"));
        }
        for (i, r) in set.rules.iter().enumerate() {
            for m in &r.modifiers {
                *self.report.modifier_counts.entry(m.clone()).or_default() += 1;
            }
            *self
                .report
                .logsource_counts
                .entry(r.meta.logsource.to_string())
                .or_default() += 1;
            let RuleLogSource {
                product,
                category,
                service,
            } = r.meta.logsource.clone();
            set.routes
                .entry((product, category, service))
                .or_default()
                .push(i as u32);
        }
        let (mut names, mut atoms) = (FieldNames::default(), Atoms::default());
        for r in &mut self.set.rules {
            r.detection.assign(&mut names, &mut atoms);
            r.atoms = r.detection.atom_ids();
        }
        for f in &mut self.set.filters {
            f.detection.assign(&mut names, &mut atoms);
        }
        self.set.fields = names;
        self.set.atoms = atoms;
        self.set.prefilter = true;
        self.set.id = next_id();
        let (cands, entries): (Vec<_>, Vec<_>) = self.correlations.into_iter().unzip();
        let (correlations, rejected) = resolve::build(cands, &self.set.rules);
        for (ci, r) in rejected {
            if let Some(e) = self.report.entries.get_mut(entries[ci]) {
                e.outcome = Outcome::Rejected(r);
            }
        }
        self.set.correlations = correlations;
        (self.set, self.report)
    }
}
