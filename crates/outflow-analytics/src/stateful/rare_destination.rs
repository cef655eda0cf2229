//! `rare-destination`: uploads to a destination few hosts of the
//! organisation use — at most `max_hosts` hosts, or at most `max_share` of
//! the active hosts, had reached it by the time of the upload — from a host
//! that has not used it for long (`established_after`). Prevalence counts
//! only what was seen at or before each event, so a baseline saved by a
//! run gives the same answer when the same data is hunted again.

use super::novelty::seen::{load1, rows1};
use super::novelty::{
    add_upload, allowed, reached, sanctioned, upload_risk, Candidate, HostClock, Prevalence,
    Reached, Snapshot, UploadJoin, SNAPSHOT_VERSION,
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

pub const NAME: &str = "rare-destination";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Risk of an upload to an uncatalogued destination.
    #[serde(default)]
    risk: u8,
    /// Risk by catalog category; others take `risk`.
    #[serde(default)]
    category_risk: BTreeMap<String, u8>,
    large_upload: u64,
    /// Rare: reached by at most this many hosts...
    max_hosts: usize,
    /// ...or by at most this share (0–1) of the active hosts.
    max_share: f64,
    /// A host that has used the destination for longer than this (seconds)
    /// has made it a habit: its uploads there are not reported.
    established_after: u64,
    /// Most hosts counted per destination (past it, it is not rare).
    max_hosts_per_destination: usize,
    baseline: super::novelty::NoveltySettings,
}

impl Settings {
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

pub struct RareDestination {
    ctx: Arc<Ctx>,
    meta: AnalyticMeta,
    s: Settings,
    hosts: HostClock,
    /// Destination → the hosts that reached it, with when.
    users: Prevalence,
    reported: FxHashSet<(Arc<str>, Arc<str>)>,
    join: UploadJoin<Finding>,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(RareDestination::new(ctx)?))
}

impl RareDestination {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let meta = ctx.config.meta(NAME)?;
        let s: Settings = ctx.config.section(NAME)?;
        let b = &s.baseline;
        Ok(RareDestination {
            ctx: ctx.clone(),
            hosts: HostClock::new(b.max_hosts, b.learning_us()),
            users: Prevalence::new(b.max_items, s.max_hosts_per_destination),
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

    fn emit(&mut self, c: Candidate<Finding>, out: &mut Vec<Finding>) {
        let b = &self.s.baseline;
        let Some(bytes) = c.first_upload(
            &mut self.reported,
            b.upload_floor,
            b.upload_ratio,
            b.max_items,
        ) else {
            return;
        };
        let mut f = c.data;
        let category = f.destination.as_ref().and_then(|d| d.category.clone());
        report::set_risk(&mut f, self.s.risk_of(category.as_deref(), bytes));
        add_upload(&mut f, &c.host, bytes, c.evidence);
        out.push(f);
    }
}

impl StatefulAnalytic for RareDestination {
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
        // A host past the per-destination cap: the destination is not rare.
        let Some(pair) = self.users.touch(&dest, &hk, t) else {
            return;
        };
        let b = &self.s.baseline;
        let org_learnt = self
            .hosts
            .earliest()
            .is_some_and(|e| t >= e.saturating_add(b.learning_us()));
        let habit = pair.first < t.saturating_sub(secs(self.s.established_after));
        let item = (hk.clone(), dest.clone());
        if !learnt || !org_learnt || habit || self.reported.contains(&item) {
            return;
        }
        let dest = Some(dest);
        if self.join.covers(&hk, flow.src_ip, &dest, flow.dst_ip, t) {
            return;
        }
        let Some(d) = dest.clone() else {
            return;
        };
        let users = self.users.count(&d, t);
        // Counting the active hosts costs a pass over them: only when the
        // share could make a destination above `max_hosts` rare.
        let share_of = |n: usize| (self.s.max_share * n as f64).floor() as usize;
        if users > self.s.max_hosts && users > share_of(self.hosts.hosts.len()) {
            return;
        }
        let active = self.hosts.active_at(t);
        if users > self.s.max_hosts.max(share_of(active)) {
            return;
        }
        if sanctioned(&self.ctx, flow) || allowed(&self.ctx, view) {
            return;
        }
        let name = flow.domain.as_deref().unwrap_or_default();
        let summary =
            format!("{host} reached {name}, used by {users} of {active} hosts of the organisation");
        let mut f = report::finding(NAME, &self.meta, view, summary);
        f.fields.insert("destination_key".into(), d.to_string());
        f.fields.insert("hosts_using".into(), users.to_string());
        f.fields.insert("active_hosts".into(), active.to_string());
        let c = Candidate::new(t, b.upload_window_us(), hk, flow, dest, f);
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
            items: self.users.rows(),
        })
        .unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        let Some(s) = Snapshot::read(state)? else {
            return Ok(());
        };
        load1(&mut self.hosts.hosts, s.hosts)?;
        self.users.load(s.items)
    }

    fn state_len(&self) -> usize {
        self.hosts.hosts.len() + self.users.len() + self.join.len()
    }
}

fn secs(s: u64) -> i64 {
    i64::try_from(s.saturating_mul(1_000_000)).unwrap_or(i64::MAX)
}
