//! `email-exfil`: mail carrying data out of the organisation — several large
//! messages, archived or encrypted attachments from one sender to the same
//! outside recipient within a window (a recipient the sender never wrote to
//! before raises the risk) — and mail whose sender or sending address is on
//! the user's threat-intelligence list. Reads Proofpoint and Microsoft 365
//! message trace records; a message seen in both counts once.

use super::support::{first_string, internal_ip, mail_domain, mail_key, number, strings};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::stateful::common::restore_state;
use crate::threat_list::ThreatList;
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Destination, Evidence, Finding};
use outflow_event::Event;
use outflow_intel::{Policy, Sanctioned};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const NAME: &str = "email-exfil";

const MICROS: i64 = 1_000_000;
/// Evidence records kept per sender and recipient.
const MAX_EVIDENCE: usize = 12;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: Option<u8>,
    /// The organisation's mail domains (besides the policy's sanctioned
    /// domains); mail to them is not "outside".
    #[serde(default)]
    organisation_domains: Vec<String>,
    /// A message at least this big is large.
    large_bytes: u64,
    /// Seconds an alert waits after its threshold is crossed, so it reports
    /// the messages that follow in the same burst.
    settle: u64,
    /// Large messages to one recipient within `window` that make an alert.
    large_count: u32,
    /// Messages with an archive or encrypted content to one recipient within
    /// `window` that make an alert.
    protected_count: u32,
    /// Seconds.
    window: u64,
    /// Attachment extensions taken for archives.
    archive_extensions: Vec<String>,
    /// Days a recipient stays known to a sender after the last message.
    known_recipient_days: u64,
    /// Risk of a message from a listed sender or address.
    intel_risk: u8,
    /// This many archived or encrypted messages to one recipient in the
    /// window is a bulk transfer: one more point of risk.
    #[serde(default = "many_protected")]
    many_protected: u32,
    max_senders: usize,
    max_recipients_per_sender: usize,
    max_open_windows: usize,
}

fn many_protected() -> u32 {
    5
}

/// One sender → one outside recipient, within the window.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pair {
    start: i64,
    messages: u32,
    large: u32,
    archives: u32,
    encrypted: u32,
    bytes: u64,
    /// The sender had never written to this recipient before the window.
    first_seen: bool,
    alerted: bool,
    /// The alert, once the threshold is crossed, and when it is due.
    #[serde(default)]
    pending: Option<(i64, Finding)>,
    host: Option<String>,
    sender_ip: Option<String>,
    evidence: Vec<Evidence>,
}

/// What one message carries, as bits (merged when a second source reports it).
const LARGE: u8 = 1;
const ARCHIVE: u8 = 2;
const ENCRYPTED: u8 = 4;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SeenMessage {
    time: i64,
    flags: u8,
    /// Pair keys the message was counted in.
    pairs: Vec<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// sender → recipient → last message time (µs).
    known: FxHashMap<String, FxHashMap<String, i64>>,
    /// "sender\x1frecipient" → open window.
    pairs: FxHashMap<String, Pair>,
    /// Message id → when and what (a message reported by two sources counts once).
    seen: FxHashMap<String, SeenMessage>,
    /// Sender → when its last threat-list alert was raised.
    intel_alerted: FxHashMap<String, i64>,
}

pub struct EmailExfil {
    meta: AnalyticMeta,
    s: Settings,
    policy: Arc<Policy>,
    intel: Option<Arc<ThreatList>>,
    org_domains: Vec<String>,
    archive_ext: Vec<String>,
    st: State,
    /// When the recipient baseline was last pruned (µs).
    last_prune: i64,
    /// No window, message or threat-list alert held started before this
    /// (µs): until it is a window old, a sweep would drop nothing.
    oldest: i64,
    /// When the open windows were last swept (µs).
    last_sweep: i64,
    /// Windows holding an alert not yet written, counted as alerts are set
    /// and written (never fewer than there are; a sweep recounts): none,
    /// and there is nothing to look for.
    pending: usize,
    /// Latest time of the mail records read: windows close by it, so a
    /// watermark driven ahead by other sources does not close them early.
    latest: i64,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(EmailExfil::new(ctx)?))
}

/// A message as the analytic reads it.
struct Message {
    id: Option<String>,
    sender: String,
    recipients: Vec<String>,
    size: u64,
    archives: Vec<String>,
    encrypted: bool,
    sender_ip: Option<std::net::IpAddr>,
    inbound: bool,
}

impl EmailExfil {
    pub fn new(ctx: &Arc<Ctx>) -> Result<EmailExfil, ConfigError> {
        let s: Settings = ctx.config.section(NAME)?;
        Ok(EmailExfil {
            meta: ctx.config.meta(NAME)?,
            policy: ctx.policy.clone(),
            intel: ctx.threat_list.clone(),
            org_domains: s
                .organisation_domains
                .iter()
                .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
                .collect(),
            archive_ext: s
                .archive_extensions
                .iter()
                .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            s,
            st: State::default(),
            last_prune: 0,
            oldest: i64::MAX,
            last_sweep: i64::MIN,
            pending: 0,
            latest: i64::MIN,
        })
    }

    fn window(&self) -> i64 {
        self.s.window as i64 * MICROS
    }

    /// Whether `domain` is the organisation's (configured, sanctioned by
    /// policy, or the sender's own when nothing is configured).
    fn is_org_domain(&self, domain: &str, sender_domain: Option<&str>) -> bool {
        let d = domain.to_ascii_lowercase();
        if self
            .org_domains
            .iter()
            .any(|o| d == *o || d.ends_with(&format!(".{o}")))
        {
            return true;
        }
        if self.policy.is_sanctioned(Sanctioned::Domain(&d)) {
            return true;
        }
        self.org_domains.is_empty() && sender_domain.is_some_and(|s| s.eq_ignore_ascii_case(&d))
    }

    fn read(&self, ev: &Event) -> Option<Message> {
        let sender = mail_key(&first_string(
            ev,
            &["sender", "SenderAddress", "envelope.from"],
        )?);
        let mut recipients: Vec<String> = strings(ev, "recipients")
            .into_iter()
            .chain(strings(ev, "RecipientAddress"))
            .map(|r| mail_key(&r))
            .filter(|r| r.contains('@'))
            .collect();
        recipients.sort();
        recipients.dedup();
        let size = number(ev, "size")
            .or_else(|| number(ev, "Size"))
            .or(ev.entity.bytes_out)
            .unwrap_or(0);
        let names: Vec<String> = strings(ev, "attachment_types")
            .into_iter()
            .chain(strings(ev, "attachment_names"))
            .chain(strings(ev, "msgParts.detectedExt"))
            .collect();
        let mut archives: Vec<String> = names
            .iter()
            .filter_map(|n| {
                let ext = n.rsplit('.').next().unwrap_or(n).to_ascii_lowercase();
                self.archive_ext.contains(&ext).then_some(ext)
            })
            .collect();
        if strings(ev, "msgParts.isArchive")
            .iter()
            .any(|v| v == "true")
            && archives.is_empty()
        {
            archives.push("archive".into());
        }
        archives.sort();
        archives.dedup();
        let truthy = |f: &str| strings(ev, f).iter().any(|v| v == "true");
        let encrypted = truthy("encrypted")
            || truthy("filter.isMsgEncrypted")
            || truthy("msgParts.isProtected");
        let sender_ip = first_string(ev, &["sender_ip", "FromIP", "connection.ip"])
            .and_then(|s| s.parse().ok())
            .or(ev.entity.src_ip);
        let direction = first_string(ev, &["direction", "filter.routeDirection"]);
        let inbound = match direction.as_deref() {
            Some(d) => d.eq_ignore_ascii_case("inbound"),
            // Message trace says no direction: mail sent from outside the
            // organisation's networks and domains is inbound.
            None => {
                let sender_domain = mail_domain(&sender).unwrap_or_default().to_string();
                !self.org_domains.is_empty()
                    && !self.is_org_domain(&sender_domain, None)
                    && sender_ip.is_none_or(|ip| !internal_ip(&self.policy, ip))
            }
        };
        let id = first_string(ev, &["MessageId", "msg.header.message-id", "message_id"])
            .map(|m| mail_key(&m));
        Some(Message {
            id,
            sender,
            recipients,
            size,
            archives,
            encrypted,
            sender_ip,
            inbound,
        })
    }

    fn check_intel(&mut self, view: &View<'_>, m: &Message, now: i64, out: &mut Vec<Finding>) {
        let Some(list) = &self.intel else { return };
        let hit = list
            .match_email(&m.sender)
            .map(|i| ("sender", i))
            .or_else(|| {
                m.sender_ip
                    .and_then(|ip| list.match_ip(ip))
                    .map(|i| ("sender address", i))
            });
        let Some((what, indicator)) = hit else { return };
        if let Some(t) = self.st.intel_alerted.get(&m.sender) {
            if now - t < self.window() {
                return;
            }
        }
        if self.st.intel_alerted.len() >= self.s.max_senders {
            self.st.intel_alerted.clear();
        }
        self.st.intel_alerted.insert(m.sender.clone(), now);
        let summary = format!(
            "mail from {} ({what} on threat list {}: {indicator}) to {}",
            m.sender,
            list.origin,
            m.recipients.join(", ")
        );
        let mut f = report::finding(NAME, &self.meta, view, summary);
        f.destination = None;
        f.entity.user = Some(m.sender.clone());
        f.fields.insert("indicator".into(), indicator.to_string());
        f.fields.insert("matched".into(), what.into());
        f.fields.insert("threat_list".into(), list.origin.clone());
        f.d3fend = vec!["D3-SRA".into()];
        report::set_risk(&mut f, self.s.intel_risk);
        out.push(f);
    }

    fn flags(&self, m: &Message) -> u8 {
        let mut f = 0;
        if m.size >= self.s.large_bytes {
            f |= LARGE;
        }
        if !m.archives.is_empty() {
            f |= ARCHIVE;
        }
        if m.encrypted {
            f |= ENCRYPTED;
        }
        f
    }

    fn on_message(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(m) = self.read(view.ev) else { return };
        let now = view.micros();
        self.latest = self.latest.max(now);
        self.oldest = self.oldest.min(now);
        self.check_intel(view, &m, now, out);
        if m.inbound || m.recipients.is_empty() {
            return;
        }
        let flags = self.flags(&m);
        // The same message from a second source: count only what it adds.
        if let Some(id) = &m.id {
            let w = self.window();
            if let Some(seen) = self.st.seen.get_mut(id).filter(|s| now - s.time <= w) {
                let added = flags & !seen.flags;
                seen.flags |= flags;
                let keys = seen.pairs.clone();
                for k in keys {
                    if let Some(p) = self.st.pairs.get_mut(&k) {
                        add_flags(p, added);
                        if p.evidence.len() < MAX_EVIDENCE && added != 0 {
                            p.evidence.push(Evidence::of(view.ev, describe(&m)));
                        }
                    }
                    self.maybe_alert(&k, view, out);
                }
                return;
            }
        }
        let sender_domain = mail_domain(&m.sender).map(str::to_ascii_lowercase);
        let mut counted = Vec::new();
        for r in &m.recipients {
            let Some(rd) = mail_domain(r) else { continue };
            if self.is_org_domain(rd, sender_domain.as_deref()) {
                continue;
            }
            let key = format!("{}\u{1f}{}", m.sender, r);
            let known = self
                .st
                .known
                .get(&m.sender)
                .is_some_and(|k| k.contains_key(r));
            let cap = self.s.max_open_windows;
            let full = |st: &State| !st.pairs.contains_key(&key) && st.pairs.len() >= cap;
            if full(&self.st) && now.saturating_sub(self.oldest) > self.window() {
                self.sweep(now); // ended windows are swept lazily: not counted as open
            }
            if full(&self.st) {
                continue; // full: a flood of distinct pairs must not grow memory
            }
            if self
                .st
                .pairs
                .get(&key)
                .is_some_and(|p| now - p.start > self.window())
            {
                let mut ended = Vec::new();
                self.emit(&key, &mut ended);
                out.extend(ended);
                self.st.pairs.remove(&key);
            }
            let pair = self.st.pairs.entry(key.clone()).or_insert_with(|| Pair {
                start: now,
                messages: 0,
                large: 0,
                archives: 0,
                encrypted: 0,
                bytes: 0,
                first_seen: !known,
                alerted: false,
                pending: None,
                host: view.host.as_deref().map(str::to_string),
                sender_ip: m.sender_ip.map(|ip| ip.to_string()),
                evidence: Vec::new(),
            });
            pair.messages += 1;
            pair.bytes = pair.bytes.saturating_add(m.size);
            add_flags(pair, flags);
            if pair.evidence.len() < MAX_EVIDENCE && (flags != 0 || pair.evidence.is_empty()) {
                pair.evidence.push(Evidence::of(view.ev, describe(&m)));
            }
            counted.push(key);
        }
        for r in &m.recipients {
            self.remember(&m.sender, r, now);
        }
        for k in &counted {
            self.maybe_alert(k, view, out);
        }
        if let Some(id) = m.id {
            if self.st.seen.len() >= self.s.max_open_windows * 4 {
                self.st.seen.clear();
            }
            self.st.seen.insert(
                id,
                SeenMessage {
                    time: now,
                    flags,
                    pairs: counted,
                },
            );
        }
    }

    fn remember(&mut self, sender: &str, recipient: &str, now: i64) {
        if !self.st.known.contains_key(sender) && self.st.known.len() >= self.s.max_senders {
            return;
        }
        let k = self.st.known.entry(sender.to_string()).or_default();
        if !k.contains_key(recipient) && k.len() >= self.s.max_recipients_per_sender {
            // Forget the recipient written to longest ago.
            if let Some(old) = k.iter().min_by_key(|(_, t)| **t).map(|(r, _)| r.clone()) {
                k.remove(&old);
            }
        }
        k.insert(recipient.to_string(), now);
    }

    /// Once a window crosses a threshold, its alert is due `settle` later.
    fn maybe_alert(&mut self, key: &str, view: &View<'_>, _out: &mut Vec<Finding>) {
        let settle = self.s.settle as i64 * MICROS;
        let Some(p) = self.st.pairs.get_mut(key) else {
            return;
        };
        if p.alerted || p.pending.is_some() {
            return;
        }
        let by_size = p.large >= self.s.large_count;
        let by_protection = p.archives + p.encrypted >= self.s.protected_count;
        if !(by_size || by_protection) {
            return;
        }
        let f = report::finding(NAME, &self.meta, view, String::new());
        p.pending = Some((view.micros() + settle, f));
        self.pending += 1;
    }

    /// Drops windows, messages and threat-list alerts a window old.
    fn sweep(&mut self, now: i64) {
        let w = self.window();
        self.last_sweep = now;
        self.st.pairs.retain(|_, p| now - p.start <= w);
        self.st.seen.retain(|_, m| now - m.time <= w);
        self.st.intel_alerted.retain(|_, t| now - *t <= w);
        self.recount();
    }

    /// The oldest time held and the alerts pending, from the state itself.
    fn recount(&mut self) {
        let st = &self.st;
        self.oldest = (st.pairs.values().map(|p| p.start))
            .chain(st.seen.values().map(|m| m.time))
            .chain(st.intel_alerted.values().copied())
            .min()
            .unwrap_or(i64::MAX);
        self.pending = st.pairs.values().filter(|p| p.pending.is_some()).count();
    }

    /// Writes the window's alert, if one is pending.
    fn emit(&mut self, key: &str, out: &mut Vec<Finding>) {
        let Some(p) = self.st.pairs.get_mut(key) else {
            return;
        };
        let Some((_, mut f)) = p.pending.take() else {
            return;
        };
        self.pending = self.pending.saturating_sub(1);
        p.alerted = true;
        let (sender, recipient) = key.split_once('\u{1f}').unwrap_or((key, ""));
        let mut reasons = Vec::new();
        if p.large >= self.s.large_count {
            reasons.push(format!(
                "{} messages of {} or more",
                p.large,
                human_bytes(self.s.large_bytes)
            ));
        }
        if p.archives > 0 {
            reasons.push(format!("{} with archives", p.archives));
        }
        if p.encrypted > 0 {
            reasons.push(format!("{} encrypted", p.encrypted));
        }
        let summary = format!(
            "{sender} mailed {} to outside recipient {recipient}{} in {} messages: {}",
            human_bytes(p.bytes),
            if p.first_seen {
                " (never written to before)"
            } else {
                ""
            },
            p.messages,
            reasons.join(", ")
        );
        let mut risk = self.meta.risk;
        if p.first_seen {
            risk += 1;
        }
        if p.bytes >= self.s.large_bytes.saturating_mul(10) {
            risk += 1;
        }
        if p.archives + p.encrypted >= self.s.many_protected {
            risk += 1;
        }
        report::set_risk(&mut f, risk.min(10));
        f.entity.user = Some(sender.to_string());
        f.entity.host = p.host.clone();
        f.destination = Some(Destination {
            domain: mail_domain(recipient).map(str::to_string),
            target: Some(recipient.to_string()),
            ..Destination::default()
        });
        f.bytes_out = Some(p.bytes);
        if let Some(first) = p.evidence.first() {
            f.timestamp = first.time;
            f.origin = Some(first.origin.clone());
        }
        f.evidence = p.evidence.clone();
        if let Some(e) = f.evidence.first_mut() {
            e.summary = format!("{summary}; first: {}", e.summary);
        }
        for (k, v) in [
            ("sender", sender.to_string()),
            ("recipient", recipient.to_string()),
            ("messages", p.messages.to_string()),
            ("large_messages", p.large.to_string()),
            ("archive_messages", p.archives.to_string()),
            ("encrypted_messages", p.encrypted.to_string()),
            ("first_seen_recipient", p.first_seen.to_string()),
        ] {
            f.fields.insert(k.into(), v);
        }
        if let Some(ip) = &p.sender_ip {
            f.fields.insert("sender_ip".into(), ip.clone());
        }
        out.push(f);
    }

    /// Alerts due by `now` (all with `None`), oldest first.
    fn emit_due(&mut self, now: Option<i64>, out: &mut Vec<Finding>) {
        if self.pending == 0 {
            return;
        }
        let w = self.window();
        let mut due: Vec<(i64, String)> = self
            .st
            .pairs
            .iter()
            .filter_map(|(k, p)| {
                let (at, _) = p.pending.as_ref()?;
                let ready = now.is_none_or(|n| *at <= n || n - p.start > w);
                ready.then(|| (p.start, k.clone()))
            })
            .collect();
        due.sort();
        for (_, k) in due {
            self.emit(&k, out);
        }
    }
}

fn add_flags(p: &mut Pair, flags: u8) {
    if flags & LARGE != 0 {
        p.large += 1;
    }
    if flags & ARCHIVE != 0 {
        p.archives += 1;
    }
    if flags & ENCRYPTED != 0 {
        p.encrypted += 1;
    }
}

fn describe(m: &Message) -> String {
    let mut s = format!(
        "{} → {} ({})",
        m.sender,
        m.recipients.join(", "),
        human_bytes(m.size)
    );
    if !m.archives.is_empty() {
        s.push_str(&format!(", archive {}", m.archives.join("/")));
    }
    if m.encrypted {
        s.push_str(", encrypted");
    }
    s
}

impl StatefulAnalytic for EmailExfil {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        if view.kind == Kind::Email {
            self.on_message(view, out);
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        let now = now.min(self.latest);
        let w = self.window();
        self.emit_due(Some(now), out);
        // Lookups check a window's age, so a sweep only bounds memory: it
        // waits until something can have ended, and then a sixteenth of a
        // window (sweeping at every watermark walked a day of open windows
        // each time).
        if now.saturating_sub(self.oldest) > w && now.saturating_sub(self.last_sweep) >= w / 16 {
            self.sweep(now);
        }
        let keep = self.s.known_recipient_days as i64 * 86_400 * MICROS;
        // Pruning the baseline once an hour of event time is enough.
        if now - self.last_prune >= 3_600 * MICROS {
            self.last_prune = now;
            self.st.known.retain(|_, k| {
                k.retain(|_, t| now - *t <= keep);
                !k.is_empty()
            });
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.emit_due(None, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.st).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(st) = restore_state(NAME, state)? {
            self.st = st;
            self.recount();
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.st.known.values().map(|k| k.len()).sum::<usize>()
            + self.st.pairs.len()
            + self.st.seen.len()
            + self.st.intel_alerted.len()
    }
}
