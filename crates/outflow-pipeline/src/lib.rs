//! The pipeline: inputs are read on several threads (one file per thread at
//! a time), each event is normalized on the thread that read it, and events
//! reach the consumer in batches — in input order when asked (for printing),
//! or as they come (for hunting). Every reject reaches the consumer too.

mod hunt;
mod lanes;
pub mod merge;
mod reorder;
mod run;
mod stage;
mod staggered;
mod summary;
mod worker;

pub use hunt::{Annotated, FindingStage, HuntConsumer, HuntStats};
pub use lanes::MergeLimits;
pub use reorder::{ReorderBuffer, Timed};
pub use run::{run, Consumer, Progress, RunConfig};
pub use stage::{
    Batch, EventMatcher, EventProjector, MatchCorrelator, MatcherFactory, ProjectorFactory,
    TimeRange,
};
pub use summary::{FileSummary, Summary, Totals};
