//! Names hosts whose own records carry no address of theirs: Linux servers
//! with a static address (auditd logs the remote end of a `connect`, never
//! the local one, and no DHCP lease names them). A host's connection to
//! `D:P` and a network sensor's flow from `S` to `D:P` starting within a
//! second of each other are the same connection, when no other host
//! connected there then: each connect and flow is matched at most once.
//! When an address has matched one host [`VOTES`] times, four times as
//! often as all other hosts together, it is that host's. An address that
//! matches several hosts alike (a NAT, a shared sensor address) is never
//! named.
//!
//! Zeek stamps a flow with its first packet; a firewall logs a session when
//! it ends, with its start time in the record. So a connect waits
//! [`HOLD`] for a firewall's record of it, and once matched it stays, taken
//! by the address it matched: a second sensor's record of the same
//! connection is known as such, never matched to another host.

use rustc_hash::FxHashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// How far apart (µs of event time) a connect and a flow's start may be:
/// both stamp the connection's first packet.
const WINDOW: i64 = 1_000_000;
/// How long (µs of event time) a connect waits for a flow record: a
/// firewall's comes when the session ends. Longer sessions are not matched.
const HOLD: i64 = 300_000_000;
/// Matches with one host that name an address (when four times as many
/// as with any others: a stray match does not block it).
pub const VOTES: u32 = 3;
/// Most destinations with connects or flows waiting for their other half,
/// and most addresses voted on; past it the table starts over.
const MAX_KEYS: usize = 65_536;
/// Most connects waiting at one destination (the oldest half goes past it).
const MAX_WAITING: usize = 8_192;
/// Most hosts an address may match before it is taken as shared.
const MAX_HOSTS: usize = 4;

type Dest = (IpAddr, u16);

/// A host's connection, and the address whose flow matched it.
struct Connect {
    host: Arc<str>,
    t: i64,
    taken: Option<IpAddr>,
}

#[derive(Default)]
pub struct AddressMatcher {
    /// Host connections without the host's address, by destination.
    connects: FxHashMap<Dest, Vec<Connect>>,
    /// Flows from addresses with no host name, by destination.
    flows: FxHashMap<Dest, Vec<(IpAddr, i64)>>,
    /// Address → the hosts it matched, with how often.
    votes: FxHashMap<IpAddr, Votes>,
}

#[derive(Default)]
struct Votes {
    hosts: Vec<(Arc<str>, u32)>,
    /// Matches with hosts past [`MAX_HOSTS`].
    others: u32,
    /// Reported already (an address is named once).
    named: bool,
}

impl AddressMatcher {
    /// A host connected to `dst` at `t` (its record has no source address).
    /// Returns an address it has now been shown to have.
    pub fn connect(&mut self, host: &Arc<str>, dst: Dest, t: i64) -> Option<(IpAddr, Arc<str>)> {
        let taken = self
            .flows
            .get_mut(&dst)
            .and_then(|waiting| take_only(waiting, t));
        let waiting = entry(&mut self.connects, dst);
        if waiting.len() >= MAX_WAITING {
            // A destination every host reaches at once: keep the newer half.
            waiting.drain(..MAX_WAITING / 2);
        }
        waiting.push(Connect {
            host: host.clone(),
            t,
            taken,
        });
        self.vote(taken?, host)
    }

    /// A flow from `src`, an address with no host name yet, to `dst`,
    /// starting at `t` (a firewall's record comes later, when the session
    /// ends). Returns an address it has now been shown to have.
    pub fn flow(&mut self, src: IpAddr, dst: Dest, t: i64) -> Option<(IpAddr, Arc<str>)> {
        let mut host = None;
        if let Some(waiting) = self.connects.get_mut(&dst) {
            // Connects arrive in time order: look at those near `t` only.
            let from = waiting.partition_point(|c| c.t < t - WINDOW);
            let to = from
                + waiting[from..]
                    .iter()
                    .take_while(|c| c.t <= t + WINDOW)
                    .count();
            let near = &mut waiting[from..to];
            // Another sensor's record of a connection already matched.
            if near.iter().any(|c| c.taken == Some(src)) {
                return None;
            }
            let mut open = near.iter_mut().filter(|c| c.taken.is_none());
            if let Some(first) = open.next() {
                if open.all(|c| c.host == first.host) {
                    first.taken = Some(src);
                    host = Some(first.host.clone());
                }
            }
        }
        match host {
            Some(h) => self.vote(src, &h),
            None => {
                push(&mut self.flows, dst, (src, t));
                None
            }
        }
    }

    /// Drops connects and flows too old to match anything after `now`.
    pub fn expire(&mut self, now: i64) {
        self.connects.retain(|_, v| {
            let old = v.partition_point(|c| now - c.t > HOLD);
            v.drain(..old);
            !v.is_empty()
        });
        self.flows.retain(|_, v| {
            v.retain(|(_, t)| now - t <= WINDOW);
            !v.is_empty()
        });
    }

    pub fn len(&self) -> usize {
        self.connects.len() + self.flows.len() + self.votes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One more match of `ip` with `host`; the pair once it is settled.
    fn vote(&mut self, ip: IpAddr, host: &Arc<str>) -> Option<(IpAddr, Arc<str>)> {
        if self.votes.len() >= MAX_KEYS && !self.votes.contains_key(&ip) {
            self.votes.clear();
        }
        let v = self.votes.entry(ip).or_default();
        let full = v.hosts.len() >= MAX_HOSTS;
        match v.hosts.iter_mut().find(|(h, _)| h == host) {
            Some((_, n)) => *n += 1,
            None if !full => v.hosts.push((host.clone(), 1)),
            None => v.others += 1,
        }
        if v.named {
            return None;
        }
        let all: u32 = v.others + v.hosts.iter().map(|(_, n)| n).sum::<u32>();
        let (leader, n) = v.hosts.iter().max_by_key(|(_, n)| *n)?;
        if *n >= VOTES && (all - n) * 4 <= *n {
            v.named = true;
            return Some((ip, leader.clone()));
        }
        None
    }
}

/// Takes the flow within [`WINDOW`] of `t`, when one address alone is
/// there (older flows are dropped on the way: connects come in time order).
fn take_only(flows: &mut Vec<(IpAddr, i64)>, t: i64) -> Option<IpAddr> {
    flows.retain(|(_, ft)| t - ft <= WINDOW);
    let mut near = flows
        .iter()
        .enumerate()
        .filter(|(_, (_, ft))| (ft - t).abs() <= WINDOW);
    let (i, (first, _)) = near.next()?;
    let first = *first;
    if near.any(|(_, (ip, _))| *ip != first) {
        return None;
    }
    flows.remove(i);
    Some(first)
}

fn push<V>(map: &mut FxHashMap<Dest, Vec<V>>, dst: Dest, v: V) {
    entry(map, dst).push(v);
}

/// `dst`'s list in `map`, which starts over past [`MAX_KEYS`] destinations.
fn entry<V>(map: &mut FxHashMap<Dest, Vec<V>>, dst: Dest) -> &mut Vec<V> {
    if map.len() >= MAX_KEYS && !map.contains_key(&dst) {
        map.clear();
    }
    map.entry(dst).or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GITHUB: Dest = (IpAddr::V4(std::net::Ipv4Addr::new(140, 82, 121, 4)), 443);
    const S3: Dest = (IpAddr::V4(std::net::Ipv4Addr::new(52, 216, 8, 10)), 443);

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_is_named_after_matching_one_host_three_times_in_either_order() {
        let mut m = AddressMatcher::default();
        let srv: Arc<str> = Arc::from("srv-build-01");
        // connect first, the sensor's flow 20 ms later
        assert_eq!(m.connect(&srv, GITHUB, 1_000_000), None);
        assert_eq!(m.flow(ip("10.20.1.17"), GITHUB, 1_020_000), None);
        // flow first this time
        assert_eq!(m.flow(ip("10.20.1.17"), S3, 60_000_000), None);
        assert_eq!(m.connect(&srv, S3, 60_010_000), None);
        let third = m.flow(ip("10.20.1.17"), GITHUB, 120_000_000);
        assert_eq!(third, None, "no connect waits for this flow");
        assert_eq!(
            m.connect(&srv, GITHUB, 120_300_000),
            Some((ip("10.20.1.17"), srv.clone()))
        );
        // settled once: a fourth match does not report it again
        m.flow(ip("10.20.1.17"), S3, 180_000_000);
        assert_eq!(m.connect(&srv, S3, 180_000_000), None);
    }

    #[test]
    fn connections_seconds_apart_or_ambiguous_do_not_match() {
        let mut m = AddressMatcher::default();
        let a: Arc<str> = Arc::from("srv-a");
        let b: Arc<str> = Arc::from("srv-b");
        for k in 0..5 {
            let t = k * 60_000_000;
            // two servers reach the same destination at once: the flow
            // could be either's
            m.connect(&a, GITHUB, t);
            m.connect(&b, GITHUB, t + 10_000);
            assert_eq!(m.flow(ip("10.20.1.13"), GITHUB, t + 20_000), None);
            // a flow 3 s after a connect is another connection
            m.connect(&a, S3, t + 10_000_000);
            assert_eq!(m.flow(ip("10.20.1.13"), S3, t + 13_000_000), None);
        }
        assert!(m.votes.is_empty(), "{:?}", m.votes.keys());
    }

    #[test]
    fn a_matched_connect_is_not_matched_again() {
        let mut m = AddressMatcher::default();
        let a: Arc<str> = Arc::from("srv-a");
        let b: Arc<str> = Arc::from("srv-b");
        for k in 0..VOTES as i64 {
            let t = k * 60_000_000;
            // each server's connect meets its own flow, 300 ms apart
            m.connect(&a, GITHUB, t);
            let first = m.flow(ip("10.20.1.13"), GITHUB, t + 20_000);
            m.connect(&b, GITHUB, t + 300_000);
            let second = m.flow(ip("10.20.1.17"), GITHUB, t + 320_000);
            if k + 1 == VOTES as i64 {
                assert_eq!(first, Some((ip("10.20.1.13"), a.clone())));
                assert_eq!(second, Some((ip("10.20.1.17"), b.clone())));
            } else {
                assert_eq!((first, second), (None, None));
            }
        }
    }

    #[test]
    fn an_address_that_matches_two_hosts_alike_is_never_named() {
        let mut m = AddressMatcher::default();
        let a: Arc<str> = Arc::from("srv-a");
        let b: Arc<str> = Arc::from("srv-b");
        let nat = ip("192.0.2.1");
        for k in 0..20 {
            let t = k * 60_000_000;
            let host = if k % 2 == 0 { &a } else { &b };
            m.connect(host, GITHUB, t);
            assert_eq!(m.flow(nat, GITHUB, t + 10), None);
        }
    }

    #[test]
    fn a_stray_match_does_not_block_a_name() {
        let mut m = AddressMatcher::default();
        let a: Arc<str> = Arc::from("srv-a");
        let b: Arc<str> = Arc::from("srv-b");
        let addr = ip("10.20.1.13");
        m.connect(&b, S3, 0);
        m.flow(addr, S3, 10);
        let mut named = None;
        for k in 1..=4 {
            let t = k * 60_000_000;
            m.connect(&a, GITHUB, t);
            named = named.or(m.flow(addr, GITHUB, t + 10));
        }
        assert_eq!(named, Some((addr, a)));
    }

    #[test]
    fn waiting_halves_expire() {
        let mut m = AddressMatcher::default();
        let a: Arc<str> = Arc::from("srv-a");
        m.connect(&a, GITHUB, 0);
        m.flow(ip("10.20.1.13"), S3, 0);
        m.expire(500_000);
        assert_eq!(m.len(), 2);
        // A flow's half goes after a second; a connect waits for a
        // firewall's record of it.
        m.expire(5_000_000);
        assert_eq!(m.len(), 1);
        m.expire(HOLD + 1);
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn a_firewall_record_at_the_session_end_matches_by_its_start() {
        let mut m = AddressMatcher::default();
        let srv: Arc<str> = Arc::from("srv-web-01");
        let mut named = None;
        for k in 0..VOTES as i64 {
            let t = k * 60_000_000;
            assert_eq!(m.connect(&srv, S3, t + 880_000), None);
            // other connects reach the table before the session ends
            m.connect(&srv, GITHUB, t + 5_000_000);
            m.expire(t + 9_000_000);
            // logged 10 s later, its start time cut to the second
            named = named.or(m.flow(ip("10.20.1.17"), S3, t));
        }
        assert_eq!(named, Some((ip("10.20.1.17"), srv)));
    }

    #[test]
    fn a_destination_every_host_reaches_keeps_a_bounded_wait() {
        let mut m = AddressMatcher::default();
        let a: Arc<str> = Arc::from("srv-a");
        for k in 0..(MAX_WAITING as i64 * 3) {
            m.connect(&a, S3, k * 10_000);
        }
        assert!(m.connects[&S3].len() <= MAX_WAITING);
        // the newest are still there to match
        let last = (MAX_WAITING as i64 * 3 - 1) * 10_000;
        m.flow(ip("10.20.1.13"), S3, last);
        assert_eq!(m.votes[&ip("10.20.1.13")].hosts, vec![(a, 1)]);
    }

    #[test]
    fn two_sensors_reporting_one_connection_count_it_once() {
        let mut m = AddressMatcher::default();
        let a: Arc<str> = Arc::from("srv-a");
        let b: Arc<str> = Arc::from("srv-b");
        for k in 0..10 {
            let t = k * 60_000_000;
            // Zeek sees a's connection; b's, 900 ms later, only the firewall
            m.connect(&a, GITHUB, t);
            m.flow(ip("10.20.1.13"), GITHUB, t + 10_000);
            m.connect(&b, GITHUB, t + 900_000);
            // the firewall's records of both when the sessions end, their
            // start times cut to the second: a's is not b's
            m.flow(ip("10.20.1.13"), GITHUB, t);
            m.flow(ip("10.20.1.17"), GITHUB, t);
        }
        let hosts = |ip: IpAddr| m.votes[&ip].hosts.clone();
        assert_eq!(hosts(ip("10.20.1.13")), vec![(a, 10)]);
        assert_eq!(hosts(ip("10.20.1.17")), vec![(b, 10)]);
    }
}
