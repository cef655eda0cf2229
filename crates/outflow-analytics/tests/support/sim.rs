//! Simulated corpora (seed 1, 20 hosts, 3 days: the stories of the
//! reference corpus) with their truth, each made once per test binary, and
//! the stories a finding belongs to.

use super::read::{read_dir, read_file};
use outflow_detect::Finding;
use outflow_event::Event;
use std::path::Path;
use std::sync::OnceLock;

/// Simulates into a new folder with `events_per_host_day` of background;
/// the folder and the truth (one value per story).
fn simulate(events_per_host_day: u64) -> (tempfile::TempDir, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = outflow_simulate::SimConfig {
        seed: 1,
        hosts: 20,
        days: 3,
        events_per_host_day,
        ..outflow_simulate::SimConfig::default()
    };
    outflow_simulate::simulate(&cfg, dir.path()).expect("simulate");
    let truth = std::fs::read_to_string(dir.path().join("truth.jsonl"))
        .expect("truth")
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth line"))
        .collect();
    (dir, truth)
}

/// The corpus with the simulator's usual background, every log read, the
/// events in time order.
pub struct Sim {
    pub events: Vec<Event>,
    pub truth: Vec<serde_json::Value>,
    _dir: tempfile::TempDir,
}

pub fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        let (dir, truth) = simulate(outflow_simulate::SimConfig::default().events_per_host_day);
        let events = read_dir(&dir.path().join("logs"));
        Sim {
            events,
            truth,
            _dir: dir,
        }
    })
}

/// The corpus with a light background (400 records per host and day), kept
/// on disk for tests that read some of its logs.
pub struct LightSim {
    pub truth: Vec<serde_json::Value>,
    dir: tempfile::TempDir,
}

impl LightSim {
    /// Events of the corpus's files under `logs/` (relative paths).
    pub fn events(&self, files: &[&str]) -> Vec<Event> {
        let logs = self.dir.path().join("logs");
        files
            .iter()
            .flat_map(|f| read_file(&logs.join(f)))
            .collect()
    }
}

pub fn light_sim() -> &'static LightSim {
    static SIM: OnceLock<LightSim> = OnceLock::new();
    SIM.get_or_init(|| {
        let (dir, truth) = simulate(400);
        LightSim { truth, dir }
    })
}

/// The story with this id prefix (`S27`).
pub fn story<'a>(sim: &'a Sim, prefix: &str) -> &'a serde_json::Value {
    sim.truth
        .iter()
        .find(|t| t["id"].as_str().is_some_and(|id| id.starts_with(prefix)))
        .expect("story")
}

/// Whether a finding's host is one of the story's hosts (by name or address).
pub fn on_story_host(f: &Finding, story: &serde_json::Value) -> bool {
    let host = f.entity.host.as_deref().unwrap_or("").to_ascii_lowercase();
    let names = story["hosts"].as_array().into_iter().flatten();
    let ips = story["host_ips"].as_array().into_iter().flatten();
    names.chain(ips).filter_map(|v| v.as_str()).any(|h| {
        let h = h.to_ascii_lowercase();
        host == h || host.starts_with(&format!("{h}."))
    })
}

/// Story ids whose evidence an alert cites (by file name and line).
pub fn stories_of(
    f: &Finding,
    evidence: &std::collections::HashMap<(String, u64), String>,
) -> Vec<String> {
    let mut ids: Vec<String> = f
        .evidence
        .iter()
        .filter_map(|e| {
            let file = Path::new(&*e.origin.file)
                .file_name()?
                .to_string_lossy()
                .to_string();
            let line = match e.origin.position {
                outflow_event::Position::Line(l) => l,
                _ => return None,
            };
            evidence.get(&(file, line)).cloned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
