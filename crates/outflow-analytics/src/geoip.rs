//! Geolocation of client addresses from a MaxMind-format (`.mmdb`) database
//! the user supplies (`outflow hunt --geoip FILE`): GeoLite2/GeoIP2 City or
//! Country, DB-IP, IPinfo or any database with the same `country` and
//! `location` keys. outflow ships no geolocation data.

use maxminddb::Reader;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::Path;

/// An opened geolocation database.
pub struct GeoIp {
    reader: Reader<Vec<u8>>,
    /// `database_type` from the file's metadata (`GeoLite2-City`, ...).
    pub kind: String,
}

/// Where an address is, as far as the database knows.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// ISO 3166-1 alpha-2 country code (`FR`), when known.
    pub country: Option<String>,
    /// Latitude and longitude in degrees, when known.
    pub coords: Option<(f64, f64)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Record {
    country: Option<Country>,
    registered_country: Option<Country>,
    location: Option<Location>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Country {
    iso_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl GeoIp {
    /// Opens `path`; the error names the file.
    pub fn open(path: &Path) -> Result<GeoIp, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        GeoIp::from_bytes(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A database from its bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoIp, String> {
        let reader = Reader::from_source(bytes)
            .map_err(|e| format!("not a MaxMind-format database: {e}"))?;
        let kind = reader.metadata().database_type.clone();
        Ok(GeoIp { reader, kind })
    }

    /// The place of `ip`; `None` when the database has no record for it
    /// (private ranges, unknown networks) or the record has neither a
    /// country nor coordinates.
    pub fn locate(&self, ip: IpAddr) -> Option<Place> {
        let rec: Record = self.reader.lookup(ip).ok()?.decode().ok()??;
        let country = rec
            .country
            .and_then(|c| c.iso_code)
            .or_else(|| rec.registered_country.and_then(|c| c.iso_code))
            .map(|c| c.to_ascii_uppercase());
        let coords = rec.location.and_then(|l| match (l.latitude, l.longitude) {
            (Some(a), Some(o)) if a.is_finite() && o.is_finite() => Some((a, o)),
            _ => None,
        });
        if country.is_none() && coords.is_none() {
            return None;
        }
        Some(Place { country, coords })
    }
}

/// Great-circle distance in km between two (latitude, longitude) points.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_to_new_york_is_about_5840_km() {
        let d = distance_km((48.8566, 2.3522), (40.7128, -74.0060));
        assert!((d - 5837.0).abs() < 30.0, "{d}");
        assert_eq!(distance_km((1.0, 1.0), (1.0, 1.0)), 0.0);
    }

    #[test]
    fn garbage_is_not_a_database() {
        assert!(GeoIp::from_bytes(b"not an mmdb".to_vec()).is_err());
    }
}
