//! Engine-only cost of the stateful analytics: a simulated corpus
//! (`outflow-simulate`, fixed seed) is read and normalized into memory,
//! put in event-time order, then run through the engine of every built-in
//! analytic, with the watermark advanced every 1,024 events as `hunt`
//! does. Reading and normalizing the same files is measured in the same
//! run, each event dropped as it is read (as `outflow events` does), so
//! the figure that matters is the ratio: analytics per event against
//! reading per event. Figures are events per second of this
//! thread's CPU time, best of several runs (the machine is shared).
//!
//! `cargo bench -p outflow-analytics --bench engine`
//! (`BENCH_HOSTS`, default 40; `BENCH_EPD` records per host and day,
//! default 2400; `BENCH_RUNS`, default 3). Network records are the
//! analytics' copies `hunt` makes of them ([`Projector`]). Also prints the
//! cost by kind of record, and the share of each analytic: the engine
//! with that analytic alone, minus the bare engine.

use outflow_analytics::view::kind_of;
use outflow_analytics::{registry, AnalyticsEngine, Ctx, Projector, StatefulAnalytic};
use outflow_bench::{files_under, thread_cpu_seconds};
use outflow_detect::Analytic;
use outflow_event::Event;
use outflow_normalize::{Mappings, Normalizer};
use outflow_simulate::{simulate, SimConfig};
use outflow_sources::{read_input, read_to_vec, DropSink, InputSpec, Limits};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Reads and normalizes every file into memory, in file order, each
/// network record as the analytics' copy `hunt`'s reader threads make of
/// it ([`Projector`]): the engine sees what it sees in `hunt`.
fn read_all(paths: &[PathBuf]) -> Vec<Event> {
    let mappings = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let mut norm = Normalizer::new(mappings);
    let mut projector = Projector::default();
    let mut out = Vec::new();
    for f in paths {
        let (_, sink) = read_to_vec(&InputSpec::File(f.clone()), None, &Limits::default());
        for mut ev in sink.events {
            norm.normalize(&mut ev);
            out.push(projector.project(&ev).unwrap_or(ev));
        }
    }
    out
}

/// Hands the engine the `i`th event, advancing its watermark every 1,024
/// events as `hunt` does.
fn feed(
    engine: &mut AnalyticsEngine,
    i: usize,
    ev: &Event,
    out: &mut Vec<outflow_detect::Finding>,
) {
    engine.process(ev, out);
    if i % 1024 == 1023 {
        if let Some(ts) = ev.ts {
            engine.advance(ts, out);
        }
    }
}

/// Microseconds per event of one engine pass over `evs`, by kind of record
/// and source format (wall time of each event: the clock's own cost is in
/// the figures), costliest in total first.
fn per_kind(ctx: &Arc<Ctx>, analytics: Vec<Box<dyn StatefulAnalytic>>, evs: &[Event]) {
    let mut engine = AnalyticsEngine::new(ctx.clone(), analytics);
    let mut out = Vec::new();
    let mut per: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for (i, ev) in evs.iter().enumerate() {
        let t = Instant::now();
        feed(&mut engine, i, ev, &mut out);
        let spent = t.elapsed().as_secs_f64();
        let key = format!("{:?} ({})", kind_of(ev), ev.source.as_str());
        let e = per.entry(key).or_default();
        e.0 += 1;
        e.1 += spent;
        out.clear();
    }
    let mut rows: Vec<_> = per.into_iter().collect();
    rows.sort_by(|a, b| b.1 .1.total_cmp(&a.1 .1));
    println!("\nby kind of record (all analytics), µs/event, events, share of the time:");
    let total: f64 = rows.iter().map(|r| r.1 .1).sum();
    for (k, (n, secs)) in rows {
        println!(
            "  {k:<28} {:>8.2} {n:>9} {:>6.1}%",
            secs / n as f64 * 1e6,
            100.0 * secs / total
        );
    }
}

/// CPU seconds to read and normalize every file, one event at a time,
/// each dropped as it is read, as `outflow events --format none` does on
/// each reader thread (without the cost of holding a corpus in memory).
fn read_cost(paths: &[PathBuf]) -> f64 {
    let mappings = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let mut norm = Normalizer::new(mappings);
    let mut sink = DropSink::new(|e: &mut Event| norm.normalize(e));
    let start = Instant::now();
    let t0 = thread_cpu_seconds(start);
    for f in paths {
        read_input(
            &InputSpec::File(f.clone()),
            None,
            &Limits::default(),
            &mut sink,
            None,
        );
    }
    std::hint::black_box(sink.events);
    thread_cpu_seconds(start) - t0
}

/// CPU seconds of one engine pass over `evs`.
fn pass(ctx: &Arc<Ctx>, analytics: Vec<Box<dyn StatefulAnalytic>>, evs: &[Event]) -> f64 {
    let mut engine = AnalyticsEngine::new(ctx.clone(), analytics);
    let mut out = Vec::new();
    let start = Instant::now();
    let t0 = thread_cpu_seconds(start);
    for (i, ev) in evs.iter().enumerate() {
        feed(&mut engine, i, std::hint::black_box(ev), &mut out);
        out.clear();
    }
    engine.finish(&mut out);
    thread_cpu_seconds(start) - t0
}

fn main() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    let cfg = SimConfig {
        hosts: env("BENCH_HOSTS", 40),
        days: 1,
        events_per_host_day: env("BENCH_EPD", 2400) as u64,
        ..SimConfig::default()
    };
    simulate(&cfg, dir.path()).expect("simulated corpus");
    let mut paths = Vec::new();
    files_under(&dir.path().join("logs"), &|_| true, &mut paths);
    let runs = env("BENCH_RUNS", 3).max(1);
    let read_best = (0..runs)
        .map(|_| read_cost(&paths))
        .fold(f64::MAX, f64::min);
    let mut evs = read_all(&paths);
    evs.sort_by_key(|e| e.ts.map(|t| t.0).unwrap_or(i64::MIN));
    let n = evs.len() as f64;
    let ctx = Arc::new(Ctx::builtin().expect("built-in context"));
    let builtin = || registry::builtin(&ctx).expect("built-in analytics");
    let best = |make: &dyn Fn() -> Vec<Box<dyn StatefulAnalytic>>| {
        (0..runs)
            .map(|_| pass(&ctx, make(), &evs))
            .fold(f64::MAX, f64::min)
    };
    let all = best(&builtin);
    let bare = best(&Vec::new);
    println!("{} events in memory ({} hosts)", evs.len(), cfg.hosts);
    println!("{:<24} {:>14} {:>10}", "", "events/s/core", "µs/event");
    let line = |name: &str, secs: f64| {
        println!("{name:<24} {:>14.0} {:>10.3}", n / secs, secs / n * 1e6);
    };
    line("reading + normalizing", read_best);
    line("engine, no analytic", bare);
    line("engine, all analytics", all);
    println!(
        "the analytics cost {:.2}× reading; reading + analytics run at {:.2}× reading alone",
        all / read_best,
        read_best / (read_best + all)
    );
    per_kind(&ctx, builtin(), &evs);
    println!("\nper analytic (its engine minus the bare engine), µs/event:");
    let names: Vec<String> = builtin().iter().map(|a| a.name().to_string()).collect();
    let mut shares: Vec<(String, f64)> = names
        .into_iter()
        .map(|name| {
            let secs = best(&|| builtin().into_iter().filter(|a| a.name() == name).collect());
            (name, (secs - bare).max(0.0) / n * 1e6)
        })
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (name, us) in shares {
        println!("  {name:<22} {us:>8.3}");
    }
}
