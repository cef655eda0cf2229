//! T1567.002 inside SaaS logs: bulk OneDrive uploads then an anonymous link,
//! Google Drive documents made public, and an S3 PutObject burst to a bucket
//! of an unknown account.

use super::{meta, pick_host, shell, tool, work_time, Meta, Window, MB};
use crate::activity::{Gws, Trail, M365};
use crate::clock::{MIN, SEC};
use crate::formats::m365::onedrive_url;
use crate::scene::Scene;
use crate::services::svc;
use crate::world::{Os, Role};

const ONEDRIVE_UA: &str = "Microsoft SkyDriveSync 24.201.1006.0001 ship; Windows NT 10.0 (22631)";
const EDGE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

pub fn m365_bulk(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[Role::Staff])?;
    let t = work_time(sc, win, 2 * crate::clock::HOUR);
    let user = sc.w.hosts[h].user;
    let sam = sc.w.users[user].sam.clone();
    let ip = sc.w.hosts[h].ip.clone();
    let p = sc.running(
        h,
        crate::activity::Account::User(user),
        "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
        "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background",
    );
    let s = svc("corpexample-my.sharepoint.com");
    let n = sc.rng.range(25, 60);
    let mut at = t;
    let mut last_file = String::new();
    for i in 0..n {
        let size = sc.rng.range(5, 80) * MB;
        let file = format!(
            "{}-{i:03}.zip",
            sc.rng.pick(&["share", "transfer", "export"])
        );
        sc.connect(at, h, Some(&p), &s, size, 9000, size as i64 / 8 + SEC, None);
        let bytes_before = sc.bytes_out;
        sc.m365(
            at + size as i64 / 8 + 2 * SEC,
            M365 {
                user,
                client_ip: ip.clone(),
                operation: "FileUploaded",
                workload: "OneDrive",
                record_type: 6,
                object_url: onedrive_url(&sam, "transfer", &file),
                file_name: file.clone(),
                size: Some(size),
                user_agent: ONEDRIVE_UA,
                anonymous: false,
            },
        );
        // The flow already counted these bytes.
        sc.bytes_out = bytes_before;
        last_file = file;
        at += size as i64 / 8 + 5 * SEC;
    }
    let link_t = at + 3 * MIN;
    sc.m365(
        link_t,
        M365 {
            user,
            client_ip: ip.clone(),
            operation: "AnonymousLinkCreated",
            workload: "OneDrive",
            record_type: 14,
            object_url: onedrive_url(&sam, "transfer", ""),
            file_name: String::new(),
            size: None,
            user_agent: EDGE_UA,
            anonymous: false,
        },
    );
    sc.m365(
        link_t + 40 * MIN,
        M365 {
            user,
            client_ip: "185.220.101.33".into(),
            operation: "AnonymousLinkUsed",
            workload: "OneDrive",
            record_type: 14,
            object_url: onedrive_url(&sam, "transfer", &last_file),
            file_name: last_file,
            size: None,
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            anonymous: true,
        },
    );
    Some(meta(sc, h, format!("{n} archives uploaded to OneDrive, then an anonymous link to the folder (used from outside)"), "T1567.002", "onedrive", "sanctioned-cloud-abuse", "corpexample-my.sharepoint.com", "OneDrive for Business"))
}

pub fn gdrive_public(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let user = sc.w.hosts[h].user;
    let ip = sc.w.hosts[h].ip.clone();
    let p = sc.running(
        h,
        crate::activity::Account::User(user),
        crate::background::EDGE,
        "msedge.exe",
    );
    let n = sc.rng.range(4, 12);
    let mut at = t;
    for i in 0..n {
        let id = format!("1{}", sc.rng.base62(32));
        let title = format!(
            "{}-{i}.xlsx",
            sc.rng.pick(&["customer-list", "pipeline", "pricing-model"])
        );
        let size = sc.rng.range(2, 40) * MB;
        let s = sc.resolve(at, h, Some(&p), "drive.google.com");
        sc.connect(
            at + 100_000,
            h,
            Some(&p),
            &s,
            size,
            20_000,
            size as i64 / 5 + SEC,
            None,
        );
        at += size as i64 / 5 + 3 * SEC;
        sc.gws(
            at,
            Gws {
                user,
                ip: ip.clone(),
                app: "drive",
                etype: "create",
                name: "upload",
                doc_id: id.clone(),
                doc_title: title.clone(),
                doc_type: "msexcel",
                visibility: "private",
                old_visibility: None,
            },
        );
        at += 30 * SEC;
        sc.gws(
            at,
            Gws {
                user,
                ip: ip.clone(),
                app: "drive",
                etype: "acl_change",
                name: "change_document_visibility",
                doc_id: id,
                doc_title: title,
                doc_type: "msexcel",
                visibility: "people_with_link",
                old_visibility: Some("private"),
            },
        );
        at += sc.rng.range(20, 120) as i64 * SEC;
    }
    Some(meta(
        sc,
        h,
        format!(
            "{n} spreadsheets uploaded to Google Drive and made visible to anyone with the link"
        ),
        "T1567.002",
        "google-drive",
        "sanctioned-cloud-abuse",
        "drive.google.com",
        "Google Drive",
    ))
}

pub fn s3_burst(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h =
        pick_host(sc, Os::Linux, &[]).or_else(|| pick_host(sc, Os::Windows, &[Role::Developer]))?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let user = sc.w.hosts[h].user;
    let ip = sc.w.hosts[h].ip.clone();
    let bucket = format!("s3-ingest-{}", sc.rng.hex(10));
    let foreign = format!("{}", sc.rng.range(100_000_000_000, 999_999_999_999));
    let sh = shell(sc, h, t, false);
    let (image, cmd) = match sc.w.hosts[h].os {
        Os::Linux => (
            "/usr/bin/python3".to_string(),
            format!("python3 /tmp/.s/up.py --bucket {bucket} --src /srv/data"),
        ),
        Os::Windows => (
            "C:\\Python312\\python.exe".to_string(),
            format!("python.exe C:\\Users\\Public\\up.py --bucket {bucket}"),
        ),
    };
    let p = tool(sc, h, t + 2 * SEC, &sh, &image, &cmd, None);
    let domain = format!("{bucket}.s3.us-east-1.amazonaws.com");
    let s = sc.resolve(t + 3 * SEC, h, Some(&p), &domain);
    let n = sc.rng.range(40, 120);
    let aws_user = sc.w.users[user].aws();
    let mut at = t + 4 * SEC;
    for i in 0..n {
        let size = sc.rng.range(1, 24) * MB;
        let dur = size as i64 / 10 + 300_000;
        sc.connect(at, h, Some(&p), &s, size, 1500, dur, None);
        sc.trail(
            at + dur,
            Trail {
                user: aws_user.clone(),
                source_ip: ip.clone(),
                event_name: "PutObject",
                bucket: Some(bucket.clone()),
                key: Some(format!("d/{i:05}.bin")),
                bytes_in: size,
                bytes_out: 0,
                user_agent:
                    "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.8.0 lang/python#3.12.6",
                bucket_account: foreign.clone(),
            },
        );
        at += dur + 200_000;
    }
    Some(meta(
        sc,
        h,
        format!(
            "burst of {n} S3 PutObject calls to bucket {bucket} owned by unknown account {foreign}"
        ),
        "T1567.002",
        "boto3",
        "cloud-storage-api",
        &domain,
        "Amazon S3 (unknown account)",
    ))
}
