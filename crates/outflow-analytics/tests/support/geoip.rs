//! A small geolocation database written in the MaxMind format.

use outflow_analytics::geoip::GeoIp;

/// A geolocation database in the MaxMind format: networks (CIDR, IPv4 or
/// IPv6) to (country, latitude, longitude), built like GeoLite2-City.
pub fn geo_db(networks: &[(&str, &str, f64, f64)]) -> GeoIp {
    use outflow_analytics::geoip_writer::{city_db, Place};
    let places: Vec<Place> = networks
        .iter()
        .map(|(network, country, latitude, longitude)| Place {
            network,
            iso_code: country,
            country,
            latitude: *latitude,
            longitude: *longitude,
        })
        .collect();
    GeoIp::from_bytes(city_db(&places).unwrap()).unwrap()
}
