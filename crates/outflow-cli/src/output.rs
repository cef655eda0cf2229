//! Setting up a run from the shared read options, and where output goes.

use crate::args::{OutFormat, ReadArgs};
use crate::Failure;
use outflow_event::SourceKind;
use outflow_normalize::Mappings;
use outflow_pipeline::RunConfig;
use outflow_sources::{expand::ExpandError, expand_inputs, Limits};
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

/// Builds the run configuration; paths that cannot be listed come back
/// beside it so they can be reported (and fail a `--strict` run).
pub fn prepare(read: &ReadArgs, ordered: bool) -> Result<(RunConfig, Vec<ExpandError>), Failure> {
    let forced = match &read.input_format {
        Some(f) => Some(f.parse::<SourceKind>().map_err(Failure::Usage)?),
        None => None,
    };
    let mappings = Mappings::load(read.mappings.as_deref())
        .map_err(|e| Failure::Usage(format!("mapping files: {e}")))?;
    let (inputs, missing) = expand_inputs(&read.paths);
    if read.strict {
        if let Some(m) = missing.first() {
            return Err(Failure::Fatal(format!(
                "cannot read {}: {} (--strict)",
                m.path.display(),
                m.error
            )));
        }
    }
    if inputs.is_empty() {
        for m in &missing {
            eprintln!(
                "outflow: warning: cannot read {}: {}",
                m.path.display(),
                m.error
            );
        }
        return Err(Failure::Usage("no input files found".to_string()));
    }
    if read.max_line_bytes == 0 || read.max_json_depth == 0 {
        return Err(Failure::Usage(
            "--max-line-bytes and --max-json-depth must be above 0".to_string(),
        ));
    }
    let threads = read.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let cfg = RunConfig {
        inputs,
        forced,
        limits: Limits {
            max_line_bytes: read.max_line_bytes,
            max_json_depth: read.max_json_depth,
            max_record_bytes: read.max_record_bytes.max(read.max_line_bytes),
            ..Limits::default()
        },
        threads: threads.max(1),
        strict: read.strict,
        ordered,
        merge_by_time: false,
        mappings: Arc::new(mappings),
        range: Default::default(),
        matchers: None,
        deliver_events: true,
        flagged_only: false,
        projection: None,
        merge_limits: Default::default(),
    };
    Ok((cfg, missing))
}

/// The output format, defaulting to a table on a terminal and JSON lines elsewhere.
pub fn resolve_format(format: Option<OutFormat>, to_file: bool) -> OutFormat {
    format.unwrap_or(if !to_file && io::stdout().is_terminal() {
        OutFormat::Table
    } else {
        OutFormat::Jsonl
    })
}

pub fn open_output(path: Option<&Path>) -> Result<Box<dyn Write + Send>, Failure> {
    match path {
        None => Ok(Box::new(io::stdout())),
        Some(p) => std::fs::File::create(p)
            .map(|f| Box::new(f) as Box<dyn Write + Send>)
            .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", p.display()))),
    }
}

/// True when an output error only means the reader went away (`| head`).
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// Ends a run's output: a broken pipe (the reader went away, `| head`) is
/// neither an error nor a strict stop; any other write error is fatal.
pub fn check_written(
    err: Option<io::Error>,
    what: &str,
    summary: &mut outflow_pipeline::Summary,
) -> Result<(), Failure> {
    match err {
        Some(e) if !is_broken_pipe(&e) => Err(Failure::Fatal(format!("writing {what}: {e}"))),
        Some(_) => {
            summary.totals.stopped_early = false;
            Ok(())
        }
        None => Ok(()),
    }
}

/// A `--strict` run that met a reject ends with exit 1.
pub fn strict_outcome(strict: bool, summary: &outflow_pipeline::Summary) -> Result<(), Failure> {
    if strict && summary.totals.rejects > 0 {
        return Err(Failure::Fatal(
            "stopped at the first reject (--strict)".to_string(),
        ));
    }
    Ok(())
}
