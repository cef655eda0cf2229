//! Once-a-day habits: morning sign-in, nightly backups, admins' scheduled
//! `aws s3 sync` to the organisation's own bucket.

use super::HostState;
use crate::activity::{Account, Gws, Trail, M365};
use crate::clock::{self, Micros, MIN, SEC};
use crate::scene::Scene;
use crate::world::{Os, Role, AWS_ACCOUNT, BACKUP_BUCKET};

const EDGE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

pub fn hour(sc: &mut Scene, state: &mut HostState, h: usize, t0: Micros) {
    let host = &sc.w.hosts[h];
    let (os, user, ip, name) = (host.os, host.user, host.ip.clone(), host.name.clone());
    let weekday = clock::weekday(t0) < 5;
    match (os, clock::hour_of(t0)) {
        (Os::Windows, 8) if weekday => {
            let t = t0 + sc.rng.below(40 * MIN as u64) as i64;
            sc.m365(
                t,
                M365 {
                    user,
                    client_ip: ip.clone(),
                    operation: "UserLoggedIn",
                    workload: "AzureActiveDirectory",
                    record_type: 15,
                    object_url: String::new(),
                    file_name: String::new(),
                    size: None,
                    user_agent: EDGE_UA,
                    anonymous: false,
                },
            );
            sc.gws(
                t + 30 * SEC,
                Gws {
                    user,
                    ip,
                    app: "login",
                    etype: "login",
                    name: "login_success",
                    doc_id: String::new(),
                    doc_title: String::new(),
                    doc_type: "",
                    visibility: "",
                    old_visibility: None,
                },
            );
        }
        (Os::Windows, 1) => {
            // The endpoint backup agent ships the day's changes to the org's bucket.
            let t = t0 + sc.rng.below(50 * MIN as u64) as i64;
            let agent = state.app(
                sc,
                h,
                t,
                "backup",
                "C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.Endpoint.Service.exe",
                "\"C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.Endpoint.Service.exe\"",
                true,
            );
            let domain = format!("{BACKUP_BUCKET}.s3.us-east-1.amazonaws.com");
            let s = sc.resolve(t, h, Some(&agent), &domain);
            let bytes = sc.rng.range(80 << 20, 1200 << 20);
            let parts = sc.rng.range(2, 5);
            let mut at = t + SEC;
            for i in 0..parts {
                let chunk = bytes / parts;
                let dur = chunk as i64 / 8 + SEC;
                let inb = sc.rng.range(20_000, 90_000);
                sc.connect(at, h, Some(&agent), &s, chunk, inb, dur, None);
                sc.trail(
                    at + dur,
                    Trail {
                        user: "veeam-backup".into(),
                        source_ip: sc.w.hosts[h].ip.clone(),
                        event_name: "PutObject",
                        bucket: Some(BACKUP_BUCKET.into()),
                        key: Some(format!(
                            "endpoints/{name}/{}/blk-{i:04}.vbk",
                            t0 / clock::DAY
                        )),
                        bytes_in: chunk,
                        bytes_out: 0,
                        user_agent: "Veeam/12.1 aws-sdk-cpp/1.11",
                        bucket_account: AWS_ACCOUNT.into(),
                    },
                );
                at += dur + 2 * SEC;
            }
        }
        (Os::Linux, 2) if sc.w.users[user].role == Role::Admin || sc.w.hosts[h].role == "db" => {
            admin_sync(sc, h, user, t0);
        }
        _ => {}
    }
}

/// `aws s3 sync /var/backups s3://corp-example-backups/<host>/` from cron.
fn admin_sync(sc: &mut Scene, h: usize, user: usize, t0: Micros) {
    let host = sc.w.hosts[h].name.clone();
    let ip = sc.w.hosts[h].ip.clone();
    let t = t0 + sc.rng.below(20 * MIN as u64) as i64;
    let cmd = format!(
        "/usr/local/bin/aws s3 sync /var/backups s3://{BACKUP_BUCKET}/{host}/ --only-show-errors"
    );
    let p = sc.spawn(
        t,
        h,
        Account::User(user),
        "/usr/local/bin/aws",
        &cmd,
        None,
        None,
    );
    let domain = format!("{BACKUP_BUCKET}.s3.us-east-1.amazonaws.com");
    let s = sc.resolve(t + 200_000, h, Some(&p), &domain);
    let files = sc.rng.range(3, 8);
    let mut at = t + SEC;
    let aws_user = sc.w.users[user].aws();
    for i in 0..files {
        let size = sc.rng.range(5 << 20, 120 << 20);
        let dur = size as i64 / 10 + SEC;
        let inb = sc.rng.range(4000, 9000);
        sc.connect(at, h, Some(&p), &s, size, inb, dur, None);
        sc.trail(
            at + dur,
            Trail {
                user: aws_user.clone(),
                source_ip: ip.clone(),
                event_name: "PutObject",
                bucket: Some(BACKUP_BUCKET.into()),
                key: Some(format!("{host}/dump-{i}.sql.gz")),
                bytes_in: size,
                bytes_out: 0,
                user_agent: "aws-cli/2.17.50 md/command#s3.sync",
                bucket_account: AWS_ACCOUNT.into(),
            },
        );
        at += dur + SEC;
    }
}
