//! The consumer behind `outflow hunt`: events go through the reorder buffer
//! to the detectors; alerts go to the alert writer.

use crate::reorder::ReorderBuffer;
use crate::run::{Consumer, Progress};
use outflow_detect::{Alert, DetectorSet};
use outflow_event::{Event, Reject};
use outflow_sources::Flow;
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct HuntStats {
    pub events: u64,
    pub alerts: u64,
    /// Events that arrived behind the reorder watermark (passed on unordered).
    pub late_events: u64,
    pub detectors: Vec<String>,
}

pub struct HuntConsumer<'a> {
    pub detectors: DetectorSet,
    pub reorder: ReorderBuffer,
    pub on_alert: Box<dyn FnMut(&Alert) -> Flow + 'a>,
    pub on_reject: Box<dyn FnMut(&Reject) + 'a>,
    pub on_tick: Box<dyn FnMut(&Progress) + 'a>,
    pub stats: HuntStats,
    alerts: Vec<Alert>,
    stopped: bool,
}

impl<'a> HuntConsumer<'a> {
    pub fn new(
        detectors: DetectorSet,
        reorder: ReorderBuffer,
        on_alert: Box<dyn FnMut(&Alert) -> Flow + 'a>,
        on_reject: Box<dyn FnMut(&Reject) + 'a>,
        on_tick: Box<dyn FnMut(&Progress) + 'a>,
    ) -> Self {
        let stats = HuntStats {
            detectors: detectors.names(),
            ..HuntStats::default()
        };
        HuntConsumer {
            detectors,
            reorder,
            on_alert,
            on_reject,
            on_tick,
            stats,
            alerts: Vec::new(),
            stopped: false,
        }
    }

    fn deliver(&mut self) {
        for a in self.alerts.drain(..) {
            self.stats.alerts += 1;
            if (self.on_alert)(&a) == Flow::Stop {
                self.stopped = true;
            }
        }
    }

    /// End of input: releases held events and lets detectors report what remains.
    pub fn finish(&mut self) {
        let (detectors, alerts) = (&mut self.detectors, &mut self.alerts);
        self.reorder.flush(&mut |e| detectors.process(&e, alerts));
        self.detectors.finish(&mut self.alerts);
        self.stats.late_events = self.reorder.late;
        self.deliver();
    }
}

impl Consumer for HuntConsumer<'_> {
    fn events(&mut self, events: Vec<Event>) -> Flow {
        self.stats.events += events.len() as u64;
        if !self.detectors.is_empty() {
            let (detectors, alerts) = (&mut self.detectors, &mut self.alerts);
            for e in events {
                self.reorder.push(e, &mut |e| detectors.process(&e, alerts));
            }
            if let Some(w) = self.reorder.watermark() {
                self.detectors.advance(w, &mut self.alerts);
            }
            self.deliver();
        }
        if self.stopped {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn reject(&mut self, reject: &Reject) {
        (self.on_reject)(reject);
    }

    fn tick(&mut self, progress: &Progress) {
        (self.on_tick)(progress);
    }
}
