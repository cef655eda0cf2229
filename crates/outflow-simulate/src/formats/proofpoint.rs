//! Proofpoint on Demand message logs, one JSON object per line.

use super::json::s;
use crate::activity::Mail;
use crate::clock::{self, Micros};
use std::fmt::Write;

fn list(b: &mut String, key: &str, v: &str) {
    let _ = write!(b, "\"{key}\":[");
    s(b, v);
    b.push(']');
}

pub fn message(
    b: &mut String,
    t: Micros,
    ids: (&str, &str, &str, &str),
    m: &Mail,
    helo: &str,
    direction: &str,
) {
    let (sid, qid, guid, msgid) = ids;
    b.push_str("{\"connection\":{\"country\":\"**\",\"helo\":");
    s(b, helo);
    b.push_str(",\"host\":");
    s(b, helo);
    let _ = write!(
        b,
        ",\"ip\":\"{}\",\"protocol\":\"smtp:smtp\",\"resolveStatus\":\"ok\",\"sid\":\"{sid}\",\"tls\":{{\"inbound\":{{\"cipher\":\"ECDHE-RSA-AES256-GCM-SHA384\",\"cipherBits\":256,\"version\":\"TLSv1.2\"}}}}}},\"envelope\":{{\"from\":",
        m.from_ip
    );
    s(b, &m.from);
    b.push(',');
    list(b, "rcpts", &m.to);
    b.push_str("},\"filter\":{\"actions\":[{\"action\":\"accept\",\"isFinal\":true,\"module\":\"access\",\"rule\":\"system\"}],\"delivered\":{");
    list(b, "rcpts", &m.to);
    let routes = match direction {
        "outbound" => "\"allow_relay\",\"default_outbound\"",
        _ => "\"default_inbound\"",
    };
    let _ = write!(
        b,
        "}},\"disposition\":\"accept\",\"durationSecs\":0.{:06},\"isMsgEncrypted\":false,\"msgSizeBytes\":{},\"qid\":\"{qid}\",\"routeDirection\":\"{direction}\",\"routes\":[{routes}],\"suborgs\":{{\"rcpts\":[\"0\"],\"sender\":\"0\"}},\"modules\":{{\"spam\":{{\"scores\":{{\"overall\":0,\"engine\":0,\"classifiers\":{{\"spam\":0,\"phish\":0,\"malware\":0}}}}}},\"av\":{{\"virusNames\":[]}}}}}},\"guid\":\"{guid}\",\"metadata\":{{\"origin\":{{\"data\":{{\"agent\":\"m0301277.ppops.net\",\"cid\":\"corpexample_hosted\",\"version\":\"8.21.0.1358\"}}}}}},\"msg\":{{\"header\":{{",
        300_000 + m.size % 500_000,
        m.size + 1900
    );
    list(b, "from", &m.from);
    let _ = write!(b, ",\"message-id\":[\"<{msgid}>\"],");
    list(b, "subject", &m.subject);
    b.push(',');
    list(b, "to", &m.to);
    b.push_str("},\"lang\":\"en\",\"normalizedHeader\":{");
    list(b, "from", &m.from);
    let _ = write!(b, ",\"message-id\":[\"{msgid}\"],");
    list(b, "subject", &m.subject);
    b.push(',');
    list(b, "to", &m.to);
    b.push_str("},\"parsedAddresses\":{");
    list(b, "from", &m.from);
    b.push(',');
    list(b, "to", &m.to);
    let _ = write!(b, "}},\"sizeBytes\":{}}},\"msgParts\":[", m.size);
    b.push_str("{\"detectedMime\":\"text/plain\",\"detectedName\":\"text.txt\",\"detectedExt\":\"txt\",\"detectedSizeBytes\":412,\"disposition\":\"inline\",\"isArchive\":false,\"isProtected\":false,\"labeledName\":\"text.txt\",\"structureId\":\"0\"}");
    if let Some((name, mime, archive)) = &m.attachment {
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        b.push_str(",{\"detectedMime\":");
        s(b, mime);
        b.push_str(",\"detectedName\":");
        s(b, name);
        let _ = write!(
            b,
            ",\"detectedExt\":\"{ext}\",\"detectedSizeBytes\":{},\"disposition\":\"attached\",\"isArchive\":{archive},\"isProtected\":false,\"labeledName\":",
            m.size.saturating_sub(2000)
        );
        s(b, name);
        b.push_str(",\"structureId\":\"1\"}");
    }
    b.push_str("],\"pps\":{\"agent\":\"m0301277.ppops.net\",\"cid\":\"corpexample_hosted\",\"version\":\"8.21.0.1358\"},\"ts\":\"");
    clock::iso6_offset(b, t);
    b.push_str("\"}\n");
}
