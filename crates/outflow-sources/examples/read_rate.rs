//! Reads and normalizes files on this thread, discarding the events, and
//! prints events per CPU second of this process: the per-core figure of the
//! parser alone, without the pipeline around it.
//!
//! `cargo run --release -p outflow-sources --example read_rate -- FILE...`

use outflow_event::Event;
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_input, DropSink, InputSpec, Limits};
use std::sync::Arc;

/// CPU seconds used by this process so far (user + system).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/self/stat; 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: read_rate FILE...");
        std::process::exit(2);
    }
    let mappings = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let start = cpu_seconds();
    let wall = std::time::Instant::now();
    let mut normalizer = Normalizer::new(mappings);
    let mut sink = DropSink::new(|e: &mut Event| normalizer.normalize(e));
    for path in paths {
        read_input(
            &InputSpec::File(path.into()),
            None,
            &Limits::default(),
            &mut sink,
            None,
        );
    }
    let cpu = (cpu_seconds() - start).max(0.01);
    println!(
        "{{\"events\":{},\"rejects\":{},\"cpu_seconds\":{cpu:.2},\"wall_seconds\":{:.3},\"events_per_cpu_second\":{:.0}}}",
        sink.events,
        sink.rejects,
        wall.elapsed().as_secs_f64(),
        sink.events as f64 / cpu
    );
}
