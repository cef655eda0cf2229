//! `outflow-simulate --out DIR [--seed N] [--hosts N] [--days N]
//! [--events-per-host-day N] [--start YYYY-MM-DD] [--no-stories] [--overwrite]`
//! (the same as `outflow simulate`).

use clap::Parser;
use outflow_simulate::cli::{run, CliError, SimulateArgs};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "outflow-simulate",
    about = "Generate a labelled telemetry corpus (every outflow input format) with ground truth"
)]
struct Args {
    #[command(flatten)]
    sim: SimulateArgs,
}

fn main() -> ExitCode {
    match run(&Args::parse().sim) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(m)) => {
            eprintln!("outflow-simulate: {m}");
            ExitCode::from(2)
        }
        Err(CliError::Fatal(m)) => {
            eprintln!("outflow-simulate: {m}");
            ExitCode::from(1)
        }
    }
}
