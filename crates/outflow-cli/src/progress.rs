//! The progress bar on stderr: files, bytes and events per second. Shown
//! only on a terminal and without `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use outflow_pipeline::Progress;
use std::io::IsTerminal;

pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Bar { bar: Some(bar) }
    }

    pub fn update(&self, p: &Progress) {
        if let Some(bar) = &self.bar {
            bar.set_length(p.bytes_total.max(p.bytes_read));
            bar.set_position(p.bytes_read);
            bar.set_message(message(p));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Prints a line above the bar without garbling it.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
}

/// The bar's text: files and events, or, before a merge in start order,
/// how many files' first events have been read.
fn message(p: &Progress) -> String {
    if p.peeking {
        return format!(
            "finding where each file begins: {}/{} files",
            p.files_peeked, p.files_total
        );
    }
    let secs = p.elapsed.as_secs_f64().max(1e-3);
    format!(
        "files {}/{}  events {}  {:.0} events/s",
        p.files_done,
        p.files_total,
        p.events,
        p.events as f64 / secs
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_bar_says_when_files_are_looked_at_before_the_merge() {
        let mut p = Progress {
            files_total: 5000,
            peeking: true,
            files_peeked: 312,
            ..Progress::default()
        };
        assert_eq!(
            message(&p),
            "finding where each file begins: 312/5000 files"
        );
        p.peeking = false;
        p.files_done = 3;
        p.events = 2000;
        p.elapsed = Duration::from_secs(2);
        assert_eq!(message(&p), "files 3/5000  events 2000  1000 events/s");
    }
}
