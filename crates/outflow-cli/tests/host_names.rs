//! Alerts on records that name hosts only by address (Zeek, proxy,
//! firewall, cloud audit) carry the host's name once the hunt has learnt
//! it, and keep the address as `host_ip`: from Sysmon network events, and
//! for Linux servers with static addresses, whose auditd connects match
//! the sensors' flows. Checked against the bundled example's ground truth.

mod common;

use common::{outflow_in, workspace};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;

fn short(host: &str) -> String {
    host.split('.').next().unwrap_or(host).to_ascii_lowercase()
}

/// Address → host short names, from the example's truth file.
fn truth_hosts(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(root.join("examples/demo/truth.jsonl")).unwrap();
    let mut by_ip: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines() {
        let story: serde_json::Value = serde_json::from_str(line).unwrap();
        let (Some(hosts), Some(ips)) = (story["hosts"].as_array(), story["host_ips"].as_array())
        else {
            continue;
        };
        for (h, ip) in hosts.iter().zip(ips) {
            by_ip
                .entry(ip.as_str().unwrap().to_string())
                .or_default()
                .insert(short(h.as_str().unwrap()));
        }
    }
    by_ip
}

/// The demo's alerts from `outflow hunt` with `extra` arguments.
fn demo_alerts(root: &Path, extra: &[&OsStr]) -> Vec<serde_json::Value> {
    alerts_of(root, Path::new("examples/demo/logs"), extra)
}

/// The alerts of `outflow hunt` over `logs`, with `extra` arguments.
fn alerts_of(root: &Path, logs: &Path, extra: &[&OsStr]) -> Vec<serde_json::Value> {
    let fixed = ["hunt", "-q", "-j", "1", "--format", "jsonl"].map(OsStr::new);
    outflow_in(root, fixed.iter().chain(extra).chain(&[logs.as_os_str()])).jsonl()
}

#[test]
fn network_alerts_name_their_host_and_keep_its_address() {
    let root = workspace();
    let alerts = demo_alerts(&root, &[]);
    let truth = truth_hosts(&root);
    let known: BTreeSet<&String> = truth.values().flatten().collect();
    let mut named = BTreeMap::new();
    let mut by_address = Vec::new();
    let mut without_address = Vec::new();
    for alert in &alerts {
        let entity = &alert["entity"];
        let host = entity["host"].as_str().unwrap_or_default().to_string();
        if let Some(ip) = entity["host_ip"].as_str() {
            let expected = truth.get(ip);
            assert!(
                expected.is_none_or(|names| names.contains(&short(&host))),
                "{ip} named {host}, the truth says {expected:?}: {alert}"
            );
            named.insert(ip.to_string(), (host, alert["rule"]["source"].clone()));
        } else if truth.contains_key(&host) {
            by_address.push(format!("{host}: {}", alert["rule"]["title"]));
        } else if known.contains(&short(&host)) {
            // A network record of a known host: its address goes with it.
            let file = alert["origin"]["file"].as_str().unwrap_or_default();
            if ["/zeek/", "/zeek-branch/", "/proxy/", "/firewall/"]
                .iter()
                .any(|d| file.contains(d))
            {
                without_address.push(format!("{host}: {} ({file})", alert["rule"]["title"]));
            }
        }
    }
    assert!(
        without_address.is_empty(),
        "network alerts without the host's address: {without_address:#?}"
    );
    assert!(
        by_address.is_empty(),
        "alerts still naming a known host by address: {by_address:#?}"
    );
    // Windows hosts (named by Sysmon network events) and the Linux servers
    // (named by matching auditd connects with Zeek flows), on rule-pack
    // alerts as well as the analytics'.
    let names: BTreeSet<String> = named.values().map(|(h, _)| short(h)).collect();
    for host in ["ws-ops-02", "ws-ops-03", "srv-app-01", "srv-web-01"] {
        assert!(names.contains(host), "{host} not named: {named:?}");
    }
    assert!(
        named.values().any(|(_, source)| source == "sigma"),
        "{named:?}"
    );
}

#[test]
fn configured_host_aliases_name_the_alerts_too() {
    let root = workspace();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("incidents.yml");
    // The address the Microsoft 365 records show for one user's sessions:
    // nothing in the logs says which host it is.
    std::fs::write(
        &config,
        "host_aliases:\n  \"2001:db8:4f2a::9e1\": WS-OPS-02-V6\n",
    )
    .unwrap();
    let aliased: Vec<serde_json::Value> =
        demo_alerts(&root, &["--incidents-config".as_ref(), config.as_os_str()])
            .into_iter()
            .filter(|a| a["entity"]["host_ip"] == "2001:db8:4f2a::9e1")
            .collect();
    assert!(!aliased.is_empty());
    for a in &aliased {
        assert_eq!(a["entity"]["host"], "WS-OPS-02-V6", "{a}");
    }
}

/// Copies the tree `from` to `to`, leaving out folders named in `skip`.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if skip.iter().any(|s| name == **s) {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(&name), skip);
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn without_zeek_the_firewall_names_static_servers() {
    // The servers' auditd connects meet the firewall's session records,
    // logged when each session ends, by the sessions' start times.
    let root = workspace();
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    copy_tree(
        &root.join("examples/demo/logs"),
        &logs,
        &["zeek", "zeek-branch"],
    );
    let truth = truth_hosts(&root);
    let servers: BTreeMap<&String, &BTreeSet<String>> = truth
        .iter()
        .filter(|(_, names)| names.iter().any(|n| n.starts_with("srv-")))
        .collect();
    assert_eq!(servers.len(), 2, "{truth:?}");
    let alerts = alerts_of(&root, &logs, &[]);
    for (ip, names) in &servers {
        let by_address: Vec<&serde_json::Value> = alerts
            .iter()
            .filter(|a| a["entity"]["host"] == ip.as_str())
            .collect();
        assert!(
            by_address.is_empty(),
            "{ip} still named by address: {by_address:#?}"
        );
        let named: Vec<&serde_json::Value> = alerts
            .iter()
            .filter(|a| a["entity"]["host_ip"] == ip.as_str())
            .collect();
        assert!(!named.is_empty(), "no alert on {ip}");
        for a in named {
            let host = a["entity"]["host"].as_str().unwrap_or_default();
            assert!(names.contains(&short(host)), "{ip} named {host}: {a}");
        }
    }
}

#[test]
fn alerts_name_users_that_records_give_by_sid() {
    // PowerShell 4104 records give the user's SID alone; the demo's
    // Security 4688 records give each SID with its account.
    let root = workspace();
    let security =
        std::fs::read_to_string(root.join("examples/demo/logs/windows/security.jsonl")).unwrap();
    let mut accounts = BTreeMap::new();
    for line in security.lines() {
        let ev: serde_json::Value = serde_json::from_str(line).unwrap();
        let data = &ev["Event"]["EventData"];
        if let (Some(sid), Some(name), Some(domain)) = (
            data["SubjectUserSid"].as_str(),
            data["SubjectUserName"].as_str(),
            data["SubjectDomainName"].as_str(),
        ) {
            if sid.starts_with("S-1-5-21-") {
                accounts.insert(sid.to_string(), format!(r"{domain}\{name}"));
            }
        }
    }
    let alerts = demo_alerts(&root, &[]);
    let mut named = 0;
    for a in &alerts {
        let e = &a["entity"];
        let user = e["user"].as_str().unwrap_or_default();
        assert!(
            !accounts.contains_key(user),
            "a user still given by its SID: {a}"
        );
        if let Some(sid) = e["user_sid"].as_str() {
            assert_eq!(Some(&user.to_string()), accounts.get(sid), "{a}");
            named += 1;
        }
    }
    assert!(named >= 3, "{named} alerts named a SID's account");
}
