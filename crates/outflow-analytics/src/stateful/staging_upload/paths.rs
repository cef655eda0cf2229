//! Path and URL helpers of the staging analytic: staging-place globs,
//! parent folders, relative outputs made absolute, and URL parts.

/// Whether `pat` (lower case, `/` separators, `*` within one component)
/// matches the start of `path`.
pub(super) fn glob_prefix(pat: &str, path: &str) -> bool {
    let (p, s) = (pat.as_bytes(), path.as_bytes());
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => true,
            Some(b'*') => {
                let mut k = 0;
                loop {
                    if go(&p[1..], &s[k..]) {
                        return true;
                    }
                    if k >= s.len() || s[k] == b'/' {
                        return false;
                    }
                    k += 1;
                }
            }
            Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
        }
    }
    go(p, s)
}

/// The folder of a path (`C:\a\b.txt` → `C:\a\`).
pub(super) fn parent_dir(path: &str) -> &str {
    match path.rfind(['/', '\\']) {
        Some(i) => &path[..=i],
        None => "",
    }
}

/// A path made absolute with the process's working folder.
pub(super) fn absolute(path: &str, cwd: Option<&str>) -> String {
    let p = path.trim_matches('"');
    let is_abs = p.starts_with('/') || p.starts_with('\\') || p.as_bytes().get(1) == Some(&b':');
    match cwd {
        Some(c) if !is_abs && !c.is_empty() => {
            let sep = if c.contains('\\') { '\\' } else { '/' };
            let c = c.trim_end_matches(['/', '\\']);
            format!("{c}{sep}{}", p.trim_start_matches("./"))
        }
        _ => p.to_string(),
    }
}

pub(super) fn url_host_path(d: &str) -> Option<(&str, Option<&str>)> {
    let rest = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))?;
    match rest.find('/') {
        Some(i) => Some((&rest[..i], Some(&rest[i..]))),
        None => Some((rest, None)),
    }
}

pub(super) fn push_unique(list: &mut Vec<String>, v: &str) {
    if !v.is_empty() && list.len() < 5 && !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_globs_match_one_component() {
        assert!(glob_prefix(
            "c:/users/*/downloads/",
            "c:/users/bob/downloads/a.zip"
        ));
        assert!(!glob_prefix(
            "c:/users/*/downloads/",
            "c:/users/bob/x/downloads/a.zip"
        ));
        assert!(glob_prefix("/tmp/", "/tmp/.cache-1.tgz"));
        assert!(!glob_prefix("/tmp/", "/var/backups/etc.tgz"));
    }

    #[test]
    fn relative_outputs_use_the_working_folder() {
        assert_eq!(absolute("out.tgz", Some("/tmp")), "/tmp/out.tgz");
        assert_eq!(
            absolute("a.7z", Some(r"C:\Users\Public\")),
            r"C:\Users\Public\a.7z"
        );
        assert_eq!(absolute("/x/y", Some("/tmp")), "/x/y");
    }
}
