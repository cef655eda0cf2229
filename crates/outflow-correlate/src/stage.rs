//! The correlator as `outflow hunt`'s finding stage: alerts pass through it
//! (and leave with their `incident_id`); closed incidents go to a callback.

use crate::correlator::{CorrelateStats, Correlator};
use crate::incident::Incident;
use outflow_detect::Finding;
use outflow_event::Timestamp;
use outflow_pipeline::FindingStage;
use std::cell::RefCell;

pub struct CorrelateStage<'a> {
    pub correlator: Correlator,
    on_incident: Box<dyn FnMut(Incident) + 'a>,
    stats: Option<&'a RefCell<CorrelateStats>>,
}

impl<'a> CorrelateStage<'a> {
    pub fn new(correlator: Correlator, on_incident: Box<dyn FnMut(Incident) + 'a>) -> Self {
        CorrelateStage {
            correlator,
            on_incident,
            stats: None,
        }
    }

    /// Copies the stage's figures into `stats` when it finishes.
    pub fn with_stats(mut self, stats: &'a RefCell<CorrelateStats>) -> Self {
        self.stats = Some(stats);
        self
    }

    fn emit(&mut self) {
        for i in self.correlator.take_closed() {
            (self.on_incident)(i);
        }
    }
}

impl FindingStage for CorrelateStage<'_> {
    fn push(&mut self, finding: Finding, out: &mut Vec<Finding>) {
        self.correlator.push(finding, out);
        self.emit();
    }

    fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Finding>) {
        self.correlator.advance(watermark.0, out);
        self.emit();
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.correlator.finish(out);
        self.emit();
        if let Some(s) = self.stats {
            *s.borrow_mut() = self.correlator.stats.clone();
        }
    }
}
