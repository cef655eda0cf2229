//! `outflow hunt`: read inputs and run the detections.

use crate::analytics::{
    context, engine, notes, AnalyticsFactory, AnalyticsProjection, BuiltinFactory, BUILTIN_NOTE,
};
use crate::args::{HuntArgs, OutFormat};
use crate::matcher::{SigmaCorrelator, SigmaFactory, SigmaPlan};
use crate::output::{check_written, open_output, prepare, resolve_format, strict_outcome};
use crate::progress::Bar;
use crate::report::{add_missing, print_summary, text_summary, Rejects};
use crate::rules::{load, load_lines, load_options};
use crate::select::RuleFilter;
use crate::Failure;
use outflow_analytics::allow::suppressed_by;
use outflow_correlate::{
    CorrelateStage, CorrelateStats, Correlator, IncidentFormat, IncidentWriter, Settings,
};
use outflow_detect::AnalyticSet;
use outflow_event::{time::parse_iso8601, Timestamp};
use outflow_pipeline::{HuntConsumer, HuntStats, ReorderBuffer, TimeRange};
use outflow_sigma::RuleSet;
use outflow_sinks::{alert_writer, AlertFormat, AlertWriter};
use outflow_sources::Flow;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

/// Events held at most by the reorder buffer (bounds its memory).
const REORDER_MAX_EVENTS: usize = 200_000;

pub(crate) fn bound(name: &str, v: &Option<String>) -> Result<Option<Timestamp>, Failure> {
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
        if args.no_rule_pack {
            if !filter.is_all() {
                return Err(Failure::Usage(
                    "--level, --status, --tags and --logsource select among --rules or the rule pack; --no-rule-pack leaves none".into(),
                ));
            }
            return Ok(None);
        }
        // The pack is tested to load whole (crates/outflow-rulepack).
        let (set, _) = RuleSet::from_texts(outflow_rulepack::RULES, None);
        return Ok(Some(SigmaPlan::from_set(set, &filter)));
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

fn detection_line(stats: &HuntStats, sigma: Option<usize>, builtin: bool) -> String {
    if !builtin {
        return format!(
            "detectors: sigma ({} rules, on the reader threads)",
            sigma.unwrap_or(0)
        );
    }
    let mut names = Vec::new();
    if let Some(n) = sigma {
        names.push(format!("rule pack ({n} rules)"));
    }
    names.push("upload-tooling".to_string());
    names.extend(stats.detectors.iter().cloned());
    format!("detectors: {} ({BUILTIN_NOTE})", names.join(", "))
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

fn incidents_line(s: &CorrelateStats) -> String {
    let mut line = format!(
        "incidents: {} (grouping {} of {} alerts)",
        s.incidents, s.grouped_alerts, s.alerts
    );
    if s.late_alerts > 0 {
        line.push_str(&format!(
            "; {} alerts came after their window closed (raise `lateness` with --incidents-config)",
            s.late_alerts
        ));
    }
    line
}

/// Where alerts or (with `--incidents`) incidents are written.
fn writers(
    format: OutFormat,
    incidents: bool,
    out: Box<dyn std::io::Write + Send>,
) -> (Option<Box<dyn AlertWriter>>, Option<IncidentWriter>) {
    let (alerts, grouped) = match format {
        OutFormat::None => return (None, None),
        OutFormat::Jsonl => (AlertFormat::Jsonl, IncidentFormat::Jsonl),
        OutFormat::Csv => (AlertFormat::Csv, IncidentFormat::Csv),
        OutFormat::Table => (AlertFormat::Table, IncidentFormat::Table),
    };
    if incidents {
        (None, Some(IncidentWriter::new(grouped, out)))
    } else {
        (Some(alert_writer(alerts, out)), None)
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
    // Stateful analytics and correlations need the files interleaved as it happened.
    cfg.merge_by_time = true;
    let correlator = plan.as_ref().and_then(SigmaCorrelator::for_plan);
    let mut analytics = AnalyticSet::default();
    let builtin = args.rules.is_empty();
    let mut baseline = None;
    if args.baseline.is_some() && !builtin {
        return Err(Failure::Usage(
            "--baseline keeps the built-in analytics' baselines; it does not apply with --rules"
                .into(),
        ));
    }
    let pack = plan.map(|p| SigmaFactory(Arc::new(p)));
    let ctx = context(
        args.policy.as_deref(),
        args.analytics_config.as_deref(),
        args.geoip.as_deref(),
        args.intel_list.as_deref(),
    )?;
    let settings = match &args.incidents_config {
        Some(p) => Settings::load(p).map_err(Failure::Usage)?,
        None => Settings::builtin(),
    };
    let mut left_out = Vec::new();
    cfg.matchers = if builtin {
        // Without --rules: the rule pack and the built-in analytics.
        let mut engine = engine(&ctx)?;
        left_out = notes(&ctx);
        let loaded = match &args.baseline {
            Some(path) => Some((path, crate::baseline::load(&mut engine, path)?)),
            None => None,
        };
        // Configured aliases name hosts in the alerts too; they come after
        // a baseline's learnt addresses, so the user's word wins.
        for (ip, host) in settings.aliases_by_ip() {
            engine.alias_host(ip, host);
        }
        if let Some((path, line)) = loaded {
            let shared = crate::baseline::SharedEngine::new(engine);
            analytics.push(Box::new(shared.clone()));
            baseline = Some((shared, path.clone(), line));
        } else if !engine.is_empty() {
            analytics.push(Box::new(engine));
        }
        Some(Arc::new(BuiltinFactory {
            pack,
            analytics: AnalyticsFactory::builtin(&ctx),
        }) as _)
    } else {
        pack.map(|p| Arc::new(p) as _)
    };
    let rejects = RefCell::new(Rejects::new(&args.read)?);
    let out = open_output(args.output.as_deref())?;
    let (mut writer, incident_writer) = writers(format, args.incidents, out);
    let incident_writer = RefCell::new(incident_writer);
    let write_error = RefCell::new(None);
    let correlated = RefCell::new(CorrelateStats::default());
    let mut consumer = HuntConsumer::new(
        analytics,
        ReorderBuffer::new(Duration::from_secs(args.max_lateness), REORDER_MAX_EVENTS),
        Box::new(|a| match writer.as_mut().map(|w| w.write(a)) {
            None | Some(Ok(())) if write_error.borrow().is_none() => Flow::Continue,
            None | Some(Ok(())) => Flow::Stop,
            Some(Err(e)) => {
                *write_error.borrow_mut() = Some(e);
                Flow::Stop
            }
        }),
        Box::new(|r| rejects.borrow_mut().report(r, &bar)),
        Box::new(|p| bar.update(p)),
    );
    // Alerts pass through the correlate stage: grouped ones carry their incident id.
    consumer.stage = Some(Box::new(
        CorrelateStage::new(
            Correlator::new(settings),
            Box::new(|i| {
                if let Some(w) = incident_writer.borrow_mut().as_mut() {
                    if let Err(e) = w.write(&i) {
                        write_error.borrow_mut().get_or_insert(e);
                    }
                }
            }),
        )
        .with_stats(&correlated),
    ));
    // No analytic keeps state over events: the reader threads keep only
    // those that raised an alert or matched a rule a correlation counts
    // (the others are counted where they were read), since a correlation
    // only ever looks at the events its rules matched.
    cfg.flagged_only = consumer.analytics.is_empty();
    // The analytics read a few fields of each network record: the reader
    // threads hand on only those.
    if !consumer.analytics.is_empty() {
        cfg.projection = Some(Arc::new(AnalyticsProjection));
    }
    if let Some(c) = correlator {
        consumer = consumer.with_correlator(Box::new(c));
    }
    if args.policy.is_some() {
        let policy = ctx.policy.clone();
        consumer.suppress = Some(Box::new(move |f| {
            suppressed_by(&policy, f).map(str::to_string)
        }));
    }
    let mut summary = outflow_pipeline::run(&cfg, &mut consumer);
    consumer.finish();
    let stats = consumer.stats.clone();
    drop(consumer);
    bar.finish();
    add_missing(&mut summary, &missing);
    let hidden = rejects.borrow_mut().finish();
    let finish_err = writer.as_mut().and_then(|w| w.finish().err()).or_else(|| {
        incident_writer
            .borrow_mut()
            .as_mut()
            .and_then(|w| w.finish().err())
    });
    check_written(
        write_error.into_inner().or(finish_err),
        if args.incidents {
            "incidents"
        } else {
            "alerts"
        },
        &mut summary,
    )?;
    let mut extra = vec![detection_line(&stats, sigma_rules, builtin)];
    extra.extend(left_out.iter().cloned());
    extra.push(alerts_line(&stats));
    extra.push(incidents_line(&correlated.borrow()));
    if let Some((shared, path, line)) = baseline {
        crate::baseline::save(&shared.lock(), &path)?;
        extra.push(format!("{line}; saved"));
    }
    if summary.totals.out_of_range > 0 {
        extra.push(format!(
            "events outside --from/--to (skipped): {}",
            summary.totals.out_of_range
        ));
    }
    if !stats.suppressed.is_empty() {
        let by: Vec<String> = stats
            .suppressed
            .iter()
            .map(|(rule, n)| format!("{n} by '{rule}'"))
            .collect();
        extra.push(format!(
            "alerts suppressed by policy allow rules: {}",
            by.join(", ")
        ));
    }
    extra.push(format!(
        "events behind the reorder window: {}",
        stats.late_events
    ));
    let mut json = serde_json::to_value(&summary).unwrap_or_default();
    json["hunt"] = serde_json::to_value(&stats).unwrap_or_default();
    json["incidents"] = serde_json::to_value(&*correlated.borrow()).unwrap_or_default();
    if !left_out.is_empty() {
        json["hunt"]["analytics_not_run"] = serde_json::to_value(&left_out).unwrap_or_default();
    }
    let text = text_summary(&summary, hidden, &extra);
    let stdout_free = format == OutFormat::None || args.output.is_some();
    print_summary(&args.read, &json, &text, stdout_free)?;
    strict_outcome(cfg.strict, &summary)
}
