//! The mapping machinery: rule selection, taxonomy aliases, entity
//! conversion and user overrides, on hand-made events.

use outflow_event::{Event, Origin, Position, SourceKind, Value};
use outflow_normalize::{Mappings, Normalizer};
use std::sync::Arc;

fn event(kind: SourceKind, fields: &[(&str, &str)]) -> Event {
    let mut ev = Event::new(
        kind,
        Origin {
            file: Arc::from("t"),
            position: Position::Line(1),
        },
        "",
    );
    for (k, v) in fields {
        ev.push_str(Arc::from(*k), v);
    }
    ev
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const USER_JSON: &str = r#"
name: json
sources: [json]
select: [kind, id]
rules:
  - when: {kind: proc, id: [1, 2]}
    logsource: [{product: demo, category: process_creation}]
    fields: {Image: [exe, path]}
    entity: {image: [exe, path], pid: pid, dst_ip: ip, dst_port: port, bytes_out: sent}
  - when: {kind: proc}
    logsource: [{product: demo}]
  - when: {}
    logsource: [{product: other}]
"#;

#[test]
fn selection_prefers_the_most_specific_rule_and_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "json.yml", USER_JSON);
    let m = Arc::new(Mappings::load(Some(dir.path())).unwrap());
    let mut n = Normalizer::new(m);

    let mut ev = event(
        SourceKind::Json,
        &[
            ("kind", "PROC"),
            ("id", "2"),
            ("path", "/usr/bin/curl"),
            ("pid", "0x1f"),
            ("ip", "[2001:db8::1]"),
            ("port", "443"),
            ("sent", "5000000"),
        ],
    );
    n.normalize(&mut ev);
    assert_eq!(
        ev.logsources[0].category.as_deref(),
        Some("process_creation")
    );
    assert_eq!(ev.get_str("Image"), Some("/usr/bin/curl"));
    assert_eq!(ev.entity.pid, Some(31));
    assert_eq!(ev.entity.dst_ip, "2001:db8::1".parse().ok());
    assert_eq!(ev.entity.dst_port, Some(443));
    assert_eq!(ev.entity.bytes_out, Some(5_000_000));

    let mut ev = event(SourceKind::Json, &[("kind", "proc"), ("id", "9")]);
    n.normalize(&mut ev);
    assert_eq!(ev.logsources[0].product.as_deref(), Some("demo"));
    assert_eq!(ev.logsources[0].category, None);

    let mut ev = event(SourceKind::Json, &[("kind", "net")]);
    n.normalize(&mut ev);
    assert_eq!(ev.logsources[0].product.as_deref(), Some("other"));
}

#[test]
fn aliases_never_overwrite_a_source_field_and_bad_values_fall_through() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "json.yml", USER_JSON);
    let mut n = Normalizer::new(Arc::new(Mappings::load(Some(dir.path())).unwrap()));
    let mut ev = event(
        SourceKind::Json,
        &[
            ("kind", "proc"),
            ("id", "1"),
            ("Image", "keep"),
            ("exe", "-"),
            ("path", "/bin/sh"),
            ("pid", "abc"),
        ],
    );
    n.normalize(&mut ev);
    assert_eq!(ev.get_str("Image"), Some("keep"));
    // `-` is an empty value: the next candidate field is used.
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::Image).as_deref(),
        Some("/bin/sh")
    );
    assert_eq!(ev.entity.pid, None);
}

#[test]
fn a_user_file_replaces_the_builtin_of_the_same_name_only() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mine.yml", USER_JSON);
    let m = Mappings::load(Some(dir.path())).unwrap();
    let names: Vec<_> = m.loaded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "json").count(), 1);
    assert!(names.contains(&"zeek") && names.contains(&"windows"));
    assert!(m.loaded[0].1.ends_with("mine.yml"));
}

#[test]
fn invalid_files_are_reported_with_their_name_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.yml",
        "name: x\nsources: [nope]\nrules: []\n",
    );
    let err = Mappings::load(Some(dir.path())).unwrap_err().to_string();
    assert!(
        err.contains("bad.yml") && err.contains("unknown input format 'nope'"),
        "{err}"
    );

    write(
        dir.path(),
        "bad.yml",
        "name: x\nsources: [json]\nselect: [a]\nrules:\n  - when: {b: 1}\n",
    );
    let err = Mappings::load(Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains("`when` key b is not in `select`"), "{err}");

    write(
        dir.path(),
        "bad.yml",
        "name: x\nsources: [json]\nrules:\n  - entity: {hostname: h}\n",
    );
    let err = Mappings::load(Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains("unknown entity slot hostname"), "{err}");

    write(
        dir.path(),
        "bad.yml",
        "name: x\nsources: [json]\nrulez: []\n",
    );
    assert!(Mappings::load(Some(dir.path())).is_err());
}

#[test]
fn every_builtin_file_loads_and_list_values_match_by_element() {
    let m = Arc::new(Mappings::builtin().unwrap());
    assert!(m.loaded.len() >= 8);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "json.yml", "name: json\nsources: [json]\nrules:\n  - when: {type: EXECVE}\n    logsource: [{product: linux}]\n");
    let mut n = Normalizer::new(Arc::new(Mappings::load(Some(dir.path())).unwrap()));
    let mut ev = event(SourceKind::Json, &[]);
    let a = ev.intern("SYSCALL");
    let b = ev.intern("EXECVE");
    ev.push(
        Arc::from("type"),
        Value::List(vec![Value::Str(a), Value::Str(b)]),
    );
    n.normalize(&mut ev);
    assert_eq!(ev.logsources[0].product.as_deref(), Some("linux"));
}
