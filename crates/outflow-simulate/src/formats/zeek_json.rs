//! Zeek JSON conn log (a second sensor, at the branch office).

use super::zeek_tsv::{packets, Tuple};
use crate::clock::{self, Micros};
use std::fmt::Write;

#[allow(clippy::too_many_arguments)]
pub fn conn(
    b: &mut String,
    t: Micros,
    tu: &Tuple,
    proto: &str,
    service: &str,
    duration: Micros,
    out: u64,
    inb: u64,
    (local_orig, local_resp): (bool, bool),
) {
    b.push_str("{\"_path\":\"conn\",\"ts\":");
    clock::epoch(b, t, 6);
    let (po, pi) = (packets(out), packets(inb));
    let _ = writeln!(
        b,
        ",\"uid\":\"{}\",\"id.orig_h\":\"{}\",\"id.orig_p\":{},\"id.resp_h\":\"{}\",\"id.resp_p\":{},\"proto\":\"{proto}\",\"service\":\"{service}\",\"duration\":{}.{:06},\"orig_bytes\":{out},\"resp_bytes\":{inb},\"conn_state\":\"SF\",\"local_orig\":{local_orig},\"local_resp\":{local_resp},\"missed_bytes\":0,\"history\":\"{}\",\"orig_pkts\":{po},\"orig_ip_bytes\":{},\"resp_pkts\":{pi},\"resp_ip_bytes\":{},\"tunnel_parents\":[]}}",
        tu.uid,
        tu.orig.0,
        tu.orig.1,
        tu.resp.0,
        tu.resp.1,
        duration / 1_000_000,
        duration % 1_000_000,
        if proto == "udp" { "Dd" } else { "ShADadFf" },
        out + po * 28,
        inb + pi * 28
    );
}
