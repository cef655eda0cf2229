//! `outflow hunt`: read inputs and run the detections.

use crate::analytics::{context, engine, notes, AnalyticsFactory, BUILTIN_NOTE};
use crate::args::{HuntArgs, OutFormat};
use crate::matcher::{SigmaCorrelator, SigmaFactory, SigmaPlan};
use crate::output::{check_written, open_output, prepare, resolve_format, strict_outcome};
use crate::progress::Bar;
use crate::report::{add_missing, print_summary, text_summary, Rejects};
use crate::rules::{load, load_lines, load_options};
use crate::select::RuleFilter;
use crate::Failure;
use outflow_detect::AnalyticSet;
use outflow_event::{time::parse_iso8601, Timestamp};
use outflow_pipeline::{HuntConsumer, HuntStats, ReorderBuffer, TimeRange};
use outflow_sinks::{alert_writer, AlertFormat};
use outflow_sources::Flow;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

/// Events held at most by the reorder buffer (bounds its memory).
const REORDER_MAX_EVENTS: usize = 200_000;

fn bound(name: &str, v: &Option<String>) -> Result<Option<Timestamp>, Failure> {
    match v {
        None => Ok(None),
        Some(s) => parse_iso8601(s.trim()).map(Some).ok_or_else(|| {
            Failure::Usage(format!(
                "{name} '{s}': expected an RFC 3339 time, e.g. 2026-11-20T08:00:00Z"
            ))
        }),
    }
}

/// Loads, reports and compiles the Sigma rules of `--rules`; `None` without it.
fn sigma_plan(args: &HuntArgs, bar: &Bar) -> Result<Option<SigmaPlan>, Failure> {
    let filter = RuleFilter::parse(&args.select)?;
    if args.rules.is_empty() {
        if !filter.is_all() {
            return Err(Failure::Usage(
                "--level, --status, --tags and --logsource select among --rules; none given".into(),
            ));
        }
        return Ok(None);
    }
    let opts = load_options(&args.rule_opts)?;
    let (set, report) = load(&args.rules, &opts)?;
    if args.strict_rules && report.rejected().count() > 0 {
        for line in load_lines(&report, report.loaded_rules(), &args.rules) {
            eprintln!("outflow: {line}");
        }
        return Err(Failure::Usage(
            "some rule documents could not be loaded (--strict-rules)".into(),
        ));
    }
    let plan = SigmaPlan::build(set, &report, &filter, &opts);
    if !args.read.quiet {
        for line in load_lines(&report, plan.selected(), &args.rules) {
            bar.println(&format!("outflow: {line}"));
        }
    }
    if plan.selected() == 0 {
        bar.println("outflow: warning: no Sigma rule selected: nothing will be detected");
    }
    Ok(Some(plan))
}

fn detection_line(stats: &HuntStats, sigma: Option<usize>) -> String {
    match sigma {
        Some(n) => format!("detectors: sigma ({n} rules, on the reader threads)"),
        None => {
            let mut names = vec!["upload-tooling".to_string()];
            names.extend(stats.detectors.iter().cloned());
            format!("detectors: {} ({BUILTIN_NOTE})", names.join(", "))
        }
    }
}

fn alerts_line(stats: &HuntStats) -> String {
    let levels: Vec<String> = ["critical", "high", "medium", "low", "informational"]
        .iter()
        .filter_map(|l| stats.alerts_by_level.get(*l).map(|n| format!("{l} {n}")))
        .collect();
    if levels.is_empty() {
        format!("alerts: {}", stats.alerts)
    } else {
        format!(
            "alerts: {} ({}) from {} rules",
            stats.alerts,
            levels.join(", "),
            stats.alerts_by_rule.len()
        )
    }
}

pub fn run(args: HuntArgs) -> Result<(), Failure> {
    let format = resolve_format(args.format, args.output.is_some());
    let range = TimeRange {
        from: bound("--from", &args.from)?,
        to: bound("--to", &args.to)?,
    };
    let (mut cfg, missing) = prepare(&args.read, false)?;
    let bar = Bar::new(args.read.quiet);
    let plan = sigma_plan(&args, &bar)?;
    let sigma_rules = plan.as_ref().map(SigmaPlan::selected);
    cfg.range = range;
    let correlator = plan.as_ref().and_then(SigmaCorrelator::for_plan);
    let mut analytics = AnalyticSet::default();
    let mut left_out = Vec::new();
    cfg.matchers = match plan {
        Some(p) => Some(Arc::new(SigmaFactory(Arc::new(p))) as _),
        // Without --rules, the built-in analytics run.
        None => {
            let ctx = context(
                args.policy.as_deref(),
                args.analytics_config.as_deref(),
                args.geoip.as_deref(),
                args.intel_list.as_deref(),
            )?;
            let engine = engine(&ctx)?;
            left_out = notes(&ctx);
            if !engine.is_empty() {
                analytics.push(Box::new(engine));
            }
            Some(Arc::new(AnalyticsFactory::builtin(&ctx)) as _)
        }
    };
    let rejects = RefCell::new(Rejects::new(&args.read)?);
    let out = open_output(args.output.as_deref())?;
    let mut writer = match format {
        OutFormat::None => None,
        OutFormat::Jsonl => Some(alert_writer(AlertFormat::Jsonl, out)),
        OutFormat::Csv => Some(alert_writer(AlertFormat::Csv, out)),
        OutFormat::Table => Some(alert_writer(AlertFormat::Table, out)),
    };
    let write_error = RefCell::new(None);
    let mut consumer = HuntConsumer::new(
        analytics,
        ReorderBuffer::new(Duration::from_secs(args.max_lateness), REORDER_MAX_EVENTS),
        Box::new(|a| match writer.as_mut().map(|w| w.write(a)) {
            None | Some(Ok(())) => Flow::Continue,
            Some(Err(e)) => {
                *write_error.borrow_mut() = Some(e);
                Flow::Stop
            }
        }),
        Box::new(|r| rejects.borrow_mut().report(r, &bar)),
        Box::new(|p| bar.update(p)),
    );
    if let Some(c) = correlator {
        consumer = consumer.with_correlator(Box::new(c));
    }
    let mut summary = outflow_pipeline::run(&cfg, &mut consumer);
    consumer.finish();
    let stats = consumer.stats.clone();
    drop(consumer);
    bar.finish();
    add_missing(&mut summary, &missing);
    let hidden = rejects.borrow_mut().finish();
    let finish_err = writer.as_mut().and_then(|w| w.finish().err());
    check_written(
        write_error.into_inner().or(finish_err),
        "alerts",
        &mut summary,
    )?;
    let mut extra = vec![detection_line(&stats, sigma_rules)];
    extra.extend(left_out.iter().cloned());
    extra.push(alerts_line(&stats));
    if summary.totals.out_of_range > 0 {
        extra.push(format!(
            "events outside --from/--to (skipped): {}",
            summary.totals.out_of_range
        ));
    }
    extra.push(format!(
        "events behind the reorder window: {}",
        stats.late_events
    ));
    let mut json = serde_json::to_value(&summary).unwrap_or_default();
    json["hunt"] = serde_json::to_value(&stats).unwrap_or_default();
    if !left_out.is_empty() {
        json["hunt"]["analytics_not_run"] = serde_json::to_value(&left_out).unwrap_or_default();
    }
    let text = text_summary(&summary, hidden, &extra);
    let stdout_free = format == OutFormat::None || args.output.is_some();
    print_summary(&args.read, &json, &text, stdout_free)?;
    strict_outcome(cfg.strict, &summary)
}
