//! rclone copy | sync | move | copyto | moveto | rcat.

use super::args::{parse, Spec};
use super::{UploadInvocation, UploadTool};

/// rclone (pflag) boolean long flags; other `--flag` followed by a
/// non-option take it as their value.
const LONG_BOOL: &[&str] = &[
    "--verbose",
    "--quiet",
    "--progress",
    "--dry-run",
    "--interactive",
    "--checksum",
    "--update",
    "--ignore-existing",
    "--no-traverse",
    "--no-check-certificate",
    "--fast-list",
    "--ignore-times",
    "--size-only",
    "--create-empty-src-dirs",
    "--delete-after",
    "--delete-before",
    "--delete-during",
    "--delete-excluded",
    "--ignore-checksum",
    "--ignore-size",
    "--metadata",
    "--no-update-modtime",
    "--use-server-modtime",
    "--stats-one-line",
    "--check-first",
    "--ask-password",
    "--human-readable",
    "--immutable",
    "--links",
    "--copy-links",
    "--skip-links",
    "--one-file-system",
    "--use-json-log",
    "--no-gzip-encoding",
    "--inplace",
    "--server-side-across-configs",
    "--track-renames",
    "--use-mmap",
    "--refresh-times",
    "--ignore-case",
    "--ignore-case-sync",
    "--use-cookies",
    "--auto-confirm",
    "--disable-http2",
    "--no-console",
    "--error-on-no-transfer",
    "--log-systemd",
    "--no-check-dest",
    "--no-unicode-normalization",
    "--ignore-errors",
    "--stats-one-line-date",
    "--progress-terminal-title",
    "--low-level-retries-off",
];

const SPEC: Spec = Spec {
    short_value: "",
    long_value: &[
        "--config",
        "--transfers",
        "--checkers",
        "--log-file",
        "--include",
        "--exclude",
    ],
    long_bool: LONG_BOOL,
    unknown_long_value: true,
};

/// `remote:path` (or on-the-fly `:backend:path`), not a drive letter or a local path.
pub(crate) fn is_remote(s: &str) -> bool {
    let Some((name, _)) = s.split_once(':') else {
        return false;
    };
    if name.contains(['/', '\\']) {
        return false;
    }
    let drive = name.len() == 1 && name.chars().all(|c| c.is_ascii_alphabetic());
    !drive
}

pub(crate) fn classify(args: &[String]) -> Option<UploadInvocation> {
    let p = parse(args, &SPEC);
    let mut pos = p.positionals.iter();
    let verb = pos.next()?.to_ascii_lowercase();
    let action = match verb.as_str() {
        "copy" | "sync" | "move" | "copyto" | "moveto" | "rcat" => verb,
        _ => return None,
    };
    if p.has(&["--help", "-h"]) {
        return None;
    }
    let rest: Vec<&String> = pos.collect();
    let (sources, dst) = if action == "rcat" {
        (Vec::new(), *rest.first()?)
    } else {
        (vec![(*rest.first()?).clone()], *rest.get(1)?)
    };
    if !is_remote(dst) {
        return None;
    }
    Some(UploadInvocation::new(
        UploadTool::Rclone,
        &action,
        sources,
        Some(dst.clone()),
    ))
}

#[cfg(test)]
mod tests {
    use super::is_remote;

    #[test]
    fn remotes() {
        assert!(is_remote("mega:backup"));
        assert!(is_remote(":s3,provider=AWS:bucket"));
        assert!(!is_remote(r"C:\data"));
        assert!(!is_remote("/tmp/a:b"));
        assert!(!is_remote("local"));
    }
}
