//! Running the `outflow` binary from a test, and golden files.

use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: tests run the binary from there, so paths in its
/// output are relative (`examples/demo/logs/...`).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// What one run of the binary wrote, and how it exited.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    /// `None` when a signal ended it.
    pub code: Option<i32>,
}

impl Run {
    /// Exited with 0, or the test fails showing what it wrote to stderr.
    pub fn ok(self) -> Self {
        self.assert_ok();
        self
    }

    fn assert_ok(&self) {
        assert_eq!(self.code, Some(0), "outflow failed:\n{}", self.stderr);
    }

    /// Standard output, standard error and the exit code.
    pub fn parts(self) -> (String, String, Option<i32>) {
        (self.stdout, self.stderr, self.code)
    }

    /// Standard output as JSON lines (alerts, incidents, events), after
    /// checking the run exited with 0.
    pub fn jsonl(&self) -> Vec<Value> {
        self.assert_ok();
        self.stdout
            .lines()
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("stdout line {} is not JSON ({e}): {l}", i + 1))
            })
            .collect()
    }
}

/// Runs `outflow args...` in `dir`. A panic (exit 101) fails the test:
/// no input may make the binary panic.
pub fn outflow_in<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the outflow binary runs");
    let run = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    };
    assert_ne!(run.code, Some(101), "outflow panicked:\n{}", run.stderr);
    run
}

/// Runs `outflow args...` from the workspace root.
pub fn outflow<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    outflow_in(&workspace(), args)
}

/// Compares `actual` with `tests/golden/NAME`, showing the first lines
/// that differ; with `UPDATE_GOLDEN` set, writes it there instead.
pub fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("golden files have a folder"))
            .expect("the golden folder can be made");
        std::fs::write(&path, actual).expect("the golden file can be written");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    if expected == actual {
        return;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let diff: Vec<String> = (0..e.len().max(a.len()))
        .filter(|&i| e.get(i) != a.get(i))
        .take(5)
        .map(|i| {
            format!(
                "line {}:\n  expected: {}\n  actual:   {}",
                i + 1,
                e.get(i).unwrap_or(&"(none)"),
                a.get(i).unwrap_or(&"(none)")
            )
        })
        .collect();
    panic!(
        "{name} differs from the golden file ({} vs {} lines):\n{}\n(UPDATE_GOLDEN=1 to accept)",
        e.len(),
        a.len(),
        diff.join("\n")
    );
}
