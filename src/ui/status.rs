//! The two bottom lines. The status bar: an emulator badge when running on the embedded
//! emulator, then cloud, subscription, resource group, workspace and auth method; on the right
//! the workspace's estimated cost per hour (`~7.16 USD/h`, ` +?` when some figures are unknown;
//! dropped first when the terminal is too narrow for it and the whole context), the time since
//! the last refresh, the operations running (`⟳ 2 ops`, and failed ones not yet
//! dismissed), HTTP requests in flight (with the retries and throttled answers so far, once
//! there are any) and the error count. The hint line:
//! the filter or command line while editing, else a toast, else the keys of the current context
//! (generated from the key table).

use super::symbols::Symbols;
use super::theme::Theme;
use crate::app::command::COMMANDS;
use crate::app::format;
use crate::app::text;
use crate::app::{App, ConnectionState, InputMode};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The subscription id cut short (`00000000…`).
fn short_subscription(subscription: &str, sym: &Symbols) -> String {
    text::truncate(subscription, 9, sym.ellipsis)
}

/// The emulator badge: its banner when that takes at most half of `room`.
fn badge(ctx: &crate::app::ContextInfo, room: usize) -> String {
    match &ctx.banner {
        Some(b) if text::width(b) + 2 <= room / 2 => format!(" {b} "),
        _ => " EMULATOR ".to_owned(),
    }
}

/// The width the left side needs in its shortest whole form: the emulator badge, a switch in
/// progress, and `sub 00000000… │ rg … │ ws … │ auth …`.
fn shortest_left(app: &App, sep: &str, sym: &Symbols) -> usize {
    let Some(ctx) = &app.context else {
        return 0;
    };
    let mut width = 0;
    if ctx.emulator {
        // The banner gives way to the short badge before anything on the right is dropped.
        width += text::width(" EMULATOR ") + 1;
    }
    if let ConnectionState::Switching(target) = &app.connection {
        width += text::width(target) + text::width("switching to ") + 2;
    }
    let parts = [
        format!("sub {}", short_subscription(&ctx.subscription, sym)),
        format!("rg {}", ctx.resource_group),
        format!("ws {}", ctx.workspace),
        format!("auth {}", ctx.auth),
    ];
    width + text::width(&parts.join(sep))
}

pub fn draw_status(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let sep = format!(" {} ", sym.separator);
    // Right side first: it is what changes.
    let mut right: Vec<String> = Vec::new();
    let scope = app.scope(app.active);
    match scope.last_ok_wall {
        Some(t) => right.push(format!(
            "{} {} ago",
            sym.refresh,
            format::age(app.now_wall_ms, t)
        )),
        None if scope.in_flight.is_some() => right.push(format!("{} loading", sym.refresh)),
        None => {}
    }
    // Operations the user started: running, and failed ones waiting to be read (`o`).
    if let Some(ops) = operations_text(app, sym) {
        right.push(ops);
    }
    // Requests in flight (waiting to retry included), and the retries so far.
    let http = &app.http;
    let mut requests = format!("{} {}", if app.ascii { "req" } else { "⇅" }, http.in_flight);
    if http.retries > 0 {
        requests.push_str(&format!(
            "{}{} retr{}",
            app.dot(),
            http.retries,
            if http.retries == 1 { "y" } else { "ies" }
        ));
        if http.throttled > 0 {
            requests.push_str(&format!(" ({} throttled)", http.throttled));
        }
    }
    right.push(requests);
    let errors = app.errors.len();
    right.push(format!(
        "{errors} error{}",
        if errors == 1 { "" } else { "s" }
    ));
    // The workspace's cost per hour goes first on the right, only when the context still
    // fits in its shortest form beside it: it is the first item dropped on a narrow terminal.
    if let Some(cost) = app.status_cost() {
        let now = text::width(&right.join(&sep)) + 1;
        let with_cost = now + text::width(&cost) + text::width(&sep);
        let room = usize::from(area.width).saturating_sub(with_cost + 1);
        if room >= shortest_left(app, &sep, sym) {
            right.insert(0, cost);
        }
    }
    let right_text = format!("{} ", right.join(&sep));
    let right_width = text::width(&right_text);
    let left_room = usize::from(area.width).saturating_sub(right_width + 1);

    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    match (&app.connection, &app.context) {
        (ConnectionState::Connecting, _) => {
            spans.push(Span::styled(
                format!(" connecting{} ", app.ellipsis()),
                theme.progress,
            ));
        }
        (ConnectionState::Failed(_), None) => {
            spans.push(Span::styled(" not connected ", theme.failed));
        }
        (state, Some(ctx)) => {
            if ctx.emulator {
                let badge = badge(ctx, left_room);
                used += text::width(&badge) + 1;
                spans.push(Span::styled(badge, theme.emulator));
                spans.push(Span::raw(" "));
            }
            if let ConnectionState::Switching(target) = state {
                let s = format!("switching to {target}{} ", app.ellipsis());
                used += text::width(&s);
                spans.push(Span::styled(s, theme.progress));
            }
            let short_sub = short_subscription(&ctx.subscription, sym);
            let full = [
                ("cloud", ctx.cloud.as_str()),
                ("sub", ctx.subscription.as_str()),
                ("rg", ctx.resource_group.as_str()),
                ("ws", ctx.workspace.as_str()),
                ("auth", ctx.auth.as_str()),
            ];
            let render = |items: &[(&str, &str)]| -> String {
                items
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(&sep)
            };
            let room = left_room.saturating_sub(used);
            // Shorter forms, least useful part first: no cloud, then a short subscription.
            let no_cloud = &full[1..];
            let short = [("sub", short_sub.as_str()), full[2], full[3], full[4]];
            let context = [render(&full), render(no_cloud), render(&short)]
                .into_iter()
                .find(|c| text::width(c) <= room)
                .unwrap_or_else(|| render(&short));
            spans.push(Span::styled(
                text::truncate(&context, room, sym.ellipsis),
                theme.status,
            ));
        }
        (ConnectionState::Connected | ConnectionState::Switching(_), None) => {}
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if area.width as usize > right_width {
        let x = area.x + area.width - right_width as u16;
        let rect = Rect::new(x, area.y, right_width as u16, 1);
        let style = if errors > 0 {
            theme.warning
        } else {
            theme.muted
        };
        let mut parts: Vec<Span<'static>> = Vec::new();
        let n = right.len();
        for (i, part) in right.into_iter().enumerate() {
            let s = if i + 1 == n { style } else { theme.muted };
            parts.push(Span::styled(part, s));
            if i + 1 < n {
                parts.push(Span::styled(sep.clone(), theme.muted));
            }
        }
        parts.push(Span::raw(" "));
        frame.render_widget(Paragraph::new(Line::from(parts)), rect);
    }
}

pub fn draw_hints(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, sym: &Symbols) {
    if let Some(line) = &app.input {
        let prefix = match line.mode {
            InputMode::Filter => "/",
            InputMode::Command => ":",
        };
        let right = match line.mode {
            InputMode::Filter => {
                let tab = app.active_tab();
                format!(
                    " {} of {}{}Enter keep{}Esc cancel ",
                    tab.view.len(),
                    tab.items.len(),
                    app.dot(),
                    app.dot()
                )
            }
            InputMode::Command => {
                let names: Vec<&str> = COMMANDS
                    .iter()
                    .map(|(u, _)| u.split_whitespace().next().unwrap_or(u))
                    .collect();
                format!(" {} ", names.join(" "))
            }
        };
        let right_width = text::width(&right).min(usize::from(area.width) / 2);
        let field = usize::from(area.width)
            .saturating_sub(right_width + 1)
            .max(2);
        let scroll = line.input.visual_scroll(field - 1);
        let value: String = line
            .input
            .value()
            .chars()
            .skip(scroll)
            .take(field - 1)
            .collect();
        let spans = vec![Span::styled(prefix, theme.hint_key), Span::raw(value)];
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        let cursor = (line.input.visual_cursor().saturating_sub(scroll) + 1) as u16;
        frame.set_cursor_position(Position::new(
            area.x + cursor.min(area.width.saturating_sub(1)),
            area.y,
        ));
        if right_width > 0 {
            let rect = Rect::new(
                area.x + area.width - right_width as u16,
                area.y,
                right_width as u16,
                1,
            );
            frame.render_widget(
                Paragraph::new(Span::styled(
                    text::truncate(&right, right_width, sym.ellipsis),
                    theme.muted,
                )),
                rect,
            );
        }
        return;
    }
    if let Some(toast) = &app.toast {
        // Toasts quote services' messages: their controls are shown, never sent.
        let t = text::truncate(
            &text::one_line(&toast.text),
            usize::from(area.width).saturating_sub(1),
            sym.ellipsis,
        );
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {t}"), theme.tone(toast.tone))),
            area,
        );
        return;
    }
    let mut spans: Vec<Span<'static>> = vec![Span::raw(" ")];
    let mut used = 1usize;
    let context = app.key_context();
    let available = |label: &str| match &app.copy_menu {
        // In the copy menu, only the choices this resource offers.
        Some(menu) => {
            menu.targets
                .iter()
                .any(|t| app.keymap.binding(t.action).and_then(|b| b.hint) == Some(label))
                || label == "back"
        }
        None => true,
    };
    let hints = app.keymap.hints(context, app.ascii);
    let width_of = |key: &str, label: &str| text::width(key) + 1 + text::width(label) + 2;
    // `? help` is the way to every other key: room is kept for it when the bar is too narrow
    // for all hints, and the others give way from the end.
    let mut help_room = hints
        .iter()
        .find(|(_, label)| *label == "help")
        .map(|(key, label)| width_of(key, label))
        .unwrap_or(0);
    let mut full = false;
    for (key, label) in hints {
        if !available(label) {
            continue;
        }
        let w = width_of(&key, label);
        let is_help = label == "help";
        if is_help {
            help_room = 0;
        } else if full || used + w + help_room > usize::from(area.width) {
            full = true;
            continue;
        }
        if used + w > usize::from(area.width) {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.hint_key));
        spans.push(Span::styled(format!(" {label}  "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `⟳ 2 ops` while operations run (`ops 2` with `--ascii`), with `1 failed op` while a failed
/// one waits to be dismissed; `None` when there is nothing to say.
pub fn operations_text(app: &App, sym: &Symbols) -> Option<String> {
    let running = app.operations.running();
    let failed = app.operations.failed();
    let mut parts = Vec::new();
    if running > 0 {
        let noun = if running == 1 { "op" } else { "ops" };
        parts.push(if app.ascii {
            format!("{noun} {running}")
        } else {
            format!("{} {running} {noun}", sym.refresh)
        });
    }
    if failed > 0 {
        parts.push(format!(
            "{failed} failed op{}",
            if failed == 1 { "" } else { "s" }
        ));
    }
    (!parts.is_empty()).then(|| parts.join(app.dot()))
}
