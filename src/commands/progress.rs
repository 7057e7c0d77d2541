//! The progress line of a headless action's wait, on stderr: on a terminal one line rewritten
//! in place (status, the resource's own state, elapsed, cut to the terminal's width) and cleared
//! at the end; otherwise one line per change of the operation's status or of the resource's
//! state (`ci-dev is Stopping`). It writes to stderr only, never to the data on stdout.

use super::terminal_safe;
use crate::azure::lro::LroProgress;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The progress of an operation on stderr: on a terminal one line rewritten in place (and
/// cleared at the end), otherwise one line per state change.
pub(crate) struct ProgressLine {
    describe: String,
    transitional: Option<&'static str>,
    live: bool,
    started: Instant,
    state: Mutex<ProgressState>,
}

#[derive(Default)]
struct ProgressState {
    status: String,
    printed: Option<String>,
    /// The resource's own state as last read (`Stopping`), and its name.
    resource: Option<(String, String)>,
    drawn: bool,
}

impl ProgressLine {
    pub(crate) fn new(describe: String, transitional: Option<&'static str>, live: bool) -> Self {
        ProgressLine {
            describe,
            transitional,
            live,
            started: Instant::now(),
            state: Mutex::new(ProgressState::default()),
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ProgressState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn report(&self, p: &LroProgress) {
        let mut state = self.lock();
        state.status = p.status.clone();
        if self.live {
            drop(state);
            self.draw();
        } else if state.printed.as_deref() != Some(p.status.as_str())
            && !p.status.eq_ignore_ascii_case("succeeded")
        {
            state.printed = Some(p.status.clone());
            let _ = writeln!(
                std::io::stderr(),
                "amlc: {}: {} ({:.1} s)",
                self.describe,
                terminal_safe(&p.status),
                self.elapsed().as_secs_f64()
            );
        }
    }

    /// The resource's state as read meanwhile (`target` is `state`): shown on the live line, or
    /// printed once per change otherwise.
    pub(crate) fn resource(&self, target: &str, state: &str) {
        let mut guard = self.lock();
        if guard
            .resource
            .as_ref()
            .is_some_and(|(_, known)| known == state)
        {
            return;
        }
        guard.resource = Some((target.to_string(), state.to_string()));
        if self.live {
            drop(guard);
            self.draw();
        } else {
            let _ = writeln!(
                std::io::stderr(),
                "amlc: {}: {} is {} ({:.1} s)",
                self.describe,
                terminal_safe(target),
                terminal_safe(state),
                self.elapsed().as_secs_f64()
            );
        }
    }

    /// Rewrites the live line: "⠋ stop ci-dev: Stopping… InProgress 12 s".
    pub(crate) fn draw(&self) {
        if !self.live {
            return;
        }
        let mut state = self.lock();
        let status = if state.status.is_empty() {
            "InProgress".to_string()
        } else {
            terminal_safe(&state.status)
        };
        let secs = self.elapsed().as_secs();
        let doing = match &state.resource {
            Some((_, now)) => format!("{} ", terminal_safe(now)),
            None => self
                .transitional
                .map(|t| format!("{t}… "))
                .unwrap_or_default(),
        };
        let frames = ['|', '/', '-', '\\'];
        let frame = frames[(self.elapsed().as_millis() / 250) as usize % frames.len()];
        let line = format!(
            "{frame} {}: {doing}{status} {secs} s (Ctrl-C stops waiting)",
            self.describe
        );
        // One terminal row, so that `\r` rewrites it rather than a wrapped tail.
        let columns = crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w.max(2)));
        let line = crate::app::text::truncate(&line, columns - 1, "…");
        let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
        let _ = std::io::stderr().flush();
        state.drawn = true;
    }

    /// Clears the live line, if one was drawn.
    pub(crate) fn clear(&self) {
        let mut state = self.lock();
        if self.live && state.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            let _ = std::io::stderr().flush();
            state.drawn = false;
        }
    }
}
