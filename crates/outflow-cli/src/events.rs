//! `outflow events`: print inputs as normalized events.

use crate::args::{EventsArgs, OutFormat};
use crate::output::{check_written, open_output, prepare, resolve_format, strict_outcome};
use crate::progress::Bar;
use crate::report::{add_missing, print_summary, text_summary, Rejects};
use crate::Failure;
use outflow_event::{Event, Reject};
use outflow_pipeline::{Consumer, Progress};
use outflow_sinks::{event_writer, EventFormat, EventWriter, WriterOptions};
use outflow_sources::Flow;

struct Printer<'a> {
    writer: Option<Box<dyn EventWriter>>,
    error: Option<std::io::Error>,
    rejects: &'a mut Rejects,
    bar: &'a Bar,
}

impl Consumer for Printer<'_> {
    fn events(&mut self, events: Vec<Event>) -> Flow {
        let Some(w) = &mut self.writer else {
            return Flow::Continue;
        };
        for e in &events {
            if let Err(err) = w.write(e) {
                self.error = Some(err);
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn reject(&mut self, r: &Reject) {
        self.rejects.report(r, self.bar);
    }

    fn tick(&mut self, p: &Progress) {
        self.bar.update(p);
    }
}

pub fn run(args: EventsArgs) -> Result<(), Failure> {
    let format = resolve_format(args.format, args.output.is_some());
    // Printed events come file by file in input order; without output,
    // ordering would only hold back the other threads.
    let (mut cfg, missing) = prepare(&args.read, format != OutFormat::None)?;
    cfg.deliver_events = format != OutFormat::None;
    let mut rejects = Rejects::new(&args.read)?;
    let sink_format = match format {
        OutFormat::Jsonl => EventFormat::Jsonl,
        OutFormat::Table => EventFormat::Table,
        OutFormat::Csv => EventFormat::Csv,
        OutFormat::None => EventFormat::None,
    };
    let out = open_output(args.output.as_deref())?;
    let bar = Bar::new(args.read.quiet);
    let mut printer = Printer {
        writer: event_writer(sink_format, out, WriterOptions { raw: args.raw }),
        error: None,
        rejects: &mut rejects,
        bar: &bar,
    };
    let mut summary = outflow_pipeline::run(&cfg, &mut printer);
    bar.finish();
    let finish_err = printer.writer.as_mut().and_then(|w| w.finish().err());
    let write_err = printer.error.take().or(finish_err);
    add_missing(&mut summary, &missing);
    let hidden = rejects.finish();
    check_written(write_err, "events", &mut summary)?;
    let json = serde_json::to_value(&summary).unwrap_or_default();
    let text = text_summary(&summary, hidden, &[]);
    let stdout_free = format == OutFormat::None || args.output.is_some();
    print_summary(&args.read, &json, &text, stdout_free)?;
    strict_outcome(cfg.strict, &summary)
}
