//! `upload-ratio`: per-host download/upload ratio analysis (D3FEND
//! D3-PHDURA). Per host and day of event time, bytes out and in to
//! external destinations; a day whose bytes out and out/in ratio are far
//! above the host's own earlier days is one alert. State per host is a few
//! days of totals, kept by `snapshot`/`restore` so the baseline outlives a run.

use super::large_transfer::secs;
use super::prevalence::Prevalence;
use super::transfers::{
    counted, day_text, finding, per_family_text, Dest, JoinSettings, PerFamily, Transfer, DAY,
    FAMILIES,
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
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

pub const ID: &str = "upload-ratio";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub risk: u8,
    /// Earlier days a host needs before its days are judged.
    pub min_baseline_days: usize,
    /// Earlier days kept per host (the baseline).
    pub baseline_days: usize,
    /// A day's bytes out must exceed this many times the median of earlier days...
    pub volume_factor: f64,
    /// ...and this floor.
    pub min_bytes_out: u64,
    /// A day's out/in ratio must exceed this...
    pub min_ratio: f64,
    /// ...and this many times the median ratio of earlier days.
    pub ratio_factor: f64,
    /// Days are closed this long after midnight (late records still count).
    pub close_after_seconds: u64,
    /// Traffic to destinations at least this many hosts used within
    /// `common_days` (meeting services, sync, backup buckets) is left out
    /// of the day's totals, so the ratio measures the host's own
    /// destinations (0: count everything).
    pub common_hosts: usize,
    pub common_days: u32,
    pub evidence: usize,
    pub max_hosts: usize,
    pub sysmon_join_seconds: u64,
    pub name_hold_seconds: u64,
}

/// One host's totals of one day.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Day {
    /// Days since the epoch (UTC).
    day: i64,
    out: PerFamily,
    #[serde(rename = "in")]
    inn: PerFamily,
    judged: bool,
    /// The day's largest transfers (dropped once judged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    top: Vec<(u64, String, Evidence)>,
    /// The latest address a record named the host by that day (the
    /// alert's `host_ip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    host_ip: Option<IpAddr>,
}

impl Day {
    /// (out, in) of the family that saw most out (one sensor's view, so
    /// out and in are measured alike).
    fn totals(&self) -> (u64, u64) {
        let f = (0..FAMILIES).max_by_key(|&i| self.out[i]).unwrap_or(0);
        (counted(&self.out), self.inn[f])
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct HostDays {
    host: Arc<str>,
    /// Oldest first; the last may be the open day.
    days: VecDeque<Day>,
}

pub struct UploadRatio {
    meta: AnalyticMeta,
    s: Settings,
    join: JoinSettings,
    hosts: FxHashMap<Arc<str>, HostDays>,
    prevalence: Prevalence,
    /// (host, day) pairs this run has counted. The first record of a day a
    /// restored baseline already holds replaces that day's totals, so a
    /// hunt re-run over the same data judges the day as the first run did
    /// (data never hides itself).
    counted: rustc_hash::FxHashSet<(Arc<str>, i64)>,
    last_sweep: i64,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(UploadRatio::new(ctx)?))
}

impl UploadRatio {
    pub fn new(ctx: &Arc<Ctx>) -> Result<UploadRatio, ConfigError> {
        let meta = ctx.config.meta(ID)?;
        let s: Settings = ctx.config.section(ID)?;
        if s.baseline_days == 0 || s.min_baseline_days > s.baseline_days {
            return Err(ConfigError::Section {
                file: "analytics configuration".into(),
                analytic: ID.into(),
                message: "baseline_days must be > 0 and >= min_baseline_days".into(),
            });
        }
        let join = JoinSettings {
            join_ttl: secs(s.sysmon_join_seconds),
            name_hold: secs(s.name_hold_seconds),
        };
        Ok(UploadRatio {
            meta,
            prevalence: Prevalence::new(s.common_hosts, s.common_days),
            s,
            join,
            hosts: FxHashMap::default(),
            counted: Default::default(),
            last_sweep: 0,
        })
    }

    fn add(&mut self, t: &Transfer, out: &mut Vec<Finding>) {
        let day = t.ts.div_euclid(DAY);
        let dest = t.key.clone();
        self.prevalence.note(&dest, &t.host, t.ts);
        if self.prevalence.is_common(&dest, t.ts) {
            return;
        }
        if !self.hosts.contains_key(&t.host) && self.hosts.len() >= self.s.max_hosts {
            // The hosts idle longest go first (their baselines are oldest).
            let mut lasts: Vec<i64> = self
                .hosts
                .values()
                .map(|h| h.days.back().map(|d| d.day).unwrap_or(0))
                .collect();
            let mid = lasts.len() / 2;
            let (_, cut, _) = lasts.select_nth_unstable(mid);
            let cut = *cut;
            self.hosts
                .retain(|_, h| h.days.back().map(|d| d.day).unwrap_or(0) > cut);
            let hosts = &self.hosts;
            self.counted.retain(|(h, _)| hosts.contains_key(h));
        }
        let h = self
            .hosts
            .entry(t.host.clone())
            .or_insert_with(|| HostDays {
                host: t.host.clone(),
                days: VecDeque::new(),
            });
        // A newer day closes the open ones first.
        let open: Vec<usize> = h
            .days
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.judged && d.day < day)
            .map(|(i, _)| i)
            .collect();
        for i in open {
            judge(&self.meta, &self.s, h, i, out);
        }
        if self.counted.insert((t.host.clone(), day)) {
            if let Some(p) = h.days.iter().position(|d| d.day == day) {
                h.days.truncate(p);
            }
        }
        let pos = match h.days.iter().position(|d| d.day == day) {
            Some(p) => p,
            None => {
                if h.days.back().is_some_and(|d| d.day > day) {
                    // A late record of a day already gone: ignore.
                    return;
                }
                h.days.push_back(Day {
                    day,
                    ..Day::default()
                });
                while h.days.len() > self.s.baseline_days + 1 {
                    h.days.pop_front();
                }
                h.days.len() - 1
            }
        };
        let d = &mut h.days[pos];
        let f = t.family.index();
        d.out[f] = d.out[f].saturating_add(t.bytes_out);
        d.inn[f] = d.inn[f].saturating_add(t.bytes_in);
        if t.host_ip.is_some() {
            d.host_ip = t.host_ip;
        }
        if !d.judged && self.s.evidence > 0 && t.bytes_out > 0 {
            keep_top(&mut d.top, t, self.s.evidence);
        }
    }

    fn sweep(&mut self, now: i64, out: &mut Vec<Finding>) {
        let close = secs(self.s.close_after_seconds);
        if now != i64::MAX {
            self.prevalence.expire(now);
        }
        let mut hosts: Vec<&Arc<str>> = self.hosts.keys().collect();
        hosts.sort();
        let hosts: Vec<Arc<str>> = hosts.into_iter().cloned().collect();
        for k in hosts {
            let Some(h) = self.hosts.get_mut(&k) else {
                continue;
            };
            let due: Vec<usize> = h
                .days
                .iter()
                .enumerate()
                .filter(|(_, d)| {
                    !d.judged && (d.day + 1).saturating_mul(DAY).saturating_add(close) <= now
                })
                .map(|(i, _)| i)
                .collect();
            for i in due {
                judge(&self.meta, &self.s, h, i, out);
            }
        }
    }
}

/// Judges day `i` of `h` against the host's earlier days.
fn judge(meta: &AnalyticMeta, s: &Settings, h: &mut HostDays, i: usize, out: &mut Vec<Finding>) {
    let (day_out, day_in) = h.days[i].totals();
    let earlier: Vec<(u64, u64)> = h
        .days
        .iter()
        .take(i)
        .map(|d| d.totals())
        .filter(|(o, n)| *o > 0 || *n > 0)
        .collect();
    let d = &mut h.days[i];
    d.judged = true;
    let top = std::mem::take(&mut d.top);
    let per_family = per_family_text(&d.out);
    let day = d.day;
    let host_ip = d.host_ip;
    if earlier.len() < s.min_baseline_days.max(1) {
        return;
    }
    let ratio = |o: u64, n: u64| o as f64 / n.max(1) as f64;
    let median_out = median(earlier.iter().map(|(o, _)| *o as f64).collect());
    let median_ratio = median(earlier.iter().map(|(o, n)| ratio(*o, *n)).collect());
    let day_ratio = ratio(day_out, day_in);
    let volume_limit = (s.volume_factor * median_out).max(s.min_bytes_out as f64);
    if (day_out as f64) <= volume_limit
        || day_ratio <= s.min_ratio
        || day_ratio <= s.ratio_factor * median_ratio
    {
        return;
    }
    let entity = FindingEntity {
        host: Some(h.host.to_string()),
        host_ip: host_ip.map(|ip| ip.to_string()),
        ..Default::default()
    };
    let at = top
        .iter()
        .filter_map(|(_, _, e)| e.time)
        .min()
        .map(|t| t.0 / 1_000)
        .unwrap_or(day * DAY);
    let dest = Dest::default();
    let mut f = finding(ID, meta, at, entity, &dest, meta.risk);
    f.attack = meta.attack.clone();
    f.bytes_out = Some(day_out);
    let mut dests: Vec<String> = Vec::new();
    for (_, label, _) in &top {
        if !dests.contains(label) {
            dests.push(label.clone());
        }
    }
    let fields = [
        ("day", day_text(day)),
        ("bytes_out", day_out.to_string()),
        ("bytes_in", day_in.to_string()),
        ("out", human_bytes(day_out)),
        ("ratio", format!("{day_ratio:.2}")),
        ("baseline_days", earlier.len().to_string()),
        ("baseline_median_out", human_bytes(median_out as u64)),
        ("baseline_median_ratio", format!("{median_ratio:.2}")),
        ("sensors", per_family),
        ("top_destinations", dests.join(", ")),
        ("risk", meta.risk.to_string()),
    ];
    for (k, v) in fields {
        f.fields.insert(k.to_string(), v);
    }
    let mut ev: Vec<Evidence> = top.into_iter().map(|(_, _, e)| e).collect();
    ev.sort_by_key(|e| e.time);
    f.origin = ev.first().map(|e| e.origin.clone());
    f.evidence = ev;
    out.push(f);
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Keeps the `max` largest transfers of the day.
fn keep_top(top: &mut Vec<(u64, String, Evidence)>, t: &Transfer, max: usize) {
    let bytes = t.bytes_out;
    if top.len() < max {
        top.push((bytes, t.dest.label(), t.evidence()));
        return;
    }
    if let Some((i, _)) = top.iter().enumerate().min_by_key(|(_, (b, _, _))| *b) {
        if top[i].0 < bytes {
            top[i] = (bytes, t.dest.label(), t.evidence());
        }
    }
}

impl StatefulAnalytic for UploadRatio {
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
        if now - self.last_sweep >= 300_000_000 {
            self.last_sweep = now;
            self.sweep(now, out);
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.sweep(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        let mut hosts: Vec<&HostDays> = self.hosts.values().collect();
        hosts.sort_by(|a, b| a.host.cmp(&b.host));
        serde_json::json!({ "version": 1, "hosts": hosts, "prevalence": self.prevalence })
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        #[derive(Deserialize)]
        struct Snap {
            version: u32,
            hosts: Vec<HostDays>,
            #[serde(default)]
            prevalence: Prevalence,
        }
        let Some(snap) = restore_state::<Snap>(ID, state)? else {
            return Ok(());
        };
        known_version(ID, snap.version)?;
        for mut h in snap.hosts {
            while h.days.len() > self.s.baseline_days + 1 {
                h.days.pop_front();
            }
            self.hosts.insert(h.host.clone(), h);
        }
        self.prevalence.absorb(snap.prevalence);
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.hosts.values().map(|h| h.days.len()).sum::<usize>() + self.prevalence.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }

    #[test]
    fn totals_take_one_family_for_out_and_in() {
        let d = Day {
            out: [10, 30, 0, 0],
            inn: [100, 5, 0, 0],
            ..Day::default()
        };
        assert_eq!(d.totals(), (30, 5));
    }
}
