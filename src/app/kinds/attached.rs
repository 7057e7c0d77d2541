//! The Attached tab: VirtualMachine, HDInsight, Databricks, DataLakeAnalytics, SynapseSpark,
//! DataFactory and any compute type this version does not know (shown verbatim, never dropped).
//! Columns: name, type, state, address or resource, SSH port and user, age. Actions: keys (VM,
//! HDInsight, Databricks), and detach (attached) or delete (created by Azure ML).

use super::common::{self, age_cell, compute_tone, created_ms, state_cell};
use super::{Cell, CellValue, Column, CopyTarget, DetailCtx, Item, Kind, Section, SortKey};
use crate::actions::{ActionId, Availability};
use crate::app::TabId;
use crate::app::keys::Action;
use crate::app::text::Tone;
use crate::azure::models::{
    ComputeProperties, ComputeResource, MASK, VirtualMachineSshCredentials,
};
use serde_json::Value;

pub struct Attached;

const COLUMNS: &[Column] = &[
    Column::new("NAME", 10, 32, 255),
    Column::new("TYPE", 12, 18, 240),
    Column::new("STATE", 12, 30, 250),
    Column::new("ADDRESS / RESOURCE", 12, 44, 150),
    Column::new("SSH", 8, 22, 100),
    Column::cost(super::COST_PRIORITY),
    Column::clock("AGE", 3, 6, 230),
];

/// The address of an attached compute, or the resource it stands for.
fn address(c: &ComputeResource) -> Option<String> {
    let from_resource = || {
        c.properties.resource_id.as_deref().map(|id| {
            // `…/providers/Microsoft.DataFactory/factories/adf1` → `factories/adf1`
            let parts: Vec<&str> = id.trim_end_matches('/').rsplit('/').take(2).collect();
            parts.into_iter().rev().collect::<Vec<_>>().join("/")
        })
    };
    match &c.properties.properties {
        ComputeProperties::VirtualMachine(p) => p.address.clone().or_else(from_resource),
        ComputeProperties::HdInsight(p) => p.address.clone().or_else(from_resource),
        ComputeProperties::Databricks(p) => p.workspace_url.clone().or_else(from_resource),
        ComputeProperties::DataLakeAnalytics(p) => p
            .data_lake_store_account_name
            .clone()
            .or_else(from_resource),
        ComputeProperties::SynapseSpark(p) => {
            match (p.workspace_name.as_deref(), p.pool_name.as_deref()) {
                (Some(ws), Some(pool)) => Some(format!("{ws}/{pool}")),
                (None, Some(pool)) => Some(pool.to_owned()),
                _ => from_resource(),
            }
        }
        other => other
            .untyped()
            .and_then(|v| v.get("address").and_then(Value::as_str).map(str::to_owned))
            .or_else(from_resource),
    }
}

fn ssh_parts(
    c: &ComputeResource,
) -> Option<(
    Option<i64>,
    Option<&VirtualMachineSshCredentials>,
    Option<&str>,
)> {
    match &c.properties.properties {
        ComputeProperties::VirtualMachine(p) => Some((
            p.ssh_port,
            p.administrator_account.as_ref(),
            p.address.as_deref(),
        )),
        ComputeProperties::HdInsight(p) => Some((
            p.ssh_port,
            p.administrator_account.as_ref(),
            p.address.as_deref(),
        )),
        _ => None,
    }
}

/// `azureuser :22`.
fn ssh_text(c: &ComputeResource) -> Option<String> {
    let (port, account, _) = ssh_parts(c)?;
    let user = account.and_then(|a| a.username.as_deref());
    match (user, port) {
        (Some(u), Some(p)) => Some(format!("{u} :{p}")),
        (Some(u), None) => Some(u.to_owned()),
        (None, Some(p)) => Some(format!(":{p}")),
        (None, None) => None,
    }
}

fn ssh_command(c: &ComputeResource) -> Option<String> {
    let (port, account, address) = ssh_parts(c)?;
    let user = account.and_then(|a| a.username.as_deref())?;
    Some(common::ssh_command(user, address?, port))
}

fn account_section(title: &str, account: &VirtualMachineSshCredentials) -> Section {
    let mut s = Section::new(title);
    s.opt("Username", account.username.as_deref());
    if account.password.is_some() {
        s.field("Password", MASK);
    }
    if account.private_key_data.is_some() {
        s.field("Private key", MASK);
    }
    if let Some(key) = account.public_key_data.as_deref() {
        s.field("Public key", crate::app::text::truncate(key, 60, "..."));
    }
    s
}

impl Kind for Attached {
    fn tab(&self) -> TabId {
        TabId::Attached
    }
    fn title(&self) -> &'static str {
        "Attached"
    }
    fn noun(&self) -> &'static str {
        "attached computes"
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn cell(&self, item: Item<'_>, column: usize, now_ms: i64) -> CellValue {
        let Item::Compute(c) = item else {
            return Cell::missing().into();
        };
        match column {
            0 => Cell::normal(common::name(c)),
            1 => {
                let known = c.properties.compute_type.is_known() && !c.type_name().is_empty();
                let name = if c.type_name().is_empty() {
                    "(no type)".to_owned()
                } else {
                    c.type_name()
                };
                Cell::new(name, if known { Tone::Normal } else { Tone::Unknown })
            }
            2 => {
                let state = common::state_ref(c);
                state_cell(c, state, compute_tone(state))
            }
            3 => Cell::or_missing(address(c)),
            4 => Cell::or_missing(ssh_text(c)),
            6 => age_cell(created_ms(c), now_ms),
            _ => Cell::missing(),
        }
        .into()
    }

    fn sort_key(&self, item: Item<'_>, column: usize) -> SortKey {
        let Item::Compute(c) = item else {
            return SortKey::Missing;
        };
        match column {
            0 => common::name_key(c),
            1 => SortKey::text(c.properties.compute_type.as_str()),
            2 => SortKey::text(common::state_ref(c)),
            3 => SortKey::text(&address(c).unwrap_or_default()),
            4 => SortKey::text(&ssh_text(c).unwrap_or_default()),
            _ => common::age_key(c),
        }
    }

    fn in_progress(&self, item: Item<'_>) -> bool {
        matches!(item, Item::Compute(c) if c.is_transitional())
    }

    fn detail(&self, item: Item<'_>, ctx: &DetailCtx<'_>) -> Vec<Section> {
        let Item::Compute(c) = item else {
            return Vec::new();
        };
        let mut sections = common::head_sections(c, ctx.now_ms);
        match &c.properties.properties {
            ComputeProperties::VirtualMachine(p) => {
                let mut s = Section::new("Virtual machine");
                s.opt("Address", p.address.as_deref());
                s.opt("Size", p.virtual_machine_size.as_deref());
                s.opt("SSH port", p.ssh_port);
                s.opt("Notebook server port", p.notebook_server_port);
                s.opt("Notebook instance compute", p.is_notebook_instance_compute);
                if let Some(cmd) = ssh_command(c) {
                    s.field_toned("SSH command", cmd, Tone::Accent);
                }
                sections.push(s);
                if let Some(a) = &p.administrator_account {
                    sections.push(account_section("Administrator account", a));
                }
            }
            ComputeProperties::HdInsight(p) => {
                let mut s = Section::new("HDInsight");
                s.opt("Address", p.address.as_deref());
                s.opt("SSH port", p.ssh_port);
                if let Some(cmd) = ssh_command(c) {
                    s.field_toned("SSH command", cmd, Tone::Accent);
                }
                sections.push(s);
                if let Some(a) = &p.administrator_account {
                    sections.push(account_section("Administrator account", a));
                }
            }
            ComputeProperties::Databricks(p) => {
                let mut s = Section::new("Databricks");
                s.opt("Workspace URL", p.workspace_url.as_deref());
                if p.databricks_access_token.is_some() {
                    s.field("Access token", MASK);
                }
                sections.push(s);
            }
            ComputeProperties::DataLakeAnalytics(p) => {
                let mut s = Section::new("Data Lake Analytics");
                s.opt("Store account", p.data_lake_store_account_name.as_deref());
                sections.push(s);
            }
            ComputeProperties::SynapseSpark(p) => {
                let mut s = Section::new("Synapse Spark pool");
                s.opt("Workspace", p.workspace_name.as_deref());
                s.opt("Pool", p.pool_name.as_deref());
                s.opt("Spark version", p.spark_version.as_deref());
                s.opt("Node count", p.node_count);
                s.opt("Node size", p.node_size.as_deref());
                s.opt("Node size family", p.node_size_family.as_deref());
                s.opt("Subscription", p.subscription_id.as_deref());
                s.opt("Resource group", p.resource_group.as_deref());
                if let Some(a) = &p.auto_scale_properties {
                    s.field(
                        "Autoscale",
                        format!(
                            "{} ({}-{} nodes)",
                            if a.enabled.unwrap_or(false) {
                                "on"
                            } else {
                                "off"
                            },
                            a.min_node_count.unwrap_or(0),
                            a.max_node_count.unwrap_or(0)
                        ),
                    );
                }
                if let Some(a) = &p.auto_pause_properties {
                    s.field(
                        "Autopause",
                        format!(
                            "{} (after {} min)",
                            if a.enabled.unwrap_or(false) {
                                "on"
                            } else {
                                "off"
                            },
                            a.delay_in_minutes.unwrap_or(0)
                        ),
                    );
                }
                sections.push(s);
            }
            ComputeProperties::DataFactory => {
                let mut s = Section::new("Data Factory");
                s.text(
                    "Data Factory computes have no type-specific properties.",
                    Tone::Muted,
                );
                sections.push(s);
            }
            ComputeProperties::Unparsed { value, error } => {
                let mut s = common::untyped_section("Properties (unreadable, as received)", value);
                s.text(format!("could not read them: {error}"), Tone::Warning);
                sections.push(s);
            }
            other => {
                if let Some(value) = other.untyped() {
                    let title = format!(
                        "Properties of {} (an unknown type, as received)",
                        c.type_name()
                    );
                    sections.push(common::untyped_section(&title, value));
                }
            }
        }
        common::tail_sections(c, &mut sections);
        sections
    }

    fn actions(&self, item: Item<'_>) -> Vec<(ActionId, Availability)> {
        match item {
            Item::Compute(c) => common::removal_and_keys(c, "compute"),
            Item::Job(_) => Vec::new(),
        }
    }

    fn action_ids(&self) -> &'static [ActionId] {
        &[ActionId::Keys, ActionId::Delete, ActionId::Detach]
    }

    fn copy_targets(&self, item: Item<'_>) -> Vec<CopyTarget> {
        let mut out = common::base_copy_targets(item);
        if let Item::Compute(c) = item
            && let Some(cmd) = ssh_command(c)
        {
            out.push(CopyTarget {
                action: Action::CopySsh,
                label: "SSH command",
                text: cmd,
            });
        }
        out
    }

    fn copy_labels(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::CopyName, "name"),
            (Action::CopyId, "resource id"),
            (Action::CopySsh, "SSH command"),
        ]
    }
}
