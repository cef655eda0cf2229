//! Detection structure and condition semantics.

mod common;
use common::*;
use outflow_event::{LogSource, Value};
use outflow_sigma::{RejectKind, RuleSet};
use std::sync::Arc;

#[test]
fn maps_and_lists_of_values_and_maps() {
    let set = rule("    sel:\n        - Image|endswith: '\\a.exe'\n          User: bob\n        - Image|endswith: '\\b.exe'\n    condition: sel\n");
    assert!(hit(
        &set,
        &event(&[("Image", "c:\\a.exe"), ("User", "BOB")])
    ));
    assert!(!hit(
        &set,
        &event(&[("Image", "c:\\a.exe"), ("User", "eve")])
    ));
    assert!(hit(&set, &event(&[("Image", "c:\\b.exe")])));
    let list = rule("    sel:\n        Image|endswith:\n            - '\\a.exe'\n            - '\\b.exe'\n    condition: sel\n");
    assert!(hit(&list, &event(&[("Image", "c:\\B.EXE")])));
    assert!(!hit(&list, &event(&[("Image", "c:\\c.exe")])));
}

#[test]
fn numbers_and_strings_compare_both_ways() {
    let num = rule("    sel:\n        EventID: 1\n    condition: sel\n");
    assert!(hit(&num, &event(&[("EventID", "1")])));
    assert!(hit(&num, &with(event(&[]), "EventID", Value::Int(1))));
    assert!(!hit(&num, &event(&[("EventID", "11")])));
    let text = rule("    sel:\n        EventID: '4688'\n    condition: sel\n");
    assert!(hit(&text, &with(event(&[]), "EventID", Value::Int(4688))));
    let list = rule(
        "    sel:\n        EventID:\n            - 4624\n            - 4625\n    condition: sel\n",
    );
    assert!(hit(&list, &event(&[("EventID", "4625")])));
    let b = rule("    sel:\n        Enabled: true\n    condition: sel\n");
    assert!(hit(&b, &with(event(&[]), "Enabled", Value::Bool(true))));
    assert!(hit(&b, &event(&[("Enabled", "True")])));
    assert!(!hit(&b, &event(&[("Enabled", "false")])));
}

#[test]
fn null_and_empty_string() {
    let null = rule("    sel:\n        Description: null\n    condition: sel\n");
    assert!(hit(&null, &event(&[])));
    assert!(hit(&null, &with(event(&[]), "Description", Value::Null)));
    assert!(!hit(&null, &event(&[("Description", "")])));
    let empty = rule("    sel:\n        Description: ''\n    condition: sel\n");
    assert!(hit(&empty, &event(&[("Description", "")])));
    assert!(!hit(&empty, &event(&[])));
    assert!(!hit(&empty, &event(&[("Description", "x")])));
}

#[test]
fn keywords_search_every_string_field() {
    let set = rule(
        "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa::'\n    condition: keywords\n",
    );
    assert!(hit(
        &set,
        &event(&[("A", "x"), ("B", "run SEKURLSA::logonpasswords")])
    ));
    assert!(hit(
        &set,
        &with_list(event(&[]), "Args", &["a", "Mimikatz.exe"])
    ));
    assert!(!hit(&set, &event(&[("A", "mimi katz")])));
    let single = rule("    keywords: 'rm -rf'\n    condition: keywords\n");
    assert!(hit(&single, &event(&[("msg", "sudo rm -rf /")])));
    let all = rule("    keywords:\n        '|all':\n            - 'curl'\n            - 'POST'\n    condition: keywords\n");
    assert!(hit(&all, &event(&[("a", "curl -X"), ("b", "post")])));
    assert!(!hit(&all, &event(&[("a", "curl -X GET")])));
}

#[test]
fn list_fields_match_any_element() {
    let set = rule("    sel:\n        Hashes|contains: 'SHA256=ABC'\n    condition: sel\n");
    assert!(hit(
        &set,
        &with_list(event(&[]), "Hashes", &["MD5=1", "SHA256=abc123"])
    ));
    assert!(!hit(&set, &with_list(event(&[]), "Hashes", &["MD5=abc"])));
}

const CONDS: &str = "    selection_a:\n        A: 'x'\n    selection_b:\n        B: 'x'\n    filter_c:\n        C: 'x'\n";

fn cond(c: &str) -> RuleSet {
    rule(&format!("{CONDS}    condition: {c}\n"))
}

fn abc(a: bool, b: bool, c: bool) -> outflow_event::Event {
    let f = |on: bool| if on { "x" } else { "y" };
    event(&[("A", f(a)), ("B", f(b)), ("C", f(c))])
}

#[test]
fn condition_forms_truth_tables() {
    type Truth = fn(bool, bool, bool) -> bool;
    let cases: Vec<(&str, Truth)> = vec![
        ("selection_a and selection_b", |a, b, _| a && b),
        ("selection_a or selection_b and filter_c", |a, b, c| {
            a || (b && c)
        }),
        (
            "(selection_a or selection_b) and not filter_c",
            |a, b, c| (a || b) && !c,
        ),
        ("not selection_a", |a, _, _| !a),
        ("1 of selection_*", |a, b, _| a || b),
        ("any of selection_*", |a, b, _| a || b),
        ("all of selection_*", |a, b, _| a && b),
        ("1 of them", |a, b, c| a || b || c),
        ("all of them", |a, b, c| a && b && c),
        ("all of selection_* and not 1 of filter_*", |a, b, c| {
            a && b && !c
        }),
        ("2 of them", |a, b, c| (a as u8 + b as u8 + c as u8) >= 2),
        (
            "not (selection_a and selection_b) or filter_c",
            |a, b, c| !(a && b) || c,
        ),
    ];
    for (c, truth) in cases {
        let set = cond(c);
        for bits in 0..8u8 {
            let (a, b, cc) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
            assert_eq!(
                hit(&set, &abc(a, b, cc)),
                truth(a, b, cc),
                "{c} with {a} {b} {cc}"
            );
        }
    }
}

#[test]
fn condition_list_is_or_and_them_skips_underscore() {
    let set = rule(&format!(
        "{CONDS}    condition:\n        - selection_a\n        - filter_c\n"
    ));
    assert!(hit(&set, &abc(false, false, true)));
    assert!(!hit(&set, &abc(false, true, false)));
    let hidden =
        rule("    sel:\n        A: x\n    _helper:\n        B: x\n    condition: all of them\n");
    assert!(hit(&hidden, &abc(true, false, false)));
}

#[test]
fn condition_errors_are_precise() {
    let (k, d) = rejected(
        &format!("{CONDS}    condition: selection_a and nope\n"),
        None,
    );
    assert_eq!(k, RejectKind::Condition);
    assert!(d.contains("nope"), "{d}");
    let (k, d) = rejected(&format!("{CONDS}    condition: 1 of zzz_*\n"), None);
    assert_eq!(k, RejectKind::Condition);
    assert!(d.contains("zzz_*"), "{d}");
    let (k, _) = rejected(
        &format!("{CONDS}    condition: selection_a | count() by B > 5\n"),
        None,
    );
    assert_eq!(k, RejectKind::LegacyAggregation);
    let (k, _) = rejected("    sel:\n        A: x\n", None);
    assert_eq!(k, RejectKind::Structure);
}

#[test]
fn logsource_routing() {
    let set = rule("    sel:\n        A: x\n    condition: sel\n");
    let mut ev = event(&[("A", "x")]);
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from("linux")),
        category: Some(Arc::from("process_creation")),
        service: None,
    }]);
    assert!(!hit(&set, &ev));
    // Any of the event's logsources may satisfy the rule; case does not matter.
    ev.logsources = Arc::from(vec![
        LogSource {
            product: Some(Arc::from("zeek")),
            ..Default::default()
        },
        LogSource {
            product: Some(Arc::from("Windows")),
            category: Some(Arc::from("process_creation")),
            service: Some(Arc::from("sysmon")),
        },
    ]);
    assert!(hit(&set, &ev));
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from("windows")),
        ..Default::default()
    }]);
    assert!(!hit(&set, &ev), "the rule names a category the event lacks");
}

#[test]
fn required_literals_are_exposed() {
    let set = rule("    sel:\n        Image|endswith: '\\rclone.exe'\n        CommandLine|contains: ' copy '\n    filter:\n        User: x\n    condition: sel and not filter\n");
    let lits = set.rules()[0].required_literals.clone().expect("literals");
    assert_eq!(lits, vec!["\\rclone.exe".to_string()]);
    let set = rule("    a:\n        Image|endswith: '\\A.exe'\n    b:\n        CommandLine|contains: 'Upload'\n    condition: a or b\n");
    assert_eq!(
        set.rules()[0].required_literals.clone().unwrap(),
        vec!["\\a.exe", "upload"]
    );
    let set = rule("    a:\n        EventID: 1\n    condition: a\n");
    assert_eq!(set.rules()[0].required_literals, None);
}
