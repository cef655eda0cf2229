//! `large-transfer`: large transfers to web services (MITRE's reference
//! analytic for T1567). Per host and destination (catalogued service and
//! tenant, else domain), bytes out are summed over a sliding window of
//! event time; crossing the volume threshold (or its higher step) is one
//! alert per episode, and so is a single flow above the single-flow
//! threshold to a catalogued, unsanctioned service. An episode ends when
//! the destination has been quiet for a window (or after the longest
//! episode); its alert carries the total, the peak window, the flow count,
//! first and last time, the process when known, and evidence records.

use super::prevalence::Prevalence;
use super::transfers::{
    counted, finding, per_family_text, time_text, Dest, Family, JoinSettings, PerFamily, Process,
    Transfer, FAMILIES,
};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::human_bytes;
use crate::stateful::common::{known_version, restore_state};
use crate::view::View;
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

pub const ID: &str = "large-transfer";

/// Which destinations the window sums count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Catalogued web services the policy does not sanction (the reference).
    WebService,
    /// Every external destination (catalogued or not, unless sanctioned).
    Any,
}

/// The analytic's section of `analytics.yml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Risk when the window sum crosses `volume_bytes`.
    pub risk: u8,
    pub window_seconds: u64,
    pub volume_bytes: u64,
    pub volume_high_bytes: u64,
    pub risk_high: u8,
    pub single_flow_bytes: u64,
    pub single_flow_risk: u8,
    /// After a single-flow alert, the same host and destination raise no
    /// other single-flow alert for this long (window alerts still come).
    pub single_flow_repeat_seconds: u64,
    pub scope: Scope,
    /// Service categories never counted (e.g. `cdn`).
    #[serde(default)]
    pub ignore_categories: Vec<String>,
    pub max_episode_seconds: u64,
    /// A destination this many hosts sent to within `common_days` is the
    /// organisation's habit: no alert (0: off).
    pub common_hosts: usize,
    pub common_days: u32,
    pub evidence: usize,
    pub max_keys: usize,
    pub sysmon_join_seconds: u64,
    pub name_hold_seconds: u64,
}

/// What was reported of a (host, destination), for echoes.
#[derive(Clone, Copy, Debug)]
struct Reported {
    /// Last flow time of the reported episode (µs).
    last: i64,
    /// Sensor families (bits) that saw it.
    families: u8,
    total: u64,
}

/// An echo may exceed the reported total by this factor (a firewall counts
/// packet headers that Zeek's payload bytes leave out).
const ECHO_SLACK: f64 = 1.25;

fn family_bits(b: &PerFamily) -> u8 {
    b.iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .fold(0u8, |m, (i, _)| m | (1 << i))
}

/// Slots per window: the sliding sum is exact to a sixtieth of the window.
const SLOTS: i64 = 60;

/// One (host, destination)'s activity since it was last quiet.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Episode {
    host: Arc<str>,
    /// The address the flow records named the host by, when they named it
    /// only so (the first such record's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    host_ip: Option<std::net::IpAddr>,
    dest: Dest,
    user: Option<Arc<str>>,
    /// Process with the most attributed bytes first.
    processes: Vec<(Process, u64)>,
    /// (slot start µs, bytes per family), oldest first.
    slots: VecDeque<(i64, PerFamily)>,
    first: i64,
    last: i64,
    /// Flow records per sensor family (one upload is one record per family).
    flows: PerFamily,
    total: PerFamily,
    /// Largest sliding-window sum and when it was reached.
    peak: u64,
    peak_at: i64,
    /// When the window first crossed the volume threshold.
    crossed_at: Option<i64>,
    biggest_flow: u64,
    big_flows: PerFamily,
    evidence: Vec<Evidence>,
    /// The latest transfer past the first `evidence - 1`: it takes the last
    /// evidence slot, its line written only when the episode is reported
    /// or saved (transfers come by the thousand).
    #[serde(skip)]
    latest: Option<Box<Transfer>>,
}

impl Episode {
    /// The evidence with the latest transfer's line in the last slot.
    fn settled_evidence(&self, max: usize) -> Vec<Evidence> {
        let mut list = self.evidence.clone();
        if let Some(t) = &self.latest {
            if list.len() >= max {
                list.pop();
            }
            list.push(t.evidence());
        }
        list
    }
}

pub struct LargeTransfer {
    meta: AnalyticMeta,
    s: Settings,
    window: i64,
    join: JoinSettings,
    episodes: FxHashMap<(Arc<str>, Arc<str>), Episode>,
    prevalence: Prevalence,
    /// (host, destination) → time of its last single-flow alert.
    single_alerted: FxHashMap<(Arc<str>, Arc<str>), i64>,
    /// (host, destination) → its last reported episode, to recognise the
    /// same transfer logged later by another sensor family.
    reported: FxHashMap<(Arc<str>, Arc<str>), Reported>,
    last_sweep: i64,
    last_expiry: i64,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(LargeTransfer::new(ctx)?))
}

impl LargeTransfer {
    pub fn new(ctx: &Arc<Ctx>) -> Result<LargeTransfer, ConfigError> {
        let meta = ctx.config.meta(ID)?;
        let s: Settings = ctx.config.section(ID)?;
        let bad = |m: &str| ConfigError::Section {
            file: "analytics configuration".into(),
            analytic: ID.into(),
            message: m.into(),
        };
        if s.window_seconds == 0 || s.volume_high_bytes < s.volume_bytes {
            return Err(bad(
                "window_seconds must be > 0 and volume_high_bytes >= volume_bytes",
            ));
        }
        let join = JoinSettings {
            join_ttl: secs(s.sysmon_join_seconds),
            name_hold: secs(s.name_hold_seconds),
        };
        Ok(LargeTransfer {
            meta,
            window: secs(s.window_seconds),
            join,
            episodes: FxHashMap::default(),
            prevalence: Prevalence::new(s.common_hosts, s.common_days),
            single_alerted: FxHashMap::default(),
            reported: FxHashMap::default(),
            last_sweep: 0,
            last_expiry: 0,
            s,
        })
    }

    fn add(&mut self, t: &Transfer, out: &mut Vec<Finding>) {
        if t.bytes_out == 0 {
            return;
        }
        self.prevalence.note(&t.key, &t.host, t.ts);
        let web = t.dest.is_unsanctioned_service(&self.s.ignore_categories);
        let big = web && t.bytes_out > self.s.single_flow_bytes;
        let counts = match self.s.scope {
            Scope::WebService => web,
            Scope::Any => {
                !t.dest.is_sanctioned()
                    && !t.dest.service.as_ref().is_some_and(|s| {
                        self.s.ignore_categories.iter().any(|c| **c == *s.category)
                    })
            }
        };
        if !counts && !big {
            return;
        }
        let key = (t.host.clone(), t.key.clone());
        // A flow after a quiet window starts a new episode even when the
        // clock has not swept the old one yet (input out of time order).
        let stale = self
            .episodes
            .get(&key)
            .is_some_and(|e| t.ts > e.last + self.window);
        if stale {
            if let Some(e) = self.episodes.remove(&key) {
                self.report(e, out);
            }
        }
        if !self.episodes.contains_key(&key) && self.episodes.len() >= self.s.max_keys {
            self.evict(out);
        }
        let width = (self.window / SLOTS).max(1);
        let window = self.window;
        let ep = self.episodes.entry(key).or_insert_with(|| Episode {
            host: t.host.clone(),
            host_ip: None,
            dest: t.dest.clone(),
            user: None,
            processes: Vec::new(),
            slots: VecDeque::new(),
            first: t.ts,
            last: t.ts,
            flows: [0; FAMILIES],
            total: [0; FAMILIES],
            peak: 0,
            peak_at: t.ts,
            crossed_at: None,
            biggest_flow: 0,
            big_flows: [0; FAMILIES],
            evidence: Vec::new(),
            latest: None,
        });
        let f = t.family.index();
        ep.flows[f] += 1;
        ep.first = ep.first.min(t.ts);
        ep.last = ep.last.max(t.ts);
        ep.total[f] = ep.total[f].saturating_add(t.bytes_out);
        if ep.user.is_none() {
            ep.user = t.user.clone();
        }
        if ep.host_ip.is_none() {
            ep.host_ip = t.host_ip;
        }
        if ep.dest.domain.is_none() && t.dest.domain.is_some() {
            ep.dest.domain = t.dest.domain.clone();
        }
        if let Some(p) = &t.process {
            add_process(&mut ep.processes, p, t.bytes_out);
        }
        if big {
            ep.big_flows[f] += 1;
            ep.biggest_flow = ep.biggest_flow.max(t.bytes_out);
        }
        if counts {
            add_to_slot(&mut ep.slots, t.ts - t.ts.rem_euclid(width), f, t.bytes_out);
            let newest = ep.slots.back().map(|(s, _)| *s).unwrap_or(t.ts);
            while ep
                .slots
                .front()
                .is_some_and(|(s, _)| *s + width <= newest - window)
            {
                ep.slots.pop_front();
            }
            let mut sum = [0u64; FAMILIES];
            for (_, b) in &ep.slots {
                for i in 0..FAMILIES {
                    sum[i] = sum[i].saturating_add(b[i]);
                }
            }
            let now_sum = counted(&sum);
            if now_sum > ep.peak {
                ep.peak = now_sum;
                ep.peak_at = t.ts;
            }
            if ep.crossed_at.is_none() && now_sum > self.s.volume_bytes {
                ep.crossed_at = Some(t.ts);
            }
        }
        if self.s.evidence > 0 {
            if ep.evidence.len() + 1 < self.s.evidence {
                ep.evidence.push(t.evidence());
            } else {
                // Reuse the box: most transfers of a long episode land here.
                match &mut ep.latest {
                    Some(l) => (**l).clone_from(t),
                    None => ep.latest = Some(Box::new(t.clone())),
                }
            }
        }
    }

    /// Closes episodes quiet for a window or longer than the longest.
    fn sweep(&mut self, now: i64, out: &mut Vec<Finding>) {
        let longest = secs(self.s.max_episode_seconds);
        let window = self.window;
        let done: Vec<_> = self
            .episodes
            .iter()
            .filter(|(_, e)| e.last + window < now || e.last - e.first > longest)
            .map(|(k, _)| k.clone())
            .collect();
        let mut closed: Vec<Episode> = done
            .iter()
            .filter_map(|k| self.episodes.remove(k))
            .collect();
        closed.sort_by_key(|e| e.first);
        for e in closed {
            self.report(e, out);
        }
        let repeat = secs(self.s.single_flow_repeat_seconds);
        if now != i64::MAX {
            self.single_alerted.retain(|_, t| *t + repeat > now);
            let longest = secs(self.s.max_episode_seconds);
            self.reported
                .retain(|_, r| r.last + longest + self.window > now);
            // Prevalence changes by the day: forget old hosts once an hour.
            if now - self.last_expiry >= 3_600_000_000 {
                self.last_expiry = now;
                self.prevalence.expire(now);
            }
        }
    }

    /// Past the key cap: closes the older half (by last activity).
    fn evict(&mut self, out: &mut Vec<Finding>) {
        let mut lasts: Vec<i64> = self.episodes.values().map(|e| e.last).collect();
        let mid = lasts.len() / 2;
        let (_, cut, _) = lasts.select_nth_unstable(mid);
        let cut = *cut;
        let old: Vec<_> = self
            .episodes
            .iter()
            .filter(|(_, e)| e.last <= cut)
            .map(|(k, _)| k.clone())
            .collect();
        for k in old {
            if let Some(e) = self.episodes.remove(&k) {
                self.report(e, out);
            }
        }
    }

    fn report(&mut self, e: Episode, out: &mut Vec<Finding>) {
        let s = self.s.clone();
        if self.prevalence.is_common(&e.dest.key(), e.last) {
            return;
        }
        // A long session is logged by Zeek at its start and by the firewall
        // at its end: the second is the same transfer, not a new one.
        let key = (e.host.clone(), e.dest.key());
        let bits = family_bits(&e.total);
        let total = counted(&e.total);
        if let Some(r) = self.reported.get_mut(&key) {
            let recent = e.first - r.last <= secs(s.max_episode_seconds);
            if recent && r.families & bits == 0 && total as f64 <= r.total as f64 * ECHO_SLACK {
                r.families |= bits;
                return;
            }
        }
        let (risk, reason) = if e.peak > s.volume_high_bytes {
            (
                s.risk_high,
                format!(
                    "more than {} in {} s",
                    human_bytes(s.volume_high_bytes),
                    s.window_seconds
                ),
            )
        } else if e.peak > s.volume_bytes {
            (
                self.meta.risk,
                format!(
                    "more than {} in {} s",
                    human_bytes(s.volume_bytes),
                    s.window_seconds
                ),
            )
        } else if counted(&e.big_flows) > 0 {
            let key = (e.host.clone(), e.dest.key());
            let repeat = secs(s.single_flow_repeat_seconds);
            if self
                .single_alerted
                .get(&key)
                .is_some_and(|t| e.first - *t < repeat)
            {
                return;
            }
            self.single_alerted.insert(key, e.first);
            (
                s.single_flow_risk,
                format!(
                    "{} flow(s) over {}",
                    counted(&e.big_flows),
                    human_bytes(s.single_flow_bytes)
                ),
            )
        } else {
            return;
        };
        let mut entity = outflow_detect::FindingEntity {
            host: Some(e.host.to_string()),
            host_ip: e.host_ip.map(|ip| ip.to_string()),
            user: e.user.as_deref().map(str::to_string),
            ..Default::default()
        };
        if let Some((p, _)) = e.processes.first() {
            entity.image = p.image.as_deref().map(str::to_string);
            entity.pid = p.pid.as_deref().map(str::to_string);
            entity.process_guid = p.guid.as_deref().map(str::to_string);
            if let Some(u) = &p.user {
                entity.user = Some(u.to_string());
            }
        }
        let at = e.crossed_at.unwrap_or(e.first);
        let mut f = finding(ID, &self.meta, at, entity, &e.dest, risk);
        f.bytes_out = Some(total);
        let counted_by = Family::ALL
            .iter()
            .max_by_key(|fam| e.total[fam.index()])
            .map(|fam| fam.as_str())
            .unwrap_or("-");
        let fields = [
            ("reason", reason.clone()),
            ("total_bytes", total.to_string()),
            ("total", human_bytes(total)),
            ("peak_window_bytes", e.peak.to_string()),
            ("peak_at", time_text(e.peak_at)),
            ("window_seconds", s.window_seconds.to_string()),
            ("flows", counted(&e.flows).to_string()),
            ("first_seen", time_text(e.first)),
            ("last_seen", time_text(e.last)),
            ("counted_by", counted_by.to_string()),
            ("sensors", per_family_text(&e.total)),
            ("destination_key", e.dest.key().to_string()),
            ("risk", risk.to_string()),
            (
                "summary",
                format!(
                    "{} sent {} to {} in {} flow(s) {}: {reason}",
                    e.host,
                    human_bytes(total),
                    e.dest.describe(),
                    counted(&e.flows),
                    if e.first == e.last {
                        format!("at {}", time_text(e.first))
                    } else {
                        format!("from {} to {}", time_text(e.first), time_text(e.last))
                    },
                ),
            ),
        ];
        for (k, v) in fields {
            f.fields.insert(k.to_string(), v);
        }
        if counted(&e.big_flows) > 0 {
            f.fields
                .insert("largest_flow_bytes".into(), e.biggest_flow.to_string());
        }
        if !e.processes.is_empty() {
            f.fields
                .insert("processes".into(), process_list(&e.processes));
        }
        let evidence = e.settled_evidence(self.s.evidence);
        f.origin = evidence.first().map(|ev| ev.origin.clone());
        f.evidence = evidence;
        out.push(f);
        self.reported.insert(
            key,
            Reported {
                last: e.last,
                families: bits,
                total,
            },
        );
    }
}

impl StatefulAnalytic for LargeTransfer {
    fn name(&self) -> &str {
        ID
    }

    /// Reads transfers only ([`StatefulAnalytic::on_transfer`]); the engine
    /// also advances it as event time moves.
    fn on_event(&mut self, _view: &View<'_>, _out: &mut Vec<Finding>) {}

    fn transfer_join(&self) -> Option<JoinSettings> {
        Some(self.join)
    }

    fn on_transfer(&mut self, t: &Transfer, out: &mut Vec<Finding>) {
        self.add(t, out);
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        if now - self.last_sweep >= 60_000_000 {
            self.last_sweep = now;
            self.sweep(now, out);
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.sweep(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        let mut eps: Vec<Episode> = self
            .episodes
            .values()
            .map(|e| Episode {
                evidence: e.settled_evidence(self.s.evidence),
                latest: None,
                ..e.clone()
            })
            .collect();
        eps.sort_by(|a, b| (&a.host, a.first).cmp(&(&b.host, b.first)));
        serde_json::json!({ "version": 1, "episodes": eps, "prevalence": self.prevalence })
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        #[derive(Deserialize)]
        struct Snap {
            version: u32,
            episodes: Vec<Episode>,
            #[serde(default)]
            prevalence: Prevalence,
        }
        let Some(snap) = restore_state::<Snap>(ID, state)? else {
            return Ok(());
        };
        known_version(ID, snap.version)?;
        for e in snap.episodes {
            self.episodes.insert((e.host.clone(), e.dest.key()), e);
        }
        self.prevalence.absorb(snap.prevalence);
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.episodes.len()
            + self.prevalence.len()
            + self.single_alerted.len()
            + self.reported.len()
    }
}

pub(crate) fn secs(s: u64) -> i64 {
    i64::try_from(s)
        .unwrap_or(i64::MAX / 1_000_000)
        .saturating_mul(1_000_000)
}

/// Adds bytes to the slot starting at `start` (transfers arrive in time
/// order but held flows can be a little late).
fn add_to_slot(slots: &mut VecDeque<(i64, PerFamily)>, start: i64, family: usize, bytes: u64) {
    let pos = slots.iter().rposition(|(s, _)| *s <= start);
    match pos {
        Some(i) if slots[i].0 == start => {
            slots[i].1[family] = slots[i].1[family].saturating_add(bytes)
        }
        Some(i) => {
            let mut b = [0; FAMILIES];
            b[family] = bytes;
            slots.insert(i + 1, (start, b));
        }
        None => {
            let mut b = [0; FAMILIES];
            b[family] = bytes;
            slots.push_front((start, b));
        }
    }
}

/// Up to four processes, the one with most bytes first.
pub(crate) fn add_process(list: &mut Vec<(Process, u64)>, p: &Process, bytes: u64) {
    match list
        .iter()
        .position(|(q, _)| q.image == p.image && q.host == p.host)
    {
        Some(i) => list[i].1 = list[i].1.saturating_add(bytes),
        None if list.len() < 4 => list.push((p.clone(), bytes)),
        None => {}
    }
    list.sort_by_key(|p| std::cmp::Reverse(p.1));
}

/// The processes' images, most bytes first (bytes are not shown: every
/// sensor family's flows add to them).
pub(crate) fn process_list(list: &[(Process, u64)]) -> String {
    list.iter()
        .map(|(p, _)| p.image.as_deref().unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}
