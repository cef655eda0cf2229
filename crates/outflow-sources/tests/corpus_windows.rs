//! Every `.evtx` of the SigmaHQ regression data against its `.json` twin:
//! both must read without rejects and give the same events (matched by
//! EventRecordID) with the same field values.
//!
//! The twins were rendered by an older evtx. What the readers already make
//! equal: GUIDs (upper case in braces) and `null` elements (left out). What
//! this comparison canonicalises, since the values mean the same:
//! - `TimeCreated`: compared at microseconds (evtx 0.15 writes the 7th digit,
//!   the FILETIME's 100 ns, which the twins dropped);
//! - strings: compared case-insensitively, as Sigma matches, and without
//!   trailing whitespace (the twins have hand-edited case, e.g. `Explorer.exe`
//!   for `Explorer.EXE`, and trimmed trailing spaces that Windows recorded).

use outflow_event::{time, Event, RejectReason, SourceKind, Value};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/regression/regression_data");
    dir.is_dir().then_some(dir)
}

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            evtx_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "evtx") {
            out.push(p);
        }
    }
}

/// Field name → canonical text of its value(s).
fn canonical(ev: &Event) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &ev.fields {
        let text = match (&**k, v) {
            ("TimeCreated", Value::Str(_)) => {
                let t = ev.display(v);
                let ts = time::parse_iso8601(&t).expect("TimeCreated parses");
                (ts.0 / 1000).to_string()
            }
            _ => ev.display(v).trim_end().to_lowercase(),
        };
        m.entry(k.to_string()).or_default().push(text);
    }
    m
}

fn record_id(ev: &Event) -> i64 {
    ev.get("EventRecordID")
        .and_then(Value::as_i64)
        .expect("EventRecordID")
}

#[test]
fn evtx_files_match_their_json_twins() {
    let Some(dir) = corpus() else {
        eprintln!(
            "SKIP: no SigmaHQ regression corpus at ../../../shared/corpus relative to the crate"
        );
        return;
    };
    let mut files = Vec::new();
    evtx_files(&dir, &mut files);
    assert!(!files.is_empty(), "no .evtx under {}", dir.display());
    let limits = Limits::default();
    let (mut compared, mut twins) = (0usize, 0usize);
    for evtx in &files {
        let (out, sink) = read_to_vec(&InputSpec::File(evtx.clone()), None, &limits);
        assert_eq!(out.format, Some(SourceKind::Evtx), "{}", evtx.display());
        assert!(
            sink.rejects.is_empty(),
            "{}: {:?}",
            evtx.display(),
            sink.rejects
        );
        assert!(!sink.events.is_empty(), "{}: no events", evtx.display());
        for ev in &sink.events {
            assert!(ev.ts.is_some(), "{}: event without time", evtx.display());
        }
        let json = evtx.with_extension("json");
        if !json.is_file() {
            continue;
        }
        twins += 1;
        let (jout, jsink) = read_to_vec(&InputSpec::File(json.clone()), None, &limits);
        assert_eq!(jout.format, Some(SourceKind::WinJson), "{}", json.display());
        assert!(
            jsink.rejects.is_empty(),
            "{}: {:?}",
            json.display(),
            jsink.rejects
        );
        let by_id: BTreeMap<i64, &Event> = jsink.events.iter().map(|e| (record_id(e), e)).collect();
        assert_eq!(
            by_id.len(),
            sink.events.len(),
            "{}: event counts differ",
            json.display()
        );
        for ev in &sink.events {
            let id = record_id(ev);
            let twin = by_id
                .get(&id)
                .unwrap_or_else(|| panic!("{}: record {id} missing", json.display()));
            assert_eq!(ev.ts.map(|t| t.0 / 1000), twin.ts.map(|t| t.0 / 1000));
            assert_eq!(
                canonical(ev),
                canonical(twin),
                "{}: record {id}",
                evtx.display()
            );
            compared += 1;
        }
    }
    eprintln!(
        "{} .evtx files, {twins} with JSON twins, {compared} events compared",
        files.len()
    );
}

/// The smallest corpus file with several records, and its event count.
fn small_multi_record_file(limits: &Limits) -> Option<(Vec<u8>, usize)> {
    let mut files = Vec::new();
    evtx_files(&corpus()?, &mut files);
    files.into_iter().find_map(|f| {
        let (_, sink) = read_to_vec(&InputSpec::File(f.clone()), None, limits);
        (sink.events.len() >= 3).then(|| (std::fs::read(&f).unwrap(), sink.events.len()))
    })
}

/// Writes `bytes` to `dir/name` and reads it back as EVTX (forced: the
/// damage may hit the file magic).
fn read_bytes(dir: &Path, name: &str, bytes: &[u8]) -> outflow_sources::CollectSink {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let (out, sink) = read_to_vec(
        &InputSpec::File(path),
        Some(SourceKind::Evtx),
        &Limits::default(),
    );
    assert_eq!(out.format, Some(SourceKind::Evtx));
    for r in &sink.rejects {
        assert!(!r.detail.is_empty(), "{r}");
    }
    sink
}

/// Damaged chunks and records are rejected with a reason and reading goes on.
#[test]
fn corrupted_chunk_is_rejected_without_panic() {
    let limits = Limits::default();
    let Some((bytes, n)) = small_multi_record_file(&limits) else {
        eprintln!("SKIP: no SigmaHQ regression corpus");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let chunk = &bytes[4096..4096 + 65536];
    let records: Vec<usize> = (512..chunk.len() - 4)
        .filter(|&i| chunk[i..i + 4] == [0x2a, 0x2a, 0, 0])
        .collect();

    // 1. A broken size in the header of the second record of the first chunk
    // (found by its `**\0\0` magic): that record fails, the parser resyncs.
    let mut damaged = bytes.clone();
    let at = 4096 + records[1] + 4;
    damaged[at..at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let sink = read_bytes(tmp.path(), "record.evtx", &damaged);
    assert_eq!(sink.events.len(), n - 1);
    assert_eq!(sink.rejects.len(), 1);
    assert_eq!(sink.rejects[0].reason, RejectReason::EvtxRecord);
    eprintln!(
        "damaged record header: {} of {n} kept; {}",
        sink.events.len(),
        sink.rejects[0]
    );

    // 1b. The chunk's last record with its magic gone: the parser takes it
    // for free space and says nothing; the chunk header's census reports it.
    // The header names where its last record starts (offset 44).
    let last = u32::from_le_bytes(chunk[44..48].try_into().unwrap()) as usize;
    assert!(records.contains(&last));
    let mut damaged = bytes.clone();
    let at = 4096 + last;
    damaged[at..at + 4].copy_from_slice(&[0, 0, 0, 0]);
    let sink = read_bytes(tmp.path(), "last.evtx", &damaged);
    assert_eq!(sink.events.len(), n - 1);
    assert_eq!(sink.rejects.len(), 1, "{:?}", sink.rejects);
    let r = &sink.rejects[0];
    assert_eq!(r.reason, RejectReason::EvtxRecord);
    let ids: Vec<u64> = sink
        .events
        .iter()
        .map(|e| match e.origin.position {
            outflow_event::Position::Record(id) => id,
            p => panic!("{p:?}"),
        })
        .collect();
    let lost = ids.iter().max().unwrap() + 1;
    assert_eq!(r.origin.position, outflow_event::Position::Record(lost));
    assert!(r.detail.contains("not found"), "{r}");
    eprintln!("damaged last record header: {}", r);

    // 2. Garbage inside the first record, where the chunk's templates and
    // names are defined: the chunk fails to build, all its records are lost.
    let mut damaged = bytes.clone();
    damaged[4096 + 512 + 200..4096 + 512 + 1200].fill(0xA7);
    let sink = read_bytes(tmp.path(), "names.evtx", &damaged);
    assert!(!sink.rejects.is_empty());
    assert!(sink
        .rejects
        .iter()
        .all(|r| matches!(r.reason, RejectReason::EvtxRecord | RejectReason::EvtxChunk)));
    eprintln!(
        "damaged records area: {} of {n} kept; {}",
        sink.events.len(),
        sink.rejects[0]
    );

    // 3. The chunk's magic broken: the whole chunk is rejected, at its offset.
    let mut damaged = bytes.clone();
    damaged[4096..4104].copy_from_slice(b"XXXXXXXX");
    let sink = read_bytes(tmp.path(), "chunk.evtx", &damaged);
    assert!(
        sink.rejects
            .iter()
            .any(|r| r.reason == RejectReason::EvtxChunk
                && r.origin.position == outflow_event::Position::Offset(4096)),
        "{:?}",
        sink.rejects
    );
    eprintln!(
        "damaged chunk header: {} of {n} kept; {}",
        sink.events.len(),
        sink.rejects[0]
    );

    // 4. Cut inside its chunk: what can be read is, the cut is reported.
    let sink = read_bytes(tmp.path(), "cut.evtx", &bytes[..4096 + 30_000]);
    assert!(
        sink.rejects
            .iter()
            .any(|r| r.reason == RejectReason::Truncated
                && r.origin.position == outflow_event::Position::Offset(4096)),
        "{:?}",
        sink.rejects
    );

    // 5. Gzipped and cut in half: parsed in memory as far as it goes, the break reported.
    let mut gz = gzip(&bytes);
    gz.truncate(gz.len() / 2);
    let path = tmp.path().join("cut.evtx.gz");
    std::fs::write(&path, &gz).unwrap();
    let (out, sink) = read_to_vec(&InputSpec::File(path), None, &limits);
    assert_eq!(out.format, Some(SourceKind::Evtx));
    assert!(
        sink.rejects
            .iter()
            .any(|r| r.reason == RejectReason::Decompress),
        "{:?}",
        sink.rejects
    );

    // 6. A compressed EVTX above the in-memory limit is refused.
    let path = tmp.path().join("whole.evtx.gz");
    std::fs::write(&path, gzip(&bytes)).unwrap();
    let small = Limits {
        max_evtx_in_memory: 10_000,
        ..Limits::default()
    };
    let (_, sink) = read_to_vec(&InputSpec::File(path), None, &small);
    assert_eq!(sink.events.len(), 0);
    assert_eq!(sink.rejects.len(), 1, "{:?}", sink.rejects);
}

/// Random damage anywhere in the file: never a panic, every loss reported
/// or the record still read.
#[test]
fn random_damage_never_panics() {
    let Some((bytes, _)) = small_multi_record_file(&Limits::default()) else {
        eprintln!("SKIP: no SigmaHQ regression corpus");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut events, mut rejects) = (0, 0);
    for round in 0..400 {
        let mut damaged = bytes.clone();
        // The file header and the first chunk's used part, where damage matters.
        let span = (bytes.len() - 4096).min(8192);
        for _ in 0..1 + next() % 8 {
            let at = next() as usize % (4096 + span);
            damaged[at] = next() as u8;
        }
        let sink = read_bytes(tmp.path(), &format!("r{round}.evtx"), &damaged);
        events += sink.events.len();
        rejects += sink.rejects.len();
    }
    eprintln!("400 damaged copies: {events} events, {rejects} rejects");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Throughput of the EVTX reader on a file made of the corpus' chunks (each
/// chunk stands alone), repeated. The corpus chunks hold about one record
/// each, so this measures the per-chunk cost more than the per-record one.
/// Run with `cargo test --release -p outflow-sources --test corpus_windows
/// -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput_evtx() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    evtx_files(&dir, &mut files);
    let mut big = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        if big.is_empty() {
            big.extend_from_slice(&bytes[..4096]);
        }
        for chunk in bytes[4096..].chunks_exact(65536) {
            big.extend_from_slice(chunk);
        }
    }
    let one = big[4096..].to_vec();
    for _ in 0..9 {
        big.extend_from_slice(&one);
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.evtx");
    std::fs::write(&path, &big).unwrap();
    let start = std::time::Instant::now();
    let (_, sink) = read_to_vec(&InputSpec::File(path), None, &Limits::default());
    let secs = start.elapsed().as_secs_f64();
    assert!(sink.rejects.is_empty(), "{:?}", &sink.rejects[..1]);
    let raw: usize = sink.events.iter().map(|e| e.raw().len()).sum();
    eprintln!(
        "{} chunks, {} events in {secs:.2} s: {:.0} events/s ({:.0} MB/s of rendered JSON)",
        (big.len() - 4096) / 65536,
        sink.events.len(),
        sink.events.len() as f64 / secs,
        raw as f64 / 1e6 / secs
    );
}
