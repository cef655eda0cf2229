//! The built-in analytics `hunt` runs when no `--rules` are given. Those
//! that need one event at a time run on the reader threads, like Sigma rules.

use crate::Failure;
use outflow_analytics::upload_tooling::UploadToolAnalytic;
use outflow_detect::Finding;
use outflow_event::Event;
use outflow_intel::{Intel, Policy};
use outflow_pipeline::{EventMatcher, MatcherFactory};
use std::path::Path;
use std::sync::Arc;

/// Names of the built-in analytics, for the summary.
pub const BUILTIN: &[&str] = &["upload-tooling"];

/// What `hunt` says runs when no `--rules` are given.
pub const BUILTIN_NOTE: &str = "built-in analytics: upload tooling on the command line; no built-in Sigma rule pack or stateful T1567 analytics exist yet (pass --rules PATH to run Sigma rules)";

pub struct AnalyticsFactory(Arc<UploadToolAnalytic>);

impl AnalyticsFactory {
    /// The analytics over the built-in catalogs, with the organisation's policy if given.
    pub fn builtin(policy: Option<&Path>) -> Result<AnalyticsFactory, Failure> {
        let intel =
            Intel::builtin().map_err(|e| Failure::Fatal(format!("built-in catalogs: {e}")))?;
        let mut analytic = UploadToolAnalytic::new(Arc::new(intel));
        if let Some(p) = policy {
            let policy = Policy::load(p).map_err(|e| Failure::Usage(format!("policy: {e}")))?;
            analytic = analytic.with_policy(Arc::new(policy));
        }
        Ok(AnalyticsFactory(Arc::new(analytic)))
    }
}

impl MatcherFactory for AnalyticsFactory {
    fn matcher(&self) -> Box<dyn EventMatcher> {
        Box::new(AnalyticsMatcher(self.0.clone()))
    }
}

struct AnalyticsMatcher(Arc<UploadToolAnalytic>);

impl EventMatcher for AnalyticsMatcher {
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>, _matches: &mut Vec<u32>) {
        self.0.process(event, out);
    }
}
