//! What every analytic shares: the catalogs, the organisation's policy and
//! the analytics configuration.

use crate::config::AnalyticsConfig;
use crate::geoip::GeoIp;
use crate::intern::Interner;
use crate::threat_list::ThreatList;
use crate::view::ServiceRef;
use outflow_intel::{Intel, Policy};
use std::sync::Arc;

pub struct Ctx {
    pub intel: Arc<Intel>,
    pub policy: Arc<Policy>,
    pub config: Arc<AnalyticsConfig>,
    /// The user's geolocation database (`--geoip`), when given.
    pub geoip: Option<Arc<GeoIp>>,
    /// The user's threat-intelligence list (`--intel-list`), when given.
    pub threat_list: Option<Arc<ThreatList>>,
}

impl Ctx {
    pub fn new(intel: Arc<Intel>, policy: Arc<Policy>, config: Arc<AnalyticsConfig>) -> Ctx {
        Ctx {
            intel,
            policy,
            config,
            geoip: None,
            threat_list: None,
        }
    }

    /// With the user's geolocation database.
    pub fn with_geoip(mut self, geoip: Option<Arc<GeoIp>>) -> Ctx {
        self.geoip = geoip;
        self
    }

    /// With the user's threat-intelligence list.
    pub fn with_threat_list(mut self, list: Option<Arc<ThreatList>>) -> Ctx {
        self.threat_list = list;
        self
    }

    /// Built-in catalogs and settings with an empty policy.
    pub fn builtin() -> Result<Ctx, String> {
        Ok(Ctx {
            intel: Arc::new(Intel::builtin().map_err(|e| e.to_string())?),
            policy: Arc::new(Policy::default()),
            config: Arc::new(AnalyticsConfig::builtin().map_err(|e| e.to_string())?),
            geoip: None,
            threat_list: None,
        })
    }

    /// The catalogued service of `domain` (and request path), with whether
    /// the policy sanctions it.
    pub fn service_ref(&self, domain: &str, path: Option<&str>) -> Option<ServiceRef> {
        self.service_ref_with(domain, path, &mut |s| Arc::from(s))
    }

    /// [`Self::service_ref`], its names shared through `names` (the engine
    /// looks up every web request).
    pub fn service_ref_in(
        &self,
        domain: &str,
        path: Option<&str>,
        names: &mut Interner,
    ) -> Option<ServiceRef> {
        self.service_ref_with(domain, path, &mut |s| names.get(s))
    }

    fn service_ref_with(
        &self,
        domain: &str,
        path: Option<&str>,
        name: &mut dyn FnMut(&str) -> Arc<str>,
    ) -> Option<ServiceRef> {
        let m = self.intel.services.lookup(domain, path)?;
        Some(ServiceRef {
            id: name(&m.entry.id),
            name: name(&m.entry.service),
            category: name(m.entry.category.as_str()),
            technique: name(m.entry.technique.as_str()),
            upload_endpoint: m.upload,
            tenant: m.tenant.as_deref().map(&mut *name),
            sanctioned: self.policy.is_sanctioned_match(&m, domain),
        })
    }
}
