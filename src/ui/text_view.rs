//! The scrollable text views (detail, JSON, help, errors): a bordered block with the view's
//! title and the scroll position, showing only the rows of the window (`App::text_window`:
//! the text is built and wrapped once, not per frame or key press).

use super::symbols::Symbols;
use super::theme::Theme;
use super::to_line;
use crate::app::{App, View};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Padding, Paragraph};

pub fn draw(app: &App, theme: &Theme, view: &View, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.border)
        .padding(Padding::horizontal(1));
    let height = usize::from(block.inner(area).height);
    let window = app.text_window(view, height);
    let block = block.title(Line::styled(format!(" {} ", window.title), theme.title));
    let block = if window.rows > height {
        let position = format!(
            " {}-{} of {} ",
            window.first + 1,
            (window.first + height).min(window.rows),
            window.rows
        );
        block.title_top(Line::styled(position, theme.muted).right_aligned())
    } else {
        block
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let visible: Vec<Line> = window.lines.iter().map(|l| to_line(l, theme)).collect();
    frame.render_widget(Paragraph::new(visible), inner);
}
