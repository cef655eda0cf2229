//! Building an analytic's finding from a view: the entity, the destination
//! with its catalogued service, the bytes and the evidence, so every
//! analytic reports the same shape.

use crate::config::AnalyticMeta;
use crate::view::{Flow, View};
use outflow_detect::{AlertRule, Destination, Evidence, Finding, FindingEntity};
use outflow_event::EntitySlot;

/// The rule id of an analytic's alerts: `outflow.<name>`.
pub fn rule_id(name: &str) -> String {
    format!("outflow.{name}")
}

/// A finding of analytic `name` about `view`, risk from `meta` (change it
/// with [`Finding::with_risk`]); the view's event is the first evidence.
pub fn finding(name: &str, meta: &AnalyticMeta, view: &View<'_>, summary: String) -> Finding {
    let ev = view.ev;
    let s = |slot| ev.entity_str(slot).map(|c| c.into_owned());
    let rule = AlertRule {
        id: rule_id(name),
        title: meta.title.clone(),
        level: String::new(),
        source: "analytic".to_string(),
    };
    let attack = match view.flow.as_ref().and_then(|f| f.service.as_ref()) {
        Some(s) if s.technique.starts_with("T1567") => vec![s.technique.to_string()],
        _ => meta.attack.clone(),
    };
    let mut f = Finding {
        attack,
        d3fend: meta.d3fend.clone(),
        entity: FindingEntity {
            host: view.host.as_deref().map(str::to_string),
            host_ip: view.host_ip().map(|ip| ip.to_string()),
            user: view.user.as_deref().map(str::to_string),
            user_sid: None,
            image: view.image.as_deref().map(str::to_string),
            pid: s(EntitySlot::Pid),
            process_guid: s(EntitySlot::ProcessGuid),
        },
        destination: view
            .flow
            .as_ref()
            .map(destination)
            .filter(|d| !d.is_empty()),
        bytes_out: view.flow.as_ref().and_then(|f| f.bytes_out),
        origin: Some(ev.origin.clone()),
        evidence: vec![Evidence::of(ev, summary)],
        ..Finding::new(rule, ev.ts)
    }
    .with_risk(meta.risk);
    f.rule.level = f.severity.clone();
    f
}

/// Sets the risk and the level that goes with it.
pub fn set_risk(f: &mut Finding, risk: u8) {
    f.set_risk(risk);
    f.rule.level = f.severity.clone();
}

/// A flow's destination as reported.
pub fn destination(f: &Flow) -> Destination {
    Destination {
        domain: f.domain.as_deref().map(str::to_string),
        ip: f.dst_ip.map(|ip| ip.to_string()),
        port: f.dst_port,
        service: f.service.as_ref().map(|s| s.name.to_string()),
        category: f.service.as_ref().map(|s| s.category.to_string()),
        target: None,
    }
}

/// A span of event time (µs) as people read it: `under a second`,
/// `24 s`, `3 min`, `2 h 5 min`.
pub fn human_span(micros: i64) -> String {
    let s = micros.max(0) / 1_000_000;
    match s {
        0 => "under a second".to_string(),
        1..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ if s % 3600 < 60 => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Bytes as people read them (`52.4 MB`), with integer arithmetic: it runs
/// for every flow's evidence, and float formatting is slow.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut unit = 1u64;
    let mut u = 0;
    while u + 1 < UNITS.len() && n / unit >= 1000 {
        unit *= 1000;
        u += 1;
    }
    // Tenths, rounded half up, as `{:.1}` of the float did.
    let tenths = (u128::from(n) * 10 + u128::from(unit) / 2) / u128::from(unit);
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[u])
}

#[cfg(test)]
mod tests {
    use super::{human_bytes, human_span};

    #[test]
    fn spans_read_in_the_unit_that_fits() {
        let s = 1_000_000;
        assert_eq!(human_span(400_000), "under a second");
        assert_eq!(human_span(24 * s), "24 s");
        assert_eq!(human_span(119 * s), "119 s");
        assert_eq!(human_span(180 * s), "3 min");
        assert_eq!(human_span(7_200 * s), "2 h");
        assert_eq!(human_span(7_500 * s), "2 h 5 min");
        assert_eq!(human_span(-5), "under a second");
    }

    #[test]
    fn bytes_read_like_the_float_version() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1000), "1.0 KB");
        assert_eq!(human_bytes(52_400_000), "52.4 MB");
        assert_eq!(human_bytes(314_572_800), "314.6 MB");
        assert_eq!(human_bytes(4_134_535_168), "4.1 GB");
        assert_eq!(human_bytes(999_960), "1000.0 KB");
    }
}
