//! `*` globs, ASCII case-insensitive, without regex: `*` matches any run of
//! characters (also none). Used for path prefixes, host labels, user, image
//! and bucket patterns.

/// Whether `text` matches `pattern` entirely.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    matches(pattern.as_bytes(), text.as_bytes(), false)
}

/// Whether a prefix of `text` matches `pattern` (an implicit trailing `*`).
pub fn glob_prefix(pattern: &str, text: &str) -> bool {
    matches(pattern.as_bytes(), text.as_bytes(), true)
}

fn matches(pattern: &[u8], text: &[u8], prefix: bool) -> bool {
    let mut parts = pattern.split(|&b| b == b'*');
    let first = parts.next().unwrap_or_default();
    if !starts_with_ci(text, first) {
        return false;
    }
    let mut pos = first.len();
    let rest: Vec<&[u8]> = parts.collect();
    let Some((last, middle)) = rest.split_last() else {
        return prefix || pos == text.len();
    };
    for part in middle {
        match find_ci(&text[pos..], part) {
            Some(at) => pos += at + part.len(),
            None => return false,
        }
    }
    if prefix {
        return find_ci(&text[pos..], last).is_some();
    }
    text.len() - pos >= last.len() && text[text.len() - last.len()..].eq_ignore_ascii_case(last)
}

fn starts_with_ci(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", ""));
        assert!(glob_match("a*c", "ABC"));
        assert!(glob_match("a*c", "ac"));
        assert!(!glob_match("a*c", "acb"));
        assert!(glob_match("s3-*", "s3-eu-west-1"));
        assert!(glob_prefix("/bot*/send", "/bot123:abc/sendDocument"));
        assert!(!glob_prefix("/bot*/send", "/bot123/getMe"));
        assert!(glob_prefix("/api/webhooks/", "/api/webhooks/1/x"));
        assert!(!glob_prefix("/api/webhooks/", "/api/web"));
    }
}
