//! Writes a small MaxMind-format database that places the documentation
//! address ranges (RFC 5737, RFC 3849), which the simulator uses for
//! outside sign-ins, so `geo-logon` can be tried on a simulated corpus:
//!
//! ```text
//! cargo run -p outflow-analytics --example doc_ranges_geoip -- doc-ranges.mmdb
//! outflow hunt --geoip doc-ranges.mmdb corpus/logs
//! ```
//!
//! It is no geolocation data: use a real database (GeoLite2, DB-IP, IPinfo)
//! on real logs.

use maxminddb_writer::metadata::IpVersion;
use maxminddb_writer::paths::IpAddrWithMask;
use maxminddb_writer::Database;
use std::collections::BTreeMap;
use std::net::IpAddr;

#[derive(serde::Serialize)]
struct Country {
    iso_code: &'static str,
    names: BTreeMap<&'static str, &'static str>,
}

#[derive(serde::Serialize)]
struct Location {
    latitude: f64,
    longitude: f64,
    accuracy_radius: u16,
}

#[derive(serde::Serialize)]
struct City {
    country: Country,
    location: Location,
}

const PLACES: &[(&str, u8, &str, &str, f64, f64)] = &[
    ("192.0.2.0", 24, "FR", "France", 48.8566, 2.3522),
    ("203.0.113.0", 24, "FR", "France", 45.7640, 4.8357),
    ("198.51.100.0", 24, "US", "United States", 40.7128, -74.0060),
    ("2001:db8::", 32, "JP", "Japan", 35.6762, 139.6503),
];

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: doc_ranges_geoip OUT.mmdb");
        std::process::exit(2);
    };
    let mut db = Database::default();
    db.metadata.ip_version = IpVersion::V6;
    db.metadata.database_type = "outflow-doc-ranges-City".into();
    db.metadata.languages = vec!["en".into()];
    db.metadata.binary_format_major_version = 2;
    db.metadata.build_epoch = 1_794_787_200;
    for &(addr, len, iso, name, lat, lon) in PLACES {
        let rec = City {
            country: Country {
                iso_code: iso,
                names: [("en", name)].into(),
            },
            location: Location {
                latitude: lat,
                longitude: lon,
                accuracy_radius: 100,
            },
        };
        let data = match db.insert_value(rec) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("doc_ranges_geoip: {e}");
                std::process::exit(1);
            }
        };
        // An IPv6 tree holds IPv4 networks under ::/96, where readers look.
        let path = match addr.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => IpAddrWithMask::new(v4.to_ipv6_compatible().into(), len + 96),
            Ok(v6) => IpAddrWithMask::new(v6, len),
            Err(e) => {
                eprintln!("doc_ranges_geoip: {addr}: {e}");
                std::process::exit(1);
            }
        };
        db.insert_node(path, data);
    }
    let mut bytes = Vec::new();
    if let Err(e) = db.write_to(&mut bytes).map(|_| ()) {
        eprintln!("doc_ranges_geoip: {e}");
        std::process::exit(1);
    }
    if let Err(e) = std::fs::write(&out, bytes) {
        eprintln!("doc_ranges_geoip: {out}: {e}");
        std::process::exit(1);
    }
    println!("wrote {out}");
}
