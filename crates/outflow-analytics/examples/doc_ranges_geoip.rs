//! Writes a small MaxMind-format database that places the documentation
//! address ranges (RFC 5737, RFC 3849), which the simulator uses for
//! outside sign-ins, so `geo-logon` can be tried on a simulated corpus:
//!
//! ```text
//! cargo run -p outflow-analytics --features geoip-writer --example doc_ranges_geoip -- doc-ranges.mmdb
//! outflow hunt --geoip doc-ranges.mmdb corpus/logs
//! ```
//!
//! It is no geolocation data: use a real database (GeoLite2, DB-IP, IPinfo)
//! on real logs.

use outflow_analytics::geoip_writer::{city_db, DOC_RANGES};

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: doc_ranges_geoip OUT.mmdb");
        std::process::exit(2);
    };
    let written = city_db(DOC_RANGES)
        .and_then(|bytes| std::fs::write(&out, bytes).map_err(|e| format!("{out}: {e}")));
    if let Err(e) = written {
        eprintln!("doc_ranges_geoip: {e}");
        std::process::exit(1);
    }
    println!("wrote {out}");
}
