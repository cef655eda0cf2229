//! Microsoft 365 audit search exports (CSV): the Purview portal's "Export
//! results" (`RecordId,CreationDate,RecordType,Operation,UserId,AuditData,
//! AssociatedAdminUnits,AssociatedAdminUnitsNames`), the older compliance
//! centre's (`CreationDate,UserIds,Operations,AuditData`) and
//! `Search-UnifiedAuditLog | Export-Csv` (after its `#TYPE` line). Each row's
//! `AuditData` cell holds the record as the Management Activity API gives
//! it, so it is read exactly as a JSON audit record ([`super::m365`]): same
//! fields, same events, positioned at the row's first line. The other
//! columns repeat what the record holds and are not kept.

use super::csv_split::Cell;
use super::csv_table::{header_names, norm, read_table, CsvTable};
use super::m365;
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::json::RecordMeta;
use outflow_event::{Position, RejectReason};
use std::io;
use std::ops::ControlFlow;

pub fn sniff(s: &Sample) -> bool {
    let names = header_names(s);
    let has = |n: &str| names.iter().any(|x| x == n);
    has("auditdata") && has("creationdate")
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    read_table(
        opened,
        ctx,
        &mut Export {
            audit_data: 0,
            rows: 0,
        },
    )
}

/// The export being read: where its AuditData column is, rows seen.
struct Export {
    audit_data: usize,
    rows: u64,
}

impl CsvTable for Export {
    fn header(
        &mut self,
        line: u64,
        text: &str,
        cells: &[Cell],
        ctx: &mut ReadCtx,
    ) -> ControlFlow<()> {
        match cells
            .iter()
            .position(|c| norm(&c.text(text)) == "auditdata")
        {
            Some(i) => {
                self.audit_data = i;
                ControlFlow::Continue(())
            }
            None => {
                ctx.reject(
                    RejectReason::MissingHeader,
                    Position::Line(line),
                    "no AuditData column in the header line",
                );
                ControlFlow::Break(())
            }
        }
    }

    fn row(&mut self, line: u64, text: &str, cells: &[Cell], ctx: &mut ReadCtx) {
        self.rows += 1;
        let record = cells[self.audit_data].text(text);
        if record.trim().is_empty() {
            return ctx.reject(
                RejectReason::Malformed,
                Position::Line(line),
                "empty AuditData cell",
            );
        }
        let meta = RecordMeta {
            line,
            index: self.rows,
        };
        m365::record(record.trim(), meta, ctx);
    }
}
