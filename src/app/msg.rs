//! The messages `App::update` consumes and the effects it asks the runtime to carry out. Results
//! of I/O come back as messages tagged with the [`RequestId`] of the effect that asked for them,
//! so `update` can drop a stale answer (an older request, another workspace). Data only.

use super::clipboard::Outcome;
use super::command::ContextChange;
use super::logview::{FollowId, LogEvent};
use super::notify::Notification;
use super::operations::{OpEvent, OpId};
use super::sources::{AppError, SourceData, SourceKey};
use crate::actions::ActionRequest;
use crate::azure::http::RetryEvent;
use crossterm::event::{KeyEvent, MouseEvent};

/// Identifies one request; unique for the life of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// What the status bar says about the workspace in use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextInfo {
    pub cloud: String,
    pub subscription: String,
    pub resource_group: String,
    pub workspace: String,
    /// How amlc authenticates (`Azure CLI`, `static token`, …).
    pub auth: String,
    /// Running against the embedded emulator.
    pub emulator: bool,
    /// A one-line banner (e.g. "no workspace configured: embedded emulator, demo workspace").
    pub banner: Option<String>,
}

/// An input to `App::update`.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// A timer fired (refresh due, spinner frame, toast expiry, clock); the clock was set first.
    Tick,
    /// Connected (or reconnected) to a workspace.
    Connected(ContextInfo),
    /// Connecting (or checking the workspace of a switch) failed.
    ConnectFailed(AppError),
    /// A source's fetch ended.
    Loaded {
        id: RequestId,
        key: SourceKey,
        result: Result<SourceData, AppError>,
    },
    /// What the HTTP pipeline is doing (after each batch of messages).
    Http(HttpActivity),
    /// A copy (`Effect::Copy`) ended: where the text of `label` went.
    Copied {
        label: String,
        outcome: Outcome,
    },
    /// News of an operation started by `Effect::Act` (accepted, progress, end).
    Op {
        op: OpId,
        event: OpEvent,
    },
    /// News of a log follow or save (`Effect::LogsFollow`, `Effect::LogsSave`).
    Logs {
        id: FollowId,
        event: LogEvent,
    },
    /// An answer for the submit form (`Effect::Submit`).
    Submit(super::submit::SubmitEvent),
}

/// The HTTP pipeline's counters and its retries since the last report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpActivity {
    /// Logical requests not finished (one waiting to retry included).
    pub in_flight: usize,
    /// Retries since the connection was made.
    pub retries: u64,
    /// 429 answers since the connection was made.
    pub throttled: u64,
    /// Retries since the last report, oldest first.
    pub events: Vec<RetryEvent>,
}

/// Something `update` wants done; executed by the runtime (fetches) or the terminal loop.
/// `Debug` never shows the text of a copy (it may be a key the user revealed).
#[derive(Clone, PartialEq)]
pub enum Effect {
    /// Fetch source `key`; answered by `Msg::Loaded` with the same id.
    Fetch(RequestId, SourceKey),
    /// Put `text` on the clipboard (OSC 52 at once, tmux and clipboard tools off the loop);
    /// answered by `Msg::Copied`.
    Copy {
        label: String,
        text: String,
    },
    /// Connect again with a changed context; answered by `Connected` or `ConnectFailed`.
    Reconnect(ContextChange),
    /// Send an action (already confirmed) and follow it to its end; answered by `Msg::Op`
    /// events carrying `op`.
    Act {
        op: OpId,
        request: ActionRequest,
    },
    /// Ring the bell and/or send a desktop notification (a terminal write).
    Notify(Notification),
    /// Follow the logs of `job` on a task; answered by `Msg::Logs` events carrying `id` until
    /// `LogsStop(id)`, the run's end, or a change of workspace.
    LogsFollow {
        id: FollowId,
        job: String,
        select: crate::logs::FileSelect,
    },
    /// Stop the follow `id` (its view closed or changed selection).
    LogsStop(FollowId),
    /// Re-read the selected log file(s) from byte 0 and write them to `path` (refused when it
    /// exists, unless `overwrite`); answered by `Msg::Logs` with `LogEvent::Saved`.
    LogsSave {
        id: FollowId,
        job: String,
        select: crate::logs::FileSelect,
        path: std::path::PathBuf,
        overwrite: bool,
    },
    /// Work of the submit form (snapshot, environments, review, submission); answered by
    /// `Msg::Submit` events carrying the same id.
    Submit(super::submit::SubmitEffect),
    Quit,
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Fetch(id, key) => f.debug_tuple("Fetch").field(id).field(key).finish(),
            Effect::Copy { label, text } => f
                .debug_struct("Copy")
                .field("label", label)
                .field("text", &format_args!("<{} bytes>", text.len()))
                .finish(),
            Effect::Reconnect(change) => f.debug_tuple("Reconnect").field(change).finish(),
            Effect::Act { op, request } => f
                .debug_struct("Act")
                .field("op", op)
                .field("request", request)
                .finish(),
            Effect::Notify(n) => f.debug_tuple("Notify").field(n).finish(),
            Effect::LogsFollow { id, job, select } => f
                .debug_struct("LogsFollow")
                .field("id", id)
                .field("job", job)
                .field("select", select)
                .finish(),
            Effect::LogsStop(id) => f.debug_tuple("LogsStop").field(id).finish(),
            Effect::LogsSave {
                id,
                job,
                select,
                path,
                overwrite,
            } => f
                .debug_struct("LogsSave")
                .field("id", id)
                .field("job", job)
                .field("select", select)
                .field("path", path)
                .field("overwrite", overwrite)
                .finish(),
            Effect::Submit(e) => {
                // The command may hold a value the user would not see in a log: kinds only.
                let (what, id) = match e {
                    super::submit::SubmitEffect::Snapshot { id, .. } => ("snapshot", id),
                    super::submit::SubmitEffect::Environments { id } => ("environments", id),
                    super::submit::SubmitEffect::Review { id, .. } => ("review", id),
                    super::submit::SubmitEffect::Send { id, .. } => ("send", id),
                };
                write!(f, "Submit({what} {id})")
            }
            Effect::Quit => f.write_str("Quit"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_never_shows_its_text_in_debug() {
        let effect = Effect::Copy {
            label: "the key".into(),
            text: "s3cr3t-value".into(),
        };
        let shown = format!("{effect:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(
            shown.contains("the key") && shown.contains("<12 bytes>"),
            "{shown}"
        );
    }
}
