//! The Instances tab (ComputeInstance): name, state, size, SSH, owner, idle shutdown, last
//! operation, age; a detail with SSH, applications and endpoints, last operation, schedules and
//! errors; `c` copies the SSH command when SSH is open. Actions: start (Stopped), stop (Running,
//! JobRunning), restart (Running), idle shutdown (not while created/deleted), delete.

use super::common::{self, age_cell, compute_tone, created_ms, state_cell};
use super::{Cell, CellValue, Column, CopyTarget, DetailCtx, Item, Kind, Section, SortKey};
use crate::actions::{ActionId, Availability};
use crate::app::TabId;
use crate::app::format;
use crate::app::keys::Action;
use crate::app::text::{self, Tone};
use crate::azure::models::{
    ComputeInstanceProperties, ComputeInstanceState, ComputeResource, ComputeType, OperationStatus,
    SshPublicAccess,
};

pub struct Instances;

const COLUMNS: &[Column] = &[
    Column::new("NAME", 10, 32, 255),
    Column::new("STATE", 12, 34, 250),
    Column::new("SIZE", 12, 26, 200),
    Column::new("SSH", 9, 9, 100),
    Column::new("OWNER", 10, 24, 120),
    Column::new("IDLE STOP", 9, 9, 90),
    Column::new("LAST OPERATION", 12, 26, 110),
    Column::cost(super::COST_PRIORITY),
    Column::clock("AGE", 3, 6, 230),
];

fn props(c: &ComputeResource) -> Option<&ComputeInstanceProperties> {
    c.properties.properties.as_instance()
}

/// `on :50000`, `off`, or `None` when unknown.
fn ssh_text(p: &ComputeInstanceProperties) -> Option<String> {
    let ssh = p.ssh_settings.as_ref()?;
    Some(match &ssh.ssh_public_access {
        Some(SshPublicAccess::Enabled) => match ssh.ssh_port {
            Some(port) => format!("on :{port}"),
            None => "on".into(),
        },
        Some(SshPublicAccess::Disabled) => "off".into(),
        Some(other) => other.as_str().to_owned(),
        None => return None,
    })
}

/// The assigned user, else the creator.
fn owner(c: &ComputeResource) -> Option<String> {
    let p = props(c);
    let creator_name = p
        .and_then(|p| p.created_by.as_ref())
        .and_then(|b| b.user_name.clone())
        .or_else(|| c.system_data.as_ref().and_then(|s| s.created_by.clone()));
    let creator_id = p
        .and_then(|p| p.created_by.as_ref())
        .and_then(|b| b.user_id.as_deref());
    let assigned = p
        .and_then(|p| p.personal_compute_instance_settings.as_ref())
        .and_then(|s| s.assigned_user.as_ref())
        .and_then(|u| u.object_id.as_deref());
    match assigned {
        Some(oid) if Some(oid) == creator_id && creator_name.is_some() => creator_name,
        Some(oid) => Some(format!("user {}", oid.get(..8).unwrap_or(oid))),
        None => creator_name,
    }
}

fn last_operation(p: &ComputeInstanceProperties) -> Option<(String, Tone)> {
    let op = p.last_operation.as_ref()?;
    let name = op
        .operation_name
        .as_ref()
        .map(|n| n.as_str())
        .unwrap_or("?");
    let status = op.operation_status.as_ref();
    let tone = match status {
        Some(OperationStatus::InProgress) => Tone::Progress,
        Some(OperationStatus::Succeeded) => Tone::Normal,
        Some(s) if s.as_str().ends_with("Failed") => Tone::Failed,
        _ => Tone::Unknown,
    };
    let status = status.map(|s| s.as_str()).unwrap_or("");
    Some((format!("{name} {status}").trim().to_owned(), tone))
}

fn ssh_command(c: &ComputeResource) -> Option<String> {
    let p = props(c)?;
    let ssh = p.ssh_settings.as_ref()?;
    if ssh.ssh_public_access != Some(SshPublicAccess::Enabled) {
        return None;
    }
    let endpoints = p.connectivity_endpoints.as_ref()?;
    let host = endpoints
        .public_ip_address
        .as_deref()
        .or(endpoints.private_ip_address.as_deref())?;
    let user = ssh.admin_user_name.as_deref().unwrap_or("azureuser");
    Some(common::ssh_command(user, host, ssh.ssh_port))
}

impl Kind for Instances {
    fn tab(&self) -> TabId {
        TabId::Instances
    }
    fn title(&self) -> &'static str {
        "Instances"
    }
    fn noun(&self) -> &'static str {
        "compute instances"
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn accepts(&self, compute_type: &ComputeType) -> bool {
        *compute_type == ComputeType::ComputeInstance
    }

    fn cell(&self, item: Item<'_>, column: usize, now_ms: i64) -> CellValue {
        let Item::Compute(c) = item else {
            return Cell::missing().into();
        };
        let p = props(c);
        match column {
            0 => Cell::normal(common::name(c)),
            1 => {
                let state = common::state_ref(c);
                state_cell(c, state, compute_tone(state))
            }
            2 => Cell::or_missing(c.vm_size()),
            3 => Cell::or_missing(p.and_then(ssh_text)),
            4 => Cell::or_missing(owner(c)),
            5 => Cell::or_missing(
                p.and_then(|p| p.idle_time_before_shutdown.as_deref())
                    .map(format::iso_duration_short),
            ),
            6 => match p.and_then(last_operation) {
                Some((text, tone)) => Cell::new(text, tone),
                None => Cell::missing(),
            },
            8 => age_cell(created_ms(c), now_ms),
            _ => Cell::missing(),
        }
        .into()
    }

    fn sort_key(&self, item: Item<'_>, column: usize) -> SortKey {
        let Item::Compute(c) = item else {
            return SortKey::Missing;
        };
        let p = props(c);
        match column {
            0 => common::name_key(c),
            1 => SortKey::text(common::state_ref(c)),
            2 => SortKey::text(&c.vm_size().unwrap_or_default()),
            3 => SortKey::text(&p.and_then(ssh_text).unwrap_or_default()),
            4 => SortKey::text(&owner(c).unwrap_or_default()),
            5 => SortKey::opt_num(
                p.and_then(|p| p.idle_time_before_shutdown.as_deref())
                    .and_then(format::iso_duration_secs)
                    .map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            ),
            6 => SortKey::text(
                &p.and_then(last_operation)
                    .map(|(t, _)| t)
                    .unwrap_or_default(),
            ),
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
        let Some(p) = props(c) else {
            if let Some(value) = c.properties.properties.untyped() {
                sections.push(common::untyped_section("Properties", value));
            }
            common::tail_sections(c, &mut sections);
            return sections;
        };

        let mut owner_section = Section::new("Owner");
        if let Some(by) = &p.created_by {
            owner_section.opt("Created by", by.user_name.as_deref());
            owner_section.opt("Creator object id", by.user_id.as_deref());
        }
        if let Some(user) = p
            .personal_compute_instance_settings
            .as_ref()
            .and_then(|s| s.assigned_user.as_ref())
        {
            owner_section.opt("Assigned user", user.object_id.as_deref());
            owner_section.opt("Assigned user tenant", user.tenant_id.as_deref());
        }
        owner_section.opt(
            "Authorization",
            p.compute_instance_authorization_type
                .as_ref()
                .map(|a| a.as_str()),
        );
        owner_section.opt(
            "Sharing policy",
            p.application_sharing_policy.as_ref().map(|a| a.as_str()),
        );
        if !owner_section.is_empty() {
            sections.push(owner_section);
        }

        let mut ssh = Section::new("SSH");
        if let Some(settings) = &p.ssh_settings {
            ssh.opt(
                "Public access",
                settings.ssh_public_access.as_ref().map(|a| a.as_str()),
            );
            ssh.opt("Admin user", settings.admin_user_name.as_deref());
            ssh.opt("Port", settings.ssh_port);
        }
        match ssh_command(c) {
            Some(cmd) => {
                ssh.field_toned("Command", cmd, Tone::Accent);
            }
            None => {
                ssh.text(
                    "No SSH command: public SSH access is off or no address is known",
                    Tone::Muted,
                );
            }
        }
        sections.push(ssh);

        let mut endpoints = Section::new("Applications and endpoints");
        if let Some(e) = &p.connectivity_endpoints {
            endpoints.opt("Public IP", e.public_ip_address.as_deref());
            endpoints.opt("Private IP", e.private_ip_address.as_deref());
        }
        for app in &p.applications {
            let name = app.display_name.as_deref().unwrap_or("(application)");
            endpoints.field_toned(
                name,
                app.endpoint_uri.clone().unwrap_or_else(|| "-".into()),
                Tone::Accent,
            );
        }
        for service in &p.custom_services {
            let name = service.name.as_deref().unwrap_or("(service)");
            let image = service
                .image
                .as_ref()
                .and_then(|i| i.reference.as_deref())
                .unwrap_or("");
            endpoints.field(&format!("Service {name}"), image);
            for e in &service.endpoints {
                let text = format!(
                    "{} {} {} -> {}",
                    e.name.as_deref().unwrap_or("-"),
                    e.protocol.as_ref().map(|p| p.as_str()).unwrap_or(""),
                    e.target.map(|t| t.to_string()).unwrap_or_default(),
                    e.published.map(|t| t.to_string()).unwrap_or_default(),
                );
                endpoints.field("  endpoint", text);
            }
        }
        if endpoints.is_empty() {
            endpoints.text("(none reported)", Tone::Muted);
        }
        sections.push(endpoints);

        let mut op = Section::new("Last operation");
        if let Some(last) = &p.last_operation {
            op.opt(
                "Operation",
                last.operation_name.as_ref().map(|n| n.as_str()),
            );
            if let Some(status) = &last.operation_status {
                let tone = match status {
                    OperationStatus::InProgress => Tone::Progress,
                    OperationStatus::Succeeded => Tone::Healthy,
                    s if s.as_str().ends_with("Failed") => Tone::Failed,
                    _ => Tone::Unknown,
                };
                op.field_toned("Status", status.as_str(), tone);
            }
            if let Some(time) = last.operation_time.as_deref() {
                op.field("Time", format::time_with_age(time, ctx.now_ms));
            }
            op.opt(
                "Trigger",
                last.operation_trigger.as_ref().map(|t| t.as_str()),
            );
        } else {
            op.text("(none reported)", Tone::Muted);
        }
        sections.push(op);

        let mut idle = Section::new("Idle shutdown and schedules");
        match p.idle_time_before_shutdown.as_deref() {
            Some(t) => idle.field(
                "Idle shutdown after",
                format!("{} ({t})", format::iso_duration_short(t)),
            ),
            None => idle.field("Idle shutdown", "not set"),
        };
        if let Some(schedules) = &p.schedules {
            for s in &schedules.compute_start_stop {
                let mut text = format!(
                    "{} {}",
                    s.action.as_ref().map(|a| a.as_str()).unwrap_or("?"),
                    s.status.as_ref().map(|a| a.as_str()).unwrap_or(""),
                );
                if let Some(cron) = s.cron.as_ref().and_then(|c| c.expression.as_deref()) {
                    text.push_str(&format!(" cron {cron}"));
                }
                if let Some(r) = &s.recurrence {
                    text.push_str(&format!(
                        " every {} {}",
                        r.interval.unwrap_or(1),
                        r.frequency.as_ref().map(|f| f.as_str()).unwrap_or("")
                    ));
                }
                idle.field("Schedule", text.trim().to_owned());
            }
        }
        sections.push(idle);

        let mut image = Section::new("Image and storage");
        if let Some(os) = &p.os_image_metadata {
            image.opt("Image version", os.current_image_version.as_deref());
            image.opt("Latest image", os.latest_image_version.as_deref());
        }
        if let Some(v) = &p.versions {
            image.opt("Runtime", v.runtime.as_deref());
        }
        for d in &p.data_disks {
            image.field(
                "Data disk",
                format!(
                    "lun {} {} GB {}",
                    d.lun.map(|l| l.to_string()).unwrap_or_default(),
                    d.disk_size_gb.map(|l| l.to_string()).unwrap_or_default(),
                    d.storage_account_type
                        .as_ref()
                        .map(|s| s.as_str())
                        .unwrap_or("")
                ),
            );
        }
        for m in &p.data_mounts {
            let tone = match m.mount_state.as_ref().map(|s| s.as_str()) {
                Some(s) if s.ends_with("Failed") => Tone::Failed,
                _ => Tone::Normal,
            };
            image.field_toned(
                "Data mount",
                format!(
                    "{} -> {} ({})",
                    m.source.as_deref().unwrap_or("?"),
                    m.mount_path.as_deref().unwrap_or("?"),
                    m.mount_state.as_ref().map(|s| s.as_str()).unwrap_or("?")
                ),
                tone,
            );
        }
        if let Some(subnet) = &p.subnet {
            image.field("Subnet", subnet.id.clone());
        }
        if !image.is_empty() {
            sections.push(image);
        }
        common::tail_sections(c, &mut sections);
        sections
    }

    fn actions(&self, item: Item<'_>) -> Vec<(ActionId, Availability)> {
        let Item::Compute(c) = item else {
            return Vec::new();
        };
        let state = props(c).and_then(|p| p.state.as_ref());
        let shown = common::state_ref(c);
        let is = |wanted: &[ComputeInstanceState]| state.is_some_and(|s| wanted.contains(s));
        let because = || format!("instance is {}", text::one_line(shown));
        let busy = common::being_created_or_deleted(c).or(match state {
            Some(ComputeInstanceState::Creating) => Some("Creating"),
            Some(ComputeInstanceState::Deleting) => Some("Deleting"),
            _ => None,
        });
        let (removal, removal_ok) = common::removal_action(c, "instance");
        let deleting = state == Some(&ComputeInstanceState::Deleting);
        vec![
            (
                ActionId::Start,
                Availability::when(is(&[ComputeInstanceState::Stopped]), because),
            ),
            (
                ActionId::Stop,
                Availability::when(
                    is(&[
                        ComputeInstanceState::Running,
                        ComputeInstanceState::JobRunning,
                    ]),
                    because,
                ),
            ),
            (
                ActionId::Restart,
                Availability::when(is(&[ComputeInstanceState::Running]), because),
            ),
            (
                ActionId::IdleShutdown,
                Availability::when(busy.is_none(), || {
                    format!("instance is {}", busy.unwrap_or("busy"))
                }),
            ),
            (
                removal,
                if deleting {
                    Availability::Disabled("instance is Deleting".into())
                } else {
                    removal_ok
                },
            ),
        ]
    }

    fn action_ids(&self) -> &'static [ActionId] {
        &[
            ActionId::Start,
            ActionId::Stop,
            ActionId::Restart,
            ActionId::IdleShutdown,
            ActionId::Delete,
        ]
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
