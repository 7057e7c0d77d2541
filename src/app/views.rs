//! The scrollable text views as styled lines: a resource's detail (sections from its kind), its
//! raw JSON (secrets masked, pretty, lightly highlighted), the help generated from the key table,
//! and the error history. Lines are wrapped here at the view's width so scrolling can be clamped
//! exactly. Pure functions of the app state: no I/O.

use super::command::COMMANDS;
use super::format;
use super::keys::KeyMap;
use super::kinds::{DetailRow, Section};
use super::text::{StyledLine, Tone, wrap_styled, wrap_styled_from};
use serde_json::Value;

/// Width of the key column of a detail section (long keys wrap their value under them).
const MAX_KEY_WIDTH: usize = 26;

/// Detail sections as lines of at most `width` characters (tables are not wrapped).
pub fn section_lines(sections: &[Section], width: usize) -> Vec<StyledLine> {
    let mut out = Vec::new();
    for (n, section) in sections.iter().enumerate() {
        if n > 0 {
            out.push(StyledLine::new());
        }
        out.push(StyledLine::plain(section.title.clone(), Tone::Heading));
        let key_width = section
            .rows
            .iter()
            .filter_map(|r| match r {
                DetailRow::Field { key, .. } => Some(key.chars().count()),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .min(MAX_KEY_WIDTH);
        for row in &section.rows {
            match row {
                DetailRow::Field { key, value, tone } => {
                    let padded = format!("  {key:<key_width$}  ");
                    let indent = padded.chars().count().min(width / 2);
                    let line = StyledLine::new()
                        .with(padded, Tone::Key)
                        .with(value.clone(), *tone);
                    out.extend(wrap_styled(&line, width, indent));
                }
                DetailRow::Text { text, tone } => {
                    let line = StyledLine::plain(format!("  {text}"), *tone);
                    out.extend(wrap_styled(&line, width, 4));
                }
                DetailRow::Table { header, rows } => {
                    let columns = header.len();
                    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
                    for row in rows {
                        for (i, (text, _)) in row.iter().enumerate().take(columns) {
                            widths[i] = widths[i].max(text.chars().count());
                        }
                    }
                    let mut head = StyledLine::plain("  ", Tone::Normal);
                    for (i, h) in header.iter().enumerate() {
                        head.push(format!("{h:<w$}  ", w = widths[i]), Tone::Key);
                    }
                    out.push(head);
                    for row in rows {
                        let mut line = StyledLine::plain("  ", Tone::Normal);
                        for (i, (text, tone)) in row.iter().enumerate().take(columns) {
                            line.push(format!("{text:<w$}  ", w = widths[i]), *tone);
                        }
                        out.push(line);
                    }
                }
            }
        }
    }
    out
}

/// Pretty JSON with tones for keys, strings, numbers and literals, wrapped at `width`.
pub fn json_lines(value: &Value, width: usize) -> Vec<StyledLine> {
    let text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("(cannot show JSON: {e})"));
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = highlight_json_line(raw);
        let indent = raw.len() - raw.trim_start().len() + 2;
        // Keep a value on its key's line: break only after the value has started.
        let value_start = line
            .spans
            .iter()
            .position(|s| s.tone == Tone::JsonKey)
            .map(|k| {
                line.spans[..k + 2]
                    .iter()
                    .map(|s| s.text.chars().count())
                    .sum::<usize>()
                    + 1
            })
            .unwrap_or(indent);
        out.extend(wrap_styled_from(&line, width, indent, value_start));
    }
    out
}

fn highlight_json_line(raw: &str) -> StyledLine {
    let trimmed = raw.trim_start();
    let indent = &raw[..raw.len() - trimmed.len()];
    let mut line = StyledLine::plain(indent, Tone::Normal);
    let mut rest = trimmed;
    // A key: a string followed by `: `.
    if rest.starts_with('"')
        && let Some(end) = string_end(rest)
        && rest[end..].starts_with(": ")
    {
        line.push(&rest[..end], Tone::JsonKey);
        line.push(": ", Tone::Normal);
        rest = &rest[end + 2..];
    }
    let (value, tail) = match rest.strip_suffix(',') {
        Some(v) => (v, ","),
        None => (rest, ""),
    };
    let tone = match value.chars().next() {
        Some('"') => Tone::JsonString,
        Some(c) if c.is_ascii_digit() || c == '-' => Tone::JsonNumber,
        Some('t' | 'f' | 'n') => Tone::JsonLiteral,
        _ => Tone::Normal,
    };
    if !value.is_empty() {
        line.push(value, tone);
    }
    if !tail.is_empty() {
        line.push(tail, Tone::Normal);
    }
    line
}

/// The byte index just past the closing quote of the JSON string `text` starts with.
fn string_end(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i + 1),
            _ => escaped = false,
        }
    }
    None
}

/// The help, generated from the key table, with the commands and the filter syntax.
pub fn help_lines(keymap: &KeyMap, ascii: bool, width: usize) -> Vec<StyledLine> {
    let mut out = Vec::new();
    let groups = keymap.help_groups(ascii);
    let key_width = groups
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|(k, _, _)| k.chars().count()))
        .max()
        .unwrap_or(8)
        .min(24);
    for (n, (group, rows)) in groups.iter().enumerate() {
        if n > 0 {
            out.push(StyledLine::new());
        }
        out.push(StyledLine::plain(*group, Tone::Heading));
        for (keys, description, name) in rows {
            let line = StyledLine::new()
                .with(format!("  {keys:<key_width$}  "), Tone::Accent)
                .with(*description, Tone::Normal)
                .with(format!("  [{name}]"), Tone::Muted);
            out.extend(wrap_styled(&line, width, key_width + 4));
        }
    }
    out.extend(wrap_styled(
        &StyledLine::plain(
            "  [name]: the action's name for the config file, e.g. [keys] refresh = \"F5 r\"",
            Tone::Muted,
        ),
        width,
        4,
    ));
    out.push(StyledLine::new());
    out.push(StyledLine::plain("Commands (:)", Tone::Heading));
    let cmd_width = COMMANDS
        .iter()
        .map(|(u, _)| u.chars().count())
        .max()
        .unwrap_or(10);
    for (usage, description) in COMMANDS {
        let line = StyledLine::new()
            .with(format!("  {usage:<cmd_width$}  "), Tone::Accent)
            .with(*description, Tone::Normal);
        out.extend(wrap_styled(&line, width, cmd_width + 4));
    }
    out.push(StyledLine::new());
    out.push(StyledLine::plain("Filter (/)", Tone::Heading));
    for (syntax, meaning) in [
        ("gpu run", "fuzzy: every word matches name, type or state"),
        ("'exact", "an exact substring"),
        ("^start end$", "a prefix / a suffix"),
        ("!word", "rows that do not match"),
        ("Enter / Esc", "keep the filter / drop the change"),
    ] {
        let line = StyledLine::new()
            .with(format!("  {syntax:<cmd_width$}  "), Tone::Accent)
            .with(meaning, Tone::Normal);
        out.extend(wrap_styled(&line, width, cmd_width + 4));
    }
    out.push(StyledLine::new());
    out.push(StyledLine::plain("States", Tone::Heading));
    out.push(
        StyledLine::plain("  ", Tone::Normal)
            .with("healthy", Tone::Healthy)
            .with("  ", Tone::Normal)
            .with("in progress (animated)", Tone::Progress)
            .with("  ", Tone::Normal)
            .with("failed (with its error code)", Tone::Failed)
            .with("  ", Tone::Normal)
            .with("stopped", Tone::Stopped)
            .with("  ", Tone::Normal)
            .with("unknown (verbatim)", Tone::Unknown),
    );
    out.extend(wrap_styled(
        &StyledLine::plain(
            "  Cluster node bar: r running, i idle, p preparing, u unusable, l leaving, x preempted",
            Tone::Normal,
        ),
        width,
        4,
    ));
    out
}

/// One recorded error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    pub wall_ms: i64,
    /// What failed (`computes`, `jobs`, `nodes of gpu-cluster`, `config`, …).
    pub scope: String,
    pub message: String,
    /// What to do about it, when known.
    pub hint: Option<String>,
}

/// The error history, newest first, in full.
pub fn error_lines(errors: &[&ErrorEntry], now_ms: i64, width: usize) -> Vec<StyledLine> {
    if errors.is_empty() {
        return vec![StyledLine::plain("No errors so far.", Tone::Muted)];
    }
    let mut out = Vec::new();
    for (n, e) in errors.iter().enumerate() {
        if n > 0 {
            out.push(StyledLine::new());
        }
        out.push(
            StyledLine::new()
                .with(
                    if e.wall_ms <= 0 {
                        "at start".to_owned()
                    } else {
                        format!("{} ago", format::age(now_ms, e.wall_ms))
                    },
                    Tone::Muted,
                )
                .with("  ", Tone::Normal)
                .with(e.scope.clone(), Tone::Heading),
        );
        out.extend(wrap_styled(
            &StyledLine::plain(format!("  {}", e.message), Tone::Failed),
            width,
            2,
        ));
        if let Some(hint) = &e.hint {
            out.extend(wrap_styled(
                &StyledLine::plain(format!("  what to do: {hint}"), Tone::Muted),
                width,
                4,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_highlighted() {
        let v = serde_json::json!({"name": "a", "n": 1, "ok": true, "list": ["x"]});
        let lines = json_lines(&v, 80);
        let name = lines
            .iter()
            .find(|l| l.text().contains("\"name\""))
            .unwrap();
        assert_eq!(name.spans[1].tone, Tone::JsonKey);
        assert_eq!(name.spans[3].tone, Tone::JsonString);
        let n = lines.iter().find(|l| l.text().contains("\"n\"")).unwrap();
        assert!(
            n.spans
                .iter()
                .any(|s| s.tone == Tone::JsonNumber && s.text == "1")
        );
        let ok = lines.iter().find(|l| l.text().contains("\"ok\"")).unwrap();
        assert!(ok.spans.iter().any(|s| s.tone == Tone::JsonLiteral));
    }

    #[test]
    fn string_end_handles_escapes() {
        assert_eq!(string_end(r#""a\"b": 1"#), Some(6));
    }

    #[test]
    fn sections_align_keys() {
        let mut s = Section::new("T");
        s.field("a", "1").field("longer", "2");
        let lines = section_lines(&[s], 40);
        assert_eq!(lines[0].text(), "T");
        assert_eq!(lines[1].text(), "  a       1");
        assert_eq!(lines[2].text(), "  longer  2");
    }
}
