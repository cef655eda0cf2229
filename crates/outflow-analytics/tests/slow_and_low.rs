//! `slow-and-low`: tens of MB a day for days to a service new to the host
//! is one alert; the same to a service many hosts use, or on too few days,
//! is nothing.

mod support;

use outflow_analytics::stateful::slow_and_low;
use outflow_analytics::StatefulAnalytic;
use support::{ctx, read_inputs, run, Upload, DAY0, MB};

fn uploads(host_ip: &'static str, days: u32, per_day: u64, first_uid: u32) -> Vec<Upload> {
    let mut v = Vec::new();
    for d in 0..days {
        for i in 0..6u16 {
            v.push(Upload {
                ts: DAY0 + f64::from(d) * 86_400.0 + 9.0 * 3600.0 + f64::from(i) * 5400.0,
                uid: Box::leak(format!("C{host_ip}{first_uid}{d}{i}").into_boxed_str()),
                host: "-",
                image: "-",
                src: host_ip,
                sport: 40_000 + i,
                dst: "74.120.8.13",
                domain: "eapi.pcloud.com",
                out: per_day / 6,
                inn: 20_000,
            });
        }
    }
    v
}

fn run_slow(ups: &[Upload]) -> Vec<outflow_detect::Finding> {
    let conn: String = ups.iter().map(|u| u.conn() + "\n").collect();
    let ssl: String = ups.iter().map(|u| u.ssl() + "\n").collect();
    let mut inputs = vec![("conn.log", conn), ("ssl.log", ssl)];
    // Uploads of a named host come with its own connection records.
    let named: String = ups
        .iter()
        .filter(|u| u.host != "-")
        .map(|u| u.sysmon3() + "\n")
        .collect();
    if !named.is_empty() {
        inputs.push(("sysmon.jsonl", named));
    }
    let events = read_inputs(&inputs);
    let ctx = ctx(None, None);
    let a: Vec<Box<dyn StatefulAnalytic>> = vec![slow_and_low::build(&ctx).expect("settings")];
    run(&ctx, a, &events)
}

#[test]
fn thirty_mb_a_day_for_three_days_to_a_new_service_is_one_alert() {
    let found = run_slow(&uploads("10.20.1.23", 4, 30 * MB, 0));
    assert_eq!(
        found.len(),
        1,
        "once per host, service and window: {found:#?}"
    );
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.slow-and-low");
    assert_eq!(f.fields["days"], "3");
    assert_eq!(f.fields["first_seen_day"], "2026-11-16");
    assert_eq!(
        f.destination.as_ref().and_then(|d| d.service.as_deref()),
        Some("pCloud")
    );
    assert!(f.bytes_out.is_some_and(|b| b > 60 * MB && b <= 90 * MB));
    assert_eq!(f.evidence.len(), 3, "the first upload of each day");
}

#[test]
fn a_host_its_own_records_name_is_reported_by_name_with_its_address() {
    let ups: Vec<Upload> = uploads("10.20.1.38", 4, 30 * MB, 0)
        .into_iter()
        .map(|u| Upload {
            host: "WS-FIN-04.corp.example",
            image: r"C:\Users\hlarsen\AppData\Local\pcloud\pCloud.exe",
            ..u
        })
        .collect();
    let found = run_slow(&ups);
    assert_eq!(found.len(), 1, "{found:#?}");
    let e = &found[0].entity;
    assert_eq!(e.host.as_deref(), Some("WS-FIN-04.corp.example"));
    assert_eq!(e.host_ip.as_deref(), Some("10.20.1.38"));
}

#[test]
fn too_few_days_or_a_service_many_hosts_use_raise_nothing() {
    assert!(run_slow(&uploads("10.20.1.23", 2, 45 * MB, 0)).is_empty());
    let mut all = Vec::new();
    for (n, ip) in [
        "10.20.1.10",
        "10.20.1.11",
        "10.20.1.12",
        "10.20.1.13",
        "10.20.1.14",
    ]
    .into_iter()
    .enumerate()
    {
        all.extend(uploads(ip, 4, 30 * MB, n as u32));
    }
    let found = run_slow(&all);
    assert!(found.is_empty(), "{found:#?}");
}
