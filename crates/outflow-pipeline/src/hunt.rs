//! The consumer behind `outflow hunt`. Stateless alerts come from the
//! reader threads with their batch; they and (when stateful detectors run)
//! the events go through the reorder buffer, so alerts are written and
//! stateful detectors fed in event-time order.

use crate::reorder::{ReorderBuffer, Timed};
use crate::run::{Consumer, Progress};
use crate::stage::{Batch, MatchCorrelator};
use outflow_detect::{Alert, AnalyticSet, Finding};
use outflow_event::{Event, Reject, Timestamp};
use outflow_sources::Flow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize)]
pub struct HuntStats {
    pub events: u64,
    pub alerts: u64,
    /// Alerts per rule level.
    pub alerts_by_level: BTreeMap<String, u64>,
    /// Alerts per rule id.
    pub alerts_by_rule: BTreeMap<String, u64>,
    /// Alerts an allow rule of the organisation's policy suppressed, per rule name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub suppressed: BTreeMap<String, u64>,
    /// Items that arrived behind the reorder watermark (passed on unordered):
    /// events when stateful detectors run, else alert-bearing events.
    pub late_events: u64,
    pub detectors: Vec<String>,
}

/// What the reorder buffer holds: an event's time, the event itself when
/// stateful detectors need it, and the alerts found in it.
#[derive(Serialize, Deserialize)]
pub struct Annotated {
    pub ts: Option<Timestamp>,
    pub event: Option<Event>,
    pub findings: Vec<Finding>,
    /// What the reader thread matched, for the correlator.
    #[serde(default)]
    pub matches: Vec<u32>,
}

impl Timed for Annotated {
    fn ts(&self) -> Option<Timestamp> {
        self.ts
    }
}

/// A stage over findings, after detection: it may hold findings back (to
/// group them into incidents) and releases them, possibly annotated, as
/// event time passes.
pub trait FindingStage {
    fn push(&mut self, finding: Finding, out: &mut Vec<Finding>);
    fn advance(&mut self, _watermark: Timestamp, _out: &mut Vec<Finding>) {}
    fn finish(&mut self, _out: &mut Vec<Finding>) {}
}

/// Names the allow rule that suppresses a finding, if any.
pub type Suppress<'a> = Box<dyn Fn(&Finding) -> Option<String> + 'a>;

pub struct HuntConsumer<'a> {
    /// Stateful analytics, fed every event in event-time order.
    pub analytics: AnalyticSet,
    /// What findings pass through before they are written (incidents).
    pub stage: Option<Box<dyn FindingStage + 'a>>,
    /// Names the allow rule that suppresses a finding, if any: suppressed
    /// findings are counted, never written nor grouped.
    pub suppress: Option<Suppress<'a>>,
    /// Correlations over the reader threads' matches, fed in time order.
    pub correlator: Option<Box<dyn MatchCorrelator>>,
    pub reorder: ReorderBuffer<Annotated>,
    pub on_alert: Box<dyn FnMut(&Finding) -> Flow + 'a>,
    pub on_reject: Box<dyn FnMut(&Reject) + 'a>,
    pub on_tick: Box<dyn FnMut(&Progress) + 'a>,
    pub stats: HuntStats,
    ready: Vec<Finding>,
    staged: Vec<Finding>,
    alerts: Vec<Alert>,
    stopped: bool,
}

/// Feeds one released item to the stateful analytics and the correlator,
/// and queues its alerts.
fn release<'x>(
    analytics: &'x mut AnalyticSet,
    correlator: &'x mut Option<Box<dyn MatchCorrelator>>,
    alerts: &'x mut Vec<Alert>,
    out: &'x mut Vec<Finding>,
) -> impl FnMut(Annotated) + 'x {
    move |item: Annotated| {
        out.extend(item.findings);
        if let Some(e) = &item.event {
            if !analytics.is_empty() {
                analytics.process(e, out);
            }
            if let Some(c) = correlator.as_mut().filter(|_| !item.matches.is_empty()) {
                c.on_matches(e, &item.matches, alerts);
            }
            out.extend(alerts.drain(..).map(Finding::from));
        }
    }
}

impl<'a> HuntConsumer<'a> {
    pub fn new(
        analytics: AnalyticSet,
        reorder: ReorderBuffer<Annotated>,
        on_alert: Box<dyn FnMut(&Finding) -> Flow + 'a>,
        on_reject: Box<dyn FnMut(&Reject) + 'a>,
        on_tick: Box<dyn FnMut(&Progress) + 'a>,
    ) -> Self {
        let stats = HuntStats {
            detectors: analytics.names(),
            ..HuntStats::default()
        };
        HuntConsumer {
            analytics,
            stage: None,
            suppress: None,
            correlator: None,
            reorder,
            on_alert,
            on_reject,
            on_tick,
            stats,
            ready: Vec::new(),
            staged: Vec::new(),
            alerts: Vec::new(),
            stopped: false,
        }
    }

    /// Passes ready findings through the stage (when there is one) and
    /// writes what it releases.
    fn deliver(&mut self) {
        for f in &mut self.ready {
            self.analytics.name_entity(f);
        }
        if let Some(suppress) = &self.suppress {
            let stats = &mut self.stats;
            self.ready.retain(|f| match suppress(f) {
                Some(rule) => {
                    *stats.suppressed.entry(rule).or_insert(0) += 1;
                    false
                }
                None => true,
            });
        }
        if let Some(stage) = &mut self.stage {
            for f in self.ready.drain(..) {
                stage.push(f, &mut self.staged);
            }
            self.ready.append(&mut self.staged);
        }
        for a in self.ready.drain(..) {
            self.stats.alerts += 1;
            *self
                .stats
                .alerts_by_level
                .entry(a.rule.level.clone())
                .or_insert(0) += 1;
            *self
                .stats
                .alerts_by_rule
                .entry(a.rule.id.clone())
                .or_insert(0) += 1;
            if !self.stopped && (self.on_alert)(&a) == Flow::Stop {
                self.stopped = true;
            }
        }
    }

    /// Adds correlations over the reader threads' matches.
    pub fn with_correlator(mut self, c: Box<dyn MatchCorrelator>) -> Self {
        self.stats.detectors.push(c.name().to_string());
        self.correlator = Some(c);
        self
    }

    /// End of input: releases held events and lets detectors report what remains.
    pub fn finish(&mut self) {
        {
            let mut out = release(
                &mut self.analytics,
                &mut self.correlator,
                &mut self.alerts,
                &mut self.ready,
            );
            self.reorder.flush(&mut out);
        }
        self.analytics.finish(&mut self.ready);
        if let Some(c) = &mut self.correlator {
            c.finish(&mut self.alerts);
        }
        self.ready.extend(self.alerts.drain(..).map(Finding::from));
        self.stats.late_events = self.reorder.late;
        self.deliver();
        if let Some(stage) = &mut self.stage {
            stage.finish(&mut self.ready);
        }
        self.deliver_unstaged();
    }
}

impl Consumer for HuntConsumer<'_> {
    fn events(&mut self, events: Vec<Event>) -> Flow {
        self.batch(Batch {
            events,
            findings: Vec::new(),
            matches: Vec::new(),
        })
    }

    fn batch(&mut self, batch: Batch) -> Flow {
        self.stats.events += batch.events.len() as u64;
        let stateful = !self.analytics.is_empty();
        let correlating = self.correlator.is_some();
        if !stateful && batch.findings.is_empty() && batch.matches.is_empty() {
            return self.flow();
        }
        let mut findings = batch.findings.into_iter().peekable();
        let mut matches = batch.matches.into_iter().peekable();
        let mut out = release(
            &mut self.analytics,
            &mut self.correlator,
            &mut self.alerts,
            &mut self.ready,
        );
        let reorder = &mut self.reorder;
        for (i, e) in batch.events.into_iter().enumerate() {
            let mut mine = Vec::new();
            while let Some((_, f)) = findings.next_if(|(j, _)| *j as usize == i) {
                mine.push(f);
            }
            let mut ids = Vec::new();
            while let Some((_, m)) = matches.next_if(|(j, _)| *j as usize == i) {
                ids.push(m);
            }
            let keep_event = stateful || (correlating && !ids.is_empty());
            if !keep_event && mine.is_empty() {
                continue;
            }
            let item = Annotated {
                ts: e.ts,
                event: keep_event.then_some(e),
                findings: mine,
                matches: ids,
            };
            reorder.push(item, &mut out);
        }
        drop(out);
        // The stage needs event time too, to release what it holds.
        if stateful || correlating || self.stage.is_some() {
            if let Some(w) = self.reorder.watermark() {
                self.analytics.advance(w, &mut self.ready);
                if let Some(c) = &mut self.correlator {
                    c.advance(w, &mut self.alerts);
                }
                self.ready.extend(self.alerts.drain(..).map(Finding::from));
                self.deliver();
                if let Some(stage) = &mut self.stage {
                    stage.advance(w, &mut self.ready);
                }
                self.deliver_unstaged();
            }
        }
        self.deliver();
        self.flow()
    }

    fn dropped(&mut self, n: u64) {
        self.stats.events += n;
    }

    fn reject(&mut self, reject: &Reject) {
        (self.on_reject)(reject);
    }

    fn tick(&mut self, progress: &Progress) {
        (self.on_tick)(progress);
    }
}

impl HuntConsumer<'_> {
    /// Writes what the stage released, without passing it through again.
    fn deliver_unstaged(&mut self) {
        let stage = self.stage.take();
        self.deliver();
        self.stage = stage;
    }

    fn flow(&self) -> Flow {
        if self.stopped {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}
