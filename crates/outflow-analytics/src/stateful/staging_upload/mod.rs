//! Staging then upload (T1074.001 → T1567, MITRE reference analytic): an
//! archive (or a burst of files) written to a staging place — `/tmp`,
//! `C:\Users\Public`, Downloads, the user's Temp, `C:\ProgramData`, ... —
//! followed on the same host within `window` by an upload:
//!
//! * the strongest link: an upload tool (rclone, curl, PowerShell, ...) whose
//!   command line or script names the staged file;
//! * else a flow with bytes out (proxy, Zeek conn, firewall; the host found
//!   by its address) of comparable size: at least `size_ratio` × the staged
//!   size when known, else at least `min_upload_bytes`, by a client that is
//!   not a browser, to a destination outside the organisation.
//!
//! Staging is seen in Sysmon 11 file creates (archive extensions) and in
//! archivers' process starts (7-Zip, RAR, tar, zip, Compress-Archive; Sysmon
//! 1, 4688, auditd EXECVE) with the output path parsed from the argv.

use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::stateful::browsers::{file_name, user_agent, BrowserList};
use crate::stateful::common::restore_state;
use crate::upload::{classify, UploadTool};
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use outflow_event::EntitySlot;
use outflow_intel::Sanctioned;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

mod argv;
mod paths;
mod reporting;

pub use argv::archive_output;
use argv::argv_of;
use paths::{absolute, glob_prefix, parent_dir, push_unique, url_host_path};

pub const NAME: &str = "staging-upload";

/// Most staged items remembered per host.
const MAX_STAGED_PER_HOST: usize = 64;
/// Most hosts followed.
const MAX_HOSTS: usize = 50_000;
/// Most (host, process, folder) bulk-write counters.
const MAX_BULK_KEYS: usize = 100_000;
/// Most reported staged items remembered (records arriving late).
const MAX_REPORTED: usize = 50_000;
/// Most browser connections remembered per host.
const MAX_BROWSER_CONNS: usize = 256;
/// Shortest staged file name matched inside a command line (shorter ones
/// would match by chance).
const MIN_NAME_LEN: usize = 5;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: Option<u8>,
    staging_paths: Vec<String>,
    archive_extensions: Vec<String>,
    archivers: Vec<String>,
    bulk_files: u64,
    bulk_window: u64,
    window: u64,
    size_ratio: f64,
    min_upload_bytes: u64,
    hold: u64,
    max_evidence: usize,
    /// Risk when the uploader's command line names the staged file.
    named_risk: u8,
    browsers: BrowserList,
}

/// Something staged, and the upload linked to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Staged {
    at: i64,
    /// Path of the archive (or the folder of a bulk write).
    path: String,
    /// Lower-case file name (or folder path for bulk writes), matched in
    /// uploaders' command lines.
    needle: String,
    size: Option<u64>,
    how: String,
    user: Option<String>,
    image: Option<String>,
    evidence: Vec<Evidence>,
    upload: Option<Upload>,
    reported: bool,
}

/// The upload linked to a staged item.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Upload {
    finding: Finding,
    first: i64,
    last: i64,
    /// The uploader names the staged file.
    named: bool,
    /// The uploader's process id (its connections join the alert).
    pid: Option<u64>,
    bytes_by_source: BTreeMap<String, u64>,
    evidence: Vec<Evidence>,
    destinations: Vec<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct HostState {
    staged: VecDeque<Staged>,
    /// Destination address → last time a browser of this host connected.
    browser_conns: FxHashMap<IpAddr, i64>,
    last: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct BulkCount {
    first: i64,
    count: u64,
    evidence: Evidence,
    user: Option<String>,
}

pub struct StagingUpload {
    ctx: Arc<Ctx>,
    meta: AnalyticMeta,
    s: Settings,
    hosts: FxHashMap<Arc<str>, HostState>,
    /// (host, image, folder) → files written there lately.
    bulk: FxHashMap<(Arc<str>, String, String), BulkCount>,
    /// (host, lower-case staged path) → staging time, of items reported:
    /// their records arriving late raise no second alert.
    reported: FxHashMap<(Arc<str>, String), i64>,
}

impl StagingUpload {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let meta = ctx.config.meta(NAME)?;
        let mut s: Settings = ctx.config.section(NAME)?;
        s.browsers = s.browsers.normalized();
        for p in s.staging_paths.iter_mut() {
            *p = p.trim().to_ascii_lowercase().replace('\\', "/");
        }
        for list in [&mut s.archive_extensions, &mut s.archivers] {
            for x in list.iter_mut() {
                *x = x.trim().trim_start_matches('.').to_ascii_lowercase();
            }
        }
        if !(s.size_ratio.is_finite() && s.size_ratio >= 0.0) {
            return Err(ConfigError::Section {
                file: String::new(),
                analytic: NAME.to_string(),
                message: format!("size_ratio must be a number ≥ 0, not {}", s.size_ratio),
            });
        }
        Ok(StagingUpload {
            ctx: ctx.clone(),
            meta,
            s,
            hosts: FxHashMap::default(),
            bulk: FxHashMap::default(),
            reported: FxHashMap::default(),
        })
    }

    pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
        Ok(Box::new(StagingUpload::new(ctx)?))
    }

    fn window(&self) -> i64 {
        self.s.window.saturating_mul(1_000_000) as i64
    }

    fn hold(&self) -> i64 {
        self.s.hold.saturating_mul(1_000_000) as i64
    }

    /// Whether a path lies in a staging place.
    fn is_staging(&self, path: &str) -> bool {
        let p = path.to_ascii_lowercase().replace('\\', "/");
        self.s.staging_paths.iter().any(|pat| glob_prefix(pat, &p))
    }

    fn is_archive(&self, path: &str) -> bool {
        let name = file_name(path).to_ascii_lowercase();
        name.rsplit_once('.')
            .is_some_and(|(_, ext)| self.s.archive_extensions.iter().any(|e| e == ext))
    }

    /// Whether the policy sanctions an uploader's destination (URL host,
    /// its catalogued tenant, or a bucket).
    fn sanctioned(&self, dest: &str) -> bool {
        if let Some((host, path)) = url_host_path(dest) {
            let host = host.to_ascii_lowercase();
            return self.ctx.policy.is_sanctioned(Sanctioned::Domain(&host))
                || self
                    .ctx
                    .service_ref(&host, path)
                    .is_some_and(|s| s.sanctioned);
        }
        for scheme in ["s3://", "gs://"] {
            if let Some(rest) = dest.strip_prefix(scheme) {
                let bucket = rest.split('/').next().unwrap_or("");
                return self.ctx.policy.is_sanctioned(Sanctioned::Bucket(bucket));
            }
        }
        false
    }

    /// The view's host has staged data not yet reported.
    fn waiting(&self, view: &View<'_>) -> bool {
        view.host
            .as_ref()
            .and_then(|h| self.hosts.get(h))
            .is_some_and(|st| st.staged.iter().any(|s| !s.reported))
    }

    /// The image may be an archiver ([`Self::archiver_of`] may name one).
    fn may_archive(&self, image: &str) -> bool {
        let stem = program_stem(image);
        self.s.archivers.contains(&stem) || is_powershell(&stem)
    }

    fn archiver_of(&self, image: Option<&str>, argv: &[String]) -> Option<String> {
        let stem = program_stem(image.or_else(|| argv.first().map(String::as_str))?);
        if self.s.archivers.contains(&stem) {
            return Some(stem);
        }
        if is_powershell(&stem)
            && self.s.archivers.iter().any(|a| a == "compress-archive")
            && argv
                .iter()
                .any(|a| a.to_ascii_lowercase().contains("compress-archive"))
        {
            return Some("compress-archive".to_string());
        }
        None
    }

    // ------------------------------------------------------------- staging

    fn stage(
        &mut self,
        view: &View<'_>,
        path: String,
        how: String,
        note: String,
        out: &mut Vec<Finding>,
    ) {
        let Some(host) = view.host.clone() else {
            return;
        };
        let needle = file_name(&path).to_ascii_lowercase();
        let now = view.micros();
        let window = self.window();
        if self.hosts.len() >= MAX_HOSTS && !self.hosts.contains_key(&host) {
            self.drop_stalest(out);
        }
        if self
            .reported
            .get(&(host.clone(), path.to_ascii_lowercase()))
            .is_some_and(|at| (now - at).abs() <= window)
        {
            return;
        }
        let st = self.hosts.entry(host).or_default();
        st.last = st.last.max(now);
        let ev = Evidence::of(view.ev, note);
        // The archiver's start and its file create name the same archive: one item.
        // A record arriving late for an item already reported adds nothing.
        if let Some(s) = st
            .staged
            .iter_mut()
            .find(|s| s.path.eq_ignore_ascii_case(&path) && (now - s.at).abs() <= window)
        {
            if !s.reported && s.evidence.len() < 4 {
                s.evidence.push(ev);
            }
            return;
        }
        if st.staged.len() >= MAX_STAGED_PER_HOST {
            if let Some(i) = st.staged.iter().position(|s| s.upload.is_none()) {
                st.staged.remove(i);
            } else {
                return;
            }
        }
        st.staged.push_back(Staged {
            at: now,
            needle,
            path,
            size: None,
            how,
            user: view.user.as_deref().map(str::to_string),
            image: view.image.as_deref().map(str::to_string),
            evidence: vec![ev],
            upload: None,
            reported: false,
        });
    }

    fn file_write(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(target) = view.get("TargetFilename").or_else(|| view.get("name")) else {
            return;
        };
        if !self.is_staging(target) {
            return;
        }
        if self.is_archive(target) {
            let who = view.image.as_deref().map(file_name).unwrap_or("a process");
            let note = format!("{who} wrote the archive {target}");
            self.stage(view, target.to_string(), "archive file".into(), note, out);
            return;
        }
        if self.s.bulk_files == 0 {
            return;
        }
        let Some(host) = view.host.clone() else {
            return;
        };
        let dir = parent_dir(target).to_string();
        let image = view.image.as_deref().unwrap_or("").to_ascii_lowercase();
        let now = view.micros();
        let bulk_window = self.s.bulk_window.saturating_mul(1_000_000) as i64;
        if self.bulk.len() >= MAX_BULK_KEYS {
            self.bulk.retain(|_, b| now - b.first <= bulk_window);
            if self.bulk.len() >= MAX_BULK_KEYS {
                self.bulk.clear();
            }
        }
        let key = (host, image, dir.to_ascii_lowercase());
        let b = self.bulk.entry(key.clone()).or_insert_with(|| BulkCount {
            first: now,
            count: 0,
            evidence: Evidence::of(view.ev, format!("first file written: {target}")),
            user: view.user.as_deref().map(str::to_string),
        });
        if now - b.first > bulk_window {
            *b = BulkCount {
                first: now,
                count: 0,
                evidence: Evidence::of(view.ev, format!("first file written: {target}")),
                user: view.user.as_deref().map(str::to_string),
            };
        }
        b.count += 1;
        if b.count != self.s.bulk_files {
            return;
        }
        let first = b.evidence.clone();
        let note = format!(
            "{} files written to {dir} by {} within {} s",
            b.count,
            view.image
                .as_deref()
                .map(file_name)
                .unwrap_or("one process"),
            self.s.bulk_window
        );
        self.stage(view, dir.clone(), "bulk file writes".into(), note, out);
        if let Some(st) = self.hosts.get_mut(&key.0) {
            if let Some(s) = st.staged.back_mut() {
                if s.path == dir {
                    // The folder as command lines name it (no trailing separator).
                    s.needle = dir.trim_end_matches(['/', '\\']).to_ascii_lowercase();
                    s.evidence.insert(0, first);
                }
            }
        }
    }

    fn process_start(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        // Splitting the command line is the costly part: skip it for a
        // program that is no archiver on a host with nothing staged.
        if !self.waiting(view) && view.image.as_deref().is_some_and(|i| !self.may_archive(i)) {
            return;
        }
        let argv = argv_of(view);
        if argv.is_empty() {
            return;
        }
        if let Some(archiver) = self.archiver_of(view.image.as_deref(), &argv) {
            if let Some(output) = archive_output(&archiver, &argv) {
                let path = absolute(
                    &output,
                    view.get("CurrentDirectory").or_else(|| view.get("cwd")),
                );
                if self.is_staging(&path) {
                    let note = format!("{archiver} writes {path}");
                    self.stage(view, path, format!("{archiver} archive"), note, out);
                }
            }
            return;
        }
        self.named_upload(view, &argv, out);
    }

    fn script(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(text) = view.get("ScriptBlockText") else {
            return;
        };
        let argv = vec![
            "powershell.exe".to_string(),
            "-Command".to_string(),
            text.to_string(),
        ];
        if text.to_ascii_lowercase().contains("compress-archive") {
            if let Some(output) = archive_output("compress-archive", &argv) {
                if self.is_staging(&output) {
                    let note = format!("Compress-Archive writes {output}");
                    self.stage(view, output, "Compress-Archive archive".into(), note, out);
                }
            }
        }
        self.named_upload(view, &argv, out);
    }

    // -------------------------------------------------------------- upload

    /// An upload tool whose arguments name a staged file.
    fn named_upload(&mut self, view: &View<'_>, argv: &[String], _out: &mut Vec<Finding>) {
        let Some(host) = view.host.clone() else {
            return;
        };
        let now = view.micros();
        let window = self.window();
        let Some(st) = self.hosts.get(&host) else {
            return;
        };
        let joined = argv.join(" ").to_ascii_lowercase();
        let Some(idx) = st.staged.iter().rposition(|s| {
            !s.reported
                && now >= s.at
                && now - s.at <= window
                && s.needle.len() >= MIN_NAME_LEN
                && joined.contains(&s.needle)
        }) else {
            return;
        };
        let image = view.image.as_deref();
        if image.is_some_and(|i| self.s.browsers.is_browser_image(i)) {
            return;
        }
        let ofn = view.ev.entity_str(EntitySlot::OriginalFileName);
        let known = self
            .ctx
            .intel
            .tools
            .identify(image, ofn.as_deref(), view.get("Description"));
        let hint = known.as_ref().map(|m| m.tool.id.as_str());
        let inv = classify(argv, image, hint);
        if inv.is_none() && known.is_none() {
            return;
        }
        if inv
            .as_ref()
            .and_then(|i| i.destination.as_deref())
            .is_some_and(|d| self.sanctioned(d))
        {
            return;
        }
        let dest = inv
            .as_ref()
            .and_then(|i| i.destination.clone())
            .unwrap_or_else(|| "an unnamed destination".to_string());
        let tool = inv
            .as_ref()
            .map(|i| i.tool.catalog_id().to_string())
            .or_else(|| known.as_ref().map(|m| m.tool.id.clone()))
            .unwrap_or_default();
        let note = format!("{tool} sends the staged file to {dest}");
        let pid = view.ev.entity.pid;
        let max_evidence = self.s.max_evidence;
        let mut finding = report::finding(NAME, &self.meta, view, note.clone());
        finding.evidence.clear();
        let d = finding.destination.get_or_insert_with(Default::default);
        d.target = inv.as_ref().and_then(|i| i.destination.clone());
        if let Some((h, _)) = d.target.as_deref().and_then(url_host_path) {
            d.domain = Some(h.to_string());
            if let Some(s) = self.ctx.service_ref(h, None) {
                d.service = Some(s.name.to_string());
                d.category = Some(s.category.to_string());
            }
        }
        finding.fields.insert("tool".into(), tool);
        let Some(st) = self.hosts.get_mut(&host) else {
            return;
        };
        let Some(s) = st.staged.get_mut(idx) else {
            return;
        };
        let ev = Evidence::of(view.ev, note);
        match s.upload.as_mut() {
            Some(u) => {
                u.named = true;
                u.last = now;
                u.pid = pid.or(u.pid);
                if u.evidence.len() < max_evidence {
                    u.evidence.push(ev);
                }
                push_unique(&mut u.destinations, &dest);
            }
            None => {
                s.upload = Some(Upload {
                    finding,
                    first: now,
                    last: now,
                    named: true,
                    pid,
                    bytes_by_source: BTreeMap::new(),
                    evidence: vec![ev],
                    destinations: vec![dest],
                });
            }
        }
    }

    /// A connection of the uploader (same host and process) joins its alert;
    /// a browser's connection marks its address as a browser's.
    fn net_conn(&mut self, view: &View<'_>) {
        let Some(host) = view.host.clone() else {
            return;
        };
        let Some(st) = self.hosts.get_mut(&host) else {
            return;
        };
        let now = view.micros();
        let image = view.image.as_deref().unwrap_or("");
        if self.s.browsers.is_browser_image(image) {
            if let Some(ip) = view.flow.as_ref().and_then(|f| f.dst_ip) {
                if st.browser_conns.len() >= MAX_BROWSER_CONNS {
                    let oldest = st
                        .browser_conns
                        .iter()
                        .min_by_key(|(_, t)| **t)
                        .map(|(k, _)| *k);
                    if let Some(k) = oldest {
                        st.browser_conns.remove(&k);
                    }
                }
                st.browser_conns.insert(ip, now);
            }
            return;
        }
        let Some(pid) = view.ev.entity.pid else {
            return;
        };
        let max_evidence = self.s.max_evidence;
        for s in st.staged.iter_mut() {
            if let Some(u) = s.upload.as_mut() {
                if u.pid == Some(pid) && !s.reported {
                    u.last = u.last.max(now);
                    if u.evidence.len() < max_evidence {
                        let f = view.flow.as_ref();
                        let to = f
                            .and_then(|f| f.domain.as_deref().map(str::to_string))
                            .or_else(|| f.and_then(|f| f.dst_ip.map(|i| i.to_string())))
                            .unwrap_or_default();
                        u.evidence.push(Evidence::of(
                            view.ev,
                            format!("{} connects to {to}", file_name(image)),
                        ));
                        if let Some(d) = f.and_then(|f| f.domain.as_deref()) {
                            push_unique(&mut u.destinations, d);
                        }
                    }
                }
            }
        }
    }

    /// A flow with bytes out from a host that staged something.
    fn flow(&mut self, view: &View<'_>) {
        let Some(flow) = view.flow.as_ref() else {
            return;
        };
        let Some(bytes) = flow.bytes_out.filter(|b| *b > 0) else {
            return;
        };
        if flow.internal {
            return;
        }
        // Most hosts have nothing staged and waiting: settle that first,
        // before the policy, the user agent and the evidence line.
        if !self.waiting(view) {
            return;
        }
        let Some(host) = view.host.clone() else {
            return;
        };
        if let Some(d) = flow.domain.as_deref() {
            if self.ctx.policy.is_sanctioned(Sanctioned::Domain(d)) {
                return;
            }
        }
        if flow.service.as_ref().is_some_and(|s| s.sanctioned) {
            return;
        }
        if view.kind == Kind::Http
            && self.s.browsers.is_browser_agent(user_agent(view)) == Some(true)
        {
            return;
        }
        let now = view.micros();
        let window = self.window();
        let hold = self.hold();
        let ratio = self.s.size_ratio;
        let floor = self.s.min_upload_bytes;
        let max_evidence = self.s.max_evidence;
        let Some(st) = self.hosts.get_mut(&host) else {
            return;
        };
        if let Some(ip) = flow.dst_ip {
            if st.browser_conns.get(&ip).is_some_and(|t| now - t <= window) {
                return;
            }
        }
        let big_enough = |s: &Staged| match s.size {
            Some(size) => bytes as f64 >= ratio * size as f64 && bytes >= 1,
            None => bytes >= floor,
        };
        let source = view.ev.source.as_str().to_string();
        let to = flow
            .domain
            .as_deref()
            .map(str::to_string)
            .or_else(|| flow.dst_ip.map(|i| i.to_string()))
            .unwrap_or_default();
        let note = format!("{} out to {to} ({source})", human_bytes(bytes));
        // An upload already linked (and still going) takes the flow.
        if let Some(s) = st
            .staged
            .iter_mut()
            .rev()
            .find(|s| !s.reported && s.upload.as_ref().is_some_and(|u| now - u.last <= hold))
        {
            if let Some(u) = s.upload.as_mut() {
                if bytes >= floor.min(1_000_000) {
                    u.last = now;
                    *u.bytes_by_source.entry(source).or_insert(0) += bytes;
                    if u.evidence.len() < max_evidence {
                        u.evidence.push(Evidence::of(view.ev, note));
                    }
                    push_unique(&mut u.destinations, &to);
                }
            }
            return;
        }
        let Some(s) = st.staged.iter_mut().rev().find(|s| {
            !s.reported
                && s.upload.is_none()
                && now >= s.at
                && now - s.at <= window
                && big_enough(s)
        }) else {
            return;
        };
        let mut finding = report::finding(NAME, &self.meta, view, note.clone());
        finding.evidence.clear();
        let mut by = BTreeMap::new();
        by.insert(source, bytes);
        s.upload = Some(Upload {
            finding,
            first: now,
            last: now,
            named: false,
            pid: None,
            bytes_by_source: by,
            evidence: vec![Evidence::of(view.ev, note)],
            destinations: vec![to],
        });
    }
}

/// A program's file name, lower case, without `.exe`: how archivers are named.
fn program_stem(path: &str) -> String {
    let name = file_name(path).to_ascii_lowercase();
    match name.strip_suffix(".exe") {
        Some(stem) => stem.to_string(),
        None => name,
    }
}

/// PowerShell, whose `Compress-Archive` makes archives.
fn is_powershell(stem: &str) -> bool {
    UploadTool::from_name(stem) == Some(UploadTool::PowerShell)
}

impl StatefulAnalytic for StagingUpload {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        match view.kind {
            Kind::FileWrite => self.file_write(view, out),
            Kind::ProcessStart => self.process_start(view, out),
            Kind::PsScript => self.script(view, out),
            Kind::NetConn => self.net_conn(view),
            Kind::Http | Kind::Conn | Kind::Firewall => self.flow(view),
            _ => {}
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        self.report_quiet(now, out);
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.report_quiet(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        let hosts: Vec<(&str, &HostState)> =
            self.hosts.iter().map(|(k, v)| (k.as_ref(), v)).collect();
        serde_json::json!({ "hosts": hosts })
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        #[derive(Deserialize)]
        struct State {
            hosts: Vec<(String, HostState)>,
        }
        let Some(s) = restore_state::<State>(NAME, state)? else {
            return Ok(());
        };
        for (k, v) in s.hosts.into_iter().take(MAX_HOSTS) {
            self.hosts.insert(Arc::from(k.as_str()), v);
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.hosts.values().map(|h| h.staged.len()).sum::<usize>() + self.bulk.len()
    }
}
