//! The prefilter's gate atoms (numbers, regex prefixes, non-ASCII text)
//! change speed, never results: each rule answers the same with and
//! without the prefilter on values chosen to sit at their edges.

mod common;
use common::*;
use outflow_event::{Event, Value};
use outflow_sigma::RuleSet;

fn same(set: &RuleSet, ev: &Event) -> bool {
    let plain = set.clone().without_prefilter();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    set.matches(ev, &mut Default::default(), &mut a);
    plain.matches(ev, &mut Default::default(), &mut b);
    assert_eq!(a, b, "the prefilter changed the result");
    !a.is_empty()
}

#[test]
fn number_atoms_match_every_form_of_the_number() {
    let set = rule(
        "    sel:\n        EventID: 4634\n        Image|endswith: '.exe'\n    condition: sel\n",
    );
    assert!(set.has_prefilter());
    let base = || event(&[("Image", "C:\\a.exe")]);
    for v in [Value::Int(4634), Value::Float(4634.0)] {
        assert!(same(&set, &with(base(), "EventID", v)));
    }
    for s in ["4634", " 4634 ", "04634", "4634.0", "4.634e3", "+4634"] {
        let mut ev = base();
        ev.push_str(std::sync::Arc::from("EventID"), s);
        assert!(same(&set, &ev), "{s}");
    }
    assert!(!same(&set, &with(base(), "EventID", Value::Int(4635))));
    assert!(!same(&set, &event(&[("Image", "C:\\a.exe")])));
}

#[test]
fn regex_prefix_atoms() {
    let set = rule(
        "    sel:\n        CommandLine|re: '(?i)(iex|invoke-expression)\\s'\n    condition: sel\n",
    );
    assert!(same(&set, &event(&[("CommandLine", "powershell IEX (x)")])));
    assert!(same(
        &set,
        &event(&[("CommandLine", "Invoke-Expression\tx")])
    ));
    assert!(!same(
        &set,
        &event(&[("CommandLine", "invoke-expressionx")])
    ));
}

#[test]
fn non_ascii_atoms() {
    // Cyrillic needles are compared with the lowercased text.
    let set = rule("    sel:\n        CommandLine|contains:\n            - 'а'\n            - 'е'\n            - 'о'\n    condition: sel\n");
    assert!(same(&set, &event(&[("CommandLine", "cmd /c ЕCHO")])));
    assert!(same(&set, &event(&[("CommandLine", "pоwershell")])));
    assert!(!same(&set, &event(&[("CommandLine", "powershell echo")])));
    let emoji = rule("    sel:\n        CommandLine|contains: '😀'\n    condition: sel\n");
    assert!(same(&emoji, &event(&[("CommandLine", "x😀y")])));
    assert!(!same(&emoji, &event(&[("CommandLine", "xy")])));
}

#[test]
fn keyword_atoms_stay_inside_one_field() {
    let set = rule(
        "    keywords:\n        - 'Sekurlsa::'\n        - 'lsadump::'\n    condition: keywords\n",
    );
    assert!(set.has_prefilter());
    let ev = event(&[("Image", "C:\\m.exe"), ("CommandLine", "x SEKURLSA::logon")]);
    assert!(same(&set, &ev));
    let ev = with_list(event(&[("Image", "a")]), "Args", &["b", "LsaDump::sam"]);
    assert!(same(&set, &ev));
    // Split over two fields: no match, as without the prefilter.
    assert!(!same(
        &set,
        &event(&[("A", "x sekurlsa"), ("B", "::logon")])
    ));
    assert!(!same(&set, &event(&[("A", "lsadump:"), ("B", ":")])));
}

#[test]
fn anchored_atoms_answer_items() {
    let set = rule(concat!(
        "    sel:\n",
        "        Image|endswith: ['\\cmd.exe', '.EXE']\n",
        "        OriginalFileName: ['Cmd.Exe', 'cmd']\n",
        "        CommandLine|startswith: ['cmd /c', 'cmd']\n",
        "    filter:\n",
        "        CommandLine|contains|all: ['whoami', '/all']\n",
        "        ParentImage|endswith: '\\explorer.exe'\n",
        "    condition: sel and not filter\n",
    ));
    let ev = |img: &str, ofn: &str, cmd: &str, parent: &str| {
        event(&[
            ("Image", img),
            ("OriginalFileName", ofn),
            ("CommandLine", cmd),
            ("ParentImage", parent),
        ])
    };
    assert!(same(
        &set,
        &ev("C:\\W\\CMD.EXE", "cmd", "CMD /C whoami", "x")
    ));
    assert!(same(&set, &ev("a.exe", "CMD.EXE", "cmd", "x")));
    assert!(!same(&set, &ev("a.exe", "cmd.exe ", "cmd", "x")));
    assert!(!same(&set, &ev("a.exe", "cmd.ex", "cmd", "x")));
    assert!(!same(&set, &ev("a.exe", "cmd", " cmd", "x")));
    assert!(!same(&set, &ev("a.ex", "cmd", "cmd", "x")));
    assert!(same(
        &set,
        &ev("a.exe", "cmd", "cmd /all", "C:\\explorer.exe")
    ));
    assert!(!same(
        &set,
        &ev("a.exe", "cmd", "cmd whoami /all", "C:\\Explorer.EXE")
    ));
    // Numbers are matched by their text.
    let num = rule("    sel:\n        ProcessId|endswith: '42'\n    condition: sel\n");
    assert!(same(&num, &with(event(&[]), "ProcessId", Value::Int(1042))));
    assert!(!same(
        &num,
        &with(event(&[]), "ProcessId", Value::Int(1043))
    ));
}

#[test]
fn rules_read_the_first_field_of_a_name() {
    let set = rule("    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel\n");
    assert!(!same(
        &set,
        &event(&[("Image", "C:\\a.exe"), ("Image", "C:\\cmd.exe")])
    ));
    assert!(same(
        &set,
        &event(&[("Image", "C:\\cmd.exe"), ("Image", "C:\\a.exe")])
    ));
    let list = with_list(event(&[]), "Image", &["a", "C:\\CMD.exe"]);
    assert!(same(&set, &list));
}
