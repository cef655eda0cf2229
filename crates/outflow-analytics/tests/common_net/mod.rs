//! What the stateful-analytic tests share: records read through outflow's
//! own readers and normalizer (so the tests prove the field mappings too),
//! put in event-time order and run through the analytics engine.
#![allow(dead_code)] // each test file uses its own subset

use outflow_analytics::{AnalyticsEngine, Ctx, Projector, StatefulAnalytic};
use outflow_detect::{Analytic, Finding};
use outflow_event::{Event, Timestamp};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::Path;
use std::sync::Arc;

/// The built-in catalogs and settings.
pub fn ctx() -> Arc<Ctx> {
    Arc::new(Ctx::builtin().expect("built-in context"))
}

/// Normalized events of one input (`name` picks nothing; the format is
/// detected from the content, as `outflow hunt` does).
pub fn read_bytes(name: &str, text: &str) -> Vec<Event> {
    let spec = InputSpec::Bytes {
        name: name.to_string(),
        data: Arc::from(text.as_bytes()),
    };
    normalize(read_to_vec(&spec, None, &Limits::default()).1.events)
}

pub fn read_path(path: &Path) -> Vec<Event> {
    let spec = InputSpec::File(path.to_path_buf());
    normalize(read_to_vec(&spec, None, &Limits::default()).1.events)
}

fn normalize(mut events: Vec<Event>) -> Vec<Event> {
    let mut norm = Normalizer::new(Arc::new(Mappings::builtin().expect("built-in mappings")));
    for ev in &mut events {
        norm.normalize(ev);
    }
    events
}

/// Every file under `dir`, normalized.
pub fn read_dir(dir: &Path) -> Vec<Event> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .expect("readable folder")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else {
                out.extend(read_path(&p));
            }
        }
    }
    out
}

/// Runs `analytics` over `events` in event-time order (as the pipeline's
/// reorder buffer delivers them), advancing the watermark with each event.
pub fn run(
    ctx: &Arc<Ctx>,
    analytics: Vec<Box<dyn StatefulAnalytic>>,
    mut events: Vec<Event>,
) -> (Vec<Finding>, AnalyticsEngine) {
    events.sort_by_key(|e| e.ts.map(|t| t.0).unwrap_or(0));
    let mut engine = AnalyticsEngine::new(ctx.clone(), analytics);
    let mut out = Vec::new();
    // As `hunt` hands them on: network records in the analytics' copy.
    let mut projector = Projector::default();
    for ev in &events {
        let small = projector.project(ev);
        engine.process(small.as_ref().unwrap_or(ev), &mut out);
        if let Some(t) = ev.ts {
            engine.advance(Timestamp(t.0), &mut out);
        }
    }
    engine.finish(&mut out);
    (out, engine)
}

/// Findings of the analytic `id`.
pub fn of<'a>(found: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    let rule = format!("outflow.{id}");
    found.iter().filter(|f| f.rule.id == rule).collect()
}
