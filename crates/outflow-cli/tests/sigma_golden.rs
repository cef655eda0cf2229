//! Every hit of the whole SigmaHQ rule set (rules, rules-emerging-threats,
//! rules-threat-hunting, rules-compliance, and rules-placeholder with the
//! test placeholder map) over every regression `.evtx` sample, as sorted
//! `sample<TAB>rule-id<TAB>count` lines in
//! `tests/golden/sigma-regression-hits.tsv`, so any change in reading,
//! normalizing or matching shows up in review.
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p outflow-cli --test sigma_golden`.

mod common;

use common::{corpus, files, hunt, placeholders};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[test]
fn sigma_regression_hits() {
    let Some(base) = corpus("sigma_regression_hits") else {
        return;
    };
    let full = base.join("sigma/full");
    let rules: Vec<PathBuf> = [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-placeholder",
    ]
    .iter()
    .map(|d| full.join(d))
    .collect();
    let data = base.join("regression/regression_data");
    let samples = files(&data, &|p| p.extension().is_some_and(|e| e == "evtx"));
    assert!(samples.len() > 150);
    let rule_refs: Vec<&Path> = rules.iter().map(PathBuf::as_path).collect();
    let sample_refs: Vec<&Path> = samples.iter().map(PathBuf::as_path).collect();
    let ph = placeholders().display().to_string();
    let alerts = hunt(&rule_refs, &["--placeholders", ph.as_str()], &sample_refs);
    let mut hits: BTreeMap<(String, String), u64> = BTreeMap::new();
    for a in &alerts {
        let file = a["origin"]["file"].as_str().unwrap_or_default();
        let rel = Path::new(file)
            .strip_prefix(&data)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| file.to_string());
        let id = a["rule"]["id"].as_str().unwrap_or_default().to_string();
        *hits.entry((rel, id)).or_insert(0) += 1;
    }
    let actual: String = hits
        .iter()
        .map(|((f, r), n)| format!("{f}\t{r}\t{n}\n"))
        .collect();
    println!(
        "{} alerts: {} (sample, rule) pairs over {} samples",
        alerts.len(),
        hits.len(),
        samples.len()
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sigma-regression-hits.tsv");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let exp: Vec<&str> = expected.lines().collect();
        let act: Vec<&str> = actual.lines().collect();
        let gone: Vec<&&str> = exp.iter().filter(|l| !act.contains(l)).take(10).collect();
        let new: Vec<&&str> = act.iter().filter(|l| !exp.contains(l)).take(10).collect();
        panic!(
            "sigma-regression-hits.tsv differs ({} vs {} lines)\nonly in the golden file: {gone:#?}\nonly now: {new:#?}\n(UPDATE_GOLDEN=1 to accept)",
            exp.len(),
            act.len()
        );
    }
}
