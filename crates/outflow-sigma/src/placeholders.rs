//! Values for `|expand` placeholders (`%name%`), given by the caller.

use rustc_hash::FxHashMap;
use std::path::Path;
use yaml_serde::Value as Yaml;

/// Placeholder name (without `%`) → values. A YAML file maps each name to a
/// list of values (or a single value).
#[derive(Clone, Debug, Default)]
pub struct Placeholders {
    values: FxHashMap<String, Vec<String>>,
}

impl Placeholders {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, values: Vec<String>) {
        self.values.insert(name.into(), values);
    }

    /// Values of a placeholder; names are compared exactly, as pySigma does.
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.values.get(name).map(Vec::as_slice)
    }

    pub fn from_yaml_str(text: &str) -> Result<Self, String> {
        let doc: Yaml = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
        let map = match doc {
            Yaml::Mapping(m) => m,
            Yaml::Null => return Ok(Self::default()),
            _ => return Err("placeholder file must be a mapping name: [values]".into()),
        };
        let mut out = Self::default();
        for (k, v) in map {
            let name = scalar_text(&k).ok_or("placeholder names must be scalars")?;
            let name = name.trim_matches('%').to_string();
            let values = match v {
                Yaml::Sequence(items) => items
                    .iter()
                    .map(|i| scalar_text(i).ok_or(format!("placeholder {name}: non-scalar value")))
                    .collect::<Result<Vec<_>, _>>()?,
                other => {
                    vec![scalar_text(&other)
                        .ok_or(format!("placeholder {name}: non-scalar value"))?]
                }
            };
            out.values.insert(name, values);
        }
        Ok(out)
    }

    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_yaml_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Text of a YAML scalar (string, number, bool).
pub(crate) fn scalar_text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Names of the `%name%` placeholders in a value, in order.
pub(crate) fn placeholder_names(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        match after.find('%') {
            Some(end) if end > 0 && !after[..end].contains(char::is_whitespace) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            Some(end) => rest = &after[end..],
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_and_names() {
        let p = Placeholders::from_yaml_str("Admins: [a, b]\n'%single%': x\n").unwrap();
        assert_eq!(p.get("Admins").unwrap(), ["a", "b"]);
        assert_eq!(p.get("single").unwrap(), ["x"]);
        assert_eq!(placeholder_names("pre%a%mid%b-c%"), vec!["a", "b-c"]);
        assert!(placeholder_names("100% sure").is_empty());
    }
}
