//! `outflow baseline` then `hunt --baseline` over a simulated corpus split
//! in two periods: days 1–2 are learnt, day 3 is hunted. First-seen alerts
//! come only for what day 3 brings new; hunting day 3 again with the saved
//! baseline gives the same alerts (data never hides itself); a damaged
//! store is a usage error (exit 2) naming the file. With a geolocation
//! database, where each user signs in from is learnt too.

mod common;

use common::{outflow_in, Run};
use outflow_simulate::{simulate, SimConfig};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;

const DAY3: &str = "2026-11-18T00:00:00Z";

/// `outflow args...`, run where the test runs.
fn outflow(args: &[&str]) -> Run {
    outflow_in(Path::new("."), args)
}

fn corpus(dir: &Path) {
    let cfg = SimConfig {
        seed: 7,
        hosts: 12,
        days: 3,
        events_per_host_day: 400,
        ..SimConfig::default()
    };
    simulate(&cfg, dir).unwrap();
}

/// The stateful analytics' alerts of a day-3 hunt, as comparable keys.
fn hunt_day3(store: &str, logs: &str) -> Vec<serde_json::Value> {
    let (out, err, code) = outflow(&[
        "hunt",
        "-q",
        "--format",
        "jsonl",
        "--baseline",
        store,
        "--from",
        DAY3,
        logs,
    ])
    .parts();
    assert_eq!(code, Some(0), "{err}");
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|a| {
            let id = a["rule"]["id"].as_str().unwrap_or("");
            ["first-seen-process", "new-destination", "rare-destination"]
                .iter()
                .any(|n| id == format!("outflow.{n}"))
        })
        .collect()
}

fn key(a: &serde_json::Value) -> String {
    format!(
        "{} {} {} {} {} {}",
        a["rule"]["id"],
        a["timestamp"],
        a["fields"]["host_key"],
        a["entity"]["image"],
        a["fields"]["destination_key"],
        a["risk_score"]
    )
}

/// (host, key) items of one analytic in a store.
fn items(store: &Path, analytic: &str) -> BTreeSet<(String, String)> {
    let s = outflow_store::BaselineStore::open(store).unwrap();
    let part = s
        .load()
        .unwrap()
        .into_iter()
        .find(|p| p.analytic == analytic)
        .unwrap();
    part.state["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0][0].as_str().unwrap().to_string(),
                r[0][1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn day3_alerts_only_for_what_day3_brings_new_and_reruns_agree() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let logs = dir.path().join("logs");
    let logs = logs.to_str().unwrap();
    let store = dir.path().join("baseline.db");
    let store_s = store.to_str().unwrap();

    let (out, err, code) =
        outflow(&["baseline", "-q", "--store", store_s, "--to", DAY3, logs]).parts();
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("new-destination:"), "{out}");
    assert!(
        out.contains("(2.0 days)") || out.contains("(1.9 days)"),
        "{out}"
    );

    // What days 1–2 taught, before the hunt adds day 3.
    let learnt_dir = tempfile::tempdir().unwrap();
    let learnt = learnt_dir.path().join("days12.db");
    std::fs::copy(&store, &learnt).unwrap();
    let programs = items(&learnt, "first-seen-process");
    let destinations = items(&learnt, "new-destination");
    assert!(!programs.is_empty() && !destinations.is_empty());

    let first = hunt_day3(store_s, logs);
    let novel: Vec<&serde_json::Value> = first
        .iter()
        .filter(|a| {
            a["rule"]["id"] == "outflow.first-seen-process"
                || a["rule"]["id"] == "outflow.new-destination"
        })
        .collect();
    assert!(
        !novel.is_empty(),
        "day 3 brings new programs and destinations"
    );
    for a in &novel {
        assert!(a["timestamp"].as_str().unwrap() >= DAY3, "{a}");
        let host = a["fields"]["host_key"].as_str().unwrap().to_string();
        if a["rule"]["id"] == "outflow.first-seen-process" {
            let image = a["entity"]["image"].as_str().unwrap().to_ascii_lowercase();
            assert!(!programs.contains(&(host, image)), "known program: {a}");
        } else {
            let dest = a["fields"]["destination_key"].as_str().unwrap().to_string();
            assert!(
                !destinations.contains(&(host, dest)),
                "known destination: {a}"
            );
            assert!(a["bytes_out"].as_u64().unwrap() >= 5 << 20, "{a}");
        }
    }

    // Day-3 stories of the corpus show among them (by destination).
    let truth = std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap();
    let found: BTreeSet<&str> = novel
        .iter()
        .filter_map(|a| a["destination"]["domain"].as_str())
        .collect();
    let day3_found = truth
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|t| t["start"].as_str().unwrap() >= DAY3)
        .filter(|t| found.contains(t["destination"].as_str().unwrap()))
        .count();
    assert!(day3_found >= 2, "{found:?}");

    // The hunt saved day 3 into the store: hunting day 3 again still
    // reports what was new at the time of each event.
    let again = hunt_day3(store_s, logs);
    let a: Vec<String> = first.iter().map(key).collect();
    let b: Vec<String> = again.iter().map(key).collect();
    assert_eq!(a, b);
}

#[test]
fn a_damaged_store_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("baseline.db");
    std::fs::write(&store, "not a database at all\n".repeat(200)).unwrap();
    let input = dir.path().join("empty.jsonl");
    std::fs::write(&input, "{}\n").unwrap();
    for cmd in ["hunt", "baseline"] {
        let flag = if cmd == "hunt" {
            "--baseline"
        } else {
            "--store"
        };
        let (_, err, code) = outflow(&[
            cmd,
            "-q",
            flag,
            store.to_str().unwrap(),
            input.to_str().unwrap(),
        ])
        .parts();
        assert_eq!(code, Some(2), "{cmd}: {err}");
        assert!(
            err.contains("baseline.db") && err.contains("damaged"),
            "{err}"
        );
    }
}

/// A MaxMind-format database placing the documentation ranges the
/// simulator signs in from.
fn doc_ranges_db(path: &Path) {
    use outflow_analytics::geoip_writer::{city_db, DOC_RANGES};
    std::fs::write(path, city_db(DOC_RANGES).unwrap()).unwrap();
}

#[test]
fn with_geoip_the_baseline_learns_where_users_sign_in_from() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let logs = dir.path().join("logs");
    let logs = logs.to_str().unwrap();
    let db = dir.path().join("doc.mmdb");
    doc_ranges_db(&db);
    let db = db.to_str().unwrap();
    let store = dir.path().join("geo.db");
    let store_s = store.to_str().unwrap();

    // Without a database the analytic does not run, so nothing is learnt for it.
    let plain = dir.path().join("plain.db");
    let (out, err, code) = outflow(&[
        "baseline",
        "-q",
        "--store",
        plain.to_str().unwrap(),
        "--to",
        DAY3,
        logs,
    ])
    .parts();
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("geo-logon"), "{out}");

    let (out, err, code) = outflow(&[
        "baseline", "-q", "--geoip", db, "--store", store_s, "--to", DAY3, logs,
    ])
    .parts();
    assert_eq!(code, Some(0), "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("geo-logon: "))
        .unwrap_or_else(|| panic!("{out}"));
    let s = outflow_store::BaselineStore::open(&store).unwrap();
    let part = s
        .load()
        .unwrap()
        .into_iter()
        .find(|p| p.analytic == "geo-logon")
        .expect("geo-logon saved");
    let learnt: BTreeMap<String, BTreeSet<String>> = part.state["users"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(u, g)| {
            let countries = g["countries"].as_array().unwrap();
            let c = countries.iter().map(|c| c[0].as_str().unwrap().to_string());
            (u.clone(), c.collect())
        })
        .collect();
    assert!(!learnt.is_empty());
    assert!(learnt.values().all(|c| !c.is_empty()), "{learnt:?}");
    let countries: BTreeSet<&String> = learnt.values().flatten().collect();
    assert_eq!(
        line,
        format!(
            "geo-logon: {} users, {} countries",
            learnt.len(),
            countries.len()
        )
    );

    // A hunt without the database keeps the learnt sign-ins unused, and
    // says so; with it, geo-logon takes them up.
    let (_, err, code) =
        outflow(&["hunt", "--format", "none", "--baseline", store_s, logs]).parts();
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("kept unused (analytics not running): geo-logon"),
        "{err}"
    );
    let (_, err, code) = outflow(&[
        "hunt",
        "--format",
        "none",
        "--geoip",
        db,
        "--baseline",
        store_s,
        logs,
    ])
    .parts();
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("analytics loaded)") && !err.contains("kept unused"),
        "{err}"
    );
}
