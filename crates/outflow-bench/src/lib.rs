//! Tools behind `bench/run.py`: `gen_corpus` writes a deterministic
//! benchmark corpus, `evtx_baseline` times the `evtx` crate alone.
//!
//! The library holds what the engine benches of the other crates share:
//! this thread's CPU time and a sorted walk of a folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// This thread's CPU time in seconds (the machine is shared: wall time
/// would count other work), or the wall time since `start` where the
/// system does not say.
pub fn thread_cpu_seconds(start: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map(|ns| ns / 1e9)
        .unwrap_or_else(|| start.elapsed().as_secs_f64())
}

/// The files under `dir` that `keep` accepts, walked in name order so
/// every run reads them in the same order.
pub fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, keep, out);
        } else if keep(&p) {
            out.push(p);
        }
    }
}
