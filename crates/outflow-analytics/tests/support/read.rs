//! Records read as `outflow hunt` reads them: the real readers (the format
//! detected from the content) and the built-in mappings; from memory, from
//! a file or from every file of a folder.

use outflow_event::Event;
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::Path;
use std::sync::Arc;

fn normalizer() -> Normalizer {
    Normalizer::new(Arc::new(Mappings::builtin().expect("built-in mappings")))
}

fn normalize(mut events: Vec<Event>, norm: &mut Normalizer) -> Vec<Event> {
    for ev in &mut events {
        norm.normalize(ev);
    }
    events
}

fn in_memory(name: &str, text: &str) -> InputSpec {
    InputSpec::Bytes {
        name: name.to_string(),
        data: Arc::from(text.as_bytes()),
    }
}

/// Events in time order (stable: those of one time keep their order; those
/// without a time first).
pub fn in_time_order(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by_key(|e| e.ts);
    events
}

/// Normalized events of one input held in memory (`name` picks nothing;
/// the format is detected from the content, as `outflow hunt` does).
pub fn read_bytes(name: &str, text: &str) -> Vec<Event> {
    let (_, sink) = read_to_vec(&in_memory(name, text), None, &Limits::default());
    normalize(sink.events, &mut normalizer())
}

/// Normalized events of the file at `path` (format detected).
pub fn read_file(path: &Path) -> Vec<Event> {
    let spec = InputSpec::File(path.to_path_buf());
    let (_, sink) = read_to_vec(&spec, None, &Limits::default());
    normalize(sink.events, &mut normalizer())
}

/// Writes `text` to a file called `name` and reads it back (the file
/// reader's path, not the in-memory one); at least one event.
pub fn read_via_file(name: &str, text: &str) -> Vec<Event> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("written");
    let evs = read_file(&path);
    assert!(!evs.is_empty(), "no events read from {name}");
    evs
}

/// Several inputs held in memory, (name, text), an empty one skipped; each
/// must be of a detected format with no rejected records. Their events in
/// time order.
pub fn read_inputs(inputs: &[(&str, String)]) -> Vec<Event> {
    let mut norm = normalizer();
    let mut all = Vec::new();
    for (name, text) in inputs {
        if text.is_empty() {
            continue;
        }
        let (outcome, sink) = read_to_vec(&in_memory(name, text), None, &Limits::default());
        assert!(outcome.format.is_some(), "{name}: format not detected");
        assert!(sink.rejects.is_empty(), "{name}: rejected records");
        all.extend(normalize(sink.events, &mut norm));
    }
    in_time_order(all)
}

/// Every file under `dir` (a simulated corpus), walked in name order and
/// normalized; the events in time order.
pub fn read_dir(dir: &Path) -> Vec<Event> {
    let mut norm = normalizer();
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .expect("readable folder")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let (_, sink) = read_to_vec(&InputSpec::File(p), None, &Limits::default());
            all.extend(normalize(sink.events, &mut norm));
        }
    }
    in_time_order(all)
}
