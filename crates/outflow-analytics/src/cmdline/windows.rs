//! Windows command lines, split as `CommandLineToArgvW` and the UCRT do.

use super::{truncate, ArgBuf, MAX_CMDLINE_BYTES};

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits a Windows command line into argv.
///
/// * argv\[0\] (the program) ends at the next `"` if it starts with one, else at
///   white space; backslashes in it are literal.
/// * Then: white space outside quotes separates arguments; `"` toggles quoting;
///   `2n` backslashes before `"` give `n` backslashes and the quote toggles;
///   `2n+1` give `n` backslashes and a literal `"`; other backslashes are
///   literal; `""` inside quotes is a literal `"` (quoting continues, UCRT rule).
pub fn split_windows(cmdline: &str) -> Vec<String> {
    let s = truncate(cmdline, MAX_CMDLINE_BYTES);
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while chars.peek().copied().is_some_and(is_space) {
        chars.next();
    }
    if chars.peek().is_none() {
        return out;
    }
    // argv[0]
    let mut prog = String::new();
    if chars.peek() == Some(&'"') {
        chars.next();
        for c in chars.by_ref() {
            if c == '"' {
                break;
            }
            prog.push(c);
        }
    } else {
        while let Some(&c) = chars.peek() {
            if is_space(c) {
                break;
            }
            prog.push(c);
            chars.next();
        }
    }
    out.push(prog);

    let mut a = ArgBuf::new(out);
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let mut n = 1usize;
                while chars.peek() == Some(&'\\') {
                    chars.next();
                    n += 1;
                }
                a.in_arg = true;
                if chars.peek() == Some(&'"') {
                    a.cur.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        chars.next();
                        a.cur.push('"');
                    }
                } else {
                    a.cur.extend(std::iter::repeat_n('\\', n));
                }
            }
            '"' => {
                a.in_arg = true;
                if quoted && chars.peek() == Some(&'"') {
                    chars.next();
                    a.cur.push('"');
                } else {
                    quoted = !quoted;
                }
            }
            c if is_space(c) && !quoted => {
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
    use super::split_windows;

    fn sw(s: &str) -> Vec<String> {
        split_windows(s)
    }

    #[test]
    fn msdn_examples() {
        assert_eq!(sw(r#"p "a b c" d e"#), ["p", "a b c", "d", "e"]);
        assert_eq!(sw(r#"p "ab\"c" "\\" d"#), ["p", "ab\"c", "\\", "d"]);
        assert_eq!(sw(r#"p a\\\b d"e f"g h"#), ["p", r"a\\\b", "de fg", "h"]);
        assert_eq!(sw(r#"p a\\\"b c d"#), ["p", r#"a\"b"#, "c", "d"]);
        assert_eq!(sw(r#"p a\\\\"b c" d e"#), ["p", r"a\\b c", "d", "e"]);
    }

    #[test]
    fn program_and_quotes() {
        assert_eq!(
            sw(r#""C:\Program Files\rclone\rclone.exe" copy "C:\My Docs" mega:x"#),
            [
                r"C:\Program Files\rclone\rclone.exe",
                "copy",
                r"C:\My Docs",
                "mega:x"
            ]
        );
        assert_eq!(sw(r#"p "a""b" """#), ["p", "a\"b", ""]);
        assert_eq!(sw("   "), Vec::<String>::new());
        assert_eq!(sw("p \"unterminated arg"), ["p", "unterminated arg"]);
    }
}
