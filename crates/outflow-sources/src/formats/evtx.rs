//! Windows EVTX files, through the `evtx` crate. Each record is rendered as
//! compact evtx_dump JSON, which is kept as the event's raw evidence and
//! turned into fields by [`winjson::event_from_json`], so an EVTX file and
//! its JSON export give the same fields.
//!
//! A plain file is parsed from its path, chunk by chunk. A compressed or
//! piped one must be decompressed into memory first (the parser seeks), up
//! to `Limits::max_evtx_in_memory`.
//!
//! Damage: a chunk whose header is unreadable is rejected whole
//! (`evtx_chunk`, at the chunk's file offset) and its records are lost; a
//! record that fails to parse is rejected alone (`evtx_record`) and the
//! parser resyncs on the next record of the chunk. Records a chunk's header
//! announces that the parser neither gave nor rejected (evtx 0.15 reads a
//! damaged header of a chunk's last record as free space) are rejected too
//! (`evtx_record`, naming them; [`super::evtx_census`]). A file cut inside
//! a chunk is reported (`truncated`), its partial chunk lost. CRC32 checksums are not enforced, since that would
//! drop every record of a chunk with one bad byte.

use super::evtx_census::Census;
use super::winjson;
use crate::ctx::ReadCtx;
use crate::input::Opened;
use evtx::err::EvtxError;
use evtx::{EvtxParser, ParserSettings, SerializedEvtxRecord};
use outflow_event::{Position, RejectReason, SourceKind};
use std::io::{self, Read};

/// Size of the EVTX file header and of a chunk, to turn chunk numbers into offsets.
const FILE_HEADER: u64 = 4096;
const CHUNK: u64 = 65536;

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    // One thread: the pipeline already reads several files at once, and the
    // crate's worker pool would block pool threads if the caller runs on one.
    let settings = ParserSettings::new().indent(false).num_threads(1);
    if let Some(path) = &opened.plain_path {
        let file = std::fs::File::open(path).and_then(|f| Ok((f.metadata()?.len(), f)));
        let (len, mut census) = match file {
            Ok((len, mut f)) => (Some(len), Census::read(&mut f, len)),
            Err(_) => (None, Census::default()),
        };
        match EvtxParser::from_path(path) {
            Ok(p) => {
                let mut p = p.with_configuration(settings);
                each_record(p.records_json(), &mut census, ctx);
            }
            Err(e) => header_reject(ctx, &e),
        }
        report_missing(&census, ctx);
        if let Some(len) = len {
            check_whole_chunks(len, ctx);
        }
        return Ok(());
    }
    let limit = ctx.limits.max_evtx_in_memory;
    let mut buf = Vec::new();
    // A stream that breaks off is parsed as far as it went, then reported.
    let read_err = opened
        .reader
        .take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .err();
    if buf.len() > limit {
        ctx.reject(
            RejectReason::Unreadable,
            Position::File,
            format!(
                "compressed or piped EVTX larger than {limit} bytes cannot be parsed in memory; decompress it to a file first"
            ),
        );
        return Ok(());
    }
    let len = buf.len() as u64;
    let mut census = Census::read(&mut io::Cursor::new(&buf), len);
    match EvtxParser::from_buffer(buf) {
        Ok(p) => {
            let mut p = p.with_configuration(settings);
            each_record(p.records_json(), &mut census, ctx);
        }
        Err(e) => header_reject(ctx, &e),
    }
    report_missing(&census, ctx);
    match read_err {
        Some(e) => Err(e),
        None => {
            check_whole_chunks(len, ctx);
            Ok(())
        }
    }
}

/// The parser ignores a partial last chunk (a file cut short); say so.
fn check_whole_chunks(len: u64, ctx: &mut ReadCtx) {
    let tail = len.saturating_sub(FILE_HEADER) % CHUNK;
    if len > FILE_HEADER && tail != 0 {
        ctx.reject(
            RejectReason::Truncated,
            Position::Offset(len - tail),
            format!("the file ends {tail} bytes into a chunk; that chunk's records are lost"),
        );
    }
}

fn header_reject(ctx: &mut ReadCtx, e: &EvtxError) {
    ctx.reject(
        RejectReason::EvtxChunk,
        Position::File,
        format!("invalid EVTX file header: {}", chain(e)),
    );
}

/// Records the chunk headers announce that were neither read nor rejected.
fn report_missing(census: &Census, ctx: &mut ReadCtx) {
    if ctx.stopped() {
        return;
    }
    for m in census.missing() {
        let ids: Vec<String> = m.ids.iter().take(10).map(u64::to_string).collect();
        let more = if m.ids.len() > 10 { ", ..." } else { "" };
        ctx.reject(
            RejectReason::EvtxRecord,
            Position::Record(m.ids[0]),
            format!(
                "{} record(s) announced by chunk {}'s header were not found (a damaged record header); lost: {}{more}",
                m.ids.len(),
                m.chunk,
                ids.join(", ")
            ),
        );
    }
}

fn each_record(
    records: impl Iterator<Item = evtx::err::Result<SerializedEvtxRecord<String>>>,
    census: &mut Census,
    ctx: &mut ReadCtx,
) {
    for r in records {
        if ctx.stopped() {
            return;
        }
        match r {
            Ok(rec) => {
                census.saw(rec.event_record_id);
                let position = Position::Record(rec.event_record_id);
                if let Some(ev) =
                    winjson::event_from_json(&rec.data, SourceKind::Evtx, position, ctx)
                {
                    ctx.emit(ev);
                }
            }
            Err(e) => {
                match &e {
                    EvtxError::FailedToParseChunk { chunk_id, .. } => census.chunk_lost(*chunk_id),
                    EvtxError::FailedToParseRecord { record_id, .. } => census.saw(*record_id),
                    EvtxError::FailedToReadRecordAt {
                        chunk: Some(chunk), ..
                    } => census.rejected_in(*chunk),
                    _ => {}
                }
                let (reason, position) = locate(&e);
                ctx.reject(reason, position, chain(&e));
            }
        }
    }
}

/// The reason and the most precise position an evtx error gives.
fn locate(e: &EvtxError) -> (RejectReason, Position) {
    match e {
        EvtxError::FailedToParseChunk { chunk_id, .. } => (
            RejectReason::EvtxChunk,
            Position::Offset(FILE_HEADER.saturating_add(chunk_id.saturating_mul(CHUNK))),
        ),
        EvtxError::FailedToParseRecord { record_id, .. } => {
            (RejectReason::EvtxRecord, Position::Record(*record_id))
        }
        EvtxError::FailedToReadRecordAt {
            chunk: Some(chunk),
            offset,
            ..
        } => (
            RejectReason::EvtxRecord,
            Position::Offset(
                FILE_HEADER
                    .saturating_add(chunk.saturating_mul(CHUNK))
                    .saturating_add(*offset),
            ),
        ),
        _ => (RejectReason::EvtxRecord, Position::File),
    }
}

/// The error and its causes, `: `-separated (evtx's top-level messages say little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
