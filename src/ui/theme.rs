//! The theme: how each [`Tone`] and each piece of chrome looks. The default uses only the 16
//! ANSI colours (so it follows the terminal's palette); `NO_COLOR` gives a monochrome theme
//! that tells states apart with bold/dim/italic/reverse; the config file's `[theme]` table
//! overrides single roles (`failed = "bold red"`, `selected = "black on cyan"`). Unknown roles
//! and words are reported, never silently ignored. Data only: no I/O.

use crate::app::text::Tone;
use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;

/// Styles by role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub normal: Style,
    pub muted: Style,
    pub accent: Style,
    pub heading: Style,
    pub key: Style,
    pub healthy: Style,
    pub progress: Style,
    pub failed: Style,
    pub stopped: Style,
    pub unknown: Style,
    pub warning: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    pub json_literal: Style,
    /// The selected table row.
    pub selected: Style,
    /// Table headers.
    pub header: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub border: Style,
    pub title: Style,
    pub status: Style,
    /// The "embedded emulator" marker in the status bar.
    pub emulator: Style,
    pub hint_key: Style,
    /// Node-state bar segments.
    pub bar_running: Style,
    pub bar_idle: Style,
    pub bar_preparing: Style,
    pub bar_unusable: Style,
    pub bar_leaving: Style,
    pub bar_preempted: Style,
    /// Whether colours are in use (false under NO_COLOR).
    pub colored: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::ansi16()
    }
}

fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

impl Theme {
    /// The default: the 16 ANSI colours, default background.
    pub fn ansi16() -> Theme {
        Theme {
            normal: Style::new(),
            muted: fg(Color::DarkGray),
            accent: fg(Color::Cyan),
            heading: fg(Color::Blue).add_modifier(Modifier::BOLD),
            key: fg(Color::DarkGray),
            healthy: fg(Color::Green),
            progress: fg(Color::Yellow),
            failed: fg(Color::Red).add_modifier(Modifier::BOLD),
            stopped: fg(Color::DarkGray),
            unknown: fg(Color::Magenta),
            warning: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            json_key: fg(Color::Blue),
            json_string: fg(Color::Green),
            json_number: fg(Color::Cyan),
            json_literal: fg(Color::Magenta),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: Style::new().add_modifier(Modifier::BOLD),
            tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab_inactive: Style::new(),
            border: fg(Color::DarkGray),
            title: Style::new().add_modifier(Modifier::BOLD),
            status: Style::new(),
            emulator: fg(Color::Black).bg(Color::Yellow),
            hint_key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            bar_running: fg(Color::Green),
            bar_idle: fg(Color::Blue),
            bar_preparing: fg(Color::Yellow),
            bar_unusable: fg(Color::Red),
            bar_leaving: fg(Color::Magenta),
            bar_preempted: fg(Color::DarkGray),
            colored: true,
        }
    }

    /// No colour at all (`NO_COLOR`): attributes only.
    pub fn monochrome() -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        let italic = Style::new().add_modifier(Modifier::ITALIC);
        Theme {
            normal: plain,
            muted: dim,
            accent: Style::new().add_modifier(Modifier::UNDERLINED),
            heading: bold,
            key: dim,
            healthy: plain,
            progress: italic,
            failed: bold,
            stopped: dim,
            unknown: Style::new().add_modifier(Modifier::UNDERLINED),
            warning: bold,
            json_key: bold,
            json_string: plain,
            json_number: plain,
            json_literal: italic,
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: bold,
            tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab_inactive: plain,
            border: plain,
            title: bold,
            status: plain,
            emulator: Style::new().add_modifier(Modifier::REVERSED),
            hint_key: bold,
            bar_running: plain,
            bar_idle: dim,
            bar_preparing: italic,
            bar_unusable: bold,
            bar_leaving: dim,
            bar_preempted: dim,
            colored: false,
        }
    }

    /// The style of a tone.
    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Normal => self.normal,
            Tone::Muted => self.muted,
            Tone::Accent => self.accent,
            Tone::Heading => self.heading,
            Tone::Key => self.key,
            Tone::Healthy => self.healthy,
            Tone::Progress => self.progress,
            Tone::Failed => self.failed,
            Tone::Stopped => self.stopped,
            Tone::Unknown => self.unknown,
            Tone::Warning => self.warning,
            Tone::JsonKey => self.json_key,
            Tone::JsonString => self.json_string,
            Tone::JsonNumber => self.json_number,
            Tone::JsonLiteral => self.json_literal,
        }
    }

    fn role_mut(&mut self, role: &str) -> Option<&mut Style> {
        Some(match role {
            "normal" => &mut self.normal,
            "muted" => &mut self.muted,
            "accent" => &mut self.accent,
            "heading" => &mut self.heading,
            "key" => &mut self.key,
            "healthy" => &mut self.healthy,
            "progress" => &mut self.progress,
            "failed" => &mut self.failed,
            "stopped" => &mut self.stopped,
            "unknown" => &mut self.unknown,
            "warning" => &mut self.warning,
            "json_key" => &mut self.json_key,
            "json_string" => &mut self.json_string,
            "json_number" => &mut self.json_number,
            "json_literal" => &mut self.json_literal,
            "selected" => &mut self.selected,
            "header" => &mut self.header,
            "tab_active" => &mut self.tab_active,
            "tab_inactive" => &mut self.tab_inactive,
            "border" => &mut self.border,
            "title" => &mut self.title,
            "status" => &mut self.status,
            "emulator" => &mut self.emulator,
            "hint_key" => &mut self.hint_key,
            "bar_running" => &mut self.bar_running,
            "bar_idle" => &mut self.bar_idle,
            "bar_preparing" => &mut self.bar_preparing,
            "bar_unusable" => &mut self.bar_unusable,
            "bar_leaving" => &mut self.bar_leaving,
            "bar_preempted" => &mut self.bar_preempted,
            _ => return None,
        })
    }

    /// The role names `[theme]` accepts.
    pub const ROLES: &'static [&'static str] = &[
        "normal",
        "muted",
        "accent",
        "heading",
        "key",
        "healthy",
        "progress",
        "failed",
        "stopped",
        "unknown",
        "warning",
        "json_key",
        "json_string",
        "json_number",
        "json_literal",
        "selected",
        "header",
        "tab_active",
        "tab_inactive",
        "border",
        "title",
        "status",
        "emulator",
        "hint_key",
        "bar_running",
        "bar_idle",
        "bar_preparing",
        "bar_unusable",
        "bar_leaving",
        "bar_preempted",
    ];

    /// Applies `[theme]` overrides; returns notices for what could not be applied.
    pub fn with_overrides(mut self, overrides: &BTreeMap<String, String>) -> (Theme, Vec<String>) {
        let mut notices = Vec::new();
        for (role, spec) in overrides {
            let key = role.trim().to_ascii_lowercase().replace('-', "_");
            let colored = self.colored;
            let Some(slot) = self.role_mut(&key) else {
                notices.push(format!(
                    "[theme] unknown element {role:?}; known: {}",
                    Theme::ROLES.join(", ")
                ));
                continue;
            };
            match parse_style(spec) {
                Ok(mut style) => {
                    if !colored {
                        // NO_COLOR: keep the attributes, drop the colours.
                        style.fg = None;
                        style.bg = None;
                    }
                    *slot = style;
                }
                Err(e) => notices.push(format!("[theme] {role} = {spec:?}: {e}")),
            }
        }
        (self, notices)
    }
}

/// Reads `bold red`, `black on cyan`, `#ff8800`, `reversed`, `default`.
pub fn parse_style(spec: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = spec.split_whitespace().peekable();
    let mut any = false;
    while let Some(word) = words.next() {
        any = true;
        let lower = word.to_ascii_lowercase();
        if lower == "on" {
            let Some(bg) = words.next() else {
                return Err("`on` needs a colour".into());
            };
            style = style.bg(parse_color(bg)?);
            continue;
        }
        let modifier = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" | "underlined" => Some(Modifier::UNDERLINED),
            "reverse" | "reversed" => Some(Modifier::REVERSED),
            "plain" | "none" => {
                style = Style::new();
                None
            }
            _ => {
                style = style.fg(parse_color(word)?);
                None
            }
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        }
    }
    if !any {
        return Err("an empty style".into());
    }
    Ok(style)
}

fn parse_color(word: &str) -> Result<Color, String> {
    let lower = word.to_ascii_lowercase().replace(['-', '_'], "");
    Ok(match lower.as_str() {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" | "brightblack" => Color::DarkGray,
        "lightred" | "brightred" => Color::LightRed,
        "lightgreen" | "brightgreen" => Color::LightGreen,
        "lightyellow" | "brightyellow" => Color::LightYellow,
        "lightblue" | "brightblue" => Color::LightBlue,
        "lightmagenta" | "brightmagenta" => Color::LightMagenta,
        "lightcyan" | "brightcyan" => Color::LightCyan,
        "white" | "brightwhite" => Color::White,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let n =
                u32::from_str_radix(&hex[1..], 16).map_err(|_| format!("bad colour {word:?}"))?;
            Color::Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8)
        }
        n if n.parse::<u8>().is_ok() => Color::Indexed(n.parse::<u8>().unwrap_or(0)),
        _ => return Err(format!("unknown colour or attribute {word:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_styles() {
        assert_eq!(
            parse_style("bold red"),
            Ok(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD))
        );
        assert_eq!(
            parse_style("black on cyan"),
            Ok(Style::new().fg(Color::Black).bg(Color::Cyan))
        );
        assert_eq!(
            parse_style("#ff8800"),
            Ok(Style::new().fg(Color::Rgb(255, 136, 0)))
        );
        assert_eq!(parse_style("208"), Ok(Style::new().fg(Color::Indexed(208))));
        assert!(parse_style("sparkly").is_err());
        assert!(parse_style("red on").is_err());
        assert!(parse_style("").is_err());
    }

    #[test]
    fn overrides_and_notices() {
        let mut o = BTreeMap::new();
        o.insert("failed".to_owned(), "lightred".to_owned());
        o.insert("sparkles".to_owned(), "red".to_owned());
        o.insert("healthy".to_owned(), "glitter".to_owned());
        let (theme, notices) = Theme::ansi16().with_overrides(&o);
        assert_eq!(theme.failed, Style::new().fg(Color::LightRed));
        assert_eq!(notices.len(), 2, "{notices:?}");
        let (mono, _) = Theme::monochrome().with_overrides(&o);
        assert_eq!(
            mono.failed.fg, None,
            "NO_COLOR drops colours from overrides"
        );
    }

    #[test]
    fn monochrome_has_no_colours() {
        let t = Theme::monochrome();
        for tone in [
            Tone::Healthy,
            Tone::Failed,
            Tone::Progress,
            Tone::Unknown,
            Tone::Stopped,
        ] {
            assert_eq!(t.tone(tone).fg, None);
            assert_eq!(t.tone(tone).bg, None);
        }
        // States stay distinguishable without colour.
        assert_ne!(t.tone(Tone::Failed), t.tone(Tone::Healthy));
        assert_ne!(t.tone(Tone::Progress), t.tone(Tone::Healthy));
    }

    #[test]
    fn default_uses_only_the_16_ansi_colours() {
        let t = Theme::ansi16();
        let styles = [
            t.normal,
            t.muted,
            t.accent,
            t.heading,
            t.key,
            t.healthy,
            t.progress,
            t.failed,
            t.stopped,
            t.unknown,
            t.warning,
            t.selected,
            t.header,
            t.tab_active,
            t.border,
            t.emulator,
        ];
        for s in styles {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }
}
