//! Correlation rules of the temporal and temporal_ordered types.

mod correlation_support;

use correlation_support::*;
use outflow_event::{Event, Timestamp};
use outflow_sigma::RuleSet;
use std::sync::Arc;

// ---------------------------------------------------------------- temporal

const RECON_RULES: &str = "
title: whoami
name: recon_cmd_a
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\\whoami.exe'}, condition: sel}
---
title: ipconfig
name: recon_cmd_b
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\\ipconfig.exe'}, condition: sel}
---
title: net
name: recon_cmd_c
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\\net.exe'}, condition: sel}
";

fn recon(kind: &str) -> Arc<RuleSet> {
    load(&format!(
        "title: Recon\ncorrelation:\n    type: {kind}\n    rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]\n    group-by: [ComputerName, User]\n    timespan: 5m\n---{RECON_RULES}"
    ))
}

fn cmd(line: u64, secs: i64, image: &str) -> Event {
    process(
        line,
        secs,
        &[("Image", image), ("ComputerName", "ws1"), ("User", "alice")],
    )
}

#[test]
fn temporal_any_order_within_timespan() {
    let set = recon("temporal");
    let c = cmd(1, 0, "C:\\Windows\\net.exe");
    let a = cmd(2, 60, "C:\\Windows\\whoami.exe");
    let b = cmd(3, 120, "C:\\Windows\\ipconfig.exe");
    let alerts = run(&set, &[c.clone(), a.clone(), b.clone()]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(120)));
    assert_eq!(alerts[0].evidence.len(), 3);
    // Spread over more than 5 minutes: nothing.
    let late_b = cmd(3, 400, "C:\\Windows\\ipconfig.exe");
    assert!(run(&set, &[c, a, late_b]).is_empty());
}

#[test]
fn temporal_ordered_needs_the_listed_order() {
    let set = recon("temporal_ordered");
    let a = cmd(1, 0, "C:\\Windows\\whoami.exe");
    let b = cmd(2, 60, "C:\\Windows\\ipconfig.exe");
    let c = cmd(3, 120, "C:\\Windows\\net.exe");
    assert_eq!(run(&set, &[a.clone(), b.clone(), c.clone()]).len(), 1);
    let rev = [
        cmd(1, 0, "C:\\Windows\\net.exe"),
        cmd(2, 60, "C:\\Windows\\ipconfig.exe"),
        cmd(3, 120, "C:\\Windows\\whoami.exe"),
    ];
    assert!(run(&set, &rev).is_empty());
    // In order by time even when b is read last (late).
    assert_eq!(run(&set, &[a, c, b]).len(), 1);
    // The temporal type fires on the reversed order.
    assert_eq!(run(&recon("temporal"), &rev).len(), 1);
}

#[test]
fn temporal_condition_counts_rules() {
    let set = load(&format!(
        "title: Two of three\ncorrelation:\n    type: temporal\n    rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]\n    group-by: [ComputerName]\n    timespan: 5m\n    condition: {{gte: 2}}\n---{RECON_RULES}"
    ));
    let alerts = run(
        &set,
        &[
            cmd(1, 0, "x\\net.exe"),
            cmd(2, 10, "x\\net.exe"),
            cmd(3, 20, "x\\whoami.exe"),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(20)));
}
