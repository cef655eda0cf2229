//! The `outflow` binary: argument parsing and exit codes only; the work is
//! done by the library crates.
//!
//! Exit codes: 0 success, 1 fatal error (including a `--strict` stop),
//! 2 usage or configuration error.

mod analytics;
mod args;
mod baseline;
mod events;
mod hunt;
mod mappings;
mod matcher;
mod output;
mod progress;
mod report;
mod rules;
mod rules_cmd;
mod score;
mod select;

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How a command ended.
pub enum Failure {
    /// Bad arguments or configuration: exit 2.
    Usage(String),
    /// The run could not complete: exit 1.
    Fatal(String),
}

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        args::Command::Events(a) => events::run(a),
        args::Command::Hunt(a) => hunt::run(*a),
        args::Command::Baseline(a) => baseline::run(*a),
        args::Command::Formats => {
            mappings::formats();
            Ok(())
        }
        args::Command::Mappings(a) => mappings::run(a),
        args::Command::Rules(a) => rules_cmd::run(a),
        args::Command::Score(a) => score::run(&a),
        args::Command::Simulate(a) => outflow_simulate::cli::run(&a).map_err(|e| match e {
            outflow_simulate::cli::CliError::Usage(m) => Failure::Usage(m),
            outflow_simulate::cli::CliError::Fatal(m) => Failure::Fatal(m),
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("outflow: error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Fatal(m)) => {
            eprintln!("outflow: error: {m}");
            ExitCode::from(1)
        }
    }
}
