//! az ml CLI v2 compute YAML → a form's [`Values`]: what `amlc computes create|attach -f FILE`
//! reads. The file is parsed into a small tree that keeps the line and column of every key
//! ([`parse`], on `saphyr-parser`'s events), `--set key=value` overrides and the command's flags
//! are applied to that tree ([`Override`]), `type` chooses the form
//! ([`forms::by_yaml_type`](super::forms::by_yaml_type)), and the tree is flattened onto the
//! form's field ids ([`load`]):
//! - nested mappings → dotted ids (`ssh_settings: {admin_username: x}` → `ssh_settings.admin_username`);
//! - a sequence of mappings under a list field → its entries, each flattened the same way
//!   relative to the entry (`identity.user_assigned_identities: [{resource_id: …}]`);
//! - a sequence of scalars → one comma-separated text (`week_days: [monday, friday]`);
//! - a mapping under a list field of `{key, value}` entries (`tags`) → one entry per pair;
//! - booleans and numbers → their text; `null`, `~` and empty values → not given.
//!
//! Every problem is reported, not only the first, each with the place it comes from
//! (`cluster.yml:7:3`, or the flag / `--set` that gave the value): unknown keys (with the keys
//! known there), wrong shapes, values given to a field the form does not use, and every rule
//! of [`Form::problems`] (cross-field rules point at their field's key).
//!
//! Pure: no file or network I/O here (the command reads the file, bounded by
//! [`MAX_YAML_BYTES`], and builds the [`Ctx`]). Messages never quote a value (only keys and
//! rules), so a secret in the file or in a `--set` never reaches the terminal through them.

use super::engine::{ComputeRequest, Ctx, Field, FieldKind, Form, Problem, Values};
use super::forms;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::collections::BTreeMap;

/// The largest compute file read (a real one is well under 10 KiB).
pub const MAX_YAML_BYTES: usize = 1024 * 1024;

/// Deepest nesting accepted (a compute file nests three or four levels).
const MAX_DEPTH: usize = 64;

/// Most nodes a file may hold once aliases are expanded (against alias bombs).
const MAX_NODES: usize = 100_000;

/// Where a key or a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Line (1-based) and column (1-based, in characters) in the file.
    File { line: usize, col: usize },
    /// A command-line argument, as said to the user (`--size`, `--set max_instances`).
    Arg(String),
}

/// A node of the parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub at: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or nothing.
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping's key, with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub at: Origin,
}

/// A problem with its place: `cluster.yml:7:3: max_instances: the maximum (0) must be …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file's name as given, the argument (`--set size`), or empty.
    pub source: String,
    /// Line and column in the file, when the problem has a place there.
    pub line: Option<usize>,
    pub col: Option<usize>,
    /// The field id (`ssh_settings.admin_username`, `tags[1].key`), or empty for the file.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        match (self.line, self.col) {
            (Some(l), Some(c)) => parts.push(format!("{}:{l}:{c}", self.source)),
            (Some(l), None) => parts.push(format!("{}:{l}", self.source)),
            _ if !self.source.is_empty() => parts.push(self.source.clone()),
            _ => {}
        }
        if !self.field.is_empty() {
            parts.push(self.field.clone());
        }
        parts.push(self.message.clone());
        f.write_str(&parts.join(": "))
    }
}

impl Located {
    fn at(file: &str, at: Option<&Origin>, field: &str, message: impl Into<String>) -> Located {
        let (source, line, col) = match at {
            Some(Origin::File { line, col }) => (file.to_string(), Some(*line), Some(*col)),
            Some(Origin::Arg(arg)) => (arg.clone(), None, None),
            None => (file.to_string(), None, None),
        };
        Located {
            source,
            line,
            col,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// A malformed file: the parser's message and its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

fn file_origin(span: &Span) -> Origin {
    Origin::File {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

fn scan_error(e: &ScanError) -> YamlError {
    YamlError {
        line: e.marker().line(),
        col: e.marker().col() + 1,
        message: e.info().to_string(),
    }
}

/// A container being built while the parser's events arrive.
enum Open {
    Seq {
        items: Vec<Node>,
        at: Origin,
        anchor: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
        at: Origin,
        anchor: usize,
    },
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        NodeValue::Seq(items) => items.iter().map(count).sum(),
        NodeValue::Map(entries) => entries.iter().map(|(_, v)| count(v)).sum(),
        _ => 0,
    }
}

/// Parses one YAML document into a tree with places. `Ok(None)` for an empty file. Never
/// panics: a parser panic (a bug of the parser) is reported as an error.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError {
            line: 1,
            col: 1,
            message: format!(
                "the file is {} bytes; amlc reads YAML files of at most {MAX_YAML_BYTES} bytes (1 MiB)",
                text.len()
            ),
        });
    }
    std::panic::catch_unwind(|| parse_events(text)).unwrap_or_else(|_| {
        Err(YamlError {
            line: 1,
            col: 1,
            message: "the YAML parser failed on this file".into(),
        })
    })
}

fn parse_events(text: &str) -> Result<Option<Node>, YamlError> {
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    let mut nodes = 0usize;
    let mut documents = 0usize;
    let err = |span: &Span, message: String| YamlError {
        line: span.start.line(),
        col: span.start.col() + 1,
        message,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| scan_error(&e))?;
        let done: Option<(Node, usize)> = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(err(
                        &span,
                        "a second YAML document: the file must hold one (one compute, one job)"
                            .into(),
                    ));
                }
                None
            }
            Event::Scalar(value, style, anchor, _tag) => {
                let plain = matches!(style, ScalarStyle::Plain);
                let value = if plain && matches!(&*value, "" | "~" | "null" | "Null" | "NULL") {
                    NodeValue::Null
                } else {
                    NodeValue::Scalar(value.into_owned())
                };
                Some((
                    Node {
                        value,
                        at: file_origin(&span),
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => {
                let Some(node) = anchors.get(&id) else {
                    return Err(err(&span, "an alias (*name) of an unknown anchor".into()));
                };
                let mut node = node.clone();
                node.at = file_origin(&span);
                nodes += count(&node);
                Some((node, 0))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if let Some(Open::Map { key: None, .. }) = stack.last() {
                    return Err(err(
                        &span,
                        "a key that is a sequence or a mapping: keys are names".into(),
                    ));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        &span,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                let at = file_origin(&span);
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Seq {
                        items: Vec::new(),
                        at,
                        anchor,
                    }
                } else {
                    Open::Map {
                        entries: Vec::new(),
                        key: None,
                        at,
                        anchor,
                    }
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq { items, at, anchor }) => Some((
                    Node {
                        value: NodeValue::Seq(items),
                        at,
                    },
                    anchor,
                )),
                Some(Open::Map {
                    entries,
                    at,
                    anchor,
                    ..
                }) => Some((
                    Node {
                        value: NodeValue::Map(entries),
                        at,
                    },
                    anchor,
                )),
                None => None,
            },
            _ => None,
        };
        let Some((node, anchor)) = done else {
            continue;
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(err(
                &span,
                format!("more than {MAX_NODES} values (aliases included)"),
            ));
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => match node.value {
                    NodeValue::Scalar(text) => *key = Some(Key { text, at: node.at }),
                    NodeValue::Null => {
                        *key = Some(Key {
                            text: String::new(),
                            at: node.at,
                        })
                    }
                    _ => {
                        return Err(err(
                            &span,
                            "a key that is a sequence or a mapping: keys are names".into(),
                        ));
                    }
                },
            },
        }
    }
    Ok(root)
}

/// A value given on the command line: a flag (`--size X`) or a `--set path=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted path (`ssh_settings.admin_username`; a number indexes a sequence).
    pub path: String,
    pub value: String,
    /// How it is named in messages (`--size`, `--set max_instances`): never the value.
    pub origin: String,
}

impl Override {
    /// A flag's value for the top-level key `key`.
    pub fn flag(key: &str, flag: &str, value: impl Into<String>) -> Override {
        Override {
            path: key.to_string(),
            value: value.into(),
            origin: flag.to_string(),
        }
    }

    /// `--set key=value`; `Err` when there is no `=` or no key.
    pub fn set(arg: &str) -> Result<Override, String> {
        match arg.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok(Override {
                path: key.trim().to_string(),
                value: value.to_string(),
                origin: format!("--set {}", key.trim()),
            }),
            // The argument is quoted only when it is a bare key: anything else may hold a value
            // (`admin_password:…` with the wrong separator), which is never echoed.
            _ if !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-$".contains(c)) =>
            {
                Err(format!(
                    "--set {arg}: a value is missing: --set takes key=value (a dotted key such as \
                     ssh_settings.admin_username=me)"
                ))
            }
            _ => Err(
                "--set takes key=value (a dotted key such as ssh_settings.admin_username=me); \
                 one argument has no key or no '='"
                    .into(),
            ),
        }
    }

    /// The value as a node: a flow sequence or mapping (`[a, b]`, `{k: v}`) is parsed as YAML,
    /// anything else is text.
    fn node(&self) -> Result<Node, String> {
        let at = Origin::Arg(self.origin.clone());
        let v = self.value.trim_start();
        if v.starts_with('[') || v.starts_with('{') {
            let parsed = parse(v).map_err(|e| {
                format!(
                    "the value is not valid YAML ({} at column {})",
                    e.message, e.col
                )
            })?;
            let mut node = parsed.unwrap_or(Node {
                value: NodeValue::Null,
                at: at.clone(),
            });
            relocate(&mut node, &at);
            return Ok(node);
        }
        Ok(Node {
            value: if self.value.is_empty() {
                NodeValue::Null
            } else {
                NodeValue::Scalar(self.value.clone())
            },
            at,
        })
    }

    /// Puts the value into the tree at its path, creating mappings on the way.
    pub fn apply(&self, root: &mut Node) -> Result<(), String> {
        let value = self.node()?;
        let segments: Vec<&str> = self.path.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(format!("{:?} is not a dotted key", self.path));
        }
        let at = Origin::Arg(self.origin.clone());
        let mut node = root;
        for (i, seg) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            if matches!(node.value, NodeValue::Null) {
                node.value = NodeValue::Map(Vec::new());
            }
            let here = segments[..i].join(".");
            node = match &mut node.value {
                NodeValue::Map(entries) => {
                    let pos = match entries.iter().position(|(k, _)| k.text == *seg) {
                        Some(pos) => pos,
                        None => {
                            entries.push((
                                Key {
                                    text: seg.to_string(),
                                    at: at.clone(),
                                },
                                Node {
                                    value: NodeValue::Null,
                                    at: at.clone(),
                                },
                            ));
                            entries.len() - 1
                        }
                    };
                    if last {
                        entries[pos].0.at = at.clone();
                    }
                    &mut entries[pos].1
                }
                NodeValue::Seq(items) => {
                    let len = items.len();
                    match seg.parse::<usize>().ok().and_then(|n| items.get_mut(n)) {
                        Some(item) => item,
                        None => {
                            return Err(format!(
                                "{here} is a sequence of {len}: {seg:?} is not an index of it"
                            ));
                        }
                    }
                }
                _ => return Err(format!("{here} holds a value, not keys")),
            };
        }
        *node = value;
        Ok(())
    }
}

fn relocate(node: &mut Node, at: &Origin) {
    node.at = at.clone();
    match &mut node.value {
        NodeValue::Seq(items) => items.iter_mut().for_each(|n| relocate(n, at)),
        NodeValue::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            k.at = at.clone();
            relocate(v, at)
        }),
        _ => {}
    }
}

/// A file (and overrides) mapped onto its form.
#[derive(Debug)]
pub struct Loaded {
    pub form: &'static Form,
    pub values: Values,
    /// The file's name as shown in messages.
    pub file: String,
    /// Where each field id (`tags[0].key` for entries) was given.
    places: BTreeMap<String, Origin>,
    /// Problems of shape (unknown keys, a mapping where a value is expected, ...): reported
    /// with the rules by [`Loaded::problems`], so that one run lists every problem.
    pub shape: Vec<Located>,
}

/// Reads `text` (the file `file`, or nothing when `-f` was not given), applies `overrides` in
/// order, chooses the form by `type` and maps the values onto it. `attach` is what the command
/// asked for: a form of the other kind is refused with the command to use. `Err` when nothing
/// can be mapped (malformed YAML, a bad override, no usable `type`); problems of shape are kept
/// in [`Loaded::shape`] and reported with the rules by [`Loaded::problems`].
pub fn load(
    file: &str,
    text: Option<&str>,
    overrides: &[Override],
    attach: bool,
) -> Result<Loaded, Vec<Located>> {
    let whole = |message: String| {
        vec![Located {
            source: file.to_string(),
            line: None,
            col: None,
            field: String::new(),
            message,
        }]
    };
    let mut root = match text.map(parse).transpose() {
        Err(e) => {
            return Err(vec![Located {
                source: file.to_string(),
                line: Some(e.line),
                col: Some(e.col),
                field: String::new(),
                message: format!("not valid YAML: {}", e.message),
            }]);
        }
        Ok(Some(Some(node))) => node,
        Ok(Some(None)) if overrides.is_empty() => {
            return Err(whole("the file is empty".into()));
        }
        Ok(_) => Node {
            value: NodeValue::Null,
            at: Origin::File { line: 1, col: 1 },
        },
    };
    match root.value {
        NodeValue::Map(_) => {}
        NodeValue::Null => root.value = NodeValue::Map(Vec::new()),
        _ => {
            return Err(vec![Located::at(
                file,
                Some(&root.at),
                "",
                "a compute file is a mapping of keys (name: …, type: …, size: …)",
            )]);
        }
    }
    let mut errors = Vec::new();
    for o in overrides {
        if let Err(m) = o.apply(&mut root) {
            errors.push(Located::at(
                file,
                Some(&Origin::Arg(o.origin.clone())),
                "",
                m,
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let NodeValue::Map(entries) = &root.value else {
        return Err(whole("a compute file is a mapping of keys".into()));
    };
    let form = choose_form(file, entries, attach)?;
    Ok(map_onto(form, file, entries))
}

/// Flattens a file's top-level entries onto `form` (any form: the mapping knows no form).
fn map_onto(form: &'static Form, file: &str, entries: &[(Key, Node)]) -> Loaded {
    let mut mapper = Mapper {
        file,
        places: BTreeMap::new(),
        errors: Vec::new(),
    };
    let mut values = Values::new();
    mapper.mapping(form.fields, entries, "", "", &mut values, true);
    let Mapper {
        places, mut errors, ..
    } = mapper;
    sort(&mut errors);
    Loaded {
        form,
        values,
        file: file.to_string(),
        places,
        shape: errors,
    }
}

/// Every az ml `type` a form of this build reads.
fn known_types() -> Vec<&'static str> {
    let mut all: Vec<&str> = forms::all()
        .iter()
        .flat_map(|f| f.yaml_types.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

fn choose_form(
    file: &str,
    entries: &[(Key, Node)],
    attach: bool,
) -> Result<&'static Form, Vec<Located>> {
    let known = known_types().join(", ");
    let Some((key, node)) = entries.iter().rev().find(|(k, _)| k.text == "type") else {
        return Err(vec![Located::at(
            file,
            None,
            "type",
            format!("required: the kind of compute, one of {known} (or give --type)"),
        )]);
    };
    let ty = match &node.value {
        NodeValue::Scalar(t) => t.trim(),
        NodeValue::Null => "",
        _ => {
            return Err(vec![Located::at(
                file,
                Some(&key.at),
                "type",
                format!("expected one word, one of {known}"),
            )]);
        }
    };
    if ty.is_empty() {
        return Err(vec![Located::at(
            file,
            Some(&key.at),
            "type",
            format!("required: one of {known}"),
        )]);
    }
    let Some(form) = forms::by_yaml_type(ty, attach) else {
        return Err(vec![Located::at(
            file,
            Some(&key.at),
            "type",
            format!("{ty:?} is not a compute type amlc can create or attach; it reads {known}"),
        )]);
    };
    if form.attach != attach {
        let (is, verb, not) = if form.attach {
            ("attached", "attach", "created")
        } else {
            ("created", "create", "attached")
        };
        let mut command = format!("amlc computes {verb}");
        if !file.is_empty() {
            command.push_str(&format!(" -f {file}"));
        }
        return Err(vec![Located::at(
            file,
            Some(&key.at),
            "type",
            format!("{ty} computes are {is}, not {not}: use `{command}`"),
        )]);
    }
    Ok(form)
}

/// Problems with a place first (by line), then those of arguments, then the rest.
fn sort(list: &mut [Located]) {
    list.sort_by_key(|l| (l.line.is_none(), l.line, l.col));
}

struct Mapper<'f> {
    file: &'f str,
    places: BTreeMap<String, Origin>,
    errors: Vec<Located>,
}

impl Mapper<'_> {
    fn error(&mut self, at: &Origin, field: &str, message: impl Into<String>) {
        self.errors
            .push(Located::at(self.file, Some(at), field, message));
    }

    /// The next key segments known under `prefix` among `fields`.
    fn known_here(fields: &[Field], prefix: &str, top: bool) -> String {
        let mut out: Vec<&str> = Vec::new();
        if top && prefix.is_empty() {
            out.push("type");
        }
        for f in fields {
            if let Some(rest) = f.id.strip_prefix(prefix) {
                let seg = rest.split('.').next().unwrap_or(rest);
                if !seg.is_empty() && !out.contains(&seg) {
                    out.push(seg);
                }
            }
        }
        out.join(", ")
    }

    /// Maps one mapping's entries onto `fields` (ids relative to the entry, under `prefix`);
    /// `shown` prefixes the ids in messages and places (`tags[0].`).
    fn mapping(
        &mut self,
        fields: &'static [Field],
        entries: &[(Key, Node)],
        prefix: &str,
        shown: &str,
        into: &mut Values,
        top: bool,
    ) {
        let mut seen: Vec<&str> = Vec::new();
        for (key, node) in entries {
            let id = format!("{prefix}{}", key.text);
            let shown_id = format!("{shown}{id}");
            if seen.contains(&key.text.as_str()) && matches!(key.at, Origin::File { .. }) {
                self.error(&key.at, &shown_id, "given twice");
                continue;
            }
            seen.push(&key.text);
            if top && prefix.is_empty() && (key.text == "type" || key.text == "$schema") {
                self.places.insert(key.text.clone(), key.at.clone());
                continue;
            }
            self.places.insert(shown_id.clone(), key.at.clone());
            if let Some(f) = fields.iter().find(|f| f.id == id) {
                self.field(f, fields, key, node, &shown_id, into);
            } else if fields.iter().any(|f| {
                f.id.len() > id.len() && f.id.starts_with(&id) && f.id[id.len()..].starts_with('.')
            }) {
                match &node.value {
                    NodeValue::Null => {}
                    NodeValue::Map(inner) => {
                        self.mapping(fields, inner, &format!("{id}."), shown, into, top)
                    }
                    _ => {
                        let keys = Self::known_here(fields, &format!("{id}."), false);
                        self.error(
                            &key.at,
                            &shown_id,
                            format!("expected a mapping of keys ({keys}), found {}", what(node)),
                        );
                    }
                }
            } else {
                let known = Self::known_here(fields, prefix, top);
                self.error(
                    &key.at,
                    &shown_id,
                    format!("unknown key; the keys known here are: {known}"),
                );
            }
        }
    }

    fn field(
        &mut self,
        f: &'static Field,
        _siblings: &'static [Field],
        key: &Key,
        node: &Node,
        shown_id: &str,
        into: &mut Values,
    ) {
        match (&f.kind, &node.value) {
            (_, NodeValue::Null) => {}
            (FieldKind::List { fields: sub, .. }, NodeValue::Seq(items)) => {
                let mut entries = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let entry_id = format!("{shown_id}[{i}]");
                    self.places.insert(entry_id.clone(), item.at.clone());
                    match &item.value {
                        NodeValue::Map(inner) => {
                            let mut entry = Values::new();
                            self.mapping(
                                sub,
                                inner,
                                "",
                                &format!("{entry_id}."),
                                &mut entry,
                                false,
                            );
                            entries.push(entry);
                        }
                        _ => {
                            let keys = Self::known_here(sub, "", false);
                            self.error(
                                &item.at,
                                &entry_id,
                                format!(
                                    "expected a mapping of keys ({keys}) for each entry, found {}",
                                    what(item)
                                ),
                            );
                        }
                    }
                }
                into.set_list(f.id, entries);
            }
            (FieldKind::List { fields: sub, .. }, NodeValue::Map(pairs)) if is_key_value(sub) => {
                let mut entries = Vec::new();
                for (i, (k, v)) in pairs.iter().enumerate() {
                    let entry_id = format!("{shown_id}[{i}]");
                    self.places.insert(entry_id.clone(), k.at.clone());
                    self.places.insert(format!("{entry_id}.key"), k.at.clone());
                    self.places
                        .insert(format!("{entry_id}.value"), v.at.clone());
                    let mut entry = Values::new();
                    entry.set("key", k.text.clone());
                    match &v.value {
                        NodeValue::Null => {}
                        NodeValue::Scalar(t) => entry.set("value", t.clone()),
                        _ => self.error(
                            &k.at,
                            &format!("{shown_id}.{}", k.text),
                            format!("a tag's value is text, found {}", what(v)),
                        ),
                    }
                    entries.push(entry);
                }
                into.set_list(f.id, entries);
            }
            (FieldKind::List { fields: sub, .. }, _) => {
                let keys = Self::known_here(sub, "", false);
                let also = if is_key_value(sub) {
                    " or a mapping of names to values"
                } else {
                    ""
                };
                self.error(
                    &key.at,
                    shown_id,
                    format!(
                        "expected a sequence of entries, each a mapping of keys ({keys}){also}; \
                         found {}",
                        what(node)
                    ),
                );
            }
            (_, NodeValue::Scalar(text)) => into.set(f.id, text_for(f, text)),
            (_, NodeValue::Seq(items)) => {
                let mut parts = Vec::new();
                for item in items {
                    match &item.value {
                        NodeValue::Scalar(t) => parts.push(t.trim().to_string()),
                        NodeValue::Null => {}
                        _ => {
                            self.error(
                                &item.at,
                                shown_id,
                                format!(
                                    "expected a value or a sequence of values, found {} in the \
                                     sequence",
                                    what(item)
                                ),
                            );
                            return;
                        }
                    }
                }
                into.set(f.id, parts.join(","));
            }
            (_, NodeValue::Map(_)) => {
                self.error(&key.at, shown_id, "expected a value, found a mapping");
            }
        }
    }
}

/// A list whose entries are `{key, value}` pairs (tags): a YAML mapping fills it.
fn is_key_value(sub: &[Field]) -> bool {
    sub.len() == 2 && sub[0].id == "key" && sub[1].id == "value"
}

/// The text a field holds for a scalar: booleans spelled as YAML allows become `true`/`false`
/// for a toggle.
fn text_for(f: &Field, text: &str) -> String {
    if matches!(f.kind, FieldKind::Toggle) {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => return "true".into(),
            "false" | "no" | "off" => return "false".into(),
            _ => {}
        }
    }
    text.to_string()
}

/// A node's shape, said.
fn what(node: &Node) -> &'static str {
    match node.value {
        NodeValue::Null => "nothing",
        NodeValue::Scalar(_) => "a value",
        NodeValue::Seq(_) => "a sequence",
        NodeValue::Map(_) => "a mapping",
    }
}

impl Loaded {
    /// The place of a field id, or of the nearest enclosing key given.
    pub fn place(&self, field: &str) -> Option<&Origin> {
        let mut id = field;
        loop {
            if let Some(at) = self.places.get(id) {
                return Some(at);
            }
            let cut = id.rfind(['.', '['])?;
            id = &id[..cut];
        }
    }

    fn locate(&self, p: &Problem) -> Located {
        Located::at(
            &self.file,
            self.place(&p.field),
            &p.field,
            p.message.clone(),
        )
    }

    /// Every broken rule: values given to fields the form does not use with these values,
    /// then [`Form::problems`], each with its place. Empty means [`Loaded::request`] builds.
    pub fn problems(&self, ctx: &Ctx<'_>) -> Vec<Located> {
        let mut problems = Vec::new();
        unused(self.form.fields, &self.values, "", &mut problems);
        problems.extend(self.form.problems(&self.values, ctx));
        // A key whose shape is wrong was not mapped: its rules ("required") would only repeat it.
        let related = |a: &str, b: &str| {
            a == b
                || (a.starts_with(b) && a[b.len()..].starts_with(['.', '[']))
                || (b.starts_with(a) && b[a.len()..].starts_with(['.', '[']))
        };
        let mut out = self.shape.clone();
        out.extend(
            problems
                .iter()
                .filter(|p| !self.shape.iter().any(|s| related(&p.field, &s.field)))
                .map(|p| self.locate(p)),
        );
        sort(&mut out);
        out
    }

    /// Checks every rule, then builds the request.
    pub fn request(&self, ctx: &Ctx<'_>) -> Result<ComputeRequest, Vec<Located>> {
        let problems = self.problems(ctx);
        if !problems.is_empty() {
            return Err(problems);
        }
        self.form
            .to_request(&self.values, ctx)
            .map_err(|ps| ps.iter().map(|p| self.locate(p)).collect())
    }
}

/// Values given for fields hidden by the other values (they would not be sent): said, so that
/// nothing written in the file is silently dropped.
fn unused(fields: &'static [Field], values: &Values, shown: &str, out: &mut Vec<Problem>) {
    // The engine's own visibility rule, over this level's fields (a list entry's sub-fields
    // are conditioned on each other, as the engine checks them).
    let probe = Form {
        id: super::engine::FormId::ComputeCluster,
        title: "",
        compute_type: "",
        attach: false,
        yaml_types: &[],
        steps: &[],
        fields,
        notice: "",
        cross: None,
        build: |_, _| Err(Problem::new("", "")),
    };
    for f in fields {
        let given = match values.0.get(f.id) {
            Some(super::engine::FieldValue::Text(t)) => !t.trim().is_empty(),
            Some(super::engine::FieldValue::List(l)) => !l.is_empty(),
            None => false,
        };
        if !given {
            continue;
        }
        if !probe.visible(f, values) {
            if let Some(cond) = f.show_if {
                out.push(Problem::new(
                    format!("{shown}{}", f.id),
                    format!(
                        "given, but used only when {} is {}",
                        cond.field,
                        cond.any_of.join(" or ")
                    ),
                ));
            }
            continue;
        }
        if let FieldKind::List { fields: sub, .. } = f.kind {
            for (i, entry) in values.list(f.id).iter().enumerate() {
                unused(sub, entry, &format!("{shown}{}[{i}].", f.id), out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::models::{Usage, UsageName, VirtualMachineSize};
    use crate::wizard::engine::{FieldValue, FileSource};
    use std::path::Path;

    struct Files;
    impl FileSource for Files {
        fn read(&self, p: &Path) -> Result<String, String> {
            match p.to_str() {
                Some("keys/id.pub") => Ok(KEY.to_string()),
                _ => Err(format!("cannot read {}", p.display())),
            }
        }
    }

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";

    fn sizes() -> Vec<VirtualMachineSize> {
        vec![
            serde_json::from_value(serde_json::json!({
                "name": "Standard_DS3_v2", "family": "standardDSv2Family", "vCPUs": 4,
                "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]
            }))
            .unwrap(),
        ]
    }

    fn usages() -> Vec<Usage> {
        vec![Usage {
            type_: Some("Microsoft.MachineLearningServices/vmFamily/usages".into()),
            current_value: Some(8),
            limit: Some(48),
            name: Some(UsageName {
                value: Some("standardDSv2Family".into()),
                localized_value: Some("Standard DSv2 Family Cluster Dedicated vCPUs".into()),
                ..UsageName::default()
            }),
            ..Usage::default()
        }]
    }

    fn with_ctx<T>(f: impl FnOnce(&Ctx<'_>) -> T) -> T {
        let existing = vec!["cpu-cluster".to_string()];
        let (sizes, usages) = (sizes(), usages());
        let ctx = Ctx {
            subscription: "00000000-0000-0000-0000-000000000000",
            resource_group: "rg",
            workspace: "ws",
            location: "eastus",
            existing: &existing,
            sizes: &sizes,
            usages: &usages,
            files: &Files,
        };
        f(&ctx)
    }

    fn load_ok(text: &str) -> Loaded {
        load("c.yml", Some(text), &[], false).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn load_err(text: &str) -> Vec<String> {
        match load("c.yml", Some(text), &[], false) {
            Ok(l) => with_ctx(|ctx| l.problems(ctx)),
            Err(e) => e,
        }
        .iter()
        .map(ToString::to_string)
        .collect()
    }

    const CLUSTER: &str = "\
$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: gpu-cluster
type: amlcompute
size: Standard_DS3_v2
min_instances: 0
max_instances: 4
idle_time_before_scale_down: 300
tier: low_priority
ssh_public_access_enabled: true
ssh_settings:
  admin_username: azureuser
  ssh_key_value: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host
identity:
  type: user_assigned
  user_assigned_identities:
    - resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1
    - resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id2
tags:
  team: vision
  cost: 12
";

    #[test]
    fn nested_mappings_sequences_and_tags_map_onto_the_form() {
        let l = load_ok(CLUSTER);
        assert_eq!(l.form.yaml_types, &["amlcompute"]);
        let v = &l.values;
        assert_eq!(v.raw("name"), "gpu-cluster");
        assert_eq!(v.raw("max_instances"), "4");
        assert_eq!(v.raw("idle_time_before_scale_down"), "300");
        assert_eq!(v.raw("ssh_public_access_enabled"), "true");
        assert_eq!(v.raw("ssh_settings.admin_username"), "azureuser");
        assert_eq!(v.raw("identity.type"), "user_assigned");
        let ids = v.list("identity.user_assigned_identities");
        assert_eq!(ids.len(), 2);
        assert!(ids[1].raw("resource_id").ends_with("/id2"));
        let tags = v.list("tags");
        assert_eq!(tags.len(), 2);
        assert_eq!(
            (tags[0].raw("key"), tags[0].raw("value")),
            ("team", "vision")
        );
        assert_eq!((tags[1].raw("key"), tags[1].raw("value")), ("cost", "12"));
        // `type` and `$schema` select and are ignored: they are no field.
        assert!(!v.0.contains_key("type") && !v.0.contains_key("$schema"));
        let req = with_ctx(|ctx| l.request(ctx)).unwrap();
        let body = req.body();
        assert_eq!(req.name, "gpu-cluster");
        let p = &body["properties"]["properties"];
        assert_eq!(p["vmPriority"], "LowPriority");
        assert_eq!(p["scaleSettings"]["maxNodeCount"], 4);
        assert_eq!(p["scaleSettings"]["nodeIdleTimeBeforeScaleDown"], "PT5M");
        assert_eq!(p["userAccountCredentials"]["adminUserName"], "azureuser");
        assert_eq!(body["tags"]["cost"], "12");
        assert_eq!(
            body["identity"]["userAssignedIdentities"]
                .as_object()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn tags_as_a_sequence_of_key_value_entries_work_too() {
        let l = load_ok("type: amlcompute\nname: abc\ntags:\n  - key: a\n    value: b\n");
        assert_eq!(l.values.list("tags")[0].raw("value"), "b");
    }

    #[test]
    fn booleans_in_any_yaml_spelling_become_true_or_false() {
        for (text, want) in [
            ("True", "true"),
            ("yes", "true"),
            ("FALSE", "false"),
            ("off", "false"),
        ] {
            let l = load_ok(&format!(
                "type: amlcompute\nname: abc\nenable_node_public_ip: {text}\n"
            ));
            assert_eq!(l.values.raw("enable_node_public_ip"), want, "{text}");
        }
        // Quoted or not, a number is its text.
        let l = load_ok("type: amlcompute\nname: abc\nmax_instances: '7'\nmin_instances: 2\n");
        assert_eq!(
            (l.values.raw("max_instances"), l.values.raw("min_instances")),
            ("7", "2")
        );
    }

    #[test]
    fn a_sequence_of_scalars_is_one_comma_separated_text() {
        let l = load_ok("type: amlcompute\nname: abc\ndescription: [a, b, 3]\n");
        assert_eq!(l.values.raw("description"), "a,b,3");
        // Null values are "not given".
        let l = load_ok("type: amlcompute\nname: abc\ndescription: ~\nlocation:\n");
        assert!(!l.values.0.contains_key("description") && !l.values.0.contains_key("location"));
    }

    #[test]
    fn unknown_keys_are_errors_with_their_line_and_column_and_all_are_reported() {
        let e = load_err(
            "type: amlcompute\nname: abc\nmax_nodes: 3\nssh_settings:\n  admin_user: me\nidentity:\n  type: user_assigned\n  user_assigned_identities:\n    - resource_id: x\n      client: y\n",
        );
        assert_eq!(e.len(), 4, "{e:#?}");
        // The rules of what was mapped are reported in the same run.
        assert!(
            e[2].starts_with(
                "c.yml:9:7: identity.user_assigned_identities[0].resource_id: not a resource id"
            ),
            "{}",
            e[2]
        );
        assert!(
            e[0].starts_with(
                "c.yml:3:1: max_nodes: unknown key; the keys known here are: type, name,"
            ),
            "{}",
            e[0]
        );
        assert!(e[0].contains("max_instances"), "{}", e[0]);
        assert!(e[1].starts_with("c.yml:5:3: ssh_settings.admin_user: unknown key; the keys known here are: admin_username, ssh_key_value, ssh_key_file, admin_password"), "{}", e[1]);
        assert!(e[3].starts_with("c.yml:10:7: identity.user_assigned_identities[0].client: unknown key; the keys known here are: resource_id"), "{}", e[3]);
    }

    #[test]
    fn wrong_shapes_are_errors_naming_what_was_expected() {
        let e = load_err(
            "type: amlcompute\nname: {first: a}\nssh_settings: me\nidentity:\n  user_assigned_identities: /subscriptions/x\ntags: [a, b]\nmin_instances: [1, {a: b}]\n",
        );
        assert_eq!(e.len(), 6, "{e:#?}");
        assert_eq!(e[0], "c.yml:2:1: name: expected a value, found a mapping");
        assert!(
            e[1].starts_with(
                "c.yml:3:1: ssh_settings: expected a mapping of keys (admin_username, "
            ),
            "{}",
            e[1]
        );
        assert!(e[2].starts_with("c.yml:5:3: identity.user_assigned_identities: expected a sequence of entries, each a mapping of keys (resource_id); found a value"), "{}", e[2]);
        assert!(
            e[3].starts_with(
                "c.yml:6:8: tags[0]: expected a mapping of keys (key, value) for each entry"
            ),
            "{}",
            e[3]
        );
        assert!(e[4].starts_with("c.yml:6:11: tags[1]: "), "{}", e[4]);
        assert!(
            e[5].starts_with("c.yml:7:20: min_instances: expected a value or a sequence of values"),
            "{}",
            e[5]
        );
    }

    #[test]
    fn broken_rules_point_at_their_keys_line() {
        let e = load_err(
            "type: amlcompute\nname: 1abc\nsize: Standard_DS3_v2\nmin_instances: 3\nmax_instances: 2\ntier: cheap\n",
        );
        assert_eq!(e.len(), 3, "{e:#?}");
        assert!(e[0].starts_with("c.yml:2:1: name: "), "{}", e[0]);
        assert!(
            e[1].starts_with(
                "c.yml:5:1: max_instances: the maximum (2) must be at least the minimum (3)"
            ),
            "{}",
            e[1]
        );
        assert!(
            e[2].starts_with("c.yml:6:1: tier: \"cheap\" is not one of dedicated, low_priority"),
            "{}",
            e[2]
        );
        // A name already taken; over quota with the numbers (8 of 48 used, 4 vCPUs each).
        let e = load_err("type: amlcompute\nname: CPU-cluster\nmax_instances: 11\n");
        assert!(e[0].starts_with("c.yml:2:1: name: "), "{e:#?}");
        assert!(
            e[1].starts_with("c.yml:3:1: max_instances: 11 × Standard_DS3_v2 needs 44 vCPUs"),
            "{e:#?}"
        );
        assert!(e[1].contains("leaves 40 (8 of 48 used)"), "{e:#?}");
        // A rule of a field not in the file names the file only; a list entry's own line.
        let e = load_err(
            "type: amlcompute\nidentity:\n  type: user_assigned\n  user_assigned_identities:\n    - resource_id: /subscriptions/x\n",
        );
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(
            e[0].starts_with("c.yml:5:7: identity.user_assigned_identities[0].resource_id: "),
            "{e:#?}"
        );
        assert_eq!(e[1], "c.yml: name: required");
    }

    #[test]
    fn values_the_form_would_not_send_are_refused() {
        let e = load_err(
            "type: amlcompute\nname: abc\nidentity:\n  user_assigned_identities:\n    - resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id\n",
        );
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(
            e[0],
            "c.yml:4:3: identity.user_assigned_identities: given, but used only when identity.type is user_assigned or system_assigned,user_assigned"
        );
        // The message never quotes a value (it may be a secret).
        let e = load_err(
            "type: amlcompute\nname: abc\nssh_settings:\n  admin_password: hunter2hunter2\n  ssh_key_value: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
        );
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(e[0].contains("not several"), "{e:#?}");
        assert!(!e[0].contains("hunter2"));
    }

    #[test]
    fn cross_rules_fall_back_to_the_enclosing_key() {
        let e = load_err(
            "type: amlcompute\nname: abc\nssh_public_access_enabled: true\nssh_settings:\n  admin_username: me\n",
        );
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(
            e[0].starts_with(
                "c.yml:4:1: ssh_settings.ssh_key_value: SSH public access needs exactly one"
            ),
            "{}",
            e[0]
        );
    }

    #[test]
    fn key_files_are_read_through_the_ctx_files() {
        let l = load_ok(
            "type: amlcompute\nname: abc\nssh_public_access_enabled: true\nssh_settings:\n  ssh_key_file: keys/id.pub\n",
        );
        let req = with_ctx(|ctx| l.request(ctx)).unwrap();
        assert_eq!(
            req.body()["properties"]["properties"]["userAccountCredentials"]["adminUserSshPublicKey"],
            KEY
        );
    }

    #[test]
    fn overrides_set_dotted_paths_flags_and_flow_values() {
        let overrides = [
            Override::set("max_instances=6").unwrap(),
            Override::set("ssh_settings.admin_username=me").unwrap(),
            Override::set("tags={env: prod}").unwrap(),
            Override::set("identity.user_assigned_identities.1.resource_id=/x").unwrap(),
            Override::flag("size", "--size", "Standard_NC6"),
        ];
        let l = load("c.yml", Some(CLUSTER), &overrides, false).unwrap();
        assert_eq!(l.values.raw("max_instances"), "6");
        assert_eq!(l.values.raw("ssh_settings.admin_username"), "me");
        assert_eq!(l.values.raw("size"), "Standard_NC6");
        assert_eq!(l.values.list("tags").len(), 1);
        assert_eq!(
            l.values.list("identity.user_assigned_identities")[1].raw("resource_id"),
            "/x"
        );
        // Their problems name the argument, never the value.
        assert_eq!(
            l.place("max_instances"),
            Some(&Origin::Arg("--set max_instances".into()))
        );
        let l = load(
            "c.yml",
            Some(CLUSTER),
            &[
                Override::set("min_instances=9").unwrap(),
                Override::set("ssh_settings.admin_password=s3cret-value").unwrap(),
            ],
            false,
        )
        .unwrap();
        let e: Vec<String> = with_ctx(|ctx| l.problems(ctx))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            e.iter().any(|m| m.starts_with(
                "c.yml:6:1: max_instances: the maximum (4) must be at least the minimum (9)"
            )),
            "{e:#?}"
        );
        assert!(e.iter().all(|m| !m.contains("s3cret")), "{e:#?}");
        // Without a file: flags alone.
        let l = load(
            "",
            None,
            &[
                Override::flag("name", "--name", "cpu1"),
                Override::flag("type", "--type", "AmlCompute"),
                Override::flag("max_instances", "--max-instances", "0"),
            ],
            false,
        )
        .unwrap();
        let e: Vec<String> = with_ctx(|ctx| l.problems(ctx))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            e,
            [
                "--max-instances: max_instances: must be between 1 and 10000 (it is 0)",
                "--max-instances: max_instances: the maximum (0) must be at least the minimum (0) and at least 1"
            ]
        );
        // Bad overrides.
        assert!(
            Override::set("novalue")
                .unwrap_err()
                .starts_with("--set novalue: a value is missing")
        );
        assert!(Override::set("=x").is_err());
        let e = Override::set("ssh_settings.admin_password:s3cret").unwrap_err();
        assert!(
            e.contains("no key or no '='") && !e.contains("s3cret"),
            "{e}"
        );
        let e = load(
            "c.yml",
            Some(CLUSTER),
            &[
                Override::set("name.first=x").unwrap(),
                Override::set("tags..a=b").unwrap(),
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(e.len(), 2, "{e:#?}");
        assert_eq!(
            e[0].to_string(),
            "--set name.first: name holds a value, not keys"
        );
        let e = load(
            "c.yml",
            Some(CLUSTER),
            &[Override::set("identity.user_assigned_identities.5.resource_id=/x").unwrap()],
            false,
        )
        .unwrap_err();
        assert!(e[0].to_string().contains("a sequence of 2"), "{e:#?}");
    }

    #[test]
    fn type_chooses_the_form_and_create_and_attach_are_not_mixed() {
        let e = load("c.yml", Some("name: abc\n"), &[], false).unwrap_err();
        assert!(
            e[0].to_string()
                .starts_with("c.yml: type: required: the kind of compute, one of amlcompute"),
            "{e:?}"
        );
        let e = load("c.yml", Some("name: abc\ntype: quantum\n"), &[], false).unwrap_err();
        assert!(e[0].to_string().starts_with("c.yml:2:1: type: \"quantum\" is not a compute type amlc can create or attach; it reads amlcompute"), "{e:?}");
        let e = load("c.yml", Some("name: abc\ntype: AmlCompute\n"), &[], true).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "c.yml:2:1: type: AmlCompute computes are created, not attached: use `amlc computes create -f c.yml`"
        );
        // The flag wins over the file.
        assert!(
            load(
                "c.yml",
                Some("name: abc\ntype: quantum\n"),
                &[Override::flag("type", "--type", "amlcompute")],
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn malformed_yaml_is_the_parsers_message_with_its_place() {
        for (text, line) in [
            ("type: amlcompute\nname: [abc\n", 3),
            ("type: amlcompute\n  name: abc\n", 2),
            ("a: 'unterminated\n", 1),
            ("\t- x\n", 1),
            ("a: *nothing\n", 1),
            ("---\na: 1\n---\nb: 2\n", 3),
            ("? [a, b]\n: c\n", 1),
        ] {
            let e = load("c.yml", Some(text), &[], false).unwrap_err();
            assert_eq!(e.len(), 1, "{text:?}: {e:?}");
            assert_eq!(e[0].line, Some(line), "{text:?}: {e:?}");
            assert!(e[0].col.is_some());
            assert!(
                e[0].to_string().starts_with(&format!("c.yml:{line}:")),
                "{e:?}"
            );
        }
        assert_eq!(
            load("c.yml", Some(""), &[], false).unwrap_err()[0].to_string(),
            "c.yml: the file is empty"
        );
        assert!(
            load("c.yml", Some("- a\n- b\n"), &[], false).unwrap_err()[0]
                .to_string()
                .contains("a compute file is a mapping")
        );
        // Duplicate keys are refused (YAML forbids them).
        let e = load_err("type: amlcompute\nname: abc\nname: def\n");
        assert_eq!(e, ["c.yml:3:1: name: given twice"]);
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_refused_not_a_crash() {
        let deep = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        // The parser's own limit, or ours: an error either way.
        let e = parse(&deep).unwrap_err();
        assert!(
            e.message.contains("recursion limit") || e.message.contains("nested more than"),
            "{e:?}"
        );
        let deep = (0..100).fold(String::new(), |acc, i| {
            format!("{acc}{}k{i}:\n", "  ".repeat(i))
        });
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nested more than 64 levels"), "{e:?}");
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = i - 1));
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("more than 100000 values"), "{e:?}");
        // A plain alias works.
        let l = load_ok("type: amlcompute\nname: &n abc\ndescription: *n\n");
        assert_eq!(l.values.raw("description"), "abc");
    }

    #[test]
    fn a_file_over_one_mib_is_refused() {
        let big = format!(
            "type: amlcompute\ndescription: {}\n",
            "x".repeat(2 * 1024 * 1024)
        );
        let e = load("big.yml", Some(&big), &[], false).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(
            e[0].to_string()
                .contains("amlc reads YAML files of at most 1048576 bytes (1 MiB)"),
            "{e:?}"
        );
    }

    /// A form unlike the cluster's, as the other kinds' forms are (schedules of a compute
    /// instance): a list nested under a mapping, whose entries have nested sub-fields, a
    /// toggle-conditioned sub-field, and a scalar-list field.
    static SCHEDULE_FIELDS: &[Field] = &[
        Field::text("action", "Action", ""),
        Field::text("trigger.type", "Trigger", ""),
        Field::text("trigger.expression", "Cron", ""),
        Field {
            kind: FieldKind::Toggle,
            ..Field::text("enabled", "On", "")
        },
        Field {
            show_if: Some(crate::wizard::engine::Cond {
                field: "enabled",
                any_of: &["true"],
            }),
            ..Field::text("recurrence.week_days", "Days", "")
        },
    ];
    static GENERIC_FIELDS: &[Field] = &[
        Field::text("name", "Name", ""),
        Field {
            kind: FieldKind::List {
                fields: SCHEDULE_FIELDS,
                max: 4,
            },
            ..Field::text("schedules.compute_start_stop", "Schedules", "")
        },
    ];
    static GENERIC: Form = Form {
        id: crate::wizard::engine::FormId::ComputeInstance,
        title: "generic",
        compute_type: "ComputeInstance",
        attach: false,
        yaml_types: &["generic"],
        steps: &["One"],
        fields: GENERIC_FIELDS,
        notice: "",
        cross: None,
        build: |_, _| Err(Problem::new("", "not built here")),
    };

    #[test]
    fn the_mapping_is_generic_nested_lists_with_nested_entry_keys() {
        let text = "\
name: ci
schedules:
  compute_start_stop:
    - action: start
      enabled: true
      trigger:
        type: cron
        expression: 0 18 * * *
      recurrence:
        week_days: [monday, friday]
    - action: stop
      enabled: false
      recurrence:
        week_days: [sunday]
      trigger:
        kind: x
";
        let Some(Node {
            value: NodeValue::Map(entries),
            ..
        }) = parse(text).unwrap()
        else {
            panic!("a mapping");
        };
        let l = map_onto(&GENERIC, "ci.yml", &entries);
        let list = l.values.list("schedules.compute_start_stop");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].raw("trigger.expression"), "0 18 * * *");
        assert_eq!(list[0].raw("recurrence.week_days"), "monday,friday");
        assert_eq!(list[0].raw("enabled"), "true");
        let e: Vec<String> = with_ctx(|ctx| l.problems(ctx))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            e,
            [
                "ci.yml:14:9: schedules.compute_start_stop[1].recurrence.week_days: given, but used only when enabled is true",
                "ci.yml:16:9: schedules.compute_start_stop[1].trigger.kind: unknown key; the keys known here are: type, expression",
            ]
        );
    }

    #[test]
    fn lists_keep_entry_values_relative_to_the_entry() {
        let l = load_ok(CLUSTER);
        match l.values.0.get("identity.user_assigned_identities") {
            Some(FieldValue::List(entries)) => {
                assert!(entries[0].0.keys().all(|k| k == "resource_id"))
            }
            other => panic!("{other:?}"),
        }
    }
}
