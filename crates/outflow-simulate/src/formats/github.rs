//! GitHub (Enterprise Cloud) audit log, one JSON object per line.

use super::json::{kv, s};
use crate::activity::Gh;
use crate::clock::{self, Micros};
use crate::world::GITHUB_ORG;
use std::fmt::Write;

pub fn entry(b: &mut String, t: Micros, doc_id: &str, r: &Gh, actor: &str, actor_id: u64) {
    let ms = clock::millis(t);
    let op = match r.action {
        "git.clone" | "git.fetch" | "git.push" => "access",
        "hook.create" | "repo.create" => "create",
        _ => "modify",
    };
    let _ = write!(
        b,
        "{{\"@timestamp\":{ms},\"_document_id\":\"{doc_id}\",\"action\":\"{}\",\"actor\":",
        r.action
    );
    s(b, actor);
    let _ = write!(
        b,
        ",\"actor_id\":{actor_id},\"actor_ip\":\"{}\",\"actor_location\":{{\"country_code\":\"US\"}},\"business\":\"{GITHUB_ORG}\",\"created_at\":{ms},\"operation_type\":\"{op}\",\"org\":\"{GITHUB_ORG}\",\"org_id\":4471200",
        r.ip
    );
    kv(
        b,
        "user_agent",
        if r.action.starts_with("git.") {
            "git/2.47.1"
        } else {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/132.0"
        },
    );
    kv(b, "repo", &r.repo);
    let repo_id = 88_120_000 + r.repo.len() as u64 * 131;
    let _ = write!(b, ",\"repo_id\":{repo_id}");
    if r.action.starts_with("git.") {
        kv(b, "repository", &r.repo);
        b.push_str(",\"repository_public\":false,\"transport_protocol\":1,\"transport_protocol_name\":\"http\"");
    }
    if let Some(url) = &r.hook_url {
        let _ = write!(
            b,
            ",\"hook_id\":{},\"name\":\"webhook\",\"active\":true,\"events\":[\"push\",\"release\"],\"config\":{{\"content_type\":\"json\",\"insecure_ssl\":\"0\",\"url\":",
            500_000 + ms % 100_000
        );
        s(b, url);
        b.push('}');
    }
    if let Some(v) = r.visibility {
        kv(b, "visibility", v);
        let _ = write!(b, ",\"public_repo\":{}", v == "public");
    }
    b.push_str("}\n");
}
