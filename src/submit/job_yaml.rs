//! az ml CLI v2 command job files (`amlc jobs create -f job.yml`): read into a typed job.
//!
//! Owns: reading a command job YAML (the `az ml` CLI v2 schema, `reference-yaml-job-command`)
//! into a [`JobSpec`] with every problem reported at its `FILE:LINE:COL` (unknown keys, bad
//! values, a job type amlc does not submit, `${{inputs.x}}` naming an undeclared input), the
//! `--set key=value` overrides, the classification of the job's environment (registered,
//! curated, user-managed, system-managed: `../shared/azureml-api/submit.md` §6), and the job PUT
//! body as the SDK sends it (submit.md §8, [`JobSpec::to_body`]).
//!
//! Must not: do network I/O, upload anything, or resolve `@latest` (the client does); parse
//! YAML a second way (the located tree of [`crate::wizard::yaml`] is reused); quote a value in
//! a message (keys and rules only, so a secret in the file never reaches the terminal).
//! The only file read is the job file itself ([`read`], bounded by [`MAX_YAML_BYTES`]).

use crate::wizard::engine::{ReadTextError, read_text};
use crate::wizard::yaml::{Key, Located, MAX_YAML_BYTES, Node, NodeValue, Origin, Override, parse};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// Where the code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// A local folder or file, resolved against the YAML file's folder.
    Local(PathBuf),
    /// A registered code asset or a remote URI (`azureml:…`, `https://…`, `git+…`), verbatim.
    Remote(String),
}

/// Where the job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compute {
    /// A workspace compute by name (`azureml:` stripped).
    Named(String),
    /// A full ARM id, verbatim.
    ArmId(String),
    /// This machine.
    Local,
}

/// A Docker build context (`environment.build`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub path: PathBuf,
    pub dockerfile_path: Option<String>,
}

/// The job's environment as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// A registered environment: `azureml:name:version` / `name:version` (`version`), or
    /// `azureml:name@latest` (`version` is `None`: the client looks the latest up).
    Registered {
        name: String,
        version: Option<String>,
    },
    /// A curated environment: an `azureml://registries/…` id or a reserved `AzureML-…` name,
    /// sent as [`Environment::id`] says.
    Curated(String),
    /// A full ARM id, verbatim.
    ArmId(String),
    /// Defined in the file: an image (with an optional conda file) or a build context.
    Inline {
        image: Option<String>,
        conda_file: Option<PathBuf>,
        build: Option<Build>,
    },
}

/// What kind of environment a job uses (submit.md §6), for `--help` and the TUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvKind {
    Registered,
    Curated,
    UserManaged,
    SystemManaged,
}

impl EnvKind {
    /// Every kind, in the order `--help` and the TUI list them.
    pub const ALL: [EnvKind; 4] = [
        EnvKind::Registered,
        EnvKind::Curated,
        EnvKind::UserManaged,
        EnvKind::SystemManaged,
    ];

    /// One line saying what the choice means.
    pub fn explain(self) -> &'static str {
        match self {
            EnvKind::Registered => {
                "registered: an environment of the workspace (name:version or name@latest), used as it is"
            }
            EnvKind::Curated => {
                "curated: an environment Microsoft maintains in the azureml registry (AzureML-…), used as it is"
            }
            EnvKind::UserManaged => {
                "user-managed: your image (or Docker build context) brings Python and every package; Azure ML installs nothing"
            }
            EnvKind::SystemManaged => {
                "system-managed: Azure ML builds a conda environment from your conda file on top of the image"
            }
        }
    }
}

impl Environment {
    pub fn kind(&self) -> EnvKind {
        match self {
            Environment::Registered { .. } | Environment::ArmId(_) => EnvKind::Registered,
            Environment::Curated(_) => EnvKind::Curated,
            Environment::Inline {
                image: Some(_),
                conda_file: Some(_),
                ..
            } => EnvKind::SystemManaged,
            Environment::Inline { .. } => EnvKind::UserManaged,
        }
    }

    /// The `environmentId` to send, when no request is needed to know it (submit.md §6):
    /// `{WS}/environments/n/versions/v` for a registered version, `azureml:NAME…` for a curated
    /// short name, registry and ARM ids verbatim. `None` for `@latest` and inline environments.
    pub fn id(&self, workspace_id: &str) -> Option<String> {
        match self {
            Environment::Registered {
                name,
                version: Some(v),
            } => Some(format!("{workspace_id}/environments/{name}/versions/{v}")),
            Environment::Curated(s) if s.starts_with("azureml://") => Some(s.clone()),
            Environment::Curated(s) => Some(format!("azureml:{s}")),
            Environment::ArmId(s) => Some(s.clone()),
            _ => None,
        }
    }
}

/// The name of every anonymous environment (submit.md §3.3).
pub const ANONYMOUS_ENVIRONMENT: &str = "CliV2AnonymousEnvironment";

/// The version of an inline environment's anonymous environment (submit.md §3.3): `image` alone,
/// or `image` plus the conda file as PyYAML re-serialises it (`sort_keys=True`), the same text
/// that is sent as `condaFile`.
pub fn anonymous_version(image: &str, conda_yaml: Option<&str>) -> String {
    let h = super::sha256_hex(image.as_bytes());
    match conda_yaml {
        None => super::sha256_hex(h.as_bytes()),
        Some(conda) => {
            let c = super::sha256_hex(conda.as_bytes());
            // Python's `h.join(c)`: the characters of `c` separated by `h`.
            let mut joined = String::with_capacity(c.len() * (h.len() + 1));
            for (i, ch) in c.chars().enumerate() {
                if i > 0 {
                    joined.push_str(&h);
                }
                joined.push(ch);
            }
            super::sha256_hex(joined.as_bytes())
        }
    }
}

/// A job input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A literal (`x: 1`, `x: "a b"`, or `{type: integer, value: 1, description}`), as text.
    Literal {
        value: String,
        description: Option<String>,
    },
    /// Data: `type: uri_file|uri_folder`, `path`, `mode`.
    Data {
        kind: DataKind,
        path: DataPath,
        mode: Option<Mode>,
        description: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    UriFile,
    UriFolder,
}

impl DataKind {
    fn yaml(self) -> &'static str {
        match self {
            DataKind::UriFile => "uri_file",
            DataKind::UriFolder => "uri_folder",
        }
    }
}

/// A data path: local (resolved against the YAML file's folder) or a URI, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataPath {
    Local(PathBuf),
    Remote(String),
}

/// Data access modes (YAML name → REST name).
const MODES: &[(&str, &str)] = &[
    ("ro_mount", "ReadOnlyMount"),
    ("rw_mount", "ReadWriteMount"),
    ("download", "Download"),
    ("upload", "Upload"),
    ("direct", "Direct"),
    ("eval_mount", "EvalMount"),
    ("eval_download", "EvalDownload"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode(&'static str, &'static str);

impl Mode {
    pub fn yaml(self) -> &'static str {
        self.0
    }
    pub fn rest(self) -> &'static str {
        self.1
    }
}

/// A job output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub kind: DataKind,
    /// A remote URI (`azureml://datastores/…`); `None` lets the service choose.
    pub path: Option<String>,
    pub mode: Option<Mode>,
    pub description: Option<String>,
}

/// `distribution`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distribution {
    PyTorch {
        process_count_per_instance: Option<u32>,
    },
    Mpi {
        process_count_per_instance: Option<u32>,
    },
    TensorFlow {
        worker_count: Option<u32>,
        parameter_server_count: Option<u32>,
    },
}

/// `resources`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    pub instance_count: Option<u32>,
    pub instance_type: Option<String>,
    pub shm_size: Option<String>,
    pub docker_args: Option<String>,
}

/// One of `services`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// YAML type (`jupyter_lab`, `ssh`, `tensor_board`, `vs_code`).
    pub kind: String,
    pub port: Option<u32>,
    /// `all` → every node.
    pub all_nodes: bool,
    pub ssh_public_keys: Option<String>,
    pub log_dir: Option<String>,
    pub properties: Vec<(String, String)>,
}

const SERVICE_TYPES: &[(&str, &str)] = &[
    ("jupyter_lab", "JupyterLab"),
    ("ssh", "SSH"),
    ("tensor_board", "TensorBoard"),
    ("vs_code", "VSCode"),
];

/// A command job file, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobSpec {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub experiment_name: Option<String>,
    pub description: Option<String>,
    pub command: String,
    pub code: Option<Code>,
    pub environment: Option<Environment>,
    pub compute: Option<Compute>,
    pub inputs: Vec<(String, Input)>,
    pub outputs: Vec<(String, Output)>,
    pub environment_variables: Vec<(String, String)>,
    pub resources: Option<Resources>,
    pub distribution: Option<Distribution>,
    /// `limits.timeout`, in seconds.
    pub timeout: Option<u64>,
    pub tags: Vec<(String, String)>,
    pub properties: Vec<(String, String)>,
    pub services: Vec<(String, Service)>,
    /// `identity.type`, as its REST name (`AMLToken`, `UserIdentity`, `Managed`).
    pub identity: Option<&'static str>,
}

const IDENTITY_TYPES: &[(&str, &str)] = &[
    ("aml_token", "AMLToken"),
    ("user_identity", "UserIdentity"),
    ("managed", "Managed"),
    ("managed_identity", "Managed"),
];

/// Job types of the schema that amlc does not submit, with what to use instead.
const REFUSED_TYPES: &[&str] = &["sweep", "pipeline", "automl", "spark", "parallel", "import"];

const TOP_KEYS: &[&str] = &[
    "$schema",
    "type",
    "name",
    "display_name",
    "experiment_name",
    "description",
    "command",
    "code",
    "environment",
    "compute",
    "inputs",
    "outputs",
    "environment_variables",
    "resources",
    "distribution",
    "limits",
    "tags",
    "properties",
    "services",
    "identity",
];

/// `base` joined with `rel`, without the `.` components `rel` may hold (`./src` is shown as
/// `…/src`, as the user thinks of it; `..` is kept: symlinks make it meaningful).
fn join_clean(base: &Path, rel: &str) -> PathBuf {
    let mut out = base.to_path_buf();
    for c in Path::new(rel).components() {
        if c != std::path::Component::CurDir {
            out.push(c);
        }
    }
    out
}

/// Reads a job file from disk (at most [`MAX_YAML_BYTES`]), applies `sets`, and reads it into a
/// [`JobSpec`]; relative paths are resolved against the file's folder.
pub fn read(path: &Path, sets: &[Override]) -> Result<JobSpec, Vec<Located>> {
    let file = path.display().to_string();
    let fail = |message: String| {
        vec![Located {
            source: file.clone(),
            line: None,
            col: None,
            field: String::new(),
            message,
        }]
    };
    let text = read_text(path, MAX_YAML_BYTES as u64).map_err(|e| {
        fail(match e {
            ReadTextError::Io(e) => format!("cannot read the file: {e}"),
            ReadTextError::NotAFile => "cannot read the file: it is not a regular file".into(),
            ReadTextError::TooBig(_) | ReadTextError::Grew => format!(
                "the file is larger than {MAX_YAML_BYTES} bytes (1 MiB), the most a job file may be"
            ),
            ReadTextError::NotUtf8(at) => {
                format!("cannot read the file: not UTF-8 text (invalid byte at offset {at})")
            }
        })
    })?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    load(&file, &text, &base, sets)
}

/// Reads the text of a job file named `file` (for messages) whose relative paths are relative
/// to `base`. Pure. Every problem is returned, sorted by place.
pub fn load(
    file: &str,
    text: &str,
    base: &Path,
    sets: &[Override],
) -> Result<JobSpec, Vec<Located>> {
    let mut r = Reader {
        file,
        base,
        problems: Vec::new(),
    };
    let mut root = match parse(text) {
        Ok(Some(node)) => node,
        Ok(None) => Node {
            value: NodeValue::Map(Vec::new()),
            at: Origin::File { line: 1, col: 1 },
        },
        Err(e) => {
            return Err(vec![Located {
                source: file.to_string(),
                line: Some(e.line),
                col: Some(e.col),
                field: String::new(),
                message: format!("not valid YAML: {}", e.message),
            }]);
        }
    };
    for set in sets {
        if let Err(message) = set.apply(&mut root) {
            r.problems.push(Located {
                source: set.origin.clone(),
                line: None,
                col: None,
                field: String::new(),
                message,
            });
        }
    }
    let spec = r.job(&root);
    if r.problems.is_empty() {
        Ok(spec)
    } else {
        r.problems
            .sort_by_key(|p| (p.line.is_none(), p.line, p.col));
        Err(r.problems)
    }
}

struct Reader<'a> {
    file: &'a str,
    base: &'a Path,
    problems: Vec<Located>,
}

impl Reader<'_> {
    fn problem(&mut self, at: &Origin, field: &str, message: impl Into<String>) {
        let (source, line, col) = match at {
            Origin::File { line, col } => (self.file.to_string(), Some(*line), Some(*col)),
            Origin::Arg(arg) => (arg.clone(), None, None),
        };
        self.problems.push(Located {
            source,
            line,
            col,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// The entries of a mapping, or a problem (`None`) when the node is something else.
    /// A null node is an empty mapping.
    fn map<'n>(&mut self, node: &'n Node, field: &str) -> Option<&'n [(Key, Node)]> {
        match &node.value {
            NodeValue::Map(entries) => Some(entries),
            NodeValue::Null => Some(&[]),
            _ => {
                self.problem(
                    &node.at,
                    field,
                    format!("must be a mapping, not {}", what(node)),
                );
                None
            }
        }
    }

    /// Reports every key not in `known`, naming the known ones.
    fn known(&mut self, entries: &[(Key, Node)], prefix: &str, known: &[&str]) {
        for (k, _) in entries {
            if !known.contains(&k.text.as_str()) {
                let field = join(prefix, &k.text);
                self.problem(
                    &k.at,
                    &field,
                    format!("unknown key (known here: {})", known.join(", ")),
                );
            }
        }
    }

    fn text(&mut self, node: &Node, field: &str) -> Option<String> {
        match &node.value {
            NodeValue::Scalar(s) => Some(s.clone()),
            NodeValue::Null => None,
            _ => {
                self.problem(
                    &node.at,
                    field,
                    format!("must be a text, not {}", what(node)),
                );
                None
            }
        }
    }

    fn count(&mut self, node: &Node, field: &str, min: u32) -> Option<u32> {
        let text = self.text(node, field)?;
        match text.trim().parse::<u32>() {
            Ok(n) if n >= min => Some(n),
            _ => {
                self.problem(
                    &node.at,
                    field,
                    format!("must be a whole number of at least {min}"),
                );
                None
            }
        }
    }

    /// A mapping of names to texts (`tags`, `environment_variables`, `properties`).
    fn pairs(&mut self, node: &Node, field: &str) -> Vec<(String, String)> {
        let Some(entries) = self.map(node, field) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let f = join(field, &k.text);
            if k.text.is_empty() {
                self.problem(&k.at, field, "an empty key");
                continue;
            }
            match &v.value {
                NodeValue::Scalar(s) => out.push((k.text.clone(), s.clone())),
                NodeValue::Null => out.push((k.text.clone(), String::new())),
                _ => self.problem(&v.at, &f, format!("must be a text, not {}", what(v))),
            }
        }
        out
    }

    fn local_or_remote(&self, text: &str) -> DataPath {
        // `file:` (and `file://`) name local paths; `azureml:` and other URIs are remote.
        if let Some(local) = text.strip_prefix("file:") {
            DataPath::Local(join_clean(
                self.base,
                local.strip_prefix("//").unwrap_or(local),
            ))
        } else if is_remote(text) {
            DataPath::Remote(text.to_string())
        } else {
            DataPath::Local(join_clean(self.base, text))
        }
    }

    fn job(&mut self, root: &Node) -> JobSpec {
        let mut spec = JobSpec::default();
        let Some(entries) = self.map(root, "") else {
            return spec;
        };
        // The type first: a refused type is the only thing worth saying.
        if let Some((k, v)) = entries.iter().find(|(k, _)| k.text == "type") {
            match self.text(v, "type").as_deref() {
                None | Some("command") => {}
                Some(t) if REFUSED_TYPES.contains(&t) => {
                    self.problem(
                        &v.at,
                        "type",
                        format!(
                            "amlc submits command jobs only; a {t} job is not submitted by amlc \
                             (use `az ml job create -f` for it)"
                        ),
                    );
                    return spec;
                }
                Some(_) => {
                    self.problem(
                        &k.at,
                        "type",
                        format!(
                            "unknown job type (amlc submits `command`; not submitted: {})",
                            REFUSED_TYPES.join(", ")
                        ),
                    );
                    return spec;
                }
            }
        }
        self.known(entries, "", TOP_KEYS);
        let mut command_at = None;
        for (k, v) in entries {
            let key = k.text.as_str();
            match key {
                "name" => spec.name = self.name(v, key),
                "display_name" => spec.display_name = self.text(v, key),
                "experiment_name" => spec.experiment_name = self.name(v, key),
                "description" => spec.description = self.text(v, key),
                "command" => {
                    command_at = Some(v.at.clone());
                    spec.command = self.text(v, key).unwrap_or_default();
                }
                "code" => {
                    spec.code = self.text(v, key).map(|t| match self.local_or_remote(&t) {
                        DataPath::Local(p) => Code::Local(p),
                        DataPath::Remote(s) => Code::Remote(s),
                    })
                }
                "environment" => spec.environment = self.environment(v),
                "compute" => spec.compute = self.compute(v),
                "inputs" => spec.inputs = self.inputs(v),
                "outputs" => spec.outputs = self.outputs(v),
                "environment_variables" => spec.environment_variables = self.pairs(v, key),
                "resources" => spec.resources = self.resources(v),
                "distribution" => spec.distribution = self.distribution(v),
                "limits" => spec.timeout = self.limits(v),
                "tags" => spec.tags = self.pairs(v, key),
                "properties" => spec.properties = self.pairs(v, key),
                "services" => spec.services = self.services(v),
                "identity" => spec.identity = self.identity(v),
                _ => {}
            }
        }
        match command_at {
            None => self.problem(
                &root.at,
                "command",
                "missing: a command job needs a command",
            ),
            Some(at) if spec.command.trim().is_empty() => {
                self.problem(&at, "command", "must not be empty")
            }
            Some(at) => self.placeholders(&spec, &at),
        }
        spec
    }

    /// `${{inputs.x}}` / `${{outputs.y}}` must name declared inputs and outputs.
    fn placeholders(&mut self, spec: &JobSpec, at: &Origin) {
        for expr in placeholders(&spec.command) {
            let (group, name) = expr.split_once('.').unwrap_or((expr.as_str(), ""));
            let declared = match group {
                "inputs" => spec.inputs.iter().any(|(n, _)| n == name),
                "outputs" => spec.outputs.iter().any(|(n, _)| n == name),
                _ => {
                    self.problem(
                        at,
                        "command",
                        format!(
                            "${{{{{expr}}}}}: a command job's command may only use \
                             ${{{{inputs.NAME}}}} and ${{{{outputs.NAME}}}}"
                        ),
                    );
                    continue;
                }
            };
            if !declared {
                self.problem(
                    at,
                    "command",
                    format!("${{{{{expr}}}}} names no declared {group}: add it under {group}:"),
                );
            }
        }
    }

    /// A job or experiment name: letters, digits, `_` and `-`, at most 255.
    fn name(&mut self, node: &Node, field: &str) -> Option<String> {
        let text = self.text(node, field)?;
        let ok = !text.is_empty()
            && text.len() <= 255
            && text
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            self.problem(
                &node.at,
                field,
                "must start with a letter or digit and hold only letters, digits, '_' and '-' \
                 (at most 255)",
            );
        }
        Some(text)
    }

    fn environment(&mut self, node: &Node) -> Option<Environment> {
        const F: &str = "environment";
        if let NodeValue::Scalar(s) = &node.value {
            let env = parse_environment(s);
            if env.is_none() {
                self.problem(
                    &node.at,
                    F,
                    "not an environment reference: use azureml:NAME:VERSION, azureml:NAME@latest, \
                     an azureml://registries/… id, or an inline mapping with image",
                );
            }
            return env;
        }
        let entries = self.map(node, F)?;
        self.known(
            entries,
            F,
            &[
                "image",
                "conda_file",
                "build",
                "name",
                "version",
                "description",
                "tags",
                "os_type",
            ],
        );
        // The reference: name and version are not supported for inline environments (the
        // anonymous environment's name and version are computed, submit.md §3.3).
        for (k, _) in entries {
            if k.text == "name" || k.text == "version" {
                self.problem(
                    &k.at,
                    &join(F, &k.text),
                    "an inline environment takes no name or version (register it and use \
                     azureml:NAME:VERSION instead)",
                );
            }
        }
        let (mut image, mut conda_file, mut build) = (None, None, None);
        for (k, v) in entries {
            let f = join(F, &k.text);
            match k.text.as_str() {
                "image" => image = self.text(v, &f),
                "conda_file" => conda_file = self.text(v, &f).map(|t| self.base.join(t)),
                "build" => {
                    let Some(b) = self.map(v, &f) else { continue };
                    self.known(b, &f, &["path", "dockerfile_path"]);
                    let mut path = None;
                    let mut dockerfile_path = None;
                    for (bk, bv) in b {
                        let bf = join(&f, &bk.text);
                        match bk.text.as_str() {
                            "path" => path = self.text(bv, &bf),
                            "dockerfile_path" => dockerfile_path = self.text(bv, &bf),
                            _ => {}
                        }
                    }
                    match path {
                        Some(p) => {
                            build = Some(Build {
                                path: if is_remote(&p) {
                                    PathBuf::from(p)
                                } else {
                                    self.base.join(p)
                                },
                                dockerfile_path,
                            })
                        }
                        None => self.problem(&v.at, &f, "a build needs path (the context folder)"),
                    }
                }
                "os_type" => {
                    if let Some(t) = self.text(v, &f)
                        && !matches!(t.to_ascii_lowercase().as_str(), "linux" | "windows")
                    {
                        self.problem(&v.at, &f, "must be linux or windows");
                    }
                }
                _ => {}
            }
        }
        match (&image, &build) {
            (Some(_), Some(_)) => {
                self.problem(&node.at, F, "give exactly one of image and build, not both")
            }
            (None, None) => self.problem(&node.at, F, "an inline environment needs image or build"),
            (None, Some(_)) if conda_file.is_some() => self.problem(
                &node.at,
                "environment.conda_file",
                "a conda file goes with an image, not with a build (put it in the build context)",
            ),
            _ => {}
        }
        Some(Environment::Inline {
            image,
            conda_file,
            build,
        })
    }

    fn compute(&mut self, node: &Node) -> Option<Compute> {
        let text = self.text(node, "compute")?;
        let name = text.strip_prefix("azureml:").unwrap_or(&text);
        if name == "local" {
            return Some(Compute::Local);
        }
        if name.starts_with("/subscriptions/") {
            return Some(Compute::ArmId(name.to_string()));
        }
        let ok = !name.is_empty()
            && name.len() <= 32
            && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            self.problem(
                &node.at,
                "compute",
                "must be local, NAME or azureml:NAME (a compute name: a letter first, then \
                 letters, digits and '-', at most 32)",
            );
            return None;
        }
        Some(Compute::Named(name.to_string()))
    }

    fn mode(&mut self, node: &Node, field: &str) -> Option<Mode> {
        let text = self.text(node, field)?;
        match MODES.iter().find(|(y, _)| *y == text) {
            Some((y, r)) => Some(Mode(y, r)),
            None => {
                let names: Vec<&str> = MODES.iter().map(|(y, _)| *y).collect();
                self.problem(
                    &node.at,
                    field,
                    format!("must be one of {}", names.join(", ")),
                );
                None
            }
        }
    }

    fn data_kind(&mut self, node: &Node, field: &str) -> Option<DataKind> {
        match self.text(node, field)?.as_str() {
            "uri_file" => Some(DataKind::UriFile),
            "uri_folder" => Some(DataKind::UriFolder),
            _ => {
                self.problem(
                    &node.at,
                    field,
                    "amlc takes uri_file and uri_folder data (mltable and model types are not \
                     supported)",
                );
                None
            }
        }
    }

    fn inputs(&mut self, node: &Node) -> Vec<(String, Input)> {
        let Some(entries) = self.map(node, "inputs") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let f = join("inputs", &k.text);
            if !is_identifier(&k.text) {
                self.problem(
                    &k.at,
                    &f,
                    "an input name is a letter or '_' then letters, digits, '_'",
                );
                continue;
            }
            match &v.value {
                NodeValue::Scalar(s) => out.push((
                    k.text.clone(),
                    Input::Literal {
                        value: s.clone(),
                        description: None,
                    },
                )),
                NodeValue::Map(m) => {
                    self.known(
                        m,
                        &f,
                        &["type", "path", "mode", "description", "value", "default"],
                    );
                    let get = |key: &str| m.iter().find(|(mk, _)| mk.text == key).map(|(_, n)| n);
                    // A literal written as a mapping: `{type: string|integer|number|boolean, value}`.
                    let ty = get("type").and_then(|n| match &n.value {
                        NodeValue::Scalar(s) => Some(s.clone()),
                        _ => None,
                    });
                    if let Some(t @ ("string" | "integer" | "number" | "boolean")) = ty.as_deref() {
                        for (mk, _) in m {
                            if mk.text == "path" || mk.text == "mode" {
                                self.problem(
                                    &mk.at,
                                    &join(&f, &mk.text),
                                    format!("a {t} input takes value, not {}", mk.text),
                                );
                            }
                        }
                        let description =
                            get("description").and_then(|n| self.text(n, &join(&f, "description")));
                        let Some(n) = get("value").or(get("default")) else {
                            self.problem(&v.at, &f, format!("a {t} input needs value"));
                            continue;
                        };
                        let vf = join(&f, "value");
                        let Some(value) = self.text(n, &vf) else {
                            self.problem(&n.at, &vf, "must be given");
                            continue;
                        };
                        let fits = match t {
                            "integer" => value.trim().parse::<i64>().is_ok(),
                            "number" => value.trim().parse::<f64>().is_ok(),
                            "boolean" => {
                                matches!(value.as_str(), "true" | "false" | "True" | "False")
                            }
                            _ => true,
                        };
                        if !fits {
                            self.problem(
                                &n.at,
                                &vf,
                                format!("must be a{} {t}", if t == "integer" { "n" } else { "" }),
                            );
                            continue;
                        }
                        out.push((k.text.clone(), Input::Literal { value, description }));
                        continue;
                    }
                    let kind = match get("type") {
                        Some(n) => self.data_kind(n, &join(&f, "type")),
                        None => {
                            self.problem(
                                &v.at,
                                &f,
                                "a data input needs type: uri_file or uri_folder",
                            );
                            None
                        }
                    };
                    let path = match get("path") {
                        Some(n) => self.text(n, &join(&f, "path")),
                        None => {
                            self.problem(&v.at, &f, "a data input needs path");
                            None
                        }
                    };
                    let mode = get("mode").and_then(|n| self.mode(n, &join(&f, "mode")));
                    let description =
                        get("description").and_then(|n| self.text(n, &join(&f, "description")));
                    if let (Some(kind), Some(path)) = (kind, path) {
                        let path = self.local_or_remote(&path);
                        out.push((
                            k.text.clone(),
                            Input::Data {
                                kind,
                                path,
                                mode,
                                description,
                            },
                        ));
                    }
                }
                _ => self.problem(
                    &v.at,
                    &f,
                    format!("must be a literal or a mapping, not {}", what(v)),
                ),
            }
        }
        out
    }

    fn outputs(&mut self, node: &Node) -> Vec<(String, Output)> {
        let Some(entries) = self.map(node, "outputs") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let f = join("outputs", &k.text);
            if !is_identifier(&k.text) {
                self.problem(
                    &k.at,
                    &f,
                    "an output name is a letter or '_' then letters, digits, '_'",
                );
                continue;
            }
            let Some(m) = self.map(v, &f) else { continue };
            self.known(m, &f, &["type", "path", "mode", "description"]);
            let mut o = Output {
                kind: DataKind::UriFolder,
                path: None,
                mode: None,
                description: None,
            };
            for (ok, ov) in m {
                let of = join(&f, &ok.text);
                match ok.text.as_str() {
                    "type" => {
                        if let Some(kind) = self.data_kind(ov, &of) {
                            o.kind = kind
                        }
                    }
                    "path" => {
                        o.path = self.text(ov, &of);
                        if o.path.as_deref().is_some_and(|p| !is_remote(p)) {
                            self.problem(
                                &ov.at,
                                &of,
                                "an output path is a remote URI (azureml://datastores/…), not a \
                                 local path",
                            );
                        }
                    }
                    "mode" => o.mode = self.mode(ov, &of),
                    "description" => o.description = self.text(ov, &of),
                    _ => {}
                }
            }
            out.push((k.text.clone(), o));
        }
        out
    }

    fn resources(&mut self, node: &Node) -> Option<Resources> {
        let entries = self.map(node, "resources")?;
        self.known(
            entries,
            "resources",
            &["instance_count", "instance_type", "shm_size", "docker_args"],
        );
        let mut r = Resources::default();
        for (k, v) in entries {
            let f = join("resources", &k.text);
            match k.text.as_str() {
                "instance_count" => r.instance_count = self.count(v, &f, 1),
                "instance_type" => r.instance_type = self.text(v, &f),
                "shm_size" => {
                    r.shm_size = self.text(v, &f);
                    let ok = r.shm_size.as_deref().is_some_and(|s| {
                        let digits = s.trim_end_matches(|c: char| "bkmgBKMG".contains(c));
                        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
                    });
                    if !ok {
                        self.problem(&v.at, &f, "must be a size such as 2g or 512m");
                    }
                }
                "docker_args" => r.docker_args = self.text(v, &f),
                _ => {}
            }
        }
        Some(r)
    }

    fn distribution(&mut self, node: &Node) -> Option<Distribution> {
        const F: &str = "distribution";
        let entries = self.map(node, F)?;
        let ty = entries.iter().find(|(k, _)| k.text == "type");
        let Some((_, tv)) = ty else {
            self.problem(&node.at, F, "needs type: pytorch, mpi or tensorflow");
            return None;
        };
        let t = self.text(tv, "distribution.type")?;
        let keys: &[&str] = match t.as_str() {
            "pytorch" | "mpi" => &["type", "process_count_per_instance"],
            "tensorflow" => &["type", "worker_count", "parameter_server_count"],
            _ => {
                self.problem(
                    &tv.at,
                    "distribution.type",
                    "must be pytorch, mpi or tensorflow",
                );
                return None;
            }
        };
        self.known(entries, F, keys);
        let mut get = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.text == key)
                .and_then(|(_, v)| {
                    self.count(
                        v,
                        &join(F, key),
                        if key == "parameter_server_count" {
                            0
                        } else {
                            1
                        },
                    )
                })
        };
        Some(match t.as_str() {
            "pytorch" => Distribution::PyTorch {
                process_count_per_instance: get("process_count_per_instance"),
            },
            "mpi" => Distribution::Mpi {
                process_count_per_instance: get("process_count_per_instance"),
            },
            _ => Distribution::TensorFlow {
                worker_count: get("worker_count"),
                parameter_server_count: get("parameter_server_count"),
            },
        })
    }

    fn limits(&mut self, node: &Node) -> Option<u64> {
        let entries = self.map(node, "limits")?;
        self.known(entries, "limits", &["timeout"]);
        let (_, v) = entries.iter().find(|(k, _)| k.text == "timeout")?;
        let text = self.text(v, "limits.timeout")?;
        match text.trim().parse::<u64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.problem(
                    &v.at,
                    "limits.timeout",
                    "must be a number of seconds, at least 1",
                );
                None
            }
        }
    }

    fn identity(&mut self, node: &Node) -> Option<&'static str> {
        let entries = self.map(node, "identity")?;
        self.known(entries, "identity", &["type"]);
        let Some((_, v)) = entries.iter().find(|(k, _)| k.text == "type") else {
            self.problem(
                &node.at,
                "identity",
                "needs type: aml_token, user_identity or managed",
            );
            return None;
        };
        let t = self.text(v, "identity.type")?;
        match IDENTITY_TYPES.iter().find(|(y, _)| *y == t) {
            Some((_, r)) => Some(r),
            None => {
                self.problem(
                    &v.at,
                    "identity.type",
                    "must be aml_token, user_identity or managed",
                );
                None
            }
        }
    }

    fn services(&mut self, node: &Node) -> Vec<(String, Service)> {
        let Some(entries) = self.map(node, "services") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let f = join("services", &k.text);
            let Some(m) = self.map(v, &f) else { continue };
            self.known(
                m,
                &f,
                &[
                    "type",
                    "port",
                    "nodes",
                    "ssh_public_keys",
                    "log_dir",
                    "properties",
                ],
            );
            let mut s = Service {
                kind: String::new(),
                port: None,
                all_nodes: false,
                ssh_public_keys: None,
                log_dir: None,
                properties: Vec::new(),
            };
            for (sk, sv) in m {
                let sf = join(&f, &sk.text);
                match sk.text.as_str() {
                    "type" => match self.text(sv, &sf) {
                        Some(t) if SERVICE_TYPES.iter().any(|(y, _)| *y == t) => s.kind = t,
                        _ => self.problem(
                            &sv.at,
                            &sf,
                            "must be jupyter_lab, ssh, tensor_board or vs_code",
                        ),
                    },
                    "port" => {
                        s.port = self.count(sv, &sf, 1);
                        if s.port.is_some_and(|p| p > 65535) {
                            self.problem(&sv.at, &sf, "must be a port number, 1 to 65535");
                        }
                    }
                    "nodes" => match self.text(sv, &sf).as_deref() {
                        Some("all") => s.all_nodes = true,
                        _ => self.problem(&sv.at, &sf, "must be all"),
                    },
                    "ssh_public_keys" => s.ssh_public_keys = self.text(sv, &sf),
                    "log_dir" => s.log_dir = self.text(sv, &sf),
                    "properties" => s.properties = self.pairs(sv, &sf),
                    _ => {}
                }
            }
            if s.kind.is_empty() && !m.iter().any(|(sk, _)| sk.text == "type") {
                self.problem(&v.at, &f, "a service needs type");
            }
            out.push((k.text.clone(), s));
        }
        out
    }
}

impl JobSpec {
    /// The job PUT body as the SDK sends it (submit.md §8). `workspace_id` is the workspace's
    /// ARM id (`/subscriptions/…/workspaces/W`), for `computeId`; `code_id` the code version's
    /// id; `environment_id` the environment's (see [`Environment::id`]). Git properties
    /// (§8.1) are the caller's, merged into `properties` before. `Err` names a local data input,
    /// which must be uploaded (its path replaced by a URI) before the body can be built.
    pub fn to_body(
        &self,
        workspace_id: &str,
        code_id: Option<&str>,
        environment_id: &str,
    ) -> Result<Value, String> {
        let mut p = Map::new();
        if let Some(d) = &self.description {
            p.insert("description".into(), json!(d));
        }
        if let Some(d) = self.display_name.as_ref().or(self.name.as_ref()) {
            p.insert("displayName".into(), json!(d));
        }
        if let Some(c) = code_id {
            p.insert("codeId".into(), json!(c));
        }
        p.insert("command".into(), json!(self.command));
        match &self.compute {
            Some(Compute::Named(n)) => {
                p.insert(
                    "computeId".into(),
                    json!(format!("{workspace_id}/computes/{n}")),
                );
            }
            Some(Compute::ArmId(id)) => {
                p.insert("computeId".into(), json!(id));
            }
            Some(Compute::Local) | None => {}
        }
        p.insert("properties".into(), pairs_json(&self.properties));
        if let Some(e) = &self.experiment_name {
            p.insert("experimentName".into(), json!(e));
        }
        p.insert("isArchived".into(), json!(false));
        let mut inputs = Map::new();
        for (name, input) in &self.inputs {
            let v = match input {
                Input::Literal { value, description } => {
                    let mut m = Map::new();
                    if let Some(d) = description {
                        m.insert("description".into(), json!(d));
                    }
                    m.insert("value".into(), json!(value));
                    m.insert("jobInputType".into(), json!("literal"));
                    Value::Object(m)
                }
                Input::Data {
                    kind,
                    path,
                    mode,
                    description,
                } => {
                    let uri = match path {
                        DataPath::Remote(u) => u,
                        DataPath::Local(_) => {
                            return Err(format!(
                                "inputs.{name} is a local path: it is uploaded before the job is sent"
                            ));
                        }
                    };
                    let mut m = Map::new();
                    m.insert("uri".into(), json!(uri));
                    m.insert("jobInputType".into(), json!(kind.yaml()));
                    if let Some(mode) = mode {
                        m.insert("mode".into(), json!(mode.rest()));
                    }
                    if let Some(d) = description {
                        m.insert("description".into(), json!(d));
                    }
                    Value::Object(m)
                }
            };
            inputs.insert(name.clone(), v);
        }
        p.insert("inputs".into(), Value::Object(inputs));
        let mut outputs = Map::new();
        for (name, o) in &self.outputs {
            let mut m = Map::new();
            if let Some(u) = &o.path {
                m.insert("uri".into(), json!(u));
            }
            m.insert("jobOutputType".into(), json!(o.kind.yaml()));
            if let Some(mode) = o.mode {
                m.insert("mode".into(), json!(mode.rest()));
            }
            if let Some(d) = &o.description {
                m.insert("description".into(), json!(d));
            }
            outputs.insert(name.clone(), Value::Object(m));
        }
        p.insert("outputs".into(), Value::Object(outputs));
        p.insert("environmentId".into(), json!(environment_id));
        p.insert("tags".into(), pairs_json(&self.tags));
        p.insert(
            "environmentVariables".into(),
            pairs_json(&self.environment_variables),
        );
        if let Some(r) = &self.resources {
            let mut m = Map::new();
            if let Some(n) = r.instance_count {
                m.insert("instanceCount".into(), json!(n));
            }
            if let Some(t) = &r.instance_type {
                m.insert("instanceType".into(), json!(t));
            }
            if let Some(s) = &r.shm_size {
                m.insert("shmSize".into(), json!(s));
            }
            if let Some(d) = &r.docker_args {
                m.insert("dockerArgs".into(), json!(d));
            }
            p.insert("resources".into(), Value::Object(m));
        }
        if let Some(d) = &self.distribution {
            let v = match d {
                Distribution::PyTorch {
                    process_count_per_instance: n,
                } => opt(
                    json!({"distributionType": "PyTorch"}),
                    "processCountPerInstance",
                    *n,
                ),
                Distribution::Mpi {
                    process_count_per_instance: n,
                } => opt(
                    json!({"distributionType": "Mpi"}),
                    "processCountPerInstance",
                    *n,
                ),
                Distribution::TensorFlow {
                    worker_count,
                    parameter_server_count,
                } => opt(
                    opt(
                        json!({"distributionType": "TensorFlow"}),
                        "workerCount",
                        *worker_count,
                    ),
                    "parameterServerCount",
                    *parameter_server_count,
                ),
            };
            p.insert("distribution".into(), v);
        }
        if let Some(t) = self.timeout {
            p.insert(
                "limits".into(),
                json!({"jobLimitsType": "Command", "timeout": iso_duration(t)}),
            );
        }
        if !self.services.is_empty() {
            let mut m = Map::new();
            for (name, s) in &self.services {
                let rest = SERVICE_TYPES
                    .iter()
                    .find(|(y, _)| *y == s.kind)
                    .map_or(s.kind.as_str(), |(_, r)| r);
                let mut o = Map::new();
                o.insert("jobServiceType".into(), json!(rest));
                if let Some(port) = s.port {
                    o.insert("port".into(), json!(port));
                }
                if s.all_nodes {
                    o.insert("nodes".into(), json!({"nodesValueType": "All"}));
                }
                let mut props: Vec<(String, String)> = s.properties.clone();
                if let Some(k) = &s.ssh_public_keys {
                    props.push(("sshPublicKeys".into(), k.clone()));
                }
                if let Some(d) = &s.log_dir {
                    props.push(("logDir".into(), d.clone()));
                }
                if !props.is_empty() {
                    o.insert("properties".into(), pairs_json(&props));
                }
                m.insert(name.clone(), Value::Object(o));
            }
            p.insert("services".into(), Value::Object(m));
        }
        if let Some(t) = self.identity {
            p.insert("identity".into(), json!({ "identityType": t }));
        }
        p.insert("jobType".into(), json!("Command"));
        Ok(json!({ "properties": Value::Object(p) }))
    }
}

fn opt(mut v: Value, key: &str, n: Option<u32>) -> Value {
    if let (Some(n), Some(m)) = (n, v.as_object_mut()) {
        m.insert(key.into(), json!(n));
    }
    v
}

fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Seconds as the SDK writes a timeout (`isodate.duration_isoformat`): `PT5M`, `P1DT1H`.
pub fn iso_duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::from("P");
    if d > 0 {
        out.push_str(&format!("{d}D"));
    }
    if h + m + s > 0 {
        out.push('T');
        for (n, u) in [(h, 'H'), (m, 'M'), (s, 'S')] {
            if n > 0 {
                out.push_str(&format!("{n}{u}"));
            }
        }
    }
    if out == "P" {
        out.push_str("0D");
    }
    out
}

/// An environment reference string, or `None` when it is not one.
fn parse_environment(s: &str) -> Option<Environment> {
    let s = s.trim();
    if s.starts_with("azureml://registries/") {
        return Some(Environment::Curated(s.to_string()));
    }
    if s.starts_with("/subscriptions/") {
        return Some(Environment::ArmId(s.to_string()));
    }
    let bare = s.strip_prefix("azureml:").unwrap_or(s);
    let (name, version) = if let Some((n, l)) = bare.split_once('@') {
        if l != "latest" {
            return None;
        }
        (n, None)
    } else {
        let (n, v) = bare.split_once(':')?;
        if v.is_empty() || v.contains(':') {
            return None;
        }
        (n, Some(v.to_string()))
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return None;
    }
    if name.starts_with("AzureML-") {
        // Curated short names are sent as `azureml:NAME…` and expanded by the service.
        return Some(Environment::Curated(bare.to_string()));
    }
    Some(Environment::Registered {
        name: name.to_string(),
        version,
    })
}

/// The `${{…}}` expressions of a command, trimmed.
fn placeholders(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = command;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    out
}

fn is_remote(s: &str) -> bool {
    s.starts_with("azureml:") || s.contains("://")
}

fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn what(node: &Node) -> &'static str {
    match node.value {
        NodeValue::Null => "nothing",
        NodeValue::Scalar(_) => "a text",
        NodeValue::Seq(_) => "a list",
        NodeValue::Map(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests;
