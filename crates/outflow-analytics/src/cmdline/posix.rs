//! POSIX shell-like splitting (no expansion, no operators).

use super::{truncate, ArgBuf, MAX_CMDLINE_BYTES};

/// Splits like `sh` word splitting without expansion: white space separates;
/// `'...'` is literal; in `"..."` a backslash escapes only `$`, `` ` ``, `"`,
/// `\` and newline; outside quotes a backslash escapes any character and
/// backslash-newline is removed. An unterminated quote runs to the end.
/// Shell operators (`|`, `;`, `&&`) are not special. For a log that already
/// holds argv (auditd `EXECVE`), use [`super::from_argv`].
pub fn split_posix(cmdline: &str) -> Vec<String> {
    let s = truncate(cmdline, MAX_CMDLINE_BYTES);
    let mut a = ArgBuf::new(Vec::new());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                a.in_arg = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    a.cur.push(q);
                }
            }
            '"' => {
                a.in_arg = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('\n') => {}
                            Some(e @ ('$' | '`' | '"' | '\\')) => a.cur.push(e),
                            Some(e) => {
                                a.cur.push('\\');
                                a.cur.push(e);
                            }
                            None => a.cur.push('\\'),
                        },
                        q => a.cur.push(q),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(e) => {
                    a.in_arg = true;
                    a.cur.push(e);
                }
                None => {
                    a.in_arg = true;
                    a.cur.push('\\');
                }
            },
            c if c.is_whitespace() => {
                if !a.end() {
                    return a.out;
                }
            }
            c => {
                a.in_arg = true;
                a.cur.push(c);
            }
        }
    }
    a.finish()
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
