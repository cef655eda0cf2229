//! Opening inputs: files or stdin, gzip and zstd recognised by their magic
//! bytes and decompressed on the fly, UTF-16 text transcoded to UTF-8
//! ([`crate::utf16`]), a sample of the content kept for format detection.

use crate::ctx::{EventSink, Limits, ReadCtx};
use crate::detect::detect_format;
use crate::expand::InputSpec;
use crate::formats;
use crate::utf16;
use outflow_event::{Position, Reject, RejectReason, SourceKind};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How much decompressed content format detection looks at.
pub const SAMPLE_BYTES: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// The compression whose magic number `head` (a file's first bytes)
    /// starts with.
    pub fn of_magic(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// An opened input, positioned at the start of its decompressed content.
pub struct Opened {
    pub reader: Box<dyn BufRead + Send>,
    /// The first bytes of the decompressed content.
    pub sample: Vec<u8>,
    pub compression: Compression,
    /// The path, when the input is a plain (uncompressed, UTF-8) file.
    pub plain_path: Option<PathBuf>,
    /// The text encoding transcoded from (`UTF-16LE`, `UTF-16BE`), if any.
    pub transcoded: Option<&'static str>,
    /// Decompressed bytes handed out so far.
    pub consumed: Arc<AtomicU64>,
}

/// What reading one input produced.
#[derive(Clone, Debug, Serialize)]
pub struct FileOutcome {
    pub file: String,
    pub format: Option<SourceKind>,
    pub compression: Option<Compression>,
    pub events: u64,
    pub rejects: u64,
    /// Bytes of the input as stored (compressed size for compressed files).
    pub bytes: u64,
}

/// Counts raw bytes read from the underlying file into a shared counter.
struct Counting<R> {
    inner: R,
    counter: Option<Arc<AtomicU64>>,
    local: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.local += n as u64;
        if let Some(c) = &self.counter {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Replays the sample, then continues with the stream; an error met while
/// sampling is returned after the sample, where it occurred.
struct Replay {
    sample: io::Cursor<Vec<u8>>,
    error: Option<io::Error>,
    rest: Box<dyn Read + Send>,
    consumed: Arc<AtomicU64>,
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.sample.read(buf)?;
        let n = if n > 0 {
            n
        } else if let Some(e) = self.error.take() {
            return Err(e);
        } else {
            self.rest.read(buf)?
        };
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn read_up_to(r: &mut dyn Read, limit: usize) -> (Vec<u8>, Option<io::Error>) {
    let mut buf = Vec::with_capacity(limit.min(SAMPLE_BYTES));
    match r.take(limit as u64).read_to_end(&mut buf) {
        Ok(_) => (buf, None),
        Err(e) => (buf, Some(e)),
    }
}

/// The first bytes of every EVTX file.
const EVTX_MAGIC: &[u8] = b"ElfFile\0";

/// Opens an input. `counter` receives raw bytes read, for progress display.
pub fn open_input(
    spec: &InputSpec,
    counter: Option<Arc<AtomicU64>>,
) -> Result<Opened, (RejectReason, String)> {
    let raw: Box<dyn Read + Send> = match spec {
        InputSpec::Stdin => Box::new(io::stdin()),
        InputSpec::Bytes { data, .. } => Box::new(io::Cursor::new(data.clone())),
        InputSpec::File(p) => match File::open(p) {
            Ok(f) => {
                if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                    return Err((RejectReason::Unreadable, "is a directory".into()));
                }
                Box::new(f)
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err((RejectReason::PermissionDenied, e.to_string()))
            }
            Err(e) => return Err((RejectReason::Unreadable, e.to_string())),
        },
    };
    let mut counting = Counting {
        inner: raw,
        counter,
        local: 0,
    };
    let (magic, err) = read_up_to(&mut counting, EVTX_MAGIC.len());
    if let Some(e) = err {
        return Err((RejectReason::Unreadable, e.to_string()));
    }
    let compression = Compression::of_magic(&magic);
    let chained: Box<dyn Read + Send> = Box::new(io::Cursor::new(magic.clone()).chain(counting));
    let mut stream: Box<dyn Read + Send> = match compression {
        Compression::None => chained,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(chained)),
        Compression::Zstd => match ruzstd::decoding::StreamingDecoder::new(chained) {
            Ok(d) => Box::new(d),
            Err(e) => return Err((RejectReason::Decompress, format!("zstd: {e}"))),
        },
    };
    // A plain EVTX file is known by its magic; its reader opens it by path,
    // so reading a detection sample would be wasted work.
    let evtx = compression == Compression::None && magic == EVTX_MAGIC;
    let mut transcoded = None;
    if !evtx {
        let (head, err) = read_up_to(&mut stream, utf16::HEAD_BYTES);
        let encoding = utf16::utf16_of(&head);
        let rest: Box<dyn Read + Send> = match err {
            // An error met in the first bytes comes back where it occurred.
            Some(e) => Box::new(io::Cursor::new(head).chain(Failing(Some(e)))),
            None => Box::new(io::Cursor::new(head).chain(stream)),
        };
        stream = match encoding {
            Some(enc) => {
                transcoded = Some(enc.name());
                utf16::transcode(rest, enc)
            }
            None => rest,
        };
    }
    let sample_size = if evtx { EVTX_MAGIC.len() } else { SAMPLE_BYTES };
    let (sample, error) = read_up_to(&mut stream, sample_size);
    let consumed = Arc::new(AtomicU64::new(0));
    let replay = Replay {
        sample: io::Cursor::new(sample.clone()),
        error,
        rest: stream,
        consumed: consumed.clone(),
    };
    let plain_path = match (spec, compression) {
        (InputSpec::File(p), Compression::None) if transcoded.is_none() => Some(p.clone()),
        _ => None,
    };
    Ok(Opened {
        reader: Box::new(BufReader::with_capacity(256 * 1024, replay)),
        sample,
        compression,
        plain_path,
        transcoded,
        consumed,
    })
}

/// A stream that fails once with the error it holds, then ends.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// Reads one input end to end: opens it, detects (or takes) its format and
/// parses it, delivering events and rejects to `sink`. Never panics on input.
pub fn read_input(
    spec: &InputSpec,
    forced: Option<SourceKind>,
    limits: &Limits,
    sink: &mut dyn EventSink,
    counter: Option<Arc<AtomicU64>>,
) -> FileOutcome {
    let name: Arc<str> = Arc::from(spec.display_name());
    let mut outcome = FileOutcome {
        file: name.to_string(),
        format: None,
        compression: None,
        events: 0,
        rejects: 0,
        bytes: spec.size(),
    };
    let file_reject = |sink: &mut dyn EventSink, reason, detail: String| {
        sink.reject(Reject::new(reason, &name, Position::File, detail));
    };
    let opened = match open_input(spec, counter) {
        Ok(o) => o,
        Err((reason, detail)) => {
            file_reject(sink, reason, detail);
            outcome.rejects = 1;
            return outcome;
        }
    };
    outcome.compression = Some(opened.compression);
    if opened.sample.is_empty() {
        let (reason, detail) = match opened.compression {
            Compression::None => (RejectReason::EmptyFile, "the input is empty".to_string()),
            c => (
                RejectReason::Decompress,
                format!("{c:?} stream holds no data (truncated or corrupt)").to_lowercase(),
            ),
        };
        file_reject(sink, reason, detail);
        outcome.rejects = 1;
        return outcome;
    }
    let format = match forced.or_else(|| detect_format(&opened.sample)) {
        Some(f) => f,
        None => {
            file_reject(
                sink,
                RejectReason::UnknownFormat,
                describe_unknown(&opened.sample),
            );
            outcome.rejects = 1;
            return outcome;
        }
    };
    outcome.format = Some(format);
    let consumed = opened.consumed.clone();
    let compression = opened.compression;
    let mut ctx = ReadCtx::new(name.clone(), limits, sink);
    if let Err(e) = formats::read(format, opened, &mut ctx) {
        let reason = match compression {
            Compression::None => RejectReason::Unreadable,
            _ => RejectReason::Decompress,
        };
        let at = consumed.load(Ordering::Relaxed);
        ctx.reject(
            reason,
            Position::Offset(at),
            format!("reading stopped after {at} bytes of content: {e}"),
        );
    }
    outcome.events = ctx.events;
    outcome.rejects = ctx.rejects;
    outcome
}

fn describe_unknown(sample: &[u8]) -> String {
    let head = &sample[..sample.len().min(512)];
    let binary = head
        .iter()
        .filter(|&&c| c == 0 || (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r')))
        .count();
    if binary * 10 > head.len() {
        "binary content of no known format (use --input-format to force one)".to_string()
    } else {
        let first = String::from_utf8_lossy(head);
        let first = first
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect::<String>();
        format!("text of no known format, first line: {first:?} (use --input-format to force one)")
    }
}

/// Reads one input into memory: its outcome, events and rejects. For tests
/// and small tools; the pipeline streams instead.
pub fn read_to_vec(
    spec: &InputSpec,
    forced: Option<SourceKind>,
    limits: &Limits,
) -> (FileOutcome, crate::ctx::CollectSink) {
    let mut sink = crate::ctx::CollectSink::default();
    let outcome = read_input(spec, forced, limits, &mut sink, None);
    (outcome, sink)
}
