//! Squid native access.log.

use crate::clock::{self, Micros};
use std::fmt::Write;

#[allow(clippy::too_many_arguments)]
pub fn line(
    b: &mut String,
    t: Micros,
    millis: u64,
    client: &str,
    method: &str,
    host: &str,
    path: &str,
    user: Option<&str>,
    dst_ip: &str,
    bytes: u64,
    ctype: &str,
) {
    clock::epoch(b, t, 3);
    let (code, url) = if method == "CONNECT" {
        ("TCP_TUNNEL/200", format!("{host}:443"))
    } else {
        ("TCP_MISS/200", format!("https://{host}{path}"))
    };
    let _ = writeln!(
        b,
        " {millis:>6} {client} {code} {bytes} {method} {url} {} HIER_DIRECT/{dst_ip} {}",
        user.unwrap_or("-"),
        if method == "CONNECT" { "-" } else { ctype }
    );
}
