//! Cost per hour and quota arithmetic over the wire types: what a compute's current footprint
//! costs from the region's VM size catalogue ([`PriceBook`], [`compute_cost`]), the workspace
//! total ([`total`]), and per VM family how many vCPUs are used of the limit, by which computes,
//! and how many more nodes of a size fit ([`Quotas`]).
//!
//! Owns: the rules (a stopped instance costs nothing per hour but its disks still do; a cluster
//! costs its price × current nodes, and × max nodes at most; an AKS cluster its agent count ×
//! the agent size; the compute's tier and OS pick the price), and the text of a figure (`?` for
//! an unknown price, never 0; every figure an estimate carrying its currency).
//! Must not: do I/O, read a clock, know about terminals or widgets, or guess a price: a size
//! missing from the catalogue, a tier or OS without a listed price, or an unknown node count
//! makes the figure [`HourlyCost::Unknown`].

use crate::azure::models::{
    AmlComputeProperties, ComputeInstanceState, ComputeProperties, ComputeResource, ComputeType,
    OsType, ProvisioningState, Usage, VirtualMachineSize, VmPriority, VmTier,
};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Share of a limit at which a quota is flagged as nearly used up (80 %).
pub const NEAR_LIMIT_PERCENT: i64 = 80;

/// The tier a compute's VMs are billed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    Dedicated,
    LowPriority,
}

impl Tier {
    /// The price tier of the catalogue's `estimatedVMPrices`.
    pub fn vm_tier(self) -> VmTier {
        match self {
            Tier::Dedicated => VmTier::Standard,
            Tier::LowPriority => VmTier::LowPriority,
        }
    }

    /// `dedicated` / `low priority`.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Dedicated => "dedicated",
            Tier::LowPriority => "low priority",
        }
    }

    /// Parses `dedicated` / `low_priority` (az ml's spellings; `lowpriority`, `low-priority`
    /// too), case-insensitively.
    pub fn parse(text: &str) -> Option<Tier> {
        let key: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "dedicated" | "standard" => Some(Tier::Dedicated),
            "lowpriority" | "low" => Some(Tier::LowPriority),
            _ => None,
        }
    }
}

/// An hourly figure: an estimate with its currency, or unknown (shown `?`, never 0).
#[derive(Debug, Clone, PartialEq)]
pub enum HourlyCost {
    /// An estimate per hour; `currency` as the catalogue names it (`None` when it names none).
    Estimate {
        amount: f64,
        currency: Option<String>,
    },
    /// Not known: the size, its price for the tier and OS, or the node count is missing.
    Unknown,
    /// Not estimated by amlc: an attached compute is billed through its own resource.
    NotEstimated,
}

impl HourlyCost {
    fn zero(currency: Option<String>) -> HourlyCost {
        HourlyCost::Estimate {
            amount: 0.0,
            currency,
        }
    }

    /// The amount when it is an estimate.
    pub fn amount(&self) -> Option<f64> {
        match self {
            HourlyCost::Estimate { amount, .. } => Some(*amount),
            _ => None,
        }
    }

    /// The currency of an estimate.
    pub fn currency(&self) -> Option<&str> {
        match self {
            HourlyCost::Estimate { currency, .. } => currency.as_deref(),
            _ => None,
        }
    }

    /// `0.35 USD` (the currency as the catalogue names it), `?` when unknown, `-` when not
    /// estimated.
    pub fn money(&self) -> String {
        match self {
            HourlyCost::Estimate { amount, currency } => format!(
                "{} {}",
                amount_text(*amount),
                currency.as_deref().unwrap_or("(currency not given)")
            ),
            other => other.cell(),
        }
    }

    /// A table cell: `0.35`, `?` (unknown) or `-` (not estimated).
    pub fn cell(&self) -> String {
        match self {
            HourlyCost::Estimate { amount, .. } => amount_text(*amount),
            HourlyCost::Unknown => "?".into(),
            HourlyCost::NotEstimated => "-".into(),
        }
    }

    /// Multiplies an estimate by a count (an unknown stays unknown).
    pub fn times(&self, count: i64) -> HourlyCost {
        match self {
            HourlyCost::Estimate { amount, currency } => HourlyCost::Estimate {
                amount: amount * count as f64,
                currency: currency.clone(),
            },
            other => other.clone(),
        }
    }
}

/// `~0.35 USD/h (estimate)`, `? /h (price unknown)`, `not estimated`.
impl fmt::Display for HourlyCost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HourlyCost::Estimate { amount, currency } => write!(
                f,
                "~{} {}/h (estimate)",
                amount_text(*amount),
                currency.as_deref().unwrap_or("(currency not given)")
            ),
            HourlyCost::Unknown => f.write_str("? /h (price unknown)"),
            HourlyCost::NotEstimated => f.write_str("not estimated (billed by its own resource)"),
        }
    }
}

/// Two decimals; a positive amount below one cent reads `<0.01` (never a misleading 0.00).
pub fn amount_text(amount: f64) -> String {
    if amount > 0.0 && amount < 0.005 {
        "<0.01".into()
    } else {
        format!("{amount:.2}")
    }
}

/// The region's VM size catalogue, looked up by size name case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    sizes: Vec<VirtualMachineSize>,
    by_name: HashMap<String, usize>,
}

impl PriceBook {
    pub fn new(sizes: Vec<VirtualMachineSize>) -> PriceBook {
        let by_name = sizes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.name.as_ref().map(|n| (n.to_ascii_lowercase(), i)))
            .collect();
        PriceBook { sizes, by_name }
    }

    pub fn sizes(&self) -> &[VirtualMachineSize] {
        &self.sizes
    }

    /// The size named `name` (case-insensitive).
    pub fn size(&self, name: &str) -> Option<&VirtualMachineSize> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|i| self.sizes.get(*i))
    }

    /// The price of one VM of `size` per hour for `os` and `tier`; `Unknown` when the size or
    /// that price is not listed, or the prices are not per hour.
    pub fn unit_price(&self, size: &str, os: &OsType, tier: Tier) -> HourlyCost {
        self.size(size)
            .map(|s| size_price(s, os, tier))
            .unwrap_or(HourlyCost::Unknown)
    }
}

/// The price of one VM of `size` per hour for `os` and `tier` (see [`PriceBook::unit_price`]).
pub fn size_price(size: &VirtualMachineSize, os: &OsType, tier: Tier) -> HourlyCost {
    let Some(prices) = size.estimated_vm_prices.as_ref() else {
        return HourlyCost::Unknown;
    };
    let hourly = prices
        .unit_of_measure
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case("OneHour"));
    match size.price(os, &tier.vm_tier()) {
        Some(amount) if hourly && amount.is_finite() && amount >= 0.0 => HourlyCost::Estimate {
            amount,
            currency: prices.billing_currency.clone(),
        },
        _ => HourlyCost::Unknown,
    }
}

/// The currency of a size's prices, if it names one.
fn size_currency(book: &PriceBook, size: Option<&str>) -> Option<String> {
    size.and_then(|s| book.size(s))
        .and_then(|s| s.estimated_vm_prices.as_ref())
        .and_then(|p| p.billing_currency.clone())
}

/// What a compute costs per hour now, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputeCost {
    pub name: String,
    pub compute_type: ComputeType,
    /// The VM size priced (`None` when the compute names none).
    pub size: Option<String>,
    pub tier: Tier,
    pub os: OsType,
    /// VMs billed now (instance: 1 running, 0 stopped; cluster: current nodes; AKS: agents);
    /// `None` when not known.
    pub vms_now: Option<i64>,
    /// One VM of the size per hour.
    pub unit: HourlyCost,
    /// The whole compute per hour now.
    pub now: HourlyCost,
    /// A cluster at its maximum node count (`None` for other kinds).
    pub at_max: Option<(i64, HourlyCost)>,
    /// Something the figure leaves out or assumes (a stopped instance's disks, ...).
    pub note: Option<&'static str>,
}

impl ComputeCost {
    /// The detail's breakdown, one line each: the figure now, how it is made, the cluster at
    /// max nodes, and the note.
    pub fn breakdown(&self) -> Vec<String> {
        let mut lines = vec![format!("Cost now: {}", self.now)];
        if let Some(size) = &self.size {
            let count = self
                .vms_now
                .map(|n| n.to_string())
                .unwrap_or_else(|| "?".into());
            lines.push(format!(
                "Made of: {count} × {size} at {} ({}, {})",
                self.unit,
                self.tier.label(),
                self.os
            ));
        }
        if let Some((max, cost)) = &self.at_max {
            lines.push(format!("At max nodes ({max}): {cost}"));
        }
        if let Some(note) = self.note {
            lines.push(format!("Note: {note}"));
        }
        lines
    }
}

/// A note on a stopped instance.
pub const STOPPED_NOTE: &str = "stopped: no VM cost per hour, but its disks are still billed";
/// A note on an instance whose creation failed.
pub const NOT_ALLOCATED_NOTE: &str = "no VM is allocated (creation failed)";
/// A note on a compute amlc does not price.
pub const ATTACHED_NOTE: &str = "attached: billed through its own resource, not estimated here";

/// Whether an instance in `state` holds (and bills) its VM; `None` when the state is unknown.
fn instance_billed(state: Option<&ComputeInstanceState>) -> Option<bool> {
    use ComputeInstanceState as S;
    match state? {
        S::Stopped | S::CreateFailed => Some(false),
        S::Running
        | S::JobRunning
        | S::Starting
        | S::Restarting
        | S::Stopping
        | S::SettingUp
        | S::UserSettingUp
        | S::UserSetupFailed
        | S::SetupFailed
        | S::Creating
        | S::Resizing
        | S::Unusable
        | S::Deleting => Some(true),
        S::Unknown | S::Other(_) => None,
    }
}

/// The tier of a cluster (`None` for a priority this version does not know).
fn cluster_tier(p: &AmlComputeProperties) -> Option<Tier> {
    match &p.vm_priority {
        None | Some(VmPriority::Dedicated) => Some(Tier::Dedicated),
        Some(VmPriority::LowPriority) => Some(Tier::LowPriority),
        Some(VmPriority::Other(_)) => None,
    }
}

/// The current node count of a cluster: `currentNodeCount`, else the node state counts.
pub fn cluster_nodes(p: &AmlComputeProperties) -> Option<i64> {
    p.current_node_count
        .or_else(|| p.node_state_counts.as_ref().map(|c| c.total()))
}

/// What `compute` costs per hour now, from `book` (the catalogue of its region).
pub fn compute_cost(compute: &ComputeResource, book: &PriceBook) -> ComputeCost {
    let size = compute.vm_size();
    let mut cost = ComputeCost {
        name: compute.name.clone().unwrap_or_else(|| "?".into()),
        compute_type: compute.compute_type().clone(),
        size: size.clone(),
        tier: Tier::Dedicated,
        os: OsType::Linux,
        vms_now: None,
        unit: HourlyCost::Unknown,
        now: HourlyCost::Unknown,
        at_max: None,
        note: None,
    };
    let failed = compute.provisioning_state() == Some(&ProvisioningState::Failed);
    let price = |os: &OsType, tier: Tier| match &size {
        Some(s) => book.unit_price(s, os, tier),
        None => HourlyCost::Unknown,
    };
    match &compute.properties.properties {
        ComputeProperties::ComputeInstance(p) => {
            cost.unit = price(&cost.os, cost.tier);
            let billed = if failed {
                Some(false)
            } else {
                instance_billed(p.state.as_ref())
            };
            match billed {
                Some(true) => {
                    cost.vms_now = Some(1);
                    cost.now = cost.unit.clone();
                }
                Some(false) => {
                    cost.vms_now = Some(0);
                    cost.now = HourlyCost::zero(size_currency(book, size.as_deref()));
                    cost.note = Some(
                        if p.state == Some(ComputeInstanceState::Stopped) && !failed {
                            STOPPED_NOTE
                        } else {
                            NOT_ALLOCATED_NOTE
                        },
                    );
                }
                None => {}
            }
        }
        ComputeProperties::AmlCompute(p) => {
            cost.os = p.os_type.clone().unwrap_or(OsType::Linux);
            let Some(tier) = cluster_tier(p) else {
                return cost;
            };
            cost.tier = tier;
            cost.unit = price(&cost.os, tier);
            cost.vms_now = if failed { Some(0) } else { cluster_nodes(p) };
            cost.now = match cost.vms_now {
                // No nodes cost nothing, whatever the price of one.
                Some(0) => HourlyCost::zero(size_currency(book, size.as_deref())),
                Some(n) => cost.unit.times(n),
                None => HourlyCost::Unknown,
            };
            if let Some(max) = p.scale_settings.as_ref().map(|s| s.max_node_count) {
                cost.at_max = Some((max, cost.unit.times(max)));
            }
        }
        ComputeProperties::Aks(p) => {
            cost.unit = price(&cost.os, cost.tier);
            cost.vms_now = p.agent_count;
            cost.now = match p.agent_count {
                Some(0) => HourlyCost::zero(size_currency(book, size.as_deref())),
                Some(n) => cost.unit.times(n),
                None => HourlyCost::Unknown,
            };
        }
        _ => {
            cost.now = HourlyCost::NotEstimated;
            cost.unit = HourlyCost::NotEstimated;
            cost.size = None;
            cost.note = Some(ATTACHED_NOTE);
        }
    }
    cost
}

/// The workspace's cost per hour: the sum of the known figures, and what it leaves out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Total {
    /// Sum of the estimates in `currency`.
    pub amount: f64,
    pub currency: Option<String>,
    /// Computes whose figure is unknown (or in another currency than `currency`).
    pub unknown: Vec<String>,
    /// Computes amlc does not estimate (attached).
    pub not_estimated: usize,
}

impl Total {
    /// `~1.23 USD/h (estimate)`, with `; 2 unknown: a, b` when some figures are unknown and
    /// `; 3 attached not estimated` when some are not estimated.
    pub fn text(&self) -> String {
        let mut text = format!(
            "~{} {}/h (estimate",
            amount_text(self.amount),
            self.currency.as_deref().unwrap_or("(currency not given)")
        );
        if !self.unknown.is_empty() {
            text.push_str(&format!(
                "; {} unknown: {}",
                self.unknown.len(),
                self.unknown.join(", ")
            ));
        }
        if self.not_estimated > 0 {
            text.push_str(&format!("; {} attached not estimated", self.not_estimated));
        }
        text.push(')');
        text
    }
}

/// Sums the known figures of `costs` (in the first currency met; a figure in another currency
/// counts as unknown rather than being added to it).
pub fn total(costs: &[ComputeCost]) -> Total {
    let mut t = Total::default();
    for c in costs {
        match &c.now {
            HourlyCost::Estimate { amount, currency } => {
                if t.currency.is_none() {
                    t.currency = currency.clone();
                }
                if currency.is_none() || *currency == t.currency {
                    t.amount += amount;
                } else {
                    t.unknown.push(c.name.clone());
                }
            }
            HourlyCost::Unknown => t.unknown.push(c.name.clone()),
            HourlyCost::NotEstimated => t.not_estimated += 1,
        }
    }
    t
}

// ------------------------------------------------------------------------------------ quota

/// vCPUs used of a limit (`limit` `None`: no limit given, the wire's -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaUse {
    pub used: i64,
    pub limit: Option<i64>,
}

impl QuotaUse {
    fn of(usage: &Usage) -> QuotaUse {
        QuotaUse {
            used: usage.current_value.unwrap_or(0),
            limit: usage.limit.filter(|l| *l >= 0),
        }
    }

    /// Used as a percentage of the limit (`None` without a positive limit).
    pub fn percent(&self) -> Option<i64> {
        match self.limit {
            Some(l) if l > 0 => Some(self.used.saturating_mul(100) / l),
            _ => None,
        }
    }

    /// At 80 % or more of a positive limit, or anything used of a zero limit.
    pub fn near_limit(&self) -> bool {
        match self.limit {
            Some(0) => self.used > 0,
            Some(l) => self.used.saturating_mul(100) >= NEAR_LIMIT_PERCENT * l,
            None => false,
        }
    }

    /// vCPUs still free (`None` without a limit), never below 0.
    pub fn free(&self) -> Option<i64> {
        self.limit.map(|l| (l - self.used).max(0))
    }
}

/// A compute drawing on a family's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyCompute {
    pub name: String,
    pub tier: Tier,
    /// vCPUs it holds now (`None` when its node count or state is unknown).
    pub vcpus: Option<i64>,
}

/// One VM family's quota in the region.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyQuota {
    /// The catalogue's key (`standardDSv2Family`) when a size names the family, else the
    /// usage's name.
    pub family: String,
    /// `Standard DSv2 Family`.
    pub display: String,
    pub dedicated: Option<QuotaUse>,
    pub low_priority: Option<QuotaUse>,
    pub computes: Vec<FamilyCompute>,
}

impl FamilyQuota {
    /// Either tier at 80 % or more of its limit.
    pub fn near_limit(&self) -> bool {
        self.dedicated.is_some_and(|q| q.near_limit())
            || self.low_priority.is_some_and(|q| q.near_limit())
    }

    fn of_tier(&self, tier: Tier) -> Option<QuotaUse> {
        match tier {
            Tier::Dedicated => self.dedicated,
            Tier::LowPriority => self.low_priority,
        }
    }
}

/// The region's quotas: per family and the regional totals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quotas {
    /// Sorted by display name.
    pub families: Vec<FamilyQuota>,
    pub total_dedicated: Option<QuotaUse>,
    pub total_low_priority: Option<QuotaUse>,
}

/// A family name reduced for matching: letters and digits, lower case, without the usage's
/// `Cluster Dedicated vCPUs` tail (`Standard DSv2 Family Cluster Dedicated vCPUs` and
/// `standardDSv2Family` both give `standarddsv2family`).
pub fn family_key(text: &str) -> String {
    let mut key: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    for tail in [
        "clusterdedicatedvcpus",
        "clusterlowpriorityvcpus",
        "dedicatedvcpus",
        "lowpriorityvcpus",
        "vcpus",
    ] {
        if let Some(stripped) = key.strip_suffix(tail) {
            key = stripped.to_owned();
            break;
        }
    }
    key
}

/// The family part of a usage's display name (`Standard DSv2 Family`).
fn family_display(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    match lower.find(" cluster ") {
        Some(i) => text[..i].to_owned(),
        None => text.to_owned(),
    }
}

fn usage_text(u: &Usage) -> String {
    u.name
        .as_ref()
        .and_then(|n| n.localized_value.clone().or_else(|| n.value.clone()))
        .unwrap_or_default()
}

/// Whether a usage counts low-priority vCPUs (its type or name says so).
fn usage_is_low_priority(u: &Usage) -> bool {
    let mut text = usage_text(u);
    if let Some(name) = u.name.as_ref().and_then(|n| n.value.as_ref()) {
        text.push(' ');
        text.push_str(name);
    }
    if let Some(t) = &u.type_ {
        text.push(' ');
        text.push_str(t);
    }
    let squashed: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    squashed.contains("lowpriority")
}

/// Which scope a usage counts: the region's total, a VM family, or a workspace/compute share.
enum UsageScope {
    RegionalTotal,
    Family,
    Narrower,
}

fn usage_scope(u: &Usage) -> UsageScope {
    let kind = u.type_.as_deref().unwrap_or("").to_ascii_lowercase();
    if kind.contains("/workspaces/") || kind.contains("/computes/") {
        UsageScope::Narrower
    } else if kind.contains("vmfamily") {
        UsageScope::Family
    } else if kind.contains("cores") || usage_text(u).to_ascii_lowercase().contains("regional") {
        UsageScope::RegionalTotal
    } else {
        UsageScope::Family
    }
}

/// The family a family-scoped usage counts, as a [`family_key`] (its wire name, else its
/// display name).
fn usage_family_key(u: &Usage) -> String {
    match u.name.as_ref().and_then(|n| n.value.as_deref()) {
        Some(value) => family_key(value),
        None => family_key(&usage_text(u)),
    }
}

/// The region's use of one VM family's quota at `tier` (the family in any spelling); `None`
/// when no family usage names it. What the create forms check a new compute against.
pub fn family_use(usages: &[Usage], family: &str, tier: Tier) -> Option<QuotaUse> {
    let key = family_key(family);
    let low = tier == Tier::LowPriority;
    usages
        .iter()
        .filter(|u| matches!(usage_scope(u), UsageScope::Family))
        .filter(|u| usage_is_low_priority(u) == low)
        .find(|u| usage_family_key(u) == key)
        .map(QuotaUse::of)
}

/// vCPUs a compute holds now (instance when billed, cluster × nodes); `None` when unknown.
fn compute_vcpus(c: &ComputeCost, book: &PriceBook) -> Option<i64> {
    let per_vm = c.size.as_deref().and_then(|s| book.size(s))?.v_cpus?;
    Some(per_vm * c.vms_now?)
}

impl Quotas {
    /// The quotas of the region from its `usages`, with the computes (of the workspace) that
    /// draw on each family, matched through `book`. Workspace- and compute-scoped usages are
    /// left out (they repeat the family rows); AKS agents do not count against Azure ML's
    /// quota.
    pub fn new(usages: &[Usage], computes: &[ComputeResource], book: &PriceBook) -> Quotas {
        let mut q = Quotas::default();
        let mut families: BTreeMap<String, FamilyQuota> = BTreeMap::new();
        // The catalogue's spelling of each family, for matching and naming.
        let catalogue: HashMap<String, String> = book
            .sizes()
            .iter()
            .filter_map(|s| s.family.clone())
            .map(|f| (family_key(&f), f))
            .collect();
        for u in usages {
            let low = usage_is_low_priority(u);
            match usage_scope(u) {
                UsageScope::Narrower => {}
                UsageScope::RegionalTotal => {
                    let slot = if low {
                        &mut q.total_low_priority
                    } else {
                        &mut q.total_dedicated
                    };
                    *slot = Some(QuotaUse::of(u));
                }
                UsageScope::Family => {
                    let text = usage_text(u);
                    let value = u.name.as_ref().and_then(|n| n.value.clone());
                    let key = usage_family_key(u);
                    if key.is_empty() {
                        continue;
                    }
                    let entry = families.entry(key.clone()).or_insert_with(|| FamilyQuota {
                        family: catalogue
                            .get(&key)
                            .cloned()
                            .or(value)
                            .unwrap_or_else(|| text.clone()),
                        display: family_display(&text),
                        dedicated: None,
                        low_priority: None,
                        computes: Vec::new(),
                    });
                    let slot = if low {
                        &mut entry.low_priority
                    } else {
                        &mut entry.dedicated
                    };
                    *slot = Some(QuotaUse::of(u));
                }
            }
        }
        for compute in computes {
            if !matches!(
                compute.compute_type(),
                ComputeType::ComputeInstance | ComputeType::AmlCompute
            ) {
                continue;
            }
            let cost = compute_cost(compute, book);
            let Some(family) = cost
                .size
                .as_deref()
                .and_then(|s| book.size(s))
                .and_then(|s| s.family.clone())
            else {
                continue;
            };
            let key = family_key(&family);
            let entry = families.entry(key).or_insert_with(|| FamilyQuota {
                family: family.clone(),
                display: family.clone(),
                dedicated: None,
                low_priority: None,
                computes: Vec::new(),
            });
            entry.computes.push(FamilyCompute {
                name: cost.name.clone(),
                tier: cost.tier,
                vcpus: compute_vcpus(&cost, book),
            });
        }
        q.families = families.into_values().collect();
        q.families.sort_by_key(|f| f.display.to_lowercase());
        for f in &mut q.families {
            f.computes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        q
    }

    /// The family of the catalogue's `family` key (any spelling).
    pub fn family(&self, family: &str) -> Option<&FamilyQuota> {
        let key = family_key(family);
        self.families.iter().find(|f| family_key(&f.family) == key)
    }

    /// How many more VMs of `size` the quotas allow at `tier`: the family's free vCPUs and the
    /// regional total's, whichever is smaller, divided by the size's vCPUs. `None` when the
    /// size or its vCPUs are unknown, or no limit applies at all.
    pub fn more_nodes(&self, size: &VirtualMachineSize, tier: Tier) -> Option<i64> {
        let vcpus = size.v_cpus.filter(|v| *v > 0)?;
        let family = size.family.as_deref().and_then(|f| self.family(f));
        let family_free = family.and_then(|f| f.of_tier(tier)).and_then(|q| q.free());
        let total = match tier {
            Tier::Dedicated => self.total_dedicated,
            Tier::LowPriority => self.total_low_priority,
        };
        let total_free = total.and_then(|q| q.free());
        let free = match (family_free, total_free) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        Some(free / vcpus)
    }
}

#[cfg(test)]
#[path = "cost_tests.rs"]
mod tests;
