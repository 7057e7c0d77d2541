//! Copying to the user's clipboard, and saying truthfully where the text went.
//!
//! OSC 52 asks the terminal to set the clipboard (also over SSH); nothing tells whether the
//! terminal did. Inside tmux, an application's OSC 52 reaches the terminal only with
//! `set-clipboard on`; with the default `external` (or `off`) tmux drops it. So [`deliver`]
//! sends OSC 52, asks tmux for its setting (`tmux show -gv set-clipboard`), and when tmux will
//! not pass it on puts the text in tmux's paste buffer (`load-buffer -w -`, which also asks tmux
//! to set the terminal's clipboard); a local clipboard tool (wl-copy, xclip, xsel, pbcopy) is
//! used as well when its display is there. [`message`] turns what happened into the toast.
//! The plan and the message are pure. The terminal loop writes OSC 52 at once
//! ([`write_osc52`]) and runs the helper processes ([`finish`], blocking, all of it within
//! [`DEADLINE`]) off the loop; the outcome comes back as `Msg::Copied`. `App::update` never does
//! this I/O, and nothing here may block the loop. Texts are capped so a huge value cannot flood
//! the terminal.

use super::App;
use super::text::{Tone, one_line, truncate};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long copying may take in all, after the OSC 52 is written (tmux and a clipboard tool
/// together).
pub const DEADLINE: Duration = Duration::from_secs(3);

/// How long one helper process (tmux, a clipboard tool) may take, so that a hung tmux leaves
/// time for the clipboard tool.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(2);

/// The most of a helper's output kept (tmux prints one word; stderr is cut to a line anyway).
const MAX_OUTPUT_BYTES: usize = 16 * 1024;

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
        self.find(program).is_some()
    }

    /// Where `program` is on [`Env::path`] (helpers are run from there, not looked up again).
    fn find(&self, program: &str) -> Option<PathBuf> {
        self.path
            .iter()
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
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

/// Writes the OSC 52 sequence for `text` to `terminal` (a terminal write: the loop does it at
/// once); `Err` says why not (too large, the write failed).
pub fn write_osc52(text: &str, terminal: &mut dyn Write) -> Result<(), String> {
    match osc52(text) {
        Some(sequence) => terminal
            .write_all(sequence.as_bytes())
            .and_then(|()| terminal.flush())
            .map_err(|e| format!("could not be written to the terminal: {e}")),
        None => Err(format!(
            "is not possible for {} bytes (at most {MAX_COPY_BYTES})",
            text.len()
        )),
    }
}

/// Copies `text`: OSC 52 to `terminal`, then [`finish`] within [`DEADLINE`]. Blocking; the
/// terminal loop calls [`write_osc52`] and runs [`finish`] off the loop instead.
pub fn deliver(text: &str, terminal: &mut dyn Write, env: &Env) -> Outcome {
    let osc52 = write_osc52(text, terminal);
    finish(text, osc52, env, Instant::now() + DEADLINE)
}

/// The rest of a copy once OSC 52 was written (`osc52` says how that went): inside tmux (when
/// it will not pass OSC 52 on) its paste buffer, and a local clipboard tool when there is one.
/// Blocking, and over by `deadline` (plus the moment it takes to kill a helper): each helper
/// gets at most [`PROCESS_TIMEOUT`] of what is left, a tmux that does not answer is not asked
/// again, and a helper that was not run says so. Returns what happened.
pub fn finish(text: &str, osc52: Result<(), String>, env: &Env, deadline: Instant) -> Outcome {
    let (tmux, tmux_buffer) = if env.tmux {
        let (setting, answered) = tmux_setting(env, deadline);
        let buffer = if setting.passes() {
            None
        } else if answered {
            Some(tmux_load_buffer(text, env, deadline))
        } else {
            Some(Err("not tried, tmux did not answer".to_string()))
        };
        (Some(setting), buffer)
    } else {
        (None, None)
    };
    let tool = local_tool(env).map(|tool| {
        let result = run(
            env,
            tool.program(),
            tool.args(),
            Some(text),
            Capture::Nothing,
            deadline,
        )
        .map(|_| ())
        .map_err(|failure| failure.text);
        (tool, result)
    });
    Outcome {
        osc52,
        tmux,
        tmux_buffer,
        tool,
    }
}

/// tmux's `set-clipboard` (a server option in tmux 3; `-g` finds it on older ones too), and
/// whether tmux answered at all (one that ran out of time is not asked anything else).
fn tmux_setting(env: &Env, deadline: Instant) -> (TmuxClipboard, bool) {
    let mut last_error = String::new();
    for scope in ["-gv", "-sv"] {
        match run(
            env,
            "tmux",
            &["show", scope, "set-clipboard"],
            None,
            Capture::Output,
            deadline,
        ) {
            Ok(out) if !out.trim().is_empty() => return (TmuxClipboard::parse(&out), true),
            Ok(_) => last_error = "set-clipboard not shown".into(),
            Err(failure) if failure.late => {
                let why = format!("could not read set-clipboard ({})", failure.text);
                return (TmuxClipboard::Unknown(why), false);
            }
            Err(failure) => last_error = failure.text,
        }
    }
    let why = format!("could not read set-clipboard ({last_error})");
    (TmuxClipboard::Unknown(why), true)
}

/// Puts `text` in tmux's paste buffer (with `-w`, tmux ≥ 3.2 also sets the terminal's
/// clipboard itself; older tmux refuses `-w`, so it is tried without, unless it ran out of
/// time).
fn tmux_load_buffer(text: &str, env: &Env, deadline: Instant) -> Result<(), String> {
    let load = |args: &[&str]| run(env, "tmux", args, Some(text), Capture::Errors, deadline);
    match load(&["load-buffer", "-w", "-"]) {
        Ok(_) => Ok(()),
        Err(failure) if failure.late => Err(failure.text),
        Err(_) => load(&["load-buffer", "-"])
            .map(|_| ())
            .map_err(|failure| failure.text),
    }
}

/// Which of a helper's outputs are read (the rest go to /dev/null).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    /// stdout (returned) and stderr (for the error).
    Output,
    /// stderr only (for the error).
    Errors,
    /// Neither: tools that stay in the background to serve the selection must not hold our
    /// pipes.
    Nothing,
}

/// Why a helper failed; `late` when it ran out of time (killed, or its output never closed).
#[derive(Debug)]
struct Failure {
    text: String,
    late: bool,
}

impl Failure {
    fn failed(text: String) -> Failure {
        Failure { text, late: false }
    }
}

/// Runs `program` (found on `env.path`) with `input` on its stdin and returns its stdout (when
/// captured). It may take [`PROCESS_TIMEOUT`] but never past `deadline`, then it is killed; its
/// pipes are read while it runs, by threads that are waited for only until then (a grandchild
/// that keeps a pipe open cannot hold us).
fn run(
    env: &Env,
    program: &str,
    args: &[&str],
    input: Option<&str>,
    capture: Capture,
    deadline: Instant,
) -> Result<String, Failure> {
    let now = Instant::now();
    let until = deadline.min(now + PROCESS_TIMEOUT);
    if until <= now {
        return Err(Failure {
            text: format!("{program} not run: out of time"),
            late: true,
        });
    }
    let allowed = until - now;
    let path = env
        .find(program)
        .ok_or_else(|| Failure::failed(format!("cannot run {program}: not found on PATH")))?;
    let pipe = |on: bool| if on { Stdio::piped() } else { Stdio::null() };
    let mut child = Command::new(path)
        .args(args)
        .stdin(pipe(input.is_some()))
        .stdout(pipe(capture == Capture::Output))
        .stderr(pipe(capture != Capture::Nothing))
        .spawn()
        .map_err(|e| Failure::failed(format!("cannot run {program}: {e}")))?;
    // A thread writes the input, so a child that does not read cannot block us; it ends when
    // the pipe closes (the child exits or is killed) and is never waited for.
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        let bytes = text.as_bytes().to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }
    let stdout = child.stdout.take().map(read_in_background);
    let stderr = child.stderr.take().map(read_in_background);
    let late = || Failure {
        text: format!(
            "{program} did not answer within {:.1}s",
            allowed.as_secs_f64()
        ),
        late: true,
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(late());
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::failed(format!("{program}: {e}")));
            }
        }
    };
    // The output is complete when the pipe closes; a grandchild may hold it open, so wait only
    // until the deadline (with a moment's grace for a child that exited just before it).
    let collect = |pipe: Option<mpsc::Receiver<String>>| match pipe {
        None => Some(String::new()),
        Some(rx) => {
            let wait = until
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(50));
            rx.recv_timeout(wait).ok()
        }
    };
    let stdout = collect(stdout);
    let stderr = collect(stderr).unwrap_or_default();
    if status.success() {
        stdout.ok_or_else(late)
    } else {
        let detail = truncate(&one_line(stderr.trim()), 80, "…");
        Err(Failure::failed(if detail.is_empty() {
            format!("{program} exited with {status}")
        } else {
            format!("{program}: {detail}")
        }))
    }
}

/// Reads `pipe` to its end on a thread of its own (at most [`MAX_OUTPUT_BYTES`] kept); the text
/// arrives on the channel when the pipe closes.
fn read_in_background(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut pipe = pipe;
        let mut chunk = [0u8; 4096];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    let room = MAX_OUTPUT_BYTES.saturating_sub(bytes.len());
                    bytes.extend_from_slice(&chunk[..n.min(room)]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

impl App {
    /// Where copied text went ([`finish`], run off the terminal loop, answers with
    /// `Msg::Copied`); the toast says it.
    pub(super) fn copied(&mut self, label: &str, outcome: &Outcome) {
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

    /// Writes an executable shell script `name` into `dir`.
    fn script(dir: &std::path::Path, name: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn in_tmux(dir: &std::path::Path) -> Env {
        Env {
            tmux: true,
            path: vec![dir.to_path_buf()],
            ..Env::default()
        }
    }

    /// A tmux that answers `external` and fills its buffer: the text goes to the buffer.
    #[test]
    fn tmux_external_puts_the_text_in_its_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        script(
            dir.path(),
            "tmux",
            &format!(
                "echo \"$*\" >> '{d}/calls'\ncase \"$1\" in show) echo external ;; load-buffer) cat > '{d}/buffer' ;; esac"
            ),
        );
        let mut terminal = Vec::new();
        let outcome = deliver("ci-a", &mut terminal, &in_tmux(dir.path()));
        assert_eq!(outcome.tmux, Some(TmuxClipboard::External));
        assert_eq!(outcome.tmux_buffer, Some(Ok(())));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("buffer")).unwrap(),
            "ci-a"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("calls")).unwrap(),
            "show -gv set-clipboard\nload-buffer -w -\n"
        );
        assert_eq!(terminal, b"\x1b]52;c;Y2ktYQ==\x07");
    }

    /// A tmux that never answers cannot stall a copy: it is killed within the deadline, asked
    /// nothing else, and the message says so.
    #[test]
    fn a_hung_tmux_cannot_stall_a_copy() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        script(
            dir.path(),
            "tmux",
            &format!("echo \"$*\" >> '{d}/calls'\nexec sleep 10"),
        );
        let started = Instant::now();
        let outcome = deliver("ci-a", &mut Vec::new(), &in_tmux(dir.path()));
        let took = started.elapsed();
        assert!(took < DEADLINE + Duration::from_millis(500), "{took:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("calls")).unwrap(),
            "show -gv set-clipboard\n",
            "a tmux that did not answer is not asked again"
        );
        assert!(outcome.osc52.is_ok());
        let (text, tone) = message("name", &outcome);
        assert_eq!(
            text,
            "sent the name via OSC 52, but tmux: could not read set-clipboard (tmux did not answer within 2.0s): it may not reach your clipboard (tmux buffer failed: not tried, tmux did not answer)"
        );
        assert_eq!(tone, Tone::Warning);
    }

    /// The deadline is shared: a hung tmux leaves time for the clipboard tool, which is used.
    #[test]
    fn a_hung_tmux_leaves_time_for_the_clipboard_tool() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        script(dir.path(), "tmux", "exec sleep 10");
        script(dir.path(), "xclip", &format!("cat > '{d}/clipboard'"));
        let env = Env {
            x11: true,
            ..in_tmux(dir.path())
        };
        let started = Instant::now();
        let outcome = deliver("ci-a", &mut Vec::new(), &env);
        let took = started.elapsed();
        assert!(took < DEADLINE + Duration::from_millis(500), "{took:?}");
        assert_eq!(outcome.tool, Some((Tool::Xclip, Ok(()))));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("clipboard")).unwrap(),
            "ci-a"
        );
        assert_eq!(
            message("name", &outcome).0,
            "copied the name to the clipboard with xclip"
        );
    }

    /// A tmux that exits but leaves a grandchild holding its stdout: the output is waited for
    /// only until the deadline, and the setting counts as unknown (it may be incomplete).
    #[test]
    fn a_grandchild_holding_the_pipe_cannot_stall_a_copy() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        script(
            dir.path(),
            "tmux",
            &format!("echo on\nsleep 10 &\necho $! > '{d}/pid'"),
        );
        let started = Instant::now();
        let outcome = deliver("ci-a", &mut Vec::new(), &in_tmux(dir.path()));
        let took = started.elapsed();
        if let Ok(pid) = std::fs::read_to_string(dir.path().join("pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        assert!(took < DEADLINE + Duration::from_millis(500), "{took:?}");
        assert!(
            matches!(&outcome.tmux, Some(TmuxClipboard::Unknown(why)) if why.contains("did not answer")),
            "{outcome:?}"
        );
    }

    /// Helpers run from the directories of the environment given, and a missing one says so.
    #[test]
    fn a_missing_tmux_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let outcome = deliver("ci-a", &mut Vec::new(), &in_tmux(dir.path()));
        assert!(
            matches!(&outcome.tmux, Some(TmuxClipboard::Unknown(why)) if why.contains("cannot run tmux: not found on PATH")),
            "{outcome:?}"
        );
        assert!(matches!(&outcome.tmux_buffer, Some(Err(e)) if e.contains("not found")));
    }
}
