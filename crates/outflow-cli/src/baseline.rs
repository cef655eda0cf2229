//! Baselines between runs: `outflow baseline` learns them from a period of
//! data into a store; `hunt --baseline FILE` loads them before the hunt and
//! saves them after. The stateful analytics run as in a hunt (the engine is
//! shared with the pipeline's consumer, so its state can be read after the
//! run); `baseline` writes no alerts.

use crate::analytics::{context, engine};
use crate::args::BaselineArgs;
use crate::hunt::bound;
use crate::output::prepare;
use crate::progress::Bar;
use crate::report::{add_missing, print_summary, text_summary, Rejects};
use crate::Failure;
use outflow_analytics::engine::HOST_ADDRESSES;
use outflow_analytics::AnalyticsEngine;
use outflow_detect::{Analytic, AnalyticSet, Finding};
use outflow_event::{Event, Timestamp};
use outflow_pipeline::{HuntConsumer, ReorderBuffer, TimeRange};
use outflow_sources::Flow;
use outflow_store::BaselineStore;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first-seen and rare analytics, whose state is hosts and (host, key) items.
const NOVELTY: [&str; 3] = ["first-seen-process", "new-destination", "rare-destination"];

/// Events held at most by the reorder buffer (as in `hunt`).
const REORDER_MAX_EVENTS: usize = 200_000;

/// The analytics engine, shared between the pipeline (which owns the
/// analytics it runs) and the command (which saves its state afterwards).
#[derive(Clone)]
pub struct SharedEngine(Arc<Mutex<AnalyticsEngine>>);

impl SharedEngine {
    pub fn new(engine: AnalyticsEngine) -> Self {
        SharedEngine(Arc::new(Mutex::new(engine)))
    }

    /// The engine (a panic elsewhere cannot leave it half-updated in a way
    /// that matters more than losing the run, so a poisoned lock is taken).
    pub fn lock(&self) -> MutexGuard<'_, AnalyticsEngine> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Analytic for SharedEngine {
    fn name(&self) -> &str {
        "analytics"
    }
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>) {
        self.lock().process(event, out);
    }
    fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Finding>) {
        self.lock().advance(watermark, out);
    }
    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.lock().finish(out);
    }
    fn snapshot(&self) -> serde_json::Value {
        self.lock().snapshot()
    }
    fn state_len(&self) -> usize {
        self.lock().state_len()
    }
}

fn store_failure(e: outflow_store::StoreError) -> Failure {
    Failure::Usage(format!("baseline store: {e}"))
}

/// Loads the baselines saved in `path` (if the file exists) into `engine`.
/// Returns what was loaded, for the summary.
pub fn load(engine: &mut AnalyticsEngine, path: &Path) -> Result<String, Failure> {
    let Some(store) = BaselineStore::open_existing(path).map_err(store_failure)? else {
        return Ok(format!("baseline: {} (new)", path.display()));
    };
    let parts = store.load().map_err(store_failure)?;
    let n = parts
        .iter()
        .filter(|p| p.analytic != HOST_ADDRESSES)
        .count();
    let parts = parts.into_iter().map(|p| (p.analytic, p.state)).collect();
    let skipped = engine
        .restore_parts(parts)
        .map_err(|e| Failure::Usage(format!("baseline store {}: {e}", path.display())))?;
    let mut line = format!(
        "baseline: {} ({} analytics loaded)",
        path.display(),
        n - skipped.len()
    );
    if !skipped.is_empty() {
        line.push_str(&format!(
            "; kept unused (analytics not running): {}",
            skipped.join(", ")
        ));
    }
    Ok(line)
}

/// Saves `engine`'s baselines into `path`.
pub fn save(engine: &AnalyticsEngine, path: &Path) -> Result<(), Failure> {
    let mut store = BaselineStore::open(path).map_err(store_failure)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0);
    store
        .save(
            &engine.snapshot_parts(),
            engine.event_range(),
            env!("CARGO_PKG_VERSION"),
            &Timestamp(now - now % 1_000_000_000).to_string(),
        )
        .map_err(store_failure)
}

/// What a baseline holds, one line per analytic: for the first-seen and
/// rare analytics hosts, distinct keys (programs or destinations) and
/// pairs; for `geo-logon` users and countries; for the others how much
/// state they keep (their windows and per-host figures).
pub fn describe(engine: &AnalyticsEngine) -> Vec<String> {
    let lens: std::collections::BTreeMap<String, usize> = engine.state_lens().into_iter().collect();
    let mut lines = Vec::new();
    if let Some((a, b)) = engine.event_range() {
        let days = ((b - a) as f64 / 86_400e6).max(0.0);
        lines.push(format!(
            "learnt from events {} to {} ({days:.1} days)",
            Timestamp(a * 1_000),
            Timestamp(b * 1_000)
        ));
    }
    for (name, state) in engine.snapshot_parts() {
        if name == HOST_ADDRESSES {
            let n = state.as_array().map_or(0, Vec::len);
            lines.push(format!("host addresses: {n}"));
            continue;
        }
        if name == "geo-logon" {
            let users = state["users"].as_object();
            let countries: BTreeSet<&str> = users
                .into_iter()
                .flat_map(|u| u.values())
                .filter_map(|u| u["countries"].as_array())
                .flatten()
                .filter_map(|c| c[0].as_str())
                .collect();
            lines.push(format!(
                "{name}: {} users, {} countries",
                users.map_or(0, |u| u.len()),
                countries.len()
            ));
            continue;
        }
        if !NOVELTY.contains(&name.as_str()) {
            let n = lens.get(&name).copied().unwrap_or(0);
            lines.push(format!("{name}: {n} state entries"));
            continue;
        }
        let hosts = state["hosts"].as_array().map_or(0, Vec::len);
        let items = state["items"].as_array();
        let pairs = items.map_or(0, Vec::len);
        // Items are [host, key] for first-seen-process and new-destination,
        // [host, destination] for rare-destination.
        let keys: BTreeSet<&str> = items
            .into_iter()
            .flatten()
            .filter_map(|r| r[0][1].as_str())
            .collect();
        let what = if name == "first-seen-process" {
            "programs"
        } else {
            "destinations"
        };
        lines.push(format!(
            "{name}: {hosts} hosts, {} {what}, {pairs} host pairs",
            keys.len()
        ));
    }
    lines
}

pub fn run(args: BaselineArgs) -> Result<(), Failure> {
    let (mut cfg, missing) = prepare(&args.read, false)?;
    cfg.range = TimeRange {
        from: bound("--from", &args.from)?,
        to: bound("--to", &args.to)?,
    };
    // Baselines are learnt in event-time order, files interleaved as it happened.
    cfg.merge_by_time = true;
    cfg.projection = Some(Arc::new(crate::analytics::AnalyticsProjection));
    let ctx = context(
        args.policy.as_deref(),
        args.analytics_config.as_deref(),
        args.geoip.as_deref(),
        None,
    )?;
    let mut eng = engine(&ctx)?;
    if eng.is_empty() {
        return Err(Failure::Usage(
            "every stateful analytic is disabled: nothing to learn".into(),
        ));
    }
    let loaded = load(&mut eng, &args.store)?;
    let shared = SharedEngine::new(eng);
    let bar = Bar::new(args.read.quiet);
    let rejects = RefCell::new(Rejects::new(&args.read)?);
    let mut consumer = HuntConsumer::new(
        AnalyticSet::new(vec![Box::new(shared.clone())]),
        ReorderBuffer::new(Duration::from_secs(args.max_lateness), REORDER_MAX_EVENTS),
        // Learning only: findings are not written.
        Box::new(|_| Flow::Continue),
        Box::new(|r| rejects.borrow_mut().report(r, &bar)),
        Box::new(|p| bar.update(p)),
    );
    let mut summary = outflow_pipeline::run(&cfg, &mut consumer);
    consumer.finish();
    drop(consumer);
    bar.finish();
    add_missing(&mut summary, &missing);
    let hidden = rejects.borrow_mut().finish();
    let eng = shared.lock();
    save(&eng, &args.store)?;
    let mut extra = vec![loaded];
    extra.extend(describe(&eng));
    extra.push(format!("saved to {}", args.store.display()));
    let mut json = serde_json::to_value(&summary).unwrap_or_default();
    json["baseline"] = serde_json::json!({
        "store": args.store.display().to_string(),
        "learnt": describe(&eng),
    });
    let text = text_summary(&summary, hidden, &extra);
    // The learnt summary is the command's output: print it even with -q.
    if args.read.quiet {
        for l in &extra {
            println!("{l}");
        }
    }
    print_summary(&args.read, &json, &text, true)?;
    crate::output::strict_outcome(cfg.strict, &summary)
}
