//! The engine that runs the stateful analytics: it builds one [`View`] per
//! event (kind, entity, named and catalogued flow) and hands it to each
//! analytic in event-time order. It is the one [`outflow_detect::Analytic`]
//! the pipeline sees.

use crate::names::Names;
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
}

/// Most distinct domains whose catalog lookup is cached.
const MAX_LOOKUPS: usize = 200_000;

pub struct AnalyticsEngine {
    ctx: Arc<Ctx>,
    names: Names,
    analytics: Vec<Box<dyn StatefulAnalytic>>,
    /// Domain → its catalog service (or none), so each domain is looked up once.
    lookups: FxHashMap<Arc<str>, Option<ServiceRef>>,
    last_expiry: i64,
}

impl AnalyticsEngine {
    pub fn new(ctx: Arc<Ctx>, analytics: Vec<Box<dyn StatefulAnalytic>>) -> Self {
        AnalyticsEngine {
            ctx,
            names: Names::default(),
            analytics,
            lookups: FxHashMap::default(),
            last_expiry: 0,
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

    /// The view of `ev` (public so tests and tools can see what analytics see).
    pub fn view<'e>(&mut self, ev: &'e Event) -> View<'e> {
        let kind = kind_of(ev);
        let now = ev.ts.map(|t| t.0 / 1_000).unwrap_or(0);
        self.names.learn(ev, kind, now);
        let flow = match kind {
            Kind::NetConn | Kind::Http | Kind::Conn | Kind::Tls | Kind::Firewall | Kind::Dns => {
                Some(self.flow(ev, kind, now))
            }
            Kind::Saas if ev.entity.bytes_out.is_some() || ev.entity.dst_domain.is_some() => {
                Some(self.flow(ev, kind, now))
            }
            _ => None,
        };
        // A firewall record's host is the firewall itself: the entity is
        // the session's source.
        let own_host = ev
            .entity_str(EntitySlot::Host)
            .filter(|h| !h.is_empty() && kind != Kind::Firewall);
        let host = match own_host {
            Some(h) => Some(Arc::from(h.as_ref())),
            None => ev
                .entity
                .src_ip
                .map(|ip| self.names.host_of(ip))
                .or_else(|| {
                    ev.entity_str(EntitySlot::Host)
                        .map(|h| Arc::from(h.as_ref()))
                }),
        };
        View {
            ev,
            kind,
            host,
            user: ev.entity_str(EntitySlot::User).filter(|u| !u.is_empty()),
            image: ev.entity_str(EntitySlot::Image).filter(|i| !i.is_empty()),
            flow,
        }
    }

    fn flow(&mut self, ev: &Event, kind: Kind, now: i64) -> Flow {
        let mut f = raw_flow(ev);
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
        if let Some(s) = self.lookups.get(domain) {
            return s.clone();
        }
        let s = self.ctx.service_ref(domain, None);
        if self.lookups.len() >= MAX_LOOKUPS {
            self.lookups.clear();
        }
        self.lookups.insert(domain.clone(), s.clone());
        s
    }

    /// A request with a path: path-prefix patterns (webhook URLs) may apply.
    fn lookup_path(&mut self, domain: &Arc<str>, path: &str) -> Option<ServiceRef> {
        let path = if path.starts_with('/') {
            path
        } else {
            url_path(path)
        };
        self.ctx.service_ref(domain, Some(path))
    }
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
        let view = self.view(event);
        for a in &mut self.analytics {
            a.on_event(&view, out);
        }
    }

    fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Finding>) {
        let now = watermark.0 / 1_000;
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

    fn state_len(&self) -> usize {
        self.names.len() + self.analytics.iter().map(|a| a.state_len()).sum::<usize>()
    }
}
