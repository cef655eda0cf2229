//! Reporting rejects and the closing summary.

use crate::args::{ReadArgs, SummaryKind};
use crate::progress::Bar;
use crate::Failure;
use outflow_event::Reject;
use outflow_pipeline::{FileSummary, Summary};
use outflow_sources::expand::ExpandError;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

/// How many rejects are printed to stderr; the rest are counted (and all
/// written with `--rejects FILE`).
const SHOWN: u64 = 20;

pub struct Rejects {
    shown: u64,
    file: Option<BufWriter<std::fs::File>>,
}

impl Rejects {
    pub fn new(read: &ReadArgs) -> Result<Self, Failure> {
        let file = match &read.rejects {
            Some(p) => Some(BufWriter::new(std::fs::File::create(p).map_err(|e| {
                Failure::Usage(format!("cannot create {}: {e}", p.display()))
            })?)),
            None => None,
        };
        Ok(Rejects { shown: 0, file })
    }

    pub fn report(&mut self, r: &Reject, bar: &Bar) {
        if self.shown < SHOWN {
            bar.println(&format!("outflow: warning: {r}"));
        }
        self.shown += 1;
        if let Some(f) = &mut self.file {
            let line = serde_json::to_string(r).unwrap_or_default();
            let _ = writeln!(f, "{line}");
        }
    }

    pub fn finish(&mut self) -> u64 {
        if let Some(f) = &mut self.file {
            let _ = f.flush();
        }
        self.shown.saturating_sub(SHOWN)
    }
}

/// Adds paths that could not be listed to the summary as unreadable inputs.
pub fn add_missing(summary: &mut Summary, missing: &[ExpandError]) {
    for m in missing {
        eprintln!(
            "outflow: warning: {}: unreadable: {}",
            m.path.display(),
            m.error
        );
        let mut rejects = BTreeMap::new();
        rejects.insert("unreadable".to_string(), 1);
        summary.files.push(FileSummary {
            file: m.path.display().to_string(),
            format: None,
            compression: None,
            bytes: 0,
            events: 0,
            rejects,
        });
        *summary.rejects.entry("unreadable".to_string()).or_insert(0) += 1;
        summary.totals.files += 1;
        summary.totals.rejects += 1;
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The closing summary for people.
pub fn text_summary(s: &Summary, hidden_rejects: u64, extra: &[String]) -> String {
    let t = &s.totals;
    let mut out = format!(
        "outflow: read {} of {} files ({}) → {} events in {:.2} s ({} events/s)\n",
        thousands(t.files_read),
        thousands(t.files),
        human_bytes(t.bytes),
        thousands(t.events),
        t.seconds,
        thousands(t.events_per_second as u64)
    );
    if !s.by_source.is_empty() {
        let parts: Vec<String> = s
            .by_source
            .iter()
            .map(|(k, v)| format!("{k} {}", thousands(*v)))
            .collect();
        out += &format!("  by format: {}\n", parts.join(" · "));
    }
    if t.rejects > 0 {
        let parts: Vec<String> = s
            .rejects
            .iter()
            .map(|(k, v)| format!("{k} {}", thousands(*v)))
            .collect();
        out += &format!(
            "  rejected: {} ({})",
            thousands(t.rejects),
            parts.join(", ")
        );
        if hidden_rejects > 0 {
            out += &format!(
                "; {} not shown above, use --rejects FILE to list all",
                thousands(hidden_rejects)
            );
        }
        out += "\n";
    }
    if t.stopped_early {
        out += "  stopped early\n";
    }
    if t.merged_in_start_order {
        out +=
            "  over 256 files: they opened in the order their events begin, at most 256 at once\n";
    }
    if t.late_file_starts > 0 {
        out += &format!(
            "  {} file(s) opened after the merge had passed their first event's time (more than 256 \
             were due at once): their earliest events may have come late (hunt fewer files at a time)\n",
            thousands(t.late_file_starts)
        );
    }
    for line in extra {
        out += &format!("  {line}\n");
    }
    out
}

/// Prints the summary as asked: text to stderr unless quiet, JSON to
/// stdout when stdout carries nothing else, otherwise to stderr.
pub fn print_summary(
    read: &ReadArgs,
    json: &serde_json::Value,
    text: &str,
    stdout_free: bool,
) -> Result<(), Failure> {
    if let Some(p) = &read.summary_out {
        let body = serde_json::to_string_pretty(json).unwrap_or_default();
        std::fs::write(p, body + "\n")
            .map_err(|e| Failure::Fatal(format!("cannot write {}: {e}", p.display())))?;
    }
    match read.summary {
        Some(SummaryKind::Json) => {
            let line = serde_json::to_string(json).unwrap_or_default();
            if stdout_free {
                println!("{line}");
            } else {
                eprintln!("{line}");
            }
        }
        Some(SummaryKind::Text) => eprint!("{text}"),
        None if !read.quiet => eprint!("{text}"),
        None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_how_many_files_were_merged_and_which_came_late() {
        let mut s = Summary::default();
        s.totals.files = 619;
        s.totals.files_read = 619;
        let plain = text_summary(&s, 0, &[]);
        assert!(!plain.contains("256"), "{plain}");
        s.totals.merged_in_start_order = true;
        let ordered = text_summary(&s, 0, &[]);
        assert!(
            ordered.contains("opened in the order their events begin"),
            "{ordered}"
        );
        assert!(!ordered.contains("come late"), "{ordered}");
        s.totals.late_file_starts = 3;
        let late = text_summary(&s, 0, &[]);
        assert!(
            late.contains("3 file(s) opened after the merge had passed"),
            "{late}"
        );
    }
}
