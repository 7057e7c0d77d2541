//! The verbs of amlc, shared by the TUI and the headless commands: every action a user can take
//! on a compute or a job, as data (its name, whether it changes or destroys something, the
//! transitional state it shows while it runs), the parameters some actions take (with their
//! pure validators), and the one function that sends an action ([`send`]). Which action a
//! resource's *state* allows is declared per kind in `app::kinds` (with [`Availability`]);
//! confirmation, progress and display are the callers' business. No terminal code here.

use crate::azure::AmlClient;
use crate::azure::computes::{PowerAction, UnderlyingResourceAction};
use crate::azure::error::{AzureError, Result};
use crate::azure::lro::Operation;
use crate::azure::models::{ComputeSecrets, ScaleSettings};
use crate::wizard::ComputeRequest;
use serde_json::Value;
use std::fmt;

/// Idle shutdown of a compute instance: at least 15 minutes, at most 3 days.
pub const IDLE_SHUTDOWN_MIN_MINUTES: u32 = 15;
pub const IDLE_SHUTDOWN_MAX_MINUTES: u32 = 3 * 24 * 60;
/// A cluster's idle time before scale-down when none is given (Azure's default).
pub const DEFAULT_SCALE_DOWN_SECS: u64 = 120;

/// Every action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionId {
    /// Compute instance: start (Stopped).
    Start,
    /// Compute instance: stop (Running, JobRunning).
    Stop,
    /// Compute instance: restart (Running).
    Restart,
    /// Compute instance: set or clear the idle shutdown.
    IdleShutdown,
    /// Compute cluster: min/max nodes and idle time before scale-down.
    Resize,
    /// Remove a compute Azure ML created, destroying the underlying resource.
    Delete,
    /// Remove an attached compute from the workspace, leaving the resource.
    Detach,
    /// Read a compute's keys (`listKeys`).
    Keys,
    /// Job: cancel (while not terminal).
    CancelJob,
    /// Job: archive (hidden from the default list).
    ArchiveJob,
    /// Job: restore an archived job.
    RestoreJob,
    /// Create a compute from a form or a file (`ActionParams::Compute`).
    Create,
    /// Attach an existing resource as a compute (`ActionParams::Compute`).
    Attach,
}

impl ActionId {
    pub const ALL: [ActionId; 13] = [
        ActionId::Start,
        ActionId::Stop,
        ActionId::Restart,
        ActionId::IdleShutdown,
        ActionId::Resize,
        ActionId::Delete,
        ActionId::Detach,
        ActionId::Keys,
        ActionId::CancelJob,
        ActionId::ArchiveJob,
        ActionId::RestoreJob,
        ActionId::Create,
        ActionId::Attach,
    ];

    /// The verb as users read it in menus and messages.
    pub fn label(self) -> &'static str {
        match self {
            ActionId::Start => "start",
            ActionId::Stop => "stop",
            ActionId::Restart => "restart",
            ActionId::IdleShutdown => "idle shutdown",
            ActionId::Resize => "resize",
            ActionId::Delete => "delete",
            ActionId::Detach => "detach",
            ActionId::Keys => "keys",
            ActionId::CancelJob => "cancel",
            ActionId::ArchiveJob => "archive",
            ActionId::RestoreJob => "restore",
            ActionId::Create => "create",
            ActionId::Attach => "attach",
        }
    }

    /// Whether it changes something in the workspace (refused under `--read-only`).
    pub fn mutating(self) -> bool {
        self != ActionId::Keys
    }

    /// Whether it goes through the confirmation (it stops work or removes something).
    pub fn destructive(self) -> bool {
        matches!(
            self,
            ActionId::Stop
                | ActionId::Restart
                | ActionId::Delete
                | ActionId::Detach
                | ActionId::CancelJob
        )
    }

    /// Whether it applies to a job (else to a compute).
    pub fn on_job(self) -> bool {
        matches!(
            self,
            ActionId::CancelJob | ActionId::ArchiveJob | ActionId::RestoreJob
        )
    }

    /// The state a row shows from the keypress until the service says otherwise.
    pub fn transitional(self) -> Option<&'static str> {
        match self {
            ActionId::Start => Some("Starting"),
            ActionId::Stop => Some("Stopping"),
            ActionId::Restart => Some("Restarting"),
            ActionId::Resize => Some("Resizing"),
            ActionId::Delete => Some("Deleting"),
            ActionId::Detach => Some("Detaching"),
            ActionId::CancelJob => Some("CancelRequested"),
            ActionId::Create | ActionId::Attach => Some("Creating"),
            // Answered at once (no operation to follow), and "Updating" is no instance state.
            ActionId::IdleShutdown
            | ActionId::Keys
            | ActionId::ArchiveJob
            | ActionId::RestoreJob => None,
        }
    }
}

impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Whether a resource's current state allows an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Enabled,
    /// Not now, and why ("instance is Stopping").
    Disabled(String),
}

impl Availability {
    pub fn is_enabled(&self) -> bool {
        matches!(self, Availability::Enabled)
    }

    /// Enabled when `ok`, else disabled with `reason()`.
    pub fn when(ok: bool, reason: impl FnOnce() -> String) -> Availability {
        if ok {
            Availability::Enabled
        } else {
            Availability::Disabled(reason())
        }
    }
}

/// A cluster's new scale settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleRequest {
    pub min_nodes: i64,
    pub max_nodes: i64,
    /// Idle time before a node is released.
    pub idle_secs: u64,
}

impl ScaleRequest {
    /// Min nodes ≥ 0, max nodes ≥ max(min, 1); the idle time is any whole number of seconds.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.min_nodes < 0 {
            return Err(format!(
                "min nodes must be 0 or more (got {})",
                self.min_nodes
            ));
        }
        let floor = self.min_nodes.max(1);
        if self.max_nodes < floor {
            return Err(if self.min_nodes > 1 {
                format!(
                    "max nodes must be at least min nodes ({}), got {}",
                    self.min_nodes, self.max_nodes
                )
            } else {
                format!("max nodes must be at least 1 (got {})", self.max_nodes)
            });
        }
        Ok(())
    }

    /// The PATCH body's scale settings.
    pub fn settings(&self) -> ScaleSettings {
        ScaleSettings::new(
            self.min_nodes,
            self.max_nodes,
            Some(iso_duration(self.idle_secs)),
        )
    }
}

/// Checks an idle shutdown in minutes (15 minutes to 3 days).
pub fn validate_idle_minutes(minutes: u32) -> std::result::Result<(), String> {
    if (IDLE_SHUTDOWN_MIN_MINUTES..=IDLE_SHUTDOWN_MAX_MINUTES).contains(&minutes) {
        Ok(())
    } else {
        Err(format!(
            "idle shutdown must be between 15 minutes and 3 days (4320 minutes), got {minutes}"
        ))
    }
}

/// Seconds as an ISO-8601 duration, in the largest exact units: 120 → `PT2M`, 90 → `PT1M30S`,
/// 0 → `PT0S`.
pub fn iso_duration(secs: u64) -> String {
    if secs == 0 {
        return "PT0S".into();
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// What the confirmation of a destructive action says: one text for the TUI's dialog and the
/// headless commands' question, so both promise the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// "Stop compute instance ci-dev?"
    pub question: String,
    /// What will happen, in one or two sentences.
    pub consequence: String,
    /// The user must type the resource's name (every delete: it destroys the resource).
    pub type_name: bool,
}

/// The confirmation of `action` on the resource `name` of `compute_type` (`ComputeInstance`,
/// `AmlCompute`, `AKS`, ...; ignored for jobs); `attached` when the compute was attached rather
/// than created by Azure ML. `name` should already be terminal-safe.
pub fn confirmation(
    action: ActionId,
    compute_type: &str,
    name: &str,
    attached: bool,
) -> Confirmation {
    let noun = match compute_type {
        "ComputeInstance" => "compute instance".to_string(),
        "AmlCompute" => "cluster".to_string(),
        "" => "compute".to_string(),
        other => other.to_string(),
    };
    let (question, consequence) = match action {
        ActionId::Stop => (
            format!("Stop compute instance {name}?"),
            "Running work on it stops; its disk is kept and still billed.".to_string(),
        ),
        ActionId::Restart => (
            format!("Restart compute instance {name}?"),
            "Running work on it stops; it is stopped and started again.".to_string(),
        ),
        ActionId::Delete if attached => (
            format!("Delete attached {noun} {name}?"),
            "This removes it from the workspace AND destroys the underlying resource; to keep the resource, detach it instead.".to_string(),
        ),
        ActionId::Delete => (
            format!("Delete {noun} {name}?"),
            match compute_type {
                "ComputeInstance" => {
                    "The instance and its disk are destroyed; this cannot be undone.".to_string()
                }
                "AmlCompute" => {
                    "The cluster and its nodes are destroyed; jobs on it fail; this cannot be undone.".to_string()
                }
                _ => "Azure ML created it: the resource itself is destroyed, not only removed from the workspace.".to_string(),
            },
        ),
        ActionId::Detach => (
            format!("Detach {noun} {name}?"),
            "It is removed from the workspace; the resource itself is left as is and can be attached again.".to_string(),
        ),
        ActionId::CancelJob => (
            format!("Cancel job {name}?"),
            "Its run stops; what it wrote so far is kept.".to_string(),
        ),
        other => (format!("{} {name}?", other.label()), String::new()),
    };
    Confirmation {
        question,
        consequence,
        type_name: action == ActionId::Delete,
    }
}

/// What an action needs besides its target.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ActionParams {
    #[default]
    None,
    Resize(ScaleRequest),
    /// Minutes of idleness before an instance stops; `None` clears the setting.
    IdleShutdown(Option<u32>),
    /// The compute a create or an attach PUTs (made by a form's `to_request`).
    Compute(Box<ComputeRequest>),
}

/// One action on one resource, ready to send (after confirmation, when it needs one).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRequest {
    pub action: ActionId,
    /// The compute's or the job's name.
    pub target: String,
    pub params: ActionParams,
}

impl ActionRequest {
    pub fn new(action: ActionId, target: impl Into<String>) -> Self {
        ActionRequest {
            action,
            target: target.into(),
            params: ActionParams::None,
        }
    }

    pub fn with(mut self, params: ActionParams) -> Self {
        self.params = params;
        self
    }

    /// "stop ci-dev", "resize cpu-cluster to 0-4 nodes", for messages and the operations view.
    pub fn describe(&self) -> String {
        match self.action {
            ActionId::CancelJob | ActionId::ArchiveJob | ActionId::RestoreJob => {
                format!("{} job {}", self.action.label(), self.target)
            }
            ActionId::IdleShutdown => match &self.params {
                ActionParams::IdleShutdown(None) => {
                    format!("clear idle shutdown of {}", self.target)
                }
                ActionParams::IdleShutdown(Some(m)) => {
                    format!(
                        "set idle shutdown of {} to {}",
                        self.target,
                        minutes_text(*m)
                    )
                }
                _ => format!("idle shutdown of {}", self.target),
            },
            ActionId::Resize => match &self.params {
                ActionParams::Resize(s) => format!(
                    "resize {} to {}-{} nodes",
                    self.target, s.min_nodes, s.max_nodes
                ),
                _ => format!("resize {}", self.target),
            },
            other => format!("{} {}", other.label(), self.target),
        }
    }

    /// Checks the parameters the action needs (resize, idle shutdown) before anything is sent.
    pub fn validate(&self) -> std::result::Result<(), String> {
        match (&self.action, &self.params) {
            (ActionId::Resize, ActionParams::Resize(s)) => s.validate(),
            (ActionId::Resize, _) => Err("resize needs min and max nodes".into()),
            (ActionId::IdleShutdown, ActionParams::IdleShutdown(Some(m))) => {
                validate_idle_minutes(*m)
            }
            (ActionId::IdleShutdown, ActionParams::IdleShutdown(None)) => Ok(()),
            (ActionId::IdleShutdown, _) => Err("idle shutdown needs a time or none".into()),
            (ActionId::Create | ActionId::Attach, ActionParams::Compute(c))
                if c.name != self.target =>
            {
                Err(format!(
                    "the request names {} but targets {}",
                    c.name, self.target
                ))
            }
            (ActionId::Create | ActionId::Attach, ActionParams::Compute(_)) => Ok(()),
            (ActionId::Create | ActionId::Attach, _) => {
                Err(format!("{} needs the compute to send", self.action.label()))
            }
            _ => Ok(()),
        }
    }
}

/// "45 min", "2 h", "1 d 2 h 5 min".
pub fn minutes_text(minutes: u32) -> String {
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} d"));
    }
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 || parts.is_empty() {
        parts.push(format!("{m} min"));
    }
    parts.join(" ")
}

/// What the service answered to an action.
#[derive(Debug)]
pub enum Sent {
    /// A long-running operation to follow to its end.
    Operation(Box<Operation>),
    /// Done at once, with the resource when the answer carried one.
    Done(Option<Value>),
    /// The compute's keys (`Keys`).
    Keys(ComputeSecrets),
}

/// Sends an action: the one place each action becomes its request. Parameters are validated
/// first; nothing is sent when they are wrong.
pub async fn send(client: &AmlClient, request: &ActionRequest) -> Result<Sent> {
    request.validate().map_err(AzureError::Invalid)?;
    let name = request.target.as_str();
    let sent = match request.action {
        ActionId::Start => Sent::Operation(Box::new(client.power(name, PowerAction::Start).await?)),
        ActionId::Stop => Sent::Operation(Box::new(client.power(name, PowerAction::Stop).await?)),
        ActionId::Restart => {
            Sent::Operation(Box::new(client.power(name, PowerAction::Restart).await?))
        }
        ActionId::IdleShutdown => {
            let minutes = match &request.params {
                ActionParams::IdleShutdown(m) => *m,
                _ => None,
            };
            let iso = minutes.map(|m| iso_duration(u64::from(m) * 60));
            client.set_idle_shutdown(name, iso.as_deref()).await?;
            Sent::Done(None)
        }
        ActionId::Resize => {
            let ActionParams::Resize(scale) = &request.params else {
                return Err(AzureError::Invalid("resize needs min and max nodes".into()));
            };
            Sent::Operation(Box::new(
                client.update_scale_settings(name, scale.settings()).await?,
            ))
        }
        ActionId::Delete => Sent::Operation(Box::new(
            client
                .delete_compute(name, UnderlyingResourceAction::Delete)
                .await?,
        )),
        ActionId::Detach => Sent::Operation(Box::new(
            client
                .delete_compute(name, UnderlyingResourceAction::Detach)
                .await?,
        )),
        ActionId::Keys => Sent::Keys(client.list_keys(name).await?),
        ActionId::CancelJob => Sent::Operation(Box::new(client.cancel_job(name).await?)),
        ActionId::ArchiveJob => Sent::Done(Some(client.set_job_archived(name, true).await?)),
        ActionId::RestoreJob => Sent::Done(Some(client.set_job_archived(name, false).await?)),
        ActionId::Create | ActionId::Attach => {
            let ActionParams::Compute(c) = &request.params else {
                return Err(AzureError::Invalid(
                    "create needs the compute to send".into(),
                ));
            };
            Sent::Operation(Box::new(
                client.create_or_update_compute(name, &c.resource).await?,
            ))
        }
    };
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_rules() {
        let s = |min, max| ScaleRequest {
            min_nodes: min,
            max_nodes: max,
            idle_secs: 120,
        };
        assert!(s(0, 1).validate().is_ok());
        assert!(s(2, 2).validate().is_ok());
        assert!(s(0, 0).validate().unwrap_err().contains("at least 1"));
        assert!(s(3, 2).validate().unwrap_err().contains("min nodes (3)"));
        assert!(s(-1, 4).validate().unwrap_err().contains("0 or more"));
    }

    #[test]
    fn every_delete_wants_the_name_typed_and_says_what_is_destroyed() {
        for (ty, attached) in [
            ("ComputeInstance", false),
            ("AmlCompute", false),
            ("AKS", false),
            ("SynapseSpark", true),
        ] {
            let c = confirmation(ActionId::Delete, ty, "x", attached);
            assert!(c.type_name, "{ty}");
            assert!(c.consequence.contains("destroy"), "{ty}: {}", c.consequence);
        }
        let attached = confirmation(ActionId::Delete, "VirtualMachine", "vm", true);
        assert!(attached.consequence.contains("detach it instead"));
        let detach = confirmation(ActionId::Detach, "VirtualMachine", "vm", true);
        assert!(!detach.type_name);
        assert!(detach.consequence.contains("left as is"));
        assert_eq!(
            confirmation(ActionId::Stop, "ComputeInstance", "ci", false).question,
            "Stop compute instance ci?"
        );
    }

    #[test]
    fn idle_bounds() {
        assert!(validate_idle_minutes(14).is_err());
        assert!(validate_idle_minutes(15).is_ok());
        assert!(validate_idle_minutes(4320).is_ok());
        assert!(validate_idle_minutes(4321).is_err());
    }

    #[test]
    fn iso_durations_round_trip() {
        for (secs, text) in [(0, "PT0S"), (120, "PT2M"), (90, "PT1M30S"), (3600, "PT1H")] {
            assert_eq!(iso_duration(secs), text);
            assert_eq!(crate::azure::computes::iso_duration_secs(text), Some(secs));
        }
        assert_eq!(iso_duration(4320 * 60), "PT72H");
    }

    #[test]
    fn names_and_kinds() {
        assert!(ActionId::Delete.destructive());
        assert!(!ActionId::Start.destructive());
        assert!(!ActionId::Keys.mutating());
        assert!(ActionId::ArchiveJob.on_job());
        assert_eq!(minutes_text(1505), "1 d 1 h 5 min");
        assert_eq!(minutes_text(60), "1 h");
        let r =
            ActionRequest::new(ActionId::Resize, "c").with(ActionParams::Resize(ScaleRequest {
                min_nodes: 0,
                max_nodes: 4,
                idle_secs: 120,
            }));
        assert_eq!(r.describe(), "resize c to 0-4 nodes");
        assert!(
            ActionRequest::new(ActionId::Resize, "c")
                .validate()
                .is_err()
        );
    }
}
