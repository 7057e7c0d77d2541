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
//! Widths are terminal cells (display width, `unicode-width`, as ratatui draws): a CJK character
//! or an emoji takes two, a combining mark none and stays with its base ([`clusters`]); wrapping
//! and cutting never split such a cluster, and a wide character that does not fit moves to the
//! next row. ASCII text takes the fast path (one byte, one cell).
//! No terminal types and no I/O here.

use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

    /// Width in terminal cells.
    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| width(&s.text)).sum()
    }

    /// The text without tones.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// Terminal cells `text` takes (display width: two for a CJK character or an emoji, none for a
/// combining mark). For terminal-safe text (see [`one_line`]); ASCII is one cell a byte.
#[inline]
pub fn width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        width_of_unicode(text)
    }
}

/// [`width`] of text that is not all ASCII: by character, by cluster once a character joins the
/// one before it (a mark, a joiner, a skin tone, a flag's second half).
#[inline(never)]
fn width_of_unicode(text: &str) -> usize {
    let mut cells = 0usize;
    for c in text.chars() {
        if c.is_ascii() {
            cells += 1;
            continue;
        }
        match c.width() {
            Some(0) => return clusters(text).map(|(_, _, cells)| cells).sum(),
            _ if extends_cluster(c) || is_regional_indicator(c) => {
                return clusters(text).map(|(_, _, cells)| cells).sum();
            }
            w => cells += w.unwrap_or(0),
        }
    }
    cells
}

/// Cells of `c` on its own: 1 for ASCII (a control character is shown as a marker before it is
/// drawn), 0 for a zero-width character.
fn char_width(c: char) -> usize {
    if c.is_ascii() {
        1
    } else {
        c.width().unwrap_or(0)
    }
}

const ZWJ: char = '\u{200d}';

/// Whether `c` belongs to the cluster before it: a zero-width character (combining mark,
/// variation selector, joiner) or an emoji skin-tone modifier.
fn extends_cluster(c: char) -> bool {
    !c.is_ascii()
        && (matches!(c, '\u{1f3fb}'..='\u{1f3ff}')
            || (c.width() == Some(0) && control_marker(c).is_none()))
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c, '\u{1f1e6}'..='\u{1f1ff}')
}

/// The clusters of `text` that wrapping and cutting never split, as (byte start, byte end,
/// cells): a character with the zero-width characters after it (combining marks, variation
/// selectors), an emoji joined by ZWJ to the next, a pair of regional indicators (a flag). An
/// approximation of grapheme clusters, measured as ratatui measures them (`unicode-width` of the
/// cluster's text).
pub fn clusters(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, first) = chars.next()?;
        let mut end = start + first.len_utf8();
        let mut joined = first == ZWJ;
        let mut flag = is_regional_indicator(first);
        let mut single = true;
        while let Some(&(i, c)) = chars.peek() {
            let attach = joined || extends_cluster(c) || (flag && is_regional_indicator(c));
            if !attach {
                break;
            }
            flag = false;
            joined = c == ZWJ;
            single = false;
            end = i + c.len_utf8();
            chars.next();
        }
        let cells = if single {
            char_width(first)
        } else {
            text.get(start..end).map_or(0, UnicodeWidthStr::width)
        };
        Some((start, end, cells))
    })
}

/// `text` cut to `max` cells, with `ellipsis` at the end when it was cut. A wide character that
/// does not fit whole is left out (the text may then end one cell short of `max`); a combining
/// mark stays with its base.
pub fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let ellipsis_width = width(ellipsis);
    let keep = max.saturating_sub(ellipsis_width);
    let end = if text.is_ascii() {
        keep.min(text.len())
    } else {
        let mut used = 0usize;
        let mut end = 0usize;
        for (_, cluster_end, cells) in clusters(text) {
            if used + cells > keep {
                break;
            }
            used += cells;
            end = cluster_end;
        }
        end
    };
    let mut out = text.get(..end).unwrap_or_default().to_owned();
    if max >= ellipsis_width {
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
/// then its width is [`width`] of it.
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

/// `text` on one line (as [`one_line`]) followed by spaces up to `width` display columns and
/// then `gap` more: a cell of an aligned table, padded by what the terminal shows (a wide
/// character counts two), not by characters.
pub fn padded(text: &str, width: usize, gap: usize) -> String {
    let shown = one_line(text);
    let pad = width.saturating_sub(self::width(&shown)) + gap;
    let mut out = String::with_capacity(shown.len() + pad);
    out.push_str(&shown);
    out.extend(std::iter::repeat_n(' ', pad));
    out
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
            col += marker.len();
        } else {
            out.push(c);
            col += char_width(c);
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
                        self.col += marker.len();
                        self.line.push(marker, Tone::Muted);
                    }
                    None => {
                        self.run.push(c);
                        self.col += char_width(c);
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
    /// Width in terminal cells (cached).
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
    /// First byte of the piece in the line's text (its spans one after another), and its
    /// length in bytes: always on cluster boundaries.
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

/// Calls `row(start, len)` (bytes of the line's text) for each screen row of `line` at `width`
/// cells: breaks after the last space that fits (not inside the first row's first
/// `first_break` columns), inside a word only when it is longer than a row, and before a wide
/// character or cluster that does not fit whole. Rows after the first have `width - indent`
/// cells (the indent is drawn in front of them).
fn break_line(line: &DocLine, width: usize, mut row: impl FnMut(usize, usize)) {
    let width = width.max(line.indent + 8);
    let bytes = line_bytes(line);
    if !line.wrap || line.width <= width {
        row(0, bytes);
        return;
    }
    if line.line.spans.iter().all(|s| s.text.is_ascii()) {
        break_ascii(line, width, row);
        return;
    }
    let text = line.line.text();
    // (first byte, cells, is a space) of each cluster.
    let units: Vec<(usize, usize, bool)> = clusters(&text)
        .map(|(start, end, cells)| {
            (
                start,
                cells,
                end == start + 1 && text.as_bytes()[start] == b' ',
            )
        })
        .collect();
    let mut i = 0usize;
    let mut limit = width;
    while i < units.len() {
        let min_break = if i == 0 { line.first_break.max(1) } else { 1 };
        let mut used = 0usize;
        let mut j = i;
        let mut last_space = None;
        while let Some(&(_, cells, space)) = units.get(j) {
            if used + cells > limit {
                break;
            }
            if space && used >= min_break {
                last_space = Some(j);
            }
            used += cells;
            j += 1;
        }
        let start = units[i].0;
        if j == units.len() {
            row(start, text.len() - start);
            break;
        }
        let cut = last_space.map_or(j.max(i + 1), |p| p + 1);
        let end = units.get(cut).map_or(text.len(), |u| u.0);
        row(start, end - start);
        i = cut;
        limit = width - line.indent;
    }
}

/// [`break_line`] for an ASCII line: one byte, one cell.
fn break_ascii(line: &DocLine, width: usize, mut row: impl FnMut(usize, usize)) {
    let bytes: Vec<u8> = line
        .line
        .spans
        .iter()
        .flat_map(|s| s.text.bytes())
        .collect();
    let mut start = 0usize;
    let mut limit = width;
    while start < bytes.len() {
        let remaining = bytes.len() - start;
        if remaining <= limit {
            row(start, remaining);
            break;
        }
        let window = &bytes[start..start + limit];
        let min_break = if start == 0 {
            line.first_break.max(1)
        } else {
            1
        };
        let cut = window
            .iter()
            .rposition(|c| *c == b' ')
            .filter(|&p| p >= min_break)
            .map(|p| p + 1)
            .unwrap_or(limit);
        row(start, cut);
        start += cut;
        limit = width - line.indent;
    }
}

/// Bytes of the text of `line`.
fn line_bytes(line: &DocLine) -> usize {
    line.line.spans.iter().map(|s| s.text.len()).sum()
}

/// The bytes `start..start + len` of `line`'s text with their tones, behind the hanging indent
/// when it is not the first row.
fn slice_row(line: &DocLine, start: usize, len: usize) -> StyledLine {
    let mut out = StyledLine::new();
    if start == 0 && len >= line_bytes(line) {
        return line.line.clone();
    }
    if start > 0 && line.indent > 0 {
        out.push(" ".repeat(line.indent), Tone::Normal);
    }
    let end = start + len;
    let mut offset = 0usize;
    for span in &line.line.spans {
        let count = span.text.len();
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
        let text = span.text.get(from..to).unwrap_or_default();
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

    /// Every row of `rows` fits `width` cells, and together they hold `text` whole.
    fn assert_rows_fit(rows: &[StyledLine], width: usize, text: &str) {
        for row in rows {
            assert!(
                row.width() <= width,
                "{} cells: {:?}",
                row.width(),
                row.text()
            );
        }
        let joined: String = rows.iter().map(StyledLine::text).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn widths_are_terminal_cells() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("計算"), 4);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("🚀x"), 3);
        assert_eq!(width("👩\u{200d}💻"), 2);
        assert_eq!(width("🇯🇵"), 2);
        assert_eq!(
            StyledLine::new()
                .with("名前", Tone::Key)
                .with(": a", Tone::Normal)
                .width(),
            7
        );
    }

    #[test]
    fn a_cjk_line_wraps_to_rows_of_at_most_the_width() {
        let text = "計算クラスターの状態を表示します".repeat(8);
        let mut doc = Doc::new();
        doc.push(StyledLine::plain(text.clone(), Tone::Normal), 0);
        let rows = doc.wrapped(40);
        assert_rows_fit(&rows, 40, &text);
        // 128 wide characters, 20 to a row of 40 cells.
        assert_eq!(rows.len(), 7);
        assert!(rows[..6].iter().all(|r| r.width() == 40));
        // An odd width: a wide character never straddles the break.
        let rows = doc.wrapped(41);
        assert_rows_fit(&rows, 41, &text);
        assert!(rows[..rows.len() - 1].iter().all(|r| r.width() == 40));
        // With a hanging indent, mixed with ASCII words and tones.
        let mut doc = Doc::new();
        doc.push(
            StyledLine::new().with("説明  ", Tone::Key).with(
                "ジョブ job-1 は 失敗しました 理由 OutOfMemory ".repeat(6),
                Tone::Failed,
            ),
            6,
        );
        let rows = doc.wrapped(40);
        assert!(rows.len() > 3);
        for row in &rows {
            assert!(row.width() <= 40, "{:?}", row.text());
        }
        assert!(rows[1..].iter().all(|r| r.text().starts_with("      ")));
        assert!(
            rows[1..]
                .iter()
                .all(|r| r.spans.iter().any(|s| s.tone == Tone::Failed))
        );
    }

    #[test]
    fn a_wide_character_at_the_break_goes_to_the_next_row() {
        let text = format!("{}🚀{}", "a".repeat(39), "b".repeat(5));
        let mut doc = Doc::new();
        doc.push(StyledLine::plain(text.clone(), Tone::Normal), 0);
        let rows = doc.wrapped(40);
        assert_eq!(
            texts(&rows),
            vec!["a".repeat(39), format!("🚀{}", "b".repeat(5))]
        );
        assert_rows_fit(&rows, 40, &text);
        let text = format!("{}漢字", "a".repeat(39));
        let mut doc = Doc::new();
        doc.push(StyledLine::plain(text, Tone::Normal), 0);
        assert_eq!(texts(&doc.wrapped(40)), vec!["a".repeat(39), "漢字".into()]);
    }

    #[test]
    fn combining_marks_and_joined_emoji_stay_with_their_base() {
        // 40 cells of "é" written as e + U+0301: the marks stay on the row of their letter.
        let text = "e\u{301}".repeat(45);
        let mut doc = Doc::new();
        doc.push(StyledLine::plain(text.clone(), Tone::Normal), 0);
        let rows = doc.wrapped(40);
        assert_eq!(
            texts(&rows),
            vec!["e\u{301}".repeat(40), "e\u{301}".repeat(5)]
        );
        assert_rows_fit(&rows, 40, &text);
        // A joined emoji is one cluster of two cells, never split.
        let text = format!("{}👩\u{200d}💻", "x".repeat(39));
        let mut doc = Doc::new();
        doc.push(StyledLine::plain(text.clone(), Tone::Normal), 0);
        let rows = doc.wrapped(40);
        assert_eq!(texts(&rows), vec!["x".repeat(39), "👩\u{200d}💻".into()]);
        // Cutting keeps a mark with its base too.
        assert_eq!(truncate("ae\u{301}bcd", 3, "…"), "ae\u{301}…");
    }

    #[test]
    fn wide_text_is_cut_by_cells() {
        assert_eq!(truncate("計算クラスター", 7, "…"), "計算ク…");
        // No room for a whole wide character: one cell short, never half a character.
        assert_eq!(truncate("計算クラスター", 8, "…"), "計算ク…");
        assert_eq!(truncate("計算", 4, "…"), "計算");
        assert_eq!(truncate("計算クラスター", 8, "..."), "計算...");
        assert!(width(&truncate("🚀🚀🚀🚀", 6, "…")) <= 6);
    }

    #[test]
    fn control_markers_and_tabs_count_cells_next_to_wide_text() {
        assert_eq!(display_lines("漢\tx"), vec!["漢      x"]);
        assert_eq!(one_line("漢\tx"), "漢      x");
        let mut doc = Doc::new();
        doc.push(
            StyledLine::plain(
                format!("{}\x1b[0m{}", "漢".repeat(18), "字".repeat(10)),
                Tone::Normal,
            ),
            0,
        );
        let rows = doc.wrapped(40);
        assert!(rows.iter().all(|r| r.width() <= 40));
        assert!(rows.iter().any(|r| {
            r.spans
                .iter()
                .any(|s| s.text == "^[" && s.tone == Tone::Muted)
        }));
        let joined: String = rows.iter().map(StyledLine::text).collect();
        assert_eq!(
            joined,
            format!("{}^[[0m{}", "漢".repeat(18), "字".repeat(10))
        );
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
