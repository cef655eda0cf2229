//! Blue Coat / Symantec ProxySG access log, W3C Extended Log Format.

use crate::clock::{self, Micros};
use std::fmt::Write;

pub fn header(t: Micros, b: &mut String) {
    b.push_str("#Software: SGOS 7.3.14.1\n#Version: 1.0\n#Start-Date: ");
    clock::w3c(b, t);
    b.push_str("\n#Date: ");
    clock::w3c(b, t);
    b.push_str("\n#Fields: date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id\n");
    b.push_str("#Remark: 4101212345 \"PROXYSG-01\" \"10.20.0.5\" \"main\"\n");
}

/// One proxied request (a CONNECT tunnel when `method` is CONNECT).
pub struct Request<'a> {
    pub client: &'a str,
    pub user: Option<&'a str>,
    pub category: &'a str,
    pub method: &'a str,
    pub content_type: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub path: &'a str,
    pub user_agent: &'a str,
    pub sc_bytes: u64,
    pub cs_bytes: u64,
    pub millis: u64,
}

pub fn line(b: &mut String, t: Micros, r: &Request) {
    clock::w3c(b, t);
    let user = match r.user {
        Some(u) => format!("CORP\\{u} \"CORP\\Domain Users\""),
        None => "- -".to_string(),
    };
    let (scheme, action, path) = if r.method == "CONNECT" {
        ("tcp", "TCP_TUNNELED", "/")
    } else {
        ("https", "TCP_NC_MISS", r.path)
    };
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .map_or("-", |(_, e)| e);
    let _ = writeln!(
        b,
        " {} {} {user} - OBSERVED \"{}\" - 200 {action} {} {} {scheme} {} {} {path} - {ext} \"{}\" 10.20.0.5 {} {} -",
        r.millis,
        r.client,
        r.category,
        r.method,
        r.content_type,
        r.host,
        r.port,
        r.user_agent,
        r.sc_bytes,
        r.cs_bytes
    );
}
