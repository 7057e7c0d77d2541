//! The cost and quota figures as the TUI shows them, all read from the one `Catalog` source
//! (the workspace region's VM sizes and usages, loaded when the app connects) through
//! `crate::cost`: the `COST/H` cell of a compute row, the cost section of a compute's detail
//! (for a cluster also how many more nodes its family quota allows), the workspace total of the
//! status bar, the quota view (`:quota`, `Q`) and the info panel of a tab (`i`, the text of
//! `crate::guidance`).
//!
//! Owns: how a figure reads while the catalogue loads (`…`), when it could not be loaded or a
//! price is unknown (`?`, never 0) and for an attached compute (`-`, not estimated); the layout
//! of the quota view (bars, families at 80 % or more marked, families in use first).
//! Must not: do arithmetic of its own on prices, nodes or quotas (that is `crate::cost`, the
//! one cost arithmetic of the program), fetch or do I/O, or change the app's state.

use super::kinds::Section;
use super::text::{Doc, StyledLine, Tone};
use super::{App, SourceKey, TabId};
use crate::azure::models::{ComputeResource, ComputeType};
use crate::cost::{self, ComputeCost, HourlyCost, PriceBook, QuotaUse, Quotas, Tier, Total};
use crate::guidance::{self, GuideTab};

/// Cells of a quota bar.
const BAR_CELLS: usize = 20;

/// Why there is no price book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoPrices {
    /// The catalogue is on its way.
    Loading,
    /// It could not be loaded (the error's line).
    Failed(String),
}

impl App {
    /// The price book of the region, or why there is none.
    pub fn price_book(&self) -> Result<&PriceBook, NoPrices> {
        if let Some(book) = &self.prices {
            return Ok(book);
        }
        if let Some(Err(e)) = self.catalog.as_deref().map(|c| &c.sizes) {
            return Err(NoPrices::Failed(e.line.clone()));
        }
        match &self.source_state(&SourceKey::Catalog).last_error {
            Some(e) => Err(NoPrices::Failed(e.line.clone())),
            None => Err(NoPrices::Loading),
        }
    }

    /// What `compute` costs per hour now, when the price book is there.
    pub fn cost_of(&self, compute: &ComputeResource) -> Option<ComputeCost> {
        self.price_book()
            .ok()
            .map(|book| cost::compute_cost(compute, book))
    }

    /// The `COST/H` cell of `compute`: the figure, `?` when unknown or the sizes could not be
    /// loaded, `…` while they load, `-` for an attached compute (not estimated).
    pub fn cost_cell(&self, compute: &ComputeResource) -> (String, Tone) {
        let figure = match self.price_book() {
            Ok(book) => cost::compute_cost(compute, book).now,
            // An attached compute is not estimated, catalogue or not.
            Err(_) if !estimated(compute) => HourlyCost::NotEstimated,
            Err(NoPrices::Loading) => return (self.ellipsis().into(), Tone::Muted),
            Err(NoPrices::Failed(_)) => HourlyCost::Unknown,
        };
        let tone = match figure {
            HourlyCost::Estimate { amount, .. } if amount > 0.0 => Tone::Normal,
            HourlyCost::Estimate { .. } | HourlyCost::NotEstimated => Tone::Muted,
            HourlyCost::Unknown => Tone::Unknown,
        };
        (figure.cell(), tone)
    }

    /// The workspace's cost per hour over every compute (`None` until the prices are there).
    pub fn cost_total(&self) -> Option<Total> {
        let book = self.price_book().ok()?;
        let costs: Vec<ComputeCost> = self
            .computes
            .iter()
            .map(|c| cost::compute_cost(c, book))
            .collect();
        Some(cost::total(&costs))
    }

    /// The status bar's total: `~7.16 USD/h`, with ` +?` when some figures are unknown.
    pub fn status_cost(&self) -> Option<String> {
        let total = self.cost_total()?;
        let mut text = format!(
            "~{} {}/h",
            cost::amount_text(total.amount),
            total.currency.as_deref().unwrap_or("?")
        );
        if !total.unknown.is_empty() {
            text.push_str(" +?");
        }
        Some(text)
    }

    /// The region's quotas with the workspace's computes, when sizes and usages are there.
    pub fn quotas(&self) -> Result<Quotas, NoPrices> {
        let book = self.price_book()?;
        match self.catalog.as_deref().map(|c| &c.usages) {
            Some(Ok(usages)) => Ok(Quotas::new(usages, &self.computes, book)),
            Some(Err(e)) => Err(NoPrices::Failed(e.line.clone())),
            None => Err(NoPrices::Loading),
        }
    }

    /// The cost section of a compute's detail: the breakdown, labelled as an estimate with its
    /// currency; for a cluster, the nodes its family quota still allows.
    pub(super) fn cost_section(&self, compute: &ComputeResource) -> Section {
        let mut section = Section::new("Cost per hour (estimate)");
        if !estimated(compute) {
            section.text(cost::ATTACHED_NOTE, Tone::Muted);
            return section;
        }
        let book = match self.price_book() {
            Ok(book) => book,
            Err(NoPrices::Loading) => {
                section.text(
                    format!("the region's VM sizes are loading{}", self.ellipsis()),
                    Tone::Muted,
                );
                return section;
            }
            Err(NoPrices::Failed(line)) => {
                section.text(
                    format!("could not load the region's VM sizes: {line}; the figure is ?"),
                    Tone::Warning,
                );
                return section;
            }
        };
        let figure = cost::compute_cost(compute, book);
        for line in figure.breakdown() {
            let tone = if line.contains('?') {
                Tone::Warning
            } else {
                Tone::Normal
            };
            section.text(line, tone);
        }
        let location = self
            .catalog
            .as_deref()
            .map(|c| c.location.as_str())
            .unwrap_or("");
        section.text(
            format!("Estimates from the VM size price list of region {location}; taxes, disks, storage and network are not included"),
            Tone::Muted,
        );
        if *compute.compute_type() == ComputeType::AmlCompute {
            let size = figure.size.as_deref().and_then(|s| book.size(s));
            let line = match (self.quotas(), size) {
                (Ok(q), Some(size)) => match q.more_nodes(size, figure.tier) {
                    Some(n) => (
                        format!(
                            "Quota: {n} more node{} of {} ({}) fit the family's and the region's free vCPUs",
                            if n == 1 { "" } else { "s" },
                            size.name.as_deref().unwrap_or("?"),
                            figure.tier.label()
                        ),
                        if n == 0 { Tone::Warning } else { Tone::Normal },
                    ),
                    None => (
                        "Quota: no limit listed for the family (not checked)".into(),
                        Tone::Muted,
                    ),
                },
                (Ok(_), None) => (
                    "Quota: the size is not in the region's list (not checked)".into(),
                    Tone::Muted,
                ),
                (Err(NoPrices::Loading), _) => (
                    format!("Quota: the usages are loading{}", self.ellipsis()),
                    Tone::Muted,
                ),
                (Err(NoPrices::Failed(e)), _) => (
                    format!("Quota: could not load the usages: {e}"),
                    Tone::Warning,
                ),
            };
            section.text(line.0, line.1);
        }
        section
    }

    /// The quota view: per VM family, dedicated and low-priority vCPUs used of the limit as
    /// bars, the computes using it; families at 80 % or more marked; the regional totals.
    pub(super) fn quota_doc(&self) -> Doc {
        let mut doc = Doc::new();
        let quotas = match self.quotas() {
            Ok(q) => q,
            Err(NoPrices::Loading) => {
                doc.push(
                    StyledLine::plain(
                        format!(
                            "The region's VM sizes and usages are loading{}",
                            self.ellipsis()
                        ),
                        Tone::Muted,
                    ),
                    0,
                );
                return doc;
            }
            Err(NoPrices::Failed(line)) => {
                doc.push(
                    StyledLine::plain(
                        format!("Could not load the region's VM sizes or usages: {line}"),
                        Tone::Failed,
                    ),
                    0,
                );
                doc.push(
                    StyledLine::plain(
                        "Esc, then Q (or :quota) tries again; it is also fetched again every 10 minutes",
                        Tone::Muted,
                    ),
                    0,
                );
                return doc;
            }
        };
        let location = self
            .catalog
            .as_deref()
            .map(|c| c.location.as_str())
            .unwrap_or("");
        doc.push(
            StyledLine::plain(
                format!(
                    "vCPUs used of the limit in region {location}; families at {} % or more are marked {}; families in use first.",
                    cost::NEAR_LIMIT_PERCENT,
                    self.warning_mark()
                ),
                Tone::Muted,
            ),
            0,
        );
        doc.blank();
        doc.push_unwrapped(StyledLine::plain("Regional total", Tone::Heading));
        self.quota_rows(&mut doc, quotas.total_dedicated, quotas.total_low_priority);
        let mut families: Vec<&cost::FamilyQuota> = quotas.families.iter().collect();
        let in_use = |f: &cost::FamilyQuota| {
            !f.computes.is_empty()
                || f.dedicated.is_some_and(|q| q.used > 0)
                || f.low_priority.is_some_and(|q| q.used > 0)
        };
        // Stable: the display order within each group.
        families.sort_by_key(|f| (!f.near_limit(), !in_use(f)));
        for f in families {
            doc.blank();
            let near = f.near_limit();
            let mut head = StyledLine::plain(
                f.display.clone(),
                if near { Tone::Warning } else { Tone::Heading },
            );
            if near {
                head.push(
                    format!(
                        "  {} at {} % or more",
                        self.warning_mark(),
                        cost::NEAR_LIMIT_PERCENT
                    ),
                    Tone::Warning,
                );
            }
            doc.push_unwrapped(head);
            self.quota_rows(&mut doc, f.dedicated, f.low_priority);
            if !f.computes.is_empty() {
                let users: Vec<String> = f
                    .computes
                    .iter()
                    .map(|c| {
                        let vcpus = c.vcpus.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
                        format!("{} ({}, {vcpus} vCPUs)", c.name, c.tier.label())
                    })
                    .collect();
                doc.push(
                    StyledLine::new()
                        .with("  used by       ", Tone::Key)
                        .with(users.join(", "), Tone::Normal),
                    16,
                );
            }
        }
        doc
    }

    /// A dedicated and a low-priority row of bars.
    fn quota_rows(&self, doc: &mut Doc, dedicated: Option<QuotaUse>, low: Option<QuotaUse>) {
        for (tier, quota) in [(Tier::Dedicated, dedicated), (Tier::LowPriority, low)] {
            let mut line = StyledLine::plain(format!("  {:<14}", tier.label()), Tone::Key);
            match quota {
                Some(q) => {
                    let tone = if q.near_limit() {
                        Tone::Warning
                    } else {
                        Tone::Healthy
                    };
                    let (full, empty) = if self.ascii {
                        ("#", ".")
                    } else {
                        ("█", "░")
                    };
                    let filled = match (q.limit, q.percent()) {
                        (_, Some(p)) => (p.clamp(0, 100) as usize * BAR_CELLS).div_ceil(100),
                        (Some(0), None) if q.used > 0 => BAR_CELLS,
                        _ => 0,
                    }
                    .min(BAR_CELLS);
                    line.push(full.repeat(filled), tone);
                    line.push(empty.repeat(BAR_CELLS - filled), Tone::Muted);
                    let limit = q
                        .limit
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "no limit".into());
                    let percent = q.percent().map(|p| format!("  {p} %")).unwrap_or_default();
                    line.push(format!(" {:>5} / {limit}{percent}", q.used), tone);
                }
                None => {
                    line.push("not listed", Tone::Muted);
                }
            }
            doc.push_unwrapped(line);
        }
    }

    fn warning_mark(&self) -> &'static str {
        if self.ascii { "!" } else { "⚠" }
    }
}

/// Whether amlc estimates a compute of this type (instances, clusters, AKS).
fn estimated(compute: &ComputeResource) -> bool {
    matches!(
        compute.compute_type(),
        ComputeType::ComputeInstance | ComputeType::AmlCompute | ComputeType::Aks
    )
}

/// The guide of a tab.
pub fn guide_tab(tab: TabId) -> GuideTab {
    match tab {
        TabId::Instances => GuideTab::Instances,
        TabId::Clusters => GuideTab::Clusters,
        TabId::Kubernetes => GuideTab::Kubernetes,
        TabId::Attached => GuideTab::Attached,
        TabId::Jobs => GuideTab::Jobs,
    }
}

/// The info panel of `tab` (`i`): its guide, lines as written when `width` holds them (tables
/// keep their columns), else wrapped under their own indent.
pub fn info_doc(tab: TabId, width: usize) -> Doc {
    let lines = guidance::for_tab(guide_tab(tab));
    let mut doc = Doc::new();
    for (i, line) in lines.iter().enumerate() {
        let underline = lines
            .get(i + 1)
            .is_some_and(|next| !next.is_empty() && next.chars().all(|c| c == '='));
        let rule = !line.is_empty() && line.chars().all(|c| c == '=' || c == '-' || c == ' ');
        let tone = if underline {
            Tone::Heading
        } else if rule {
            Tone::Muted
        } else {
            Tone::Normal
        };
        let styled = StyledLine::plain(line.clone(), tone);
        if super::text::width(line) <= width {
            doc.push_unwrapped(styled);
        } else {
            let indent = if line.starts_with("- ") {
                2
            } else {
                line.len() - line.trim_start().len()
            };
            doc.push(styled, indent);
        }
    }
    doc
}
