//! Slack Enterprise Grid audit log entries, one per line, as export tools
//! write the `entries` of `GET /audit/v1/logs`.

use super::json::{kl, kn, kv, s};
use crate::activity::{Slack, SlackEntity};
use crate::clock::{self, Micros};
use crate::world::User;
use std::fmt::Write;

/// The simulated organisation's Grid and its one workspace.
const ENTERPRISE: &str = "E01CORPEX";
const WORKSPACE: &str = "T01CORPEX";

pub fn entry(b: &mut String, t: Micros, id: &str, r: &Slack, u: &User, session: u64) {
    b.push_str("{\"id\":");
    s(b, id);
    kn(b, "date_create", clock::millis(t) / 1000);
    kv(b, "action", r.action);
    let user_id = format!("W0{:07}", u.rid);
    b.push_str(",\"actor\":{\"type\":\"user\",\"user\":");
    user(b, &user_id, u);
    b.push_str("},\"entity\":");
    match &r.entity {
        SlackEntity::User => {
            b.push_str("{\"type\":\"user\",\"user\":");
            user(b, &user_id, u);
            b.push('}');
        }
        SlackEntity::App {
            id,
            name,
            scopes,
            directory_approved,
            ..
        } => {
            b.push_str("{\"type\":\"app\",\"app\":{\"id\":");
            s(b, id);
            kv(b, "name", name);
            let _ = write!(
                b,
                ",\"is_distributed\":true,\"is_directory_approved\":{directory_approved},\"is_workflow_app\":false"
            );
            kl(b, "scopes", scopes);
            b.push_str("}}");
        }
        SlackEntity::File { id, name } => {
            b.push_str("{\"type\":\"file\",\"file\":{\"id\":");
            s(b, id);
            kv(b, "name", name);
            let ext = name.rsplit('.').next().unwrap_or("binary");
            kv(b, "filetype", ext);
            kv(b, "title", name);
            b.push_str("}}");
        }
    }
    let sign_in = r.action == "user_login";
    let (kind, loc, domain) = if sign_in {
        ("enterprise", ENTERPRISE, "corpexample")
    } else {
        ("workspace", WORKSPACE, "corpexample-hq")
    };
    let _ = write!(
        b,
        ",\"context\":{{\"location\":{{\"type\":\"{kind}\",\"id\":\"{loc}\",\"name\":\"Example Corp\",\"domain\":\"{domain}\"}}"
    );
    kv(b, "ua", r.user_agent);
    kv(b, "ip_address", &r.ip);
    kv(b, "session_id", &session.to_string());
    b.push('}');
    if let SlackEntity::App {
        scopes, channel, ..
    } = &r.entity
    {
        b.push_str(",\"details\":{\"is_internal_integration\":false");
        kv(b, "app_owner_id", &user_id);
        kl(b, "bot_scopes", scopes);
        if let Some(c) = channel {
            kv(b, "channel", c);
        }
        b.push('}');
    }
    b.push_str("}\n");
}

fn user(b: &mut String, id: &str, u: &User) {
    b.push_str("{\"id\":");
    s(b, id);
    kv(b, "name", &u.sam);
    kv(b, "email", &u.email());
    kv(b, "team", WORKSPACE);
    b.push('}');
}
