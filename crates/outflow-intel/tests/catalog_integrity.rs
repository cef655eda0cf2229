//! The built-in data as a whole: sizes, valid vocabulary, sources.

use outflow_intel::{Category, Intel, Technique, ToolCategory};
use std::collections::HashMap;

#[test]
fn catalog_has_several_hundred_valid_entries() {
    let intel = Intel::builtin().expect("built-in data loads");
    let entries = intel.services.entries();
    assert!(entries.len() >= 300, "{} entries", entries.len());
    let mut per_category: HashMap<&str, usize> = HashMap::new();
    for e in entries {
        assert!(Category::ALL.contains(&e.category), "{}", e.id);
        assert!(Technique::ALL.contains(&e.technique), "{}", e.id);
        assert!(!e.source.trim().is_empty(), "{} has no source", e.id);
        assert!(
            !e.domains.is_empty() || !e.upload_endpoints.is_empty(),
            "{}",
            e.id
        );
        *per_category.entry(e.category.as_str()).or_default() += 1;
    }
    for c in Category::ALL {
        assert!(
            per_category.contains_key(c.as_str()),
            "no entry in {}",
            c.as_str()
        );
    }
    let patterns: usize = entries
        .iter()
        .map(|e| e.domains.len() + e.upload_endpoints.len())
        .sum();
    eprintln!(
        "{} services, {patterns} patterns: {per_category:?}",
        entries.len()
    );
}

#[test]
fn every_pattern_matches_its_own_entry_or_a_more_specific_one() {
    let intel = Intel::builtin().expect("built-in data loads");
    for e in intel.services.entries() {
        for p in e.domains.iter().chain(&e.upload_endpoints) {
            // Turn the pattern into a concrete host and path.
            let (host, path) = match p.find('/') {
                Some(at) => (&p[..at], Some(p[at..].replace('*', "x1"))),
                None => (p.as_str(), None),
            };
            let host = host.replace('*', "x1");
            let m = intel.services.lookup(&host, path.as_deref());
            assert!(
                m.is_some(),
                "{}: pattern {p} ({host} {path:?}) matches nothing",
                e.id
            );
        }
    }
}

#[test]
fn no_pattern_belongs_to_two_entries() {
    let intel = Intel::builtin().expect("built-in data loads");
    let mut owner: HashMap<String, &str> = HashMap::new();
    for e in intel.services.entries() {
        let mut mine: Vec<String> = e
            .domains
            .iter()
            .chain(&e.upload_endpoints)
            .map(|p| p.to_ascii_lowercase())
            .collect();
        mine.sort();
        mine.dedup();
        for p in mine {
            if let Some(other) = owner.insert(p.clone(), &e.id) {
                panic!("{p} is in {other} and {}", e.id);
            }
        }
    }
}

#[test]
fn tool_catalog_is_valid() {
    let intel = Intel::builtin().expect("built-in data loads");
    let tools = intel.tools.tools();
    assert!(tools.len() >= 50, "{} tools", tools.len());
    for c in ToolCategory::ALL {
        assert!(
            tools.iter().any(|t| t.category == *c),
            "no tool in {}",
            c.as_str()
        );
    }
    assert!(
        intel.tools.lolbins().len() >= 100,
        "{} lolbins",
        intel.tools.lolbins().len()
    );
}
