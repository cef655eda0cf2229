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
}

pub fn line(b: &mut String, s: &Session) {
    b.push_str("<14>");
    clock::syslog(b, s.end);
    b.push_str(" pa-fw01 1,");
    clock::panos(b, s.end);
    b.push_str(",013201001234,TRAFFIC,end,2561,");
    clock::panos(b, s.end);
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
    let (ps, pr) = (s.sent / 1448 + 2, s.received / 1448 + 2);
    let _ = write!(b, "{},", ps + pr);
    clock::panos(b, s.start);
    let elapsed = ((s.end - s.start) / clock::SEC).max(0);
    let _ = writeln!(
        b,
        ",{elapsed},\"{},low-risk\",0,{},0x0,10.0.0.0-10.255.255.255,{},0,{ps},{pr},tcp-fin,0,0,0,0,,pa-fw01,from-policy,,,,,,,,,,,,9f6a0a3e-1a7b-4c6e-8d8d-2f0e1c9b7a11,,,,,,,,,,,,,,,,,,,,,,,,,,",
        s.category.to_ascii_lowercase().replace([' ', '/'], "-"),
        7_301_000_000 + s.session_id,
        s.country
    );
}
