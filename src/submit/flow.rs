//! The submission of a command job (submit.md §1): [`plan`] reads what the job needs from disk
//! (the code snapshot, the git state of the code folder, a generated job name) and [`submit`]
//! sends it: code asset reuse by content hash, or the pending-upload SAS and the Blob uploads and
//! the code version PUT; the environment (`@latest` looked up, an inline one PUT as its anonymous
//! version); local data inputs uploaded; the job PUT. Each step is reported through a
//! [`Progress`] callback so the CLI (stderr) and the TUI (a progress line) show the same thing.
//!
//! Must not: print or touch a terminal (callers show [`Step`]s); log a SAS query or a token;
//! upload anything before the user could see the plan ([`plan`] sends nothing).
//!
//! CORE STUB written by the lead: the types and signatures are the contract between the
//! headless commands, the TUI submit form and the local target. The helper owning this file
//! fills in the bodies and may add fields/variants, but keeps these names and shapes.

use crate::azure::AmlClient;
use crate::azure::error::AzureError;
use crate::submit::job_yaml::JobSpec;
use crate::submit::snapshot::{Snapshot, SnapshotError};
use std::path::Path;

/// Everything a submission needs, read from disk, before anything is sent.
#[derive(Debug, Clone)]
pub struct Plan {
    pub spec: JobSpec,
    /// The job's name: `spec.name`, else generated as the SDK does (`{adjective}_{noun}_{10}`).
    pub job_name: String,
    /// The experiment: `spec.experiment_name`, else the current directory's name (§8).
    pub experiment_name: String,
    /// The snapshot of a local `code:` folder or file (`None` for remote or no code).
    pub snapshot: Option<Snapshot>,
    /// The git properties of §8.1 to add to the job's properties (empty outside a repository,
    /// or when the job's own properties already hold one of them).
    pub git: Vec<(String, String)>,
    /// What the user should know before sending (a repository URL with a credential dropped,
    /// a conda file not applied on the local target, snapshot warnings …), one line each.
    pub notes: Vec<String>,
}

/// One step of a submission, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Looking the code asset up by its content hash.
    LookingUpCode { hash: String },
    /// An existing code asset has the same content: nothing is uploaded.
    CodeReused { code_id: String },
    /// Upload progress (sent often; callers throttle what they show).
    Uploading {
        files_done: usize,
        files_total: usize,
        bytes_done: u64,
        bytes_total: u64,
    },
    /// The code version was created after its upload.
    CodeCreated { code_id: String },
    /// The environment the job uses (resolved `@latest`, an anonymous version PUT …).
    Environment { id: String },
    /// A local data input was uploaded to the default datastore.
    InputUploaded { name: String, uri: String },
    /// The job PUT was accepted.
    JobCreated { name: String },
}

/// Receives the steps of a submission.
pub type Progress<'a> = &'a (dyn Fn(Step) + Send + Sync);

/// What a code upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    /// No local code.
    None,
    /// An existing code asset with the same content hash was reused.
    Reused { code_id: String },
    /// The snapshot was uploaded and a code version created.
    Uploaded {
        code_id: String,
        files: usize,
        bytes: u64,
    },
}

/// The end of a submission.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub job_name: String,
    /// The job as the service answered the PUT.
    pub job: serde_json::Value,
    pub code: CodeOutcome,
    /// The `environmentId` sent.
    pub environment_id: String,
}

/// Why a submission stopped (cause first in every message).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Azure(#[from] AzureError),
    /// Anything else the plan or the flow refuses (named input missing, environment not found …).
    #[error("{0}")]
    Invalid(String),
}

/// Reads the snapshot and the git state and names the job; sends nothing. `cwd` is the
/// process's working directory (the experiment name and the git commands use it, as the SDK).
pub fn plan(spec: JobSpec, cwd: &Path) -> Result<Plan, SubmitError> {
    let _ = (spec, cwd);
    Err(SubmitError::Invalid("submitting is not built yet".into()))
}

/// The job body as it would be sent, for `--dry-run` and the review step; ids not known
/// without the network are shown as placeholders (`<code version of hash …>`).
pub fn preview_body(plan: &Plan, workspace_id: &str) -> Result<serde_json::Value, SubmitError> {
    let _ = (plan, workspace_id);
    Err(SubmitError::Invalid("submitting is not built yet".into()))
}

/// Sends the plan to the workspace (not for `compute: local`, see `submit::local`).
pub async fn submit(
    client: &AmlClient,
    plan: &Plan,
    progress: Progress<'_>,
) -> Result<Outcome, SubmitError> {
    let _ = (client, plan, progress);
    Err(SubmitError::Invalid("submitting is not built yet".into()))
}
