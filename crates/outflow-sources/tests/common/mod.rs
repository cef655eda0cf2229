//! What the format tests share: read a file through detection (or a forced
//! format), normalize its events with the built-in mappings, and look at them.
#![allow(dead_code)] // each test file uses its own subset

use outflow_event::{Event, Position, RejectReason, SourceKind};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file as read: its detected format, normalized events, and rejects.
pub struct Read {
    pub format: Option<SourceKind>,
    pub events: Vec<Event>,
    pub rejects: Vec<(RejectReason, Position)>,
}

/// `tests/fixtures/<family>/<name>`.
pub fn fixture(family: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(family)
        .join(name)
}

/// A file of the bundled example folder.
pub fn demo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/formats")
        .join(name)
}

pub fn read_path(path: &Path, forced: Option<SourceKind>) -> Read {
    let (outcome, sink) = read_to_vec(
        &InputSpec::File(path.to_path_buf()),
        forced,
        &Limits::default(),
    );
    let mut norm = Normalizer::new(Arc::new(Mappings::builtin().expect("built-in mappings")));
    let mut events = sink.events;
    for ev in &mut events {
        norm.normalize(ev);
    }
    Read {
        format: outcome.format,
        events,
        rejects: sink
            .rejects
            .iter()
            .map(|r| (r.reason, r.origin.position))
            .collect(),
    }
}

/// A field as text; panics (failing the test) when it is absent.
pub fn text(ev: &Event, name: &str) -> String {
    let v = ev.get(name).unwrap_or_else(|| panic!("no field {name}"));
    ev.display(v).into_owned()
}

pub fn logsources(ev: &Event) -> Vec<String> {
    ev.logsources.iter().map(|l| l.to_string()).collect()
}
