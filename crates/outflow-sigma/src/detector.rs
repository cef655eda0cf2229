//! The Sigma rule set as an `outflow_detect::Detector`: one alert per
//! (rule, event) match, unless only `generate: false` correlations refer to
//! the rule, plus the alerts of correlation rules. Correlation windows are
//! the only state; [`Detector::snapshot`] and [`SigmaDetector::restore`]
//! checkpoint them.

use crate::correlation::alert::{alert, Fired};
use crate::correlation::state::CorrelationState;
use crate::correlation::{CorrelationLimits, CorrelationStats};
use crate::ruleset::{MatchScratch, RuleSet};
use outflow_detect::{Alert, AlertRule, Detector};
use outflow_event::{EntitySlot, Event, Timestamp};
use std::sync::Arc;

pub struct SigmaDetector {
    rules: Arc<RuleSet>,
    scratch: MatchScratch,
    hits: Vec<usize>,
    corr: CorrelationState,
    fired: Vec<Fired>,
}

impl SigmaDetector {
    /// The rule set is shared so that several pipeline threads can each run a detector.
    pub fn new(rules: Arc<RuleSet>) -> Self {
        Self::with_limits(rules, CorrelationLimits::default())
    }

    /// A detector whose correlation state is bounded by `limits`.
    pub fn with_limits(rules: Arc<RuleSet>, limits: CorrelationLimits) -> Self {
        let corr = CorrelationState::new(rules.correlation_set(), limits);
        SigmaDetector {
            rules,
            scratch: MatchScratch::default(),
            hits: Vec::new(),
            corr,
            fired: Vec::new(),
        }
    }

    /// A detector resuming from [`Detector::snapshot`]; refused when the
    /// snapshot was taken with other correlation rules.
    pub fn restore(rules: Arc<RuleSet>, snapshot: &serde_json::Value) -> Result<Self, String> {
        let corr = CorrelationState::restore(rules.correlation_set(), snapshot)?;
        Ok(SigmaDetector {
            rules,
            scratch: MatchScratch::default(),
            hits: Vec::new(),
            corr,
            fired: Vec::new(),
        })
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Correlation counters, including each time a limit was hit.
    pub fn correlation_stats(&self) -> &CorrelationStats {
        self.corr.stats()
    }

    pub fn correlation_limits(&self) -> &CorrelationLimits {
        self.corr.limits()
    }

    /// Correlation groups currently held in memory.
    pub fn correlation_groups(&self) -> usize {
        self.corr.group_count()
    }

    /// Correlation matches currently held in memory.
    pub fn correlation_entries(&self) -> usize {
        self.corr.entry_count()
    }

    fn report_fired(&mut self, alerts: &mut Vec<Alert>) {
        let set = self.rules.correlation_set();
        for f in self.fired.drain(..) {
            if let Some(c) = set.list.get(f.corr).filter(|c| c.emits) {
                alerts.push(alert(c, &f));
            }
        }
    }
}

impl SigmaDetector {
    /// Feeds the correlations with the rules (`hits`, indices into the rule
    /// set) that `event` matched elsewhere — e.g. on a reader thread — and
    /// reports correlation alerts only. Events must come in event-time order.
    pub fn correlate(&mut self, event: &Event, hits: &[usize], alerts: &mut Vec<Alert>) {
        if hits.is_empty() || self.rules.correlations().is_empty() {
            return;
        }
        let set = self.rules.correlation_set();
        self.corr.on_matches(set, event, hits, &mut self.fired);
        self.report_fired(alerts);
    }
}

impl Detector for SigmaDetector {
    fn name(&self) -> &str {
        "sigma"
    }

    fn process(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        self.rules.matches(event, &mut self.scratch, &mut self.hits);
        for &i in &self.hits {
            if !self.rules.rule_emits(i) {
                continue;
            }
            let m = &self.rules.rules()[i].meta;
            alerts.push(Alert {
                timestamp: event.ts,
                rule: AlertRule {
                    id: m.id.clone().unwrap_or_else(|| m.title.clone()),
                    title: m.title.clone(),
                    level: m.level.clone().unwrap_or_else(|| "informational".into()),
                    source: "sigma".into(),
                },
                attack: m.attack.clone(),
                host: event.entity_str(EntitySlot::Host).map(|c| c.into_owned()),
                user: event.entity_str(EntitySlot::User).map(|c| c.into_owned()),
                evidence: vec![event.origin.clone()],
                fields: Default::default(),
            });
        }
        if !self.hits.is_empty() {
            let hits = std::mem::take(&mut self.hits);
            self.correlate(event, &hits, alerts);
            self.hits = hits;
        }
    }

    fn advance(&mut self, watermark: Timestamp, alerts: &mut Vec<Alert>) {
        if self.rules.correlations().is_empty() {
            return;
        }
        self.corr
            .advance(self.rules.correlation_set(), watermark.0, &mut self.fired);
        self.report_fired(alerts);
    }

    fn finish(&mut self, alerts: &mut Vec<Alert>) {
        self.corr
            .finish(self.rules.correlation_set(), &mut self.fired);
        self.report_fired(alerts);
    }

    fn snapshot(&self) -> serde_json::Value {
        self.corr.snapshot()
    }
}
