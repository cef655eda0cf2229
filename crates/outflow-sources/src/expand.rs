//! Turns the user's input arguments into a list of inputs: files as given,
//! folders walked recursively (sorted, for reproducible output), `-` for stdin.

use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSpec {
    File(PathBuf),
    Stdin,
    /// Content held in memory under a name (tests, fuzzing, embedding).
    Bytes {
        name: String,
        data: std::sync::Arc<[u8]>,
    },
}

impl InputSpec {
    pub fn display_name(&self) -> String {
        match self {
            InputSpec::File(p) => p.display().to_string(),
            InputSpec::Stdin => "<stdin>".to_string(),
            InputSpec::Bytes { name, .. } => name.clone(),
        }
    }

    /// Stored size, where known before reading.
    pub fn size(&self) -> u64 {
        match self {
            InputSpec::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            InputSpec::Stdin => 0,
            InputSpec::Bytes { data, .. } => data.len() as u64,
        }
    }
}

/// A path that could not be listed.
#[derive(Debug)]
pub struct ExpandError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// Expands arguments into inputs. Errors (a missing path, an unreadable
/// folder) are returned beside the inputs that could be found.
pub fn expand_inputs(args: &[PathBuf]) -> (Vec<InputSpec>, Vec<ExpandError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.push(InputSpec::Stdin);
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk_dir(arg, &mut out, &mut errors),
            Ok(_) => out.push(InputSpec::File(arg.clone())),
            Err(error) => errors.push(ExpandError {
                path: arg.clone(),
                error,
            }),
        }
    }
    (out, errors)
}

fn walk_dir(dir: &Path, out: &mut Vec<InputSpec>, errors: &mut Vec<ExpandError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            errors.push(ExpandError {
                path: dir.to_path_buf(),
                error,
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        // Hidden files (editor swap files, .gitkeep) are not telemetry.
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk_dir(&path, out, errors),
            Ok(m) if m.is_file() => out.push(InputSpec::File(path)),
            Ok(_) => {}
            Err(error) => errors.push(ExpandError { path, error }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_folders_sorted_and_reports_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.log"), "x").unwrap();
        std::fs::write(dir.path().join("sub/a.log"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        let missing = dir.path().join("nope");
        let (inputs, errors) =
            expand_inputs(&[dir.path().to_path_buf(), missing.clone(), "-".into()]);
        assert_eq!(
            inputs,
            [
                InputSpec::File(dir.path().join("b.log")),
                InputSpec::File(dir.path().join("sub/a.log")),
                InputSpec::Stdin
            ]
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, missing);
    }
}
