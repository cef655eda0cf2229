//! Windows events as JSON (evtx_dump, Winlogbeat, NXLog) through the reader
//! and the built-in `windows.yml` mapping: fields, time, logsources, entity.

use outflow_event::{Event, Position, RejectReason, SourceKind, Value};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{detect_format, read_to_vec, CollectSink, InputSpec, Limits};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/windows")
        .join(name)
}

fn normalizer() -> Normalizer {
    Normalizer::new(Arc::new(
        Mappings::builtin().expect("built-in mappings load"),
    ))
}

/// Reads a file (format detected), asserts it is `kind` without rejects, normalizes.
fn read(path: &Path, kind: SourceKind) -> Vec<Event> {
    let (out, sink) = read_to_vec(
        &InputSpec::File(path.to_path_buf()),
        None,
        &Limits::default(),
    );
    assert_eq!(out.format, Some(kind), "{}", path.display());
    assert!(
        sink.rejects.is_empty(),
        "{}: {:?}",
        path.display(),
        sink.rejects
    );
    let mut norm = normalizer();
    let mut events = sink.events;
    for ev in &mut events {
        norm.normalize(ev);
    }
    events
}

fn text(ev: &Event, name: &str) -> String {
    ev.get(name)
        .map(|v| ev.display(v).into_owned())
        .unwrap_or_else(|| panic!("no field {name} in {}", ev.raw()))
}

fn logsources(ev: &Event) -> Vec<String> {
    ev.logsources.iter().map(|l| l.to_string()).collect()
}

fn by_id(events: &[Event], id: &str) -> Event {
    events
        .iter()
        .find(|e| e.get("EventID").is_some_and(|v| e.display(v) == id))
        .unwrap_or_else(|| panic!("no event {id}"))
        .clone()
}

#[test]
fn evtx_dump_json_fields_time_logsource_entity() {
    let events = read(&fixture("evtx_dump.jsonl"), SourceKind::WinJson);
    assert_eq!(events.len(), 11);

    // Sysmon 1: System fields under canonical names, GUIDs upper case braced.
    let ev = by_id(&events, "1");
    assert_eq!(ev.get("EventID"), Some(&Value::Int(1)));
    assert_eq!(text(&ev, "Channel"), "Microsoft-Windows-Sysmon/Operational");
    assert_eq!(text(&ev, "Computer"), "LAB-WS01.corp.example");
    assert_eq!(text(&ev, "Provider_Name"), "Microsoft-Windows-Sysmon");
    assert_eq!(
        text(&ev, "Provider_Guid"),
        "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
    );
    assert_eq!(text(&ev, "EventRecordID"), "48211");
    assert_eq!(text(&ev, "Execution_ProcessID"), "3160");
    assert_eq!(text(&ev, "Execution_ThreadID"), "4528");
    assert_eq!(text(&ev, "Security_UserID"), "S-1-5-18");
    assert_eq!(text(&ev, "Keywords"), "0x8000000000000000");
    assert_eq!(text(&ev, "TimeCreated"), "2026-11-20T09:12:44.5123456Z");
    assert_eq!(
        text(&ev, "ProcessGuid"),
        "{8A1F2C3D-4B5E-6F70-8192-A3B4C5D6E7F8}"
    );
    assert_eq!(text(&ev, "OriginalFileName"), "rclone.exe");
    assert_eq!(
        text(&ev, "ParentCommandLine"),
        "\"C:\\Windows\\system32\\cmd.exe\" "
    );
    assert!(
        ev.get("Correlation").is_none(),
        "null elements are left out"
    );
    assert!(ev.get("xmlns").is_none());
    assert_eq!(ev.ts.unwrap().to_string(), "2026-11-20T09:12:44.512345600Z");
    assert_eq!(ev.origin.position, Position::Line(1));
    assert_eq!(
        logsources(&ev),
        ["windows/process_creation/-", "windows/-/sysmon"]
    );
    let e = &ev.entity;
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::Host).unwrap(),
        "LAB-WS01.corp.example"
    );
    assert_eq!(ev.str_of(e.user.as_ref().unwrap()), Some("CORP\\alice"));
    assert_eq!(
        ev.str_of(e.image.as_ref().unwrap()),
        Some("C:\\Users\\Public\\svchost32.exe")
    );
    assert_eq!(e.pid, Some(7312));
    assert_eq!(
        ev.str_of(e.original_file_name.as_ref().unwrap()),
        Some("rclone.exe")
    );
    assert_eq!(
        ev.str_of(e.process_guid.as_ref().unwrap()),
        Some("{8A1F2C3D-4B5E-6F70-8192-A3B4C5D6E7F8}")
    );

    // Sysmon 3: addresses, ports and destination name in the entity; booleans stay booleans.
    let ev = by_id(&events, "3");
    assert_eq!(ev.get("Initiated"), Some(&Value::Bool(true)));
    assert_eq!(
        logsources(&ev),
        ["windows/network_connection/-", "windows/-/sysmon"]
    );
    let e = &ev.entity;
    assert_eq!(e.src_ip, Some("10.1.2.3".parse().unwrap()));
    assert_eq!(e.src_port, Some(50122));
    assert_eq!(e.dst_ip, Some("31.216.148.11".parse().unwrap()));
    assert_eq!(e.dst_port, Some(443));
    assert_eq!(
        ev.str_of(e.dst_domain.as_ref().unwrap()),
        Some("gfs270n122.userstorage.mega.co.nz")
    );

    let ev = by_id(&events, "11");
    assert_eq!(text(&ev, "TargetFilename"), "C:\\Users\\Public\\fin.7z");
    assert_eq!(
        logsources(&ev),
        ["windows/file_event/-", "windows/-/sysmon"]
    );
    assert_eq!(ev.entity.pid, Some(5544));

    let ev = by_id(&events, "15");
    assert!(text(&ev, "TargetFilename").ends_with(":Zone.Identifier"));
    assert_eq!(
        logsources(&ev),
        ["windows/create_stream_hash/-", "windows/-/sysmon"]
    );

    let ev = by_id(&events, "22");
    assert_eq!(logsources(&ev), ["windows/dns_query/-", "windows/-/sysmon"]);
    assert_eq!(
        ev.str_of(ev.entity.dst_domain.as_ref().unwrap()),
        Some("g.api.mega.co.nz")
    );

    // Security 4688: taxonomy names added beside the source's, hex pid, "-" target user skipped.
    let ev = by_id(&events, "4688");
    assert!(
        ev.get("Security_UserID").is_none(),
        "Security: null is left out"
    );
    assert_eq!(
        logsources(&ev),
        ["windows/process_creation/-", "windows/-/security"]
    );
    assert_eq!(text(&ev, "Image"), "C:\\Users\\Public\\svchost32.exe");
    assert_eq!(
        text(&ev, "NewProcessName"),
        "C:\\Users\\Public\\svchost32.exe"
    );
    assert_eq!(text(&ev, "ParentImage"), "C:\\Windows\\System32\\cmd.exe");
    assert_eq!(text(&ev, "User"), "alice");
    assert_eq!(text(&ev, "LogonId"), "0x3d2a1f");
    assert_eq!(ev.entity.pid, Some(0x1c90));
    assert_eq!(ev.str_of(ev.entity.user.as_ref().unwrap()), Some("alice"));
    assert_eq!(
        ev.str_of(ev.entity.image.as_ref().unwrap()),
        Some("C:\\Users\\Public\\svchost32.exe")
    );

    // PowerShell 4104: escaped text decoded, Correlation attribute joined.
    let ev = by_id(&events, "4104");
    assert!(text(&ev, "ScriptBlockText").contains("-Method Post -InFile"));
    assert!(text(&ev, "ScriptBlockText").contains("\r\n"));
    assert_eq!(
        text(&ev, "ScriptBlockId"),
        "{B4C1A3F2-9E7D-4C21-8D3E-5F6A7B8C9D0E}"
    );
    assert_eq!(
        text(&ev, "Correlation_ActivityID"),
        "{3C0A8E71-5A2B-0003-92D4-0C3B2A5AD901}"
    );
    assert_eq!(
        logsources(&ev),
        ["windows/ps_script/-", "windows/-/powershell"]
    );
    assert_eq!(ev.entity.pid, Some(9120));
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::User).unwrap(),
        "S-1-5-21-3623811015-3361044348-30300820-1104"
    );

    let ev = by_id(&events, "3008");
    assert_eq!(logsources(&ev), ["windows/-/dns-client"]);
    assert_eq!(
        ev.str_of(ev.entity.dst_domain.as_ref().unwrap()),
        Some("g.api.mega.co.nz")
    );
    assert_eq!(ev.get("QueryOptions"), Some(&Value::Int(140737488355328)));

    // BITS 59: a UInt64 past i64 stays exact, as text.
    let ev = by_id(&events, "59");
    assert_eq!(logsources(&ev), ["windows/-/bits-client"]);
    assert_eq!(text(&ev, "url"), "https://paste.example.net/raw/u8K2");
    assert_eq!(text(&ev, "bandwidthLimit"), "18446744073709551615");

    // Classic PowerShell 400: EventID with Qualifiers, unnamed Data as a list.
    let ev = by_id(&events, "400");
    assert_eq!(ev.get("EventID"), Some(&Value::Int(400)));
    assert_eq!(ev.get("EventID_Qualifiers"), Some(&Value::Int(0)));
    match ev.get("Data") {
        Some(Value::List(items)) => {
            assert_eq!(items.len(), 3);
            assert!(ev
                .display(&items[2])
                .contains("HostApplication=powershell.exe -nop"));
        }
        other => panic!("Data: {other:?}"),
    }
    assert_eq!(
        logsources(&ev),
        ["windows/ps_classic_start/-", "windows/-/powershell-classic"]
    );

    // System 104: UserData leaves by name; its own Channel comes after the System one.
    let ev = by_id(&events, "104");
    assert_eq!(text(&ev, "Channel"), "System");
    assert_eq!(text(&ev, "SubjectUserName"), "alice");
    assert_eq!(logsources(&ev), ["windows/-/system"]);
}

/// The fields every shape shares, as text.
fn common_view(ev: &Event) -> Vec<(String, String)> {
    let names = [
        "EventID",
        "Channel",
        "Computer",
        "Provider_Name",
        "Provider_Guid",
        "EventRecordID",
        "Execution_ProcessID",
        "Execution_ThreadID",
        "Image",
        "CommandLine",
        "ProcessGuid",
        "QueryName",
        "DestinationIp",
        "DestinationPort",
        "ScriptBlockText",
        "NewProcessName",
    ];
    names
        .iter()
        .filter_map(|n| {
            ev.get(n)
                .map(|v| (n.to_string(), ev.display(v).into_owned()))
        })
        .collect()
}

#[test]
fn winlogbeat_and_nxlog_give_the_same_fields_and_entity() {
    let dump = read(&fixture("evtx_dump.jsonl"), SourceKind::WinJson);
    let beat = read(&fixture("winlogbeat.ndjson"), SourceKind::WinJson);
    let nx = read(&fixture("nxlog.json"), SourceKind::WinJson);
    assert_eq!(beat.len(), 5);
    assert_eq!(nx.len(), 5);
    for (b, n) in beat.iter().zip(&nx) {
        let id = text(b, "EventID");
        let d = by_id(&dump, &id);
        assert_eq!(common_view(b), common_view(&d), "winlogbeat {id}");
        assert_eq!(common_view(n), common_view(&d), "nxlog {id}");
        assert_eq!(logsources(b), logsources(&d), "winlogbeat {id}");
        assert_eq!(logsources(n), logsources(&d), "nxlog {id}");
        assert!(!d.entity.is_empty());
        assert_eq!(entity_texts(n), entity_texts(&d), "nxlog {id} entity");
        assert_eq!(entity_texts(b), entity_texts(&d), "winlogbeat {id} entity");
        // Winlogbeat's @timestamp has milliseconds, NXLog's EventTime seconds.
        let t = d.ts.unwrap().0;
        assert_eq!(
            b.ts.unwrap().0,
            t / 1_000_000 * 1_000_000,
            "winlogbeat {id} time"
        );
        assert_eq!(
            n.ts.unwrap().0,
            t / 1_000_000_000 * 1_000_000_000,
            "nxlog {id} time"
        );
    }
    // Shape-specific fields survive under their own names.
    let b = by_id(&beat, "3");
    assert_eq!(text(&b, "host.name"), "lab-ws01.corp.example");
    assert_eq!(text(&b, "winlog.api"), "wineventlog");
    assert_eq!(text(&b, "Security_UserID"), "S-1-5-18");
    assert_eq!(
        text(&b, "Task"),
        "Network connection detected (rule: NetworkConnect)"
    );
    let n = by_id(&nx, "3");
    assert_eq!(text(&n, "SourceModuleType"), "im_msvistalog");
    assert_eq!(text(&n, "Security_UserID"), "S-1-5-18");
    assert_eq!(text(&n, "TimeCreated"), "2026-11-20 09:14:05");
}

/// Entity slots as text (Winlogbeat writes numbers as strings, so values differ in kind).
fn entity_texts(ev: &Event) -> Vec<Option<String>> {
    outflow_event::EntitySlot::ALL
        .iter()
        .map(|s| ev.entity_str(*s).map(|c| c.into_owned()))
        .collect()
}

#[test]
fn every_mapping_rule_is_reachable() {
    // One minimal evtx_dump event per (Channel, EventID) of windows.yml.
    let table = std::fs::read_to_string(fixture("logsources.tsv")).unwrap();
    let mut lines = String::new();
    let mut want = Vec::new();
    for row in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = row.split('\t').collect();
        let (channel, id, expected) = (cols[0], cols[1], cols[2]);
        lines.push_str(&format!(
            r##"{{"Event":{{"System":{{"EventID":{id},"Channel":"{channel}","Computer":"H","TimeCreated":{{"#attributes":{{"SystemTime":"2026-11-20T00:00:00.0000000Z"}}}}}}}}}}"##
        ));
        lines.push('\n');
        want.push((
            row.to_string(),
            expected.split(';').map(str::to_string).collect::<Vec<_>>(),
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("all.jsonl");
    std::fs::write(&path, lines).unwrap();
    let events = read(&path, SourceKind::WinJson);
    assert_eq!(events.len(), want.len());
    for (ev, (row, expected)) in events.iter().zip(&want) {
        assert_eq!(&logsources(ev), expected, "{row}");
        assert_eq!(
            ev.entity_str(outflow_event::EntitySlot::Host).as_deref(),
            Some("H"),
            "{row}"
        );
    }
    eprintln!("{} mapping entries checked", want.len());
}

#[test]
fn sniffing_recognises_the_three_shapes_only() {
    for name in ["evtx_dump.jsonl", "winlogbeat.ndjson", "nxlog.json"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        assert_eq!(detect_format(&bytes), Some(SourceKind::WinJson), "{name}");
    }
    assert_ne!(
        detect_format(br#"{"EventID":4,"msg":"x"}"#),
        Some(SourceKind::WinJson)
    );
    assert_ne!(
        detect_format(br#"{"Event":{"name":"x"}}"#),
        Some(SourceKind::WinJson)
    );
}

#[test]
fn malformed_and_foreign_records_are_rejected_and_reading_goes_on() {
    let good = std::fs::read_to_string(fixture("evtx_dump.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let input = format!(
        "{first}\n{{\"Event\":{{\"System\":{{\"EventID\":1,}}}}}}\n{{\"other\":1}}\n{first}\n"
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("mixed.jsonl");
    std::fs::write(&path, input).unwrap();
    let (_, sink): (_, CollectSink) = read_to_vec(&InputSpec::File(path), None, &Limits::default());
    assert_eq!(sink.events.len(), 2);
    let rejects: Vec<_> = sink
        .rejects
        .iter()
        .map(|r| (r.reason, r.origin.position))
        .collect();
    assert_eq!(
        rejects,
        [
            (RejectReason::JsonSyntax, Position::Line(2)),
            (RejectReason::UnexpectedShape, Position::Line(3)),
        ]
    );
}

#[test]
fn demo_files_read_cleanly() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/formats");
    let sysmon = read(&demo.join("windows-sysmon.jsonl"), SourceKind::WinJson);
    assert!((10..=25).contains(&sysmon.len()));
    assert!(sysmon
        .iter()
        .all(|e| e.ts.is_some() && !e.logsources.is_empty()));
    let rclone = sysmon
        .iter()
        .find(|e| e.get_str("OriginalFileName") == Some("rclone.exe"))
        .expect("the renamed rclone");
    assert_eq!(
        rclone.get_str("Image"),
        Some("C:\\Users\\Public\\svchost32.exe")
    );
    let conn = sysmon
        .iter()
        .find(|e| e.get_str("DestinationHostname") == Some("gfs270n122.userstorage.mega.co.nz"))
        .expect("the upload");
    assert_eq!(conn.entity.dst_port, Some(443));
    assert_eq!(conn.entity.dst_ip, Some("31.216.148.11".parse().unwrap()));
    let security = read(&demo.join("windows-security.json"), SourceKind::WinJson);
    assert!(!security.is_empty());
    assert!(security.iter().all(
        |e| e.primary_logsource().and_then(|l| l.category.as_deref()) == Some("process_creation")
    ));
}

/// Throughput of reading + normalizing compact evtx_dump lines. Run with
/// `cargo test --release -p outflow-sources --test windows -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput_evtx_dump_lines() {
    use outflow_sources::{EventSink, Flow};
    struct Count(Normalizer, u64);
    impl EventSink for Count {
        fn event(&mut self, mut ev: Event) -> Flow {
            self.0.normalize(&mut ev);
            self.1 += ev.fields.len() as u64;
            Flow::Continue
        }
        fn reject(&mut self, r: outflow_event::Reject) -> Flow {
            panic!("{r}")
        }
    }
    let sample = std::fs::read_to_string(fixture("evtx_dump.jsonl")).unwrap();
    let sysmon: Vec<&str> = sample.lines().take(5).collect();
    let n = 200_000;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(sysmon[i % sysmon.len()]);
        text.push('\n');
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.jsonl");
    std::fs::write(&path, &text).unwrap();
    let limits = Limits::default();
    for _ in 0..3 {
        let mut sink = Count(normalizer(), 0);
        let (start, cpu0) = (std::time::Instant::now(), thread_cpu_ns());
        let out = outflow_sources::read_input(
            &InputSpec::File(path.clone()),
            None,
            &limits,
            &mut sink,
            None,
        );
        let (secs, cpu) = (
            start.elapsed().as_secs_f64(),
            (thread_cpu_ns() - cpu0) as f64 / 1e9,
        );
        assert_eq!(out.events, n as u64);
        eprintln!(
            "{n} events, {:.0} MB: {:.0} events/s per CPU second ({:.0} MB/s), wall {secs:.2} s, cpu {cpu:.2} s",
            text.len() as f64 / 1e6,
            n as f64 / cpu,
            text.len() as f64 / 1e6 / cpu
        );
    }
}

/// CPU time of this thread (the machine is shared, so wall time overstates cost).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
