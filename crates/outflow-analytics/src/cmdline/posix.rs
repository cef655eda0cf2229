//! POSIX shell-like splitting (no expansion, no operators).

use super::{truncate, MAX_ARGS, MAX_CMDLINE_BYTES};

/// Splits like `sh` word splitting without expansion: white space separates;
/// `'...'` is literal; in `"..."` a backslash escapes only `$`, `` ` ``, `"`,
/// `\` and newline; outside quotes a backslash escapes any character and
/// backslash-newline is removed. An unterminated quote runs to the end.
/// Shell operators (`|`, `;`, `&&`) are not special. For a log that already
/// holds argv (auditd `EXECVE`), use [`super::from_argv`].
pub fn split_posix(cmdline: &str) -> Vec<String> {
    let s = truncate(cmdline, MAX_CMDLINE_BYTES);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_arg = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_arg = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_arg = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('\n') => {}
                            Some(e @ ('$' | '`' | '"' | '\\')) => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => cur.push('\\'),
                        },
                        q => cur.push(q),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(e) => {
                    in_arg = true;
                    cur.push(e);
                }
                None => {
                    in_arg = true;
                    cur.push('\\');
                }
            },
            c if c.is_whitespace() => {
                if in_arg {
                    if out.len() >= MAX_ARGS {
                        return out;
                    }
                    out.push(std::mem::take(&mut cur));
                    in_arg = false;
                }
            }
            c => {
                in_arg = true;
                cur.push(c);
            }
        }
    }
    if in_arg && out.len() < MAX_ARGS {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split_posix;

    #[test]
    fn quoting() {
        assert_eq!(
            split_posix(r#"curl -s -T '/tmp/a b.zip' "https://x/\"y\"" c\ d '' "#),
            [
                "curl",
                "-s",
                "-T",
                "/tmp/a b.zip",
                "https://x/\"y\"",
                "c d",
                ""
            ]
        );
        assert_eq!(split_posix(r#"a "b\nc" 'it'\''s'"#), ["a", r"b\nc", "it's"]);
        assert_eq!(split_posix("a \\\nb"), ["a", "b"]);
        assert_eq!(split_posix("'open"), ["open"]);
    }
}
