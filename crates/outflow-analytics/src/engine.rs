//! The engine that runs the stateful analytics: it builds one [`View`] per
//! event (kind, entity, named and catalogued flow) and hands it to each
//! analytic in event-time order. It is the one [`outflow_detect::Analytic`]
//! the pipeline sees.

use crate::intern::Interner;
use crate::names::Names;
use crate::stateful::transfers::{JoinSettings, Transfer, Transfers};
use crate::view::{kind_of, raw_flow, Flow, Kind, ServiceRef, View};
use crate::Ctx;
use outflow_detect::{Analytic, Finding};
use outflow_event::{EntitySlot, Event, Timestamp};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// One stateful analytic over views.
pub trait StatefulAnalytic: Send {
    /// Its id in `analytics.yml` (`large-transfer`, ...).
    fn name(&self) -> &str;
    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>);
    /// Event time (µs) has reached `now`: close windows, drop old state.
    fn advance(&mut self, _now: i64, _out: &mut Vec<Finding>) {}
    fn finish(&mut self, _out: &mut Vec<Finding>) {}
    /// The analytic's state (windows, baselines), for checkpoints and the
    /// baseline store.
    fn snapshot(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
    /// Takes back a state [`StatefulAnalytic::snapshot`] gave (a baseline
    /// from an earlier run). A state it cannot read is an error, not ignored.
    fn restore(&mut self, _state: serde_json::Value) -> Result<(), String> {
        Ok(())
    }
    /// Keys held, for memory reports.
    fn state_len(&self) -> usize {
        0
    }
    /// The flow-to-transfer join this analytic reads, when it counts bytes
    /// (the volume analytics). The engine runs one join per distinct
    /// setting and hands every reader its transfers ([`Self::on_transfer`]),
    /// so attribution and naming are done once per record, not per analytic.
    fn transfer_join(&self) -> Option<JoinSettings> {
        None
    }
    /// A transfer the engine's join made known: during an event (after
    /// [`Self::on_event`]), or from [`Self::advance`] / [`Self::finish`]
    /// time (held flows released, before the analytic's own call). A
    /// reader is advanced at each event whose time moves the clock, not
    /// only at the watermark.
    fn on_transfer(&mut self, _t: &Transfer, _out: &mut Vec<Finding>) {}
}

/// One shared join and the analytics that read it.
struct TransferFeed {
    transfers: Transfers,
    readers: Vec<usize>,
    /// Transfers made known and not yet handed out (reused between events).
    batch: Vec<Transfer>,
}

impl TransferFeed {
    fn deliver(&mut self, analytics: &mut [Box<dyn StatefulAnalytic>], out: &mut Vec<Finding>) {
        for t in &self.batch {
            for &i in &self.readers {
                analytics[i].on_transfer(t, out);
            }
        }
        self.batch.clear();
    }
}

/// Name of the engine's own part of a saved state: host name by address,
/// learnt from host events (not an analytic id).
pub const HOST_ADDRESSES: &str = "host-addresses";

/// An analytic could not take back its saved state.
#[derive(Debug, thiserror::Error)]
#[error("analytic '{analytic}' cannot restore its saved state: {message}")]
pub struct RestoreError {
    pub analytic: String,
    pub message: String,
}

/// Most distinct domains whose catalog lookup is cached.
const MAX_LOOKUPS: usize = 200_000;

pub struct AnalyticsEngine {
    ctx: Arc<Ctx>,
    names: Names,
    /// Shared copies of host and destination names.
    interned: Interner,
    analytics: Vec<Box<dyn StatefulAnalytic>>,
    /// Domain → its catalog service (or none), so each domain is looked up
    /// once, and whether a request's path can change that answer.
    lookups: FxHashMap<Arc<str>, Lookup>,
    feeds: Vec<TransferFeed>,
    /// Latest event time seen (µs): held transfers are released as it moves.
    clock: i64,
    last_expiry: i64,
    /// Event-time range (µs) of the events seen, for the baseline store.
    range: Option<(i64, i64)>,
}

impl AnalyticsEngine {
    pub fn new(ctx: Arc<Ctx>, analytics: Vec<Box<dyn StatefulAnalytic>>) -> Self {
        let mut feeds: Vec<TransferFeed> = Vec::new();
        let mut joins: Vec<JoinSettings> = Vec::new();
        for (i, a) in analytics.iter().enumerate() {
            let Some(j) = a.transfer_join() else { continue };
            match joins.iter().position(|k| *k == j) {
                Some(f) => feeds[f].readers.push(i),
                None => {
                    joins.push(j);
                    feeds.push(TransferFeed {
                        transfers: Transfers::new(ctx.clone(), j),
                        readers: vec![i],
                        batch: Vec::new(),
                    });
                }
            }
        }
        AnalyticsEngine {
            ctx,
            names: Names::default(),
            interned: Interner::default(),
            analytics,
            lookups: FxHashMap::default(),
            feeds,
            clock: 0,
            last_expiry: 0,
            range: None,
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.analytics
            .iter()
            .map(|a| a.name().to_string())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.analytics.is_empty()
    }

    /// Event-time range (µs) of the events seen so far.
    pub fn event_range(&self) -> Option<(i64, i64)> {
        self.range
    }

    /// Each analytic's state by name (its baselines), for the baseline
    /// store, and the host addresses learnt under [`HOST_ADDRESSES`].
    /// How much state each analytic keeps ([`StatefulAnalytic::state_len`]).
    pub fn state_lens(&self) -> Vec<(String, usize)> {
        self.analytics
            .iter()
            .map(|a| (a.name().to_string(), a.state_len()))
            .collect()
    }

    pub fn snapshot_parts(&self) -> Vec<(String, serde_json::Value)> {
        let mut parts: Vec<(String, serde_json::Value)> = self
            .analytics
            .iter()
            .map(|a| (a.name().to_string(), a.snapshot()))
            .collect();
        parts.push((
            HOST_ADDRESSES.to_string(),
            serde_json::to_value(self.names.host_addresses()).unwrap_or_default(),
        ));
        parts
    }

    /// Gives each analytic the state saved under its name. A state an
    /// analytic cannot read is an error naming it ([`RestoreError`]); states
    /// of analytics not running (disabled, or unknown to this version) are
    /// returned as skipped, so the caller can say so.
    pub fn restore_parts(
        &mut self,
        parts: Vec<(String, serde_json::Value)>,
    ) -> Result<Vec<String>, RestoreError> {
        let mut skipped = Vec::new();
        for (name, state) in parts {
            if name == HOST_ADDRESSES {
                let rows: Vec<(String, String)> =
                    serde_json::from_value(state).map_err(|e| RestoreError {
                        analytic: name.clone(),
                        message: e.to_string(),
                    })?;
                for (ip, host) in rows {
                    if let Ok(ip) = ip.parse() {
                        self.names.learn_host(ip, &host);
                    }
                }
                continue;
            }
            match self.analytics.iter_mut().find(|a| a.name() == name) {
                Some(a) => a.restore(state).map_err(|message| RestoreError {
                    analytic: name,
                    message,
                })?,
                None => skipped.push(name),
            }
        }
        Ok(skipped)
    }

    /// `ip` is `host`'s address (configured host aliases), as if learnt
    /// from a host event: a later record that moves the address wins.
    pub fn alias_host(&mut self, ip: std::net::IpAddr, host: &str) {
        self.names.learn_host(ip, host);
    }

    /// The view of `ev` (public so tests and tools can see what analytics see).
    pub fn view<'e>(&mut self, ev: &'e Event) -> View<'e> {
        let kind = kind_of(ev);
        let now = ev.ts.map(|t| t.0 / 1_000).unwrap_or(0);
        self.names.learn(ev, kind, now, &mut self.interned);
        let flow = match kind {
            Kind::NetConn | Kind::Http | Kind::Conn | Kind::Tls | Kind::Firewall | Kind::Dns => {
                Some(self.flow(ev, kind, now))
            }
            Kind::Saas if ev.entity.bytes_out.is_some() || ev.entity.dst_domain.is_some() => {
                Some(self.flow(ev, kind, now))
            }
            _ => None,
        };
        // A firewall record names the firewall, not the host that sent.
        let firewall = kind == Kind::Firewall && ev.entity.src_ip.is_some();
        let named = ev
            .entity_str(EntitySlot::Host)
            .filter(|h| !h.is_empty() && !firewall);
        let (host, addressed) = match named {
            Some(h) => (Some(self.interned.get(&h)), None),
            None => match ev.entity.src_ip {
                Some(ip) => (Some(self.names.host_of(ip)), Some(ip)),
                None => (None, None),
            },
        };
        let mut view = View::new(
            ev,
            kind,
            host,
            ev.entity_str(EntitySlot::User).filter(|u| !u.is_empty()),
            ev.entity_str(EntitySlot::Image).filter(|i| !i.is_empty()),
            flow,
        );
        view.addressed = addressed;
        view
    }

    fn flow(&mut self, ev: &Event, kind: Kind, now: i64) -> Flow {
        let mut f = raw_flow(ev, &mut self.interned);
        if f.domain.is_some() {
            f.named_by = Some("record");
        } else if kind != Kind::Dns {
            if let Some((n, by)) = self
                .names
                .name_of(ev.get_str("uid"), f.src_ip, f.dst_ip, now)
            {
                f.domain = Some(n);
                f.named_by = Some(by);
            }
        }
        f.internal = f.dst_ip.is_some_and(|ip| self.ctx.policy.is_internal(ip));
        if let Some(d) = f.domain.clone() {
            let path = if kind == Kind::Http {
                ev.get_str("c-uri-stem").or_else(|| ev.get_str("c-uri"))
            } else {
                None
            };
            f.service = match path {
                Some(p) => self.lookup_path(&d, p),
                None => self.lookup(&d),
            };
        }
        f
    }

    fn lookup(&mut self, domain: &Arc<str>) -> Option<ServiceRef> {
        self.cached(domain).service.clone()
    }

    fn cached(&mut self, domain: &Arc<str>) -> &Lookup {
        if !self.lookups.contains_key(domain) {
            let found = Lookup {
                service: self.ctx.service_ref_in(domain, None, &mut self.interned),
                path_matters: self.ctx.intel.services.path_matters(domain),
            };
            if self.lookups.len() >= MAX_LOOKUPS {
                self.lookups.clear();
            }
            self.lookups.insert(domain.clone(), found);
        }
        &self.lookups[domain]
    }

    /// A request with a path: path-prefix patterns (webhook URLs) may apply.
    /// Most domains have none, and their cached answer serves every path.
    fn lookup_path(&mut self, domain: &Arc<str>, path: &str) -> Option<ServiceRef> {
        let cached = self.cached(domain);
        if !cached.path_matters {
            return cached.service.clone();
        }
        let path = if path.starts_with('/') {
            path
        } else {
            url_path(path)
        };
        self.ctx
            .service_ref_in(domain, Some(path), &mut self.interned)
    }
}

/// A domain's catalog answer, as the engine caches it.
struct Lookup {
    service: Option<ServiceRef>,
    /// Whether a request path can change it ([`outflow_intel::WebServiceCatalog::path_matters`]).
    path_matters: bool,
}

/// The path of a full URL (`https://h/p?q` → `/p?q`).
fn url_path(uri: &str) -> &str {
    let rest = uri.split_once("://").map(|(_, r)| r).unwrap_or(uri);
    rest.find('/').map(|i| &rest[i..]).unwrap_or("/")
}

impl Analytic for AnalyticsEngine {
    fn name(&self) -> &str {
        "analytics"
    }

    fn process(&mut self, event: &Event, out: &mut Vec<Finding>) {
        if let Some(t) = event.ts.map(|t| t.0 / 1_000) {
            self.range = Some(match self.range {
                Some((a, b)) => (a.min(t), b.max(t)),
                None => (t, t),
            });
        }
        let view = self.view(event);
        // Events come in time order but the watermark only between batches:
        // the event's own time releases held transfers too, and lets the
        // analytics that read them close their windows.
        let now = view.micros();
        if now > self.clock {
            self.clock = now;
            for f in &mut self.feeds {
                f.transfers.advance(now, &mut f.batch);
                f.deliver(&mut self.analytics, out);
                for &i in &f.readers {
                    self.analytics[i].advance(now, out);
                }
            }
        }
        for a in &mut self.analytics {
            a.on_event(&view, out);
        }
        for f in &mut self.feeds {
            f.transfers.on_view(&view, &mut f.batch);
            f.deliver(&mut self.analytics, out);
        }
    }

    fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Finding>) {
        let now = watermark.0 / 1_000;
        for f in &mut self.feeds {
            f.transfers.advance(now, &mut f.batch);
            f.deliver(&mut self.analytics, out);
        }
        for a in &mut self.analytics {
            a.advance(now, out);
        }
        // Expiring names costs a pass over them: once per event-time minute.
        if now - self.last_expiry > 60_000_000 {
            self.names.expire(now);
            self.last_expiry = now;
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        for f in &mut self.feeds {
            f.transfers.finish(&mut f.batch);
            f.deliver(&mut self.analytics, out);
        }
        for a in &mut self.analytics {
            a.finish(out);
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        let parts: serde_json::Map<String, serde_json::Value> = self
            .analytics
            .iter()
            .map(|a| (a.name().to_string(), a.snapshot()))
            .collect();
        serde_json::json!({
            "names": serde_json::to_value(&self.names).unwrap_or_default(),
            "analytics": parts,
        })
    }

    fn host_name(&self, ip: std::net::IpAddr) -> Option<String> {
        self.names.known_host(ip).map(|h| h.to_string())
    }

    fn account_name(&self, sid: &str) -> Option<String> {
        self.names.account(sid).map(|a| a.to_string())
    }

    fn state_len(&self) -> usize {
        self.names.len()
            + self.feeds.iter().map(|f| f.transfers.len()).sum::<usize>()
            + self.analytics.iter().map(|a| a.state_len()).sum::<usize>()
    }
}
