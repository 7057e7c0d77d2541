//! Following a local run's log (`compute: local`, `submit::local`): [`LocalFollower::next`]
//! returns the same [`Batch`] as the remote [`super::Follower`], so the TUI's log view and
//! `amlc logs` use it unchanged. The one file is `user_logs/std_log.txt` (rank 0). Each poll
//! reads the run's status first (from its folder, reconciled), then the file from its offset,
//! at most [`LocalFollower::POLL_BYTES`] per poll ([`Batch::more`] when more is waiting); a
//! partial last line is held until its newline arrives or the run ends. Once the status is
//! terminal and the file was read to its end, the held line is flushed and the batch says
//! `ended`; later calls wait and return empty ended batches. A file that shrinks (truncated
//! by the user) is read again from its start.
//!
//! Reads only the run's folder (status and log), never the command or its environment; no
//! terminal code.

use super::{Batch, Cadence, Line, LineSplitter, MAX_LINE};
use crate::submit::local::{LOG_FILE, LocalError, LocalRuns, LocalStatus};
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::Duration;

/// Follows one local run's log.
#[derive(Debug)]
pub struct LocalFollower {
    runs: LocalRuns,
    name: String,
    file: Arc<str>,
    offset: u64,
    splitter: LineSplitter,
    cadence: Cadence,
    polled: bool,
    more: bool,
    listed: bool,
    ended: bool,
    status: String,
    poll_bytes: u64,
    delay_ms: u64,
}

impl LocalFollower {
    /// Bytes read per poll at most.
    pub const POLL_BYTES: u64 = 1024 * 1024;

    pub fn new(runs: LocalRuns, name: impl Into<String>) -> Self {
        LocalFollower {
            runs,
            name: name.into(),
            file: Arc::from(LOG_FILE),
            offset: 0,
            splitter: LineSplitter::new(MAX_LINE),
            cadence: Cadence::with_intervals(100, 250, 1000),
            polled: false,
            more: false,
            listed: false,
            ended: false,
            status: String::new(),
            poll_bytes: Self::POLL_BYTES,
            delay_ms: 100,
        }
    }

    /// Lines keep their exact bytes (`Line::raw`), for `amlc logs` into a pipe.
    pub fn keep_raw(mut self) -> Self {
        self.splitter = LineSplitter::new(MAX_LINE).keep_raw();
        self
    }

    pub fn with_cadence(mut self, cadence: Cadence) -> Self {
        self.cadence = cadence;
        self
    }

    /// At most `bytes` read per poll (at least 1).
    pub fn with_poll_bytes(mut self, bytes: u64) -> Self {
        self.poll_bytes = bytes.max(1);
        self
    }

    pub fn job(&self) -> &str {
        &self.name
    }

    pub fn status(&self) -> &str {
        &self.status
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The files followed (the one log).
    pub fn files(&self) -> Vec<String> {
        vec![self.file.to_string()]
    }

    /// Waits its cadence (not before the first poll, nor when more bytes are waiting), then
    /// returns what the log brought.
    pub async fn next(&mut self) -> Result<Batch, LocalError> {
        if self.polled && !self.more {
            let ms = if self.ended {
                self.cadence.active_ms
            } else {
                self.delay_ms
            };
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        self.polled = true;
        let runs = self.runs.clone();
        let name = self.name.clone();
        // Disk reads off the async threads (a slow disk never stalls the TUI's runtime).
        let mut state = std::mem::replace(&mut self.splitter, LineSplitter::new(1));
        let offset = self.offset;
        let poll_bytes = self.poll_bytes;
        let ended_before = self.ended;
        let res = tokio::task::spawn_blocking(move || {
            let r = poll(&runs, &name, &mut state, offset, poll_bytes, ended_before);
            (state, r)
        })
        .await
        .map_err(|e| LocalError::Invalid(format!("log reader stopped: {e}")))?;
        self.splitter = res.0;
        let got = res.1?;
        self.offset = got.offset;
        self.more = got.more;
        self.status = got.status.as_str().to_string();
        let mut batch = Batch {
            status: self.status.clone(),
            more: got.more,
            ..Batch::default()
        };
        if got.exists && !self.listed {
            self.listed = true;
            batch.new_files.push(self.file.to_string());
        }
        if got.ended && !self.ended {
            self.ended = true;
        }
        batch.ended = self.ended;
        let had = !got.lines.is_empty();
        self.delay_ms = self.cadence.next_delay_ms(had);
        batch.lines = got
            .lines
            .into_iter()
            .map(|l| (Arc::clone(&self.file), l))
            .collect();
        Ok(batch)
    }
}

struct Polled {
    lines: Vec<Line>,
    offset: u64,
    status: LocalStatus,
    more: bool,
    ended: bool,
    exists: bool,
}

fn poll(
    runs: &LocalRuns,
    name: &str,
    splitter: &mut LineSplitter,
    mut offset: u64,
    poll_bytes: u64,
    ended_before: bool,
) -> Result<Polled, LocalError> {
    // The status first: a run seen ended here wrote its last byte before this read.
    let run = runs
        .read(name)?
        .ok_or_else(|| LocalError::Invalid(format!("no local run {name}")))?;
    let mut lines = Vec::new();
    if ended_before {
        return Ok(Polled {
            lines,
            offset,
            status: run.status,
            more: false,
            ended: true,
            exists: true,
        });
    }
    let path = run.log_path();
    let mut more = false;
    let mut exists = false;
    match std::fs::File::open(&path) {
        Ok(mut f) => {
            exists = true;
            let len = f
                .metadata()
                .map_err(|e| LocalError::Io {
                    path: path.clone(),
                    source: e,
                })?
                .len();
            if len < offset {
                // Truncated: read again from its start.
                offset = 0;
                splitter.reset();
            }
            let want = (len - offset).min(poll_bytes);
            if want > 0 {
                f.seek(SeekFrom::Start(offset))
                    .map_err(|e| LocalError::Io {
                        path: path.clone(),
                        source: e,
                    })?;
                let mut buf = Vec::with_capacity(want as usize);
                f.take(want)
                    .read_to_end(&mut buf)
                    .map_err(|e| LocalError::Io {
                        path: path.clone(),
                        source: e,
                    })?;
                offset += buf.len() as u64;
                splitter.push(&buf, &mut lines);
            }
            more = offset < len;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(LocalError::Io { path, source: e }),
    }
    let ended = run.status.is_terminal() && !more;
    if ended {
        splitter.finish(&mut lines);
    }
    Ok(Polled {
        lines,
        offset,
        status: run.status,
        more,
        ended,
        exists,
    })
}
