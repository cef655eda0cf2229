//! New webhooks and integrations (T1567.004, MITRE reference analytic):
//!
//! * a webhook created or repointed in a SaaS audit log (GitHub `hook.create`,
//!   `hook.config_changed`, ...) whose URL leaves the organisation's domains,
//!   and Teams connectors added (Microsoft 365 audit `ConnectorAdded`);
//! * a Slack app given an incoming webhook (Slack audit `app_installed`,
//!   `app_scopes_expanded`... granting `incoming-webhook`) that the policy's
//!   `sanctioned.apps` does not list;
//! * web requests (`POST`/`PUT`, proxy or Zeek http) to a catalogued webhook,
//!   bot-API or request-capture endpoint (path-level catalog match such as
//!   `discord.com/api/webhooks/`) by a client whose user agent is not a browser;
//! * connections from non-browser processes (Sysmon 3, auditd connect) and
//!   flows with bytes out (Zeek conn, firewall) to those services;
//! * process starts and PowerShell script blocks naming a webhook URL.
//!
//! Network records of one host to one destination are gathered into one
//! alert, reported once the host has been quiet towards it for `hold` seconds.

use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::stateful::browsers::{file_name, user_agent, BrowserList};
use crate::stateful::common::restore_state;
use crate::view::{Kind, ServiceRef, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use outflow_intel::Sanctioned;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

pub const NAME: &str = "webhook-integration";

mod saas;
mod slack;
mod urls;

use urls::full_url;
pub use urls::{url_host, url_path, urls_in};

/// Most hosts×destinations followed at once; past it the stalest are reported.
const MAX_INCIDENTS: usize = 10_000;
/// Most recent browser connections remembered (host, address).
const MAX_BROWSER_CONNS: usize = 100_000;
/// Most reported alerts remembered (to recognise records arriving late).
const MAX_REPORTED: usize = 50_000;
/// Most URLs and images listed in one alert.
const MAX_LISTED: usize = 5;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: Option<u8>,
    /// Catalog categories whose endpoints are hook targets.
    categories: Vec<String>,
    /// Categories that need a path-level (upload endpoint) match in a web
    /// request, because the same host serves ordinary use (bot APIs).
    endpoint_only_categories: Vec<String>,
    /// Hosts that serve nothing but incoming webhooks (the catalog lists
    /// them with a path, so a flow without a path would not match).
    webhook_only_hosts: Vec<String>,
    /// HTTP methods that send data.
    methods: Vec<String>,
    /// Fewest bytes out for a flow record (Zeek conn, firewall) to count.
    min_bytes_out: u64,
    /// Seconds of quiet (event time) before a host's alert is reported.
    hold: u64,
    max_evidence: usize,
    /// GitHub audit actions that create or repoint a webhook.
    github_actions: Vec<String>,
    /// Microsoft 365 audit operations that add a Teams/Office connector.
    m365_operations: Vec<String>,
    /// Slack audit actions that can give an app new scopes.
    slack_actions: Vec<String>,
    /// Slack scopes that give an app an incoming webhook.
    slack_webhook_scopes: Vec<String>,
    /// Slack integration log changes that can give an app or integration
    /// a webhook (`added`, `enabled`, `expanded`).
    slack_integration_changes: Vec<String>,
    /// Legacy Slack integrations (integration logs' `service_type`) that
    /// are incoming webhooks.
    slack_webhook_services: Vec<String>,
    /// The organisation's own domains (besides policy `sanctioned.domains`):
    /// hooks pointing there are internal.
    organisation_domains: Vec<String>,
    /// Non-browser programs that talk to these services by design (chat clients).
    chat_clients: Vec<String>,
    browsers: BrowserList,
    /// Risk of a hook created in a SaaS audit log.
    hook_create_risk: u8,
    /// Risk when only flow records (no process, no user agent) show the traffic.
    flow_only_risk: u8,
}

/// What one alert gathers: one host (or user) and one destination.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Incident {
    finding: Finding,
    first: i64,
    last: i64,
    records: u64,
    /// Bytes out per source format (the same transfer shows in several).
    bytes_by_source: BTreeMap<String, u64>,
    urls: Vec<String>,
    images: Vec<String>,
    user_agents: Vec<String>,
    /// A process or user agent proves a non-browser client.
    client_known: bool,
}

pub struct WebhookIntegration {
    ctx: Arc<Ctx>,
    meta: AnalyticMeta,
    s: Settings,
    incidents: FxHashMap<(Arc<str>, Arc<str>), Incident>,
    /// (host, destination address) → last time a browser connected to it.
    browser_conns: FxHashMap<(Arc<str>, IpAddr), i64>,
    /// Alerts already reported: (host, destination) → (first, last) record
    /// time. A record arriving late inside that span belongs to the alert
    /// already out, not to a new one.
    reported: FxHashMap<(Arc<str>, Arc<str>), (i64, i64)>,
    /// Destination name → whether it is the organisation's own.
    organisation: FxHashMap<Arc<str>, bool>,
}

impl WebhookIntegration {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let meta = ctx.config.meta(NAME)?;
        let mut s: Settings = ctx.config.section(NAME)?;
        s.browsers = s.browsers.normalized();
        for list in [
            &mut s.categories,
            &mut s.endpoint_only_categories,
            &mut s.webhook_only_hosts,
            &mut s.organisation_domains,
            &mut s.chat_clients,
        ] {
            for x in list.iter_mut() {
                *x = x.trim().to_ascii_lowercase();
            }
        }
        Ok(WebhookIntegration {
            ctx: ctx.clone(),
            meta,
            s,
            incidents: FxHashMap::default(),
            browser_conns: FxHashMap::default(),
            reported: FxHashMap::default(),
            organisation: FxHashMap::default(),
        })
    }

    pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
        Ok(Box::new(WebhookIntegration::new(ctx)?))
    }

    fn hold_micros(&self) -> i64 {
        self.s.hold.saturating_mul(1_000_000) as i64
    }

    /// Whether `host` is the organisation's (policy or settings).
    fn is_organisation(&self, host: &str) -> bool {
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        self.ctx.policy.is_sanctioned(Sanctioned::Domain(&h))
            || self.s.organisation_domains.iter().any(|d| {
                h.strip_suffix(d.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            })
            || h.parse::<IpAddr>()
                .is_ok_and(|ip| self.ctx.policy.is_internal(ip))
    }

    /// [`Self::is_organisation`] for a flow's destination, remembered per
    /// name (flows repeat their destinations).
    fn is_organisation_cached(&mut self, domain: &Arc<str>) -> bool {
        if let Some(&known) = self.organisation.get(domain) {
            return known;
        }
        let known = self.is_organisation(domain);
        if self.organisation.len() >= MAX_INCIDENTS {
            self.organisation.clear();
        }
        self.organisation.insert(domain.clone(), known);
        known
    }

    fn is_hook_service(&self, s: &ServiceRef) -> bool {
        self.s.categories.iter().any(|c| c == s.category.as_ref())
    }

    fn webhook_only_host(&self, domain: &str) -> bool {
        self.s.webhook_only_hosts.iter().any(|h| h == domain)
    }

    fn is_chat_client(&self, image: &str) -> bool {
        let n = file_name(image).to_ascii_lowercase();
        self.s.chat_clients.contains(&n)
    }

    // ------------------------------------------------------------- network

    fn network(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(flow) = view.flow.as_ref() else {
            return;
        };
        let Some(domain) = flow.domain.clone() else {
            return;
        };
        if flow.internal || self.is_organisation_cached(&domain) {
            return;
        }
        let service = flow.service.as_ref();
        if service.is_some_and(|s| s.sanctioned) {
            return;
        }
        let hook = service.is_some_and(|s| self.is_hook_service(s));
        let endpoint_only = service.is_some_and(|s| {
            self.s
                .endpoint_only_categories
                .iter()
                .any(|c| c == s.category.as_ref())
        });
        let only_hooks = self.webhook_only_host(&domain);
        let now = view.micros();
        match view.kind {
            Kind::Http => {
                let method = ["cs-method", "method", "http_method"]
                    .iter()
                    .find_map(|f| view.get(f))
                    .unwrap_or("");
                if !self
                    .s
                    .methods
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(method))
                {
                    return;
                }
                let path_match = service.is_some_and(|s| s.upload_endpoint);
                if !(only_hooks || (hook && (!endpoint_only || path_match))) {
                    return;
                }
                let ua = user_agent(view);
                match self.s.browsers.is_browser_agent(ua) {
                    Some(true) => return,
                    Some(false) => {}
                    None => {}
                }
                let url = ["c-uri", "url", "uri"]
                    .iter()
                    .find_map(|f| view.get(f))
                    .map(|u| full_url(&domain, u));
                let note = format!(
                    "{method} {} ({})",
                    url.as_deref().unwrap_or(&domain),
                    ua.unwrap_or("no user agent")
                );
                let known = ua.is_some();
                self.add(view, &domain, note, url, ua, known, true, out);
            }
            Kind::NetConn => {
                let Some(image) = view.image.as_deref() else {
                    return;
                };
                let browser = self.s.browsers.is_browser_image(image);
                if browser {
                    if let (Some(h), Some(ip)) = (view.host.clone(), flow.dst_ip) {
                        if self.browser_conns.len() >= MAX_BROWSER_CONNS {
                            let cutoff = now - self.hold_micros().max(600_000_000);
                            self.browser_conns.retain(|_, t| *t >= cutoff);
                            if self.browser_conns.len() >= MAX_BROWSER_CONNS {
                                self.browser_conns.clear();
                            }
                        }
                        self.browser_conns.insert((h, ip), now);
                    }
                    return;
                }
                if self.is_chat_client(image) || !(hook || only_hooks) {
                    return;
                }
                let note = format!("{} connected to {domain}", file_name(image));
                self.add(view, &domain, note, None, None, true, true, out);
            }
            Kind::Conn | Kind::Firewall => {
                if flow.bytes_out.unwrap_or(0) < self.s.min_bytes_out {
                    return;
                }
                if let (Some(h), Some(ip)) = (view.host.clone(), flow.dst_ip) {
                    if let Some(t) = self.browser_conns.get(&(h, ip)) {
                        if now - t <= self.hold_micros().max(600_000_000) {
                            return;
                        }
                    }
                }
                // Bot-API hosts also serve people: a flow alone does not open
                // an alert for them, it only adds to one already open.
                let opens = (hook && !endpoint_only) || only_hooks;
                if !(opens || (hook && self.open(view, &domain))) {
                    return;
                }
                let note = format!(
                    "{} out to {domain}",
                    human_bytes(flow.bytes_out.unwrap_or(0))
                );
                self.add(view, &domain, note, None, None, false, opens, out);
            }
            _ => {}
        }
    }

    /// A process start or script block naming a hook URL.
    fn command(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let text = match view.kind {
            Kind::ProcessStart => view.get("CommandLine"),
            Kind::PsScript => view.get("ScriptBlockText"),
            _ => None,
        };
        let Some(text) = text else {
            return;
        };
        if let Some(image) = view.image.as_deref() {
            if self.s.browsers.is_browser_image(image) {
                return;
            }
        }
        for url in urls_in(text).take(8) {
            let Some(host) = url_host(&url) else {
                continue;
            };
            let host = host.to_ascii_lowercase();
            if self.is_organisation(&host) {
                continue;
            }
            let Some(s) = self.ctx.service_ref(&host, Some(url_path(&url))) else {
                continue;
            };
            let endpoint_only = self
                .s
                .endpoint_only_categories
                .iter()
                .any(|c| c == s.category.as_ref());
            let hook = self.is_hook_service(&s) && (!endpoint_only || s.upload_endpoint);
            if s.sanctioned || !(hook || self.webhook_only_host(&host)) {
                continue;
            }
            let who = match (view.kind, view.image.as_deref()) {
                (Kind::PsScript, _) => "a PowerShell script block",
                (_, Some(i)) => file_name(i),
                _ => "a process",
            };
            let note = format!("{who} names {url}");
            self.add_with_service(
                view,
                &host,
                note,
                Some(url.clone()),
                None,
                true,
                true,
                Some(s),
                out,
            );
            return;
        }
    }

    fn key(view: &View<'_>, domain: &str) -> Option<(Arc<str>, Arc<str>)> {
        let who = view.host.clone().or_else(|| {
            view.user
                .as_deref()
                .map(|u| Arc::from(u.to_ascii_lowercase()))
        })?;
        Some((who, Arc::from(domain)))
    }

    fn open(&self, view: &View<'_>, domain: &str) -> bool {
        Self::key(view, domain).is_some_and(|k| self.incidents.contains_key(&k))
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        view: &View<'_>,
        domain: &str,
        note: String,
        url: Option<String>,
        ua: Option<&str>,
        client_known: bool,
        opens: bool,
        out: &mut Vec<Finding>,
    ) {
        let service = view.flow.as_ref().and_then(|f| f.service.clone());
        self.add_with_service(
            view,
            domain,
            note,
            url,
            ua,
            client_known,
            opens,
            service,
            out,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn add_with_service(
        &mut self,
        view: &View<'_>,
        domain: &str,
        note: String,
        url: Option<String>,
        ua: Option<&str>,
        client_known: bool,
        opens: bool,
        service: Option<ServiceRef>,
        out: &mut Vec<Finding>,
    ) {
        let Some(key) = Self::key(view, domain) else {
            return;
        };
        self.rekey_by_address(view, &key);
        let now = view.micros();
        // An alert whose host went quiet is over even if time was not advanced.
        if self
            .incidents
            .get(&key)
            .is_some_and(|i| now - i.last > self.hold_micros())
        {
            if let Some(inc) = self.incidents.remove(&key) {
                out.push(self.report(key.clone(), inc));
            }
        }
        if !self.incidents.contains_key(&key) {
            if !opens {
                return;
            }
            let hold = self.hold_micros();
            if self
                .reported
                .get(&key)
                .is_some_and(|(first, last)| now >= first - hold && now <= last + hold)
            {
                return;
            }
            if self.incidents.len() >= MAX_INCIDENTS {
                self.report_oldest(out);
            }
            let mut f = report::finding(NAME, &self.meta, view, note.clone());
            let mut d = f.destination.take().unwrap_or_default();
            d.domain = Some(domain.to_string());
            if let Some(s) = &service {
                d.service = Some(s.name.to_string());
                d.category = Some(s.category.to_string());
                if s.technique.starts_with("T1567") {
                    f.attack = vec![s.technique.to_string()];
                }
            }
            f.destination = Some(d);
            f.evidence.clear();
            self.incidents.insert(
                key.clone(),
                Incident {
                    finding: f,
                    first: now,
                    last: now,
                    records: 0,
                    bytes_by_source: BTreeMap::new(),
                    urls: Vec::new(),
                    images: Vec::new(),
                    user_agents: Vec::new(),
                    client_known: false,
                },
            );
        }
        let max_evidence = self.s.max_evidence;
        let Some(inc) = self.incidents.get_mut(&key) else {
            return;
        };
        inc.last = inc.last.max(now);
        inc.records += 1;
        inc.client_known |= client_known;
        if let Some(b) = view.flow.as_ref().and_then(|f| f.bytes_out) {
            *inc.bytes_by_source
                .entry(view.ev.source.as_str().to_string())
                .or_insert(0) += b;
        }
        push_unique(&mut inc.urls, url);
        push_unique(
            &mut inc.images,
            view.image
                .as_deref()
                .filter(|_| view.kind != Kind::Conn && view.kind != Kind::Firewall)
                .map(str::to_string),
        );
        push_unique(&mut inc.user_agents, ua.map(str::to_string));
        let f = &mut inc.finding;
        if f.entity.user.is_none() {
            f.entity.user = view.user.as_deref().map(str::to_string);
        }
        if f.entity.image.is_none() && matches!(view.kind, Kind::NetConn | Kind::ProcessStart) {
            f.entity.image = view.image.as_deref().map(str::to_string);
        }
        if f.evidence.len() < max_evidence {
            f.evidence.push(Evidence::of(view.ev, note));
        }
    }

    /// Records that came before the host's address was known (proxy, Zeek)
    /// were filed under the address: once a host record names both, they
    /// join the host's alert.
    fn rekey_by_address(&mut self, view: &View<'_>, key: &(Arc<str>, Arc<str>)) {
        let Some(ip) = view.ev.entity.src_ip else {
            return;
        };
        let ip_text = ip.to_string();
        if key.0.as_ref() == ip_text {
            return;
        }
        let ip_key: (Arc<str>, Arc<str>) = (Arc::from(ip_text.as_str()), key.1.clone());
        // An alert already reported under the address covers the host too.
        if let Some(&(f, l)) = self.reported.get(&ip_key) {
            let span = self
                .reported
                .get(key)
                .map(|(f2, l2)| (f.min(*f2), l.max(*l2)))
                .unwrap_or((f, l));
            self.reported.insert(key.clone(), span);
        }
        let Some(mut old) = self.incidents.remove(&ip_key) else {
            return;
        };
        match self.incidents.get_mut(key) {
            None => {
                old.finding.entity.host = Some(key.0.to_string());
                self.incidents.insert(key.clone(), old);
            }
            Some(cur) => {
                let max = self.s.max_evidence;
                if old.first < cur.first {
                    // The earlier record leads the alert.
                    std::mem::swap(&mut cur.finding.evidence, &mut old.finding.evidence);
                    cur.finding.timestamp = old.finding.timestamp;
                    cur.finding.origin = old.finding.origin.clone();
                }
                cur.finding.evidence.extend(old.finding.evidence);
                cur.finding.evidence.sort_by_key(|e| e.time);
                cur.finding.evidence.truncate(max);
                cur.first = cur.first.min(old.first);
                cur.last = cur.last.max(old.last);
                cur.records += old.records;
                cur.client_known |= old.client_known;
                for (k, v) in old.bytes_by_source {
                    *cur.bytes_by_source.entry(k).or_insert(0) += v;
                }
                for u in old.urls {
                    push_unique(&mut cur.urls, Some(u));
                }
                for u in old.user_agents {
                    push_unique(&mut cur.user_agents, Some(u));
                }
                for i in old.images {
                    push_unique(&mut cur.images, Some(i));
                }
                if cur.finding.entity.user.is_none() {
                    cur.finding.entity.user = old.finding.entity.user;
                }
                if let (Some(d), Some(o)) =
                    (cur.finding.destination.as_mut(), old.finding.destination)
                {
                    d.target = d.target.take().or(o.target);
                    d.ip = d.ip.take().or(o.ip);
                    d.port = d.port.or(o.port);
                }
            }
        }
    }

    fn report_oldest(&mut self, out: &mut Vec<Finding>) {
        if let Some(k) = self
            .incidents
            .iter()
            .min_by_key(|(_, i)| i.last)
            .map(|(k, _)| k.clone())
        {
            if let Some(inc) = self.incidents.remove(&k) {
                out.push(self.report(k, inc));
            }
        }
    }

    /// Reports an incident and remembers its span.
    fn report(&mut self, key: (Arc<str>, Arc<str>), inc: Incident) -> Finding {
        // Bounded by count, not by time: with inputs read file by file,
        // records of another file may arrive days behind the newest.
        if self.reported.len() >= MAX_REPORTED {
            self.reported.clear();
        }
        let span = self
            .reported
            .get(&key)
            .map(|(f, l)| ((*f).min(inc.first), (*l).max(inc.last)))
            .unwrap_or((inc.first, inc.last));
        self.reported.insert(key, span);
        self.close(inc)
    }

    /// The alert of a finished incident.
    fn close(&self, inc: Incident) -> Finding {
        let mut f = inc.finding;
        let bytes = inc.bytes_by_source.values().copied().max();
        f.bytes_out = bytes.or(f.bytes_out);
        if let Some(d) = f.destination.as_mut() {
            if d.target.is_none() {
                d.target = inc.urls.first().cloned();
            }
        }
        f.fields.insert("records".into(), inc.records.to_string());
        if !inc.urls.is_empty() {
            f.fields.insert("urls".into(), inc.urls.join(" "));
        }
        if !inc.images.is_empty() {
            f.fields.insert("images".into(), inc.images.join(" "));
        }
        if !inc.user_agents.is_empty() {
            f.fields
                .insert("user_agents".into(), inc.user_agents.join(" | "));
        }
        if let Some(b) = bytes {
            f.fields.insert("bytes_out".into(), b.to_string());
        }
        f.fields.insert(
            "duration_s".into(),
            ((inc.last - inc.first) / 1_000_000).to_string(),
        );
        let risk = if inc.client_known {
            self.meta.risk
        } else {
            self.s.flow_only_risk
        };
        report::set_risk(&mut f, risk);
        f
    }

    fn report_quiet(&mut self, now: i64, out: &mut Vec<Finding>) {
        let hold = self.hold_micros();
        let done: Vec<_> = self
            .incidents
            .iter()
            .filter(|(_, i)| now - i.last > hold)
            .map(|(k, _)| k.clone())
            .collect();
        let mut closed: Vec<_> = done
            .into_iter()
            .filter_map(|k| self.incidents.remove(&k).map(|i| (k, i)))
            .collect();
        closed.sort_by_key(|(_, i)| i.first);
        for (k, inc) in closed {
            let f = self.report(k, inc);
            out.push(f);
        }
    }
}

impl StatefulAnalytic for WebhookIntegration {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        match view.kind {
            Kind::Saas => self.saas(view, out),
            Kind::Http | Kind::NetConn | Kind::Conn | Kind::Firewall => self.network(view, out),
            Kind::ProcessStart | Kind::PsScript => self.command(view, out),
            _ => {}
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        self.report_quiet(now, out);
        let keep = self.hold_micros().max(600_000_000);
        if self.browser_conns.len() > MAX_BROWSER_CONNS / 2 {
            self.browser_conns.retain(|_, t| now - *t <= keep);
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.report_quiet(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        let incidents: Vec<_> = self
            .incidents
            .iter()
            .map(|((who, dst), i)| (who.as_ref(), dst.as_ref(), i))
            .collect();
        serde_json::json!({ "incidents": incidents })
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        #[derive(Deserialize)]
        struct State {
            incidents: Vec<(String, String, Incident)>,
        }
        let Some(s) = restore_state::<State>(NAME, state)? else {
            return Ok(());
        };
        for (who, dst, i) in s.incidents.into_iter().take(MAX_INCIDENTS) {
            self.incidents
                .insert((Arc::from(who.as_str()), Arc::from(dst.as_str())), i);
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.incidents.len() + self.browser_conns.len() + self.reported.len()
    }
}

fn push_unique(list: &mut Vec<String>, v: Option<String>) {
    if let Some(v) = v {
        if list.len() < MAX_LISTED && !list.contains(&v) {
            list.push(v);
        }
    }
}
