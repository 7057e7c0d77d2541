//! The log view (`l` on a job): the lines of the view's store that fit the screen (only those
//! are laid out, so a frame costs the same at 100 or 1,000,000 lines), each with its rank
//! prefix in a stable colour per rank in the merged view, search matches highlighted, long
//! lines cut at the right edge with a marker or folded (`w`), lines the store holds cut shown
//! with their marker; a status row (run status, follow or paused with "+N new", lines, bytes,
//! last update age, dropped lines, the search's count, the error cause first) or the prompt
//! being typed; the file picker as a popup; the waiting and no-logs states. Log text is made
//! terminal-safe (ANSI colours removed, control characters shown as markers). Reads state only.

use super::symbols::Symbols;
use super::theme::Theme;
use crate::app::App;
use crate::app::format;
use crate::app::logview::{CUT_MARKER, LogView, PromptKind, display_text, find_all, iso_prefix};
use crate::app::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthChar;

pub fn draw(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let Some(view) = app.logs.as_deref() else {
        return;
    };
    let title = format!(
        " Logs{}{}{}{} ",
        app.dot(),
        text::one_line(&view.job),
        app.dot(),
        text::one_line(&view.select.label())
    );
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.border)
        .title(Line::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 || inner.width < 4 {
        return;
    }
    // An error takes two rows above the status row: the cause, then what to do.
    let error_rows = if view.error.is_some() && inner.height > 4 {
        2
    } else {
        0
    };
    let body = Rect::new(inner.x, inner.y, inner.width, inner.height - 1 - error_rows);
    let status_row = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    if let (Some(error), 2) = (&view.error, error_rows) {
        let rect = Rect::new(inner.x, inner.y + inner.height - 3, inner.width, 2);
        let lines = vec![
            Line::styled(text::one_line(&error.line).into_owned(), theme.failed),
            Line::styled(
                format!("what to do: {}", text::one_line(&error.hint)),
                theme.muted,
            ),
        ];
        frame.render_widget(Paragraph::new(lines), rect);
    }
    if view.store.is_empty() {
        draw_empty(app, theme, view, frame, body);
    } else {
        draw_lines(app, theme, view, frame, body, sym);
    }
    draw_status(app, theme, view, frame, status_row);
    if let Some(at) = view.picker {
        draw_picker(theme, view, at, frame, body, sym);
    }
}

/// Waiting for the run to start, for its first lines, or a run with no logs.
fn draw_empty(app: &App, theme: &Theme, view: &LogView, frame: &mut Frame, area: Rect) {
    let status = view.status.as_str();
    let waiting_to_start = matches!(
        status,
        "" | "NotStarted" | "Queued" | "Preparing" | "Starting" | "Provisioning"
    );
    let mut lines = Vec::new();
    if let Some(error) = &view.error {
        lines.push(Line::styled(
            text::one_line(&error.line).into_owned(),
            theme.failed,
        ));
        lines.push(Line::styled(
            text::one_line(&error.hint).into_owned(),
            theme.muted,
        ));
    } else if !view.started {
        lines.push(Line::styled(
            format!("Reading the run's log files{}", app.ellipsis()),
            theme.muted,
        ));
    } else if view.ended {
        lines.push(Line::styled(
            format!("This run wrote no logs ({}).", text::one_line(status)),
            theme.warning,
        ));
    } else if waiting_to_start {
        lines.push(Line::styled(
            format!(
                "Waiting for the job to start ({}): its logs show here as soon as they are written.",
                text::one_line(status)
            ),
            theme.progress,
        ));
    } else {
        lines.push(Line::styled(
            format!(
                "No lines yet ({}): waiting for the first line{}",
                text::one_line(status),
                app.ellipsis()
            ),
            theme.progress,
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Owned spans of one log line: prefix, time, text with highlights, cut marker.
fn line_spans(theme: &Theme, view: &LogView, seq: u64) -> Vec<(String, Style)> {
    let Some(line) = view.store.index_of_seq(seq).and_then(|i| view.store.get(i)) else {
        return Vec::new();
    };
    let mut spans = Vec::with_capacity(4);
    if view.prefixed() {
        spans.push((
            view.prefix(line.source),
            theme.tone(view.prefix_tone(line.source)),
        ));
    }
    let mut raw = line.text;
    if view.timestamps {
        // A time column: the log's own timestamp (moved out of the text), else the time the
        // line was received (marked with `~`).
        match iso_prefix(raw) {
            Some(end) => {
                spans.push((format!("{} ", &raw[11..19]), theme.muted));
                raw = raw[end..].trim_start_matches(' ');
            }
            None => {
                if let Some(at) = view.received_at(seq) {
                    let secs = at.div_euclid(1000).rem_euclid(86_400);
                    spans.push((
                        format!("{:02}:{:02}:{:02}~", secs / 3600, secs / 60 % 60, secs % 60),
                        theme.muted,
                    ));
                }
            }
        }
    }
    let shown = display_text(raw);
    let current = view
        .search
        .as_ref()
        .and_then(|s| s.current.and_then(|c| s.matches.get(c)).map(|&m| m == seq));
    match view.search.as_ref().filter(|s| !s.query.is_empty()) {
        Some(search) => {
            let hit = if current == Some(true) {
                theme
                    .warning
                    .add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                theme.accent.add_modifier(Modifier::REVERSED)
            };
            let mut at = 0;
            for (start, end) in find_all(&shown, &search.query, search.case_insensitive) {
                if start > at {
                    spans.push((shown[at..start].to_owned(), theme.normal));
                }
                spans.push((shown[start..end].to_owned(), hit));
                at = end;
            }
            if at < shown.len() {
                spans.push((shown[at..].to_owned(), theme.normal));
            }
        }
        None => spans.push((shown.into_owned(), theme.normal)),
    }
    if line.cut {
        spans.push((CUT_MARKER.to_owned(), theme.warning));
    }
    spans
}

/// Cuts spans to `width` cells; when something was left out, the last cell is `marker`.
fn cut_to(spans: Vec<(String, Style)>, width: usize, marker: &str, theme: &Theme) -> Line<'static> {
    let total: usize = spans.iter().map(|(t, _)| text::width(t)).sum();
    if total <= width {
        return Line::from(
            spans
                .into_iter()
                .map(|(t, s)| Span::styled(t, s))
                .collect::<Vec<_>>(),
        );
    }
    // A cut line keeps its marker at the right edge.
    let (spans, tail) = match spans.last() {
        Some((t, _)) if t == CUT_MARKER => {
            let mut spans = spans;
            let tail = spans.pop();
            (spans, tail)
        }
        _ => (spans, None),
    };
    let tail_width = tail
        .as_ref()
        .map_or(text::width(marker), |(t, _)| text::width(t));
    let room = width.saturating_sub(tail_width);
    let mut out = Vec::new();
    let mut used = 0usize;
    'spans: for (t, s) in spans {
        let mut end = 0;
        for (i, c) in t.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > room {
                out.push(Span::styled(t[..i].to_owned(), s));
                break 'spans;
            }
            used += w;
            end = i + c.len_utf8();
        }
        out.push(Span::styled(t[..end].to_owned(), s));
    }
    match tail {
        Some((t, s)) => out.push(Span::styled(text::truncate(&t, width, ""), s)),
        None => out.push(Span::styled(marker.to_owned(), theme.muted)),
    }
    Line::from(out)
}

/// Folds spans into rows of `width` cells.
fn fold(spans: Vec<(String, Style)>, width: usize) -> Vec<Line<'static>> {
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for (t, s) in spans {
        let mut start = 0;
        for (i, c) in t.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if i > start {
                    row.push(Span::styled(t[start..i].to_owned(), s));
                }
                rows.push(Line::from(std::mem::take(&mut row)));
                used = 0;
                start = i;
            }
            used += w;
        }
        if start < t.len() {
            row.push(Span::styled(t[start..].to_owned(), s));
        }
    }
    rows.push(Line::from(row));
    rows
}

fn draw_lines(
    app: &App,
    theme: &Theme,
    view: &LogView,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let rows = usize::from(area.height);
    let width = usize::from(area.width);
    let marker = if app.ascii { ">" } else { sym.ellipsis };
    let top = view.top(rows, width);
    let end = view.store.next_seq();
    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    let mut seq = top;
    while lines.len() < rows && seq < end {
        let spans = line_spans(theme, view, seq);
        if view.wrap {
            lines.extend(fold(spans, width));
        } else {
            lines.push(cut_to(spans, width, marker, theme));
        }
        seq += 1;
    }
    lines.truncate(rows);
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_status(app: &App, theme: &Theme, view: &LogView, frame: &mut Frame, area: Rect) {
    if let Some(prompt) = &view.prompt {
        let (label, value) = match &prompt.kind {
            PromptKind::Search => ("/", prompt.input.value().to_owned()),
            PromptKind::SavePath => ("save to: ", prompt.input.value().to_owned()),
            PromptKind::Overwrite(path) => {
                ("", format!("{} exists: overwrite? y/N", path.display()))
            }
        };
        let line = Line::from(vec![
            Span::styled(label, theme.accent),
            Span::styled(text::one_line(&value).into_owned(), theme.normal),
            Span::styled("█", theme.muted),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let dot = app.dot();
    let mut spans: Vec<Span> = Vec::new();
    if view.error.is_some() {
        spans.push(Span::styled(
            format!("error (the view keeps its lines){dot}"),
            theme.failed,
        ));
    }
    if view.follow {
        spans.push(Span::styled("following", theme.healthy));
    } else {
        spans.push(Span::styled("paused", theme.warning));
        if view.new_while_paused > 0 {
            spans.push(Span::styled(
                format!(" +{} new (f follows)", group(view.new_while_paused)),
                theme.warning,
            ));
        }
    }
    let status = if view.status.is_empty() {
        "-".to_owned()
    } else {
        text::one_line(&view.status).into_owned()
    };
    spans.push(Span::styled(
        format!("{dot}{status}"),
        theme.tone(crate::app::kinds::common::job_tone(&status)),
    ));
    let mut info = format!(
        "{dot}{} lines{dot}{}",
        group(view.store.len() as u64),
        bytes_text(view.bytes_received)
    );
    if let Some(at) = view.last_lines_wall {
        info.push_str(&format!(
            "{dot}updated {}",
            format::age(app.now_wall_ms, at)
        ));
    }
    spans.push(Span::styled(info, theme.muted));
    if view.store.dropped() > 0 {
        spans.push(Span::styled(
            format!(
                "{dot}{} older lines dropped ({} MiB budget)",
                group(view.store.dropped()),
                view.store.budget() >> 20
            ),
            theme.warning,
        ));
    }
    if let Some(search) = &view.search {
        let n = search.matches.len();
        let text = match search.current {
            Some(c) if n > 0 => format!("{dot}/{} {} of {}", search.query, c + 1, group(n as u64)),
            _ => format!("{dot}/{}: no match", search.query),
        };
        spans.push(Span::styled(
            text::one_line(&text).into_owned(),
            theme.accent,
        ));
    }
    if view.wrap {
        spans.push(Span::styled(format!("{dot}wrap"), theme.muted));
    }
    if view.timestamps {
        spans.push(Span::styled(
            format!("{dot}times from the log (~ = received)"),
            theme.muted,
        ));
    }
    if view.ended {
        spans.push(Span::styled(format!("{dot}run ended"), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_picker(
    theme: &Theme,
    view: &LogView,
    at: usize,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let rows = view.picker_rows();
    let width = rows
        .iter()
        .map(|(_, l)| text::width(&text::one_line(l)))
        .max()
        .unwrap_or(10)
        .max(30) as u16
        + 6;
    let height = (rows.len() as u16 + 2).min(area.height);
    let w = width.min(area.width);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - height) / 2,
        w,
        height,
    );
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.border)
        .title(Line::styled(
            " Log file (Enter shows, Esc closes) ",
            theme.title,
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let visible = usize::from(inner.height).max(1);
    let first = at.saturating_sub(visible - 1);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, (select, label))| {
            let current = *select == view.select;
            let mark = if i == at { "> " } else { "  " };
            let style = if i == at {
                theme.selected
            } else {
                theme.normal
            };
            let text = format!(
                "{mark}{}{}",
                text::one_line(label),
                if current { " (shown)" } else { "" }
            );
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `1,234,567`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes_text(n: u64) -> String {
    if n >= 10 << 20 {
        format!("{} MiB", n >> 20)
    } else if n >= 10 << 10 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} B")
    }
}
