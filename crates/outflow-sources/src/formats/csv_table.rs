//! Header-led CSV exports (message trace, the Purview audit search): the
//! record loop they share. A quoted cell may span lines; blank lines, and
//! `#` lines before the header (PowerShell's `#TYPE`), are skipped; a header
//! line repeated (exports concatenated) is skipped; a row whose cell count
//! differs from the header's, a record over the size limit and a quoted
//! cell the input ends inside are rejected with the line they start on.

use super::csv_split::{split, Cell};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::lines::LineReader;
use outflow_event::{Position, RejectReason};
use std::io;
use std::ops::ControlFlow;

/// One export format's side of the loop.
pub trait CsvTable {
    /// The header line, at `line`: `Break` when no row can be read under it
    /// (the format's columns are missing), after rejecting it.
    fn header(
        &mut self,
        line: u64,
        text: &str,
        cells: &[Cell],
        ctx: &mut ReadCtx,
    ) -> ControlFlow<()>;
    /// A data row, starting at `line`, with as many cells as the header.
    fn row(&mut self, line: u64, text: &str, cells: &[Cell], ctx: &mut ReadCtx);
}

/// Reads a whole export into `table`.
pub fn read_table(opened: Opened, ctx: &mut ReadCtx, table: &mut dyn CsvTable) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    // The header's text and cell count, once read.
    let mut header: Option<(String, usize)> = None;
    let mut pending: Option<(u64, String)> = None;
    let mut cells = Vec::new();
    while !ctx.stopped() {
        let Some((line_no, line)) = lines.next_line(ctx)? else {
            break;
        };
        let (start, text) = match pending.take() {
            Some((start, mut text)) => {
                text.push('\n');
                text.push_str(line);
                (start, text)
            }
            None => {
                if line.trim().is_empty() || (header.is_none() && line.starts_with('#')) {
                    continue;
                }
                (line_no, line.to_string())
            }
        };
        if !split(&text, b',', &mut cells) {
            if text.len() > ctx.limits.max_record_bytes {
                ctx.reject(
                    RejectReason::RecordTooLarge,
                    Position::Line(start),
                    format!(
                        "CSV record exceeds the limit of {} bytes",
                        ctx.limits.max_record_bytes
                    ),
                );
            } else {
                pending = Some((start, text));
            }
            continue;
        }
        let Some((header_text, columns)) = &header else {
            if table.header(start, &text, &cells, ctx).is_break() {
                return Ok(());
            }
            header = Some((text, cells.len()));
            continue;
        };
        if text == *header_text {
            continue;
        }
        if cells.len() != *columns {
            ctx.reject(
                RejectReason::ColumnCount,
                Position::Line(start),
                format!("{} columns where the header has {columns}", cells.len()),
            );
            continue;
        }
        table.row(start, &text, &cells, ctx);
    }
    if let Some((start, _)) = pending {
        ctx.reject(
            RejectReason::Truncated,
            Position::Line(start),
            "input ends inside a quoted CSV cell",
        );
    }
    Ok(())
}

/// A header name reduced to lower-case letters and digits, so that every
/// export's spelling matches (`SenderAddress`, `sender_address`, `Sender address`).
pub fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The normalized column names of a sample's header line (its first line
/// that is not a `#` comment); empty when it is no complete CSV line.
pub fn header_names(s: &Sample) -> Vec<String> {
    let Some(line) = s.lines.iter().find(|l| !l.starts_with('#')) else {
        return Vec::new();
    };
    let mut cells = Vec::new();
    if !split(line, b',', &mut cells) {
        return Vec::new();
    }
    cells.iter().map(|c| norm(&c.text(line))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_skip_type_lines_and_normalize() {
        let s =
            Sample::new(b"#TYPE Deserialized.X\n\"Sender address\",sender_ip,AuditData\n1,2,3\n");
        assert_eq!(header_names(&s), ["senderaddress", "senderip", "auditdata"]);
        assert!(header_names(&Sample::new(b"\"open,quote\n")).is_empty());
    }
}
