//! Stateful analytics: they see every event in event-time order (on the
//! consumer thread, after the reorder buffer) and report findings with
//! their evidence, risk and destination.

use crate::Finding;
use outflow_event::{Event, Timestamp};

/// A stateful analytic (volume over a window, first-seen, staging then upload, ...).
pub trait Analytic: Send {
    /// Short id used in summaries and rule ids (`large-transfer`, ...).
    fn name(&self) -> &str;

    /// Looks at one event, in event-time order; may report findings at once.
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>);

    /// Event time has reached `watermark`: windows that closed before it may
    /// report, and state older than the analytic's horizon is dropped.
    fn advance(&mut self, _watermark: Timestamp, _out: &mut Vec<Finding>) {}

    /// End of input: report what remains open.
    fn finish(&mut self, _out: &mut Vec<Finding>) {}

    /// The analytic's state, for checkpoints.
    fn snapshot(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// Approximate number of keys held (for memory reports and bounds).
    fn state_len(&self) -> usize {
        0
    }
}

/// The analytics of a run, fed in order.
#[derive(Default)]
pub struct AnalyticSet {
    analytics: Vec<Box<dyn Analytic>>,
}

impl AnalyticSet {
    pub fn new(analytics: Vec<Box<dyn Analytic>>) -> Self {
        AnalyticSet { analytics }
    }

    pub fn push(&mut self, a: Box<dyn Analytic>) {
        self.analytics.push(a);
    }

    pub fn is_empty(&self) -> bool {
        self.analytics.is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        self.analytics
            .iter()
            .map(|a| a.name().to_string())
            .collect()
    }

    pub fn process(&mut self, event: &Event, out: &mut Vec<Finding>) {
        for a in &mut self.analytics {
            a.process(event, out);
        }
    }

    pub fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Finding>) {
        for a in &mut self.analytics {
            a.advance(watermark, out);
        }
    }

    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        for a in &mut self.analytics {
            a.finish(out);
        }
    }

    pub fn state_len(&self) -> usize {
        self.analytics.iter().map(|a| a.state_len()).sum()
    }
}
