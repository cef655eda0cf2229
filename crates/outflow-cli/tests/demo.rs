//! The bundled example `examples/demo` is a simulated corpus: exactly what
//! `outflow simulate` writes with the settings below, so the README's demo
//! and the simulator never drift apart. Regenerate it with
//! `outflow simulate --out examples/demo --overwrite` and these settings.

mod common;

use common::outflow;
use std::path::{Path, PathBuf};

const SETTINGS: &[&str] = &[
    "--seed",
    "1",
    "--hosts",
    "8",
    "--days",
    "1",
    "--events-per-host-day",
    "30",
];

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// summary.json without the timing of the run that wrote it.
fn summary(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for k in ["seconds", "mb_per_s"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[test]
fn the_demo_is_the_simulators_output() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let out_s = out.to_str().unwrap();
    outflow(["simulate", "--out", out_s].iter().chain(SETTINGS)).ok();
    let want = files(&out);
    assert_eq!(files(&demo), want, "examples/demo has other files");
    for f in &want {
        if f.as_os_str() == "summary.json" {
            assert_eq!(summary(&demo.join(f)), summary(&out.join(f)));
            continue;
        }
        let a = std::fs::read(demo.join(f)).unwrap();
        let b = std::fs::read(out.join(f)).unwrap();
        assert!(
            a == b,
            "examples/demo/{} differs from the simulator's; regenerate it (see this file's header)",
            f.display()
        );
    }
}
