//! `slow-and-low`: bytes out accumulated over days to a web service that
//! is new for the host. Per host and destination (catalogued service and
//! tenant), daily bytes out are kept for the window (default 7 days); when
//! the destination was first seen from the host within the window and the
//! window's total crosses the threshold over enough distinct days, one
//! alert is raised (then not again for that host and destination within
//! the window). Thresholds can differ per service category and per service.

use super::large_transfer::{add_process, process_list, secs};
use super::prevalence::Prevalence;
use super::transfers::{
    counted, day_text, finding, per_family_text, Dest, JoinSettings, PerFamily, Process, Transfer,
    DAY, FAMILIES,
};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::human_bytes;
use crate::stateful::common::{known_version, restore_state};
use crate::view::View;
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding, FindingEntity};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

pub const ID: &str = "slow-and-low";

/// Thresholds that a category or a service can override.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Total bytes out over the window.
    #[serde(default)]
    pub min_total_bytes: Option<u64>,
    /// Distinct days with at least `min_day_bytes` out.
    #[serde(default)]
    pub min_days: Option<usize>,
    /// `false`: never counted.
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub risk: u8,
    pub window_days: u32,
    pub min_total_bytes: u64,
    pub min_days: usize,
    /// A day counts toward `min_days` with at least this much out.
    pub min_day_bytes: u64,
    /// How long a host's earlier destinations are remembered (a service
    /// first seen before the window is not new).
    pub known_days: u32,
    #[serde(default)]
    pub ignore_categories: Vec<String>,
    /// A destination this many hosts sent to within `common_days` is the
    /// organisation's habit, not new: no alert (0: off).
    pub common_hosts: usize,
    pub common_days: u32,
    /// Overrides by catalog category (`cloud_storage`, `collaboration`, ...).
    #[serde(default)]
    pub categories: BTreeMap<String, Limits>,
    /// Overrides by catalog service id (`onedrive_personal`, `pcloud`, ...).
    #[serde(default)]
    pub services: BTreeMap<String, Limits>,
    pub evidence: usize,
    pub max_keys: usize,
    pub sysmon_join_seconds: u64,
    pub name_hold_seconds: u64,
}

impl Settings {
    /// (enabled, min total, min days) for a service.
    fn limits(&self, dest: &Dest) -> (bool, u64, usize) {
        let mut r = (true, self.min_total_bytes, self.min_days);
        let Some(s) = &dest.service else {
            return r;
        };
        for l in [self.categories.get(&*s.category), self.services.get(&*s.id)]
            .into_iter()
            .flatten()
        {
            r.0 = l.enabled.unwrap_or(r.0);
            r.1 = l.min_total_bytes.unwrap_or(r.1);
            r.2 = l.min_days.unwrap_or(r.2);
        }
        r
    }
}

/// One host's traffic to one destination.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Track {
    host: Arc<str>,
    dest: Dest,
    user: Option<Arc<str>>,
    processes: Vec<(Process, u64)>,
    /// First day the host sent anything to it.
    first_day: i64,
    /// (day, bytes out per family) within the window, oldest first.
    days: Vec<(i64, PerFamily)>,
    last_day: i64,
    /// Day of the last alert (none again within the window).
    alerted_day: Option<i64>,
    /// The first transfer of each day (within the window).
    #[serde(default)]
    evidence: Vec<Evidence>,
    /// The latest address a record named the host by (the alert's
    /// `host_ip`): a host on DHCP may have used several over the days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    host_ip: Option<IpAddr>,
}

pub struct SlowAndLow {
    meta: AnalyticMeta,
    s: Settings,
    join: JoinSettings,
    tracks: FxHashMap<(Arc<str>, Arc<str>), Track>,
    prevalence: Prevalence,
    last_sweep_day: i64,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(SlowAndLow::new(ctx)?))
}

impl SlowAndLow {
    pub fn new(ctx: &Arc<Ctx>) -> Result<SlowAndLow, ConfigError> {
        let meta = ctx.config.meta(ID)?;
        let s: Settings = ctx.config.section(ID)?;
        if s.window_days == 0 || s.known_days < s.window_days {
            return Err(ConfigError::Section {
                file: "analytics configuration".into(),
                analytic: ID.into(),
                message: "window_days must be > 0 and known_days >= window_days".into(),
            });
        }
        let join = JoinSettings {
            join_ttl: secs(s.sysmon_join_seconds),
            name_hold: secs(s.name_hold_seconds),
        };
        Ok(SlowAndLow {
            meta,
            prevalence: Prevalence::new(s.common_hosts, s.common_days),
            join,
            tracks: FxHashMap::default(),
            s,
            last_sweep_day: i64::MIN,
        })
    }

    fn add(&mut self, t: &Transfer, out: &mut Vec<Finding>) {
        if t.bytes_out == 0 || !t.dest.is_unsanctioned_service(&self.s.ignore_categories) {
            return;
        }
        self.prevalence.note(&t.key, &t.host, t.ts);
        let (enabled, min_total, min_days) = self.s.limits(&t.dest);
        if !enabled {
            return;
        }
        let day = t.ts.div_euclid(DAY);
        let window = i64::from(self.s.window_days);
        let key = (t.host.clone(), t.key.clone());
        if !self.tracks.contains_key(&key) && self.tracks.len() >= self.s.max_keys {
            self.evict();
        }
        let tr = self.tracks.entry(key).or_insert_with(|| Track {
            host: t.host.clone(),
            dest: t.dest.clone(),
            user: None,
            processes: Vec::new(),
            first_day: day,
            days: Vec::new(),
            last_day: day,
            alerted_day: None,
            evidence: Vec::new(),
            host_ip: None,
        });
        if t.host_ip.is_some() {
            tr.host_ip = t.host_ip;
        }
        tr.first_day = tr.first_day.min(day);
        tr.last_day = tr.last_day.max(day);
        if tr.user.is_none() {
            tr.user = t.user.clone();
        }
        if let Some(p) = &t.process {
            add_process(&mut tr.processes, p, t.bytes_out);
        }
        let f = t.family.index();
        match tr.days.iter_mut().find(|(d, _)| *d == day) {
            Some((_, b)) => b[f] = b[f].saturating_add(t.bytes_out),
            None => {
                let mut b = [0; FAMILIES];
                b[f] = t.bytes_out;
                tr.days.push((day, b));
                tr.days.sort_by_key(|(d, _)| *d);
                let first_evidence_of_day = tr
                    .evidence
                    .iter()
                    .all(|e| e.time.map(|x| (x.0 / 1_000).div_euclid(DAY)) != Some(day));
                if first_evidence_of_day && tr.evidence.len() < self.s.evidence {
                    tr.evidence.push(t.evidence());
                }
            }
        }
        let newest = tr.last_day;
        tr.days.retain(|(d, _)| *d > newest - window);
        tr.evidence.retain(|e| {
            e.time
                .is_none_or(|x| (x.0 / 1_000).div_euclid(DAY) > newest - window)
        });
        // New to the host: first seen within the window.
        if tr.first_day <= newest - window {
            return;
        }
        if tr.alerted_day.is_some_and(|a| a > newest - window) {
            return;
        }
        let total: u64 = tr.days.iter().map(|(_, b)| counted(b)).sum();
        let active = tr
            .days
            .iter()
            .filter(|(_, b)| counted(b) >= self.s.min_day_bytes)
            .count();
        if total <= min_total || active < min_days {
            return;
        }
        if self.prevalence.is_common(&tr.dest.key(), t.ts) {
            return;
        }
        tr.alerted_day = Some(day);
        let tr = tr.clone();
        self.report(&tr, t.ts, total, active, min_total, out);
    }

    fn report(
        &self,
        tr: &Track,
        at: i64,
        total: u64,
        active: usize,
        min_total: u64,
        out: &mut Vec<Finding>,
    ) {
        let mut entity = FindingEntity {
            host: Some(tr.host.to_string()),
            host_ip: tr.host_ip.map(|ip| ip.to_string()),
            user: tr.user.as_deref().map(str::to_string),
            ..Default::default()
        };
        if let Some((p, _)) = tr.processes.first() {
            entity.image = p.image.as_deref().map(str::to_string);
            entity.pid = p.pid.as_deref().map(str::to_string);
            entity.process_guid = p.guid.as_deref().map(str::to_string);
            if let Some(u) = &p.user {
                entity.user = Some(u.to_string());
            }
        }
        let mut f = finding(ID, &self.meta, at, entity, &tr.dest, self.meta.risk);
        f.bytes_out = Some(total);
        let daily: Vec<String> = tr
            .days
            .iter()
            .map(|(d, b)| format!("{} {}", day_text(*d), human_bytes(counted(b))))
            .collect();
        let mut all = [0u64; FAMILIES];
        for (_, b) in &tr.days {
            for i in 0..FAMILIES {
                all[i] = all[i].saturating_add(b[i]);
            }
        }
        let max_day = tr.days.iter().map(|(_, b)| counted(b)).max().unwrap_or(0);
        let fields = [
            ("total_bytes", total.to_string()),
            ("total", human_bytes(total)),
            ("threshold", human_bytes(min_total)),
            ("days", active.to_string()),
            ("window_days", self.s.window_days.to_string()),
            ("daily", daily.join(", ")),
            ("largest_day_bytes", max_day.to_string()),
            ("first_seen_day", day_text(tr.first_day)),
            ("sensors", per_family_text(&all)),
            ("destination_key", tr.dest.key().to_string()),
            ("risk", self.meta.risk.to_string()),
            (
                "summary",
                format!(
                    "{} sent {} to {} on {active} of the last {} days, no day above {}",
                    tr.host,
                    human_bytes(total),
                    tr.dest.describe(),
                    self.s.window_days,
                    human_bytes(max_day),
                ),
            ),
        ];
        for (k, v) in fields {
            f.fields.insert(k.to_string(), v);
        }
        if !tr.processes.is_empty() {
            f.fields
                .insert("processes".into(), process_list(&tr.processes));
        }
        f.origin = tr.evidence.first().map(|e| e.origin.clone());
        f.evidence = tr.evidence.clone();
        out.push(f);
    }

    /// Forgets destinations idle longer than `known_days`.
    fn sweep(&mut self, today: i64) {
        let keep = i64::from(self.s.known_days);
        let window = i64::from(self.s.window_days);
        self.tracks.retain(|_, t| t.last_day > today - keep);
        self.prevalence.expire(today.saturating_mul(DAY));
        for t in self.tracks.values_mut() {
            t.days.retain(|(d, _)| *d > today - window);
            t.evidence.retain(|e| {
                e.time
                    .is_none_or(|x| (x.0 / 1_000).div_euclid(DAY) > today - window)
            });
        }
    }

    /// Past the key cap: forgets the older half (by last day).
    fn evict(&mut self) {
        let mut lasts: Vec<i64> = self.tracks.values().map(|t| t.last_day).collect();
        let mid = lasts.len() / 2;
        let (_, cut, _) = lasts.select_nth_unstable(mid);
        let cut = *cut;
        self.tracks.retain(|_, t| t.last_day > cut);
    }
}

impl StatefulAnalytic for SlowAndLow {
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

    fn advance(&mut self, now: i64, _out: &mut Vec<Finding>) {
        let today = now.div_euclid(DAY);
        if today > self.last_sweep_day {
            self.last_sweep_day = today;
            self.sweep(today);
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        let mut tracks: Vec<&Track> = self.tracks.values().collect();
        tracks.sort_by(|a, b| (&a.host, a.dest.key()).cmp(&(&b.host, b.dest.key())));
        serde_json::json!({ "version": 1, "tracks": tracks, "prevalence": self.prevalence })
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        #[derive(Deserialize)]
        struct Snap {
            version: u32,
            tracks: Vec<Track>,
            #[serde(default)]
            prevalence: Prevalence,
        }
        let Some(snap) = restore_state::<Snap>(ID, state)? else {
            return Ok(());
        };
        known_version(ID, snap.version)?;
        for t in snap.tracks {
            self.tracks.insert((t.host.clone(), t.dest.key()), t);
        }
        self.prevalence.absorb(snap.prevalence);
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.tracks.len() + self.prevalence.len()
    }
}
