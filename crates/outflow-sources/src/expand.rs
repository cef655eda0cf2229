//! Turns the user's input arguments into a list of inputs: files as given,
//! folders walked recursively (sorted, for reproducible output), `-` for stdin.

use crate::input::Compression;
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

    /// Bytes of content once decompressed, as far as is known without
    /// decompressing: a gzip file's own size field (its last four bytes,
    /// which hold the size modulo 4 GiB, so never less than the stored
    /// size), [`ZSTD_RATIO`] times a zstd file's stored size (an estimate),
    /// else the stored size. For bounds on what is held in memory.
    pub fn content_size(&self) -> u64 {
        let stored = self.size();
        let (head, tail) = match self {
            InputSpec::File(p) => match head_and_tail(p) {
                Ok(ht) => ht,
                Err(_) => return stored,
            },
            InputSpec::Stdin => return stored,
            InputSpec::Bytes { data, .. } => {
                let head: [u8; 4] = data
                    .get(..4)
                    .and_then(|h| h.try_into().ok())
                    .unwrap_or_default();
                let tail = data
                    .len()
                    .checked_sub(4)
                    .and_then(|at| data[at..].try_into().ok())
                    .unwrap_or_default();
                (head, tail)
            }
        };
        match Compression::of_magic(&head) {
            Compression::Gzip => (u32::from_le_bytes(tail) as u64).max(stored),
            Compression::Zstd => stored.saturating_mul(ZSTD_RATIO),
            Compression::None => stored,
        }
    }
}

/// How many times its stored size a zstd file is taken to hold (zstd
/// frames need not say): a usual ratio for text logs.
pub const ZSTD_RATIO: u64 = 10;

/// The first and the last four bytes of a file.
fn head_and_tail(path: &Path) -> std::io::Result<([u8; 4], [u8; 4])> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 4];
    f.read_exact(&mut head)?;
    let mut tail = [0u8; 4];
    f.seek(SeekFrom::End(-4))?;
    f.read_exact(&mut tail)?;
    Ok((head, tail))
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

#[cfg(test)]
mod content_size_tests {
    use super::*;
    use std::io::Write;
    use std::sync::Arc;

    fn bytes(data: Vec<u8>) -> InputSpec {
        InputSpec::Bytes {
            name: "x".into(),
            data: Arc::from(data),
        }
    }

    #[test]
    fn gzip_inputs_count_their_decompressed_size() {
        let text = "{\"_path\":\"conn\",\"uid\":\"C1\"}\n".repeat(2_000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        assert!(gz.len() * 10 < text.len());
        assert_eq!(bytes(gz.clone()).content_size(), text.len() as u64);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conn.log.gz");
        std::fs::write(&path, &gz).unwrap();
        assert_eq!(InputSpec::File(path).content_size(), text.len() as u64);
        // Plain content is its stored size; a zstd frame is estimated.
        assert_eq!(
            bytes(text.clone().into_bytes()).content_size(),
            text.len() as u64
        );
        let zstd = vec![0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0];
        assert_eq!(bytes(zstd).content_size(), 8 * ZSTD_RATIO);
        // Too short to say anything: the stored size.
        assert_eq!(bytes(vec![0x1f]).content_size(), 1);
    }
}
