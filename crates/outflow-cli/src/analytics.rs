//! The built-in analytics `hunt` runs when no `--rules` are given: those
//! that need one event at a time run on the reader threads, like Sigma
//! rules; the stateful ones run in event-time order on the consumer.

use crate::matcher::SigmaFactory;
use crate::Failure;
use outflow_analytics::geoip::GeoIp;
use outflow_analytics::threat_list::ThreatList;
use outflow_analytics::upload_tooling::UploadToolAnalytic;
use outflow_analytics::{registry, AnalyticsConfig, AnalyticsEngine, Ctx, Projector};
use outflow_detect::Finding;
use outflow_event::Event;
use outflow_intel::{Intel, Policy};
use outflow_pipeline::{EventMatcher, EventProjector, MatcherFactory, ProjectorFactory};
use std::path::Path;
use std::sync::Arc;

/// What `hunt` says runs when no `--rules` are given.
pub const BUILTIN_NOTE: &str = "built-in; --rules PATH runs your own Sigma rules instead";

/// The catalogs, policy and settings the built-in analytics share.
pub fn context(
    policy: Option<&Path>,
    config: Option<&Path>,
    geoip: Option<&Path>,
    intel_list: Option<&Path>,
) -> Result<Arc<Ctx>, Failure> {
    let intel = Intel::builtin().map_err(|e| Failure::Fatal(format!("built-in catalogs: {e}")))?;
    let policy = match policy {
        Some(p) => Policy::load(p).map_err(|e| Failure::Usage(format!("policy: {e}")))?,
        None => Policy::default(),
    };
    let config = AnalyticsConfig::load(config)
        .map_err(|e| Failure::Usage(format!("analytics configuration: {e}")))?;
    let geoip = match geoip {
        Some(p) => Some(Arc::new(
            GeoIp::open(p).map_err(|e| Failure::Usage(format!("--geoip: {e}")))?,
        )),
        None => None,
    };
    let threat_list = match intel_list {
        Some(p) => Some(Arc::new(
            ThreatList::load(p).map_err(|e| Failure::Usage(format!("--intel-list: {e}")))?,
        )),
        None => None,
    };
    Ok(Arc::new(
        Ctx::new(Arc::new(intel), Arc::new(policy), Arc::new(config))
            .with_geoip(geoip)
            .with_threat_list(threat_list),
    ))
}

/// Enabled analytics that cannot run with what was given, and why.
pub fn notes(ctx: &Arc<Ctx>) -> Vec<String> {
    registry::notes(ctx)
}

/// The stateful analytics over `ctx`.
pub fn engine(ctx: &Arc<Ctx>) -> Result<AnalyticsEngine, Failure> {
    let parts = registry::builtin(ctx)
        .map_err(|e| Failure::Usage(format!("analytics configuration: {e}")))?;
    Ok(AnalyticsEngine::new(ctx.clone(), parts))
}

pub struct AnalyticsFactory(Arc<UploadToolAnalytic>);

impl AnalyticsFactory {
    /// The single-event analytics over `ctx`.
    pub fn builtin(ctx: &Arc<Ctx>) -> AnalyticsFactory {
        let mut analytic = UploadToolAnalytic::new(ctx.intel.clone());
        analytic = analytic.with_policy(ctx.policy.clone());
        AnalyticsFactory(Arc::new(analytic))
    }
}

impl MatcherFactory for AnalyticsFactory {
    fn matcher(&self) -> Box<dyn EventMatcher> {
        Box::new(AnalyticsMatcher(self.0.clone()))
    }
}

/// The built-in rule pack and the single-event analytics on each reader thread.
pub struct BuiltinFactory {
    pub pack: Option<SigmaFactory>,
    pub analytics: AnalyticsFactory,
}

impl MatcherFactory for BuiltinFactory {
    fn matcher(&self) -> Box<dyn EventMatcher> {
        Box::new(BuiltinMatcher {
            pack: self.pack.as_ref().map(|p| p.matcher()),
            analytics: self.analytics.matcher(),
        })
    }
}

struct BuiltinMatcher {
    pack: Option<Box<dyn EventMatcher>>,
    analytics: Box<dyn EventMatcher>,
}

impl EventMatcher for BuiltinMatcher {
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>, matches: &mut Vec<u32>) {
        if let Some(p) = &mut self.pack {
            p.process(event, out, matches);
        }
        self.analytics.process(event, out, matches);
    }
}

struct AnalyticsMatcher(Arc<UploadToolAnalytic>);

impl EventMatcher for AnalyticsMatcher {
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>, _matches: &mut Vec<u32>) {
        self.0.process(event, out);
    }
}

/// The stateful analytics' copies of network records, made on the reader
/// threads ([`Projector`]).
pub struct AnalyticsProjection;

impl ProjectorFactory for AnalyticsProjection {
    fn projector(&self) -> Box<dyn EventProjector> {
        Box::new(ProjectorOnThread(Projector::default()))
    }
}

struct ProjectorOnThread(Projector);

impl EventProjector for ProjectorOnThread {
    fn project(&mut self, event: &Event) -> Option<Event> {
        self.0.project(event)
    }
}
