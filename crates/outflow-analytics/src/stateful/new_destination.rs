//! `new-destination`: a destination (catalogued service and tenant, else
//! registered domain) this host never reached before, with uploads to it:
//! bytes out over a floor within the upload window. Risk follows the
//! service's category (cloud storage, file sharing, paste, webhooks and
//! tunnels highest).

use super::novelty::seen::{load1, load2, rows1, rows2};
use super::novelty::{
    add_upload, allowed, reached, sanctioned, upload_risk, Candidate, HostClock, NoveltySettings,
    Prevalence, Reached, SeenMap, Snapshot, UploadJoin, SNAPSHOT_VERSION,
};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report;
use crate::view::View;
use crate::{ConfigError, Ctx};
use outflow_detect::Finding;
use rustc_hash::FxHashSet;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const NAME: &str = "new-destination";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Risk of an upload to an uncatalogued destination.
    #[serde(default)]
    risk: u8,
    /// Risk by catalog category (`cloud_storage: 8`, ...); others take `risk`.
    #[serde(default)]
    category_risk: BTreeMap<String, u8>,
    /// Uploads at least this large add one to the risk.
    large_upload: u64,
    /// A destination at least this many other hosts had reached is common
    /// in the organisation: its risk is lowered by `common_risk_discount`.
    common_hosts: usize,
    common_risk_discount: u8,
    baseline: NoveltySettings,
}

impl Settings {
    /// The risk of an upload of `bytes` in `category`.
    fn risk_of(&self, category: Option<&str>, bytes: u64) -> u8 {
        upload_risk(
            &self.category_risk,
            self.risk,
            self.large_upload,
            category,
            bytes,
        )
    }
}

/// (host, destination).
type Item = (Arc<str>, Arc<str>);

pub struct NewDestination {
    ctx: Arc<Ctx>,
    meta: AnalyticMeta,
    s: Settings,
    hosts: HostClock,
    items: SeenMap<Item>,
    /// Which hosts reached each destination (the first `common_hosts`).
    common: Prevalence,
    /// Items reported in this run (one alert per item and run).
    reported: FxHashSet<Item>,
    /// The alert to be, with how many other hosts had reached the destination.
    join: UploadJoin<(Finding, usize)>,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(NewDestination::new(ctx)?))
}

impl NewDestination {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let meta = ctx.config.meta(NAME)?;
        let s: Settings = ctx.config.section(NAME)?;
        let b = &s.baseline;
        Ok(NewDestination {
            ctx: ctx.clone(),
            hosts: HostClock::new(b.max_hosts, b.learning_us()),
            items: SeenMap::new(b.max_items),
            common: Prevalence::new(b.max_items, s.common_hosts.max(1)),
            reported: FxHashSet::default(),
            join: UploadJoin::new(
                b.join_slack_us(),
                b.adopt_within_us(),
                b.max_items.min(10_000),
            ),
            meta,
            s,
        })
    }

    fn emit(&mut self, c: Candidate<(Finding, usize)>, out: &mut Vec<Finding>) {
        let b = &self.s.baseline;
        let Some(bytes) = c.first_upload(
            &mut self.reported,
            b.upload_floor,
            b.upload_ratio,
            b.max_items,
        ) else {
            return;
        };
        let (mut f, others) = c.data;
        let category = f.destination.as_ref().and_then(|d| d.category.clone());
        let mut risk = self.s.risk_of(category.as_deref(), bytes);
        if others >= self.s.common_hosts {
            risk = risk.saturating_sub(self.s.common_risk_discount);
        }
        report::set_risk(&mut f, risk);
        add_upload(&mut f, &c.host, bytes, c.evidence);
        out.push(f);
    }
}

impl StatefulAnalytic for NewDestination {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(Reached {
            t,
            host,
            hk,
            dest,
            flow,
        }) = reached(view, &mut self.join)
        else {
            return;
        };
        let learnt = self.hosts.learnt(&hk, t);
        let item: Item = (hk.clone(), dest.clone());
        let seen = self.items.touch(&item, t);
        let others = self.common.count_others(&item.1, &hk, t);
        self.common.touch(&item.1, &hk, t);
        let b = &self.s.baseline;
        if !learnt || !seen.is_new_at(t, b.new_window_us()) || self.reported.contains(&item) {
            return;
        }
        let dest = Some(dest);
        if self.join.covers(&hk, flow.src_ip, &dest, flow.dst_ip, t) {
            if let Some(ip) = flow.dst_ip {
                for c in self.join.open_mut() {
                    if c.host == hk && c.dest == dest {
                        UploadJoin::add_addr(c, ip);
                    }
                }
            }
            return;
        }
        if sanctioned(&self.ctx, flow) || allowed(&self.ctx, view) {
            return;
        }
        let name = flow.domain.as_deref().unwrap_or_default();
        let what = match &flow.service {
            Some(s) => format!("{name} ({}, {})", s.name, s.category),
            None => name.to_string(),
        };
        let summary = format!("{host} reached {what} for the first time");
        let mut f = report::finding(NAME, &self.meta, view, summary);
        if let Some(d) = &dest {
            f.fields.insert("destination_key".into(), d.to_string());
        }
        f.fields
            .insert("other_hosts_using".into(), others.to_string());
        f.fields.insert(
            "first_seen".into(),
            outflow_event::Timestamp(seen.first.saturating_mul(1_000)).to_string(),
        );
        let c = Candidate::new(t, b.upload_window_us(), hk, flow, dest, (f, others));
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
        self.common.load(s.items.clone())?;
        load2(&mut self.items, s.items)
    }

    fn state_len(&self) -> usize {
        self.hosts.hosts.len() + self.items.len() + self.join.len()
    }
}
