//! The context the analytics share, and the engine run over events in
//! event-time order (as the pipeline's reorder buffer delivers them), each
//! handed on as `hunt` hands it (network records in the analytics' copy,
//! [`Projector`]), the watermark following each event.

use outflow_analytics::threat_list::ThreatList;
use outflow_analytics::{
    AnalyticsConfig, AnalyticsEngine, ConfigError, Ctx, Projector, StatefulAnalytic,
};
use outflow_detect::{Analytic, Finding};
use outflow_event::Event;
use outflow_intel::{Intel, Policy};
use std::sync::Arc;

/// The built-in catalogs and settings, with `policy` (policy.yml text) and
/// `settings` (analytics.yml text) over them; not yet shared, to add a
/// geolocation database or a threat list to.
pub fn unshared_ctx(policy: Option<&str>, settings: Option<&str>) -> Ctx {
    let policy = match policy {
        Some(p) => Policy::from_yaml("policy.yml", p).expect("test policy"),
        None => Policy::default(),
    };
    let mut config = AnalyticsConfig::builtin().expect("built-in settings");
    if let Some(s) = settings {
        config.merge("settings.yml", s).expect("test settings");
    }
    Ctx::new(
        Arc::new(Intel::builtin().expect("built-in catalogs")),
        Arc::new(policy),
        Arc::new(config),
    )
}

/// [`unshared_ctx`], shared as the engine and the analytics take it.
pub fn ctx(policy: Option<&str>, settings: Option<&str>) -> Arc<Ctx> {
    Arc::new(unshared_ctx(policy, settings))
}

/// `ctx` with a threat-intelligence list (`--intel-list` text).
pub fn with_list(ctx: Ctx, list: &str) -> Ctx {
    ctx.with_threat_list(Some(Arc::new(
        ThreatList::parse("intel.txt", list).unwrap(),
    )))
}

/// Runs `events` in time order through an engine of `analytics`; the
/// findings of all of them and the engine afterwards.
pub fn run_with_engine(
    ctx: &Arc<Ctx>,
    analytics: Vec<Box<dyn StatefulAnalytic>>,
    events: &[Event],
) -> (Vec<Finding>, AnalyticsEngine) {
    let mut ordered: Vec<&Event> = events.iter().collect();
    ordered.sort_by_key(|e| e.ts);
    let mut engine = AnalyticsEngine::new(ctx.clone(), analytics);
    let mut out = Vec::new();
    let mut projector = Projector::default();
    for ev in ordered {
        let small = projector.project(ev);
        engine.process(small.as_ref().unwrap_or(ev), &mut out);
        if let Some(ts) = ev.ts {
            engine.advance(ts, &mut out);
        }
    }
    engine.finish(&mut out);
    (out, engine)
}

/// [`run_with_engine`], the findings only.
pub fn run(
    ctx: &Arc<Ctx>,
    analytics: Vec<Box<dyn StatefulAnalytic>>,
    events: &[Event],
) -> Vec<Finding> {
    run_with_engine(ctx, analytics, events).0
}

/// Runs the one analytic `build` makes (its settings must be valid); its
/// findings.
pub fn run_build(
    ctx: &Arc<Ctx>,
    build: impl FnOnce(&Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError>,
    events: &[Event],
) -> Vec<Finding> {
    run(ctx, vec![build(ctx).expect("valid settings")], events)
}

/// Runs the one analytic `build` makes; its findings and the engine's state
/// afterwards (snapshot).
pub fn run_snapshot(
    ctx: &Arc<Ctx>,
    build: impl FnOnce(&Arc<Ctx>) -> Box<dyn StatefulAnalytic>,
    events: &[Event],
) -> (Vec<Finding>, serde_json::Value) {
    let (found, engine) = run_with_engine(ctx, vec![build(ctx)], events);
    (found, engine.snapshot())
}

/// Findings of the analytic `id`.
pub fn of<'a>(found: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    let rule = format!("outflow.{id}");
    found.iter().filter(|f| f.rule.id == rule).collect()
}
