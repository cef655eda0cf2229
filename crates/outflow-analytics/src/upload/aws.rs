//! aws s3 cp | sync | mv, aws s3api put-object.

use super::args::{has_scheme, parse, Spec};
use super::{UploadInvocation, UploadTool};

const LONG_BOOL: &[&str] = &[
    "--debug",
    "--no-verify-ssl",
    "--no-paginate",
    "--no-sign-request",
    "--no-cli-pager",
    "--cli-auto-prompt",
    "--no-cli-auto-prompt",
    "--recursive",
    "--dryrun",
    "--quiet",
    "--only-show-errors",
    "--no-progress",
    "--follow-symlinks",
    "--no-follow-symlinks",
    "--no-guess-mime-type",
    "--ignore-glacier-warnings",
    "--force-glacier-transfer",
    "--delete",
    "--exact-timestamps",
    "--size-only",
    "--sse",
    "--help",
    "--version",
];

const SPEC: Spec = Spec {
    short_value: "",
    long_value: &[
        "--profile",
        "--region",
        "--endpoint-url",
        "--output",
        "--query",
    ],
    long_bool: LONG_BOOL,
    unknown_long_value: true,
};

pub(crate) fn classify(args: &[String]) -> Option<UploadInvocation> {
    let p = parse(args, &SPEC);
    let pos = &p.positionals;
    let service = pos.first()?.to_ascii_lowercase();
    let verb = pos.get(1)?.to_ascii_lowercase();
    if pos.iter().any(|a| a.eq_ignore_ascii_case("help")) {
        return None;
    }
    match (service.as_str(), verb.as_str()) {
        ("s3", "cp" | "sync" | "mv") => {
            let src = pos.get(2)?;
            let dst = pos.get(3)?;
            if !has_scheme(dst, &["s3"]) {
                return None;
            }
            Some(UploadInvocation::new(
                UploadTool::AwsCli,
                &verb,
                vec![src.clone()],
                Some(dst.clone()),
            ))
        }
        ("s3api", "put-object" | "upload-part") => {
            let bucket = p.value(&["--bucket"])?;
            let key = p.value(&["--key"]).unwrap_or("");
            let sources = p.values(&["--body"]).map(str::to_string).collect();
            Some(UploadInvocation::new(
                UploadTool::AwsCli,
                &verb,
                sources,
                Some(format!("s3://{bucket}/{key}")),
            ))
        }
        _ => None,
    }
}
