//! Analytic settings as data: `data/analytics.yml` ships with the binary; a
//! user file of the same shape overrides it key by key (`hunt
//! --analytics-config FILE`). Each analytic reads its own section into its
//! own typed struct, so a misspelt key or a wrong type is an error naming
//! the file and the analytic.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

const BUILTIN: &str = include_str!("../data/analytics.yml");

/// Every analytic's section, merged from the built-in file and the user's.
#[derive(Clone, Debug, Default)]
pub struct AnalyticsConfig {
    sections: BTreeMap<String, yaml_serde::Value>,
    /// Where each section's last override came from (for error messages).
    origin: BTreeMap<String, String>,
}

/// What every analytic section has besides its thresholds.
#[derive(Clone, Debug, Deserialize)]
pub struct AnalyticMeta {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub title: String,
    /// ATT&CK technique ids the analytic reports when the destination does
    /// not imply a more precise one.
    #[serde(default)]
    pub attack: Vec<String>,
    /// D3FEND technique ids of the countermeasure it implements.
    #[serde(default)]
    pub d3fend: Vec<String>,
    /// Risk of an alert (0–10) unless the analytic computes it.
    #[serde(default = "five")]
    pub risk: u8,
}

fn yes() -> bool {
    true
}

fn five() -> u8 {
    5
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: analytic '{analytic}': {message}")]
    Section {
        file: String,
        analytic: String,
        message: String,
    },
    #[error("analytic '{0}' has no section in the analytics configuration")]
    Missing(String),
}

#[derive(Deserialize)]
struct FileShape {
    #[serde(default)]
    analytics: BTreeMap<String, yaml_serde::Value>,
}

impl AnalyticsConfig {
    /// The built-in settings.
    pub fn builtin() -> Result<AnalyticsConfig, ConfigError> {
        let mut c = AnalyticsConfig::default();
        c.merge("built-in analytics.yml", BUILTIN)?;
        Ok(c)
    }

    /// The built-in settings with the user's file (if any) over them.
    pub fn load(user: Option<&Path>) -> Result<AnalyticsConfig, ConfigError> {
        let mut c = AnalyticsConfig::builtin()?;
        if let Some(p) = user {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Io {
                file: file.clone(),
                source,
            })?;
            c.merge(&file, &text)?;
        }
        Ok(c)
    }

    /// Overrides with `text`: per analytic, the keys it gives replace the
    /// current ones (maps merge recursively; lists and scalars replace).
    pub fn merge(&mut self, origin: &str, text: &str) -> Result<(), ConfigError> {
        let shape: FileShape = yaml_serde::from_str(text).map_err(|e| ConfigError::Parse {
            file: origin.to_string(),
            message: e.to_string(),
        })?;
        for (name, value) in shape.analytics {
            match self.sections.get_mut(&name) {
                Some(cur) => merge_value(cur, value),
                None => {
                    self.sections.insert(name.clone(), value);
                }
            }
            self.origin.insert(name, origin.to_string());
        }
        Ok(())
    }

    /// Names of the configured analytics.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sections.keys().map(|s| s.as_str())
    }

    /// The analytic's thresholds as `T`: its section without the keys every
    /// analytic shares (`enabled`, `title`, `attack`, `d3fend`, read by
    /// [`AnalyticsConfig::meta`]), so `T` holds only its own settings and may
    /// deny unknown keys. `risk` stays: some analytics grade it.
    pub fn section<T: DeserializeOwned>(&self, analytic: &str) -> Result<T, ConfigError> {
        let mut v = self.raw(analytic)?.clone();
        if let yaml_serde::Value::Mapping(m) = &mut v {
            for k in ["enabled", "title", "attack", "d3fend"] {
                m.remove(k);
            }
        }
        self.decode(analytic, v)
    }

    /// The analytic's title, tags, risk and whether it is enabled.
    pub fn meta(&self, analytic: &str) -> Result<AnalyticMeta, ConfigError> {
        let v = self.raw(analytic)?.clone();
        self.decode(analytic, v)
    }

    fn raw(&self, analytic: &str) -> Result<&yaml_serde::Value, ConfigError> {
        self.sections
            .get(analytic)
            .ok_or_else(|| ConfigError::Missing(analytic.to_string()))
    }

    fn decode<T: DeserializeOwned>(
        &self,
        analytic: &str,
        v: yaml_serde::Value,
    ) -> Result<T, ConfigError> {
        yaml_serde::from_value(v).map_err(|e| ConfigError::Section {
            file: self.origin.get(analytic).cloned().unwrap_or_default(),
            analytic: analytic.to_string(),
            message: e.to_string(),
        })
    }
}

fn merge_value(cur: &mut yaml_serde::Value, new: yaml_serde::Value) {
    match (cur, new) {
        (yaml_serde::Value::Mapping(c), yaml_serde::Value::Mapping(n)) => {
            for (k, v) in n {
                match c.get_mut(&k) {
                    Some(slot) => merge_value(slot, v),
                    None => {
                        c.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An analytic's own settings: the shared keys are not its business.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        limit: u64,
    }

    #[test]
    fn user_keys_override_builtin_ones() {
        let mut c = AnalyticsConfig::default();
        c.merge(
            "a",
            "analytics:\n  x:\n    enabled: true\n    title: X\n    attack: [T1567]\n    limit: 5\n",
        )
        .unwrap();
        c.merge("b", "analytics:\n  x:\n    limit: 7\n").unwrap();
        let t: T = c.section("x").unwrap();
        assert_eq!(t.limit, 7);
        assert_eq!(c.meta("x").unwrap().title, "X");
        c.merge("b", "analytics:\n  x:\n    limt: 7\n").unwrap();
        let err = c.section::<T>("x").err().unwrap().to_string();
        assert!(
            err.contains("b: analytic 'x'") && err.contains("limt"),
            "{err}"
        );
    }

    #[test]
    fn builtin_parses() {
        let c = AnalyticsConfig::builtin().unwrap();
        for name in c.names() {
            c.meta(name).unwrap();
        }
    }
}
