//! Copying to the user's clipboard, and saying truthfully where the text went.
//!
//! OSC 52 asks the terminal to set the clipboard (also over SSH); nothing tells whether the
//! terminal did. Inside tmux, an application's OSC 52 reaches the terminal only with
//! `set-clipboard on`; with the default `external` (or `off`) tmux drops it. So [`deliver`]
//! sends OSC 52, asks tmux for its setting (`tmux show -gv set-clipboard`), and when tmux will
//! not pass it on puts the text in tmux's paste buffer (`load-buffer -w -`, which also asks tmux
//! to set the terminal's clipboard); a local clipboard tool (wl-copy, xclip, xsel, pbcopy) is
//! used as well when its display is there. [`message`] turns what happened into the toast.
//! The plan and the message are pure; `deliver` does the I/O (bounded by a timeout) and is
//! called by the terminal loop, never by `App::update`. Texts are capped so a huge value cannot
//! flood the terminal.

use super::App;
use super::text::{Tone, one_line, truncate};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a helper process (tmux, a clipboard tool) may take.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(2);

/// The largest text copied (terminals commonly accept around 100 kB of base64).
pub const MAX_COPY_BYTES: usize = 74_994;

/// The OSC 52 sequence that sets the clipboard (`c`) to `text`; `None` when `text` is larger
/// than [`MAX_COPY_BYTES`].
pub fn osc52(text: &str) -> Option<String> {
    if text.len() > MAX_COPY_BYTES {
        return None;
    }
    Some(format!("\x1b]52;c;{}\x07", base64(text.as_bytes())))
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| TABLE[((n >> shift) & 63) as usize] as char;
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

/// What tmux does with an application's OSC 52 (its `set-clipboard` option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TmuxClipboard {
    /// `on`: tmux keeps it and passes it on to the terminal.
    On,
    /// `external`: tmux sets the terminal's clipboard itself but drops applications' OSC 52.
    External,
    /// `off`: dropped.
    Off,
    /// The setting could not be read (why), or is one this version does not know.
    Unknown(String),
}

impl TmuxClipboard {
    pub fn parse(value: &str) -> TmuxClipboard {
        match value.trim() {
            "on" => TmuxClipboard::On,
            "external" => TmuxClipboard::External,
            "off" => TmuxClipboard::Off,
            other => TmuxClipboard::Unknown(format!("set-clipboard is {other:?}")),
        }
    }

    /// Whether an application's OSC 52 goes through to the terminal.
    pub fn passes(&self) -> bool {
        *self == TmuxClipboard::On
    }

    fn describe(&self) -> String {
        match self {
            TmuxClipboard::On => "tmux set-clipboard is on".into(),
            TmuxClipboard::External => "tmux set-clipboard is external".into(),
            TmuxClipboard::Off => "tmux set-clipboard is off".into(),
            TmuxClipboard::Unknown(why) => format!("tmux: {why}"),
        }
    }
}

/// A local clipboard tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    WlCopy,
    Xclip,
    Xsel,
    Pbcopy,
}

impl Tool {
    pub fn program(self) -> &'static str {
        match self {
            Tool::WlCopy => "wl-copy",
            Tool::Xclip => "xclip",
            Tool::Xsel => "xsel",
            Tool::Pbcopy => "pbcopy",
        }
    }

    fn args(self) -> &'static [&'static str] {
        match self {
            Tool::WlCopy | Tool::Pbcopy => &[],
            Tool::Xclip => &["-selection", "clipboard"],
            Tool::Xsel => &["--clipboard", "--input"],
        }
    }
}

/// Where amlc runs, as far as copying goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// Inside tmux (`$TMUX`).
    pub tmux: bool,
    /// Over SSH (`$SSH_CONNECTION` or `$SSH_TTY`).
    pub ssh: bool,
    /// `$WAYLAND_DISPLAY` is set.
    pub wayland: bool,
    /// `$DISPLAY` is set (also an X server forwarded over SSH).
    pub x11: bool,
    pub macos: bool,
    /// The directories of `$PATH`.
    pub path: Vec<PathBuf>,
}

impl Env {
    /// Reads the environment of this process.
    pub fn detect() -> Env {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Env {
            tmux: set("TMUX"),
            ssh: set("SSH_CONNECTION") || set("SSH_TTY"),
            wayland: set("WAYLAND_DISPLAY"),
            x11: set("DISPLAY"),
            macos: cfg!(target_os = "macos"),
            path: std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect())
                .unwrap_or_default(),
        }
    }

    fn has(&self, program: &str) -> bool {
        self.path.iter().any(|dir| dir.join(program).is_file())
    }
}

/// The clipboard tool to use besides OSC 52, if one can reach the user's clipboard: wl-copy or
/// xclip/xsel when their display is set (an X server forwarded over SSH is the user's), pbcopy
/// on a Mac the user sits at (over SSH it would fill the remote Mac's clipboard).
pub fn local_tool(env: &Env) -> Option<Tool> {
    if env.wayland && env.has("wl-copy") {
        return Some(Tool::WlCopy);
    }
    if env.x11 {
        for tool in [Tool::Xclip, Tool::Xsel] {
            if env.has(tool.program()) {
                return Some(tool);
            }
        }
    }
    if env.macos && !env.ssh && env.has("pbcopy") {
        return Some(Tool::Pbcopy);
    }
    None
}

/// What was done with a copied text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// OSC 52 written to the terminal, or why not (too large, the write failed).
    pub osc52: Result<(), String>,
    /// Inside tmux: what it does with OSC 52.
    pub tmux: Option<TmuxClipboard>,
    /// Inside tmux when it does not pass OSC 52 on: the text put in tmux's paste buffer.
    pub tmux_buffer: Option<Result<(), String>>,
    /// A local clipboard tool that was run.
    pub tool: Option<(Tool, Result<(), String>)>,
}

/// The toast for a copy of `label` (`name`, `SSH command`, …): where the text went, as far as
/// amlc can know, and what may have gone wrong.
pub fn message(label: &str, outcome: &Outcome) -> (String, Tone) {
    let tool_ok = match &outcome.tool {
        Some((tool, Ok(()))) => Some(tool.program()),
        _ => None,
    };
    let tool_failed = match &outcome.tool {
        Some((tool, Err(e))) => format!("; {} failed: {e}", tool.program()),
        _ => String::new(),
    };
    if let Some(program) = tool_ok {
        return (
            format!("copied the {label} to the clipboard with {program}"),
            Tone::Healthy,
        );
    }
    let osc = match &outcome.osc52 {
        Ok(()) => None,
        Err(e) => Some(e.as_str()),
    };
    match (&outcome.tmux, &outcome.tmux_buffer) {
        (Some(tmux), Some(Ok(()))) => (
            format!(
                "copied the {label} to the tmux buffer (prefix ] pastes); {}, so OSC 52 does not reach your clipboard{tool_failed}",
                tmux.describe()
            ),
            Tone::Healthy,
        ),
        (Some(tmux), Some(Err(e))) => match osc {
            None => (
                format!(
                    "sent the {label} via OSC 52, but {}: it may not reach your clipboard (tmux buffer failed: {e}){tool_failed}",
                    tmux.describe()
                ),
                Tone::Warning,
            ),
            Some(why) => (
                format!(
                    "could not copy the {label}: OSC 52 {why}; tmux buffer failed: {e}{tool_failed}"
                ),
                Tone::Failed,
            ),
        },
        (Some(tmux), None) if tmux.passes() => match osc {
            None => (
                format!(
                    "sent the {label} via OSC 52; tmux set-clipboard is on, so tmux passes it to your terminal{tool_failed}"
                ),
                Tone::Healthy,
            ),
            Some(why) => (
                format!("could not copy the {label}: OSC 52 {why}{tool_failed}"),
                Tone::Failed,
            ),
        },
        _ => match osc {
            None => (
                format!(
                    "sent the {label} via OSC 52 (your terminal decides whether to accept it){tool_failed}"
                ),
                Tone::Healthy,
            ),
            Some(why) => (
                format!("could not copy the {label}: OSC 52 {why}{tool_failed}"),
                Tone::Failed,
            ),
        },
    }
}

/// Copies `text`: OSC 52 to `terminal`, and inside tmux (when it will not pass OSC 52 on) its
/// paste buffer, and a local clipboard tool when there is one. Blocking, bounded by a timeout
/// per helper process; returns what happened.
pub fn deliver(text: &str, terminal: &mut dyn Write, env: &Env) -> Outcome {
    let osc52 = match osc52(text) {
        Some(sequence) => terminal
            .write_all(sequence.as_bytes())
            .and_then(|()| terminal.flush())
            .map_err(|e| format!("could not be written to the terminal: {e}")),
        None => Err(format!(
            "is not possible for {} bytes (at most {MAX_COPY_BYTES})",
            text.len()
        )),
    };
    let tmux = env.tmux.then(tmux_setting);
    let tmux_buffer = match &tmux {
        Some(setting) if !setting.passes() => Some(tmux_load_buffer(text)),
        _ => None,
    };
    let tool = local_tool(env).map(|tool| {
        let result = run(tool.program(), tool.args(), Some(text), false).map(|_| ());
        (tool, result)
    });
    Outcome {
        osc52,
        tmux,
        tmux_buffer,
        tool,
    }
}

/// tmux's `set-clipboard` (a server option in tmux 3; `-g` finds it on older ones too).
fn tmux_setting() -> TmuxClipboard {
    let mut last_error = String::new();
    for scope in ["-gv", "-sv"] {
        match run("tmux", &["show", scope, "set-clipboard"], None, true) {
            Ok(out) if !out.trim().is_empty() => return TmuxClipboard::parse(&out),
            Ok(_) => last_error = "set-clipboard not shown".into(),
            Err(e) => last_error = e,
        }
    }
    TmuxClipboard::Unknown(format!("could not read set-clipboard ({last_error})"))
}

/// Puts `text` in tmux's paste buffer (with `-w`, tmux ≥ 3.2 also sets the terminal's
/// clipboard itself; older tmux refuses `-w`, so it is tried without).
fn tmux_load_buffer(text: &str) -> Result<(), String> {
    run("tmux", &["load-buffer", "-w", "-"], Some(text), true)
        .or_else(|_| run("tmux", &["load-buffer", "-"], Some(text), true))
        .map(|_| ())
}

/// Runs `program` with `input` on its stdin and returns its stdout (when `capture`; tools that
/// stay in the background to serve the selection must not hold our pipes, so they get none).
/// Killed after [`PROCESS_TIMEOUT`].
fn run(program: &str, args: &[&str], input: Option<&str>, capture: bool) -> Result<String, String> {
    let output = |capture: bool| {
        if capture {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(output(capture))
        .stderr(output(capture))
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    // A thread writes the input, so a child that does not read cannot block us.
    let writer = match (input, child.stdin.take()) {
        (Some(text), Some(mut stdin)) => {
            let bytes = text.as_bytes().to_vec();
            Some(std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{program} did not finish within {}s",
                    PROCESS_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("{program}: {e}")),
        }
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    if status.success() {
        Ok(stdout)
    } else {
        let detail = truncate(&one_line(stderr.trim()), 80, "…");
        Err(if detail.is_empty() {
            format!("{program} exited with {status}")
        } else {
            format!("{program}: {detail}")
        })
    }
}

impl App {
    /// The terminal loop reports where copied text went ([`deliver`]); the toast says it.
    pub fn copied(&mut self, label: &str, outcome: &Outcome) {
        let (text, tone) = message(label, outcome);
        self.toast_for(text, tone, super::TOAST_MS * 2);
        self.mark_dirty();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn osc52_wraps_and_caps() {
        assert_eq!(osc52("hi").as_deref(), Some("\x1b]52;c;aGk=\x07"));
        assert!(osc52(&"x".repeat(MAX_COPY_BYTES + 1)).is_none());
    }

    fn outcome(tmux: Option<TmuxClipboard>, buffer: Option<Result<(), String>>) -> Outcome {
        Outcome {
            osc52: Ok(()),
            tmux,
            tmux_buffer: buffer,
            tool: None,
        }
    }

    #[test]
    fn tmux_settings_parse() {
        assert_eq!(TmuxClipboard::parse("on\n"), TmuxClipboard::On);
        assert_eq!(TmuxClipboard::parse("external"), TmuxClipboard::External);
        assert_eq!(TmuxClipboard::parse("off"), TmuxClipboard::Off);
        assert!(matches!(
            TmuxClipboard::parse("maybe"),
            TmuxClipboard::Unknown(_)
        ));
        assert!(TmuxClipboard::On.passes());
        assert!(!TmuxClipboard::External.passes());
    }

    #[test]
    fn messages_say_what_happened() {
        let (text, tone) = message("name", &outcome(None, None));
        assert_eq!(
            text,
            "sent the name via OSC 52 (your terminal decides whether to accept it)"
        );
        assert_eq!(tone, Tone::Healthy);
        let (text, _) = message("name", &outcome(Some(TmuxClipboard::On), None));
        assert!(text.contains("tmux set-clipboard is on"), "{text}");
        let (text, tone) = message(
            "SSH command",
            &outcome(Some(TmuxClipboard::External), Some(Ok(()))),
        );
        assert!(
            text.starts_with("copied the SSH command to the tmux buffer"),
            "{text}"
        );
        assert!(text.contains("set-clipboard is external"), "{text}");
        assert_eq!(tone, Tone::Healthy);
        let (text, tone) = message(
            "name",
            &outcome(Some(TmuxClipboard::External), Some(Err("no server".into()))),
        );
        assert!(
            text.contains("sent the name via OSC 52, but tmux set-clipboard is external: it may not reach your clipboard"),
            "{text}"
        );
        assert_eq!(tone, Tone::Warning);
        let mut too_big = outcome(None, None);
        too_big.osc52 = Err("is not possible for 80000 bytes (at most 74994)".into());
        let (text, tone) = message("name", &too_big);
        assert!(text.starts_with("could not copy the name"), "{text}");
        assert_eq!(tone, Tone::Failed);
        let mut with_tool = outcome(Some(TmuxClipboard::External), Some(Ok(())));
        with_tool.tool = Some((Tool::Xclip, Ok(())));
        assert_eq!(
            message("name", &with_tool).0,
            "copied the name to the clipboard with xclip"
        );
    }

    #[test]
    fn tools_need_their_display() {
        let dir = tempfile::tempdir().unwrap();
        for tool in ["wl-copy", "xclip", "pbcopy"] {
            std::fs::write(dir.path().join(tool), "").unwrap();
        }
        let env = Env {
            path: vec![dir.path().to_path_buf()],
            ..Env::default()
        };
        assert_eq!(local_tool(&env), None);
        assert_eq!(
            local_tool(&Env {
                x11: true,
                ..env.clone()
            }),
            Some(Tool::Xclip)
        );
        assert_eq!(
            local_tool(&Env {
                wayland: true,
                x11: true,
                ..env.clone()
            }),
            Some(Tool::WlCopy)
        );
        let mac = Env {
            macos: true,
            ..env.clone()
        };
        assert_eq!(local_tool(&mac), Some(Tool::Pbcopy));
        assert_eq!(local_tool(&Env { ssh: true, ..mac }), None);
    }

    #[test]
    fn delivering_outside_tmux_writes_osc52() {
        let mut terminal = Vec::new();
        let outcome = deliver("hi", &mut terminal, &Env::default());
        assert_eq!(terminal, b"\x1b]52;c;aGk=\x07");
        assert_eq!(outcome, outcome_plain());
        let mut terminal = Vec::new();
        let outcome = deliver(
            &"x".repeat(MAX_COPY_BYTES + 1),
            &mut terminal,
            &Env::default(),
        );
        assert!(terminal.is_empty());
        assert!(outcome.osc52.is_err());
    }

    fn outcome_plain() -> Outcome {
        outcome(None, None)
    }
}
