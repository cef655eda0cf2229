//! Bulk SaaS uploads (T1567.002, MITRE reference analytic): one user uploads
//! `min_uploads` files of at least `min_bytes` within `window` — Microsoft 365
//! `FileUploaded` (SharePoint, OneDrive), Google Drive `upload`, S3
//! `PutObject` (CloudTrail data events, the IAM principal as the user) —
//! and sharing to outside: anonymous links, shares to guests or external
//! domains, Drive files made public. A share that follows bulk uploads by the
//! same user is the strongest signal.
//!
//! Uploads into storage the organisation owns (its own tenant, its own
//! buckets) are everyday work: alone they raise nothing unless
//! `organisation_bulk_alone` is set; bulk uploads to buckets of other
//! accounts raise an alert by themselves. Sync-client operations
//! (`FileSyncUploadedFull`) are not uploads here.

use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report::{self, human_bytes};
use crate::stateful::common::restore_state;
use crate::view::View;
use crate::{ConfigError, Ctx, Kind};
use outflow_detect::{Evidence, Finding};
use outflow_intel::Sanctioned;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

pub const NAME: &str = "bulk-saas-upload";

/// Most uploads remembered per user (the window's oldest go first).
const MAX_UPLOADS_PER_USER: usize = 2_000;
/// Most users followed at once.
const MAX_USERS: usize = 100_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: Option<u8>,
    min_uploads: usize,
    min_bytes: u64,
    window: u64,
    count_unsized: bool,
    organisation_bulk_alone: bool,
    hold: u64,
    max_evidence: usize,
    m365_upload_operations: Vec<String>,
    m365_anonymous_operations: Vec<String>,
    m365_share_operations: Vec<String>,
    m365_external_targets: Vec<String>,
    gdrive_upload_events: Vec<String>,
    gdrive_share_events: Vec<String>,
    public_visibilities: Vec<String>,
    s3_upload_events: Vec<String>,
    organisation_domains: Vec<String>,
    share_risk: u8,
    bulk_then_share_risk: u8,
}

/// One upload as remembered.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Upload {
    at: i64,
    bytes: Option<u64>,
    /// Into storage the organisation owns.
    own: bool,
    /// Bucket, site or service.
    place: String,
    evidence: Evidence,
}

/// An alert being gathered.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Open {
    finding: Finding,
    last: i64,
    uploads: usize,
    bytes: u64,
    shares: usize,
    places: Vec<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct UserState {
    uploads: VecDeque<Upload>,
    /// Bulk uploads to storage outside the organisation.
    bulk: Option<Open>,
    /// Shares (with the bulk uploads that preceded them).
    share: Option<Open>,
    last: i64,
}

pub struct BulkSaasUpload {
    ctx: Arc<Ctx>,
    meta: AnalyticMeta,
    s: Settings,
    users: FxHashMap<Arc<str>, UserState>,
}

enum Record {
    Upload {
        bytes: Option<u64>,
        own: bool,
        place: String,
        what: String,
    },
    Share {
        what: String,
        target: String,
    },
}

impl BulkSaasUpload {
    pub fn new(ctx: &Arc<Ctx>) -> Result<Self, ConfigError> {
        let meta = ctx.config.meta(NAME)?;
        let mut s: Settings = ctx.config.section(NAME)?;
        for d in s.organisation_domains.iter_mut() {
            *d = d.trim().trim_start_matches('@').to_ascii_lowercase();
        }
        Ok(BulkSaasUpload {
            ctx: ctx.clone(),
            meta,
            s,
            users: FxHashMap::default(),
        })
    }

    pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
        Ok(Box::new(BulkSaasUpload::new(ctx)?))
    }

    fn window(&self) -> i64 {
        self.s.window.saturating_mul(1_000_000) as i64
    }

    fn hold(&self) -> i64 {
        self.s.hold.saturating_mul(1_000_000) as i64
    }

    /// Whether an e-mail address or domain is outside the organisation.
    fn external(&self, target: &str, actor: Option<&str>) -> bool {
        let domain = target
            .rsplit('@')
            .next()
            .unwrap_or(target)
            .trim()
            .to_ascii_lowercase();
        if domain.is_empty() || !domain.contains('.') {
            return false;
        }
        let own_domain = actor
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase());
        let mine = |d: &str| domain == d || domain.ends_with(&format!(".{d}"));
        !(own_domain.as_deref().is_some_and(mine)
            || self.s.organisation_domains.iter().any(|d| mine(d))
            || self.ctx.policy.is_sanctioned(Sanctioned::Domain(&domain)))
    }

    fn classify(&self, view: &View<'_>) -> Option<Record> {
        let in_list = |list: &[String], v: &str| list.iter().any(|x| x.eq_ignore_ascii_case(v));
        if view.has_logsource(Some("m365"), None) {
            let op = view.get("Operation")?;
            if in_list(&self.s.m365_upload_operations, op) {
                let place = view
                    .get("SiteUrl")
                    .or_else(|| view.get("url_host"))
                    .unwrap_or("Microsoft 365")
                    .to_string();
                return Some(Record::Upload {
                    bytes: size(view, &["FileSizeBytes", "FileSize", "Size"]),
                    own: true,
                    place,
                    what: format!(
                        "{op} {}",
                        view.get("ObjectId")
                            .or_else(|| view.get("SourceFileName"))
                            .unwrap_or("")
                    ),
                });
            }
            let target = view
                .get("TargetUserOrGroupName")
                .or_else(|| view.get("TargetUserOrGroupType"))
                .unwrap_or("anyone");
            let object = view.get("ObjectId").unwrap_or("");
            if in_list(&self.s.m365_anonymous_operations, op) {
                return Some(Record::Share {
                    what: format!("{op} for {object}"),
                    target: "anyone with the link".to_string(),
                });
            }
            if in_list(&self.s.m365_share_operations, op) {
                let kind = view.get("TargetUserOrGroupType").unwrap_or("");
                let outside = in_list(&self.s.m365_external_targets, kind)
                    || view
                        .get("TargetUserOrGroupName")
                        .is_some_and(|t| t.contains('@') && self.external(t, view.user.as_deref()));
                if outside {
                    return Some(Record::Share {
                        what: format!("{op} for {object} to {target}"),
                        target: target.to_string(),
                    });
                }
            }
            return None;
        }
        if is_drive(view) {
            let name = view.get("events.name").or_else(|| view.get("eventName"))?;
            let title = view.get("parameters.doc_title").unwrap_or("a file");
            if in_list(&self.s.gdrive_upload_events, name) {
                return Some(Record::Upload {
                    bytes: size(view, &["parameters.size", "parameters.file_size"]),
                    own: true,
                    place: "Google Drive".to_string(),
                    what: format!("{name} {title}"),
                });
            }
            if in_list(&self.s.gdrive_share_events, name) {
                let vis = view.get("parameters.visibility").unwrap_or("");
                if in_list(&self.s.public_visibilities, vis) {
                    return Some(Record::Share {
                        what: format!("{name} of {title} to {vis}"),
                        target: vis.to_string(),
                    });
                }
                if let Some(t) = view
                    .get("parameters.target_user")
                    .or_else(|| view.get("parameters.target_domain"))
                {
                    if self.external(t, view.user.as_deref()) {
                        return Some(Record::Share {
                            what: format!("{name} of {title} to {t}"),
                            target: t.to_string(),
                        });
                    }
                }
            }
            return None;
        }
        if view.has_logsource(Some("aws"), None)
            && view.get("eventSource") == Some("s3.amazonaws.com")
        {
            let name = view.get("eventName")?;
            if !in_list(&self.s.s3_upload_events, name) {
                return None;
            }
            let bucket = view.get("requestParameters.bucketName").unwrap_or("");
            let caller = view
                .get("userIdentity.accountId")
                .or_else(|| view.get("recipientAccountId"));
            // Data events name the bucket owner's account in resources.
            let owner = view.text("resources.accountId");
            let own_account = match (caller, owner.as_deref()) {
                (Some(c), Some(o)) => o.contains(c),
                _ => false,
            };
            let own = own_account
                || (!bucket.is_empty()
                    && self.ctx.policy.is_sanctioned(Sanctioned::Bucket(bucket)));
            return Some(Record::Upload {
                bytes: size(view, &["additionalEventData.bytesTransferredIn"])
                    .or(view.flow.as_ref().and_then(|f| f.bytes_out)),
                own,
                place: format!("s3://{bucket}"),
                what: format!(
                    "{name} s3://{bucket}/{}",
                    view.get("requestParameters.key").unwrap_or("")
                ),
            });
        }
        None
    }

    fn counts(&self, u: &Upload) -> bool {
        match u.bytes {
            Some(b) => b >= self.s.min_bytes,
            None => self.s.count_unsized,
        }
    }

    fn upload(&mut self, view: &View<'_>, user: Arc<str>, up: Upload, out: &mut Vec<Finding>) {
        let window = self.window();
        let counts = self.counts(&up);
        let own = up.own;
        let alone = !own || self.s.organisation_bulk_alone;
        let max_evidence = self.s.max_evidence;
        let min_uploads = self.s.min_uploads.max(1);
        let now = up.at;
        self.make_room(out);
        self.close_stale(&user, now, out);
        let st = self.users.entry(user).or_default();
        st.last = st.last.max(now);
        while st.uploads.front().is_some_and(|u| now - u.at > window) {
            st.uploads.pop_front();
        }
        if st.uploads.len() >= MAX_UPLOADS_PER_USER {
            st.uploads.pop_front();
        }
        if counts {
            st.uploads.push_back(up.clone());
        }
        // An open share alert takes further uploads too (the user keeps going).
        if let Some(open) = st.share.as_mut() {
            if counts {
                open.uploads += 1;
                open.bytes += up.bytes.unwrap_or(0);
                if open.finding.evidence.len() < max_evidence {
                    open.finding.evidence.push(up.evidence.clone());
                }
            }
        }
        if !(counts && alone) {
            return;
        }
        if let Some(open) = st.bulk.as_mut() {
            open.last = now;
            open.uploads += 1;
            open.bytes += up.bytes.unwrap_or(0);
            push_place(&mut open.places, &up.place);
            if open.finding.evidence.len() < max_evidence {
                open.finding.evidence.push(up.evidence);
            }
            return;
        }
        let same: Vec<&Upload> = st
            .uploads
            .iter()
            .filter(|u| !u.own || self.s.organisation_bulk_alone)
            .collect();
        if same.len() < min_uploads {
            return;
        }
        let summary = format!(
            "{} uploads by one user within {} to storage outside the organisation",
            same.len(),
            human_secs(self.s.window)
        );
        let mut f = report::finding(NAME, &self.meta, view, summary);
        f.evidence.clear();
        let mut places = Vec::new();
        let mut bytes = 0;
        for u in &same {
            bytes += u.bytes.unwrap_or(0);
            push_place(&mut places, &u.place);
            if f.evidence.len() < max_evidence {
                f.evidence.push(u.evidence.clone());
            }
        }
        st.bulk = Some(Open {
            finding: f,
            last: now,
            uploads: same.len(),
            bytes,
            shares: 0,
            places,
        });
    }

    fn share(
        &mut self,
        view: &View<'_>,
        user: Arc<str>,
        what: String,
        target: String,
        out: &mut Vec<Finding>,
    ) {
        let now = view.micros();
        let window = self.window();
        let max_evidence = self.s.max_evidence;
        self.make_room(out);
        self.close_stale(&user, now, out);
        let st = self.users.entry(user).or_default();
        st.last = st.last.max(now);
        let ev = Evidence::of(view.ev, what.clone());
        if let Some(open) = st.share.as_mut() {
            open.last = now;
            open.shares += 1;
            push_place(&mut open.places, &target);
            if open.finding.evidence.len() < max_evidence {
                open.finding.evidence.push(ev);
            }
            return;
        }
        let before: Vec<&Upload> = st.uploads.iter().filter(|u| now - u.at <= window).collect();
        let mut f = report::finding(NAME, &self.meta, view, what);
        let mut bytes = 0;
        let mut places = vec![target];
        if before.len() >= self.s.min_uploads.max(1) {
            // The uploads first, then the share: the order things happened.
            f.evidence.clear();
            for u in before
                .iter()
                .rev()
                .take(max_evidence.saturating_sub(1))
                .rev()
            {
                f.evidence.push(u.evidence.clone());
            }
            f.evidence.push(ev);
            for u in &before {
                bytes += u.bytes.unwrap_or(0);
                push_place(&mut places, &u.place);
            }
        }
        st.share = Some(Open {
            finding: f,
            last: now,
            uploads: if bytes > 0 || before.len() >= self.s.min_uploads.max(1) {
                before.len()
            } else {
                0
            },
            bytes,
            shares: 1,
            places,
        });
    }

    fn close_bulk(&self, o: Open) -> Finding {
        let mut f = o.finding;
        f.bytes_out = (o.bytes > 0).then_some(o.bytes);
        f.fields.insert("uploads".into(), o.uploads.to_string());
        f.fields.insert("places".into(), o.places.join(" "));
        if o.bytes > 0 {
            f.fields.insert("bytes".into(), o.bytes.to_string());
        }
        f.fields.insert(
            "summary".into(),
            format!(
                "{} uploads ({}) to {}",
                o.uploads,
                total(o.bytes),
                o.places.join(", ")
            ),
        );
        if let Some(d) = f.destination.as_mut() {
            d.target = o.places.first().cloned();
        }
        report::set_risk(&mut f, self.meta.risk);
        f
    }

    fn close_share(&self, o: Open) -> Finding {
        let mut f = o.finding;
        let bulk = o.uploads >= self.s.min_uploads.max(1);
        f.fields.insert("shares".into(), o.shares.to_string());
        f.fields.insert(
            "shared_with".into(),
            o.places.first().cloned().unwrap_or_default(),
        );
        f.fields
            .insert("uploads_before".into(), o.uploads.to_string());
        if o.bytes > 0 {
            f.bytes_out = Some(o.bytes);
            f.fields.insert("bytes".into(), o.bytes.to_string());
        }
        let summary = if bulk {
            format!(
                "{} uploads ({}) then {} share(s) to {}",
                o.uploads,
                total(o.bytes),
                o.shares,
                o.places.first().map(String::as_str).unwrap_or("outside")
            )
        } else {
            format!(
                "{} share(s) to {}",
                o.shares,
                o.places.first().map(String::as_str).unwrap_or("outside")
            )
        };
        f.fields.insert("summary".into(), summary);
        let d = f.destination.get_or_insert_with(Default::default);
        d.target = o.places.first().cloned();
        let risk = if bulk {
            self.s.bulk_then_share_risk
        } else {
            self.s.share_risk
        };
        report::set_risk(&mut f, risk);
        f
    }

    fn report_quiet(&mut self, now: i64, out: &mut Vec<Finding>) {
        let hold = self.hold();
        let window = self.window();
        let mut closed = Vec::new();
        for st in self.users.values_mut() {
            if st.bulk.as_ref().is_some_and(|o| now - o.last > hold) {
                if let Some(o) = st.bulk.take() {
                    closed.push((true, o));
                }
            }
            if st.share.as_ref().is_some_and(|o| now - o.last > hold) {
                if let Some(o) = st.share.take() {
                    closed.push((false, o));
                }
            }
            while st.uploads.front().is_some_and(|u| now - u.at > window) {
                st.uploads.pop_front();
            }
        }
        self.users
            .retain(|_, st| !st.uploads.is_empty() || st.bulk.is_some() || st.share.is_some());
        closed.sort_by_key(|(_, o)| o.finding.timestamp);
        for (bulk, o) in closed {
            out.push(if bulk {
                self.close_bulk(o)
            } else {
                self.close_share(o)
            });
        }
    }

    /// Reports the user's open alerts that went quiet (time may not have
    /// been advanced between events).
    fn close_stale(&mut self, user: &Arc<str>, now: i64, out: &mut Vec<Finding>) {
        let hold = self.hold();
        let Some(st) = self.users.get_mut(user) else {
            return;
        };
        let bulk = st.bulk.take_if(|o| now - o.last > hold);
        let share = st.share.take_if(|o| now - o.last > hold);
        if let Some(o) = bulk {
            out.push(self.close_bulk(o));
        }
        if let Some(o) = share {
            out.push(self.close_share(o));
        }
    }

    /// Keeps the number of users bounded: the stalest is reported and dropped.
    fn make_room(&mut self, out: &mut Vec<Finding>) {
        if self.users.len() < MAX_USERS {
            return;
        }
        let Some(k) = self
            .users
            .iter()
            .min_by_key(|(_, s)| s.last)
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        if let Some(st) = self.users.remove(&k) {
            if let Some(o) = st.bulk {
                out.push(self.close_bulk(o));
            }
            if let Some(o) = st.share {
                out.push(self.close_share(o));
            }
        }
    }
}

impl StatefulAnalytic for BulkSaasUpload {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        if view.kind != Kind::Saas {
            return;
        }
        let Some(record) = self.classify(view) else {
            return;
        };
        let user = view
            .user
            .as_deref()
            .or_else(|| view.get("userIdentity.arn"))
            .map(|u| u.to_ascii_lowercase());
        let Some(user) = user.filter(|u| !u.is_empty()) else {
            return;
        };
        let user: Arc<str> = Arc::from(user);
        match record {
            Record::Upload {
                bytes,
                own,
                place,
                what,
            } => {
                let note = match bytes {
                    Some(b) => format!("{what} ({})", human_bytes(b)),
                    None => what,
                };
                let up = Upload {
                    at: view.micros(),
                    bytes,
                    own,
                    place,
                    evidence: Evidence::of(view.ev, note),
                };
                self.upload(view, user, up, out);
            }
            Record::Share { what, target } => self.share(view, user, what, target, out),
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        self.report_quiet(now, out);
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.report_quiet(i64::MAX, out);
    }

    fn snapshot(&self) -> serde_json::Value {
        let users: Vec<(&str, &UserState)> =
            self.users.iter().map(|(k, v)| (k.as_ref(), v)).collect();
        serde_json::json!({ "users": users })
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        #[derive(Deserialize)]
        struct State {
            users: Vec<(String, UserState)>,
        }
        let Some(s) = restore_state::<State>(NAME, state)? else {
            return Ok(());
        };
        for (k, v) in s.users.into_iter().take(MAX_USERS) {
            self.users.insert(Arc::from(k.as_str()), v);
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.users.values().map(|u| 1 + u.uploads.len()).sum()
    }
}

/// A Google Workspace Drive audit record.
fn is_drive(view: &View<'_>) -> bool {
    view.ev.logsources.iter().any(|l| {
        l.product.as_deref() == Some("google_workspace") && l.service.as_deref() == Some("drive")
    }) || view.get("id.applicationName") == Some("drive")
}

/// A size field as a number of bytes.
fn size(view: &View<'_>, fields: &[&str]) -> Option<u64> {
    fields
        .iter()
        .find_map(|f| view.text(f))
        .and_then(|t| t.trim().parse::<u64>().ok())
}

/// Total bytes as people read them; records without sizes give none.
fn total(bytes: u64) -> String {
    if bytes == 0 {
        "sizes not recorded".to_string()
    } else {
        human_bytes(bytes)
    }
}

fn push_place(list: &mut Vec<String>, p: &str) {
    if list.len() < 5 && !list.iter().any(|x| x == p) {
        list.push(p.to_string());
    }
}

fn human_secs(s: u64) -> String {
    if s % 3600 == 0 {
        format!("{} h", s / 3600)
    } else if s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}
