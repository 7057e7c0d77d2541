//! Following a run's logs over the client: [`Follower::next`] waits its [`Cadence`], re-reads
//! the run details while the run is active (log files appear as nodes start, and signed URLs
//! are renewed), reads each selected file from its offset with a byte range (only new bytes
//! travel) and returns the new lines as a [`Batch`]. When the run is terminal every file is
//! read once more to its end and held partial lines are flushed; then the batch says `ended`.
//!
//! A failed request (429, 5xx, dropped connection, after the pipeline's own retries) is
//! returned as the error with every offset as it was, and lines already read in that poll are
//! kept for the next batch: the next `next()` resumes where it stopped, no line lost, none
//! repeated. This module does no printing and holds no terminal code; it reads only through
//! `AmlClient` and never shows a signed URL.

use super::split::{Line, MAX_LINE};
use super::tail::{Cadence, Phase, RunTail};
use super::{LogKind, log_kind};
use crate::azure::AmlClient;
use crate::azure::error::AzureError;
use crate::azure::models::RunDetails;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// Which of a run's log files to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSelect {
    /// The std log of one rank (`user_logs/std_log_process_<N>.txt` and the other namings).
    Rank(u32),
    /// Every rank's std log (every `user_logs/` file when no file names a rank).
    AllRanks,
    /// One file by its name as the service lists it.
    File(String),
    /// Rank 0's std log, else the first `user_logs/` file the service lists.
    Default,
}

/// What one poll brought.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// New complete lines, each with its file's name, in file order then line order.
    pub lines: Vec<(Arc<str>, Line)>,
    /// The run's status as the service says it (empty before the first details).
    pub status: String,
    /// The run is terminal and every selected file was read to its end and finished.
    pub ended: bool,
    /// Log files the run lists now that it did not list before (selected or not).
    pub new_files: Vec<String>,
}

/// Counters for the closing note: requests and bytes fetched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowStats {
    pub polls: u64,
    pub details_requests: u64,
    pub range_requests: u64,
    pub bytes: u64,
    pub errors: u64,
}

/// Reads while active per file and poll (each up to the service's range cap, 4 MiB on the
/// emulator) before letting the other files and the caller have their turn.
const READS_PER_POLL: u32 = 4;

/// Follows the logs of one run.
#[derive(Debug)]
pub struct Follower {
    client: AmlClient,
    job: String,
    select: FileSelect,
    run: RunTail,
    /// Every file the run lists: name → (shared name, signed URL).
    listed: BTreeMap<String, (Arc<str>, Url)>,
    details: Option<RunDetails>,
    status: String,
    cadence: Cadence,
    /// Run details are re-read at most this often while active.
    details_every: Duration,
    last_details: Option<Instant>,
    /// Lines read but not handed out yet (a later request of the same poll failed).
    pending: Vec<(Arc<str>, Line)>,
    new_files: Vec<String>,
    wait: Duration,
    errors_in_row: u32,
    ended: bool,
    stats: FollowStats,
}

impl Follower {
    pub fn new(client: AmlClient, job: String, select: FileSelect) -> Self {
        Follower::with_cadence(client, job, select, Cadence::default())
    }

    /// A follower polling at another pace (a fast emulator, tests).
    pub fn with_cadence(client: AmlClient, job: String, select: FileSelect, c: Cadence) -> Self {
        Follower {
            client,
            job,
            select,
            run: RunTail::with_max_line(MAX_LINE),
            listed: BTreeMap::new(),
            details: None,
            status: String::new(),
            details_every: Duration::from_millis(c.active_ms),
            cadence: c,
            last_details: None,
            pending: Vec::new(),
            new_files: Vec::new(),
            wait: Duration::ZERO,
            errors_in_row: 0,
            ended: false,
            stats: FollowStats::default(),
        }
    }

    pub fn job(&self) -> &str {
        &self.job
    }

    /// The last run details read (status, error, warnings, log files).
    pub fn details(&self) -> Option<&RunDetails> {
        self.details.as_ref()
    }

    /// The run's status as last read.
    pub fn status(&self) -> &str {
        &self.status
    }

    /// The names of the files being followed, sorted.
    pub fn files(&self) -> Vec<String> {
        self.run.names()
    }

    /// Every file the run lists, sorted.
    pub fn listed_files(&self) -> Vec<String> {
        self.listed.keys().cloned().collect()
    }

    /// The offset reached in `name`, if it is followed.
    pub fn offset(&self, name: &str) -> Option<u64> {
        self.run.file(name).map(|t| t.offset())
    }

    pub fn stats(&self) -> FollowStats {
        self.stats
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Waits its cadence (nothing before the first poll), polls, and returns the new lines.
    /// On an error the offsets are unchanged and lines read before it come in the next batch.
    pub async fn next(&mut self) -> Result<Batch, AzureError> {
        if self.ended {
            return Ok(self.batch());
        }
        if !self.wait.is_zero() {
            tokio::time::sleep(self.wait).await;
        }
        self.stats.polls += 1;
        let bytes_before = self.stats.bytes;
        match self.poll().await {
            Ok(more_now) => {
                self.errors_in_row = 0;
                let had_data = self.stats.bytes > bytes_before || !self.pending.is_empty();
                if self.run.names().is_empty() {
                    // Waiting for the run's first log file: keep the active pace (no back-off)
                    // so the text shows as soon as it appears.
                    self.cadence.reset();
                }
                let delay = self.cadence.next_delay_ms(had_data);
                self.wait = if more_now || self.ended {
                    Duration::ZERO
                } else {
                    Duration::from_millis(delay)
                };
                Ok(self.batch())
            }
            Err(e) => {
                self.stats.errors += 1;
                self.errors_in_row = self.errors_in_row.saturating_add(1);
                let shift = (self.errors_in_row - 1).min(8);
                let delay = self.cadence.active_ms.saturating_mul(1 << shift);
                self.wait = Duration::from_millis(delay.min(self.cadence.max_ms));
                Err(e)
            }
        }
    }

    fn batch(&mut self) -> Batch {
        Batch {
            lines: std::mem::take(&mut self.pending),
            status: self.status.clone(),
            ended: self.ended,
            new_files: std::mem::take(&mut self.new_files),
        }
    }

    /// One poll. Ok(true) when some file has more to read right away.
    async fn poll(&mut self) -> Result<bool, AzureError> {
        let due = self
            .last_details
            .is_none_or(|at| at.elapsed() >= self.details_every);
        if self.run.phase() == Phase::Active && due {
            let details = self.client.run_details(&self.job).await?;
            self.stats.details_requests += 1;
            self.last_details = Some(Instant::now());
            self.take_details(details);
        }
        let mut more_now = false;
        for name in self.run.names() {
            let Some((shared, url)) = self.listed.get(&name).cloned() else {
                continue;
            };
            let mut reads = 0;
            while self.run.needs_read(&name) {
                let active = self.run.phase() == Phase::Active;
                if reads > 0 && self.run.file(&name).is_none_or(|t| t.at_end()) {
                    break;
                }
                if reads >= READS_PER_POLL {
                    more_now = true;
                    break;
                }
                let Some(offset) = self.offset(&name) else {
                    break;
                };
                let read = self.client.read_log_range(&url, offset).await?;
                self.stats.range_requests += 1;
                reads += 1;
                let mut lines = Vec::new();
                let Some(tail) = self.run.file_mut(&name) else {
                    break;
                };
                let applied = tail.apply(read, &mut lines);
                self.stats.bytes += applied.new_bytes;
                self.pending
                    .extend(lines.into_iter().map(|l| (shared.clone(), l)));
                if active && applied.new_bytes == 0 && !applied.truncated {
                    break;
                }
            }
        }
        let mut last = Vec::new();
        if self.run.end_round(&mut last) {
            for (name, line) in last {
                let shared = self
                    .listed
                    .get(&name)
                    .map(|(s, _)| s.clone())
                    .unwrap_or_else(|| Arc::from(name.as_str()));
                self.pending.push((shared, line));
            }
            self.ended = true;
        }
        Ok(more_now)
    }

    /// Takes in fresh run details: status, new files and renewed URLs, the selection.
    fn take_details(&mut self, details: RunDetails) {
        if let Some(status) = &details.status {
            self.status = status.as_str().to_owned();
        }
        for (name, url) in &details.log_files {
            let Ok(url) = Url::parse(url) else {
                tracing::warn!(file = %name, "log file with an unreadable URL skipped");
                continue;
            };
            match self.listed.get_mut(name) {
                Some(entry) => entry.1 = url,
                None => {
                    self.new_files.push(name.clone());
                    self.listed
                        .insert(name.clone(), (Arc::from(name.as_str()), url));
                }
            }
        }
        for name in selected(&self.select, self.listed.keys(), &self.run.names()) {
            self.run.add_file(&name);
        }
        let terminal = details.status.as_ref().is_some_and(|s| s.is_terminal());
        self.details = Some(details);
        self.run.observe_status(terminal);
    }
}

/// The files of `listed` that `select` picks; `followed` are those followed already (a
/// `Default` choice, once made, stays).
pub fn selected<'a>(
    select: &FileSelect,
    listed: impl Iterator<Item = &'a String>,
    followed: &[String],
) -> Vec<String> {
    let names: Vec<&String> = listed.collect();
    match select {
        FileSelect::File(file) => names.into_iter().filter(|n| *n == file).cloned().collect(),
        FileSelect::Rank(rank) => names
            .into_iter()
            .filter(|n| matches!(log_kind(n), LogKind::Rank { rank: r, .. } if r == *rank))
            .cloned()
            .collect(),
        FileSelect::AllRanks => {
            let ranks: Vec<String> = names
                .iter()
                .filter(|n| matches!(log_kind(n), LogKind::Rank { .. }))
                .map(|n| (*n).clone())
                .collect();
            if ranks.is_empty() {
                names
                    .into_iter()
                    .filter(|n| log_kind(n) == LogKind::User)
                    .cloned()
                    .collect()
            } else {
                ranks
            }
        }
        FileSelect::Default => {
            if !followed.is_empty() {
                return Vec::new();
            }
            let user = |n: &String| n.starts_with("user_logs/");
            names
                .iter()
                .find(|n| user(n) && matches!(log_kind(n), LogKind::Rank { rank: 0, .. }))
                .or_else(|| names.iter().find(|n| user(n)))
                .map(|n| vec![(*n).clone()])
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_follower_can_move_to_a_task() {
        fn send<T: Send + 'static>(_: &T) {}
        let client = AmlClient::new(
            crate::azure::WorkspaceContext::new(crate::azure::Cloud::AzureCloud, "s", "g", "w"),
            crate::azure::http::Pipeline::new(None, Default::default()).unwrap(),
        );
        let mut follower = Follower::new(client, "job".into(), FileSelect::AllRanks);
        send(&follower);
        let future = async move { follower.next().await.map(|b| b.lines.len()) };
        send(&future);
    }

    #[test]
    fn selection_of_files() {
        let listed = names(&[
            "system_logs/lifecycler/execution.txt",
            "user_logs/other.txt",
            "user_logs/std_log_process_0.txt",
            "user_logs/std_log_process_1.txt",
        ]);
        let pick = |s: &FileSelect, followed: &[String]| selected(s, listed.iter(), followed);
        assert_eq!(
            pick(&FileSelect::AllRanks, &[]),
            names(&[
                "user_logs/std_log_process_0.txt",
                "user_logs/std_log_process_1.txt"
            ])
        );
        assert_eq!(
            pick(&FileSelect::Rank(1), &[]),
            names(&["user_logs/std_log_process_1.txt"])
        );
        assert!(pick(&FileSelect::Rank(7), &[]).is_empty());
        assert_eq!(
            pick(&FileSelect::Default, &[]),
            names(&["user_logs/std_log_process_0.txt"])
        );
        assert!(pick(&FileSelect::Default, &names(&["x"])).is_empty());
        assert_eq!(
            pick(&FileSelect::File("user_logs/other.txt".into()), &[]),
            names(&["user_logs/other.txt"])
        );
        // No rank files yet: Default takes the first user log, AllRanks every user log.
        let early = names(&["system_logs/a.txt", "user_logs/b.txt", "user_logs/c.txt"]);
        assert_eq!(
            selected(&FileSelect::Default, early.iter(), &[]),
            names(&["user_logs/b.txt"])
        );
        assert_eq!(
            selected(&FileSelect::AllRanks, early.iter(), &[]),
            names(&["user_logs/b.txt", "user_logs/c.txt"])
        );
        assert!(
            selected(
                &FileSelect::Default,
                names(&["system_logs/a.txt"]).iter(),
                &[]
            )
            .is_empty()
        );
    }
}
