//! Network Traffic Community Deviation (D3FEND D3-NTCD): hosts form peer
//! groups (a naming convention such as `WS-FIN-*`, else their subnet); a
//! host that uploads to a destination no other member of its group uses
//! stands out from its community.
//!
//! An upload is judged `window` seconds after it starts, so a peer using
//! the same destination in the meantime still counts; peers' use is
//! remembered for `baseline` seconds of event time.

use super::common::{
    bound, glob_match, is_byte_record, is_private, micros, outbound, pairs, restore_state, sensor,
    short_host, HostDest, Seen, SECOND, SWEEP_EVERY,
};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes, human_span};
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

pub const ID: &str = "community-deviation";

/// Most hosts remembered as users of one destination in one group (one
/// other is enough to clear an upload).
const USERS_PER_DESTINATION: usize = 4;
/// Evidence records kept per alert.
const MAX_EVIDENCE: usize = 6;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerGroup {
    pub name: String,
    /// Globs over the short host name (`WS-FIN-*`), case-insensitive.
    pub hosts: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the meta keys are read through `AnalyticMeta`
struct Settings {
    risk: Option<u8>,
    /// Named groups, first match wins.
    #[serde(default)]
    peer_groups: Vec<PeerGroup>,
    /// Hosts named `<stem><number>` (`WS-FIN-02`) group by their stem.
    name_stem: bool,
    /// Other hosts group by subnet of this prefix length.
    subnet_v4_prefix: u8,
    subnet_v6_prefix: u8,
    /// Other members of the group that must have been seen for it to be a
    /// community at all.
    min_peers: usize,
    /// Bytes out to the destination in the window before it is an upload.
    min_bytes_out: u64,
    /// Seconds between an upload's first record and its verdict.
    window: u64,
    /// Seconds peers' use of a destination (and their membership) counts.
    baseline: u64,
    /// Seconds a group must have been watched before its uploads are
    /// judged (earlier uploads wait: the first hours of a log know no habits).
    min_baseline: u64,
    /// An upload sends at least this many times what it receives (video
    /// calls and browsing are two-way).
    min_out_in_ratio: f64,
    /// A destination this many hosts of the whole organisation use is an
    /// organisation-wide service, not a deviation (0: no such limit).
    org_common_hosts: usize,
    /// Bytes out above which the alert's risk is raised by one.
    high_bytes_out: u64,
    /// Most (group, destination) pairs remembered.
    max_destinations: usize,
}

/// An upload waiting for its verdict.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending {
    group: Arc<str>,
    first: i64,
    last: i64,
    /// Bytes out per sensor family (one upload is seen by several).
    bytes: BTreeMap<String, u64>,
    /// Bytes in per sensor family.
    #[serde(default)]
    bytes_in: BTreeMap<String, u64>,
    records: u64,
    finding: Finding,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// Group → member → last seen (µs).
    members: FxHashMap<Arc<str>, FxHashMap<Arc<str>, i64>>,
    /// Group → when it was first seen (µs).
    watched_since: FxHashMap<Arc<str>, i64>,
    /// (group, destination) → its users in the group with last use.
    #[serde(with = "pairs")]
    usage: FxHashMap<HostDest, Seen>,
    /// Destination → its users anywhere (at most `org_common_hosts`).
    org_usage: FxHashMap<Arc<str>, Vec<(Arc<str>, i64)>>,
    /// (host, destination) → upload under judgement.
    #[serde(with = "pairs")]
    pending: FxHashMap<(Arc<str>, Arc<str>), Pending>,
    /// (host, destination) → when it was reported (no second alert within
    /// the baseline).
    #[serde(with = "pairs")]
    reported: FxHashMap<(Arc<str>, Arc<str>), i64>,
    last_expiry: i64,
}

pub struct CommunityDeviation {
    meta: AnalyticMeta,
    settings: Settings,
    state: State,
    /// Host → its group (cache of [`CommunityDeviation::group_of`]).
    groups: FxHashMap<Arc<str>, Option<Arc<str>>>,
    last_sweep: i64,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(CommunityDeviation::new(ctx)?))
}

impl CommunityDeviation {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let settings: Settings = ctx.config.section(ID)?;
        Ok(CommunityDeviation {
            meta: ctx.config.meta(ID)?,
            settings,
            state: State::default(),
            groups: FxHashMap::default(),
            last_sweep: i64::MIN,
        })
    }

    /// The peer group of `host` (named group, name stem, else subnet of
    /// `src`); none when nothing applies.
    fn group_of(&mut self, host: &Arc<str>, src: Option<IpAddr>) -> Option<Arc<str>> {
        if let Some(g) = self.groups.get(host) {
            return g.clone();
        }
        let g = peer_group(&self.settings, host, src).map(Arc::from);
        if self.groups.len() >= self.settings.max_destinations {
            self.groups.clear();
        }
        self.groups.insert(host.clone(), g.clone());
        g
    }

    fn window(&self) -> i64 {
        micros(self.settings.window)
    }

    fn baseline(&self) -> i64 {
        micros(self.settings.baseline)
    }

    fn note_use(&mut self, group: &Arc<str>, host: &Arc<str>, dest: &Arc<str>, now: i64) {
        // Lookups first: the group and host are nearly always known, and an
        // entry would clone the key for each event.
        if !self.state.watched_since.contains_key(group) {
            self.state.watched_since.insert(group.clone(), now);
        }
        if !self.state.members.contains_key(group) {
            self.state
                .members
                .insert(group.clone(), FxHashMap::default());
        }
        let Some(members) = self.state.members.get_mut(group) else {
            return;
        };
        if let Some(seen) = members.get_mut(host) {
            *seen = now;
        } else if members.len() >= self.settings.max_destinations {
            return;
        } else {
            members.insert(host.clone(), now);
        }
        let cap = self.settings.max_destinations;
        bound(&mut self.state.usage, cap, |users| {
            users.iter().map(|u| u.1).max().unwrap_or(0)
        });
        let users = self
            .state
            .usage
            .entry((group.clone(), dest.clone()))
            .or_default();
        remember(users, host, now, USERS_PER_DESTINATION);
        let org_cap = self.settings.org_common_hosts;
        if org_cap > 0 {
            bound(&mut self.state.org_usage, cap, |users| {
                users.iter().map(|u| u.1).max().unwrap_or(0)
            });
            let users = self.state.org_usage.entry(dest.clone()).or_default();
            remember(users, host, now, org_cap);
        }
    }

    /// Whether `dest` is used by many hosts of the organisation since `since`.
    fn org_wide(&self, dest: &Arc<str>, since: i64) -> bool {
        let n = self.settings.org_common_hosts;
        n > 0
            && self
                .state
                .org_usage
                .get(dest)
                .is_some_and(|u| u.iter().filter(|u| u.1 >= since).count() >= n)
    }

    /// Other members of `group` that used `dest` since `since`.
    fn other_users(&self, group: &Arc<str>, dest: &Arc<str>, host: &str, since: i64) -> usize {
        self.state
            .usage
            .get(&(group.clone(), dest.clone()))
            .map(|users| {
                users
                    .iter()
                    .filter(|u| &*u.0 != host && u.1 >= since)
                    .count()
            })
            .unwrap_or(0)
    }

    fn peers(&self, group: &Arc<str>, host: &str, since: i64) -> usize {
        self.state
            .members
            .get(group)
            .map(|m| {
                m.iter()
                    .filter(|(h, t)| &***h != host && **t >= since)
                    .count()
            })
            .unwrap_or(0)
    }

    /// Judges the uploads whose window closed by `now`.
    fn judge(&mut self, now: i64, out: &mut Vec<Finding>) {
        let window = self.window();
        let min_baseline = micros(self.settings.min_baseline);
        let watched = &self.state.watched_since;
        let due: Vec<(Arc<str>, Arc<str>)> = self
            .state
            .pending
            .iter()
            .filter(|(_, p)| {
                let since = watched.get(&p.group).copied().unwrap_or(p.first);
                let ready = p
                    .first
                    .saturating_add(window)
                    .max(since.saturating_add(min_baseline));
                ready <= now
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            if let Some(p) = self.state.pending.remove(&key) {
                if let Some(f) = self.verdict(&key.0, &key.1, p) {
                    self.state
                        .reported
                        .insert(key, f.timestamp.map(|t| t.0 / 1_000).unwrap_or(0));
                    out.push(f);
                }
            }
        }
    }

    fn verdict(&self, host: &Arc<str>, dest: &Arc<str>, p: Pending) -> Option<Finding> {
        let since = p.first.saturating_sub(self.baseline());
        if self.other_users(&p.group, dest, host, since) > 0 || self.org_wide(dest, since) {
            return None;
        }
        let peers = self.peers(&p.group, host, since);
        if peers < self.settings.min_peers {
            return None;
        }
        let volume = p.bytes.values().copied().max().unwrap_or(0);
        if volume < self.settings.min_bytes_out {
            return None;
        }
        // Compare out and in as one sensor saw them.
        let two_way = p.bytes.iter().any(|(sensor, out)| {
            let back = p.bytes_in.get(sensor).copied().unwrap_or(0);
            (*out as f64) < self.settings.min_out_in_ratio * back as f64
        });
        if two_way {
            return None;
        }
        let mut f = p.finding;
        let target = f
            .destination
            .as_ref()
            .map(|d| d.label())
            .unwrap_or_else(|| dest.to_string());
        let summary = format!(
            "{host} sent {} to {target} in {}; none of the {peers} other hosts of its peer group {} used it",
            human_bytes(volume),
            human_span(p.last - p.first),
            p.group
        );
        f.bytes_out = Some(volume);
        f.fields.insert("peer_group".into(), p.group.to_string());
        f.fields.insert("peers".into(), peers.to_string());
        f.fields
            .insert("peers_using_destination".into(), "0".into());
        f.fields.insert("destination_key".into(), dest.to_string());
        f.fields.insert("records".into(), p.records.to_string());
        if let Some(first) = f.evidence.first().cloned() {
            f.evidence.insert(0, Evidence { summary, ..first });
        }
        let mut risk = self.meta.risk;
        if volume >= self.settings.high_bytes_out {
            risk = risk.saturating_add(1);
        }
        if f.attack.iter().any(|t| t.starts_with("T1567.")) {
            risk = risk.saturating_add(1);
        }
        report::set_risk(&mut f, risk.min(10));
        Some(f)
    }

    fn expire(&mut self, now: i64) {
        let cut = now.saturating_sub(self.baseline());
        for m in self.state.members.values_mut() {
            m.retain(|_, t| *t >= cut);
        }
        self.state.members.retain(|_, m| !m.is_empty());
        let members = &self.state.members;
        self.state
            .watched_since
            .retain(|g, _| members.contains_key(g));
        for users in self.state.usage.values_mut() {
            users.retain(|u| u.1 >= cut);
        }
        self.state.usage.retain(|_, u| !u.is_empty());
        for users in self.state.org_usage.values_mut() {
            users.retain(|u| u.1 >= cut);
        }
        self.state.org_usage.retain(|_, u| !u.is_empty());
        self.state.reported.retain(|_, t| *t >= cut);
        self.state.last_expiry = now;
    }
}

/// Notes `host` among `users` (at most `cap`, the oldest replaced).
fn remember(users: &mut Vec<(Arc<str>, i64)>, host: &Arc<str>, now: i64, cap: usize) {
    // Hosts are shared copies: the pointer test settles nearly every comparison.
    if let Some(u) = users
        .iter_mut()
        .find(|u| Arc::ptr_eq(&u.0, host) || u.0 == *host)
    {
        u.1 = u.1.max(now);
    } else if users.len() < cap {
        users.push((host.clone(), now));
    } else if let Some(oldest) = users.iter_mut().min_by_key(|u| u.1) {
        *oldest = (host.clone(), now);
    }
}

/// The peer group a host belongs to under `s`.
fn peer_group(s: &Settings, host: &str, src: Option<IpAddr>) -> Option<String> {
    let name = short_host(host);
    let addr = name.parse::<IpAddr>().ok().or(src);
    if name.parse::<IpAddr>().is_err() {
        if let Some(g) = s
            .peer_groups
            .iter()
            .find(|g| g.hosts.iter().any(|p| glob_match(p, name)))
        {
            return Some(g.name.clone());
        }
        if s.name_stem {
            let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
            if stem.len() < name.len() {
                let stem = stem.trim_end_matches(['-', '_', '.']);
                if !stem.is_empty() {
                    return Some(stem.to_ascii_uppercase());
                }
            }
        }
    }
    subnet(addr?, s.subnet_v4_prefix, s.subnet_v6_prefix)
}

fn subnet(ip: IpAddr, v4: u8, v6: u8) -> Option<String> {
    match ip {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let p = v4.min(32);
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            Some(format!("{}/{p}", std::net::Ipv4Addr::from(bits & mask)))
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let p = v6.min(128);
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            Some(format!("{}/{p}", std::net::Ipv6Addr::from(bits & mask)))
        }
    }
}

impl StatefulAnalytic for CommunityDeviation {
    fn name(&self) -> &str {
        ID
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let _ = out;
        let Some(host) = view.host.clone() else {
            return;
        };
        let Some(flow) = view.flow.as_ref() else {
            return;
        };
        if view.kind == Kind::Dns || flow.internal || flow.dst_ip.is_some_and(is_private) {
            return;
        }
        let Some(dest) = view.destination_key().cloned() else {
            return;
        };
        let Some(group) = self.group_of(&host, flow.src_ip) else {
            return;
        };
        let now = view.micros();
        self.note_use(&group, &host, &dest, now);
        let Some((flow, bytes)) = outbound(view) else {
            return;
        };
        if bytes == 0
            || !is_byte_record(view.kind)
            || flow.service.as_ref().is_some_and(|s| s.sanctioned)
        {
            return;
        }
        let key = (host.clone(), dest.clone());
        if self.state.reported.contains_key(&key) {
            return;
        }
        let bytes_in = flow.bytes_in.unwrap_or(0);
        if let Some(p) = self.state.pending.get_mut(&key) {
            *p.bytes.entry(sensor(view).to_string()).or_default() += bytes;
            *p.bytes_in.entry(sensor(view).to_string()).or_default() += bytes_in;
            p.records += 1;
            p.last = p.last.max(now);
            if p.finding.evidence.len() < MAX_EVIDENCE {
                p.finding.evidence.push(Evidence::of(
                    view.ev,
                    format!(
                        "{} out to {}",
                        human_bytes(bytes),
                        flow.domain.as_deref().unwrap_or("?")
                    ),
                ));
            }
            return;
        }
        let since = now.saturating_sub(self.baseline());
        if self.other_users(&group, &dest, &host, since) > 0 {
            return;
        }
        let first = format!(
            "{} out to {}",
            human_bytes(bytes),
            flow.domain.as_deref().unwrap_or("?")
        );
        let finding = report::finding(ID, &self.meta, view, first);
        let cap = self.settings.max_destinations;
        bound(&mut self.state.pending, cap, |p| p.last);
        let mut sizes = BTreeMap::new();
        sizes.insert(sensor(view).to_string(), bytes);
        let mut sizes_in = BTreeMap::new();
        sizes_in.insert(sensor(view).to_string(), bytes_in);
        self.state.pending.insert(
            key,
            Pending {
                group,
                first: now,
                last: now,
                bytes: sizes,
                bytes_in: sizes_in,
                records: 1,
                finding,
            },
        );
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        if now.saturating_sub(self.last_sweep) < SWEEP_EVERY {
            return;
        }
        self.last_sweep = now;
        self.judge(now, out);
        if now - self.state.last_expiry > 3600 * SECOND {
            self.expire(now);
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.judge(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.state).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(s) = restore_state(ID, state)? {
            self.state = s;
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.state.members.values().map(|m| m.len()).sum::<usize>()
            + self.state.usage.len()
            + self.state.pending.len()
            + self.state.reported.len()
            + self.state.watched_since.len()
            + self.state.org_usage.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let c = crate::AnalyticsConfig::builtin().unwrap();
        c.section(ID).unwrap()
    }

    #[test]
    fn groups_by_glob_then_stem_then_subnet() {
        let s = settings();
        let ip: IpAddr = "10.20.129.24".parse().unwrap();
        assert_eq!(peer_group(&s, "srv-build-01", Some(ip)).unwrap(), "servers");
        assert_eq!(
            peer_group(&s, "WS-FIN-02.corp.example", Some(ip)).unwrap(),
            "WS-FIN"
        );
        assert_eq!(
            peer_group(&s, "alice-laptop", Some(ip)).unwrap(),
            "10.20.129.0/24"
        );
        assert_eq!(
            peer_group(&s, "10.20.129.24", None).unwrap(),
            "10.20.129.0/24"
        );
        assert_eq!(peer_group(&s, "alice-laptop", None), None);
    }
}
