//! What becomes of a command's standard output and error: thrown away, passed through to the
//! runner's own streams with a job prefix, or captured into one file per run.
//!
//! Whatever the command writes is read as it comes, by one thread per pipe, so a command that
//! writes a lot never blocks on a full pipe. Only a bounded tail of it is kept in memory (for
//! the run's event); the whole text goes to the run's file, or through to the runner's streams.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use schedctl_trigger::{Tz, ZonedTime};

use crate::lock;

/// The tail of a run's output kept for its event is at most this many bytes…
pub const TAIL_BYTES: usize = 2048;
/// …and at most this many lines.
pub const TAIL_LINES: usize = 20;

/// A line passed through (`Output::Inherit`) longer than this is passed on in pieces, each
/// with the job prefix.
const LINE_MAX: usize = 8192;

/// How long to wait, once the command has ended, for the processes it left running to close
/// its output. Output they write later still goes to the run's file, but not to the event.
const EOF_GRACE: Duration = Duration::from_secs(1);

/// What becomes of the standard output and error of the commands a scheduler runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// Both to the null device (the default).
    #[default]
    Discard,
    /// Both passed through to the runner's own standard output and error, each line prefixed
    /// with `[job-id] `. The event gets the tail.
    Inherit,
    /// Both, interleaved as the command writes them, into one file per run,
    /// `DIR/<job id, escaped>/<fire time in UTC>.log`, of which the newest `keep` (at least one)
    /// of each job are kept. The event gets the tail and the file.
    Capture {
        /// The directory of the jobs' directories (created when missing).
        dir: PathBuf,
        /// How many files each job keeps.
        keep: usize,
    },
}

/// What a command wrote, as its event tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RunOutput {
    /// The end of the output, standard output and error together: at most the last
    /// [`TAIL_LINES`] lines and [`TAIL_BYTES`] bytes, without its final newline, invalid UTF-8
    /// replaced.
    pub tail: String,
    /// How many bytes the command wrote in all.
    pub bytes: u64,
    /// The file with the whole output (`Output::Capture`).
    pub file: Option<PathBuf>,
    /// Why the output could not be written to its file (it still has a tail).
    pub file_error: Option<String>,
}

/// The last bytes of a stream: at most `2 * TAIL_BYTES` in memory whatever comes in.
#[derive(Debug, Default)]
struct Tail {
    buf: Vec<u8>,
    total: u64,
}

impl Tail {
    fn push(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        if data.len() >= TAIL_BYTES {
            self.buf.clear();
            self.buf.extend_from_slice(&data[data.len() - TAIL_BYTES..]);
            return;
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() > 2 * TAIL_BYTES {
            let cut = self.buf.len() - TAIL_BYTES;
            self.buf.drain(..cut);
        }
    }

    fn text(&self) -> String {
        let mut bytes = &self.buf[self.buf.len().saturating_sub(TAIL_BYTES)..];
        let cut = (bytes.len() as u64) < self.total;
        if cut {
            // Not in the middle of a character…
            let skip = bytes
                .iter()
                .take(3)
                .take_while(|b| (**b & 0xC0) == 0x80)
                .count();
            bytes = &bytes[skip..];
        }
        let text = String::from_utf8_lossy(bytes);
        let mut text: &str = text.strip_suffix('\n').unwrap_or(&text);
        if cut {
            // …nor of a line, unless it is all there is.
            if let Some(i) = text.find('\n') {
                text = &text[i + 1..];
            }
        }
        if let Some((i, _)) = text.rmatch_indices('\n').nth(TAIL_LINES - 1) {
            text = &text[i + 1..];
        }
        text.to_owned()
    }
}

/// What the threads reading a command's pipes share.
#[derive(Debug, Default)]
struct Shared {
    tail: Tail,
    file_error: Option<String>,
}

/// Where one pipe's bytes go besides the tail.
enum Sink {
    /// The run's file (none when it could not be created).
    File(Option<(std::fs::File, PathBuf)>),
    /// The runner's standard output or error, line by line with a prefix.
    Prefixed {
        prefix: Vec<u8>,
        stderr: bool,
        line: Vec<u8>,
    },
}

impl Sink {
    fn write(&mut self, data: &[u8], shared: &Mutex<Shared>) {
        match self {
            Sink::File(file) => {
                let failed = match file {
                    Some((f, path)) => f
                        .write_all(data)
                        .err()
                        .map(|e| format!("cannot write `{}`: {e}", path.display())),
                    None => None,
                };
                if let Some(message) = failed {
                    // Reading goes on (the command must not block), into the tail only.
                    lock(shared).file_error = Some(message);
                    *file = None;
                }
            }
            Sink::Prefixed {
                prefix,
                stderr,
                line,
            } => {
                let mut rest = data;
                while !rest.is_empty() {
                    let room = LINE_MAX - line.len();
                    let (piece, ends) = match rest.iter().take(room).position(|b| *b == b'\n') {
                        Some(i) => (&rest[..=i], true),
                        None => (&rest[..rest.len().min(room)], false),
                    };
                    line.extend_from_slice(piece);
                    rest = &rest[piece.len()..];
                    if ends || line.len() >= LINE_MAX {
                        pass_line(prefix, *stderr, line);
                    }
                }
            }
        }
    }

    /// At the end of the pipe: passes a last line without newline on.
    fn finish(&mut self) {
        if let Sink::Prefixed {
            prefix,
            stderr,
            line,
        } = self
        {
            pass_line(prefix, *stderr, line);
        }
    }
}

/// Passes the line so far on, with its prefix, in one write (lines of concurrent runs never
/// mix), ending it with a newline when it has none.
fn pass_line(prefix: &[u8], stderr: bool, line: &mut Vec<u8>) {
    if line.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(prefix.len() + line.len() + 1);
    out.extend_from_slice(prefix);
    out.extend_from_slice(line);
    if !line.ends_with(b"\n") {
        out.push(b'\n');
    }
    line.clear();
    // A runner whose own streams are closed still runs its jobs.
    let _ = if stderr {
        std::io::stderr().lock().write_all(&out)
    } else {
        let mut o = std::io::stdout().lock();
        o.write_all(&out).and_then(|()| o.flush())
    };
}

/// The readers of one run's pipes; [`Readers::finish`] gives its [`RunOutput`].
pub(crate) struct Readers {
    shared: Arc<Mutex<Shared>>,
    done: mpsc::Receiver<()>,
    count: usize,
    file: Option<PathBuf>,
}

impl Readers {
    /// Starts reading `pipes` (each with its sink) on threads of their own.
    fn start(pipes: Vec<(Box<dyn Read + Send>, Sink)>, shared: Shared) -> Readers {
        let shared = Arc::new(Mutex::new(shared));
        let (tx, done) = mpsc::channel();
        let mut count = 0;
        let mut file = None;
        for (pipe, sink) in pipes {
            if let Sink::File(Some((_, path))) = &sink {
                file = Some(path.clone());
            }
            let (shared, tx) = (shared.clone(), tx.clone());
            let started = std::thread::Builder::new()
                .name("schedctl-output".into())
                .spawn(move || {
                    pump(pipe, sink, &shared);
                    let _ = tx.send(());
                });
            // Without its thread the pipe is closed (the closure is dropped with it): the
            // command gets EPIPE rather than blocking on a pipe nobody reads.
            if started.is_ok() {
                count += 1;
            }
        }
        Readers {
            shared,
            done,
            count,
            file,
        }
    }

    /// The output once the command has ended: waits for the pipes to close, for at most
    /// [`EOF_GRACE`] (processes the command left running may keep them open).
    pub(crate) fn finish(self) -> RunOutput {
        let deadline = std::time::Instant::now() + EOF_GRACE;
        for _ in 0..self.count {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if self.done.recv_timeout(left).is_err() {
                break;
            }
        }
        let shared = lock(&self.shared);
        RunOutput {
            tail: shared.tail.text(),
            bytes: shared.tail.total,
            file: self.file,
            file_error: shared.file_error.clone(),
        }
    }
}

/// Reads `pipe` to its end into the tail and `sink`.
fn pump(mut pipe: Box<dyn Read + Send>, mut sink: Sink, shared: &Mutex<Shared>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                lock(shared).tail.push(&buf[..n]);
                sink.write(&buf[..n], shared);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    sink.finish();
}

/// Connects the command's standard output and error as `output` says, before it is spawned.
/// The returned value makes the readers once it has been spawned.
pub(crate) fn connect(
    cmd: &mut std::process::Command,
    output: &Output,
) -> std::io::Result<Connected> {
    use std::process::Stdio;
    Ok(match output {
        Output::Discard => {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            Connected::Discard
        }
        Output::Inherit => {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            Connected::Inherit
        }
        Output::Capture { dir, keep } => {
            // One pipe for both: the file has them in the order the command wrote them.
            let (reader, writer) = std::io::pipe()?;
            cmd.stdout(writer.try_clone()?).stderr(writer);
            Connected::Capture {
                reader,
                dir: dir.clone(),
                keep: *keep,
            }
        }
    })
}

/// A command's output connected by [`connect`], waiting for the command to be spawned.
pub(crate) enum Connected {
    Discard,
    Inherit,
    Capture {
        reader: std::io::PipeReader,
        dir: PathBuf,
        keep: usize,
    },
}

impl Connected {
    /// Starts reading the spawned `child`'s output; none when it is discarded. The command
    /// that spawned it must have been dropped (it holds the pipe's writing end).
    pub(crate) fn start(
        self,
        child: &mut std::process::Child,
        job: &str,
        fire: &ZonedTime,
    ) -> Option<Readers> {
        match self {
            Connected::Discard => None,
            Connected::Inherit => {
                let prefix = format!("[{job}] ").into_bytes();
                let mut pipes: Vec<(Box<dyn Read + Send>, Sink)> = Vec::new();
                if let Some(out) = child.stdout.take() {
                    let sink = Sink::Prefixed {
                        prefix: prefix.clone(),
                        stderr: false,
                        line: Vec::new(),
                    };
                    pipes.push((Box::new(out), sink));
                }
                if let Some(err) = child.stderr.take() {
                    let sink = Sink::Prefixed {
                        prefix,
                        stderr: true,
                        line: Vec::new(),
                    };
                    pipes.push((Box::new(err), sink));
                }
                Some(Readers::start(pipes, Shared::default()))
            }
            Connected::Capture { reader, dir, keep } => {
                let mut shared = Shared::default();
                let file = match open_run_file(&dir, job, fire, keep) {
                    Ok(f) => Some(f),
                    Err(e) => {
                        shared.file_error = Some(e);
                        None
                    }
                };
                Some(Readers::start(
                    vec![(Box::new(reader), Sink::File(file))],
                    shared,
                ))
            }
        }
    }
}

/// Creates the file of a run, and removes the job's oldest files beyond `keep`.
fn open_run_file(
    dir: &Path,
    job: &str,
    fire: &ZonedTime,
    keep: usize,
) -> Result<(std::fs::File, PathBuf), String> {
    let job_dir = dir.join(job_dir_name(job));
    std::fs::create_dir_all(&job_dir)
        .map_err(|e| format!("cannot create `{}`: {e}", job_dir.display()))?;
    let path = job_dir.join(run_file_name(fire));
    let file = std::fs::File::create(&path)
        .map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
    rotate(&job_dir, keep.max(1), &path);
    Ok((file, path))
}

/// A job id as one safe file name: ASCII letters, digits, `-`, `_` and `.` (not leading) as
/// they are, every other byte as `%XX`, so `/`, `..`, NUL, spaces and control characters can
/// neither leave the directory nor hide in it. Distinct ids give distinct names (on
/// case-sensitive file systems); a name longer than 200 bytes is cut, and ends with a hash of
/// the whole id. The empty id is `%`.
pub fn job_dir_name(id: &str) -> String {
    if id.is_empty() {
        return "%".into();
    }
    let mut name = String::with_capacity(id.len());
    for (i, b) in id.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0);
        if plain {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    if name.len() > 200 {
        // FNV-1a: stable across versions and platforms, unlike std's hasher.
        let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        name.truncate(180);
        name.push_str(&format!("~{hash:016x}"));
    }
    name
}

/// The file name of a run: its fire time in UTC with `-` for `:`, as
/// `2026-11-25T13-08-40Z.log` (`...T13-08-40.250000Z.log` with microseconds).
pub fn run_file_name(fire: &ZonedTime) -> String {
    match ZonedTime::from_instant(fire.instant(), Tz::utc()) {
        Ok(utc) => {
            let text = utc.to_string();
            let text = text.strip_suffix("+00:00").unwrap_or(&text);
            format!("{}Z.log", text.replace(':', "-"))
        }
        Err(_) => format!("{}.log", fire.instant().unix_micros()),
    }
}

/// The sort key of a run file's name (chronological), none for other files.
fn rotation_key(name: &str) -> Option<String> {
    let stem = name.strip_suffix("Z.log")?;
    let ok = stem.len() >= 19
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'T' || b == b'.');
    if !ok {
        return None;
    }
    Some(if stem.contains('.') {
        stem.to_owned()
    } else {
        format!("{stem}.000000")
    })
}

/// Removes the oldest run files of `job_dir` until `keep` are left, never `current`.
fn rotate(job_dir: &Path, keep: usize, current: &Path) {
    let Ok(entries) = std::fs::read_dir(job_dir) else {
        return;
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let key = rotation_key(e.file_name().to_str()?)?;
            Some((key, e.path()))
        })
        .collect();
    if files.len() <= keep {
        return;
    }
    files.sort();
    let excess = files.len() - keep;
    for (_, path) in files.iter().filter(|(_, p)| p != current).take(excess) {
        // Another run of the job may have removed it first.
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_is_bounded_and_ends_at_the_end() {
        let mut t = Tail::default();
        for i in 0..100_000 {
            t.push(format!("line {i}\n").as_bytes());
            assert!(t.buf.len() <= 2 * TAIL_BYTES);
        }
        let text = t.text();
        assert!(text.ends_with("line 99999"), "{text}");
        assert_eq!(text.lines().count(), TAIL_LINES);
        assert!(text.starts_with("line 99980"), "{text}");
        let mut big = Tail::default();
        big.push(&vec![b'x'; 5_000_000]);
        big.push(b"\nlast words\n");
        assert!(big.buf.len() <= 2 * TAIL_BYTES);
        assert_eq!(big.text(), "last words");
        assert_eq!(big.total, 5_000_012);
        let mut one_long_line = Tail::default();
        one_long_line.push(&vec![b'y'; 10_000]);
        assert_eq!(one_long_line.text().len(), TAIL_BYTES);
    }

    #[test]
    fn a_cut_tail_starts_on_a_character() {
        let mut t = Tail::default();
        t.push("é".repeat(3000).as_bytes());
        let text = t.text();
        assert!(!text.contains('\u{FFFD}'), "{text}");
        assert!(text.len() <= TAIL_BYTES);
    }

    #[test]
    fn job_ids_become_safe_distinct_names() {
        assert_eq!(job_dir_name("nightly-report_2"), "nightly-report_2");
        assert_eq!(job_dir_name("a/b"), "a%2Fb");
        assert_eq!(job_dir_name(".."), "%2E.");
        assert_eq!(job_dir_name("."), "%2E");
        assert_eq!(job_dir_name(".hidden"), "%2Ehidden");
        assert_eq!(job_dir_name("nul\0byte"), "nul%00byte");
        assert_eq!(job_dir_name("50%"), "50%25");
        assert_eq!(job_dir_name("é"), "%C3%A9");
        assert_eq!(job_dir_name(""), "%");
        let long = "x".repeat(500);
        let name = job_dir_name(&long);
        assert!(name.len() <= 200);
        assert_ne!(name, job_dir_name(&"x".repeat(501)));
    }

    #[test]
    fn run_files_are_named_in_utc_and_sort_by_time() {
        let zone = schedctl_trigger::Zone::get("Europe/Paris").expect("zone");
        let fire = ZonedTime::from_instant(
            schedctl_trigger::Instant::from_unix_seconds(1_795_000_000),
            Tz::Zone(zone),
        )
        .expect("in range");
        assert_eq!(run_file_name(&fire), "2026-11-18T11-06-40Z.log");
        let later = ZonedTime::from_instant(
            schedctl_trigger::Instant::from_unix_micros(1_795_000_000_250_000),
            Tz::Zone(zone),
        )
        .expect("in range");
        assert_eq!(run_file_name(&later), "2026-11-18T11-06-40.250000Z.log");
        let (a, b) = (
            rotation_key(&run_file_name(&fire)),
            rotation_key(&run_file_name(&later)),
        );
        assert!(a.is_some() && a < b);
        assert_eq!(rotation_key("notes.txt"), None);
    }
}
