//! `outflow-simulate --out DIR [--seed N] [--hosts N] [--days N]
//! [--events-per-host-day N] [--start YYYY-MM-DD] [--no-stories] [--overwrite]`

use clap::Parser;
use outflow_simulate::{clock, simulate, SimConfig};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "outflow-simulate",
    about = "Generate a labelled telemetry corpus (every outflow input format) with ground truth"
)]
struct Args {
    /// Output folder: logs/ (the corpus), truth.jsonl, summary.json.
    #[arg(short, long)]
    out: PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 20)]
    hosts: usize,
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// Background records per host per day (roughly).
    #[arg(long, default_value_t = 2000)]
    events_per_host_day: u64,
    /// First day (UTC), YYYY-MM-DD.
    #[arg(long, default_value = "2026-11-16")]
    start: String,
    /// Background only.
    #[arg(long)]
    no_stories: bool,
    /// Replace an earlier corpus in the output folder.
    #[arg(long)]
    overwrite: bool,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let Some(start) = clock::parse_date(&a.start) else {
        eprintln!(
            "outflow-simulate: --start must be YYYY-MM-DD, not {:?}",
            a.start
        );
        return ExitCode::from(2);
    };
    let cfg = SimConfig {
        seed: a.seed,
        hosts: a.hosts,
        days: a.days,
        events_per_host_day: a.events_per_host_day,
        start,
        stories: !a.no_stories,
        overwrite: a.overwrite,
    };
    match simulate(&cfg, &a.out) {
        Ok(r) => {
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
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("outflow-simulate: {e}");
            ExitCode::from(match e {
                outflow_simulate::Error::Io(_) => 1,
                _ => 2,
            })
        }
    }
}
