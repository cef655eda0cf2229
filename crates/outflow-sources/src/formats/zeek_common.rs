//! What the Zeek TSV and JSON readers share: naming the log (`_path`) when
//! the file does not say, Zeek's `\xHH` escapes, and the parts of an HTTP
//! URI that the Sigma proxy taxonomy names but Zeek does not log.

use crate::ctx::ReadCtx;
use outflow_event::{Event, Key, Span, Value};

/// Name of the synthetic field carrying the log's path (`conn`, `dns`, ...),
/// the same name Zeek's JSON writer uses, so mappings select on one field.
pub const PATH_FIELD: &str = "_path";

/// The log a record belongs to, guessed from its field names, for files
/// that carry no `#path` / `_path` (zat JSON, stripped headers).
/// `has` answers whether a field of that name is present. Most specific
/// checks come first: kerberos also has `cipher`, files also has `source`.
pub fn infer_path(has: impl Fn(&str) -> bool) -> Option<&'static str> {
    let all = |names: &[&str]| names.iter().all(|n| has(n));
    let path = if has("conn_state") || all(&["orig_bytes", "resp_bytes", "history"]) {
        "conn"
    } else if has("qtype_name") || all(&["query", "trans_id"]) || all(&["query", "rcode"]) {
        "dns"
    } else if has("request_type") && has("client") {
        "kerberos"
    } else if has("call_id") && has("request_from") {
        "sip"
    } else if all(&["method", "uri"])
        || all(&["status_code", "user_agent"])
        || (has("trans_depth") && (has("status_code") || has("response_body_len")))
    {
        "http"
    } else if has("fuid") && (has("seen_bytes") || has("mime_type") || has("analyzers")) {
        "files"
    } else if has("certificate.serial") || has("certificate.subject") {
        "x509"
    } else if has("ja3") || has("server_name") || all(&["cipher", "version"]) {
        "ssl"
    } else if all(&["endpoint", "operation"]) {
        "dce_rpc"
    } else if has("share_type") {
        "smb_mapping"
    } else if all(&["action", "path", "name"]) {
        "smb_files"
    } else if has("server_nb_computer_name") || all(&["domainname", "hostname", "username"]) {
        "ntlm"
    } else if has("security_protocol") || has("keyboard_layout") {
        "rdp"
    } else if has("auth_success") || has("host_key") || all(&["client", "server", "auth_attempts"])
    {
        "ssh"
    } else if has("mailfrom") || has("rcptto") {
        "smtp"
    } else if all(&["command", "reply_code"]) {
        "ftp"
    } else if all(&["note", "msg"]) {
        "notice"
    } else if all(&["name", "addl", "notice"]) {
        "weird"
    } else if has("assigned_addr") || has("lease_time") {
        "dhcp"
    } else if has("community") && has("get_requests") {
        "snmp"
    } else if has("tunnel_type") {
        "tunnel"
    } else if has("software_type") || has("unparsed_version") {
        "software"
    } else if has("seen.indicator") {
        "intel"
    } else if all(&["analyzer", "failure_reason"]) {
        "dpd"
    } else if has("machine") && has("is_exe") {
        "pe"
    } else if has("percent_lost") {
        "capture_loss"
    } else {
        return None;
    };
    Some(path)
}

/// True when `b` holds a Zeek `\xHH` escape.
pub fn has_escape(b: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', b).any(|i| is_escape_at(b, i))
}

fn is_escape_at(b: &[u8], i: usize) -> bool {
    b.get(i + 1) == Some(&b'x')
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        && b.get(i + 3).is_some_and(u8::is_ascii_hexdigit)
}

/// Decodes `\xHH` escapes (and only those, as Zeek's own reader does) into
/// `bytes`, then appends the text to `out`; bytes that do not form UTF-8
/// become U+FFFD.
pub fn unescape_into(b: &[u8], bytes: &mut Vec<u8>, out: &mut String) {
    bytes.clear();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && is_escape_at(b, i) {
            bytes.push((hex(b[i + 2]) << 4) | hex(b[i + 3]));
            i += 4;
        } else {
            bytes.push(b[i]);
            i += 1;
        }
    }
    out.push_str(&String::from_utf8_lossy(bytes));
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Keys of the fields derived from `http.log`'s `uri`: `_uri_stem` (before
/// `?`), `_uri_query` (after it) and `_uri_extension` (after the last `.`
/// of the last path segment). They point into the `uri` value: no copy.
pub struct UriKeys {
    stem: Key,
    query: Key,
    extension: Key,
}

impl UriKeys {
    pub fn new(ctx: &mut ReadCtx) -> Self {
        UriKeys {
            stem: ctx.key("_uri_stem"),
            query: ctx.key("_uri_query"),
            extension: ctx.key("_uri_extension"),
        }
    }

    /// Adds the derived fields for the `uri` string at `uri` in `ev`'s buffer.
    pub fn add(&self, ev: &mut Event, uri: Span) {
        let (start, end) = (uri.start as usize, uri.end as usize);
        let (stem_len, ext) = {
            let text = ev.span_str(uri).as_bytes();
            let stem_len = memchr::memchr(b'?', text).unwrap_or(text.len());
            let stem = &text[..stem_len];
            let seg = memchr::memrchr(b'/', stem).map_or(0, |i| i + 1);
            (
                stem_len,
                memchr::memrchr(b'.', &stem[seg..]).map(|i| seg + i + 1),
            )
        };
        ev.push(
            self.stem.clone(),
            Value::Str(Span::new(start, start + stem_len)),
        );
        if start + stem_len < end {
            ev.push(
                self.query.clone(),
                Value::Str(Span::new(start + stem_len + 1, end)),
            );
        }
        if let Some(e) = ext.filter(|&e| e < stem_len) {
            ev.push(
                self.extension.clone(),
                Value::Str(Span::new(start + e, start + stem_len)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_hex_only() {
        let mut bytes = Vec::new();
        let mut out = String::new();
        unescape_into(br"a\x09b\x2cc\,d\x\xe2\x82\xac", &mut bytes, &mut out);
        assert_eq!(out, "a\tb,c\\,d\\x\u{20ac}");
        assert!(has_escape(br"x\x41"));
        assert!(!has_escape(br"x\,y\x4"));
    }

    #[test]
    fn infers_common_logs() {
        let from = |names: &[&str]| infer_path(|n| names.contains(&n));
        assert_eq!(from(&["uid", "conn_state"]), Some("conn"));
        assert_eq!(from(&["query", "qtype_name"]), Some("dns"));
        assert_eq!(from(&["method", "uri", "host"]), Some("http"));
        assert_eq!(from(&["server_name", "cipher"]), Some("ssl"));
        assert_eq!(from(&["fuid", "tx_hosts", "seen_bytes"]), Some("files"));
        assert_eq!(
            from(&["request_type", "client", "cipher"]),
            Some("kerberos")
        );
        assert_eq!(
            from(&["trans_depth", "status_code", "response_body_len"]),
            Some("http")
        );
        assert_eq!(
            from(&["trans_depth", "method", "uri", "call_id", "request_from"]),
            Some("sip")
        );
        assert_eq!(from(&["t"]), None);
    }
}
