//! The scrollable text views (detail, JSON, help, errors): a bordered block with the view's
//! title and the scroll position, showing the lines the app layer built and wrapped.

use super::symbols::Symbols;
use super::to_line;
use crate::app::{App, View};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Padding, Paragraph};

pub fn draw(app: &App, view: &View, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let theme = &app.theme;
    let (title, lines) = app.text_view(view);
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.border)
        .padding(Padding::horizontal(1))
        .title(Line::styled(format!(" {title} "), theme.title));
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let max = lines.len().saturating_sub(height);
    let scroll = view.scroll().min(max);
    let position = if lines.len() > height {
        format!(
            " {}-{} of {} ",
            scroll + 1,
            (scroll + height).min(lines.len()),
            lines.len()
        )
    } else {
        String::new()
    };
    let block = if position.is_empty() {
        block
    } else {
        block.title_top(Line::styled(position, theme.muted).right_aligned())
    };
    frame.render_widget(block, area);
    let visible: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(height)
        .map(|l| to_line(l, theme))
        .collect();
    frame.render_widget(Paragraph::new(visible), inner);
}
