//! Drawing: `draw(&App, &Theme, &mut Frame)` renders the whole screen from the app state and
//! nothing else. It reads state only (no I/O, no mutation); one file per part: the tab bar, the
//! table of a tab, the text views (detail, JSON, help, errors), the operations view, the log view, the status
//! and hint bars, the copy menu and the dialogs of actions, the create wizard, the submit form. Styles come from the theme the terminal loop owns (it is not app state), glyphs
//! from the Unicode or ASCII symbol set.

pub mod symbols;
pub mod theme;

mod logview;
mod menu;
mod operations;
mod popup;
mod status;
mod submit;
mod table;
mod tabs_bar;
mod text_view;
mod wizard;

use crate::app::text::StyledLine;
use crate::app::{App, MIN_HEIGHT, MIN_WIDTH};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub use theme::Theme;

/// Renders the whole screen.
pub fn draw(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    let sym = symbols::symbols(app.ascii);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(theme, frame, area);
        return;
    }
    let [tabs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    tabs_bar::draw(app, theme, frame, tabs, sym);
    match app.top_view() {
        None => table::draw(app, theme, frame, body, sym),
        Some(view @ crate::app::View::Operations { .. }) => {
            operations::draw(app, theme, view, frame, body, sym)
        }
        Some(crate::app::View::Logs) => logview::draw(app, theme, frame, body, sym),
        Some(view) => text_view::draw(app, theme, view, frame, body, sym),
    }
    status::draw_status(app, theme, frame, status, sym);
    status::draw_hints(app, theme, frame, hints, sym);
    if let Some(menu) = &app.copy_menu {
        popup::draw_copy(app, theme, menu, frame, body, sym);
    }
    if let Some(wizard) = &app.wizard {
        wizard::draw(app, theme, wizard, frame, body, sym);
    }
    if let Some(form) = &app.submit.form {
        submit::draw(app, theme, form, frame, body, sym);
    }
    if let Some(modal) = &app.modal {
        menu::draw(app, theme, modal, frame, body, sym);
    }
}

fn draw_too_small(theme: &Theme, frame: &mut Frame, area: Rect) {
    use crate::app::text::{Doc, Tone};
    let mut doc = Doc::new();
    doc.push(StyledLine::plain("Terminal too small", Tone::Warning), 0);
    doc.push(
        StyledLine::plain(
            format!(
                "{}x{}: amlc needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
                area.width, area.height
            ),
            Tone::Normal,
        ),
        0,
    );
    doc.push(
        StyledLine::plain("Make the window larger, or press q to quit.", Tone::Normal),
        0,
    );
    // Wrapped here at this width, so the box holds every row and the last is never cut off.
    let rows = doc.wrapped(usize::from(area.width.max(1)));
    let lines: Vec<Line> = rows.iter().map(|l| to_line(l, theme)).collect();
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .min(area.height);
    let top = area.y + area.height.saturating_sub(height) / 2;
    let rect = Rect::new(area.x, top, area.width, height);
    frame.render_widget(
        Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center),
        rect,
    );
}

/// A styled line in the theme's styles.
pub(crate) fn to_line<'a>(line: &'a StyledLine, theme: &Theme) -> Line<'a> {
    Line::from(
        line.spans
            .iter()
            .map(|s| Span::styled(s.text.as_str(), theme.tone(s.tone)))
            .collect::<Vec<_>>(),
    )
}
