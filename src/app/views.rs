//! The scrollable text views as documents of the one text model (`text::Doc`): a resource's
//! detail (sections from its kind), its raw JSON (secrets masked, pretty, lightly
//! highlighted), the help generated from the key table for the tab it was opened on, and the
//! error history. The view on top is built once and wrapped once per width ([`TextCache`]);
//! scrolling only takes the rows of the window, so a key press never rebuilds or re-wraps the
//! text. Rebuilt when what it shows may have changed: any message other than input and ticks
//! (data, errors, a connection), a new second for views that show ages, or another width.
//! Pure functions of the app state: no I/O.

use super::command::COMMANDS;
use super::format;
use super::keys::{Action, KeyMap};
use super::kinds::{self, DetailCtx, DetailRow, Section};
use super::text::{self, Doc, Layout, StyledLine, Tone, one_line};
use super::{App, TabId, View};
use serde_json::Value;

/// Width of the key column of a detail section (long keys wrap their value under them).
const MAX_KEY_WIDTH: usize = 26;

/// Detail sections as a document (tables are not wrapped).
pub fn section_doc(sections: &[Section]) -> Doc {
    let mut doc = Doc::new();
    for (n, section) in sections.iter().enumerate() {
        if n > 0 {
            doc.blank();
        }
        doc.push_unwrapped(StyledLine::plain(section.title.clone(), Tone::Heading));
        let key_width = section
            .rows
            .iter()
            .filter_map(|r| match r {
                DetailRow::Field { key, .. } => Some(text::width(&one_line(key))),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .min(MAX_KEY_WIDTH);
        for row in &section.rows {
            match row {
                DetailRow::Field { key, value, tone } => {
                    let padded = format!("  {}", text::padded(key, key_width, 2));
                    let indent = text::width(&padded);
                    let line = StyledLine::new()
                        .with(padded, Tone::Key)
                        .with(value.clone(), *tone);
                    doc.push(line, indent);
                }
                DetailRow::Text { text, tone } => {
                    doc.push(StyledLine::plain(format!("  {text}"), *tone), 4);
                }
                DetailRow::Table { header, rows } => {
                    let columns = header.len();
                    let mut widths: Vec<usize> = header.iter().map(|h| text::width(h)).collect();
                    for row in rows {
                        for (i, (cell, _)) in row.iter().enumerate().take(columns) {
                            widths[i] = widths[i].max(text::width(&one_line(cell)));
                        }
                    }
                    let mut head = StyledLine::plain("  ", Tone::Normal);
                    for (i, h) in header.iter().enumerate() {
                        head.push(text::padded(h, widths[i], 2), Tone::Key);
                    }
                    doc.push_unwrapped(head);
                    for row in rows {
                        let mut line = StyledLine::plain("  ", Tone::Normal);
                        for (i, (cell, tone)) in row.iter().enumerate().take(columns) {
                            line.push(text::padded(cell, widths[i], 2), *tone);
                        }
                        doc.push_unwrapped(line);
                    }
                }
            }
        }
    }
    doc
}

/// Pretty JSON with tones for keys, strings, numbers and literals. (JSON escapes control
/// characters in strings; the document makes any that are left, such as DEL, visible.)
pub fn json_doc(value: &Value) -> Doc {
    let text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("(cannot show JSON: {e})"));
    let mut doc = Doc::new();
    for raw in text.lines() {
        let line = highlight_json_line(raw);
        let indent = raw.len() - raw.trim_start().len() + 2;
        // Keep a value on its key's line: break only after the value has started.
        let value_start = line
            .spans
            .iter()
            .position(|s| s.tone == Tone::JsonKey)
            .map(|k| {
                line.spans[..k + 2]
                    .iter()
                    .map(|s| s.text.chars().count())
                    .sum::<usize>()
                    + 1
            })
            .unwrap_or(indent);
        doc.push_from(line, indent, value_start);
    }
    doc
}

fn highlight_json_line(raw: &str) -> StyledLine {
    let trimmed = raw.trim_start();
    let indent = &raw[..raw.len() - trimmed.len()];
    let mut line = StyledLine::plain(indent, Tone::Normal);
    let mut rest = trimmed;
    // A key: a string followed by `: `.
    if rest.starts_with('"')
        && let Some(end) = string_end(rest)
        && rest[end..].starts_with(": ")
    {
        line.push(&rest[..end], Tone::JsonKey);
        line.push(": ", Tone::Normal);
        rest = &rest[end + 2..];
    }
    let (value, tail) = match rest.strip_suffix(',') {
        Some(v) => (v, ","),
        None => (rest, ""),
    };
    let tone = match value.chars().next() {
        Some('"') => Tone::JsonString,
        Some(c) if c.is_ascii_digit() || c == '-' => Tone::JsonNumber,
        Some('t' | 'f' | 'n') => Tone::JsonLiteral,
        _ => Tone::Normal,
    };
    if !value.is_empty() {
        line.push(value, tone);
    }
    if !tail.is_empty() {
        line.push(tail, Tone::Normal);
    }
    line
}

/// The byte index just past the closing quote of the JSON string `text` starts with.
fn string_end(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i + 1),
            _ => escaped = false,
        }
    }
    None
}

/// The help for the tab `tab` (and the views opened from it), generated from the key table:
/// what each key does, the copy menu's choices on this tab, the commands, the filter syntax.
pub fn help_doc(keymap: &KeyMap, ascii: bool, tab: TabId) -> Doc {
    let kind = kinds::kind(tab);
    let copy_labels = kind.copy_labels();
    let mut doc = Doc::new();
    doc.push(
        StyledLine::plain(
            format!(
                "Keys on the {} tab and the views opened from it. Esc goes back and never quits; q, :q and Ctrl-c quit.",
                kind.title()
            ),
            Tone::Muted,
        ),
        0,
    );
    doc.blank();
    let mut groups = keymap.help_groups(ascii);
    // `n` is listed on a tab that offers forms, with their titles.
    let forms = crate::wizard::forms::for_tab(tab);
    for (_, rows) in &mut groups {
        rows.retain(|row| {
            (row.action != Action::New || !forms.is_empty() || tab == TabId::Jobs)
                && (!is_copy_choice(row.action)
                    || copy_labels.iter().any(|(a, _)| *a == row.action))
                && super::menu::actions_of_key(kind, row.action).is_none_or(|a| !a.is_empty())
        });
        for row in rows.iter_mut() {
            if row.action == Action::New && tab == TabId::Jobs {
                row.description =
                    "new: the submit form, a run from a code folder (keys below)".into();
            } else if row.action == Action::New {
                let titles: Vec<&str> = forms.iter().map(|f| f.title).collect();
                row.description = format!("new: {}", titles.join(", "));
            } else if let Some(actions) = super::menu::actions_of_key(kind, row.action) {
                row.description = super::menu::key_help(&actions);
            } else if row.action == Action::Copy {
                let labels: Vec<&str> = copy_labels.iter().map(|(_, l)| *l).collect();
                row.description = format!("copy menu: {}", labels.join(", "));
            } else if let Some((_, label)) = copy_labels.iter().find(|(a, _)| *a == row.action) {
                row.description = format!("copy the {label}");
            }
        }
    }
    let key_width = groups
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|r| r.keys.chars().count()))
        .max()
        .unwrap_or(8)
        .min(24);
    for (n, (group, rows)) in groups.iter().enumerate() {
        if rows.is_empty() {
            continue;
        }
        if n > 0 {
            doc.blank();
        }
        let title = if *group == "Copy menu" {
            format!("Copy menu (on {})", kind.title())
        } else {
            (*group).to_owned()
        };
        doc.push_unwrapped(StyledLine::plain(title, Tone::Heading));
        for row in rows {
            let line = StyledLine::new()
                .with(format!("  {:<key_width$}  ", row.keys), Tone::Accent)
                .with(row.description.clone(), Tone::Normal)
                .with(format!("  [{}]", row.name), Tone::Muted);
            doc.push(line, key_width + 4);
        }
    }
    doc.push(
        StyledLine::plain(
            "  [name]: the action's name for the config file, e.g. [keys] refresh = \"F5 r\"",
            Tone::Muted,
        ),
        4,
    );
    if tab == TabId::Jobs {
        doc.blank();
        doc.push_unwrapped(StyledLine::plain("Submit form (n)", Tone::Heading));
        let width = super::submit::FORM_KEYS
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(8);
        for (keys, what) in super::submit::FORM_KEYS {
            let keys = if ascii {
                keys.replace('↑', "Up")
                    .replace('↓', "Down")
                    .replace('←', "Left")
                    .replace('→', "Right")
            } else {
                (*keys).to_owned()
            };
            let line = StyledLine::new()
                .with(format!("  {keys:<width$}  "), Tone::Accent)
                .with(*what, Tone::Normal);
            doc.push(line, width + 4);
        }
    }
    doc.blank();
    doc.push_unwrapped(StyledLine::plain("Commands (:)", Tone::Heading));
    let cmd_width = COMMANDS
        .iter()
        .map(|(u, _)| u.chars().count())
        .max()
        .unwrap_or(10);
    for (usage, description) in COMMANDS {
        let line = StyledLine::new()
            .with(format!("  {usage:<cmd_width$}  "), Tone::Accent)
            .with(*description, Tone::Normal);
        doc.push(line, cmd_width + 4);
    }
    doc.blank();
    doc.push_unwrapped(StyledLine::plain("Filter (/)", Tone::Heading));
    for (syntax, meaning) in [
        (
            "gpu run",
            "fuzzy: every word matches the row's text (every column but ages and durations)",
        ),
        ("'exact", "an exact substring"),
        ("^start end$", "a prefix / a suffix"),
        ("!word", "rows that do not match"),
        (
            "Enter / Esc",
            "keep the filter / drop the change; Esc in the list clears it",
        ),
    ] {
        let line = StyledLine::new()
            .with(format!("  {syntax:<cmd_width$}  "), Tone::Accent)
            .with(meaning, Tone::Normal);
        doc.push(line, cmd_width + 4);
    }
    doc.blank();
    doc.push_unwrapped(StyledLine::plain("States", Tone::Heading));
    doc.push(
        StyledLine::plain("  ", Tone::Normal)
            .with("healthy", Tone::Healthy)
            .with("  ", Tone::Normal)
            .with("in progress (animated)", Tone::Progress)
            .with("  ", Tone::Normal)
            .with("failed (with its error code)", Tone::Failed)
            .with("  ", Tone::Normal)
            .with("an error reported (code)", Tone::Warning)
            .with("  ", Tone::Normal)
            .with("stopped", Tone::Stopped)
            .with("  ", Tone::Normal)
            .with("unknown (verbatim)", Tone::Unknown),
        2,
    );
    doc.push(
        StyledLine::plain(
            "  Cluster node bar: r running, i idle, p preparing, u unusable, l leaving, x preempted",
            Tone::Normal,
        ),
        4,
    );
    doc.push(
        StyledLine::plain(
            format!(
                "  COST/H: estimated cost per hour now, from the region's VM size prices; {} while they load, ? when unknown (never 0), - for attached computes (not estimated); a compute's detail has the breakdown",
                if ascii { "..." } else { "…" }
            ),
            Tone::Normal,
        ),
        4,
    );
    doc.push(
        StyledLine::plain(
            "  Control characters in names, commands and errors show as ^[ (ESC), ^M (CR), <U+202E>, …",
            Tone::Normal,
        ),
        4,
    );
    doc
}

/// An action that picks a copy-menu choice.
fn is_copy_choice(action: Action) -> bool {
    matches!(
        action,
        Action::CopyName | Action::CopyId | Action::CopySsh | Action::CopyLink
    )
}

/// One recorded error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    pub wall_ms: i64,
    /// What failed (`computes`, `jobs`, `nodes of gpu-cluster`, `config`, …).
    pub scope: String,
    pub message: String,
    /// What to do about it, when known.
    pub hint: Option<String>,
}

/// The error history, newest first, in full (multi-line messages keep their lines).
pub fn error_doc(errors: &[&ErrorEntry], now_ms: i64) -> Doc {
    let mut doc = Doc::new();
    if errors.is_empty() {
        doc.push(StyledLine::plain("No errors so far.", Tone::Muted), 0);
        return doc;
    }
    for (n, e) in errors.iter().enumerate() {
        if n > 0 {
            doc.blank();
        }
        doc.push(
            StyledLine::new()
                .with(
                    if e.wall_ms <= 0 {
                        "at start".to_owned()
                    } else {
                        format!("{} ago", format::age(now_ms, e.wall_ms))
                    },
                    Tone::Muted,
                )
                .with("  ", Tone::Normal)
                .with(e.scope.clone(), Tone::Heading),
            2,
        );
        doc.push(
            StyledLine::plain(format!("  {}", e.message), Tone::Failed),
            2,
        );
        if let Some(hint) = &e.hint {
            doc.push(
                StyledLine::plain(format!("  what to do: {hint}"), Tone::Muted),
                4,
            );
        }
    }
    doc
}

fn gone_doc(name: &str) -> Doc {
    let mut doc = Doc::new();
    doc.push(
        StyledLine::plain(
            format!("{name} is not in the workspace any more (as of the last refresh)."),
            Tone::Warning,
        ),
        0,
    );
    doc
}

/// What a built text view depends on besides input: when any of it changes, it is rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TextKey {
    /// The view, scroll left out.
    view: View,
    generation: u64,
    width: usize,
    /// The tab the help was opened on.
    tab: TabId,
    /// The second of the clock, for views that show ages (detail, errors); else 0.
    second: i64,
}

/// The text view on top, built and wrapped once.
#[derive(Debug, Default)]
pub struct TextCache {
    /// Bumped by every message that may change what a view shows.
    generation: u64,
    key: Option<TextKey>,
    title: String,
    doc: Doc,
    layout: Layout,
    builds: u64,
}

/// The rows of a text view on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextWindow {
    pub title: String,
    /// Screen rows of the whole text at this width.
    pub rows: usize,
    /// The first row shown (the view's scroll, clamped).
    pub first: usize,
    pub lines: Vec<StyledLine>,
}

impl App {
    /// The title and document of `view`, from the current state.
    fn build_text(&self, view: &View) -> (String, Doc) {
        match view {
            View::Detail { tab, name, .. } => {
                let title = format!(
                    "{}{}{}",
                    kinds::kind(*tab).title(),
                    self.dot(),
                    one_line(name)
                );
                match self.find_item(*tab, name) {
                    Some(item) => {
                        let nodes = self
                            .nodes
                            .as_ref()
                            .filter(|n| n.compute == *name)
                            .map(|n| &n.view);
                        let ctx = DetailCtx {
                            now_ms: self.now_wall_ms,
                            nodes,
                        };
                        let mut sections = kinds::kind(*tab).detail(item, &ctx);
                        // A compute's cost per hour, after its overview.
                        if let kinds::Item::Compute(compute) = item {
                            let at = sections.len().min(1);
                            sections.insert(at, self.cost_section(compute));
                        }
                        (title, section_doc(&sections))
                    }
                    None => (title, gone_doc(name)),
                }
            }
            View::Json { tab, name, .. } => {
                let title = format!("{}{}JSON (secrets masked)", one_line(name), self.dot());
                match self.find_item(*tab, name) {
                    Some(item) => (title, json_doc(&item.redacted_json())),
                    None => (title, gone_doc(name)),
                }
            }
            View::Help { .. } => (
                format!("Help{}{} tab", self.dot(), kinds::kind(self.active).title()),
                help_doc(&self.keymap, self.ascii, self.active),
            ),
            View::Errors { .. } => (
                format!("Errors ({} recent)", self.errors.len()),
                error_doc(&self.error_history(), self.now_wall_ms),
            ),
            View::Quota { .. } => {
                let location = self
                    .catalog
                    .as_deref()
                    .map(|c| c.location.as_str())
                    .filter(|l| !l.is_empty())
                    .unwrap_or("the workspace's region");
                (format!("Quota{}{location}", self.dot()), self.quota_doc())
            }
            View::Info { tab, .. } => (
                format!("About the {} tab", kinds::kind(*tab).title()),
                super::costs::info_doc(*tab, self.text_width()),
            ),
            // Drawn by `ui::operations` from the app's operations, not as a text.
            View::Operations { .. } => ("Operations".into(), Doc::new()),
            View::Logs => ("Logs".into(), Doc::new()),
        }
    }

    fn text_key(&self, view: &View) -> TextKey {
        let mut identity = view.clone();
        if let Some(scroll) = identity.scroll_mut() {
            *scroll = 0;
        }
        let second = match view {
            View::Detail { .. } | View::Errors { .. } => self.now_wall_ms.div_euclid(1000),
            View::Json { .. }
            | View::Help { .. }
            | View::Quota { .. }
            | View::Info { .. }
            | View::Operations { .. }
            | View::Logs => 0,
        };
        TextKey {
            view: identity,
            generation: self.text.generation,
            width: self.text_width(),
            tab: self.active,
            second,
        }
    }

    /// Something a text view may show changed (data, errors, the clock): rebuild at the next
    /// [`App::sync_text`].
    pub(super) fn text_changed(&mut self) {
        self.text.generation = self.text.generation.wrapping_add(1);
    }

    /// Brings the built text up to date with the view on top (after each message).
    pub(super) fn sync_text(&mut self) {
        let Some(view) = self.top_view() else {
            self.text.key = None;
            self.text.doc = Doc::new();
            self.text.layout = Layout::default();
            return;
        };
        let key = self.text_key(view);
        if self.text.key.as_ref() == Some(&key) {
            return;
        }
        let (title, doc) = self.build_text(view);
        self.text.layout = Layout::new(&doc, key.width);
        self.text.doc = doc;
        self.text.title = title;
        self.text.key = Some(key);
        self.text.builds += 1;
    }

    /// How many times a text view was built (for tests: scrolling must not build).
    pub fn text_builds(&self) -> u64 {
        self.text.builds
    }

    /// Screen rows of the text view on top at the current width.
    pub(super) fn text_rows(&self) -> usize {
        match self.top_view() {
            Some(view) if self.text.key.as_ref() == Some(&self.text_key(view)) => {
                self.text.layout.rows()
            }
            Some(view) => Layout::new(&self.build_text(view).1, self.text_width()).rows(),
            None => 0,
        }
    }

    /// The rows of `view` that fit in `height`, from its scroll on (clamped), built text reused
    /// when it is current (else built for this frame only).
    pub fn text_window(&self, view: &View, height: usize) -> TextWindow {
        let window = |title: &str, doc: &Doc, layout: &Layout| {
            let rows = layout.rows();
            let first = view.scroll().min(rows.saturating_sub(height));
            TextWindow {
                title: title.to_owned(),
                rows,
                first,
                lines: layout.window(doc, first, height),
            }
        };
        if self.text.key.as_ref() == Some(&self.text_key(view)) {
            return window(&self.text.title, &self.text.doc, &self.text.layout);
        }
        let (title, doc) = self.build_text(view);
        let layout = Layout::new(&doc, self.text_width());
        window(&title, &doc, &layout)
    }

    /// The title and every wrapped line of a text view (tests and small uses; drawing takes a
    /// [`App::text_window`]).
    pub fn text_view(&self, view: &View) -> (String, Vec<StyledLine>) {
        let (title, doc) = self.build_text(view);
        (title, doc.wrapped(self.text_width()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tables in a detail are padded by display width: a wide cell keeps the next column
    /// aligned under its header.
    #[test]
    fn detail_tables_align_wide_cells() {
        let section = Section {
            title: "Nodes".into(),
            rows: vec![DetailRow::Table {
                header: vec!["NODE".into(), "STATE".into()],
                rows: vec![
                    vec![
                        ("节点-1".into(), Tone::Normal),
                        ("idle".into(), Tone::Normal),
                    ],
                    vec![
                        ("node-22".into(), Tone::Normal),
                        ("running".into(), Tone::Normal),
                    ],
                ],
            }],
        };
        let lines: Vec<String> = section_doc(&[section])
            .wrapped(80)
            .iter()
            .map(|l| l.text())
            .collect();
        let column = |needle: &str| {
            let line = lines.iter().find(|l| l.contains(needle)).unwrap();
            text::width(&line[..line.find(needle).unwrap()])
        };
        assert_eq!(column("idle"), column("STATE"), "{lines:#?}");
        assert_eq!(column("running"), column("STATE"), "{lines:#?}");
    }

    #[test]
    fn json_is_highlighted() {
        let v = serde_json::json!({"name": "a", "n": 1, "ok": true, "list": ["x"]});
        let lines = json_doc(&v).wrapped(80);
        let name = lines
            .iter()
            .find(|l| l.text().contains("\"name\""))
            .unwrap();
        assert_eq!(name.spans[1].tone, Tone::JsonKey);
        assert_eq!(name.spans[3].tone, Tone::JsonString);
        let n = lines.iter().find(|l| l.text().contains("\"n\"")).unwrap();
        assert!(
            n.spans
                .iter()
                .any(|s| s.tone == Tone::JsonNumber && s.text == "1")
        );
        let ok = lines.iter().find(|l| l.text().contains("\"ok\"")).unwrap();
        assert!(ok.spans.iter().any(|s| s.tone == Tone::JsonLiteral));
    }

    use crate::app::{AppOptions, ContextInfo, Effect, Msg, SourceData, SourceKey};
    use crate::azure::models::{ComputeResource, Job, Page};
    use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new_with_kind(
            code,
            KeyModifiers::NONE,
            KeyEventKind::Press,
        ))
    }

    fn jobs() -> Vec<Job> {
        let page: Page<Job> =
            serde_json::from_str(include_str!("../../tests/fixtures/tui/jobs.json")).unwrap();
        page.value
    }

    /// An app of 100x20 with the fixtures loaded through the message flow.
    fn loaded_app() -> App {
        let mut app = App::new(AppOptions::default());
        app.set_clock(1_780_315_200_000, 1_000);
        app.update(Msg::Resize(100, 20));
        let effects = app.update(Msg::Connected(ContextInfo::default()));
        for effect in effects {
            match effect {
                Effect::Fetch(id, SourceKey::Computes) => {
                    let page: Page<ComputeResource> = serde_json::from_str(include_str!(
                        "../../tests/fixtures/tui/computes.json"
                    ))
                    .unwrap();
                    app.update(Msg::Loaded {
                        id,
                        key: SourceKey::Computes,
                        result: Ok(SourceData::Computes(page.value)),
                    });
                }
                Effect::Fetch(id, SourceKey::Jobs) => {
                    app.update(Msg::Loaded {
                        id,
                        key: SourceKey::Jobs,
                        result: Ok(SourceData::Jobs(jobs())),
                    });
                }
                _ => {}
            }
        }
        app
    }

    #[test]
    fn scrolling_neither_rebuilds_nor_rewraps() {
        let mut app = loaded_app();
        app.update(key(KeyCode::Char('5')));
        app.update(key(KeyCode::Enter));
        let view = app.top_view().cloned().expect("a job detail");
        let built = app.text_builds();
        let height = app.text_viewport();
        let first = app.text_window(&view, height);
        assert!(first.rows > height, "the detail is longer than the screen");
        for code in [
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::PageDown,
            KeyCode::Char('G'),
            KeyCode::Char('k'),
            KeyCode::Char('g'),
            KeyCode::Char('G'),
        ] {
            app.update(key(code));
        }
        assert_eq!(
            app.text_builds(),
            built,
            "a key press must not rebuild the text"
        );
        let view = app.top_view().cloned().unwrap();
        let last = app.text_window(&view, height);
        assert_eq!(last.first, last.rows - height);
        assert_eq!(last.lines.len(), height);
        assert_eq!(app.text_view(&view).1[last.first..].to_vec(), last.lines);
        // New data rebuilds it once; so does another width.
        let id = app
            .update(key(KeyCode::Char('r')))
            .into_iter()
            .find_map(|e| match e {
                Effect::Fetch(id, SourceKey::Jobs) => Some(id),
                _ => None,
            })
            .expect("r refreshes the jobs");
        app.update(Msg::Loaded {
            id,
            key: SourceKey::Jobs,
            result: Ok(SourceData::Jobs(jobs())),
        });
        assert_eq!(app.text_builds(), built + 1);
        app.update(Msg::Resize(70, 20));
        assert_eq!(app.text_builds(), built + 2);
        let view = app.top_view().cloned().unwrap();
        assert!(
            app.text_window(&view, height)
                .lines
                .iter()
                .all(|l| l.width() <= app.text_width())
        );
    }

    #[test]
    fn help_lists_the_copy_choices_of_its_tab() {
        let text = |tab: TabId| -> String {
            help_doc(&KeyMap::default(), true, tab)
                .wrapped(120)
                .iter()
                .map(StyledLine::text)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let jobs = text(TabId::Jobs);
        assert!(jobs.contains("copy the Studio link"), "{jobs}");
        assert!(
            jobs.contains("copy menu: name, resource id, Studio link"),
            "{jobs}"
        );
        assert!(!jobs.contains("SSH command"), "{jobs}");
        let instances = text(TabId::Instances);
        assert!(instances.contains("copy the SSH command"), "{instances}");
        assert!(!instances.contains("Studio link"), "{instances}");
        let clusters = text(TabId::Clusters);
        assert!(
            clusters.contains("copy menu: name, resource id  "),
            "{clusters}"
        );
        for help in [jobs, instances, clusters] {
            assert!(help.contains("Esc"), "{help}");
            assert!(help.contains("never quits"), "{help}");
        }
    }

    #[test]
    fn string_end_handles_escapes() {
        assert_eq!(string_end(r#""a\"b": 1"#), Some(6));
    }

    #[test]
    fn sections_align_keys() {
        let mut s = Section::new("T");
        s.field("a", "1").field("longer", "2");
        let lines = section_doc(&[s]).wrapped(40);
        assert_eq!(lines[0].text(), "T");
        assert_eq!(lines[1].text(), "  a       1");
        assert_eq!(lines[2].text(), "  longer  2");
    }
}
