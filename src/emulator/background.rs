//! The shared background emulator of a data directory: found when one runs (its `url` and
//! `token` files, its `flock` on `lock`, and a connection to its port), started when none does.
//!
//! Every amlc process without a workspace (a TUI, `amlc computes list`, a second TUI in another
//! pane) uses the same emulator: a detached `amlc emulator --background` (the same binary, in a
//! session of its own via `setsid`, stdio to `<data>/emulator.log`) listening on loopback. It
//! outlives the process that started it, stops cleanly by itself after an idle time without
//! requests (`--idle-timeout`, `AMLC_EMULATOR_IDLE_SECS`, 15 min by default) or as soon as its
//! data directory is removed, and a restart re-binds the previous port and keeps the token, so
//! clients keep their URL and credentials.
//!
//! This module starts processes and reads the data directory; it never logs the token.

use super::{EmulatorError, running_instance, store};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use url::Url;

/// How to find or start the background emulator of a data directory.
#[derive(Debug, Clone)]
pub struct BackgroundOptions {
    pub data_dir: PathBuf,
    /// The amlc binary to run as `amlc emulator --background`.
    pub exe: PathBuf,
    /// Seed the demo workspace.
    pub demo: bool,
    /// How long to wait for a new emulator to listen.
    pub start_timeout: Duration,
}

impl BackgroundOptions {
    pub fn new(data_dir: impl Into<PathBuf>, exe: impl Into<PathBuf>) -> BackgroundOptions {
        BackgroundOptions {
            data_dir: data_dir.into(),
            exe: exe.into(),
            demo: true,
            start_timeout: Duration::from_secs(20),
        }
    }
}

/// The log of the background emulator (its stdout and stderr).
pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("emulator.log")
}

/// The process id of the emulator serving `data_dir`, when one runs.
pub fn running_pid(data_dir: &Path) -> Option<u32> {
    running_instance(data_dir)?;
    std::fs::read_to_string(data_dir.join("pid"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether something accepts connections at `url`'s host and port (within a second).
pub async fn accepts_connections(url: &Url) -> bool {
    let Some(addrs) = url.socket_addrs(|| None).ok() else {
        return false;
    };
    for addr in addrs {
        if let Ok(Ok(_)) =
            tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(addr)).await
        {
            return true;
        }
    }
    false
}

/// The live emulator of `data_dir` (URL and token), if one runs and accepts connections.
pub async fn find(data_dir: &Path) -> Option<(Url, String)> {
    let (url, token) = running_instance(data_dir)?;
    accepts_connections(&url).await.then_some((url, token))
}

/// The URL and token of the background emulator of `opts.data_dir`, starting it when none runs.
/// Safe to call from several processes at once: one emulator wins the directory's lock, the
/// others' starts end at once and every caller finds the winner.
pub async fn ensure_running(opts: &BackgroundOptions) -> Result<(Url, String), EmulatorError> {
    let dir = &opts.data_dir;
    let dir_err = |message: String| EmulatorError::DataDir {
        path: dir.clone(),
        message,
    };
    store::ensure_dir(dir).map_err(|e| dir_err(e.to_string()))?;
    if let Some(found) = find(dir).await {
        return Ok(found);
    }
    let deadline = Instant::now() + opts.start_timeout;
    let mut started: Option<mpsc::Receiver<String>> = None;
    let mut child_ended: Option<String> = None;
    loop {
        if let Some(found) = find(dir).await {
            return Ok(found);
        }
        let locked = store::is_locked(&Path::new(dir).join("lock"));
        if !locked && started.is_none() {
            started = Some(spawn_server(opts).map_err(|e| {
                dir_err(format!(
                    "cannot start the background emulator {}: {e}",
                    opts.exe.display()
                ))
            })?);
        }
        if let Some(rx) = &started
            && let Ok(status) = rx.try_recv()
        {
            // It ended: fine if another process's emulator won the lock (keep looking for that
            // one); a failure to start (bad flag, unwritable directory) otherwise, said at once.
            child_ended = Some(status);
            if !store::is_locked(&Path::new(dir).join("lock")) && find(dir).await.is_none() {
                return Err(start_failed(opts, child_ended));
            }
        }
        if Instant::now() >= deadline {
            return Err(start_failed(opts, child_ended));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Why the background emulator is not there, with the last line of its log.
fn start_failed(opts: &BackgroundOptions, ended: Option<String>) -> EmulatorError {
    let log = log_path(&opts.data_dir);
    let tail = log_tail(&log);
    EmulatorError::DataDir {
        path: opts.data_dir.clone(),
        message: format!(
            "the background emulator did not start{}{}",
            match ended {
                Some(status) => format!(" (it ended: {status})"),
                None => format!(" within {} s", opts.start_timeout.as_secs()),
            },
            if tail.is_empty() {
                String::new()
            } else {
                format!("; {}: {tail}", log.display())
            }
        ),
    }
}

/// Starts `amlc emulator --background` detached (new session, stdio to the log) and returns a
/// channel that says how it ended; a thread reaps it so it never lingers as a zombie.
fn spawn_server(opts: &BackgroundOptions) -> std::io::Result<mpsc::Receiver<String>> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(log_path(&opts.data_dir))?;
    let mut cmd = Command::new(&opts.exe);
    cmd.arg("emulator")
        .arg("--background")
        .arg("--data-dir")
        .arg(&opts.data_dir);
    if opts.demo {
        cmd.arg("--demo");
    }
    // Its own log, next to its state, whatever the caller's AMLC_LOG_FILE.
    cmd.env("AMLC_LOG_FILE", log_path(&opts.data_dir));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .current_dir(&opts.data_dir);
    // Not in the caller's terminal session: Ctrl-C in the TUI's terminal or closing it does not
    // reach the shared emulator, and it holds none of the caller's descriptors.
    crate::detach::detached(&mut cmd);
    let mut child = cmd.spawn()?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("amlc-emulator-reaper".into())
        .spawn(move || {
            let text = match child.wait() {
                Ok(status) => status.to_string(),
                Err(e) => e.to_string(),
            };
            let _ = tx.send(text);
        })?;
    Ok(rx)
}

/// The line of the log that says why the emulator ended (its last `error`/`amlc:` line among the
/// last few), else its last line; for an error message (the log never holds the token).
fn log_tail(path: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(path) else {
        return String::new();
    };
    let recent: Vec<&str> = text
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(20)
        .collect();
    recent
        .iter()
        .find(|l| l.starts_with("amlc:") || l.to_ascii_lowercase().starts_with("error"))
        .or(recent.first())
        .map(|l| l.to_string())
        .unwrap_or_default()
}
