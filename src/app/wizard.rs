//! The create-or-attach wizard's state and keys (`n` on a compute tab): the chooser of the
//! tab's forms (Studio's "+ New"), then any [`Form`] of `crate::wizard::forms` driven step by
//! step — the shown fields of a step (visibility re-evaluated as values change), text edited
//! with tui-input, toggles and choices cycled, list fields edited entry by entry, the size
//! picker (the region's VM sizes with vCPUs, memory, GPUs, price and the family's quota left,
//! fuzzy-filtered), `~/.ssh/*.pub` offered for public key files — and a review step (what is
//! created, the estimated cost, the quota check, the exact ARM body with secrets masked).
//! Enter on the review sends through [`App::begin_action`] (the one way out); the values are
//! kept per (form, name) so a failed create can be reopened. The region's VM sizes and usages
//! are a data source (`SourceKey::Catalog`) the scheduler loads when the app connects (and
//! again when the wizard opens after a failure).
//!
//! Generic over `Form`: nothing here names a field of a particular form but the az ml YAML
//! keys every form shares (`tier`, `os_type`). Secrets typed in are never in `Debug` output
//! (the state's `Debug` masks them). Reads the disk only on a key press (public key files
//! named in a form, the `~/.ssh` listing when asked); no drawing here.

use super::filter::Filter;
use super::keys::KeyCombo;
use super::sources::{AppError, SourceKey};
use super::text::{self, Tone};
use super::{App, Effect, TabId, View};
use crate::actions::{ActionId, ActionParams, ActionRequest};
use crate::azure::models::{
    ComputeProperties, ComputeResource, OsType, Usage, VirtualMachineSize, VmPriority,
};
use crate::cost;
use crate::wizard::engine::visible_among;
use crate::wizard::forms;
use crate::wizard::{
    ComputeRequest, Ctx, DiskFiles, Field, FieldKind, FieldValue, FileSource, Form, FormId,
    Problem, Values,
};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

/// How often the VM sizes and usages are fetched again (prices rarely change; usages move
/// as clusters scale, and the quota view shows them).
pub const CATALOG_CADENCE_MS: u64 = 10 * 60_000;

/// How a secret is drawn: never its text, nor its length.
pub fn mask(ascii: bool) -> &'static str {
    if ascii { "***" } else { "•••" }
}

/// The workspace region's VM sizes and usages, as the `Catalog` source brings them.
#[derive(Debug, Clone)]
pub struct CatalogData {
    pub location: String,
    pub sizes: Result<Vec<VirtualMachineSize>, AppError>,
    pub usages: Result<Vec<Usage>, AppError>,
}

/// Reads the files a form names (public keys, private keys, certificates) and lists the
/// public keys offered: the disk and `~/.ssh` by default; tests put a map and a folder here.
#[derive(Clone)]
pub struct FormFiles {
    pub source: Arc<dyn FileSource>,
    /// Where `*.pub` files are offered from (`None`: `~/.ssh`).
    pub ssh_dir: Option<PathBuf>,
}

impl Default for FormFiles {
    fn default() -> Self {
        FormFiles {
            source: Arc::new(DiskFiles::default()),
            ssh_dir: None,
        }
    }
}

impl fmt::Debug for FormFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FormFiles")
    }
}

/// The values of forms sent, per (form, name): a failed create reopens with them. `Debug`
/// shows only which forms and names are kept (the values may hold secrets).
#[derive(Clone, Default)]
pub struct Drafts(HashMap<(FormId, String), Values>);

impl fmt::Debug for Drafts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Drafts {
    /// Forgets the values of `name` (its create went through).
    pub fn forget(&mut self, name: &str) {
        self.0.retain(|(_, n), _| !n.eq_ignore_ascii_case(name));
    }

    /// The kept values of `name` for a form that creates (`attach` false) or attaches.
    pub fn find(&self, name: &str, attach: bool) -> Option<(FormId, &Values)> {
        self.0.iter().find_map(|((id, n), v)| {
            let form = forms::form(*id)?;
            (n.eq_ignore_ascii_case(name) && form.attach == attach).then_some((*id, v))
        })
    }
}

/// The wizard: a chooser or a form, and whether Esc asked about discarding.
pub struct Wizard {
    pub tab: TabId,
    pub page: Page,
    /// Esc was pressed with values entered: `y` discards, `n`/Esc keeps editing.
    pub confirm_discard: bool,
}

pub enum Page {
    Choose(Chooser),
    Form(Box<FormState>),
}

/// The forms of a tab, to pick one.
pub struct Chooser {
    pub forms: Vec<&'static Form>,
    pub selected: usize,
}

/// A form being filled in.
pub struct FormState {
    pub form: &'static Form,
    pub values: Values,
    /// Index into `form.steps`; `form.steps.len()` is the review.
    pub step: usize,
    /// Index among the shown fields of the step.
    pub focus: usize,
    /// The focused field's text being edited.
    pub editor: Input,
    /// Fields edited (their broken rule shows as you type).
    pub touched: BTreeSet<String>,
    /// Enter was refused on this step: every field's broken rule shows, listed at the bottom.
    pub refused: Vec<Problem>,
    /// Every broken rule now (recomputed after each change and when data arrives).
    pub problems: Vec<Problem>,
    pub overlay: Option<Overlay>,
    /// The review, built when the review step is entered (and when data arrives).
    pub review: Option<Review>,
    pub review_scroll: usize,
    /// The last attempt's failure, when the form was reopened after one.
    pub last_error: Option<String>,
}

/// A picker or editor over the form.
pub enum Overlay {
    Sizes(SizePicker),
    Files(FilePick),
    List(ListEdit),
}

/// The size picker of one size field.
pub struct SizePicker {
    pub field: &'static str,
    pub filter: Input,
    pub rows: Vec<SizeRow>,
    pub selected: usize,
    /// Sizes for this compute type before filtering.
    pub total: usize,
}

/// One VM size as the picker lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeRow {
    pub name: String,
    pub family: String,
    pub vcpus: Option<i64>,
    pub memory_gb: Option<f64>,
    pub gpus: Option<i64>,
    pub low_priority: Option<bool>,
    /// Per hour for the form's tier and OS (`None`: not listed).
    pub price: Option<f64>,
    pub currency: String,
    /// The family's vCPU quota: (used, limit).
    pub quota: Option<(i64, i64)>,
}

/// `~/.ssh/*.pub` offered for a public key file field.
pub struct FilePick {
    pub field: &'static str,
    pub files: Vec<String>,
    pub selected: usize,
}

/// The entries of a list field.
pub struct ListEdit {
    pub field: &'static Field,
    pub selected: usize,
    pub entry: Option<EntryEdit>,
}

/// One entry of a list field being edited.
pub struct EntryEdit {
    pub index: usize,
    pub focus: usize,
    pub editor: Input,
}

/// What the review step shows.
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// "Create compute cluster gpu-1 (AmlCompute)".
    pub what: String,
    /// Why the form cannot be sent (then nothing else is filled in).
    pub problems: Vec<Problem>,
    /// Estimated cost lines, each with its tone.
    pub cost: Vec<(String, Tone)>,
    pub quota: Vec<(String, Tone)>,
    /// The ARM body, secrets masked, pretty JSON.
    pub body: Vec<String>,
}

impl fmt::Debug for Wizard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Wizard");
        d.field("tab", &self.tab)
            .field("confirm_discard", &self.confirm_discard);
        match &self.page {
            Page::Choose(c) => {
                let titles: Vec<&str> = c.forms.iter().map(|f| f.title).collect();
                d.field("choose", &titles).field("selected", &c.selected);
            }
            Page::Form(s) => {
                d.field("form", &s.form.id)
                    .field("step", &s.step)
                    .field("focus", &s.focus)
                    .field("values", &masked_values(s.form.fields, &s.values))
                    .field("problems", &s.problems.len());
            }
        }
        d.finish()
    }
}

/// The values as `Debug` may show them: secrets masked.
fn masked_values(fields: &[Field], values: &Values) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (id, value) in &values.0 {
        let secret = fields.iter().any(|f| f.id == id && f.is_secret());
        let shown = match value {
            FieldValue::Text(_) if secret => "***".to_owned(),
            FieldValue::Text(t) => t.clone(),
            FieldValue::List(entries) => {
                let sub = fields.iter().find_map(|f| match (f.id == id, f.kind) {
                    (true, FieldKind::List { fields, .. }) => Some(fields),
                    _ => None,
                });
                let entries: Vec<_> = entries
                    .iter()
                    .map(|e| masked_values(sub.unwrap_or(&[]), e))
                    .collect();
                format!("{entries:?}")
            }
        };
        out.push((id.clone(), shown));
    }
    out
}

/// The field's text as the user typed it (untrimmed), else its default: what the editor holds.
fn editor_text(f: &Field, values: &Values) -> String {
    match values.0.get(f.id) {
        Some(FieldValue::Text(t)) if !t.is_empty() => t.clone(),
        _ => f.default.to_owned(),
    }
}

/// Whether a field is edited as text (else cycled, picked, or a list).
pub fn is_text(f: &Field) -> bool {
    matches!(
        f.kind,
        FieldKind::Text
            | FieldKind::Secret
            | FieldKind::Number { .. }
            | FieldKind::Size
            | FieldKind::File { .. }
    )
}

/// A public key file field: `~/.ssh/*.pub` are offered.
pub fn offers_ssh_keys(f: &Field) -> bool {
    matches!(f.kind, FieldKind::File { secret: false }) && f.id.contains("ssh")
}

/// The next (or previous) value of a toggle or a choice.
fn cycle(f: &Field, current: &str, forward: bool) -> Option<String> {
    match f.kind {
        FieldKind::Toggle => Some(if current == "true" { "false" } else { "true" }.into()),
        FieldKind::Choice(choices) if !choices.is_empty() => {
            let n = choices.len();
            let at = choices
                .iter()
                .position(|c| c.value.eq_ignore_ascii_case(current));
            let next = match (at, forward) {
                (None, _) => 0,
                (Some(i), true) => (i + 1) % n,
                (Some(i), false) => (i + n - 1) % n,
            };
            Some(choices[next].value.to_owned())
        }
        _ => None,
    }
}

/// Whether problem `p` belongs to field `id` (or one of its list entries).
pub fn belongs(p: &Problem, id: &str) -> bool {
    p.field == id
        || p.field
            .strip_prefix(id)
            .is_some_and(|rest| rest.starts_with('['))
}

impl FormState {
    pub fn new(form: &'static Form, values: Values) -> FormState {
        let mut state = FormState {
            form,
            values,
            step: 0,
            focus: 0,
            editor: Input::default(),
            touched: BTreeSet::new(),
            refused: Vec::new(),
            problems: Vec::new(),
            overlay: None,
            review: None,
            review_scroll: 0,
            last_error: None,
        };
        state.load_editor();
        state
    }

    pub fn on_review(&self) -> bool {
        self.step >= self.form.steps.len()
    }

    /// The shown fields of the current step.
    pub fn fields(&self) -> Vec<&'static Field> {
        self.form.step_fields(self.step, &self.values).collect()
    }

    pub fn focused(&self) -> Option<&'static Field> {
        self.fields().get(self.focus).copied()
    }

    /// The broken rules of the current step's shown fields.
    pub fn step_problems(&self) -> Vec<Problem> {
        let fields = self.fields();
        self.problems
            .iter()
            .filter(|p| fields.iter().any(|f| belongs(p, f.id)))
            .cloned()
            .collect()
    }

    /// The broken rules shown under field `id` now (once edited, or after a refused Enter).
    pub fn shown_problems(&self, id: &str) -> Vec<&Problem> {
        let show = self.touched.contains(id) || !self.refused.is_empty();
        self.problems
            .iter()
            .filter(|p| show && belongs(p, id))
            .collect()
    }

    fn load_editor(&mut self) {
        let fields = self.fields();
        self.focus = self.focus.min(fields.len().saturating_sub(1));
        self.editor = match fields.get(self.focus) {
            Some(f) if is_text(f) => Input::new(editor_text(f, &self.values)),
            _ => Input::default(),
        };
    }

    fn move_focus(&mut self, delta: isize) {
        let n = self.fields().len();
        if n == 0 {
            return;
        }
        self.focus = (self.focus as isize + delta).rem_euclid(n as isize) as usize;
        self.load_editor();
    }

    fn go_to_step(&mut self, step: usize) {
        self.step = step.min(self.form.steps.len());
        self.focus = 0;
        self.refused.clear();
        self.review_scroll = 0;
        self.load_editor();
    }

    /// Sets the focused field's text (an edit).
    fn set(&mut self, f: &Field, text: String) {
        self.values.set(f.id, text);
        self.touched.insert(f.id.to_owned());
        self.refused.clear();
        // Fields may have appeared or gone: the focus stays on the field edited.
        if let Some(at) = self.fields().iter().position(|g| g.id == f.id) {
            self.focus = at;
        }
    }
}

/// The region's sizes for a compute type, as the picker lists them (AKS: any size).
pub fn size_rows(
    compute_type: &str,
    sizes: &[VirtualMachineSize],
    ctx: &Ctx<'_>,
    low_priority: bool,
    os: &OsType,
) -> Vec<SizeRow> {
    let any = compute_type.eq_ignore_ascii_case("AKS");
    let tier = if low_priority {
        cost::Tier::LowPriority
    } else {
        cost::Tier::Dedicated
    };
    let mut rows: Vec<SizeRow> = sizes
        .iter()
        .filter(|s| any || s.supported_compute_types.is_empty() || s.supports(compute_type))
        .map(|s| {
            let family = s.family.clone().unwrap_or_default();
            SizeRow {
                name: s.name.clone().unwrap_or_default(),
                quota: crate::wizard::rules::family_quota(ctx, &family, low_priority),
                family,
                vcpus: s.v_cpus,
                memory_gb: s.memory_gb,
                gpus: s.gpus,
                low_priority: s.low_priority_capable,
                price: cost::size_price(s, os, tier).amount(),
                currency: s
                    .estimated_vm_prices
                    .as_ref()
                    .and_then(|p| p.billing_currency.clone())
                    .unwrap_or_else(|| "USD".into()),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.vcpus, a.gpus, &a.name)
            .partial_cmp(&(b.vcpus, b.gpus, &b.name))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    rows
}

/// `0.29 USD`, or `?` when unknown (never 0): a price as `crate::cost` reads it.
pub fn money(price: Option<f64>, currency: &str) -> String {
    match price {
        Some(amount) => cost::HourlyCost::Estimate {
            amount,
            currency: Some(currency.to_owned()),
        }
        .money(),
        None => cost::HourlyCost::Unknown.money(),
    }
}

/// What a request runs on, for the estimate: (size, low priority, OS, nodes at min and max).
fn footprint(resource: &ComputeResource) -> Option<(String, bool, OsType, i64, i64)> {
    let size = resource.vm_size()?;
    match &resource.properties.properties {
        ComputeProperties::AmlCompute(p) => {
            let low = p.vm_priority == Some(VmPriority::LowPriority);
            let os = p.os_type.clone().unwrap_or(OsType::Linux);
            let (min, max) = p
                .scale_settings
                .as_ref()
                .map(|s| (s.min_node_count.unwrap_or(0), s.max_node_count))
                .unwrap_or((0, 1));
            Some((size, low, os, min, max))
        }
        ComputeProperties::ComputeInstance(_) => Some((size, false, OsType::Linux, 1, 1)),
        ComputeProperties::Aks(p) => {
            let n = p.agent_count.unwrap_or(3);
            Some((size, false, OsType::Linux, n, n))
        }
        _ => Some((size, false, OsType::Linux, 1, 1)),
    }
}

/// The review of a request: what, cost, quota, body. `catalog_note` says why sizes or usages
/// are missing (they then cannot be checked).
pub fn review_of(
    form: &Form,
    request: &ComputeRequest,
    ctx: &Ctx<'_>,
    sizes_note: Option<&str>,
    usages_note: Option<&str>,
) -> Review {
    let verb = if form.attach { "Attach" } else { "Create" };
    let mut review = Review {
        what: format!(
            "{verb} {} {} ({})",
            form.title
                .split_once(' ')
                .map(|(_, rest)| rest)
                .unwrap_or(form.title),
            request.name,
            form.compute_type
        ),
        ..Review::default()
    };
    let body = serde_json::to_string_pretty(&request.masked_body()).unwrap_or_default();
    review.body = body.lines().map(str::to_owned).collect();
    if form.attach {
        review.cost.push((
            "the resource exists already: attaching adds no Azure ML compute cost".into(),
            Tone::Muted,
        ));
        return review;
    }
    let Some((size, low, os, min, max)) = footprint(&request.resource) else {
        review
            .cost
            .push(("no VM size: no estimate".into(), Tone::Muted));
        return review;
    };
    let vm = ctx.size(&size);
    let tier = if low {
        cost::Tier::LowPriority
    } else {
        cost::Tier::Dedicated
    };
    // One VM of the size per hour, and × nodes, by `crate::cost` (the one cost arithmetic).
    let unit = vm
        .map(|s| cost::size_price(s, &os, tier))
        .unwrap_or(cost::HourlyCost::Unknown);
    let tier_text = tier.label();
    review.cost.push((
        format!(
            "estimate, per hour ({size}, {tier_text}): {} per node",
            unit.money()
        ),
        Tone::Normal,
    ));
    let at = |n: i64| unit.times(n).money();
    let nodes = |n: i64| if n == 1 { "node" } else { "nodes" };
    if min != max {
        review.cost.push((
            format!("at min {min} {}: {}", nodes(min), at(min)),
            Tone::Normal,
        ));
        review.cost.push((
            format!("at max {max} {}: {}", nodes(max), at(max)),
            Tone::Normal,
        ));
    } else {
        review
            .cost
            .push((format!("{max} {}: {}", nodes(max), at(max)), Tone::Normal));
    }
    if unit.amount().is_none() {
        let why = sizes_note
            .map(|n| format!("price unknown: {n}"))
            .unwrap_or_else(|| format!("price unknown: the region lists no price for {size}"));
        review.cost.push((why, Tone::Warning));
    }
    // The quota at the most nodes it may run.
    match (vm, usages_note, sizes_note) {
        (_, _, Some(note)) => review
            .quota
            .push((format!("quota not checked: {note}"), Tone::Warning)),
        (_, Some(note), _) => review
            .quota
            .push((format!("quota not checked: {note}"), Tone::Warning)),
        (None, _, _) => review.quota.push((
            format!("quota not checked: {size} is not in the region's list"),
            Tone::Warning,
        )),
        (Some(s), None, None) => {
            let family = s.family.clone().unwrap_or_default();
            let vcpus = s.v_cpus.unwrap_or(0);
            let need = vcpus.saturating_mul(max);
            match crate::wizard::rules::family_quota(ctx, &family, low) {
                None => review.quota.push((
                    format!("quota of family {family}: not listed for the region (not checked)"),
                    Tone::Warning,
                )),
                Some((used, limit)) => {
                    let left = (limit - used).max(0);
                    let fits = need <= left;
                    review.quota.push((
                        format!(
                            "quota of family {family} ({tier_text}): {max} × {vcpus} vCPUs = {need} needed, {left} left ({used} of {limit} used): {}",
                            if fits { "fits" } else { "does not fit" }
                        ),
                        if fits { Tone::Healthy } else { Tone::Failed },
                    ));
                }
            }
        }
    }
    review
}

/// The `*.pub` files of `dir` (else of `~/.ssh`, shown as `~/.ssh/NAME.pub`), sorted.
fn ssh_public_keys(dir: Option<&Path>) -> Vec<String> {
    let (folder, shown) = match dir {
        Some(dir) => (dir.to_path_buf(), dir.display().to_string()),
        None => {
            let Some(home) = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
            else {
                return Vec::new();
            };
            (home.join(".ssh"), "~/.ssh".to_owned())
        }
    };
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pub"))
        .map(|n| format!("{shown}/{n}"))
        .collect();
    out.sort();
    out.truncate(50);
    out
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

impl App {
    /// The workspace as the forms check against it, for `f`.
    fn with_ctx<R>(&self, f: impl FnOnce(&Ctx<'_>) -> R) -> R {
        // Every listed name, a create still on its way (its Creating row) included.
        let existing: Vec<String> = self
            .computes
            .iter()
            .filter_map(|c| c.name.clone())
            .collect();
        let (sub, rg, ws) = self
            .context
            .as_ref()
            .map(|c| {
                (
                    c.subscription.as_str(),
                    c.resource_group.as_str(),
                    c.workspace.as_str(),
                )
            })
            .unwrap_or(("", "", ""));
        let catalog = self.catalog.as_deref();
        let ctx = Ctx {
            subscription: sub,
            resource_group: rg,
            workspace: ws,
            location: catalog.map(|c| c.location.as_str()).unwrap_or(""),
            existing: &existing,
            sizes: catalog
                .and_then(|c| c.sizes.as_ref().ok())
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            usages: catalog
                .and_then(|c| c.usages.as_ref().ok())
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            files: self.form_files.source.as_ref(),
        };
        f(&ctx)
    }

    /// Why the VM sizes (first) and the usages (second) are not there, when they are not.
    pub fn catalog_notes(&self) -> (Option<String>, Option<String>) {
        let state = self.source_state(&SourceKey::Catalog);
        match self.catalog.as_deref() {
            Some(c) => (
                c.sizes
                    .as_ref()
                    .err()
                    .map(|e| format!("could not load the VM sizes: {}", e.line)),
                c.usages
                    .as_ref()
                    .err()
                    .map(|e| format!("could not load the usages: {}", e.line)),
            ),
            None => {
                let note = match &state.last_error {
                    Some(e) => format!("could not load the VM sizes and usages: {}", e.line),
                    None => "the VM sizes and usages are still loading".into(),
                };
                (Some(note.clone()), Some(note))
            }
        }
    }

    /// `n`: the create-or-attach wizard of the active tab (a chooser when it offers several
    /// forms).
    pub(super) fn open_wizard(&mut self) {
        if !self.views.is_empty() {
            return;
        }
        if self.active == TabId::Jobs {
            self.toast("submitting runs is not in amlc yet", Tone::Muted);
            return;
        }
        if self.read_only {
            self.toast(
                "read-only: create and attach are off (amlc was started with --read-only)",
                Tone::Warning,
            );
            return;
        }
        self.open_forms(forms::for_tab(self.active));
    }

    /// Opens the wizard on `offered` (one form: that form; several: the chooser). `n` passes
    /// the active tab's forms; tests pass forms of their own.
    pub fn open_forms(&mut self, offered: Vec<&'static Form>) {
        let page = match offered.as_slice() {
            [] => {
                self.toast("no create or attach form on this tab yet", Tone::Muted);
                return;
            }
            [form] => Page::Form(Box::new(FormState::new(form, Values::new()))),
            _ => Page::Choose(Chooser {
                forms: offered,
                selected: 0,
            }),
        };
        self.show_wizard(Wizard {
            tab: self.active,
            page,
            confirm_discard: false,
        });
        self.mark_dirty();
    }

    fn show_wizard(&mut self, wizard: Wizard) {
        self.copy_menu = None;
        self.modal = None;
        self.wizard = Some(Box::new(wizard));
        // The region's sizes and usages: loaded once (again when they failed).
        let state = self.sources.entry(SourceKey::Catalog);
        if state.failures > 0 || (self.catalog.is_none() && state.in_flight.is_none()) {
            state.refresh_now();
        }
        self.wizard_recheck();
    }

    /// `n` on a failed create or attach in the operations view: its form, values kept.
    pub(super) fn reopen_failed(&mut self) {
        let Some(View::Operations { selected, .. }) = self.top_view() else {
            return;
        };
        let Some(entry) = self.operations.entries().get(*selected) else {
            return;
        };
        let (action, target) = (entry.request.action, entry.request.target.clone());
        let error = match &entry.state {
            super::operations::OpState::Failed(e) => e.line.clone(),
            _ => String::new(),
        };
        if !matches!(action, ActionId::Create | ActionId::Attach) || error.is_empty() {
            self.toast(
                "n here reopens the form of a failed create or attach",
                Tone::Muted,
            );
            return;
        }
        let Some((id, values)) = self
            .drafts
            .find(&target, action == ActionId::Attach)
            .map(|(id, v)| (id, v.clone()))
        else {
            self.toast(
                format!(
                    "the form of {} is not kept (it was not sent from this session)",
                    text::one_line(&target)
                ),
                Tone::Muted,
            );
            return;
        };
        let Some(form) = forms::form(id) else {
            return;
        };
        if self.read_only {
            self.toast(
                "read-only: create and attach are off (amlc was started with --read-only)",
                Tone::Warning,
            );
            return;
        }
        let mut state = FormState::new(form, values);
        state.last_error = Some(error);
        let tab =
            super::kinds::compute_tab(&crate::azure::models::ComputeType::parse(form.compute_type));
        self.views.clear();
        self.active = tab;
        self.show_wizard(Wizard {
            tab,
            page: Page::Form(Box::new(state)),
            confirm_discard: false,
        });
    }

    /// Recomputes the open form's broken rules (and its review) against the data as loaded:
    /// after an edit, and when the computes or the catalogue arrive.
    pub(super) fn wizard_recheck(&mut self) {
        let Some(mut wizard) = self.wizard.take() else {
            return;
        };
        if let Page::Form(state) = &mut wizard.page {
            let (sizes_note, usages_note) = self.catalog_notes();
            self.with_ctx(|ctx| {
                state.problems = state.form.problems(&state.values, ctx);
                if state.on_review() {
                    state.review = Some(match state.form.to_request(&state.values, ctx) {
                        Ok(request) => review_of(
                            state.form,
                            &request,
                            ctx,
                            sizes_note.as_deref(),
                            usages_note.as_deref(),
                        ),
                        Err(problems) => Review {
                            what: state.form.title.to_owned(),
                            problems,
                            ..Review::default()
                        },
                    });
                }
                if let Some(Overlay::Sizes(picker)) = &mut state.overlay {
                    refilter(state.form, &state.values, picker, ctx);
                }
            });
        }
        self.wizard = Some(wizard);
    }

    /// A key while the wizard is open (it takes every key; Ctrl-c still quits).
    pub(super) fn on_wizard_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        if KeyCombo::from_event(&key) == KeyCombo::ctrl('c') {
            self.quit = true;
            return;
        }
        let Some(mut wizard) = self.wizard.take() else {
            return;
        };
        if wizard.confirm_discard {
            match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    self.toast("form closed, nothing sent", Tone::Muted);
                    return;
                }
                _ => {
                    wizard.confirm_discard = false;
                    self.wizard = Some(wizard);
                    return;
                }
            }
        }
        let keep = match &mut wizard.page {
            Page::Choose(chooser) => self.chooser_key(chooser, key),
            Page::Form(state) => self.form_key(state, key, effects),
        };
        match keep {
            Keep::Open => {
                self.wizard = Some(wizard);
                self.wizard_recheck();
            }
            Keep::Close => {}
            Keep::Ask => {
                wizard.confirm_discard = true;
                self.wizard = Some(wizard);
            }
            Keep::Replace(page) => {
                wizard.page = page;
                self.wizard = Some(wizard);
                self.wizard_recheck();
            }
        }
    }

    fn chooser_key(&mut self, chooser: &mut Chooser, key: KeyEvent) -> Keep {
        let last = chooser.forms.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return Keep::Close,
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
                chooser.selected = chooser.selected.saturating_sub(1)
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                chooser.selected = (chooser.selected + 1).min(last)
            }
            KeyCode::Enter => {
                if let Some(form) = chooser.forms.get(chooser.selected) {
                    return Keep::Replace(Page::Form(Box::new(FormState::new(
                        form,
                        Values::new(),
                    ))));
                }
            }
            _ => {}
        }
        Keep::Open
    }

    fn form_key(
        &mut self,
        state: &mut FormState,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Keep {
        if state.overlay.is_some() {
            self.overlay_key(state, key);
            return Keep::Open;
        }
        if key.code == KeyCode::Esc {
            return if state.values.is_empty() {
                Keep::Close
            } else {
                Keep::Ask
            };
        }
        if state.on_review() {
            return self.review_key(state, key, effects);
        }
        let shift_tab = key.code == KeyCode::BackTab
            || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT));
        let field = state.focused();
        match key.code {
            _ if shift_tab => {
                if state.focus == 0 && state.step > 0 {
                    let step = state.step - 1;
                    state.go_to_step(step);
                    state.focus = state.fields().len().saturating_sub(1);
                    state.load_editor();
                } else {
                    state.move_focus(-1);
                }
            }
            KeyCode::Tab | KeyCode::Down => state.move_focus(1),
            KeyCode::Up => state.move_focus(-1),
            KeyCode::PageUp => {
                if state.step > 0 {
                    let step = state.step - 1;
                    state.go_to_step(step);
                }
            }
            KeyCode::PageDown => self.next_step(state),
            KeyCode::Enter => match field {
                Some(f) if matches!(f.kind, FieldKind::Size) => self.open_sizes(state, f),
                Some(f) if matches!(f.kind, FieldKind::List { .. }) => {
                    state.overlay = Some(Overlay::List(ListEdit {
                        field: f,
                        selected: 0,
                        entry: None,
                    }));
                }
                Some(f) if offers_ssh_keys(f) && state.values.raw(f.id).is_empty() => {
                    let files = ssh_public_keys(self.form_files.ssh_dir.as_deref());
                    if files.is_empty() {
                        self.toast(
                            "no ~/.ssh/*.pub found: type the path of a public key file",
                            Tone::Muted,
                        );
                    } else {
                        state.overlay = Some(Overlay::Files(FilePick {
                            field: f.id,
                            files,
                            selected: 0,
                        }));
                    }
                }
                _ => self.next_step(state),
            },
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if field.is_some_and(|f| cycle(f, "", true).is_some()) =>
            {
                if let Some(f) = field {
                    let now = f.shown(&state.values).to_owned();
                    if let Some(next) = cycle(f, &now, key.code != KeyCode::Left) {
                        state.set(f, next);
                    }
                }
            }
            _ => {
                if let Some(f) = field.filter(|f| is_text(f))
                    && edit(&mut state.editor, key)
                {
                    let text = state.editor.value().to_owned();
                    state.set(f, text);
                }
            }
        }
        Keep::Open
    }

    /// Enter on a step: on to the next one (the review after the last), unless the step has
    /// broken rules: then they are listed and shown under their fields.
    fn next_step(&mut self, state: &mut FormState) {
        let problems = state.step_problems();
        if !problems.is_empty() {
            let count = problems.len();
            state.refused = problems;
            self.toast(
                format!(
                    "{count} problem{} on this step: fix {} first",
                    if count == 1 { "" } else { "s" },
                    if count == 1 { "it" } else { "them" }
                ),
                Tone::Warning,
            );
            return;
        }
        let step = state.step + 1;
        state.go_to_step(step);
    }

    fn review_key(
        &mut self,
        state: &mut FormState,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Keep {
        let rows = state.review.as_ref().map(|r| r.body.len()).unwrap_or(0);
        let page = usize::from(self.height.saturating_sub(12)).max(1);
        match key.code {
            KeyCode::BackTab | KeyCode::Backspace | KeyCode::Left => {
                let step = state.step.saturating_sub(1);
                state.go_to_step(step);
            }
            KeyCode::Up | KeyCode::Char('k') => {
                state.review_scroll = state.review_scroll.saturating_sub(1)
            }
            KeyCode::Down | KeyCode::Char('j') => {
                state.review_scroll = (state.review_scroll + 1).min(rows.saturating_sub(page))
            }
            KeyCode::PageUp => state.review_scroll = state.review_scroll.saturating_sub(page),
            KeyCode::PageDown => {
                state.review_scroll = (state.review_scroll + page).min(rows.saturating_sub(page))
            }
            KeyCode::Enter => return self.send_form(state, effects),
            _ => {}
        }
        Keep::Open
    }

    /// Enter on the review: the form's request, sent as a create or an attach — or, when the
    /// form cannot make it, its problems and nothing sent.
    fn send_form(&mut self, state: &mut FormState, effects: &mut Vec<Effect>) -> Keep {
        let built = self.with_ctx(|ctx| state.form.to_request(&state.values, ctx));
        let request = match built {
            Ok(request) => request,
            Err(problems) => {
                let first = problems
                    .first()
                    .map(|p| text::one_line(&p.to_string()).into_owned())
                    .unwrap_or_default();
                self.toast(format!("not sent: {first}"), Tone::Failed);
                return Keep::Open;
            }
        };
        let action = if state.form.attach {
            ActionId::Attach
        } else {
            ActionId::Create
        };
        self.drafts
            .0
            .insert((state.form.id, request.name.clone()), state.values.clone());
        let target = request.name.clone();
        effects.extend(self.begin_action(ActionRequest {
            action,
            target,
            params: ActionParams::Compute(Box::new(request)),
        }));
        Keep::Close
    }

    fn open_sizes(&mut self, state: &mut FormState, f: &'static Field) {
        let mut picker = SizePicker {
            field: f.id,
            filter: Input::default(),
            rows: Vec::new(),
            selected: 0,
            total: 0,
        };
        self.with_ctx(|ctx| refilter(state.form, &state.values, &mut picker, ctx));
        let current = f.shown(&state.values);
        if let Some(i) = picker
            .rows
            .iter()
            .position(|r| r.name.eq_ignore_ascii_case(current))
        {
            picker.selected = i;
        }
        state.overlay = Some(Overlay::Sizes(picker));
    }

    fn overlay_key(&mut self, state: &mut FormState, key: KeyEvent) {
        let Some(overlay) = state.overlay.take() else {
            return;
        };
        state.overlay = match overlay {
            Overlay::Sizes(mut picker) => match key.code {
                KeyCode::Esc => None,
                KeyCode::Up => {
                    picker.selected = picker.selected.saturating_sub(1);
                    Some(Overlay::Sizes(picker))
                }
                KeyCode::Down => {
                    picker.selected =
                        (picker.selected + 1).min(picker.rows.len().saturating_sub(1));
                    Some(Overlay::Sizes(picker))
                }
                KeyCode::PageUp => {
                    picker.selected = picker.selected.saturating_sub(10);
                    Some(Overlay::Sizes(picker))
                }
                KeyCode::PageDown => {
                    picker.selected =
                        (picker.selected + 10).min(picker.rows.len().saturating_sub(1));
                    Some(Overlay::Sizes(picker))
                }
                KeyCode::Enter => {
                    let field = state.form.field(picker.field);
                    match (picker.rows.get(picker.selected), field) {
                        (Some(row), Some(f)) => {
                            state.set(f, row.name.clone());
                            // On to the next field (Enter there goes on, not back here).
                            if state.focus + 1 < state.fields().len() {
                                state.focus += 1;
                            }
                            state.load_editor();
                            None
                        }
                        _ => Some(Overlay::Sizes(picker)),
                    }
                }
                _ => {
                    if edit(&mut picker.filter, key) {
                        picker.selected = 0;
                        self.with_ctx(|ctx| refilter(state.form, &state.values, &mut picker, ctx));
                    }
                    Some(Overlay::Sizes(picker))
                }
            },
            Overlay::Files(mut pick) => match key.code {
                KeyCode::Esc => None,
                KeyCode::Up | KeyCode::Char('k') => {
                    pick.selected = pick.selected.saturating_sub(1);
                    Some(Overlay::Files(pick))
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    pick.selected = (pick.selected + 1).min(pick.files.len().saturating_sub(1));
                    Some(Overlay::Files(pick))
                }
                KeyCode::Enter => {
                    if let (Some(file), Some(f)) =
                        (pick.files.get(pick.selected), state.form.field(pick.field))
                    {
                        state.set(f, file.clone());
                        state.load_editor();
                    }
                    None
                }
                _ => Some(Overlay::Files(pick)),
            },
            Overlay::List(list) => self.entries_key(state, list, key).map(Overlay::List),
        };
    }

    fn entries_key(
        &mut self,
        state: &mut FormState,
        mut list: ListEdit,
        key: KeyEvent,
    ) -> Option<ListEdit> {
        let (subs, max) = match list.field.kind {
            FieldKind::List { fields, max } => (fields, max),
            _ => return None,
        };
        let id = list.field.id;
        let mut entries = state.values.list(id).to_vec();
        if let Some(mut entry) = list.entry.take() {
            let Some(values) = entries.get_mut(entry.index) else {
                return Some(list);
            };
            let shown: Vec<&'static Field> = subs
                .iter()
                .filter(|f| visible_among(subs, f, values))
                .collect();
            let n = shown.len().max(1);
            let load = |entry: &mut EntryEdit, values: &Values| {
                entry.editor = match shown.get(entry.focus) {
                    Some(f) if is_text(f) => Input::new(editor_text(f, values)),
                    _ => Input::default(),
                };
            };
            let shift_tab = key.code == KeyCode::BackTab;
            match key.code {
                KeyCode::Esc | KeyCode::Enter => {
                    state.touched.insert(id.to_owned());
                    return Some(list);
                }
                _ if shift_tab => {
                    entry.focus = (entry.focus + n - 1) % n;
                    load(&mut entry, values);
                }
                KeyCode::Tab | KeyCode::Down => {
                    entry.focus = (entry.focus + 1) % n;
                    load(&mut entry, values);
                }
                KeyCode::Up => {
                    entry.focus = (entry.focus + n - 1) % n;
                    load(&mut entry, values);
                }
                KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                    if shown
                        .get(entry.focus)
                        .is_some_and(|f| cycle(f, "", true).is_some()) =>
                {
                    if let Some(f) = shown.get(entry.focus) {
                        let now = f.shown(values).to_owned();
                        if let Some(next) = cycle(f, &now, key.code != KeyCode::Left) {
                            values.set(f.id, next);
                        }
                    }
                }
                _ => {
                    if let Some(f) = shown.get(entry.focus).filter(|f| is_text(f))
                        && edit(&mut entry.editor, key)
                    {
                        values.set(f.id, entry.editor.value().to_owned());
                    }
                }
            }
            list.entry = Some(entry);
            state.values.set_list(id, entries);
            state.touched.insert(id.to_owned());
            return Some(list);
        }
        match key.code {
            KeyCode::Esc => return None,
            KeyCode::Up | KeyCode::Char('k') => list.selected = list.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                list.selected = (list.selected + 1).min(entries.len().saturating_sub(1))
            }
            KeyCode::Char('a') | KeyCode::Insert => {
                if entries.len() >= max {
                    self.toast(format!("at most {max} entries"), Tone::Warning);
                } else {
                    entries.push(Values::new());
                    list.selected = entries.len() - 1;
                    let mut entry = EntryEdit {
                        index: list.selected,
                        focus: 0,
                        editor: Input::default(),
                    };
                    if let Some(f) = subs.first().filter(|f| is_text(f)) {
                        entry.editor = Input::new(f.default.to_owned());
                    }
                    list.entry = Some(entry);
                    state.values.set_list(id, entries);
                    state.touched.insert(id.to_owned());
                    state.refused.clear();
                }
            }
            KeyCode::Char('d') | KeyCode::Delete if list.selected < entries.len() => {
                entries.remove(list.selected);
                list.selected = list.selected.min(entries.len().saturating_sub(1));
                state.values.set_list(id, entries);
                state.touched.insert(id.to_owned());
            }
            KeyCode::Enter | KeyCode::Char('e') => {
                if let Some(values) = entries.get(list.selected) {
                    let editor = match subs.first() {
                        Some(f) if is_text(f) => Input::new(editor_text(f, values)),
                        _ => Input::default(),
                    };
                    list.entry = Some(EntryEdit {
                        index: list.selected,
                        focus: 0,
                        editor,
                    });
                }
            }
            _ => {}
        }
        Some(list)
    }

    /// The catalogue arrived (or failed): kept, and the open form checked against it.
    pub(super) fn set_catalog(&mut self, data: CatalogData) {
        self.prices = data
            .sizes
            .as_ref()
            .ok()
            .map(|sizes| crate::cost::PriceBook::new(sizes.clone()));
        self.catalog = Some(Box::new(data));
        self.wizard_recheck();
    }

    /// Closes the wizard (a workspace switch): its values are kept as a draft of its name.
    pub(super) fn close_wizard(&mut self) {
        if let Some(wizard) = self.wizard.take()
            && let Page::Form(state) = wizard.page
            && !state.values.is_empty()
        {
            let name = state.values.raw("name").to_owned();
            self.drafts.0.insert((state.form.id, name), state.values);
        }
    }
}

/// Fills the picker's rows: the region's sizes for the form's compute type, priced for the
/// form's tier and OS, with the filter applied.
fn refilter(form: &Form, values: &Values, picker: &mut SizePicker, ctx: &Ctx<'_>) {
    let low = form
        .text(values, "tier")
        .eq_ignore_ascii_case("low_priority");
    let os = if form.text(values, "os_type").eq_ignore_ascii_case("windows") {
        OsType::Windows
    } else {
        OsType::Linux
    };
    let all = size_rows(form.compute_type, ctx.sizes, ctx, low, &os);
    picker.total = all.len();
    let mut filter = Filter::new(picker.filter.value());
    picker.rows = all
        .into_iter()
        .filter(|r| filter.matches(&format!("{} {}", r.name, r.family)))
        .collect();
    picker.selected = picker.selected.min(picker.rows.len().saturating_sub(1));
}

/// What a key handler does with the wizard.
enum Keep {
    Open,
    Close,
    /// Esc with values entered: ask first.
    Ask,
    Replace(Page),
}
