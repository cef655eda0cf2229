//! What the volume-analytic tests share: real-shaped records (Sysmon 3,
//! Zeek JSON conn/ssl/dns, PAN-OS TRAFFIC, ProxySG W3C) read through the
//! real readers and the built-in mappings, put in time order and run
//! through the analytics engine; and a simulated corpus with its truth.
#![allow(dead_code)] // each test file uses its own subset

use outflow_analytics::{AnalyticsEngine, Ctx, Projector, StatefulAnalytic};
use outflow_detect::{Analytic, Finding};
use outflow_event::Event;
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// 2026-11-16T00:00:00Z in seconds.
pub const DAY0: f64 = 1_794_787_200.0;
pub const MB: u64 = 1_000_000;

/// Seconds since the epoch as RFC 3339 with 7 fraction digits (Sysmon).
pub fn iso(secs: f64) -> String {
    let whole = secs.floor() as i64;
    let frac = ((secs - whole as f64) * 1e7).round() as i64;
    let day = whole.div_euclid(86_400);
    let s = whole.rem_euclid(86_400);
    let (y, m, d) = civil(day);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `2026/11/16 15:12:07` (PAN-OS).
pub fn panos_time(secs: f64) -> String {
    let whole = secs.floor() as i64;
    let (y, m, d) = civil(whole.div_euclid(86_400));
    let s = whole.rem_euclid(86_400);
    format!(
        "{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

fn civil(day: i64) -> (i64, i64, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// One connection seen by every sensor that can see it.
#[derive(Clone)]
pub struct Upload {
    pub ts: f64,
    pub uid: &'static str,
    pub host: &'static str,
    pub image: &'static str,
    pub src: &'static str,
    pub sport: u16,
    pub dst: &'static str,
    pub domain: &'static str,
    pub out: u64,
    pub inn: u64,
}

impl Upload {
    pub fn sysmon3(&self) -> String {
        format!(
            r##"{{"Event":{{"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon","Guid":"{{5770385f-c22a-43e0-bf4c-06f5698ffbd9}}"}}}},"EventID":3,"Version":5,"Level":4,"Task":3,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{{"#attributes":{{"SystemTime":"{t}"}}}},"EventRecordID":1,"Correlation":null,"Execution":{{"#attributes":{{"ProcessID":3348,"ThreadID":4120}}}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"{host}","Security":{{"#attributes":{{"UserID":"S-1-5-18"}}}}}},"EventData":{{"RuleName":"-","UtcTime":"{t}","ProcessGuid":"{{4c2e9a10-daf6-6922-0ab1-4c8110af9be0}}","ProcessId":7548,"Image":"{image}","User":"CORP\\alice","Protocol":"tcp","Initiated":true,"SourceIsIpv6":false,"SourceIp":"{src}","SourceHostname":"{host}","SourcePort":{sport},"SourcePortName":"-","DestinationIsIpv6":false,"DestinationIp":"{dst}","DestinationHostname":"-","DestinationPort":443,"DestinationPortName":"https"}}}}}}"##,
            t = iso(self.ts - 0.02),
            host = self.host,
            image = self.image.replace('\\', "\\\\"),
            src = self.src,
            sport = self.sport,
            dst = self.dst,
        )
    }

    pub fn conn(&self) -> String {
        format!(
            r#"{{"_path":"conn","ts":{ts:.6},"uid":"{uid}","id.orig_h":"{src}","id.orig_p":{sport},"id.resp_h":"{dst}","id.resp_p":443,"proto":"tcp","service":"ssl","duration":30.0,"orig_bytes":{out},"resp_bytes":{inn},"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":10,"orig_ip_bytes":{out},"resp_pkts":10,"resp_ip_bytes":{inn},"tunnel_parents":[]}}"#,
            ts = self.ts,
            uid = self.uid,
            src = self.src,
            sport = self.sport,
            dst = self.dst,
            out = self.out,
            inn = self.inn,
        )
    }

    /// Zeek writes ssl a moment after the conn's start time.
    pub fn ssl(&self) -> String {
        format!(
            r#"{{"_path":"ssl","ts":{ts:.6},"uid":"{uid}","id.orig_h":"{src}","id.orig_p":{sport},"id.resp_h":"{dst}","id.resp_p":443,"version":"TLSv13","cipher":"TLS_AES_128_GCM_SHA256","server_name":"{domain}","resumed":false,"established":true}}"#,
            ts = self.ts + 0.05,
            uid = self.uid,
            src = self.src,
            sport = self.sport,
            dst = self.dst,
            domain = self.domain,
        )
    }

    pub fn dns(&self) -> String {
        format!(
            r#"{{"_path":"dns","ts":{ts:.6},"uid":"D{uid}","id.orig_h":"{src}","id.orig_p":53001,"id.resp_h":"10.20.0.2","id.resp_p":53,"proto":"udp","trans_id":1,"query":"{domain}","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["{dst}"],"TTLs":[300.0],"rejected":false}}"#,
            ts = self.ts - 0.3,
            uid = self.uid,
            src = self.src,
            dst = self.dst,
            domain = self.domain,
        )
    }

    /// The firewall logs the session at its end (30 s later).
    pub fn panos(&self) -> String {
        let end = panos_time(self.ts + 30.0);
        let start = panos_time(self.ts);
        format!(
            "<14>Nov 16 00:00:00 pa-fw01 1,{end},013201001234,TRAFFIC,end,2561,{end},{src},{dst},198.51.100.7,{dst},allow-outbound,corp\\alice,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,Log-Forwarding,,200001,1,{sport},443,20001,443,0x40001c,tcp,allow,{total},{out},{inn},1154,{start},30,\"online-storage,low-risk\",0,7301200001,0x0,10.0.0.0-10.255.255.255,US,0,4,1150,tcp-fin,0,0,0,0,,pa-fw01,from-policy,,,,,,,,,,,,9f6a0a3e-1a7b-4c6e-8d8d-2f0e1c9b7a11,,,,,,,,,,,,,,,,,,,,,,,,,,",
            src = self.src,
            dst = self.dst,
            sport = self.sport,
            total = self.out + self.inn,
            out = self.out,
            inn = self.inn,
        )
    }

    pub fn proxysg(&self) -> String {
        let t = iso(self.ts);
        format!(
            "{} {} 30000 {} CORP\\alice \"CORP\\Domain Users\" - OBSERVED \"Online Storage\" - 200 TCP_NC_MISS POST application/octet-stream https {} 443 /upload - - \"curl/8.4.0\" 10.20.0.5 {} {} -",
            &t[..10],
            &t[11..19],
            self.src,
            self.domain,
            self.inn,
            self.out,
        )
    }
}

pub const PROXYSG_HEADER: &str = "#Software: SGOS 7.3.14.1\n#Version: 1.0\n#Date: 2026-11-16 00:00:00\n#Fields: date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id\n";

/// Reads `files` (name, text) through format detection and the built-in
/// mappings; events in time order (stable).
pub fn read(files: &[(&str, String)]) -> Vec<Event> {
    let mappings = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let mut norm = Normalizer::new(mappings);
    let mut all = Vec::new();
    for (name, text) in files {
        if text.is_empty() {
            continue;
        }
        let spec = InputSpec::Bytes {
            name: name.to_string(),
            data: Arc::from(text.as_bytes()),
        };
        let (outcome, sink) = read_to_vec(&spec, None, &Limits::default());
        assert!(outcome.format.is_some(), "{name}: format not detected");
        assert!(sink.rejects.is_empty(), "{name}: rejected records");
        for mut ev in sink.events {
            norm.normalize(&mut ev);
            all.push(ev);
        }
    }
    all.sort_by_key(|e| e.ts.map(|t| t.0).unwrap_or(i64::MIN));
    all
}

/// Reads every file under `dir` (a simulated corpus), in time order.
pub fn read_dir(dir: &Path) -> Vec<Event> {
    let mappings = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let mut norm = Normalizer::new(mappings);
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let (_, sink) = read_to_vec(&InputSpec::File(p), None, &Limits::default());
            for mut ev in sink.events {
                norm.normalize(&mut ev);
                all.push(ev);
            }
        }
    }
    all.sort_by_key(|e| e.ts.map(|t| t.0).unwrap_or(i64::MIN));
    all
}

/// Built-in catalogs and settings; `extra` (analytics.yml text) over them.
pub fn ctx(extra: Option<&str>) -> Arc<Ctx> {
    let mut c = Ctx::builtin().expect("built-in context");
    if let Some(text) = extra {
        let mut cfg = (*c.config).clone();
        cfg.merge("test", text).expect("test settings");
        c.config = Arc::new(cfg);
    }
    Arc::new(c)
}

/// Runs `events` through an engine of the given analytics, the watermark
/// following each event; the findings of all of them.
pub fn run(
    ctx: &Arc<Ctx>,
    analytics: Vec<Box<dyn StatefulAnalytic>>,
    events: &[Event],
) -> Vec<Finding> {
    let mut engine = AnalyticsEngine::new(ctx.clone(), analytics);
    let mut out = Vec::new();
    // As `hunt` hands them on: network records in the analytics' copy.
    let mut projector = Projector::default();
    for ev in events {
        let small = projector.project(ev);
        engine.process(small.as_ref().unwrap_or(ev), &mut out);
        if let Some(ts) = ev.ts {
            engine.advance(ts, &mut out);
        }
    }
    engine.finish(&mut out);
    out
}

/// One simulated corpus for every test of a binary: 20 hosts, 3 days,
/// seed 1 (the same stories as the reference corpus), in time order.
pub struct Sim {
    pub events: Vec<Event>,
    pub truth: Vec<serde_json::Value>,
    _dir: tempfile::TempDir,
}

pub fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg = outflow_simulate::SimConfig {
            seed: 1,
            hosts: 20,
            days: 3,
            ..outflow_simulate::SimConfig::default()
        };
        outflow_simulate::simulate(&cfg, dir.path()).expect("simulate");
        let truth = std::fs::read_to_string(dir.path().join("truth.jsonl"))
            .expect("truth")
            .lines()
            .map(|l| serde_json::from_str(l).expect("truth line"))
            .collect();
        let events = read_dir(&dir.path().join("logs"));
        Sim {
            events,
            truth,
            _dir: dir,
        }
    })
}

/// The story with this id prefix (`S27`).
pub fn story<'a>(sim: &'a Sim, prefix: &str) -> &'a serde_json::Value {
    sim.truth
        .iter()
        .find(|t| t["id"].as_str().is_some_and(|id| id.starts_with(prefix)))
        .expect("story")
}

/// Whether a finding's host is one of the story's hosts (by name or address).
pub fn on_story_host(f: &Finding, story: &serde_json::Value) -> bool {
    let host = f.entity.host.as_deref().unwrap_or("").to_ascii_lowercase();
    let names = story["hosts"].as_array().into_iter().flatten();
    let ips = story["host_ips"].as_array().into_iter().flatten();
    names.chain(ips).filter_map(|v| v.as_str()).any(|h| {
        let h = h.to_ascii_lowercase();
        host == h || host.starts_with(&format!("{h}."))
    })
}
