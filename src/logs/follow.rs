//! Following a run's logs over the client: [`Follower::next`] waits its [`Cadence`], re-reads
//! the run details while the run is active (log files appear as nodes start, and signed URLs
//! are renewed: every ~second until the selected files are known, then every ~5 s, and at once
//! after a 403/401 on a file), reads each selected file from its offset with bounded byte
//! ranges (only new bytes travel; at most [`FollowLimits::poll_bytes`] per poll over all files,
//! [`Batch::more`] saying that more is waiting) and returns the new lines as a [`Batch`]. When
//! the run is terminal every file is read once more to its end and held partial lines are
//! flushed; then the batch says `ended`. A run whose status is neither active nor terminal
//! (`CancelRequested`, `Unknown`, an unknown value, or no status) for
//! [`FollowLimits::end_grace`] (30 s) ends the same way, with that status.
//!
//! Errors are per file: a transient failure (429, 5xx, dropped connection, after the
//! pipeline's own retries) leaves that file's offset as it was and the other files go on; a
//! 403/401 (or any failure during the final read) re-reads the run details once (signed URLs
//! renew) and tries again; a file that still fails, fails otherwise (a decode error, a 206
//! that lies), or fails transiently [`FollowLimits::max_file_errors`] times in a row is given
//! up (its held partial line flushed, named in [`Batch::failed_files`]) and the others go on.
//! `next()` returns an error when no file could be read in a poll (every failure transient:
//! call again, it resumes from its offsets) or when every followed file is given up. Lines
//! read in a poll are never dropped: when the poll ends in an error they come first in an `Ok`
//! batch and the error comes from the next call. Truncation is acted on only when a second
//! read confirms it; during the final read a 416 that does not say the size is checked with a
//! one-byte probe. After the end, `next()` waits the active interval and returns an empty
//! ended batch (a loop that does not stop on `ended` does not spin).
//!
//! This module does no printing and holds no terminal code; it reads only through `AmlClient`
//! and never shows a signed URL.

use super::split::{Line, MAX_LINE};
use super::tail::{Cadence, Phase, RunTail};
use super::{LogKind, log_kind};
use crate::azure::AmlClient;
use crate::azure::error::{AzureError, ErrorKind};
use crate::azure::logs::{LogRead, MAX_RANGE};
use crate::azure::models::{JobStatus, RunDetails};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Rank 0's std log (`user_logs/`, else the v1 `azureml-logs/70_driver_log*.txt`), else
    /// the first `user_logs/` file the service lists.
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
    /// The poll stopped early because of a cap (bytes per poll, reads per file): more bytes
    /// are waiting now, and the next `next()` does not wait.
    pub more: bool,
    /// Files given up in this poll, with why (their reads failed for good); the other files
    /// go on.
    pub failed_files: Vec<(String, String)>,
}

/// Counters for the closing note: requests and bytes fetched over the whole follow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowStats {
    pub polls: u64,
    pub details_requests: u64,
    pub range_requests: u64,
    /// Log bytes taken in (the same as `bytes_log`).
    pub bytes: u64,
    /// Log bytes taken in.
    pub bytes_log: u64,
    /// Every response body byte received: details, 206/200 bodies, 416/404 bodies, probes
    /// (not the bodies of failed requests).
    pub bytes_total: u64,
    /// Of `bytes_total`, the run details.
    pub bytes_details: u64,
    /// Polls that brought no log byte, and the bytes they fetched.
    pub idle_polls: u64,
    pub bytes_idle: u64,
    /// Polls that brought log bytes, and the bytes they fetched.
    pub active_polls: u64,
    pub bytes_active: u64,
    pub errors: u64,
}

impl FollowStats {
    /// Bytes fetched per poll that brought no log byte.
    pub fn bytes_per_idle_poll(&self) -> f64 {
        self.bytes_idle as f64 / self.idle_polls.max(1) as f64
    }

    /// Bytes fetched per poll that brought log bytes.
    pub fn bytes_per_active_poll(&self) -> f64 {
        self.bytes_active as f64 / self.active_polls.max(1) as f64
    }
}

/// Bounds of one follower (tests shrink them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowLimits {
    /// The most bytes one ranged read asks for.
    pub range_bytes: u64,
    /// The most log bytes one poll takes over all files before saying `more`.
    pub poll_bytes: u64,
    /// A status neither active nor terminal (or none) for this long ends the follow.
    pub end_grace: Duration,
    /// Transient failures in a row on one file before it is given up.
    pub max_file_errors: u32,
}

impl Default for FollowLimits {
    fn default() -> Self {
        FollowLimits {
            range_bytes: MAX_RANGE,
            poll_bytes: 16 * 1024 * 1024,
            end_grace: Duration::from_secs(30),
            max_file_errors: 20,
        }
    }
}

/// Reads while active per file and poll (each up to `range_bytes`) before letting the other
/// files and the caller have their turn.
const READS_PER_POLL: u32 = 4;

/// Details are re-read this many active intervals apart once the selected files are known.
const DETAILS_SLOW_FACTOR: u32 = 5;

fn transient(e: &AzureError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Network | ErrorKind::Service
    )
}

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
    limits: FollowLimits,
    last_details: Option<Instant>,
    /// Lines read but not handed out yet.
    pending: Vec<(Arc<str>, Line)>,
    new_files: Vec<String>,
    failed_files: Vec<(String, String)>,
    /// An error that ended a poll whose lines were handed out first.
    deferred: Option<AzureError>,
    /// The last file given up, and why.
    last_failure: Option<String>,
    /// Transient failures in a row per file.
    file_errors: BTreeMap<String, u32>,
    /// Files whose URL was renewed after a failure (until a read succeeds).
    renewed: BTreeSet<String>,
    /// Since when the status is neither active nor terminal.
    inactive_since: Option<Instant>,
    wait: Duration,
    errors_in_row: u32,
    ended: bool,
    stats: FollowStats,
}

impl Follower {
    pub fn new(client: AmlClient, job: String, select: FileSelect) -> Self {
        Follower::with_cadence(client, job, select, Cadence::default())
    }

    /// Lines carry their exact bytes ([`Line::raw`]): for output that must be what the job
    /// wrote (`amlc logs` into a pipe). Call before the first `next()`.
    pub fn keep_raw(mut self) -> Self {
        self.run = std::mem::take(&mut self.run).keep_raw();
        self
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
            cadence: c,
            limits: FollowLimits::default(),
            last_details: None,
            pending: Vec::new(),
            new_files: Vec::new(),
            failed_files: Vec::new(),
            deferred: None,
            last_failure: None,
            file_errors: BTreeMap::new(),
            renewed: BTreeSet::new(),
            inactive_since: None,
            wait: Duration::ZERO,
            errors_in_row: 0,
            ended: false,
            stats: FollowStats::default(),
        }
    }

    /// The same follower with other bounds.
    pub fn with_limits(mut self, limits: FollowLimits) -> Self {
        self.limits = FollowLimits {
            range_bytes: limits.range_bytes.max(1),
            poll_bytes: limits.poll_bytes.max(1),
            ..limits
        };
        self
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
    /// After the end it waits the active interval and returns an empty ended batch. See the
    /// module header for errors: lines read are never dropped.
    pub async fn next(&mut self) -> Result<Batch, AzureError> {
        if let Some(e) = self.deferred.take() {
            self.back_off_after_error();
            return Err(e);
        }
        if self.ended {
            // Not at once: a loop that misses `ended` must not spin.
            tokio::time::sleep(Duration::from_millis(self.cadence.active_ms)).await;
            return Ok(self.batch(false));
        }
        if !self.wait.is_zero() {
            tokio::time::sleep(self.wait).await;
        }
        self.stats.polls += 1;
        let log_before = self.stats.bytes_log;
        let total_before = self.stats.bytes_total;
        let polled = self.poll().await;
        let fetched = self.stats.bytes_total - total_before;
        if self.stats.bytes_log > log_before {
            self.stats.active_polls += 1;
            self.stats.bytes_active += fetched;
        } else {
            self.stats.idle_polls += 1;
            self.stats.bytes_idle += fetched;
        }
        match polled {
            Ok(more_now) => {
                self.errors_in_row = 0;
                let had_data = self.stats.bytes_log > log_before || !self.pending.is_empty();
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
                Ok(self.batch(more_now))
            }
            Err(e) => {
                self.stats.errors += 1;
                if !self.pending.is_empty() || !self.failed_files.is_empty() {
                    // Hand out what was read; the error comes from the next call.
                    self.deferred = Some(e);
                    self.wait = Duration::ZERO;
                    return Ok(self.batch(false));
                }
                self.back_off_after_error();
                Err(e)
            }
        }
    }

    fn back_off_after_error(&mut self) {
        self.errors_in_row = self.errors_in_row.saturating_add(1);
        let shift = (self.errors_in_row - 1).min(8);
        let delay = self.cadence.active_ms.saturating_mul(1 << shift);
        self.wait = Duration::from_millis(delay.min(self.cadence.max_ms));
    }

    fn batch(&mut self, more: bool) -> Batch {
        Batch {
            lines: std::mem::take(&mut self.pending),
            status: self.status.clone(),
            ended: self.ended,
            new_files: std::mem::take(&mut self.new_files),
            more,
            failed_files: std::mem::take(&mut self.failed_files),
        }
    }

    /// How often the details are re-read now.
    fn details_every(&self) -> Duration {
        let active = Duration::from_millis(self.cadence.active_ms);
        let running = JobStatus::parse(&self.status).is_active();
        if self.run.names().is_empty() || !running {
            // Waiting for the files, or watching a status that may end the follow.
            active
        } else {
            active * DETAILS_SLOW_FACTOR
        }
    }

    async fn read_details(&mut self) -> Result<(), AzureError> {
        let (details, size) = self.client.run_details_sized(&self.job).await?;
        self.stats.details_requests += 1;
        self.stats.bytes_details += size;
        self.stats.bytes_total += size;
        self.last_details = Some(Instant::now());
        self.take_details(details);
        Ok(())
    }

    /// One poll. Ok(true) when some file has more to read right away.
    async fn poll(&mut self) -> Result<bool, AzureError> {
        let due = self
            .last_details
            .is_none_or(|at| at.elapsed() >= self.details_every());
        if self.run.phase() == Phase::Active && due {
            self.read_details().await?;
        }
        let names = self.run.names();
        let mut budget = self.limits.poll_bytes;
        let mut more_now = false;
        let mut any_ok = false;
        let mut last_transient: Option<AzureError> = None;
        let mut renew: Vec<(String, AzureError)> = Vec::new();
        // Start at another file each poll, so a file that fills the budget does not starve
        // the others.
        let n = names.len().max(1);
        let first = (self.stats.polls as usize) % n;
        for name in names.iter().cycle().skip(first).take(names.len()) {
            if budget == 0 {
                if self.run.needs_read(name) {
                    more_now = true;
                }
                continue;
            }
            match self.read_file(name, &mut budget).await {
                Ok(more) => {
                    any_ok = true;
                    more_now |= more;
                }
                Err(e) => {
                    let renewable = matches!(e.kind(), ErrorKind::Forbidden | ErrorKind::Auth)
                        || self.run.phase() == Phase::FinalRead;
                    if renewable && !self.renewed.contains(name) {
                        renew.push((name.clone(), e));
                    } else if let Some(e) = self.file_failed(name, e) {
                        last_transient = Some(e);
                    }
                }
            }
        }
        if !renew.is_empty() {
            // Signed URLs renew with the run details: read them once, then try again.
            if let Err(e) = self.read_details().await {
                for (name, _) in &renew {
                    self.renewed.insert(name.clone());
                }
                return Err(e);
            }
            for (name, _) in renew {
                self.renewed.insert(name.clone());
                match self.read_file(&name, &mut budget).await {
                    Ok(more) => {
                        any_ok = true;
                        more_now |= more;
                    }
                    Err(e) => {
                        if let Some(e) = self.file_failed(&name, e) {
                            last_transient = Some(e);
                        }
                    }
                }
            }
        }
        let followed = self.run.names();
        if !followed.is_empty()
            && followed
                .iter()
                .all(|n| self.run.file(n).is_some_and(|t| t.failed()))
        {
            let why = self.last_failure.clone().unwrap_or_default();
            return Err(AzureError::Invalid(format!(
                "none of the run's log files can be read ({why})"
            )));
        }
        if let Some(e) = last_transient
            && !any_ok
        {
            return Err(e);
        }
        let mut last = Vec::new();
        if self.run.end_round(&mut last) {
            for (name, line) in last {
                let shared = self.shared(&name);
                self.pending.push((shared, line));
            }
            self.ended = true;
        }
        Ok(more_now)
    }

    fn shared(&self, name: &str) -> Arc<str> {
        self.listed
            .get(name)
            .map(|(s, _)| s.clone())
            .unwrap_or_else(|| Arc::from(name))
    }

    /// A read of `name` failed: a transient failure is counted (and returned) until there
    /// are too many in a row; otherwise the file is given up. Returns the error to report
    /// for a transient failure.
    fn file_failed(&mut self, name: &str, e: AzureError) -> Option<AzureError> {
        if transient(&e) {
            let count = self.file_errors.entry(name.to_owned()).or_insert(0);
            *count += 1;
            if *count < self.limits.max_file_errors {
                self.stats.errors += 1;
                return Some(e);
            }
        }
        self.stats.errors += 1;
        tracing::warn!(file = %name, error = %e, "log file given up");
        let mut lines = Vec::new();
        self.run.give_up(name, &mut lines);
        let shared = self.shared(name);
        self.pending
            .extend(lines.into_iter().map(|(_, l)| (shared.clone(), l)));
        self.last_failure = Some(format!("{name}: {e}"));
        self.failed_files.push((name.to_owned(), e.to_string()));
        None
    }

    /// Reads `name` from its offset, up to `READS_PER_POLL` ranges and `budget` log bytes.
    /// Ok(true) when it stopped at a cap with more to read. On an error the offset stays where
    /// the last good read left it (lines before it are pending).
    async fn read_file(&mut self, name: &str, budget: &mut u64) -> Result<bool, AzureError> {
        let Some((shared, url)) = self.listed.get(name).cloned() else {
            return Ok(false);
        };
        let mut reads = 0;
        while self.run.needs_read(name) {
            let active = self.run.phase() == Phase::Active;
            if reads > 0 && self.run.file(name).is_none_or(|t| t.at_end()) {
                break;
            }
            if reads >= READS_PER_POLL || *budget == 0 {
                return Ok(true);
            }
            let Some(offset) = self.offset(name) else {
                break;
            };
            let ask = self.limits.range_bytes.min(*budget);
            let read = self.read_range(&url, offset, ask).await?;
            reads += 1;
            self.file_errors.remove(name);
            self.renewed.remove(name);
            let mut lines = Vec::new();
            let Some(tail) = self.run.file_mut(name) else {
                break;
            };
            let applied = tail.apply(read, &mut lines);
            self.stats.bytes += applied.new_bytes;
            self.stats.bytes_log += applied.new_bytes;
            *budget = budget.saturating_sub(applied.new_bytes);
            self.pending
                .extend(lines.into_iter().map(|l| (shared.clone(), l)));
            if active && applied.new_bytes == 0 && !applied.truncated {
                break;
            }
        }
        Ok(false)
    }

    /// One ranged read, with truncation confirmed by a second read, and during the final read
    /// a 416 that does not say the size checked with a one-byte probe.
    async fn read_range(
        &mut self,
        url: &Url,
        offset: u64,
        ask: u64,
    ) -> Result<LogRead, AzureError> {
        let read = self.chunk(url, offset, ask).await?;
        match read {
            LogRead::Truncated { .. } => {
                // Acted on only if a second read says the same (a flapping answer would
                // otherwise repeat every line).
                self.chunk(url, offset, ask).await
            }
            LogRead::NoNewData { total: None } if self.run.phase() == Phase::FinalRead => {
                match self.probe(url).await? {
                    Some(total) if total < offset => match self.probe(url).await? {
                        Some(again) if again < offset => Ok(LogRead::Truncated { total: again }),
                        total => Ok(LogRead::NoNewData { total }),
                    },
                    total => Ok(LogRead::NoNewData { total }),
                }
            }
            read => Ok(read),
        }
    }

    async fn chunk(&mut self, url: &Url, offset: u64, ask: u64) -> Result<LogRead, AzureError> {
        let answer = self.client.read_log_chunk(url, offset, ask).await?;
        self.stats.range_requests += 1;
        self.stats.bytes_total += answer.wire_bytes;
        Ok(answer.read)
    }

    async fn probe(&mut self, url: &Url) -> Result<Option<u64>, AzureError> {
        let (total, wire) = self.client.probe_log_size(url).await?;
        self.stats.range_requests += 1;
        self.stats.bytes_total += wire;
        Ok(total)
    }

    /// Takes in fresh run details: status, new files and renewed URLs, the selection, and
    /// whether the run is over (terminal, or neither active nor terminal for `end_grace`).
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
        let active = details.status.as_ref().is_some_and(|s| s.is_active());
        let running = matches!(
            details.status,
            Some(JobStatus::Running | JobStatus::Finalizing)
        );
        self.cadence.set_running(running);
        let stale = if terminal || active {
            self.inactive_since = None;
            false
        } else {
            let since = *self.inactive_since.get_or_insert_with(Instant::now);
            since.elapsed() >= self.limits.end_grace
        };
        self.details = Some(details);
        self.run.observe_status(terminal || stale);
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
            let rank0 = |n: &String| matches!(log_kind(n), LogKind::Rank { rank: 0, .. });
            names
                .iter()
                .find(|n| user(n) && rank0(n))
                .or_else(|| names.iter().find(|n| rank0(n)))
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
    fn default_selection_finds_the_v1_driver_log() {
        let v1 = names(&[
            "azureml-logs/55_azureml-execution.txt",
            "azureml-logs/70_driver_log.txt",
            "azureml-logs/70_driver_log_1.txt",
            "logs/azureml/job_prep.txt",
        ]);
        assert_eq!(
            selected(&FileSelect::Default, v1.iter(), &[]),
            names(&["azureml-logs/70_driver_log.txt"])
        );
        let v1_ranked = names(&[
            "azureml-logs/70_driver_log_0.txt",
            "azureml-logs/70_driver_log_1.txt",
        ]);
        assert_eq!(
            selected(&FileSelect::Default, v1_ranked.iter(), &[]),
            names(&["azureml-logs/70_driver_log_0.txt"])
        );
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

/// The follower against a scripted fake of run history and blob storage over real HTTP on
/// loopback: what the emulator does not do (403s, lying 206s, flapping 416s, odd statuses).
#[cfg(test)]
mod mock {
    use super::*;
    use crate::azure::http::{Pipeline, PipelineOptions, RetryPolicy};
    use crate::azure::{Cloud, WorkspaceContext};
    use axum::body::Body;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::response::Response;
    use std::sync::Mutex;

    /// How the fake answers.
    #[derive(Default)]
    pub struct Fake {
        pub base: String,
        /// `None` = no status in the details.
        pub status: Option<String>,
        pub files: BTreeMap<String, Vec<u8>>,
        /// Details generation: signed URLs carry `sig=<generation>`.
        pub generation: u32,
        /// A file answers 403 while its URL's generation is below this.
        pub valid_from: BTreeMap<String, u32>,
        /// A file answers a 206 with every byte past this offset, ignoring the range's end.
        pub lie_from: BTreeMap<String, u64>,
        /// Answers due before the normal ones: (file, status, content-range).
        pub scripted: Vec<(String, u16, Option<String>)>,
        pub ranges: Vec<(String, String)>,
        pub details_hits: u32,
        /// Every body byte sent.
        pub sent: u64,
    }

    pub type Shared = Arc<Mutex<Fake>>;

    fn answer(status: u16, headers: &[(&str, String)], body: Vec<u8>, fake: &mut Fake) -> Response {
        fake.sent += body.len() as u64;
        let mut r = Response::builder().status(StatusCode::from_u16(status).unwrap());
        for (k, v) in headers {
            r = r.header(*k, v.as_str());
        }
        r.body(Body::from(body)).unwrap()
    }

    async fn handle(state: Shared, uri: Uri, headers: HeaderMap) -> Response {
        let mut fake = state.lock().unwrap();
        let path = uri.path().to_owned();
        if path.ends_with("/details") {
            fake.details_hits += 1;
            fake.generation += 1;
            let generation = fake.generation;
            let logs: serde_json::Map<String, serde_json::Value> = fake
                .files
                .keys()
                .map(|n| {
                    let url = format!("{}blob/{n}?sig={generation}", fake.base);
                    (n.clone(), serde_json::Value::String(url))
                })
                .collect();
            let mut body = serde_json::json!({ "runId": "job", "logFiles": logs });
            if let Some(s) = &fake.status {
                body["status"] = serde_json::Value::String(s.clone());
            }
            let bytes = serde_json::to_vec(&body).unwrap();
            return answer(
                200,
                &[("content-type", "application/json".into())],
                bytes,
                &mut fake,
            );
        }
        let Some(name) = path.strip_prefix("/blob/").map(str::to_owned) else {
            return answer(404, &[], Vec::new(), &mut fake);
        };
        let sig: u32 = uri
            .query()
            .and_then(|q| q.strip_prefix("sig="))
            .and_then(|g| g.parse().ok())
            .unwrap_or(0);
        let range = headers
            .get("range")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        fake.ranges.push((name.clone(), range.clone()));
        if fake.valid_from.get(&name).is_some_and(|v| sig < *v) {
            return answer(
                403,
                &[],
                b"<Error>AuthenticationFailed</Error>".to_vec(),
                &mut fake,
            );
        }
        if let Some(i) = fake.scripted.iter().position(|(n, _, _)| *n == name) {
            let (_, status, cr) = fake.scripted.remove(i);
            let headers: Vec<(&str, String)> =
                cr.into_iter().map(|c| ("content-range", c)).collect();
            return answer(status, &headers, b"<Error/>".to_vec(), &mut fake);
        }
        let Some(content) = fake.files.get(&name).cloned() else {
            return answer(404, &[], b"<Error>BlobNotFound</Error>".to_vec(), &mut fake);
        };
        let len = content.len() as u64;
        let spec = range.strip_prefix("bytes=").unwrap_or("0-");
        let (a, b) = spec.split_once('-').unwrap_or(("0", ""));
        let a: u64 = a.parse().unwrap_or(0);
        let mut b: u64 = b.parse().unwrap_or(u64::MAX);
        if fake.lie_from.get(&name).is_some_and(|from| a >= *from) {
            b = u64::MAX;
        }
        if a >= len {
            let body = b"<Error>InvalidRange</Error>".to_vec();
            return answer(
                416,
                &[("content-range", format!("bytes */{len}"))],
                body,
                &mut fake,
            );
        }
        let end = b.min(len - 1);
        let body = content[a as usize..=end as usize].to_vec();
        let cr = format!("bytes {a}-{end}/{len}");
        answer(206, &[("content-range", cr)], body, &mut fake)
    }

    /// A fake on an ephemeral loopback port (stops with the test's runtime) and a client of
    /// it that tries each request once.
    pub async fn start(fake: Fake) -> (Shared, AmlClient) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let state: Shared = Arc::new(Mutex::new(Fake {
            base: base.clone(),
            ..fake
        }));
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |uri: Uri, headers: HeaderMap| handle(state.clone(), uri, headers)
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let url = Url::parse(&base).unwrap();
        let options = PipelineOptions {
            timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                max_attempts: 1,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
                max_retry_after: Duration::from_millis(2),
            },
            ..PipelineOptions::default()
        };
        let client = AmlClient::new(
            WorkspaceContext::new(Cloud::Custom(url.clone()), "s", "g", "w"),
            Pipeline::new(None, options).unwrap(),
        );
        let _ = client.data_plane.set(url);
        (state, client)
    }

    pub fn numbered(prefix: &str, n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| format!("{prefix} line {i:04}\n"))
            .collect::<String>()
            .into_bytes()
    }
}

#[cfg(test)]
mod mock_tests {
    use super::mock::{Fake, numbered, start};
    use super::*;

    const R0: &str = "user_logs/std_log_process_0.txt";
    const R1: &str = "user_logs/std_log_process_1.txt";

    fn fast() -> Cadence {
        Cadence::with_intervals(10, 30, 100)
    }

    fn small() -> FollowLimits {
        FollowLimits {
            range_bytes: 1000,
            poll_bytes: 3000,
            end_grace: Duration::from_millis(150),
            max_file_errors: 3,
        }
    }

    fn fake(status: &str, files: &[(&str, Vec<u8>)]) -> Fake {
        Fake {
            status: Some(status.into()),
            files: files
                .iter()
                .map(|(n, c)| (n.to_string(), c.clone()))
                .collect(),
            ..Fake::default()
        }
    }

    fn texts(lines: &[(Arc<str>, Line)], file: &str) -> Vec<String> {
        lines
            .iter()
            .filter(|(f, _)| &**f == file)
            .map(|(_, l)| l.text.clone())
            .collect()
    }

    fn want(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix} line {i:04}")).collect()
    }

    /// Items 1 and 2: bounded ranges, a poll capped in bytes says `more`, nothing lost.
    #[tokio::test]
    async fn reads_are_bounded_and_a_capped_poll_says_more() {
        let content = numbered("r0", 1000); // 13 000 bytes
        let (state, client) = start(fake("Completed", &[(R0, content)])).await;
        let mut f = Follower::with_cadence(client, "job".into(), FileSelect::Default, fast())
            .with_limits(small());
        let first = f.next().await.unwrap();
        assert!(first.more, "the poll stopped at its cap");
        assert!(!first.ended);
        assert_eq!(f.offset(R0), Some(3000));
        let mut lines = first.lines;
        while let Ok(b) = f.next().await {
            lines.extend(b.lines);
            if b.ended {
                break;
            }
        }
        assert_eq!(texts(&lines, R0), want("r0", 1000));
        let ranges = state.lock().unwrap().ranges.clone();
        assert_eq!(ranges[0].1, "bytes=0-999");
        assert_eq!(ranges[1].1, "bytes=1000-1999");
        for (_, r) in &ranges {
            let (a, b) = r.strip_prefix("bytes=").unwrap().split_once('-').unwrap();
            let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
            assert!(b >= a && b - a < 1000, "{r}");
        }
    }

    /// Item 3: a 403 on one rank re-reads the details (renewed URL) and goes on; a rank that
    /// stays forbidden is given up while the other rank goes on.
    #[tokio::test]
    async fn a_forbidden_rank_renews_its_url_or_is_given_up_alone() {
        let mut fk = fake(
            "Running",
            &[(R0, numbered("r0", 10)), (R1, numbered("r1", 10))],
        );
        // R0's first URL (generation 1) is refused, the renewed one works; R1 never works.
        fk.valid_from.insert(R0.into(), 2);
        fk.valid_from.insert(R1.into(), u32::MAX);
        let (state, client) = start(fk).await;
        let mut f = Follower::with_cadence(client, "job".into(), FileSelect::AllRanks, fast())
            .with_limits(small());
        let b = f.next().await.unwrap();
        assert_eq!(texts(&b.lines, R0), want("r0", 10));
        assert_eq!(b.failed_files.len(), 1, "{:?}", b.failed_files);
        assert_eq!(b.failed_files[0].0, R1);
        assert_eq!(state.lock().unwrap().details_hits, 2, "one renewal");
        state
            .lock()
            .unwrap()
            .files
            .insert(R0.into(), numbered("r0", 12));
        let b = f.next().await.unwrap();
        assert_eq!(texts(&b.lines, R0), vec!["r0 line 0010", "r0 line 0011"]);
        assert!(b.failed_files.is_empty());
    }

    /// Item 3: lines read before a fatal error (a 206 longer than asked) are delivered, then
    /// the error comes.
    #[tokio::test]
    async fn lines_read_before_a_fatal_error_are_delivered_first() {
        let mut fk = fake("Running", &[(R0, numbered("r0", 200))]);
        fk.lie_from.insert(R0.into(), 1000);
        let (_state, client) = start(fk).await;
        let mut f = Follower::with_cadence(client, "job".into(), FileSelect::Default, fast())
            .with_limits(small());
        let b = f.next().await.unwrap();
        let got = texts(&b.lines, R0);
        // 1000 bytes = 76 whole lines and a part held, flushed when the file is given up.
        assert_eq!(got.len(), 77);
        assert_eq!(got[..76], want("r0", 76)[..]);
        assert_eq!(b.failed_files.len(), 1);
        let e = f.next().await.unwrap_err();
        assert!(e.to_string().contains("log files"), "{e}");
    }

    /// Item 6: once the files are known the details are read every 5 active intervals.
    /// Item 7: every body byte is counted.
    #[tokio::test]
    async fn details_slow_down_once_files_are_known_and_every_byte_is_counted() {
        let (state, client) = start(fake("Running", &[(R0, numbered("r0", 5))])).await;
        let mut f = Follower::with_cadence(client, "job".into(), FileSelect::Default, fast());
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(600) {
            f.next().await.unwrap();
        }
        let s = f.stats();
        assert!(s.polls >= 8, "{s:?}");
        assert!(s.details_requests * 3 <= s.polls, "{s:?}");
        let sent = state.lock().unwrap().sent;
        assert_eq!(s.bytes_total, sent, "{s:?}");
        assert_eq!(s.bytes_log, 65);
        assert!(
            s.bytes_details > 0 && s.bytes_idle > 0 && s.active_polls == 1,
            "{s:?}"
        );
        assert_eq!(s.idle_polls + s.active_polls, s.polls);
    }

    /// Item 8: a status that stays neither active nor terminal ends the follow after the
    /// grace; so does a missing status. After the end, next() waits its interval.
    #[tokio::test]
    async fn a_stale_status_ends_the_follow_and_next_after_the_end_waits() {
        for status in [Some("CancelRequested"), None] {
            let mut fk = fake("x", &[(R0, b"one\ntwo".to_vec())]);
            fk.status = status.map(str::to_owned);
            let (_state, client) = start(fk).await;
            let mut f = Follower::with_cadence(client, "job".into(), FileSelect::Default, fast())
                .with_limits(small());
            let started = Instant::now();
            let mut lines = Vec::new();
            loop {
                assert!(started.elapsed() < Duration::from_secs(3), "{status:?}");
                let b = f.next().await.unwrap();
                lines.extend(b.lines);
                if b.ended {
                    assert_eq!(b.status, status.unwrap_or(""));
                    break;
                }
            }
            assert_eq!(texts(&lines, R0), vec!["one", "two"]);
            let t = Instant::now();
            for _ in 0..3 {
                let b = f.next().await.unwrap();
                assert!(b.ended && b.lines.is_empty());
            }
            assert!(t.elapsed() >= Duration::from_millis(90), "no spinning");
        }
    }

    /// Item 9: a single 416 saying the file shrank is not acted on unless a second read
    /// says so too (no line repeated); a real shrink is read again from 0.
    #[tokio::test]
    async fn a_flapping_416_repeats_nothing_and_a_confirmed_shrink_is_read_again() {
        let (state, client) = start(fake("Running", &[(R0, b"a\nb\n".to_vec())])).await;
        let mut f = Follower::with_cadence(client, "job".into(), FileSelect::Default, fast());
        let b = f.next().await.unwrap();
        assert_eq!(texts(&b.lines, R0), vec!["a", "b"]);
        state
            .lock()
            .unwrap()
            .scripted
            .push((R0.into(), 416, Some("bytes */1".into())));
        let b = f.next().await.unwrap();
        assert!(b.lines.is_empty(), "a flapping 416 repeats nothing");
        assert_eq!(f.offset(R0), Some(4));
        {
            let mut fake = state.lock().unwrap();
            fake.files.insert(R0.into(), b"x\n".to_vec());
            fake.status = Some("Completed".into());
        }
        // The active poll's 416 carries the size: a shrink, confirmed by the second read.
        let mut lines = Vec::new();
        loop {
            let b = f.next().await.unwrap();
            lines.extend(b.lines);
            if b.ended {
                break;
            }
        }
        assert_eq!(texts(&lines, R0), vec!["x"]);
    }

    /// Item 9: during the final read a 416 that does not say the size is checked with a
    /// one-byte probe (twice): the file shrank, so it is read again from 0.
    #[tokio::test]
    async fn a_sizeless_416_at_the_end_is_probed_for_a_shrink() {
        let (state, client) = start(fake("Running", &[(R0, b"a\nb\n".to_vec())])).await;
        let mut f = Follower::with_cadence(client, "job".into(), FileSelect::Default, fast());
        let b = f.next().await.unwrap();
        assert_eq!(texts(&b.lines, R0), vec!["a", "b"]);
        {
            let mut fake = state.lock().unwrap();
            fake.files.insert(R0.into(), b"x\n".to_vec());
            fake.status = Some("Completed".into());
            fake.scripted.push((R0.into(), 416, None));
        }
        // The details are due again: the run is terminal, the final read meets the 416.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let b = f.next().await.unwrap();
        assert!(b.ended);
        assert_eq!(texts(&b.lines, R0), vec!["x"]);
        let ranges = state.lock().unwrap().ranges.clone();
        let probes = ranges.iter().filter(|(_, r)| r == "bytes=0-0").count();
        assert_eq!(probes, 2, "{ranges:?}");
    }
}
