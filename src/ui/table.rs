//! The table of a tab. Only the rows on screen are turned into cells; column widths come from
//! the tab's measured widths (every row of the view, within each column's min/max, so they do
//! not change while scrolling), the least important columns are dropped when the terminal is
//! too narrow, and the room left goes to the widest text column. Cell texts are made terminal
//! safe (`text::one_line`). The `COST/H` cells come from the app (`App::cost_cell`: `…` while
//! the region's VM sizes load, `?` unknown, `-` not estimated). The block title carries the count, the filter, the sort and a stale
//! marker (last good data kept, with its age and the error).

use super::symbols::Symbols;
use super::theme::Theme;
use crate::app::format;
use crate::app::kinds::{self, CellValue, Column, Fit, NodeCounts};
use crate::app::text;
use crate::app::{App, ConnectionState, InputMode, TabState};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

const SPACING: u16 = 1;

pub fn draw(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let tab = app.active_tab();
    let kind = kinds::kind(tab.id);
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.border)
        .title(title(app, theme, tab, sym));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(message) = placeholder(app, theme, tab) {
        let height = (message.lines.len() as u16).min(inner.height);
        let top = inner.y + inner.height.saturating_sub(height) / 3;
        let rect = Rect::new(
            inner.x + 1,
            top,
            inner.width.saturating_sub(2),
            inner.height - (top - inner.y),
        );
        frame.render_widget(
            Paragraph::new(message)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            rect,
        );
        return;
    }
    let rows_on_screen = usize::from(inner.height.saturating_sub(1));
    let source = app.source(tab.id);
    // Keep the selection visible even if the offset lags a resize.
    let mut offset = tab.offset.min(tab.view.len().saturating_sub(1));
    if tab.selected >= offset + rows_on_screen.max(1) {
        offset = tab.selected + 1 - rows_on_screen.max(1);
    }
    if tab.selected < offset {
        offset = tab.selected;
    }
    let end = (offset + rows_on_screen).min(tab.view.len());
    let columns = kind.columns();
    let cells: Vec<Vec<CellValue>> = tab.view[offset..end]
        .iter()
        .filter_map(|&i| source.item(i))
        .map(|item| {
            (0..columns.len())
                .map(|c| match (columns[c].fit, item) {
                    // The cost per hour comes from the region's catalogue, not the kind.
                    (Fit::Cost, kinds::Item::Compute(compute)) => {
                        let (text, tone) = app.cost_cell(compute);
                        kinds::Cell::new(text, tone).into()
                    }
                    _ => kind.cell(item, c, app.now_wall_ms),
                })
                .collect()
        })
        .collect();
    let spinner = sym.spinner_frame(app.spinner_frame);
    let widths = layout_columns(columns, &tab.widths, inner.width, tab);
    let header = Row::new(widths.iter().map(|(c, _)| {
        let col = &columns[*c];
        let mut title = col.title.to_owned();
        if *c == tab.sort_column {
            title.push_str(if tab.sort_descending {
                sym.down
            } else {
                sym.up
            });
        }
        Cell::from(title)
    }))
    .style(theme.header);
    let rows: Vec<Row> = cells
        .iter()
        .map(|row| {
            Row::new(
                widths
                    .iter()
                    .map(|(c, w)| render_cell(&row[*c], usize::from(*w), spinner, sym, theme)),
            )
        })
        .collect();
    let constraints: Vec<Constraint> = widths.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let table = Table::new(rows, constraints)
        .header(header)
        .column_spacing(SPACING)
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(Some(tab.selected.saturating_sub(offset)));
    frame.render_stateful_widget(table, inner, &mut state);
}

/// The block title: ` Instances 3 of 12 /gpu · sort AGE↓ · stale … `.
fn title(app: &App, theme: &Theme, tab: &TabState, sym: &Symbols) -> Line<'static> {
    let kind = kinds::kind(tab.id);
    let mut spans = vec![Span::styled(format!(" {} ", kind.title()), theme.title)];
    let total = tab.items.len();
    let editing_filter = app
        .input
        .as_ref()
        .is_some_and(|i| i.mode == InputMode::Filter);
    if !tab.filter.is_empty() || editing_filter {
        spans.push(Span::styled(
            format!("{} of {total} ", tab.view.len()),
            theme.normal,
        ));
        if !tab.filter.is_empty() {
            spans.push(Span::styled(
                format!("/{} ", text::one_line(tab.filter.query())),
                theme.accent,
            ));
        }
    } else {
        spans.push(Span::styled(format!("{total} "), theme.normal));
    }
    let column = kind
        .columns()
        .get(tab.sort_column)
        .map(|c| c.title)
        .unwrap_or("?");
    let arrow = if tab.sort_descending {
        sym.down
    } else {
        sym.up
    };
    spans.push(Span::styled(
        format!("{} sort {column}{arrow} ", sym.separator),
        theme.muted,
    ));
    let scope = app.scope(tab.id);
    if scope.stale() {
        let last = scope
            .last_ok_wall
            .map(|t| format!("last good {} ago", format::age(app.now_wall_ms, t)))
            .unwrap_or_else(|| "no data yet".into());
        let error = scope
            .last_error
            .as_ref()
            .map_or("request failed", |e| e.line.as_str());
        spans.push(Span::styled(
            format!(
                "{} {} stale: {last} ({} failure{}): {} ",
                sym.separator,
                sym.warning,
                scope.failures,
                if scope.failures == 1 { "" } else { "s" },
                text::truncate(&text::one_line(error), 80, sym.ellipsis)
            ),
            theme.warning,
        ));
    }
    Line::from(spans)
}

/// The text shown instead of rows (connecting, loading, errors, empty), if any.
fn placeholder(app: &App, theme: &Theme, tab: &TabState) -> Option<Text<'static>> {
    let kind = kinds::kind(tab.id);
    let scope = app.scope(tab.id);
    match &app.connection {
        ConnectionState::Connecting => {
            return Some(Text::from(Line::styled(
                format!("Connecting to the workspace{}", app.ellipsis()),
                theme.progress,
            )));
        }
        ConnectionState::Failed(error) => {
            let mut lines = vec![
                Line::styled("Could not connect", theme.failed),
                Line::from(""),
            ];
            lines.extend(text::display_lines(error).into_iter().map(Line::from));
            lines.extend([
                Line::from(""),
                Line::styled(
                    format!(
                        "q quits{d}:ws NAME, :profile NAME try another workspace{d}:errors shows details",
                        d = app.dot()
                    ),
                    theme.muted,
                ),
            ]);
            return Some(Text::from(lines));
        }
        _ => {}
    }
    if !scope.loaded() {
        if scope.stale() {
            let mut lines = vec![
                Line::styled(format!("Could not load {}", kind.noun()), theme.failed),
                Line::from(""),
            ];
            let error = scope
                .last_error
                .as_ref()
                .map(|e| e.line.as_str())
                .unwrap_or_default();
            lines.extend(text::display_lines(error).into_iter().map(Line::from));
            lines.extend([
                Line::from(""),
                Line::styled(
                    match &scope.last_error {
                        Some(e) if scope.paused => e.hint.clone(),
                        _ => format!(
                            "retrying with back-off{d}r retries now{d}:errors shows details",
                            d = app.dot()
                        ),
                    },
                    theme.muted,
                ),
            ]);
            return Some(Text::from(lines));
        }
        return Some(Text::from(Line::styled(
            format!("Loading {}{}", kind.noun(), app.ellipsis()),
            theme.progress,
        )));
    }
    if tab.items.is_empty() {
        return Some(Text::from(Line::styled(
            format!("No {} in this workspace.", kind.noun()),
            theme.muted,
        )));
    }
    if tab.view.is_empty() {
        return Some(Text::from(vec![
            Line::styled(
                format!(
                    "No {} match /{}",
                    kind.noun(),
                    text::one_line(tab.filter.query())
                ),
                theme.muted,
            ),
            Line::styled("Esc clears the filter", theme.muted),
        ]));
    }
    None
}

/// Chooses the columns that fit and their widths: (column index, width), in table order.
/// Columns are taken by importance at their natural width (`content`, the widest cell of the
/// view, and the header, within min/max); a column that does not fit whole may take the room
/// left if that is at least its minimum, else it is left out. A more important column is never
/// squeezed to keep a less important one. Room left at the end goes first to the text columns
/// cut at their `max` (a long address or display name shows whole), then to the chosen text
/// column with the widest content, so the table spans the terminal.
fn layout_columns(
    columns: &[Column],
    content: &[u16],
    width: u16,
    tab: &TabState,
) -> Vec<(usize, u16)> {
    let header_width =
        |i: usize| (columns[i].title.len() + usize::from(i == tab.sort_column)) as u16;
    let content_of = |i: usize| content.get(i).copied().unwrap_or(columns[i].max);
    let natural: Vec<u16> = columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            content_of(i)
                .max(header_width(i))
                .min(col.max.max(header_width(i)))
        })
        .collect();
    let mut order: Vec<usize> = (0..columns.len()).collect();
    // The name first, then by importance.
    order.sort_by_key(|&i| (i != 0, std::cmp::Reverse(columns[i].priority)));
    let mut chosen: Vec<(usize, u16)> = Vec::new();
    let mut left = width;
    for i in order {
        let spacing = if chosen.is_empty() { 0 } else { SPACING };
        if left <= spacing {
            break;
        }
        let room = left - spacing;
        let floor = natural[i].min(columns[i].min.max(header_width(i)));
        let w = if natural[i] <= room {
            natural[i]
        } else if floor <= room || chosen.is_empty() {
            room
        } else {
            continue;
        };
        chosen.push((i, w));
        left -= w + spacing;
    }
    // Room left: first to the text columns that are cut (widest content first), up to their
    // content; the rest to the widest text column.
    let mut texts: Vec<usize> = (0..chosen.len())
        .filter(|&k| columns[chosen[k].0].fit == Fit::Content)
        .collect();
    texts.sort_by_key(|&k| (std::cmp::Reverse(content_of(chosen[k].0)), chosen[k].0));
    for &k in &texts {
        let wanted = content_of(chosen[k].0).saturating_sub(chosen[k].1);
        let given = wanted.min(left);
        chosen[k].1 += given;
        left -= given;
    }
    if let Some(&k) = texts.first() {
        chosen[k].1 += left;
    }
    chosen.sort_by_key(|(i, _)| *i);
    chosen
}

fn render_cell(
    value: &CellValue,
    width: usize,
    spinner: &str,
    sym: &Symbols,
    theme: &Theme,
) -> Cell<'static> {
    match value {
        CellValue::Text(cell) => {
            let style = theme.tone(cell.tone);
            let shown = text::one_line(&cell.text);
            if cell.animate {
                let room = width.saturating_sub(text::width(spinner) + 1);
                Cell::from(Line::from(vec![
                    Span::styled(format!("{spinner} "), style),
                    Span::styled(text::truncate(&shown, room, sym.ellipsis), style),
                ]))
            } else {
                Cell::from(Span::styled(
                    text::truncate(&shown, width, sym.ellipsis),
                    style,
                ))
            }
        }
        CellValue::NodeBar(counts) => Cell::from(node_bar(counts, width, sym, theme)),
    }
}

/// `███▓░ 3r 1p 1i`: one glyph per node (scaled to at most 8), coloured by state.
fn node_bar(counts: &NodeCounts, width: usize, sym: &Symbols, theme: &Theme) -> Line<'static> {
    let summary = counts.summary();
    let total = counts.total();
    let bar_room = width
        .saturating_sub(summary.len() + 1)
        .min(counts.bar_cells());
    let mut spans = Vec::new();
    if total <= 0 || bar_room == 0 {
        if bar_room > 0 {
            spans.push(Span::styled(sym.bar_empty.repeat(bar_room), theme.muted));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(summary, theme.muted));
        return Line::from(spans);
    }
    // Largest-remainder apportionment of the bar cells, at least one per non-zero state.
    let parts = counts.parts();
    let styles = [
        theme.bar_running,
        theme.bar_idle,
        theme.bar_preparing,
        theme.bar_unusable,
        theme.bar_leaving,
        theme.bar_preempted,
    ];
    let mut cells: Vec<usize> = parts
        .iter()
        .map(|(n, _, _)| {
            if *n > 0 {
                let share = (*n as u128) * (bar_room as u128) / (total.max(1) as u128);
                (share as usize).max(1)
            } else {
                0
            }
        })
        .collect();
    while cells.iter().sum::<usize>() > bar_room {
        if let Some(max) = cells.iter_mut().max() {
            *max -= 1;
        }
    }
    while cells.iter().sum::<usize>() < bar_room {
        if let Some((i, _)) = parts.iter().enumerate().max_by_key(|(_, (n, _, _))| *n) {
            cells[i] += 1;
        }
    }
    for (i, n) in cells.iter().enumerate() {
        if *n > 0 {
            spans.push(Span::styled(sym.bar_full.repeat(*n), styles[i]));
        }
    }
    spans.push(Span::raw(" "));
    for (i, (n, c, _)) in parts.iter().enumerate() {
        if *n > 0 {
            spans.push(Span::styled(format!("{n}{c}"), styles[i]));
            spans.push(Span::raw(" "));
        }
    }
    spans.pop();
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_bar_fits_and_counts() {
        let counts = NodeCounts {
            running: 3,
            idle: 1,
            preparing: 1,
            ..Default::default()
        };
        let line = node_bar(&counts, 20, &super::super::symbols::ASCII, &Theme::ansi16());
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "##### 3r 1i 1p");
        let empty = node_bar(
            &NodeCounts::default(),
            20,
            &super::super::symbols::ASCII,
            &Theme::ansi16(),
        );
        let text: String = empty.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, ". 0");
    }
}
