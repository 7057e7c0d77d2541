//! The offset logic of tailing, pure (no I/O, no clock): [`FileTail`] turns the client's
//! byte-range answers ([`LogRead`]) for one file into lines and the next offset to read from;
//! [`Cadence`] is the poll interval policy; [`RunTail`] holds the tails of a run's files and
//! decides when tailing is over (the run is terminal, then one final read of every file to its
//! end, then every held partial line is flushed). The caller does the reads and the waiting.

use super::split::{Line, LineSplitter, MAX_LINE};
use crate::azure::logs::LogRead;
use std::collections::BTreeMap;

/// What applying one read did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Bytes appended (the offset moved by this much).
    pub new_bytes: u64,
    /// The file was shorter than the offset: the tail restarted at 0 (read again from there).
    pub truncated: bool,
    /// The file does not exist (yet).
    pub missing: bool,
}

/// The tail of one log file: its offset and the partial line held since the last read.
#[derive(Debug, Clone)]
pub struct FileTail {
    name: String,
    offset: u64,
    splitter: LineSplitter,
    at_end: bool,
    finished: bool,
    failed: bool,
}

impl FileTail {
    pub fn new(name: String) -> Self {
        FileTail::with_max_line(name, MAX_LINE)
    }

    pub fn with_max_line(name: String, max_line: usize) -> Self {
        FileTail::with_splitter(name, LineSplitter::new(max_line))
    }

    /// A tail whose lines carry their exact bytes (see [`LineSplitter::keep_raw`]).
    pub fn raw(name: String) -> Self {
        FileTail::with_splitter(name, LineSplitter::new(MAX_LINE).keep_raw())
    }

    fn with_splitter(name: String, splitter: LineSplitter) -> Self {
        FileTail {
            name,
            offset: 0,
            splitter,
            at_end: false,
            finished: false,
            failed: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The byte offset to read from next.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The last read found nothing past the offset (or no file): the file is read to its end.
    pub fn at_end(&self) -> bool {
        self.at_end
    }

    /// `finish` was called and no data came since.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Forget `at_end`: the next read must happen (e.g. the final read after the run ended).
    /// A file given up stays at its end.
    pub fn expect_more(&mut self) {
        if !self.failed {
            self.at_end = false;
        }
    }

    /// The file cannot be read any more (its reads failed for good): its held partial line
    /// becomes a line (its bytes were read) and it counts as read to its end from now on.
    pub fn give_up(&mut self, out: &mut Vec<Line>) {
        self.splitter.finish(out);
        self.failed = true;
        self.at_end = true;
    }

    /// [`give_up`](Self::give_up) was called.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Applies the answer of a read made from [`offset`](Self::offset), appending new complete
    /// lines to `out`. On truncation a held partial line is flushed (it was written) and the
    /// tail restarts at offset 0.
    pub fn apply(&mut self, read: LogRead, out: &mut Vec<Line>) -> Applied {
        match read {
            LogRead::Data { bytes, total } => {
                let n = bytes.len() as u64;
                self.splitter.push(&bytes, out);
                self.offset += n;
                self.finished = false;
                self.at_end = n == 0 || total.is_some_and(|t| t <= self.offset);
                Applied {
                    new_bytes: n,
                    ..Applied::default()
                }
            }
            LogRead::NoNewData { .. } => {
                self.at_end = true;
                Applied::default()
            }
            LogRead::Truncated { .. } => {
                self.splitter.finish(out);
                self.splitter.reset();
                self.offset = 0;
                self.at_end = false;
                Applied {
                    truncated: true,
                    ..Applied::default()
                }
            }
            LogRead::NotFound => {
                self.at_end = true;
                Applied {
                    missing: true,
                    ..Applied::default()
                }
            }
        }
    }

    /// The run ended: a held partial line becomes a line.
    pub fn finish(&mut self, out: &mut Vec<Line>) {
        self.splitter.finish(out);
        self.finished = true;
    }
}

/// The poll interval policy: [`fast_ms`](Cadence::fast_ms) right after new data, about
/// [`active_ms`](Cadence::active_ms) while a run is active and quiet, backing off by a quarter
/// per quiet poll after [`QUIET_POLLS`] quiet polls: while the run is running
/// ([`set_running`](Cadence::set_running)) to at most
/// [`running_max_ms`](Cadence::running_max_ms) (2 × active, 2 s by default: lines show within
/// about a second or two even after a long quiet), otherwise (queued, preparing) to at most
/// [`max_ms`](Cadence::max_ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub fast_ms: u64,
    pub active_ms: u64,
    pub max_ms: u64,
    /// The longest quiet wait while the run is running.
    pub running_max_ms: u64,
    quiet: u32,
    running: bool,
}

/// Quiet polls at `active_ms` before backing off.
pub const QUIET_POLLS: u32 = 10;

impl Default for Cadence {
    fn default() -> Self {
        Cadence::with_intervals(250, 1000, 5000)
    }
}

impl Cadence {
    pub fn new() -> Self {
        Cadence::default()
    }

    /// A cadence with other intervals (tests, a faster emulator).
    pub fn with_intervals(fast_ms: u64, active_ms: u64, max_ms: u64) -> Self {
        let active_ms = active_ms.max(fast_ms);
        let max_ms = max_ms.max(active_ms);
        Cadence {
            fast_ms,
            active_ms,
            max_ms,
            running_max_ms: active_ms.saturating_mul(2).min(max_ms),
            quiet: 0,
            running: false,
        }
    }

    /// Whether the run is running now (quiet back-off stops at `running_max_ms`).
    pub fn set_running(&mut self, running: bool) {
        self.running = running;
    }

    /// The wait before the next poll, given whether the poll just made found new data.
    pub fn next_delay_ms(&mut self, had_data: bool) -> u64 {
        if had_data {
            self.quiet = 0;
            return self.fast_ms;
        }
        self.quiet = self.quiet.saturating_add(1);
        let extra = self.quiet.saturating_sub(QUIET_POLLS).min(64);
        let cap = if self.running {
            self.running_max_ms
        } else {
            self.max_ms
        };
        let mut delay = self.active_ms as f64;
        for _ in 0..extra {
            delay *= 1.25;
            if delay >= cap as f64 {
                break;
            }
        }
        (delay as u64).min(cap)
    }

    /// Back to the active pace (e.g. the user asked for a refresh).
    pub fn reset(&mut self) {
        self.quiet = 0;
    }
}

/// Where tailing a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The run is not terminal: keep polling.
    Active,
    /// The run is terminal: read every file to its end once more.
    FinalRead,
    /// Every file was read to its end after the run ended, and finished.
    Ended,
}

/// The tails of a run's files and when tailing ends.
#[derive(Debug, Clone)]
pub struct RunTail {
    files: BTreeMap<String, FileTail>,
    phase: Phase,
    max_line: usize,
    /// Lines carry their exact bytes (see [`LineSplitter::keep_raw`]).
    raw: bool,
}

impl Default for RunTail {
    fn default() -> Self {
        RunTail::new()
    }
}

impl RunTail {
    pub fn new() -> Self {
        RunTail::with_max_line(MAX_LINE)
    }

    pub fn with_max_line(max_line: usize) -> Self {
        RunTail {
            files: BTreeMap::new(),
            phase: Phase::Active,
            max_line,
            raw: false,
        }
    }

    /// Every file's lines carry their exact bytes from now on (files added later).
    pub fn keep_raw(mut self) -> Self {
        self.raw = true;
        self
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Starts tailing `name` (from offset 0); false if it is tailed already.
    pub fn add_file(&mut self, name: &str) -> bool {
        if self.files.contains_key(name) {
            return false;
        }
        let tail = if self.raw {
            FileTail::raw(name.to_owned())
        } else {
            FileTail::with_max_line(name.to_owned(), self.max_line)
        };
        self.files.insert(name.to_owned(), tail);
        true
    }

    pub fn file(&self, name: &str) -> Option<&FileTail> {
        self.files.get(name)
    }

    pub fn file_mut(&mut self, name: &str) -> Option<&mut FileTail> {
        self.files.get_mut(name)
    }

    /// The tailed files' names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    /// The run's status was read: a terminal status starts the final read of every file
    /// (files must be read again after this, even those read to their end before).
    pub fn observe_status(&mut self, terminal: bool) {
        if terminal && self.phase == Phase::Active {
            self.phase = Phase::FinalRead;
            for tail in self.files.values_mut() {
                tail.expect_more();
            }
        }
    }

    /// Gives up on `name` (see [`FileTail::give_up`]); its held partial line goes to `out`.
    pub fn give_up(&mut self, name: &str, out: &mut Vec<(String, Line)>) {
        if let Some(tail) = self.files.get_mut(name) {
            let mut lines = Vec::new();
            tail.give_up(&mut lines);
            out.extend(lines.into_iter().map(|l| (name.to_owned(), l)));
        }
    }

    /// Whether `name` needs a read now: always while active; during the final read, until it
    /// is read to its end; never once ended or given up.
    pub fn needs_read(&self, name: &str) -> bool {
        if self.files.get(name).is_some_and(FileTail::failed) {
            return false;
        }
        match (self.phase, self.files.get(name)) {
            (Phase::Active, Some(_)) => true,
            (Phase::FinalRead, Some(tail)) => !tail.at_end(),
            _ => false,
        }
    }

    /// After a round of reads: if the final read is complete, finishes every file (their held
    /// partial lines go to `out` with the file's name) and ends. Returns true when ended.
    pub fn end_round(&mut self, out: &mut Vec<(String, Line)>) -> bool {
        if self.phase == Phase::FinalRead && self.files.values().all(FileTail::at_end) {
            let mut lines = Vec::new();
            for (name, tail) in self.files.iter_mut() {
                tail.finish(&mut lines);
                out.extend(lines.drain(..).map(|l| (name.clone(), l)));
            }
            self.phase = Phase::Ended;
        }
        self.phase == Phase::Ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(b: &[u8], total: Option<u64>) -> LogRead {
        LogRead::Data {
            bytes: b.to_vec(),
            total,
        }
    }

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn file_tail_applies_each_read() {
        let mut t = FileTail::new("user_logs/std_log_process_0.txt".into());
        let mut out = Vec::new();
        assert_eq!(t.offset(), 0);
        let a = t.apply(LogRead::NotFound, &mut out);
        assert!(a.missing && !a.truncated && a.new_bytes == 0);
        assert!(t.at_end());
        let a = t.apply(data(b"one\ntw", Some(10)), &mut out);
        assert_eq!(a.new_bytes, 6);
        assert_eq!(t.offset(), 6);
        assert!(!t.at_end(), "the file is longer than what came");
        assert_eq!(texts(&out), vec!["one"]);
        let a = t.apply(data(b"o\n", None), &mut out);
        assert_eq!((a.new_bytes, t.offset()), (2, 8));
        assert!(!t.at_end(), "unknown total: read again");
        assert_eq!(texts(&out), vec!["one", "two"]);
        let a = t.apply(LogRead::NoNewData { total: Some(8) }, &mut out);
        assert_eq!(a, Applied::default());
        assert!(t.at_end());
        assert_eq!(t.offset(), 8);
        t.apply(data(b"three", Some(13)), &mut out);
        assert!(t.at_end());
        t.finish(&mut out);
        assert!(t.finished());
        assert_eq!(texts(&out), vec!["one", "two", "three"]);
    }

    #[test]
    fn truncation_restarts_at_zero_and_flushes_the_partial_line() {
        let mut t = FileTail::new("f".into());
        let mut out = Vec::new();
        t.apply(data(b"a\nhalf", None), &mut out);
        let a = t.apply(LogRead::Truncated { total: 2 }, &mut out);
        assert!(a.truncated);
        assert_eq!(t.offset(), 0);
        assert!(!t.at_end());
        assert_eq!(texts(&out), vec!["a", "half"]);
        t.apply(data(b"x\n", Some(2)), &mut out);
        assert_eq!(texts(&out), vec!["a", "half", "x"]);
        assert_eq!(t.offset(), 2);
    }

    #[test]
    fn cadence_is_fast_after_data_then_active_then_backs_off() {
        let mut c = Cadence::new();
        assert_eq!(c.next_delay_ms(true), 250);
        for _ in 0..QUIET_POLLS {
            assert_eq!(c.next_delay_ms(false), 1000);
        }
        let mut last = 1000;
        for _ in 0..30 {
            let d = c.next_delay_ms(false);
            assert!(d >= last && d <= 5000, "{d}");
            last = d;
        }
        assert_eq!(last, 5000);
        assert_eq!(c.next_delay_ms(true), 250);
        assert_eq!(c.next_delay_ms(false), 1000);
        for _ in 0..1000 {
            c.next_delay_ms(false);
        }
        assert_eq!(
            c.next_delay_ms(false),
            5000,
            "no overflow after a long quiet"
        );
    }

    #[test]
    fn cadence_while_running_never_waits_more_than_two_active_intervals() {
        let mut c = Cadence::new();
        c.set_running(true);
        let mut last = 0;
        for _ in 0..200 {
            last = c.next_delay_ms(false);
            assert!(last <= 2000, "{last}");
        }
        assert_eq!(last, 2000);
        // Queued again (or not known to run): the long back-off.
        c.set_running(false);
        assert_eq!(c.next_delay_ms(false), 5000);
        let t = Cadence::with_intervals(20, 60, 200);
        assert_eq!(t.running_max_ms, 120);
    }

    #[test]
    fn a_file_given_up_counts_as_read_and_keeps_its_partial_line() {
        let mut r = RunTail::new();
        r.add_file("a");
        r.add_file("b");
        let mut lines = Vec::new();
        r.file_mut("a").unwrap().apply(
            data(
                b"x
half", None,
            ),
            &mut lines,
        );
        let mut out = Vec::new();
        r.give_up("a", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1.text, "half");
        assert!(!r.needs_read("a") && r.needs_read("b"));
        r.observe_status(true);
        assert!(!r.needs_read("a"), "a given-up file is not read again");
        r.file_mut("b")
            .unwrap()
            .apply(LogRead::NoNewData { total: None }, &mut lines);
        assert!(r.end_round(&mut out));
        assert_eq!(out.len(), 1, "nothing flushed twice");
    }

    #[test]
    fn run_tail_ends_after_a_final_read_of_every_file() {
        let mut r = RunTail::new();
        assert!(r.add_file("a"));
        assert!(!r.add_file("a"));
        r.add_file("b");
        let mut out = Vec::new();
        let mut lines = Vec::new();
        // Both read to their end while active.
        r.file_mut("a")
            .unwrap()
            .apply(data(b"x\npart", Some(6)), &mut lines);
        r.file_mut("b")
            .unwrap()
            .apply(LogRead::NotFound, &mut lines);
        assert!(r.needs_read("a") && r.needs_read("b"));
        assert!(!r.end_round(&mut out), "active: never ends");
        // Terminal: every file needs a read again, even those at their end.
        r.observe_status(true);
        assert_eq!(r.phase(), Phase::FinalRead);
        assert!(r.needs_read("a") && r.needs_read("b"));
        r.file_mut("a")
            .unwrap()
            .apply(data(b"ial\n", None), &mut lines);
        assert!(!r.end_round(&mut out), "a is not known to be at its end");
        r.file_mut("a")
            .unwrap()
            .apply(LogRead::NoNewData { total: None }, &mut lines);
        assert!(!r.needs_read("a"));
        assert!(!r.end_round(&mut out), "b not read yet");
        r.file_mut("b")
            .unwrap()
            .apply(data(b"last words", Some(10)), &mut lines);
        assert!(r.end_round(&mut out));
        assert_eq!(r.phase(), Phase::Ended);
        assert_eq!(texts(&lines), vec!["x", "partial"]);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].0.as_str(), out[0].1.text.as_str()),
            ("b", "last words")
        );
        assert!(!r.needs_read("a"));
        r.observe_status(true);
        assert_eq!(r.phase(), Phase::Ended);
    }
}
