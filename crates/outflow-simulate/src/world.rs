//! The organisation: users, hosts and their addresses, built from the seed.

use crate::rng::Rng;

pub const DOMAIN: &str = "corp.example";
pub const NETBIOS: &str = "CORP";
pub const TENANT: &str = "corpexample";
pub const ORG_ID: &str = "4f0a6c1e-2b7d-4c55-9a3e-1d2f3a4b5c6d";
pub const GITHUB_ORG: &str = "corp-example";
pub const AWS_ACCOUNT: &str = "418273645910";
/// The organisation's own buckets (sanctioned destinations).
pub const BACKUP_BUCKET: &str = "corp-example-backups";
pub const ARTIFACT_BUCKET: &str = "corp-example-artifacts";
/// Public address the firewall translates outbound traffic to.
pub const NAT_IP: &str = "198.51.100.7";
pub const PROXY_IP: &str = "10.20.0.5";
pub const DOMAIN_SID: &str = "S-1-5-21-1004336348-1177238915-682003330";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Staff,
    Developer,
    Admin,
}

#[derive(Clone, Debug)]
pub struct User {
    /// Logon name: first initial and last name (`akim`).
    pub sam: String,
    pub display: String,
    pub role: Role,
    pub rid: u32,
    pub uid: u32,
}

impl User {
    pub fn email(&self) -> String {
        format!("{}@{DOMAIN}", self.sam)
    }
    pub fn github(&self) -> String {
        format!("{}-corp", self.sam)
    }
    pub fn sid(&self) -> String {
        format!("{DOMAIN_SID}-{}", self.rid)
    }
    pub fn aws(&self) -> String {
        format!("{}-cli", self.sam)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Windows,
    Linux,
}

/// Which network sensor and web proxy see a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// Zeek TSV (conn, dns, http, ssl, files) and the ProxySG (W3C).
    Hq,
    /// A Zeek sensor writing JSON conn logs, and Squid.
    Branch,
}

#[derive(Clone, Debug)]
pub struct Host {
    pub name: String,
    pub ip: String,
    pub os: Os,
    pub site: Site,
    /// The user who works on it (workstation owner or server operator).
    pub user: usize,
    pub role: &'static str,
}

impl Host {
    pub fn fqdn(&self) -> String {
        format!("{}.{DOMAIN}", self.name)
    }
    pub fn resolver(&self) -> &'static str {
        match self.site {
            Site::Hq => "10.20.0.2",
            Site::Branch => "10.20.128.2",
        }
    }
}

pub struct World {
    pub users: Vec<User>,
    pub hosts: Vec<Host>,
}

const FIRST: [&str; 40] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "karl",
    "laura", "mallory", "nina", "oscar", "peggy", "quinn", "rupert", "sybil", "trent", "uma",
    "victor", "wendy", "xavier", "yara", "zoe", "amir", "bea", "chen", "dana", "emil", "fatima",
    "goran", "hana", "ines", "jonas", "kenji", "lena", "mateo", "noor",
];
const LAST: [&str; 32] = [
    "kim", "morales", "smith", "novak", "okafor", "berg", "tanaka", "rossi", "dubois", "silva",
    "nguyen", "khan", "weber", "larsen", "costa", "ivanova", "walsh", "moreau", "haddad", "lopez",
    "fischer", "sato", "brennan", "quist", "park", "reyes", "olsen", "adler", "banks", "cho",
    "diaz", "evans",
];
const DEPTS: [&str; 6] = ["FIN", "HR", "OPS", "SAL", "LEG", "MKT"];
const SERVER_ROLES: [&str; 6] = ["build", "web", "db", "app", "git", "batch"];

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

impl World {
    pub fn build(seed: u64, hosts: usize) -> World {
        let mut rng = Rng::derive(seed, "world");
        let hosts = hosts.max(1);
        let n_linux = if hosts >= 2 { (hosts / 4).max(1) } else { 0 };
        let n_win = hosts - n_linux;
        let n_admin = (n_win / 10).max(1).min(n_win);
        let n_dev = (n_win / 5)
            .max(1)
            .min(n_win - n_admin.min(n_win.saturating_sub(1)));
        let mut users: Vec<User> = Vec::with_capacity(n_win);
        let mut taken = std::collections::HashSet::new();
        for i in 0..n_win {
            let first = rng.pick(&FIRST).to_string();
            let last = rng.pick(&LAST).to_string();
            let mut sam = format!("{}{}", &first[..1], last);
            let mut k = 2;
            while !taken.insert(sam.clone()) {
                sam = format!("{}{}{k}", &first[..1], last);
                k += 1;
            }
            let role = if i < n_admin {
                Role::Admin
            } else if i < n_admin + n_dev {
                Role::Developer
            } else {
                Role::Staff
            };
            users.push(User {
                sam,
                display: format!("{} {}", capitalize(&first), capitalize(&last)),
                role,
                rid: 1104 + i as u32 * 3,
                uid: 1001 + i as u32,
            });
        }
        let mut out = Vec::with_capacity(hosts);
        let mut dept_n = [0u32; 7];
        let mut srv_n = [0u32; 6];
        for i in 0..hosts {
            let linux = i % 4 == 3
                && out.iter().filter(|h: &&Host| h.os == Os::Linux).count() < n_linux
                || (i + 1 == hosts
                    && out.iter().filter(|h: &&Host| h.os == Os::Linux).count() < n_linux);
            let site = if i % 3 == 2 { Site::Branch } else { Site::Hq };
            let octet = |base: u32| {
                let n = i as u32;
                format!("10.20.{}.{}", base + n / 240, 10 + n % 240)
            };
            let ip = match site {
                Site::Hq => octet(1),
                Site::Branch => octet(129),
            };
            if linux {
                let r = rng.below(SERVER_ROLES.len() as u64) as usize;
                srv_n[r] += 1;
                // Servers are run by admins and developers.
                let ops: Vec<usize> = (0..users.len())
                    .filter(|&u| users[u].role != Role::Staff)
                    .collect();
                let user = if ops.is_empty() { 0 } else { *rng.pick(&ops) };
                out.push(Host {
                    name: format!("srv-{}-{:02}", SERVER_ROLES[r], srv_n[r]),
                    ip,
                    os: Os::Linux,
                    site,
                    user,
                    role: SERVER_ROLES[r],
                });
            } else {
                let user = out.iter().filter(|h| h.os == Os::Windows).count();
                let user = user.min(users.len().saturating_sub(1));
                let d = match users.get(user).map(|u| u.role) {
                    Some(Role::Developer) => 6,
                    Some(Role::Admin) => 2,
                    _ => rng.below(DEPTS.len() as u64) as usize,
                };
                dept_n[d] += 1;
                let dept = if d == 6 { "ENG" } else { DEPTS[d] };
                out.push(Host {
                    name: format!("WS-{dept}-{:02}", dept_n[d]),
                    ip,
                    os: Os::Windows,
                    site,
                    user,
                    role: "workstation",
                });
            }
        }
        World { users, hosts: out }
    }

    pub fn user_of(&self, host: usize) -> &User {
        &self.users[self.hosts[host].user]
    }

    pub fn hosts_where(&self, f: impl Fn(&Host, &User) -> bool) -> Vec<usize> {
        (0..self.hosts.len())
            .filter(|&h| f(&self.hosts[h], &self.users[self.hosts[h].user]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_world_has_both_systems_and_roles() {
        let w = World::build(1, 5);
        assert_eq!(w.hosts.len(), 5);
        assert!(w.hosts.iter().any(|h| h.os == Os::Linux));
        assert!(w.hosts.iter().any(|h| h.os == Os::Windows));
        assert!(w.users.iter().any(|u| u.role == Role::Admin));
        assert!(w.users.iter().any(|u| u.role == Role::Developer));
        assert!(w.hosts.iter().any(|h| h.site == Site::Branch));
        let one = World::build(1, 1);
        assert_eq!(one.hosts[0].os, Os::Windows);
    }
}
