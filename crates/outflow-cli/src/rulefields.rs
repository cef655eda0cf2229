//! The event fields a rule's detection names, for the key fields of its
//! alerts. The engine does not expose them, so the rule files are read
//! again here (YAML only, no compiling), following `action: global` and
//! `action: repeat` the way the engine merges documents.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use yaml_serde::Value as Yaml;

/// Field names referenced by each document of a file, by document index.
pub type DocFields = HashMap<usize, Vec<String>>;

/// Reads `file` and lists the fields each document's detection names
/// (modifiers stripped, in first-seen order, `condition`/`timeframe` left out).
pub fn detection_fields(file: &Path) -> DocFields {
    let mut out = DocFields::new();
    let Ok(text) = std::fs::read_to_string(file) else {
        return out;
    };
    let mut global: Vec<String> = Vec::new();
    let mut prev: Vec<String> = Vec::new();
    for (i, de) in yaml_serde::Deserializer::from_str(&text).enumerate() {
        let Ok(doc) = Yaml::deserialize(de) else {
            break;
        };
        let mut own = Vec::new();
        if let Some(det) = doc.get("detection") {
            collect(det, &mut own);
        }
        match doc.get("action").and_then(Yaml::as_str) {
            Some("global") => global = own,
            Some("reset") => global.clear(),
            Some("repeat") => {
                let mut merged = prev.clone();
                push_all(&mut merged, own);
                prev = merged.clone();
                out.insert(i, merged);
            }
            _ => {
                let mut merged = global.clone();
                push_all(&mut merged, own);
                prev = merged.clone();
                out.insert(i, merged);
            }
        }
    }
    out
}

fn push_all(into: &mut Vec<String>, from: Vec<String>) {
    for f in from {
        if !into.contains(&f) {
            into.push(f);
        }
    }
}

fn collect(det: &Yaml, out: &mut Vec<String>) {
    let Yaml::Mapping(m) = det else { return };
    for (k, v) in m {
        match k.as_str() {
            Some("condition") | Some("timeframe") | None => {}
            Some(_) => selection(v, out),
        }
    }
}

/// A selection: a map of `field|mods: values`, or a list of such maps
/// (lists of plain values are keywords and name no field).
fn selection(v: &Yaml, out: &mut Vec<String>) {
    match v {
        Yaml::Mapping(m) => {
            for k in m.keys() {
                if let Some(name) = k.as_str().and_then(|k| k.split('|').next()) {
                    let name = name.trim();
                    if !name.is_empty() && !out.iter().any(|f| f == name) {
                        out.push(name.to_string());
                    }
                }
            }
        }
        Yaml::Sequence(items) => items.iter().for_each(|i| selection(i, out)),
        _ => {}
    }
}

/// Caches [`detection_fields`] per file.
#[derive(Default)]
pub struct FieldCache {
    files: HashMap<PathBuf, DocFields>,
}

impl FieldCache {
    pub fn get(&mut self, file: &Path, doc: usize) -> Vec<String> {
        self.files
            .entry(file.to_path_buf())
            .or_insert_with(|| detection_fields(file))
            .get(&doc)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_documents() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.yml");
        std::fs::write(
            &p,
            "action: global\ntitle: t\ndetection:\n  sel:\n    Image|endswith: a.exe\n  condition: sel\n---\nlogsource: {category: x}\ndetection:\n  more:\n    - CommandLine|contains: x\n    - ParentImage: y\n  kw: [foo]\n---\naction: repeat\ndetection:\n  other: {User: z}\n",
        )
        .unwrap();
        let f = detection_fields(&p);
        assert_eq!(f[&1], ["Image", "CommandLine", "ParentImage"]);
        assert_eq!(f[&2], ["Image", "CommandLine", "ParentImage", "User"]);
        assert!(!f.contains_key(&0));
    }
}
