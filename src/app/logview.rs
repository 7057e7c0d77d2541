//! The log view of a job (`l` on a job row or in its detail; issue 10, item 4): its state
//! ([`LogView`]: a bounded [`LineStore`] fed by the runtime's follow task, the selection of
//! files, follow or paused, search, wrap, timestamps, the picker and the prompts), its keys and
//! the pure functions the renderer uses (which lines fit at the bottom, the rank prefixes, the
//! ISO timestamp of a line, ANSI colour codes removed). The runtime follows the logs
//! (`Effect::LogsFollow`, answered by `Msg::Logs` tagged with the follow's id) and saves them
//! (`Effect::LogsSave`); when the view leaves the stack (Esc, a tab switch, a workspace
//! change) [`App::logs_after_update`] frees the store and asks the runtime to stop following
//! (`Effect::LogsStop`). Pure state: no I/O, no clock reads, no terminal code.

use super::keys::Action;
use super::sources::AppError;
use super::text::{self, Tone};
use super::{App, Effect, TabId, View};
use crate::logs::follow::Batch;
use crate::logs::{FileSelect, LineStore, LogKind, log_kind};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

/// The default byte budget of a log view's store (`[logs] budget_mb`).
pub const DEFAULT_BUDGET_MB: usize = 64;

/// Identifies one follow (a view, or a view after its selection changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FollowId(pub u64);

/// What the runtime reports about a follow or a save.
#[derive(Debug, Clone)]
pub enum LogEvent {
    /// New lines (maybe none), the run's status, new files, the end.
    Batch(Batch),
    /// A poll failed; the follow goes on from its offsets.
    Error(AppError),
    /// A save ended.
    Saved(Result<SaveReport, SaveError>),
}

/// What a save wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveReport {
    pub path: PathBuf,
    pub lines: u64,
    pub bytes: u64,
    /// How the text was obtained, for the toast ("re-read from the service, rank by rank").
    pub how: String,
}

/// Why a save did not write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    /// The file exists and overwriting was not confirmed.
    Exists(PathBuf),
    Failed(AppError),
}

/// What the view shows: every rank merged, or one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSelect {
    AllRanks,
    File(String),
}

impl LogSelect {
    pub fn to_file_select(&self) -> FileSelect {
        match self {
            LogSelect::AllRanks => FileSelect::AllRanks,
            LogSelect::File(name) => FileSelect::File(name.clone()),
        }
    }

    pub fn label(&self) -> String {
        match self {
            LogSelect::AllRanks => "all ranks".into(),
            LogSelect::File(name) => name.clone(),
        }
    }
}

/// A prompt at the bottom of the log view.
#[derive(Debug, Clone)]
pub enum PromptKind {
    Search,
    SavePath,
    /// The file exists: `y` overwrites it.
    Overwrite(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: tui_input::Input,
}

/// An active search: the matching lines by sequence number, and the current one.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    pub case_insensitive: bool,
    pub matches: VecDeque<u64>,
    pub current: Option<usize>,
}

/// The state of the log view.
#[derive(Debug)]
pub struct LogView {
    pub follow_id: FollowId,
    pub job: String,
    pub select: LogSelect,
    pub store: LineStore,
    /// Source index (in the store) → file name.
    pub sources: Vec<Arc<str>>,
    /// Every file the run lists (for the picker), in the order they appeared.
    pub files: Vec<String>,
    pub status: String,
    pub ended: bool,
    /// A batch came (the run details were read at least once).
    pub started: bool,
    pub follow: bool,
    /// The first line shown while paused (a sequence number: kept while old lines drop).
    pub top_seq: u64,
    /// Lines that arrived while paused.
    pub new_while_paused: u64,
    pub wrap: bool,
    pub timestamps: bool,
    pub search: Option<Search>,
    pub prompt: Option<Prompt>,
    /// The picker, open, with its selected row (0 = all ranks, then `files`).
    pub picker: Option<usize>,
    /// The last error of the follow (cleared by the next batch with lines).
    pub error: Option<AppError>,
    /// Bytes of text received (lines, without newlines).
    pub bytes_received: u64,
    pub last_lines_wall: Option<i64>,
    /// When each batch's lines arrived: (first seq of the batch, wall ms), for `t`.
    pub received: VecDeque<(u64, i64)>,
}

impl LogView {
    pub fn new(follow_id: FollowId, job: String, select: LogSelect, budget: usize) -> Self {
        LogView {
            follow_id,
            job,
            select,
            store: LineStore::new(budget),
            sources: Vec::new(),
            files: Vec::new(),
            status: String::new(),
            ended: false,
            started: false,
            follow: true,
            top_seq: 0,
            new_while_paused: 0,
            wrap: false,
            timestamps: false,
            search: None,
            prompt: None,
            picker: None,
            error: None,
            bytes_received: 0,
            last_lines_wall: None,
            received: VecDeque::new(),
        }
    }

    fn source_index(&mut self, name: &Arc<str>) -> u16 {
        if let Some(i) = self.sources.iter().position(|s| s == name) {
            return i as u16;
        }
        self.sources.push(name.clone());
        (self.sources.len() - 1).min(u16::MAX as usize) as u16
    }

    /// Takes in a batch of the follow (`now_wall` for the received times).
    pub fn take_batch(&mut self, mut batch: Batch, now_wall: i64) {
        self.started = true;
        // A file given up (its reads failed for good) is said; the other files go on.
        let failed = batch.failed_files.pop().map(|(file, why)| {
            AppError::new(
                crate::azure::error::ErrorKind::Other,
                format!(
                    "{}: cannot be read any more ({why}); the other files go on",
                    crate::logs::label(&file)
                ),
                "close the view (Esc) and open it again with l to try that file again",
            )
        });
        if !batch.status.is_empty() {
            self.status = batch.status;
        }
        self.ended = batch.ended;
        for file in batch.new_files {
            if !self.files.contains(&file) {
                self.files.push(file);
            }
        }
        if batch.lines.is_empty() {
            if failed.is_some() {
                self.error = failed;
            }
            return;
        }
        self.error = failed;
        let first_new = self.store.next_seq();
        self.received.push_back((first_new, now_wall));
        self.last_lines_wall = Some(now_wall);
        let count = batch.lines.len() as u64;
        for (file, line) in batch.lines {
            let source = self.source_index(&file);
            self.bytes_received += line.len as u64;
            if let Some(search) = &mut self.search {
                let seq = self.store.next_seq();
                if line_matches(&line.text, &search.query, search.case_insensitive) {
                    search.matches.push_back(seq);
                }
            }
            self.store.push(source, line);
        }
        if !self.follow {
            self.new_while_paused += count;
        }
        let first = self.store.first_seq();
        while self.received.len() > 1 && self.received.get(1).is_some_and(|r| r.0 <= first) {
            self.received.pop_front();
        }
        if let Some(search) = &mut self.search {
            let before = search.matches.len();
            while search.matches.front().is_some_and(|&s| s < first) {
                search.matches.pop_front();
            }
            let gone = before - search.matches.len();
            search.current = search.current.and_then(|c| c.checked_sub(gone));
        }
        self.top_seq = self.top_seq.max(first);
    }

    /// The sequence number of the last line, if any.
    fn last_seq(&self) -> Option<u64> {
        self.store
            .next_seq()
            .checked_sub(1)
            .filter(|_| !self.store.is_empty())
    }

    /// The first line shown when at the bottom, for `rows` rows of `width` cells.
    pub fn bottom_top(&self, rows: usize, width: usize) -> u64 {
        let Some(last) = self.last_seq() else {
            return self.store.first_seq();
        };
        if !self.wrap {
            return (last + 1)
                .saturating_sub(rows as u64)
                .max(self.store.first_seq());
        }
        let mut used = 0usize;
        let mut seq = last;
        loop {
            let h = self.rows_of(seq, width);
            if used + h > rows && used > 0 {
                return seq + 1;
            }
            used += h;
            if seq == self.store.first_seq() || used >= rows {
                return seq;
            }
            seq -= 1;
        }
    }

    /// Rows a line takes at `width` (1 without wrap).
    pub fn rows_of(&self, seq: u64, width: usize) -> usize {
        if !self.wrap {
            return 1;
        }
        let Some(line) = self.store.index_of_seq(seq).and_then(|i| self.store.get(i)) else {
            return 1;
        };
        // The time column (`t`) takes at most 9 cells more.
        let times = if self.timestamps { 9 } else { 0 };
        let cells = self.prefix_width(line.source)
            + times
            + shown_width(line.text)
            + cut_marker_width(line.cut);
        cells.div_ceil(width.max(1)).max(1)
    }

    /// The first line on screen.
    pub fn top(&self, rows: usize, width: usize) -> u64 {
        let bottom = self.bottom_top(rows, width);
        if self.follow {
            bottom
        } else {
            self.top_seq.clamp(self.store.first_seq(), bottom)
        }
    }

    /// Whether lines carry a rank prefix (the merged view of several files).
    pub fn prefixed(&self) -> bool {
        self.select == LogSelect::AllRanks
    }

    /// The prefix of lines of `source`: `[0] `, `[1/3] ` (node/rank), `[label] `.
    pub fn prefix(&self, source: u16) -> String {
        if !self.prefixed() {
            return String::new();
        }
        match self.sources.get(usize::from(source)) {
            Some(name) => format!("{} ", crate::logs::prefix(name)),
            None => "[?] ".into(),
        }
    }

    fn prefix_width(&self, source: u16) -> usize {
        text::width(&self.prefix(source))
    }

    /// The tone of the prefix of `source`: stable per rank.
    pub fn prefix_tone(&self, source: u16) -> Tone {
        let n = self
            .sources
            .get(usize::from(source))
            .and_then(|name| crate::logs::rank_of(name))
            .map(|r| r as usize)
            .unwrap_or(usize::from(source));
        PREFIX_TONES[n % PREFIX_TONES.len()]
    }

    /// The received time of line `seq` (wall ms).
    pub fn received_at(&self, seq: u64) -> Option<i64> {
        let i = self.received.partition_point(|r| r.0 <= seq);
        i.checked_sub(1)
            .and_then(|i| self.received.get(i))
            .map(|r| r.1)
    }

    fn pause_at(&mut self, top: u64) {
        if self.follow {
            self.follow = false;
            self.new_while_paused = 0;
        }
        self.top_seq = top;
    }

    fn resume(&mut self) {
        self.follow = true;
        self.new_while_paused = 0;
    }

    /// Moves by `delta` lines; pauses when moving up, resumes when reaching the bottom.
    pub fn scroll(&mut self, delta: i64, rows: usize, width: usize) {
        let top = self.top(rows, width);
        let bottom = self.bottom_top(rows, width);
        let first = self.store.first_seq();
        let target = (top as i64)
            .saturating_add(delta)
            .clamp(first as i64, bottom as i64) as u64;
        if delta < 0 {
            self.pause_at(target);
        } else if target >= bottom {
            self.resume();
        } else {
            self.top_seq = target;
        }
    }

    fn jump_to_match(&mut self, rows: usize, width: usize) {
        let Some(seq) = self
            .search
            .as_ref()
            .and_then(|s| s.current.and_then(|c| s.matches.get(c)).copied())
        else {
            return;
        };
        // The match a third of the way down the screen.
        let top = seq
            .saturating_sub((rows / 3) as u64)
            .max(self.store.first_seq());
        let bottom = self.bottom_top(rows, width);
        self.pause_at(top.min(bottom));
    }

    /// Runs a search over the whole store (smart case: case-insensitive unless the query has
    /// a capital letter) and goes to the last match at or above the screen's bottom.
    pub fn run_search(&mut self, query: &str, rows: usize, width: usize) {
        if query.is_empty() {
            self.search = None;
            return;
        }
        let case_insensitive = !query.chars().any(char::is_uppercase);
        let first = self.store.first_seq();
        let matches: VecDeque<u64> = self
            .store
            .search(query, case_insensitive)
            .into_iter()
            .map(|i| first + i as u64)
            .collect();
        let bottom_line = self.top(rows, width) + rows as u64;
        let current = if matches.is_empty() {
            None
        } else {
            Some(
                matches
                    .partition_point(|&s| s < bottom_line)
                    .saturating_sub(1),
            )
        };
        self.search = Some(Search {
            query: query.to_owned(),
            case_insensitive,
            matches,
            current,
        });
        self.jump_to_match(rows, width);
    }

    /// `n` (forward) / `N` (back), wrapping around.
    pub fn next_match(&mut self, forward: bool, rows: usize, width: usize) {
        let Some(search) = &mut self.search else {
            return;
        };
        let n = search.matches.len();
        if n == 0 {
            return;
        }
        search.current = Some(match search.current {
            None => 0,
            Some(c) if forward => (c + 1) % n,
            Some(c) => (c + n - 1) % n,
        });
        self.jump_to_match(rows, width);
    }

    /// The picker's rows: all ranks, then each file.
    pub fn picker_rows(&self) -> Vec<(LogSelect, String)> {
        let mut rows = vec![(
            LogSelect::AllRanks,
            "all ranks (merged, prefixed)".to_owned(),
        )];
        let mut files: Vec<&String> = self.files.iter().collect();
        files.sort_by_key(|f| file_order(f));
        for f in files {
            rows.push((LogSelect::File(f.clone()), f.clone()));
        }
        rows
    }

    /// The default path of a save: `<job>-<file or all>.log` in the current directory.
    pub fn default_save_path(&self) -> String {
        let what = match &self.select {
            LogSelect::AllRanks => "all".to_owned(),
            LogSelect::File(name) => {
                let base = name.rsplit('/').next().unwrap_or(name);
                base.strip_suffix(".txt").unwrap_or(base).to_owned()
            }
        };
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        format!("{}-{}.log", safe(&self.job), safe(&what))
    }
}

/// Tones cycled over ranks for the prefixes.
pub const PREFIX_TONES: [Tone; 6] = [
    Tone::Accent,
    Tone::Warning,
    Tone::JsonKey,
    Tone::Healthy,
    Tone::JsonNumber,
    Tone::Progress,
];

/// Sort key of a file in the picker: ranks in (node, rank) order, then user files, then system.
fn file_order(name: &str) -> (u8, u32, u32, String) {
    match log_kind(name) {
        LogKind::Rank { rank, node } => (0, node.unwrap_or(0), rank, name.to_owned()),
        LogKind::User => (1, 0, 0, name.to_owned()),
        LogKind::System => (2, 0, 0, name.to_owned()),
    }
}

/// The marker after a line the store holds cut (longer than 64 KiB; saved whole).
pub const CUT_MARKER: &str = " [line cut at 64 KiB: s saves it whole]";

pub fn cut_marker_width(cut: bool) -> usize {
    if cut { CUT_MARKER.len() } else { 0 }
}

/// Whether `line` holds `query` (ASCII case folded when `case_insensitive`).
pub fn line_matches(line: &str, query: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        find_all(line, query, true).next().is_some()
    } else {
        line.contains(query)
    }
}

/// Byte ranges of `query` in `line` (case-insensitive: ASCII and simple Unicode folding of
/// same-length characters).
pub fn find_all<'a>(
    line: &'a str,
    query: &'a str,
    case_insensitive: bool,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let n = query.len();
    let mut from = 0usize;
    std::iter::from_fn(move || {
        if n == 0 {
            return None;
        }
        while from + n <= line.len() {
            let start = from;
            if !line.is_char_boundary(start) {
                from += 1;
                continue;
            }
            let hay = &line.as_bytes()[start..start + n];
            let hit = if case_insensitive {
                hay.eq_ignore_ascii_case(query.as_bytes())
            } else {
                hay == query.as_bytes()
            };
            if hit && line.is_char_boundary(start + n) {
                from = start + n;
                return Some((start, start + n));
            }
            from += 1;
        }
        None
    })
}

/// The display width of a log line once made safe (ANSI colours removed, controls marked).
pub fn shown_width(line: &str) -> usize {
    if line.is_ascii() && text::is_plain(line) {
        return line.len();
    }
    text::width(&display_text(line))
}

/// A log line as shown: ANSI CSI sequences (colours, cursor moves) removed, then tabs
/// expanded and other control characters shown as markers.
pub fn display_text(line: &str) -> std::borrow::Cow<'_, str> {
    if text::is_plain(line) {
        return std::borrow::Cow::Borrowed(line);
    }
    let stripped = strip_ansi(line);
    std::borrow::Cow::Owned(text::one_line(&stripped).into_owned())
}

/// `line` without ANSI CSI sequences (`ESC [ … final`), and a trailing `\r` of a progress bar.
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&d) {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    // A progress bar redraws with `\r`: show what it ended as.
    match out.rfind('\r') {
        Some(i) if i + 1 < out.len() => out[i + 1..].to_owned(),
        _ => out.trim_end_matches('\r').to_owned(),
    }
}

/// The length in bytes of an ISO 8601 timestamp `line` starts with (`2024-05-01T12:00:00`,
/// optional fraction and zone, or a space for the `T`), if it does.
pub fn iso_prefix(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let ok = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !ok {
        return None;
    }
    let mut end = 19;
    if b.get(end) == Some(&b'.') || b.get(end) == Some(&b',') {
        end += 1;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    if b.get(end) == Some(&b'Z') {
        end += 1;
    } else if matches!(b.get(end), Some(b'+' | b'-')) && digits(end + 1..end + 3) {
        end += 3;
        if b.get(end) == Some(&b':') {
            end += 1;
        }
        if digits(end..end + 2) {
            end += 2;
        }
    }
    Some(end)
}

impl App {
    /// Rows and width of the log view's text (borders, status row, prompt row).
    pub fn logs_viewport(&self) -> (usize, usize) {
        let error_rows = match &self.logs {
            Some(view) if view.error.is_some() && self.height > 10 => 2,
            _ => 0,
        };
        let rows = usize::from(self.height.saturating_sub(6 + error_rows)).max(1);
        let width = usize::from(self.width.saturating_sub(2)).max(10);
        (rows, width)
    }

    fn next_follow_id(&mut self) -> FollowId {
        self.next_follow += 1;
        FollowId(self.next_follow)
    }

    /// `l`: opens the log view of the job on screen and asks the runtime to follow it.
    pub fn open_logs(&mut self, effects: &mut Vec<Effect>) {
        let job = match self.top_view() {
            None if self.active == TabId::Jobs => self
                .selected_item(TabId::Jobs)
                .map(|item| item.name().to_owned()),
            Some(View::Detail {
                tab: TabId::Jobs,
                name,
                ..
            }) => Some(name.clone()),
            None | Some(View::Detail { .. }) => {
                self.toast("logs are for jobs: open the Jobs tab (5)", Tone::Muted);
                return;
            }
            _ => None,
        };
        let Some(job) = job else {
            self.toast("no job selected", Tone::Muted);
            return;
        };
        if let Some(old) = self.logs.take() {
            effects.push(Effect::LogsStop(old.follow_id));
        }
        let id = self.next_follow_id();
        let view = LogView::new(id, job.clone(), LogSelect::AllRanks, self.log_budget);
        effects.push(Effect::LogsFollow {
            id,
            job,
            select: FileSelect::AllRanks,
        });
        self.logs = Some(Box::new(view));
        self.views.push(View::Logs);
    }

    /// Whether the log view takes keys itself (a prompt or the picker is open).
    pub fn logs_capture_keys(&self) -> bool {
        matches!(self.top_view(), Some(View::Logs))
            && self
                .logs
                .as_ref()
                .is_some_and(|l| l.prompt.is_some() || l.picker.is_some())
    }

    /// An action of the key table while the log view is on top; false when it is not one
    /// the log view handles.
    pub fn logs_action(&mut self, action: Action, effects: &mut Vec<Effect>) -> bool {
        let (rows, width) = self.logs_viewport();
        let Some(view) = self.logs.as_deref_mut() else {
            return false;
        };
        let page = rows.saturating_sub(1).max(1) as i64;
        match action {
            Action::Up => view.scroll(-1, rows, width),
            Action::Down => view.scroll(1, rows, width),
            Action::PageUp => view.scroll(-page, rows, width),
            Action::PageDown => view.scroll(page, rows, width),
            Action::Top => {
                let first = view.store.first_seq();
                view.pause_at(first);
            }
            Action::Bottom | Action::LogFollow => view.resume(),
            Action::LogWrap => view.wrap = !view.wrap,
            Action::LogTimes => view.timestamps = !view.timestamps,
            Action::LogSearch => {
                let query = view
                    .search
                    .as_ref()
                    .map(|s| s.query.clone())
                    .unwrap_or_default();
                view.prompt = Some(Prompt {
                    kind: PromptKind::Search,
                    input: tui_input::Input::new(query),
                });
            }
            Action::LogNext => view.next_match(true, rows, width),
            Action::LogPrev => view.next_match(false, rows, width),
            Action::LogPicker => {
                let rows = view.picker_rows();
                let at = rows
                    .iter()
                    .position(|(s, _)| *s == view.select)
                    .unwrap_or(0);
                view.picker = Some(at);
            }
            Action::LogSave => {
                let path = view.default_save_path();
                view.prompt = Some(Prompt {
                    kind: PromptKind::SavePath,
                    input: tui_input::Input::new(path),
                });
            }
            _ => return false,
        }
        let _ = effects;
        true
    }

    /// A key while a prompt or the picker of the log view is open.
    pub fn logs_key(&mut self, key: crossterm::event::KeyEvent, effects: &mut Vec<Effect>) {
        use crossterm::event::KeyCode;
        let (rows, width) = self.logs_viewport();
        let Some(view) = self.logs.as_deref_mut() else {
            return;
        };
        if crate::app::keys::KeyCombo::from_event(&key) == crate::app::keys::KeyCombo::ctrl('c') {
            self.quit = true;
            return;
        }
        if let Some(at) = view.picker {
            let choices = view.picker_rows();
            match key.code {
                KeyCode::Esc => view.picker = None,
                KeyCode::Up | KeyCode::Char('k') => view.picker = Some(at.saturating_sub(1)),
                KeyCode::Down | KeyCode::Char('j') => {
                    view.picker = Some((at + 1).min(choices.len().saturating_sub(1)))
                }
                KeyCode::Enter => {
                    view.picker = None;
                    if let Some((select, _)) = choices.get(at).cloned() {
                        self.select_logs(select, effects);
                    }
                }
                _ => {}
            }
            return;
        }
        let Some(prompt) = view.prompt.as_mut() else {
            return;
        };
        if let PromptKind::Overwrite(path) = &prompt.kind {
            let path = path.clone();
            view.prompt = None;
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                effects.push(Effect::LogsSave {
                    id: view.follow_id,
                    job: view.job.clone(),
                    select: view.select.to_file_select(),
                    path,
                    overwrite: true,
                });
                self.toast_for(format!("saving{}", self.ellipsis()), Tone::Progress, 60_000);
            } else {
                self.toast("not saved: the file was left as it was", Tone::Muted);
            }
            return;
        }
        match key.code {
            KeyCode::Esc => view.prompt = None,
            KeyCode::Enter => {
                let value = prompt.input.value().to_owned();
                let kind = prompt.kind.clone();
                view.prompt = None;
                match kind {
                    PromptKind::Search => view.run_search(&value, rows, width),
                    PromptKind::SavePath => {
                        let value = value.trim();
                        if value.is_empty() {
                            self.toast("not saved: no path given", Tone::Warning);
                            return;
                        }
                        effects.push(Effect::LogsSave {
                            id: view.follow_id,
                            job: view.job.clone(),
                            select: view.select.to_file_select(),
                            path: PathBuf::from(value),
                            overwrite: false,
                        });
                        self.toast_for(
                            format!("saving {value}{}", self.ellipsis()),
                            Tone::Progress,
                            60_000,
                        );
                    }
                    PromptKind::Overwrite(_) => {}
                }
            }
            _ => {
                let event = crossterm::event::Event::Key(key);
                if let Some(request) = tui_input::backend::crossterm::to_input_request(&event) {
                    prompt.input.handle(request);
                }
            }
        }
    }

    /// Shows another selection: a new follow from the start, the old one stopped.
    fn select_logs(&mut self, select: LogSelect, effects: &mut Vec<Effect>) {
        let id = self.next_follow_id();
        let budget = self.log_budget;
        let Some(view) = self.logs.as_deref_mut() else {
            return;
        };
        if view.select == select {
            return;
        }
        effects.push(Effect::LogsStop(view.follow_id));
        let mut fresh = LogView::new(id, view.job.clone(), select.clone(), budget);
        fresh.files = std::mem::take(&mut view.files);
        fresh.status = std::mem::take(&mut view.status);
        fresh.wrap = view.wrap;
        fresh.timestamps = view.timestamps;
        effects.push(Effect::LogsFollow {
            id,
            job: fresh.job.clone(),
            select: select.to_file_select(),
        });
        *view = fresh;
    }

    /// News of a follow or a save; stale ones (another follow) are dropped.
    pub fn on_logs(&mut self, id: FollowId, event: LogEvent) {
        let now = self.now_wall_ms;
        // A save's outcome is said even when its view was closed meanwhile.
        match event {
            LogEvent::Saved(Ok(report)) => {
                self.toast_for(
                    format!(
                        "saved {}: {} lines, {} bytes ({})",
                        report.path.display(),
                        report.lines,
                        report.bytes,
                        report.how
                    ),
                    Tone::Healthy,
                    8_000,
                );
            }
            LogEvent::Saved(Err(SaveError::Failed(error))) => {
                self.record_error("logs", error.line.clone(), Some(error.hint.clone()));
                self.toast_for(
                    format!("not saved: {} ({})", error.line, error.hint),
                    Tone::Failed,
                    8_000,
                );
            }
            LogEvent::Saved(Err(SaveError::Exists(path))) => {
                // The overwrite question belongs to the view (and the selection) that asked:
                // without it, `y` could write another job's or another file's text.
                match self.logs.as_deref_mut() {
                    Some(view) if view.follow_id == id => {
                        view.prompt = Some(Prompt {
                            kind: PromptKind::Overwrite(path.clone()),
                            input: tui_input::Input::default(),
                        });
                        self.toast_for(
                            format!(
                                "{} exists: y overwrites it, any other key keeps it",
                                path.display()
                            ),
                            Tone::Warning,
                            60_000,
                        );
                    }
                    _ => self.toast_for(
                        format!("not saved: {} exists", path.display()),
                        Tone::Warning,
                        8_000,
                    ),
                }
            }
            LogEvent::Batch(batch) => {
                if let Some(view) = self.logs.as_deref_mut()
                    && id == view.follow_id
                {
                    view.take_batch(batch, now);
                }
            }
            LogEvent::Error(error) => {
                if let Some(view) = self.logs.as_deref_mut()
                    && id == view.follow_id
                {
                    view.error = Some(error.clone());
                    self.record_error("logs", error.line.clone(), Some(error.hint.clone()));
                }
            }
        }
        self.mark_dirty();
    }

    /// After each update: a log view no longer on the stack is freed and its follow stopped.
    pub(super) fn logs_after_update(&mut self, effects: &mut Vec<Effect>) {
        if !self.views.iter().any(|v| matches!(v, View::Logs))
            && let Some(view) = self.logs.take()
        {
            effects.push(Effect::LogsStop(view.follow_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_prefixes() {
        assert_eq!(iso_prefix("2024-05-01T12:00:00Z x"), Some(20));
        assert_eq!(iso_prefix("2024-05-01 12:00:00.123 x"), Some(23));
        assert_eq!(iso_prefix("2024-05-01T12:00:00+02:00 x"), Some(25));
        assert_eq!(iso_prefix("epoch 1 loss"), None);
        assert_eq!(iso_prefix("2024-05-01"), None);
    }

    #[test]
    fn ansi_is_removed_and_progress_bars_show_their_end() {
        assert_eq!(strip_ansi("\u{1b}[32mok\u{1b}[0m done"), "ok done");
        assert_eq!(strip_ansi("10%\r50%\r100%"), "100%");
        assert_eq!(display_text("a\tb"), "a       b");
    }

    #[test]
    fn find_all_is_case_insensitive_on_ascii() {
        let hits: Vec<_> = find_all("Loss loss LOSS", "loss", true).collect();
        assert_eq!(hits, vec![(0, 4), (5, 9), (10, 14)]);
        assert_eq!(find_all("é loss", "loss", false).count(), 1);
    }
}
