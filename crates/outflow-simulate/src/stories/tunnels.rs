//! Tunnels out through web services (ngrok, cloudflared, Microsoft dev
//! tunnels): one long session carrying far more out than in. Labelled
//! T1572 (protocol tunneling), the way such exfiltration is usually carried.
//! And the way in: a server that runs a tunnel client while an outside
//! address opens SSH sessions to it through the perimeter.

use super::{meta, pick_host, shell, tool, work_time, Meta, Window, MB};
use crate::clock::{HOUR, MIN, SEC};
use crate::scene::Scene;
use crate::world::Os;

#[allow(clippy::too_many_arguments)]
fn tunnel(
    sc: &mut Scene,
    win: Window,
    os: Os,
    image: &str,
    cmd: &str,
    ofn: Option<&str>,
    control: &str,
    title: &str,
    tool_name: &'static str,
    service: &'static str,
) -> Option<Meta> {
    let h = pick_host(sc, os, &[]).or_else(|| pick_host(sc, Os::Windows, &[]))?;
    let hours = sc.rng.range(5, 9) as i64;
    let t = work_time(sc, win, hours * HOUR);
    let sh = shell(sc, h, t, false);
    let p = tool(sc, h, t + 5 * SEC, &sh, image, cmd, ofn);
    let s = sc.resolve(t + 6 * SEC, h, Some(&p), control);
    let dur = hours * HOUR + sc.rng.below(50 * MIN as u64) as i64;
    let out = sc.rng.range(800, 4000) * MB;
    let inb = sc.rng.range(2, 20) * MB;
    sc.connect(t + 7 * SEC, h, Some(&p), &s, out, inb, dur, None);
    Some(meta(
        sc,
        h,
        format!(
            "{title}: a {hours}-hour session sending {} MB out",
            out / MB
        ),
        "T1572",
        tool_name,
        "tunnel",
        control,
        service,
    ))
}

pub fn ngrok(sc: &mut Scene, win: Window) -> Option<Meta> {
    let tok = sc.rng.base62(24);
    tunnel(
        sc,
        win,
        Os::Windows,
        "C:\\Users\\Public\\ngrok.exe",
        &format!("C:\\Users\\Public\\ngrok.exe tcp 445 --authtoken {tok} --region eu"),
        Some("ngrok.exe"),
        "connect.ngrok-agent.com",
        "ngrok exposes the host's SMB share",
        "ngrok",
        "ngrok",
    )
}

pub fn cloudflared(sc: &mut Scene, win: Window) -> Option<Meta> {
    tunnel(
        sc,
        win,
        Os::Linux,
        "/usr/local/bin/cloudflared",
        "cloudflared tunnel --no-autoupdate --url http://localhost:8080",
        None,
        "region1.v2.argotunnel.com",
        "cloudflared quick tunnel to a local file server",
        "cloudflared",
        "Cloudflare Tunnel",
    )
}

pub fn devtunnel(sc: &mut Scene, win: Window) -> Option<Meta> {
    tunnel(
        sc,
        win,
        Os::Windows,
        "C:\\Users\\Public\\devtunnel.exe",
        "devtunnel.exe host -p 8080 --allow-anonymous",
        Some("devtunnel.exe"),
        "global.rel.tunnels.api.visualstudio.com",
        "Microsoft dev tunnel with anonymous access",
        "devtunnel",
        "Microsoft Dev Tunnels",
    )
}

/// A server starts cloudflared (a long session to Cloudflare's tunnel edge);
/// within the hour an outside address opens SSH sessions to it through a
/// forgotten destination-NAT rule of the firewall and pulls data back out.
pub fn inbound_ssh(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[])?;
    let t = work_time(sc, win, 4 * HOUR);
    let sh = shell(sc, h, t, false);
    let token = sc.rng.base62(40);
    let cmd = format!("cloudflared tunnel --no-autoupdate run --token {token}");
    let p = tool(
        sc,
        h,
        t + 5 * SEC,
        &sh,
        "/usr/local/bin/cloudflared",
        &cmd,
        None,
    );
    let edge = "region1.v2.argotunnel.com";
    let s = sc.resolve(t + 6 * SEC, h, Some(&p), edge);
    let hours = sc.rng.range(2, 4) as i64;
    let (out, inb) = (sc.rng.range(20, 120) * MB, sc.rng.range(1, 8) * MB);
    sc.connect(t + 7 * SEC, h, Some(&p), &s, out, inb, hours * HOUR, None);
    // Documentation range (TEST-NET-1): the intruder.
    let remote = format!("192.0.2.{}", sc.rng.range(100, 250));
    let public_port = 2200 + sc.rng.range(0, 99) as u16;
    let mut at = t + sc.rng.range(10, 40) as i64 * MIN;
    for _ in 0..sc.rng.range(2, 5) {
        let dur = sc.rng.range(3, 25) as i64 * MIN;
        let to = sc.rng.range(5, 60) * MB;
        let from = sc.rng.range(40_000, 400_000);
        sc.inbound(
            at,
            h,
            &remote,
            (public_port, 22),
            "ssh",
            "NL",
            (from, to),
            dur,
        );
        at += dur + sc.rng.range(2, 15) as i64 * MIN;
    }
    let host = sc.w.hosts[h].name.clone();
    Some(meta(
        sc,
        h,
        format!("{host} runs a cloudflared tunnel while {remote} opens SSH sessions to it through the perimeter and pulls data out"),
        "T1572",
        "cloudflared",
        "tunnel",
        edge,
        "Cloudflare Tunnel",
    ))
}
