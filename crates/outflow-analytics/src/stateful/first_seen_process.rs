//! `first-seen-process`: a program that talks to the outside for the first
//! time on a host (first Sysmon 3 / auditd connect by that image on that
//! host, to an external address), after the host has been learnt. Alone it
//! is weak (low risk); when the new program sends more than a floor of
//! bytes to the destinations it reached within the upload window (joined
//! from Zeek, firewall and proxy flows) the risk rises.

use super::novelty::seen::{load1, load2, rows1, rows2};
use super::novelty::{
    allowed, is_external, sort_evidence, Candidate, HostClock, NoveltySettings, SeenMap, Snapshot,
    UploadJoin, SNAPSHOT_VERSION,
};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::intern::Interner;
use crate::report::{self, human_bytes};
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::Finding;
use rustc_hash::FxHashSet;
use serde::Deserialize;
use std::sync::Arc;

pub const NAME: &str = "first-seen-process";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: u8,
    /// Risk when the new program uploaded at least `baseline.upload_floor`.
    upload_risk: u8,
    baseline: NoveltySettings,
}

type Item = (Arc<str>, Arc<str>);

pub struct FirstSeenProcess {
    ctx: Arc<Ctx>,
    meta: AnalyticMeta,
    s: Settings,
    hosts: HostClock,
    /// (host, image) → first and last connection out.
    items: SeenMap<Item>,
    /// Items reported (or waiting) in this run: one alert per item and run.
    opened: FxHashSet<Item>,
    join: UploadJoin<Finding>,
    /// Images in lower case, one shared copy each.
    images: Interner,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(FirstSeenProcess::new(ctx)?))
}

impl FirstSeenProcess {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let meta = ctx.config.meta(NAME)?;
        let s: Settings = ctx.config.section(NAME)?;
        let b = &s.baseline;
        Ok(FirstSeenProcess {
            ctx: ctx.clone(),
            hosts: HostClock::new(b.max_hosts, b.learning_us()),
            items: SeenMap::new(b.max_items),
            opened: FxHashSet::default(),
            images: Interner::default(),
            join: UploadJoin::new(
                b.join_slack_us(),
                b.adopt_within_us(),
                b.max_items.min(10_000),
            ),
            meta,
            s,
        })
    }

    fn emit(&self, c: Candidate<Finding>, out: &mut Vec<Finding>) {
        let bytes = c.bytes_out();
        let b = &self.s.baseline;
        let upload = c.is_upload(b.upload_floor, b.upload_ratio);
        let bytes_in = c.bytes_in();
        let mut f = c.data;
        f.evidence.extend(c.evidence);
        sort_evidence(&mut f.evidence);
        f.fields.insert("host_key".into(), c.host.to_string());
        if bytes > 0 {
            f.bytes_out = Some(bytes);
            f.fields
                .insert("bytes_out_in_window".into(), bytes.to_string());
            f.fields
                .insert("bytes_in_in_window".into(), bytes_in.to_string());
        }
        if upload {
            report::set_risk(&mut f, self.s.upload_risk);
            if let Some(e) = f.evidence.first_mut() {
                e.summary
                    .push_str(&format!(", then sent {} out", human_bytes(bytes)));
            }
        }
        out.push(f);
    }
}

/// The connection was made by the host (not accepted from outside).
fn outbound(view: &View<'_>) -> bool {
    !matches!(
        view.text("Initiated").as_deref(),
        Some("false" | "False" | "FALSE")
    )
}

impl StatefulAnalytic for FirstSeenProcess {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let t = view.micros();
        if t == 0 {
            return;
        }
        if let Some(r) = view.flow_rec() {
            self.join.observe(r);
        }
        if view.kind != Kind::NetConn || !outbound(view) {
            return;
        }
        let (Some(host), Some(image), Some(flow)) = (&view.host, &view.image, &view.flow) else {
            return;
        };
        if !is_external(flow) {
            return;
        }
        let Some(hk) = view.host_key().cloned() else {
            return;
        };
        let learnt = self.hosts.learnt(&hk, t);
        let item: Item = (hk.clone(), self.images.lower(image));
        let seen = self.items.touch(&item, t);
        let b = &self.s.baseline;
        if !learnt || !seen.is_new_at(t, b.new_window_us()) {
            return;
        }
        if self.opened.contains(&item) {
            // More addresses the new program reached while its window is open.
            if let Some(ip) = flow.dst_ip {
                for c in self.join.open_mut() {
                    if c.host == item.0 && c.data.entity.image.as_deref() == Some(image.as_ref()) {
                        UploadJoin::add_addr(c, ip);
                    }
                }
            }
            return;
        }
        if allowed(&self.ctx, view) {
            return;
        }
        if self.opened.len() >= b.max_items {
            self.opened.clear();
        }
        self.opened.insert(item);
        let to = flow
            .domain
            .as_deref()
            .map(str::to_string)
            .or_else(|| flow.dst_ip.map(|ip| ip.to_string()))
            .unwrap_or_default();
        let summary = format!("{image} connected out for the first time on {host} (to {to})");
        let mut f = report::finding(NAME, &self.meta, view, summary);
        f.fields.insert(
            "first_seen".into(),
            outflow_event::Timestamp(seen.first.saturating_mul(1_000)).to_string(),
        );
        let c = Candidate::new(
            t,
            b.upload_window_us(),
            hk,
            flow,
            view.dest_key().cloned(),
            f,
        );
        if let Some(done) = self.join.open(c) {
            self.emit(done, out);
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        for c in self.join.due(now) {
            self.emit(c, out);
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        for c in self.join.drain() {
            self.emit(c, out);
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(Snapshot {
            version: SNAPSHOT_VERSION,
            hosts: rows1(&self.hosts.hosts),
            items: rows2(&self.items),
        })
        .unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        let Some(s) = Snapshot::read(state)? else {
            return Ok(());
        };
        load1(&mut self.hosts.hosts, s.hosts)?;
        load2(&mut self.items, s.items)
    }

    fn state_len(&self) -> usize {
        self.hosts.hosts.len() + self.items.len() + self.join.len()
    }
}
