//! T1567.002 after an account takeover: the user signs in from home in the
//! morning, and an hour later the same account signs in from the other side
//! of the world (impossible travel), bulk-uploads archives to its OneDrive
//! and shares the folder with an anonymous link. Every record comes from
//! outside the organisation's networks: only the SaaS audit log shows it.

use super::{meta, pick_host, work_time, Meta, Window, MB};
use crate::activity::M365;
use crate::clock::{HOUR, MIN, SEC};
use crate::formats::m365::onedrive_url;
use crate::scene::Scene;
use crate::world::{Os, Role};

const EDGE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const FOREIGN_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36";

fn sign_in(sc: &mut Scene, t: crate::clock::Micros, user: usize, ip: &str, ua: &'static str) {
    sc.m365(
        t,
        M365 {
            user,
            client_ip: ip.to_string(),
            operation: "UserLoggedIn",
            workload: "AzureActiveDirectory",
            record_type: 15,
            object_url: String::new(),
            file_name: String::new(),
            size: None,
            user_agent: ua,
            anonymous: false,
        },
    );
}

pub fn impossible_travel(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[Role::Staff])?;
    let t = work_time(sc, win, 4 * HOUR);
    let user = sc.w.hosts[h].user;
    let sam = sc.w.users[user].sam.clone();
    // Documentation ranges: home (203.0.113.0/24) and the intruder (2001:db8::/32).
    let home = format!("203.0.113.{}", sc.rng.range(10, 250));
    let far = format!("2001:db8:4f2a::{:x}", sc.rng.range(16, 4000));
    sign_in(sc, t, user, &home, EDGE_UA);
    let mut at = t + HOUR + sc.rng.range(0, 20) as i64 * MIN;
    sign_in(sc, at, user, &far, FOREIGN_UA);
    let n = sc.rng.range(20, 40);
    for i in 0..n {
        at += sc.rng.range(20, 90) as i64 * SEC;
        let size = sc.rng.range(8, 60) * MB;
        let file = format!("{}-{i:03}.7z", sc.rng.pick(&["hr", "payroll", "contracts"]));
        sc.m365(
            at,
            M365 {
                user,
                client_ip: far.clone(),
                operation: "FileUploaded",
                workload: "OneDrive",
                record_type: 6,
                object_url: onedrive_url(&sam, "sync", &file),
                file_name: file,
                size: Some(size),
                user_agent: FOREIGN_UA,
                anonymous: false,
            },
        );
    }
    sc.m365(
        at + 2 * MIN,
        M365 {
            user,
            client_ip: far.clone(),
            operation: "AnonymousLinkCreated",
            workload: "OneDrive",
            record_type: 14,
            object_url: onedrive_url(&sam, "sync", ""),
            file_name: String::new(),
            size: None,
            user_agent: FOREIGN_UA,
            anonymous: false,
        },
    );
    Some(meta(
        sc,
        h,
        format!("the account signs in from home, then an hour later from another continent (impossible travel) and uploads {n} archives to OneDrive and shares them anonymously"),
        "T1567.002",
        "onedrive",
        "account-takeover",
        "corpexample-my.sharepoint.com",
        "OneDrive for Business",
    ))
}
