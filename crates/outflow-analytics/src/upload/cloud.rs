//! gsutil, azcopy and s3cmd: copy to a bucket or container.

use super::args::{has_scheme, is_url, parse, Spec};
use super::{UploadInvocation, UploadTool};

/// gsutil [-m] [-o k=v] [-h hdr] cp | rsync | mv [opts] src... dst
pub(crate) fn gsutil(args: &[String]) -> Option<UploadInvocation> {
    let spec = Spec {
        short_value: "aozjLsxyh",
        long_value: &[],
        long_bool: &[],
        unknown_long_value: false,
    };
    let p = parse(args, &spec);
    let (verb, rest) = p.positionals.split_first()?;
    let verb = verb.to_ascii_lowercase();
    if !matches!(verb.as_str(), "cp" | "rsync" | "mv") {
        return None;
    }
    let (dst, srcs) = rest.split_last()?;
    if srcs.is_empty() && !p.has(&["-I"]) {
        return None;
    }
    if !has_scheme(dst, &["gs", "s3"]) {
        return None;
    }
    Some(UploadInvocation::new(
        UploadTool::Gsutil,
        &verb,
        srcs.to_vec(),
        Some(dst.clone()),
    ))
}

/// azcopy copy | cp | sync src https://acct.blob.core.windows.net/c?SAS
pub(crate) fn azcopy(args: &[String]) -> Option<UploadInvocation> {
    let spec = Spec {
        short_value: "",
        long_value: &[],
        long_bool: &[
            "--recursive",
            "--dry-run",
            "--put-md5",
            "--check-length",
            "--as-subdir",
            "--follow-symlinks",
            "--preserve-smb-permissions",
            "--preserve-smb-info",
            "--force-if-read-only",
            "--no-guess-mime-type",
            "--decompress",
            "--preserve-last-modified-time",
            "--include-directory-stub",
            "--preserve-symlinks",
            "--preserve-posix-properties",
            "--help",
        ],
        unknown_long_value: true,
    };
    let p = parse(args, &spec);
    let mut pos = p.positionals.iter();
    let verb = pos.next()?.to_ascii_lowercase();
    if !matches!(verb.as_str(), "copy" | "cp" | "sync") || p.has(&["--help", "-h"]) {
        return None;
    }
    let src = pos.next()?;
    let dst = pos.next()?;
    if !is_url(dst) {
        return None;
    }
    let dst = dst.split('?').next().unwrap_or(dst);
    Some(UploadInvocation::new(
        UploadTool::Azcopy,
        if verb == "cp" { "copy" } else { &verb },
        vec![src.clone()],
        Some(dst.to_string()),
    ))
}

/// s3cmd [opts] put file... s3://b/p, s3cmd sync local s3://b/p
pub(crate) fn s3cmd(args: &[String]) -> Option<UploadInvocation> {
    let spec = Spec {
        short_value: "c",
        long_value: &[
            "--config",
            "--access_key",
            "--secret_key",
            "--host",
            "--host-bucket",
        ],
        long_bool: &[
            "--recursive",
            "--verbose",
            "--debug",
            "--quiet",
            "--force",
            "--acl-public",
            "--acl-private",
            "--no-ssl",
            "--ssl",
            "--dry-run",
            "--delete-removed",
            "--no-delete-removed",
            "--no-check-md5",
            "--check-md5",
            "--skip-existing",
            "--continue-put",
            "--progress",
            "--no-progress",
            "--help",
            "--version",
            "--server-side-encryption",
            "--no-mime-magic",
            "--guess-mime-type",
        ],
        unknown_long_value: true,
    };
    let p = parse(args, &spec);
    let (verb, rest) = p.positionals.split_first()?;
    let verb = verb.to_ascii_lowercase();
    if !matches!(verb.as_str(), "put" | "sync") {
        return None;
    }
    let (dst, srcs) = rest.split_last()?;
    if srcs.is_empty() || !has_scheme(dst, &["s3"]) {
        return None;
    }
    Some(UploadInvocation::new(
        UploadTool::S3cmd,
        &verb,
        srcs.to_vec(),
        Some(dst.clone()),
    ))
}
