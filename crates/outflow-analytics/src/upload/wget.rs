//! wget --post-file, --body-file with --method, --post-data / --body-data.

use super::args::{parse, Spec};
use super::{UploadInvocation, UploadTool, INLINE_DATA_RISK};

const LONG_VALUE: &[&str] = &[
    "--post-file",
    "--post-data",
    "--body-file",
    "--body-data",
    "--method",
    "--header",
    "--output-document",
    "--user-agent",
    "--user",
    "--password",
    "--http-user",
    "--http-password",
    "--tries",
    "--timeout",
    "--wait",
    "--output-file",
    "--append-output",
    "--input-file",
    "--directory-prefix",
    "--execute",
    "--referer",
    "--load-cookies",
    "--save-cookies",
    "--ca-certificate",
    "--certificate",
    "--private-key",
    "--bind-address",
    "--limit-rate",
    "--level",
    "--accept",
    "--reject",
    "--domains",
    "--exclude-domains",
    "--quota",
    "--proxy-user",
    "--proxy-password",
    "--config",
    "--base",
    "--dns-timeout",
    "--connect-timeout",
    "--read-timeout",
    "--waitretry",
    "--secure-protocol",
    "--progress",
    "--max-redirect",
    "--compression",
    "--ca-directory",
];

pub(crate) fn classify(args: &[String]) -> Option<UploadInvocation> {
    let spec = Spec {
        short_value: "OoaeiBtTwQPUlARDIX",
        long_value: LONG_VALUE,
        long_bool: &[],
        unknown_long_value: false,
    };
    let p = parse(args, &spec);
    let method = p.value(&["--method"]).map(str::to_ascii_lowercase);
    let dest = p.positionals.first().cloned();
    let body_method = method
        .clone()
        .filter(|m| matches!(m.as_str(), "post" | "put" | "patch"));

    let post_files: Vec<String> = p.values(&["--post-file"]).map(str::to_string).collect();
    if !post_files.is_empty() {
        let action = method.unwrap_or_else(|| "post".into());
        return Some(UploadInvocation::new(
            UploadTool::Wget,
            &action,
            post_files,
            dest,
        ));
    }
    if let Some(m) = &body_method {
        let files: Vec<String> = p.values(&["--body-file"]).map(str::to_string).collect();
        if !files.is_empty() {
            return Some(UploadInvocation::new(UploadTool::Wget, m, files, dest));
        }
    }
    let inline = p.has(&["--post-data"]) || (body_method.is_some() && p.has(&["--body-data"]));
    if inline && dest.is_some() {
        let action = body_method.unwrap_or_else(|| "post".into());
        let mut inv = UploadInvocation::new(UploadTool::Wget, &action, Vec::new(), dest);
        inv.risk = INLINE_DATA_RISK;
        return Some(inv);
    }
    None
}
