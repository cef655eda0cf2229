//! Names of server certificates from Zeek x509.log (subject CN and SAN DNS
//! names), keyed as ssl.log refers to them: `fingerprint` (Zeek ≥ 5, ssl
//! `cert_chain_fps`) or the file id `id` (older, ssl `cert_chain_fuids`).
//! Zeek logs a certificate once a day, so names are kept a little longer.

use super::common::{bound, SECOND};
use crate::view::View;
use outflow_event::Value;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How long a certificate's names are kept (Zeek's known-certificate cache
/// logs each once per 24 h).
const CERT_TTL: i64 = 25 * 3600 * SECOND;

#[derive(Default, Serialize, Deserialize)]
pub struct CertNames {
    /// Certificate key → (names, last seen µs).
    names: FxHashMap<Arc<str>, (Vec<Arc<str>>, i64)>,
    /// Whether any x509 record was read (else nothing is awaited).
    pub seen_any: bool,
}

impl CertNames {
    /// Learns a Zeek x509 record's names; returns its key.
    pub fn learn(&mut self, view: &View<'_>, cap: usize) -> Option<Arc<str>> {
        if view.service() != Some("x509") {
            return None;
        }
        let key = view
            .get("fingerprint")
            .or_else(|| view.get("id"))
            .filter(|k| !k.is_empty() && *k != "-")?;
        if matches!(view.text("host_cert").as_deref(), Some("false" | "F")) {
            return None;
        }
        let mut names: Vec<Arc<str>> = list(view, "san.dns")
            .into_iter()
            .map(|n| Arc::from(n.to_ascii_lowercase()))
            .collect();
        let subject = view
            .get("certificate.subject")
            .or_else(|| view.get("certificate_subject"));
        if let Some(cn) = subject.and_then(common_name) {
            names.push(Arc::from(cn.to_ascii_lowercase()));
        }
        self.seen_any = true;
        let key: Arc<str> = Arc::from(key);
        bound(&mut self.names, cap, |e| e.1);
        self.names.insert(key.clone(), (names, view.micros()));
        Some(key)
    }

    pub fn names(&self, key: &str) -> Option<&[Arc<str>]> {
        self.names.get(key).map(|e| e.0.as_slice())
    }

    pub fn expire(&mut self, now: i64) {
        let cut = now.saturating_sub(CERT_TTL);
        self.names.retain(|_, e| e.1 >= cut);
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The server certificate an ssl record names: the first of
/// `cert_chain_fps` (else `cert_chain_fuids`).
pub fn server_cert(view: &View<'_>) -> Option<String> {
    ["cert_chain_fps", "cert_chain_fuids"]
        .iter()
        .find_map(|f| list(view, f).into_iter().next())
        .filter(|k| !k.is_empty() && k != "-" && k != "(empty)")
}

/// A field's values: a list, or one text split at commas.
fn list(view: &View<'_>, field: &str) -> Vec<String> {
    match view.ev.get(field) {
        Some(Value::List(items)) => items
            .iter()
            .map(|v| view.ev.display(v).trim().to_string())
            .filter(|s| !s.is_empty() && s != "-")
            .collect(),
        Some(v) => view
            .ev
            .display(v)
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s != "-" && s != "(empty)")
            .collect(),
        None => Vec::new(),
    }
}

/// The CN of a distinguished name (`CN=*.example.com,O=Example`).
pub fn common_name(subject: &str) -> Option<&str> {
    subject
        .split(',')
        .find_map(|p| p.trim().strip_prefix("CN="))
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

/// A certificate name (`*.example.com` covers one label) against a host name.
pub fn name_matches(cert: &str, host: &str) -> bool {
    let (cert, host) = (cert.to_ascii_lowercase(), host.to_ascii_lowercase());
    match cert.strip_prefix("*.") {
        Some(rest) => host
            .split_once('.')
            .is_some_and(|(_, parent)| parent == rest),
        None => cert == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_names() {
        assert!(name_matches("*.liveperson.net", "lptag.liveperson.net"));
        assert!(!name_matches("*.liveperson.net", "a.b.liveperson.net"));
        assert!(!name_matches("*.liveperson.net", "liveperson.net"));
        assert!(name_matches("Mail.AOL.com", "mail.aol.com"));
        assert!(!name_matches("*.ycpi.mail.aol.com", "mail.aol.com"));
        assert_eq!(common_name("CN=*.x.com, O=X"), Some("*.x.com"));
        assert_eq!(common_name("O=X"), None);
    }
}
