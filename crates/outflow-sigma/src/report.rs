//! What loading a rule set did: every document loaded or rejected, and why.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Why a document was not loaded. The kind groups reasons for summaries;
/// the detail names the precise construct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectKind {
    /// The file could not be read.
    Io,
    /// The YAML did not parse.
    Yaml,
    /// A correlation document that is invalid: its type, rules (unknown,
    /// ambiguous or cyclic references), timespan, condition or aliases.
    Correlation,
    /// Legacy `| count() by ...` style aggregation or `near` in a condition.
    LegacyAggregation,
    /// A required key (`title`, `detection`, `condition`, ...) is missing or of the wrong type.
    Structure,
    /// The condition does not parse or names no selection.
    Condition,
    /// An unknown modifier, or modifiers that cannot be combined.
    Modifier,
    /// A value the modifiers cannot use (e.g. a non-number for `gt`).
    Value,
    /// An `expand` placeholder with no value in the placeholder map.
    UnresolvedPlaceholder,
    /// A regular expression the linear-time engine does not accept.
    Regex,
    /// A processing pipeline refused the rule (`rule_failure`, `detection_item_failure`).
    Pipeline,
}

impl RejectKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            RejectKind::Io => "io",
            RejectKind::Yaml => "yaml",
            RejectKind::Correlation => "correlation",
            RejectKind::LegacyAggregation => "legacy-aggregation",
            RejectKind::Structure => "structure",
            RejectKind::Condition => "condition",
            RejectKind::Modifier => "modifier",
            RejectKind::Value => "value",
            RejectKind::UnresolvedPlaceholder => "unresolved-placeholder",
            RejectKind::Regex => "regex",
            RejectKind::Pipeline => "pipeline",
        }
    }
}

/// A rejection: its kind and the construct that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub kind: RejectKind,
    pub detail: String,
}

impl Reject {
    pub fn new(kind: RejectKind, detail: impl Into<String>) -> Self {
        Reject {
            kind,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.detail)
    }
}

/// What a YAML document was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Rule,
    Filter,
    Correlation,
    /// Unreadable or unrecognised (file-level errors, documents of no known kind).
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Loaded,
    Rejected(Reject),
}

/// One document of one file.
#[derive(Clone, Debug)]
pub struct LoadEntry {
    pub file: PathBuf,
    /// 0-based index of the YAML document in its file.
    pub doc: usize,
    pub kind: DocKind,
    pub id: Option<String>,
    pub title: Option<String>,
    pub outcome: Outcome,
}

/// Everything a load did.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    pub entries: Vec<LoadEntry>,
    /// Problems that did not reject anything (e.g. a filter naming an unknown rule).
    pub warnings: Vec<String>,
    /// Loaded rules using each modifier (a rule counts once per modifier).
    pub modifier_counts: BTreeMap<String, usize>,
    /// Loaded rules per logsource, as `product/category/service`.
    pub logsource_counts: BTreeMap<String, usize>,
}

impl LoadReport {
    pub fn loaded(&self) -> impl Iterator<Item = &LoadEntry> {
        self.entries.iter().filter(|e| e.outcome == Outcome::Loaded)
    }

    /// Rejected entries with their reason.
    pub fn rejected(&self) -> impl Iterator<Item = (&LoadEntry, &Reject)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            Outcome::Rejected(r) => Some((e, r)),
            Outcome::Loaded => None,
        })
    }

    pub fn loaded_rules(&self) -> usize {
        self.loaded().filter(|e| e.kind == DocKind::Rule).count()
    }

    pub fn loaded_correlations(&self) -> usize {
        self.loaded()
            .filter(|e| e.kind == DocKind::Correlation)
            .count()
    }

    pub fn rejected_by_kind(&self) -> BTreeMap<RejectKind, usize> {
        let mut out = BTreeMap::new();
        for (_, r) in self.rejected() {
            *out.entry(r.kind).or_insert(0) += 1;
        }
        out
    }

    pub(crate) fn push(&mut self, entry: LoadEntry) {
        self.entries.push(entry);
    }
}

impl fmt::Display for LoadReport {
    /// A short summary: counts, then one line per rejection.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filters = self.loaded().filter(|e| e.kind == DocKind::Filter).count();
        writeln!(
            f,
            "sigma: {} rules and {} filters loaded, {} rejected",
            self.loaded_rules(),
            filters,
            self.rejected().count()
        )?;
        let correlations = self.loaded_correlations();
        if correlations > 0 {
            writeln!(f, "  correlation rules loaded: {correlations}")?;
        }
        for (kind, n) in self.rejected_by_kind() {
            writeln!(f, "  rejected {}: {n}", kind.as_str())?;
        }
        for (e, r) in self.rejected() {
            writeln!(
                f,
                "  {}#{} [{}] {r}",
                e.file.display(),
                e.doc,
                e.id.as_deref().or(e.title.as_deref()).unwrap_or("-")
            )?;
        }
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}
