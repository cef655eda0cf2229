//! The analytic "upload tooling on the command line" (MITRE's reference
//! analytic for T1567): a process whose arguments send data out with an
//! upload-capable tool, renamed binaries included, or a PowerShell script
//! block (event 4104) that does. It needs one event, so it
//! runs on the reader threads beside the Sigma rules.

use crate::cmdline::{audit_argv, split_posix, split_windows};
use crate::upload::{classify, UploadInvocation};
use outflow_detect::{AlertRule, Destination, Evidence, Finding, FindingEntity};
use outflow_event::{EntitySlot, Event};
use outflow_intel::{Intel, Policy, Sanctioned};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Rule id of the analytic's alerts.
pub const ID: &str = "outflow.upload-tooling";
const TITLE: &str = "Upload tool sending data out (command line)";
/// D3FEND: Process Spawn Analysis (the command line of a new process).
const D3FEND: &str = "D3-PSA";
pub struct UploadToolAnalytic {
    intel: Arc<Intel>,
    policy: Option<Arc<Policy>>,
}

impl UploadToolAnalytic {
    pub fn new(intel: Arc<Intel>) -> Self {
        UploadToolAnalytic {
            intel,
            policy: None,
        }
    }

    /// Uploads to what the organisation's policy sanctions (its own buckets,
    /// tenants and domains) raise no alert.
    pub fn with_policy(mut self, policy: Arc<Policy>) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Whether the policy sanctions the upload's destination.
    fn sanctioned(&self, inv: &UploadInvocation) -> bool {
        let (Some(policy), Some(dest)) = (&self.policy, inv.destination.as_deref()) else {
            return false;
        };
        if let Some(rest) = dest
            .strip_prefix("s3://")
            .or_else(|| dest.strip_prefix("gs://"))
        {
            let bucket = rest.split('/').next().unwrap_or(rest);
            return policy.is_sanctioned(Sanctioned::Bucket(bucket));
        }
        let Some((host, path)) = url_host_path(dest) else {
            return false;
        };
        match self.intel.services.lookup(host, path) {
            Some(m) => policy.is_sanctioned_match(&m, host),
            None => policy.is_sanctioned(Sanctioned::Domain(host)),
        }
    }

    /// Appends a finding when `ev` is a process start whose command line uploads.
    pub fn process(&self, ev: &Event, out: &mut Vec<Finding>) {
        // A PowerShell script block (event 4104) is read as the text of `-Command`.
        if is_category(ev, "ps_script") {
            if let Some(script) = ev.get_str("ScriptBlockText") {
                let argv = ["powershell.exe", "-Command", script].map(String::from);
                if let Some(inv) = classify(&argv, None, Some("powershell")) {
                    if !self.sanctioned(&inv) {
                        out.push(self.finding(ev, &inv, false));
                    }
                }
            }
            return;
        }
        let Some(product) = process_creation(ev) else {
            return;
        };
        let argv = argv_of(ev, product);
        if argv.is_empty() {
            return;
        }
        let image = ev.entity_str(EntitySlot::Image);
        let ofn = ev.entity_str(EntitySlot::OriginalFileName);
        let description = ev.get_str("Description");
        let tools = &self.intel.tools;
        let known = tools
            .identify(image.as_deref(), ofn.as_deref(), description)
            .or_else(|| tools.identify_by_hash(ev.get_str("Hashes")?, image.as_deref()));
        let hint = known.as_ref().map(|m| m.tool.id.as_str());
        let Some(inv) = classify(&argv, image.as_deref(), hint) else {
            return;
        };
        if self.sanctioned(&inv) {
            return;
        }
        let renamed = known.as_ref().is_some_and(|m| m.renamed);
        out.push(self.finding(ev, &inv, renamed));
    }

    fn finding(&self, ev: &Event, inv: &UploadInvocation, renamed: bool) -> Finding {
        let s = |slot| ev.entity_str(slot).map(|c| c.into_owned());
        let service = inv.destination.as_deref().and_then(|d| {
            let (host, path) = url_host_path(d)?;
            self.intel.services.lookup(host, path)
        });
        let technique = service
            .as_ref()
            .map(|m| m.entry.technique.as_str().to_string())
            .unwrap_or_else(|| default_technique(inv).to_string());
        let mut fields = BTreeMap::new();
        fields.insert("tool".to_string(), inv.tool.catalog_id().to_string());
        fields.insert("action".to_string(), inv.action.clone());
        fields.insert("risk".to_string(), inv.risk.to_string());
        if let Some(d) = &inv.destination {
            fields.insert("destination".to_string(), d.clone());
        }
        if !inv.sources.is_empty() {
            fields.insert("sources".to_string(), inv.sources.join(" "));
        }
        if let Some(m) = &service {
            fields.insert("service".to_string(), m.entry.service.clone());
        }
        if renamed {
            fields.insert("renamed".to_string(), "true".to_string());
        }
        if let Some(c) = ev.get_str("CommandLine") {
            fields.insert("CommandLine".to_string(), c.to_string());
        }
        if let Some(c) = ev.get_str("ScriptBlockText") {
            fields.insert(
                "ScriptBlockText".to_string(),
                c.chars().take(2048).collect(),
            );
        }
        let destination = Destination {
            domain: inv
                .destination
                .as_deref()
                .and_then(url_host_path)
                .map(|(h, _)| h.to_string()),
            service: service.as_ref().map(|m| m.entry.service.clone()),
            category: service
                .as_ref()
                .map(|m| m.entry.category.as_str().to_string()),
            target: inv.destination.clone(),
            ..Destination::default()
        };
        let rule = AlertRule {
            id: ID.to_string(),
            title: TITLE.to_string(),
            level: if inv.risk >= 8 { "high" } else { "medium" }.to_string(),
            source: "analytic".to_string(),
        };
        let summary = format!(
            "{} {} to {}",
            inv.tool.catalog_id(),
            inv.action,
            inv.destination
                .as_deref()
                .unwrap_or("an unnamed destination")
        );
        Finding {
            attack: vec![technique],
            d3fend: vec![D3FEND.to_string()],
            entity: FindingEntity {
                host: s(EntitySlot::Host),
                host_ip: None,
                user: s(EntitySlot::User),
                user_sid: None,
                image: s(EntitySlot::Image),
                pid: s(EntitySlot::Pid),
                process_guid: s(EntitySlot::ProcessGuid),
            },
            destination: (!destination.is_empty()).then_some(destination),
            fields,
            origin: Some(ev.origin.clone()),
            evidence: vec![Evidence::of(ev, summary)],
            ..Finding::new(rule, ev.ts)
        }
        .with_risk(inv.risk)
    }
}

fn is_category(ev: &Event, category: &str) -> bool {
    ev.logsources
        .iter()
        .any(|l| l.category.as_deref() == Some(category))
}

/// The product (`windows`, `linux`) of a process-creation event.
fn process_creation(ev: &Event) -> Option<&str> {
    ev.logsources
        .iter()
        .find(|l| l.category.as_deref() == Some("process_creation"))
        .and_then(|l| l.product.as_deref())
}

/// The argv: auditd's own arguments when present, else the command line split
/// by the platform's rules.
fn argv_of(ev: &Event, product: &str) -> Vec<String> {
    if ev.get("a0").is_some() && product == "linux" {
        return audit_argv(|name| ev.get(name).map(|v| ev.display(v)));
    }
    match ev.get_str("CommandLine") {
        Some(c) if product == "windows" => split_windows(c),
        Some(c) => split_posix(c),
        None => Vec::new(),
    }
}

/// Host and path of a URL destination (`s3://`, `gs://` and rclone remotes have none).
fn url_host_path(d: &str) -> Option<(&str, Option<&str>)> {
    let rest = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))?;
    match rest.find('/') {
        Some(i) => Some((&rest[..i], Some(&rest[i..]))),
        None => Some((rest, None)),
    }
}

/// The technique when the destination names no catalogued service: bucket
/// URLs are cloud storage; anything else is exfiltration over a web service.
fn default_technique(inv: &UploadInvocation) -> &'static str {
    match inv.destination.as_deref() {
        Some(d)
            if d.starts_with("s3://")
                || d.starts_with("gs://")
                || d.contains(".blob.core.windows.net") =>
        {
            "T1567.002"
        }
        _ => "T1567",
    }
}
