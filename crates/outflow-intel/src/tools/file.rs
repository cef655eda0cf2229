//! The `kind: tools` and `kind: lolbins` file formats and their validation.

use crate::services::Technique;
use crate::IntelError;
use serde::{Deserialize, Serialize};

/// What kind of program a tool is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolCategory {
    /// Synchronises folders with cloud storage (rclone, MEGAsync, restic).
    SyncTool,
    /// Command-line uploader or cloud CLI (curl, azcopy, aws, gsutil).
    CliUploader,
    /// Exposes local services or relays traffic (ngrok, cloudflared, devtunnel).
    Tunnel,
    /// A Windows binary that can upload (certreq -Post, DataSvcUtil, bitsadmin).
    LolbinUpload,
    /// A web browser: uploads through it are user activity, told apart from tools.
    Browser,
    /// Version control (git).
    Vcs,
    /// A scripting host with web upload methods (PowerShell, python).
    Scripting,
}

impl ToolCategory {
    pub const ALL: &'static [ToolCategory] = &[
        ToolCategory::SyncTool,
        ToolCategory::CliUploader,
        ToolCategory::Tunnel,
        ToolCategory::LolbinUpload,
        ToolCategory::Browser,
        ToolCategory::Vcs,
        ToolCategory::Scripting,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ToolCategory::SyncTool => "sync_tool",
            ToolCategory::CliUploader => "cli_uploader",
            ToolCategory::Tunnel => "tunnel",
            ToolCategory::LolbinUpload => "lolbin_upload",
            ToolCategory::Browser => "browser",
            ToolCategory::Vcs => "vcs",
            ToolCategory::Scripting => "scripting",
        }
    }
}

/// One program of the tool catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolEntry {
    pub id: String,
    pub name: String,
    pub category: ToolCategory,
    /// The technique its network use usually implies, when it has one.
    #[serde(default)]
    pub technique: Option<Technique>,
    /// File names of the executable (`.exe` optional: `rclone` matches `rclone.exe`).
    #[serde(default)]
    pub executables: Vec<String>,
    /// PE `OriginalFileName` values.
    #[serde(default)]
    pub original_file_names: Vec<String>,
    /// PE `FileDescription` values (exact, case-insensitive).
    #[serde(default)]
    pub descriptions: Vec<String>,
    /// PE `ProductName` values (exact, case-insensitive).
    #[serde(default)]
    pub products: Vec<String>,
    /// Hashes of known builds (SHA256, SHA1, MD5 or IMPHASH, hex), matched
    /// against Sysmon's `Hashes` field: they recognise the tool whatever its
    /// name and PE metadata say.
    #[serde(default)]
    pub hashes: Vec<String>,
    /// Command-line fragments of its upload or tunnel use (`-T`, `--upload-file`, `tunnel`).
    #[serde(default)]
    pub upload_markers: Vec<String>,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default, skip_serializing)]
    pub disabled: bool,
}

/// A LOLBAS binary whose legitimate use needs no network connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LolbinEntry {
    /// File name as LOLBAS writes it (`Atbroker.exe`).
    pub name: String,
    /// LOLBAS command categories (Execute, AWL Bypass, Download, ...).
    #[serde(default)]
    pub lolbas: Vec<String>,
    /// Why a network connection from it is suspicious.
    pub reason: String,
    /// It legitimately reaches internal servers (DNS, domain controllers, SQL,
    /// shares): only connections to public addresses are suspicious.
    #[serde(default)]
    pub internal_ok: bool,
    #[serde(default, skip_serializing)]
    pub disabled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsFile {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    tools: Vec<ToolEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LolbinsFile {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
    lolbins: Vec<LolbinEntry>,
}

/// Parses and validates a `kind: tools` file: (key path, entry).
pub(crate) fn parse_tools(
    origin: &str,
    text: &str,
) -> Result<Vec<(String, ToolEntry)>, IntelError> {
    let file: ToolsFile = yaml_serde::from_str(text).map_err(|e| IntelError::parse(origin, e))?;
    let mut out = Vec::new();
    for (i, t) in file.tools.into_iter().enumerate() {
        let key = format!("tools[{i}]");
        if t.id.trim().is_empty() {
            return Err(IntelError::invalid(origin, format!("{key}.id"), "empty id"));
        }
        let names = t.executables.len() + t.original_file_names.len() + t.descriptions.len();
        if !t.disabled && names + t.products.len() == 0 {
            return Err(IntelError::invalid(
                origin,
                format!("{key}.executables"),
                "no executables, original_file_names, descriptions or products",
            ));
        }
        for (field, list) in [
            ("executables", &t.executables),
            ("original_file_names", &t.original_file_names),
        ] {
            if let Some((j, n)) = list
                .iter()
                .enumerate()
                .find(|(_, n)| n.contains(['/', '\\']))
            {
                return Err(IntelError::invalid(
                    origin,
                    format!("{key}.{field}[{j}]"),
                    format!("`{n}`: a file name, not a path"),
                ));
            }
        }
        out.push((key, t));
    }
    Ok(out)
}

/// Parses and validates a `kind: lolbins` file: (key path, entry).
pub(crate) fn parse_lolbins(
    origin: &str,
    text: &str,
) -> Result<Vec<(String, LolbinEntry)>, IntelError> {
    let file: LolbinsFile = yaml_serde::from_str(text).map_err(|e| IntelError::parse(origin, e))?;
    let mut out = Vec::new();
    for (i, l) in file.lolbins.into_iter().enumerate() {
        let key = format!("lolbins[{i}]");
        if l.name.trim().is_empty() || l.name.contains(['/', '\\']) {
            return Err(IntelError::invalid(
                origin,
                format!("{key}.name"),
                "a file name is required",
            ));
        }
        out.push((key, l));
    }
    Ok(out)
}
