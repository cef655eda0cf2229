//! Benign background: what every host does every hour, so that stories hide
//! among uploads that look like them (sync clients, backups, git pushes,
//! video calls, sanctioned uploads, mail).

mod daily;
mod mail;
mod server;
pub mod slack;
mod workstation;

pub use workstation::{EDGE, REPOS};

use crate::activity::{Account, Proc};
use crate::clock::{self, Micros, DAY, HOUR};
use crate::scene::Scene;
use crate::world::Os;
use std::collections::HashMap;
use std::rc::Rc;

/// Records one background session writes on average (DNS and connection
/// each appear in 3 to 5 logs).
const RECORDS_PER_SESSION: f64 = 8.0;

/// Long-running processes of a host, started at the day's first use.
#[derive(Default)]
pub struct HostState {
    day: i64,
    procs: HashMap<&'static str, Rc<Proc>>,
}

pub struct Background {
    hosts: Vec<HostState>,
    /// Sessions per host per day.
    rate: f64,
}

/// How busy a host is in this hour, relative to a working hour.
fn weight(os: Os, t: Micros) -> f64 {
    let h = clock::hour_of(t);
    let weekend = clock::weekday(t) >= 5;
    match os {
        Os::Windows if weekend => 0.03,
        Os::Windows => match h {
            8..=17 => 1.0,
            7 | 18 => 0.4,
            19..=22 => 0.08,
            _ => 0.02,
        },
        Os::Linux => {
            if (8..=18).contains(&h) && !weekend {
                1.0
            } else {
                0.5
            }
        }
    }
}

/// Sum of `weight` over a weekday, to spread a day's sessions over hours.
fn day_weight(os: Os) -> f64 {
    (0..24).map(|h| weight(os, h as i64 * HOUR)).sum()
}

impl Background {
    pub fn new(hosts: usize, events_per_host_day: u64) -> Background {
        Background {
            hosts: (0..hosts).map(|_| HostState::default()).collect(),
            rate: events_per_host_day as f64 / RECORDS_PER_SESSION,
        }
    }

    /// Pushes every host's activities in `[t0, t0 + 1 hour)`.
    pub fn hour(&mut self, sc: &mut Scene, t0: Micros) {
        let day = t0.div_euclid(DAY);
        for h in 0..self.hosts.len() {
            let os = sc.w.hosts[h].os;
            let state = &mut self.hosts[h];
            if state.day != day {
                state.day = day;
                state.procs.clear();
            }
            let expect = self.rate * weight(os, t0) / day_weight(os);
            let mut n = expect.floor() as u64;
            if sc.rng.chance(expect - n as f64) {
                n += 1;
            }
            let mut times: Vec<Micros> = (0..n)
                .map(|_| t0 + sc.rng.below(HOUR as u64 - 5_000_000) as i64)
                .collect();
            times.sort_unstable();
            daily::hour(sc, state, h, t0);
            for t in times {
                match os {
                    Os::Windows => workstation::session(sc, state, h, t),
                    Os::Linux => server::session(sc, state, h, t),
                }
            }
        }
        mail::inbound(sc, t0, self.hosts.len());
    }
}

impl HostState {
    /// A long-running app of the host's user (or the system), started on first use today.
    #[allow(clippy::too_many_arguments)]
    pub fn app(
        &mut self,
        sc: &mut Scene,
        host: usize,
        t: Micros,
        key: &'static str,
        image: &str,
        cmd: &str,
        system: bool,
    ) -> Rc<Proc> {
        if let Some(p) = self.procs.get(key) {
            return p.clone();
        }
        let account = if system {
            Account::System
        } else {
            Account::User(sc.w.hosts[host].user)
        };
        let p = sc.spawn(t - 2_000_000, host, account, image, cmd, None, None);
        self.procs.insert(key, p.clone());
        p
    }
}
