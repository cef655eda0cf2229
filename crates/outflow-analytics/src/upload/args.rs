//! getopt-style argument walking shared by the POSIX-style tools.

/// Dash look-alikes accepted in place of `-` (Sigma's `windash`).
const DASHES: [char; 3] = ['\u{2013}', '\u{2014}', '\u{2015}'];

/// `arg` with leading en dash, em dash or horizontal bar turned into `-`.
pub(crate) fn norm_dash(arg: &str) -> String {
    let body = arg.trim_start_matches(|c| c == '-' || DASHES.contains(&c));
    let n = arg.chars().count() - body.chars().count();
    let mut s = "-".repeat(n.min(2));
    s.push_str(body);
    s
}

/// Windows-style switch (`/x`, `-x`, dash look-alikes) as lower-case `x`.
pub(crate) fn win_switch(arg: &str) -> Option<String> {
    let mut chars = arg.chars();
    let first = chars.next()?;
    if first != '/' && first != '-' && !DASHES.contains(&first) {
        return None;
    }
    let rest = chars.as_str();
    if rest.is_empty() || rest.contains(['/', '\\', ':']) {
        return None;
    }
    Some(rest.to_ascii_lowercase())
}

/// What an option parser knows about a tool.
pub(crate) struct Spec<'a> {
    /// Short option letters that take a value (`-T file`, `-Tfile`).
    pub short_value: &'a str,
    /// Long options (with `--`) that take a value.
    pub long_value: &'a [&'a str],
    /// Long options that never take one (used with `unknown_long_value`).
    pub long_bool: &'a [&'a str],
    /// An unknown `--opt` followed by a non-option consumes it as its value.
    pub unknown_long_value: bool,
}

/// Options and positionals of an argv (program excluded).
#[derive(Default, Debug)]
pub(crate) struct Parsed {
    /// `("-T", Some("f"))`, `("--upload-file", Some("f"))`, `("-v", None)`.
    pub opts: Vec<(String, Option<String>)>,
    pub positionals: Vec<String>,
}

impl Parsed {
    /// Values of any of `names`, in order.
    pub fn values<'s>(&'s self, names: &[&str]) -> std::vec::IntoIter<&'s str> {
        self.opts
            .iter()
            .filter(|(n, _)| names.contains(&n.as_str()))
            .filter_map(|(_, v)| v.as_deref())
            .collect::<Vec<_>>()
            .into_iter()
    }

    pub fn value(&self, names: &[&str]) -> Option<&str> {
        self.values(names).last()
    }

    pub fn has(&self, names: &[&str]) -> bool {
        self.opts.iter().any(|(n, _)| names.contains(&n.as_str()))
    }
}

fn is_option(arg: &str) -> bool {
    let a = norm_dash(arg);
    a.len() > 1 && a.starts_with('-')
}

pub(crate) fn parse(args: &[String], spec: &Spec) -> Parsed {
    let mut p = Parsed::default();
    let mut i = 0;
    while let Some(raw) = args.get(i) {
        i += 1;
        let a = norm_dash(raw);
        if a == "--" {
            p.positionals.extend(args.iter().skip(i).cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            if let Some((name, v)) = long.split_once('=') {
                p.opts.push((format!("--{name}"), Some(v.to_string())));
                continue;
            }
            let name = format!("--{long}");
            let next = args.get(i);
            let takes = spec.long_value.contains(&name.as_str())
                || (spec.unknown_long_value
                    && !spec.long_bool.contains(&name.as_str())
                    && next.is_some_and(|n| !is_option(n)));
            let v = if takes { next.cloned() } else { None };
            if v.is_some() {
                i += 1;
            }
            p.opts.push((name, v));
        } else if a.len() > 1 && a.starts_with('-') {
            let body = a.get(1..).unwrap_or("");
            for (pos, c) in body.char_indices() {
                if spec.short_value.contains(c) {
                    let attached = body.get(pos + c.len_utf8()..).unwrap_or("");
                    let v = if attached.is_empty() {
                        i += 1;
                        args.get(i - 1).cloned()
                    } else {
                        Some(attached.to_string())
                    };
                    p.opts.push((format!("-{c}"), v));
                    break;
                }
                p.opts.push((format!("-{c}"), None));
            }
        } else {
            p.positionals.push(raw.clone());
        }
    }
    p
}

/// Lower-cased `scheme://` test.
pub(crate) fn has_scheme(s: &str, schemes: &[&str]) -> bool {
    let l = s.trim().to_ascii_lowercase();
    schemes
        .iter()
        .any(|sc| l.strip_prefix(sc).is_some_and(|r| r.starts_with("://")))
}

pub(crate) fn is_url(s: &str) -> bool {
    has_scheme(
        s,
        &["http", "https", "ftp", "ftps", "sftp", "scp", "smb", "tftp"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn clusters_and_longs() {
        let spec = Spec {
            short_value: "To",
            long_value: &["--upload-file"],
            long_bool: &[],
            unknown_long_value: false,
        };
        let p = parse(
            &v(&["-sST", "f", "–-upload-file=g", "-Th", "u", "--", "-x"]),
            &spec,
        );
        assert_eq!(
            p.values(&["-T", "--upload-file"]).collect::<Vec<_>>(),
            ["f", "g", "h"]
        );
        assert!(p.has(&["-S"]));
        assert_eq!(p.positionals, ["u", "-x"]);
        assert_eq!(norm_dash("—T"), "-T");
        assert_eq!(win_switch("/Upload").as_deref(), Some("upload"));
        assert_eq!(win_switch(r"/tmp/x"), None);
    }
}
