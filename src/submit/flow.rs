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
use crate::azure::assets::{WORKSPACE_BLOBSTORE, build_environment_body};
use crate::azure::blob::{
    Container, META_NAME, META_UPLOAD_STATUS, META_VERSION, UploadFile, code_uri,
};
use crate::azure::error::AzureError;
use crate::submit::git;
use crate::submit::job_yaml::{
    ANONYMOUS_ENVIRONMENT, Code, Compute, DataKind, DataPath, Environment, Input, JobSpec,
    anonymous_version,
};
use crate::submit::snapshot::{Snapshot, SnapshotError, object_hash};
use crate::wizard::yaml::{Node, NodeValue};
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
/// process's working directory (the experiment name, and the git commands when the job has no
/// local code).
pub fn plan(spec: JobSpec, cwd: &Path) -> Result<Plan, SubmitError> {
    plan_with_env(spec, cwd, &|k| std::env::var(k).ok())
}

/// [`plan`] with the environment variables read through `env` (tests).
pub fn plan_with_env(
    mut spec: JobSpec,
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, SubmitError> {
    let mut notes = Vec::new();
    if spec.command.trim().is_empty() {
        return Err(SubmitError::Invalid("the job has no command".into()));
    }
    let snapshot = match &spec.code {
        Some(Code::Local(path)) => Some(Snapshot::of_path(path)?),
        _ => None,
    };
    if let Some(s) = &snapshot {
        notes.extend(s.warnings.iter().map(|w| format!("snapshot: {w}")));
    }
    for (name, input) in &spec.inputs {
        if let Input::Data {
            path: DataPath::Local(p),
            kind,
            ..
        } = input
        {
            let ok = match kind {
                DataKind::UriFile => p.is_file(),
                DataKind::UriFolder => p.is_dir(),
            };
            if !ok {
                return Err(SubmitError::Invalid(format!(
                    "inputs.{name}: {} is not a {}",
                    p.display(),
                    if *kind == DataKind::UriFile {
                        "file"
                    } else {
                        "folder"
                    }
                )));
            }
        }
    }
    // The git state of the code folder's repository (the process's folder without local code).
    let git_dir = match &spec.code {
        Some(Code::Local(p)) if p.is_dir() => p.clone(),
        Some(Code::Local(p)) => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.to_path_buf()),
        _ => cwd.to_path_buf(),
    };
    let git = git::properties(&git_dir, env, &spec.properties);
    notes.extend(git.notes);
    let local = spec.compute == Some(Compute::Local);
    if let Some(Environment::Inline {
        image: Some(_),
        conda_file: Some(conda),
        ..
    }) = &spec.environment
    {
        if local {
            notes.push(
                "the conda file is not applied on the local computer: the command runs in your current environment"
                    .into(),
            );
        }
        match read_conda(conda) {
            Ok((_, exact)) => {
                if !exact && !local {
                    notes.push(format!(
                        "{}: sent as written; amlc re-serialises only simple conda files as the SDK does (PyYAML, sorted keys), so this one's anonymous environment version differs from the SDK's",
                        conda.display()
                    ));
                }
            }
            Err(e) => return Err(e),
        }
    }
    let job_name = match &spec.name {
        Some(n) => n.clone(),
        None => generate_job_name(),
    };
    crate::azure::assets::check_job_name(&job_name)?;
    spec.name = Some(job_name.clone());
    let experiment_name = spec
        .experiment_name
        .clone()
        .unwrap_or_else(|| default_experiment(cwd));
    spec.experiment_name = Some(experiment_name.clone());
    Ok(Plan {
        spec,
        job_name,
        experiment_name,
        snapshot,
        git: git.properties,
        notes,
    })
}

/// The experiment of a job without one (§8): the folder's name, spaces removed, or `Default`.
pub fn default_experiment(cwd: &Path) -> String {
    let name: String = cwd
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if name.is_empty() {
        "Default".into()
    } else {
        name
    }
}

const ADJECTIVES: &[&str] = &[
    "affable", "amiable", "bold", "brave", "bright", "busy", "calm", "careful", "clever", "cool",
    "crisp", "cyan", "dreamy", "eager", "epic", "fair", "fervent", "frank", "funny", "gentle",
    "great", "happy", "heroic", "honest", "jolly", "keen", "kind", "lemon", "lively", "loyal",
    "lucid", "magenta", "mighty", "modest", "neat", "nice", "olive", "patient", "plucky", "polite",
    "quiet", "quirky", "red", "sharp", "shy", "silly", "sleepy", "strong", "sweet", "tender",
    "tidy", "upbeat", "witty", "yellow", "zealous",
];

const NOUNS: &[&str] = &[
    "apple", "arch", "bag", "basket", "bean", "brush", "cabbage", "car", "carrot", "cartoon",
    "cat", "cheese", "cloud", "coconut", "cup", "door", "drain", "engine", "feather", "fig",
    "garden", "ghost", "glove", "goat", "grape", "hair", "hat", "house", "island", "kettle",
    "kitten", "leaf", "lime", "lamp", "lizard", "mango", "market", "monkey", "night", "nail",
    "oil", "onion", "pasta", "pear", "pencil", "pin", "pizza", "plane", "plum", "pot", "rail",
    "rainbow", "river", "rose", "salt", "school", "shark", "snail", "soccer", "spoon", "square",
    "star", "stomach", "sun", "tail", "tomato", "tongue", "train", "tree", "truck", "vase", "wall",
    "yacht", "zebra",
];

/// A job name as the SDK generates one: `{adjective}_{noun}_{10 characters}` (§8).
pub fn generate_job_name() -> String {
    const TAIL: &[u8] = b"bcdfghjklmnpqrstvwxyz0123456789";
    let adjective = ADJECTIVES[fastrand::usize(..ADJECTIVES.len())];
    let noun = NOUNS[fastrand::usize(..NOUNS.len())];
    let tail: String = (0..10)
        .map(|_| char::from(TAIL[fastrand::usize(..TAIL.len())]))
        .collect();
    format!("{adjective}_{noun}_{tail}")
}

/// The conda file's text to send as `condaFile`, and whether it is the SDK's exact
/// re-serialisation (§3.3: PyYAML, `sort_keys=True`); a file amlc cannot re-serialise exactly
/// is sent as written (`false`).
pub fn read_conda(path: &Path) -> Result<(String, bool), SubmitError> {
    let text = crate::wizard::engine::read_text(path, crate::wizard::yaml::MAX_YAML_BYTES as u64)
        .map_err(|_| {
        SubmitError::Invalid(format!(
            "environment.conda_file: cannot read {} (a UTF-8 text file of at most 1 MiB)",
            path.display()
        ))
    })?;
    let node = match crate::wizard::yaml::parse(&text) {
        Ok(Some(node)) => node,
        Ok(None) => return Ok((text, false)),
        Err(e) => {
            return Err(SubmitError::Invalid(format!(
                "{}:{}:{}: not valid YAML: {}",
                path.display(),
                e.line,
                e.col,
                e.message
            )));
        }
    };
    match pyyaml_dump(&node) {
        Some(dumped) => Ok((dumped, true)),
        None => Ok((text, false)),
    }
}

/// `yaml.dump(data, sort_keys=True)` of PyYAML for the documents it is sure to write the same
/// way: mappings, sequences, nulls and plain strings that PyYAML would neither quote nor read
/// as another type. `None` for anything else.
pub fn pyyaml_dump(node: &Node) -> Option<String> {
    let mut out = String::new();
    match &node.value {
        NodeValue::Map(_) | NodeValue::Seq(_) => dump_block(node, 0, &mut out)?,
        _ => return None,
    }
    Some(out)
}

fn dump_block(node: &Node, indent: usize, out: &mut String) -> Option<()> {
    let pad = " ".repeat(indent);
    match &node.value {
        NodeValue::Map(entries) => {
            let mut sorted: Vec<&(crate::wizard::yaml::Key, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.text.cmp(&b.0.text));
            for (k, v) in sorted {
                out.push_str(&pad);
                out.push_str(plain(&k.text)?);
                out.push(':');
                dump_value(v, indent, true, out)?;
            }
        }
        NodeValue::Seq(items) => {
            for item in items {
                match &item.value {
                    NodeValue::Map(m) if !m.is_empty() => nested_item(item, indent, out)?,
                    NodeValue::Seq(s) if !s.is_empty() => nested_item(item, indent, out)?,
                    _ => {
                        out.push_str(&pad);
                        out.push('-');
                        dump_value(item, indent, false, out)?;
                    }
                }
            }
        }
        _ => return None,
    }
    Some(())
}

/// A mapping or sequence as an item of a sequence: its first line follows the dash
/// (`- k: v`, `- - x`), the others line up under it.
fn nested_item(item: &Node, indent: usize, out: &mut String) -> Option<()> {
    let mut inner = String::new();
    dump_block(item, indent + 2, &mut inner)?;
    out.push_str(&" ".repeat(indent));
    out.push_str("- ");
    out.push_str(inner.get(indent + 2..)?);
    Some(())
}

/// A value after `key:` (`in_map`) or `-`.
fn dump_value(v: &Node, indent: usize, in_map: bool, out: &mut String) -> Option<()> {
    match &v.value {
        NodeValue::Null => out.push_str(" null\n"),
        NodeValue::Scalar(s) => {
            out.push(' ');
            out.push_str(plain(s)?);
            out.push('\n');
        }
        NodeValue::Map(m) if m.is_empty() => out.push_str(" {}\n"),
        NodeValue::Seq(s) if s.is_empty() => out.push_str(" []\n"),
        NodeValue::Map(_) => {
            out.push('\n');
            dump_block(v, indent + 2, out)?;
        }
        // PyYAML writes a mapping's sequence without indenting it.
        NodeValue::Seq(_) if in_map => {
            out.push('\n');
            dump_block(v, indent, out)?;
        }
        NodeValue::Seq(_) => return None,
    }
    Some(())
}

/// `s` when PyYAML writes it plain and reads it back as this string; `None` otherwise.
fn plain(s: &str) -> Option<&str> {
    let first = s.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_' || first == '/') {
        return None;
    }
    let ok = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-=<>!~/+*,".contains(c) || c == ':');
    if !ok || s.ends_with(':') || s.contains(": ") || s.contains(",") {
        return None;
    }
    // PyYAML's bool and null words (its resolver has no `y`/`n`); any case, to be safe.
    const SPECIAL: &[&str] = &["yes", "no", "true", "false", "on", "off", "null"];
    if SPECIAL.contains(&s.to_ascii_lowercase().as_str()) {
        return None;
    }
    Some(s)
}

/// The `environmentId` of the plan's environment when it is known without a request: a
/// registered version, a curated or ARM id, and an inline environment (its anonymous version
/// is a hash of what is on disk); `None` for `name@latest`.
fn offline_environment_id(plan: &Plan, workspace_id: &str) -> Result<Option<String>, SubmitError> {
    let Some(env) = &plan.spec.environment else {
        return Err(SubmitError::Invalid("the job names no environment".into()));
    };
    if let Some(id) = env.id(workspace_id) {
        return Ok(Some(id));
    }
    let anon =
        |v: String| format!("{workspace_id}/environments/{ANONYMOUS_ENVIRONMENT}/versions/{v}");
    Ok(match env {
        Environment::Inline {
            image: Some(image),
            conda_file,
            ..
        } => {
            let conda = conda_file.as_deref().map(read_conda).transpose()?;
            Some(anon(anonymous_version(
                image,
                conda.as_ref().map(|(t, _)| t.as_str()),
            )))
        }
        Environment::Inline {
            build: Some(build), ..
        } => {
            let hash = object_hash(&build.path)?;
            Some(anon(build_version(&hash, build.dockerfile_path.as_deref())))
        }
        _ => None,
    })
}

/// The anonymous version of a build context (§3.3): `s(s(objectHash))`, or with a Dockerfile
/// path `s(s(objectHash).join(s(dockerfile_path)))`: the image rule with the object hash for the
/// image and the Dockerfile path for the conda text.
pub fn build_version(object_hash: &str, dockerfile_path: Option<&str>) -> String {
    crate::submit::job_yaml::anonymous_version(object_hash, dockerfile_path)
}

/// The datastore URI a local input is uploaded to (§1 variants, §7):
/// `azureml://datastores/workspaceblobstore/paths/LocalUpload/<objectHash>/<name>/` for a
/// folder, `…/<objectHash>/<file name>` for a file.
pub fn local_input_uri(path: &Path, kind: DataKind) -> Result<String, SubmitError> {
    let hash = object_hash(path)?;
    let name = local_name(path)?;
    Ok(match kind {
        DataKind::UriFolder => {
            format!("azureml://datastores/{WORKSPACE_BLOBSTORE}/paths/LocalUpload/{hash}/{name}/")
        }
        DataKind::UriFile => {
            format!("azureml://datastores/{WORKSPACE_BLOBSTORE}/paths/LocalUpload/{hash}/{name}")
        }
    })
}

/// The name a local path is uploaded under: its resolved base name.
fn local_name(path: &Path) -> Result<String, SubmitError> {
    let canon = std::fs::canonicalize(path).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    canon
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| SubmitError::Invalid(format!("{}: no usable name", path.display())))
}

/// The spec with its git properties merged and local inputs replaced by `uris`.
fn spec_for_body(plan: &Plan, uris: &[(String, String)]) -> JobSpec {
    let mut spec = plan.spec.clone();
    spec.properties.extend(plan.git.iter().cloned());
    for (name, input) in spec.inputs.iter_mut() {
        if let Input::Data { path, .. } = input
            && matches!(path, DataPath::Local(_))
            && let Some((_, uri)) = uris.iter().find(|(n, _)| n == name)
        {
            *path = DataPath::Remote(uri.clone());
        }
    }
    spec
}

/// The job body as it would be sent, for `--dry-run` and the review step; ids not known
/// without the network are shown as placeholders (`<code version of hash …>`,
/// `<latest version>`). Local inputs show the datastore URI they will be uploaded to.
pub fn preview_body(plan: &Plan, workspace_id: &str) -> Result<serde_json::Value, SubmitError> {
    let env_id = match offline_environment_id(plan, workspace_id)? {
        Some(id) => id,
        None => match &plan.spec.environment {
            Some(Environment::Registered { name, .. }) => {
                format!("{workspace_id}/environments/{name}/versions/<latest version>")
            }
            _ => "<environment>".into(),
        },
    };
    let code_id = match (&plan.snapshot, &plan.spec.code) {
        (Some(s), _) => Some(format!(
            "{workspace_id}/codes/<code version of hash {}…>/versions/<reused or 1>",
            &s.content_hash[..12]
        )),
        (None, Some(Code::Remote(r))) => Some(remote_code_id(r, workspace_id)?),
        _ => None,
    };
    let mut uris = Vec::new();
    for (name, input) in &plan.spec.inputs {
        if let Input::Data {
            path: DataPath::Local(p),
            kind,
            ..
        } = input
        {
            uris.push((name.clone(), local_input_uri(p, *kind)?));
        }
    }
    job_body(plan, workspace_id, code_id.as_deref(), &env_id, &uris)
}

/// The job PUT body (§8) of `plan` with these ids: git properties merged into `properties`,
/// local inputs replaced by their datastore URIs (`input_uris`, by input name).
pub fn job_body(
    plan: &Plan,
    workspace_id: &str,
    code_id: Option<&str>,
    environment_id: &str,
    input_uris: &[(String, String)],
) -> Result<serde_json::Value, SubmitError> {
    spec_for_body(plan, input_uris)
        .to_body(workspace_id, code_id, environment_id)
        .map_err(SubmitError::Invalid)
}

/// The `codeId` of a remote `code:`: `azureml:name:version` as an ARM id, an ARM id verbatim.
fn remote_code_id(code: &str, workspace_id: &str) -> Result<String, SubmitError> {
    if code.starts_with("/subscriptions/") {
        return Ok(code.to_string());
    }
    if let Some(rest) = code.strip_prefix("azureml:")
        && !rest.starts_with("//")
        && let Some((name, version)) = rest.split_once(':')
        && !name.is_empty()
        && !version.is_empty()
    {
        return Ok(format!("{workspace_id}/codes/{name}/versions/{version}"));
    }
    Err(SubmitError::Invalid(format!(
        "code: amlc submits a local folder, a registered code asset (azureml:NAME:VERSION) or its ARM id; {code:?} is neither"
    )))
}

/// Sends the plan to the workspace (not for `compute: local`, see `submit::local`).
pub async fn submit(
    client: &AmlClient,
    plan: &Plan,
    progress: Progress<'_>,
) -> Result<Outcome, SubmitError> {
    if plan.spec.compute == Some(Compute::Local) {
        return Err(SubmitError::Invalid(
            "compute: local runs on this machine (submit::local), not through the workspace".into(),
        ));
    }
    let workspace_id = client.context().workspace_id();
    // 1. Code (§1 #1–#6).
    let (code, code_id) = match (&plan.snapshot, &plan.spec.code) {
        (Some(snapshot), _) => {
            let outcome = upload_code(client, snapshot, progress).await?;
            let id = match &outcome {
                CodeOutcome::Reused { code_id } | CodeOutcome::Uploaded { code_id, .. } => {
                    code_id.clone()
                }
                CodeOutcome::None => String::new(),
            };
            (outcome, Some(id))
        }
        (None, Some(Code::Remote(r))) => {
            (CodeOutcome::None, Some(remote_code_id(r, &workspace_id)?))
        }
        _ => (CodeOutcome::None, None),
    };
    // 2. Environment (§6).
    let environment_id = resolve_environment(client, plan, &workspace_id).await?;
    progress(Step::Environment {
        id: environment_id.clone(),
    });
    // 3. Local inputs (§7).
    let mut uris = Vec::new();
    let mut store: Option<(Container, String)> = None;
    for (name, input) in &plan.spec.inputs {
        if let Input::Data {
            path: DataPath::Local(p),
            kind,
            ..
        } = input
        {
            if store.is_none() {
                store = Some(datastore_container(client).await?);
            }
            let Some((container, _)) = &store else {
                continue;
            };
            let (hash, base) = upload_local(container, p, progress).await?;
            let uri = match kind {
                DataKind::UriFolder => format!(
                    "azureml://datastores/{WORKSPACE_BLOBSTORE}/paths/LocalUpload/{hash}/{base}/"
                ),
                DataKind::UriFile => format!(
                    "azureml://datastores/{WORKSPACE_BLOBSTORE}/paths/LocalUpload/{hash}/{base}"
                ),
            };
            progress(Step::InputUploaded {
                name: name.clone(),
                uri: uri.clone(),
            });
            uris.push((name.clone(), uri));
        }
    }
    // 4. The job (§8).
    let body = job_body(
        plan,
        &workspace_id,
        code_id.as_deref(),
        &environment_id,
        &uris,
    )?;
    let job = client.create_job_raw(&plan.job_name, body).await?;
    progress(Step::JobCreated {
        name: plan.job_name.clone(),
    });
    Ok(Outcome {
        job_name: plan.job_name.clone(),
        job,
        code,
        environment_id,
    })
}

/// §1 #1–#6: reuse by content hash, else pending upload, blobs, completion mark, code PUT.
async fn upload_code(
    client: &AmlClient,
    snapshot: &Snapshot,
    progress: Progress<'_>,
) -> Result<CodeOutcome, SubmitError> {
    let hash = &snapshot.content_hash;
    progress(Step::LookingUpCode { hash: hash.clone() });
    if let Some(found) = client.find_code_by_hash(hash).await? {
        let (name, version) = found.name_version().ok_or_else(|| {
            SubmitError::Invalid(
                "the service answered the code lookup with a version without a usable id".into(),
            )
        })?;
        let code = client.get_code_version(&name, &version).await?;
        let code_id = code.id.filter(|s| !s.is_empty()).unwrap_or_else(|| {
            format!(
                "{}/codes/{name}/versions/{version}",
                client.context().workspace_id()
            )
        });
        progress(Step::CodeReused {
            code_id: code_id.clone(),
        });
        return Ok(CodeOutcome::Reused { code_id });
    }
    let name = uuid::Uuid::new_v4().to_string();
    let version = "1";
    let pending = client.start_pending_upload(&name, version).await?;
    let reference = pending.blob_reference_for_consumption;
    let sas = reference.credential.sas_uri.ok_or_else(|| {
        SubmitError::Invalid("startPendingUpload answered without a SAS URI".into())
    })?;
    let container = Container::from_sas_uri(client.pipeline().clone(), &sas)?;
    let indicator = snapshot.blob_name(snapshot.indicator_file());
    let (mut asset_name, mut asset_version) = (name.clone(), version.to_string());
    let existing = container.head(&indicator).await?;
    let completed = existing
        .as_ref()
        .is_some_and(|p| p.meta("upload_status") == Some("completed"));
    if completed {
        // An earlier complete upload of the same blobs (§4.4): its asset name and version.
        if let Some(p) = &existing {
            if let Some(n) = p.meta("name") {
                asset_name = n.to_string();
            }
            if let Some(v) = p.meta("version") {
                asset_version = v.to_string();
            }
        }
    } else {
        let container = if existing.is_some() {
            container.clone().overwriting()
        } else {
            container.clone()
        };
        let files: Vec<UploadFile> = snapshot
            .files
            .iter()
            .map(|f| UploadFile {
                blob: snapshot.blob_name(f),
                source: f.source.clone(),
                size: f.size,
            })
            .collect();
        progress(Step::Uploading {
            files_done: 0,
            files_total: files.len(),
            bytes_done: 0,
            bytes_total: snapshot.total_bytes,
        });
        container
            .upload_files(&files, &|p| {
                progress(Step::Uploading {
                    files_done: p.files_done,
                    files_total: p.files_total,
                    bytes_done: p.bytes_done,
                    bytes_total: p.bytes_total,
                })
            })
            .await?;
        container
            .set_metadata(
                &indicator,
                &[
                    (META_UPLOAD_STATUS, "completed"),
                    (META_NAME, &asset_name),
                    (META_VERSION, &asset_version),
                ],
            )
            .await?;
    }
    let blob_uri = reference
        .blob_uri
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| container.shown());
    let code_uri = code_uri(
        &blob_uri,
        container.last_segment(),
        snapshot.folder_name.as_deref(),
    )?;
    let code = client
        .put_code_version(&asset_name, &asset_version, &code_uri, hash)
        .await?;
    let code_id = code.id.filter(|s| !s.is_empty()).unwrap_or_else(|| {
        format!(
            "{}/codes/{asset_name}/versions/{asset_version}",
            client.context().workspace_id()
        )
    });
    progress(Step::CodeCreated {
        code_id: code_id.clone(),
    });
    Ok(CodeOutcome::Uploaded {
        code_id,
        files: snapshot.file_count(),
        bytes: snapshot.total_bytes,
    })
}

/// The `environmentId` to send (§6), with the requests it takes.
async fn resolve_environment(
    client: &AmlClient,
    plan: &Plan,
    workspace_id: &str,
) -> Result<String, SubmitError> {
    let Some(env) = &plan.spec.environment else {
        return Err(SubmitError::Invalid("the job names no environment".into()));
    };
    if let Some(id) = env.id(workspace_id) {
        return Ok(id);
    }
    let built =
        |v: &str| format!("{workspace_id}/environments/{ANONYMOUS_ENVIRONMENT}/versions/{v}");
    match env {
        Environment::Registered {
            name,
            version: None,
        } => {
            let latest = client.latest_environment_version(name).await?;
            Ok(match (latest.id.filter(|s| !s.is_empty()), latest.name) {
                (Some(id), _) => id,
                (None, Some(v)) => format!("{workspace_id}/environments/{name}/versions/{v}"),
                (None, None) => {
                    return Err(SubmitError::Invalid(format!(
                        "the service answered the latest version of environment {name} without an id"
                    )));
                }
            })
        }
        Environment::Inline {
            image: Some(image),
            conda_file,
            ..
        } => {
            let conda = conda_file.as_deref().map(read_conda).transpose()?;
            let conda = conda.as_ref().map(|(t, _)| t.as_str());
            let version = anonymous_version(image, conda);
            let answer = client
                .put_anonymous_environment(&version, image, conda)
                .await?;
            Ok(answer
                .id
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| built(&version)))
        }
        Environment::Inline {
            build: Some(build), ..
        } => {
            let (container, _) = datastore_container(client).await?;
            let (hash, base) = upload_local(&container, &build.path, &|_| {}).await?;
            let context_uri = format!(
                "{}/LocalUpload/{hash}/{base}/",
                container.shown().trim_end_matches('/')
            );
            let version = build_version(&hash, build.dockerfile_path.as_deref());
            let answer = client
                .put_environment_version(
                    ANONYMOUS_ENVIRONMENT,
                    &version,
                    build_environment_body(&context_uri, build.dockerfile_path.as_deref()),
                )
                .await?;
            Ok(answer
                .id
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| built(&version)))
        }
        _ => Err(SubmitError::Invalid(
            "the environment has neither an image nor a build context".into(),
        )),
    }
}

/// The default blob datastore's container (§7 #1–#2) with its SAS token, or its account key
/// (SharedKey), and the datastore's name. An identity-based datastore (no secrets) is refused:
/// the SDK would use an Entra token for storage, which amlc does not request.
async fn datastore_container(client: &AmlClient) -> Result<(Container, String), SubmitError> {
    let store = client.get_datastore(WORKSPACE_BLOBSTORE).await?;
    let (account, container) = store.blob_location()?;
    let identity = store
        .properties
        .credentials
        .as_ref()
        .and_then(|c| c.credentials_type.as_deref())
        .is_some_and(|t| t.eq_ignore_ascii_case("None"));
    if identity {
        return Err(SubmitError::Invalid(format!(
            "datastore {WORKSPACE_BLOBSTORE} is identity-based (no account key or SAS): amlc cannot upload local inputs or build contexts to it; use remote URIs (azureml://…) for them"
        )));
    }
    let secrets = client.datastore_secrets(WORKSPACE_BLOBSTORE).await?;
    let endpoint = client.context().cloud.blob_endpoint(&account);
    let pipeline = client.pipeline().clone();
    let c = match (&secrets.sas_token, &secrets.key) {
        (Some(sas), _) if !sas.is_empty() => {
            Container::from_datastore(pipeline, &endpoint, &container, sas)?
        }
        (_, Some(key)) if !key.is_empty() => {
            Container::from_datastore_key(pipeline, &endpoint, &account, &container, key)?
        }
        _ => {
            return Err(SubmitError::Invalid(format!(
                "datastore {WORKSPACE_BLOBSTORE} gave no SAS token or account key (secrets of type {})",
                secrets.secrets_type.as_deref().unwrap_or("none")
            )));
        }
    };
    Ok((c, WORKSPACE_BLOBSTORE.to_string()))
}

/// Uploads a local folder or file to `LocalUpload/<objectHash>/<name>/…` of the datastore
/// (§7), unless its indicator blob already says `upload_status: completed`. Returns the
/// object hash and the name.
async fn upload_local(
    container: &Container,
    path: &Path,
    progress: Progress<'_>,
) -> Result<(String, String), SubmitError> {
    let hash = object_hash(path)?;
    let base = local_name(path)?;
    let snapshot = Snapshot::of_path(path)?;
    let prefix = format!("LocalUpload/{hash}");
    let blob =
        |f: &crate::submit::snapshot::SnapshotFile| format!("{prefix}/{}", snapshot.blob_name(f));
    let indicator = blob(snapshot.indicator_file());
    let existing = container.head(&indicator).await?;
    if existing
        .as_ref()
        .is_some_and(|p| p.meta("upload_status") == Some("completed"))
    {
        return Ok((hash, base));
    }
    let container = if existing.is_some() {
        container.clone().overwriting()
    } else {
        container.clone()
    };
    let files: Vec<UploadFile> = snapshot
        .files
        .iter()
        .map(|f| UploadFile {
            blob: blob(f),
            source: f.source.clone(),
            size: f.size,
        })
        .collect();
    container
        .upload_files(&files, &|p| {
            progress(Step::Uploading {
                files_done: p.files_done,
                files_total: p.files_total,
                bytes_done: p.bytes_done,
                bytes_total: p.bytes_total,
            })
        })
        .await?;
    let name = uuid::Uuid::new_v4().to_string();
    container
        .set_metadata(
            &indicator,
            &[
                (META_UPLOAD_STATUS, "completed"),
                (META_NAME, &name),
                (META_VERSION, "1"),
            ],
        )
        .await?;
    Ok((hash, base))
}

#[cfg(test)]
mod tests;

/// A compile-time check: the submission can run as a task of its own (the TUI spawns it).
#[cfg(test)]
#[allow(dead_code)]
fn submit_is_send(client: &AmlClient, plan: &Plan) {
    fn is_send<T: Send>(_: T) {}
    is_send(submit(client, plan, &|_| {}));
}
