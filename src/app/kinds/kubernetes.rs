//! The Kubernetes tab (AKS inference clusters and attached Kubernetes): name, type, state,
//! agent count and size (AKS) or namespace (Kubernetes), purpose, SSL, age; a detail with the
//! cluster's networking, SSL, system services or instance types. Actions: keys (AKS), and delete
//! (created by Azure ML) or detach (attached).

use super::common::{self, age_cell, compute_tone, created_ms, state_cell};
use super::{
    Cell, CellValue, Column, CopyTarget, DetailCtx, DetailRow, Item, Kind, Section, SortKey,
};
use crate::actions::{ActionId, Availability};
use crate::app::TabId;
use crate::app::text::Tone;
use crate::azure::models::{ComputeProperties, ComputeResource, ComputeType};

pub struct KubernetesKind;

const COLUMNS: &[Column] = &[
    Column::new("NAME", 10, 32, 255),
    Column::new("TYPE", 10, 10, 200),
    Column::new("STATE", 12, 34, 250),
    Column::new("AGENTS / NAMESPACE", 12, 28, 150),
    Column::new("PURPOSE", 9, 10, 100),
    Column::new("SSL", 8, 8, 90),
    Column::cost(super::COST_PRIORITY),
    Column::clock("AGE", 3, 6, 230),
];

fn agents(c: &ComputeResource) -> Option<String> {
    match &c.properties.properties {
        ComputeProperties::Aks(p) => match (p.agent_count, p.agent_vm_size.as_deref()) {
            (Some(n), Some(size)) => Some(format!("{n} x {size}")),
            (Some(n), None) => Some(format!("{n} agents")),
            (None, Some(size)) => Some(size.to_owned()),
            (None, None) => None,
        },
        ComputeProperties::Kubernetes(p) => Some(format!(
            "ns {}",
            p.namespace.as_deref().unwrap_or("default")
        )),
        _ => None,
    }
}

fn purpose(c: &ComputeResource) -> Option<&str> {
    match &c.properties.properties {
        ComputeProperties::Aks(p) => p.cluster_purpose.as_ref().map(|p| p.as_str()),
        _ => None,
    }
}

fn ssl(c: &ComputeResource) -> Option<&str> {
    match &c.properties.properties {
        ComputeProperties::Aks(p) => p
            .ssl_configuration
            .as_ref()
            .and_then(|s| s.status.as_ref())
            .map(|s| s.as_str()),
        _ => None,
    }
}

impl Kind for KubernetesKind {
    fn tab(&self) -> TabId {
        TabId::Kubernetes
    }
    fn title(&self) -> &'static str {
        "Kubernetes"
    }
    fn noun(&self) -> &'static str {
        "AKS or Kubernetes computes"
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn accepts(&self, compute_type: &ComputeType) -> bool {
        matches!(compute_type, ComputeType::Aks | ComputeType::Kubernetes)
    }

    fn cell(&self, item: Item<'_>, column: usize, now_ms: i64) -> CellValue {
        let Item::Compute(c) = item else {
            return Cell::missing().into();
        };
        match column {
            0 => Cell::normal(common::name(c)),
            1 => Cell::normal(c.type_name()),
            2 => {
                let state = common::state_ref(c);
                state_cell(c, state, compute_tone(state))
            }
            3 => Cell::or_missing(agents(c)),
            4 => Cell::or_missing(purpose(c)),
            5 => Cell::or_missing(ssl(c)),
            7 => age_cell(created_ms(c), now_ms),
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
            3 => SortKey::text(&agents(c).unwrap_or_default()),
            4 => SortKey::text(purpose(c).unwrap_or("")),
            5 => SortKey::text(ssl(c).unwrap_or("")),
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
            ComputeProperties::Aks(p) => {
                let mut s = Section::new("AKS");
                s.opt("Cluster FQDN", p.cluster_fqdn.as_deref());
                s.opt("Agent count", p.agent_count);
                s.opt("Agent VM size", p.agent_vm_size.as_deref());
                s.opt("Purpose", p.cluster_purpose.as_ref().map(|v| v.as_str()));
                s.opt(
                    "Load balancer",
                    p.load_balancer_type.as_ref().map(|v| v.as_str()),
                );
                s.opt("Load balancer subnet", p.load_balancer_subnet.as_deref());
                sections.push(s);
                if let Some(ssl) = &p.ssl_configuration {
                    let mut s = Section::new("SSL");
                    s.opt("Status", ssl.status.as_ref().map(|v| v.as_str()));
                    s.opt("CNAME", ssl.cname.as_deref());
                    s.opt("Leaf domain label", ssl.leaf_domain_label.as_deref());
                    s.opt("Overwrite existing domain", ssl.overwrite_existing_domain);
                    if ssl.cert.is_some() {
                        s.field("Certificate", "(set)");
                    }
                    if ssl.key.is_some() {
                        s.field("Key", crate::azure::models::MASK);
                    }
                    sections.push(s);
                }
                if let Some(net) = &p.aks_networking_configuration {
                    let mut s = Section::new("Networking");
                    s.opt("Subnet", net.subnet_id.as_deref());
                    s.opt("Service CIDR", net.service_cidr.as_deref());
                    s.opt("DNS service IP", net.dns_service_ip.as_deref());
                    s.opt("Docker bridge CIDR", net.docker_bridge_cidr.as_deref());
                    sections.push(s);
                }
                if !p.system_services.is_empty() {
                    let mut s = Section::new("System services");
                    s.rows.push(DetailRow::Table {
                        header: vec!["TYPE".into(), "PUBLIC IP".into(), "VERSION".into()],
                        rows: p
                            .system_services
                            .iter()
                            .map(|svc| {
                                vec![
                                    (
                                        svc.system_service_type
                                            .clone()
                                            .unwrap_or_else(|| "-".into()),
                                        Tone::Normal,
                                    ),
                                    (
                                        svc.public_ip_address.clone().unwrap_or_else(|| "-".into()),
                                        Tone::Normal,
                                    ),
                                    (
                                        svc.version.clone().unwrap_or_else(|| "-".into()),
                                        Tone::Muted,
                                    ),
                                ]
                            })
                            .collect(),
                    });
                    sections.push(s);
                }
            }
            ComputeProperties::Kubernetes(p) => {
                let mut s = Section::new("Kubernetes");
                s.field(
                    "Namespace",
                    p.namespace.clone().unwrap_or_else(|| "default".into()),
                );
                s.opt("Default instance type", p.default_instance_type.as_deref());
                s.opt(
                    "Extension release train",
                    p.extension_instance_release_train.as_deref(),
                );
                s.opt("Extension principal", p.extension_principal_id.as_deref());
                s.opt("VC name", p.vc_name.as_deref());
                if p.relay_connection_string.is_some() {
                    s.field("Relay connection string", crate::azure::models::MASK);
                }
                if p.service_bus_connection_string.is_some() {
                    s.field("Service Bus connection string", crate::azure::models::MASK);
                }
                sections.push(s);
                if !p.instance_types.is_empty() {
                    let mut s =
                        Section::new(format!("Instance types ({})", p.instance_types.len()));
                    for (name, t) in &p.instance_types {
                        let resources = t
                            .resources
                            .as_ref()
                            .map(|r| {
                                let show =
                                    |m: &Option<serde_json::Map<String, serde_json::Value>>| {
                                        m.as_ref()
                                            .map(|m| {
                                                m.iter()
                                                    .map(|(k, v)| {
                                                        format!(
                                                            "{k}={}",
                                                            v.as_str()
                                                                .map(str::to_owned)
                                                                .unwrap_or_else(|| v.to_string())
                                                        )
                                                    })
                                                    .collect::<Vec<_>>()
                                                    .join(" ")
                                            })
                                            .unwrap_or_default()
                                    };
                                format!("requests {} limits {}", show(&r.requests), show(&r.limits))
                            })
                            .unwrap_or_default();
                        s.field(name, resources);
                    }
                    sections.push(s);
                }
            }
            other => {
                if let Some(value) = other.untyped() {
                    sections.push(common::untyped_section("Properties", value));
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
        common::base_copy_targets(item)
    }
}
