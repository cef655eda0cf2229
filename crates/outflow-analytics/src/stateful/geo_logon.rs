//! `geo-logon`: SaaS sign-ins (Microsoft 365 `UserLoggedIn`, Google
//! Workspace `login_success`, AWS `ConsoleLogin`, ...) from a country the
//! user never signed in from, or "impossible travel" (two sign-ins further
//! apart than anyone could travel in the time between them), followed by
//! the same user uploading or sharing within a window: an account used from
//! elsewhere to take data. Locations come from the MaxMind-format database
//! the user supplies (`outflow hunt --geoip FILE`); without one the
//! analytic does not run.

use super::support::{first_string, internal_ip};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::geoip::{distance_km, GeoIp, Place};
use crate::report::{self, human_bytes};
use crate::stateful::common::restore_state;
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Evidence, Finding};
use outflow_intel::Policy;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

pub const NAME: &str = "geo-logon";

const MICROS: i64 = 1_000_000;
const MAX_EVIDENCE: usize = 12;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: Option<u8>,
    /// Event names (`eventName`) of successful sign-ins.
    logon_events: Vec<String>,
    /// Event names of uploads and shares (any SaaS record with bytes sent
    /// counts as an upload too).
    upload_events: Vec<String>,
    /// Faster than this between two sign-ins is impossible travel.
    max_speed_kmh: f64,
    /// Closer than this is never impossible travel (geolocation is coarse).
    min_distance_km: f64,
    /// Seconds after a suspicious sign-in during which the user's uploads count.
    upload_window: u64,
    /// Uploads (bytes) after the sign-in that make it bulk.
    bulk_bytes: u64,
    /// Uploads or shares (count) after the sign-in that make it bulk.
    bulk_count: u32,
    /// Risk when the user uploaded or shared after the sign-in.
    upload_risk: u8,
    /// Risk when that was bulk.
    bulk_risk: u8,
    /// Days a country stays known for a user after the last sign-in from it.
    known_country_days: u64,
    max_users: usize,
    max_countries_per_user: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct LastLogon {
    time: i64,
    ip: IpAddr,
    country: Option<String>,
    coords: Option<(f64, f64)>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct UserGeo {
    /// Country → last sign-in from it (µs).
    countries: Vec<(String, i64)>,
    last: Option<LastLogon>,
}

/// A suspicious sign-in, waiting for the user's uploads.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending {
    start: i64,
    uploads: u32,
    bytes: u64,
    finding: Finding,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    users: FxHashMap<String, UserGeo>,
    pending: FxHashMap<String, Pending>,
}

pub struct GeoLogon {
    meta: AnalyticMeta,
    s: Settings,
    geo: Arc<GeoIp>,
    policy: Arc<Policy>,
    st: State,
    last_prune: i64,
    /// Latest time of the SaaS records read: upload windows close by it, so
    /// a watermark driven ahead by other sources does not close them early.
    latest: i64,
}

/// Whether the analytic can run (it needs `--geoip`).
pub fn unavailable(ctx: &Ctx) -> Option<String> {
    ctx.geoip
        .is_none()
        .then(|| "no geolocation database (give one with --geoip FILE.mmdb)".to_string())
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(GeoLogon::new(ctx)?))
}

impl GeoLogon {
    pub fn new(ctx: &Arc<Ctx>) -> Result<GeoLogon, ConfigError> {
        let s: Settings = ctx.config.section(NAME)?;
        let geo = ctx.geoip.clone().ok_or_else(|| ConfigError::Section {
            file: String::new(),
            analytic: NAME.into(),
            message: "needs a geolocation database (--geoip FILE)".into(),
        })?;
        Ok(GeoLogon {
            meta: ctx.config.meta(NAME)?,
            s,
            geo,
            policy: ctx.policy.clone(),
            st: State::default(),
            last_prune: 0,
            latest: i64::MIN,
        })
    }

    fn event_name<'e>(view: &View<'e>) -> Option<&'e str> {
        view.get("eventName")
            .or_else(|| view.get("Operation"))
            .or_else(|| view.get("action"))
    }

    fn failed(view: &View<'_>) -> bool {
        let f = first_string(
            view.ev,
            &["ResultStatus", "responseElements.ConsoleLogin", "status"],
        );
        f.is_some_and(|s| {
            let s = s.to_ascii_lowercase();
            s.starts_with("fail") || s == "failure"
        })
    }

    fn on_logon(&mut self, view: &View<'_>, user: String) {
        let Some(ip) = view.ev.entity.src_ip else {
            return;
        };
        if internal_ip(&self.policy, ip) {
            return;
        }
        let Some(place) = self.geo.locate(ip) else {
            return;
        };
        let now = view.micros();
        if !self.st.users.contains_key(&user) && self.st.users.len() >= self.s.max_users {
            return;
        }
        let u = self.st.users.entry(user.clone()).or_default();
        let mut reasons = Vec::new();
        if let Some(c) = &place.country {
            if !u.countries.is_empty() && !u.countries.iter().any(|(k, _)| k == c) {
                let known: Vec<&str> = u.countries.iter().map(|(k, _)| k.as_str()).collect();
                reasons.push(format!("new country {c} (known: {})", known.join(", ")));
            }
        }
        if let (Some(last), Some(here)) = (&u.last, place.coords) {
            if let Some(there) = last.coords {
                let km = distance_km(there, here);
                let hours = (now - last.time).max(0) as f64 / 3_600e6;
                if km >= self.s.min_distance_km
                    && (hours <= 0.0 || km / hours > self.s.max_speed_kmh)
                {
                    reasons.push(format!(
                        "impossible travel: {km:.0} km from {} ({}) in {}",
                        last.country.as_deref().unwrap_or("?"),
                        last.ip,
                        span(now - last.time)
                    ));
                }
            }
        }
        remember(u, &place, ip, now, self.s.max_countries_per_user);
        if reasons.is_empty() || self.st.pending.contains_key(&user) {
            return;
        }
        let summary = format!(
            "{user} signed in from {ip} ({}): {}",
            place_text(&place),
            reasons.join("; ")
        );
        let mut f = report::finding(NAME, &self.meta, view, summary);
        // The client address is no host of the organisation's.
        f.entity.host = None;
        f.destination = None;
        f.bytes_out = None;
        f.fields.insert("client_ip".into(), ip.to_string());
        if let Some(c) = &place.country {
            f.fields.insert("country".into(), c.clone());
        }
        f.fields.insert("reason".into(), reasons.join("; "));
        if self.st.pending.len() < self.s.max_users {
            self.st.pending.insert(
                user,
                Pending {
                    start: now,
                    uploads: 0,
                    bytes: 0,
                    finding: f,
                },
            );
        }
    }

    /// An upload or share from outside the organisation's networks (its own
    /// devices syncing from inside are not the suspicious session).
    fn is_upload(&self, view: &View<'_>) -> bool {
        if view
            .ev
            .entity
            .src_ip
            .is_some_and(|ip| internal_ip(&self.policy, ip))
        {
            return false;
        }
        view.ev.entity.bytes_out.is_some_and(|b| b > 0)
            || Self::event_name(view).is_some_and(|n| {
                self.s
                    .upload_events
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(n))
            })
    }

    fn close(&mut self, user: &str, out: &mut Vec<Finding>) {
        let Some(p) = self.st.pending.remove(user) else {
            return;
        };
        let mut f = p.finding;
        let risk = if p.bytes >= self.s.bulk_bytes || p.uploads >= self.s.bulk_count {
            self.s.bulk_risk
        } else if p.uploads > 0 {
            self.s.upload_risk
        } else {
            self.meta.risk
        };
        report::set_risk(&mut f, risk);
        if p.uploads > 0 {
            f.bytes_out = Some(p.bytes);
            f.fields
                .insert("uploads_after".into(), p.uploads.to_string());
            f.fields.insert("bytes_after".into(), p.bytes.to_string());
            if let Some(e) = f.evidence.first_mut() {
                e.summary.push_str(&format!(
                    "; then {} uploads/shares ({}) within {}",
                    p.uploads,
                    human_bytes(p.bytes),
                    span(self.s.upload_window as i64 * MICROS)
                ));
            }
        }
        out.push(f);
    }
}

fn remember(u: &mut UserGeo, place: &Place, ip: IpAddr, now: i64, max: usize) {
    if let Some(c) = &place.country {
        match u.countries.iter_mut().find(|(k, _)| k == c) {
            Some(slot) => slot.1 = slot.1.max(now),
            None => {
                if u.countries.len() >= max {
                    // Forget the country signed in from longest ago.
                    if let Some(i) = (0..u.countries.len()).min_by_key(|&i| u.countries[i].1) {
                        u.countries.swap_remove(i);
                    }
                }
                u.countries.push((c.clone(), now));
            }
        }
    }
    if u.last.as_ref().is_none_or(|l| l.time <= now) {
        u.last = Some(LastLogon {
            time: now,
            ip,
            country: place.country.clone(),
            coords: place.coords,
        });
    }
}

fn place_text(p: &Place) -> String {
    match (&p.country, p.coords) {
        (Some(c), Some((a, o))) => format!("{c}, {a:.2},{o:.2}"),
        (Some(c), None) => c.clone(),
        (None, Some((a, o))) => format!("{a:.2},{o:.2}"),
        (None, None) => "?".into(),
    }
}

/// A duration in µs as people read it.
fn span(us: i64) -> String {
    let s = us.max(0) / MICROS;
    if s < 120 {
        format!("{s} s")
    } else if s < 7_200 {
        format!("{} min", s / 60)
    } else {
        format!("{:.1} h", s as f64 / 3_600.0)
    }
}

impl StatefulAnalytic for GeoLogon {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, _out: &mut Vec<Finding>) {
        if view.kind != Kind::Saas {
            return;
        }
        self.latest = self.latest.max(view.micros());
        let Some(user) = view.user.as_deref().map(|u| u.trim().to_ascii_lowercase()) else {
            return;
        };
        let is_logon = Self::event_name(view).is_some_and(|n| {
            self.s
                .logon_events
                .iter()
                .any(|e| e.eq_ignore_ascii_case(n))
        });
        if is_logon {
            if !Self::failed(view) {
                self.on_logon(view, user);
            }
            return;
        }
        if !self.is_upload(view) {
            return;
        }
        let now = view.micros();
        let window = self.s.upload_window as i64 * MICROS;
        let Some(p) = self.st.pending.get_mut(&user) else {
            return;
        };
        if now < p.start || now - p.start > window {
            return;
        }
        p.uploads += 1;
        p.bytes = p
            .bytes
            .saturating_add(view.ev.entity.bytes_out.unwrap_or(0));
        if p.finding.evidence.len() < MAX_EVIDENCE {
            let what = Self::event_name(view).unwrap_or("upload");
            let size = view
                .ev
                .entity
                .bytes_out
                .map(|b| format!(" ({})", human_bytes(b)))
                .unwrap_or_default();
            p.finding
                .evidence
                .push(Evidence::of(view.ev, format!("{user} {what}{size}")));
        }
    }

    fn advance(&mut self, now: i64, out: &mut Vec<Finding>) {
        let now = now.min(self.latest);
        let window = self.s.upload_window as i64 * MICROS;
        let due: Vec<String> = self
            .st
            .pending
            .iter()
            .filter(|(_, p)| now - p.start > window)
            .map(|(u, _)| u.clone())
            .collect();
        for u in due {
            self.close(&u, out);
        }
        if now - self.last_prune >= 3_600 * MICROS {
            self.last_prune = now;
            let keep = self.s.known_country_days as i64 * 86_400 * MICROS;
            self.st.users.retain(|_, u| {
                u.countries.retain(|(_, t)| now - *t <= keep);
                u.last.as_ref().is_some_and(|l| now - l.time <= keep)
            });
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        let mut users: Vec<String> = self.st.pending.keys().cloned().collect();
        users.sort_by_key(|u| self.st.pending.get(u).map(|p| p.start));
        for u in users {
            self.close(&u, out);
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&self.st).unwrap_or_default()
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        if let Some(st) = restore_state(NAME, state)? {
            self.st = st;
        }
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.st.users.len() + self.st.pending.len()
    }
}
