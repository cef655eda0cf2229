//! Slack apps given an incoming webhook (Slack audit log): an install, scope
//! expansion, resource grant or bot-token upgrade whose scopes hold a
//! webhook scope (`incoming-webhook`) the app did not have before. The app
//! then holds a URL on `hooks.slack.com` that anything can post to.

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
        let app_id = view.get("entity.app.id");
        let app_name = view.get("entity.app.name");
        let sanctioned = [app_id, app_name].into_iter().flatten().any(|app| {
            self.ctx.policy.is_sanctioned(Sanctioned::App {
                service: SERVICE,
                app,
            })
        });
        if sanctioned {
            return;
        }
        let app = match (app_name, app_id) {
            (Some(n), Some(i)) => format!("{n} ({i})"),
            (Some(x), None) | (None, Some(x)) => x.to_string(),
            (None, None) => "an unnamed app".to_string(),
        };
        let place = view
            .get("context.location.name")
            .or_else(|| view.get("context.location.domain"))
            .unwrap_or("the organisation");
        let summary = format!(
            "{action} on {place} by {}: {app} given {scope}",
            view.user.as_deref().unwrap_or("an unknown user"),
        );
        let service = self.ctx.service_ref(HOOK_HOST, Some("/services/"));
        let sends_to = (
            Some(HOOK_HOST.to_string()),
            Some(app.clone()),
            service.as_ref(),
        );
        let mut f = self.integration(view, summary, action, place, sends_to);
        f.fields.insert("app".into(), app);
        f.fields.insert("scope".into(), scope);
        if let Some(Value::Bool(b)) = view.ev.get("entity.app.is_directory_approved") {
            f.fields.insert("directory_approved".into(), b.to_string());
        }
        out.push(f);
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
