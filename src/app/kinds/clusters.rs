//! The Clusters tab (AmlCompute): name, state (provisioning and allocation), size, priority,
//! nodes as current/target (min-max), a node-state bar, idle time before scale-down, age; a
//! detail with scale settings, node counts and the node list (state, IPs, port, run id).
//! Actions: resize (not while created/deleted) and delete.

use super::common::{self, age_cell, compute_tone, created_ms};
use super::{
    Cell, CellValue, Column, CopyTarget, DetailCtx, DetailRow, Item, Kind, NodeCounts, NodesView,
    Section, SortKey, int_width, measure_cell, push_int,
};
use crate::actions::{ActionId, Availability};
use crate::app::TabId;
use crate::app::format;
use crate::app::text::{Tone, is_plain, make_safe_from};
use crate::azure::models::{
    AllocationState, AmlComputeNodeInformation, AmlComputeProperties, ComputeResource, ComputeType,
};
use std::cell::RefCell;

pub struct Clusters;

const COLUMNS: &[Column] = &[
    Column::new("NAME", 10, 32, 255),
    Column::new("STATE", 12, 36, 250),
    Column::new("SIZE", 12, 22, 180),
    Column::new("PRIORITY", 11, 11, 100),
    Column::new("NODES", 9, 16, 240),
    Column::bar("NODE STATES", 11, 26, 210),
    Column::new("SCALE-DOWN", 10, 10, 90),
    Column::cost(super::COST_PRIORITY),
    Column::clock("AGE", 3, 6, 230),
];

fn props(c: &ComputeResource) -> Option<&AmlComputeProperties> {
    c.properties.properties.as_cluster()
}

/// Appends `Succeeded/Steady`, `Creating`, `Failed/Steady` (provisioning and allocation) to
/// `out`; returns its tone.
fn write_state(c: &ComputeResource, out: &mut String) -> Tone {
    let provisioning = common::provisioning_ref(c);
    let allocation = props(c).and_then(|p| p.allocation_state.as_ref());
    out.push_str(provisioning);
    if let Some(a) = allocation {
        out.push('/');
        out.push_str(a.as_str());
    }
    match compute_tone(provisioning) {
        Tone::Healthy => match allocation {
            Some(AllocationState::Resizing) => Tone::Progress,
            Some(AllocationState::Steady) | None => Tone::Healthy,
            Some(_) => Tone::Unknown,
        },
        other => other,
    }
}

/// The state text (without the error code) and its tone.
fn state(c: &ComputeResource) -> (String, Tone) {
    let mut text = String::new();
    let tone = write_state(c, &mut text);
    (text, tone)
}

pub fn node_counts(p: &AmlComputeProperties) -> NodeCounts {
    match &p.node_state_counts {
        // Counts come from the network: keep them in a range where sums and bar widths cannot
        // overflow, whatever a buggy server sends.
        Some(n) => NodeCounts {
            running: sane(n.running_node_count),
            idle: sane(n.idle_node_count),
            preparing: sane(n.preparing_node_count),
            unusable: sane(n.unusable_node_count),
            leaving: sane(n.leaving_node_count),
            preempted: sane(n.preempted_node_count),
        },
        None => NodeCounts::default(),
    }
}

fn sane(count: i64) -> i64 {
    count.clamp(0, i64::from(u32::MAX))
}

/// Appends `current/target (min-max)` to `out`.
fn write_nodes(p: &AmlComputeProperties, out: &mut String) {
    let count = |n: Option<i64>, out: &mut String| match n {
        Some(n) => push_int(out, n),
        None => out.push('?'),
    };
    count(p.current_node_count, out);
    out.push('/');
    count(p.target_node_count, out);
    if let Some(s) = &p.scale_settings {
        out.push_str(" (");
        push_int(out, s.min_node_count.unwrap_or(0));
        out.push('-');
        push_int(out, s.max_node_count);
        out.push(')');
    }
}

fn nodes_text(p: &AmlComputeProperties) -> String {
    let mut out = String::new();
    write_nodes(p, &mut out);
    out
}

/// The idle time before scale-down as sent (`PT120S`).
fn idle_delay(p: &AmlComputeProperties) -> Option<&str> {
    p.scale_settings
        .as_ref()
        .and_then(|s| s.node_idle_time_before_scale_down.as_deref())
}

thread_local! {
    /// `format::iso_duration_short` of the last few delays seen (a pure memo): a workspace has
    /// a handful of distinct ones, and parsing ISO 8601 again for each of 10,000 rows would
    /// dominate building the filter's haystacks.
    static IDLE_TEXT: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// Appends `2m` for `PT120S` (see `format::iso_duration_short`).
fn write_idle(raw: &str, out: &mut String) {
    IDLE_TEXT.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, text)) = cache.iter().find(|(r, _)| r == raw) {
            out.push_str(text);
            return;
        }
        let text = format::iso_duration_short(raw);
        out.push_str(&text);
        if cache.len() >= 8 {
            cache.remove(0);
        }
        cache.push((raw.to_owned(), text));
    });
}

fn node_tone(state: &str) -> Tone {
    match state {
        "running" => Tone::Healthy,
        "idle" => Tone::Normal,
        "preparing" | "leaving" => Tone::Progress,
        "unusable" => Tone::Failed,
        "preempted" => Tone::Stopped,
        _ => Tone::Unknown,
    }
}

fn node_table(nodes: &[AmlComputeNodeInformation], admin: Option<&str>) -> DetailRow {
    let header = [
        "NODE",
        "STATE",
        "PRIVATE IP",
        "PUBLIC IP",
        "PORT",
        "RUN",
        "SSH",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let rows = nodes
        .iter()
        .map(|n| {
            let state = n.node_state.as_ref().map(|s| s.as_str()).unwrap_or("?");
            let ssh = match (admin, n.public_ip_address.as_deref()) {
                (Some(user), Some(ip)) => common::ssh_command(user, ip, n.port),
                _ => "-".into(),
            };
            vec![
                (
                    n.node_id.clone().unwrap_or_else(|| "?".into()),
                    Tone::Normal,
                ),
                (state.to_owned(), node_tone(state)),
                (
                    n.private_ip_address.clone().unwrap_or_else(|| "-".into()),
                    Tone::Normal,
                ),
                (
                    n.public_ip_address.clone().unwrap_or_else(|| "-".into()),
                    Tone::Normal,
                ),
                (
                    n.port.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    Tone::Normal,
                ),
                (n.run_id.clone().unwrap_or_else(|| "-".into()), Tone::Muted),
                (ssh, Tone::Muted),
            ]
        })
        .collect();
    DetailRow::Table { header, rows }
}

impl Kind for Clusters {
    fn tab(&self) -> TabId {
        TabId::Clusters
    }
    fn title(&self) -> &'static str {
        "Clusters"
    }
    fn noun(&self) -> &'static str {
        "compute clusters"
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn accepts(&self, compute_type: &ComputeType) -> bool {
        *compute_type == ComputeType::AmlCompute
    }

    fn cell(&self, item: Item<'_>, column: usize, now_ms: i64) -> CellValue {
        let Item::Compute(c) = item else {
            return Cell::missing().into();
        };
        let p = props(c);
        match column {
            0 => Cell::normal(common::name(c)).into(),
            1 => {
                let (text, tone) = state(c);
                let mut cell = common::state_cell(c, &text, tone);
                cell.animate = self.in_progress(item);
                cell.into()
            }
            2 => Cell::or_missing(c.vm_size()).into(),
            3 => Cell::or_missing(
                p.and_then(|p| p.vm_priority.as_ref())
                    .map(|v| v.as_str().to_owned()),
            )
            .into(),
            4 => Cell::or_missing(p.map(nodes_text)).into(),
            5 => match p {
                Some(p) => CellValue::NodeBar(node_counts(p)),
                None => Cell::missing().into(),
            },
            6 => Cell::or_missing(p.and_then(idle_delay).map(|raw| {
                let mut text = String::new();
                write_idle(raw, &mut text);
                text
            }))
            .into(),
            8 => age_cell(created_ms(c), now_ms).into(),
            _ => Cell::missing().into(),
        }
    }

    /// Without allocating: the clusters tab is the one with thousands of rows.
    fn write_cell(&self, item: Item<'_>, column: usize, out: &mut String) -> usize {
        let Item::Compute(c) = item else {
            return self.cell(item, column, 0).write(out);
        };
        let p = props(c);
        let start = out.len();
        let extra = match (column, p) {
            (0, _) => {
                out.push_str(common::name(c));
                0
            }
            (1, _) => {
                write_state(c, out);
                common::write_error_code(c, out);
                if self.in_progress(item) { 2 } else { 0 }
            }
            (2, Some(p)) if p.vm_size.as_deref().is_some_and(|s| !s.is_empty()) => {
                out.push_str(p.vm_size.as_deref().unwrap_or_default());
                0
            }
            (3, Some(p))
                if p.vm_priority
                    .as_ref()
                    .is_some_and(|v| !v.as_str().is_empty()) =>
            {
                out.push_str(
                    p.vm_priority
                        .as_ref()
                        .map(|v| v.as_str())
                        .unwrap_or_default(),
                );
                0
            }
            (4, Some(p)) => {
                write_nodes(p, out);
                0
            }
            (5, Some(p)) => CellValue::NodeBar(node_counts(p)).write(out),
            (6, Some(p)) if idle_delay(p).is_some_and(|d| !d.is_empty()) => {
                write_idle(idle_delay(p).unwrap_or_default(), out);
                0
            }
            _ => return self.cell(item, column, 0).write(out),
        };
        make_safe_from(out, start);
        extra
    }

    /// Arithmetic on the fields (no text built) for plain values; anything else is measured
    /// by writing it.
    fn cell_width(&self, item: Item<'_>, column: usize) -> usize {
        let Item::Compute(c) = item else {
            return measure_cell(self, item, column);
        };
        let plain = |text: &str| is_plain(text).then(|| crate::app::text::width(text));
        let p = props(c);
        let width = match (column, p) {
            // Names and sizes by their length, without reading their bytes (that is 20,000
            // cache misses per refresh of 10,000 clusters): Azure names and sizes are ASCII;
            // other text is measured by bytes, wider than it shows (or, for control characters,
            // which show as markers, narrower: the cell is then cut with an ellipsis).
            (0, _) => Some(common::name(c).len()),
            (1, _) => {
                let provisioning = plain(common::provisioning_ref(c));
                let allocation = match p.and_then(|p| p.allocation_state.as_ref()) {
                    Some(a) => plain(a.as_str()).map(|w| w + 1),
                    None => Some(0),
                };
                let code = match common::first_error_code(c) {
                    Some(code) => plain(code).map(|w| w + 3),
                    None => Some(0),
                };
                let spinner = if self.in_progress(item) { 2 } else { 0 };
                provisioning
                    .zip(allocation)
                    .zip(code)
                    .map(|((a, b), c)| a + b + c + spinner)
            }
            (2, Some(p)) => p.vm_size.as_ref().map(String::len).filter(|n| *n > 0),
            (4, Some(p)) => {
                let count = |n: Option<i64>| n.map(int_width).unwrap_or(1);
                let scale = p.scale_settings.as_ref().map_or(0, |s| {
                    4 + int_width(s.min_node_count.unwrap_or(0)) + int_width(s.max_node_count)
                });
                Some(count(p.current_node_count) + 1 + count(p.target_node_count) + scale)
            }
            (5, Some(p)) => {
                let counts = node_counts(p);
                Some(counts.bar_cells() + 1 + counts.summary_width())
            }
            _ => None,
        };
        width.unwrap_or_else(|| measure_cell(self, item, column))
    }

    fn sort_key(&self, item: Item<'_>, column: usize) -> SortKey {
        let Item::Compute(c) = item else {
            return SortKey::Missing;
        };
        let p = props(c);
        match column {
            0 => common::name_key(c),
            1 => SortKey::text(&state(c).0),
            2 => SortKey::text(&c.vm_size().unwrap_or_default()),
            3 => SortKey::text(
                p.and_then(|p| p.vm_priority.as_ref())
                    .map(|v| v.as_str())
                    .unwrap_or(""),
            ),
            4 => SortKey::opt_num(p.and_then(|p| p.current_node_count)),
            5 => SortKey::opt_num(p.map(|p| node_counts(p).running)),
            6 => SortKey::opt_num(
                p.and_then(|p| p.scale_settings.as_ref())
                    .and_then(|s| s.node_idle_time_before_scale_down.as_deref())
                    .and_then(format::iso_duration_secs)
                    .map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            ),
            _ => common::age_key(c),
        }
    }

    fn in_progress(&self, item: Item<'_>) -> bool {
        let Item::Compute(c) = item else {
            return false;
        };
        c.is_transitional()
            || props(c).is_some_and(|p| {
                node_counts(p).preparing > 0
                    || node_counts(p).leaving > 0
                    || p.current_node_count != p.target_node_count
            })
    }

    fn detail(&self, item: Item<'_>, ctx: &DetailCtx<'_>) -> Vec<Section> {
        let Item::Compute(c) = item else {
            return Vec::new();
        };
        let mut sections = common::head_sections(c, ctx.now_ms);
        let Some(p) = props(c) else {
            if let Some(value) = c.properties.properties.untyped() {
                sections.push(common::untyped_section("Properties", value));
            }
            common::tail_sections(c, &mut sections);
            return sections;
        };
        let mut scale = Section::new("Scale");
        if let Some(a) = &p.allocation_state {
            let tone = if *a == AllocationState::Resizing {
                Tone::Progress
            } else {
                Tone::Healthy
            };
            scale.field_toned("Allocation", a.as_str(), tone);
        }
        if let Some(t) = p.allocation_state_transition_time.as_deref() {
            scale.field("Allocation changed", format::time_with_age(t, ctx.now_ms));
        }
        scale.field("Nodes (current/target)", nodes_text(p));
        if let Some(s) = &p.scale_settings {
            scale.field("Min nodes", s.min_node_count.unwrap_or(0).to_string());
            scale.field("Max nodes", s.max_node_count.to_string());
            if let Some(idle) = s.node_idle_time_before_scale_down.as_deref() {
                scale.field(
                    "Idle before scale-down",
                    format!("{} ({idle})", format::iso_duration_short(idle)),
                );
            }
        }
        let counts = node_counts(p);
        for (n, _, label) in counts.parts() {
            scale.field_toned(
                &format!("{label} nodes"),
                n.to_string(),
                if n > 0 { node_tone(label) } else { Tone::Muted },
            );
        }
        sections.push(scale);

        let mut config = Section::new("Configuration");
        config.opt("Priority", p.vm_priority.as_ref().map(|v| v.as_str()));
        config.opt("OS", p.os_type.as_ref().map(|v| v.as_str()));
        config.opt(
            "Remote login port",
            p.remote_login_port_public_access
                .as_ref()
                .map(|v| v.as_str()),
        );
        config.opt(
            "Node public IP",
            p.enable_node_public_ip
                .map(|b| if b { "enabled" } else { "disabled" }),
        );
        config.opt("Isolated network", p.isolated_network);
        if let Some(subnet) = &p.subnet {
            config.field("Subnet", subnet.id.clone());
        }
        if let Some(image) = &p.virtual_machine_image {
            config.field("VM image", image.id.clone());
        }
        if let Some(creds) = &p.user_account_credentials {
            config.field("Admin user", creds.admin_user_name.clone());
        }
        if let Some(identity) = c.identity.as_ref().and_then(|i| i.type_.as_ref()) {
            config.field("Identity", identity.as_str());
        }
        if !config.is_empty() {
            sections.push(config);
        }

        let admin = p
            .user_account_credentials
            .as_ref()
            .map(|c| c.admin_user_name.as_str());
        let mut nodes = Section::new("Nodes");
        match ctx.nodes {
            None | Some(NodesView::Loading) => {
                nodes.text("loading the node list...", Tone::Progress);
            }
            Some(NodesView::Loaded(list)) => {
                nodes.title = format!("Nodes ({})", list.len());
                if list.is_empty() {
                    nodes.text("(no nodes)", Tone::Muted);
                } else {
                    nodes.rows.push(node_table(list, admin));
                }
            }
            Some(NodesView::Failed { error, last }) => {
                nodes.text(format!("could not list nodes: {error}"), Tone::Failed);
                if let Some(list) = last {
                    nodes.text("last good list:", Tone::Warning);
                    nodes.rows.push(node_table(list, admin));
                }
            }
        }
        sections.push(nodes);
        common::tail_sections(c, &mut sections);
        sections
    }

    fn actions(&self, item: Item<'_>) -> Vec<(ActionId, Availability)> {
        let Item::Compute(c) = item else {
            return Vec::new();
        };
        let busy = common::being_created_or_deleted(c);
        vec![
            (
                ActionId::Resize,
                Availability::when(busy.is_none(), || {
                    format!("cluster is {}", busy.unwrap_or("busy"))
                }),
            ),
            common::removal_action(c, "cluster"),
        ]
    }

    fn action_ids(&self) -> &'static [ActionId] {
        &[ActionId::Resize, ActionId::Delete]
    }

    fn copy_targets(&self, item: Item<'_>) -> Vec<CopyTarget> {
        common::base_copy_targets(item)
    }
}
