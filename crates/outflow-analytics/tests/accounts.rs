//! Windows account names for SIDs: Security events that give a SID with
//! its account (4688's subject and target, 4624's target) teach the engine
//! the name, which alerts on records that give only the SID (PowerShell
//! 4104) then carry. Well-known SIDs, the same on every machine, are not
//! learnt, nor empty (`-`) names.

mod support;

use outflow_analytics::AnalyticsEngine;
use outflow_detect::Analytic;
use support::{ctx, read_bytes, winlog};

const UOLSEN: &str = "S-1-5-21-1004336348-1177238915-682003330-1116";
const SVC: &str = "S-1-5-21-1004336348-1177238915-682003330-2201";

fn security(id: u32, time: &str, data: &[(&str, &str)]) -> String {
    winlog(
        "Security",
        "Microsoft-Windows-Security-Auditing",
        id,
        time,
        "WS-OPS-02.corp.example",
        data,
    )
}

#[test]
fn security_events_name_domain_and_local_account_sids() {
    let lines = [
        // A user starts cmd.exe: the subject is the user.
        security(
            4688,
            "2026-11-16T09:03:40.446Z",
            &[
                ("SubjectUserSid", UOLSEN),
                ("SubjectUserName", "uolsen"),
                ("SubjectDomainName", "CORP"),
                ("TargetUserSid", "S-1-0-0"),
                ("TargetUserName", "-"),
                ("NewProcessName", r"C:\Windows\System32\cmd.exe"),
                ("CommandLine", "cmd.exe"),
            ],
        ),
        // SYSTEM starts a service: its SID is every machine's, its subject
        // name the machine's account.
        security(
            4688,
            "2026-11-16T09:04:00Z",
            &[
                ("SubjectUserSid", "S-1-5-18"),
                ("SubjectUserName", "WS-OPS-02$"),
                ("SubjectDomainName", "CORP"),
                ("NewProcessName", r"C:\Windows\System32\svchost.exe"),
                ("CommandLine", "svchost.exe -k netsvcs"),
            ],
        ),
        // A service account logs on: the target is the account.
        security(
            4624,
            "2026-11-16T09:05:00Z",
            &[
                ("SubjectUserSid", "S-1-5-18"),
                ("SubjectUserName", "WS-OPS-02$"),
                ("TargetUserSid", SVC),
                ("TargetUserName", "svc-backup"),
                ("TargetDomainName", "CORP"),
                ("LogonType", "5"),
            ],
        ),
    ]
    .join("\n");
    let events = read_bytes("security.jsonl", &lines);
    assert_eq!(events.len(), 3);
    let mut engine = AnalyticsEngine::new(ctx(None, None), Vec::new());
    let mut out = Vec::new();
    for ev in &events {
        engine.process(ev, &mut out);
    }
    assert_eq!(engine.account_name(UOLSEN).as_deref(), Some(r"CORP\uolsen"));
    assert_eq!(
        engine.account_name(SVC).as_deref(),
        Some(r"CORP\svc-backup")
    );
    assert_eq!(engine.account_name("S-1-5-18"), None);
    assert_eq!(engine.account_name("S-1-0-0"), None);
}

/// The latest name given for a SID stands: a renamed account, or one a
/// record gives without its domain, replaces what was learnt; the same
/// account given again changes nothing.
#[test]
fn a_sid_takes_the_latest_account_given_for_it() {
    let start = |time: &str, name: &str, domain: &str| {
        security(
            4688,
            time,
            &[
                ("SubjectUserSid", UOLSEN),
                ("SubjectUserName", name),
                ("SubjectDomainName", domain),
                ("NewProcessName", r"C:\Windows\System32\cmd.exe"),
                ("CommandLine", "cmd.exe"),
            ],
        )
    };
    let mut engine = AnalyticsEngine::new(ctx(None, None), Vec::new());
    let mut out = Vec::new();
    let mut after = |time: &str, name: &str, domain: &str| {
        for ev in &read_bytes("security.jsonl", &start(time, name, domain)) {
            engine.process(ev, &mut out);
        }
        engine.account_name(UOLSEN)
    };
    let first = after("2026-11-16T09:00:00Z", "uolsen", "CORP");
    assert_eq!(first.as_deref(), Some(r"CORP\uolsen"));
    let again = after("2026-11-16T09:01:00Z", "uolsen", "CORP");
    assert_eq!(again.as_deref(), Some(r"CORP\uolsen"));
    let renamed = after("2026-11-16T09:02:00Z", "u.olsen", "CORP");
    assert_eq!(renamed.as_deref(), Some(r"CORP\u.olsen"));
    let other_domain = after("2026-11-16T09:03:00Z", "u.olsen", "CORPX");
    assert_eq!(other_domain.as_deref(), Some(r"CORPX\u.olsen"));
    let no_domain = after("2026-11-16T09:04:00Z", "u.olsen", "-");
    assert_eq!(no_domain.as_deref(), Some("u.olsen"));
    let domain_again = after("2026-11-16T09:05:00Z", "u.olsen", "CORP");
    assert_eq!(domain_again.as_deref(), Some(r"CORP\u.olsen"));
}
