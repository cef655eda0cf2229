//! What an archiver's command line says: its argv (auditd arguments or
//! the platform's command-line rules) and the archive it writes.

use crate::cmdline::{audit_argv, split_posix, split_windows};
use crate::view::View;

/// The argv of a process start: auditd's own arguments, else the command
/// line split by the platform's rules.
pub(super) fn argv_of(view: &View<'_>) -> Vec<String> {
    if view.get("a0").is_some() && view.has_logsource(Some("linux"), None) {
        return audit_argv(|name| view.text(name));
    }
    match view.get("CommandLine") {
        Some(c) if view.has_logsource(Some("windows"), None) => split_windows(c),
        Some(c) => split_posix(c),
        None => Vec::new(),
    }
}

/// The archive an archiver's argv writes, when it names one.
pub fn archive_output(archiver: &str, argv: &[String]) -> Option<String> {
    let args = argv.get(1..).unwrap_or(&[]);
    let positional = |from: usize| -> Vec<&String> {
        args.iter()
            .skip(from)
            .filter(|a| !a.starts_with('-') && !a.is_empty())
            .collect()
    };
    match archiver {
        "7z" | "7za" | "7zr" | "7zg" | "rar" | "winrar" => {
            let pos = positional(0);
            let cmd = pos.first()?.to_ascii_lowercase();
            if matches!(cmd.as_str(), "a" | "u" | "m" | "f") {
                pos.get(1).map(|s| s.to_string())
            } else {
                None
            }
        }
        "tar" | "bsdtar" => tar_output(args),
        "zip" => positional(0).first().map(|s| s.to_string()),
        "gzip" | "pigz" | "xz" | "zstd" => {
            if args
                .iter()
                .any(|a| matches!(a.as_str(), "-d" | "--decompress" | "-c" | "--stdout"))
            {
                return None;
            }
            if let Some(i) = args.iter().position(|a| a == "-o") {
                return args.get(i + 1).cloned();
            }
            let ext = match archiver {
                "xz" => "xz",
                "zstd" => "zst",
                _ => "gz",
            };
            positional(0).first().map(|s| format!("{s}.{ext}"))
        }
        "makecab" => positional(0).get(1).map(|s| s.to_string()),
        "compress-archive" => {
            // Inside a -Command string or as arguments: find -DestinationPath.
            let text = args.join(" ");
            let lower = text.to_ascii_lowercase();
            let i = lower.find("-destinationpath")?;
            let rest = text[i + "-destinationpath".len()..].trim_start_matches([' ', ':']);
            let rest = rest.trim_start();
            let value = match rest.chars().next()? {
                q @ ('"' | '\'') => rest[1..].split(q).next()?,
                _ => rest.split(|c: char| c.is_whitespace() || c == ';').next()?,
            };
            (!value.is_empty()).then(|| value.to_string())
        }
        _ => None,
    }
}

/// The archive tar creates (`-f X`, `-cfX`, `--file=X`, old-style `czf X`);
/// `None` when tar extracts or lists.
fn tar_output(args: &[String]) -> Option<String> {
    let mut creating = false;
    let mut out = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if let Some(v) = a.strip_prefix("--file=") {
            out = Some(v.to_string());
        } else if a == "--file" {
            out = args.get(i + 1).cloned();
            i += 1;
        } else if matches!(a, "--create" | "--append" | "--update") {
            creating = true;
        } else if matches!(a, "--extract" | "--get" | "--list") {
            return None;
        } else if !a.starts_with("--") && (a.starts_with('-') || i == 0) {
            let letters = a.trim_start_matches('-');
            if !letters.chars().all(|c| c.is_ascii_alphanumeric()) {
                i += 1;
                continue;
            }
            if letters.contains(['x', 't']) {
                return None;
            }
            if letters.contains(['c', 'r', 'u']) {
                creating = true;
            }
            if let Some(f) = letters.find('f') {
                let rest = &letters[f + 1..];
                if rest.is_empty() || !a.starts_with('-') {
                    out = args.get(i + 1).cloned();
                    i += 1;
                } else {
                    out = Some(rest.to_string());
                }
            }
        }
        i += 1;
    }
    out.filter(|o| creating && o != "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn archivers_name_their_output() {
        assert_eq!(
            archive_output(
                "7z",
                &argv(r"7z.exe a -t7z -pX C:\Users\Public\q4.7z C:\docs\*")
            )
            .as_deref(),
            Some(r"C:\Users\Public\q4.7z")
        );
        assert_eq!(archive_output("7z", &argv("7z x a.7z")), None);
        assert_eq!(
            archive_output("tar", &argv("tar czf /tmp/a.tgz /srv")).as_deref(),
            Some("/tmp/a.tgz")
        );
        assert_eq!(
            archive_output("tar", &argv("tar -c -f /tmp/b.tar /srv")).as_deref(),
            Some("/tmp/b.tar")
        );
        assert_eq!(
            archive_output("tar", &argv("tar -cz --file=/tmp/c.tgz /srv")).as_deref(),
            Some("/tmp/c.tgz")
        );
        assert_eq!(archive_output("tar", &argv("tar xzf /tmp/a.tgz")), None);
        assert_eq!(
            archive_output("zip", &argv("zip -r /tmp/d.zip /home/x")).as_deref(),
            Some("/tmp/d.zip")
        );
        assert_eq!(
            archive_output("rar", &argv("rar a -hpX C:\\ProgramData\\e.rar C:\\x")).as_deref(),
            Some("C:\\ProgramData\\e.rar")
        );
        let ps = vec![
            "powershell.exe".to_string(),
            "-Command".to_string(),
            "Compress-Archive -Path C:\\x -DestinationPath 'C:\\Users\\Public\\f.zip' -Force"
                .to_string(),
        ];
        assert_eq!(
            archive_output("compress-archive", &ps).as_deref(),
            Some("C:\\Users\\Public\\f.zip")
        );
    }
}
