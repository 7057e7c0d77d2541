//! The copy menu: what `c` can put on the clipboard for the resource on screen, with the key of
//! each choice (from the key table) and a preview of the text (terminal safe). Where the text
//! went (OSC 52, tmux's buffer, a clipboard tool) is said by the message after copying.

use super::symbols::Symbols;
use super::theme::Theme;
use crate::app::text;
use crate::app::{App, CopyMenu};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

pub fn draw_copy(
    app: &App,
    theme: &Theme,
    menu: &CopyMenu,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let width = area.width.saturating_sub(4).min(72);
    let height = (menu.targets.len() as u16 + 3).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height.saturating_sub(height) / 3,
        width,
        height,
    );
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.accent)
        .padding(Padding::horizontal(1))
        .title(Line::styled(
            format!(" Copy from {} ", text::one_line(&menu.name)),
            theme.title,
        ))
        .title_bottom(Line::styled(" Esc cancel ", theme.muted).right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let label_width = menu
        .targets
        .iter()
        .map(|t| t.label.len())
        .max()
        .unwrap_or(4);
    let mut lines: Vec<Line> = menu
        .targets
        .iter()
        .map(|t| {
            let key = app.keymap.keys_label(t.action, app.ascii);
            let room = usize::from(inner.width).saturating_sub(key.len() + label_width + 4);
            Line::from(vec![
                Span::styled(format!("{key} "), theme.hint_key),
                Span::styled(format!("{:<label_width$}  ", t.label), theme.normal),
                Span::styled(
                    text::truncate(&text::one_line(&t.text), room, sym.ellipsis),
                    theme.muted,
                ),
            ])
        })
        .collect();
    lines.push(Line::styled(
        "(OSC 52, and tmux's buffer or a clipboard tool when those can help)",
        theme.muted,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
