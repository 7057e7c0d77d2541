//! One module per tab kind: its columns (the compute kinds' `COST/H` column is declared here,
//! [`Fit::Cost`], but its cells come from the app's catalogue, not the kind), how each cell of a row reads, how rows sort and match
//! the filter, its detail sections, what `c` can copy and which actions its resources' state
//! allows (`Kind::actions`: the menu, the direct keys and the help read that one table). The rest of the app only talks to the
//! [`Kind`] trait, so adding a compute kind means adding one module here and one entry in
//! [`COMPUTE_KINDS`] (plus a tab). Kinds read the wire types of `azure::models` (and their raw
//! JSON through pointers for fields the models lack); they never do I/O or know about styles.

pub mod attached;
pub mod clusters;
pub mod common;
pub mod instances;
pub mod jobs;
pub mod kubernetes;

use super::TabId;
use super::keys::Action;
use super::text::{Tone, one_line, width};
use crate::actions::{ActionId, Availability};
use crate::azure::models::{AmlComputeNodeInformation, ComputeResource, ComputeType, Job};
use serde_json::Value;
use std::cmp::Ordering;

/// A row's resource.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Compute(&'a ComputeResource),
    Job(&'a Job),
}

impl<'a> Item<'a> {
    pub fn name(&self) -> &'a str {
        match self {
            Item::Compute(c) => c.name.as_deref().unwrap_or(""),
            Item::Job(j) => j.name.as_deref().unwrap_or(""),
        }
    }

    /// The ARM id.
    pub fn id(&self) -> Option<&'a str> {
        match self {
            Item::Compute(c) => c.id.as_deref(),
            Item::Job(j) => j.id.as_deref(),
        }
    }

    /// The resource as JSON with secrets masked (the raw JSON as received when there is one).
    pub fn redacted_json(&self) -> Value {
        let raw = match self {
            Item::Compute(c) if !c.raw.is_null() => c.raw.clone(),
            Item::Compute(c) => serde_json::to_value(c).unwrap_or(Value::Null),
            Item::Job(j) if !j.raw.is_null() => j.raw.clone(),
            Item::Job(j) => serde_json::to_value(j).unwrap_or(Value::Null),
        };
        crate::azure::models::redact_json(&raw)
    }
}

/// How a column's width is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// As wide as its widest cell over every row of the tab (within min/max).
    Content,
    /// Its cells change with the clock (ages, running durations): always `max` wide, so the
    /// table does not jump as time passes, and not searched by the filter.
    Clock,
    /// A node bar: as wide as its widest cell; never given spare width.
    Bar,
    /// The cost per hour (`COST/H`): its cells come from the app's VM size catalogue
    /// (`App::cost_cell`), not from the kind, so they are fixed-width, neither searched by the
    /// filter nor sorted on.
    Cost,
}

/// A table column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    /// Narrowest useful width.
    pub min: u16,
    /// Widest it grows to (content permitting).
    pub max: u16,
    /// Columns with the lowest priority are dropped first when the terminal is narrow.
    pub priority: u8,
    pub fit: Fit,
}

impl Column {
    pub const fn new(title: &'static str, min: u16, max: u16, priority: u8) -> Column {
        Column {
            title,
            min,
            max,
            priority,
            fit: Fit::Content,
        }
    }

    /// A column whose cells change with the clock (see [`Fit::Clock`]).
    pub const fn clock(title: &'static str, min: u16, max: u16, priority: u8) -> Column {
        Column {
            fit: Fit::Clock,
            ..Column::new(title, min, max, priority)
        }
    }

    /// A column of node bars (see [`Fit::Bar`]).
    pub const fn bar(title: &'static str, min: u16, max: u16, priority: u8) -> Column {
        Column {
            fit: Fit::Bar,
            ..Column::new(title, min, max, priority)
        }
    }

    /// The `COST/H` column of a compute tab (see [`Fit::Cost`]).
    pub const fn cost(priority: u8) -> Column {
        Column {
            fit: Fit::Cost,
            ..Column::new(COST_TITLE, 7, 7, priority)
        }
    }

    /// Whether its width depends on the cells (not fixed by min = max, not a clock column).
    pub fn sized_by_content(&self) -> bool {
        !matches!(self.fit, Fit::Clock | Fit::Cost) && self.min != self.max
    }
}

/// The title of the cost column.
pub const COST_TITLE: &str = "COST/H";

/// The priority of the cost column: kept before the node bar and the size on a narrow
/// terminal, dropped before the age.
pub const COST_PRIORITY: u8 = 220;

impl Column {
    /// Whether `s` sorts on this column (the cost column is not sorted on).
    pub fn sortable(&self) -> bool {
        self.fit != Fit::Cost
    }
}

/// A text cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
    /// Shown with a spinner (an in-progress state).
    pub animate: bool,
}

impl Cell {
    pub fn new(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
            animate: false,
        }
    }

    pub fn normal(text: impl Into<String>) -> Cell {
        Cell::new(text, Tone::Normal)
    }

    /// A muted `-` for a missing value.
    pub fn missing() -> Cell {
        Cell::new("-", Tone::Muted)
    }

    pub fn or_missing(text: Option<impl Into<String>>) -> Cell {
        match text {
            Some(t) => {
                let t = t.into();
                if t.is_empty() {
                    Cell::missing()
                } else {
                    Cell::normal(t)
                }
            }
            None => Cell::missing(),
        }
    }
}

/// Node counts of a cluster by state, for the compact bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeCounts {
    pub running: i64,
    pub idle: i64,
    pub preparing: i64,
    pub unusable: i64,
    pub leaving: i64,
    pub preempted: i64,
}

impl NodeCounts {
    pub fn total(&self) -> i64 {
        [
            self.running,
            self.idle,
            self.preparing,
            self.unusable,
            self.leaving,
            self.preempted,
        ]
        .iter()
        .fold(0i64, |sum, n| sum.saturating_add(*n))
    }

    /// (count, one-letter label, state name) in bar order.
    pub fn parts(&self) -> [(i64, char, &'static str); 6] {
        [
            (self.running, 'r', "running"),
            (self.idle, 'i', "idle"),
            (self.preparing, 'p', "preparing"),
            (self.unusable, 'u', "unusable"),
            (self.leaving, 'l', "leaving"),
            (self.preempted, 'x', "preempted"),
        ]
    }

    /// `2r 1i` (non-zero counts), or `0` when there are no nodes.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        self.write_summary(&mut out);
        out
    }

    /// Appends [`NodeCounts::summary`] to `out`.
    pub fn write_summary(&self, out: &mut String) {
        let start = out.len();
        for (n, c, _) in self.parts() {
            if n > 0 {
                if out.len() > start {
                    out.push(' ');
                }
                push_int(out, n);
                out.push(c);
            }
        }
        if out.len() == start {
            out.push('0');
        }
    }

    /// Width of [`NodeCounts::summary`].
    pub fn summary_width(&self) -> usize {
        let (mut width, mut parts) = (0, 0);
        for (n, _, _) in self.parts() {
            if n > 0 {
                width += int_width(n) + 1;
                parts += 1;
            }
        }
        if parts == 0 { 1 } else { width + parts - 1 }
    }

    /// Cells of the bar part of a node bar: one per node, at most 8.
    pub fn bar_cells(&self) -> usize {
        (self.total().max(1) as usize).min(8)
    }
}

/// Appends the decimal digits of `n` (no allocation; the hot path of the column widths).
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
    }
}

/// What a cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellValue {
    Text(Cell),
    /// A compact bar of node states with counts.
    NodeBar(NodeCounts),
}

impl CellValue {
    /// The text of the cell (the bar's counts for a node bar), for width and tests.
    pub fn text(&self) -> String {
        match self {
            CellValue::Text(cell) => cell.text.clone(),
            CellValue::NodeBar(counts) => counts.summary(),
        }
    }

    /// Appends the text of the cell to `out` (terminal-safe: see `text::one_line`) and returns
    /// the width the cell takes besides that text: a spinner and a space, or a node bar and a
    /// space.
    pub fn write(&self, out: &mut String) -> usize {
        match self {
            CellValue::Text(cell) => {
                out.push_str(&one_line(&cell.text));
                if cell.animate { 2 } else { 0 }
            }
            CellValue::NodeBar(counts) => {
                counts.write_summary(out);
                counts.bar_cells() + 1
            }
        }
    }

    /// The width the cell needs on screen.
    pub fn width(&self) -> usize {
        let mut text = String::new();
        let extra = self.write(&mut text);
        width(&text) + extra
    }
}

impl From<Cell> for CellValue {
    fn from(cell: Cell) -> Self {
        CellValue::Text(cell)
    }
}

/// A sort key: numbers sort before text, missing values last (in either direction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Num(i64),
    Text(String),
    Missing,
}

impl SortKey {
    pub fn text(text: &str) -> SortKey {
        if text.is_empty() {
            SortKey::Missing
        } else {
            SortKey::Text(text.to_ascii_lowercase())
        }
    }

    pub fn opt_num(n: Option<i64>) -> SortKey {
        n.map(SortKey::Num).unwrap_or(SortKey::Missing)
    }

    /// Compares for an ascending (or, with `descending`, descending) sort; missing values go
    /// last either way.
    pub fn compare(&self, other: &SortKey, descending: bool) -> Ordering {
        let base = match (self, other) {
            (SortKey::Missing, SortKey::Missing) => return Ordering::Equal,
            (SortKey::Missing, _) => return Ordering::Greater,
            (_, SortKey::Missing) => return Ordering::Less,
            (SortKey::Num(a), SortKey::Num(b)) => a.cmp(b),
            (SortKey::Num(_), SortKey::Text(_)) => Ordering::Less,
            (SortKey::Text(_), SortKey::Num(_)) => Ordering::Greater,
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
        };
        if descending { base.reverse() } else { base }
    }
}

/// One row of a detail section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailRow {
    Field {
        key: String,
        value: String,
        tone: Tone,
    },
    Text {
        text: String,
        tone: Tone,
    },
    Table {
        header: Vec<String>,
        rows: Vec<Vec<(String, Tone)>>,
    },
}

/// A titled group of detail rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub rows: Vec<DetailRow>,
}

impl Section {
    pub fn new(title: impl Into<String>) -> Section {
        Section {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Adds `key: value` (nothing when `value` is empty).
    pub fn field(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.field_toned(key, value, Tone::Normal)
    }

    pub fn field_toned(&mut self, key: &str, value: impl Into<String>, tone: Tone) -> &mut Self {
        let value = value.into();
        if !value.is_empty() {
            self.rows.push(DetailRow::Field {
                key: key.to_owned(),
                value,
                tone,
            });
        }
        self
    }

    /// Adds `key: value` when `value` is set.
    pub fn opt(&mut self, key: &str, value: Option<impl ToString>) -> &mut Self {
        if let Some(v) = value {
            self.field(key, v.to_string());
        }
        self
    }

    pub fn text(&mut self, text: impl Into<String>, tone: Tone) -> &mut Self {
        self.rows.push(DetailRow::Text {
            text: text.into(),
            tone,
        });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The node list of a cluster as the detail view has it.
#[derive(Debug, Clone, PartialEq)]
pub enum NodesView {
    Loading,
    Loaded(Vec<AmlComputeNodeInformation>),
    /// The request failed; the last good list (if any) is kept.
    Failed {
        error: String,
        last: Option<Vec<AmlComputeNodeInformation>>,
    },
}

/// What a detail needs besides the resource.
#[derive(Debug, Clone, Copy)]
pub struct DetailCtx<'a> {
    pub now_ms: i64,
    /// A cluster's nodes (clusters only).
    pub nodes: Option<&'a NodesView>,
}

/// Something `c` can copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyTarget {
    /// The copy-menu action that picks it.
    pub action: Action,
    pub label: &'static str,
    pub text: String,
}

/// The width of a cell by writing its text (the default of [`Kind::cell_width`]).
pub fn measure_cell<K: Kind + ?Sized>(kind: &K, item: Item<'_>, column: usize) -> usize {
    let mut text = String::new();
    let extra = kind.write_cell(item, column, &mut text);
    width(&text) + extra
}

/// Decimal digits of `n` (with its sign).
pub fn int_width(n: i64) -> usize {
    let mut v = n.unsigned_abs();
    let mut digits = 1;
    while v >= 10 {
        v /= 10;
        digits += 1;
    }
    digits + usize::from(n < 0)
}

/// What every tab's copy menu offers: the name and the resource id.
pub const BASE_COPY: &[(Action, &str)] =
    &[(Action::CopyName, "name"), (Action::CopyId, "resource id")];

/// The behaviour of one tab.
pub trait Kind: Sync {
    fn tab(&self) -> TabId;
    fn title(&self) -> &'static str;
    /// "compute instances", for "No compute instances in this workspace".
    fn noun(&self) -> &'static str;
    fn columns(&self) -> &'static [Column];
    /// Whether a compute of this type belongs to this tab (jobs: never).
    fn accepts(&self, _compute_type: &ComputeType) -> bool {
        false
    }
    fn cell(&self, item: Item<'_>, column: usize, now_ms: i64) -> CellValue;
    /// Appends the text of cell `column` (exactly what [`Kind::cell`] shows) to `out`, and
    /// returns its width besides that text (see [`CellValue::write`]). Column widths and the
    /// filter's haystacks are built from it over every row of a tab, so kinds with large lists
    /// write without allocating; a test checks every kind against `cell`. Not for clock columns.
    fn write_cell(&self, item: Item<'_>, column: usize, out: &mut String) -> usize {
        self.cell(item, column, 0).write(out)
    }
    /// The width cell `column` needs on screen (what [`CellValue::width`] says of
    /// [`Kind::cell`]). Measured over every row of a tab when its data changes, so a kind with
    /// large lists computes it without building the text; a test checks every kind.
    fn cell_width(&self, item: Item<'_>, column: usize) -> usize {
        measure_cell(self, item, column)
    }
    fn sort_key(&self, item: Item<'_>, column: usize) -> SortKey;
    /// An in-progress row: animates, and makes its tab refresh faster.
    fn in_progress(&self, item: Item<'_>) -> bool;
    /// Appends the text the filter matches against: every column as the user sees it, but the
    /// clock columns (ages and durations change while one types).
    fn search_text(&self, item: Item<'_>, out: &mut String) {
        for (i, column) in self.columns().iter().enumerate() {
            if !matches!(column.fit, Fit::Clock | Fit::Cost) {
                self.write_cell(item, i, out);
                out.push(' ');
            }
        }
    }
    fn detail(&self, item: Item<'_>, ctx: &DetailCtx<'_>) -> Vec<Section>;
    fn copy_targets(&self, item: Item<'_>) -> Vec<CopyTarget>;
    /// Everything the copy menu of this tab can offer, as (menu action, label): the help lists
    /// these. [`Kind::copy_targets`] gives the ones a resource has.
    fn copy_labels(&self) -> &'static [(Action, &'static str)] {
        BASE_COPY
    }
    /// The sort a tab starts with: (column, descending).
    fn default_sort(&self) -> (usize, bool) {
        (0, false)
    }
    /// Every action on this resource, in menu order, each enabled or disabled by the
    /// resource's *state* with the reason ("instance is Stopping"). Read-only mode and
    /// operations in progress are the app's business (`app::menu`), not the kind's.
    fn actions(&self, _item: Item<'_>) -> Vec<(ActionId, Availability)> {
        Vec::new()
    }
    /// Every action this tab's resources can have (for the help), whatever their state.
    fn action_ids(&self) -> &'static [ActionId] {
        &[]
    }
}

/// The compute kinds that claim compute types, in order; a compute none of them accepts goes to
/// the Attached tab (which shows unknown types verbatim).
pub const COMPUTE_KINDS: &[&dyn Kind] = &[
    &instances::Instances,
    &clusters::Clusters,
    &kubernetes::KubernetesKind,
];

/// The kind behind a tab.
pub fn kind(tab: TabId) -> &'static dyn Kind {
    match tab {
        TabId::Instances => &instances::Instances,
        TabId::Clusters => &clusters::Clusters,
        TabId::Kubernetes => &kubernetes::KubernetesKind,
        TabId::Attached => &attached::Attached,
        TabId::Jobs => &jobs::Jobs,
    }
}

/// The tab a compute of `compute_type` belongs to.
pub fn compute_tab(compute_type: &ComputeType) -> TabId {
    COMPUTE_KINDS
        .iter()
        .find(|k| k.accepts(compute_type))
        .map(|k| k.tab())
        .unwrap_or(TabId::Attached)
}

/// What a headless `--type` selects: the computes of a tab (as the tab shows them: `kubernetes`
/// holds AKS too, `attached` every other or unknown type), or one compute type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindFilter {
    Tab(TabId),
    Type(ComputeType),
}

/// Friendly names of compute types, besides their wire names (`ComputeInstance`, `AKS`, ...).
pub const TYPE_ALIASES: &[(&str, ComputeType)] = &[
    ("ci", ComputeType::ComputeInstance),
    ("vm", ComputeType::VirtualMachine),
    ("remotevm", ComputeType::VirtualMachine),
    ("hdi", ComputeType::HdInsight),
    ("adla", ComputeType::DataLakeAnalytics),
    ("synapse", ComputeType::SynapseSpark),
    ("adf", ComputeType::DataFactory),
];

/// Other names of the compute tabs (their titles, lower-cased, and singulars are accepted too).
const TAB_ALIASES: &[(&str, TabId)] = &[("k8s", TabId::Kubernetes)];

impl KindFilter {
    /// Parses a tab name (`instances`, `clusters`, `kubernetes`, `attached`, or a singular), a
    /// compute type's wire name or a friendly alias, all case-insensitive. Anything else is an
    /// error listing what is accepted.
    pub fn parse(text: &str) -> Result<KindFilter, String> {
        let wanted = text.trim().to_ascii_lowercase();
        for tab in TabId::ALL.into_iter().filter(|t| t.is_compute()) {
            let title = kind(tab).title().to_ascii_lowercase();
            if wanted == title || Some(wanted.as_str()) == title.strip_suffix('s') {
                return Ok(KindFilter::Tab(tab));
            }
        }
        if let Some((_, tab)) = TAB_ALIASES.iter().find(|(alias, _)| *alias == wanted) {
            return Ok(KindFilter::Tab(*tab));
        }
        let parsed = ComputeType::parse(&wanted);
        if parsed.is_known() {
            return Ok(KindFilter::Type(parsed));
        }
        if let Some((_, kind)) = TYPE_ALIASES.iter().find(|(alias, _)| *alias == wanted) {
            return Ok(KindFilter::Type(kind.clone()));
        }
        Err(format!(
            "unknown compute kind {text:?}; use a tab ({}) or a compute type ({}; aliases {}), case-insensitive",
            Self::tab_names().join(", "),
            ComputeType::KNOWN
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            TYPE_ALIASES
                .iter()
                .map(|(alias, _)| *alias)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    /// The compute tabs' names as `--type` takes them.
    pub fn tab_names() -> Vec<String> {
        TabId::ALL
            .into_iter()
            .filter(|t| t.is_compute())
            .map(|t| kind(t).title().to_ascii_lowercase())
            .collect()
    }

    /// Whether a compute of `compute_type` is selected.
    pub fn matches(&self, compute_type: &ComputeType) -> bool {
        match self {
            KindFilter::Tab(tab) => compute_tab(compute_type) == *tab,
            KindFilter::Type(kind) => kind == compute_type,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_filters_accept_tabs_types_and_aliases_only() {
        let tab = |t| Ok(KindFilter::Tab(t));
        assert_eq!(KindFilter::parse("Kubernetes"), tab(TabId::Kubernetes));
        assert_eq!(KindFilter::parse("k8s"), tab(TabId::Kubernetes));
        assert_eq!(KindFilter::parse("instance"), tab(TabId::Instances));
        assert_eq!(KindFilter::parse("CLUSTERS"), tab(TabId::Clusters));
        assert_eq!(KindFilter::parse("attached"), tab(TabId::Attached));
        assert_eq!(
            KindFilter::parse("aks"),
            Ok(KindFilter::Type(ComputeType::Aks))
        );
        assert_eq!(
            KindFilter::parse("hdinsight"),
            Ok(KindFilter::Type(ComputeType::HdInsight))
        );
        assert_eq!(
            KindFilter::parse("vm"),
            Ok(KindFilter::Type(ComputeType::VirtualMachine))
        );
        assert!(KindFilter::parse("jobs").is_err());
        let err = KindFilter::parse("bogus").unwrap_err();
        assert!(
            err.contains("instances, clusters, kubernetes, attached"),
            "{err}"
        );
        assert!(err.contains("DataFactory"), "{err}");
        assert!(KindFilter::Tab(TabId::Kubernetes).matches(&ComputeType::Aks));
        assert!(KindFilter::Tab(TabId::Attached).matches(&ComputeType::Other("Q".into())));
        assert!(!KindFilter::Type(ComputeType::Kubernetes).matches(&ComputeType::Aks));
    }

    #[test]
    fn compute_types_map_to_tabs() {
        assert_eq!(compute_tab(&ComputeType::ComputeInstance), TabId::Instances);
        assert_eq!(compute_tab(&ComputeType::AmlCompute), TabId::Clusters);
        assert_eq!(compute_tab(&ComputeType::Aks), TabId::Kubernetes);
        assert_eq!(compute_tab(&ComputeType::Kubernetes), TabId::Kubernetes);
        for attached in [
            ComputeType::VirtualMachine,
            ComputeType::HdInsight,
            ComputeType::Databricks,
            ComputeType::DataLakeAnalytics,
            ComputeType::SynapseSpark,
            ComputeType::DataFactory,
            ComputeType::Other("QuantumAnnealer".into()),
        ] {
            assert_eq!(compute_tab(&attached), TabId::Attached);
        }
    }

    #[test]
    fn sort_keys_put_missing_last() {
        let a = SortKey::Num(1);
        let b = SortKey::Num(2);
        let m = SortKey::Missing;
        assert_eq!(a.compare(&b, false), Ordering::Less);
        assert_eq!(a.compare(&b, true), Ordering::Greater);
        assert_eq!(m.compare(&a, false), Ordering::Greater);
        assert_eq!(m.compare(&a, true), Ordering::Greater);
    }

    fn fixture_computes() -> Vec<ComputeResource> {
        let page: crate::azure::models::Page<ComputeResource> =
            serde_json::from_str(include_str!("../../../tests/fixtures/tui/computes.json"))
                .expect("fixture");
        page.value
    }

    fn fixture_jobs() -> Vec<Job> {
        let page: crate::azure::models::Page<Job> =
            serde_json::from_str(include_str!("../../../tests/fixtures/tui/jobs.json"))
                .expect("fixture");
        page.value
    }

    /// Every row of the fixtures, with the kind of its tab; plus odd ones (control characters
    /// and a newline in names and states, an empty size).
    fn all_items() -> (Vec<ComputeResource>, Vec<Job>) {
        let mut computes = fixture_computes();
        let mut odd = computes[0].clone();
        odd.name = Some("evil\u{1b}[2J\tname\nline2".into());
        computes.push(odd);
        let cluster = computes
            .iter()
            .find(|c| c.properties.compute_type == ComputeType::AmlCompute)
            .cloned()
            .expect("a cluster");
        let mut raw = cluster.raw.clone();
        raw["name"] = "odd\u{7f}cluster".into();
        raw["properties"]["properties"]["vmSize"] = "".into();
        raw["properties"]["properties"]["allocationState"] = "Re\u{9b}sizing".into();
        computes.push(ComputeResource::from_value(raw));
        (computes, fixture_jobs())
    }

    #[test]
    fn write_cell_is_exactly_what_cell_shows() {
        let (computes, jobs) = all_items();
        let items: Vec<Item<'_>> = computes
            .iter()
            .map(Item::Compute)
            .chain(jobs.iter().map(Item::Job))
            .collect();
        for tab in TabId::ALL {
            let kind = kind(tab);
            for item in items.iter().copied().filter(|item| match item {
                Item::Compute(c) => compute_tab(&c.properties.compute_type) == tab,
                Item::Job(_) => tab == TabId::Jobs,
            }) {
                for (column, spec) in kind.columns().iter().enumerate() {
                    if matches!(spec.fit, Fit::Clock | Fit::Cost) {
                        continue;
                    }
                    let cell = kind.cell(item, column, 0);
                    let mut want = String::new();
                    let want_extra = cell.write(&mut want);
                    let mut got = String::from("prefix ");
                    let got_extra = kind.write_cell(item, column, &mut got);
                    assert_eq!(
                        (&got["prefix ".len()..], got_extra),
                        (want.as_str(), want_extra),
                        "{tab:?} {} column {}",
                        item.name(),
                        spec.title
                    );
                    assert!(!got.chars().any(char::is_control), "{got:?}");
                    // Exact for plain ASCII; a kind may measure other text by its bytes.
                    let exact = cell.text().is_ascii() && crate::app::text::is_plain(&cell.text());
                    let measured = kind.cell_width(item, column);
                    assert!(
                        measured == cell.width() || (!exact && measured > 0),
                        "{tab:?} {} column {}: {measured} for {:?}",
                        item.name(),
                        spec.title,
                        cell.text()
                    );
                }
            }
        }
    }

    #[test]
    fn the_filter_haystack_is_every_visible_column() {
        let jobs = fixture_jobs();
        let job = jobs
            .iter()
            .find(|j| j.name.as_deref() == Some("train-forever-01"))
            .expect("fixture job");
        let mut haystack = String::new();
        kind(TabId::Jobs).search_text(Item::Job(job), &mut haystack);
        for column in 0..5 {
            let text = kind(TabId::Jobs).cell(Item::Job(job), column, 0).text();
            assert!(haystack.contains(&text), "{text:?} in {haystack:?}");
        }
        assert!(haystack.contains("gpu-cluster"), "{haystack}");
        // Ages and durations change while one types: not searched.
        assert!(!haystack.contains("ago"), "{haystack}");
    }

    #[test]
    fn every_copy_target_is_listed_by_its_kind() {
        let (computes, jobs) = all_items();
        for c in &computes {
            let kind = kind(compute_tab(&c.properties.compute_type));
            for target in kind.copy_targets(Item::Compute(c)) {
                assert!(
                    kind.copy_labels().contains(&(target.action, target.label)),
                    "{target:?}"
                );
            }
        }
        for j in &jobs {
            for target in kind(TabId::Jobs).copy_targets(Item::Job(j)) {
                assert!(
                    kind(TabId::Jobs)
                        .copy_labels()
                        .contains(&(target.action, target.label))
                );
                assert_ne!(target.label, "SSH command");
            }
        }
        assert!(
            kind(TabId::Jobs)
                .copy_labels()
                .contains(&(Action::CopyLink, "Studio link"))
        );
    }

    #[test]
    fn every_action_of_a_resource_is_listed_by_its_kind() {
        let (computes, jobs) = all_items();
        let items = computes
            .iter()
            .map(|c| (compute_tab(&c.properties.compute_type), Item::Compute(c)))
            .chain(jobs.iter().map(|j| (TabId::Jobs, Item::Job(j))));
        for (tab, item) in items {
            let kind = kind(tab);
            let actions = kind.actions(item);
            assert!(!actions.is_empty(), "{} has actions", item.name());
            for (id, availability) in actions {
                assert!(kind.action_ids().contains(&id), "{tab:?} {id:?}");
                assert_eq!(id.on_job(), tab == TabId::Jobs, "{id:?}");
                if let Availability::Disabled(reason) = availability {
                    assert!(!reason.is_empty());
                }
            }
        }
    }

    #[test]
    fn attached_computes_detach_and_managed_ones_delete() {
        let computes = fixture_computes();
        let removal = |name: &str| {
            let c = computes
                .iter()
                .find(|c| c.name.as_deref() == Some(name))
                .expect("fixture compute");
            let kind = kind(compute_tab(&c.properties.compute_type));
            kind.actions(Item::Compute(c))
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| matches!(id, ActionId::Delete | ActionId::Detach))
                .collect::<Vec<_>>()
        };
        assert_eq!(removal("dsvm-01"), vec![ActionId::Detach]);
        assert_eq!(removal("arc-onprem"), vec![ActionId::Detach]);
        assert_eq!(removal("aks-inference"), vec![ActionId::Delete]);
        assert_eq!(removal("cpu-cluster"), vec![ActionId::Delete]);
        assert_eq!(removal("ci-bob"), vec![ActionId::Delete]);
    }

    #[test]
    fn a_cluster_row_shows_its_error_and_the_detail_shows_it_first() {
        let computes = fixture_computes();
        let lowpri = computes
            .iter()
            .find(|c| c.name.as_deref() == Some("lowpri-cluster"))
            .expect("fixture cluster with a node setup error");
        let clusters = kind(TabId::Clusters);
        let CellValue::Text(cell) = clusters.cell(Item::Compute(lowpri), 1, 0) else {
            panic!("state is text");
        };
        assert_eq!(cell.text, "Succeeded/Steady (NodeSetupFailed)");
        assert_eq!(cell.tone, Tone::Warning);
        let ctx = DetailCtx {
            now_ms: 0,
            nodes: None,
        };
        let sections = clusters.detail(Item::Compute(lowpri), &ctx);
        assert_eq!(sections[0].title, "Overview");
        assert_eq!(sections[1].title, "Errors (1)");
    }

    #[test]
    fn node_summary() {
        let counts = NodeCounts {
            running: 2,
            idle: 1,
            ..Default::default()
        };
        assert_eq!(counts.summary(), "2r 1i");
        assert_eq!(NodeCounts::default().summary(), "0");
    }
}
