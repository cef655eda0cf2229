//! User files that add to, replace or break the built-in data.

use outflow_intel::{Category, Intel, IntelError};
use std::fs;

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

const EXTRA: &str = r#"
name: corp_services
kind: web_services
groups:
  - group: corporate additions
    source: our SOC
    services:
      - id: acme_share
        service: Acme Share
        provider: Acme
        category: file_sharing
        technique: T1567.002
        domains: [acmeshare.example, "*.acmeshare.example"]
        upload_endpoints: ["acmeshare.example/api/upload"]
      - id: dropbox
        service: Dropbox (corporate view)
        provider: Dropbox
        category: backup
        technique: T1567.002
        domains: [dropbox.com]
      - id: pastebin
        service: x
        provider: x
        disabled: true
"#;

#[test]
fn user_entries_add_and_replace_by_id() {
    let dir = dir_with(&[("corp.yml", EXTRA)]);
    let builtin = Intel::builtin().expect("builtin");
    let intel = Intel::load(Some(dir.path())).expect("loads");
    let s = &intel.services;
    let m = s.lookup("files.acmeshare.example", None).expect("added");
    assert_eq!(m.id(), "acme_share");
    assert!(
        s.lookup("acmeshare.example", Some("/api/upload/1"))
            .expect("upload")
            .upload
    );
    let d = s.lookup("dropbox.com", None).expect("replaced");
    assert_eq!(d.category(), Category::Backup);
    assert_eq!(d.service(), "Dropbox (corporate view)");
    // The replacement has only dropbox.com: other Dropbox hosts are gone.
    assert!(s.lookup("content.dropboxapi.com", None).is_none());
    assert!(s.lookup("pastebin.com", None).is_none(), "disabled");
    assert_eq!(s.len(), builtin.services.len()); // +1 added, -1 disabled
    assert!(intel
        .loaded
        .iter()
        .any(|(n, o)| n == "corp_services" && o.ends_with("corp.yml")));
}

#[test]
fn a_user_file_with_a_builtin_name_replaces_it() {
    let text = r#"
name: lolbins
kind: lolbins
lolbins:
  - {name: Only.exe, reason: test}
"#;
    let dir = dir_with(&[("lolbins.yaml", text)]);
    let intel = Intel::load(Some(dir.path())).expect("loads");
    assert_eq!(intel.tools.lolbins().len(), 1);
    assert!(intel.tools.lolbin_no_network(r"C:\x\only.exe"));
    assert!(!intel.tools.lolbin_no_network("mshta.exe"));
    // Tools are untouched.
    assert!(intel.tools.get("rclone").is_some());
}

#[test]
fn user_tools_add_entries() {
    let text = r#"
name: corp_tools
kind: tools
tools:
  - id: acme_sync
    name: Acme Sync
    category: sync_tool
    technique: T1567.002
    executables: [acmesync]
    original_file_names: [AcmeSync.exe]
    source: vendor
"#;
    let dir = dir_with(&[("tools-corp.yml", text), ("notes.txt", "ignored")]);
    let intel = Intel::load(Some(dir.path())).expect("loads");
    let m = intel
        .tools
        .identify(Some("x.exe"), Some("acmesync.exe"), None)
        .expect("added tool");
    assert_eq!(m.tool.id, "acme_sync");
    assert!(m.renamed);
}

fn load_err(name: &str, text: &str) -> IntelError {
    let dir = dir_with(&[(name, text)]);
    match Intel::load(Some(dir.path())) {
        Ok(_) => panic!("{name} should not load"),
        Err(e) => e,
    }
}

#[test]
fn invalid_user_files_name_file_and_reason() {
    let header_only =
        "name: x\nkind: web_services\ngroups:\n  - group: g\n    source: s\n    services:\n";
    let cases: &[(&str, String, &str)] = &[
        ("bad-category.yml", format!("{header_only}      - {{id: a, service: A, provider: P, category: storage, technique: T1567, domains: [a.example]}}\n"), "unknown variant `storage`"),
        ("bad-technique.yml", format!("{header_only}      - {{id: a, service: A, provider: P, category: paste, technique: T9999, domains: [a.example]}}\n"), "T9999"),
        ("bad-pattern.yml", format!("{header_only}      - {{id: a, service: A, provider: P, category: paste, technique: T1567, domains: [\"*.com\"]}}\n"), "groups[0].services[0].domains[0]"),
        ("bad-port.yml", format!("{header_only}      - {{id: a, service: A, provider: P, category: paste, technique: T1567, domains: [\"bore.pub:7835\"]}}\n"), "port"),
        ("no-domains.yml", format!("{header_only}      - {{id: a, service: A, provider: P, category: paste, technique: T1567}}\n"), "no domains"),
        ("missing-cat.yml", format!("{header_only}      - {{id: a, service: A, provider: P, technique: T1567, domains: [a.example]}}\n"), "groups[0].services[0].category"),
        ("unknown-key.yml", format!("{header_only}      - {{id: a, service: A, provider: P, category: paste, technique: T1567, domain: [a.example]}}\n"), "unknown field `domain`"),
        ("dup.yml", format!("{header_only}      - {{id: a, service: A, provider: P, category: paste, technique: T1567, domains: [a.example]}}\n      - {{id: A, service: A, provider: P, category: paste, technique: T1567, domains: [b.example]}}\n"), "duplicate id `a`"),
        ("bad-kind.yml", "name: x\nkind: rules\n".to_string(), "unknown variant `rules`"),
        ("not-yaml.yml", "name: [unclosed\n".to_string(), "not-yaml.yml"),
        ("tool-path.yml", "name: t\nkind: tools\ntools:\n  - {id: t, name: T, category: tunnel, executables: ['C:\\x\\t.exe'], source: s}\n".to_string(), "tools[0].executables[0]"),
        ("tool-cat.yml", "name: t\nkind: tools\ntools:\n  - {id: t, name: T, category: exfil, executables: [t], source: s}\n".to_string(), "unknown variant `exfil`"),
    ];
    for (name, text, reason) in cases {
        let e = load_err(name, text);
        let msg = e.to_string();
        assert!(e.file().ends_with(name), "{name}: error names {}", e.file());
        assert!(msg.contains(name), "{name}: {msg}");
        assert!(msg.contains(reason), "{name}: expected {reason:?} in {msg}");
    }
}

#[test]
fn missing_user_dir_is_an_io_error() {
    let e =
        Intel::load(Some(std::path::Path::new("/nonexistent/outflow-intel"))).expect_err("no dir");
    assert!(matches!(e, IntelError::Io { .. }), "{e}");
}
