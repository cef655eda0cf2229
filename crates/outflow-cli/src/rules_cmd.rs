//! `outflow rules check`, `outflow rules list` and `outflow rules pack`.

use crate::args::{ReportFormat, RulesAction, RulesArgs};
use crate::rules::{load, load_options, reject_line, rule_entries};
use crate::select::RuleFilter;
use crate::Failure;
use outflow_sigma::{DocKind, LoadReport, RuleSet};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;

pub fn run(args: RulesArgs) -> Result<(), Failure> {
    match args.action {
        RulesAction::Check {
            paths,
            load: l,
            strict,
            format,
        } => {
            let opts = load_options(&l)?;
            let (set, report) = load(&paths, &opts)?;
            let text = match format {
                ReportFormat::Text => check_text(&set, &report),
                ReportFormat::Json => {
                    serde_json::to_string_pretty(&check_json(&set, &report)).unwrap_or_default()
                        + "\n"
                }
            };
            emit(&text)?;
            if strict && report.rejected().count() > 0 {
                return Err(Failure::Fatal(format!(
                    "{} rule documents rejected (--strict)",
                    report.rejected().count()
                )));
            }
            Ok(())
        }
        RulesAction::List {
            paths,
            load: l,
            select,
            format,
        } => {
            let filter = RuleFilter::parse(&select)?;
            let opts = load_options(&l)?;
            let (set, report) = load(&paths, &opts)?;
            emit(&list(&set, &report, &filter, format))
        }
        RulesAction::Pack { export: None } => {
            let (set, report) = RuleSet::from_texts(outflow_rulepack::RULES, None);
            emit(&list(
                &set,
                &report,
                &RuleFilter::default(),
                ReportFormat::Text,
            ))
        }
        RulesAction::Pack { export: Some(dir) } => export_pack(&dir),
    }
}

/// Writes the pack's files into `dir` (created if missing; existing files
/// of the same name are an error, so a user's edits are never overwritten).
fn export_pack(dir: &std::path::Path) -> Result<(), Failure> {
    let fail = |what: &str, e: std::io::Error| Failure::Fatal(format!("{what}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| fail(&dir.display().to_string(), e))?;
    for (name, text) in outflow_rulepack::RULES {
        let path = dir.join(name);
        if path.exists() {
            return Err(Failure::Usage(format!(
                "{} exists: export into an empty folder",
                path.display()
            )));
        }
        std::fs::write(&path, text).map_err(|e| fail(&path.display().to_string(), e))?;
    }
    eprintln!(
        "outflow: wrote {} rule files into {}",
        outflow_rulepack::RULES.len(),
        dir.display()
    );
    Ok(())
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Fatal(format!("writing: {e}")))
        }
        _ => Ok(()),
    }
}

fn filters(report: &LoadReport) -> usize {
    report
        .loaded()
        .filter(|e| e.kind == DocKind::Filter)
        .count()
}

fn counts<K: std::fmt::Display>(title: &str, m: &BTreeMap<K, usize>, out: &mut String) {
    out.push_str(title);
    out.push('\n');
    let mut rows: Vec<(&K, &usize)> = m.iter().collect();
    rows.sort_by(|a, b| {
        b.1.cmp(a.1)
            .then_with(|| a.0.to_string().cmp(&b.0.to_string()))
    });
    for (k, n) in rows {
        out.push_str(&format!("  {n:>6}  {k}\n"));
    }
}

fn check_text(set: &RuleSet, report: &LoadReport) -> String {
    let files: std::collections::BTreeSet<_> = report.entries.iter().map(|e| &e.file).collect();
    let rejected = report.rejected().count();
    let mut out = format!(
        "sigma: {} documents in {} files: {} rules and {} filters loaded, {} rejected\n",
        report.entries.len(),
        files.len(),
        set.len(),
        filters(report),
        rejected
    );
    if rejected > 0 {
        let by_kind: BTreeMap<&str, usize> = report
            .rejected_by_kind()
            .into_iter()
            .map(|(k, n)| (k.as_str(), n))
            .collect();
        counts("rejected, by reason:", &by_kind, &mut out);
        out.push_str("rejected documents (file#doc [rule id]: reason: construct):\n");
        for (e, r) in report.rejected() {
            out.push_str(&format!("  {}\n", reject_line(e, r)));
        }
    }
    if !report.warnings.is_empty() {
        out.push_str("warnings:\n");
        for w in &report.warnings {
            out.push_str(&format!("  {w}\n"));
        }
    }
    counts(
        "modifiers (loaded rules using each):",
        &report.modifier_counts,
        &mut out,
    );
    counts(
        "logsources (loaded rules per product/category/service):",
        &report.logsource_counts,
        &mut out,
    );
    out
}

fn check_json(set: &RuleSet, report: &LoadReport) -> Value {
    let rejections: Vec<Value> = report
        .rejected()
        .map(|(e, r)| {
            json!({
                "file": e.file.display().to_string(),
                "doc": e.doc,
                "id": e.id,
                "title": e.title,
                "kind": r.kind.as_str(),
                "detail": r.detail,
            })
        })
        .collect();
    let by_kind: BTreeMap<&str, usize> = report
        .rejected_by_kind()
        .into_iter()
        .map(|(k, n)| (k.as_str(), n))
        .collect();
    json!({
        "documents": report.entries.len(),
        "rules": set.len(),
        "filters": filters(report),
        "rejected": rejections.len(),
        "rejected_by_kind": by_kind,
        "rejections": rejections,
        "warnings": report.warnings,
        "modifiers": report.modifier_counts,
        "logsources": report.logsource_counts,
    })
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        format!("{s:<width$}")
    } else {
        let c: String = s.chars().take(width - 1).collect();
        format!("{c}…")
    }
}

fn list(set: &RuleSet, report: &LoadReport, filter: &RuleFilter, format: ReportFormat) -> String {
    let entries = rule_entries(report);
    let mut out = String::new();
    let mut items = Vec::new();
    for (i, r) in set.rules().iter().enumerate() {
        let m = &r.meta;
        if !filter.admits(m) {
            continue;
        }
        let id = m.id.as_deref().unwrap_or("-");
        let level = m.level.as_deref().unwrap_or("-");
        let status = m.status.as_deref().unwrap_or("-");
        match format {
            ReportFormat::Text => out.push_str(&format!(
                "{id:<36}  {level:<13}  {status:<12}  {}  {}\n",
                cut(&m.title.replace(['\n', '\t'], " "), 72),
                m.logsource
            )),
            ReportFormat::Json => items.push(json!({
                "id": m.id,
                "title": m.title,
                "level": m.level,
                "status": m.status,
                "logsource": {
                    "product": m.logsource.product,
                    "category": m.logsource.category,
                    "service": m.logsource.service,
                },
                "tags": m.tags,
                "attack": m.attack,
                "file": entries.get(i).map(|e| e.file.display().to_string()),
            })),
        }
    }
    if format == ReportFormat::Json {
        out = serde_json::to_string_pretty(&items).unwrap_or_default() + "\n";
    }
    out
}
