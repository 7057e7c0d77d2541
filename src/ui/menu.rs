//! The dialogs of actions (state in `app::menu`): the action menu with each action's key and,
//! for a disabled one, why; the confirmation saying what will happen (and the name to type);
//! the resize and idle-shutdown forms with each field's error under it; the keys view, masked
//! until revealed. Each dialog lists its own keys on its bottom border. Reads state only; a
//! secret is drawn only once the user revealed it.

use super::symbols::Symbols;
use super::theme::Theme;
use super::to_line;
use crate::actions::ActionId;
use crate::app::App;
use crate::app::kinds::{self, Item};
use crate::app::menu::{self, ActionMenu, Confirm, Field, IdleForm, KeysView, Modal, ResizeForm};
use crate::app::text::{self, Doc, StyledLine, Tone};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

/// Draws the open dialog over `area`.
pub fn draw(app: &App, theme: &Theme, modal: &Modal, frame: &mut Frame, area: Rect, sym: &Symbols) {
    match modal {
        Modal::Menu(m) => draw_menu(app, theme, m, frame, area, sym),
        Modal::Confirm(c) => draw_confirm(app, theme, c, frame, area, sym),
        Modal::Resize(f) => draw_resize(app, theme, f, frame, area, sym),
        Modal::Idle(f) => draw_idle(app, theme, f, frame, area, sym),
        Modal::Keys(k) => draw_keys(app, theme, k, frame, area, sym),
    }
}

/// A centred box of `width` x `height` (inner lines + borders) within `area`, cleared.
/// `labels` are the title and the keys on the bottom border.
fn open_box(
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    width: u16,
    lines: usize,
    labels: (String, String),
    sym: &Symbols,
) -> Rect {
    let width = width.min(area.width.saturating_sub(2)).max(10);
    let height = (lines as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width.saturating_sub(width)) / 2,
        area.y + area.height.saturating_sub(height) / 3,
        width,
        height,
    );
    framed(theme, frame, rect, labels, sym)
}

/// Draws a dialog's frame on `rect` (cleared first): the title on top, the keys on the bottom
/// border, both cut to fit; returns the inside. Every dialog and the wizard draw their box so.
pub(super) fn framed(
    theme: &Theme,
    frame: &mut Frame,
    rect: Rect,
    labels: (String, String),
    sym: &Symbols,
) -> Rect {
    let (title, keys) = labels;
    let room = usize::from(rect.width).saturating_sub(4);
    let block = Block::bordered()
        .border_set(sym.border)
        .border_style(theme.accent)
        .padding(Padding::horizontal(1))
        .title(Line::styled(
            format!(" {} ", text::truncate(&title, room, sym.ellipsis)),
            theme.title,
        ))
        .title_bottom(
            Line::styled(
                format!(" {} ", text::truncate(&keys, room, sym.ellipsis)),
                theme.muted,
            )
            .right_aligned(),
        );
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// A centred box of `size` (width, inner lines) within `area`, framed as [`framed`]; returns
/// its inside. Never larger than `area`.
pub(super) fn centred(
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    size: (u16, u16),
    labels: (String, String),
    sym: &Symbols,
) -> Rect {
    let width = size.0.min(area.width).max(10.min(area.width));
    let height = size.1.saturating_add(2).min(area.height);
    let rect = Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    );
    framed(theme, frame, rect, labels, sym)
}

fn ascii_label(label: &str, ascii: bool) -> String {
    if ascii {
        label.replace(['—', '–'], "-")
    } else {
        label.to_owned()
    }
}

fn draw_menu(
    app: &App,
    theme: &Theme,
    m: &ActionMenu,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let what = match app.find_item(m.tab, &m.name) {
        Some(Item::Compute(c)) => c.properties.compute_type.as_str().to_owned(),
        Some(Item::Job(_)) => "job".into(),
        None => kinds::kind(m.tab).noun().to_owned(),
    };
    let title = format!(
        "Actions on {} ({})",
        text::one_line(&m.name),
        text::one_line(&what)
    );
    let keys = format!(
        "Enter or key run{}j/k move{}Esc close",
        app.dot(),
        app.dot()
    );
    let key_width = m
        .entries
        .iter()
        .map(|e| text::width(&app.keymap.keys_label(menu::key_of(e.action), app.ascii)))
        .max()
        .unwrap_or(1);
    let label_width = m
        .entries
        .iter()
        .map(|e| text::width(menu::menu_label(e.action)))
        .max()
        .unwrap_or(8);
    let reason_width = m
        .entries
        .iter()
        .filter_map(|e| match &e.availability {
            crate::actions::Availability::Disabled(r) => Some(text::width(r) + 2),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let width = (key_width + label_width + reason_width + 8)
        .max(text::width(&title) + 6)
        .max(text::width(&keys) + 6) as u16;
    let inner = open_box(
        theme,
        frame,
        area,
        width.min(96),
        m.entries.len(),
        (title, keys),
        sym,
    );
    let lines: Vec<Line> = m
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let key = app.keymap.keys_label(menu::key_of(e.action), app.ascii);
            let label = ascii_label(menu::menu_label(e.action), app.ascii);
            let (label_style, reason) = match &e.availability {
                crate::actions::Availability::Enabled => (theme.normal, String::new()),
                crate::actions::Availability::Disabled(r) => {
                    (theme.muted, format!("  {}", text::one_line(r)))
                }
            };
            let mut line = Line::from(vec![
                Span::styled(format!("{key:<key_width$}  "), theme.hint_key),
                Span::styled(format!("{label:<label_width$}"), label_style),
                Span::styled(reason, theme.warning),
            ]);
            if i == m.selected {
                line = line.patch_style(theme.selected);
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// An input's text as shown, with the cursor placed when `focused`.
fn input_line<'a>(
    frame: &mut Frame,
    at: Rect,
    row: u16,
    prefix: &str,
    input: &tui_input::Input,
    style: Style,
    focused: bool,
) -> Line<'a> {
    let prefix_width = text::width(prefix);
    let room = usize::from(at.width)
        .saturating_sub(prefix_width + 1)
        .max(1);
    let scroll = input.visual_scroll(room);
    let value: String = input.value().chars().skip(scroll).take(room).collect();
    if focused && row < at.height {
        let x = at.x + (prefix_width + input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position(Position::new(
            x.min(at.x + at.width.saturating_sub(1)),
            at.y + row,
        ));
    }
    Line::from(vec![
        Span::raw(prefix.to_owned()),
        Span::styled(text::one_line(&value).into_owned(), style),
    ])
}

fn draw_confirm(
    app: &App,
    theme: &Theme,
    c: &Confirm,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    // "Esc back", not "Esc cancel": a job's confirmation already says "cancel" for the action.
    let verb = match c.request.action {
        ActionId::CancelJob => "cancel the job",
        other => other.label(),
    };
    let keys = if c.typed.is_some() {
        format!("Enter {verb}{}Esc back", app.dot())
    } else {
        format!("y/Enter {verb}{}n/Esc back", app.dot())
    };
    let width: u16 = 72;
    let inner_width = usize::from(width.min(area.width.saturating_sub(2))).saturating_sub(4);
    // Wrapped here, so the typed line's row (and its cursor) is known exactly.
    let mut doc = Doc::new();
    doc.push(StyledLine::plain(c.question.clone(), Tone::Heading), 0);
    doc.push(StyledLine::plain(c.consequence.clone(), Tone::Warning), 0);
    if c.typed.is_some() {
        doc.blank();
        doc.push(
            StyledLine::new()
                .with("Type ", Tone::Normal)
                .with(text::one_line(&c.request.target).into_owned(), Tone::Accent)
                .with(format!(" to {verb} it:"), Tone::Normal),
            0,
        );
    }
    let wrapped = doc.wrapped(inner_width.max(1));
    let extra = if c.typed.is_some() { 2 } else { 1 };
    let inner = open_box(
        theme,
        frame,
        area,
        width,
        wrapped.len() + extra,
        (format!("Confirm {verb}"), keys),
        sym,
    );
    let mut lines: Vec<Line> = wrapped.iter().map(|l| to_line(l, theme)).collect();
    if let Some(input) = &c.typed {
        let style = if c.allowed() {
            theme.healthy
        } else {
            theme.normal
        };
        let row = lines.len() as u16;
        lines.push(input_line(frame, inner, row, "> ", input, style, true));
        lines.push(if c.allowed() {
            Line::styled("matches: Enter confirms", theme.healthy)
        } else {
            Line::styled("the name does not match yet", theme.muted)
        });
    } else {
        lines.push(Line::raw(""));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn field_lines<'a>(
    theme: &Theme,
    frame: &mut Frame,
    inner: Rect,
    row: u16,
    field: &Field,
    focused: bool,
) -> Vec<Line<'a>> {
    let marker = if focused { "> " } else { "  " };
    let style = if focused { theme.accent } else { theme.normal };
    let mut out = vec![Line::styled(
        format!("{marker}{}", field.label),
        if focused { theme.heading } else { theme.muted },
    )];
    out.push(input_line(
        frame,
        inner,
        row + 1,
        "    ",
        &field.input,
        style,
        focused,
    ));
    out.push(match &field.error {
        Some(e) => Line::styled(format!("    {}", text::one_line(e)), theme.failed),
        None => Line::raw(""),
    });
    out
}

fn draw_resize(
    app: &App,
    theme: &Theme,
    f: &ResizeForm,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let keys = format!(
        "Tab next field{}Enter resize{}Esc cancel",
        app.dot(),
        app.dot()
    );
    let count = 2 + f.fields.len() * 3;
    let inner = open_box(
        theme,
        frame,
        area,
        72,
        count,
        (
            format!("Resize cluster {}", text::one_line(&f.target)),
            keys,
        ),
        sym,
    );
    let mut lines = vec![
        Line::styled(
            ascii_label(&text::one_line(&f.current), app.ascii),
            theme.muted,
        ),
        Line::raw(""),
    ];
    for (i, field) in f.fields.iter().enumerate() {
        let row = lines.len() as u16;
        lines.extend(field_lines(theme, frame, inner, row, field, i == f.focus));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_idle(app: &App, theme: &Theme, f: &IdleForm, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let clears = f.field.input.value().trim().is_empty();
    let keys = format!(
        "Enter {}{}Esc cancel",
        if clears { "clear" } else { "set" },
        app.dot()
    );
    let inner = open_box(
        theme,
        frame,
        area,
        72,
        6,
        (
            format!("Idle shutdown of {}", text::one_line(&f.target)),
            keys,
        ),
        sym,
    );
    let mut lines = vec![
        Line::styled(
            format!(
                "now {}; 15 min to 3 days (90, 2h, 1d); empty clears it",
                text::one_line(&f.current)
            ),
            theme.muted,
        ),
        Line::raw(""),
    ];
    lines.extend(field_lines(theme, frame, inner, 2, &f.field, true));
    if clears && f.field.error.is_none() {
        lines.pop();
        lines.push(Line::styled(
            "    empty: the idle shutdown is cleared (never stops by itself)",
            theme.muted,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_keys(app: &App, theme: &Theme, k: &KeysView, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let keys = format!(
        "v {}{}c copy{}Esc close",
        if k.revealed { "mask" } else { "reveal" },
        app.dot(),
        app.dot()
    );
    let count = k.entries.len().max(1) + 2;
    let inner = open_box(
        theme,
        frame,
        area,
        96,
        count,
        (format!("Keys of {}", text::one_line(&k.target)), keys),
        sym,
    );
    let mask = if app.ascii { "****" } else { "••••" };
    let label_width = k
        .entries
        .iter()
        .map(|e| text::width(&e.label))
        .max()
        .unwrap_or(4)
        .min(40);
    let room = usize::from(inner.width).saturating_sub(label_width + 2);
    let mut lines: Vec<Line> = vec![Line::styled(
        if k.revealed {
            "Secrets shown: v masks them again."
        } else {
            "Secrets masked: v reveals, c copies the selected one."
        },
        theme.muted,
    )];
    if k.entries.is_empty() {
        lines.push(Line::styled("(no keys in the answer)", theme.muted));
    }
    for (i, e) in k.entries.iter().enumerate() {
        let value = if e.secret && !k.revealed {
            mask.to_owned()
        } else {
            text::truncate(&text::one_line(e.value.expose()), room, sym.ellipsis)
        };
        let mut line = Line::from(vec![
            Span::styled(text::padded(&e.label, label_width, 2), theme.muted),
            Span::styled(value, theme.normal),
        ]);
        if i == k.selected {
            line = line.patch_style(theme.selected);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
