//! One module per tab kind: its columns, how each cell of a row reads, how rows sort and match
//! the filter, its detail sections and what `c` can copy. The rest of the app only talks to the
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
use super::text::Tone;
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
}

impl Column {
    pub const fn new(title: &'static str, min: u16, max: u16, priority: u8) -> Column {
        Column {
            title,
            min,
            max,
            priority,
        }
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
        let parts: Vec<String> = self
            .parts()
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, c, _)| format!("{n}{c}"))
            .collect();
        if parts.is_empty() {
            "0".into()
        } else {
            parts.join(" ")
        }
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
    fn sort_key(&self, item: Item<'_>, column: usize) -> SortKey;
    /// An in-progress row: animates, and makes its tab refresh faster.
    fn in_progress(&self, item: Item<'_>) -> bool;
    /// Appends the text the filter matches against (name, type, state) to `out`.
    fn search_text(&self, item: Item<'_>, out: &mut String);
    fn detail(&self, item: Item<'_>, ctx: &DetailCtx<'_>) -> Vec<Section>;
    fn copy_targets(&self, item: Item<'_>) -> Vec<CopyTarget>;
    /// The sort a tab starts with: (column, descending).
    fn default_sort(&self) -> (usize, bool) {
        (0, false)
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
