//! Styled text as plain data: a [`Tone`] says what a piece of text *means* (healthy, failed, a
//! JSON key, …) and the UI's theme decides how that looks. Also word wrapping of such lines for
//! the scrollable text views (detail, JSON, help, errors), so the app layer knows exactly how
//! many lines a view has and can clamp scrolling. No terminal types and no I/O here.

/// The meaning of a piece of text; the theme maps each tone to a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    Normal,
    /// Secondary information (ages, separators, placeholders).
    Muted,
    /// Something to notice (the active filter, links, commands).
    Accent,
    /// A section title.
    Heading,
    /// A field name in a detail view.
    Key,
    /// A healthy, settled state (Succeeded, Running, Steady, Completed).
    Healthy,
    /// On the way somewhere (Creating, Starting, Resizing, Queued, a running job).
    Progress,
    /// Failed or unusable.
    Failed,
    /// Stopped, canceled, paused.
    Stopped,
    /// A state this version does not know (shown verbatim).
    Unknown,
    /// A warning (stale data, config notices).
    Warning,
    JsonKey,
    JsonString,
    JsonNumber,
    JsonLiteral,
}

/// A run of text with one tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub tone: Tone,
}

impl Span {
    pub fn new(text: impl Into<String>, tone: Tone) -> Self {
        Span {
            text: text.into(),
            tone,
        }
    }
}

/// One line of styled text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StyledLine {
    pub spans: Vec<Span>,
}

impl StyledLine {
    pub fn new() -> Self {
        StyledLine { spans: Vec::new() }
    }

    pub fn plain(text: impl Into<String>, tone: Tone) -> Self {
        StyledLine {
            spans: vec![Span::new(text, tone)],
        }
    }

    pub fn push(&mut self, text: impl Into<String>, tone: Tone) -> &mut Self {
        self.spans.push(Span::new(text, tone));
        self
    }

    pub fn with(mut self, text: impl Into<String>, tone: Tone) -> Self {
        self.spans.push(Span::new(text, tone));
        self
    }

    /// Width in characters.
    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| s.text.chars().count()).sum()
    }

    /// The text without tones.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// Number of characters of `text` (the views treat one character as one cell).
pub fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `max` characters, with `ellipsis` at the end when it was cut.
pub fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(width(ellipsis));
    let mut out: String = text.chars().take(keep).collect();
    if max >= width(ellipsis) {
        out.push_str(ellipsis);
    }
    out
}

/// Splits `text` into pieces of at most `width` characters, breaking at spaces where possible
/// and inside words only when a word is longer than a line. Never returns an empty list.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_len = 0usize;
        for word in paragraph.split(' ') {
            let mut word: &str = word;
            let mut word_len = self::width(word);
            if line_len > 0 && line_len + 1 + word_len > width {
                out.push(std::mem::take(&mut line));
                line_len = 0;
            }
            if line_len > 0 {
                line.push(' ');
                line_len += 1;
            }
            while word_len > width - line_len.min(width) && word_len > 0 {
                let room = width - line_len;
                if room == 0 {
                    out.push(std::mem::take(&mut line));
                    line_len = 0;
                    continue;
                }
                let split = word
                    .char_indices()
                    .nth(room)
                    .map(|(i, _)| i)
                    .unwrap_or(word.len());
                line.push_str(&word[..split]);
                out.push(std::mem::take(&mut line));
                line_len = 0;
                word = &word[split..];
                word_len = self::width(word);
            }
            line.push_str(word);
            line_len += word_len;
        }
        out.push(line);
    }
    out
}

/// Wraps a styled line at `width`, continuing with `indent` spaces on the following lines.
/// Tones are kept per character run. The first line is not broken inside its first `indent`
/// characters (a key and its padding).
pub fn wrap_styled(line: &StyledLine, width: usize, indent: usize) -> Vec<StyledLine> {
    wrap_styled_from(line, width, indent, indent)
}

/// As [`wrap_styled`], with the first line never broken before character `first_break`.
pub fn wrap_styled_from(
    line: &StyledLine,
    width: usize,
    indent: usize,
    first_break: usize,
) -> Vec<StyledLine> {
    let width = width.max(indent + 8);
    if line.width() <= width {
        return vec![line.clone()];
    }
    // Wrap the plain text, then give every piece back its tones by walking the spans.
    let first_width = width;
    let mut pieces: Vec<(usize, usize)> = Vec::new(); // (start char, len) in the plain text
    let chars: Vec<char> = line.text().chars().collect();
    let mut start = 0usize;
    let mut limit = first_width;
    while start < chars.len() {
        let remaining = chars.len() - start;
        if remaining <= limit {
            pieces.push((start, remaining));
            break;
        }
        // Break at the last space within the limit, if any (not at the very start).
        // Break after the last space of the window, but not inside the first line's key
        // (its first `indent` characters): a long unbroken value then fills the line.
        let window = &chars[start..start + limit];
        let min_break = if start == 0 { first_break.max(1) } else { 1 };
        let cut = window
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|&p| p >= min_break)
            .map(|p| p + 1)
            .unwrap_or(limit);
        pieces.push((start, cut));
        start += cut;
        limit = width - indent;
    }
    let mut tones: Vec<Tone> = Vec::with_capacity(chars.len());
    for span in &line.spans {
        tones.extend(std::iter::repeat_n(span.tone, span.text.chars().count()));
    }
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, (start, len))| {
            let mut out = StyledLine::new();
            if i > 0 && indent > 0 {
                out.push(" ".repeat(indent), Tone::Normal);
            }
            let mut run = String::new();
            let mut run_tone = None;
            for (offset, c) in chars[start..start + len].iter().enumerate() {
                let tone = tones.get(start + offset).copied().unwrap_or(Tone::Normal);
                if run_tone != Some(tone) && !run.is_empty() {
                    out.push(std::mem::take(&mut run), run_tone.unwrap_or(Tone::Normal));
                }
                run_tone = Some(tone);
                run.push(*c);
            }
            if !run.is_empty() {
                out.push(run, run_tone.unwrap_or(Tone::Normal));
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_inside_long_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("a\nb", 4), vec!["a", "b"]);
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4, "…"), "abc…");
        assert_eq!(truncate("abc", 4, "…"), "abc");
        assert_eq!(truncate("abcdef", 4, "..."), "a...");
    }

    #[test]
    fn styled_wrap_keeps_tones_and_indents() {
        let line = StyledLine::new()
            .with("key: ", Tone::Key)
            .with("one two three four five six", Tone::Normal);
        let wrapped = wrap_styled(&line, 16, 5);
        assert!(wrapped.len() > 1);
        assert_eq!(wrapped[0].spans[0].tone, Tone::Key);
        assert!(wrapped[1].text().starts_with("     "));
        let all: String = wrapped
            .iter()
            .map(|l| l.text().trim().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all.contains("six"));
        assert!(wrapped.iter().all(|l| l.width() <= 16));
    }
}
