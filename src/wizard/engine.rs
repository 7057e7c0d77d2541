//! The form engine: a form is data ([`Form`]: fields with defaults, one line of help, a pure
//! validator, a visibility condition and a step; cross-field rules; a pure `build` making the
//! typed request). [`Values`] are what the user (or a YAML file) filled in, as text keyed by field
//! id. Everything here is pure and terminal-free: the TUI wizard view, the headless `-f FILE`
//! reader and the tests all go through [`Form::problems`] and [`Form::build`].
//!
//! Field ids are the az ml CLI v2 YAML key paths where one exists (`size`, `min_instances`,
//! `ssh_settings.admin_username`, ...), so a YAML file maps onto a form without a table of names;
//! fields the YAML schema lacks use ids of the same style.

use crate::azure::models::ComputeResource;
use crate::azure::models::{Usage, VirtualMachineSize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A pure check of one field's text; `Err` is the rule that fails, said to the user.
pub type Check = fn(&str, &Ctx<'_>) -> Result<(), String>;

/// Cross-field rules: every broken rule, each on the field it is shown beside.
pub type CrossCheck = fn(&Values, &Ctx<'_>) -> Vec<Problem>;

/// Makes the typed request from values that passed every check.
pub type Build = fn(&Values, &Ctx<'_>) -> Result<ComputeRequest, Problem>;

/// One choice of a [`FieldKind::Choice`]: the value stored (the YAML spelling) and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// What a field holds and how it is edited.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// Free text on one line.
    Text,
    /// Text shown masked (`***`) and never logged: passwords, tokens, keys typed in.
    Secret,
    /// A whole number in `min..=max`.
    Number { min: i64, max: i64 },
    /// One of a fixed list.
    Choice(&'static [Choice]),
    /// On or off: the text is `true` or `false`.
    Toggle,
    /// A VM size of the workspace region, chosen in the size picker.
    Size,
    /// A path to a local file; `secret` when the file's content is a secret (private key, PEM
    /// key), which is then read only by `build`.
    File { secret: bool },
    /// A list of entries, each entry a set of the given sub-fields (ids relative to the entry).
    List {
        fields: &'static [Field],
        max: usize,
    },
}

/// When a field is shown (and so checked and sent): when field `field` has one of `any_of`.
#[derive(Debug, Clone, Copy)]
pub struct Cond {
    pub field: &'static str,
    pub any_of: &'static [&'static str],
}

/// One field of a form.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The az ml YAML key path where one exists (`ssh_settings.admin_username`).
    pub id: &'static str,
    pub label: &'static str,
    /// One line of help, shown under the field.
    pub help: &'static str,
    pub kind: FieldKind,
    /// The initial text (`""` when none).
    pub default: &'static str,
    /// Must be filled in when shown.
    pub required: bool,
    pub show_if: Option<Cond>,
    pub check: Option<Check>,
    /// Index into [`Form::steps`].
    pub step: usize,
}

impl Field {
    /// A plain optional text field on step 0; change what differs with struct update syntax.
    pub const fn text(id: &'static str, label: &'static str, help: &'static str) -> Field {
        Field {
            id,
            label,
            help,
            kind: FieldKind::Text,
            default: "",
            required: false,
            show_if: None,
            check: None,
            step: 0,
        }
    }

    /// The field's text in `values`: as entered, else its default.
    pub fn shown<'v>(&self, values: &'v Values) -> &'v str {
        match values.raw(self.id) {
            "" => self.default,
            t => t,
        }
    }

    pub fn is_secret(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Secret | FieldKind::File { secret: true }
        )
    }
}

/// Which compute a form creates or attaches: the form's identity, the `n` menu's entries and the
/// YAML `type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormId {
    ComputeInstance,
    ComputeCluster,
    AksNew,
    AksAttach,
    Kubernetes,
    VirtualMachine,
    HdInsight,
    Databricks,
    DataLakeAnalytics,
    SynapseSpark,
    DataFactory,
    AzureBatch,
}

/// A form: what a wizard shows and what a YAML file fills.
#[derive(Debug)]
pub struct Form {
    pub id: FormId,
    /// "Create compute cluster", "Attach Kubernetes".
    pub title: &'static str,
    /// The `computeType` sent.
    pub compute_type: &'static str,
    /// Attach (the resource exists) rather than create.
    pub attach: bool,
    /// The az ml YAML `type` value(s) that select this form (empty when az ml has none).
    pub yaml_types: &'static [&'static str],
    /// Step titles; the review step comes after the last one and is not listed.
    pub steps: &'static [&'static str],
    pub fields: &'static [Field],
    /// Said at the top of the form (e.g. "Only Ubuntu VMs are supported").
    pub notice: &'static str,
    pub cross: Option<CrossCheck>,
    pub build: Build,
}

/// What a field holds: text, or for a list field its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    List(Vec<Values>),
}

/// The values of a form (or of one list entry), by field id. Missing means "as the default".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(pub BTreeMap<String, FieldValue>);

impl Values {
    pub fn new() -> Values {
        Values::default()
    }

    /// The text of `id` as entered (not the default), trimmed; `""` when unset or a list.
    pub fn raw(&self, id: &str) -> &str {
        match self.0.get(id) {
            Some(FieldValue::Text(t)) => t.trim(),
            _ => "",
        }
    }

    /// The text of `id` exactly as entered, spaces kept: for secrets (a password may begin or
    /// end with a space), which must be sent as typed. `""` when unset or only spaces.
    pub fn secret(&self, id: &str) -> &str {
        match self.0.get(id) {
            Some(FieldValue::Text(t)) if !t.trim().is_empty() => t,
            _ => "",
        }
    }

    pub fn set(&mut self, id: &str, text: impl Into<String>) {
        self.0.insert(id.to_string(), FieldValue::Text(text.into()));
    }

    pub fn set_list(&mut self, id: &str, entries: Vec<Values>) {
        self.0.insert(id.to_string(), FieldValue::List(entries));
    }

    pub fn list(&self, id: &str) -> &[Values] {
        match self.0.get(id) {
            Some(FieldValue::List(l)) => l,
            _ => &[],
        }
    }

    /// Whether anything was entered (the wizard asks before discarding).
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| match v {
            FieldValue::Text(t) => t.trim().is_empty(),
            FieldValue::List(l) => l.is_empty(),
        })
    }
}

/// A broken rule: the field it belongs to (`""` for the form as a whole) and the rule, said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Reads files named in a form (public keys, private keys, certificates). The wizard and the
/// headless reader use [`DiskFiles`]; tests use a map.
pub trait FileSource: Send + Sync {
    fn read(&self, path: &Path) -> Result<String, String>;
}

/// The real file system; `~/` expands to the home directory; relative paths are taken from
/// `base` (the YAML file's folder, or the working directory).
#[derive(Debug, Clone, Default)]
pub struct DiskFiles {
    pub base: Option<PathBuf>,
}

/// The largest file a form reads (keys and certificates are a few KiB).
pub const MAX_FORM_FILE: u64 = 1024 * 1024;

impl DiskFiles {
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if let Ok(rest) = path.strip_prefix("~")
            && let Some(home) = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
        {
            return home.join(rest);
        }
        match &self.base {
            Some(base) if path.is_relative() => base.join(path),
            _ => path.to_path_buf(),
        }
    }
}

impl FileSource for DiskFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        let shown = path.display();
        read_text(&self.resolve(path), MAX_FORM_FILE).map_err(|e| match e {
            ReadTextError::Io(e) => format!("cannot read {shown}: {e}"),
            ReadTextError::NotAFile => format!("{shown} is not a file"),
            ReadTextError::TooBig(n) => {
                format!("{shown} is {n} bytes: larger than a key or certificate file can be")
            }
            ReadTextError::Grew => {
                format!("{shown} grew while read: larger than a key or certificate file can be")
            }
            ReadTextError::NotUtf8(_) => format!("{shown} is not a text file"),
        })
    }
}

/// Why a small text file the user named (a key, a compute or job file) could not be read.
#[derive(Debug)]
pub enum ReadTextError {
    Io(std::io::Error),
    NotAFile,
    /// Its size, in bytes.
    TooBig(u64),
    /// It was within the limit when looked at, but grew past it while read.
    Grew,
    /// The offset of the first byte that is not UTF-8.
    NotUtf8(usize),
}

/// Reads a regular file of at most `limit` bytes as UTF-8 text; a file growing past the limit
/// while read is refused too. Each caller says the failure in its own words.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadTextError> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(ReadTextError::Io)?;
    if !meta.is_file() {
        return Err(ReadTextError::NotAFile);
    }
    if meta.len() > limit {
        return Err(ReadTextError::TooBig(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(ReadTextError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadTextError::Grew);
    }
    String::from_utf8(bytes).map_err(|e| ReadTextError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// What the forms check against: the workspace as loaded.
pub struct Ctx<'a> {
    pub subscription: &'a str,
    pub resource_group: &'a str,
    pub workspace: &'a str,
    /// The workspace's region (the default location).
    pub location: &'a str,
    /// Names of the workspace's computes (any case), for the uniqueness rule.
    pub existing: &'a [String],
    /// The region's VM sizes (empty when not loaded: size checks then say so and pass).
    pub sizes: &'a [VirtualMachineSize],
    /// The region's usages (empty when not loaded).
    pub usages: &'a [Usage],
    pub files: &'a dyn FileSource,
}

impl Ctx<'_> {
    /// The size named `name` (any case), when the catalogue is loaded and lists it.
    pub fn size(&self, name: &str) -> Option<&VirtualMachineSize> {
        self.sizes.iter().find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

/// The typed request a form makes: the compute to PUT, under its name.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputeRequest {
    pub name: String,
    pub resource: ComputeResource,
}

impl ComputeRequest {
    /// The ARM body as sent (secrets included): only for the request itself.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(&self.resource).unwrap_or(serde_json::Value::Null)
    }

    /// The ARM body with every secret masked, for the review step and `--dry-run`.
    pub fn masked_body(&self) -> serde_json::Value {
        crate::azure::models::redact_json(&self.body())
    }
}

impl Form {
    pub fn field(&self, id: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The text of field `id`: as entered, else its default.
    pub fn text<'v>(&self, values: &'v Values, id: &str) -> &'v str {
        let entered = values.raw(id);
        if !entered.is_empty() {
            return entered;
        }
        self.field(id).map(|f| f.default).unwrap_or("")
    }

    /// Whether field `f` is shown given `values` (its condition's field is itself shown and
    /// holds one of the listed values).
    pub fn visible(&self, f: &Field, values: &Values) -> bool {
        visible_in(self.fields, f, values, 0)
    }

    /// The shown fields of step `step`, in order.
    pub fn step_fields<'a>(
        &'a self,
        step: usize,
        values: &'a Values,
    ) -> impl Iterator<Item = &'static Field> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.step == step && self.visible(f, values))
    }

    /// Every broken rule of the shown fields (required, kind, validator) and the cross-field
    /// rules, in field order. Empty means `build` may be called.
    pub fn problems(&self, values: &Values, ctx: &Ctx<'_>) -> Vec<Problem> {
        let mut out = Vec::new();
        check_fields(self.fields, values, ctx, "", &mut out);
        if let Some(cross) = self.cross {
            out.extend(cross(values, ctx));
        }
        out
    }

    /// The problems of one field (what the wizard shows beside it as you type).
    pub fn field_problems(&self, id: &str, values: &Values, ctx: &Ctx<'_>) -> Vec<Problem> {
        self.problems(values, ctx)
            .into_iter()
            .filter(|p| p.field == id || p.field.starts_with(&format!("{id}[")))
            .collect()
    }

    /// Checks, then makes the typed request. Every problem is returned when any rule fails.
    pub fn to_request(
        &self,
        values: &Values,
        ctx: &Ctx<'_>,
    ) -> Result<ComputeRequest, Vec<Problem>> {
        let problems = self.problems(values, ctx);
        if !problems.is_empty() {
            return Err(problems);
        }
        (self.build)(values, ctx).map_err(|p| vec![p])
    }
}

/// Whether field `f` among `fields` (a form's, or a list entry's sub-fields with the entry's
/// values) is shown: its condition's field is itself shown and holds one of the values.
pub fn visible_among(fields: &[Field], f: &Field, values: &Values) -> bool {
    visible_in(fields, f, values, 0)
}

fn visible_in(fields: &[Field], f: &Field, values: &Values, depth: usize) -> bool {
    let Some(cond) = f.show_if else {
        return true;
    };
    let Some(parent) = fields.iter().find(|p| p.id == cond.field) else {
        return false;
    };
    if depth > 8 || !visible_in(fields, parent, values, depth + 1) {
        return false;
    }
    let text = match values.raw(cond.field) {
        "" => parent.default,
        t => t,
    };
    cond.any_of.iter().any(|v| v.eq_ignore_ascii_case(text))
}

/// Checks one field's text against its kind (shared by the engine and list entries).
pub fn check_kind(f: &Field, text: &str) -> Result<(), String> {
    match f.kind {
        FieldKind::Number { min, max } => {
            let n: i64 = text
                .parse()
                .map_err(|_| format!("{text:?} is not a whole number"))?;
            if !(min..=max).contains(&n) {
                return Err(format!("must be between {min} and {max} (it is {n})"));
            }
            Ok(())
        }
        FieldKind::Choice(choices) => {
            if choices.iter().any(|c| c.value.eq_ignore_ascii_case(text)) {
                Ok(())
            } else {
                let all: Vec<&str> = choices.iter().map(|c| c.value).collect();
                Err(format!("{text:?} is not one of {}", all.join(", ")))
            }
        }
        FieldKind::Toggle => match text {
            "true" | "false" => Ok(()),
            _ => Err(format!("{text:?} is neither true nor false")),
        },
        _ => Ok(()),
    }
}

fn check_fields(
    fields: &'static [Field],
    values: &Values,
    ctx: &Ctx<'_>,
    prefix: &str,
    out: &mut Vec<Problem>,
) {
    for f in fields {
        if !visible_in(fields, f, values, 0) {
            continue;
        }
        let id = format!("{prefix}{}", f.id);
        if let FieldKind::List { fields: sub, max } = f.kind {
            let entries = values.list(f.id);
            if f.required && entries.is_empty() {
                out.push(Problem::new(id.clone(), "add at least one entry"));
            }
            if entries.len() > max {
                out.push(Problem::new(
                    id.clone(),
                    format!("at most {max} entries (there are {})", entries.len()),
                ));
            }
            for (i, entry) in entries.iter().enumerate() {
                check_fields(sub, entry, ctx, &format!("{id}[{i}]."), out);
            }
            continue;
        }
        let text = f.shown(values);
        if text.is_empty() {
            if f.required {
                out.push(Problem::new(id, "required"));
            }
            continue;
        }
        if let Err(m) = check_kind(f, text) {
            out.push(Problem::new(id, m));
            continue;
        }
        if let Some(check) = f.check
            && let Err(m) = check(text, ctx)
        {
            out.push(Problem::new(id, m));
        }
    }
}
