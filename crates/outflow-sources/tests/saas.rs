//! SaaS and cloud audit readers (Microsoft 365, Google Workspace, CloudTrail,
//! GitHub) on real-shaped fixtures, through detection, parsing and the
//! built-in `saas` mapping; and the demo examples.

mod common;

use common::*;

use outflow_event::{Event, Position, RejectReason, SourceKind, Value};
use outflow_sources::{detect_format, read_to_vec, InputSpec, Limits};
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

fn read(name: &str) -> Read {
    read_path(&fixture("saas", name), None)
}

fn user(ev: &Event) -> Option<String> {
    ev.entity.user.as_ref().map(|v| ev.display(v).into_owned())
}

fn domain(ev: &Event) -> Option<String> {
    ev.entity
        .dst_domain
        .as_ref()
        .map(|v| ev.display(v).into_owned())
}

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

fn detected(path: &Path) -> Option<SourceKind> {
    detect_format(&std::fs::read(path).expect("fixture"))
}

#[test]
fn detects_every_fixture_and_demo_file() {
    let cases = [
        (fixture("saas", "m365.jsonl"), SourceKind::M365),
        (fixture("saas", "gworkspace.jsonl"), SourceKind::GWorkspace),
        (
            fixture("saas", "gworkspace-page.json"),
            SourceKind::GWorkspace,
        ),
        (
            fixture("saas", "cloudtrail-records.json"),
            SourceKind::CloudTrail,
        ),
        (
            fixture("saas", "cloudtrail-lines.jsonl"),
            SourceKind::CloudTrail,
        ),
        (fixture("saas", "github.jsonl"), SourceKind::GitHub),
        (demo("m365-audit.jsonl"), SourceKind::M365),
        (demo("gworkspace-drive.jsonl"), SourceKind::GWorkspace),
        (demo("cloudtrail.json"), SourceKind::CloudTrail),
        (demo("github-audit.jsonl"), SourceKind::GitHub),
    ];
    for (path, kind) in cases {
        assert_eq!(detected(&path), Some(kind), "{}", path.display());
    }
}

#[test]
fn m365_fields_parameters_logsource_and_entity() {
    let r = read("m365.jsonl");
    assert_eq!(r.format, Some(SourceKind::M365));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 3);

    let up = &r.events[0];
    assert_eq!(up.ts.unwrap().to_string(), "2026-11-20T09:31:10Z");
    assert_eq!(up.get_str("Operation"), Some("FileUploaded"));
    assert_eq!(up.get("RecordType"), Some(&Value::Int(6)));
    assert_eq!(up.get_str("SourceFileName"), Some("finance-share-1.zip"));
    assert_eq!(
        up.get_str("url_host"),
        Some("corpexample-my.sharepoint.com")
    );
    assert_eq!(logsources(up), ["m365/-/audit"]);
    assert_eq!(text(up, "eventName"), "FileUploaded");
    assert_eq!(text(up, "eventSource"), "OneDrive");
    assert_eq!(user(up).as_deref(), Some("dave@corp.example"));
    assert_eq!(up.entity.src_ip, ip("10.20.30.52"));
    assert_eq!(up.entity.bytes_out, Some(157_286_400));
    assert_eq!(domain(up).as_deref(), Some("corpexample-my.sharepoint.com"));
    assert_eq!(up.origin.position, Position::Line(1));

    let mbx = &r.events[1];
    assert_eq!(
        text(mbx, "Parameters.Name"),
        "Identity,ForwardingSmtpAddress,DeliverToMailboxAndForward"
    );
    assert_eq!(
        mbx.get_str("Parameters.ForwardingSmtpAddress"),
        Some("smtp:dave.home@outlook.com")
    );
    assert_eq!(mbx.get_str("Parameters.Identity"), Some("dave"));
    assert_eq!(
        mbx.get_str("UserKey"),
        Some("NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)")
    );
    assert_eq!(mbx.get_str("client_ip"), Some("10.20.30.52"));
    assert_eq!(mbx.entity.src_ip, ip("10.20.30.52"));
    assert_eq!(logsources(mbx), ["m365/-/audit", "m365/-/exchange"]);
    assert_eq!(text(mbx, "status"), "True");
    assert_eq!(mbx.entity.bytes_out, None);

    let link = &r.events[2];
    assert_eq!(link.get_str("Operation"), Some("AnonymousLinkCreated"));
    assert_eq!(logsources(link), ["m365/-/audit"]);
    assert_eq!(
        domain(link).as_deref(),
        Some("corpexample-my.sharepoint.com")
    );
}

#[test]
fn m365_bad_records_are_rejected_with_their_lines() {
    let r = read("m365-bad.jsonl");
    assert_eq!(r.events.len(), 1);
    assert_eq!(
        r.rejects,
        [
            (RejectReason::UnexpectedShape, Position::Line(2)),
            (RejectReason::UnexpectedShape, Position::Line(3)),
            (RejectReason::Truncated, Position::Line(4)),
        ]
    );
}

#[test]
fn gworkspace_one_event_per_google_event_with_parameters() {
    let r = read("gworkspace.jsonl");
    assert_eq!(r.format, Some(SourceKind::GWorkspace));
    // The third activity has no id.time.
    assert_eq!(
        r.rejects,
        [(RejectReason::UnexpectedShape, Position::Line(3))]
    );
    assert_eq!(r.events.len(), 2);
    let up = &r.events[0];
    assert_eq!(up.ts.unwrap().to_string(), "2026-11-20T13:10:07.120Z");
    assert_eq!(up.get_str("events.name"), Some("upload"));
    assert_eq!(up.get_str("eventName"), Some("upload"));
    assert_eq!(up.get_str("events.type"), Some("create"));
    assert_eq!(
        up.get_str("parameters.doc_title"),
        Some("customer-list-2026.xlsx")
    );
    assert_eq!(up.get_str("parameters.visibility"), Some("private"));
    assert_eq!(up.get_str("parameters.owner"), Some("carol@corp.example"));
    assert_eq!(up.get_str("parameters.size"), Some("5242880"));
    assert_eq!(up.get_str("eventService"), Some("drive.googleapis.com"));
    assert_eq!(
        up.get("parameters.name"),
        None,
        "parameters are only exposed by name"
    );
    assert_eq!(
        logsources(up),
        ["gcp/-/google_workspace.drive", "google_workspace/-/drive"]
    );
    assert_eq!(user(up).as_deref(), Some("carol@corp.example"));
    assert_eq!(up.entity.src_ip, ip("10.20.30.61"));
    assert_eq!(
        r.events[1].get_str("parameters.target_user"),
        Some("carol.home@gmail.com")
    );
}

#[test]
fn gworkspace_page_splits_items_and_events() {
    let r = read("gworkspace-page.json");
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 3);
    let (a, b, admin) = (&r.events[0], &r.events[1], &r.events[2]);
    assert_eq!(a.get_str("eventName"), Some("change_document_access_scope"));
    assert_eq!(text(a, "parameters.new_value"), "people_with_link");
    assert_eq!(b.get_str("eventName"), Some("change_document_visibility"));
    assert_eq!(b.get_str("parameters.visibility_change"), Some("external"));
    assert_eq!(b.get("parameters.primary_event"), Some(&Value::Bool(true)));
    // Both Google events share the activity: same raw evidence, id and time.
    assert_eq!(a.raw(), b.raw());
    assert_eq!(a.ts, b.ts);
    assert_eq!(
        a.get_str("id.uniqueQualifier"),
        b.get_str("id.uniqueQualifier")
    );
    assert_eq!(a.get("parameters.visibility_change"), None);
    assert_eq!(a.origin.position, Position::Line(5));
    assert_eq!(admin.origin.position, Position::Line(45));
    assert_eq!(logsources(admin)[0], "gcp/-/google_workspace.admin");
    assert_eq!(admin.get_str("eventService"), Some("admin.googleapis.com"));
    assert_eq!(text(admin, "setting_name"), "ContextAwareAccess::Enabled");
    assert_eq!(user(admin).as_deref(), Some("admin@corp.example"));
}

#[test]
fn cloudtrail_pretty_records_file() {
    let r = read("cloudtrail-records.json");
    assert_eq!(r.format, Some(SourceKind::CloudTrail));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 2);
    let put = &r.events[0];
    assert!(
        put.raw().starts_with('{')
            && put.raw().contains("PutObject")
            && !put.raw().contains("CreateAccessKey")
    );
    assert_eq!(put.origin.position, Position::Line(3));
    assert_eq!(put.ts.unwrap().to_string(), "2026-11-20T10:42:15Z");
    assert_eq!(put.get_str("eventName"), Some("PutObject"));
    assert_eq!(
        put.get_str("userIdentity.arn"),
        Some("arn:aws:iam::418273645910:user/ci-deploy")
    );
    assert_eq!(
        put.get_str("requestParameters.bucketName"),
        Some("backup-x7-archive")
    );
    assert_eq!(
        put.get("additionalEventData.bytesTransferredIn"),
        Some(&Value::Int(52_428_800))
    );
    assert_eq!(
        text(put, "resources.ARN"),
        "arn:aws:s3:::backup-x7-archive/dump/2026-11-20/db-part-01.tar.gz,arn:aws:s3:::backup-x7-archive"
    );
    assert_eq!(logsources(put), ["aws/-/cloudtrail"]);
    assert_eq!(user(put).as_deref(), Some("ci-deploy"));
    assert_eq!(put.entity.src_ip, ip("10.20.30.60"));
    assert_eq!(domain(put).as_deref(), Some("backup-x7-archive"));
    assert_eq!(put.entity.bytes_out, Some(52_428_800));
    assert_eq!(put.entity.bytes_in, Some(0));

    let key = &r.events[1];
    assert_eq!(key.origin.position, Position::Line(42));
    assert_eq!(key.get_str("errorCode"), Some("AccessDenied"));
    assert_eq!(user(key).as_deref(), Some("OpsRole"));
    assert_eq!(key.entity.src_ip, ip("203.0.113.9"));
}

#[test]
fn cloudtrail_json_lines_and_eventbridge() {
    let r = read("cloudtrail-lines.jsonl");
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 2);
    assert_eq!(r.events[0].get_str("eventName"), Some("ListBuckets"));
    assert_eq!(r.events[0].origin.position, Position::Line(1));
    let eb = &r.events[1];
    assert_eq!(eb.get_str("eventName"), Some("PutObject"));
    assert_eq!(
        eb.get_str("detail-type"),
        Some("AWS API Call via CloudTrail")
    );
    assert_eq!(eb.get_str("source"), Some("aws.s3"));
    assert_eq!(eb.get("detail.eventName"), None);
    assert_eq!(eb.ts.unwrap().to_string(), "2026-11-20T10:44:22Z");
    assert_eq!(logsources(eb), ["aws/-/cloudtrail"]);
    assert_eq!(eb.entity.bytes_out, Some(51_380_224));
}

#[test]
fn cloudtrail_bad_documents() {
    let r = read("cloudtrail-bad.json");
    assert_eq!(r.events.len(), 1);
    assert_eq!(
        r.rejects,
        [
            (RejectReason::UnexpectedShape, Position::Record(2)),
            (RejectReason::UnexpectedShape, Position::Record(3)),
            (RejectReason::UnexpectedShape, Position::Line(2)),
            (RejectReason::UnexpectedShape, Position::Line(3)),
            (RejectReason::Truncated, Position::Line(4)),
        ]
    );
}

#[test]
fn cloudtrail_records_line_over_one_mib_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.json");
    let mut f = std::fs::File::create(&path).expect("create");
    let n = 4000;
    let mut doc = String::from("{\"Records\":[");
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            "{{\"eventVersion\":\"1.10\",\"eventTime\":\"2026-11-20T10:{:02}:{:02}Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\",\"sourceIPAddress\":\"10.20.30.60\",\"userIdentity\":{{\"userName\":\"ci-deploy\"}},\"requestParameters\":{{\"bucketName\":\"backup-x7-archive\",\"key\":\"part-{i:05}-{}\"}},\"additionalEventData\":{{\"bytesTransferredIn\":{}}}}}",
            (i / 60) % 60,
            i % 60,
            "x".repeat(200),
            50_000_000 + i
        ));
    }
    doc.push_str("]}");
    assert!(doc.len() > 1 << 20);
    f.write_all(doc.as_bytes()).expect("write");
    drop(f);
    assert_eq!(detected(&path), Some(SourceKind::CloudTrail));
    let r = read_path(&path, None);
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), n);
    let last = &r.events[n - 1];
    assert_eq!(last.origin.position, Position::Record(n as u64));
    assert_eq!(last.entity.bytes_out, Some(50_000_000 + n as u64 - 1));
}

#[test]
fn github_streamed_and_exported_events() {
    let r = read("github.jsonl");
    assert_eq!(r.format, Some(SourceKind::GitHub));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 3);
    let hook = &r.events[0];
    assert_eq!(hook.ts.unwrap().to_string(), "2026-11-20T14:12:03.123Z");
    assert_eq!(hook.get_str("action"), Some("hook.create"));
    assert_eq!(
        hook.get_str("config.url"),
        Some("https://webhook.site/5f0c2a9e-7b1d-4e3a-9c44-2d8e61a0b7f3")
    );
    assert_eq!(hook.get_str("url_host"), Some("webhook.site"));
    assert_eq!(hook.get_str("actor_location.country_code"), Some("US"));
    assert_eq!(text(hook, "events"), "push,release");
    assert_eq!(logsources(hook), ["github/-/audit"]);
    assert_eq!(user(hook).as_deref(), Some("dave-corp"));
    assert_eq!(hook.entity.src_ip, ip("10.20.30.52"));
    assert_eq!(domain(hook).as_deref(), Some("webhook.site"));
    assert_eq!(r.events[1].get_str("transport_protocol_name"), Some("ssh"));
    assert_eq!(r.events[2].ts.unwrap().to_string(), "2026-11-20T14:07:12Z");
    assert_eq!(r.events[2].entity.src_ip, None);
}

#[test]
fn github_bad_records() {
    let r = read_path(
        &fixture("saas", "github-bad.jsonl"),
        Some(SourceKind::GitHub),
    );
    assert!(r.events.is_empty());
    assert_eq!(
        r.rejects,
        [
            (RejectReason::UnexpectedShape, Position::Line(1)),
            (RejectReason::Truncated, Position::Line(2))
        ]
    );
}

#[test]
fn demo_files_read_cleanly() {
    for (name, kind, min) in [
        ("m365-audit.jsonl", SourceKind::M365, 10),
        ("gworkspace-drive.jsonl", SourceKind::GWorkspace, 10),
        ("cloudtrail.json", SourceKind::CloudTrail, 10),
        ("github-audit.jsonl", SourceKind::GitHub, 5),
    ] {
        let r = read_path(&demo(name), None);
        assert_eq!(r.format, Some(kind), "{name}");
        assert!(r.rejects.is_empty(), "{name}: {:?}", r.rejects);
        assert!(r.events.len() >= min, "{name}: {} events", r.events.len());
        for ev in &r.events {
            assert!(
                ev.ts
                    .is_some_and(|t| t.to_string().starts_with("2026-11-20T")),
                "{name}"
            );
            assert!(!ev.logsources.is_empty(), "{name}: no logsource");
            assert!(ev.entity.user.is_some(), "{name}: no user");
        }
    }
    let ct = read_path(&demo("cloudtrail.json"), None);
    let out: u64 = ct
        .events
        .iter()
        .filter(|e| e.get_str("requestParameters.bucketName") == Some("backup-x7-archive"))
        .filter_map(|e| e.entity.bytes_out)
        .sum();
    assert!(out > 250_000_000, "{out}");
}

#[test]
fn truncated_and_mangled_inputs_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut");
    let sources = [
        fixture("saas", "m365.jsonl"),
        fixture("saas", "gworkspace-page.json"),
        fixture("saas", "cloudtrail-records.json"),
        fixture("saas", "github.jsonl"),
        fixture("saas", "slack-page.json"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email/proofpoint.jsonl"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email/message-trace.csv"),
    ];
    let kinds = [
        SourceKind::M365,
        SourceKind::GWorkspace,
        SourceKind::CloudTrail,
        SourceKind::GitHub,
        SourceKind::Slack,
        SourceKind::Proofpoint,
        SourceKind::MessageTrace,
    ];
    for src in &sources {
        let bytes = std::fs::read(src).expect("fixture");
        for cut in (1..bytes.len()).step_by(97) {
            let mut mangled = bytes[..cut].to_vec();
            mangled.extend_from_slice(b"\"]},\n");
            std::fs::write(&path, &mangled).expect("write");
            for kind in kinds {
                let (_, sink) = read_to_vec(
                    &InputSpec::File(path.clone()),
                    Some(kind),
                    &Limits::default(),
                );
                assert!(sink.events.iter().all(|e| e.source == kind));
            }
        }
    }
}

/// The Purview portal's export and `Search-UnifiedAuditLog | Export-Csv`:
/// each row's AuditData reads as the same record in JSON would, at the
/// row's line; an empty or cut AuditData is rejected with its line.
#[test]
fn m365_csv_exports_read_as_their_json_records() {
    let json = read("m365.jsonl");
    for (name, rows) in [("m365-export.csv", 3), ("m365-search-export.csv", 2)] {
        let path = fixture("saas", name);
        assert_eq!(detected(&path), Some(SourceKind::M365Csv), "{name}");
        let csv = read(name);
        assert_eq!(csv.format, Some(SourceKind::M365Csv));
        assert_eq!(csv.events.len(), rows, "{name}");
        for (a, b) in csv.events.iter().zip(&json.events) {
            assert_eq!(a.source, SourceKind::M365);
            assert_eq!(a.ts, b.ts, "{name}");
            assert_eq!(logsources(a), logsources(b), "{name}");
            assert_eq!(user(a), user(b), "{name}");
            assert_eq!(a.entity.src_ip, b.entity.src_ip, "{name}");
            assert_eq!(domain(a), domain(b), "{name}");
            let fields = |e: &Event| -> Vec<(String, String)> {
                e.fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), e.display(v).into_owned()))
                    .collect()
            };
            assert_eq!(fields(a), fields(b), "{name}");
        }
    }
    let r = read("m365-export.csv");
    let lines: Vec<Position> = r.events.iter().map(|e| e.origin.position).collect();
    assert_eq!(
        lines,
        [Position::Line(2), Position::Line(3), Position::Line(4)]
    );
    assert_eq!(r.rejects.len(), 2, "{:?}", r.rejects);
    assert_eq!(r.rejects[0], (RejectReason::Malformed, Position::Line(5)));
    assert_eq!(r.rejects[1].1, Position::Line(6));
    // Pretty-printed AuditData spans lines: the event is at the row's first.
    let r = read("m365-search-export.csv");
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events[0].origin.position, Position::Line(3));
    assert!(matches!(r.events[1].origin.position, Position::Line(n) if n > 20));
}

/// A Reports API page saved on one line (as `curl` writes it) may pass the
/// line limit: it is read whole, each item placed by its index in `items`.
#[test]
fn gworkspace_page_on_one_line_over_one_mib_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("page.json");
    let n = 3000;
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{{\"kind\":\"admin#reports#activity\",\"id\":{{\"time\":\"2026-11-20T10:{:02}:{:02}.000Z\",\"uniqueQualifier\":\"{i}\",\"applicationName\":\"drive\",\"customerId\":\"C01\"}},\"actor\":{{\"email\":\"dave@corp.example\",\"profileId\":\"{}\"}},\"ipAddress\":\"10.20.30.47\",\"events\":[{{\"type\":\"access\",\"name\":\"upload\",\"parameters\":[{{\"name\":\"doc_title\",\"value\":\"part-{i:05}.zip\"}},{{\"name\":\"visibility\",\"value\":\"private\"}}]}}]}}",
                (i / 60) % 60,
                i % 60,
                "7".repeat(200)
            )
        })
        .collect();
    let page = format!(
        "{{\"kind\":\"admin#reports#activities\",\"etag\":\"\\\"x\\\"\",\"items\":[{}],\"nextPageToken\":\"A:1\"}}",
        items.join(",")
    );
    assert!(page.len() > 1 << 20 && !page.contains('\n'));
    std::fs::write(&path, &page).expect("write");
    assert_eq!(detected(&path), Some(SourceKind::GWorkspace));
    let r = read_path(&path, None);
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), n);
    let last = &r.events[n - 1];
    assert_eq!(last.origin.position, Position::Record(n as u64));
    assert_eq!(
        last.get_str("parameters.doc_title"),
        Some(format!("part-{:05}.zip", n - 1).as_str())
    );
}
