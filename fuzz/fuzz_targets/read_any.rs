//! Every format reader on arbitrary bytes: the first byte picks a forced
//! format (or detection), the rest is the input. Events are normalized too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outflow_event::SourceKind;
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::sync::{Arc, OnceLock};

fn mappings() -> Arc<Mappings> {
    static M: OnceLock<Arc<Mappings>> = OnceLock::new();
    M.get_or_init(|| Arc::new(Mappings::builtin().expect("built-in mappings load"))).clone()
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let forced = SourceKind::ALL.get(pick as usize % (SourceKind::ALL.len() + 1)).copied();
    let limits = Limits {
        max_line_bytes: 4096,
        max_json_depth: 16,
        max_record_bytes: 64 * 1024,
        max_evtx_in_memory: 1 << 20,
    };
    let spec = InputSpec::Bytes { name: "fuzz".into(), data: Arc::from(rest) };
    let (_, sink) = read_to_vec(&spec, forced, &limits);
    let mut n = Normalizer::new(mappings());
    for mut e in sink.events {
        n.normalize(&mut e);
    }
});
