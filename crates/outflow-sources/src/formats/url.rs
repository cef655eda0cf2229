//! Joining and splitting the URLs proxy logs write, without allocation
//! beyond the output string. Tolerant: a URL that does not parse yields
//! what it can.

/// Parts of a URL as proxy logs hold them (any may be missing but the host).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub scheme: Option<&'a str>,
    pub host: &'a str,
    pub port: Option<&'a str>,
    /// Path including its leading `/`.
    pub path: Option<&'a str>,
    /// Query, with or without its leading `?`.
    pub query: Option<&'a str>,
}

/// `scheme://host[:port]/path[?query]`, leaving out a port that is the
/// scheme's default.
pub fn join_url(p: &UrlParts, out: &mut String) {
    if let Some(s) = p.scheme {
        out.push_str(s);
        out.push_str("://");
    }
    out.push_str(p.host);
    if let Some(port) = p.port {
        let default = matches!(
            (p.scheme, port),
            (Some("http"), "80") | (Some("https"), "443")
        );
        if !default {
            out.push(':');
            out.push_str(port);
        }
    }
    match p.path {
        Some(path) if !path.starts_with('/') => {
            out.push('/');
            out.push_str(path);
        }
        Some(path) => out.push_str(path),
        None => {}
    }
    if let Some(q) = p.query {
        if !q.starts_with('?') {
            out.push('?');
        }
        out.push_str(q);
    }
}

/// Splits `scheme://[user@]host[:port]/path?query` or `host:port` (CONNECT).
/// `None` when there is no host.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (Some(&url[..i]), &url[i + 3..]),
        None => (None, url),
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let tail = &rest[auth_end..];
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => (v6, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|c| c.is_ascii_digit()) => {
                (h, Some(p).filter(|p| !p.is_empty()))
            }
            _ => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    Some(UrlParts {
        scheme,
        host,
        port,
        path: Some(path).filter(|p| !p.is_empty()),
        query: query.filter(|q| !q.is_empty()),
    })
}

/// Extension of a path's last segment, without the dot (`/a/b.PHP` → `PHP`).
pub fn extension(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next()?;
    let (stem, ext) = last.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then_some(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_splits() {
        let p = UrlParts {
            scheme: Some("https"),
            host: "pastebin.com",
            port: Some("443"),
            path: Some("/api/api_post.php"),
            query: Some("?a=1"),
        };
        let mut s = String::new();
        join_url(&p, &mut s);
        assert_eq!(s, "https://pastebin.com/api/api_post.php?a=1");
        let back = split_url(&s).unwrap();
        assert_eq!(back.host, "pastebin.com");
        assert_eq!(back.path, Some("/api/api_post.php"));
        assert_eq!(back.query, Some("a=1"));
        let c = split_url("api.telegram.org:443").unwrap();
        assert_eq!(
            (c.host, c.port, c.path),
            ("api.telegram.org", Some("443"), None)
        );
        let v6 = split_url("http://u@[::1]:8080/x").unwrap();
        assert_eq!((v6.host, v6.port), ("::1", Some("8080")));
        assert_eq!(extension("/a/b.tar.gz"), Some("gz"));
        assert_eq!(extension("/a/.hidden"), None);
        assert!(split_url("http:///x").is_none());
    }
}
