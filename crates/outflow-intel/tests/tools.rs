//! Recognising tools, also renamed, and the LOLBins that should stay offline.

use outflow_intel::{Intel, MatchReason, ToolCatalog, ToolCategory};
use std::sync::OnceLock;

fn tools() -> &'static ToolCatalog {
    static CAT: OnceLock<ToolCatalog> = OnceLock::new();
    CAT.get_or_init(|| Intel::builtin().expect("built-in data loads").tools)
}

#[test]
fn by_name() {
    let m = tools()
        .identify(Some(r"C:\Users\bob\Downloads\rclone.exe"), None, None)
        .expect("rclone");
    assert_eq!(m.tool.id, "rclone");
    assert_eq!(m.reason, MatchReason::ByName);
    assert!(!m.renamed);
    let m = tools()
        .identify(Some("/usr/bin/curl"), None, None)
        .expect("curl");
    assert_eq!(m.tool.id, "curl");
    assert_eq!(
        tools()
            .identify(Some("RCLONE.EXE"), None, None)
            .map(|m| m.tool.id.as_str()),
        Some("rclone")
    );
}

#[test]
fn renamed_by_original_file_name() {
    let m = tools()
        .identify(
            Some(r"C:\Windows\Temp\svchost32.exe"),
            Some("rclone.exe"),
            None,
        )
        .expect("renamed rclone");
    assert_eq!(m.tool.id, "rclone");
    assert_eq!(m.tool.category, ToolCategory::SyncTool);
    assert_eq!(m.reason, MatchReason::ByOriginalFileName);
    assert!(m.renamed);
    let m = tools()
        .identify(
            Some(r"C:\ProgramData\updater.exe"),
            Some("MEGAsync.exe"),
            None,
        )
        .expect("renamed megasync");
    assert_eq!(m.tool.id, "megasync");
    assert!(m.renamed);
    let m = tools()
        .identify(
            Some(r"C:\Program Files\cloudflared\cloudflared.exe"),
            Some("cloudflared.exe"),
            None,
        )
        .expect("cloudflared");
    assert!(!m.renamed);
}

#[test]
fn renamed_by_description() {
    let m = tools()
        .identify(
            Some(r"C:\Users\Public\svc.exe"),
            None,
            Some("Rsync for cloud storage"),
        )
        .expect("rclone by description");
    assert_eq!(m.tool.id, "rclone");
    assert_eq!(m.reason, MatchReason::ByDescription);
    assert!(m.renamed);
    let m = tools()
        .identify(None, None, Some("google chrome"))
        .expect("chrome by product");
    assert_eq!(m.tool.category, ToolCategory::Browser);
}

#[test]
fn categories() {
    let cat = |img: &str| {
        tools()
            .identify(Some(img), None, None)
            .map(|m| m.tool.category)
    };
    assert_eq!(cat("ngrok.exe"), Some(ToolCategory::Tunnel));
    assert_eq!(cat("devtunnel.exe"), Some(ToolCategory::Tunnel));
    assert_eq!(
        cat(r"C:\Windows\System32\certreq.exe"),
        Some(ToolCategory::LolbinUpload)
    );
    assert_eq!(
        cat("ConfigSecurityPolicy.exe"),
        Some(ToolCategory::LolbinUpload)
    );
    assert_eq!(cat("DataSvcUtil.exe"), Some(ToolCategory::LolbinUpload));
    assert_eq!(cat("bitsadmin.exe"), Some(ToolCategory::LolbinUpload));
    assert_eq!(cat("git.exe"), Some(ToolCategory::Vcs));
    assert_eq!(cat("msedge.exe"), Some(ToolCategory::Browser));
    assert_eq!(cat("firefox"), Some(ToolCategory::Browser));
    assert_eq!(cat("azcopy.exe"), Some(ToolCategory::CliUploader));
    assert_eq!(cat("aws"), Some(ToolCategory::CliUploader));
    assert_eq!(cat("pwsh.exe"), Some(ToolCategory::Scripting));
    assert_eq!(cat("notepad.exe"), None);
    assert!(tools().identify(None, None, None).is_none());
    assert!(tools().identify(Some(""), Some(""), Some("")).is_none());
}

#[test]
fn powershell_upload_markers() {
    let ps = tools().get("powershell").expect("powershell");
    for m in ["Invoke-WebRequest", "Invoke-RestMethod", "UploadFile"] {
        assert!(ps.upload_markers.iter().any(|x| x == m), "{m}");
    }
}

#[test]
fn lolbas_no_network() {
    let t = tools();
    for img in [
        r"C:\Windows\System32\at.exe",
        "Atbroker.exe",
        "certoc.exe",
        r"C:\Windows\System32\cmstp.exe",
        "diskshadow.exe",
        "Dnscmd.exe",
        "extexport.exe",
        "forfiles.exe",
        "ftp.exe",
        "gpscript.exe",
        "hh.exe",
        "ieexec.exe",
        r"C:\Windows\Microsoft.NET\Framework64\v4.0.30319\InstallUtil.exe",
        "mavinject.exe",
        "Microsoft.Workflow.Compiler.exe",
        "mshta.exe",
        "regsvr32.exe",
        "odbcconf.exe",
    ] {
        assert!(t.lolbin_no_network(img), "{img}");
    }
    for img in [
        "msedge.exe",
        "winget.exe",
        "bitsadmin.exe",
        "ssh.exe",
        "explorer.exe",
        "teams.exe",
        "notepad.exe",
        "",
    ] {
        assert!(!t.lolbin_no_network(img), "{img}");
    }
    let dnscmd = t.lolbin("dnscmd.exe").expect("dnscmd");
    assert!(dnscmd.internal_ok);
    assert!(!t.lolbin("mshta.exe").expect("mshta").internal_ok);
}

#[test]
fn a_known_build_is_recognised_by_hash_whatever_its_name() {
    let cat = outflow_intel::ToolCatalog::builtin().unwrap();
    let sysmon = "SHA1=0000000000000000000000000000000000000000,MD5=00000000000000000000000000000000,SHA256=54E3B5A2521A84741DC15810E6FED9D739EB8083CB1FE097CB98B345AF24E939,IMPHASH=00000000000000000000000000000000";
    let m = cat
        .identify_by_hash(sysmon, Some(r"C:\ProgramData\svchost.exe"))
        .unwrap();
    assert_eq!(m.tool.id, "rclone");
    assert!(m.renamed);
    assert_eq!(m.reason.as_str(), "hash");
    let same_name = cat
        .identify_by_hash(sysmon, Some(r"C:\tools\rclone.exe"))
        .unwrap();
    assert!(!same_name.renamed);
    assert!(cat
        .identify_by_hash(
            "SHA256=1111111111111111111111111111111111111111111111111111111111111111",
            None
        )
        .is_none());
}
