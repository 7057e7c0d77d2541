//! The glyphs the UI draws with, in a Unicode and an ASCII (`--ascii`) set: spinner frames,
//! the node bar, separators, arrows and borders; and [`ascii_text`], the ASCII spelling of the
//! few Unicode signs labels and hints are written with.

use ratatui::symbols::border;

pub struct Symbols {
    pub spinner: &'static [&'static str],
    pub bar_full: &'static str,
    pub bar_empty: &'static str,
    pub separator: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub ellipsis: &'static str,
    pub warning: &'static str,
    pub refresh: &'static str,
    pub border: border::Set<'static>,
}

const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

pub const UNICODE: Symbols = Symbols {
    spinner: &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
    bar_full: "█",
    bar_empty: "·",
    separator: "│",
    up: "↑",
    down: "↓",
    ellipsis: "…",
    warning: "⚠",
    refresh: "⟳",
    border: border::ROUNDED,
};

pub const ASCII: Symbols = Symbols {
    spinner: &["|", "/", "-", "\\"],
    bar_full: "#",
    bar_empty: ".",
    separator: "|",
    up: "^",
    down: "v",
    ellipsis: "~",
    warning: "!",
    refresh: "@",
    border: ASCII_BORDER,
};

pub fn symbols(ascii: bool) -> &'static Symbols {
    if ascii { &ASCII } else { &UNICODE }
}

impl Symbols {
    pub fn spinner_frame(&self, frame: usize) -> &'static str {
        self.spinner[frame % self.spinner.len()]
    }
}

/// `label` as `--ascii` draws it: dashes, ellipses, arrows, guillemets, middle dots and the
/// multiplication sign spelled in ASCII; unchanged otherwise.
pub fn ascii_text(label: &str, ascii: bool) -> String {
    if ascii {
        label
            .replace(['—', '–'], "-")
            .replace('…', "...")
            .replace('↑', "Up")
            .replace('↓', "Down")
            .replace('←', "Left")
            .replace('→', "Right")
            .replace('‹', "<")
            .replace('›', ">")
            .replace('·', "-")
            .replace('×', "x")
    } else {
        label.to_owned()
    }
}
