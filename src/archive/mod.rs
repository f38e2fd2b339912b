//! A stream's archive: the SES event records Firehose wrote, in S3 or in a local copy.
//!
//! - `layout`: the stream's prefix as a template → the prefixes a time span touches,
//!   and the hour an object's key says it belongs to.
//! - `record`: one line → a light `Record` that borrows from it and keeps it whole.
//! - here: `Source` (a local directory or an S3 bucket), `Source::list` (the objects
//!   under some prefixes), `Source::scan` (objects read in parallel, a fixed number in
//!   flight, gzip or plain, handed over in chunks of whole lines, results delivered in
//!   object order). Memory stays bounded by the objects in flight, whatever the
//!   archive's size.
//!
//! Only `crate::aws::s3` talks to S3; this module calls it.

pub mod layout;
pub mod record;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use crate::aws::{AwsError, Clients};

pub use layout::{Layout, Span};
pub use record::{Record, RecordError};

/// Where an archive lives.
pub enum Source<'a> {
    /// A directory holding a copy of the stream's output (e.g. `aws s3 sync`): keys are
    /// paths relative to it, with `/`.
    Local { root: PathBuf },
    /// A bucket; reads run on `runtime` (the calling thread must not be inside it).
    S3 {
        clients: &'a Clients,
        bucket: String,
        runtime: tokio::runtime::Handle,
    },
}

/// One object of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// The S3 key, or the path relative to the local root with `/` separators.
    pub key: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read {path}: {source}")]
    Io {
        /// The object or directory, as `Source::describe` names it.
        path: String,
        source: io::Error,
    },
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "{path}: {compression} objects cannot be read; history reads GZIP and UNCOMPRESSED streams"
    )]
    Unsupported {
        path: String,
        compression: &'static str,
    },
}

/// Lists run this many at once on S3.
const LISTS_IN_FLIGHT: usize = 8;
/// Bytes read from an object at a time (plus the part of a line that did not fit).
const CHUNK_BYTES: usize = 1 << 20;

impl Source<'_> {
    /// How an object is named in messages: `s3://bucket/key` or the local path.
    pub fn describe(&self, key: &str) -> String {
        match self {
            Source::Local { root } => root.join(key).display().to_string(),
            Source::S3 { bucket, .. } => format!("s3://{bucket}/{key}"),
        }
    }

    /// Every object under any of `prefixes`, in key order, each once.
    pub fn list(&self, prefixes: &[String]) -> Result<Vec<ObjectRef>, ArchiveError> {
        let mut found: BTreeMap<String, u64> = BTreeMap::new();
        match self {
            Source::Local { root } => {
                for prefix in prefixes {
                    list_local(root, prefix, &mut found)?;
                }
            }
            Source::S3 {
                clients,
                bucket,
                runtime,
            } => {
                let lists = runtime.block_on(async {
                    let mut out = Vec::new();
                    for batch in prefixes.chunks(LISTS_IN_FLIGHT) {
                        let mut set = tokio::task::JoinSet::new();
                        for (i, prefix) in batch.iter().enumerate() {
                            let (clients, bucket, prefix) =
                                ((*clients).clone(), bucket.clone(), prefix.clone());
                            set.spawn(async move {
                                (
                                    i,
                                    crate::aws::s3::list_objects(&clients, &bucket, &prefix).await,
                                )
                            });
                        }
                        let mut results: Vec<_> = set.join_all().await;
                        results.sort_by_key(|(i, _)| *i);
                        out.extend(results.into_iter().map(|(_, r)| r));
                    }
                    out
                });
                for list in lists {
                    for object in list? {
                        found.insert(object.key, object.size);
                    }
                }
            }
        }
        Ok(found
            .into_iter()
            .map(|(key, size)| ObjectRef { key, size })
            .collect())
    }

    /// Reads `objects`, `workers` at a time, each through `process` (on a worker
    /// thread, given the object's lines in chunks), and hands each result to `emit` on
    /// the calling thread in the order of `objects`. At most `2 × workers` objects are
    /// between being started and being emitted, so memory is bounded by the objects in
    /// flight. The first error (from reading, `process` or `emit`) stops the scan: no
    /// new object is started and the error is returned.
    pub fn scan<T, E, P, M>(
        &self,
        objects: &[ObjectRef],
        workers: usize,
        process: P,
        mut emit: M,
    ) -> Result<(), E>
    where
        T: Send,
        E: From<ArchiveError> + Send,
        P: Fn(&ObjectRef, &mut Chunks<'_>) -> Result<T, E> + Sync,
        M: FnMut(&ObjectRef, T) -> Result<(), E>,
    {
        let workers = workers.clamp(1, objects.len().max(1));
        let window = 2 * workers;
        let next_to_start = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        // How many objects have been emitted; workers wait while they are `window` ahead.
        let emitted = (Mutex::new(0usize), Condvar::new());
        let (sender, receiver) = mpsc::sync_channel::<(usize, Result<T, E>)>(window);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let sender = sender.clone();
                let (process, next_to_start, stop, emitted) =
                    (&process, &next_to_start, &stop, &emitted);
                scope.spawn(move || {
                    loop {
                        let index = next_to_start.fetch_add(1, Ordering::SeqCst);
                        if index >= objects.len() {
                            return;
                        }
                        {
                            let (count, ready) = emitted;
                            let mut done = count.lock().unwrap_or_else(|p| p.into_inner());
                            while index >= *done + window && !stop.load(Ordering::SeqCst) {
                                done = ready.wait(done).unwrap_or_else(|p| p.into_inner());
                            }
                        }
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        let object = &objects[index];
                        let result = self.open(object).map_err(E::from).and_then(|reader| {
                            let mut chunks = Chunks::new(reader, self.describe(&object.key));
                            process(object, &mut chunks)
                        });
                        if sender.send((index, result)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(sender);
            let outcome = (|| {
                let mut pending: BTreeMap<usize, Result<T, E>> = BTreeMap::new();
                let mut next = 0;
                while next < objects.len() {
                    let Ok((index, result)) = receiver.recv() else {
                        break;
                    };
                    pending.insert(index, result);
                    while let Some(result) = pending.remove(&next) {
                        emit(&objects[next], result?)?;
                        next += 1;
                        let (count, ready) = &emitted;
                        *count.lock().unwrap_or_else(|p| p.into_inner()) = next;
                        ready.notify_all();
                    }
                }
                Ok(())
            })();
            if outcome.is_err() {
                stop.store(true, Ordering::SeqCst);
                emitted.1.notify_all();
            }
            // Workers blocked on a full channel see it closed and stop.
            drop(receiver);
            outcome
        })
    }

    /// The object's bytes, decompressed when they are gzip (by their magic number, not
    /// the key: Firehose adds `.gz`, a copy may not).
    fn open(&self, object: &ObjectRef) -> Result<Box<dyn BufRead + '_>, ArchiveError> {
        let path = self.describe(&object.key);
        let io_error = |source| ArchiveError::Io {
            path: path.clone(),
            source,
        };
        let mut reader: Box<dyn BufRead> = match self {
            Source::Local { root } => {
                let file = File::open(root.join(&object.key)).map_err(io_error)?;
                Box::new(BufReader::with_capacity(256 << 10, file))
            }
            Source::S3 {
                clients,
                bucket,
                runtime,
            } => {
                let bytes =
                    runtime.block_on(crate::aws::s3::get_object(clients, bucket, &object.key))?;
                Box::new(io::Cursor::new(bytes))
            }
        };
        let head = reader.fill_buf().map_err(io_error)?;
        Ok(match head {
            [0x1f, 0x8b, ..] => Box::new(BufReader::with_capacity(
                256 << 10,
                flate2::bufread::MultiGzDecoder::new(reader),
            )),
            [b'P', b'K', 3, 4, ..] => {
                return Err(ArchiveError::Unsupported {
                    path,
                    compression: "ZIP",
                });
            }
            [0xff, 0x06, 0, 0, b's', b'N', b'a', b'P', b'p', b'Y', ..] => {
                return Err(ArchiveError::Unsupported {
                    path,
                    compression: "Snappy",
                });
            }
            _ => reader,
        })
    }
}

/// An object's lines, handed out in chunks of whole lines.
pub struct Chunks<'a> {
    reader: Box<dyn BufRead + 'a>,
    path: String,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data; `buf[consumed..filled]` is the part of a line the
    /// last chunk left out.
    filled: usize,
    consumed: usize,
    /// Line number (from 1) of the first line of the next chunk.
    next_line: u64,
    eof: bool,
}

/// Whole lines of an object (each ending with `\n`, except perhaps the object's last).
pub struct Chunk<'c> {
    pub bytes: &'c [u8],
    /// The line number, from 1, of the chunk's first line.
    pub first_line: u64,
}

impl<'c> Chunk<'c> {
    /// The chunk's lines, with their numbers, without line breaks.
    pub fn lines(&self) -> impl Iterator<Item = (u64, &'c [u8])> + 'c {
        let bytes = self.bytes;
        let first = self.first_line;
        let mut start = 0;
        let mut number = first;
        std::iter::from_fn(move || {
            if start >= bytes.len() {
                return None;
            }
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let line = (number, &bytes[start..end]);
            start = end + 1;
            number += 1;
            Some(line)
        })
    }

    /// The line around byte `offset` of the chunk, with its number.
    pub fn line_at(&self, offset: usize) -> (u64, &'c [u8]) {
        let bytes = self.bytes;
        let offset = offset.min(bytes.len());
        let start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i);
        let number = self.first_line + memchr::memchr_iter(b'\n', &bytes[..start]).count() as u64;
        (number, &bytes[start..end])
    }
}

impl<'a> Chunks<'a> {
    /// Chunks of what `reader` gives; `path` names it in errors.
    pub fn new(reader: Box<dyn BufRead + 'a>, path: String) -> Chunks<'a> {
        Chunks {
            reader,
            path,
            buf: Vec::new(),
            filled: 0,
            consumed: 0,
            next_line: 1,
            eof: false,
        }
    }

    /// The object's name, as `Source::describe` gives it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The next chunk, or `None` at the end of the object.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk<'_>>, ArchiveError> {
        // Keep the partial line the last chunk left, at the front.
        self.buf.copy_within(self.consumed..self.filled, 0);
        self.filled -= self.consumed;
        self.consumed = 0;
        loop {
            if self.buf.len() < self.filled + CHUNK_BYTES / 2 {
                // Room for at least half a chunk more (grows for lines longer than that).
                self.buf.resize(self.filled + CHUNK_BYTES, 0);
            }
            while !self.eof && self.filled < self.buf.len() {
                match self.reader.read(&mut self.buf[self.filled..]) {
                    Ok(0) => self.eof = true,
                    Ok(n) => self.filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(source) => {
                        return Err(ArchiveError::Io {
                            path: self.path.clone(),
                            source,
                        });
                    }
                }
            }
            let end = if self.eof {
                self.filled
            } else {
                match memchr::memrchr(b'\n', &self.buf[..self.filled]) {
                    Some(i) => i + 1,
                    None => continue, // one line longer than the buffer: read more
                }
            };
            if end == 0 {
                return Ok(None);
            }
            self.consumed = end;
            let first_line = self.next_line;
            let bytes = &self.buf[..end];
            self.next_line += memchr::memchr_iter(b'\n', bytes).count() as u64;
            return Ok(Some(Chunk { bytes, first_line }));
        }
    }
}

/// Adds the files under `root` whose relative path starts with `prefix`.
fn list_local(
    root: &Path,
    prefix: &str,
    found: &mut BTreeMap<String, u64>,
) -> Result<(), ArchiveError> {
    // Only the directory the prefix names is walked, not the whole tree.
    let (dir, _) = prefix.rsplit_once('/').unwrap_or(("", prefix));
    let start = if dir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(dir)
    };
    let mut stack = vec![start];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound && dir != root => continue,
            Err(source) => {
                return Err(ArchiveError::Io {
                    path: dir.display().to_string(),
                    source,
                });
            }
        };
        for entry in entries {
            let entry = entry.map_err(|source| ArchiveError::Io {
                path: dir.display().to_string(),
                source,
            })?;
            let path = entry.path();
            let Some(key) = relative_key(root, &path) else {
                continue;
            };
            let meta = entry.metadata().map_err(|source| ArchiveError::Io {
                path: path.display().to_string(),
                source,
            })?;
            if meta.is_dir() {
                // Walk a directory only if keys under it can start with the prefix.
                let as_dir = format!("{key}/");
                if as_dir.starts_with(prefix) || prefix.starts_with(&as_dir) {
                    stack.push(path);
                }
            } else if meta.is_file() && key.starts_with(prefix) {
                found.insert(key, meta.len());
            }
        }
    }
    Ok(())
}

fn relative_key(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn write(root: &Path, key: &str, data: &[u8]) {
        let path = root.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }

    #[test]
    fn local_listing_follows_prefixes_like_s3() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "2026/11/01/05/s-1-a.gz", b"x");
        write(root, "2026/11/01/06/s-1-b", b"xy");
        write(root, "2026/11/02/00/s-1-c", b"xyz");
        write(root, "error/2026/x", b"e");
        let source = Source::Local {
            root: root.to_path_buf(),
        };
        let keys = |prefixes: &[&str]| -> Vec<String> {
            let prefixes: Vec<String> = prefixes.iter().map(|p| p.to_string()).collect();
            source
                .list(&prefixes)
                .unwrap()
                .into_iter()
                .map(|o| o.key)
                .collect()
        };
        assert_eq!(keys(&["2026/11/01/06/"]), ["2026/11/01/06/s-1-b"]);
        assert_eq!(
            keys(&["2026/11/01/", "2026/11/01/05/"]),
            ["2026/11/01/05/s-1-a.gz", "2026/11/01/06/s-1-b"]
        );
        assert_eq!(keys(&["2026/11/0"]).len(), 3);
        assert_eq!(keys(&[""]).len(), 4);
        assert!(keys(&["2027/"]).is_empty());
        let sized = source.list(&["2026/11/02/".to_owned()]).unwrap();
        assert_eq!(sized[0].size, 3);
    }

    #[test]
    fn scan_reads_gzip_and_plain_in_order_with_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Many objects and lines longer than a chunk's half, so workers and chunk
        // boundaries both matter.
        let long = "z".repeat(CHUNK_BYTES);
        let mut expected = Vec::new();
        for i in 0..20 {
            let mut text = String::new();
            for j in 0..3 {
                let line = if j == 1 && i % 5 == 0 {
                    format!("{i}-{j}-{long}")
                } else {
                    format!("{i}-{j}")
                };
                text.push_str(&line);
                text.push('\n');
                expected.push((format!("{i:02}"), j + 1, line));
            }
            let key = format!("a/{i:02}");
            if i % 2 == 0 {
                write(root, &key, &gzip(text.as_bytes()));
            } else {
                // No final line break on the plain ones.
                write(root, &key, text.trim_end().as_bytes());
            }
        }
        let source = Source::Local {
            root: root.to_path_buf(),
        };
        let objects = source.list(&["a/".to_owned()]).unwrap();
        let mut seen = Vec::new();
        source
            .scan(
                &objects,
                3,
                |object, chunks| {
                    let mut lines = Vec::new();
                    while let Some(chunk) = chunks.next_chunk()? {
                        for (number, line) in chunk.lines() {
                            let name = object.key.trim_start_matches("a/").to_owned();
                            lines.push((name, number, String::from_utf8(line.to_vec()).unwrap()));
                        }
                    }
                    Ok::<_, ArchiveError>(lines)
                },
                |_, lines| {
                    seen.extend(lines);
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(seen, expected);
    }

    #[test]
    fn scan_stops_at_the_first_error_and_names_the_object() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "k/1", b"fine\n");
        let mut corrupt = gzip(b"hello\n");
        let middle = corrupt.len() / 2;
        corrupt[middle] ^= 0xff;
        corrupt.truncate(middle + 2);
        write(root, "k/2.gz", &corrupt);
        write(root, "k/3.zip", b"PK\x03\x04rest");
        let source = Source::Local {
            root: root.to_path_buf(),
        };
        let objects = source.list(&["k/".to_owned()]).unwrap();
        let read_all = |objects: &[ObjectRef]| {
            source.scan(
                objects,
                2,
                |_, chunks| {
                    let mut n = 0;
                    while let Some(chunk) = chunks.next_chunk()? {
                        n += chunk.lines().count();
                    }
                    Ok::<_, ArchiveError>(n)
                },
                |_, _| Ok(()),
            )
        };
        let error = read_all(&objects[..2]).unwrap_err().to_string();
        assert!(error.contains("k/2.gz"), "{error}");
        let error = read_all(&objects[2..]).unwrap_err().to_string();
        assert!(error.contains("ZIP objects cannot be read"), "{error}");
    }

    #[test]
    fn line_at_finds_the_line_around_an_offset() {
        let chunk = Chunk {
            bytes: b"one\ntwo\nthree",
            first_line: 10,
        };
        assert_eq!(chunk.line_at(5), (11, &b"two"[..]));
        assert_eq!(chunk.line_at(0), (10, &b"one"[..]));
        assert_eq!(chunk.line_at(12), (12, &b"three"[..]));
    }
}
