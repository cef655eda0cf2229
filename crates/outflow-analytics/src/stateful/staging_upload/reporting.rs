//! The reporting side of the staging analytic: an upload joined to what
//! was staged becomes one alert, reported once the host is quiet, or
//! early when the state is full.

use super::{Staged, StagingUpload, Upload, MAX_REPORTED};
use crate::report::{self, human_bytes};
use outflow_detect::Finding;
use std::net::IpAddr;

impl StagingUpload {
    pub(super) fn close(&self, s: &Staged, u: Upload) -> Finding {
        let mut f = u.finding;
        let mut evidence = s.evidence.clone();
        evidence.extend(u.evidence);
        evidence.truncate(self.s.max_evidence.max(2));
        f.evidence = evidence;
        if f.entity.user.is_none() {
            f.entity.user = s.user.clone();
        }
        let bytes = u.bytes_by_source.values().copied().max();
        if bytes.is_some() {
            f.bytes_out = bytes;
        }
        f.fields.insert("staged".into(), s.path.clone());
        f.fields.insert("staged_by".into(), s.how.clone());
        if let Some(i) = &s.image {
            f.fields.insert("staging_image".into(), i.clone());
        }
        if let Some(size) = s.size {
            f.fields.insert("staged_bytes".into(), size.to_string());
        }
        if let Some(b) = bytes {
            f.fields.insert("uploaded_bytes".into(), b.to_string());
        }
        f.fields.insert(
            "link".into(),
            if u.named {
                "uploader names the staged file"
            } else {
                "upload of comparable size from the host"
            }
            .into(),
        );
        f.fields
            .insert("destinations".into(), u.destinations.join(" "));
        f.fields.insert(
            "minutes_after_staging".into(),
            ((u.first - s.at).max(0) / 60_000_000).to_string(),
        );
        f.fields.insert(
            "summary".into(),
            format!(
                "{} staged {} ({}), then {} to {}",
                s.user.as_deref().unwrap_or("someone"),
                s.path,
                s.how,
                bytes.map(human_bytes).unwrap_or_else(|| "an upload".into()),
                u.destinations
                    .first()
                    .map(String::as_str)
                    .unwrap_or("outside")
            ),
        );
        let d = f.destination.get_or_insert_with(Default::default);
        if d.domain.is_none() {
            d.domain = u
                .destinations
                .iter()
                .find(|x| x.parse::<IpAddr>().is_err())
                .cloned();
        }
        let risk = if u.named {
            self.s.named_risk
        } else {
            self.meta.risk
        };
        report::set_risk(&mut f, risk);
        f
    }

    pub(super) fn report_quiet(&mut self, now: i64, out: &mut Vec<Finding>) {
        let hold = self.hold();
        let window = self.window();
        let mut done = Vec::new();
        for (host, st) in self.hosts.iter_mut() {
            for s in st.staged.iter_mut() {
                if !s.reported && s.upload.as_ref().is_some_and(|u| now - u.last > hold) {
                    s.reported = true;
                    if let Some(u) = s.upload.take() {
                        if self.reported.len() >= MAX_REPORTED {
                            self.reported.clear();
                        }
                        self.reported
                            .insert((host.clone(), s.path.to_ascii_lowercase()), s.at);
                        done.push((s.clone(), u));
                    }
                }
            }
            // Staged items expire once their window is over and nothing is open.
            st.staged
                .retain(|s| now - s.at <= window || (s.upload.is_some() && !s.reported));
            st.browser_conns.retain(|_, t| now - *t <= window);
        }
        self.hosts.retain(|_, st| !st.staged.is_empty());
        let bulk_window = self.s.bulk_window.saturating_mul(1_000_000) as i64;
        if !self.bulk.is_empty() && now != i64::MAX {
            self.bulk.retain(|_, b| now - b.first <= bulk_window);
        }
        done.sort_by_key(|(_, u)| u.first);
        for (s, u) in done {
            out.push(self.close(&s, u));
        }
    }

    pub(super) fn drop_stalest(&mut self, out: &mut Vec<Finding>) {
        let Some(k) = self
            .hosts
            .iter()
            .min_by_key(|(_, s)| s.last)
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        if let Some(st) = self.hosts.remove(&k) {
            for mut s in st.staged {
                if let Some(u) = s.upload.take() {
                    if !s.reported {
                        out.push(self.close(&s, u));
                    }
                }
            }
        }
    }
}
