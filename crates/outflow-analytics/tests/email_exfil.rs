//! `email-exfil` on Proofpoint and message-trace records read through the
//! real readers: the simulated freemail story, the thresholds, benign
//! business mail, a message reported by both sources, the threat list, the
//! recipient baseline across runs and bounded state.

mod support;

use outflow_analytics::stateful::email_exfil::{self, EmailExfil};
use outflow_analytics::StatefulAnalytic;
use outflow_detect::Finding;
use outflow_event::Event;
use serde_json::json;
use std::sync::Arc;
use support::{ctx, light_sim, read_via_file, run_snapshot, unshared_ctx, with_list};

fn build(c: &Arc<outflow_analytics::Ctx>) -> Box<dyn StatefulAnalytic> {
    email_exfil::build(c).unwrap()
}

/// A Proofpoint on-demand message record (the shape the PoD log API gives).
#[allow(clippy::too_many_arguments)] // one per record field the tests vary
fn pp(
    ts: &str,
    from: &str,
    to: &str,
    size: u64,
    direction: &str,
    attachment: Option<&str>,
    id: &str,
    ip: &str,
) -> String {
    let mut parts = vec![
        json!({"detectedMime":"text/plain","detectedName":"text.txt","detectedExt":"txt","detectedSizeBytes":412,"disposition":"inline","isArchive":false,"isProtected":false,"labeledName":"text.txt","structureId":"0"}),
    ];
    if let Some(name) = attachment {
        let ext = name.rsplit('.').next().unwrap();
        let is_archive = ["zip", "7z", "rar"].contains(&ext);
        parts.push(json!({"detectedMime":"application/octet-stream","detectedName":name,"detectedExt":ext,"detectedSizeBytes":size - 2000,"disposition":"attached","isArchive":is_archive,"isProtected":false,"labeledName":name,"structureId":"1"}));
    }
    json!({
        "connection":{"country":"**","helo":"ws-1.corp.example","host":"ws-1.corp.example","ip":ip,"protocol":"smtp:smtp","resolveStatus":"ok","sid":"qcHA0OAV9c"},
        "envelope":{"from":from,"rcpts":[to]},
        "filter":{"actions":[{"action":"accept","isFinal":true,"module":"access","rule":"system"}],"delivered":{"rcpts":[to]},"disposition":"accept","isMsgEncrypted":false,"msgSizeBytes":size + 1900,"qid":"jC9FcHXTaJCRHa","routeDirection":direction,"routes":["default_outbound"]},
        "guid":"2TOUdjuXFcA0lU7ghbPYdMCQdadSLdtM",
        "msg":{"header":{"from":[from],"message-id":[format!("<{id}>")],"subject":["docs"],"to":[to]},"normalizedHeader":{"from":[from],"message-id":[id],"subject":["docs"],"to":[to]},"parsedAddresses":{"from":[from],"to":[to]},"sizeBytes":size},
        "msgParts":parts,
        "pps":{"agent":"m0301277.ppops.net","cid":"corpexample_hosted","version":"8.21.0.1358"},
        "ts":ts
    })
    .to_string()
}

const MT_HEADER: &str = "\"Organization\",\"MessageId\",\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\",\"FromIP\",\"Size\",\"MessageTraceId\",\"StartDate\",\"EndDate\",\"Index\"";

/// A Microsoft 365 message-trace CSV row.
fn mt(received: &str, from: &str, to: &str, size: u64, id: &str, ip: &str) -> String {
    format!("\"corpexample.onmicrosoft.com\",\"<{id}>\",\"{received}\",\"{from}\",\"{to}\",\"Quarterly report\",\"Delivered\",\"\",\"{ip}\",\"{size}\",\"b1051557-a2cc-a77b-3954-9a49b0086781\",\"11/18/2026 12:00:00 AM\",\"11/19/2026 12:00:00 AM\",\"0\"")
}

fn trace(rows: &[String]) -> Vec<Event> {
    let mut text = String::from(MT_HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.push('\n');
    read_via_file("message-trace.csv", &text)
}

fn proofpoint(lines: &[String]) -> Vec<Event> {
    read_via_file("proofpoint.jsonl", &(lines.join("\n") + "\n"))
}

fn senders(found: &[Finding]) -> Vec<String> {
    found
        .iter()
        .map(|f| f.fields.get("sender").cloned().unwrap_or_default())
        .collect()
}

#[test]
fn fires_once_on_the_simulated_freemail_story_and_nowhere_else() {
    let truth = &light_sim().truth;
    let story = truth
        .iter()
        .find(|t| t["id"].as_str().unwrap().contains("email-freemail"))
        .expect("the simulator's freemail story");
    let sender = story["user_email"].as_str().unwrap().to_string();
    let events = light_sim().events(&["email/proofpoint.jsonl", "email/message-trace.csv"]);
    let (found, _) = run_snapshot(&ctx(None, None), build, &events);
    // Proofpoint and message trace report the same messages: one alert.
    assert_eq!(senders(&found), vec![sender.clone()], "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.email-exfil");
    assert_eq!(f.d3fend, vec!["D3-MA".to_string()]);
    let recipient = f.fields["recipient"].clone();
    assert!(recipient.ends_with("@proton.me"), "{recipient}");
    assert_eq!(
        f.destination.as_ref().unwrap().domain.as_deref(),
        Some("proton.me")
    );
    assert!(f.fields["archive_messages"].parse::<u32>().unwrap() >= 2);
    assert!(f.fields["large_messages"].parse::<u32>().unwrap() >= 3);
    assert!(f.bytes_out.unwrap() > 15_000_000);
    assert_eq!(f.fields["first_seen_recipient"], "true");
    assert!(f.risk_score >= 7, "{}", f.risk_score);
    assert!(f.evidence.len() >= 2 && f.evidence.len() <= 12);
}

#[test]
fn two_large_mails_to_a_partner_are_business_the_third_is_not() {
    let rows = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                mt(
                    &format!("11/18/2026 {}:05:00 PM", i + 1),
                    "lcho@corp.example",
                    "legal@lawfirm.example",
                    9_000_000,
                    &format!("m{i}@corp.example"),
                    "10.20.1.5",
                )
            })
            .collect()
    };
    let (found, _) = run_snapshot(&ctx(None, None), build, &trace(&rows(2)));
    assert!(found.is_empty(), "{found:#?}");
    let (found, _) = run_snapshot(&ctx(None, None), build, &trace(&rows(3)));
    assert_eq!(senders(&found), vec!["lcho@corp.example".to_string()]);
    assert_eq!(found[0].fields["large_messages"], "3");
    assert_eq!(found[0].fields["archive_messages"], "0");
}

#[test]
fn internal_and_inbound_mail_and_small_mail_are_silent() {
    let mut lines = Vec::new();
    for i in 0..6 {
        let ts = format!("2026-11-18T1{i}:00:00.000000-0000");
        // Large internal mail with archives.
        lines.push(pp(
            &ts,
            "a@corp.example",
            "b@corp.example",
            20_000_000,
            "internal",
            Some("x.zip"),
            &format!("i{i}@corp.example"),
            "10.20.1.5",
        ));
        // Large inbound mail with archives from a partner.
        lines.push(pp(
            &ts,
            "partner@vendor.example",
            "a@corp.example",
            20_000_000,
            "inbound",
            Some("y.7z"),
            &format!("in{i}@vendor.example"),
            "198.51.100.20",
        ));
        // Small outbound mail without attachments.
        lines.push(pp(
            &ts,
            "a@corp.example",
            "orders@supplier.example",
            40_000,
            "outbound",
            None,
            &format!("o{i}@corp.example"),
            "10.20.1.5",
        ));
    }
    let (found, _) = run_snapshot(&ctx(None, None), build, &proofpoint(&lines));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn organisation_domains_from_settings_and_policy_are_not_outside() {
    let mut lines = Vec::new();
    for i in 0..3 {
        let ts = format!("2026-11-18T1{i}:00:00.000000-0000");
        lines.push(pp(
            &ts,
            "a@corp.example",
            "b@corp-subsidiary.example",
            1_000_000,
            "outbound",
            Some("x.zip"),
            &format!("s{i}@corp.example"),
            "10.20.1.5",
        ));
        lines.push(pp(
            &ts,
            "a@corp.example",
            "c@corpexample.com",
            1_000_000,
            "outbound",
            Some("x.zip"),
            &format!("p{i}@corp.example"),
            "10.20.1.5",
        ));
    }
    let settings = "analytics:\n  email-exfil:\n    organisation_domains: [corp.example, corp-subsidiary.example]\n";
    let policy = "sanctioned:\n  domains: [corpexample.com]\n";
    let (found, _) = run_snapshot(
        &ctx(Some(policy), Some(settings)),
        build,
        &proofpoint(&lines),
    );
    assert!(found.is_empty(), "{found:#?}");
    // Without them, both recipients are outside.
    let (found, _) = run_snapshot(&ctx(None, None), build, &proofpoint(&lines));
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn a_message_in_both_sources_counts_once_and_keeps_its_attachment() {
    // The trace row (no attachment data) comes first; Proofpoint adds the archive.
    let mut events = trace(&[
        mt(
            "11/18/2026 1:00:00 PM",
            "x@corp.example",
            "me@proton.me",
            1_000_000,
            "d1@corp.example",
            "10.20.1.5",
        ),
        mt(
            "11/18/2026 1:10:00 PM",
            "x@corp.example",
            "me@proton.me",
            1_000_000,
            "d2@corp.example",
            "10.20.1.5",
        ),
    ]);
    events.extend(proofpoint(&[pp(
        "2026-11-18T13:00:01.000000-0000",
        "x@corp.example",
        "me@proton.me",
        1_000_000,
        "outbound",
        Some("a.zip"),
        "d1@corp.example",
        "10.20.1.5",
    )]));
    let (found, _) = run_snapshot(&ctx(None, None), build, &events);
    assert!(
        found.is_empty(),
        "one archive is below protected_count: {found:#?}"
    );
    events.extend(proofpoint(&[pp(
        "2026-11-18T13:10:01.000000-0000",
        "x@corp.example",
        "me@proton.me",
        1_000_000,
        "outbound",
        Some("b.7z"),
        "d2@corp.example",
        "10.20.1.5",
    )]));
    let (found, _) = run_snapshot(&ctx(None, None), build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].fields["messages"], "2");
    assert_eq!(found[0].fields["archive_messages"], "2");
    assert_eq!(found[0].bytes_out, Some(2_000_000));
}

#[test]
fn senders_and_addresses_on_the_threat_list_are_reported() {
    let lines = vec![
        pp(
            "2026-11-18T10:00:00.000000-0000",
            "billing@phish.example",
            "a@corp.example",
            30_000,
            "inbound",
            None,
            "t1@phish.example",
            "198.51.100.20",
        ),
        pp(
            "2026-11-18T10:05:00.000000-0000",
            "news@vendor.example",
            "a@corp.example",
            30_000,
            "inbound",
            None,
            "t2@vendor.example",
            "203.0.113.77",
        ),
        pp(
            "2026-11-18T10:06:00.000000-0000",
            "news@fine.example",
            "a@corp.example",
            30_000,
            "inbound",
            None,
            "t3@fine.example",
            "192.0.2.1",
        ),
    ];
    let c = Arc::new(with_list(
        unshared_ctx(None, None),
        "# campaign\nphish.example\n203.0.113.0/24\n",
    ));
    let (found, _) = run_snapshot(&c, build, &proofpoint(&lines));
    let mut got: Vec<(String, String)> = found
        .iter()
        .map(|f| {
            (
                f.entity.user.clone().unwrap(),
                f.fields["indicator"].clone(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "billing@phish.example".to_string(),
                "phish.example".to_string()
            ),
            (
                "news@vendor.example".to_string(),
                "203.0.113.0/24".to_string()
            ),
        ]
    );
    assert!(found
        .iter()
        .all(|f| f.d3fend == vec!["D3-SRA".to_string()] && f.risk_score == 8));
    // Without a list, nothing.
    let (found, _) = run_snapshot(&ctx(None, None), build, &proofpoint(&lines));
    assert!(found.is_empty());
}

#[test]
fn a_recipient_known_from_an_earlier_run_is_not_first_seen() {
    let earlier = proofpoint(&[pp(
        "2026-11-10T10:00:00.000000-0000",
        "x@corp.example",
        "me@proton.me",
        10_000,
        "outbound",
        None,
        "e1@corp.example",
        "10.20.1.5",
    )]);
    let later = proofpoint(&[
        pp(
            "2026-11-18T10:00:00.000000-0000",
            "x@corp.example",
            "me@proton.me",
            1_000_000,
            "outbound",
            Some("a.zip"),
            "l1@corp.example",
            "10.20.1.5",
        ),
        pp(
            "2026-11-18T10:05:00.000000-0000",
            "x@corp.example",
            "me@proton.me",
            1_000_000,
            "outbound",
            Some("b.zip"),
            "l2@corp.example",
            "10.20.1.5",
        ),
    ]);
    let (_, snap) = run_snapshot(&ctx(None, None), build, &earlier);
    let state = snap["analytics"][email_exfil::NAME].clone();
    assert!(
        state["known"]["x@corp.example"]["me@proton.me"].is_i64(),
        "{state}"
    );

    let (fresh, _) = run_snapshot(&ctx(None, None), build, &later);
    let (restored, _) = run_snapshot(
        &ctx(None, None),
        |c| {
            let mut a = build(c);
            a.restore(state.clone()).unwrap();
            a
        },
        &later,
    );
    assert_eq!(fresh[0].fields["first_seen_recipient"], "true");
    assert_eq!(restored[0].fields["first_seen_recipient"], "false");
    assert_eq!(fresh[0].risk_score, restored[0].risk_score + 1);
    let mut a = build(&ctx(None, None));
    assert!(a.restore(json!({"known": 5})).is_err());
}

#[test]
fn state_stays_bounded() {
    let c = ctx(
        None,
        Some("analytics:\n  email-exfil:\n    max_open_windows: 4\n    max_senders: 3\n    max_recipients_per_sender: 5\n"),
    );
    let mut a = EmailExfil::new(&c).unwrap();
    let lines: Vec<String> = (0..40)
        .map(|i| {
            pp(
                &format!("2026-11-18T10:{:02}:00.000000-0000", i),
                &format!("s{}@corp.example", i % 8),
                &format!("r{i}@elsewhere.example"),
                1_000,
                "outbound",
                None,
                &format!("b{i}@corp.example"),
                "10.20.1.5",
            )
        })
        .collect();
    let mut engine = outflow_analytics::AnalyticsEngine::new(c.clone(), vec![]);
    let mut out = Vec::new();
    for ev in proofpoint(&lines) {
        let v = engine.view(&ev);
        a.on_event(&v, &mut out);
    }
    // 4 windows + 16 message ids + 3 senders × 5 recipients at most.
    assert!(a.state_len() <= 4 + 16 + 15, "{}", a.state_len());
}

#[test]
fn a_watermark_ahead_of_the_mail_does_not_close_its_windows() {
    // Other sources (read first) drive the watermark days ahead of the mail.
    let lines: Vec<String> = (0..3)
        .map(|i| {
            pp(
                &format!("2026-11-18T10:0{i}:00.000000-0000"),
                "x@corp.example",
                "me@proton.me",
                1_000_000,
                "outbound",
                Some("a.zip"),
                &format!("w{i}@corp.example"),
                "10.20.1.5",
            )
        })
        .collect();
    let c = ctx(None, None);
    let mut engine = outflow_analytics::AnalyticsEngine::new(c.clone(), vec![build(&c)]);
    let far = outflow_event::Timestamp(1_795_500_000_000_000_000);
    let mut out = Vec::new();
    use outflow_detect::Analytic;
    for ev in proofpoint(&lines) {
        engine.advance(far, &mut out);
        engine.process(&ev, &mut out);
    }
    engine.advance(far, &mut out);
    // The alert is due (settle passed by the mail's own clock only at the end).
    engine.finish(&mut out);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].fields["messages"], "3");
}

#[test]
fn windows_end_a_window_after_they_open_however_seldom_they_are_swept() {
    // Three large mails on the 18th, three more on the 20th, one on the
    // 19th between them: each burst is its own window and its own alert;
    // the lone mail opens a window that never reaches the threshold.
    let at = |day: u32, time: &str, i: usize| {
        mt(
            &format!("11/{day}/2026 {time}"),
            "lcho@corp.example",
            "legal@lawfirm.example",
            9_000_000,
            &format!("w{i}@corp.example"),
            "10.20.1.5",
        )
    };
    let rows = vec![
        at(18, "1:05:00 PM", 0),
        at(18, "2:05:00 PM", 1),
        at(18, "3:05:00 PM", 2),
        at(19, "4:05:00 PM", 3),
        at(20, "6:05:00 PM", 4),
        at(20, "7:05:00 PM", 5),
        at(20, "8:05:00 PM", 6),
    ];
    let (found, snapshot) = run_snapshot(&ctx(None, None), build, &trace(&rows));
    let times: Vec<String> = found
        .iter()
        .map(|f| f.timestamp.unwrap().to_string())
        .collect();
    assert_eq!(found.len(), 2, "{times:?}");
    assert!(times[0].starts_with("2026-11-18"), "{times:?}");
    assert!(times[1].starts_with("2026-11-20"), "{times:?}");
    // The swept state holds the last window and its messages only.
    let pairs = snapshot["analytics"]["email-exfil"]["pairs"]
        .as_object()
        .unwrap();
    let seen = snapshot["analytics"]["email-exfil"]["seen"]
        .as_object()
        .unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert!(seen.len() <= 4, "{seen:?}");
}
