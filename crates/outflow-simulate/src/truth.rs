//! The ground truth (`truth.jsonl`, one story per line) and the corpus
//! summary (`summary.json`: background volume per file, totals, speed).

use crate::clock;
use crate::formats::json::{kl, kn, kv, s};
use crate::out::{Evidence, FileReport};
use crate::stories::Planned;
use crate::world::World;
use crate::SimConfig;
use std::fmt::Write;

fn time(t: clock::Micros) -> String {
    let mut b = String::new();
    clock::iso3(&mut b, t);
    b
}

/// One truth line.
pub fn story_line(b: &mut String, w: &World, p: &Planned, evidence: &[Evidence]) {
    b.push_str("{\"id\":");
    s(b, &p.id);
    kv(b, "title", &p.meta.title);
    kv(b, "technique", p.meta.technique);
    kv(b, "tactic", "TA0010");
    kv(b, "tool", p.meta.tool);
    kv(b, "family", p.meta.family);
    let hosts: Vec<String> = p
        .meta
        .hosts
        .iter()
        .map(|&h| w.hosts[h].name.clone())
        .collect();
    let ips: Vec<String> = p
        .meta
        .hosts
        .iter()
        .map(|&h| w.hosts[h].ip.clone())
        .collect();
    kl(b, "hosts", &hosts);
    kl(b, "host_ips", &ips);
    match p.meta.user {
        Some(u) => {
            kv(b, "user", &w.users[u].sam);
            kv(b, "user_email", &w.users[u].email());
        }
        None => b.push_str(",\"user\":null,\"user_email\":null"),
    }
    kv(b, "destination", &p.meta.destination);
    kv(b, "service", p.meta.service);
    kv(b, "start", &time(p.start));
    kv(b, "end", &time(p.end));
    kn(b, "bytes", p.bytes);
    kn(b, "evidence_count", evidence.len());
    b.push_str(",\"evidence\":[");
    for (i, e) in evidence.iter().enumerate() {
        if i > 0 {
            b.push(',');
        }
        b.push_str("{\"file\":");
        s(b, &e.file);
        let _ = write!(
            b,
            ",\"line\":{},\"format\":\"{}\",\"record\":\"{}\"}}",
            e.line, e.format, e.record
        );
    }
    b.push_str("]}\n");
}

/// Totals over the written files.
pub struct Totals {
    pub records: u64,
    pub story_records: u64,
    pub bytes: u64,
    pub seconds: f64,
}

pub fn summary(
    b: &mut String,
    cfg: &SimConfig,
    w: &World,
    files: &[FileReport],
    stories: usize,
    t: &Totals,
) {
    let _ = write!(
        b,
        "{{\"seed\":{},\"hosts\":{},\"windows_hosts\":{},\"linux_hosts\":{},\"users\":{},\"days\":{},\"events_per_host_day\":{}",
        cfg.seed,
        w.hosts.len(),
        w.hosts.iter().filter(|h| h.os == crate::world::Os::Windows).count(),
        w.hosts.iter().filter(|h| h.os == crate::world::Os::Linux).count(),
        w.users.len(),
        cfg.days,
        cfg.events_per_host_day
    );
    kv(b, "start", &time(cfg.start));
    kv(b, "end", &time(cfg.start + cfg.days as i64 * clock::DAY));
    kn(b, "stories", stories);
    kn(b, "records", t.records);
    kn(b, "story_records", t.story_records);
    kn(b, "background_records", t.records - t.story_records);
    kn(b, "bytes", t.bytes);
    let _ = write!(
        b,
        ",\"seconds\":{:.3},\"mb_per_s\":{:.1}",
        t.seconds,
        mb_per_s(t.bytes, t.seconds)
    );
    b.push_str(",\"files\":[");
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            b.push(',');
        }
        b.push_str("{\"path\":");
        s(b, &f.path);
        let _ = write!(
            b,
            ",\"format\":\"{}\",\"records\":{},\"story_records\":{},\"background_records\":{},\"bytes\":{}}}",
            f.format,
            f.records,
            f.story_records,
            f.records - f.story_records,
            f.bytes
        );
    }
    b.push_str("]}\n");
}

pub fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        bytes as f64 / (1024.0 * 1024.0) / seconds
    } else {
        0.0
    }
}
