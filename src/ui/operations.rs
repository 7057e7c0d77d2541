//! The operations view (`o`): a table of the operations the user started, active and recent
//! (target, action, status, elapsed, polls; the selected row marked), and under it the selected
//! operation in full (`operations::operation_doc`: what was sent, its status, and for a failed
//! one its whole error: cause, what to do, HTTP status, request id), wrapped, never cut: when
//! it does not fit it scrolls (PgUp/PgDn) and says which lines are shown. Text from services
//! and resource names is shown with its control characters as visible markers. Reads state
//! only.

use super::symbols::Symbols;
use super::theme::Theme;
use super::to_line;
use crate::app::operations::{OpEntry, OpState, elapsed_text, operation_doc, table_rows};
use crate::app::text;
use crate::app::{App, View};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

/// Widest target column.
const MAX_TARGET: usize = 40;

pub fn draw(app: &App, theme: &Theme, view: &View, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let (selected, scroll) = match view {
        View::Operations { selected, scroll } => (*selected, *scroll),
        _ => (0, 0),
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
    let table_rows = table_rows(entries.len(), inner.height);
    let [table, _gap, detail] = Layout::vertical([
        Constraint::Length(table_rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    draw_table(app, theme, entries, selected, frame, table, sym);
    draw_detail(app, theme, &entries[selected], scroll, frame, detail);
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
            Span::styled(cell(&status, status_w), theme.tone(entry.state.tone())),
            Span::styled(cell(&elapsed_text(entry.elapsed_ms(now)), 12), theme.muted),
            Span::styled(entry.polls.to_string(), theme.muted),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_detail(
    app: &App,
    theme: &Theme,
    entry: &OpEntry,
    scroll: usize,
    frame: &mut Frame,
    area: Rect,
) {
    let doc = operation_doc(entry, app.now_mono_ms);
    let lines = doc.wrapped(usize::from(area.width).max(1));
    let height = usize::from(area.height);
    // More than fits: the last row says where the window is (PgUp/PgDn scroll it).
    let overflow = lines.len() > height && height > 1;
    let room = if overflow { height - 1 } else { height };
    let first = scroll.min(lines.len().saturating_sub(room));
    let mut shown: Vec<Line> = lines
        .iter()
        .skip(first)
        .take(room)
        .map(|l| to_line(l, theme))
        .collect();
    if overflow {
        shown.push(Line::styled(
            format!(
                "lines {}-{} of {}: PgUp/PgDn scroll",
                first + 1,
                (first + room).min(lines.len()),
                lines.len()
            ),
            theme.muted,
        ));
    }
    frame.render_widget(Paragraph::new(shown), area);
}
