//! The README's screenshots (`assets/screenshots/*.svg`): how they are made and a cheap check
//! that they are there and whole.
//!
//! `regenerate_screenshots` (ignored; `assets/screenshots/make.sh` runs it) drives the real
//! binary in tmux on the demo workspace of the built-in emulator (a fresh HOME, no workspace
//! configured), captures each screen with its colours (`tmux capture-pane -e -p`) and writes it
//! as SVG with [`ansi_to_svg`]: monospace text on a grid, the 16 ANSI colours of a dark
//! terminal, 256-colour and RGB escapes, bold, dim, italic, underline and reverse. It takes
//! about ten seconds and needs tmux, so CI does not run it: screens hold ages and times, so a
//! regeneration never gives the same bytes, and the check below is what CI runs.
//!
//! `the_screenshots_are_there_and_show_the_tool` checks that every screenshot exists, is a
//! well-formed SVG, shows the tab bar and what its screen is about, and that the README shows it.
//! The converter's own tests check colours, attributes, escaping and the grid.

mod tmux_common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tmux_common::{Tmux, binary};
use unicode_width::UnicodeWidthChar;

/// Terminal size of the screenshots.
const COLS: u16 = 120;
const ROWS: u16 = 32;

/// Each screenshot: file stem, and text it must show besides the tab bar.
const SHOTS: [(&str, &[&str]); 9] = [
    ("instances", &["ci-alice", "EMULATOR"]),
    ("clusters", &["gpu-cluster", "cpu-cluster"]),
    ("kubernetes", &["aks-inference"]),
    ("attached", &["remote-vm"]),
    ("jobs", &["dreamy_snail_tm8r2p4k1q", "Running"]),
    ("detail", &["gpu-cluster", "Scale"]),
    ("logs", &["Logs", "[0] ", "[1] "]),
    ("wizard", &["Create compute cluster"]),
    ("submit", &["Submit a run", "snapshot: 2 files"]),
];

/// The tab titles every screen shows.
const TABS: [&str; 5] = ["Instances", "Clusters", "Kubernetes", "Attached", "Jobs"];

const JOB: &str = "dreamy_snail_tm8r2p4k1q";

fn shots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/screenshots")
}

// ---------------------------------------------------------------------------------------------
// ANSI (as tmux captures it) to SVG.

/// Cell size and font, in pixels.
const CELL_W: f32 = 8.4;
const CELL_H: f32 = 18.0;
const FONT_SIZE: f32 = 14.0;
const DEFAULT_FG: &str = "#d4d4d4";
const DEFAULT_BG: &str = "#1e1e1e";
/// The 16 ANSI colours of a dark terminal (VS Code's palette).
const PALETTE: [&str; 16] = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Color {
    #[default]
    Default,
    Indexed(u8),
    Rgb(u8, u8, u8),
}

impl Color {
    fn css(self, default: &str) -> String {
        match self {
            Color::Default => default.to_string(),
            Color::Indexed(n) => indexed(n),
            Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        }
    }
}

/// xterm's 256 colours: the 16 above, a 6×6×6 cube, 24 greys.
fn indexed(n: u8) -> String {
    match n {
        0..=15 => PALETTE[usize::from(n)].to_string(),
        16..=231 => {
            let i = n - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(i / 36),
                level((i / 6) % 6),
                level(i % 6)
            )
        }
        _ => {
            let v = 8 + (n - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Style {
    fg: Color,
    bg: Color,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
    reverse: bool,
}

impl Style {
    /// Applies one SGR sequence's parameters.
    fn apply(&mut self, params: &[u16]) {
        let params = if params.is_empty() { &[0][..] } else { params };
        let mut i = 0;
        while i < params.len() {
            let p = params[i];
            i += 1;
            match p {
                0 => *self = Style::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                7 => self.reverse = true,
                22 => {
                    self.bold = false;
                    self.dim = false;
                }
                23 => self.italic = false,
                24 => self.underline = false,
                27 => self.reverse = false,
                30..=37 => self.fg = Color::Indexed((p - 30) as u8),
                39 => self.fg = Color::Default,
                40..=47 => self.bg = Color::Indexed((p - 40) as u8),
                49 => self.bg = Color::Default,
                90..=97 => self.fg = Color::Indexed((p - 90 + 8) as u8),
                100..=107 => self.bg = Color::Indexed((p - 100 + 8) as u8),
                38 | 48 => {
                    let color = match params.get(i) {
                        Some(5) => {
                            let c = params.get(i + 1).map(|&n| Color::Indexed(n as u8));
                            i += 2;
                            c
                        }
                        Some(2) => {
                            let rgb = params.get(i + 1..i + 4);
                            i += 4;
                            rgb.map(|v| Color::Rgb(v[0] as u8, v[1] as u8, v[2] as u8))
                        }
                        _ => None,
                    };
                    if let Some(c) = color {
                        if p == 38 {
                            self.fg = c;
                        } else {
                            self.bg = c;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// (foreground, background) as drawn, reverse applied.
    fn colors(&self) -> (String, String) {
        let fg = self.fg.css(DEFAULT_FG);
        let bg = self.bg.css(DEFAULT_BG);
        if self.reverse { (bg, fg) } else { (fg, bg) }
    }
}

/// One cell: its character (a wide one covers the next cell, which holds `None`) and style.
type Row = Vec<(Option<char>, Style)>;

/// The screen `text` draws: `cols` cells a row, ANSI SGR sequences read, others skipped.
fn parse_screen(text: &str, cols: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut style = Style::default();
    for line in text.split('\n') {
        let mut row: Row = Vec::with_capacity(cols);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    let mut body = String::new();
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            if c == 'm' {
                                let params: Vec<u16> = body
                                    .split([';', ':'])
                                    .map(|p| p.parse().unwrap_or(0))
                                    .collect();
                                style.apply(if body.is_empty() { &[] } else { &params });
                            }
                            break;
                        }
                        body.push(c);
                    }
                }
                continue;
            }
            if c.is_control() {
                continue;
            }
            let width = c.width().unwrap_or(0);
            if width == 0 {
                continue;
            }
            row.push((Some(c), style));
            if width == 2 {
                row.push((None, style));
            }
        }
        row.truncate(cols);
        while row.len() < cols {
            row.push((Some(' '), style_without_text(style)));
        }
        rows.push(row);
    }
    // tmux ends the capture with a newline: no row after it.
    if text.ends_with('\n') {
        rows.pop();
    }
    rows
}

/// Padding after the last character keeps only the background (a reversed style's too).
fn style_without_text(style: Style) -> Style {
    Style {
        underline: false,
        ..style
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// An SVG of the screen `text` (as `tmux capture-pane -e -p` prints it), `cols` × `rows` cells.
fn ansi_to_svg(text: &str, cols: usize, rows: usize, title: &str) -> String {
    let mut screen = parse_screen(text, cols);
    screen.truncate(rows);
    while screen.len() < rows {
        screen.push(vec![(Some(' '), Style::default()); cols]);
    }
    let width = cols as f32 * CELL_W;
    let height = rows as f32 * CELL_H;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.1} {height:.1}\" font-family=\"'DejaVu Sans Mono', Menlo, \
         Consolas, 'Liberation Mono', monospace\" font-size=\"{FONT_SIZE}\">"
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(title));
    let _ = writeln!(
        svg,
        "<rect width=\"100%\" height=\"100%\" fill=\"{DEFAULT_BG}\"/>"
    );
    // Backgrounds: one rect per run of a colour other than the default.
    for (y, row) in screen.iter().enumerate() {
        let mut x = 0;
        while x < row.len() {
            let (_, bg) = row[x].1.colors();
            let start = x;
            while x < row.len() && row[x].1.colors().1 == bg {
                x += 1;
            }
            if bg != DEFAULT_BG {
                let _ = writeln!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{CELL_H}\" fill=\"{bg}\"/>",
                    start as f32 * CELL_W,
                    y as f32 * CELL_H,
                    (x - start) as f32 * CELL_W,
                );
            }
        }
    }
    // Text: one element per run of a style, stretched to its cells so the grid holds whatever
    // the font's advance.
    for (y, row) in screen.iter().enumerate() {
        let baseline = y as f32 * CELL_H + CELL_H * 0.75;
        let mut x = 0;
        while x < row.len() {
            let style = row[x].1;
            let start = x;
            let mut text = String::new();
            while x < row.len() && row[x].1 == style {
                if let Some(c) = row[x].0 {
                    text.push(c);
                }
                x += 1;
            }
            if text.trim().is_empty() && !style.underline {
                continue;
            }
            let (fg, _) = style.colors();
            let mut attrs = format!("fill=\"{fg}\"");
            if style.bold {
                attrs.push_str(" font-weight=\"bold\"");
            }
            if style.italic {
                attrs.push_str(" font-style=\"italic\"");
            }
            if style.underline {
                attrs.push_str(" text-decoration=\"underline\"");
            }
            if style.dim {
                attrs.push_str(" opacity=\"0.6\"");
            }
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{baseline:.1}\" textLength=\"{:.1}\" \
                 lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\" {attrs}>{}</text>",
                start as f32 * CELL_W,
                (x - start) as f32 * CELL_W,
                escape(&text),
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

// ---------------------------------------------------------------------------------------------
// Making them.

/// The screen with its colours.
fn capture(tmux: &Tmux) -> String {
    String::from_utf8_lossy(&tmux.run(&["capture-pane", "-e", "-p", "-t", "e2e"]).stdout)
        .into_owned()
}

fn keys(tmux: &Tmux, keys: &[&str]) {
    for key in keys {
        tmux.send(&[key]);
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// Waits for `ok`, lets the screen settle (spinners, the last rows), writes `NAME.svg`.
fn shoot(tmux: &Tmux, name: &str, title: &str, ok: impl Fn(&str) -> bool) {
    tmux.wait_for(name, &ok);
    std::thread::sleep(Duration::from_millis(700));
    tmux.wait_for(name, &ok);
    let svg = ansi_to_svg(&capture(tmux), usize::from(COLS), usize::from(ROWS), title);
    let path = shots_dir().join(format!("{name}.svg"));
    std::fs::write(&path, svg).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

#[test]
#[ignore = "regenerates assets/screenshots (tmux, about ten seconds): assets/screenshots/make.sh"]
fn regenerate_screenshots() {
    let home = tempfile::tempdir().expect("temp home");
    // amlc runs in a copy of the training example's code folder (the submit form's default).
    let code = home.path().join("train");
    std::fs::create_dir_all(&code).expect("code folder");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples/jobs/train/src");
    for name in ["train.py", ".amlignore"] {
        std::fs::copy(example.join(name), code.join(name)).expect("copy the example");
    }
    let tmux = Tmux::shell("shots", COLS, ROWS, home.path(), "amlc.log");
    tmux.type_text(&format!(
        "cd '{}' && clear && '{}'; echo EXIT=$?",
        code.display(),
        binary().display()
    ));
    tmux.send(&["Enter"]);
    let loaded =
        |s: &str| s.contains("1 Instances (") && !s.contains("(…)") && s.contains("ci-alice");
    shoot(&tmux, "instances", "amlc: the Instances tab", loaded);
    keys(&tmux, &["2"]);
    shoot(&tmux, "clusters", "amlc: the Clusters tab", |s| {
        s.contains("╭ Clusters") && s.contains("gpu-cluster")
    });
    keys(&tmux, &["3"]);
    shoot(&tmux, "kubernetes", "amlc: the Kubernetes tab", |s| {
        s.contains("╭ Kubernetes") && s.contains("aks-inference")
    });
    keys(&tmux, &["4"]);
    shoot(&tmux, "attached", "amlc: the Attached tab", |s| {
        s.contains("╭ Attached") && s.contains("remote-vm")
    });
    keys(&tmux, &["5"]);
    shoot(&tmux, "jobs", "amlc: the Jobs tab", |s| {
        s.contains("╭ Jobs") && s.contains(JOB) && s.contains("Running")
    });

    // A cluster's detail: filter to it, open it.
    keys(&tmux, &["2", "/"]);
    tmux.type_text("gpu");
    tmux.wait_for("the filtered list", |s| {
        s.contains("/gpu") && s.contains("1 of")
    });
    keys(&tmux, &["Enter", "Enter"]);
    shoot(&tmux, "detail", "amlc: a cluster's detail", |s| {
        s.contains("Clusters · gpu-cluster") && s.contains("Scale")
    });
    // Back to the list, then the filter cleared (a third Esc would only say how to quit).
    keys(&tmux, &["Escape", "Escape"]);

    // The log view of the running demo job.
    keys(&tmux, &["5", "/"]);
    tmux.type_text(&format!("'{JOB}"));
    keys(&tmux, &["Enter"]);
    tmux.wait_for("the demo job", |s| {
        s.lines().any(|l| l.contains(JOB) && l.contains("Running"))
    });
    keys(&tmux, &["l"]);
    shoot(&tmux, "logs", "amlc: the log view of a running job", |s| {
        s.contains("Logs") && s.matches("[0] ").count() >= 3 && s.matches("[1] ").count() >= 3
    });
    keys(&tmux, &["Escape", "Escape"]);

    // The create wizard of the Clusters tab.
    keys(&tmux, &["2", "n"]);
    shoot(&tmux, "wizard", "amlc: creating a cluster", |s| {
        s.contains("Create compute cluster") && s.contains("VM sizes of region")
    });
    keys(&tmux, &["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    // Discarding the form asks first.
    keys(&tmux, &["y"]);

    // The submit form of the Jobs tab, filled in, on the example's code folder.
    keys(&tmux, &["5", "n"]);
    tmux.wait_for("the submit form", |s| {
        s.contains("Submit a run") && s.contains("snapshot: 2 files")
    });
    keys(&tmux, &["Tab"]);
    tmux.type_text("python3 train.py --epochs 3");
    keys(&tmux, &["Tab", "Enter"]);
    tmux.wait_for("the compute list", |s| s.contains("Where it runs"));
    tmux.type_text("cpu-clu");
    keys(&tmux, &["Enter", "Tab", "Tab"]);
    tmux.type_text("AzureML-sklearn-1.5@latest");
    shoot(&tmux, "submit", "amlc: submitting a run", |s| {
        s.contains("Submit a run") && s.contains("curated: an environment Microsoft maintains")
    });
    keys(&tmux, &["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    keys(&tmux, &["y", "q"]);
    let screen = tmux.screen();
    if !screen.contains("EXIT=") {
        keys(&tmux, &["Escape", "q"]);
    }
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}

// ---------------------------------------------------------------------------------------------
// The check CI runs.

/// Whether `svg` is one `<svg>` element whose tags all close (a cheap well-formedness check).
fn well_formed(svg: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').ok_or("a tag does not end")?;
        let tag = &after[..close];
        rest = &after[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(top) if top == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().ok_or("an empty tag")?;
            stack.push(name);
        }
        // Text between tags must not hold a raw `&` that is not an entity, nor a `>`.
        let text = &rest[..rest.find('<').unwrap_or(rest.len())];
        if text.contains('>') {
            return Err(format!("a raw > in text {text:?}"));
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    Ok(())
}

/// The text of the `<text>` elements, entities decoded, one string per row in order.
fn visible_text(svg: &str) -> String {
    svg.split("<text ")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(
                body.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            )
        })
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn the_screenshots_are_there_and_show_the_tool() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    for (name, marks) in SHOTS {
        let path = shots_dir().join(format!("{name}.svg"));
        let svg = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; assets/screenshots/make.sh makes it",
                path.display()
            )
        });
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{name}"
        );
        assert!(svg.ends_with("</svg>\n"), "{name}");
        if let Err(e) = well_formed(&svg) {
            panic!("{name}.svg is not well formed: {e}");
        }
        let text = visible_text(&svg);
        for tab in TABS {
            assert!(text.contains(tab), "{name}.svg lacks the tab title {tab}");
        }
        for mark in marks {
            assert!(text.contains(mark), "{name}.svg lacks {mark:?}");
        }
        let link = format!("assets/screenshots/{name}.svg");
        assert!(readme.contains(&link), "README.md does not show {link}");
    }
}

#[test]
fn colours_attributes_and_the_grid_are_converted() {
    // Red bold "A", default "b", reversed cyan "C", 256-colour and RGB foregrounds, a wide
    // character taking two cells, and text that must be escaped.
    let line = "\u{1b}[1;31mA\u{1b}[0mb\u{1b}[7;36mC\u{1b}[0m\u{1b}[38;5;196mD\u{1b}[38;2;1;2;3mE\u{1b}[0m界<&>\n";
    let rows = parse_screen(line, 12);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.len(), 12);
    assert_eq!(row[0].0, Some('A'));
    assert!(row[0].1.bold && row[0].1.fg == Color::Indexed(1));
    assert_eq!(row[1].1, Style::default());
    assert_eq!(
        row[2].1.colors(),
        (DEFAULT_BG.to_string(), PALETTE[6].to_string())
    );
    assert_eq!(row[3].1.fg.css(DEFAULT_FG), "#ff0000");
    assert_eq!(row[4].1.fg.css(DEFAULT_FG), "#010203");
    assert_eq!((row[5].0, row[6].0), (Some('界'), None));
    assert_eq!(row[7].0, Some('<'));

    let svg = ansi_to_svg(line, 12, 2, "t & t");
    well_formed(&svg).expect("well formed");
    assert!(svg.contains("<title>t &amp; t</title>"));
    assert!(svg.contains("font-weight=\"bold\""));
    assert!(svg.contains(&format!("fill=\"{}\"", PALETTE[1])));
    // The reversed cell's background is the cyan, drawn as a rect at column 2.
    assert!(svg.contains(&format!(
        "<rect x=\"16.8\" y=\"0.0\" width=\"8.4\" height=\"18\" fill=\"{}\"/>",
        PALETTE[6]
    )));
    assert!(svg.contains("&lt;&amp;&gt;"));
    assert_eq!(visible_text(&svg).trim_end(), "AbCDE界<&>");
    // A broken document is caught.
    assert!(well_formed("<svg><text>a</svg>").is_err());
    assert!(well_formed("<svg><text>a > b</text></svg>").is_err());
}
