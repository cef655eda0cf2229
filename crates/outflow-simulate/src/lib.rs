//! `outflow-simulate`: a deterministic, labelled corpus of telemetry in every
//! input format outflow reads, with ground truth.
//!
//! [`simulate`] builds an organisation from a seed ([`world`]), lets every
//! host go about its day ([`background`]) while exfiltration stories happen
//! ([`stories`]), and writes each activity into every log that would see it
//! ([`render`], one module per format in [`formats`]) under `OUT/logs/`,
//! hour by hour through a time-ordered queue, with buffered writers and
//! nothing of the corpus held in memory. `OUT/truth.jsonl` labels each story
//! with the file and line of every record it wrote; `OUT/policy.yml` is the
//! simulated organisation's policy (its domains, tenants, buckets, networks)
//! for `outflow hunt --policy`; `OUT/summary.json`
//! counts the background. See the crate's README for the schema.

pub mod activity;
pub mod background;
pub mod cli;
pub mod clock;
pub mod formats;
pub mod out;
pub mod policy;
pub mod render;
pub mod rng;
pub mod scene;
pub mod services;
pub mod stories;
pub mod truth;
pub mod world;

use activity::Queue;
use clock::{Micros, HOUR};
use out::Out;
pub use out::{Evidence, FileId, FileReport};
use scene::Scene;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to generate.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// Number of hosts (about three Windows workstations to one Linux server).
    pub hosts: usize,
    pub days: u32,
    /// Background records per host per day, roughly (over all logs).
    pub events_per_host_day: u64,
    /// Midnight UTC of the first day.
    pub start: Micros,
    /// Whether to add the exfiltration stories.
    pub stories: bool,
    /// Remove an earlier corpus (`logs/`, `truth.jsonl`, `summary.json`) first.
    pub overwrite: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            hosts: 20,
            days: 7,
            events_per_host_day: 2000,
            start: clock::parse_date("2026-11-16").unwrap_or(0),
            stories: true,
            overwrite: false,
        }
    }
}

/// What was written.
#[derive(Clone, Debug)]
pub struct SimReport {
    pub files: Vec<FileReport>,
    pub stories: usize,
    pub records: u64,
    pub story_records: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub mb_per_s: f64,
    pub truth: PathBuf,
    pub summary: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("{0} already holds a corpus (logs/); choose an empty folder or overwrite")]
    NotEmpty(PathBuf),
    #[error("writing the corpus: {0}")]
    Io(#[from] io::Error),
}

fn check(cfg: &SimConfig) -> Result<(), Error> {
    if cfg.hosts == 0 || cfg.hosts > 100_000 {
        return Err(Error::Config(format!(
            "hosts must be 1..=100000, not {}",
            cfg.hosts
        )));
    }
    if cfg.days == 0 || cfg.days > 366 {
        return Err(Error::Config(format!(
            "days must be 1..=366, not {}",
            cfg.days
        )));
    }
    if cfg.events_per_host_day > 10_000_000 {
        return Err(Error::Config(
            "events per host per day must be at most 10000000".into(),
        ));
    }
    Ok(())
}

/// Generates the corpus under `out_dir` (created if needed).
pub fn simulate(cfg: &SimConfig, out_dir: &Path) -> Result<SimReport, Error> {
    check(cfg)?;
    let began = Instant::now();
    let logs = out_dir.join("logs");
    let truth_path = out_dir.join("truth.jsonl");
    let summary_path = out_dir.join("summary.json");
    if logs.exists() {
        if !cfg.overwrite {
            return Err(Error::NotEmpty(out_dir.to_path_buf()));
        }
        fs::remove_dir_all(&logs)?;
    }
    fs::create_dir_all(out_dir)?;

    let w = world::World::build(cfg.seed, cfg.hosts);
    let mut q = Queue::default();
    let win = stories::Window {
        start: cfg.start,
        days: cfg.days,
    };
    let planned = if cfg.stories {
        stories::plan(&w, &mut q, cfg.seed, win)
    } else {
        Vec::new()
    };
    let mut out = Out::new(out_dir, planned.len());
    let mut renderer = render::Renderer::new(cfg.seed);
    let mut bg = background::Background::new(w.hosts.len(), cfg.events_per_host_day);
    let mut rng = rng::Rng::derive(cfg.seed, "background");
    let mut slack_rng = rng::Rng::derive(cfg.seed, "background-slack");
    let hours = cfg.days as i64 * 24;
    for hour in 0..hours {
        let t0 = cfg.start + hour * HOUR;
        {
            let mut sc = Scene::new(&w, &mut q, &mut rng, None);
            bg.hour(&mut sc, t0);
        }
        {
            let mut sc = Scene::new(&w, &mut q, &mut slack_rng, None);
            background::slack::hour(&mut sc, t0);
        }
        while let Some(a) = q.pop_before(t0 + HOUR) {
            renderer.render(a, &w, &mut out, &mut q)?;
        }
    }
    // Sessions still open at the end (long tunnels): their firewall records.
    while let Some(a) = q.pop_before(Micros::MAX) {
        renderer.render(a, &w, &mut out, &mut q)?;
    }
    out.finish()?;

    let mut b = String::new();
    let mut tw = io::BufWriter::new(fs::File::create(&truth_path)?);
    for (i, p) in planned.iter().enumerate() {
        b.clear();
        truth::story_line(
            &mut b,
            &w,
            p,
            out.evidence.get(i).map_or(&[], |v| v.as_slice()),
        );
        tw.write_all(b.as_bytes())?;
    }
    tw.flush()?;

    let totals = truth::Totals {
        records: out.files.iter().map(|f| f.records).sum(),
        story_records: out.files.iter().map(|f| f.story_records).sum(),
        bytes: out.files.iter().map(|f| f.bytes).sum(),
        seconds: began.elapsed().as_secs_f64(),
    };
    b.clear();
    truth::summary(&mut b, cfg, &w, &out.files, planned.len(), &totals);
    fs::write(&summary_path, &b)?;
    fs::write(out_dir.join("policy.yml"), policy::text())?;

    Ok(SimReport {
        files: std::mem::take(&mut out.files),
        stories: planned.len(),
        records: totals.records,
        story_records: totals.story_records,
        bytes: totals.bytes,
        seconds: totals.seconds,
        mb_per_s: truth::mb_per_s(totals.bytes, totals.seconds),
        truth: truth_path,
        summary: summary_path,
    })
}
