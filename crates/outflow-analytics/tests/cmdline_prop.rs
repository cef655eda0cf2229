//! Property tests: the splitters and classify never panic; simple quoted
//! arguments round-trip.

use outflow_analytics::cmdline::{may_hold, split_posix, split_windows};
use outflow_analytics::upload::classify;
use proptest::prelude::*;

/// Quotes one argument for CommandLineToArgvW (the MSVC `ArgvQuote` rules).
fn quote_windows(arg: &str) -> String {
    let mut out = String::from("\"");
    let mut backslashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            c => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
    out
}

fn quote_posix(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

const ARG: &str = r#"[a-zA-Z0-9 ._:=@/\\"'$-]{0,12}"#;

proptest! {
    /// `may_hold` is a safe test before splitting: whenever an argument
    /// either splitter gives holds the word, it says so.
    #[test]
    fn may_hold_misses_no_split_argument(s in r#"[gGiItT "'\\\n\t x-]{0,24}"#) {
        let holds = |argv: Vec<String>| argv.iter().any(|a| a.to_ascii_lowercase().contains("git"));
        if holds(split_windows(&s)) || holds(split_posix(&s)) {
            prop_assert!(may_hold(&s, b"git"), "{:?}", s);
        }
    }

    #[test]
    fn never_panic(s in "\\PC{0,300}") {
        let w = split_windows(&s);
        let p = split_posix(&s);
        let _ = classify(&w, None, None);
        let _ = classify(&p, Some(&s), None);
        for hint in ["rclone", "aws_cli", "gsutil", "azcopy", "s3cmd", "curl", "wget", "powershell", "bitsadmin", "certreq"] {
            let _ = classify(&w, None, Some(hint));
            let _ = classify(&p, None, Some(hint));
        }
    }

    #[test]
    fn never_panic_tokens(v in proptest::collection::vec("[-–/@=:;()'\"`a-zA-Z]{0,6}|-[a-zA-Z]{1,3}|--[a-z-]{1,8}", 0..12)) {
        for hint in ["rclone", "aws", "gsutil", "azcopy", "s3cmd", "curl", "wget", "pwsh", "bitsadmin", "certreq"] {
            let _ = classify(&v, None, Some(hint));
        }
    }

    #[test]
    fn windows_round_trip(args in proptest::collection::vec(ARG, 0..8)) {
        let line = std::iter::once("prog.exe".to_string())
            .chain(args.iter().map(|a| quote_windows(a)))
            .collect::<Vec<_>>()
            .join(" ");
        let got = split_windows(&line);
        prop_assert_eq!(&got[0], "prog.exe");
        prop_assert_eq!(&got[1..], &args[..]);
    }

    #[test]
    fn posix_round_trip(args in proptest::collection::vec(ARG, 0..8)) {
        let line = args.iter().map(|a| quote_posix(a)).collect::<Vec<_>>().join(" ");
        prop_assert_eq!(split_posix(&line), args);
    }
}
