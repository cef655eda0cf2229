//! Which loaded Sigma rules take part: `--level`, `--status`, `--tags`,
//! `--logsource`, checked against a rule's metadata.

use crate::args::RuleSelectArgs;
use crate::Failure;
use outflow_sigma::RuleMeta;

const LEVELS: [&str; 5] = ["informational", "low", "medium", "high", "critical"];

/// Rank of a level; a missing or unknown level ranks as informational.
pub fn level_rank(level: Option<&str>) -> usize {
    level
        .and_then(|l| LEVELS.iter().position(|x| x.eq_ignore_ascii_case(l.trim())))
        .unwrap_or(0)
}

/// A parsed selection; the default keeps every rule.
#[derive(Clone, Debug, Default)]
pub struct RuleFilter {
    min_level: usize,
    statuses: Vec<String>,
    tags: Vec<String>,
    /// product, category, service; `None` matches anything.
    logsource: Option<[Option<String>; 3]>,
}

fn lower_list(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

impl RuleFilter {
    pub fn parse(a: &RuleSelectArgs) -> Result<Self, Failure> {
        let min_level = match &a.level {
            None => 0,
            Some(l) => LEVELS
                .iter()
                .position(|x| x.eq_ignore_ascii_case(l.trim()))
                .ok_or_else(|| {
                    Failure::Usage(format!("unknown --level '{l}' ({})", LEVELS.join(", ")))
                })?,
        };
        let logsource = match &a.logsource {
            None => None,
            Some(s) => {
                let parts: Vec<&str> = s.split('/').collect();
                if parts.len() > 3 {
                    return Err(Failure::Usage(format!(
                        "--logsource '{s}': expected product/category/service"
                    )));
                }
                let part = |i: usize| {
                    parts
                        .get(i)
                        .map(|p| p.trim().to_ascii_lowercase())
                        .filter(|p| !p.is_empty() && p != "-" && p != "*")
                };
                Some([part(0), part(1), part(2)])
            }
        };
        Ok(RuleFilter {
            min_level,
            statuses: lower_list(&a.status),
            tags: lower_list(&a.tags),
            logsource,
        })
    }

    /// True when every rule passes.
    pub fn is_all(&self) -> bool {
        self.min_level == 0
            && self.statuses.is_empty()
            && self.tags.is_empty()
            && self.logsource.is_none()
    }

    pub fn admits(&self, m: &RuleMeta) -> bool {
        if level_rank(m.level.as_deref()) < self.min_level {
            return false;
        }
        if !self.statuses.is_empty() {
            let status = m
                .status
                .as_deref()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if !self.statuses.contains(&status) {
                return false;
            }
        }
        if !self.tags.is_empty() {
            let hit = m.tags.iter().any(|t| {
                let t = t.trim().to_ascii_lowercase();
                self.tags.iter().any(|want| {
                    t == *want
                        || t.strip_prefix(want.as_str())
                            .is_some_and(|r| r.starts_with('.'))
                })
            });
            if !hit {
                return false;
            }
        }
        if let Some(want) = &self.logsource {
            let have = [
                &m.logsource.product,
                &m.logsource.category,
                &m.logsource.service,
            ];
            if want
                .iter()
                .zip(have)
                .any(|(w, h)| w.is_some() && w.as_ref() != h.as_ref())
            {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(level: &str, status: &str, tags: &[&str]) -> RuleMeta {
        RuleMeta {
            level: Some(level.into()),
            status: Some(status.into()),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            logsource: outflow_sigma::RuleLogSource {
                product: Some("windows".into()),
                category: Some("process_creation".into()),
                service: None,
            },
            ..RuleMeta::default()
        }
    }

    #[test]
    fn filters() {
        let args = RuleSelectArgs {
            level: Some("High".into()),
            status: vec!["test".into(), "stable".into()],
            tags: vec!["attack.t1567".into()],
            logsource: Some("windows/process_creation".into()),
        };
        let f = RuleFilter::parse(&args).map_err(|_| ()).unwrap();
        assert!(f.admits(&meta("critical", "test", &["attack.t1567.002"])));
        assert!(!f.admits(&meta("medium", "test", &["attack.t1567.002"])));
        assert!(!f.admits(&meta("high", "experimental", &["attack.t1567"])));
        assert!(!f.admits(&meta("high", "stable", &["attack.t15670"])));
        let any = RuleFilter::parse(&RuleSelectArgs {
            logsource: Some("-/proxy".into()),
            ..Default::default()
        })
        .map_err(|_| ())
        .unwrap();
        assert!(!any.admits(&meta("low", "test", &[])));
        assert!(RuleFilter::default().is_all());
    }
}
