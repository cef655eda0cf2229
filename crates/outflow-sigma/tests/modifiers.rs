//! Every modifier of the specification's appendix, with edge cases.

mod common;
use common::*;
use outflow_event::Value;
use outflow_sigma::{Placeholders, RejectKind};

#[test]
fn contains_startswith_endswith_case_insensitive() {
    let set = rule("    sel:\n        CommandLine|contains: 'WhoAmI'\n        Image|endswith: '\\cmd.exe'\n        User|startswith: 'adm_'\n    condition: sel\n");
    assert!(hit(
        &set,
        &event(&[
            ("CommandLine", "x whoami /all"),
            ("Image", "C:\\Windows\\CMD.EXE"),
            ("User", "ADM_bob")
        ])
    ));
    assert!(!hit(
        &set,
        &event(&[
            ("CommandLine", "x whoami /all"),
            ("Image", "C:\\cmd.exe.bak"),
            ("User", "adm_bob")
        ])
    ));
    assert!(!hit(
        &set,
        &event(&[
            ("CommandLine", "x whoami"),
            ("Image", "C:\\cmd.exe"),
            ("User", "bob_adm_")
        ])
    ));
}

#[test]
fn wildcards_inside_contains_and_escapes() {
    let set = rule("    sel:\n        CommandLine|contains: 'a*b?c'\n    condition: sel\n");
    assert!(hit(&set, &event(&[("CommandLine", "xx A123BxC yy")])));
    assert!(!hit(&set, &event(&[("CommandLine", "xx A123BC yy")])));
    let esc = rule("    sel:\n        CommandLine|contains: 'a\\*b\\?c'\n    condition: sel\n");
    assert!(hit(&esc, &event(&[("CommandLine", "1 a*b?c 2")])));
    assert!(!hit(&esc, &event(&[("CommandLine", "1 axbyc 2")])));
    let bs = rule("    sel:\n        CommandLine: 'C:\\\\*'\n    condition: sel\n");
    assert!(hit(&bs, &event(&[("CommandLine", "C:\\anything")])));
    assert!(!hit(&bs, &event(&[("CommandLine", "C:/anything")])));
}

#[test]
fn all_modifier() {
    let set = rule("    sel:\n        CommandLine|contains|all:\n            - ' -a '\n            - ' -b '\n    condition: sel\n");
    assert!(hit(&set, &event(&[("CommandLine", "x -b -a y")])));
    assert!(!hit(&set, &event(&[("CommandLine", "x -a y")])));
}

#[test]
fn exists_true_and_false() {
    let t = rule("    sel:\n        ParentImage|exists: true\n    condition: sel\n");
    let f = rule("    sel:\n        ParentImage|exists: false\n    condition: sel\n");
    let with_parent = event(&[("ParentImage", "")]);
    let null_parent = with(event(&[]), "ParentImage", Value::Null);
    assert!(hit(&t, &with_parent) && hit(&t, &null_parent));
    assert!(!hit(&f, &with_parent) && !hit(&f, &null_parent));
    assert!(!hit(&t, &event(&[])) && hit(&f, &event(&[])));
    assert_eq!(
        rejected(
            "    sel:\n        X|exists: maybe\n    condition: sel\n",
            None
        )
        .0,
        RejectKind::Value
    );
}

#[test]
fn cased() {
    let set = rule("    sel:\n        CommandLine|contains|cased: 'Invoke-'\n    condition: sel\n");
    assert!(hit(&set, &event(&[("CommandLine", "x Invoke-Foo")])));
    assert!(!hit(&set, &event(&[("CommandLine", "x invoke-foo")])));
}

#[test]
fn neq() {
    let set = rule("    sel:\n        User|neq:\n            - SYSTEM\n            - LOCAL SERVICE\n    condition: sel\n");
    assert!(hit(&set, &event(&[("User", "bob")])));
    assert!(!hit(&set, &event(&[("User", "system")])));
    assert!(!hit(&set, &event(&[("User", "Local Service")])));
    // The field has to be there to differ.
    assert!(!hit(&set, &event(&[])));
    let num = rule("    sel:\n        EventID|neq: 1\n    condition: sel\n");
    assert!(hit(&num, &with(event(&[]), "EventID", Value::Int(3))));
    assert!(!hit(&num, &event(&[("EventID", "1")])));
}

#[test]
fn windash_all_dash_variants() {
    let set =
        rule("    sel:\n        CommandLine|windash|contains: ' -enc '\n    condition: sel\n");
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        assert!(
            hit(
                &set,
                &event(&[("CommandLine", &format!("powershell {dash}ENC abc"))])
            ),
            "{dash}"
        );
    }
    assert!(!hit(
        &set,
        &event(&[("CommandLine", "powershell +enc abc")])
    ));
    let ends = rule("    sel:\n        CommandLine|windash|endswith: ' -s'\n    condition: sel\n");
    assert!(hit(&ends, &event(&[("CommandLine", "x /s")])));
}

#[test]
fn regex_and_flags() {
    let cs = rule("    sel:\n        CommandLine|re: 'Inv[o]ke-\\w+'\n    condition: sel\n");
    assert!(hit(
        &cs,
        &event(&[("CommandLine", "a Invoke-Expression b")])
    ));
    assert!(
        !hit(&cs, &event(&[("CommandLine", "a invoke-expression b")])),
        "re is case-sensitive by default"
    );
    let i = rule("    sel:\n        CommandLine|re|i: '^invoke'\n    condition: sel\n");
    assert!(hit(&i, &event(&[("CommandLine", "INVOKE-x")])));
    let m = rule("    sel:\n        CommandLine|re|m: '^second$'\n    condition: sel\n");
    assert!(hit(&m, &event(&[("CommandLine", "first\nsecond\nthird")])));
    let no_m = rule("    sel:\n        CommandLine|re: '^second$'\n    condition: sel\n");
    assert!(!hit(
        &no_m,
        &event(&[("CommandLine", "first\nsecond\nthird")])
    ));
    let s = rule("    sel:\n        CommandLine|re|s: 'a.b'\n    condition: sel\n");
    assert!(hit(&s, &event(&[("CommandLine", "a\nb")])));
    assert!(!hit(&no_m_dot(), &event(&[("CommandLine", "a\nb")])));
    let (kind, detail) = rejected(
        "    sel:\n        CommandLine|re: '(?<=x)y'\n    condition: sel\n",
        None,
    );
    assert_eq!(kind, RejectKind::Regex);
    assert!(detail.contains("(?<=x)y"), "{detail}");
}

fn no_m_dot() -> outflow_sigma::RuleSet {
    rule("    sel:\n        CommandLine|re: 'a.b'\n    condition: sel\n")
}

#[test]
fn base64_and_offsets() {
    let set = rule("    sel:\n        CommandLine|base64: 'http://'\n    condition: sel\n");
    assert!(hit(&set, &event(&[("CommandLine", "aHR0cDovLw==")])));
    let off = rule(
        "    sel:\n        CommandLine|base64offset|contains: 'http://'\n    condition: sel\n",
    );
    // The value at each of the three alignments inside a longer encoded text.
    for text in [
        "http://x.example",
        "Xhttp://x.example",
        "XYhttp://x.example",
    ] {
        let enc = b64(text.as_bytes());
        assert!(
            hit(
                &off,
                &event(&[("CommandLine", &format!("powershell -e {enc}"))])
            ),
            "{text} -> {enc}"
        );
    }
    assert!(!hit(&off, &event(&[("CommandLine", &b64(b"https://x"))])));
    // Base64 text is case-significant.
    assert!(!hit(&set, &event(&[("CommandLine", "AHR0CDOVLW==")])));
}

#[test]
fn utf16_variants_with_base64() {
    let cases = [
        ("utf16le", utf16le("cmd")),
        ("wide", utf16le("cmd")),
        (
            "utf16be",
            "cmd".encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
        ),
        ("utf16", [vec![0xFF, 0xFE], utf16le("cmd")].concat()),
    ];
    for (m, bytes) in cases {
        let set = rule(&format!(
            "    sel:\n        CommandLine|{m}|base64: 'cmd'\n    condition: sel\n"
        ));
        assert!(hit(&set, &event(&[("CommandLine", &b64(&bytes))])), "{m}");
        assert!(!hit(&set, &event(&[("CommandLine", &b64(b"cmd"))])), "{m}");
    }
    let off = rule(
        "    sel:\n        CommandLine|wide|base64offset|contains: 'cmd'\n    condition: sel\n",
    );
    let long = [utf16le("powershell "), utf16le("cmd"), utf16le(" /c")].concat();
    assert!(hit(&off, &event(&[("CommandLine", &b64(&long))])));
    // Plain utf16le of ASCII is text with NULs.
    let plain = rule("    sel:\n        Data|utf16le|contains: 'ab'\n    condition: sel\n");
    assert!(hit(&plain, &event(&[("Data", "xa\0b\0y")])));
}

#[test]
fn numeric_comparisons_on_numbers_and_strings() {
    let set = rule("    sel:\n        Size|gt: 1000\n        Count|lte: 5\n    condition: sel\n");
    assert!(hit(&set, &event(&[("Size", "1001"), ("Count", "5")])));
    assert!(hit(
        &set,
        &with(
            with(event(&[]), "Size", Value::Float(1000.5)),
            "Count",
            Value::Int(-1)
        )
    ));
    assert!(!hit(&set, &event(&[("Size", "1000"), ("Count", "5")])));
    assert!(!hit(&set, &event(&[("Size", "big"), ("Count", "1")])));
    let lt = rule("    sel:\n        Size|lt: '10'\n        Other|gte: 2.5\n    condition: sel\n");
    assert!(hit(&lt, &event(&[("Size", " 9 "), ("Other", "2.5")])));
    assert!(!hit(&lt, &event(&[("Size", "10"), ("Other", "2.5")])));
    assert_eq!(
        rejected("    sel:\n        Size|gt: big\n    condition: sel\n", None).0,
        RejectKind::Value
    );
}

#[test]
fn cidr_v4_and_v6() {
    let set = rule("    sel:\n        DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fd00::/8'\n    condition: sel\n");
    assert!(hit(&set, &event(&[("DestinationIp", "10.1.2.3")])));
    assert!(hit(&set, &event(&[("DestinationIp", "FD12:3456::1")])));
    assert!(!hit(&set, &event(&[("DestinationIp", "11.1.2.3")])));
    assert!(!hit(&set, &event(&[("DestinationIp", "fe80::1")])));
    assert!(!hit(&set, &event(&[("DestinationIp", "-")])));
    assert_eq!(
        rejected(
            "    sel:\n        D|cidr: '10.0.0.0/40'\n    condition: sel\n",
            None
        )
        .0,
        RejectKind::Value
    );
}

#[test]
fn expand_placeholders() {
    let mut ph = Placeholders::new();
    ph.insert("Admins", vec!["alice".into(), "bob*".into()]);
    let body = "    sel:\n        User|expand: '%Admins%'\n    condition: sel\n";
    let set = rule_with(body, Some(&ph));
    assert!(hit(&set, &event(&[("User", "ALICE")])));
    assert!(hit(&set, &event(&[("User", "bobby")])));
    assert!(!hit(&set, &event(&[("User", "carol")])));
    let (kind, detail) = rejected(body, None);
    assert_eq!(kind, RejectKind::UnresolvedPlaceholder);
    assert!(detail.contains("%Admins%"), "{detail}");
    let (kind, _) = rejected(
        "    sel:\n        User|expand: 'x%Other%'\n    condition: sel\n",
        Some(&ph),
    );
    assert_eq!(kind, RejectKind::UnresolvedPlaceholder);
    let contains = rule_with(
        "    sel:\n        Cmd|contains|expand: '\\%Admins%\\'\n    condition: sel\n",
        Some(&ph),
    );
    assert!(hit(&contains, &event(&[("Cmd", "c:\\users\\alice\\x")])));
}

#[test]
fn fieldref() {
    let set = rule("    sel:\n        TargetUser|fieldref: SubjectUser\n    condition: sel\n");
    assert!(hit(
        &set,
        &event(&[("SubjectUser", "Bob"), ("TargetUser", "bob")])
    ));
    assert!(!hit(
        &set,
        &event(&[("SubjectUser", "bob"), ("TargetUser", "alice")])
    ));
    assert!(!hit(&set, &event(&[("TargetUser", "bob")])));
    let neq = rule("    sel:\n        TargetUser|fieldref|neq: SubjectUser\n    condition: sel\n");
    assert!(hit(
        &neq,
        &event(&[("SubjectUser", "bob"), ("TargetUser", "alice")])
    ));
    assert!(!hit(
        &neq,
        &event(&[("SubjectUser", "bob"), ("TargetUser", "BOB")])
    ));
    let sw = rule("    sel:\n        Path|fieldref|startswith: Dir\n    condition: sel\n");
    assert!(hit(
        &sw,
        &event(&[("Dir", "C:\\Temp"), ("Path", "c:\\temp\\x.exe")])
    ));
}

#[test]
fn time_modifiers() {
    let ev = event(&[("UtcTime", "2024-12-30 23:45:10.123")]);
    for (m, v, want) in [
        ("minute", "45", true),
        ("hour", "23", true),
        ("day", "30", true),
        ("week", "1", true),
        ("month", "12", true),
        ("year", "2024", true),
        ("hour", "22", false),
    ] {
        let set = rule(&format!(
            "    sel:\n        UtcTime|{m}: {v}\n    condition: sel\n"
        ));
        assert_eq!(hit(&set, &ev), want, "{m} {v}");
    }
    let night = rule("    sel:\n        UtcTime|hour|gte: 22\n    condition: sel\n");
    assert!(hit(&night, &ev));
    assert!(!hit(&night, &event(&[("UtcTime", "2024-12-30T08:00:00Z")])));
    assert!(!hit(&night, &event(&[("UtcTime", "not a date")])));
}

#[test]
fn same_field_twice_with_different_modifiers() {
    let set = rule("    sel:\n        Image|startswith: 'C:\\Users\\'\n        Image|endswith: '.exe'\n        Image|contains: '\\AppData\\'\n    condition: sel\n");
    assert!(hit(
        &set,
        &event(&[("Image", "C:\\Users\\x\\AppData\\a.exe")])
    ));
    assert!(!hit(&set, &event(&[("Image", "C:\\Users\\x\\a.exe")])));
}

#[test]
fn invalid_modifiers_are_rejected() {
    for (m, want) in [
        ("bogus", RejectKind::Modifier),
        ("re|contains", RejectKind::Modifier),
        ("i", RejectKind::Modifier),
    ] {
        let (kind, detail) = rejected(
            &format!("    sel:\n        F|{m}: x\n    condition: sel\n"),
            None,
        );
        assert_eq!(kind, want, "{m}: {detail}");
    }
    let (kind, _) = rejected(
        "    sel:\n        F|base64: 'a*b'\n    condition: sel\n",
        None,
    );
    assert_eq!(kind, RejectKind::Value);
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// Independent Base64 (standard alphabet, padded) for building test inputs.
fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = String::new();
    for b in data {
        bits.push_str(&format!("{b:08b}"));
    }
    while bits.len() % 6 != 0 {
        bits.push('0');
    }
    let mut out: String = bits
        .as_bytes()
        .chunks(6)
        .map(|c| A[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()] as char)
        .collect();
    while out.len() % 4 != 0 {
        out.push('=');
    }
    out
}
