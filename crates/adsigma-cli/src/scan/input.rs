//! The inputs of `scan`: which files (directories walked in path order, standard input), how
//! to open them (gzip and zstd by extension), and how to cut them into events with their
//! positions, streaming with bounded memory.
//!
//! Two readers cut a byte stream into events:
//! - JSON Lines: one event per line, read in chunks; a line longer than the limit is reported
//!   and skipped without being held in memory.
//! - Values: a stream of JSON values (one pretty-printed document, several concatenated
//!   ones, or arrays whose elements are the events). A small state machine (strings, escapes,
//!   bracket depth, as a counter, so any nesting is fine) finds where each value starts and
//!   ends; it does not validate, so a broken event costs only itself: the JSON parser reports
//!   it and the reader goes on with the next value.
//!
//! Which reader a file gets is decided from its first bytes: `[` means values; a first value
//! that closes on a later line than it opens (a pretty-printed document) means values; anything
//! else means JSON Lines.

use memchr::{memchr, memchr3};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The name standard input goes by in positions.
pub const STDIN_NAME: &str = "<stdin>";

/// Directories deeper than this are not descended into (guards symlink loops).
const MAX_DIR_DEPTH: usize = 64;

/// A batch is handed on once it holds this many events...
const BATCH_ITEMS: usize = 1024;
/// ... or this many bytes.
const BATCH_BYTES: usize = 1 << 20;

/// One input: a file or standard input.
#[derive(Clone, Debug)]
pub struct Input {
    /// The file; `None` for standard input.
    pub path: Option<PathBuf>,
    /// The name positions use: the path as given (joined for files found in directories).
    pub name: String,
    /// The size on disk, for the progress bar.
    pub size: Option<u64>,
}

/// An input that cannot be read at all (a fatal error).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A path that does not exist or cannot be inspected.
    #[error("cannot read {}: {source}", path.display())]
    Path {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Expands the INPUT arguments: files as given, directories recursively (entries sorted by
/// name, so files come in path order; hidden entries skipped; only files whose name ends in
/// an event extension, see [`is_event_file`]), `-` and no argument at all for standard input.
pub fn expand(args: &[PathBuf]) -> Result<Vec<Input>, InputError> {
    if args.is_empty() {
        return Ok(vec![stdin_input()]);
    }
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.push(stdin_input());
            continue;
        }
        let meta = std::fs::metadata(arg).map_err(|source| InputError::Path {
            path: arg.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(arg, 0, &mut out).map_err(|source| InputError::Path {
                path: arg.clone(),
                source,
            })?;
        } else {
            out.push(file_input(arg.clone(), Some(meta.len())));
        }
    }
    Ok(out)
}

fn stdin_input() -> Input {
    Input {
        path: None,
        name: STDIN_NAME.to_owned(),
        size: None,
    }
}

fn file_input(path: PathBuf, size: Option<u64>) -> Input {
    Input {
        name: path.display().to_string(),
        path: Some(path),
        size,
    }
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<Input>) -> io::Result<()> {
    if depth > MAX_DIR_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path();
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            walk(&path, depth + 1, out)?;
        } else if meta.is_file() && is_event_file(&name) {
            out.push(file_input(path, Some(meta.len())));
        }
    }
    Ok(())
}

/// Whether a file found in a directory is read: `.json`, `.jsonl`, `.ndjson`, `.jsonlines`
/// and `.log`, each optionally followed by `.gz` or `.zst`. (A file named on the command line
/// is always read, whatever its name.)
pub fn is_event_file(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    [".json", ".jsonl", ".ndjson", ".jsonlines", ".log"]
        .iter()
        .any(|ext| base.ends_with(ext))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// Opens an input, decompressing `.gz` and `.zst` files (by extension; standard input by its
/// magic bytes). `read` counts the bytes read from the file itself (before decompression), for
/// the progress bar.
pub fn open(input: &Input, read: Arc<AtomicU64>) -> io::Result<Box<dyn Read + Send>> {
    let (raw, compression): (Box<dyn Read + Send>, Compression) = match &input.path {
        Some(path) => {
            let file = File::open(path)?;
            let lower = input.name.to_ascii_lowercase();
            let c = if lower.ends_with(".gz") {
                Compression::Gzip
            } else if lower.ends_with(".zst") {
                Compression::Zstd
            } else {
                Compression::None
            };
            (Box::new(Counting { inner: file, read }), c)
        }
        None => {
            let mut stdin = io::stdin();
            let mut magic = Vec::with_capacity(4);
            (&mut stdin).take(4).read_to_end(&mut magic)?;
            let c = if magic.starts_with(GZIP_MAGIC) {
                Compression::Gzip
            } else if magic.starts_with(ZSTD_MAGIC) {
                Compression::Zstd
            } else {
                Compression::None
            };
            (Box::new(Cursor::new(magic).chain(stdin)), c)
        }
    };
    Ok(match compression {
        Compression::None => raw,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(raw))),
        Compression::Zstd => Box::new(Zstd::new(BufReader::new(raw))),
    })
}

/// Counts the bytes read.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A zstd stream of any number of frames (ruzstd's `StreamingDecoder` reads one), skipping
/// skippable frames (pzstd writes one before each frame).
struct Zstd<R: BufRead> {
    source: R,
    decoder: ruzstd::decoding::FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> Zstd<R> {
    fn new(source: R) -> Self {
        Zstd {
            source,
            decoder: ruzstd::decoding::FrameDecoder::new(),
            in_frame: false,
        }
    }
}

fn zstd_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}"))
}

impl<R: BufRead> Read for Zstd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use ruzstd::decoding::BlockDecodingStrategy;
        use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if self.source.fill_buf()?.is_empty() {
                    return Ok(0);
                }
                match self.decoder.reset(&mut self.source) {
                    Ok(()) => self.in_frame = true,
                    Err(FrameDecoderError::ReadFrameHeaderError(
                        ReadFrameHeaderError::SkipFrame { length, .. },
                    )) => {
                        let want = u64::from(length);
                        let skipped =
                            io::copy(&mut (&mut self.source).take(want), &mut io::sink())?;
                        if skipped < want {
                            return Err(zstd_error("the input ends inside a skippable frame"));
                        }
                    }
                    Err(e) => return Err(zstd_error(e)),
                }
                continue;
            }
            // As ruzstd's StreamingDecoder does: decode until enough can be collected.
            while self.decoder.can_collect() < buf.len() && !self.decoder.is_finished() {
                let more = buf.len() - self.decoder.can_collect();
                self.decoder
                    .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBytes(more))
                    .map_err(zstd_error)?;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.decoder.is_finished() && self.decoder.can_collect() == 0 {
                self.in_frame = false;
            }
        }
    }
}

/// Events cut from one input, with their positions, ready for parsing.
#[derive(Debug, Default)]
pub struct Batch {
    /// Index of the input in the list given to the scan.
    pub input: usize,
    /// The events' bytes, one after the other.
    pub buf: Vec<u8>,
    /// The events (ranges of `buf`) and the problems found while reading, in input order.
    pub items: Vec<Item>,
}

impl Batch {
    /// Full once it holds enough events. The bytes of a line or value still being read count
    /// only once the batch has an event to hand on: a batch holding nothing but the start
    /// of a long event must keep reading (or it would be handed on empty, forever).
    fn is_full(&self) -> bool {
        self.items.len() >= BATCH_ITEMS || (!self.items.is_empty() && self.buf.len() >= BATCH_BYTES)
    }
}

/// An event to parse, or a bad one found while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The event is `buf[start..end]`; it starts on `line` (1-based).
    Event {
        /// Start in the batch's buffer.
        start: usize,
        /// End (exclusive).
        end: usize,
        /// Its line.
        line: u64,
    },
    /// A bad event found while reading (too long, unreadable).
    Bad {
        /// Its line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Lines,
    Values,
}

/// Cuts one input into events.
pub struct Reader {
    src: BufReader<Box<dyn Read + Send>>,
    cut: Cutter,
}

/// The state of cutting, apart from the source (so a chunk borrowed from the source can be
/// cut while the state changes).
struct Cutter {
    mode: Mode,
    max: usize,
    /// The current line (1-based).
    line: u64,
    /// A read error to report once the bytes before it are done.
    pending_error: Option<io::Error>,
    done: bool,
    /// JSON Lines: the line being read, when one is.
    cur: Option<Partial>,
    /// Values: inside a top-level array.
    in_array: bool,
    /// Values: the value being read, when one is.
    value: Option<Value>,
    /// The bytes read so far of a line or value that continues into the next batch.
    carry: Vec<u8>,
}

/// A JSON Lines line being read.
struct Partial {
    start: usize,
    overflow: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueKind {
    /// An object or array: ends when its brackets balance.
    Container,
    /// A string: ends at its closing quote.
    String,
    /// A number, literal or garbage: ends before whitespace, `,`, `]` or `}`.
    Scalar,
}

/// A value of a values stream being read.
struct Value {
    start: usize,
    line: u64,
    kind: ValueKind,
    depth: u64,
    in_string: bool,
    escape: bool,
    len: usize,
    overflow: bool,
}

impl Reader {
    /// Reads the start of `raw` to decide its form. Never fails: a read error becomes a bad
    /// event once the bytes before it are cut.
    pub fn new(mut raw: Box<dyn Read + Send>, max: usize) -> Reader {
        let cap = max.saturating_add(1 << 16);
        let mut head: Vec<u8> = Vec::new();
        let mut eof = false;
        let mut pending_error = None;
        let mut bom_checked = false;
        // Decide as soon as the bytes allow (a stream such as `tail -f` must not wait for
        // more), but look again only when the head has doubled: linear time overall.
        let mut next_look = 0;
        let mode = loop {
            if !eof {
                let old = head.len();
                let room = (old.max(1 << 16)).min(cap.saturating_sub(old)).max(1);
                head.resize(old + room, 0);
                match raw.read(&mut head[old..]) {
                    Ok(0) => {
                        head.truncate(old);
                        eof = true;
                    }
                    Ok(n) => head.truncate(old + n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => head.truncate(old),
                    Err(e) => {
                        head.truncate(old);
                        pending_error = Some(e);
                        eof = true;
                    }
                }
            }
            if !bom_checked && (head.len() >= 3 || eof) {
                bom_checked = true;
                if head.starts_with(b"\xEF\xBB\xBF") {
                    head.drain(..3);
                }
            }
            let complete = eof || head.len() >= cap;
            if head.len() < next_look && !complete {
                continue;
            }
            match detect(&head, complete) {
                Some(mode) => break mode,
                None => next_look = head.len().saturating_mul(2),
            }
        };
        let src: Box<dyn Read + Send> = if eof {
            Box::new(Cursor::new(head))
        } else {
            Box::new(Cursor::new(head).chain(raw))
        };
        Reader {
            src: BufReader::with_capacity(1 << 18, src),
            cut: Cutter {
                mode,
                max,
                line: 1,
                pending_error,
                done: false,
                cur: None,
                in_array: false,
                value: None,
                carry: Vec::new(),
            },
        }
    }

    /// Adds events to `batch` until it is full or the input ends; false once the input has
    /// ended (the batch may still hold its last events).
    pub fn fill(&mut self, batch: &mut Batch) -> bool {
        let cut = &mut self.cut;
        cut.take_over(batch);
        while !cut.done && !batch.is_full() {
            let chunk = match self.src.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    cut.pending_error = Some(e);
                    &[][..]
                }
            };
            if chunk.is_empty() {
                cut.finish(batch);
                break;
            }
            let used = match cut.mode {
                Mode::Lines => lines_step(cut, chunk, batch),
                Mode::Values => values_step(cut, chunk, batch),
            };
            self.src.consume(used);
            if self.src.buffer().is_empty() && !batch.items.is_empty() {
                // Hand on what has come so far rather than wait for more: a slow stream's
                // events are evaluated as they arrive.
                break;
            }
        }
        cut.hand_over(batch);
        !cut.done
    }
}

impl Cutter {
    /// Moves the bytes of a line or value still being read out of a batch about to be handed
    /// on, to start the next one.
    fn hand_over(&mut self, batch: &mut Batch) {
        let start = match (&self.cur, &self.value) {
            (Some(p), _) => p.start,
            (None, Some(v)) => v.start,
            (None, None) => return,
        };
        self.carry = batch.buf.split_off(start);
    }

    /// Puts the bytes [`Cutter::hand_over`] kept at the start of a new batch.
    fn take_over(&mut self, batch: &mut Batch) {
        let start = batch.buf.len();
        match (&mut self.cur, &mut self.value) {
            (Some(p), _) => p.start = start,
            (None, Some(v)) => v.start = start,
            (None, None) => return,
        }
        batch.buf.append(&mut self.carry);
    }
    /// The end of the input: the last line or value, an unclosed array, a read error.
    fn finish(&mut self, batch: &mut Batch) {
        if let Some(e) = self.pending_error.take() {
            // The line or value being read was cut by the error: it is not reported on its
            // own, the error is, where it starts.
            let line = match (self.cur.take(), self.value.take()) {
                (Some(p), _) => {
                    batch.buf.truncate(p.start);
                    self.line
                }
                (None, Some(v)) => {
                    batch.buf.truncate(v.start);
                    v.line
                }
                (None, None) => self.line,
            };
            batch.items.push(Item::Bad {
                line,
                message: format!("cannot read past this point: {e}"),
            });
        } else if let Some(p) = self.cur.take() {
            self.end_line(p, batch);
        } else if let Some(v) = self.value.take() {
            self.end_value(v, batch);
        } else if self.in_array {
            batch.items.push(Item::Bad {
                line: self.line,
                message: "the input ends inside an array (`]` is missing): truncated?".to_owned(),
            });
        }
        self.done = true;
    }

    fn end_line(&mut self, p: Partial, batch: &mut Batch) {
        let line = self.line;
        if p.overflow {
            batch.items.push(Item::Bad {
                line,
                message: format!(
                    "line is longer than {} bytes (--max-line-bytes); skipped",
                    self.max
                ),
            });
            return;
        }
        let text = &batch.buf[p.start..];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.iter().all(u8::is_ascii_whitespace) {
            batch.buf.truncate(p.start);
            return;
        }
        batch.items.push(Item::Event {
            start: p.start,
            end: batch.buf.len(),
            line,
        });
    }

    fn end_value(&mut self, v: Value, batch: &mut Batch) {
        if v.overflow {
            batch.items.push(Item::Bad {
                line: v.line,
                message: format!(
                    "event is longer than {} bytes (--max-line-bytes); skipped",
                    self.max
                ),
            });
        } else {
            batch.items.push(Item::Event {
                start: v.start,
                end: batch.buf.len(),
                line: v.line,
            });
        }
    }
}

/// JSON Lines: takes bytes up to and including the next newline.
fn lines_step(r: &mut Cutter, chunk: &[u8], batch: &mut Batch) -> usize {
    let p = r.cur.get_or_insert(Partial {
        start: batch.buf.len(),
        overflow: false,
    });
    let (piece, used, ends) = match memchr(b'\n', chunk) {
        Some(i) => (&chunk[..i], i + 1, true),
        None => (chunk, chunk.len(), false),
    };
    if !p.overflow {
        if batch.buf.len() - p.start + piece.len() > r.max {
            p.overflow = true;
            batch.buf.truncate(p.start);
        } else {
            batch.buf.extend_from_slice(piece);
        }
    }
    if ends {
        let p = r.cur.take().expect("a line is being read");
        r.end_line(p, batch);
        r.line += 1;
    }
    used
}

/// Values: takes bytes up to the end of the next value (or of the chunk), handing the value on
/// when it ends. Returns how much of the chunk it used.
fn values_step(r: &mut Cutter, chunk: &[u8], batch: &mut Batch) -> usize {
    let mut i = 0;
    while i < chunk.len() {
        let Some(v) = r.value.as_mut() else {
            // Between values.
            let b = chunk[i];
            match b {
                b'\n' => r.line += 1,
                b' ' | b'\t' | b'\r' => {}
                b',' if r.in_array => {}
                b']' if r.in_array => r.in_array = false,
                b'[' if !r.in_array => r.in_array = true,
                _ => {
                    let start = batch.buf.len();
                    let line = r.line;
                    let (kind, depth, in_string) = match b {
                        b'{' | b'[' => (ValueKind::Container, 1, false),
                        b'"' => (ValueKind::String, 0, true),
                        b'}' | b']' | b',' => {
                            // A stray byte: a value of its own, which the parser rejects.
                            batch.buf.push(b);
                            batch.items.push(Item::Event {
                                start,
                                end: start + 1,
                                line,
                            });
                            i += 1;
                            if batch.is_full() {
                                return i;
                            }
                            continue;
                        }
                        _ => (ValueKind::Scalar, 0, false),
                    };
                    // The opening byte is part of the value.
                    batch.buf.push(b);
                    r.value = Some(Value {
                        start,
                        line,
                        kind,
                        depth,
                        in_string,
                        escape: false,
                        len: 1,
                        overflow: false,
                    });
                }
            }
            i += 1;
            continue;
        };
        // Inside a value: find where it ends, or the end of the chunk.
        let seg = i;
        let mut ended = false;
        while i < chunk.len() {
            if v.in_string {
                if v.escape {
                    v.escape = false;
                    i += 1;
                    continue;
                }
                match memchr3(b'"', b'\\', b'\n', &chunk[i..]) {
                    None => i = chunk.len(),
                    Some(k) => {
                        i += k;
                        match chunk[i] {
                            b'"' => {
                                v.in_string = false;
                                i += 1;
                                if v.kind == ValueKind::String {
                                    ended = true;
                                    break;
                                }
                            }
                            b'\\' => {
                                v.escape = true;
                                i += 1;
                            }
                            _ => {
                                r.line += 1;
                                i += 1;
                            }
                        }
                    }
                }
                continue;
            }
            let b = chunk[i];
            match v.kind {
                ValueKind::Scalar => {
                    if matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}') {
                        // Ends before this byte, which belongs to what follows.
                        ended = true;
                        break;
                    }
                }
                ValueKind::Container | ValueKind::String => match b {
                    b'"' => v.in_string = true,
                    b'{' | b'[' => v.depth += 1,
                    b'}' | b']' => {
                        v.depth -= 1;
                        if v.depth == 0 {
                            i += 1;
                            ended = true;
                            break;
                        }
                    }
                    b'\n' => r.line += 1,
                    _ => {}
                },
            }
            i += 1;
        }
        let piece = &chunk[seg..i];
        if !v.overflow {
            if v.len + piece.len() > r.max {
                v.overflow = true;
                batch.buf.truncate(v.start);
            } else {
                batch.buf.extend_from_slice(piece);
            }
        }
        v.len = v.len.saturating_add(piece.len());
        if ended {
            let v = r.value.take().expect("a value is being read");
            r.end_value(v, batch);
            if batch.is_full() {
                return i;
            }
        }
    }
    i
}

/// Decides the form from the start of the input; `None` when more bytes are needed.
fn detect(head: &[u8], complete: bool) -> Option<Mode> {
    let Some(i) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return complete.then_some(Mode::Lines);
    };
    match head[i] {
        b'[' => Some(Mode::Values),
        b'{' => match value_end(&head[i..]) {
            Some(end) if memchr(b'\n', &head[i..i + end]).is_some() => Some(Mode::Values),
            Some(_) => Some(Mode::Lines),
            // A first line cut short, with JSON Lines after it, never closes.
            None => complete.then_some(Mode::Lines),
        },
        _ => Some(Mode::Lines),
    }
}

/// Where the object or array at the start of `bytes` ends (exclusive), if it does.
fn value_end(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                loop {
                    let k = i + memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
                    if bytes[k] == b'\\' {
                        i = k + 2;
                    } else {
                        i = k;
                        break;
                    }
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that gives a few bytes per read, as a slow pipe does.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn cut(text: &[u8], max: usize) -> Vec<(u64, Result<String, String>)> {
        cut_from(Box::new(Cursor::new(text.to_vec())), max)
    }

    fn cut_from(src: Box<dyn Read + Send>, max: usize) -> Vec<(u64, Result<String, String>)> {
        let mut r = Reader::new(src, max);
        let mut out = Vec::new();
        loop {
            let mut b = Batch::default();
            let more = r.fill(&mut b);
            for it in b.items {
                out.push(match it {
                    Item::Event { start, end, line } => (
                        line,
                        Ok(String::from_utf8_lossy(&b.buf[start..end]).into_owned()),
                    ),
                    Item::Bad { line, message } => (line, Err(message)),
                });
            }
            if !more {
                return out;
            }
        }
    }

    fn ok(line: u64, s: &str) -> (u64, Result<String, String>) {
        (line, Ok(s.to_owned()))
    }

    #[test]
    fn json_lines_with_blank_lines_and_crlf() {
        let got = cut(b"{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}", 100);
        assert_eq!(
            got,
            [ok(1, "{\"a\":1}\r"), ok(4, "{\"b\":2}"), ok(5, "{\"c\":3}")]
        );
    }

    #[test]
    fn over_long_line_is_reported_and_skipped() {
        let got = cut(
            b"{\"a\":1}\n{\"b\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"c\":3}\n",
            12,
        );
        assert_eq!(got[0], ok(1, "{\"a\":1}"));
        assert_eq!(got[1].0, 2);
        assert!(
            got[1]
                .1
                .as_ref()
                .unwrap_err()
                .contains("longer than 12 bytes")
        );
        assert_eq!(got[2], ok(3, "{\"c\":3}"));
    }

    #[test]
    fn pretty_array_elements_start_where_they_open() {
        let text = b"[\n  {\n    \"a\": \"x]}\\\"\",\n    \"b\": [1, 2]\n  },\n  {\"c\": 3},\n  42, \"s\",\n  [1]\n]\n";
        let got = cut(text, 1000);
        assert_eq!(
            got,
            [
                ok(2, "{\n    \"a\": \"x]}\\\"\",\n    \"b\": [1, 2]\n  }"),
                ok(6, "{\"c\": 3}"),
                ok(7, "42"),
                ok(7, "\"s\""),
                ok(8, "[1]"),
            ]
        );
    }

    #[test]
    fn pretty_documents_one_after_another() {
        let got = cut(b"\n{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}\n", 1000);
        assert_eq!(got, [ok(2, "{\n  \"a\": 1\n}"), ok(5, "{\n  \"b\": 2\n}")]);
    }

    #[test]
    fn truncated_array_and_stray_bytes() {
        let got = cut(b"[{\"a\":1},\n{\"b\":", 1000);
        assert_eq!(got, [ok(1, "{\"a\":1}"), ok(2, "{\"b\":")]);
        let got = cut(b"[{\"a\":1},\n", 1000);
        assert_eq!(got[0], ok(1, "{\"a\":1}"));
        assert!(got[1].1.as_ref().unwrap_err().contains("`]` is missing"));
        let got = cut(b"[{\"a\":1}}, {\"b\":2}]", 1000);
        assert_eq!(got, [ok(1, "{\"a\":1}"), ok(1, "}"), ok(1, "{\"b\":2}")]);
    }

    #[test]
    fn too_long_array_element() {
        let text = format!("[\n{{\"a\":\"{}\"}},\n{{\"b\":1}}\n]", "x".repeat(5000));
        let got = cut(text.as_bytes(), 100);
        assert!(got[0].1.as_ref().unwrap_err().contains("longer than 100"));
        assert_eq!(got[0].0, 2);
        assert_eq!(got[1], ok(3, "{\"b\":1}"));
    }

    /// Lines and values that continue from one batch into the next (small reads, big events)
    /// come out the same as when read whole.
    #[test]
    fn events_across_batches() {
        let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(300_000));
        let mut jsonl = String::new();
        let mut array = String::from("[\n");
        for i in 0..12 {
            let ev = if i % 3 == 0 {
                big.clone()
            } else {
                format!("{{\"i\":{i}}}")
            };
            jsonl.push_str(&ev);
            jsonl.push('\n');
            array.push_str(&ev);
            array.push_str(",\n");
        }
        array.push_str("{\n  \"last\": [1,\n 2]\n}\n]\n");
        let long_line = format!("{{\"a\":1}}\n{}\n{{\"b\":2}}\n", "y".repeat(2_000_000));
        for text in [jsonl, array, long_line, "{\"a\":1}\n{\"b\":\n".to_owned()] {
            let whole = cut(text.as_bytes(), 1 << 20);
            assert!(whole.len() >= 2);
            for step in [1, 7, 4096, 70_000] {
                let src = Trickle {
                    data: text.clone().into_bytes(),
                    at: 0,
                    step,
                };
                if step == 1 && text.len() > 1_000_000 {
                    continue;
                }
                assert_eq!(cut_from(Box::new(src), 1 << 20), whole, "step {step}");
            }
        }
    }

    #[test]
    fn detection() {
        assert_eq!(detect(b"{\"a\":1}\n{", true), Some(Mode::Lines));
        assert_eq!(detect(b"  [", false), Some(Mode::Values));
        assert_eq!(detect(b"{\n\"a\":1\n}", false), Some(Mode::Values));
        assert_eq!(detect(b"{\"a\":1\n{\"b\":2}\n", false), None);
        assert_eq!(detect(b"{\"a\":1\n{\"b\":2}\n", true), Some(Mode::Lines));
        assert_eq!(detect(b"garbage\n", false), Some(Mode::Lines));
        assert_eq!(detect(b"", true), Some(Mode::Lines));
        assert_eq!(detect(b"{\"a\":\"}\\\"\"}", false), Some(Mode::Lines));
    }

    #[test]
    fn event_file_names() {
        for n in [
            "a.json",
            "a.JSONL",
            "b.ndjson.gz",
            "c.log.zst",
            "d.jsonlines",
        ] {
            assert!(is_event_file(n), "{n}");
        }
        for n in ["README.md", "a.yml", "a.gz", "json"] {
            assert!(!is_event_file(n), "{n}");
        }
    }
}
