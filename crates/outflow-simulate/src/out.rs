//! The corpus on disk: one buffered writer per log file, opened on its first
//! record (with its header), counting lines, records and bytes, and noting
//! where each story's records land (the ground truth's evidence).

use crate::clock::Micros;
use crate::formats;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Every file the simulator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileId {
    Sysmon,
    Security,
    PowerShell,
    Auditd,
    ZeekConn,
    ZeekDns,
    ZeekHttp,
    ZeekSsl,
    ZeekFiles,
    ZeekJsonConn,
    ProxySg,
    Squid,
    PanOs,
    M365,
    GWorkspace,
    CloudTrail,
    GitHub,
    Slack,
    Proofpoint,
    MessageTrace,
}

impl FileId {
    pub const ALL: [FileId; 20] = [
        FileId::Sysmon,
        FileId::Security,
        FileId::PowerShell,
        FileId::Auditd,
        FileId::ZeekConn,
        FileId::ZeekDns,
        FileId::ZeekHttp,
        FileId::ZeekSsl,
        FileId::ZeekFiles,
        FileId::ZeekJsonConn,
        FileId::ProxySg,
        FileId::Squid,
        FileId::PanOs,
        FileId::M365,
        FileId::GWorkspace,
        FileId::CloudTrail,
        FileId::GitHub,
        FileId::Slack,
        FileId::Proofpoint,
        FileId::MessageTrace,
    ];

    /// Path under the output folder (CloudTrail: the folder of its files).
    pub fn path(self) -> &'static str {
        match self {
            FileId::Sysmon => "logs/windows/sysmon.jsonl",
            FileId::Security => "logs/windows/security.jsonl",
            FileId::PowerShell => "logs/windows/powershell.jsonl",
            FileId::Auditd => "logs/linux/audit.log",
            FileId::ZeekConn => "logs/zeek/conn.log",
            FileId::ZeekDns => "logs/zeek/dns.log",
            FileId::ZeekHttp => "logs/zeek/http.log",
            FileId::ZeekSsl => "logs/zeek/ssl.log",
            FileId::ZeekFiles => "logs/zeek/files.log",
            FileId::ZeekJsonConn => "logs/zeek-branch/conn.json.log",
            FileId::ProxySg => "logs/proxy/proxysg-access.log",
            FileId::Squid => "logs/proxy/squid-access.log",
            FileId::PanOs => "logs/firewall/panos-traffic.log",
            FileId::M365 => "logs/saas/m365-audit.jsonl",
            FileId::GWorkspace => "logs/saas/gworkspace.jsonl",
            FileId::CloudTrail => "logs/saas/cloudtrail",
            FileId::GitHub => "logs/saas/github-audit.jsonl",
            FileId::Slack => "logs/saas/slack-audit.jsonl",
            FileId::Proofpoint => "logs/email/proofpoint.jsonl",
            FileId::MessageTrace => "logs/email/message-trace.csv",
        }
    }

    /// The outflow input format that reads it.
    pub fn format(self) -> &'static str {
        match self {
            FileId::Sysmon | FileId::Security | FileId::PowerShell => "win-json",
            FileId::Auditd => "auditd",
            FileId::ZeekConn
            | FileId::ZeekDns
            | FileId::ZeekHttp
            | FileId::ZeekSsl
            | FileId::ZeekFiles => "zeek-tsv",
            FileId::ZeekJsonConn => "zeek-json",
            FileId::ProxySg => "w3c",
            FileId::Squid => "squid",
            FileId::PanOs => "panos",
            FileId::M365 => "m365",
            FileId::GWorkspace => "gworkspace",
            FileId::CloudTrail => "cloudtrail",
            FileId::GitHub => "github",
            FileId::Slack => "slack",
            FileId::Proofpoint => "proofpoint",
            FileId::MessageTrace => "message-trace",
        }
    }
}

/// One record a story wrote: file (relative to the output folder) and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub file: String,
    pub line: u64,
    pub format: &'static str,
    /// What the record is (`sysmon-3`, `zeek-conn`, `panos-traffic`...).
    pub record: &'static str,
}

/// What one written file holds.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub path: String,
    pub format: &'static str,
    /// Records outflow reads as events.
    pub records: u64,
    /// Of those, records written by stories.
    pub story_records: u64,
    pub bytes: u64,
}

struct Slot {
    rel: String,
    w: BufWriter<File>,
    line: u64,
    records: u64,
    story_records: u64,
    bytes: u64,
}

/// CloudTrail delivers many small `{"Records":[...]}` files; a document is
/// held whole by readers, so files rotate well below outflow's 16 MiB limit.
const CT_MAX_RECORDS: u64 = 5000;
const CT_MAX_BYTES: u64 = 8 << 20;

pub struct Out {
    root: PathBuf,
    slots: Vec<Option<Slot>>,
    ct_files: u32,
    pub files: Vec<FileReport>,
    /// Evidence per story index.
    pub evidence: Vec<Vec<Evidence>>,
}

impl Out {
    pub fn new(root: &Path, stories: usize) -> Out {
        Out {
            root: root.to_path_buf(),
            slots: (0..FileId::ALL.len()).map(|_| None).collect(),
            ct_files: 0,
            files: Vec::new(),
            evidence: vec![Vec::new(); stories],
        }
    }

    fn open(&self, rel: &str) -> io::Result<Slot> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        Ok(Slot {
            rel: rel.to_string(),
            w: BufWriter::with_capacity(256 * 1024, File::create(&path)?),
            line: 0,
            records: 0,
            story_records: 0,
            bytes: 0,
        })
    }

    /// Writes one record (one or more whole lines, each ending in `\n`);
    /// its position is its first line.
    pub fn emit(
        &mut self,
        id: FileId,
        t: Micros,
        rec: &str,
        story: Option<u32>,
        what: &'static str,
    ) -> io::Result<()> {
        if id == FileId::CloudTrail {
            return self.emit_trail(rec, story, what);
        }
        let i = id as usize;
        if self.slots[i].is_none() {
            let mut slot = self.open(id.path())?;
            let mut head = String::new();
            formats::header(id, t, &mut head);
            slot.w.write_all(head.as_bytes())?;
            slot.bytes += head.len() as u64;
            slot.line += head.bytes().filter(|&b| b == b'\n').count() as u64;
            self.slots[i] = Some(slot);
        }
        let Some(slot) = self.slots[i].as_mut() else {
            return Ok(());
        };
        slot.w.write_all(rec.as_bytes())?;
        let first = slot.line + 1;
        slot.line += rec.bytes().filter(|&b| b == b'\n').count() as u64;
        slot.records += 1;
        slot.bytes += rec.len() as u64;
        if let Some(s) = story {
            slot.story_records += 1;
            self.note(s, id, slot_rel(&self.slots[i]), first, what);
        }
        Ok(())
    }

    fn note(&mut self, story: u32, id: FileId, file: String, line: u64, what: &'static str) {
        if let Some(ev) = self.evidence.get_mut(story as usize) {
            ev.push(Evidence {
                file,
                line,
                format: id.format(),
                record: what,
            });
        }
    }

    fn emit_trail(&mut self, rec: &str, story: Option<u32>, what: &'static str) -> io::Result<()> {
        let i = FileId::CloudTrail as usize;
        let full = self.slots[i]
            .as_ref()
            .is_some_and(|s| s.records >= CT_MAX_RECORDS || s.bytes >= CT_MAX_BYTES);
        if full {
            self.close(FileId::CloudTrail)?;
        }
        if self.slots[i].is_none() {
            self.ct_files += 1;
            let rel = format!("{}/ct-{:05}.json", FileId::CloudTrail.path(), self.ct_files);
            let mut slot = self.open(&rel)?;
            slot.w.write_all(b"{\"Records\":[")?;
            slot.bytes += 12;
            slot.line = 1;
            self.slots[i] = Some(slot);
        }
        let Some(slot) = self.slots[i].as_mut() else {
            return Ok(());
        };
        let sep: &[u8] = if slot.records == 0 { b"\n" } else { b"\n," };
        slot.w.write_all(sep)?;
        slot.w.write_all(rec.as_bytes())?;
        slot.line += 1;
        slot.records += 1;
        slot.bytes += (sep.len() + rec.len()) as u64;
        let line = slot.line;
        if let Some(s) = story {
            slot.story_records += 1;
            self.note(s, FileId::CloudTrail, slot_rel(&self.slots[i]), line, what);
        }
        Ok(())
    }

    fn close(&mut self, id: FileId) -> io::Result<()> {
        let Some(mut slot) = self.slots[id as usize].take() else {
            return Ok(());
        };
        let mut tail = String::new();
        if id == FileId::CloudTrail {
            tail.push_str("\n]}\n");
        } else {
            formats::footer(id, &mut tail);
        }
        slot.w.write_all(tail.as_bytes())?;
        slot.bytes += tail.len() as u64;
        slot.w.flush()?;
        self.files.push(FileReport {
            path: slot.rel,
            format: id.format(),
            records: slot.records,
            story_records: slot.story_records,
            bytes: slot.bytes,
        });
        Ok(())
    }

    /// Closes every file (footers written, buffers flushed).
    pub fn finish(&mut self) -> io::Result<()> {
        for id in FileId::ALL {
            self.close(id)?;
        }
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(())
    }
}

fn slot_rel(s: &Option<Slot>) -> String {
    s.as_ref().map(|s| s.rel.clone()).unwrap_or_default()
}
