//! A tmux server of a test's own, driving the real `amlc` binary as a person would (send-keys,
//! capture-pane). Each server has its own socket, killed (and its socket file removed) when the
//! value is dropped, even on failure. tmux is required: without it a test fails with a clear
//! message saying how to install it.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(30);

pub struct Tmux {
    socket: String,
}

/// A shell command line for a pane: `sh` with a cleared environment (no AZURE_*/AMLC_*
/// variables) but for a HOME and XDG dirs under `home`, amlc's log at `home/<log>`, a UTF-8
/// locale, and `$TMUX` kept as a user's shell has it. Its prompt is `e2e$ `.
pub fn clean_shell(home: &Path, log: &str) -> String {
    format!(
        "env -i HOME='{h}' XDG_DATA_HOME='{h}/data' XDG_CONFIG_HOME='{h}/config' \
         PATH=/usr/local/bin:/usr/bin:/bin TMUX=\"$TMUX\" TERM=tmux-256color LANG=C.UTF-8 \
         LC_ALL=C.UTF-8 AMLC_LOG_FILE='{h}/{log}' PS1='e2e$ ' sh",
        h = home.display(),
    )
}

/// The amlc binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_amlc"))
}

impl Tmux {
    /// A detached session `e2e` of `width`x`height` running `command`; `name` tells the
    /// socket apart in `ps` and `/tmp`.
    pub fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            matches!(&found, Ok(o) if o.status.success()),
            "tmux is required for the TUI end-to-end tests but was not found on PATH \
             (`.ci/run` installs it; on Debian: apt-get install tmux): {found:?}"
        );
        let tmux = Tmux {
            socket: format!("amlc-{name}-{}-{}", std::process::id(), fastrand::u32(..)),
        };
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-s",
            "e2e",
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    /// A session running [`clean_shell`], once its prompt is up.
    pub fn shell(name: &str, width: u16, height: u16, home: &Path, log: &str) -> Tmux {
        let tmux = Tmux::start(name, width, height, &clean_shell(home, log));
        tmux.wait_for("the shell prompt", |s| s.contains("e2e$"));
        tmux
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Sends keys by tmux's names (`Enter`, `Escape`, `q`, …).
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "send-keys: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Types text literally.
    pub fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "e2e", "-l", text]);
        assert!(out.status.success());
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// A tmux format of the pane (`#{pane_pid}`, `#{alternate_on}`, …).
    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["display-message", "-p", "-t", "e2e", format])
                .stdout,
        )
        .trim()
        .to_owned()
    }

    /// The screen once `ok` holds for it; fails with the screen after a while.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The pid of the process the pane's shell runs (amlc).
    pub fn child_pid(&self) -> i32 {
        let shell: u32 = self.display("#{pane_pid}").parse().expect("pane pid");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
                .unwrap_or_default();
            if let Some(pid) = children
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
            {
                return pid;
            }
            assert!(Instant::now() < deadline, "no child of the pane's shell");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        // tmux may leave the socket file behind.
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata("/proc/self") {
            let dir = std::env::var_os("TMUX_TMPDIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/tmp"));
            let _ =
                std::fs::remove_file(dir.join(format!("tmux-{}", meta.uid())).join(&self.socket));
        }
    }
}

/// Whether process `pid` is still running (not gone, not a zombie).
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s.rsplit(')').next().unwrap_or("").split_whitespace().next();
            !matches!(state, Some("Z") | Some("X"))
        })
        .unwrap_or(false)
}

/// Runs `drive`; when it panics, prints amlc's log (`log`, which says what was sent and
/// answered) before the panic goes on, so a failure on a loaded machine can be read.
pub fn with_log_on_failure(log: &Path, drive: impl FnOnce()) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(drive));
    if let Err(panic) = result {
        eprintln!(
            "amlc.log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::panic::resume_unwind(panic);
    }
}
