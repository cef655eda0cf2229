//! Upload-tool invocations on a command line (ATT&CK T1567, the reference
//! analytic "upload tooling on the command line").
//!
//! [`classify`] identifies the program and parses its arguments; it returns an
//! [`UploadInvocation`] only when the arguments send data out (never for
//! downloads, listings, help or version output).

mod args;
mod aws;
mod base64;
mod cloud;
mod curl;
mod identify;
mod powershell;
mod psscript;
mod rclone;
mod wget;
mod winlolbin;

pub use identify::{basename, UploadTool};

use crate::cmdline::MAX_ARGS;

/// One recognised upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInvocation {
    /// The program.
    pub tool: UploadTool,
    /// What it does: `copy`, `sync`, `move`, `copyto`, `upload`, `post`, `put`, ...
    pub action: String,
    /// Local path(s) or file(s) being sent; empty when unknown (inline data, stdin).
    pub sources: Vec<String>,
    /// Where to: rclone remote, `s3://` / `gs://` bucket path, or URL (query
    /// strings of Azure SAS URLs removed). `None` when the argv names none.
    pub destination: Option<String>,
    /// Risk score, 0–10 (see the crate README).
    pub risk: u8,
}

/// Risk for requests that send inline data rather than a file (`curl -d
/// 'x=1'`, `wget --post-data`): they can carry stolen data, but most are API calls.
pub const INLINE_DATA_RISK: u8 = 5;

/// Classifies an argv. `image` is the process image path if known;
/// `tool_hint` is the tool catalog's id (`rclone`, `aws_cli`, `curl`, ...) or
/// an executable name, for renamed binaries the caller identified by
/// OriginalFileName. The hint wins over `image`, which wins over argv\[0\].
pub fn classify(
    argv: &[String],
    image: Option<&str>,
    tool_hint: Option<&str>,
) -> Option<UploadInvocation> {
    let argv = argv.get(..argv.len().min(MAX_ARGS))?;
    let (tool, rest) = identify::identify(argv, image, tool_hint)?;
    match tool {
        UploadTool::Rclone => rclone::classify(rest),
        UploadTool::AwsCli => aws::classify(rest),
        UploadTool::Gsutil => cloud::gsutil(rest),
        UploadTool::Azcopy => cloud::azcopy(rest),
        UploadTool::S3cmd => cloud::s3cmd(rest),
        UploadTool::Curl => curl::classify(rest),
        UploadTool::Wget => wget::classify(rest),
        UploadTool::PowerShell => powershell::classify(rest),
        UploadTool::Bitsadmin => winlolbin::bitsadmin(rest),
        UploadTool::Certreq => winlolbin::certreq(rest),
    }
}

impl UploadInvocation {
    pub(crate) fn new(
        tool: UploadTool,
        action: &str,
        sources: Vec<String>,
        destination: Option<String>,
    ) -> Self {
        UploadInvocation {
            tool,
            action: action.to_string(),
            sources,
            destination,
            risk: tool.risk(),
        }
    }
}
