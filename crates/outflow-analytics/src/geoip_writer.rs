//! Writing small MaxMind-format City databases (feature `geoip-writer`):
//! for tests and for trying `geo-logon` on a simulated corpus, whose
//! outside sign-ins come from the documentation ranges. It is no
//! geolocation data; real logs want GeoLite2, DB-IP or IPinfo.

use maxminddb_writer::metadata::IpVersion;
use maxminddb_writer::paths::IpAddrWithMask;
use maxminddb_writer::Database;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A network (CIDR, IPv4 or IPv6) placed in a country at a point.
pub struct Place<'a> {
    pub network: &'a str,
    pub iso_code: &'a str,
    pub country: &'a str,
    pub latitude: f64,
    pub longitude: f64,
}

/// The documentation ranges (RFC 5737, RFC 3849) the simulator signs in
/// from, placed in Paris, Lyon, New York and Tokyo.
pub const DOC_RANGES: &[Place<'static>] = &[
    Place {
        network: "192.0.2.0/24",
        iso_code: "FR",
        country: "France",
        latitude: 48.8566,
        longitude: 2.3522,
    },
    Place {
        network: "203.0.113.0/24",
        iso_code: "FR",
        country: "France",
        latitude: 45.7640,
        longitude: 4.8357,
    },
    Place {
        network: "198.51.100.0/24",
        iso_code: "US",
        country: "United States",
        latitude: 40.7128,
        longitude: -74.0060,
    },
    Place {
        network: "2001:db8::/32",
        iso_code: "JP",
        country: "Japan",
        latitude: 35.6762,
        longitude: 139.6503,
    },
];

#[derive(Serialize)]
struct Country<'a> {
    iso_code: &'a str,
    names: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct Location {
    latitude: f64,
    longitude: f64,
    accuracy_radius: u16,
}

#[derive(Serialize)]
struct City<'a> {
    country: Country<'a>,
    location: Location,
}

/// A City database (as GeoLite2-City lays its records out) of `places`.
pub fn city_db(places: &[Place<'_>]) -> Result<Vec<u8>, String> {
    let mut db = Database::default();
    db.metadata.ip_version = IpVersion::V6;
    db.metadata.database_type = "outflow-test-City".into();
    db.metadata.languages = vec!["en".into()];
    db.metadata.binary_format_major_version = 2;
    db.metadata.build_epoch = 1_794_787_200;
    for p in places {
        let record = City {
            country: Country {
                iso_code: p.iso_code,
                names: [("en", p.country)].into(),
            },
            location: Location {
                latitude: p.latitude,
                longitude: p.longitude,
                accuracy_radius: 100,
            },
        };
        let data = db.insert_value(record).map_err(|e| e.to_string())?;
        let (addr, len) = p
            .network
            .split_once('/')
            .ok_or_else(|| format!("{}: not a CIDR network", p.network))?;
        let len: u8 = len.parse().map_err(|e| format!("{}: {e}", p.network))?;
        let addr: IpAddr = addr.parse().map_err(|e| format!("{}: {e}", p.network))?;
        // An IPv6 tree holds IPv4 networks under ::/96, where readers look.
        let path = match addr {
            IpAddr::V4(v4) if len <= 32 => {
                IpAddrWithMask::new(v4.to_ipv6_compatible().into(), len + 96)
            }
            IpAddr::V6(_) if len <= 128 => IpAddrWithMask::new(addr, len),
            _ => return Err(format!("{}: prefix too long", p.network)),
        };
        db.insert_node(path, data);
    }
    let mut bytes = Vec::new();
    db.write_to(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geoip::GeoIp;

    #[test]
    fn written_databases_are_read_back() {
        let g = GeoIp::from_bytes(city_db(DOC_RANGES).unwrap()).unwrap();
        let p = g.locate("198.51.100.7".parse().unwrap()).unwrap();
        assert_eq!(p.country.as_deref(), Some("US"));
        let p = g.locate("2001:db8::1".parse().unwrap()).unwrap();
        assert_eq!(p.country.as_deref(), Some("JP"));
        assert!(g.locate("10.0.0.1".parse().unwrap()).is_none());
        let bad = Place {
            network: "192.0.2.0",
            ..DOC_RANGES[0]
        };
        assert!(city_db(&[bad]).is_err());
    }
}
