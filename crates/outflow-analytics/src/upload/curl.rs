//! curl -T / --upload-file, -F name=@file, -d @file, --json @file.

use super::args::{parse, Parsed, Spec};
use super::{UploadInvocation, UploadTool, INLINE_DATA_RISK};

/// Short options that take a value (curl 8 manual).
const SHORT_VALUE: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";

const LONG_VALUE: &[&str] = &[
    "--data",
    "--data-binary",
    "--data-raw",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "--form",
    "--form-string",
    "--upload-file",
    "--request",
    "--output",
    "--header",
    "--user-agent",
    "--url",
    "--user",
    "--proxy",
    "--cookie",
    "--cookie-jar",
    "--config",
    "--max-time",
    "--connect-timeout",
    "--referer",
    "--cert",
    "--key",
    "--cacert",
    "--retry",
    "--write-out",
    "--output-dir",
    "--resolve",
    "--connect-to",
    "--limit-rate",
    "--interface",
    "--proxy-user",
    "--oauth2-bearer",
    "--range",
    "--continue-at",
    "--max-filesize",
    "--retry-delay",
    "--retry-max-time",
    "--local-port",
    "--socks5",
    "--socks5-hostname",
    "--socks4",
    "--socks4a",
    "--preproxy",
    "--aws-sigv4",
    "--variable",
    "--quote",
    "--trace",
    "--trace-ascii",
    "--stderr",
    "--dump-header",
    "--time-cond",
    "--speed-limit",
    "--speed-time",
    "--max-redirs",
    "--proto",
    "--proto-redir",
    "--proto-default",
    "--netrc-file",
    "--unix-socket",
    "--doh-url",
    "--mail-from",
    "--mail-rcpt",
    "--pass",
    "--capath",
    "--pinnedpubkey",
    "--ciphers",
    "--tls-max",
    "--cert-type",
    "--key-type",
    "--etag-save",
    "--etag-compare",
    "--parallel-max",
    "--rate",
    "--ftp-port",
];

const DATA: &[&str] = &[
    "-d",
    "--data",
    "--data-binary",
    "--data-ascii",
    "--data-urlencode",
    "--json",
];

/// File named by a `-d`/`--data-urlencode`/`--json` value: `@file`, `name@file`.
fn data_file(v: &str) -> Option<&str> {
    if let Some(f) = v.strip_prefix('@') {
        return Some(f);
    }
    let (name, f) = v.split_once('@')?;
    (!name.contains('=') && !name.is_empty()).then_some(f)
}

/// File named by a `-F` value: `name=@file;type=...` or `name=<file`.
fn form_file(v: &str) -> Option<&str> {
    let (_, rest) = v.split_once('=')?;
    let f = rest.strip_prefix('@').or_else(|| rest.strip_prefix('<'))?;
    Some(f.split(';').next().unwrap_or(f))
}

fn destination(p: &Parsed) -> Option<String> {
    p.value(&["--url"])
        .or_else(|| p.positionals.first().map(String::as_str))
        .map(str::to_string)
}

pub(crate) fn classify(args: &[String]) -> Option<UploadInvocation> {
    let spec = Spec {
        short_value: SHORT_VALUE,
        long_value: LONG_VALUE,
        long_bool: &[],
        unknown_long_value: false,
    };
    let p = parse(args, &spec);
    let method = p
        .value(&["-X", "--request"])
        .map(str::to_ascii_lowercase)
        .filter(|m| !m.is_empty());
    let dest = destination(&p);

    let uploads: Vec<String> = p
        .values(&["-T", "--upload-file"])
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    if !uploads.is_empty() {
        let action = method.unwrap_or_else(|| "upload".into());
        return Some(UploadInvocation::new(
            UploadTool::Curl,
            &action,
            uploads,
            dest,
        ));
    }

    let mut files: Vec<String> = p
        .values(&["-F", "--form"])
        .filter_map(form_file)
        .chain(p.values(DATA).filter_map(data_file))
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    files.dedup();
    let action = method.unwrap_or_else(|| "post".into());
    if !files.is_empty() {
        return Some(UploadInvocation::new(
            UploadTool::Curl,
            &action,
            files,
            dest,
        ));
    }
    let inline = p.has(DATA) || p.has(&["--data-raw", "-F", "--form", "--form-string"]);
    if inline && dest.is_some() {
        let mut inv = UploadInvocation::new(UploadTool::Curl, &action, Vec::new(), dest);
        inv.risk = INLINE_DATA_RISK;
        return Some(inv);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values() {
        assert_eq!(data_file("@/etc/passwd"), Some("/etc/passwd"));
        assert_eq!(data_file("f@/tmp/x"), Some("/tmp/x"));
        assert_eq!(data_file("a=b@c"), None);
        assert_eq!(form_file("file=@a.zip;type=application/zip"), Some("a.zip"));
        assert_eq!(form_file("x=<b.txt"), Some("b.txt"));
        assert_eq!(form_file("x=hello"), None);
    }
}
