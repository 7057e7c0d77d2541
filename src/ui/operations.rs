//! The operations view (`o`): a table of the operations the user started, active and recent
//! (target, action, status, elapsed, polls; the selected row marked), and under it the selected
//! operation in full: what was sent, its status, and for a failed one its whole error (cause,
//! what to do, HTTP status, request id), wrapped, never cut. Text from services and resource
//! names is shown with its control characters as visible markers. Reads state only.

use super::symbols::Symbols;
use super::theme::Theme;
use super::to_line;
use crate::app::operations::{OpEntry, OpState, elapsed_text};
use crate::app::text::{self, Doc, StyledLine, Tone};
use crate::app::{App, View};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

/// Widest target column.
const MAX_TARGET: usize = 40;

pub fn draw(app: &App, theme: &Theme, view: &View, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let selected = match view {
        View::Operations { selected, .. } => *selected,
        _ => 0,
    };
    let ops = &app.operations;
    let entries = ops.entries();
    let title = format!(
        " Operations{}{} running{}{} failed ",
        app.dot(),
        ops.running(),
        app.dot(),
        ops.failed()
    );
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.border)
        .padding(Padding::horizontal(1))
        .title(Line::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if entries.is_empty() {
        let lines = vec![
            Line::styled("No operations yet.", theme.muted),
            Line::styled(
                "Actions on computes and jobs are listed here, followed to their end.",
                theme.muted,
            ),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    let selected = selected.min(entries.len() - 1);
    // The table takes up to half the height (at least header + one row); the rest is the
    // selected operation in full.
    let table_rows = (entries.len() + 1).min((usize::from(inner.height) / 2).max(2)) as u16;
    let [table, _gap, detail] = Layout::vertical([
        Constraint::Length(table_rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    draw_table(app, theme, entries, selected, frame, table, sym);
    draw_detail(app, theme, &entries[selected], frame, detail);
}

fn status_tone(entry: &OpEntry) -> Tone {
    match entry.state {
        OpState::Sending | OpState::Running => Tone::Progress,
        OpState::Succeeded => Tone::Healthy,
        OpState::Failed(_) => Tone::Failed,
    }
}

fn draw_table(
    app: &App,
    theme: &Theme,
    entries: &[OpEntry],
    selected: usize,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let now = app.now_mono_ms;
    let target_w = entries
        .iter()
        .map(|e| text::width(&text::one_line(&e.request.target)))
        .max()
        .unwrap_or(0)
        .clamp(6, MAX_TARGET);
    let action_w = entries
        .iter()
        .map(|e| text::width(e.request.action.label()))
        .max()
        .unwrap_or(0)
        .max(6);
    let status_w = entries
        .iter()
        .map(|e| text::width(&text::one_line(&e.status)) + 2)
        .max()
        .unwrap_or(0)
        .max(6);
    let cell = |t: &str, w: usize| text::padded(&text::truncate(t, w, sym.ellipsis), w, 2);
    let mut lines = vec![Line::from(vec![
        Span::raw("  "),
        Span::styled(cell("TARGET", target_w), theme.header),
        Span::styled(cell("ACTION", action_w), theme.header),
        Span::styled(cell("STATUS", status_w), theme.header),
        Span::styled(cell("ELAPSED", 12), theme.header),
        Span::styled("POLLS", theme.header),
    ])];
    let rows = usize::from(area.height).saturating_sub(1).max(1);
    let first = selected.saturating_sub(rows - 1);
    for (i, entry) in entries.iter().enumerate().skip(first).take(rows) {
        let marker = if i == selected {
            if app.ascii { "> " } else { "› " }
        } else {
            "  "
        };
        let status = match entry.state {
            OpState::Sending | OpState::Running => {
                format!("{} {}", sym.spinner_frame(app.spinner_frame), entry.status)
            }
            _ => entry.status.clone(),
        };
        let row_style = if i == selected {
            theme.selected
        } else {
            theme.normal
        };
        lines.push(Line::from(vec![
            Span::styled(marker, theme.accent),
            Span::styled(cell(&entry.request.target, target_w), row_style),
            Span::styled(cell(entry.request.action.label(), action_w), row_style),
            Span::styled(cell(&status, status_w), theme.tone(status_tone(entry))),
            Span::styled(cell(&elapsed_text(entry.elapsed_ms(now)), 12), theme.muted),
            Span::styled(entry.polls.to_string(), theme.muted),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Width of the key column of the selected operation's fields.
const KEY_WIDTH: usize = 12;

fn draw_detail(app: &App, theme: &Theme, entry: &OpEntry, frame: &mut Frame, area: Rect) {
    let mut doc = Doc::new();
    // A field wraps under its value (hanging indent), never cut.
    let field = |doc: &mut Doc, key: &str, value: &str, tone: Tone| {
        let line = StyledLine::new()
            .with(format!("{key:<KEY_WIDTH$}"), Tone::Key)
            .with(value, tone);
        doc.push(line, KEY_WIDTH);
    };
    doc.push(
        StyledLine::plain(entry.request.describe(), Tone::Heading),
        0,
    );
    field(&mut doc, "status", &entry.status, status_tone(entry));
    let elapsed = elapsed_text(entry.elapsed_ms(app.now_mono_ms));
    let took = if entry.state.is_active() {
        "running for"
    } else {
        "took"
    };
    field(&mut doc, took, &elapsed, Tone::Normal);
    field(&mut doc, "polls", &entry.polls.to_string(), Tone::Normal);
    match &entry.state {
        OpState::Failed(error) => {
            field(&mut doc, "error", error.kind.label(), Tone::Failed);
            field(&mut doc, "cause", &error.line, Tone::Failed);
            field(&mut doc, "what to do", &error.hint, Tone::Normal);
            if let Some(status) = error.status {
                field(&mut doc, "HTTP status", &status.to_string(), Tone::Normal);
            }
            if let Some(id) = &error.request_id {
                field(&mut doc, "request id", id, Tone::Normal);
            }
            doc.push(
                StyledLine::plain("d dismisses it; it stays listed until then", Tone::Muted),
                0,
            );
        }
        OpState::Sending | OpState::Running => {
            if let Some(overlay) = &entry.overlay {
                let shows = format!(
                    "{} until Azure reports a change (it said {})",
                    overlay.to, overlay.from
                );
                field(&mut doc, "row shows", &shows, Tone::Muted);
            }
            doc.push(
                StyledLine::plain("it goes on in Azure if amlc quits", Tone::Muted),
                0,
            );
        }
        OpState::Succeeded => {}
    }
    let lines: Vec<StyledLine> = doc.wrapped(usize::from(area.width).max(KEY_WIDTH + 8));
    let shown: Vec<Line> = lines
        .iter()
        .take(usize::from(area.height))
        .map(|l| to_line(l, theme))
        .collect();
    frame.render_widget(Paragraph::new(shown), area);
}
