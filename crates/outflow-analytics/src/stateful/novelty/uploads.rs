//! The uploads that follow a new item: flows with bytes out from the same
//! host (by address or host key) to the same destination (by key or
//! address), within a window after the item opened. One connection shows
//! in several sources (Zeek, firewall, proxy), so bytes are summed per
//! source and the largest sum is taken, never the sum over sources.

use crate::report::human_bytes;
use crate::view::Flow;
use outflow_detect::{Evidence, Finding};
use outflow_event::{Origin, Timestamp};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

/// One flow with bytes out, as the join keeps it.
#[derive(Clone, Debug)]
pub struct FlowRec {
    pub t: i64,
    pub host: Option<Arc<str>>,
    pub src_ip: Option<IpAddr>,
    pub dst_ip: Option<IpAddr>,
    pub dst_port: Option<u16>,
    pub dest: Option<Arc<str>>,
    /// The source format (`zeek-tsv`, `panos`, ...): bytes add up within one.
    pub source: &'static str,
    pub bytes_out: u64,
    pub bytes_in: u64,
    /// The destination's name, for the evidence line.
    pub domain: Option<Arc<str>>,
    pub time: Option<Timestamp>,
    pub origin: Origin,
}

impl FlowRec {
    /// The record as evidence (written only when a candidate keeps it).
    pub fn evidence(&self) -> Evidence {
        let to = match (&self.domain, self.dst_ip) {
            (Some(d), _) => d.to_string(),
            (None, Some(ip)) => ip.to_string(),
            (None, None) => String::new(),
        };
        Evidence {
            time: self.time,
            source: self.source.to_string(),
            origin: self.origin.clone(),
            summary: format!("{} bytes out to {to}", self.bytes_out),
        }
    }
}

/// An item waiting for its upload window to close.
#[derive(Debug)]
pub struct Candidate<T> {
    pub opened: i64,
    pub until: i64,
    pub host: Arc<str>,
    pub src_ip: Option<IpAddr>,
    pub dst_ips: Vec<IpAddr>,
    pub dst_port: Option<u16>,
    pub dest: Option<Arc<str>>,
    /// (source, bytes out, bytes in) summed per source format.
    bytes: Vec<(&'static str, u64, u64)>,
    pub evidence: Vec<Evidence>,
    /// What the analytic reports when the window closes.
    pub data: T,
}

/// Most destination addresses one candidate collects.
const MAX_ADDRS: usize = 16;
/// Most flow records a candidate keeps as evidence.
const MAX_EVIDENCE: usize = 6;

impl<T> Candidate<T> {
    /// A candidate for `host` opened at `opened` by a record of `flow`,
    /// joining flows to `dest` (or the flow's address) for `window`.
    pub fn new(
        opened: i64,
        window: i64,
        host: Arc<str>,
        flow: &Flow,
        dest: Option<Arc<str>>,
        data: T,
    ) -> Self {
        Candidate {
            opened,
            until: opened.saturating_add(window),
            host,
            src_ip: flow.src_ip,
            dst_ips: flow.dst_ip.into_iter().collect(),
            dst_port: flow.dst_port,
            dest,
            bytes: Vec::new(),
            evidence: Vec::new(),
            data,
        }
    }

    /// Bytes out of the item's upload: the largest per-source sum.
    pub fn bytes_out(&self) -> u64 {
        self.bytes.iter().map(|(_, o, _)| *o).max().unwrap_or(0)
    }

    /// Bytes in, from the source that saw the most bytes out.
    pub fn bytes_in(&self) -> u64 {
        self.bytes
            .iter()
            .max_by_key(|(_, o, _)| *o)
            .map(|(_, _, i)| *i)
            .unwrap_or(0)
    }

    /// An upload: at least `floor` bytes out, and at least `ratio` times
    /// the bytes that came back (a video call sends as much as it receives).
    pub fn is_upload(&self, floor: u64, ratio: f64) -> bool {
        let out = self.bytes_out();
        out >= floor && out as f64 >= ratio * self.bytes_in() as f64
    }

    fn matches(&mut self, r: &FlowRec, slack: i64, adopt: i64) -> bool {
        if r.t < self.opened.saturating_sub(slack) || r.t > self.until {
            return false;
        }
        let to_addr = r.dst_ip.is_some_and(|ip| self.dst_ips.contains(&ip));
        let to_dest = self.dest.is_some() && r.dest == self.dest;
        if !(to_addr || to_dest) {
            return false;
        }
        let same_host = r.host.as_ref() == Some(&self.host);
        let same_addr = self.src_ip.is_some() && r.src_ip == self.src_ip;
        if same_host || same_addr {
            return true;
        }
        // A host that logs no source address (auditd connect): the flow to
        // the same address and port within the slack of the connection is its
        // own; its source address then identifies the host's later flows.
        if self.src_ip.is_none()
            && to_addr
            && r.dst_port == self.dst_port
            && (r.t - self.opened).abs() <= adopt
        {
            self.src_ip = r.src_ip;
            return r.src_ip.is_some();
        }
        false
    }

    fn add(&mut self, r: &FlowRec) {
        match self.bytes.iter_mut().find(|(s, _, _)| *s == r.source) {
            Some((_, o, i)) => {
                *o = o.saturating_add(r.bytes_out);
                *i = i.saturating_add(r.bytes_in);
            }
            None => self.bytes.push((r.source, r.bytes_out, r.bytes_in)),
        }
        if let Some(ip) = r.dst_ip {
            if !self.dst_ips.contains(&ip) && self.dst_ips.len() < MAX_ADDRS {
                self.dst_ips.push(ip);
            }
        }
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(r.evidence());
        }
    }
}

impl<T> Candidate<T> {
    /// The candidate's bytes out when it is an upload (`floor` and `ratio`
    /// of [`Candidate::is_upload`]) to a destination not yet reported for
    /// its host; records the pair in `reported` (cleared past `max`).
    pub fn first_upload(
        &self,
        reported: &mut FxHashSet<(Arc<str>, Arc<str>)>,
        floor: u64,
        ratio: f64,
        max: usize,
    ) -> Option<u64> {
        let item = (self.host.clone(), self.dest.clone()?);
        if !self.is_upload(floor, ratio) || reported.contains(&item) {
            return None;
        }
        if reported.len() >= max {
            reported.clear();
        }
        reported.insert(item);
        Some(self.bytes_out())
    }
}

/// Completes a destination alert with the upload that followed: bytes,
/// the host key, and the window's flows as evidence after the first
/// record, in time order.
pub fn add_upload(f: &mut Finding, host: &str, bytes: u64, flows: Vec<Evidence>) {
    f.bytes_out = Some(bytes);
    f.fields.insert("host_key".into(), host.to_string());
    f.fields
        .insert("bytes_out_in_window".into(), bytes.to_string());
    if let Some(e) = f.evidence.first_mut() {
        e.summary.push_str(&format!(
            "; {} sent out within the window",
            human_bytes(bytes)
        ));
    }
    f.evidence.extend(flows);
    super::sort_evidence(&mut f.evidence);
}

/// Open candidates and the recent flows they may join, bounded.
pub struct UploadJoin<T> {
    slack: i64,
    /// How close in time a flow without a known source must be to the
    /// connection to be taken as its own.
    adopt: i64,
    max_open: usize,
    max_recent: usize,
    /// Shared with the other joins that saw the same view.
    recent: VecDeque<Arc<FlowRec>>,
    open: FxHashMap<u64, Candidate<T>>,
    next_id: u64,
}

impl<T> UploadJoin<T> {
    pub fn new(slack: i64, adopt: i64, max_open: usize) -> Self {
        UploadJoin {
            slack,
            adopt: adopt.min(slack),
            max_open: max_open.max(1),
            max_recent: 100_000,
            recent: VecDeque::new(),
            open: FxHashMap::default(),
            next_id: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.open.len() + self.recent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The open candidates (to add addresses the item reached since).
    pub fn open_mut(&mut self) -> impl Iterator<Item = &mut Candidate<T>> {
        self.open.values_mut()
    }

    /// Whether an open candidate already stands for this activity: same
    /// destination key, and the same host (by key or address), or — for a
    /// record without a source address — the same destination address
    /// within the slack (auditd and Zeek records of one connection).
    pub fn covers(
        &self,
        host: &Arc<str>,
        src_ip: Option<IpAddr>,
        dest: &Option<Arc<str>>,
        dst_ip: Option<IpAddr>,
        t: i64,
    ) -> bool {
        self.open.values().any(|c| {
            &c.dest == dest
                && (&c.host == host
                    || (src_ip.is_some() && c.src_ip == src_ip)
                    || (dst_ip.is_some_and(|ip| c.dst_ips.contains(&ip))
                        && (t - c.opened).abs() <= self.adopt))
        })
    }

    /// Adds a destination address to a candidate (more addresses of the
    /// same destination reached while its window is open).
    pub fn add_addr(c: &mut Candidate<T>, ip: IpAddr) {
        if !c.dst_ips.contains(&ip) && c.dst_ips.len() < MAX_ADDRS {
            c.dst_ips.push(ip);
        }
    }

    /// Opens a candidate; flows of the last `slack` join it at once. Past
    /// the bound, the candidate closing first is returned to be reported now.
    pub fn open(&mut self, mut c: Candidate<T>) -> Option<Candidate<T>> {
        for r in &self.recent {
            if c.matches(r, self.slack, self.adopt) {
                c.add(r);
            }
        }
        let evicted = if self.open.len() >= self.max_open {
            let first = self
                .open
                .iter()
                .min_by_key(|(id, c)| (c.until, **id))
                .map(|(id, _)| *id);
            first.and_then(|id| self.open.remove(&id))
        } else {
            None
        };
        self.open.insert(self.next_id, c);
        self.next_id += 1;
        evicted
    }

    /// A flow with bytes out: it joins the open candidates it matches and
    /// is kept for candidates opened within the slack.
    pub fn observe(&mut self, r: Arc<FlowRec>) {
        let (slack, adopt) = (self.slack, self.adopt);
        for c in self.open.values_mut() {
            if c.matches(&r, slack, adopt) {
                c.add(&r);
            }
        }
        if self.recent.len() >= self.max_recent {
            self.recent.pop_front();
        }
        self.recent.push_back(r);
    }

    /// Candidates whose window closed before `now`, oldest first; recent
    /// flows older than the slack are dropped.
    pub fn due(&mut self, now: i64) -> Vec<Candidate<T>> {
        while self
            .recent
            .front()
            .is_some_and(|r| r.t < now.saturating_sub(self.slack))
        {
            self.recent.pop_front();
        }
        self.take(|c| c.until < now)
    }

    /// Every open candidate (end of input).
    pub fn drain(&mut self) -> Vec<Candidate<T>> {
        self.recent.clear();
        self.take(|_| true)
    }

    fn take(&mut self, pred: impl Fn(&Candidate<T>) -> bool) -> Vec<Candidate<T>> {
        let mut ids: Vec<(i64, u64)> = self
            .open
            .iter()
            .filter(|(_, c)| pred(c))
            .map(|(id, c)| (c.opened, *id))
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|(_, id)| self.open.remove(&id))
            .collect()
    }
}
