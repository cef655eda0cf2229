//! Rule files: directory walking, YAML documents and `action:` collections.
//!
//! In a multi-document file, `action: global` sets a document merged into
//! every following one, `action: reset` drops it, and `action: repeat`
//! takes the previous document and merges itself over it.

use crate::report::{Reject, RejectKind};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use yaml_serde::Value as Yaml;

/// Every `.yml`/`.yaml` file under the given paths, sorted per directory.
/// Paths that cannot be listed are returned as errors.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        walk(p, &mut out);
    }
    out
}

fn walk(p: &Path, out: &mut Vec<Result<PathBuf, (PathBuf, String)>>) {
    if p.is_file() {
        out.push(Ok(p.to_path_buf()));
        return;
    }
    let entries = match std::fs::read_dir(p) {
        Ok(e) => e,
        Err(e) => {
            out.push(Err((p.to_path_buf(), e.to_string())));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for c in children {
        if c.is_dir() {
            walk(&c, out);
        } else if c
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
        {
            out.push(Ok(c));
        }
    }
}

/// The effective documents of one file, with their index in the file.
/// A YAML syntax error rejects the whole file (index 0).
pub fn documents(text: &str) -> Vec<(usize, Result<Yaml, Reject>)> {
    let mut raw = Vec::new();
    for de in yaml_serde::Deserializer::from_str(text) {
        match Yaml::deserialize(de) {
            Ok(v) => raw.push(v),
            Err(e) => return vec![(raw.len(), Err(Reject::new(RejectKind::Yaml, e.to_string())))],
        }
    }
    let mut out = Vec::new();
    let mut global: Option<Yaml> = None;
    let mut prev: Option<Yaml> = None;
    for (i, mut doc) in raw.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let action = match &mut doc {
            Yaml::Mapping(m) => m.remove("action"),
            _ => {
                out.push((
                    i,
                    Err(Reject::new(
                        RejectKind::Structure,
                        "document is not a mapping",
                    )),
                ));
                continue;
            }
        };
        let action = action
            .as_ref()
            .map(|a| a.as_str().unwrap_or("?").to_string());
        match action.as_deref() {
            Some("global") => global = Some(doc),
            Some("reset") => global = None,
            Some("repeat") => match &prev {
                Some(p) => {
                    let merged = merge(p, &doc);
                    prev = Some(merged.clone());
                    out.push((i, Ok(merged)));
                }
                None => out.push((
                    i,
                    Err(Reject::new(
                        RejectKind::Structure,
                        "action: repeat with no previous document",
                    )),
                )),
            },
            None => {
                let merged = match &global {
                    Some(g) => merge(g, &doc),
                    None => doc,
                };
                prev = Some(merged.clone());
                out.push((i, Ok(merged)));
            }
            Some(other) => out.push((
                i,
                Err(Reject::new(
                    RejectKind::Structure,
                    format!("unknown action '{other}'"),
                )),
            )),
        }
    }
    out
}

/// `over` merged onto `base`: mappings merge key by key, recursively;
/// anything else in `over` replaces what `base` has.
pub fn merge(base: &Yaml, over: &Yaml) -> Yaml {
    match (base, over) {
        (Yaml::Mapping(b), Yaml::Mapping(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let merged = match out.get(k) {
                    Some(existing) => merge(existing, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Yaml::Mapping(out)
        }
        (_, o) => o.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_reset_repeat() {
        let text = "action: global\ntitle: T\nlogsource: {product: windows}\n---\ndetection: {a: 1}\n---\nlogsource: {category: x}\n---\naction: repeat\nid: r\n---\naction: reset\n---\ntitle: U\n";
        let docs: Vec<Yaml> = documents(text)
            .into_iter()
            .map(|(_, d)| d.unwrap())
            .collect();
        assert_eq!(docs.len(), 4);
        assert_eq!(docs[0]["title"].as_str(), Some("T"));
        assert_eq!(docs[1]["logsource"]["product"].as_str(), Some("windows"));
        assert_eq!(docs[1]["logsource"]["category"].as_str(), Some("x"));
        assert_eq!(docs[2]["id"].as_str(), Some("r"));
        assert_eq!(docs[2]["logsource"]["category"].as_str(), Some("x"));
        assert!(docs[3].get("logsource").is_none());
    }

    #[test]
    fn yaml_error_rejects_file() {
        let d = documents("title: [unclosed\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1.as_ref().unwrap_err().kind, RejectKind::Yaml);
    }
}
