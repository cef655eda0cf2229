//! Slack as the workstations use it: the morning sign-in, files shared and
//! downloaded, and now and then an approved app installed (Google Drive,
//! Jira, Zoom without a webhook; PagerDuty with one, which the policy
//! sanctions). It draws from its own random stream, so it leaves the rest
//! of the background as it was.

use crate::activity::{Slack, SlackEntity};
use crate::clock::{self, Micros, MIN};
use crate::scene::Scene;
use crate::world::Os;

pub const DESKTOP_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.41.105 Chrome/130.0.6723.191 Electron/33.2.1 Safari/537.36 Sonic";
pub const EDGE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

/// Apps the organisation approved: (id, name, scopes).
pub const APPROVED: &[(&str, &str, &[&str])] = &[
    (
        "A0F7XDUAZ",
        "Google Drive",
        &["files:read", "links:read", "links:write", "chat:write"],
    ),
    (
        "A2RPP3NFR",
        "Jira Cloud",
        &[
            "commands",
            "chat:write",
            "links:read",
            "links:write",
            "users:read",
        ],
    ),
    (
        "A5GE9BMQC",
        "Zoom",
        &["commands", "calls:write", "chat:write", "users:read"],
    ),
    (
        "A1FKYAUUX",
        "PagerDuty",
        &[
            "incoming-webhook",
            "commands",
            "chat:write",
            "channels:read",
        ],
    ),
];

/// The approved app with an incoming webhook (the policy sanctions it).
pub const SANCTIONED_WEBHOOK_APP: &str = "PagerDuty";

const FILES: &[&str] = &[
    "standup-notes.docx",
    "roadmap-q1.pdf",
    "design-review.pptx",
    "budget.xlsx",
    "screenshot.png",
];

pub fn hour(sc: &mut Scene, t0: Micros) {
    if clock::weekday(t0) >= 5 {
        return;
    }
    let hour = clock::hour_of(t0);
    for h in 0..sc.w.hosts.len() {
        if sc.w.hosts[h].os != Os::Windows {
            continue;
        }
        let (user, ip) = (sc.w.hosts[h].user, sc.w.hosts[h].ip.clone());
        let t = t0 + sc.rng.below(55 * MIN as u64) as i64;
        let (action, user_agent, entity) = match hour {
            8 if sc.rng.chance(0.85) => ("user_login", DESKTOP_UA, SlackEntity::User),
            9..=16 if sc.rng.chance(0.08) => {
                let action = *sc.rng.pick(&["file_shared", "file_downloaded"]);
                let id = format!("F0{}", sc.rng.base62(9).to_uppercase());
                let name = sc.rng.pick(FILES).to_string();
                (action, DESKTOP_UA, SlackEntity::File { id, name })
            }
            10..=15 if sc.rng.chance(0.01) => {
                let (id, name, scopes) = *sc.rng.pick(APPROVED);
                let channel = scopes
                    .contains(&"incoming-webhook")
                    .then(|| format!("C0{}", sc.rng.base62(9).to_uppercase()));
                let app = SlackEntity::App {
                    id: id.to_string(),
                    name,
                    scopes,
                    directory_approved: true,
                    channel,
                };
                ("app_installed", EDGE_UA, app)
            }
            _ => continue,
        };
        sc.slack(
            t,
            Slack {
                user,
                ip,
                user_agent,
                action,
                entity,
            },
        );
    }
}
