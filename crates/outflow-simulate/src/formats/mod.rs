//! One module per output format, each writing records exactly as outflow's
//! reader for that format expects them (see `outflow-sources/src/formats`).
//! A writer appends whole lines (ending in `\n`) to a reusable buffer.

pub mod auditd;
pub mod cloudtrail;
pub mod github;
pub mod gworkspace;
pub mod json;
pub mod m365;
pub mod message_trace;
pub mod panos;
pub mod proofpoint;
pub mod slack;
pub mod squid;
pub mod w3c;
pub mod winevt;
pub mod zeek_json;
pub mod zeek_tsv;

use crate::clock::Micros;
use crate::out::FileId;

/// What a file starts with, written before its first record.
pub fn header(id: FileId, t: Micros, b: &mut String) {
    match id {
        FileId::ZeekConn
        | FileId::ZeekDns
        | FileId::ZeekHttp
        | FileId::ZeekSsl
        | FileId::ZeekFiles => zeek_tsv::header(id, t, b),
        FileId::ProxySg => w3c::header(t, b),
        FileId::MessageTrace => message_trace::header(b),
        _ => {}
    }
}

/// What a file ends with.
pub fn footer(id: FileId, b: &mut String) {
    if matches!(
        id,
        FileId::ZeekConn | FileId::ZeekDns | FileId::ZeekHttp | FileId::ZeekSsl | FileId::ZeekFiles
    ) {
        b.push_str("#close\t2100-01-01-00-00-00\n");
    }
}
