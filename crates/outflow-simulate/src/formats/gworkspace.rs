//! Google Workspace Reports API activities (drive, login), one per line.

use super::json::s;
use crate::activity::Gws;
use crate::clock::{self, Micros};
use std::fmt::Write;

pub fn activity(
    b: &mut String,
    t: Micros,
    qualifier: u64,
    etag: &str,
    r: &Gws,
    email: &str,
    profile: &str,
) {
    b.push_str("{\"kind\":\"admin#reports#activity\",\"id\":{\"time\":\"");
    clock::iso3(b, t);
    let _ = write!(
        b,
        "\",\"uniqueQualifier\":\"{qualifier}\",\"applicationName\":\"{}\",\"customerId\":\"C03az79cb\"}},\"etag\":\"\\\"kp8z1Qm3-etag/{etag}\\\"\",\"actor\":{{\"email\":",
        r.app
    );
    s(b, email);
    let _ = write!(
        b,
        ",\"profileId\":\"{profile}\"}},\"ipAddress\":\"{}\",\"events\":[{{\"type\":\"{}\",\"name\":\"{}\",\"parameters\":[",
        r.ip, r.etype, r.name
    );
    if r.app == "login" {
        b.push_str("{\"name\":\"login_type\",\"value\":\"google_password\"},{\"name\":\"is_suspicious\",\"boolValue\":false}]}]}\n");
        return;
    }
    b.push_str("{\"name\":\"primary_event\",\"boolValue\":true},{\"name\":\"billable\",\"boolValue\":true},{\"name\":\"owner_is_shared_drive\",\"boolValue\":false},{\"name\":\"owner\",\"value\":");
    s(b, email);
    let _ = write!(
        b,
        "}},{{\"name\":\"doc_id\",\"value\":\"{}\"}},{{\"name\":\"doc_type\",\"value\":\"{}\"}},{{\"name\":\"doc_title\",\"value\":",
        r.doc_id, r.doc_type
    );
    s(b, &r.doc_title);
    let _ = write!(
        b,
        "}},{{\"name\":\"visibility\",\"value\":\"{}\"}}",
        r.visibility
    );
    if let Some(old) = r.old_visibility {
        let _ = write!(
            b,
            ",{{\"name\":\"old_visibility\",\"value\":\"{old}\"}},{{\"name\":\"visibility_change\",\"value\":\"external\"}}"
        );
    }
    b.push_str(",{\"name\":\"originating_app_id\",\"value\":\"691301496089\"}]}]}\n");
}
