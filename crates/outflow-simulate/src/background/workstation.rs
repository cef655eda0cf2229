//! A Windows workstation's working hour: browsing, Microsoft 365, OneDrive
//! sync, sanctioned uploads, Google Drive, video calls, developers' git
//! pushes, admins' PowerShell, mail.

use super::{mail, HostState};
use crate::activity::{Account, Gh, Gws, Http, M365};
use crate::clock::{self, Micros, MIN, SEC};
use crate::formats::m365::{onedrive_url, sharepoint_url};
use crate::rng::Rng;
use crate::scene::Scene;
use crate::services::{svc, BROWSING};
use crate::world::{Role, GITHUB_ORG};
use std::rc::Rc;

pub const EDGE: &str = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe";
pub const EDGE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const ONEDRIVE_UA: &str = "Microsoft SkyDriveSync 24.201.1006.0001 ship; Windows NT 10.0 (22631)";

const DOCS: [&str; 10] = [
    "budget-2027.xlsx",
    "minutes.docx",
    "roadmap.pptx",
    "vendor-list.xlsx",
    "contract-draft.docx",
    "forecast.xlsx",
    "onboarding.pdf",
    "brief.docx",
    "pricing.xlsx",
    "team-offsite.pptx",
];
const SITES: [&str; 4] = ["Finance", "Sales", "Legal", "Projects"];
pub const REPOS: [&str; 6] = [
    "billing-core",
    "web-portal",
    "infra-terraform",
    "data-pipeline",
    "mobile-app",
    "auth-service",
];

fn doc(rng: &mut Rng) -> String {
    let d = rng.pick(&DOCS);
    match rng.below(3) {
        0 => d.to_string(),
        n => d.replacen('.', &format!("-v{n}."), 1),
    }
}

fn browser(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) -> Rc<crate::activity::Proc> {
    st.app(sc, h, t, "edge", EDGE, "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --profile-directory=Default", false)
}

pub fn session(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let role = sc.w.users[sc.w.hosts[h].user].role;
    let working = (8..=17).contains(&clock::hour_of(t)) && clock::weekday(t) < 5;
    let roll = sc.rng.below(100);
    match roll {
        0..=39 => browse(sc, st, h, t),
        40..=54 => office(sc, st, h, t),
        55..=63 => onedrive_sync(sc, st, h, t),
        64..=67 => sanctioned_upload(sc, st, h, t),
        68..=72 => google_drive(sc, st, h, t),
        73..=79 => mail::send(sc, h, t),
        80..=87 => open_document(sc, h, t),
        88..=90 if working => video_call(sc, st, h, t),
        91..=97 if role == Role::Developer => git_push(sc, st, h, t),
        91..=97 if role == Role::Admin => admin_script(sc, h, t),
        _ => browse(sc, st, h, t),
    }
}

fn browse(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let p = browser(sc, st, h, t);
    let domain = *sc.rng.pick(&BROWSING);
    let s = sc.resolve(t, h, Some(&p), domain);
    let out = sc.rng.range(900, 9000);
    let inb = sc.rng.range(20_000, 900_000);
    let dur = sc.rng.range(SEC as u64 / 2, 60 * SEC as u64) as i64;
    let http = Http {
        method: "GET",
        path: "/".into(),
        user_agent: EDGE_UA.into(),
        content_type: "text/html",
        upload_name: None,
    };
    sc.connect(t + 80_000, h, Some(&p), &s, out, inb, dur, Some(http));
}

fn office(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let (key, image, domain) = match sc.rng.below(2) {
        0 => (
            "outlook",
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
            "outlook.office365.com",
        ),
        _ => (
            "teams",
            "C:\\Users\\Public\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
            "teams.microsoft.com",
        ),
    };
    let p = st.app(sc, h, t, key, image, &format!("\"{image}\""), false);
    let s = sc.resolve(t, h, Some(&p), domain);
    let out = sc.rng.range(2000, 40_000);
    let inb = sc.rng.range(30_000, 700_000);
    sc.connect(t + 60_000, h, Some(&p), &s, out, inb, 40 * SEC, None);
    if sc.rng.chance(0.3) {
        let user = sc.w.hosts[h].user;
        let site = *sc.rng.pick(&SITES);
        let file = doc(sc.rng);
        let op = if sc.rng.chance(0.5) {
            "FileAccessed"
        } else {
            "FileModified"
        };
        sc.m365(
            t + 5 * SEC,
            M365 {
                user,
                client_ip: sc.w.hosts[h].ip.clone(),
                operation: op,
                workload: "SharePoint",
                record_type: 6,
                object_url: sharepoint_url(site, "General", &file),
                file_name: file,
                size: None,
                user_agent: EDGE_UA,
                anonymous: false,
            },
        );
    }
}

fn onedrive_sync(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let p = st.app(
        sc,
        h,
        t,
        "onedrive",
        "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
        "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background",
        false,
    );
    let s = svc("corpexample-my.sharepoint.com");
    let files = sc.rng.range(1, 4);
    let user = sc.w.hosts[h].user;
    let sam = sc.w.users[user].sam.clone();
    let mut total = 0;
    for i in 0..files {
        let size = sc.rng.range(40_000, 12 << 20);
        total += size;
        let file = doc(sc.rng);
        sc.m365(
            t + (i as i64 + 1) * 3 * SEC,
            M365 {
                user,
                client_ip: sc.w.hosts[h].ip.clone(),
                operation: "FileSyncUploadedFull",
                workload: "OneDrive",
                record_type: 6,
                object_url: onedrive_url(&sam, "Documents", &file),
                file_name: file,
                size: Some(size),
                user_agent: ONEDRIVE_UA,
                anonymous: false,
            },
        );
    }
    let inb = sc.rng.range(10_000, 80_000);
    sc.connect(t, h, Some(&p), &s, total, inb, total as i64 / 4 + SEC, None);
}

/// Browser uploads to sanctioned services (SharePoint, Box).
fn sanctioned_upload(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let p = browser(sc, st, h, t);
    let size = sc.rng.range(200_000, 60 << 20);
    let file = doc(sc.rng);
    let box_com = sc.rng.chance(0.3);
    let domain = if box_com {
        "app.box.com"
    } else {
        "corpexample.sharepoint.com"
    };
    let s = sc.resolve(t, h, Some(&p), domain);
    let http = Http {
        method: "POST",
        path: if box_com {
            "/api/2.0/files/content".into()
        } else {
            "/sites/Projects/_api/web/GetFolderByServerRelativeUrl/Add".into()
        },
        user_agent: EDGE_UA.into(),
        content_type: "application/octet-stream",
        upload_name: None,
    };
    let inb = sc.rng.range(2000, 20_000);
    sc.connect(
        t + 90_000,
        h,
        Some(&p),
        &s,
        size,
        inb,
        size as i64 / 5 + SEC,
        Some(http),
    );
    if !box_com {
        let user = sc.w.hosts[h].user;
        let site = *sc.rng.pick(&SITES);
        sc.m365(
            t + 2 * SEC + size as i64 / 5,
            M365 {
                user,
                client_ip: sc.w.hosts[h].ip.clone(),
                operation: "FileUploaded",
                workload: "SharePoint",
                record_type: 6,
                object_url: sharepoint_url(site, "Uploads", &file),
                file_name: file,
                size: Some(size),
                user_agent: EDGE_UA,
                anonymous: false,
            },
        );
    }
}

fn google_drive(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let p = browser(sc, st, h, t);
    let s = sc.resolve(t, h, Some(&p), "docs.google.com");
    let (out, inb) = (sc.rng.range(5000, 400_000), sc.rng.range(50_000, 2_000_000));
    sc.connect(t + 70_000, h, Some(&p), &s, out, inb, 90 * SEC, None);
    let (etype, name) =
        *sc.rng
            .pick(&[("access", "view"), ("access", "edit"), ("create", "upload")]);
    let id = sc.rng.base62(10);
    let title = doc(sc.rng);
    sc.gws(
        t + 3 * SEC,
        Gws {
            user: sc.w.hosts[h].user,
            ip: sc.w.hosts[h].ip.clone(),
            app: "drive",
            etype,
            name,
            doc_id: format!("1{id}"),
            doc_title: title,
            doc_type: "document",
            visibility: "shared_internally",
            old_visibility: None,
        },
    );
}

fn open_document(sc: &mut Scene, h: usize, t: Micros) {
    let user = sc.w.hosts[h].user;
    let sam = sc.w.users[user].sam.clone();
    let (image, ofn) = *sc.rng.pick(&[
        (
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
            "Excel.exe",
        ),
        (
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
            "WinWord.exe",
        ),
        (
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\POWERPNT.EXE",
            "POWERPNT.EXE",
        ),
    ]);
    let file = doc(sc.rng);
    let path = format!("C:\\Users\\{sam}\\Documents\\{file}");
    let p = sc.spawn(
        t,
        h,
        Account::User(user),
        image,
        &format!("\"{image}\" \"{path}\""),
        Some(ofn),
        None,
    );
    let tmp = sc.rng.hex(8);
    sc.file(
        t + 4 * SEC,
        &p,
        &format!("C:\\Users\\{sam}\\AppData\\Local\\Temp\\~$tmp{tmp}.tmp"),
    );
}

/// Teams or Zoom: long, large, symmetric flows.
fn video_call(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let (key, image, domain) = match sc.rng.below(2) {
        0 => (
            "teams",
            "C:\\Users\\Public\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
            "teams.microsoft.com",
        ),
        _ => ("zoom", "C:\\Program Files\\Zoom\\bin\\Zoom.exe", "zoom.us"),
    };
    let p = st.app(sc, h, t, key, image, &format!("\"{image}\""), false);
    let s = sc.resolve(t, h, Some(&p), domain);
    let minutes = sc.rng.range(20, 60) as i64;
    let bytes = minutes as u64 * sc.rng.range(9, 16) * (1 << 20);
    let out = sc.rng.vary(bytes, 0.15);
    sc.connect(
        t + 100_000,
        h,
        Some(&p),
        &s,
        out,
        bytes,
        minutes * MIN,
        None,
    );
}

fn git_push(sc: &mut Scene, st: &mut HostState, h: usize, t: Micros) {
    let user = sc.w.hosts[h].user;
    let sam = sc.w.users[user].sam.clone();
    let repo = *sc.rng.pick(&REPOS);
    let push = sc.rng.chance(0.6);
    let verb = if push {
        "push origin main"
    } else {
        "pull --ff-only"
    };
    let cmd =
        format!("\"C:\\Program Files\\Git\\cmd\\git.exe\" -C C:\\Users\\{sam}\\src\\{repo} {verb}");
    let _ = st;
    let p = sc.spawn(
        t,
        h,
        Account::User(user),
        "C:\\Program Files\\Git\\cmd\\git.exe",
        &cmd,
        Some("git.exe"),
        None,
    );
    let s = sc.resolve(t + 100_000, h, Some(&p), "github.com");
    let (out, inb) = if push {
        (sc.rng.range(20_000, 6 << 20), sc.rng.range(5000, 40_000))
    } else {
        (sc.rng.range(3000, 20_000), sc.rng.range(50_000, 8 << 20))
    };
    sc.connect(t + 300_000, h, Some(&p), &s, out, inb, 4 * SEC, None);
    sc.gh(
        t + 2 * SEC,
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

fn admin_script(sc: &mut Scene, h: usize, t: Micros) {
    let user = sc.w.hosts[h].user;
    let ps = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
    let p = sc.spawn(
        t,
        h,
        Account::User(user),
        ps,
        "powershell.exe -NoProfile",
        Some("PowerShell.EXE"),
        None,
    );
    let text = *sc.rng.pick(&[
        "Get-ADUser -Filter * -SearchBase 'OU=Staff,DC=corp,DC=example' | Select-Object SamAccountName,Enabled",
        "Get-Service | Where-Object {$_.Status -eq 'Stopped'} | Format-Table -AutoSize",
        "Invoke-RestMethod -Uri 'https://intranet.corp.example/api/health' -Method Get",
        "Get-ChildItem \\\\fs01\\share\\IT -Recurse | Measure-Object -Property Length -Sum",
    ]);
    sc.script(t + 2 * SEC, &p, text);
}
