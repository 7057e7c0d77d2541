//! Text as plain data, and the one model of multi-line text every text view uses.
//!
//! A [`Tone`] says what a piece of text *means* (healthy, failed, a JSON key, …) and the UI's
//! theme decides how that looks. A [`Doc`] holds the logical lines of a text view (detail, JSON,
//! help, errors, and the log view to come) once, already made safe for a terminal: newlines
//! start new lines, tabs are expanded to the next stop of [`TAB_WIDTH`] columns, and every
//! other control character (ESC, CR, DEL, C1 controls, bidirectional overrides) is shown as a
//! visible marker (`^[`, `^M`, `<U+202E>`), never passed to the terminal. A [`Layout`] wraps a
//! doc at one width (lazily, once per width, extended line by line as lines are appended) and
//! hands out only the rows of a window, so scrolling never re-wraps the text. [`display_lines`]
//! and [`one_line`] are the same rules for plain strings (headless output, table cells).
//! No terminal types and no I/O here.

use std::borrow::Cow;

/// The meaning of a piece of text; the theme maps each tone to a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    Normal,
    /// Secondary information (ages, separators, placeholders).
    Muted,
    /// Something to notice (the active filter, links, commands).
    Accent,
    /// A section title.
    Heading,
    /// A field name in a detail view.
    Key,
    /// A healthy, settled state (Succeeded, Running, Steady, Completed).
    Healthy,
    /// On the way somewhere (Creating, Starting, Resizing, Queued, a running job).
    Progress,
    /// Failed or unusable.
    Failed,
    /// Stopped, canceled, paused.
    Stopped,
    /// A state this version does not know (shown verbatim).
    Unknown,
    /// A warning (stale data, config notices).
    Warning,
    JsonKey,
    JsonString,
    JsonNumber,
    JsonLiteral,
}

/// A run of text with one tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub tone: Tone,
}

impl Span {
    pub fn new(text: impl Into<String>, tone: Tone) -> Self {
        Span {
            text: text.into(),
            tone,
        }
    }
}

/// One line of styled text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StyledLine {
    pub spans: Vec<Span>,
}

impl StyledLine {
    pub fn new() -> Self {
        StyledLine { spans: Vec::new() }
    }

    pub fn plain(text: impl Into<String>, tone: Tone) -> Self {
        StyledLine {
            spans: vec![Span::new(text, tone)],
        }
    }

    pub fn push(&mut self, text: impl Into<String>, tone: Tone) -> &mut Self {
        self.spans.push(Span::new(text, tone));
        self
    }

    pub fn with(mut self, text: impl Into<String>, tone: Tone) -> Self {
        self.spans.push(Span::new(text, tone));
        self
    }

    /// Width in characters.
    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| s.text.chars().count()).sum()
    }

    /// The text without tones.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// Number of characters of `text` (the views treat one character as one cell).
pub fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `max` characters, with `ellipsis` at the end when it was cut.
pub fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(width(ellipsis));
    let mut out: String = text.chars().take(keep).collect();
    if max >= width(ellipsis) {
        out.push_str(ellipsis);
    }
    out
}

/// Columns between tab stops.
pub const TAB_WIDTH: usize = 8;

/// Caret notation of the C0 control characters (`^@` … `^_`).
const CARET: [&str; 32] = [
    "^@", "^A", "^B", "^C", "^D", "^E", "^F", "^G", "^H", "^I", "^J", "^K", "^L", "^M", "^N", "^O",
    "^P", "^Q", "^R", "^S", "^T", "^U", "^V", "^W", "^X", "^Y", "^Z", "^[", "^\\", "^]", "^^",
    "^_",
];

/// How a character that must never reach the terminal raw is shown: caret notation for the C0
/// controls and DEL (`^[` for ESC, `^M` for a lone CR), `<U+XXXX>` for C1 controls, line and
/// paragraph separators and the bidirectional formatting characters (which could reorder what
/// the user sees). `None` for a character shown as is. Tabs and newlines are laid out by the
/// callers, which is why they are not special here (a caller without lines shows `\n` as `^J`).
pub fn control_marker(c: char) -> Option<Cow<'static, str>> {
    match c {
        '\u{0}'..='\u{1f}' => Some(Cow::Borrowed(CARET[c as usize])),
        '\u{7f}' => Some(Cow::Borrowed("^?")),
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some(Cow::Owned(format!("<U+{:04X}>", c as u32))),
        _ => None,
    }
}

/// Whether `text` is shown exactly as it is on one line (no control character, tab or newline):
/// then its width is its number of characters.
pub fn is_plain(text: &str) -> bool {
    !needs_care(text)
}

/// Whether `text` holds anything [`control_marker`] would change, or a tab or newline.
fn needs_care(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 || b == 0x7f)
        || (!text.is_ascii() && text.chars().any(|c| control_marker(c).is_some()))
}

/// Spaces from column `col` to the next tab stop, stops counted from column `base`.
fn tab_spaces(col: usize, base: usize) -> usize {
    let relative = if col >= base { col - base } else { col };
    TAB_WIDTH - relative % TAB_WIDTH
}

/// `text` on one line, safe for a terminal: tabs expanded (stops from the start of `text`) and
/// every control character, newlines included, shown as a marker (`a\nb` reads `a^Jb`). Borrows
/// when there is nothing to change. For table cells and other one-line places.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !needs_care(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut col = 0usize;
    for c in text.chars() {
        if c == '\t' {
            let n = tab_spaces(col, 0);
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else if let Some(marker) = control_marker(c) {
            out.push_str(&marker);
            col += marker.chars().count();
        } else {
            out.push(c);
            col += 1;
        }
    }
    Cow::Owned(out)
}

/// Makes what was appended to `out` since byte `start` safe as [`one_line`] does (for writers
/// that build a cell's text in place).
pub fn make_safe_from(out: &mut String, start: usize) {
    let Some(tail) = out.get(start..) else {
        return;
    };
    if needs_care(tail) {
        let clean = one_line(tail).into_owned();
        out.truncate(start);
        out.push_str(&clean);
    }
}

/// `text` as lines safe for a terminal: split at newlines (`\r\n` too), tabs expanded to the
/// next stop of [`TAB_WIDTH`] columns, every other control character shown as a marker. The
/// same rules as every text view of the TUI; headless output (`computes show`) uses it too.
pub fn display_lines(text: &str) -> Vec<String> {
    let mut doc = Doc::new();
    doc.push(StyledLine::plain(text, Tone::Normal), 0);
    doc.lines.iter().map(|l| l.line.text()).collect()
}

/// Splits styled text into terminal-safe lines (see [`Doc::push`]).
struct LineSplitter<'a> {
    out: &'a mut Vec<StyledLine>,
    line: StyledLine,
    run: String,
    tone: Tone,
    col: usize,
    /// Continuation lines start with this many spaces; tab stops count from this column.
    indent: usize,
}

impl LineSplitter<'_> {
    fn flush_run(&mut self) {
        if !self.run.is_empty() {
            let run = std::mem::take(&mut self.run);
            self.line.push(run, self.tone);
        }
    }

    fn push_str(&mut self, text: &str, tone: Tone) {
        if tone != self.tone {
            self.flush_run();
            self.tone = tone;
        }
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => self.newline(),
                '\t' => {
                    let n = tab_spaces(self.col, self.indent);
                    self.run.extend(std::iter::repeat_n(' ', n));
                    self.col += n;
                }
                c => match control_marker(c) {
                    Some(marker) => {
                        self.flush_run();
                        self.col += marker.chars().count();
                        self.line.push(marker, Tone::Muted);
                    }
                    None => {
                        self.run.push(c);
                        self.col += 1;
                    }
                },
            }
        }
    }

    fn newline(&mut self) {
        self.flush_run();
        self.out.push(std::mem::take(&mut self.line));
        if self.indent > 0 {
            self.line.push(" ".repeat(self.indent), Tone::Normal);
        }
        self.col = self.indent;
    }

    fn finish(mut self) {
        self.flush_run();
        self.out.push(self.line);
    }
}

/// One logical line of a [`Doc`]: terminal-safe styled text (no newline, tab or control
/// character left) and how it wraps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocLine {
    pub line: StyledLine,
    /// Width in characters (cached).
    pub width: usize,
    /// Rows after the first start with this many spaces (a hanging indent).
    pub indent: usize,
    /// The first row is not broken before this column (a key and its padding).
    pub first_break: usize,
    /// Wrapped at the view's width (tables are not: they are cut at the right edge).
    pub wrap: bool,
}

/// The logical lines of a text view, stored once. Wrapping is a [`Layout`]'s job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    lines: Vec<DocLine>,
}

impl Doc {
    pub fn new() -> Doc {
        Doc::default()
    }

    /// Logical lines (before wrapping).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn lines(&self) -> &[DocLine] {
        &self.lines
    }

    /// Adds `line`, wrapped with a hanging indent of `indent` columns. Its text may hold
    /// newlines (each starts a new line, indented by `indent`), tabs (expanded to the next stop,
    /// counted from column `indent`, so a multi-line value keeps its alignment) and control
    /// characters (shown as markers).
    pub fn push(&mut self, line: StyledLine, indent: usize) {
        self.push_from(line, indent, indent);
    }

    /// As [`Doc::push`], with the first row never broken before column `first_break`.
    pub fn push_from(&mut self, line: StyledLine, indent: usize, first_break: usize) {
        let start = self.lines.len();
        if !line.spans.iter().any(|s| needs_care(&s.text)) {
            self.lines.push(DocLine {
                width: line.width(),
                line,
                indent,
                first_break,
                wrap: true,
            });
            return;
        }
        let mut split = Vec::new();
        let mut splitter = LineSplitter {
            out: &mut split,
            line: StyledLine::new(),
            run: String::new(),
            tone: Tone::Normal,
            col: 0,
            indent,
        };
        for span in &line.spans {
            splitter.push_str(&span.text, span.tone);
        }
        splitter.finish();
        for (n, line) in split.into_iter().enumerate() {
            self.lines.push(DocLine {
                width: line.width(),
                line,
                indent,
                first_break: if n == 0 { first_break } else { indent },
                wrap: true,
            });
        }
        debug_assert!(self.lines.len() > start);
    }

    /// Adds a line that is never wrapped (a table row): newlines and controls show as markers.
    pub fn push_unwrapped(&mut self, line: StyledLine) {
        let spans = line
            .spans
            .into_iter()
            .map(|s| Span::new(one_line(&s.text).into_owned(), s.tone))
            .collect();
        let line = StyledLine { spans };
        self.lines.push(DocLine {
            width: line.width(),
            line,
            indent: 0,
            first_break: 0,
            wrap: false,
        });
    }

    /// Adds an empty line.
    pub fn blank(&mut self) {
        self.push_unwrapped(StyledLine::new());
    }

    /// Every line wrapped at `width` (small texts and tests; views render a window instead).
    pub fn wrapped(&self, width: usize) -> Vec<StyledLine> {
        let layout = Layout::new(self, width);
        layout.window(self, 0, layout.rows())
    }
}

/// One screen row: a piece of a logical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RowRef {
    line: u32,
    /// First character of the piece in the line, and its length in characters.
    start: u32,
    len: u32,
}

/// A [`Doc`] wrapped at one width: where each screen row starts. Computed once per width and
/// extended for lines appended since (a log being tailed), so scrolling only slices it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    width: usize,
    lines_done: usize,
    rows: Vec<RowRef>,
}

impl Layout {
    pub fn new(doc: &Doc, width: usize) -> Layout {
        let mut layout = Layout {
            width: width.max(1),
            lines_done: 0,
            rows: Vec::new(),
        };
        layout.extend(doc);
        layout
    }

    pub fn width(&self) -> usize {
        self.width
    }

    /// Screen rows.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Logical lines wrapped so far.
    pub fn lines_done(&self) -> usize {
        self.lines_done
    }

    /// Wraps the lines added to `doc` since the last call (only those).
    pub fn extend(&mut self, doc: &Doc) {
        let width = self.width;
        for (offset, line) in doc
            .lines
            .get(self.lines_done..)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let index = (self.lines_done + offset) as u32;
            let rows = &mut self.rows;
            break_line(line, width, |start, len| {
                rows.push(RowRef {
                    line: index,
                    start: start as u32,
                    len: len as u32,
                })
            });
        }
        self.lines_done = doc.lines.len();
    }

    /// The rows `first..first + height` (fewer at the end), ready to draw.
    pub fn window(&self, doc: &Doc, first: usize, height: usize) -> Vec<StyledLine> {
        let end = first.saturating_add(height).min(self.rows.len());
        self.rows
            .get(first.min(end)..end)
            .unwrap_or(&[])
            .iter()
            .filter_map(|row| {
                let line = doc.lines.get(row.line as usize)?;
                Some(slice_row(line, row.start as usize, row.len as usize))
            })
            .collect()
    }
}

/// Calls `row(start, len)` for each screen row of `line` at `width` columns: breaks after the
/// last space that fits (not inside the first row's first `first_break` columns), inside a
/// word only when it is longer than a row. Rows after the first have `width - indent` columns
/// (the indent is drawn in front of them).
fn break_line(line: &DocLine, width: usize, mut row: impl FnMut(usize, usize)) {
    let width = width.max(line.indent + 8);
    if !line.wrap || line.width <= width {
        row(0, line.width);
        return;
    }
    let chars: Vec<char> = line
        .line
        .spans
        .iter()
        .flat_map(|s| s.text.chars())
        .collect();
    let mut start = 0usize;
    let mut limit = width;
    while start < chars.len() {
        let remaining = chars.len() - start;
        if remaining <= limit {
            row(start, remaining);
            break;
        }
        let window = &chars[start..start + limit];
        let min_break = if start == 0 {
            line.first_break.max(1)
        } else {
            1
        };
        let cut = window
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|&p| p >= min_break)
            .map(|p| p + 1)
            .unwrap_or(limit);
        row(start, cut);
        start += cut;
        limit = width - line.indent;
    }
}

/// The characters `start..start + len` of `line` with their tones, behind the hanging indent
/// when it is not the first row.
fn slice_row(line: &DocLine, start: usize, len: usize) -> StyledLine {
    let mut out = StyledLine::new();
    if start == 0 && len >= line.width {
        return line.line.clone();
    }
    if start > 0 && line.indent > 0 {
        out.push(" ".repeat(line.indent), Tone::Normal);
    }
    let end = start + len;
    let mut offset = 0usize;
    for span in &line.line.spans {
        let count = span.text.chars().count();
        let (span_start, span_end) = (offset, offset + count);
        offset = span_end;
        if span_end <= start {
            continue;
        }
        if span_start >= end {
            break;
        }
        let from = start.saturating_sub(span_start);
        let to = end.min(span_end) - span_start;
        let text: String = span.text.chars().skip(from).take(to - from).collect();
        if !text.is_empty() {
            out.push(text, span.tone);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[StyledLine]) -> Vec<String> {
        lines.iter().map(StyledLine::text).collect()
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4, "…"), "abc…");
        assert_eq!(truncate("abc", 4, "…"), "abc");
        assert_eq!(truncate("abcdef", 4, "..."), "a...");
    }

    #[test]
    fn display_lines_keep_newlines_expand_tabs_and_show_controls() {
        assert_eq!(display_lines("line1\nline2"), vec!["line1", "line2"]);
        assert_eq!(display_lines("a\r\nb\n"), vec!["a", "b", ""]);
        assert_eq!(display_lines("a\tb"), vec!["a       b"]);
        assert_eq!(display_lines("abcdefgh\tx"), vec!["abcdefgh        x"]);
        assert_eq!(display_lines("\x1b[31mred\x1b[0m"), vec!["^[[31mred^[[0m"]);
        assert_eq!(display_lines("50%\r100%"), vec!["50%^M100%"]);
        assert_eq!(display_lines("del\x7f"), vec!["del^?"]);
        assert_eq!(display_lines("\u{9b}2J"), vec!["<U+009B>2J"]);
        assert_eq!(display_lines("abc\u{202e}fed"), vec!["abc<U+202E>fed"]);
    }

    #[test]
    fn one_line_shows_newlines_and_borrows_clean_text() {
        assert_eq!(one_line("a\nb"), "a^Jb");
        assert_eq!(one_line("a\tb"), "a       b");
        assert!(matches!(one_line("plain text ü"), Cow::Borrowed(_)));
    }

    #[test]
    fn no_control_character_survives() {
        let all: String = (0u32..0x200)
            .chain([0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069, 0x61c])
            .filter_map(char::from_u32)
            .collect();
        for line in display_lines(&all) {
            assert!(!line.chars().any(char::is_control), "{line:?}");
            assert!(
                !line.chars().any(|c| control_marker(c).is_some()),
                "{line:?}"
            );
        }
        assert!(!one_line(&all).chars().any(char::is_control));
        let mut doc = Doc::new();
        doc.push_unwrapped(StyledLine::plain(all.clone(), Tone::Normal));
        doc.push(StyledLine::plain(all, Tone::Normal), 4);
        for line in doc.wrapped(30) {
            assert!(!line.text().chars().any(char::is_control));
        }
    }

    #[test]
    fn a_multi_line_value_keeps_its_indent_and_tab_stops() {
        let mut doc = Doc::new();
        let key = "  Command  ";
        doc.push(
            StyledLine::new()
                .with(key, Tone::Key)
                .with("for i in 1 2; do\n\techo $i\ndone", Tone::Accent),
            key.len(),
        );
        assert_eq!(
            texts(&doc.wrapped(80)),
            vec![
                "  Command  for i in 1 2; do",
                "                   echo $i",
                "           done"
            ]
        );
        // The value keeps its tone on every line; the key only on the first.
        let lines = doc.wrapped(80);
        assert_eq!(lines[0].spans[0].tone, Tone::Key);
        assert!(lines[1].spans.iter().any(|s| s.tone == Tone::Accent));
        assert!(lines[1].spans.iter().all(|s| s.tone != Tone::Key));
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_long_words() {
        let mut doc = Doc::new();
        doc.push(
            StyledLine::plain("aa bb cc dd ee ff gg hh", Tone::Normal),
            0,
        );
        assert_eq!(
            texts(&doc.wrapped(9)),
            vec!["aa bb cc ", "dd ee ff ", "gg hh"]
        );
        let mut doc = Doc::new();
        doc.push(StyledLine::plain("abcdefghijklmnopqrst", Tone::Normal), 0);
        assert_eq!(texts(&doc.wrapped(8)), vec!["abcdefgh", "ijklmnop", "qrst"]);
    }

    #[test]
    fn styled_wrap_keeps_tones_and_indents() {
        let mut doc = Doc::new();
        doc.push(
            StyledLine::new()
                .with("key: ", Tone::Key)
                .with("one two three four five six", Tone::Normal),
            5,
        );
        let wrapped = doc.wrapped(16);
        assert!(wrapped.len() > 1);
        assert_eq!(wrapped[0].spans[0].tone, Tone::Key);
        assert!(wrapped[1].text().starts_with("     "));
        let all: String = wrapped
            .iter()
            .map(|l| l.text().trim().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all.contains("six"));
        assert!(wrapped.iter().all(|l| l.width() <= 16));
    }

    #[test]
    fn tables_are_not_wrapped() {
        let mut doc = Doc::new();
        doc.push_unwrapped(StyledLine::plain("x".repeat(50), Tone::Normal));
        let layout = Layout::new(&doc, 20);
        assert_eq!(layout.rows(), 1);
    }

    #[test]
    fn a_window_is_a_slice_of_the_whole() {
        let mut doc = Doc::new();
        for i in 0..200 {
            doc.push(
                StyledLine::plain(
                    format!("line {i} with some words to wrap here"),
                    Tone::Normal,
                ),
                2,
            );
        }
        let layout = Layout::new(&doc, 20);
        let all = doc.wrapped(20);
        assert_eq!(layout.rows(), all.len());
        assert_eq!(layout.window(&doc, 37, 10), all[37..47].to_vec());
        assert_eq!(layout.window(&doc, all.len() - 3, 10), all[all.len() - 3..]);
        assert!(layout.window(&doc, all.len() + 5, 10).is_empty());
    }

    #[test]
    fn appending_wraps_only_the_new_lines() {
        let mut doc = Doc::new();
        for i in 0..100_000 {
            doc.push(StyledLine::plain(format!("log line {i}"), Tone::Normal), 0);
        }
        let mut layout = Layout::new(&doc, 40);
        assert_eq!(layout.rows(), 100_000);
        let before = layout.clone();
        doc.push(
            StyledLine::plain(format!("{}\n{}", "y".repeat(70), "z"), Tone::Normal),
            0,
        );
        layout.extend(&doc);
        assert_eq!(layout.lines_done(), 100_002);
        assert_eq!(layout.rows(), 100_003);
        assert_eq!(&layout.rows[..100_000], &before.rows[..]);
        assert_eq!(
            texts(&layout.window(&doc, 100_000, 5)),
            vec!["y".repeat(40), "y".repeat(30), "z".into()]
        );
    }
}
