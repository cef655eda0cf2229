//! The detect stage. Detectors see normalized events in event-time order
//! (per entity) and report alerts. Their state is serializable so that a
//! streaming run can checkpoint it.
//!
//! The Sigma engine and the T1567 analytics plug in here; this crate holds
//! the contract they share and the set that runs them.

mod alert;
mod analytic;
mod finding;

pub use alert::{Alert, AlertRule};
pub use analytic::{Analytic, AnalyticSet};
pub use finding::{risk_of_level, severity_of_risk, Destination, Evidence, Finding, FindingEntity};

use outflow_event::{Event, Timestamp};

/// A detection: a Sigma rule set or a stateful analytic.
pub trait Detector: Send {
    /// Short name used in summaries (`sigma`, `upload-volume`, ...).
    fn name(&self) -> &str;

    /// Looks at one event; may report alerts at once.
    fn process(&mut self, event: &Event, alerts: &mut Vec<Alert>);

    /// Event time has reached `watermark`: windows that closed before it may report.
    fn advance(&mut self, _watermark: Timestamp, _alerts: &mut Vec<Alert>) {}

    /// End of input: report what remains open.
    fn finish(&mut self, _alerts: &mut Vec<Alert>) {}

    /// The detector's state, for checkpoints.
    fn snapshot(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
}

/// The detectors of a run, fed in order.
#[derive(Default)]
pub struct DetectorSet {
    detectors: Vec<Box<dyn Detector>>,
}

impl DetectorSet {
    pub fn new(detectors: Vec<Box<dyn Detector>>) -> Self {
        DetectorSet { detectors }
    }

    pub fn is_empty(&self) -> bool {
        self.detectors.is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        self.detectors
            .iter()
            .map(|d| d.name().to_string())
            .collect()
    }

    pub fn process(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        for d in &mut self.detectors {
            d.process(event, alerts);
        }
    }

    pub fn advance(&mut self, watermark: Timestamp, alerts: &mut Vec<Alert>) {
        for d in &mut self.detectors {
            d.advance(watermark, alerts);
        }
    }

    pub fn finish(&mut self, alerts: &mut Vec<Alert>) {
        for d in &mut self.detectors {
            d.finish(alerts);
        }
    }
}
