//! The create-or-attach wizard (state in `app::wizard`): the chooser of a tab's forms, a form's
//! step with its shown fields (label, value, one line of help, the broken rule in the error
//! tone), the review (what, estimated cost, quota, the ARM body with secrets masked, scrolled),
//! and over them the size picker, the `~/.ssh/*.pub` list and a list field's entries. Reads
//! state only; a secret is drawn as a fixed mask, never its text nor its length.

use super::symbols::{Symbols, ascii_text};
use super::theme::Theme;
use crate::app::App;
use crate::app::text::{self, Tone};
use crate::app::wizard::{
    self, Chooser, FormState, ListEdit, Overlay, Page, SizePicker, Wizard, is_text, money,
    offers_ssh_keys,
};
use crate::wizard::engine::visible_among;
use crate::wizard::{Field, FieldKind, Values};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the wizard over `area` (the body between the tab bar and the status bar).
pub fn draw(
    app: &App,
    theme: &Theme,
    wizard: &Wizard,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    match &wizard.page {
        Page::Choose(chooser) => draw_chooser(app, theme, chooser, frame, area, sym),
        Page::Form(state) => draw_form(app, theme, state, frame, area, sym),
    }
    if wizard.confirm_discard {
        let inner = super::menu::centred(
            theme,
            frame,
            area,
            (60, 3),
            (
                "Discard this form?".into(),
                format!("y discard{}n keep editing", app.dot()),
            ),
            sym,
        );
        let lines = vec![Line::styled(
            "The values entered are lost; nothing is sent.",
            theme.normal,
        )];
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn draw_chooser(
    app: &App,
    theme: &Theme,
    chooser: &Chooser,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let keys = format!("↑↓ choose{}Enter open{}Esc close", app.dot(), app.dot());
    let lines_needed = (chooser.forms.len() * 2) as u16;
    let inner = super::menu::centred(
        theme,
        frame,
        area,
        (area.width.saturating_sub(8).min(96), lines_needed),
        ("New: create or attach".into(), ascii_text(&keys, app.ascii)),
        sym,
    );
    let room = usize::from(inner.width).saturating_sub(4);
    let mut lines = Vec::new();
    for (i, form) in chooser.forms.iter().enumerate() {
        let selected = i == chooser.selected;
        let marker = if selected { "> " } else { "  " };
        let style = if selected {
            theme.selected
        } else {
            theme.normal
        };
        lines.push(Line::from(vec![
            Span::styled(marker, theme.accent),
            Span::styled(form.title, style),
        ]));
        let notice = form.notice.lines().next().unwrap_or("");
        lines.push(Line::styled(
            format!(
                "    {}",
                text::truncate(&ascii_text(notice, app.ascii), room, sym.ellipsis)
            ),
            theme.muted,
        ));
    }
    let offset = offset_for(
        chooser.selected * 2 + 1,
        lines.len(),
        usize::from(inner.height),
    );
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), inner);
}

/// The first line to show so that line `want` is inside a window of `room` lines.
fn offset_for(want: usize, total: usize, room: usize) -> usize {
    if total <= room {
        return 0;
    }
    (want + 1)
        .saturating_sub(room)
        .min(total.saturating_sub(room))
}

fn step_bar(app: &App, theme: &Theme, state: &FormState) -> Line<'static> {
    let mut spans = Vec::new();
    let names = state.form.steps.iter().copied().chain(["Review"]);
    for (i, name) in names.enumerate() {
        if i > 0 {
            spans.push(Span::styled(ascii_text(" › ", app.ascii), theme.muted));
        }
        let style = if i == state.step {
            theme.heading
        } else {
            theme.muted
        };
        spans.push(Span::styled(format!("{}. {name}", i + 1), style));
    }
    Line::from(spans)
}

fn draw_form(
    app: &App,
    theme: &Theme,
    state: &FormState,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let dot = app.dot();
    let review = state.on_review();
    let verb = if state.form.attach {
        "attach"
    } else {
        "create"
    };
    let keys = if review {
        format!("Enter {verb}{dot}←/Shift-Tab back{dot}↑↓ PgUp PgDn scroll{dot}Esc close")
    } else {
        format!(
            "Tab/↓ next field{dot}Shift-Tab/↑ previous{dot}Space/←→ change{dot}Enter next step{dot}PgUp step back{dot}Esc close"
        )
    };
    let title = format!(
        "{} {} step {} of {}",
        state.form.title,
        if app.ascii { "-" } else { "—" },
        state.step + 1,
        state.form.steps.len() + 1
    );
    let inner = super::menu::centred(
        theme,
        frame,
        area,
        (area.width, area.height.saturating_sub(2)),
        (title, ascii_text(&keys, app.ascii)),
        sym,
    );
    let width = usize::from(inner.width);
    let mut head = vec![step_bar(app, theme, state)];
    // The notice is what the user must know before filling the form (a retired service, a
    // weaker password): wrapped, never cut.
    let mut notice = text::Doc::new();
    for line in state.form.notice.lines() {
        notice.push(
            text::StyledLine::plain(ascii_text(line, app.ascii), text::Tone::Warning),
            0,
        );
    }
    let notice_rows = notice.wrapped(width.max(1));
    head.extend(notice_rows.iter().map(|l| super::to_line(l, theme)));
    if let Some(error) = &state.last_error {
        head.push(Line::styled(
            text::truncate(
                &format!("The last attempt failed: {}", text::one_line(error)),
                width,
                sym.ellipsis,
            ),
            theme.failed,
        ));
    }
    let sizes_wanted = state
        .form
        .fields
        .iter()
        .any(|f| matches!(f.kind, crate::wizard::FieldKind::Size));
    let (sizes_note, _) = app.catalog_notes();
    let catalog = match (&app.catalog, &sizes_note) {
        (Some(c), None) => {
            let n = c.sizes.as_ref().map(Vec::len).unwrap_or(0);
            (
                format!("{n} VM sizes of region {}", c.location),
                theme.muted,
            )
        }
        (_, Some(note)) => (ascii_text(note, app.ascii), theme.warning),
        (None, None) => (String::new(), theme.muted),
    };
    if sizes_wanted {
        head.push(Line::styled(
            text::truncate(&catalog.0, width, sym.ellipsis),
            catalog.1,
        ));
    }
    head.push(Line::raw(""));
    let head_rows = head.len() as u16;
    let [top, body] = split(inner, head_rows);
    frame.render_widget(Paragraph::new(head), top);
    if review {
        draw_review(app, theme, state, frame, body, sym);
    } else {
        draw_fields(app, theme, state, frame, body, sym);
    }
    match &state.overlay {
        Some(Overlay::Sizes(picker)) => draw_sizes(app, theme, picker, frame, area, sym),
        Some(Overlay::Files(pick)) => {
            let inner = super::menu::centred(
                theme,
                frame,
                area,
                (70, pick.files.len().min(12) as u16),
                (
                    "Public key files in ~/.ssh".into(),
                    ascii_text(&format!("↑↓ choose{dot}Enter pick{dot}Esc back"), app.ascii),
                ),
                sym,
            );
            let lines: Vec<Line> = pick
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let style = if i == pick.selected {
                        theme.selected
                    } else {
                        theme.normal
                    };
                    Line::styled(text::one_line(f).into_owned(), style)
                })
                .collect();
            let offset = offset_for(pick.selected, lines.len(), usize::from(inner.height));
            frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), inner);
        }
        Some(Overlay::List(list)) => draw_list(app, theme, state, list, frame, area, sym),
        None => {}
    }
}

fn split(area: Rect, top: u16) -> [Rect; 2] {
    let top = top.min(area.height);
    [
        Rect::new(area.x, area.y, area.width, top),
        Rect::new(area.x, area.y + top, area.width, area.height - top),
    ]
}

/// The value of field `f` as shown (a secret masked, a default muted), and its style.
fn value_text(app: &App, theme: &Theme, f: &Field, values: &Values) -> (String, Style) {
    let entered = !values.raw(f.id).is_empty();
    let text = f.shown(values);
    let style = if entered { theme.normal } else { theme.muted };
    match f.kind {
        _ if f.is_secret() && matches!(f.kind, FieldKind::Secret) => {
            let shown = if entered { wizard::mask(app.ascii) } else { "" };
            (shown.to_owned(), theme.normal)
        }
        FieldKind::Toggle => {
            let on = text == "true";
            (
                if on { "[x] on" } else { "[ ] off" }.to_owned(),
                if on { theme.accent } else { theme.normal },
            )
        }
        FieldKind::Choice(choices) => {
            let label = choices
                .iter()
                .find(|c| c.value.eq_ignore_ascii_case(text))
                .map(|c| c.label)
                .unwrap_or(text);
            (ascii_text(&format!("‹ {label} ›"), app.ascii), theme.accent)
        }
        FieldKind::List { .. } => {
            let n = values.list(f.id).len();
            let entries = match n {
                0 => "none".to_owned(),
                1 => "1 entry".to_owned(),
                n => format!("{n} entries"),
            };
            (entries, style)
        }
        _ => (text::one_line(text).into_owned(), style),
    }
}

/// A short description of a size from the catalogue: `4 vCPUs, 14 GB, 0.29 USD/h`.
fn size_summary(app: &App, state: &FormState, name: &str) -> Option<String> {
    let catalog = app.catalog.as_deref()?;
    let sizes = catalog.sizes.as_ref().ok()?;
    let s = sizes.iter().find(|s| {
        s.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })?;
    let low = state
        .form
        .text(&state.values, "tier")
        .eq_ignore_ascii_case("low_priority");
    let tier = if low {
        crate::cost::Tier::LowPriority
    } else {
        crate::cost::Tier::Dedicated
    };
    let price = crate::cost::size_price(s, &crate::azure::models::OsType::Linux, tier);
    let mut out = format!(
        "{} vCPUs, {} GB",
        s.v_cpus
            .map(|v| v.to_string())
            .unwrap_or_else(|| "?".into()),
        s.memory_gb
            .map(|m| format!("{m:.0}"))
            .unwrap_or_else(|| "?".into())
    );
    if let Some(g) = s.gpus.filter(|g| *g > 0) {
        out.push_str(&format!(", {g} GPU"));
    }
    out.push_str(&format!(", {}/h", price.money()));
    Some(out)
}

fn draw_fields(
    app: &App,
    theme: &Theme,
    state: &FormState,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let fields = state.fields();
    let label_width = fields
        .iter()
        .map(|f| text::width(f.label))
        .max()
        .unwrap_or(10)
        .clamp(10, 30)
        // "> " before, " *" after a required label, and one space before the value.
        + 5;
    let width = usize::from(area.width);
    let room = width.saturating_sub(label_width + 1).max(4);
    let indent = " ".repeat(label_width);
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_rows = (0usize, 0usize);
    let mut cursor: Option<(usize, usize)> = None;
    for (i, f) in fields.iter().enumerate() {
        let focused = i == state.focus;
        let start = lines.len();
        let marker = if focused { "> " } else { "  " };
        let label = format!(
            "{marker}{:<w$}",
            format!("{}{}", f.label, if f.required { " *" } else { "" }),
            w = label_width - 2
        );
        let label_style = if focused { theme.heading } else { theme.normal };
        let mut spans = vec![Span::styled(label, label_style)];
        if focused && is_text(f) && !f.is_secret() {
            let scroll = state.editor.visual_scroll(room);
            let shown: String = state
                .editor
                .value()
                .chars()
                .skip(scroll)
                .take(room)
                .collect();
            let style = if state.values.raw(f.id).is_empty() {
                theme.muted
            } else {
                theme.normal
            };
            spans.push(Span::styled(text::one_line(&shown).into_owned(), style));
            cursor = Some((
                label_width + state.editor.visual_cursor().saturating_sub(scroll),
                lines.len(),
            ));
        } else {
            let (value, style) = value_text(app, theme, f, &state.values);
            if focused && is_text(f) {
                cursor = Some((label_width + text::width(&value), lines.len()));
            }
            spans.push(Span::styled(
                text::truncate(&value, room, sym.ellipsis),
                style,
            ));
        }
        if matches!(f.kind, FieldKind::Size)
            && let Some(summary) = size_summary(app, state, f.shown(&state.values))
        {
            spans.push(Span::styled(format!("  {summary}"), theme.muted));
        }
        lines.push(Line::from(spans));
        let mut help = f.help.to_owned();
        if focused {
            match f.kind {
                FieldKind::Size => help.push_str(" (Enter: pick from the region's sizes)"),
                FieldKind::List { .. } => help.push_str(" (Enter: add, edit or remove entries)"),
                FieldKind::Toggle | FieldKind::Choice(_) => help.push_str(" (Space: change)"),
                _ if offers_ssh_keys(f) && state.values.raw(f.id).is_empty() => {
                    help.push_str(" (Enter: pick from ~/.ssh/*.pub)")
                }
                _ => {}
            }
        }
        lines.push(Line::styled(
            format!(
                "{indent}{}",
                text::truncate(&ascii_text(&help, app.ascii), room, sym.ellipsis)
            ),
            theme.muted,
        ));
        if let FieldKind::List { fields: subs, .. } = f.kind {
            for (n, entry) in state.values.list(f.id).iter().enumerate() {
                let summary = entry_summary(app, subs, entry);
                lines.push(Line::styled(
                    format!(
                        "{indent}{}. {}",
                        n + 1,
                        text::truncate(&summary, room.saturating_sub(4), sym.ellipsis)
                    ),
                    theme.normal,
                ));
            }
        }
        for p in state.shown_problems(f.id) {
            let rule = match p.field.strip_prefix(f.id) {
                Some(rest) if !rest.is_empty() => format!("{rest}: {}", p.message),
                _ => p.message.clone(),
            };
            // The rule is the point of the form: wrapped (up to three rows), not cut.
            for row in wrap_rows(&text::one_line(&rule), room, 3, sym.ellipsis) {
                lines.push(Line::styled(format!("{indent}{row}"), theme.failed));
            }
        }
        if focused {
            focus_rows = (start, lines.len());
        }
    }
    if fields.is_empty() {
        lines.push(Line::styled(
            "Nothing to fill in on this step with the choices made: Enter goes on.",
            theme.muted,
        ));
    }
    let mut bottom: Vec<Line> = Vec::new();
    if !state.refused.is_empty() {
        bottom.push(Line::styled(
            format!(
                "Enter refused: {} problem{} on this step",
                state.refused.len(),
                if state.refused.len() == 1 { "" } else { "s" }
            ),
            theme.failed,
        ));
        for p in state.refused.iter().take(4) {
            let label = state
                .form
                .field(p.field.split(['[', '.']).next().unwrap_or(""))
                .or_else(|| state.form.field(&p.field))
                .map(|f| f.label)
                .unwrap_or(p.field.as_str());
            let said = format!("{label}: {}", text::one_line(&p.message));
            for row in wrap_rows(&said, width.saturating_sub(2), 3, sym.ellipsis) {
                bottom.push(Line::styled(format!("  {row}"), theme.failed));
            }
        }
    }
    let [fields_area, bottom_area] = split(area, area.height.saturating_sub(bottom.len() as u16));
    let room_rows = usize::from(fields_area.height);
    let offset = if focus_rows.1 > room_rows {
        (focus_rows.1 - room_rows).min(focus_rows.0)
    } else {
        0
    };
    if let Some((x, y)) = cursor
        && y >= offset
        && y - offset < room_rows
    {
        frame.set_cursor_position(Position::new(
            fields_area.x + (x as u16).min(fields_area.width.saturating_sub(1)),
            fields_area.y + (y - offset) as u16,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).scroll((offset as u16, 0)),
        fields_area,
    );
    frame.render_widget(Paragraph::new(bottom), bottom_area);
}

/// One list entry on one line: `key=value, value=x` (secrets masked).
fn entry_summary(app: &App, subs: &[Field], entry: &Values) -> String {
    let parts: Vec<String> = subs
        .iter()
        .filter(|f| visible_among(subs, f, entry))
        .filter(|f| !f.shown(entry).is_empty())
        .map(|f| {
            let value = if f.is_secret() {
                wizard::mask(app.ascii).to_owned()
            } else {
                text::one_line(f.shown(entry)).into_owned()
            };
            format!("{}={value}", f.id)
        })
        .collect();
    if parts.is_empty() {
        "(empty)".into()
    } else {
        parts.join(", ")
    }
}

fn draw_review(
    app: &App,
    theme: &Theme,
    state: &FormState,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let width = usize::from(area.width);
    let mut lines: Vec<Line> = Vec::new();
    let Some(review) = &state.review else {
        lines.push(Line::styled("Preparing the review…", theme.muted));
        frame.render_widget(Paragraph::new(lines), area);
        return;
    };
    let tone = |t: Tone| theme.tone(t);
    if !review.problems.is_empty() {
        lines.push(Line::styled(
            "Cannot be sent: fix these first (Shift-Tab goes back)",
            theme.failed,
        ));
        for p in &review.problems {
            let field = state
                .form
                .field(p.field.split(['[', '.']).next().unwrap_or(""));
            let field = field.or_else(|| state.form.field(&p.field));
            let place = match field {
                Some(f) => format!(
                    "{} › {}",
                    state.form.steps.get(f.step).copied().unwrap_or("?"),
                    f.label
                ),
                None => "form".to_owned(),
            };
            lines.push(Line::styled(
                text::truncate(
                    &ascii_text(
                        &format!("  {place}: {}", text::one_line(&p.message)),
                        app.ascii,
                    ),
                    width,
                    sym.ellipsis,
                ),
                theme.failed,
            ));
        }
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    lines.push(Line::styled(review.what.clone(), theme.heading));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Estimated cost (an estimate: retail price per hour)",
        theme.heading,
    ));
    for (line, t) in &review.cost {
        lines.push(Line::styled(
            format!("  {}", ascii_text(line, app.ascii)),
            tone(*t),
        ));
    }
    if !review.quota.is_empty() {
        lines.push(Line::styled("Quota", theme.heading));
        for (line, t) in &review.quota {
            lines.push(Line::styled(
                format!("  {}", ascii_text(line, app.ascii)),
                tone(*t),
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(
            "ARM body of PUT …/computes/{} (secrets masked)",
            text::one_line(&state_name(state))
        ),
        theme.heading,
    ));
    let head = lines.len();
    let room = usize::from(area.height).saturating_sub(head).max(1);
    let scroll = state
        .review_scroll
        .min(review.body.len().saturating_sub(room));
    for line in review.body.iter().skip(scroll).take(room) {
        lines.push(Line::styled(
            format!(
                "  {}",
                text::truncate(&text::one_line(line), width.saturating_sub(2), sym.ellipsis)
            ),
            theme.tone(Tone::JsonString),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn state_name(state: &FormState) -> String {
    state.values.raw("name").to_owned()
}

fn draw_sizes(
    app: &App,
    theme: &Theme,
    picker: &SizePicker,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let dot = app.dot();
    let keys = ascii_text(
        &format!("type to filter{dot}↑↓ choose{dot}Enter pick{dot}Esc back"),
        app.ascii,
    );
    let inner = super::menu::centred(
        theme,
        frame,
        area,
        (area.width, area.height),
        ("VM sizes".into(), keys),
        sym,
    );
    let width = usize::from(inner.width);
    let prefix = "Filter: ";
    let mut lines = vec![Line::from(vec![
        Span::styled(prefix, theme.accent),
        Span::styled(
            text::one_line(picker.filter.value()).into_owned(),
            theme.normal,
        ),
    ])];
    frame.set_cursor_position(Position::new(
        inner.x
            + (text::width(prefix) + picker.filter.visual_cursor()).min(width.saturating_sub(1))
                as u16,
        inner.y,
    ));
    let (sizes_note, usages_note) = app.catalog_notes();
    if let Some(note) = &sizes_note {
        lines.push(Line::styled(ascii_text(note, app.ascii), theme.warning));
        lines.push(Line::styled(
            "Type the size's name in the field instead (Esc); the service checks it.",
            theme.muted,
        ));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    // The name column gives way first on a narrow terminal (the numbers stay).
    let name_w = width.saturating_sub(51).clamp(14, 26);
    lines.push(Line::styled(
        format!(
            "{:<name_w$} {:>5} {:>8} {:>4} {:>7} {:>10} {:>10}",
            "Size", "vCPUs", "Memory", "GPUs", "Low-pri", "Price/hour", "Quota left"
        ),
        theme.heading,
    ));
    let room = usize::from(inner.height).saturating_sub(3).max(1);
    let offset = offset_for(picker.selected, picker.rows.len(), room);
    for (i, row) in picker.rows.iter().enumerate().skip(offset).take(room) {
        let quota = match (row.quota, &usages_note) {
            (Some((used, limit)), _) => format!("{}/{limit}", (limit - used).max(0)),
            (None, Some(_)) => "?".into(),
            (None, None) => "-".into(),
        };
        let line = format!(
            "{:<name_w$} {:>5} {:>8} {:>4} {:>7} {:>10} {:>10}",
            text::truncate(&row.name, name_w, sym.ellipsis),
            row.vcpus
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into()),
            row.memory_gb
                .map(|m| format!("{m:.0} GB"))
                .unwrap_or_else(|| "?".into()),
            row.gpus
                .map(|g| g.to_string())
                .unwrap_or_else(|| "?".into()),
            match row.low_priority {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            },
            money(row.price, &row.currency),
            quota,
        );
        let style = if i == picker.selected {
            theme.selected
        } else {
            theme.normal
        };
        lines.push(Line::styled(
            text::truncate(&line, width, sym.ellipsis),
            style,
        ));
    }
    if picker.rows.is_empty() {
        lines.push(Line::styled("No size matches the filter.", theme.muted));
    }
    let mut foot = format!("{} of {} sizes", picker.rows.len(), picker.total);
    if let Some(note) = &usages_note {
        foot.push_str(&format!("{dot}quota: {note}"));
    } else {
        foot.push_str(&format!(
            "{dot}quota left: vCPUs of the size's family / limit"
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if inner.height < 4 {
        return;
    }
    let foot_area = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    frame.render_widget(
        Paragraph::new(Line::styled(
            text::truncate(&ascii_text(&foot, app.ascii), width, sym.ellipsis),
            theme.muted,
        )),
        foot_area,
    );
}

fn draw_list(
    app: &App,
    theme: &Theme,
    state: &FormState,
    list: &ListEdit,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let dot = app.dot();
    let FieldKind::List { fields: subs, max } = list.field.kind else {
        return;
    };
    let entries = state.values.list(list.field.id);
    if let Some(edit) = &list.entry {
        let Some(values) = entries.get(edit.index) else {
            return;
        };
        let shown: Vec<&Field> = subs
            .iter()
            .filter(|f| visible_among(subs, f, values))
            .collect();
        let keys = ascii_text(
            &format!("Tab next field{dot}Space/←→ change{dot}Enter/Esc done"),
            app.ascii,
        );
        let inner = super::menu::centred(
            theme,
            frame,
            area,
            (
                area.width.saturating_sub(8).min(100),
                (shown.len() * 3) as u16 + 1,
            ),
            (
                format!("{} — entry {}", list.field.label, edit.index + 1),
                keys,
            ),
            sym,
        );
        let width = usize::from(inner.width);
        let mut lines = Vec::new();
        for (i, f) in shown.iter().enumerate() {
            let focused = i == edit.focus;
            let marker = if focused { "> " } else { "  " };
            let (value, style) = if focused && is_text(f) && !f.is_secret() {
                (edit.editor.value().to_owned(), theme.normal)
            } else {
                value_text(app, theme, f, values)
            };
            let label = format!("{marker}{}: ", f.label);
            if focused && is_text(f) {
                let x = text::width(&label)
                    + if f.is_secret() {
                        text::width(&value)
                    } else {
                        edit.editor.visual_cursor()
                    };
                frame.set_cursor_position(Position::new(
                    inner.x + x.min(width.saturating_sub(1)) as u16,
                    inner.y + lines.len() as u16,
                ));
            }
            lines.push(Line::from(vec![
                Span::styled(label, if focused { theme.heading } else { theme.normal }),
                Span::styled(text::one_line(&value).into_owned(), style),
            ]));
            lines.push(Line::styled(
                format!(
                    "    {}",
                    text::truncate(&ascii_text(f.help, app.ascii), width, sym.ellipsis)
                ),
                theme.muted,
            ));
            let id = format!("{}[{}].{}", list.field.id, edit.index, f.id);
            let rule = state
                .problems
                .iter()
                .find(|p| p.field == id)
                .map(|p| text::one_line(&p.message).into_owned())
                .unwrap_or_default();
            lines.push(Line::styled(format!("    {rule}"), theme.failed));
        }
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let keys = ascii_text(
        &format!("a add{dot}Enter edit{dot}d remove{dot}Esc done"),
        app.ascii,
    );
    let inner = super::menu::centred(
        theme,
        frame,
        area,
        (
            area.width.saturating_sub(8).min(100),
            (entries.len().max(1) + 2) as u16,
        ),
        (format!("{} (at most {max})", list.field.label), keys),
        sym,
    );
    let width = usize::from(inner.width);
    let mut lines = vec![Line::styled(
        text::truncate(&ascii_text(list.field.help, app.ascii), width, sym.ellipsis),
        theme.muted,
    )];
    if entries.is_empty() {
        lines.push(Line::styled("No entries yet: a adds one.", theme.muted));
    }
    for (i, entry) in entries.iter().enumerate() {
        let style = if i == list.selected {
            theme.selected
        } else {
            theme.normal
        };
        lines.push(Line::styled(
            text::truncate(
                &format!("{}. {}", i + 1, entry_summary(app, subs, entry)),
                width,
                sym.ellipsis,
            ),
            style,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `s` wrapped at `width` columns into at most `max_rows` rows, the last cut with `ellipsis`
/// when more would be needed.
fn wrap_rows(s: &str, width: usize, max_rows: usize, ellipsis: &str) -> Vec<String> {
    let mut doc = text::Doc::new();
    doc.push(text::StyledLine::plain(s, text::Tone::Normal), 0);
    let mut rows: Vec<String> = doc
        .wrapped(width.max(1))
        .iter()
        .map(text::StyledLine::text)
        .collect();
    if rows.len() > max_rows {
        let rest: Vec<String> = rows
            .split_off(max_rows.max(1) - 1)
            .iter()
            .map(|r| r.trim().to_string())
            .collect();
        let rest = rest.join(" ");
        rows.push(text::truncate(&rest, width, ellipsis));
    }
    rows
}
