//! Exfiltration stories, each labelled in the ground truth: one module per
//! family. A story picks its host, user, time and sizes from the seed, then
//! acts through the same [`Scene`] as the background, so its records sit
//! among benign ones in every log that would see them.

mod cloud_tools;
mod code_repo;
mod email;
mod file_drop;
mod paste;
mod saas;
mod slack_app;
mod slow_low;
mod staging;
mod travel;
mod tunnels;
mod webhooks;

use crate::activity::{Account, Proc, Queue};
use crate::clock::{self, Micros, DAY, HOUR, MIN};
use crate::rng::Rng;
use crate::scene::Scene;
use crate::world::{Os, Role, World};
use std::rc::Rc;

/// What the ground truth says about a story (times and bytes come from what it did).
#[derive(Clone, Debug)]
pub struct Meta {
    pub title: String,
    pub technique: &'static str,
    pub tool: &'static str,
    pub family: &'static str,
    pub hosts: Vec<usize>,
    pub user: Option<usize>,
    pub destination: String,
    pub service: &'static str,
}

/// A story as planned: its label and extent.
#[derive(Clone, Debug)]
pub struct Planned {
    pub id: String,
    pub meta: Meta,
    pub start: Micros,
    pub end: Micros,
    pub bytes: u64,
}

/// The corpus window stories must fit in.
#[derive(Clone, Copy)]
pub struct Window {
    pub start: Micros,
    pub days: u32,
}

type StoryFn = fn(&mut Scene, Window) -> Option<Meta>;

/// Every story, in truth order.
const STORIES: &[(&str, StoryFn)] = &[
    ("rclone-mega", cloud_tools::rclone_mega),
    ("rclone-renamed-mega", cloud_tools::rclone_renamed),
    ("rclone-s3-external", cloud_tools::rclone_s3),
    ("awscli-s3-external", cloud_tools::aws_s3_cp),
    ("gsutil-gcs", cloud_tools::gsutil),
    ("azcopy-blob", cloud_tools::azcopy),
    ("s3-putobject-burst", saas::s3_burst),
    ("curl-upload-transfer-sh", file_drop::curl_transfer_sh),
    ("curl-form-file-io", file_drop::curl_file_io),
    ("wget-post-0x0", file_drop::wget_0x0),
    ("bitsadmin-upload", file_drop::bitsadmin),
    ("powershell-discord-webhook", webhooks::discord),
    ("powershell-webhook-site", webhooks::webhook_site),
    ("slack-webhook", webhooks::slack),
    ("teams-webhook", webhooks::teams),
    ("certreq-post", webhooks::certreq),
    ("github-hook-create", webhooks::github_hook),
    ("pastebin-api", paste::pastebin),
    ("git-push-external", code_repo::git_push_external),
    ("m365-bulk-upload-anonymous-link", saas::m365_bulk),
    ("gdrive-public", saas::gdrive_public),
    ("ngrok-tunnel", tunnels::ngrok),
    ("cloudflared-tunnel", tunnels::cloudflared),
    ("devtunnel", tunnels::devtunnel),
    ("staging-7z-upload", staging::windows),
    ("staging-tar-upload", staging::linux),
    ("slow-and-low-pcloud", slow_low::pcloud),
    ("email-freemail", email::freemail),
    ("impossible-travel-bulk-upload", travel::impossible_travel),
    ("slack-app-webhook", slack_app::install_then_post),
    ("tunnel-inbound-ssh", tunnels::inbound_ssh),
];

/// Pushes every story's activities and returns their labels.
pub fn plan(w: &World, q: &mut Queue, seed: u64, win: Window) -> Vec<Planned> {
    let mut out = Vec::new();
    for (name, f) in STORIES {
        let mut rng = Rng::derive(seed, name);
        let idx = out.len() as u32;
        let mut sc = Scene::new(w, q, &mut rng, Some(idx));
        let Some(meta) = f(&mut sc, win) else {
            continue;
        };
        let (Some(start), Some(end)) = (sc.first, sc.last) else {
            continue;
        };
        out.push(Planned {
            id: format!("S{:02}-{name}", idx + 1),
            meta,
            start,
            end,
            bytes: sc.bytes_out,
        });
    }
    out
}

/// Hosts running `os` whose user has one of `roles` (any role when empty).
pub fn hosts(w: &World, os: Os, roles: &[Role]) -> Vec<usize> {
    w.hosts_where(|h, u| h.os == os && (roles.is_empty() || roles.contains(&u.role)))
}

/// A host of `os`, preferring users of `roles`.
pub fn pick_host(sc: &mut Scene, os: Os, roles: &[Role]) -> Option<usize> {
    let mut c = hosts(sc.w, os, roles);
    if c.is_empty() {
        c = hosts(sc.w, os, &[]);
    }
    if c.is_empty() {
        return None;
    }
    Some(*sc.rng.pick(&c))
}

/// A working-hours time on a weekday of the window (any day if none is a weekday),
/// leaving `room` before the window ends.
pub fn work_time(sc: &mut Scene, win: Window, room: Micros) -> Micros {
    let days: Vec<u32> = (0..win.days)
        .filter(|&d| clock::weekday(win.start + d as i64 * DAY) < 5)
        .collect();
    let day = if days.is_empty() {
        sc.rng.below(win.days.max(1) as u64) as u32
    } else {
        *sc.rng.pick(&days)
    };
    let latest = (17 * HOUR).min(24 * HOUR - room - HOUR).max(9 * HOUR);
    let offset = 9 * HOUR + sc.rng.below((latest - 9 * HOUR) as u64 + 1) as i64;
    win.start + day as i64 * DAY + offset + sc.rng.below(MIN as u64) as i64
}

/// The user's interactive shell on a host (cmd.exe / powershell.exe / bash).
pub fn shell(sc: &mut Scene, h: usize, t: Micros, powershell: bool) -> Rc<Proc> {
    let user = sc.w.hosts[h].user;
    match (sc.w.hosts[h].os, powershell) {
        (Os::Windows, false) => sc.spawn(
            t,
            h,
            Account::User(user),
            "C:\\Windows\\System32\\cmd.exe",
            "\"C:\\Windows\\System32\\cmd.exe\"",
            Some("Cmd.Exe"),
            None,
        ),
        (Os::Windows, true) => sc.spawn(
            t,
            h,
            Account::User(user),
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "powershell.exe -NoProfile -ExecutionPolicy Bypass",
            Some("PowerShell.EXE"),
            None,
        ),
        (Os::Linux, _) => sc.running(h, Account::User(user), "/usr/bin/bash", "-bash"),
    }
}

/// Starts a tool from `parent` as the host's user.
pub fn tool(
    sc: &mut Scene,
    h: usize,
    t: Micros,
    parent: &Proc,
    image: &str,
    cmd: &str,
    ofn: Option<&str>,
) -> Rc<Proc> {
    let user = sc.w.hosts[h].user;
    sc.spawn(t, h, Account::User(user), image, cmd, ofn, Some(parent))
}

/// The label every story shares: host, user and destination.
#[allow(clippy::too_many_arguments)]
pub fn meta(
    sc: &Scene,
    h: usize,
    title: String,
    technique: &'static str,
    tool: &'static str,
    family: &'static str,
    destination: &str,
    service: &'static str,
) -> Meta {
    Meta {
        title,
        technique,
        tool,
        family,
        hosts: vec![h],
        user: Some(sc.w.hosts[h].user),
        destination: destination.to_string(),
        service,
    }
}

/// `C:\Users\<sam>` or `/home/<sam>`.
pub fn home(sc: &Scene, h: usize) -> String {
    let sam = &sc.w.users[sc.w.hosts[h].user].sam;
    match sc.w.hosts[h].os {
        Os::Windows => format!("C:\\Users\\{sam}"),
        Os::Linux => format!("/home/{sam}"),
    }
}

/// Megabytes.
pub const MB: u64 = 1 << 20;
