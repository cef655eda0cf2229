//! Host patterns of the catalog and the policy: `example.com` (that host),
//! `*.example.com` (any host below it, at any depth), inner `*` labels and
//! label globs (`*.s3.*.amazonaws.com`, `*.s3-*.amazonaws.com`), and an optional
//! path prefix with `*` globs (`discord.com/api/webhooks/`, `api.telegram.org/bot*/send`).

use crate::glob::{glob_match, glob_prefix};

/// A compiled host pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The longest run of fixed labels on the right (the hash-map key).
    pub key: String,
    /// Labels left of the key, left to right, after the leading `*` if any.
    labels: Vec<String>,
    /// Whether the pattern starts with `*.` (one or more labels).
    any_depth: bool,
    /// Path prefix (starting with `/`), `*` globs allowed.
    pub path: Option<String>,
}

/// Why a pattern is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("empty pattern")]
    Empty,
    #[error("label {0:?} has a character other than a-z, 0-9, `-`, `_` or `*`")]
    BadLabel(String),
    #[error("a port or scheme is not allowed in a host pattern")]
    Port,
    #[error("the fixed part `{0}` must have at least two labels (a `*` cannot stand for a whole domain)")]
    TooWide(String),
}

impl Pattern {
    pub fn parse(raw: &str) -> Result<Pattern, PatternError> {
        let raw = raw.trim().to_ascii_lowercase();
        let (host, path) = match raw.find('/') {
            Some(at) => (&raw[..at], Some(raw[at..].to_string())),
            None => (raw.as_str(), None),
        };
        let host = host.trim_end_matches('.');
        if host.is_empty() {
            return Err(PatternError::Empty);
        }
        if host.contains(':') {
            return Err(PatternError::Port);
        }
        let mut labels: Vec<&str> = host.split('.').collect();
        for l in &labels {
            let ok = !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*');
            if !ok {
                return Err(PatternError::BadLabel(l.to_string()));
            }
        }
        let fixed = labels.iter().rev().take_while(|l| !l.contains('*')).count();
        let key = labels[labels.len() - fixed..].join(".");
        if fixed < 2 {
            return Err(PatternError::TooWide(key));
        }
        labels.truncate(labels.len() - fixed);
        let any_depth = labels.first() == Some(&"*");
        if any_depth {
            labels.remove(0);
        }
        Ok(Pattern {
            key,
            labels: labels.into_iter().map(str::to_string).collect(),
            any_depth,
            path: path.filter(|p| p != "/"),
        })
    }

    /// Whether the host labels left of the key (`left`, `""` when the host is the
    /// key) fit. `Some(tenant)` on a match: the label the leading `*` stands
    /// for next to the fixed labels, if any.
    pub fn match_left<'h>(&self, left: &'h str) -> Option<Option<&'h str>> {
        let mut host = left.rsplit('.').filter(|s| !s.is_empty());
        for p in self.labels.iter().rev() {
            match host.next() {
                Some(h) if glob_match(p, h) => {}
                _ => return None,
            }
        }
        let rest = host.next();
        match (self.any_depth, rest) {
            (true, Some(label)) => Some(Some(label)),
            (false, None) => Some(None),
            _ => None,
        }
    }

    /// The tenant label of a host that fits (`left` as for
    /// [`Self::match_left`]): the first label, right to left from the one
    /// the leading `*` stands for, that no glob of `skip` names.
    pub fn tenant_label<'h>(&self, left: &'h str, skip: &[String]) -> Option<&'h str> {
        let mut labels = left.rsplit('.').filter(|s| !s.is_empty());
        labels
            .nth(self.labels.len())
            .into_iter()
            .chain(labels)
            .find(|l| !skip.iter().any(|g| glob_match(g, l)))
    }

    /// Whether `path` fits this pattern's path prefix (always, without one).
    pub fn match_path(&self, path: Option<&str>) -> bool {
        match (&self.path, path) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(p), Some(req)) => {
                glob_prefix(p.trim_start_matches('/'), req.trim_start_matches('/'))
            }
        }
    }

    /// Whether the host alone (ignoring any path prefix) fits.
    pub fn matches_host(&self, host: &str) -> bool {
        if host == self.key {
            return self.match_left("").is_some();
        }
        match host.strip_suffix(self.key.as_str()) {
            Some(left) if left.ends_with('.') => self.match_left(&left[..left.len() - 1]).is_some(),
            _ => false,
        }
    }

    /// Ordering key within one hash-map key: most specific first.
    pub(crate) fn rank(&self) -> (usize, usize, bool) {
        let fixed = self.labels.iter().filter(|l| !l.contains('*')).count();
        let path = self.path.as_ref().map_or(0, |p| p.len() + 1);
        (path, fixed + self.labels.len(), !self.any_depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = Pattern::parse("*.S3.*.amazonaws.com").unwrap();
        assert_eq!(p.key, "amazonaws.com");
        assert_eq!(p.match_left("bucket.s3.eu-west-1"), Some(Some("bucket")));
        assert_eq!(p.match_left("s3.eu-west-1"), None);
        let p = Pattern::parse("*.example.com").unwrap();
        assert_eq!(p.match_left(""), None);
        assert_eq!(p.match_left("a.b"), Some(Some("b")));
        let p = Pattern::parse("example.com").unwrap();
        assert_eq!(p.match_left(""), Some(None));
        assert_eq!(p.match_left("www"), None);
        assert!(p.matches_host("example.com"));
        assert!(!p.matches_host("xexample.com"));
        assert_eq!(
            Pattern::parse("*.com"),
            Err(PatternError::TooWide("com".into()))
        );
        assert_eq!(Pattern::parse("bore.pub:7835"), Err(PatternError::Port));
        let p = Pattern::parse("api.telegram.org/bot*/send").unwrap();
        assert!(p.match_path(Some("/bot1:x/sendDocument")));
        assert!(!p.match_path(None));
    }
}
