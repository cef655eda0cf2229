//! `outflow hunt`: read inputs and run the detections.

use crate::args::{HuntArgs, OutFormat};
use crate::output::{is_broken_pipe, open_output, prepare, resolve_format};
use crate::progress::Bar;
use crate::report::{add_missing, print_summary, text_summary, Rejects};
use crate::Failure;
use outflow_detect::{Alert, DetectorSet};
use outflow_pipeline::{HuntConsumer, ReorderBuffer};
use outflow_sources::Flow;
use std::cell::RefCell;
use std::io::Write;
use std::time::Duration;

/// Events held at most by the reorder buffer (bounds its memory).
const REORDER_MAX_EVENTS: usize = 200_000;

/// Why no detection runs yet; printed so nobody mistakes silence for a clean bill.
pub const NO_DETECTIONS: &str = "no detections run: the Sigma engine and the T1567 analytics are not part of this build yet; inputs were read and normalized only";

fn write_alert(out: &mut dyn Write, format: OutFormat, a: &Alert) -> std::io::Result<()> {
    match format {
        OutFormat::None => Ok(()),
        OutFormat::Jsonl => {
            serde_json::to_writer(&mut *out, a)?;
            out.write_all(b"\n")
        }
        OutFormat::Csv | OutFormat::Table => {
            let ts = a.timestamp.map(|t| t.to_string()).unwrap_or_default();
            writeln!(
                out,
                "{ts},{},{},{},{}",
                a.rule.level,
                a.rule.title.replace(',', " "),
                a.host.clone().unwrap_or_default(),
                a.user.clone().unwrap_or_default()
            )
        }
    }
}

pub fn run(args: HuntArgs) -> Result<(), Failure> {
    let format = resolve_format(args.format, args.output.is_some());
    let (cfg, missing) = prepare(&args.read, false)?;
    let rejects = RefCell::new(Rejects::new(&args.read)?);
    let mut out = open_output(args.output.as_deref())?;
    let bar = Bar::new(args.read.quiet);
    let detectors = DetectorSet::default();
    if detectors.is_empty() {
        bar.println(&format!("outflow: {NO_DETECTIONS}"));
    }
    let write_error = RefCell::new(None);
    let mut consumer = HuntConsumer::new(
        detectors,
        ReorderBuffer::new(Duration::from_secs(args.max_lateness), REORDER_MAX_EVENTS),
        Box::new(|a| match write_alert(&mut out, format, a) {
            Ok(()) => Flow::Continue,
            Err(e) => {
                *write_error.borrow_mut() = Some(e);
                Flow::Stop
            }
        }),
        Box::new(|r| rejects.borrow_mut().report(r, &bar)),
        Box::new(|p| bar.update(p)),
    );
    let mut summary = outflow_pipeline::run(&cfg, &mut consumer);
    consumer.finish();
    let stats = consumer.stats.clone();
    drop(consumer);
    bar.finish();
    add_missing(&mut summary, &missing);
    let hidden = rejects.borrow_mut().finish();
    let flush_err = out.flush().err();
    if let Some(e) = write_error.into_inner().or(flush_err) {
        if !is_broken_pipe(&e) {
            return Err(Failure::Fatal(format!("writing alerts: {e}")));
        }
    }
    let detections = if stats.detectors.is_empty() {
        NO_DETECTIONS.to_string()
    } else {
        format!("detectors: {}", stats.detectors.join(", "))
    };
    let extra = vec![
        detections,
        format!("alerts: {}", stats.alerts),
        format!("events behind the reorder window: {}", stats.late_events),
    ];
    let mut json = serde_json::to_value(&summary).unwrap_or_default();
    json["hunt"] = serde_json::to_value(&stats).unwrap_or_default();
    let text = text_summary(&summary, hidden, &extra);
    let stdout_free = format == OutFormat::None || args.output.is_some();
    print_summary(&args.read, &json, &text, stdout_free)?;
    if cfg.strict && summary.totals.rejects > 0 {
        return Err(Failure::Fatal(
            "stopped at the first reject (--strict)".to_string(),
        ));
    }
    Ok(())
}
