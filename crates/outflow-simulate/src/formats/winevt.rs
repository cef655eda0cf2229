//! Windows events as `evtx_dump` JSON lines (`Event.System` / `Event.EventData`):
//! Sysmon 1, 3, 11, 22, Security 4688 and PowerShell 4104.

use super::json::{kn, kv, s};
use crate::activity::Proc;
use crate::clock::{self, Micros};
use std::fmt::Write;

/// The account a process runs as, in the forms Windows logs show.
pub struct Who<'a> {
    /// `CORP\akim` or `NT AUTHORITY\SYSTEM`.
    pub qualified: &'a str,
    pub name: &'a str,
    pub domain: &'a str,
    pub sid: &'a str,
    pub logon_id: &'a str,
}

const SYSMON: &str = r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"}},"EventID":"##;

fn system_tail(
    b: &mut String,
    t: Micros,
    rec: u64,
    channel: &str,
    computer: &str,
    exec: (u32, u32),
) {
    b.push_str(",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"");
    clock::iso7(b, t);
    let _ = write!(
        b,
        "\"}}}},\"EventRecordID\":{rec},\"Correlation\":null,\"Execution\":{{\"#attributes\":{{\"ProcessID\":{},\"ThreadID\":{}}}}},\"Channel\":\"{channel}\",\"Computer\":",
        exec.0, exec.1
    );
    s(b, computer);
}

fn sysmon_head(b: &mut String, eid: u32, version: u32, t: Micros, rec: u64, computer: &str) {
    b.push_str(SYSMON);
    let _ = write!(
        b,
        "{eid},\"Version\":{version},\"Level\":4,\"Task\":{eid},\"Opcode\":0,\"Keywords\":\"0x8000000000000000\""
    );
    system_tail(
        b,
        t,
        rec,
        "Microsoft-Windows-Sysmon/Operational",
        computer,
        (3348, 4120),
    );
    b.push_str(",\"Security\":{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}},\"EventData\":{\"RuleName\":\"-\",\"UtcTime\":\"");
    clock::sysmon(b, t);
    b.push('"');
}

fn stem(image: &str) -> &str {
    let file = image.rsplit(['\\', '/']).next().unwrap_or(image);
    file.rsplit_once('.').map_or(file, |(a, _)| a)
}

/// Sysmon 1: process creation.
pub fn process_create(
    b: &mut String,
    t: Micros,
    rec: u64,
    computer: &str,
    p: &Proc,
    who: &Who,
    hash: &str,
) {
    sysmon_head(b, 1, 5, t, rec, computer);
    kv(b, "ProcessGuid", &p.guid);
    kn(b, "ProcessId", p.pid);
    kv(b, "Image", &p.image);
    kv(b, "FileVersion", "-");
    kv(b, "Description", stem(&p.original_file_name));
    kv(b, "Product", "-");
    kv(b, "Company", "-");
    kv(b, "OriginalFileName", &p.original_file_name);
    kv(b, "CommandLine", &p.cmd);
    kv(b, "CurrentDirectory", &p.cwd);
    kv(b, "User", who.qualified);
    b.push_str(",\"LogonGuid\":\"{4c2e9a10-5a5f-6922-1f8c-350000000000}\"");
    kv(b, "LogonId", who.logon_id);
    b.push_str(",\"TerminalSessionId\":1,\"IntegrityLevel\":\"Medium\",\"Hashes\":\"SHA256=");
    b.push_str(hash);
    b.push('"');
    kv(b, "ParentProcessGuid", &p.parent_guid);
    kn(b, "ParentProcessId", p.parent_pid);
    kv(b, "ParentImage", &p.parent_image);
    kv(b, "ParentCommandLine", &p.parent_cmd);
    kv(b, "ParentUser", who.qualified);
    b.push_str("}}}\n");
}

/// Sysmon 3: network connection.
#[allow(clippy::too_many_arguments)]
pub fn network(
    b: &mut String,
    t: Micros,
    rec: u64,
    computer: &str,
    p: &Proc,
    who: &Who,
    src: (&str, u16),
    dst: (&str, u16),
    dst_host: &str,
) {
    sysmon_head(b, 3, 5, t, rec, computer);
    kv(b, "ProcessGuid", &p.guid);
    kn(b, "ProcessId", p.pid);
    kv(b, "Image", &p.image);
    kv(b, "User", who.qualified);
    b.push_str(",\"Protocol\":\"tcp\",\"Initiated\":true,\"SourceIsIpv6\":false");
    kv(b, "SourceIp", src.0);
    kv(b, "SourceHostname", computer);
    kn(b, "SourcePort", src.1);
    b.push_str(",\"SourcePortName\":\"-\",\"DestinationIsIpv6\":false");
    kv(b, "DestinationIp", dst.0);
    kv(b, "DestinationHostname", dst_host);
    kn(b, "DestinationPort", dst.1);
    kv(
        b,
        "DestinationPortName",
        if dst.1 == 80 { "http" } else { "https" },
    );
    b.push_str("}}}\n");
}

/// Sysmon 11: file created.
pub fn file_create(
    b: &mut String,
    t: Micros,
    rec: u64,
    computer: &str,
    p: &Proc,
    who: &Who,
    target: &str,
) {
    sysmon_head(b, 11, 2, t, rec, computer);
    kv(b, "ProcessGuid", &p.guid);
    kn(b, "ProcessId", p.pid);
    kv(b, "Image", &p.image);
    kv(b, "TargetFilename", target);
    b.push_str(",\"CreationUtcTime\":\"");
    clock::sysmon(b, t);
    b.push('"');
    kv(b, "User", who.qualified);
    b.push_str("}}}\n");
}

/// Sysmon 22: DNS query.
#[allow(clippy::too_many_arguments)]
pub fn dns_query(
    b: &mut String,
    t: Micros,
    rec: u64,
    computer: &str,
    p: &Proc,
    who: &Who,
    query: &str,
    answer: &str,
) {
    sysmon_head(b, 22, 5, t, rec, computer);
    kv(b, "ProcessGuid", &p.guid);
    kn(b, "ProcessId", p.pid);
    kv(b, "QueryName", query);
    kv(b, "QueryStatus", "0");
    let _ = write!(b, ",\"QueryResults\":\"::ffff:{answer};\"");
    kv(b, "Image", &p.image);
    kv(b, "User", who.qualified);
    b.push_str("}}}\n");
}

/// Security 4688: a new process has been created.
pub fn security_4688(b: &mut String, t: Micros, rec: u64, computer: &str, p: &Proc, who: &Who) {
    b.push_str(r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4688,"Version":2,"Level":0,"Task":13312,"Opcode":0,"Keywords":"0x8020000000000000""##);
    system_tail(b, t, rec, "Security", computer, (4, 8732));
    b.push_str(",\"Security\":null},\"EventData\":{");
    b.push_str("\"SubjectUserSid\":");
    s(b, who.sid);
    kv(b, "SubjectUserName", who.name);
    kv(b, "SubjectDomainName", who.domain);
    kv(b, "SubjectLogonId", who.logon_id);
    let _ = write!(b, ",\"NewProcessId\":\"0x{:x}\"", p.pid);
    kv(b, "NewProcessName", &p.image);
    b.push_str(",\"TokenElevationType\":\"%%1938\"");
    let _ = write!(b, ",\"ProcessId\":\"0x{:x}\"", p.parent_pid);
    kv(b, "CommandLine", &p.cmd);
    b.push_str(",\"TargetUserSid\":\"S-1-0-0\",\"TargetUserName\":\"-\",\"TargetDomainName\":\"-\",\"TargetLogonId\":\"0x0\"");
    kv(b, "ParentProcessName", &p.parent_image);
    b.push_str(",\"MandatoryLabel\":\"S-1-16-8192\"}}}\n");
}

/// PowerShell 4104: script block logging.
#[allow(clippy::too_many_arguments)]
pub fn script_block(
    b: &mut String,
    t: Micros,
    rec: u64,
    computer: &str,
    p: &Proc,
    who: &Who,
    text: &str,
    block_id: &str,
) {
    b.push_str(r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-PowerShell","Guid":"{a0c1853b-5c40-4b15-8766-3cf1c58f985a}"}},"EventID":4104,"Version":1,"Level":5,"Task":2,"Opcode":15,"Keywords":"0x0""##);
    system_tail(
        b,
        t,
        rec,
        "Microsoft-Windows-PowerShell/Operational",
        computer,
        (p.pid, p.pid + 264),
    );
    b.push_str(",\"Security\":{\"#attributes\":{\"UserID\":");
    s(b, who.sid);
    b.push_str("}}},\"EventData\":{\"MessageNumber\":1,\"MessageTotal\":1");
    kv(b, "ScriptBlockText", text);
    kv(b, "ScriptBlockId", block_id);
    b.push_str(",\"Path\":\"\"}}}\n");
}
