//! A Linux server's hour: cron jobs, package updates, monitoring agents,
//! CI fetching and pushing to the organisation's GitHub.

use super::HostState;
use crate::activity::{Account, Gh, Http};
use crate::clock::{Micros, SEC};
use crate::scene::Scene;
use crate::world::GITHUB_ORG;

const CRON: [(&str, &str); 8] = [
    ("/usr/bin/systemctl", "systemctl is-active nginx"),
    (
        "/usr/sbin/logrotate",
        "/usr/sbin/logrotate /etc/logrotate.conf",
    ),
    (
        "/usr/bin/python3",
        "python3 /opt/app/jobs/reconcile.py --since 1h",
    ),
    ("/usr/bin/grep", "grep -c ERROR /var/log/app/app.log"),
    ("/usr/bin/find", "find /tmp -mtime +7 -delete"),
    ("/usr/bin/df", "df -h /"),
    ("/usr/bin/ls", "ls -la /srv/data"),
    ("/usr/bin/tar", "tar czf /var/backups/etc.tgz /etc"),
];

pub fn session(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let user = sc.w.hosts[h].user;
    match sc.rng.below(100) {
        0..=44 => {
            let (image, cmd) = *sc.rng.pick(&CRON);
            let account = if sc.rng.chance(0.5) {
                Account::System
            } else {
                Account::User(user)
            };
            sc.spawn(t, h, account, image, cmd, None, None);
        }
        45..=54 => {
            let p = sc.spawn(
                t,
                h,
                Account::System,
                "/usr/bin/apt-get",
                "apt-get update -qq",
                None,
                None,
            );
            let s = sc.resolve(t + 100_000, h, Some(&p), "deb.debian.org");
            let mut s80 = s.clone();
            s80.port = 80;
            let http = Http {
                method: "GET",
                path: "/debian/dists/bookworm/InRelease".into(),
                user_agent: "Debian APT-HTTP/1.3 (2.6.1)".into(),
                content_type: "text/plain",
                upload_name: None,
            };
            let inb = sc.rng.range(150_000, 3_000_000);
            sc.connect(
                t + 200_000,
                h,
                Some(&p),
                &s80,
                600,
                inb,
                2 * SEC,
                Some(http),
            );
        }
        55..=84 => {
            let p = st.app(
                sc,
                h,
                t,
                "datadog",
                "/opt/datadog-agent/bin/agent/agent",
                "/opt/datadog-agent/bin/agent/agent run -p /opt/datadog-agent/run/agent.pid",
                true,
            );
            let s = sc.resolve(t, h, Some(&p), "intake.datadoghq.com");
            let out = sc.rng.range(40_000, 600_000);
            sc.connect(t + 50_000, h, Some(&p), &s, out, 2000, 3 * SEC, None);
        }
        _ => {
            let repo = *sc.rng.pick(&super::workstation::REPOS);
            let push = sc.w.hosts[h].role == "build" && sc.rng.chance(0.3);
            let cmd = if push {
                format!(
                    "git -C /srv/ci/{repo} push origin refs/tags/build-{}",
                    t / SEC % 100_000
                )
            } else {
                format!("git -C /srv/ci/{repo} fetch --prune origin")
            };
            let p = sc.spawn(t, h, Account::User(user), "/usr/bin/git", &cmd, None, None);
            let s = sc.resolve(t + 100_000, h, Some(&p), "github.com");
            let (out, inb) = if push {
                (sc.rng.range(5000, 300_000), 8000)
            } else {
                (3000, sc.rng.range(20_000, 3 << 20))
            };
            sc.connect(t + 300_000, h, Some(&p), &s, out, inb, 3 * SEC, None);
            sc.gh(
                t + SEC,
                Gh {
                    user,
                    ip: sc.w.hosts[h].ip.clone(),
                    action: if push { "git.push" } else { "git.fetch" },
                    repo: format!("{GITHUB_ORG}/{repo}"),
                    hook_url: None,
                    visibility: None,
                },
            );
        }
    }
}
