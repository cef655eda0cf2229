//! Client-server Payload Profiling (D3FEND D3-CSPP): per destination, the
//! organisation's usual request size (bytes a client sends per request or
//! flow), kept as a log-size histogram; a request far above the
//! destination's baseline — a 200 MB POST to a site that usually gets 2 KB
//! requests — is reported.
//!
//! Web requests (proxy, Zeek http), flows (Zeek conn) and firewall sessions
//! have different sizes for one exchange, so each destination has one
//! profile per record family.

use super::common::{bound, micros, outbound, pairs, restore_state, sensor};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::view::View;
use crate::{ConfigError, Ctx};
use outflow_detect::Finding;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const ID: &str = "payload-profile";

/// Histogram buckets per doubling of size (quarter octaves: ±19 %).
const BUCKETS_PER_OCTAVE: f64 = 4.0;
/// Distinct clients remembered per profile (enough to tell "several"; at
/// least `min_hosts`).
const HOSTS_PER_PROFILE: usize = 8;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the meta keys are read through `AnalyticMeta`
struct Settings {
    risk: Option<u8>,
    /// Requests a destination's profile needs before it judges.
    min_samples: u32,
    /// Distinct clients a profile needs (one host's habit is no baseline).
    min_hosts: usize,
    /// The quantile of the baseline a request is compared with (0–1).
    quantile: f64,
    /// A request is reported above `factor` × that quantile ...
    factor: f64,
    /// ... and above this many bytes.
    min_bytes_out: u64,
    /// Seconds after an alert before the same host and destination alert again.
    cooldown: u64,
    /// Past this many samples a profile's counts are halved (it follows change).
    max_samples: u32,
    /// Most profiles kept (least recently used dropped first).
    max_destinations: usize,
    /// Bytes out above which the alert's risk is raised by one.
    high_bytes_out: u64,
}

/// A destination's request sizes for one record family.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Profile {
    /// (bucket, count), sorted by bucket.
    counts: Vec<(u8, u32)>,
    total: u32,
    hosts: Vec<Arc<str>>,
    last: i64,
}

impl Profile {
    fn add(&mut self, bytes: u64, host: &Arc<str>, now: i64, limits: (u32, usize)) {
        let (max_samples, max_hosts) = limits;
        let b = bucket(bytes);
        match self.counts.binary_search_by_key(&b, |c| c.0) {
            Ok(i) => self.counts[i].1 = self.counts[i].1.saturating_add(1),
            Err(i) => self.counts.insert(i, (b, 1)),
        }
        self.total = self.total.saturating_add(1);
        if self.total > max_samples {
            for c in &mut self.counts {
                c.1 /= 2;
            }
            self.counts.retain(|c| c.1 > 0);
            self.total = self.counts.iter().map(|c| c.1).sum();
        }
        if self.hosts.len() < max_hosts && !self.hosts.iter().any(|h| h == host) {
            self.hosts.push(host.clone());
        }
        self.last = now;
    }

    /// The upper size of the bucket holding quantile `q`.
    fn quantile(&self, q: f64) -> u64 {
        let want = (q.clamp(0.0, 1.0) * f64::from(self.total)).ceil() as u64;
        let mut seen = 0u64;
        for (b, n) in &self.counts {
            seen += u64::from(*n);
            if seen >= want.max(1) {
                return upper(*b);
            }
        }
        self.counts.last().map(|c| upper(c.0)).unwrap_or(0)
    }
}

fn bucket(bytes: u64) -> u8 {
    if bytes <= 1 {
        return 0;
    }
    ((bytes as f64).log2() * BUCKETS_PER_OCTAVE)
        .floor()
        .clamp(0.0, 255.0) as u8
}

fn upper(b: u8) -> u64 {
    (2f64)
        .powf((f64::from(b) + 1.0) / BUCKETS_PER_OCTAVE)
        .ceil() as u64
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// (destination, record family) → profile.
    #[serde(with = "pairs")]
    profiles: FxHashMap<(Arc<str>, Arc<str>), Profile>,
    /// (host, destination) → last alert (µs).
    #[serde(with = "pairs")]
    alerted: FxHashMap<(Arc<str>, Arc<str>), i64>,
}

pub struct PayloadProfile {
    meta: AnalyticMeta,
    settings: Settings,
    state: State,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(PayloadProfile::new(ctx)?))
}

impl PayloadProfile {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        Ok(PayloadProfile {
            meta: ctx.config.meta(ID)?,
            settings: ctx.config.section(ID)?,
            state: State::default(),
        })
    }
}

impl StatefulAnalytic for PayloadProfile {
    fn name(&self) -> &str {
        ID
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some((flow, bytes)) = outbound(view) else {
            return;
        };
        let (Some(host), Some(dest)) = (view.host.clone(), view.destination_key().cloned()) else {
            return;
        };
        if bytes == 0 {
            return;
        }
        let now = view.micros();
        let s = &self.settings;
        let family: Arc<str> = Arc::from(sensor(view));
        let key = (dest.clone(), family);
        if let Some(p) = self.state.profiles.get(&key) {
            let usual = p.quantile(s.quantile);
            let judged = p.total >= s.min_samples && p.hosts.len() >= s.min_hosts;
            let far = (bytes as f64) > s.factor * usual as f64;
            let sanctioned = flow.service.as_ref().is_some_and(|x| x.sanctioned);
            let quiet = self
                .state
                .alerted
                .get(&(host.clone(), dest.clone()))
                .is_some_and(|t| now.saturating_sub(*t) < micros(s.cooldown));
            if judged && far && bytes >= s.min_bytes_out && !sanctioned && !quiet {
                let target = flow.domain.as_deref().unwrap_or(&dest);
                let ratio = bytes as f64 / usual.max(1) as f64;
                let summary = format!(
                    "{host} sent {} in one {} to {target}, {ratio:.0}× the organisation's p{:.0} of {} over {} requests from {} hosts",
                    human_bytes(bytes),
                    if key.1.as_ref() == "http" { "request" } else { "flow" },
                    s.quantile * 100.0,
                    human_bytes(usual),
                    p.total,
                    p.hosts.len(),
                );
                let mut f = report::finding(ID, &self.meta, view, summary);
                f.fields
                    .insert("baseline_quantile_bytes".into(), usual.to_string());
                f.fields
                    .insert("baseline_samples".into(), p.total.to_string());
                f.fields
                    .insert("baseline_hosts".into(), p.hosts.len().to_string());
                f.fields.insert("ratio".into(), format!("{ratio:.0}"));
                f.fields.insert("record_family".into(), key.1.to_string());
                if let Some(m) = view.get("cs-method") {
                    f.fields.insert("method".into(), m.to_string());
                }
                let mut risk = self.meta.risk;
                if bytes >= s.high_bytes_out {
                    risk = risk.saturating_add(1);
                }
                if f.attack.iter().any(|t| t.starts_with("T1567.")) {
                    risk = risk.saturating_add(1);
                }
                report::set_risk(&mut f, risk.min(10));
                out.push(f);
                bound(&mut self.state.alerted, s.max_destinations, |t| *t);
                self.state.alerted.insert((host.clone(), dest.clone()), now);
            }
        }
        let (cap, max_samples) = (s.max_destinations, s.max_samples);
        let max_hosts = s.min_hosts.max(HOSTS_PER_PROFILE);
        if !self.state.profiles.contains_key(&key) {
            bound(&mut self.state.profiles, cap, |p| p.last);
        }
        self.state.profiles.entry(key).or_default().add(
            bytes,
            &host,
            now,
            (max_samples, max_hosts),
        );
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.state).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(s) = restore_state(ID, state)? {
            self.state = s;
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.state.profiles.len() + self.state.alerted.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_log_histogram() {
        let h: Arc<str> = Arc::from("h");
        let mut p = Profile::default();
        for i in 0..95 {
            p.add(2_000 + i, &h, 0, (10_000, 8));
        }
        for _ in 0..5 {
            p.add(50_000, &h, 0, (10_000, 8));
        }
        let p95 = p.quantile(0.95);
        assert!((2_000..2_600).contains(&p95), "{p95}");
        assert!(p.quantile(1.0) >= 50_000);
        // Halving keeps the shape.
        for _ in 0..20_000 {
            p.add(2_000, &h, 0, (10_000, 8));
        }
        assert!(p.total <= 10_000);
        assert!((2_000..2_600).contains(&p.quantile(0.95)));
    }
}
