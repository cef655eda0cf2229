//! Protocol Metadata Anomaly Detection (D3FEND D3-PMAD): what the protocol
//! metadata of an upload says about its client.
//!
//! * A non-browser user agent (curl, python-requests, PowerShell, rclone,
//!   ...) sending POST/PUT requests to a web service (proxy `c-useragent` /
//!   `cs-method`, Zeek http `user_agent` / `method`). Requests of one host,
//!   agent and destination within `window` seconds make one alert.
//! * TLS whose SNI is absent or an address, or does not match the server's
//!   certificate (Zeek ssl `sni_matches_cert`, else the certificate
//!   `subject` CN when the log carries it), with bytes out on the
//!   connection (the Zeek conn record of the same uid).
//! * A rare JA3 client fingerprint (Zeek ssl `ja3`, seen from at most
//!   `rare_ja3_max_hosts` hosts) sending data to a catalogued web service.

use super::certs::{common_name, name_matches, server_cert, CertNames};
use super::common::{
    bound, is_private, micros, outbound, pairs, restore_state, sensor, HostDestTag, SWEEP_EVERY,
};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const ID: &str = "protocol-anomaly";

/// Evidence records kept per alert.
const MAX_EVIDENCE: usize = 6;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the meta keys are read through `AnalyticMeta`
struct Settings {
    risk: Option<u8>,
    /// Substrings (case-insensitive) of non-browser user agents.
    user_agents: Vec<String>,
    /// Request methods that send data.
    upload_methods: Vec<String>,
    /// Bytes out (summed over the window) a scripted upload to an
    /// uncatalogued destination needs; catalogued web services need none.
    ua_uncatalogued_min_bytes: u64,
    /// Seconds over which one host's requests with one agent to one
    /// destination make one alert.
    window: u64,
    /// Bytes out on a TLS connection without SNI (or with an address).
    sni_absent_min_bytes: u64,
    /// Bytes out on a TLS connection whose SNI does not match the certificate.
    sni_mismatch_min_bytes: u64,
    /// Compare the SNI with the certificate subject CN when the log has no
    /// `sni_matches_cert` (older Zeek). Off by default: certificates name
    /// their hosts in the SAN, which ssl.log lacks, so the CN alone misses
    /// most legitimate names (`*.yahoo.com` serving `s.yimg.com`).
    subject_cn_fallback: bool,
    /// A JA3 seen from at most this many hosts is rare ...
    rare_ja3_max_hosts: usize,
    /// ... once JA3s have been watched this many seconds ...
    ja3_warmup: u64,
    /// ... and reported with this many bytes out to a web service.
    rare_ja3_min_bytes: u64,
    /// Seconds a TLS record waits for the conn record of its connection.
    join_wait: u64,
    /// Seconds before one host, destination and check alert again.
    cooldown: u64,
    /// Most entries of each map.
    max_entries: usize,
}

/// Scripted requests of one host, agent and destination.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Scripted {
    first: i64,
    requests: u64,
    bytes: BTreeMap<String, u64>,
    catalogued: bool,
    finding: Finding,
}

/// A TLS connection with anomalies, waiting for its byte count.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct TlsPending {
    at: i64,
    /// (check, detail).
    checks: Vec<(String, String)>,
    bytes_out: Option<u64>,
    finding: Finding,
}

/// A TLS record whose certificate's names are not known yet.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CertWait {
    uid: Option<Arc<str>>,
    sni: String,
    pending: TlsPending,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// (host, destination, agent) → requests.
    #[serde(with = "pairs")]
    scripted: FxHashMap<HostDestTag, Scripted>,
    /// Zeek uid → TLS anomalies waiting for the conn record.
    tls: FxHashMap<Arc<str>, TlsPending>,
    /// Zeek uid → (bytes out, seen) of recent conn records.
    conns: FxHashMap<Arc<str>, (u64, i64)>,
    /// JA3 → hosts seen with it (at most `rare_ja3_max_hosts` + 1).
    ja3: FxHashMap<Arc<str>, (Vec<Arc<str>>, i64)>,
    /// When the first JA3 was seen (µs).
    ja3_since: Option<i64>,
    /// Server certificates' names (Zeek x509.log).
    #[serde(default)]
    certs: CertNames,
    /// Certificate key → TLS records waiting for its x509 record.
    #[serde(default)]
    awaiting_cert: FxHashMap<Arc<str>, Vec<CertWait>>,
    /// (host, destination, check) → last alert.
    #[serde(with = "pairs")]
    reported: FxHashMap<HostDestTag, i64>,
}

pub struct ProtocolAnomaly {
    meta: AnalyticMeta,
    settings: Settings,
    /// `user_agents`, lower-cased.
    agents: Vec<String>,
    /// Conn records sending less need not wait for a TLS record: no check
    /// would report them (a mismatch reports without the byte count).
    conn_floor: u64,
    state: State,
    last_sweep: i64,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(ProtocolAnomaly::new(ctx)?))
}

impl ProtocolAnomaly {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let settings: Settings = ctx.config.section(ID)?;
        Ok(ProtocolAnomaly {
            meta: ctx.config.meta(ID)?,
            agents: settings
                .user_agents
                .iter()
                .map(|a| a.to_ascii_lowercase())
                .filter(|a| !a.is_empty())
                .collect(),
            conn_floor: [
                settings.sni_absent_min_bytes,
                settings.rare_ja3_min_bytes,
                settings.sni_mismatch_min_bytes,
            ]
            .into_iter()
            .filter(|b| *b > 0)
            .min()
            .unwrap_or(0),
            settings,
            state: State::default(),
            last_sweep: i64::MIN,
        })
    }

    /// The configured agent `ua` contains, if any.
    fn agent_of(&self, ua: &str) -> Option<&str> {
        let lower = ua.to_ascii_lowercase();
        let i = self
            .agents
            .iter()
            .position(|a| lower.contains(a.as_str()))?;
        Some(self.settings.user_agents[i].as_str())
    }

    fn on_http(&mut self, view: &View<'_>) {
        let method = view.get("cs-method").or_else(|| view.get("method"));
        let Some(method) = method else { return };
        if !self
            .settings
            .upload_methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
        {
            return;
        }
        let ua = view.get("c-useragent").or_else(|| view.get("user_agent"));
        let Some(ua) = ua else { return };
        let Some(agent) = self.agent_of(ua).map(Arc::<str>::from) else {
            return;
        };
        let Some((flow, bytes)) = outbound(view) else {
            return;
        };
        if flow.service.as_ref().is_some_and(|s| s.sanctioned) {
            return;
        }
        let (Some(host), Some(dest)) = (view.host.clone(), view.destination_key().cloned()) else {
            return;
        };
        let now = view.micros();
        let key = (host, dest, agent);
        if let Some(s) = self.state.scripted.get_mut(&key) {
            s.requests += 1;
            *s.bytes.entry(sensor(view).to_string()).or_default() += bytes;
            if s.finding.evidence.len() < MAX_EVIDENCE {
                s.finding.evidence.push(Evidence::of(
                    view.ev,
                    format!("{method} {} by {ua}", human_bytes(bytes)),
                ));
            }
            return;
        }
        let summary = format!(
            "{method} of {} to {} by {ua}",
            human_bytes(bytes),
            flow.domain.as_deref().unwrap_or("?")
        );
        let mut finding = report::finding(ID, &self.meta, view, summary);
        finding.fields.insert("check".into(), "user_agent".into());
        finding.fields.insert("user_agent".into(), ua.to_string());
        finding.fields.insert("method".into(), method.to_string());
        let mut sizes = BTreeMap::new();
        sizes.insert(sensor(view).to_string(), bytes);
        bound(&mut self.state.scripted, self.settings.max_entries, |s| {
            s.first
        });
        self.state.scripted.insert(
            key,
            Scripted {
                first: now,
                requests: 1,
                bytes: sizes,
                catalogued: flow.service.is_some(),
                finding,
            },
        );
    }

    fn close_scripted(&mut self, now: i64, out: &mut Vec<Finding>) {
        let window = micros(self.settings.window);
        let due: Vec<_> = self
            .state
            .scripted
            .iter()
            .filter(|(_, s)| s.first.saturating_add(window) <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let Some(s) = self.state.scripted.remove(&key) else {
                continue;
            };
            let volume = s.bytes.values().copied().max().unwrap_or(0);
            if !s.catalogued && volume < self.settings.ua_uncatalogued_min_bytes {
                continue;
            }
            let rkey = (key.0.clone(), key.1.clone(), Arc::from("user_agent"));
            if self.recently_reported(&rkey, s.first) {
                continue;
            }
            let mut f = s.finding;
            f.bytes_out = Some(volume);
            f.fields.insert("requests".into(), s.requests.to_string());
            let target = f
                .destination
                .as_ref()
                .map(|d| d.label())
                .unwrap_or_else(|| key.1.to_string());
            // The agent's own token in the first request (`curl/8.5.0`,
            // `PowerShell/5.1.22621.4391`), not the pattern it matched.
            let agent = f
                .fields
                .get("user_agent")
                .and_then(|ua| agent_token(ua, &key.2))
                .unwrap_or_else(|| key.2.trim_end_matches('/').to_string());
            let head = format!(
                "{} sent {} upload request{} ({}) to {target} with the non-browser agent {agent}",
                key.0,
                s.requests,
                if s.requests == 1 { "" } else { "s" },
                human_bytes(volume),
            );
            if let Some(first) = f.evidence.first().cloned() {
                f.evidence.insert(
                    0,
                    Evidence {
                        summary: head,
                        ..first
                    },
                );
            }
            let mut risk = self.meta.risk;
            if f.attack.iter().any(|t| t.starts_with("T1567.")) {
                risk = risk.saturating_add(1);
            }
            report::set_risk(&mut f, risk.min(10));
            self.note_reported(rkey, s.first);
            out.push(f);
        }
    }

    fn recently_reported(&self, key: &HostDestTag, now: i64) -> bool {
        self.state
            .reported
            .get(key)
            .is_some_and(|t| now.saturating_sub(*t) < micros(self.settings.cooldown))
    }

    fn note_reported(&mut self, key: HostDestTag, now: i64) {
        bound(&mut self.state.reported, self.settings.max_entries, |t| *t);
        self.state.reported.insert(key, now);
    }

    fn on_tls(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(flow) = view.flow.as_ref() else {
            return;
        };
        if flow.internal || flow.dst_ip.is_some_and(is_private) {
            return;
        }
        let Some(host) = view.host.clone() else {
            return;
        };
        let now = view.micros();
        let mut checks: Vec<(String, String)> = Vec::new();
        let sni = view
            .get("server_name")
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "-");
        match sni {
            None => checks.push(("sni_absent".into(), "no SNI in the client hello".into())),
            Some(s) if s.parse::<std::net::IpAddr>().is_ok() => {
                checks.push(("sni_absent".into(), format!("SNI is an address ({s})")))
            }
            Some(s) => {
                if let Some(detail) = cert_mismatch(view, s, self.settings.subject_cn_fallback) {
                    checks.push(("sni_mismatch".into(), detail));
                } else if view.ev.get("sni_matches_cert").is_none() {
                    self.against_x509(view, s, now, out);
                }
            }
        }
        if let Some(ja3) = view.get("ja3").filter(|j| !j.is_empty() && *j != "-") {
            if let Some(detail) = self.rare_ja3(ja3, &host, now) {
                if flow.service.as_ref().is_some_and(|s| !s.sanctioned) {
                    checks.push(("rare_ja3".into(), detail));
                }
            }
        }
        if checks.is_empty() {
            return;
        }
        let summary = format!(
            "TLS to {}: {}",
            sni.or(flow.domain.as_deref())
                .map(str::to_string)
                .or_else(|| flow.dst_ip.map(|i| i.to_string()))
                .unwrap_or_default(),
            checks
                .iter()
                .map(|c| c.1.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        let finding = report::finding(ID, &self.meta, view, summary);
        let uid = view.get("uid").filter(|u| !u.is_empty());
        let known = uid.and_then(|u| self.state.conns.get(u)).map(|c| c.0);
        let pending = TlsPending {
            at: now,
            checks,
            bytes_out: known,
            finding,
        };
        match (uid, known) {
            (Some(u), None) => {
                bound(&mut self.state.tls, self.settings.max_entries, |p| p.at);
                self.state.tls.insert(Arc::from(u), pending);
            }
            _ => self.judge_tls(pending, out),
        }
    }

    /// Whether `ja3` is rare (after noting `host` uses it).
    fn rare_ja3(&mut self, ja3: &str, host: &Arc<str>, now: i64) -> Option<String> {
        let since = *self.state.ja3_since.get_or_insert(now);
        let max = self.settings.rare_ja3_max_hosts;
        if !self.state.ja3.contains_key(ja3) {
            bound(&mut self.state.ja3, self.settings.max_entries, |e| e.1);
        }
        let entry = self
            .state
            .ja3
            .entry(Arc::from(ja3))
            .or_insert_with(|| (Vec::new(), now));
        if entry.0.len() <= max && !entry.0.iter().any(|h| h == host) {
            entry.0.push(host.clone());
        }
        entry.1 = now;
        let hosts = entry.0.len();
        let warm = now.saturating_sub(since) >= micros(self.settings.ja3_warmup);
        (warm && hosts <= max).then(|| format!("JA3 {ja3} seen from {hosts} host(s) only"))
    }

    /// Compares `sni` with the names of the server certificate from
    /// x509.log: at once when known, else when its record arrives.
    fn against_x509(&mut self, view: &View<'_>, sni: &str, now: i64, out: &mut Vec<Finding>) {
        let Some(key) = server_cert(view) else {
            return;
        };
        let known = self.state.certs.names(&key).map(|n| n.to_vec());
        if known.is_none() && !self.state.certs.seen_any {
            return;
        }
        if let Some(names) = &known {
            if names.is_empty() || names.iter().any(|n| name_matches(n, sni)) {
                return;
            }
        }
        let summary = format!("TLS to {sni}: certificate names checked");
        let pending = TlsPending {
            at: now,
            checks: Vec::new(),
            bytes_out: None,
            finding: report::finding(ID, &self.meta, view, summary),
        };
        let wait = CertWait {
            uid: view.get("uid").filter(|u| !u.is_empty()).map(Arc::from),
            sni: sni.to_string(),
            pending,
        };
        match known {
            Some(names) => self.cert_verdict(wait, &names, out),
            None => {
                if self.state.awaiting_cert.len() < self.settings.max_entries {
                    let waits = self.state.awaiting_cert.entry(Arc::from(key)).or_default();
                    if waits.len() < 64 {
                        waits.push(wait);
                    }
                }
            }
        }
    }

    /// A certificate's names against a waiting TLS record's SNI.
    fn cert_verdict(&mut self, wait: CertWait, names: &[Arc<str>], out: &mut Vec<Finding>) {
        if names.is_empty() || names.iter().any(|n| name_matches(n, &wait.sni)) {
            return;
        }
        let shown: Vec<&str> = names.iter().take(5).map(|n| n.as_ref()).collect();
        let detail = format!(
            "SNI {} is none of the certificate's names ({})",
            wait.sni,
            shown.join(", ")
        );
        let mut p = wait.pending;
        if let Some(e) = p.finding.evidence.first_mut() {
            e.summary = format!("TLS to {}: {detail}", wait.sni);
        }
        p.checks.push(("sni_mismatch".into(), detail));
        let known = wait
            .uid
            .as_ref()
            .and_then(|u| self.state.conns.get(u))
            .map(|c| c.0);
        match (wait.uid, known) {
            (Some(u), None) => {
                bound(&mut self.state.tls, self.settings.max_entries, |p| p.at);
                self.state.tls.insert(u, p);
            }
            (_, bytes) => {
                p.bytes_out = bytes;
                self.judge_tls(p, out);
            }
        }
    }

    fn on_x509(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(key) = self.state.certs.learn(view, self.settings.max_entries) else {
            return;
        };
        if let Some(waits) = self.state.awaiting_cert.remove(&key) {
            let names = self
                .state
                .certs
                .names(&key)
                .map(|n| n.to_vec())
                .unwrap_or_default();
            for w in waits {
                self.cert_verdict(w, &names, out);
            }
        }
    }

    fn on_conn(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(uid) = view.get("uid").filter(|u| !u.is_empty()) else {
            return;
        };
        let bytes = view.flow.as_ref().and_then(|f| f.bytes_out).unwrap_or(0);
        if let Some(mut p) = self.state.tls.remove(uid) {
            p.bytes_out = Some(bytes);
            p.finding.evidence.push(Evidence::of(
                view.ev,
                format!("the connection sent {}", human_bytes(bytes)),
            ));
            self.judge_tls(p, out);
            return;
        }
        if bytes < self.conn_floor {
            return;
        }
        bound(&mut self.state.conns, self.settings.max_entries, |c| c.1);
        self.state
            .conns
            .insert(Arc::from(uid), (bytes, view.micros()));
    }

    fn judge_tls(&mut self, p: TlsPending, out: &mut Vec<Finding>) {
        let s = self.settings.clone();
        let bytes = p.bytes_out.unwrap_or(0);
        let host: Arc<str> = Arc::from(p.finding.entity.host.as_deref().unwrap_or(""));
        let dest: Arc<str> = Arc::from(
            p.finding
                .destination
                .as_ref()
                .map(|d| d.label())
                .unwrap_or_default(),
        );
        let mut kept = Vec::new();
        for (check, detail) in p.checks {
            let floor = match check.as_str() {
                "sni_absent" => s.sni_absent_min_bytes,
                "sni_mismatch" => s.sni_mismatch_min_bytes,
                _ => s.rare_ja3_min_bytes,
            };
            let key = (host.clone(), dest.clone(), Arc::<str>::from(check.as_str()));
            if bytes >= floor && !self.recently_reported(&key, p.at) {
                self.note_reported(key, p.at);
                kept.push((check, detail));
            }
        }
        if kept.is_empty() {
            return;
        }
        let mut f = p.finding;
        if p.bytes_out.is_some() {
            f.bytes_out = Some(bytes);
        }
        f.fields.insert(
            "check".into(),
            kept.iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
        let mut risk = self.meta.risk;
        if kept.len() > 1 || bytes >= s.rare_ja3_min_bytes.max(s.sni_absent_min_bytes) * 100 {
            risk = risk.saturating_add(1);
        }
        report::set_risk(&mut f, risk.min(10));
        out.push(f);
    }

    fn expire(&mut self, now: i64, out: &mut Vec<Finding>) {
        let wait = micros(self.settings.join_wait);
        let cut = now.saturating_sub(wait);
        let due: Vec<Arc<str>> = self
            .state
            .tls
            .iter()
            .filter(|(_, p)| p.at < cut)
            .map(|(k, _)| k.clone())
            .collect();
        for uid in due {
            if let Some(p) = self.state.tls.remove(&uid) {
                self.judge_tls(p, out);
            }
        }
        self.state.conns.retain(|_, c| c.1 >= cut);
        // Certificates not logged within the wait are not coming.
        self.state
            .awaiting_cert
            .retain(|_, w| w.iter().any(|w| w.pending.at >= cut));
        if now < i64::MAX {
            self.state.certs.expire(now);
        }
    }
}

/// How the certificate contradicts `sni`, when the record says so: Zeek's
/// own `sni_matches_cert` (names and SAN), else — when enabled — the
/// subject CN of older logs.
fn cert_mismatch(view: &View<'_>, sni: &str, cn_fallback: bool) -> Option<String> {
    if let Some(v) = view.text("sni_matches_cert") {
        return matches!(v.as_ref(), "false" | "F")
            .then(|| format!("SNI {sni} does not match the server's certificate"));
    }
    if !cn_fallback {
        return None;
    }
    let subject = view.get("subject").filter(|s| !s.is_empty() && *s != "-")?;
    let cn = common_name(subject)?;
    (!name_matches(cn, sni)).then(|| format!("SNI {sni} does not match the certificate CN {cn}"))
}

impl StatefulAnalytic for ProtocolAnomaly {
    fn name(&self) -> &str {
        ID
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        match view.kind {
            Kind::Http => self.on_http(view),
            Kind::Tls => self.on_tls(view, out),
            Kind::Conn => self.on_conn(view, out),
            Kind::Other => self.on_x509(view, out),
            _ => {}
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        if now.saturating_sub(self.last_sweep) < SWEEP_EVERY {
            return;
        }
        self.last_sweep = now;
        self.close_scripted(now, out);
        self.expire(now, out);
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.close_scripted(i64::MAX, out);
        self.expire(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.state).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(s) = restore_state(ID, state)? {
            self.state = s;
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.state.scripted.len()
            + self.state.tls.len()
            + self.state.conns.len()
            + self.state.ja3.len()
            + self.state.reported.len()
            + self.state.certs.len()
            + self.state.awaiting_cert.len()
    }
}

/// The product token of `ua` that `pattern` matched (case aside): from the
/// match to the next space, `;` or `)`, widened back to the start of its
/// word (`python` in `python-requests/2.31` gives the whole token).
fn agent_token(ua: &str, pattern: &str) -> Option<String> {
    let lower = ua.to_ascii_lowercase();
    let at = lower.find(&pattern.to_ascii_lowercase())?;
    let stop = |c: char| c.is_whitespace() || matches!(c, ';' | ')' | '(');
    let start = ua[..at].rfind(stop).map_or(0, |i| i + 1);
    let end = ua[at..].find(stop).map_or(ua.len(), |i| at + i);
    let token = &ua[start..end];
    (!token.is_empty()).then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    use super::agent_token;

    #[test]
    fn the_agent_is_named_by_its_own_token() {
        let ps = "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/5.1.22621.4391";
        assert_eq!(
            agent_token(ps, "PowerShell").as_deref(),
            Some("PowerShell/5.1.22621.4391")
        );
        assert_eq!(
            agent_token("curl/8.5.0", "curl/").as_deref(),
            Some("curl/8.5.0")
        );
        assert_eq!(
            agent_token("python-requests/2.31.0", "python").as_deref(),
            Some("python-requests/2.31.0")
        );
        assert_eq!(
            agent_token("Go-http-client/1.1", "go-http-client").as_deref(),
            Some("Go-http-client/1.1")
        );
        assert_eq!(agent_token("curl/8.5.0", "wget/"), None);
    }
}
