//! The baseline store: round trip, widening event ranges, and clear errors
//! for damaged, foreign and locked files.

use outflow_store::{BaselineStore, StoreError};
use serde_json::json;

#[test]
fn states_round_trip_by_analytic_with_their_event_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.db");
    let mut s = BaselineStore::open(&path).unwrap();
    assert!(s.load().unwrap().is_empty());
    let parts = vec![
        (
            "new-destination".to_string(),
            json!({"version": 1, "hosts": [[["h"], 1, 2]]}),
        ),
        ("first-seen-process".to_string(), json!(null)),
    ];
    s.save(&parts, Some((100, 200)), "0.1.0", "2026-11-23T00:00:00Z")
        .unwrap();
    drop(s);
    let mut s = BaselineStore::open(&path).unwrap();
    s.save(
        &parts[..1],
        Some((50, 150)),
        "0.1.0",
        "2026-11-23T01:00:00Z",
    )
    .unwrap();
    let loaded = s.load().unwrap();
    assert_eq!(loaded.len(), 2);
    let nd = loaded
        .iter()
        .find(|p| p.analytic == "new-destination")
        .unwrap();
    assert_eq!(nd.state, parts[0].1);
    assert_eq!(
        (nd.info.first_event, nd.info.last_event),
        (Some(50), Some(200))
    );
    assert_eq!(nd.info.updated_at, "2026-11-23T01:00:00Z");
    let fs = loaded
        .iter()
        .find(|p| p.analytic == "first-seen-process")
        .unwrap();
    assert_eq!(
        (fs.info.first_event, fs.info.last_event),
        (Some(100), Some(200))
    );
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.db");
    std::fs::write(
        &path,
        b"this is not sqlite, just some text that is long enough ".repeat(100),
    )
    .unwrap();
    let err = BaselineStore::open(&path).err().expect("must fail");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("baseline.db"), "{err}");
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    drop(c);
    let err = BaselineStore::open(&path).err().expect("must fail");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
}

#[test]
fn a_locked_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.db");
    drop(BaselineStore::open(&path).unwrap());
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    let started = std::time::Instant::now();
    let err = match BaselineStore::open(&path) {
        Err(e) => e,
        Ok(mut s) => s
            .save(&[("x".into(), json!(1))], None, "0", "now")
            .expect_err("must fail while locked"),
    };
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(started.elapsed().as_secs() >= 4);
}
