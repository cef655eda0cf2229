//! Shared by the CLI tests: running the binary and golden files ([`run`]);
//! for the Sigma corpus tests, where the shared corpus is, the regression
//! samples with their expectations, the rule files by id.

#![allow(dead_code)]

mod run;
pub use run::*;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use yaml_serde::Value as Yaml;

/// `../shared/corpus` beside the checkout, or `None` (with a SKIP message).
pub fn corpus(test: &str) -> Option<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if base.join("regression/regression_data").is_dir() && base.join("sigma/full").is_dir() {
        Some(base)
    } else {
        eprintln!(
            "SKIP {test}: shared corpus not found at {} (SigmaHQ rules and regression samples)",
            base.display()
        );
        None
    }
}

pub fn placeholders() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../outflow-sigma/tests/fixtures/placeholders.yml")
}

/// One evtx regression test of one info.yml.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Folder of the info.yml, relative to `regression_data/`.
    pub name: String,
    pub rule_id: String,
    pub evtx: PathBuf,
    /// The `.json` twin next to the `.evtx`.
    pub json: PathBuf,
    /// `None`: at least one match expected.
    pub match_count: Option<u64>,
}

fn walk(dir: &Path, want: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut items: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    items.sort();
    for p in items {
        if p.is_dir() {
            walk(&p, want, out);
        } else if want(&p) {
            out.push(p);
        }
    }
}

pub fn files(dir: &Path, want: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, want, &mut out);
    out
}

/// Every evtx test of every `regression_data/**/info.yml`.
pub fn samples(corpus: &Path) -> Vec<Sample> {
    let data = corpus.join("regression/regression_data");
    let infos = files(&data, &|p| p.file_name().is_some_and(|n| n == "info.yml"));
    let mut out = Vec::new();
    for info in infos {
        let text = std::fs::read_to_string(&info).unwrap();
        let doc: Yaml = yaml_serde::from_str(&text).unwrap();
        let Some(rule_id) = doc["rule_metadata"][0]["id"].as_str() else {
            continue;
        };
        let name = info
            .parent()
            .unwrap()
            .strip_prefix(&data)
            .unwrap()
            .display()
            .to_string();
        let Some(tests) = doc["regression_tests_info"].as_sequence() else {
            continue;
        };
        for t in tests {
            if t["type"].as_str() != Some("evtx") {
                continue;
            }
            let Some(path) = t["path"].as_str() else {
                continue;
            };
            let evtx = corpus.join("regression").join(path);
            out.push(Sample {
                name: name.clone(),
                rule_id: rule_id.to_string(),
                json: evtx.with_extension("json"),
                evtx,
                match_count: t["match_count"].as_u64(),
            });
        }
    }
    out
}

/// Rule files under `sigma/full`, by the `id:` of their first document.
pub fn rules_by_id(corpus: &Path) -> HashMap<String, PathBuf> {
    let full = corpus.join("sigma/full");
    let mut out = HashMap::new();
    for f in files(&full, &|p| p.extension().is_some_and(|e| e == "yml")) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if let Some(id) = text
            .lines()
            .find_map(|l| l.strip_prefix("id:"))
            .map(|s| s.trim().trim_matches(['\'', '"']).to_string())
        {
            out.entry(id).or_insert(f);
        }
    }
    out
}

/// Runs `outflow hunt --format jsonl` and returns the alerts.
pub fn hunt(rules: &[&Path], extra: &[&str], inputs: &[&Path]) -> Vec<serde_json::Value> {
    let mut args: Vec<OsString> = ["hunt", "--format", "jsonl", "--quiet"]
        .iter()
        .map(OsString::from)
        .collect();
    for r in rules {
        args.push("--rules".into());
        args.push(r.into());
    }
    args.extend(extra.iter().map(OsString::from));
    args.extend(inputs.iter().map(OsString::from));
    outflow_in(Path::new("."), args).jsonl()
}
