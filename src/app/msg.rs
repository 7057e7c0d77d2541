//! The messages `App::update` consumes and the effects it asks the runtime to carry out. Results
//! of I/O come back as messages tagged with the [`RequestId`] of the effect that asked for them,
//! so `update` can drop a stale answer (an older request, another workspace). Data only.

use super::command::ContextChange;
use crate::azure::models::{AmlComputeNodeInformation, ComputeResource, Job};
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
    /// Connecting failed.
    ConnectFailed(String),
    ComputesLoaded {
        id: RequestId,
        result: Result<Vec<ComputeResource>, String>,
    },
    JobsLoaded {
        id: RequestId,
        result: Result<Vec<Job>, String>,
    },
    NodesLoaded {
        id: RequestId,
        compute: String,
        result: Result<Vec<AmlComputeNodeInformation>, String>,
    },
    /// HTTP requests currently on the wire (from the pipeline).
    HttpInFlight(usize),
}

/// Something `update` wants done; executed by the runtime (fetches) or the terminal loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    FetchComputes(RequestId),
    FetchJobs(RequestId),
    FetchNodes(RequestId, String),
    /// Put `text` on the clipboard (OSC 52).
    Copy {
        label: String,
        text: String,
    },
    /// Connect again with a changed context; answered by `Connected` or `ConnectFailed`.
    Reconnect(ContextChange),
    Quit,
}
