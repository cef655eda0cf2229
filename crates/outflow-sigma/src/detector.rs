//! The Sigma rule set as an `outflow_detect::Detector`: one alert per
//! (rule, event) match. Stateless, so there is nothing to checkpoint.

use crate::ruleset::{MatchScratch, RuleSet};
use outflow_detect::{Alert, AlertRule, Detector};
use outflow_event::{EntitySlot, Event};
use std::sync::Arc;

pub struct SigmaDetector {
    rules: Arc<RuleSet>,
    scratch: MatchScratch,
    hits: Vec<usize>,
}

impl SigmaDetector {
    /// The rule set is shared so that several pipeline threads can each run a detector.
    pub fn new(rules: Arc<RuleSet>) -> Self {
        SigmaDetector {
            rules,
            scratch: MatchScratch::default(),
            hits: Vec::new(),
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }
}

impl Detector for SigmaDetector {
    fn name(&self) -> &str {
        "sigma"
    }

    fn process(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        self.rules.matches(event, &mut self.scratch, &mut self.hits);
        for &i in &self.hits {
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
            });
        }
    }
}
