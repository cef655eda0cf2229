//! Bulk SaaS uploads: S3 bursts into other accounts' buckets, uploads then
//! anonymous links in Microsoft 365, Drive files made public; silent for
//! OneDrive sync, everyday uploads into the organisation's tenant, its own
//! buckets and internal shares.

mod support;

use outflow_analytics::stateful::bulk_saas_upload::BulkSaasUpload;
use support::{ctx, read_inputs, run_build, MB};

fn put_object(time: &str, user: &str, bucket: &str, owner: &str, key: &str, bytes: u64) -> String {
    serde_json::json!({
        "eventVersion": "1.10",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAWA3XK7Q200079190",
            "arn": format!("arn:aws:iam::418273645910:user/{user}"), "accountId": "418273645910",
            "accessKeyId": "AKIAWA3XK7Q201047290", "userName": user},
        "eventTime": time, "eventSource": "s3.amazonaws.com", "eventName": "PutObject",
        "awsRegion": "us-east-1", "sourceIPAddress": "10.20.1.29",
        "userAgent": "Boto3/1.35.36 md/Botocore#1.35.36",
        "requestParameters": {"bucketName": bucket, "Host": format!("{bucket}.s3.us-east-1.amazonaws.com"), "key": key},
        "responseElements": null,
        "additionalEventData": {"SignatureVersion": "SigV4", "bytesTransferredIn": bytes, "bytesTransferredOut": 0},
        "requestID": "750667F06034372F", "eventID": format!("5b4f50c7-51fe-198c-312b-{key:0>12}"),
        "readOnly": false, "eventType": "AwsApiCall", "managementEvent": false,
        "recipientAccountId": "418273645910",
        "resources": [
            {"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/{key}")},
            {"accountId": owner, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}
        ],
        "eventCategory": "Data"
    })
    .to_string()
}

fn cloudtrail(records: &[String]) -> String {
    format!("{{\"Records\":[\n{}\n]}}\n", records.join(",\n"))
}

fn burst(bucket: &str, owner: &str, n: usize, bytes: u64) -> String {
    let recs: Vec<String> = (0..n)
        .map(|i| {
            put_object(
                &format!("2026-11-18T14:{:02}:00Z", 20 + i),
                "dbanks-cli",
                bucket,
                owner,
                &format!("d/{i:05}.bin"),
                bytes,
            )
        })
        .collect();
    cloudtrail(&recs)
}

#[test]
fn a_burst_into_another_accounts_bucket_alerts_alone() {
    let found = run_build(
        &ctx(None, None),
        BulkSaasUpload::build,
        &read_inputs(&[(
            "ct.json",
            burst("s3-ingest-a812ebb859", "554326570750", 4, 20 * MB),
        )]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.bulk-saas-upload");
    assert_eq!(f.entity.user.as_deref(), Some("dbanks-cli"));
    assert_eq!(f.fields["uploads"], "4");
    assert_eq!(f.bytes_out, Some(80 * MB));
    assert_eq!(f.evidence.len(), 4);
    assert_eq!(f.risk_score, 7);
    assert_eq!(
        f.destination.as_ref().and_then(|d| d.target.as_deref()),
        Some("s3://s3-ingest-a812ebb859")
    );
}

#[test]
fn own_buckets_small_objects_and_slow_uploads_raise_nothing() {
    let c = ctx(None, None);
    // The organisation's own account owns the bucket (nightly backups).
    assert!(run_build(
        &c,
        BulkSaasUpload::build,
        &read_inputs(&[(
            "ct.json",
            burst("corp-example-backups", "418273645910", 6, 90 * MB)
        )])
    )
    .is_empty());
    // Objects under 5 MB.
    assert!(run_build(
        &c,
        BulkSaasUpload::build,
        &read_inputs(&[(
            "ct.json",
            burst("s3-ingest-a812ebb859", "554326570750", 6, MB)
        )])
    )
    .is_empty());
    // Two uploads are not a bulk (three needed).
    assert!(run_build(
        &c,
        BulkSaasUpload::build,
        &read_inputs(&[(
            "ct.json",
            burst("s3-ingest-a812ebb859", "554326570750", 2, 20 * MB)
        )])
    )
    .is_empty());
    // A bucket the policy sanctions.
    let p = ctx(Some("sanctioned:\n  buckets: [s3-ingest-*]\n"), None);
    let recs: Vec<String> = (0..4)
        .map(|i| {
            put_object(
                &format!("2026-11-18T14:2{i}:00Z"),
                "svc",
                "s3-ingest-1",
                "",
                &format!("k{i}"),
                20 * MB,
            )
        })
        .collect();
    assert!(run_build(
        &p,
        BulkSaasUpload::build,
        &read_inputs(&[("ct.json", cloudtrail(&recs))])
    )
    .is_empty());
    // A lower count in the settings makes two a bulk.
    let two = ctx(
        None,
        Some("analytics:\n  bulk-saas-upload:\n    min_uploads: 2\n"),
    );
    assert_eq!(
        run_build(
            &two,
            BulkSaasUpload::build,
            &read_inputs(&[(
                "ct.json",
                burst("s3-ingest-a812ebb859", "554326570750", 2, 20 * MB)
            )])
        )
        .len(),
        1
    );
}

fn m365(
    time: &str,
    op: &str,
    user: &str,
    object: &str,
    ua: &str,
    size: Option<u64>,
    extra: &[(&str, &str)],
) -> String {
    let mut v = serde_json::json!({
        "CreationTime": time, "Id": format!("de65b629-5eb9-23a0-64d4-{:0>12}", time.replace([':', '-', 'T'], "")),
        "Operation": op, "OrganizationId": "4f0a6c1e-2b7d-4c55-9a3e-1d2f3a4b5c6d", "RecordType": 6,
        "UserKey": "i:0h.f|membership|1003200444@live.com", "UserType": 0, "Version": 1,
        "Workload": "OneDrive", "ClientIP": "10.20.1.26", "UserId": user, "ObjectId": object,
        "SiteUrl": "https://corpexample-my.sharepoint.com/personal/pkim_corp_example/",
        "SourceFileName": object.rsplit('/').next().unwrap_or(""), "ItemType": "File",
        "EventSource": "SharePoint", "UserAgent": ua,
    });
    if let Some(s) = size {
        v["FileSizeBytes"] = s.into();
    }
    for (k, x) in extra {
        v[*k] = (*x).into();
    }
    v.to_string()
}

const SYNC_UA: &str = "Microsoft SkyDriveSync 24.201.1006.0001 ship; Windows NT 10.0 (22631)";
const EDGE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const DIR: &str =
    "https://corpexample-my.sharepoint.com/personal/pkim_corp_example/Documents/transfer/";

fn uploads(op: &str, ua: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            m365(
                &format!("2026-11-18T13:{:02}:29", 10 + i),
                op,
                "pkim@corp.example",
                &format!("{DIR}export-{i:03}.zip"),
                ua,
                Some(40 * MB),
                &[],
            )
        })
        .collect()
}

#[test]
fn uploads_then_an_anonymous_link_alert_with_both() {
    let mut lines = uploads("FileUploaded", SYNC_UA, 5);
    lines.push(m365(
        "2026-11-18T14:02:09",
        "AnonymousLinkCreated",
        "pkim@corp.example",
        DIR,
        EDGE_UA,
        None,
        &[
            ("TargetUserOrGroupType", "Guest"),
            ("EventData", "<Type>View</Type>"),
        ],
    ));
    let found = run_build(
        &ctx(None, None),
        BulkSaasUpload::build,
        &read_inputs(&[("m365.jsonl", lines.join("\n"))]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.risk_score, 9);
    assert_eq!(f.fields["uploads_before"], "5");
    assert_eq!(f.fields["shared_with"], "anyone with the link");
    assert_eq!(f.bytes_out, Some(200 * MB));
    assert_eq!(f.evidence.len(), 6);
    assert!(f
        .evidence
        .last()
        .unwrap()
        .summary
        .starts_with("AnonymousLinkCreated"));
}

#[test]
fn onedrive_sync_and_uploads_without_a_share_raise_nothing() {
    let mut lines = uploads("FileSyncUploadedFull", SYNC_UA, 20);
    lines.extend(uploads("FileUploaded", EDGE_UA, 5));
    // An internal share is not a share to outside.
    lines.push(m365(
        "2026-11-18T14:02:09",
        "SharingSet",
        "pkim@corp.example",
        DIR,
        EDGE_UA,
        None,
        &[
            ("TargetUserOrGroupType", "Member"),
            ("TargetUserOrGroupName", "jdoe@corp.example"),
        ],
    ));
    assert!(run_build(
        &ctx(None, None),
        BulkSaasUpload::build,
        &read_inputs(&[("m365.jsonl", lines.join("\n"))])
    )
    .is_empty());
    // A share to a guest at another domain alone is reported (lower risk).
    let guest = m365(
        "2026-11-18T14:02:09",
        "SharingSet",
        "pkim@corp.example",
        DIR,
        EDGE_UA,
        None,
        &[
            ("TargetUserOrGroupType", "Member"),
            ("TargetUserOrGroupName", "pk.home@gmail.com"),
        ],
    );
    let found = run_build(
        &ctx(None, None),
        BulkSaasUpload::build,
        &read_inputs(&[("m365.jsonl", guest)]),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].risk_score, 6);
}

fn drive(time: &str, name: &str, title: &str, visibility: &str) -> String {
    serde_json::json!({
        "kind": "admin#reports#activity",
        "id": {"time": time, "uniqueQualifier": format!("8687774598408{}", title.len()), "applicationName": "drive", "customerId": "C03az79cb"},
        "actor": {"email": "dolsen@corp.example", "profileId": "110987654321098701137"},
        "ipAddress": "10.20.129.24",
        "events": [{"type": "acl_change", "name": name, "parameters": [
            {"name": "owner", "value": "dolsen@corp.example"},
            {"name": "doc_id", "value": "1EULw2qwJE8UwZo5UMAr02khArDtye0V5"},
            {"name": "doc_type", "value": "msexcel"},
            {"name": "doc_title", "value": title},
            {"name": "visibility", "value": visibility}
        ]}]
    })
    .to_string()
}

#[test]
fn drive_files_made_public_after_uploads() {
    let lines = [
        drive(
            "2026-11-18T09:49:51.230Z",
            "upload",
            "pricing-0.xlsx",
            "private",
        ),
        drive(
            "2026-11-18T09:50:51.230Z",
            "upload",
            "pricing-1.xlsx",
            "private",
        ),
        drive(
            "2026-11-18T09:51:51.230Z",
            "upload",
            "pricing-2.xlsx",
            "private",
        ),
        drive(
            "2026-11-18T09:52:28.634Z",
            "change_document_visibility",
            "pricing-0.xlsx",
            "people_with_link",
        ),
        drive(
            "2026-11-18T09:53:28.634Z",
            "change_document_visibility",
            "pricing-1.xlsx",
            "people_with_link",
        ),
    ];
    let found = run_build(
        &ctx(None, None),
        BulkSaasUpload::build,
        &read_inputs(&[("gws.jsonl", lines.join("\n"))]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.entity.user.as_deref(), Some("dolsen@corp.example"));
    assert_eq!(f.fields["shares"], "2");
    assert_eq!(f.fields["uploads_before"], "3");
    assert_eq!(f.risk_score, 9);
    // Visibility inside the organisation is no share to outside.
    let internal = drive(
        "2026-11-18T09:52:28.634Z",
        "change_document_visibility",
        "pricing-0.xlsx",
        "shared_internally",
    );
    assert!(run_build(
        &ctx(None, None),
        BulkSaasUpload::build,
        &read_inputs(&[("gws.jsonl", internal)])
    )
    .is_empty());
}
