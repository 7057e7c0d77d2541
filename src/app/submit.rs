//! The submit form of the Jobs tab (`n`; issue 11, item 6): a quick form to run a command from
//! a code folder — the folder (with its snapshot summary, computed by the runtime off the update
//! path and recomputed when the path settles), the command, where it runs (the workspace's
//! clusters, instances and Kubernetes computes with their state, or `local`: this computer),
//! the environment (a registered one picked from the workspace's list, a curated `AzureML-…`
//! name typed in, or an image: each kind explained in one line), the instance count, the
//! experiment and the display name — then a review (the job body as it would be sent, secrets
//! masked, the snapshot, the environment's kind, where it runs) and the submission with a
//! progress line. On success the form closes, the job shows at once in the Jobs tab (a
//! placeholder row until the list has it: never lost nor doubled) and its log view opens.
//!
//! Why not `wizard::engine::Form`: that engine is built around compute requests (`Build` makes a
//! `ComputeRequest`, `Ctx` is a compute workspace, choices are `'static`), while this form's
//! choices come from the app's state (the computes listed, the environments loaded) and its
//! result is a `submit::job_yaml::JobSpec`. The spec is built directly as a struct (no YAML
//! text is generated, so nothing typed needs quoting); the field rules here are those of the
//! job file reader for the same keys (names, instance count, environment references).
//!
//! Pure state and keys, like the rest of `app`: the snapshot, the plan, the review body, the
//! environment list and the submission itself are [`SubmitEffect`]s the runtime carries out,
//! answered by [`SubmitEvent`]s tagged with the request id they answer (stale ones dropped).
//! The one disk read here is Tab's directory completion of the code folder, on that key only.
//! Must not: draw (see `ui::submit`), send anything before the review's Enter, or keep a value
//! typed in after the form closes unless a submission failed (then Enter retries with it).

use super::keys::KeyCombo;
use super::text::{self, Doc, StyledLine, Tone};
use super::{App, Effect, TabId};
use crate::azure::models::{ComputeResource, ComputeType, Job};
use crate::submit::flow::{CodeOutcome, Step};
use crate::submit::job_yaml::{Code, Compute, EnvKind, Environment, JobSpec, Resources};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

/// How long the code folder's text must stay unchanged before its snapshot is computed again.
pub const SNAPSHOT_SETTLE_MS: u64 = 400;
/// The most instances a job may ask for here.
pub const MAX_INSTANCES: u32 = 100;
/// The compute choice meaning this machine.
pub const LOCAL: &str = "local";

/// The keys of the form, for its key bar and the `?` help (one table, so they agree).
pub const FORM_KEYS: &[(&str, &str)] = &[
    (
        "Tab / ↓",
        "next field (Tab in the code folder completes a folder name)",
    ),
    ("S-Tab / ↑", "previous field"),
    (
        "Enter",
        "compute / environment: the list to pick from; elsewhere: review",
    ),
    ("Space ←→", "change the environment's kind"),
    ("PgDn", "review from any field"),
    (
        "Enter (review)",
        "submit; a failure keeps the values: Enter again retries",
    ),
    ("← / S-Tab (review)", "back to the form"),
    ("↑↓ PgUp PgDn", "scroll the review"),
    (
        "Esc",
        "close (asks first when values were entered; never quits)",
    ),
];

/// The fields, in form order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldId {
    Code,
    Command,
    Compute,
    EnvKind,
    Environment,
    InstanceCount,
    Experiment,
    DisplayName,
}

impl FieldId {
    pub const ALL: [FieldId; 8] = [
        FieldId::Code,
        FieldId::Command,
        FieldId::Compute,
        FieldId::EnvKind,
        FieldId::Environment,
        FieldId::InstanceCount,
        FieldId::Experiment,
        FieldId::DisplayName,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FieldId::Code => "Code folder",
            FieldId::Command => "Command",
            FieldId::Compute => "Compute",
            FieldId::EnvKind => "Environment kind",
            FieldId::Environment => "Environment",
            FieldId::InstanceCount => "Instance count",
            FieldId::Experiment => "Experiment",
            FieldId::DisplayName => "Display name",
        }
    }

    /// One line of help, shown under the focused field.
    pub fn help(self) -> &'static str {
        match self {
            FieldId::Code => {
                "the folder whose snapshot is uploaded (.amlignore, else .gitignore, leaves files out); ~ and paths relative to the current folder"
            }
            FieldId::Command => {
                "runs in the snapshot's folder, e.g. python train.py --epochs 3 (${{inputs.…}} needs a job file: amlc jobs create -f)"
            }
            FieldId::Compute => {
                "Enter lists the workspace's clusters, instances and Kubernetes computes, and local (this computer)"
            }
            FieldId::EnvKind => "Space or ←→: a registered or curated environment, or an image",
            FieldId::Environment => {
                "reference: Enter lists the registered ones (name@latest, name:version); a curated AzureML-… name is typed"
            }
            FieldId::InstanceCount => "nodes the job runs on (1 to 100)",
            FieldId::Experiment => {
                "groups runs in Studio; empty: the current folder's name, as the SDK"
            }
            FieldId::DisplayName => "optional: the run's name as shown; empty: the job name",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The environment kinds the form offers.
pub const ENV_REFERENCE: &str = "reference";
pub const ENV_IMAGE: &str = "image";

/// The values of the form, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values([String; 8]);

impl Default for Values {
    fn default() -> Self {
        let mut v: [String; 8] = Default::default();
        v[FieldId::Code.index()] = ".".into();
        v[FieldId::EnvKind.index()] = ENV_REFERENCE.into();
        v[FieldId::InstanceCount.index()] = "1".into();
        Values(v)
    }
}

impl Values {
    pub fn get(&self, f: FieldId) -> &str {
        &self.0[f.index()]
    }

    /// Trimmed.
    pub fn text(&self, f: FieldId) -> &str {
        self.0[f.index()].trim()
    }

    pub fn set(&mut self, f: FieldId, text: impl Into<String>) {
        self.0[f.index()] = text.into();
    }
}

/// A registered environment of the workspace, as the list brings it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvChoice {
    pub name: String,
    pub latest_version: Option<String>,
    pub description: Option<String>,
}

/// The workspace's registered environments, as far as they are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EnvList {
    #[default]
    NotLoaded,
    Loading(u64),
    Loaded(Vec<EnvChoice>),
    Failed(String),
}

/// What the runtime said about the code folder's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSummary {
    /// The folder the text resolved to (absolute).
    pub path: PathBuf,
    /// [`crate::submit::snapshot::Snapshot::lines`]: the summary, then a line per warning.
    pub lines: Vec<String>,
}

/// The snapshot under the code folder field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotState {
    /// Not asked yet (or the text changed and has not settled).
    Idle,
    Reading {
        id: u64,
        text: String,
    },
    Ready {
        text: String,
        summary: SnapshotSummary,
    },
    Failed {
        text: String,
        error: String,
    },
}

/// What the review shows, made by the runtime from `flow::plan` and `flow::preview_body`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewData {
    pub job_name: String,
    pub experiment_name: String,
    /// The job body as it would be sent, secrets masked.
    pub body: serde_json::Value,
    /// The snapshot summary lines (empty without local code).
    pub snapshot: Vec<String>,
    /// What the user should know (the plan's notes).
    pub notes: Vec<String>,
}

/// The review step.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: u64,
    /// `None` while the plan is being made.
    pub data: Option<Result<ReviewData, String>>,
    pub scroll: usize,
}

/// A submission under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    pub id: u64,
    pub started_mono: u64,
    /// The progress line ("uploading 12/40 files, …").
    pub line: String,
}

/// Where the form is.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Edit,
    Review(Review),
    Sending(Review, Sending),
}

/// The list shown over the form to pick a compute or an environment.
#[derive(Debug, Clone)]
pub struct Picker {
    pub field: FieldId,
    pub filter: Input,
    pub selected: usize,
}

/// One row of a picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickRow {
    pub value: String,
    pub detail: String,
    pub tone: Tone,
}

/// The submit form while open.
#[derive(Debug, Clone)]
pub struct SubmitForm {
    pub values: Values,
    /// Index into [`SubmitForm::fields`].
    pub focus: usize,
    pub editor: Input,
    pub stage: Stage,
    pub picker: Option<Picker>,
    /// Esc was pressed with values entered: `y` discards, anything else keeps editing.
    pub confirm_discard: bool,
    pub snapshot: SnapshotState,
    /// When the code folder's text settles (monotonic ms): its snapshot is asked for then.
    pub snapshot_due: Option<u64>,
    /// The process's current folder, learned with the first snapshot (for the experiment's
    /// default and Tab's completion).
    pub cwd: Option<PathBuf>,
    pub home: Option<PathBuf>,
    /// Enter was refused: every broken rule is shown, not only those of fields visited.
    pub refused: bool,
    /// Fields left at least once (their rules are shown from then on).
    pub visited: Vec<FieldId>,
    /// The cause of the last failed submission (values kept: Enter retries).
    pub last_error: Option<String>,
}

/// The form, the environments list and the rows of submitted jobs not listed yet.
#[derive(Debug, Clone, Default)]
pub struct SubmitState {
    pub form: Option<Box<SubmitForm>>,
    pub environments: EnvList,
    /// Jobs submitted from this session that the Jobs list does not show yet, by name.
    pub placeholders: BTreeMap<String, Job>,
    next_id: u64,
}

impl SubmitState {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// What the runtime is asked to do for the form.
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitEffect {
    /// `Snapshot::of_path` of the code folder `text` (resolved against the cwd, `~` expanded)
    /// on a blocking task; answered by [`SubmitEvent::Snapshot`].
    Snapshot { id: u64, text: String },
    /// The workspace's registered environments; answered by [`SubmitEvent::Environments`].
    Environments { id: u64 },
    /// `flow::plan` and `flow::preview_body`; answered by [`SubmitEvent::Reviewed`].
    Review { id: u64, spec: Box<JobSpec> },
    /// `flow::plan` then `flow::submit` (or `LocalRuns::start` for `compute: local`), with a
    /// [`SubmitEvent::Step`] per step; answered by [`SubmitEvent::Sent`].
    Send { id: u64, spec: Box<JobSpec> },
}

/// The end of a submission.
#[derive(Debug, Clone)]
pub enum Sent {
    Remote {
        job_name: String,
        job: serde_json::Value,
        code: CodeOutcome,
    },
    /// A local run started (`submit::local::LocalRun`, its names only).
    Local {
        name: String,
        display_name: String,
        experiment_name: String,
    },
}

/// The runtime's answers.
#[derive(Debug, Clone)]
pub enum SubmitEvent {
    Snapshot {
        id: u64,
        cwd: Option<PathBuf>,
        home: Option<PathBuf>,
        result: Result<SnapshotSummary, String>,
    },
    Environments {
        id: u64,
        result: Result<Vec<EnvChoice>, String>,
    },
    Reviewed {
        id: u64,
        result: Result<ReviewData, String>,
    },
    Step {
        id: u64,
        step: Step,
    },
    Sent {
        id: u64,
        result: Result<Sent, String>,
    },
}

/// `~` expanded against `home`, a relative path joined to `cwd`.
pub fn resolve(text: &str, cwd: &Path, home: Option<&Path>) -> PathBuf {
    let text = text.trim();
    let text = if text.is_empty() { "." } else { text };
    let expanded = match (text.strip_prefix('~'), home) {
        (Some(""), Some(h)) => h.to_path_buf(),
        (Some(rest), Some(h)) if rest.starts_with('/') => h.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(text),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        cwd.join(expanded)
    }
}

/// A job, experiment or compute name: letters, digits, `_` and `-`, at most 255, starting with
/// a letter or digit (the job file reader's rule).
fn name_rule(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 255
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(
            "must start with a letter or digit and hold only letters, digits, '_' and '-' (at most 255)"
                .into(),
        )
    }
}

/// A reference typed or picked: `name:version`, `name@latest` (with or without `azureml:`), a
/// curated `AzureML-…` name, an `azureml://registries/…` id or an ARM id.
pub fn parse_reference(text: &str) -> Result<Environment, String> {
    const RULE: &str =
        "use NAME:VERSION or NAME@latest (Enter lists them), or a curated AzureML-… name";
    let s = text.trim();
    if s.is_empty() {
        return Err("required: the environment the command runs in".into());
    }
    if s.starts_with("azureml://registries/") {
        return Ok(Environment::Curated(s.to_string()));
    }
    if s.starts_with("/subscriptions/") {
        return Ok(Environment::ArmId(s.to_string()));
    }
    let bare = s.strip_prefix("azureml:").unwrap_or(s);
    let (name, version) = match bare.split_once('@') {
        Some((n, "latest")) => (n, None),
        Some(_) => return Err(format!("only @latest follows a name: {RULE}")),
        None => match bare.split_once(':') {
            Some((n, v)) if !v.is_empty() && !v.contains(':') => (n, Some(v.to_string())),
            Some(_) => return Err(RULE.into()),
            // A curated name alone means its latest version.
            None if bare.starts_with("AzureML-") => (bare, None),
            None => return Err(format!("a version is missing: {RULE}")),
        },
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(format!("not an environment name: {RULE}"));
    }
    if name.starts_with("AzureML-") {
        let curated = if bare.contains(['@', ':']) {
            bare.to_string()
        } else {
            format!("{bare}@latest")
        };
        return Ok(Environment::Curated(curated));
    }
    Ok(Environment::Registered {
        name: name.to_string(),
        version,
    })
}

/// Whether a compute of this type runs command jobs from the form.
fn is_job_target(c: &ComputeResource) -> bool {
    matches!(
        c.compute_type(),
        ComputeType::AmlCompute | ComputeType::ComputeInstance | ComputeType::Kubernetes
    )
}

fn kind_label(c: &ComputeResource) -> &'static str {
    match c.compute_type() {
        ComputeType::AmlCompute => "cluster",
        ComputeType::ComputeInstance => "instance",
        ComputeType::Kubernetes => "Kubernetes",
        _ => "compute",
    }
}

impl SubmitForm {
    pub fn new(values: Values) -> SubmitForm {
        let editor = Input::new(values.get(FieldId::Code).to_owned());
        SubmitForm {
            values,
            focus: 0,
            editor,
            stage: Stage::Edit,
            picker: None,
            confirm_discard: false,
            snapshot: SnapshotState::Idle,
            snapshot_due: None,
            cwd: None,
            home: None,
            refused: false,
            visited: Vec::new(),
            last_error: None,
        }
    }

    /// Whether the compute chosen runs one node only (local, an instance).
    pub fn single_node(&self, computes: &[ComputeResource]) -> bool {
        let name = self.values.text(FieldId::Compute);
        name.eq_ignore_ascii_case(LOCAL)
            || computes.iter().any(|c| {
                c.name.as_deref() == Some(name) && *c.compute_type() == ComputeType::ComputeInstance
            })
    }

    pub fn is_local(&self) -> bool {
        self.values
            .text(FieldId::Compute)
            .eq_ignore_ascii_case(LOCAL)
    }

    /// The fields shown now (the instance count is hidden for local and instances: one node).
    pub fn fields(&self, computes: &[ComputeResource]) -> Vec<FieldId> {
        let single = self.single_node(computes);
        FieldId::ALL
            .into_iter()
            .filter(|f| *f != FieldId::InstanceCount || !single)
            .collect()
    }

    pub fn focused(&self, computes: &[ComputeResource]) -> Option<FieldId> {
        self.fields(computes).get(self.focus).copied()
    }

    /// Whether anything differs from a fresh form.
    pub fn changed(&self) -> bool {
        self.values != Values::default()
    }

    /// The environment as the form would send it. Required on local too (the job records it,
    /// as the az ml schema requires one), though there the command runs in the current
    /// environment.
    pub fn environment(&self) -> Result<Environment, String> {
        let text = self.values.text(FieldId::Environment);
        if self.values.text(FieldId::EnvKind) == ENV_IMAGE {
            if text.is_empty() {
                return Err(
                    "required: the image, e.g. mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"
                        .into(),
                );
            }
            if text.chars().any(char::is_whitespace) {
                return Err("an image reference holds no spaces".into());
            }
            return Ok(Environment::Inline {
                image: Some(text.to_string()),
                conda_file: None,
                build: None,
            });
        }
        parse_reference(text)
    }

    /// The one-line explanation of the environment's kind (as typed, or as the kind field
    /// says while it is not valid yet).
    pub fn env_explain(&self) -> &'static str {
        match self.environment() {
            Ok(env) => env.kind().explain(),
            Err(_) if self.values.text(FieldId::EnvKind) == ENV_IMAGE => {
                EnvKind::UserManaged.explain()
            }
            Err(_) => EnvKind::Registered.explain(),
        }
    }

    /// Every broken rule, by field, in form order.
    pub fn problems(&self, computes: &[ComputeResource]) -> Vec<(FieldId, String)> {
        let mut out = Vec::new();
        let v = &self.values;
        if v.text(FieldId::Code).is_empty() {
            out.push((
                FieldId::Code,
                "required: the code folder (. is the current one)".into(),
            ));
        } else if let SnapshotState::Failed { text, error } = &self.snapshot
            && text == v.text(FieldId::Code)
        {
            out.push((FieldId::Code, error.clone()));
        }
        let command = v.text(FieldId::Command);
        if command.is_empty() {
            out.push((
                FieldId::Command,
                "required: the command to run, e.g. python train.py".into(),
            ));
        } else if command.contains("${{") {
            out.push((
                FieldId::Command,
                "${{…}} needs inputs or outputs, which this quick form has not: use a job file (amlc jobs create -f job.yml)".into(),
            ));
        }
        let compute = v.text(FieldId::Compute);
        if compute.is_empty() {
            out.push((
                FieldId::Compute,
                "required: where it runs (Enter lists the computes and local)".into(),
            ));
        } else if !compute.eq_ignore_ascii_case(LOCAL) {
            match computes.iter().find(|c| c.name.as_deref() == Some(compute)) {
                None => out.push((
                    FieldId::Compute,
                    "no compute of that name in this workspace (Enter lists them)".into(),
                )),
                Some(c) if !is_job_target(c) => out.push((
                    FieldId::Compute,
                    format!(
                        "a {} compute does not run command jobs: choose a cluster, an instance, Kubernetes or local",
                        c.type_name()
                    ),
                )),
                Some(_) => {}
            }
        }
        if let Err(e) = self.environment() {
            out.push((FieldId::Environment, e));
        }
        if !self.single_node(computes) {
            match v.text(FieldId::InstanceCount).parse::<u32>() {
                Ok(n) if (1..=MAX_INSTANCES).contains(&n) => {}
                _ => out.push((
                    FieldId::InstanceCount,
                    format!("a whole number from 1 to {MAX_INSTANCES}"),
                )),
            }
        }
        let experiment = v.text(FieldId::Experiment);
        if !experiment.is_empty()
            && let Err(e) = name_rule(experiment)
        {
            out.push((FieldId::Experiment, e));
        }
        if v.text(FieldId::DisplayName).chars().count() > 255 {
            out.push((FieldId::DisplayName, "at most 255 characters".into()));
        }
        out
    }

    /// The rules to show under field `f`: once it was left, or after Enter was refused (a rule
    /// about a required value is not shown while the user has not reached the field).
    pub fn shown_problems(&self, computes: &[ComputeResource], f: FieldId) -> Vec<String> {
        let typed = self.values.get(f) != Values::default().get(f);
        if !(self.refused || typed || self.visited.contains(&f)) {
            return Vec::new();
        }
        self.problems(computes)
            .into_iter()
            .filter(|(id, _)| *id == f)
            .map(|(_, p)| p)
            .collect()
    }

    /// The job to send, from values that broke no rule. The code path is kept as typed: the
    /// runtime resolves it against the process's folder.
    pub fn to_spec(&self, computes: &[ComputeResource]) -> Result<JobSpec, (FieldId, String)> {
        if let Some(first) = self.problems(computes).into_iter().next() {
            return Err(first);
        }
        let v = &self.values;
        let opt = |f: FieldId| Some(v.text(f).to_owned()).filter(|t| !t.is_empty());
        let compute = v.text(FieldId::Compute);
        let instance_count = if self.single_node(computes) {
            None
        } else {
            v.text(FieldId::InstanceCount)
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 1)
        };
        Ok(JobSpec {
            display_name: opt(FieldId::DisplayName),
            experiment_name: opt(FieldId::Experiment),
            command: v.text(FieldId::Command).to_owned(),
            code: Some(Code::Local(PathBuf::from(v.text(FieldId::Code)))),
            environment: Some(self.environment().map_err(|e| (FieldId::Environment, e))?),
            compute: Some(if compute.eq_ignore_ascii_case(LOCAL) {
                Compute::Local
            } else {
                Compute::Named(compute.to_owned())
            }),
            resources: instance_count.map(|n| Resources {
                instance_count: Some(n),
                ..Resources::default()
            }),
            ..JobSpec::default()
        })
    }

    fn load_editor(&mut self, computes: &[ComputeResource]) {
        let text = self
            .focused(computes)
            .map(|f| self.values.get(f).to_owned())
            .unwrap_or_default();
        self.editor = Input::new(text);
    }

    fn move_focus(&mut self, delta: isize, computes: &[ComputeResource], now: u64) {
        let left = self.focused(computes);
        let n = self.fields(computes).len() as isize;
        if n == 0 {
            return;
        }
        self.focus = (self.focus as isize + delta).clamp(0, n - 1) as usize;
        if let Some(f) = left
            && Some(f) != self.focused(computes)
        {
            if !self.visited.contains(&f) {
                self.visited.push(f);
            }
            // Leaving the code folder: its path has settled.
            if f == FieldId::Code && self.snapshot_due.is_some() {
                self.snapshot_due = Some(now);
            }
        }
        self.load_editor(computes);
    }

    fn set(&mut self, f: FieldId, text: String, now: u64) {
        if f == FieldId::Code && self.values.get(f) != text {
            self.snapshot = SnapshotState::Idle;
            self.snapshot_due = Some(now + SNAPSHOT_SETTLE_MS);
        }
        self.values.set(f, text);
    }

    /// The experiment's name as it will be: typed, else the current folder's name.
    pub fn experiment_shown(&self) -> Option<String> {
        let typed = self.values.text(FieldId::Experiment);
        if !typed.is_empty() {
            return Some(typed.to_owned());
        }
        self.cwd
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    }
}

/// The rows of the picker of `field` for filter `filter`.
pub fn pick_rows(
    field: FieldId,
    filter: &str,
    computes: &[ComputeResource],
    envs: &EnvList,
) -> Vec<PickRow> {
    let mut rows = Vec::new();
    match field {
        FieldId::Compute => {
            rows.push(PickRow {
                value: LOCAL.into(),
                detail: "this computer, your current environment".into(),
                tone: Tone::Normal,
            });
            let mut listed: Vec<&ComputeResource> =
                computes.iter().filter(|c| is_job_target(c)).collect();
            listed.sort_by(|a, b| a.name.cmp(&b.name));
            for c in listed {
                let state = c.display_state();
                rows.push(PickRow {
                    value: c.name.clone().unwrap_or_default(),
                    detail: format!("{} · {state}", kind_label(c)),
                    tone: super::kinds::common::compute_tone(&state),
                });
            }
        }
        FieldId::Environment => {
            if let EnvList::Loaded(list) = envs {
                for e in list {
                    let with_about = |head: String| match e.description.as_deref() {
                        Some(about) if !about.trim().is_empty() => format!("{head}; {about}"),
                        _ => head,
                    };
                    let latest = e.latest_version.as_deref();
                    rows.push(PickRow {
                        value: format!("{}@latest", e.name),
                        detail: with_about(match latest {
                            Some(v) => format!("the latest version ({v}) when it runs"),
                            None => "the latest version when it runs".into(),
                        }),
                        tone: Tone::Normal,
                    });
                    if let Some(v) = latest {
                        rows.push(PickRow {
                            value: format!("{}:{v}", e.name),
                            detail: with_about("this version only".into()),
                            tone: Tone::Normal,
                        });
                    }
                }
            }
        }
        _ => {}
    }
    let mut filter = super::filter::Filter::new(filter);
    rows.retain(|r| filter.matches(&format!("{} {}", r.value, r.detail)));
    rows
}

/// What a key does to a text editor; true when the text changed.
fn edit(editor: &mut Input, key: KeyEvent) -> bool {
    let Some(request) = to_input_request(&Event::Key(key)) else {
        return false;
    };
    let before = editor.value().to_owned();
    editor.handle(request);
    editor.value() != before
}

/// The common start of a non-empty list of names.
fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut end = first.len();
    for n in &names[1..] {
        end = first
            .char_indices()
            .zip(n.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(end);
    }
    first[..end].to_owned()
}

/// Tab in the code folder: the text completed to the longest folder name its last part starts
/// (a `/` added when one folder matches). `None` when nothing completes or the text already
/// names a folder. Reads one folder
/// listing, at most [`COMPLETE_MAX`] entries.
fn complete_dir(text: &str, cwd: &Path, home: Option<&Path>) -> Option<String> {
    const COMPLETE_MAX: usize = 2_000;
    // A folder already named: Tab goes on to the next field.
    if text.trim().is_empty() || resolve(text, cwd, home).is_dir() {
        return None;
    }
    let (dir_text, part) = match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    };
    let dir = resolve(if dir_text.is_empty() { "." } else { dir_text }, cwd, home);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .take(COMPLETE_MAX)
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.starts_with(part) && (part.starts_with('.') || !n.starts_with('.')))
        .collect();
    names.sort();
    let completed = match names.as_slice() {
        [] => return None,
        [one] => format!("{dir_text}{one}/"),
        _ => format!("{dir_text}{}", common_prefix(&names)),
    };
    (completed != text).then_some(completed)
}

/// A size per second, `2.4 MB/s`.
fn rate(bytes: u64, ms: u64) -> String {
    let per_s = bytes.saturating_mul(1000) / ms.max(1);
    format!("{}/s", crate::submit::snapshot::human_bytes(per_s))
}

/// The progress line of a step.
pub fn step_line(step: &Step, elapsed_ms: u64) -> String {
    use crate::submit::snapshot::human_bytes;
    match step {
        Step::LookingUpCode { hash } => format!(
            "looking the code asset up by its hash {}…",
            hash.get(..12).unwrap_or(hash)
        ),
        Step::CodeReused { .. } => "code asset reused, nothing uploaded".into(),
        Step::Uploading {
            files_done,
            files_total,
            bytes_done,
            bytes_total,
        } => format!(
            "uploading {files_done}/{files_total} files, {} of {}, {}",
            human_bytes(*bytes_done),
            human_bytes(*bytes_total),
            rate(*bytes_done, elapsed_ms)
        ),
        Step::CodeCreated { .. } => "code uploaded, code version created".into(),
        Step::Environment { id } => format!("environment {id}"),
        Step::InputUploaded { name, .. } => format!("input {name} uploaded"),
        Step::JobCreated { name } => format!("job created: {name}"),
    }
}

/// What a key did to the form.
enum Keep {
    Open,
    Close,
}

impl App {
    /// What is known of the compute chosen: `cluster · Steady`, `this computer`.
    pub fn submit_compute_note(&self, form: &SubmitForm) -> Option<(String, Tone)> {
        let name = form.values.text(FieldId::Compute);
        if name.eq_ignore_ascii_case(LOCAL) {
            return Some((
                "this computer, your current environment; one instance".into(),
                Tone::Muted,
            ));
        }
        pick_rows(
            FieldId::Compute,
            "",
            &self.computes,
            &self.submit.environments,
        )
        .into_iter()
        .find(|r| r.value == name)
        .map(|r| (r.detail, r.tone))
    }

    /// The review's text: the job and its experiment, where it runs, the environment and its
    /// kind, the command, the snapshot, the plan's notes and the job body (secrets masked).
    pub fn submit_review_doc(&self, form: &SubmitForm, review: &Review) -> Doc {
        let ascii = |t: String| {
            if self.ascii {
                t.replace('…', "...").replace('·', "-")
            } else {
                t
            }
        };
        let mut doc = Doc::new();
        let field = |doc: &mut Doc, key: &str, value: String, tone: Tone| {
            doc.push(
                StyledLine::new()
                    .with(format!("{key:<13}"), Tone::Heading)
                    .with(ascii(value), tone),
                13,
            );
        };
        match &review.data {
            None => doc.push(
                StyledLine::plain(
                    format!(
                        "Planning{}: reading the folder and its git state",
                        self.ellipsis()
                    ),
                    Tone::Progress,
                ),
                0,
            ),
            Some(Err(e)) => {
                doc.push(
                    StyledLine::plain(
                        format!("The plan failed: {}", text::one_line(e)),
                        Tone::Failed,
                    ),
                    2,
                );
                doc.push(
                    StyledLine::plain(
                        "Enter tries again; Left goes back to the form.",
                        Tone::Muted,
                    ),
                    0,
                );
            }
            Some(Ok(data)) => {
                field(
                    &mut doc,
                    "Job",
                    format!("{} in experiment {}", data.job_name, data.experiment_name),
                    Tone::Normal,
                );
                let compute = form.values.text(FieldId::Compute);
                let place = if form.is_local() {
                    "this computer (local): the snapshot runs in your current environment"
                        .to_owned()
                } else {
                    match self.submit_compute_note(form) {
                        Some((note, _)) => format!("{compute} ({note})"),
                        None => compute.to_owned(),
                    }
                };
                field(&mut doc, "Runs on", place, Tone::Normal);
                let env = form.values.text(FieldId::Environment);
                let mut said = format!("{env}: {}", form.env_explain());
                if form.is_local() {
                    said.push_str(
                        " (recorded; on local the command runs in your current environment)",
                    );
                }
                field(&mut doc, "Environment", said, Tone::Normal);
                field(
                    &mut doc,
                    "Command",
                    text::one_line(form.values.text(FieldId::Command)).into_owned(),
                    Tone::Normal,
                );
                for (n, l) in data.snapshot.iter().enumerate() {
                    let key = if n == 0 { "Code" } else { "" };
                    let tone = if n == 0 { Tone::Normal } else { Tone::Warning };
                    field(&mut doc, key, l.clone(), tone);
                }
                for note in &data.notes {
                    field(&mut doc, "Note", note.clone(), Tone::Warning);
                }
                doc.blank();
                doc.push(
                    StyledLine::plain("The job body (secrets masked):", Tone::Heading),
                    0,
                );
                let json = serde_json::to_string_pretty(&data.body).unwrap_or_default();
                for l in json.lines() {
                    doc.push(
                        StyledLine::plain(text::one_line(l).into_owned(), Tone::Normal),
                        0,
                    );
                }
            }
        }
        doc
    }

    /// `n` on the Jobs tab: the submit form (refused under --read-only). Asks for the code
    /// folder's snapshot and, when not loaded yet, the registered environments.
    pub(super) fn open_submit(&mut self, effects: &mut Vec<Effect>) {
        if !self.views.is_empty() {
            return;
        }
        if self.read_only {
            self.toast(
                "read-only: submitting runs is off (amlc was started with --read-only)",
                Tone::Warning,
            );
            return;
        }
        self.copy_menu = None;
        self.modal = None;
        let mut form = SubmitForm::new(Values::default());
        form.snapshot_due = Some(self.now_mono_ms);
        self.submit.form = Some(Box::new(form));
        self.load_environments(effects);
        self.submit_after_update(effects);
    }

    /// Asks for the environments when they are not loaded (again after a failure).
    fn load_environments(&mut self, effects: &mut Vec<Effect>) {
        if matches!(
            self.submit.environments,
            EnvList::NotLoaded | EnvList::Failed(_)
        ) {
            let id = self.submit.next_id();
            self.submit.environments = EnvList::Loading(id);
            effects.push(Effect::Submit(SubmitEffect::Environments { id }));
        }
    }

    /// Due work of the form after any message: the snapshot of a settled code folder.
    pub(super) fn submit_after_update(&mut self, effects: &mut Vec<Effect>) {
        let now = self.now_mono_ms;
        let Some(form) = self.submit.form.as_deref_mut() else {
            return;
        };
        if form.snapshot_due.is_some_and(|t| t <= now) {
            form.snapshot_due = None;
            let text = form.values.text(FieldId::Code).to_owned();
            if text.is_empty() {
                return;
            }
            self.submit.next_id += 1;
            let id = self.submit.next_id;
            form.snapshot = SnapshotState::Reading {
                id,
                text: text.clone(),
            };
            effects.push(Effect::Submit(SubmitEffect::Snapshot { id, text }));
            self.dirty = true;
        }
    }

    /// When the form next needs the clock (its code folder settling).
    pub(super) fn submit_deadline(&self) -> Option<u64> {
        self.submit.form.as_ref().and_then(|f| f.snapshot_due)
    }

    /// An answer of the runtime for the form; stale ones (another request) are dropped.
    pub(super) fn on_submit(&mut self, event: SubmitEvent, effects: &mut Vec<Effect>) {
        match event {
            SubmitEvent::Environments { id, result } => {
                if self.submit.environments != EnvList::Loading(id) {
                    return;
                }
                self.submit.environments = match result {
                    Ok(list) => EnvList::Loaded(list),
                    Err(e) => EnvList::Failed(e),
                };
            }
            SubmitEvent::Snapshot {
                id,
                cwd,
                home,
                result,
            } => {
                let Some(form) = self.submit.form.as_deref_mut() else {
                    return;
                };
                if form.cwd.is_none() {
                    form.cwd = cwd;
                }
                if form.home.is_none() {
                    form.home = home;
                }
                let SnapshotState::Reading { id: want, text } = &form.snapshot else {
                    return;
                };
                if *want != id {
                    return;
                }
                let text = text.clone();
                form.snapshot = match result {
                    Ok(summary) => SnapshotState::Ready { text, summary },
                    Err(error) => SnapshotState::Failed { text, error },
                };
            }
            SubmitEvent::Reviewed { id, result } => {
                let Some(form) = self.submit.form.as_deref_mut() else {
                    return;
                };
                if let Stage::Review(review) = &mut form.stage
                    && review.id == id
                {
                    review.data = Some(result);
                }
            }
            SubmitEvent::Step { id, step } => {
                let now = self.now_mono_ms;
                let Some(form) = self.submit.form.as_deref_mut() else {
                    return;
                };
                if let Stage::Sending(_, sending) = &mut form.stage
                    && sending.id == id
                {
                    sending.line = step_line(&step, now.saturating_sub(sending.started_mono));
                }
            }
            SubmitEvent::Sent { id, result } => self.on_sent(id, result, effects),
        }
        self.dirty = true;
    }

    fn on_sent(&mut self, id: u64, result: Result<Sent, String>, effects: &mut Vec<Effect>) {
        let Some(form) = self.submit.form.as_deref_mut() else {
            return;
        };
        let Stage::Sending(review, sending) = &form.stage else {
            return;
        };
        if sending.id != id {
            return;
        }
        let sent = match result {
            Ok(sent) => sent,
            Err(cause) => {
                form.stage = Stage::Review(review.clone());
                form.last_error = Some(cause.clone());
                self.toast(
                    format!("not submitted: {}", text::one_line(&cause)),
                    Tone::Failed,
                );
                return;
            }
        };
        self.submit.form = None;
        let (name, job, said) = match sent {
            Sent::Remote {
                job_name,
                job,
                code,
            } => {
                let how = match code {
                    CodeOutcome::Reused { .. } => "code asset reused, nothing uploaded".to_owned(),
                    CodeOutcome::Uploaded { files, bytes, .. } => format!(
                        "{files} files uploaded ({})",
                        crate::submit::snapshot::human_bytes(bytes)
                    ),
                    CodeOutcome::None => "no code uploaded".to_owned(),
                };
                let mut job = Job::from_value(job);
                if job.name.is_none() {
                    job.name = Some(job_name.clone());
                }
                (job_name, job, how)
            }
            Sent::Local {
                name,
                display_name,
                experiment_name,
            } => {
                let job = Job::from_value(serde_json::json!({
                    "name": name,
                    "properties": {
                        "jobType": "Command",
                        "displayName": display_name,
                        "experimentName": experiment_name,
                        "status": "Running",
                        "computeId": LOCAL,
                    },
                }));
                (name, job, "running on this computer".to_owned())
            }
        };
        self.toast(format!("submitted {name}: {said}"), Tone::Healthy);
        self.add_submitted(job);
        // The new run's log view, as `l` opens it on its row.
        self.views.clear();
        self.copy_menu = None;
        self.active = TabId::Jobs;
        let viewport = self.list_viewport();
        let source = super::Source::Jobs(&self.jobs);
        self.tabs[TabId::Jobs.index()].rebuild_keeping(Some(&name), source, viewport);
        let selected = |app: &App| {
            app.tab(TabId::Jobs)
                .selected_name(app.source(TabId::Jobs))
                .is_some_and(|n| n == name)
        };
        if !selected(self) && !self.tab(TabId::Jobs).filter.is_empty() {
            // A filter hid the new row: the run the user just sent wins.
            self.set_filter("", viewport);
            let source = super::Source::Jobs(&self.jobs);
            self.tabs[TabId::Jobs.index()].rebuild_keeping(Some(&name), source, viewport);
        }
        if selected(self) {
            self.open_logs(effects);
        }
    }

    /// Another workspace: its environments are other ones, and the rows of jobs submitted to
    /// the old one are not this one's.
    pub(super) fn submit_workspace_changed(&mut self) {
        self.submit.placeholders.clear();
        // An answer still out for the old workspace is dropped (its id is no longer awaited).
        self.submit.environments = EnvList::NotLoaded;
    }

    /// Shows a submitted job at once; kept as a placeholder until the list has it.
    fn add_submitted(&mut self, job: Job) {
        let Some(name) = job.name.clone() else {
            return;
        };
        if self.jobs.iter().any(|j| j.name.as_deref() == Some(&name)) {
            return;
        }
        self.submit.placeholders.insert(name, job.clone());
        let mut jobs = self.jobs.clone();
        jobs.insert(0, job);
        self.set_jobs(jobs);
    }

    /// After a job list arrived: a submitted job it lists is done (the service's row replaces
    /// it); one it does not list yet is put back, so the row is neither lost nor doubled.
    pub(super) fn keep_submitted(&mut self) {
        if self.submit.placeholders.is_empty() {
            return;
        }
        let listed: std::collections::HashSet<&str> =
            self.jobs.iter().filter_map(|j| j.name.as_deref()).collect();
        self.submit
            .placeholders
            .retain(|name, _| !listed.contains(name.as_str()));
        if self.submit.placeholders.is_empty() {
            return;
        }
        let mut jobs: Vec<Job> = self.submit.placeholders.values().cloned().collect();
        jobs.extend(self.jobs.iter().cloned());
        self.set_jobs(jobs);
    }

    /// A key while the form is open (it takes every key; Ctrl-c still quits).
    pub(super) fn on_submit_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        if KeyCombo::from_event(&key) == KeyCombo::ctrl('c') {
            self.quit = true;
            return;
        }
        let Some(mut form) = self.submit.form.take() else {
            return;
        };
        if form.confirm_discard {
            form.confirm_discard = false;
            if matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter) {
                self.toast("form closed, nothing sent", Tone::Muted);
                return;
            }
            self.submit.form = Some(form);
            return;
        }
        let keep = match form.stage {
            Stage::Sending(..) => {
                if key.code == KeyCode::Esc {
                    self.toast(
                        "submitting: wait for the answer (the form closes by itself)",
                        Tone::Muted,
                    );
                }
                Keep::Open
            }
            Stage::Review(_) => self.submit_review_key(&mut form, key, effects),
            Stage::Edit if form.picker.is_some() => {
                self.picker_key(&mut form, key);
                Keep::Open
            }
            Stage::Edit => self.submit_edit_key(&mut form, key, effects),
        };
        if let Keep::Open = keep {
            self.submit.form = Some(form);
        }
    }

    fn esc(&mut self, form: &mut SubmitForm) -> Keep {
        if form.changed() {
            form.confirm_discard = true;
            Keep::Open
        } else {
            self.toast("form closed, nothing sent", Tone::Muted);
            Keep::Close
        }
    }

    fn submit_edit_key(
        &mut self,
        form: &mut SubmitForm,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Keep {
        let now = self.now_mono_ms;
        let shift_tab = key.code == KeyCode::BackTab
            || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT));
        let field = form.focused(&self.computes);
        match key.code {
            KeyCode::Esc => return self.esc(form),
            _ if shift_tab => form.move_focus(-1, &self.computes, now),
            KeyCode::Tab if field == Some(FieldId::Code) => {
                let completed = form.cwd.as_deref().and_then(|cwd| {
                    complete_dir(form.values.get(FieldId::Code), cwd, form.home.as_deref())
                });
                match completed {
                    Some(text) => {
                        form.set(FieldId::Code, text.clone(), now);
                        form.editor = Input::new(text);
                    }
                    None => form.move_focus(1, &self.computes, now),
                }
            }
            KeyCode::Tab | KeyCode::Down => form.move_focus(1, &self.computes, now),
            KeyCode::Up => form.move_focus(-1, &self.computes, now),
            KeyCode::PageDown => self.open_review(form, effects),
            KeyCode::Enter => match field {
                Some(FieldId::Compute) => self.open_picker(form, FieldId::Compute, effects),
                Some(FieldId::Environment) if form.values.text(FieldId::EnvKind) != ENV_IMAGE => {
                    self.open_picker(form, FieldId::Environment, effects)
                }
                _ => self.open_review(form, effects),
            },
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if field == Some(FieldId::EnvKind) =>
            {
                let next = if form.values.text(FieldId::EnvKind) == ENV_IMAGE {
                    ENV_REFERENCE
                } else {
                    ENV_IMAGE
                };
                form.set(FieldId::EnvKind, next.into(), now);
            }
            _ => {
                if let Some(f) = field.filter(|f| *f != FieldId::EnvKind)
                    && edit(&mut form.editor, key)
                {
                    let text = form.editor.value().to_owned();
                    form.set(f, text, now);
                    // Another compute may show or hide the instance count: stay on this field.
                    if let Some(i) = form.fields(&self.computes).iter().position(|x| *x == f) {
                        form.focus = i;
                    }
                }
            }
        }
        Keep::Open
    }

    fn open_picker(&mut self, form: &mut SubmitForm, field: FieldId, effects: &mut Vec<Effect>) {
        if field == FieldId::Environment {
            // Tried again when it failed.
            self.load_environments(effects);
        }
        let current = form.values.text(field).to_owned();
        let rows = pick_rows(field, "", &self.computes, &self.submit.environments);
        let selected = rows.iter().position(|r| r.value == current).unwrap_or(0);
        form.picker = Some(Picker {
            field,
            filter: Input::default(),
            selected,
        });
    }

    fn picker_key(&mut self, form: &mut SubmitForm, key: KeyEvent) {
        let now = self.now_mono_ms;
        let Some(picker) = form.picker.as_mut() else {
            return;
        };
        let rows = pick_rows(
            picker.field,
            picker.filter.value(),
            &self.computes,
            &self.submit.environments,
        );
        let last = rows.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => form.picker = None,
            KeyCode::Up => picker.selected = picker.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => picker.selected = (picker.selected + 1).min(last),
            KeyCode::PageUp => picker.selected = picker.selected.saturating_sub(10),
            KeyCode::PageDown => picker.selected = (picker.selected + 10).min(last),
            KeyCode::Enter => {
                let field = picker.field;
                if let Some(row) = rows.get(picker.selected) {
                    form.set(field, row.value.clone(), now);
                    form.editor = Input::new(row.value.clone());
                    form.picker = None;
                    if let Some(i) = form.fields(&self.computes).iter().position(|x| *x == field) {
                        form.focus = i;
                    }
                } else {
                    self.toast(
                        "nothing matches: change the filter, or Esc and type it",
                        Tone::Muted,
                    );
                }
            }
            _ => {
                if edit(&mut picker.filter, key) {
                    picker.selected = 0;
                }
            }
        }
    }

    /// Enter (or PgDn) on the form: the review, unless a rule is broken (then every broken
    /// rule is shown and the first one said).
    fn open_review(&mut self, form: &mut SubmitForm, effects: &mut Vec<Effect>) {
        match form.to_spec(&self.computes) {
            Ok(spec) => {
                let id = self.submit.next_id();
                form.stage = Stage::Review(Review {
                    id,
                    data: None,
                    scroll: 0,
                });
                effects.push(Effect::Submit(SubmitEffect::Review {
                    id,
                    spec: Box::new(spec),
                }));
            }
            Err((field, rule)) => {
                form.refused = true;
                let count = form.problems(&self.computes).len();
                self.toast(
                    format!(
                        "{count} problem{}: {}: {}",
                        if count == 1 { "" } else { "s" },
                        field.label(),
                        text::one_line(&rule)
                    ),
                    Tone::Warning,
                );
            }
        }
    }

    fn submit_review_key(
        &mut self,
        form: &mut SubmitForm,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Keep {
        // The review's rows at this size (the box takes 4 columns and 5 rows with the bars).
        let visible = usize::from(self.height.saturating_sub(5)).max(1);
        let page = visible.saturating_sub(1).max(1);
        let rows = match &form.stage {
            Stage::Review(review) => self
                .submit_review_doc(form, review)
                .wrapped(usize::from(self.width.saturating_sub(4)).max(4))
                .len(),
            _ => 0,
        };
        let max = rows.saturating_sub(visible);
        let Stage::Review(review) = &mut form.stage else {
            return Keep::Open;
        };
        match key.code {
            KeyCode::Esc => return self.esc(form),
            KeyCode::BackTab | KeyCode::Left | KeyCode::Backspace => form.stage = Stage::Edit,
            KeyCode::Up | KeyCode::Char('k') => review.scroll = review.scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => review.scroll = (review.scroll + 1).min(max),
            KeyCode::PageUp => review.scroll = review.scroll.saturating_sub(page),
            KeyCode::PageDown => review.scroll = (review.scroll + page).min(max),
            KeyCode::Enter => match review.data.as_ref().map(Result::is_ok) {
                Some(true) => self.send(form, effects),
                // The plan failed: make it again (the folder may have been fixed).
                Some(false) => self.open_review(form, effects),
                None => self.toast(
                    format!("still reading the folder{}", self.ellipsis()),
                    Tone::Muted,
                ),
            },
            _ => {}
        }
        Keep::Open
    }

    /// Enter on a review: the submission starts (the values are checked once more).
    fn send(&mut self, form: &mut SubmitForm, effects: &mut Vec<Effect>) {
        let Stage::Review(review) = &form.stage else {
            return;
        };
        let review = review.clone();
        let spec = match form.to_spec(&self.computes) {
            // The job is sent under the name the review showed (the plan made it up).
            Ok(spec) => JobSpec {
                name: review
                    .data
                    .as_ref()
                    .and_then(|d| d.as_ref().ok())
                    .map(|d| d.job_name.clone()),
                ..spec
            },
            Err((field, rule)) => {
                form.stage = Stage::Edit;
                form.refused = true;
                self.toast(
                    format!("not sent: {}: {}", field.label(), text::one_line(&rule)),
                    Tone::Warning,
                );
                return;
            }
        };
        let id = self.submit.next_id();
        form.last_error = None;
        form.stage = Stage::Sending(
            review,
            Sending {
                id,
                started_mono: self.now_mono_ms,
                line: format!("planning{}", self.ellipsis()),
            },
        );
        effects.push(Effect::Submit(SubmitEffect::Send {
            id,
            spec: Box::new(spec),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_folder_and_home() {
        let cwd = Path::new("/work/proj");
        let home = Some(Path::new("/home/u"));
        assert_eq!(resolve(".", cwd, home), PathBuf::from("/work/proj/."));
        assert_eq!(resolve("src", cwd, home), PathBuf::from("/work/proj/src"));
        assert_eq!(resolve("~", cwd, home), PathBuf::from("/home/u"));
        assert_eq!(resolve("~/code", cwd, home), PathBuf::from("/home/u/code"));
        assert_eq!(resolve("/abs", cwd, home), PathBuf::from("/abs"));
        assert_eq!(resolve("~/x", cwd, None), PathBuf::from("/work/proj/~/x"));
    }

    #[test]
    fn references_parse_as_the_job_file_reader_reads_them() {
        assert_eq!(
            parse_reference("env@latest").unwrap(),
            Environment::Registered {
                name: "env".into(),
                version: None
            }
        );
        assert_eq!(
            parse_reference("azureml:env:3").unwrap(),
            Environment::Registered {
                name: "env".into(),
                version: Some("3".into())
            }
        );
        assert_eq!(
            parse_reference("AzureML-sklearn-1.5").unwrap(),
            Environment::Curated("AzureML-sklearn-1.5@latest".into())
        );
        assert_eq!(
            parse_reference("AzureML-sklearn-1.5:2").unwrap(),
            Environment::Curated("AzureML-sklearn-1.5:2".into())
        );
        assert!(parse_reference("env").unwrap_err().contains("version"));
        assert!(parse_reference("env@3").is_err());
        assert!(parse_reference("").unwrap_err().starts_with("required"));
    }

    #[test]
    fn progress_lines_say_what_happens() {
        assert_eq!(
            step_line(
                &Step::CodeReused {
                    code_id: "x".into()
                },
                10
            ),
            "code asset reused, nothing uploaded"
        );
        assert_eq!(
            step_line(
                &Step::Uploading {
                    files_done: 12,
                    files_total: 40,
                    bytes_done: 3_100_000,
                    bytes_total: 8_000_000
                },
                1_000
            ),
            "uploading 12/40 files, 3.1 MB of 8.0 MB, 3.1 MB/s"
        );
    }

    #[test]
    fn tab_completes_folder_names_only_when_the_text_names_none() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        for d in ["src", "srv", "scripts/models", ".venv"] {
            std::fs::create_dir_all(cwd.join(d)).unwrap();
        }
        std::fs::write(cwd.join("setup.py"), "").unwrap();
        assert_eq!(
            complete_dir("sr", cwd, None),
            None,
            "src and srv share only sr"
        );
        assert_eq!(complete_dir("sc", cwd, None), Some("scripts/".into()));
        assert_eq!(
            complete_dir("scripts/m", cwd, None),
            Some("scripts/models/".into())
        );
        assert_eq!(complete_dir("se", cwd, None), None, "files are not offered");
        assert_eq!(
            complete_dir("src", cwd, None),
            None,
            "a folder: Tab moves on"
        );
        assert_eq!(complete_dir(".", cwd, None), None);
        assert_eq!(complete_dir(".v", cwd, None), Some(".venv/".into()));
        assert_eq!(complete_dir("nope/x", cwd, None), None);
    }

    #[test]
    fn common_prefixes() {
        assert_eq!(common_prefix(&["src".into(), "srv".into()]), "sr");
        assert_eq!(common_prefix(&["a".into()]), "a");
    }
}
