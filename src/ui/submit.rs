//! The submit form of the Jobs tab (state in `app::submit`): its fields (label, value, one line
//! of help under the focused one, the broken rule in the error tone), the code folder's snapshot
//! summary under it, the environment's kind explained, the compute's kind and state; the
//! review (where it runs, the environment, the snapshot, the plan's notes, the job body with
//! secrets masked, scrolled); the progress line while submitting; and over them the picker of
//! computes or environments and the "discard?" question. Reads state only.

use super::symbols::{Symbols, ascii_text};
use super::theme::Theme;
use crate::app::App;
use crate::app::submit::{
    ENV_IMAGE, EnvList, FieldId, Picker, SnapshotState, Stage, SubmitForm, pick_rows,
};
use crate::app::text::{self, Tone};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the form over `area` (the body between the tab bar and the status bar).
pub fn draw(
    app: &App,
    theme: &Theme,
    form: &SubmitForm,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let dot = app.dot();
    let (stage, keys) = match &form.stage {
        Stage::Edit => (
            "form",
            format!(
                "Tab/↓ next{dot}S-Tab/↑ previous{dot}Enter pick or review{dot}PgDn review{dot}Esc close"
            ),
        ),
        Stage::Review(_) => (
            "review",
            format!("Enter submit{dot}← back{dot}↑↓ PgUp PgDn scroll{dot}Esc close"),
        ),
        Stage::Sending(..) => ("submitting", "Ctrl-c quits amlc".to_owned()),
    };
    let title = format!("Submit a run {} {stage}", if app.ascii { "-" } else { "—" });
    let inner = super::menu::centred(
        theme,
        frame,
        area,
        (area.width, area.height),
        (title, ascii_text(&keys, app.ascii)),
        sym,
    );
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    match &form.stage {
        Stage::Edit => draw_fields(app, theme, form, frame, inner, sym),
        Stage::Review(review) => draw_review(app, theme, form, review, None, frame, inner, sym),
        Stage::Sending(review, sending) => draw_review(
            app,
            theme,
            form,
            review,
            Some(&sending.line),
            frame,
            inner,
            sym,
        ),
    }
    if let Some(picker) = &form.picker {
        draw_picker(app, theme, form, picker, frame, area, sym);
    }
    if form.confirm_discard {
        let inner = super::menu::centred(
            theme,
            frame,
            area,
            (60, 2),
            (
                "Discard this form?".into(),
                format!("y discard{dot}n keep editing"),
            ),
            sym,
        );
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(
                    "The values entered are lost; nothing is sent.",
                    theme.normal,
                ),
                Line::styled("Esc never quits amlc.", theme.muted),
            ]),
            inner,
        );
    }
}

/// `text` cut into rows of `room` columns, at most `max` rows (the last one cut with `…`).
fn wrap_rows(text: &str, room: usize, max: usize, ellipsis: &str) -> Vec<String> {
    let mut doc = text::Doc::new();
    doc.push(text::StyledLine::plain(text, Tone::Normal), 0);
    let rows: Vec<String> = doc.wrapped(room.max(4)).iter().map(|l| l.text()).collect();
    if rows.len() <= max {
        return rows;
    }
    let mut out: Vec<String> = rows[..max].to_vec();
    if let Some(last) = out.last_mut() {
        *last = text::truncate(&format!("{last}{ellipsis}"), room, ellipsis);
    }
    out
}

fn required(f: FieldId) -> bool {
    matches!(
        f,
        FieldId::Code | FieldId::Command | FieldId::Compute | FieldId::Environment
    )
}

/// The value of `f` as shown when it is not being edited, and its style.
fn value_of(app: &App, theme: &Theme, form: &SubmitForm, f: FieldId) -> (String, Style) {
    let v = form.values.text(f);
    match f {
        FieldId::EnvKind => {
            let label = if v == ENV_IMAGE {
                "‹ an image (user-managed) ›"
            } else {
                "‹ registered or curated (name:version, name@latest, AzureML-…) ›"
            };
            (ascii_text(label, app.ascii), theme.accent)
        }
        FieldId::Experiment if v.is_empty() => (
            match form.experiment_shown() {
                Some(name) => format!("(default: {name}, the current folder's name)"),
                None => "(default: the current folder's name)".into(),
            },
            theme.muted,
        ),
        FieldId::DisplayName if v.is_empty() => ("(the job name)".into(), theme.muted),
        _ => (text::one_line(v).into_owned(), theme.normal),
    }
}

fn draw_fields(
    app: &App,
    theme: &Theme,
    form: &SubmitForm,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let fields = form.fields(&app.computes);
    let label_width = FieldId::ALL
        .iter()
        .map(|f| text::width(f.label()))
        .max()
        .unwrap_or(10)
        + 5;
    let width = usize::from(area.width);
    let room = width.saturating_sub(label_width + 1).max(4);
    let indent = " ".repeat(label_width);
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::styled(
        text::truncate(
            "Runs a command on a snapshot of a code folder. Nothing is sent before the review.",
            width,
            sym.ellipsis,
        ),
        theme.muted,
    ));
    if let Some(error) = &form.last_error {
        for row in wrap_rows(
            &format!("The last attempt failed: {}", text::one_line(error)),
            width,
            3,
            sym.ellipsis,
        ) {
            lines.push(Line::styled(row, theme.failed));
        }
    }
    lines.push(Line::raw(""));
    let mut focus_rows = (0usize, 0usize);
    let mut cursor: Option<(usize, usize)> = None;
    let muted_line = |lines: &mut Vec<Line>, t: &str, style: Style| {
        lines.push(Line::styled(
            format!(
                "{indent}{}",
                text::truncate(&ascii_text(t, app.ascii), room, sym.ellipsis)
            ),
            style,
        ));
    };
    for (i, f) in fields.iter().copied().enumerate() {
        let focused = i == form.focus;
        let start = lines.len();
        let marker = if focused { "> " } else { "  " };
        let label = format!(
            "{marker}{:<w$}",
            format!("{}{}", f.label(), if required(f) { " *" } else { "" }),
            w = label_width - 2
        );
        let label_style = if focused { theme.heading } else { theme.normal };
        let mut spans = vec![Span::styled(label, label_style)];
        if focused && f != FieldId::EnvKind {
            let scroll = form.editor.visual_scroll(room);
            let shown: String = form
                .editor
                .value()
                .chars()
                .skip(scroll)
                .take(room)
                .collect();
            if shown.is_empty() {
                let (value, style) = value_of(app, theme, form, f);
                if style == theme.muted {
                    spans.push(Span::styled(
                        text::truncate(&value, room, sym.ellipsis),
                        style,
                    ));
                }
            } else {
                spans.push(Span::styled(
                    text::one_line(&shown).into_owned(),
                    theme.normal,
                ));
            }
            cursor = Some((
                label_width + form.editor.visual_cursor().saturating_sub(scroll),
                lines.len(),
            ));
        } else {
            let (value, style) = value_of(app, theme, form, f);
            spans.push(Span::styled(
                text::truncate(&value, room, sym.ellipsis),
                style,
            ));
        }
        lines.push(Line::from(spans));
        if focused {
            muted_line(&mut lines, f.help(), theme.muted);
        }
        match f {
            FieldId::Code => match &form.snapshot {
                SnapshotState::Idle => {
                    muted_line(&mut lines, "snapshot: when the path settles", theme.muted)
                }
                SnapshotState::Reading { .. } => muted_line(
                    &mut lines,
                    &format!("snapshot: reading the folder{}", app.ellipsis()),
                    theme.progress,
                ),
                SnapshotState::Ready { summary, .. } => {
                    for (n, l) in summary.lines.iter().enumerate() {
                        let (t, style) = if n == 0 {
                            (format!("snapshot: {l}"), theme.muted)
                        } else {
                            (l.clone(), theme.warning)
                        };
                        for row in wrap_rows(&t, room, 2, sym.ellipsis) {
                            lines.push(Line::styled(format!("{indent}{row}"), style));
                        }
                    }
                }
                // Said as the field's broken rule, below.
                SnapshotState::Failed { .. } => {}
            },
            FieldId::Compute => {
                if let Some((note, tone)) = app.submit_compute_note(form) {
                    muted_line(&mut lines, &note, theme.tone(tone));
                }
                if form.single_node(&app.computes) && !form.is_local() {
                    muted_line(&mut lines, "an instance runs one node", theme.muted);
                }
            }
            FieldId::Environment => {
                muted_line(&mut lines, form.env_explain(), theme.muted);
                if form.is_local() {
                    muted_line(
                        &mut lines,
                        "on local it is recorded; the command runs in your current environment",
                        theme.muted,
                    );
                }
            }
            _ => {}
        }
        for p in form.shown_problems(&app.computes, f) {
            for row in wrap_rows(&text::one_line(&p), room, 3, sym.ellipsis) {
                lines.push(Line::styled(format!("{indent}{row}"), theme.failed));
            }
        }
        if focused {
            focus_rows = (start, lines.len());
        }
    }
    if form.refused {
        let n = form.problems(&app.computes).len();
        if n > 0 {
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                format!(
                    "Enter refused: {n} problem{} (shown under the fields)",
                    if n == 1 { "" } else { "s" }
                ),
                theme.failed,
            ));
        }
    }
    // Scroll so the focused field (its value, help and rules) is in view.
    let height = usize::from(area.height);
    let offset = if lines.len() <= height {
        0
    } else {
        let (start, end) = focus_rows;
        end.saturating_sub(height)
            .max(start.saturating_sub(height.saturating_sub(end - start)))
            .min(start)
            .min(lines.len() - height)
    };
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), area);
    if form.picker.is_none()
        && !form.confirm_discard
        && let Some((x, y)) = cursor
        && y >= offset
        && y - offset < height
    {
        let x = (x as u16).min(area.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(area.x + x, area.y + (y - offset) as u16));
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_review(
    app: &App,
    theme: &Theme,
    form: &SubmitForm,
    review: &crate::app::submit::Review,
    progress: Option<&String>,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let width = usize::from(area.width).max(4);
    let mut head: Vec<Line> = Vec::new();
    if let Some(line) = progress {
        head.push(Line::styled(
            text::truncate(
                &format!("Submitting: {}", text::one_line(line)),
                width,
                sym.ellipsis,
            ),
            theme.progress,
        ));
    }
    if let Some(error) = &form.last_error {
        for row in wrap_rows(
            &format!(
                "Not submitted: {} (Enter tries again)",
                text::one_line(error)
            ),
            width,
            3,
            sym.ellipsis,
        ) {
            head.push(Line::styled(row, theme.failed));
        }
    }
    let doc = app.submit_review_doc(form, review);
    let rows = doc.wrapped(width);
    let head_rows = head.len().min(usize::from(area.height));
    let body_height = usize::from(area.height) - head_rows;
    let max = rows.len().saturating_sub(body_height);
    let scroll = review.scroll.min(max);
    let mut lines = head;
    lines.extend(
        rows.iter()
            .skip(scroll)
            .take(body_height)
            .map(|l| super::to_line(l, theme)),
    );
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_picker(
    app: &App,
    theme: &Theme,
    form: &SubmitForm,
    picker: &Picker,
    frame: &mut Frame,
    area: Rect,
    sym: &Symbols,
) {
    let dot = app.dot();
    let rows = pick_rows(
        picker.field,
        picker.filter.value(),
        &app.computes,
        &app.submit.environments,
    );
    let title = match picker.field {
        FieldId::Compute => "Where it runs".to_owned(),
        _ => "Registered environments".to_owned(),
    };
    let keys = format!("type to filter{dot}↑↓ choose{dot}Enter pick{dot}Esc back");
    let height = (rows.len() as u16 + 3).clamp(5, area.height.saturating_sub(2).max(3));
    let inner = super::menu::centred(
        theme,
        frame,
        area,
        (area.width.saturating_sub(6).min(100), height),
        (title, ascii_text(&keys, app.ascii)),
        sym,
    );
    let width = usize::from(inner.width);
    let mut lines = vec![Line::from(vec![
        Span::styled("Filter: ", theme.muted),
        Span::styled(picker.filter.value().to_owned(), theme.normal),
    ])];
    let status = match (&picker.field, &app.submit.environments) {
        (FieldId::Environment, EnvList::Loading(_) | EnvList::NotLoaded) => Some((
            format!("loading the workspace's environments{}", app.ellipsis()),
            theme.progress,
        )),
        (FieldId::Environment, EnvList::Failed(e)) => Some((
            format!(
                "could not list the environments: {} (Esc and type one)",
                text::one_line(e)
            ),
            theme.failed,
        )),
        (FieldId::Environment, EnvList::Loaded(list)) if list.is_empty() => Some((
            "no registered environment in this workspace: Esc, then type a curated AzureML-… name or choose an image".to_owned(),
            theme.muted,
        )),
        _ if rows.is_empty() => Some(("nothing matches the filter".to_owned(), theme.muted)),
        _ => None,
    };
    if let Some((t, style)) = status {
        lines.push(Line::styled(
            text::truncate(&ascii_text(&t, app.ascii), width, sym.ellipsis),
            style,
        ));
    }
    let value_width = rows
        .iter()
        .map(|r| text::width(&r.value))
        .max()
        .unwrap_or(8)
        .min(width / 2);
    let room = usize::from(inner.height).saturating_sub(lines.len()).max(1);
    let offset = if rows.len() <= room {
        0
    } else {
        (picker.selected + 1)
            .saturating_sub(room)
            .min(rows.len() - room)
    };
    for (i, r) in rows.iter().enumerate().skip(offset).take(room) {
        let selected = i == picker.selected;
        let marker = if selected { "> " } else { "  " };
        let value = text::truncate(&r.value, value_width, sym.ellipsis);
        let pad = value_width.saturating_sub(text::width(&value));
        let rest = width.saturating_sub(value_width + 4);
        lines.push(Line::from(vec![
            Span::styled(marker, theme.accent),
            Span::styled(
                format!("{value}{}  ", " ".repeat(pad)),
                if selected {
                    theme.selected
                } else {
                    theme.normal
                },
            ),
            Span::styled(
                text::truncate(
                    &ascii_text(&text::one_line(&r.detail), app.ascii),
                    rest,
                    sym.ellipsis,
                ),
                theme.tone(r.tone),
            ),
        ]));
    }
    let _ = form;
    frame.render_widget(Paragraph::new(lines), inner);
}
