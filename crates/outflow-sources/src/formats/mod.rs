//! One module per input format. Each text format offers `sniff` (does this
//! sample look like me?) and `read`; each JSON format offers `sniff` and
//! `record` (turn one framed JSON record into an event).

pub mod auditd;
pub mod auditd_event;
pub mod auditd_syscalls;
pub mod cloudtrail;
pub mod common;
pub mod csv_split;
pub mod csv_table;
pub mod evtx;
pub mod evtx_census;
pub mod github;
pub mod gworkspace;
pub mod json;
pub mod m365;
pub mod m365_csv;
pub mod message_trace;
pub mod panos;
pub mod panos_fields;
pub mod proofpoint;
pub mod saas_util;
pub mod slack;
pub mod squid;
pub mod url;
pub mod w3c;
pub mod winjson;
mod winjson_value;
pub mod zeek_common;
pub mod zeek_json;
pub mod zeek_tsv;

use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::json::{for_each_record, for_each_record_walked, RecordMeta};
use crate::lines::LineReader;
use outflow_event::SourceKind;
use std::io;

/// Reads a whole input of a known format.
pub fn read(format: SourceKind, opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    match format {
        SourceKind::Evtx => evtx::read(opened, ctx),
        SourceKind::ZeekTsv => zeek_tsv::read(opened, ctx),
        SourceKind::Auditd => auditd::read(opened, ctx),
        SourceKind::W3c => w3c::read(opened, ctx),
        SourceKind::Squid => squid::read(opened, ctx),
        SourceKind::PanOs => panos::read(opened, ctx),
        SourceKind::MessageTrace => message_trace::read(opened, ctx),
        SourceKind::M365Csv => m365_csv::read(opened, ctx),
        SourceKind::CloudTrail => cloudtrail::read(opened, ctx),
        SourceKind::Slack => slack::read(opened, ctx),
        // These build their event with one walk over the record (`common::flat_event`
        // or `winjson::event_from_json`), which also finds where it ends.
        SourceKind::WinJson => walked_json_records(opened, ctx, winjson::record),
        SourceKind::ZeekJson => walked_json_records(opened, ctx, zeek_json::record),
        SourceKind::M365 => walked_json_records(opened, ctx, m365::record),
        SourceKind::GitHub => walked_json_records(opened, ctx, github::record),
        SourceKind::Proofpoint => walked_json_records(opened, ctx, proofpoint::record),
        SourceKind::Json => walked_json_records(opened, ctx, json::record),
        SourceKind::GWorkspace => gworkspace::read(opened, ctx),
    }
}

/// Frames a JSON stream and hands each record to `record`.
pub fn json_records(
    opened: Opened,
    ctx: &mut ReadCtx,
    record: fn(&str, RecordMeta, &mut ReadCtx),
) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    for_each_record(&mut lines, ctx, record)
}

/// Frames a JSON stream whose records may be whole documents on one line
/// longer than the line limit (CloudTrail's Records files, saved API
/// response pages): the record limit is taken as the line limit.
pub fn document_records(
    opened: Opened,
    ctx: &mut ReadCtx,
    record: fn(&str, RecordMeta, &mut ReadCtx),
) -> io::Result<()> {
    let max = ctx.limits.max_line_bytes.max(ctx.limits.max_record_bytes);
    let mut lines = LineReader::new(opened.reader, max);
    for_each_record(&mut lines, ctx, record)
}

/// A format's content test, paired with the format it recognises.
type Sniffer = (fn(&Sample) -> bool, SourceKind);

/// Frames a JSON stream for a format whose `record` reports its end through
/// `json::walk_outcome` (see `json::for_each_record_walked`).
pub fn walked_json_records(
    opened: Opened,
    ctx: &mut ReadCtx,
    record: fn(&str, RecordMeta, &mut ReadCtx),
) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    for_each_record_walked(&mut lines, ctx, record)
}

/// The JSON format a sample's first record belongs to; generic JSON when
/// no product matches. Order matters: most specific first.
pub fn sniff_json(s: &Sample) -> SourceKind {
    let checks: [Sniffer; 8] = [
        (cloudtrail::sniff, SourceKind::CloudTrail),
        (winjson::sniff, SourceKind::WinJson),
        (zeek_json::sniff, SourceKind::ZeekJson),
        (m365::sniff, SourceKind::M365),
        (gworkspace::sniff, SourceKind::GWorkspace),
        (slack::sniff, SourceKind::Slack),
        (github::sniff, SourceKind::GitHub),
        (proofpoint::sniff, SourceKind::Proofpoint),
    ];
    checks
        .iter()
        .find(|(sniff, _)| sniff(s))
        .map(|(_, kind)| *kind)
        .unwrap_or(SourceKind::Json)
}

/// The text format a sample belongs to, if any.
pub fn sniff_text(s: &Sample) -> Option<SourceKind> {
    let checks: [Sniffer; 7] = [
        (zeek_tsv::sniff, SourceKind::ZeekTsv),
        (w3c::sniff, SourceKind::W3c),
        (auditd::sniff, SourceKind::Auditd),
        (squid::sniff, SourceKind::Squid),
        (panos::sniff, SourceKind::PanOs),
        (message_trace::sniff, SourceKind::MessageTrace),
        (m365_csv::sniff, SourceKind::M365Csv),
    ];
    checks
        .iter()
        .find(|(sniff, _)| sniff(s))
        .map(|(_, kind)| *kind)
}
