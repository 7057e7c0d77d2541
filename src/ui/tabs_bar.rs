//! The tab bar: `1 Instances (4)  2 Clusters (3) …` with the active tab highlighted, a marker on
//! tabs whose data is stale, and the read-only badge on the right. On narrow terminals the
//! labels get shorter (no app name, then short titles) so every tab and count stays visible.

use super::symbols::Symbols;
use super::theme::Theme;
use crate::app::{App, JOB_LIST_LIMIT, TabId};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn short_title(id: TabId) -> &'static str {
    match id {
        TabId::Instances => "Inst",
        TabId::Clusters => "Clus",
        TabId::Kubernetes => "K8s",
        TabId::Attached => "Att",
        TabId::Jobs => "Jobs",
    }
}

pub fn draw(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, sym: &Symbols) {
    let badge = if app.read_only { " read-only " } else { "" };
    let available = usize::from(area.width).saturating_sub(badge.len());
    let labels = |short: bool| -> Vec<String> {
        TabId::ALL
            .iter()
            .enumerate()
            .map(|(n, id)| {
                let tab = app.tab(*id);
                let scope = app.scope(*id);
                let count = if !scope.loaded() {
                    if app.ascii {
                        "..".to_owned()
                    } else {
                        "…".to_owned()
                    }
                } else if *id == TabId::Jobs && tab.items.len() >= JOB_LIST_LIMIT {
                    format!("{}+", tab.items.len())
                } else {
                    tab.items.len().to_string()
                };
                let title = if short { short_title(*id) } else { id.title() };
                let mut label = format!(" {} {title} ({count}) ", n + 1);
                if scope.stale() {
                    label.push_str(sym.warning);
                    label.push(' ');
                }
                label
            })
            .collect()
    };
    let width = |labels: &[String]| labels.iter().map(|l| l.chars().count() + 1).sum::<usize>();
    let full = labels(false);
    let (prefix, labels) = if width(&full) + 7 <= available {
        (" amlc  ", full)
    } else if width(&full) <= available {
        ("", full)
    } else {
        ("", labels(true))
    };
    let mut spans: Vec<Span<'static>> = Vec::new();
    if !prefix.is_empty() {
        spans.push(Span::styled(" amlc ", theme.title));
        spans.push(Span::raw(" "));
    }
    for (id, label) in TabId::ALL.iter().zip(labels) {
        let style = if *id == app.active {
            theme.tab_active
        } else {
            theme.tab_inactive
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if !badge.is_empty() {
        let w = badge.len() as u16;
        if area.width > w {
            let rect = Rect::new(area.x + area.width - w, area.y, w, 1);
            frame.render_widget(Paragraph::new(Span::styled(badge, theme.warning)), rect);
        }
    }
}
