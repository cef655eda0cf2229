//! The baseline for the EVTX figure: the `evtx` crate alone decoding every
//! record of the given files to JSON, with the settings outflow's reader
//! uses (compact JSON, one thread), so that only outflow's own work differs.
//!
//! `cargo run --release -p outflow-bench --bin evtx_baseline -- FILE...`

fn main() {
    let mut records = 0u64;
    let mut errors = 0u64;
    let start = std::time::Instant::now();
    for path in std::env::args().skip(1) {
        let parser = match evtx::EvtxParser::from_path(&path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{path}: {e}");
                errors += 1;
                continue;
            }
        };
        let settings = evtx::ParserSettings::new().indent(false).num_threads(1);
        for r in parser.with_configuration(settings).records_json() {
            match r {
                Ok(r) => {
                    records += 1;
                    std::hint::black_box(r.data.len());
                }
                Err(_) => errors += 1,
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{{\"records\":{records},\"errors\":{errors},\"seconds\":{secs:.6}}}");
}
