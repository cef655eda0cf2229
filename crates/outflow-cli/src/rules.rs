//! Loading Sigma rules for `hunt` and `rules`: placeholders, the engine's
//! load report, and the link from each compiled rule back to its document.

use crate::args::RuleLoadArgs;
use crate::Failure;
use outflow_sigma::{DocKind, LoadEntry, LoadReport, Outcome, Pipeline, Placeholders, RuleSet};
use std::path::PathBuf;

/// How many rejections `hunt` prints before pointing at `rules check`.
const SHOWN: usize = 5;

/// What rules are compiled with: placeholder values and pySigma pipelines.
#[derive(Default)]
pub struct RuleLoadOptions {
    pub placeholders: Option<Placeholders>,
    pub pipelines: Vec<Pipeline>,
}

/// Reads the placeholder file and pipelines named on the command line.
pub fn load_options(a: &RuleLoadArgs) -> Result<RuleLoadOptions, Failure> {
    let placeholders = match &a.placeholders {
        None => None,
        Some(p) => Some(
            Placeholders::from_file(p)
                .map_err(|e| Failure::Usage(format!("placeholder file {e}")))?,
        ),
    };
    let mut pipelines = Vec::new();
    for p in &a.pipelines {
        let pipeline = Pipeline::load(p).map_err(|e| Failure::Usage(format!("pipeline {e}")))?;
        if !pipeline.ignored.is_empty() {
            eprintln!(
                "outflow: note: pipeline '{}': {} ignored (they format backend queries; outflow matches events directly)",
                pipeline.name,
                pipeline.ignored.join(" and ")
            );
        }
        pipelines.push(pipeline);
    }
    Ok(RuleLoadOptions {
        placeholders,
        pipelines,
    })
}

/// Loads rules; paths that do not exist are a usage error (a typo must not
/// look like a clean run).
pub fn load(paths: &[PathBuf], opts: &RuleLoadOptions) -> Result<(RuleSet, LoadReport), Failure> {
    if let Some(p) = paths.iter().find(|p| !p.exists()) {
        return Err(Failure::Usage(format!(
            "rules: {} does not exist",
            p.display()
        )));
    }
    Ok(RuleSet::load_with_pipelines(
        paths,
        opts.placeholders.as_ref(),
        &opts.pipelines,
    ))
}

/// The load entry of every compiled rule, in rule order (rule `i` of the
/// set came from the `i`-th loaded rule document).
pub fn rule_entries(report: &LoadReport) -> Vec<&LoadEntry> {
    report
        .entries
        .iter()
        .filter(|e| e.kind == DocKind::Rule && e.outcome == Outcome::Loaded)
        .collect()
}

/// `file#doc [id]: kind: detail`
pub fn reject_line(e: &LoadEntry, r: &outflow_sigma::Reject) -> String {
    format!(
        "{}#{} [{}]: {r}",
        e.file.display(),
        e.doc,
        e.id.as_deref().or(e.title.as_deref()).unwrap_or("-")
    )
}

/// The lines `hunt` prints about the rules it loaded.
pub fn load_lines(report: &LoadReport, selected: usize, paths: &[PathBuf]) -> Vec<String> {
    let loaded = report.loaded_rules();
    let rejected = report.rejected().count();
    let mut head = format!("sigma: {loaded} rules loaded");
    if selected != loaded {
        head += &format!(", {selected} selected");
    }
    if rejected > 0 {
        let kinds: Vec<String> = report
            .rejected_by_kind()
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect();
        head += &format!(", {rejected} documents not loaded ({})", kinds.join(", "));
    }
    let mut out = vec![head];
    for (e, r) in report.rejected().take(SHOWN) {
        out.push(format!("  not loaded: {}", reject_line(e, r)));
    }
    if rejected > SHOWN {
        let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        out.push(format!(
            "  … {} more: `outflow rules check {}` lists all",
            rejected - SHOWN,
            args.join(" ")
        ));
    }
    for w in report.warnings.iter().take(SHOWN) {
        out.push(format!("  warning: {w}"));
    }
    out
}
