//! Incident settings: the built-in `data/incidents.yml`, overridden key by
//! key from a user file.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

/// The built-in settings, documented key by key.
pub const BUILTIN: &str = include_str!("../data/incidents.yml");

const SECOND: i64 = 1_000_000_000;

/// How alerts are grouped into incidents (see `data/incidents.yml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub window: u64,
    pub threshold: u32,
    pub critical: u8,
    pub agreement: usize,
    pub agreement_min_risk: u8,
    #[serde(default)]
    pub repeat: u32,
    #[serde(default)]
    pub repeat_min_risk: u8,
    pub join_gap: u64,
    pub max_span: u64,
    pub lateness: u64,
    pub linked_lookback: u64,
    pub linked_cap: usize,
    pub chain_cap: usize,
    pub entity_cap: usize,
    #[serde(default)]
    pub shared_users: Vec<String>,
    #[serde(default)]
    pub host_aliases: BTreeMap<String, String>,
}

impl Settings {
    /// The configured host aliases whose key is an address, as addresses.
    pub fn aliases_by_ip(&self) -> impl Iterator<Item = (IpAddr, &str)> {
        self.host_aliases
            .iter()
            .filter_map(|(ip, host)| Some((ip.trim().parse().ok()?, host.as_str())))
    }

    /// The built-in settings.
    pub fn builtin() -> Settings {
        match Self::parse(BUILTIN, None) {
            Ok(s) => s,
            // The data file is part of the build and tested.
            Err(e) => unreachable!("data/incidents.yml: {e}"),
        }
    }

    /// The built-in settings with the keys of `text` (a YAML mapping) over them.
    pub fn parse(text: &str, over: Option<&str>) -> Result<Settings, String> {
        let mut base: yaml_serde::Value =
            yaml_serde::from_str(text).map_err(|e| format!("built-in settings: {e}"))?;
        if let Some(over) = over {
            let user: yaml_serde::Value = yaml_serde::from_str(over).map_err(|e| e.to_string())?;
            match (&mut base, user) {
                (_, yaml_serde::Value::Null) => {}
                (yaml_serde::Value::Mapping(b), yaml_serde::Value::Mapping(u)) => {
                    for (k, v) in u {
                        b.insert(k, v);
                    }
                }
                _ => return Err("expected a mapping of settings (key: value)".into()),
            }
        }
        let s: Settings = yaml_serde::from_value(base).map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    /// The built-in settings overridden by the file at `path`.
    pub fn load(path: &Path) -> Result<Settings, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("incident settings {}: {e}", path.display()))?;
        Self::parse(BUILTIN, Some(&text))
            .map_err(|e| format!("incident settings {}: {e}", path.display()))
    }

    fn check(&self) -> Result<(), String> {
        if self.window == 0 || self.join_gap == 0 || self.max_span == 0 {
            return Err("window, join_gap and max_span must be above 0".into());
        }
        if self.threshold == 0 || self.agreement < 2 {
            return Err("threshold must be above 0 and agreement at least 2".into());
        }
        if self.chain_cap == 0 || self.entity_cap == 0 {
            return Err("chain_cap and entity_cap must be above 0".into());
        }
        Ok(())
    }

    pub(crate) fn window_ns(&self) -> i64 {
        secs(self.window)
    }
    pub(crate) fn join_gap_ns(&self) -> i64 {
        secs(self.join_gap)
    }
    pub(crate) fn max_span_ns(&self) -> i64 {
        secs(self.max_span)
    }
    pub(crate) fn lateness_ns(&self) -> i64 {
        secs(self.lateness)
    }
    pub(crate) fn linked_lookback_ns(&self) -> i64 {
        secs(self.linked_lookback)
    }
}

fn secs(s: u64) -> i64 {
    i64::try_from(s)
        .unwrap_or(i64::MAX / SECOND)
        .saturating_mul(SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_settings_parse() {
        let s = Settings::builtin();
        assert_eq!(s.window, 86_400);
        assert_eq!(s.threshold, 12);
        assert_eq!(s.critical, 9);
    }

    #[test]
    fn a_user_file_overrides_single_keys_and_unknown_keys_are_errors() {
        let s = Settings::parse(BUILTIN, Some("threshold: 20\n")).unwrap();
        assert_eq!(s.threshold, 20);
        assert_eq!(s.critical, 9);
        let e = Settings::parse(BUILTIN, Some("treshold: 20\n")).unwrap_err();
        assert!(e.contains("treshold"), "{e}");
        assert!(Settings::parse(BUILTIN, Some("agreement: 1\n")).is_err());
    }
}
