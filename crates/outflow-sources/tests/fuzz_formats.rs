//! Property tests standing in for fuzzing in CI: every format reader, forced
//! or detected, is fed random bytes and mutated real-shaped inputs (the
//! fixtures and the bundled examples) and must never panic; random bytes
//! must leave a trace (an event or a reject), never vanish.
//! Deeper coverage-guided runs: `fuzz/` (cargo fuzz).

use outflow_event::SourceKind;
use outflow_sources::{read_to_vec, InputSpec, Limits};
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        root.join("tests/fixtures"),
        root.join("../../examples/formats"),
    ] {
        collect(&dir, &mut out);
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, out);
        } else if let Ok(data) = std::fs::read(&p) {
            if data.len() <= 256 * 1024 {
                out.push(data);
            }
        }
    }
}

fn small_limits() -> Limits {
    Limits {
        max_line_bytes: 4096,
        max_json_depth: 16,
        max_record_bytes: 64 * 1024,
        max_evtx_in_memory: 1 << 20,
    }
}

fn read(data: Vec<u8>, forced: Option<SourceKind>) -> (u64, u64) {
    let spec = InputSpec::Bytes {
        name: "fuzz".to_string(),
        data: Arc::from(data),
    };
    let (outcome, sink) = read_to_vec(&spec, forced, &small_limits());
    assert_eq!(outcome.events as usize, sink.events.len());
    assert_eq!(outcome.rejects as usize, sink.rejects.len());
    (outcome.events, outcome.rejects)
}

fn kinds() -> impl Strategy<Value = Option<SourceKind>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(SourceKind::ALL.to_vec()).prop_map(Some)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 1..2048), kind in kinds()) {
        let (events, rejects) = read(data, kind);
        prop_assert!(events + rejects > 0, "input read without a trace");
    }

    #[test]
    fn mutated_real_inputs_never_panic(
        seed in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..4), 1..16),
        cut in any::<proptest::sample::Index>(),
        kind in kinds(),
    ) {
        let seeds = seeds();
        prop_assume!(!seeds.is_empty());
        let mut data = seeds[seed.index(seeds.len())].clone();
        prop_assume!(!data.is_empty());
        for (at, byte, op) in edits {
            let i = at.index(data.len());
            match op {
                0 => data[i] = byte,
                1 => data.insert(i, byte),
                2 => { data.remove(i); }
                _ => data.insert(i, b'\n'),
            }
            if data.is_empty() { data.push(byte); }
        }
        // Sometimes truncate, as a file cut mid-write would be.
        if cut.index(4) == 0 {
            let n = cut.index(data.len()).max(1);
            data.truncate(n);
        }
        // A cut may leave only headers or comments: no record, and nothing to reject.
        read(data, kind);
    }

    /// Real inputs re-encoded as UTF-16 (either order, with or without a
    /// byte-order mark), some then damaged: transcoding never panics, and an
    /// undamaged one taken as UTF-16 reads as many events and rejects as
    /// its UTF-8 original.
    #[test]
    fn utf16_real_inputs_never_panic(
        seed in any::<proptest::sample::Index>(),
        big_endian in any::<bool>(),
        bom in any::<bool>(),
        damage in proptest::option::of((any::<proptest::sample::Index>(), any::<u8>())),
    ) {
        let seeds = seeds();
        prop_assume!(!seeds.is_empty());
        let original = &seeds[seed.index(seeds.len())];
        let Ok(text) = std::str::from_utf8(original) else { return Ok(()) };
        // EVTX and compressed seeds are binary: only text is re-encoded.
        prop_assume!(!text.contains('\0') && !text.is_empty());
        let mut data: Vec<u8> = match (bom, big_endian) {
            (true, false) => vec![0xFF, 0xFE],
            (true, true) => vec![0xFE, 0xFF],
            (false, _) => Vec::new(),
        };
        for unit in text.encode_utf16() {
            data.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
        }
        match damage {
            Some((at, byte)) => {
                let i = at.index(data.len());
                data[i] = byte;
                read(data, None);
            }
            // Without a mark, only text that looks like UTF-16 is taken as such.
            None if outflow_sources::utf16::utf16_of(&data).is_some() => {
                let want = read(original.clone(), None);
                prop_assert_eq!(read(data, None), want);
            }
            None => {
                read(data, None);
            }
        }
    }
}
