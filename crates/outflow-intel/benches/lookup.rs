//! Catalog lookups per second over a mix of catalogued and unknown hosts.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use outflow_intel::Intel;
use std::hint::black_box;

const HOSTS: &[(&str, Option<&str>)] = &[
    ("www.dropbox.com", None),
    ("content.dropboxapi.com", Some("/2/files/upload")),
    ("corp-backups.s3.eu-west-1.amazonaws.com", Some("/x.zip")),
    ("discord.com", Some("/api/webhooks/1/abc")),
    ("api.telegram.org", Some("/bot1:x/sendDocument")),
    ("abc-1-2.ngrok-free.app", None),
    ("corpexample-my.sharepoint.com", Some("/personal/x")),
    ("pastebin.com", Some("/raw/abc")),
    ("WWW.EXAMPLE.CO.UK.", None),
    ("intranet.corp.local", None),
    ("a.b.c.d.e.unknown-host.example.com:8443", None),
    ("10.1.2.3", None),
    ("update.microsoft.com", None),
    ("www.google.com", None),
    ("github.com", Some("/corpexample/repo.git/git-receive-pack")),
    ("cdn.jsdelivr.net", None),
];

fn bench(c: &mut Criterion) {
    let intel = Intel::builtin().expect("built-in data loads");
    let cat = &intel.services;
    let mut g = c.benchmark_group("web_service_lookup");
    g.throughput(Throughput::Elements(HOSTS.len() as u64));
    g.bench_function("mixed_16", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (h, p) in HOSTS {
                n += usize::from(cat.lookup(black_box(h), black_box(*p)).is_some());
            }
            n
        })
    });
    g.finish();
    let tools = &intel.tools;
    let mut g = c.benchmark_group("tool_identify");
    g.throughput(Throughput::Elements(3));
    g.bench_function("three", |b| {
        b.iter(|| {
            let a = tools.identify(
                black_box(Some(r"C:\Windows\Temp\svchost32.exe")),
                Some("rclone.exe"),
                None,
            );
            let b2 = tools.identify(
                black_box(Some(r"C:\Windows\System32\notepad.exe")),
                None,
                None,
            );
            let l = tools.lolbin_no_network(black_box(r"C:\Windows\System32\mshta.exe"));
            (a.is_some(), b2.is_some(), l)
        })
    });
    g.finish();
    c.bench_function("load_builtin", |b| {
        b.iter(|| Intel::builtin().map(|i| i.services.len()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
