//! Sigma on the reader threads: a compiled, shared [`SigmaPlan`] (the rule
//! set, which rules are selected, what each alert says) and one
//! [`SigmaMatcher`] per thread with its own scratch space.

use crate::rules::{rule_entries, RuleLoadOptions};
use crate::select::RuleFilter;
use outflow_detect::{
    risk_of_level, severity_of_risk, Alert, AlertRule, Destination, Detector, Evidence, Finding,
    FindingEntity,
};
use outflow_event::{EntitySlot, Event, Timestamp};
use outflow_pipeline::{EventMatcher, MatchCorrelator, MatcherFactory};
use outflow_sigma::{LoadReport, MatchScratch, RuleSet, SigmaDetector};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What an alert of one rule carries besides the event.
struct RuleInfo {
    rule: AlertRule,
    attack: Vec<String>,
    /// The rule's `fields:`, else the fields its detection names.
    key_fields: Vec<String>,
}

pub struct SigmaPlan {
    set: Arc<RuleSet>,
    /// Per rule: selected by the filters.
    enabled: Vec<bool>,
    info: Vec<RuleInfo>,
}

impl SigmaPlan {
    /// Builds the plan from a full load. With a selection, only the files
    /// holding a selected rule (or a filter document) are loaded again, so
    /// unselected rules cost nothing while matching.
    pub fn build(
        set: RuleSet,
        report: &LoadReport,
        filter: &RuleFilter,
        opts: &RuleLoadOptions,
    ) -> SigmaPlan {
        let set = if filter.is_all() {
            set
        } else {
            let entries = rule_entries(report);
            let mut files: Vec<PathBuf> = Vec::new();
            for (i, r) in set.rules().iter().enumerate() {
                if let Some(e) = entries.get(i).filter(|_| filter.admits(&r.meta)) {
                    if !files.contains(&e.file) {
                        files.push(e.file.clone());
                    }
                }
            }
            for e in report.loaded() {
                if e.kind == outflow_sigma::DocKind::Filter && !files.contains(&e.file) {
                    files.push(e.file.clone());
                }
            }
            RuleSet::load_with_pipelines(&files, opts.placeholders.as_ref(), &opts.pipelines).0
        };
        SigmaPlan::from_set(set, filter)
    }

    /// The plan over rules already in memory (the built-in pack): rules the
    /// filter does not admit stay compiled but never report.
    pub fn from_set(set: RuleSet, filter: &RuleFilter) -> SigmaPlan {
        let mut enabled = Vec::with_capacity(set.len());
        let mut info = Vec::with_capacity(set.len());
        for r in set.rules() {
            let m = &r.meta;
            enabled.push(filter.admits(m));
            // The rule's `fields:`, else what its detection names (after any pipeline).
            let key_fields = if !m.fields.is_empty() {
                m.fields.clone()
            } else {
                r.detection_fields()
            };
            info.push(RuleInfo {
                rule: AlertRule {
                    id: m.id.clone().unwrap_or_else(|| m.title.clone()),
                    title: m.title.clone(),
                    level: m.level.clone().unwrap_or_else(|| "informational".into()),
                    source: "sigma".into(),
                },
                attack: m.attack.clone(),
                key_fields,
            });
        }
        SigmaPlan {
            set: Arc::new(set),
            enabled,
            info,
        }
    }

    /// Rules that take part.
    pub fn selected(&self) -> usize {
        self.enabled.iter().filter(|e| **e).count()
    }

    fn finding(&self, i: usize, ev: &Event) -> Option<Finding> {
        let info = self.info.get(i)?;
        let s = |slot| ev.entity_str(slot).map(|c| c.into_owned());
        let destination = Destination {
            domain: s(EntitySlot::DstDomain),
            ip: ev.entity.dst_ip.map(|ip| ip.to_string()),
            port: ev.entity.dst_port,
            ..Destination::default()
        };
        let risk = risk_of_level(&info.rule.level);
        let mut fields = BTreeMap::new();
        for name in &info.key_fields {
            if let Some(v) = ev.get(name) {
                fields.insert(name.clone(), ev.display(v).into_owned());
            }
        }
        Some(Finding {
            timestamp: ev.ts,
            rule: info.rule.clone(),
            attack: info.attack.clone(),
            d3fend: Vec::new(),
            risk_score: risk,
            severity: severity_of_risk(risk).to_string(),
            entity: FindingEntity {
                // Network logs name no host: the source address stands for
                // it (the hunt names it once it learns the host's name).
                host: s(EntitySlot::Host)
                    .filter(|h| !h.is_empty())
                    .or_else(|| ev.entity.src_ip.map(|ip| ip.to_string())),
                host_ip: None,
                user: s(EntitySlot::User),
                user_sid: None,
                image: s(EntitySlot::Image),
                pid: s(EntitySlot::Pid),
                process_guid: s(EntitySlot::ProcessGuid),
            },
            destination: (!destination.is_empty()).then_some(destination),
            bytes_out: ev.entity.bytes_out,
            incident_id: None,
            fields,
            origin: Some(ev.origin.clone()),
            evidence: vec![Evidence::of(ev, info.rule.title.clone())],
        })
    }
}

/// Hands each reader thread its own matcher over the shared plan.
pub struct SigmaFactory(pub Arc<SigmaPlan>);

impl MatcherFactory for SigmaFactory {
    fn matcher(&self) -> Box<dyn EventMatcher> {
        Box::new(SigmaMatcher {
            plan: self.0.clone(),
            scratch: MatchScratch::default(),
            hits: Vec::new(),
        })
    }
}

pub struct SigmaMatcher {
    plan: Arc<SigmaPlan>,
    scratch: MatchScratch,
    hits: Vec<usize>,
}

impl EventMatcher for SigmaMatcher {
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>, matches: &mut Vec<u32>) {
        let plan = &*self.plan;
        plan.set.matches(event, &mut self.scratch, &mut self.hits);
        let correlating = !plan.set.correlations().is_empty();
        for &i in &self.hits {
            // A rule only correlations refer to (`generate: false`) feeds them silently.
            if plan.enabled.get(i).copied().unwrap_or(false) && plan.set.rule_emits(i) {
                out.extend(plan.finding(i, event));
            }
            if correlating {
                matches.push(i as u32);
            }
        }
    }
}

/// Sigma correlation rules on the consumer's thread, fed with the rules
/// each event matched on a reader thread, in event-time order.
pub struct SigmaCorrelator {
    detector: SigmaDetector,
    hits: Vec<usize>,
}

impl SigmaCorrelator {
    /// `None` when the plan holds no correlation rule.
    pub fn for_plan(plan: &SigmaPlan) -> Option<SigmaCorrelator> {
        if plan.set.correlations().is_empty() {
            return None;
        }
        Some(SigmaCorrelator {
            detector: SigmaDetector::new(plan.set.clone()),
            hits: Vec::new(),
        })
    }
}

impl MatchCorrelator for SigmaCorrelator {
    fn name(&self) -> &str {
        "sigma-correlations"
    }

    fn on_matches(&mut self, event: &Event, matches: &[u32], out: &mut Vec<Alert>) {
        self.hits.clear();
        self.hits.extend(matches.iter().map(|&m| m as usize));
        self.detector.correlate(event, &self.hits, out);
    }

    fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Alert>) {
        self.detector.advance(watermark, out);
    }

    fn finish(&mut self, out: &mut Vec<Alert>) {
        self.detector.finish(out);
    }
}
