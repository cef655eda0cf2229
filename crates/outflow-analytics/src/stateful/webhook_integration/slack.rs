//! Slack apps given an incoming webhook: in the Enterprise Grid audit log,
//! an install, scope expansion, resource grant or bot-token upgrade whose
//! scopes hold a webhook scope (`incoming-webhook`) the app did not have
//! before; in a workspace's integration logs, an app added, enabled or
//! expanded with that scope, or a legacy `Incoming WebHooks` integration
//! added. The app then holds a URL on `hooks.slack.com` that anything can
//! post to.

use super::WebhookIntegration;
use crate::view::View;
use outflow_detect::Finding;
use outflow_event::Value;
use outflow_intel::Sanctioned;

/// Where an entry lists the scopes it grants, most specific first.
const GRANTED: &[&str] = &[
    "details.new_scopes",
    "details.bot_scopes",
    "details.scopes_bot",
    "details.scopes",
    "entity.app.scopes",
];

/// The policy's service name for Slack apps (`sanctioned.apps`).
const SERVICE: &str = "slack";

/// Where an incoming webhook posts.
const HOOK_HOST: &str = "hooks.slack.com";

impl WebhookIntegration {
    pub(super) fn slack(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        if view.service() == Some("integration_logs") {
            return self.slack_integration_log(view, out);
        }
        let Some(action) = view.get("action") else {
            return;
        };
        if !self
            .s
            .slack_actions
            .iter()
            .any(|a| a.eq_ignore_ascii_case(action))
        {
            return;
        }
        let Some(scope) = self.new_webhook_scope(view) else {
            return;
        };
        let Some(app) =
            self.unsanctioned_app(view.get("entity.app.name"), view.get("entity.app.id"))
        else {
            return;
        };
        let place = view
            .get("context.location.name")
            .or_else(|| view.get("context.location.domain"))
            .unwrap_or("the organisation");
        let summary = format!(
            "{action} on {place} by {}: {app} given {scope}",
            view.user.as_deref().unwrap_or("an unknown user"),
        );
        let mut f = self.slack_hook(view, summary, action, place, &app, scope);
        if let Some(Value::Bool(b)) = view.ev.get("entity.app.is_directory_approved") {
            f.fields.insert("directory_approved".into(), b.to_string());
        }
        out.push(f);
    }

    /// An integration log entry (`team.integrationLogs`): an app added,
    /// enabled or expanded with a webhook scope, or a legacy webhook
    /// integration (`service_type: Incoming WebHooks`) added or enabled.
    /// The log has no previous scopes, so an app re-enabled with its
    /// webhook alerts again.
    fn slack_integration_log(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        let Some(change) = view.get("change_type") else {
            return;
        };
        let s = &self.s;
        if !s
            .slack_integration_changes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(change))
        {
            return;
        }
        let service_type = view.get("service_type");
        let legacy_hook = service_type.is_some_and(|t| {
            s.slack_webhook_services
                .iter()
                .any(|w| w.eq_ignore_ascii_case(t))
        });
        let scope = s
            .slack_webhook_scopes
            .iter()
            .find(|w| has_item(view, "scope", w));
        let scope = match (scope, legacy_hook) {
            (Some(w), _) => w.clone(),
            (None, true) => service_type.unwrap_or_default().to_string(),
            (None, false) => return,
        };
        // An app by `app_type` (its name) and `app_id`; a legacy
        // integration by `service_type` and `service_id`.
        // Ids may be numbers (`service_id`).
        let (name, id) = match view.text("app_id") {
            Some(id) => (view.get("app_type"), Some(id)),
            None => (service_type, view.text("service_id")),
        };
        let Some(app) = self.unsanctioned_app(name, id.as_deref()) else {
            return;
        };
        let place = view
            .get("channel")
            .map(|c| format!("channel {c}"))
            .unwrap_or_else(|| "the workspace".to_string());
        let summary = format!(
            "integration {change} in {place} by {}: {app} given {scope}",
            view.user.as_deref().unwrap_or("an unknown user"),
        );
        let f = self.slack_hook(view, summary, change, &place, &app, scope);
        out.push(f);
    }

    /// The app named `name` (`id`) as an alert names it (`Name (A0…)`),
    /// unless the policy's `sanctioned.apps` lists it by either.
    fn unsanctioned_app(&self, name: Option<&str>, id: Option<&str>) -> Option<String> {
        let sanctioned = [id, name].into_iter().flatten().any(|app| {
            self.ctx.policy.is_sanctioned(Sanctioned::App {
                service: SERVICE,
                app,
            })
        });
        if sanctioned {
            return None;
        }
        Some(match (name, id) {
            (Some(n), Some(i)) => format!("{n} ({i})"),
            (Some(x), None) | (None, Some(x)) => x.to_string(),
            (None, None) => "an unnamed app".to_string(),
        })
    }

    /// The alert for a Slack app (`app`) given a webhook (`scope`).
    fn slack_hook(
        &self,
        view: &View<'_>,
        summary: String,
        action: &str,
        place: &str,
        app: &str,
        scope: String,
    ) -> Finding {
        let service = self.ctx.service_ref(HOOK_HOST, Some("/services/"));
        let sends_to = (
            Some(HOOK_HOST.to_string()),
            Some(app.to_string()),
            service.as_ref(),
        );
        let mut f = self.integration(view, summary, action, place, sends_to);
        f.fields.insert("app".into(), app.to_string());
        f.fields.insert("scope".into(), scope);
        f
    }

    /// The webhook scope this entry grants, unless the app already had it.
    fn new_webhook_scope(&self, view: &View<'_>) -> Option<String> {
        let had = |scope: &str| has_item(view, "details.previous_scopes", scope);
        self.s.slack_webhook_scopes.iter().find_map(|scope| {
            let granted = GRANTED.iter().any(|f| has_item(view, f, scope));
            (granted && !had(scope)).then(|| scope.clone())
        })
    }
}

/// Whether a list field (or a plain string field) holds `item`.
fn has_item(view: &View<'_>, field: &str, item: &str) -> bool {
    let ev = view.ev;
    match ev.get(field) {
        Some(Value::List(items)) => items
            .iter()
            .any(|v| ev.display(v).eq_ignore_ascii_case(item)),
        Some(v) => ev
            .display(v)
            .split([',', ' '])
            .any(|s| s.eq_ignore_ascii_case(item)),
        None => false,
    }
}
