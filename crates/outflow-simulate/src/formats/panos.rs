//! Palo Alto PAN-OS TRAFFIC end-of-session logs in syslog form.

use crate::clock::{self, Micros};
use crate::world::NAT_IP;
use std::fmt::Write;

/// One session as the firewall logs it when it ends.
pub struct Session<'a> {
    pub start: Micros,
    pub end: Micros,
    pub src: (&'a str, u16),
    pub dst: (&'a str, u16),
    pub user: Option<&'a str>,
    pub app: &'a str,
    pub category: &'a str,
    pub country: &'a str,
    pub proto: &'a str,
    pub sent: u64,
    pub received: u64,
    pub session_id: u64,
    /// A session opened from outside to the public address `dst`, let in by
    /// a destination-NAT rule to this internal (address, port).
    pub inbound: Option<(&'a str, u16)>,
}

pub fn line(b: &mut String, s: &Session) {
    b.push_str("<14>");
    clock::syslog(b, s.end);
    b.push_str(" pa-fw01 1,");
    clock::panos(b, s.end);
    b.push_str(",013201001234,TRAFFIC,end,2561,");
    clock::panos(b, s.end);
    if let Some(inner) = s.inbound {
        inbound(b, s, inner);
        return;
    }
    let user = s.user.map(|u| format!("corp\\{u}")).unwrap_or_default();
    let nat_port = 20000 + (s.session_id % 40000);
    let _ = write!(
        b,
        ",{},{},{NAT_IP},{},allow-outbound,{user},,{},vsys1,trust,untrust,ethernet1/2,ethernet1/1,Log-Forwarding,,{},1,{},{},{nat_port},{},0x40001c,{},allow,{},{},{},",
        s.src.0,
        s.dst.0,
        s.dst.0,
        s.app,
        s.session_id,
        s.src.1,
        s.dst.1,
        s.dst.1,
        s.proto,
        s.sent + s.received,
        s.sent,
        s.received,
    );
    tail(b, s, "10.0.0.0-10.255.255.255", s.country);
}

/// Untrust to trust through a destination-NAT rule: the public address is
/// translated to the internal host's.
fn inbound(b: &mut String, s: &Session, (ip, port): (&str, u16)) {
    let _ = write!(
        b,
        ",{},{},0.0.0.0,{ip},inbound-nat-legacy,,,{},vsys1,untrust,trust,ethernet1/1,ethernet1/2,Log-Forwarding,,{},1,{},{},0,{port},0x400053,{},allow,{},{},{},",
        s.src.0,
        s.dst.0,
        s.app,
        s.session_id,
        s.src.1,
        s.dst.1,
        s.proto,
        s.sent + s.received,
        s.sent,
        s.received,
    );
    tail(b, s, s.country, "10.0.0.0-10.255.255.255");
}

/// Packets, start, elapsed time, category and locations: the end of a line.
fn tail(b: &mut String, s: &Session, src_loc: &str, dst_loc: &str) {
    let (ps, pr) = (s.sent / 1448 + 2, s.received / 1448 + 2);
    let _ = write!(b, "{},", ps + pr);
    clock::panos(b, s.start);
    let elapsed = ((s.end - s.start) / clock::SEC).max(0);
    let _ = writeln!(
        b,
        ",{elapsed},\"{},low-risk\",0,{},0x0,{src_loc},{dst_loc},0,{ps},{pr},tcp-fin,0,0,0,0,,pa-fw01,from-policy,,,,,,,,,,,,9f6a0a3e-1a7b-4c6e-8d8d-2f0e1c9b7a11,,,,,,,,,,,,,,,,,,,,,,,,,,",
        s.category.to_ascii_lowercase().replace([' ', '/'], "-"),
        7_301_000_000 + s.session_id,
    );
}
