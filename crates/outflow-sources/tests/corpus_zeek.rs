//! Every Zeek log of the shared corpus (real captures from RITA and zat,
//! Bro 2.2 to Zeek 9 headers, TSV and JSON) is detected and read with no
//! reject, one event per data line; the deliberately truncated file loses
//! only its cut final line.

use outflow_event::{Position, RejectReason, SourceKind};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/zeek");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: Zeek corpus not found at {} — corpus tests not run",
            dir.display()
        );
        None
    }
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read corpus dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "log") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Lines that are neither empty nor `#` headers/comments, and their count.
fn data_lines(path: &Path) -> Vec<u64> {
    let text = std::fs::read_to_string(path).expect("read corpus file");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

#[test]
fn every_corpus_log_is_detected_and_read_without_rejects() {
    let Some(dir) = corpus() else { return };
    let files = log_files(&dir);
    assert!(
        files.len() >= 29,
        "expected the 29 corpus logs, found {}",
        files.len()
    );
    let mut norm = Normalizer::new(Arc::new(Mappings::builtin().expect("built-in mappings")));
    let mut total = 0;
    for path in &files {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let (outcome, sink) = read_to_vec(&InputSpec::File(path.clone()), None, &Limits::default());
        let json = name.starts_with("rita-json")
            || name.starts_with("zat-json")
            || name.contains("json_iso8601");
        let want = if json {
            SourceKind::ZeekJson
        } else {
            SourceKind::ZeekTsv
        };
        assert_eq!(outcome.format, Some(want), "{name}");
        let lines = data_lines(path);
        if name.ends_with("conn_truncated.log") {
            // Cut mid-line on purpose: only the last line is lost.
            let last = *lines.last().expect("data lines");
            assert_eq!(sink.rejects.len(), 1, "{name}: {:?}", sink.rejects);
            let r = &sink.rejects[0];
            assert!(
                matches!(
                    r.reason,
                    RejectReason::ColumnCount | RejectReason::Truncated
                ),
                "{name}: {r}"
            );
            assert_eq!(r.origin.position, Position::Line(last), "{name}");
            assert_eq!(sink.events.len(), lines.len() - 1, "{name}");
        } else {
            assert!(sink.rejects.is_empty(), "{name}: {:?}", sink.rejects);
            assert_eq!(sink.events.len(), lines.len(), "{name}");
            let positions: Vec<u64> = sink
                .events
                .iter()
                .map(|e| match e.origin.position {
                    Position::Line(n) => n,
                    p => panic!("{name}: position {p}"),
                })
                .collect();
            assert_eq!(positions, lines, "{name}");
        }
        // btest baselines mask their times (XXXXXXXXXX.XXXXXX) or have no `ts`.
        let real_ts = !name.starts_with("zeek-btest-tsv/");
        for mut ev in sink.events {
            norm.normalize(&mut ev);
            assert!(!ev.logsources.is_empty(), "{name}: no logsource");
            assert_eq!(ev.logsources[0].product.as_deref(), Some("zeek"), "{name}");
            if real_ts {
                assert!(ev.ts.is_some(), "{name}: {} has no time", ev.origin);
            }
            // Every log that names its path gets its service.
            if let Some(path) = ev.get_str("_path") {
                let service = ev.logsources[0].service.as_deref();
                assert_eq!(service, Some(path), "{name}");
            }
        }
        total += lines.len();
    }
    eprintln!("read {} corpus files, {total} data lines", files.len());
}

#[test]
fn corpus_logs_get_their_service_and_entity() {
    let Some(dir) = corpus() else { return };
    let norm = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let expect = [
        ("rita-proxy-tsv/conn.log", "conn"),
        ("rita-proxy-tsv/dns.log", "dns"),
        ("rita-proxy-tsv/http.log", "http"),
        ("rita-proxy-tsv/ssl.log", "ssl"),
        ("rita-proxy-tsv/files.log", "files"),
        ("zat-json/conn.log", "conn"),
        ("zat-json/dns.log", "dns"),
        ("zat-json/http.log", "http"),
        ("zat-json/ssl.log", "ssl"),
        ("zat-json/files.log", "files"),
        ("zat-bro22-tsv/ssl.log", "ssl"),
    ];
    for (file, service) in expect {
        let (_, sink) = read_to_vec(&InputSpec::File(dir.join(file)), None, &Limits::default());
        let mut n = Normalizer::new(norm.clone());
        for mut ev in sink.events {
            n.normalize(&mut ev);
            assert_eq!(ev.get_str("_path"), Some(service), "{file}");
            assert_eq!(ev.logsources[0].service.as_deref(), Some(service), "{file}");
            if service != "files" {
                assert!(
                    ev.entity.src_ip.is_some() && ev.entity.dst_ip.is_some(),
                    "{file}: {}",
                    ev.origin
                );
            }
        }
    }
}

#[test]
fn btest_json_baseline_keeps_its_iso_times_as_text() {
    // A btest baseline of Zeek's JSON writer in ISO 8601 mode: its one column
    // is `t`, not `ts`, so the record has no event time and no inferable log
    // name; it is still a Zeek record (product zeek) with `t` kept as written.
    let Some(dir) = corpus() else { return };
    let path = dir.join("zeek-btest-tsv/json_iso8601_ts_example.log");
    let (outcome, sink) = read_to_vec(&InputSpec::File(path), None, &Limits::default());
    assert_eq!(outcome.format, Some(SourceKind::ZeekJson));
    assert_eq!(sink.events.len(), 10);
    let ev = &sink.events[0];
    assert_eq!(ev.get_str("t"), Some("2008-07-09T16:13:30.005432Z"));
    assert_eq!(ev.ts, None);
    assert_eq!(ev.get("_path"), None);
}
