//! The command line of the simulator, shared by `outflow simulate` and the
//! standalone `outflow-simulate` binary.

use crate::{clock, simulate, Error, SimConfig};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct SimulateArgs {
    /// Output folder: logs/ (the corpus), truth.jsonl, summary.json.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Seed: the same seed gives the same corpus, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 20)]
    pub hosts: usize,
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Background records per host per day (roughly).
    #[arg(long, default_value_t = 2000)]
    pub events_per_host_day: u64,
    /// First day (UTC), YYYY-MM-DD.
    #[arg(long, default_value = "2026-11-16")]
    pub start: String,
    /// Background only.
    #[arg(long)]
    pub no_stories: bool,
    /// Replace an earlier corpus in the output folder.
    #[arg(long)]
    pub overwrite: bool,
}

/// How a simulation run failed: bad arguments (exit 2) or an I/O error (exit 1).
pub enum CliError {
    Usage(String),
    Fatal(String),
}

/// Runs the simulator and prints what it wrote.
pub fn run(a: &SimulateArgs) -> Result<(), CliError> {
    let start = clock::parse_date(&a.start)
        .ok_or_else(|| CliError::Usage(format!("--start must be YYYY-MM-DD, not {:?}", a.start)))?;
    let cfg = SimConfig {
        seed: a.seed,
        hosts: a.hosts,
        days: a.days,
        events_per_host_day: a.events_per_host_day,
        start,
        stories: !a.no_stories,
        overwrite: a.overwrite,
    };
    let r = simulate(&cfg, &a.out).map_err(|e| match e {
        Error::Io(_) => CliError::Fatal(e.to_string()),
        _ => CliError::Usage(e.to_string()),
    })?;
    for f in &r.files {
        println!(
            "{:>12} records {:>14} bytes  {:<14} {}",
            f.records, f.bytes, f.format, f.path
        );
    }
    println!(
        "{} records ({} from {} stories), {:.1} MB in {:.2} s: {:.1} MB/s\ntruth: {}\nsummary: {}",
        r.records,
        r.story_records,
        r.stories,
        r.bytes as f64 / 1048576.0,
        r.seconds,
        r.mb_per_s,
        r.truth.display(),
        r.summary.display()
    );
    Ok(())
}
