//! `outflow score`: alerts or incidents against a corpus's ground truth.

use crate::args::{ReportFormat, ScoreArgs};
use crate::Failure;
use outflow_correlate::score::{parse_truth, score, text, Slack};
use std::io::Read;
use std::path::Path;

fn read(path: &Path, what: &str) -> Result<String, Failure> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Fatal(format!("reading {what} from standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read {what} {}: {e}", path.display())))
}

/// Hosts and days of the corpus, from `summary.json` beside the truth file.
fn corpus_size(truth: &Path) -> (Option<u64>, Option<f64>) {
    let summary = truth.with_file_name("summary.json");
    let Ok(text) = std::fs::read_to_string(summary) else {
        return (None, None);
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return (None, None);
    };
    (v["hosts"].as_u64(), v["days"].as_f64())
}

pub fn run(args: &ScoreArgs) -> Result<(), Failure> {
    let truth_text = read(&args.truth, "truth file")?;
    let stories = parse_truth(&truth_text)
        .map_err(|e| Failure::Usage(format!("truth file {}: {e}", args.truth.display())))?;
    let items = read(&args.input, "alerts")?;
    let (hosts, days) = corpus_size(&args.truth);
    let slack = Slack {
        before: i64::from(args.slack_before),
        after: i64::from(args.slack_after),
    };
    let report = score(
        &stories,
        &items,
        slack,
        args.hosts.or(hosts),
        args.days.or(days),
    )
    .map_err(|e| Failure::Usage(format!("{}: {e}", args.input.display())))?;
    match args.format {
        ReportFormat::Text => print!("{}", text(&report)),
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::Fatal(format!("writing the report: {e}")))?
        ),
    }
    Ok(())
}
