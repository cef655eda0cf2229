//! Times as RFC 3339 strings (UTC) in incident JSON, both ways.

use outflow_event::{time::parse_iso8601, Timestamp};
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => parse_iso8601(&text)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("bad time '{text}'"))),
    }
}
