//! What the stateful-analytic tests share: records read through the real
//! readers and normalizer, an engine that runs them in time order, and
//! builders for real-shaped records (Sysmon JSON, auditd, proxy, SaaS).
#![allow(dead_code)] // each test file uses its own subset

use outflow_analytics::{
    AnalyticsConfig, AnalyticsEngine, ConfigError, Ctx, Projector, StatefulAnalytic,
};
use outflow_detect::{Analytic, Finding};
use outflow_event::Event;
use outflow_intel::{Intel, Policy};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::Path;
use std::sync::Arc;

pub type Build = fn(&Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError>;

/// Records of one input, read (format detected) and normalized.
pub fn read(name: &str, text: &str) -> Vec<Event> {
    let spec = InputSpec::Bytes {
        name: name.to_string(),
        data: Arc::from(text.as_bytes()),
    };
    normalize(read_to_vec(&spec, None, &Limits::default()).1.events)
}

/// Every file under `dir`, read and normalized.
pub fn read_dir(dir: &Path) -> Vec<Event> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let (_, sink) = read_to_vec(&InputSpec::File(p), None, &Limits::default());
                out.extend(normalize(sink.events));
            }
        }
    }
    out
}

fn normalize(mut events: Vec<Event>) -> Vec<Event> {
    let mut norm = Normalizer::new(Arc::new(Mappings::builtin().unwrap()));
    for ev in &mut events {
        norm.normalize(ev);
    }
    events
}

/// The built-in catalogs and settings, with a policy and settings over them.
pub fn ctx(policy: Option<&str>, settings: Option<&str>) -> Arc<Ctx> {
    let policy = match policy {
        Some(p) => Policy::from_yaml("policy.yml", p).unwrap(),
        None => Policy::default(),
    };
    let mut config = AnalyticsConfig::builtin().unwrap();
    if let Some(s) = settings {
        config.merge("settings.yml", s).unwrap();
    }
    Arc::new(Ctx::new(
        Arc::new(Intel::builtin().unwrap()),
        Arc::new(policy),
        Arc::new(config),
    ))
}

/// Runs analytics over the events in time order, advancing time as it goes.
pub fn run_all(ctx: &Arc<Ctx>, builds: &[Build], mut events: Vec<Event>) -> Vec<Finding> {
    events.sort_by_key(|e| e.ts);
    let analytics = builds.iter().map(|b| b(ctx).unwrap()).collect();
    let mut engine = AnalyticsEngine::new(ctx.clone(), analytics);
    let mut out = Vec::new();
    // As `hunt` hands them on: network records in the analytics' copy.
    let mut projector = Projector::default();
    for ev in &events {
        let small = projector.project(ev);
        engine.process(small.as_ref().unwrap_or(ev), &mut out);
        if let Some(ts) = ev.ts {
            engine.advance(ts, &mut out);
        }
    }
    engine.finish(&mut out);
    out
}

pub fn run(ctx: &Arc<Ctx>, build: Build, events: Vec<Event>) -> Vec<Finding> {
    run_all(ctx, &[build], events)
}

/// Events of several inputs.
pub fn inputs(parts: &[(&str, String)]) -> Vec<Event> {
    parts.iter().flat_map(|(n, t)| read(n, t)).collect()
}

/// One Sysmon (or Security) record as `evtx` renders it to JSON.
pub fn winlog(
    channel: &str,
    provider: &str,
    id: u32,
    time: &str,
    computer: &str,
    data: &[(&str, &str)],
) -> String {
    let data: serde_json::Map<String, serde_json::Value> = data
        .iter()
        .map(|(k, v)| {
            let val = match v.parse::<u64>() {
                Ok(n) if *k == "ProcessId" || *k == "DestinationPort" || *k == "SourcePort" => {
                    serde_json::Value::from(n)
                }
                _ => serde_json::Value::from(*v),
            };
            (k.to_string(), val)
        })
        .collect();
    serde_json::json!({"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": provider}},
            "EventID": id,
            "TimeCreated": {"#attributes": {"SystemTime": time}},
            "Channel": channel,
            "Computer": computer,
        },
        "EventData": data,
    }})
    .to_string()
}

pub fn sysmon(id: u32, time: &str, computer: &str, data: &[(&str, &str)]) -> String {
    winlog(
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        id,
        time,
        computer,
        data,
    )
}

/// A Sysmon 3 connection of `image` (pid) from `src` to `dst` (name, address).
pub fn sysmon3(
    time: &str,
    computer: &str,
    image: &str,
    pid: &str,
    src: &str,
    dst_name: &str,
    dst_ip: &str,
) -> String {
    sysmon(
        3,
        time,
        computer,
        &[
            ("ProcessId", pid),
            ("Image", image),
            ("User", "CORP\\user"),
            ("Protocol", "tcp"),
            ("Initiated", "true"),
            ("SourceIp", src),
            ("SourceHostname", computer),
            ("SourcePort", "50000"),
            ("DestinationIp", dst_ip),
            ("DestinationHostname", dst_name),
            ("DestinationPort", "443"),
        ],
    )
}

/// A Blue Coat ProxySG access log with its header.
pub fn proxysg(lines: &[String]) -> String {
    let mut s = String::from(
        "#Software: SGOS 7.3.6.1\n#Version: 1.0\n#Date: 2026-11-16 00:00:00\n#Fields: date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id\n",
    );
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// One ProxySG line: a request of `method` to `host` + `path` with `ua`
/// (one argument per column that matters).
#[allow(clippy::too_many_arguments)]
pub fn proxysg_line(
    date_time: &str,
    client: &str,
    user: &str,
    method: &str,
    host: &str,
    path: &str,
    ua: &str,
    bytes_out: u64,
) -> String {
    format!(
        "{date_time} 500 {client} {user} \"CORP\\Domain Users\" - OBSERVED \"Technology/Internet\" - 200 TCP_NC_MISS {method} application/json https {host} 443 {path} - - \"{ua}\" 10.20.0.5 4835 {bytes_out} -"
    )
}

/// Story ids whose evidence an alert cites (by file name and line).
pub fn stories_of(
    f: &Finding,
    evidence: &std::collections::HashMap<(String, u64), String>,
) -> Vec<String> {
    let mut ids: Vec<String> = f
        .evidence
        .iter()
        .filter_map(|e| {
            let file = Path::new(&*e.origin.file)
                .file_name()?
                .to_string_lossy()
                .to_string();
            let line = match e.origin.position {
                outflow_event::Position::Line(l) => l,
                _ => return None,
            };
            evidence.get(&(file, line)).cloned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
