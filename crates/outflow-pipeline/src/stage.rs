//! What the reader threads do to each event beyond normalizing it: skip
//! events outside a time range, and run stateless detection (Sigma rules),
//! so that matching uses every reader thread. Stateful detection stays on
//! the consumer's thread, fed in event-time order.

use outflow_detect::{Alert, Finding};
use outflow_event::{Event, Timestamp};

/// A stateless detector for one reader thread. It sees events in file
/// order and must not depend on what other threads see.
pub trait EventMatcher: Send {
    /// Appends the alerts `event` raises to `out`, and to `matches` the ids
    /// of what it matched that a [`MatchCorrelator`] on the consumer's
    /// thread needs (nothing when there is none).
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>, matches: &mut Vec<u32>);
}

/// Stateful detection over what the reader threads matched (Sigma
/// correlation rules): fed on the consumer's thread, in event-time order,
/// with each event that matched something and the ids of what it matched.
pub trait MatchCorrelator: Send {
    fn name(&self) -> &str;
    fn on_matches(&mut self, event: &Event, matches: &[u32], out: &mut Vec<Alert>);
    /// Event time has reached `watermark`: windows that closed may report.
    fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Alert>);
    /// End of input.
    fn finish(&mut self, out: &mut Vec<Alert>);
}

/// Makes one [`EventMatcher`] per reader thread (sharing compiled rules).
pub trait MatcherFactory: Send + Sync {
    fn matcher(&self) -> Box<dyn EventMatcher>;
}

/// What the consumer's stateful detectors read of an event, made on a
/// reader thread: a smaller copy is handed on and the full event is freed
/// where it was read (less memory crosses threads, and the consumer scans
/// fewer fields). Events a matcher flagged for a correlation go on whole.
pub trait EventProjector: Send {
    /// The copy to hand on, or `None` to hand on `event` itself.
    fn project(&mut self, event: &Event) -> Option<Event>;
}

/// Makes one [`EventProjector`] per reader thread.
pub trait ProjectorFactory: Send + Sync {
    fn projector(&self) -> Box<dyn EventProjector>;
}

/// Event-time bounds: `from` inclusive, `to` exclusive. Events without a
/// time are kept (they cannot be placed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

impl TimeRange {
    pub fn is_unbounded(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    pub fn contains(&self, ts: Option<Timestamp>) -> bool {
        let Some(ts) = ts else { return true };
        self.from.is_none_or(|f| ts >= f) && self.to.is_none_or(|t| ts < t)
    }
}

/// Events of one file with the alerts the reader thread found in them:
/// `findings` holds (index into `events`, alert), in event order.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: Vec<Event>,
    pub findings: Vec<(u32, Finding)>,
    /// (index into `events`, match id) for the consumer's [`MatchCorrelator`].
    pub matches: Vec<(u32, u32)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_bounds() {
        let r = TimeRange {
            from: Some(Timestamp::from_secs(10)),
            to: Some(Timestamp::from_secs(20)),
        };
        assert!(r.contains(None));
        assert!(r.contains(Some(Timestamp::from_secs(10))));
        assert!(!r.contains(Some(Timestamp::from_secs(20))));
        assert!(!r.contains(Some(Timestamp::from_secs(9))));
        assert!(TimeRange::default().is_unbounded());
    }
}
