//! Sigma correlation rules (meta-rules over rule matches).
//!
//! Loading: a `correlation:` document is parsed ([`rule`]) and, once every
//! file is read, its `rules` are resolved by `id` or `name` to detection
//! rules or to other correlations ([`resolve`]). Unknown, ambiguous or
//! cyclic references, unknown types, bad timespans, conditions and aliases
//! reject the document with a precise reason in the `LoadReport`.
//!
//! Evaluation, by event time (never the wall clock), per correlation and per
//! group key (the `group-by` values, read through `aliases` for the rule
//! that matched):
//! - An event without a timestamp, or lacking a `group-by` field, does not
//!   take part: like a SIEM `stats ... by` it belongs to no group. Both are
//!   counted ([`CorrelationStats`]).
//! - Sliding windows: a condition with only lower bounds (`gt`, `gte`) on a
//!   count, distinct count, sum or number of referenced rules is checked as
//!   each match arrives, over the `timespan` ending at it; the alert time is
//!   that event's time.
//! - Closing windows: upper bounds, `eq`, `neq`, `value_avg` and
//!   `value_percentile` cannot be decided before the window is complete. The
//!   first match of a group opens a window of `timespan`; it is judged once a
//!   later match or the watermark passes its end, or at end of input. The
//!   alert time is that of the window's last match.
//! - `value_percentile`: the share, in percent of the window's events, of
//!   each value of `condition.field`; the window fires when some value's
//!   share meets the condition (`lte: 1` = values seen in at most 1% of the
//!   group's events), with those events as evidence.
//! - `temporal`: the condition counts distinct referenced rules in the
//!   window (default: all of them). `temporal_ordered` counts how many of the
//!   referenced rules, from the first, matched in the listed order (equal
//!   times count as ordered).
//! - Suppression: when a sliding window fires, the group restarts after the
//!   event that completed it (its matches are consumed), so the next alert
//!   needs a fresh set of matches; a closing window is consumed when judged.
//! - Late input: matches are kept sorted by time per group, so out-of-order
//!   events within the window are placed where they belong. A match older
//!   than its group's newest match minus `timespan`, older than the
//!   watermark minus `timespan`, or before the group's last firing, is
//!   dropped and counted.
//! - `generate`: rules referenced by a correlation do not alert on their own
//!   (the specification's default) unless a correlation referring to them
//!   says `generate: true`; they still feed the correlations. The same holds
//!   for correlations referenced by other correlations.
//! - Chains: a firing correlation is a match for the correlations over it,
//!   whose `group-by` fields are read from its group values first, then from
//!   the event being processed.
//!
//! Memory: groups are freed by the watermark; groups per correlation and
//! matches per group are capped ([`CorrelationLimits`]), and every hit of a
//! limit is counted. All state is serializable (`SigmaDetector::snapshot`,
//! `SigmaDetector::restore`).

pub(crate) mod aggregate;
pub(crate) mod alert;
pub(crate) mod condition;
pub(crate) mod resolve;
pub(crate) mod rule;
pub(crate) mod state;
pub(crate) mod subject;
pub(crate) mod timespan;
pub(crate) mod window;

pub use condition::{CmpOp, Condition};
pub use resolve::{Correlation, Mode, Target};
pub use rule::{Alias, CorrelationRule, CorrelationType};
pub use state::{CorrelationLimits, CorrelationStats};
pub use timespan::Timespan;
