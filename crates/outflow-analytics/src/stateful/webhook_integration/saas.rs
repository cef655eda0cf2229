//! The SaaS side of the analytic: a webhook or connector created in an
//! audit log (GitHub `hook.create`, Microsoft 365 `ConnectorAdded`, ...;
//! Slack apps in `slack.rs`).

use super::{url_host, url_path, WebhookIntegration, NAME};
use crate::report;
use crate::view::{ServiceRef, View};
use outflow_detect::Finding;

impl WebhookIntegration {
    /// A webhook or connector created in a SaaS audit log: one alert each.
    pub(super) fn saas(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        if view.has_logsource(Some("slack"), None) {
            return self.slack(view, out);
        }
        let github = view.has_logsource(Some("github"), None);
        let action = if github {
            view.get("action")
        } else {
            view.get("Operation")
        };
        let Some(action) = action else {
            return;
        };
        let listed = if github {
            &self.s.github_actions
        } else {
            &self.s.m365_operations
        };
        if !listed.iter().any(|a| a.eq_ignore_ascii_case(action)) {
            return;
        }
        let url = ["config.url", "hook_url", "url", "ConnectorUrl", "Url"]
            .iter()
            .find_map(|f| view.get(f))
            .filter(|u| u.contains("://"))
            .map(str::to_string);
        let host = view
            .get("url_host")
            .map(str::to_string)
            .or_else(|| url.as_deref().and_then(url_host).map(str::to_string));
        if host.as_deref().is_some_and(|h| self.is_organisation(h)) {
            return;
        }
        let service = host
            .as_deref()
            .and_then(|h| self.ctx.service_ref(h, url.as_deref().map(url_path)));
        if service.as_ref().is_some_and(|s| s.sanctioned) {
            return;
        }
        let target = url.clone().or_else(|| {
            ["AddOnName", "Name", "ObjectId"]
                .iter()
                .find_map(|f| view.get(f))
                .map(str::to_string)
        });
        let place = view
            .get("repo")
            .or_else(|| view.get("org"))
            .or_else(|| view.get("TeamName"))
            .or_else(|| view.get("ChannelName"))
            .unwrap_or("the organisation");
        let summary = format!(
            "{action} on {place} by {} to {}",
            view.user.as_deref().unwrap_or("an unknown user"),
            target.as_deref().unwrap_or("an unnamed destination")
        );
        let sends_to = (host, target, service.as_ref());
        let mut f = self.integration(view, summary, action, place, sends_to);
        if let Some(u) = url {
            f.fields.insert("url".into(), u);
        }
        out.push(f);
    }

    /// The alert for an integration created by `action` on `place`, that
    /// sends to (host, target, the host's service): T1567.004, at the
    /// risk of a webhook created in an audit log.
    pub(super) fn integration(
        &self,
        view: &View<'_>,
        summary: String,
        action: &str,
        place: &str,
        (host, target, service): (Option<String>, Option<String>, Option<&ServiceRef>),
    ) -> Finding {
        let mut f = report::finding(NAME, &self.meta, view, summary.clone());
        let mut d = f.destination.take().unwrap_or_default();
        d.domain = host.or(d.domain);
        d.target = target;
        if let Some(s) = service {
            d.service = Some(s.name.to_string());
            d.category = Some(s.category.to_string());
        }
        f.destination = Some(d);
        f.attack = vec!["T1567.004".to_string()];
        f.fields.insert("action".into(), action.to_string());
        f.fields.insert("place".into(), place.to_string());
        f.fields.insert("summary".into(), summary);
        report::set_risk(&mut f, self.s.hook_create_risk);
        f
    }
}
