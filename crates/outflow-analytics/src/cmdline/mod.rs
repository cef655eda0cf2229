//! Command-line splitting. Every entry point bounds its input: at most
//! [`MAX_CMDLINE_BYTES`] bytes are read and at most [`MAX_ARGS`] arguments
//! are returned; the rest is dropped.

mod posix;
mod windows;

pub use posix::split_posix;
pub use windows::split_windows;

/// Longest command line read (Windows allows 32,767 UTF-16 units).
pub const MAX_CMDLINE_BYTES: usize = 32 * 1024;
/// Most arguments returned.
pub const MAX_ARGS: usize = 1024;

/// Most auditd `EXECVE` arguments read (`a0` .. `a255`).
pub const MAX_AUDIT_ARGS: usize = 256;

/// The argv of an auditd `EXECVE` record, read field by field (`a0`, `a1`,
/// ... until one is missing) through `arg`, with [`from_argv`]'s bounds.
/// One buffer spells every field name.
pub fn audit_argv<'a>(
    mut arg: impl FnMut(&str) -> Option<std::borrow::Cow<'a, str>>,
) -> Vec<String> {
    use std::fmt::Write;
    let mut name = String::with_capacity(4);
    let mut argv = Vec::new();
    for i in 0..MAX_AUDIT_ARGS {
        name.clear();
        let _ = write!(name, "a{i}");
        match arg(&name) {
            Some(v) => argv.push(v),
            None => break,
        }
    }
    from_argv(&argv)
}

/// Whether splitting `cmdline` ([`split_windows`] or [`split_posix`]) could
/// give an argument holding `word` (ASCII, any case): its letters in order
/// with nothing between them but the quotes, backslashes and line breaks
/// the splitters may remove. A cheap test before splitting every process's
/// command line to find the few that run one program; `g"i"t` passes.
pub fn may_hold(cmdline: &str, word: &[u8]) -> bool {
    let removed = |b: &&u8| matches!(b, b'"' | b'\'' | b'\\' | b'\n');
    let text = truncate(cmdline, MAX_CMDLINE_BYTES).as_bytes();
    // From each place the word may start, its letters follow with only
    // removed bytes between them (no allocation: it runs per process start).
    word.is_empty()
        || (0..text.len()).any(|i| {
            let mut kept = text[i..].iter().filter(|b| !removed(b));
            word.iter()
                .all(|w| kept.next().is_some_and(|b| b.eq_ignore_ascii_case(w)))
        })
}

/// Accepts an argv that is already split (auditd `EXECVE` a0..aN), applying
/// the same bounds as the splitters: at most [`MAX_ARGS`] arguments and
/// [`MAX_CMDLINE_BYTES`] bytes in total.
pub fn from_argv<S: AsRef<str>>(argv: &[S]) -> Vec<String> {
    let mut budget = MAX_CMDLINE_BYTES;
    let mut out = Vec::new();
    for arg in argv.iter().take(MAX_ARGS) {
        if budget == 0 {
            break;
        }
        let a = truncate(arg.as_ref(), budget);
        budget -= a.len();
        out.push(a.to_string());
    }
    out
}

/// Arguments being split: the one being built and those finished, at most
/// [`MAX_ARGS`] of them.
pub(crate) struct ArgBuf {
    pub out: Vec<String>,
    pub cur: String,
    /// Whether `cur` has begun (an empty quoted argument counts).
    pub in_arg: bool,
}

impl ArgBuf {
    pub fn new(out: Vec<String>) -> Self {
        ArgBuf {
            out,
            cur: String::new(),
            in_arg: false,
        }
    }

    /// Ends the current argument, if one has begun; false once [`MAX_ARGS`]
    /// arguments are held (the caller stops there).
    pub fn end(&mut self) -> bool {
        if self.in_arg {
            if self.out.len() >= MAX_ARGS {
                return false;
            }
            self.out.push(std::mem::take(&mut self.cur));
            self.in_arg = false;
        }
        true
    }

    pub fn finish(mut self) -> Vec<String> {
        self.end();
        self.out
    }
}

/// `s` cut to at most `max` bytes, on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn audit_argv_reads_fields_until_one_is_missing() {
        let fields = ["tar", "-czf", "/tmp/x.tgz", "/home/u/docs"];
        let argv = audit_argv(|name| {
            let i: usize = name.strip_prefix('a')?.parse().ok()?;
            fields.get(i).map(|s| Cow::Borrowed(*s))
        });
        assert_eq!(argv, fields);
        let many = audit_argv(|_| Some(Cow::Borrowed("x")));
        assert_eq!(many.len(), MAX_AUDIT_ARGS);
        assert!(audit_argv(|_| None).is_empty());
    }

    #[test]
    fn may_hold_finds_words_whose_start_repeats() {
        assert!(may_hold("aaab", b"aab"));
        assert!(may_hold("x", b""));
        assert!(!may_hold("aba", b"aab"));
    }

    #[test]
    fn may_hold_sees_through_what_splitting_removes() {
        for cmd in [
            "git push origin",
            r"C:\Program Files\Git\cmd\GIT.EXE push",
            r#"g"i"t push"#,
            "g'it' push",
            r"g\it push",
            "ggit",
        ] {
            assert!(may_hold(cmd, b"git"), "{cmd}");
        }
        for cmd in ["gi t push", "curl -T x https://example.org", "g-i-t", ""] {
            assert!(!may_hold(cmd, b"git"), "{cmd}");
        }
        // Whatever argv[0] the splitters find, the test agrees.
        for cmd in [r#""C:\x\g"it push"#, r"g\\it", "\"g\"\"i\"t x"] {
            let named = |argv: Vec<String>| argv.first().is_some_and(|a| a.contains("git"));
            if named(split_windows(cmd)) || named(split_posix(cmd)) {
                assert!(may_hold(cmd, b"git"), "{cmd}");
            }
        }
    }

    #[test]
    fn from_argv_bounds() {
        let many: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        assert_eq!(from_argv(&many).len(), MAX_ARGS);
        let big = vec!["é".repeat(MAX_CMDLINE_BYTES), "x".into()];
        let out = from_argv(&big);
        assert_eq!(out.len(), 1);
        assert!(out[0].len() <= MAX_CMDLINE_BYTES);
    }
}
