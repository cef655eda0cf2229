//! What the stateful-analytic tests share: records read through the real
//! readers and normalizer, a context with a policy and settings, the
//! engine run in event-time order, a small simulated corpus, and a small
//! geolocation database written in the MaxMind format.
#![allow(dead_code)] // each test file uses its own subset

use outflow_analytics::geoip::GeoIp;
use outflow_analytics::threat_list::ThreatList;
use outflow_analytics::{AnalyticsConfig, AnalyticsEngine, Ctx, Projector, StatefulAnalytic};
use outflow_detect::{Analytic, Finding};
use outflow_event::{Event, Timestamp};
use outflow_intel::{Intel, Policy};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Reads `path` (format detected) and normalizes its events.
pub fn read_file(path: &Path) -> Vec<Event> {
    let (_, sink) = read_to_vec(
        &InputSpec::File(path.to_path_buf()),
        None,
        &Limits::default(),
    );
    let mut norm = Normalizer::new(Arc::new(Mappings::builtin().expect("built-in mappings")));
    let mut events = sink.events;
    for ev in &mut events {
        norm.normalize(ev);
    }
    events
}

/// Writes `text` to a file called `name` and reads it back as events.
pub fn read_text(name: &str, text: &str) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let evs = read_file(&path);
    assert!(!evs.is_empty(), "no events read from {name}");
    evs
}

/// A context with the built-in catalogs, `policy` and the built-in settings
/// with `overrides` (analytics.yml text) over them.
pub fn ctx(policy: &str, overrides: &str) -> Ctx {
    let mut config = AnalyticsConfig::builtin().unwrap();
    if !overrides.is_empty() {
        config.merge("test overrides", overrides).unwrap();
    }
    Ctx::new(
        Arc::new(Intel::builtin().unwrap()),
        Arc::new(Policy::from_yaml("test policy", policy).unwrap()),
        Arc::new(config),
    )
}

pub fn with_list(ctx: Ctx, list: &str) -> Ctx {
    ctx.with_threat_list(Some(Arc::new(
        ThreatList::parse("intel.txt", list).unwrap(),
    )))
}

/// Runs one analytic over `events` in event-time order, advancing the
/// watermark with each event, and returns its findings and the analytic's
/// state afterwards (snapshot).
pub fn run(
    ctx: Ctx,
    build: impl FnOnce(&Arc<Ctx>) -> Box<dyn StatefulAnalytic>,
    mut events: Vec<Event>,
) -> (Vec<Finding>, serde_json::Value) {
    let ctx = Arc::new(ctx);
    let analytic = build(&ctx);
    let mut engine = AnalyticsEngine::new(ctx, vec![analytic]);
    events.sort_by_key(|e| e.ts.map(|t| t.0).unwrap_or(0));
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
    let snap = engine.snapshot();
    (out, snap)
}

/// A small simulated corpus (all stories, light background), made once per
/// test binary.
pub fn sim() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let cfg = outflow_simulate::SimConfig {
            seed: 1,
            hosts: 20,
            days: 3,
            events_per_host_day: 400,
            ..outflow_simulate::SimConfig::default()
        };
        outflow_simulate::simulate(&cfg, dir.path()).unwrap();
        let p = dir.path().to_path_buf();
        (dir, p)
    })
    .1
}

/// Events of the simulated corpus's files under `logs/` (relative paths).
pub fn sim_events(files: &[&str]) -> Vec<Event> {
    let mut out = Vec::new();
    for f in files {
        out.extend(read_file(&sim().join("logs").join(f)));
    }
    out
}

/// The simulated truth: (story id, user, hosts) per story.
pub fn sim_truth() -> Vec<serde_json::Value> {
    std::fs::read_to_string(sim().join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A geolocation database in the MaxMind format: networks (CIDR, IPv4 or
/// IPv6) to (country, latitude, longitude), built like GeoLite2-City.
pub fn geo_db(networks: &[(&str, &str, f64, f64)]) -> GeoIp {
    use outflow_analytics::geoip_writer::{city_db, Place};
    let places: Vec<Place> = networks
        .iter()
        .map(|(network, country, latitude, longitude)| Place {
            network,
            iso_code: country,
            country,
            latitude: *latitude,
            longitude: *longitude,
        })
        .collect();
    GeoIp::from_bytes(city_db(&places).unwrap()).unwrap()
}
