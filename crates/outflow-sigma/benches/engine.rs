//! Engine-only throughput: the events of the SigmaHQ regression samples'
//! `.json` twins, read and normalized once into memory, matched against
//! the rule sets `bench/sigma.py` uses (t1567, 100 / 500 / all Windows
//! rules). Figures are events per second of this thread's CPU time (the
//! machine is shared), best of several runs; reading is not included.
//!
//! `cargo bench -p outflow-sigma --bench engine` (`ENGINE_SECS` sets the
//! CPU time per run, default 0.2, `ENGINE_RUNS` the runs, default 10: short
//! runs catch the quiet moments of a shared machine; `ENGINE_SETS=t1567,all`
//! picks sets).

use outflow_bench::thread_cpu_seconds;
use outflow_event::Event;
use outflow_normalize::{Mappings, Normalizer};
use outflow_sigma::{MatchScratch, RuleSet};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn corpus() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    d.is_dir().then_some(d)
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    outflow_bench::files_under(dir, &|p| p.extension().is_some_and(|x| x == ext), out);
}

fn events(base: &Path) -> Vec<Event> {
    let mut files = Vec::new();
    files_under(&base.join("regression/regression_data"), "json", &mut files);
    let mappings = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let mut norm = Normalizer::new(mappings);
    let mut out = Vec::new();
    for f in files {
        let (_, sink) = read_to_vec(&InputSpec::File(f), None, &Limits::default());
        for mut ev in sink.events {
            norm.normalize(&mut ev);
            out.push(ev);
        }
    }
    out
}

/// `n` items evenly spaced over the list, as `bench/sigma.py` picks them.
fn spread(items: &[PathBuf], n: usize) -> Vec<PathBuf> {
    (0..n).map(|i| items[i * items.len() / n].clone()).collect()
}

fn main() {
    let Some(base) = corpus() else {
        eprintln!("corpus absent (../shared/corpus): nothing to measure");
        return;
    };
    let env = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let secs = env("ENGINE_SECS", 0.2);
    let runs = env("ENGINE_RUNS", 10.0) as usize;
    let pick = std::env::var("ENGINE_SETS").ok();
    let evs = events(&base);
    let mut win = Vec::new();
    files_under(&base.join("sigma/full/rules/windows"), "yml", &mut win);
    let sets: Vec<(&str, Vec<PathBuf>)> = vec![
        ("t1567", vec![base.join("sigma/t1567")]),
        ("win-100", spread(&win, 100)),
        ("win-500", spread(&win, 500)),
        ("win-all", vec![base.join("sigma/full/rules/windows")]),
    ];
    println!("{} events in memory", evs.len());
    println!(
        "{:<8} {:>6} {:>7} {:>14} {:>10} {:>14}",
        "rules", "loaded", "hits", "events/s/core", "µs/event", "first pass ms"
    );
    for (name, paths) in sets {
        if pick
            .as_ref()
            .is_some_and(|p| !p.split(',').any(|x| name.ends_with(x)))
        {
            continue;
        }
        let (set, _) = RuleSet::load(&paths, None);
        let mut scratch = MatchScratch::default();
        let mut out = Vec::new();
        // The first pass builds the plans (one per event logsource list).
        let start = Instant::now();
        let t0 = thread_cpu_seconds(start);
        for ev in &evs {
            set.matches(ev, &mut scratch, &mut out);
        }
        let first_ms = (thread_cpu_seconds(start) - t0) * 1e3;
        // The prefilter must not change results: check against plain matching.
        let plain = set.clone().without_prefilter();
        let (mut plain_scratch, mut want) = (MatchScratch::default(), Vec::new());
        let mut hits = 0usize;
        for ev in &evs {
            set.matches(ev, &mut scratch, &mut out);
            plain.matches(ev, &mut plain_scratch, &mut want);
            assert_eq!(out, want, "{name}: the prefilter changed the matches");
            hits += out.len();
        }
        let mut best = 0f64;
        for _ in 0..runs {
            let start = Instant::now();
            let t0 = thread_cpu_seconds(start);
            let mut n = 0usize;
            while thread_cpu_seconds(start) - t0 < secs {
                for ev in &evs {
                    set.matches(std::hint::black_box(ev), &mut scratch, &mut out);
                }
                n += evs.len();
            }
            best = best.max(n as f64 / (thread_cpu_seconds(start) - t0));
        }
        println!(
            "{name:<8} {:>6} {hits:>7} {best:>14.0} {:>10.3} {first_ms:>14.1}",
            set.len(),
            1e6 / best
        );
    }
}
