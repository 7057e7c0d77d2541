//! The local computer as a target (`compute: local`, seeds 000/003, submit.md §9): a run of the
//! snapshot on this machine, in a run folder under amlc's data directory
//! (`<data>/local-runs/<job>/`), with the job's environment variables, inputs resolved, and the
//! service's log layout (`user_logs/std_log.txt`), in the user's current environment
//! (user-managed by definition: a conda file is reported as not applied). Runs keep their status
//! and logs across amlc restarts and can be cancelled.
//!
//! CORE STUB written by the lead: the names and shapes below are the contract used by the
//! headless commands and the TUI; the helper owning this file fills them in and may add more.

use crate::submit::flow::Plan;
use std::path::{Path, PathBuf};

/// The status of a local run, spelled as the service spells job statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalStatus {
    Running,
    Completed,
    Failed,
    Canceled,
}

/// One local run as recorded in its folder.
#[derive(Debug, Clone)]
pub struct LocalRun {
    pub name: String,
    pub display_name: String,
    pub experiment_name: String,
    pub status: LocalStatus,
    pub created_ms: i64,
    pub end_ms: Option<i64>,
    pub exit_code: Option<i32>,
    /// The run folder (`<root>/<name>`).
    pub dir: PathBuf,
}

/// Why a local run could not start or be changed.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// The local runs kept under one folder.
#[derive(Debug, Clone)]
pub struct LocalRuns {
    root: PathBuf,
}

impl LocalRuns {
    /// `<amlc data dir>/local-runs` (`None` when no home directory is known).
    pub fn default_root() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "amlc").map(|d| d.data_dir().join("local-runs"))
    }

    pub fn open(root: impl Into<PathBuf>) -> Self {
        LocalRuns { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Copies the snapshot into a new run folder and starts the command there.
    pub fn start(&self, plan: &Plan) -> Result<LocalRun, LocalError> {
        let _ = plan;
        Err(LocalError::Invalid("local runs are not built yet".into()))
    }

    /// Every run, newest first, with statuses brought up to date.
    pub fn list(&self) -> Vec<LocalRun> {
        Vec::new()
    }

    pub fn get(&self, name: &str) -> Option<LocalRun> {
        let _ = name;
        None
    }

    /// Ends a running run (its whole process group); a run already ended is left as it is.
    pub fn cancel(&self, name: &str) -> Result<LocalRun, LocalError> {
        Err(LocalError::Invalid(format!("no local run {name}")))
    }
}
