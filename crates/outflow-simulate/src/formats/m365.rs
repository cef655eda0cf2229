//! Microsoft 365 Unified Audit Log records, one JSON object per line.

use super::json::{kn, kv, s};
use crate::activity::M365;
use crate::clock::{self, Micros};
use crate::world::{ORG_ID, TENANT};

pub fn record(b: &mut String, t: Micros, id: &str, r: &M365, user_id: &str) {
    b.push_str("{\"CreationTime\":\"");
    clock::iso0(b, t, "");
    b.push('"');
    kv(b, "Id", id);
    kv(b, "Operation", r.operation);
    kv(b, "OrganizationId", ORG_ID);
    kn(b, "RecordType", r.record_type);
    if r.anonymous {
        kv(b, "UserKey", "anonymous");
        kn(b, "UserType", 0);
    } else {
        kv(
            b,
            "UserKey",
            &format!("i:0h.f|membership|{}@live.com", 1003200000 + r.user * 37),
        );
        kn(b, "UserType", 0);
    }
    kn(b, "Version", 1);
    kv(b, "Workload", r.workload);
    kv(b, "ClientIP", &r.client_ip);
    kv(b, "UserId", user_id);
    if r.record_type == 15 {
        b.push_str(",\"ResultStatus\":\"Success\",\"ObjectId\":\"00000003-0000-0ff1-ce00-000000000000\",\"ApplicationId\":\"89bee1f7-5e6e-4d8a-9f3d-ecd601259da7\",\"ExtendedProperties\":[{\"Name\":\"UserAgent\",\"Value\":");
        s(b, r.user_agent);
        b.push_str("},{\"Name\":\"RequestType\",\"Value\":\"OAuth2:Authorize\"}]}\n");
        return;
    }
    kv(b, "ObjectId", &r.object_url);
    let site = match r
        .object_url
        .find("/Documents/")
        .or_else(|| r.object_url.find("/Shared Documents/"))
    {
        Some(p) => &r.object_url[..p + 1],
        None => "",
    };
    kv(b, "SiteUrl", site);
    kv(b, "SourceFileName", &r.file_name);
    kv(
        b,
        "SourceFileExtension",
        r.file_name.rsplit_once('.').map_or("", |(_, e)| e),
    );
    let rel = r.object_url[site.len()..]
        .rsplit_once('/')
        .map_or("", |(d, _)| d);
    kv(b, "SourceRelativeUrl", rel);
    kv(b, "ItemType", "File");
    kv(b, "EventSource", "SharePoint");
    kv(b, "UserAgent", r.user_agent);
    if let Some(n) = r.size {
        kn(b, "FileSizeBytes", n);
    }
    if r.operation == "AnonymousLinkCreated" {
        b.push_str(",\"EventData\":\"<Type>View</Type><MembersCanShare>true</MembersCanShare>\",\"TargetUserOrGroupType\":\"Guest\"");
    }
    b.push_str("}\n");
}

/// A OneDrive URL of `sam`'s personal site.
pub fn onedrive_url(sam: &str, folder: &str, file: &str) -> String {
    format!(
        "https://{TENANT}-my.sharepoint.com/personal/{sam}_corp_example/Documents/{folder}/{file}"
    )
}

pub fn sharepoint_url(site: &str, folder: &str, file: &str) -> String {
    format!("https://{TENANT}.sharepoint.com/sites/{site}/Shared Documents/{folder}/{file}")
}
