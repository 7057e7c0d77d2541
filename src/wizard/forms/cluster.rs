//! Compute cluster (AmlCompute) create form: az ml's `type: amlcompute` YAML keys as field ids.
//! Rules: the name rule, a size the region offers clusters, min ≥ 0, max ≥ max(min, 1), the
//! family quota at max nodes, SSH (admin user with exactly one of a password or a public key),
//! and the vnet/subnet pair.

use super::{
    DESCRIPTION, IDENTITY_TYPE, LOCATION, NAME_3_24, SUBNET, TAGS, USER_IDENTITIES, VNET,
    check_network, flag, number, subnet_id,
};
use crate::azure::models::ResourceId;
use crate::azure::models::Secret;
use crate::azure::models::{AmlComputeProperties, ScaleSettings, UserAccountCredentials};
use crate::azure::models::{Compute, ComputeProperties};
use crate::azure::models::{OsType, RemoteLoginPortPublicAccess, VmPriority};
use crate::wizard::engine::{
    Choice, ComputeRequest, Ctx, Field, FieldKind, Form, FormId, Problem, Values,
};
use crate::wizard::rules;
use std::path::Path;

pub const TIERS: &[Choice] = &[
    Choice {
        value: "dedicated",
        label: "Dedicated",
    },
    Choice {
        value: "low_priority",
        label: "Low priority (pre-emptible, cheaper)",
    },
];

const FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        kind: FieldKind::Choice(TIERS),
        default: "dedicated",
        ..Field::text(
            "tier",
            "Tier",
            "Low-priority nodes cost less but can be pre-empted",
        )
    },
    Field {
        kind: FieldKind::Size,
        default: "Standard_DS3_v2",
        required: true,
        check: Some(size),
        ..Field::text(
            "size",
            "VM size",
            "The size of every node (the picker shows vCPUs, memory, price and quota)",
        )
    },
    LOCATION,
    Field {
        kind: FieldKind::Number {
            min: 0,
            max: 10_000,
        },
        default: "0",
        step: 1,
        ..Field::text(
            "min_instances",
            "Minimum nodes",
            "0 lets the cluster scale down to nothing when idle",
        )
    },
    Field {
        kind: FieldKind::Number {
            min: 1,
            max: 10_000,
        },
        default: "1",
        step: 1,
        ..Field::text(
            "max_instances",
            "Maximum nodes",
            "At least 1 and at least the minimum",
        )
    },
    Field {
        kind: FieldKind::Number {
            min: 0,
            max: 30 * 24 * 3600,
        },
        default: "120",
        step: 1,
        ..Field::text(
            "idle_time_before_scale_down",
            "Idle seconds before scale-down",
            "How long an idle node stays before it is released",
        )
    },
    Field {
        kind: FieldKind::Toggle,
        default: "false",
        step: 2,
        ..Field::text(
            "ssh_public_access_enabled",
            "SSH public access",
            "Open the nodes' SSH port to the internet (needs a key or a password below)",
        )
    },
    Field {
        default: "azureuser",
        step: 2,
        ..Field::text(
            "ssh_settings.admin_username",
            "Admin user",
            "The nodes' admin account, made when a key or a password is given below",
        )
    },
    Field {
        step: 2,
        check: Some(rules::ssh_public_key_field),
        ..Field::text(
            "ssh_settings.ssh_key_value",
            "SSH public key",
            "Paste an OpenSSH public key (or give a .pub file below)",
        )
    },
    Field {
        kind: FieldKind::File { secret: false },
        step: 2,
        ..Field::text(
            "ssh_settings.ssh_key_file",
            "SSH public key file",
            "A .pub file, e.g. ~/.ssh/id_ed25519.pub",
        )
    },
    Field {
        kind: FieldKind::Secret,
        step: 2,
        ..Field::text(
            "ssh_settings.admin_password",
            "Admin password",
            "Instead of a key (a key is safer)",
        )
    },
    Field { step: 2, ..VNET },
    Field { step: 2, ..SUBNET },
    Field {
        kind: FieldKind::Toggle,
        default: "true",
        step: 2,
        ..Field::text(
            "enable_node_public_ip",
            "Node public IP",
            "Off: nodes get private addresses only (needs a vnet)",
        )
    },
    Field {
        step: 3,
        ..IDENTITY_TYPE
    },
    Field {
        step: 3,
        ..USER_IDENTITIES
    },
    Field {
        kind: FieldKind::Choice(&[
            Choice {
                value: "linux",
                label: "Linux",
            },
            Choice {
                value: "windows",
                label: "Windows",
            },
        ]),
        default: "linux",
        step: 3,
        ..Field::text("os_type", "OS", "Linux unless you need Windows nodes")
    },
    Field {
        step: 3,
        check: Some(image_id),
        ..Field::text(
            "virtual_machine_image",
            "Custom image",
            "Resource id of a gallery image version (optional)",
        )
    },
    Field { step: 3, ..TAGS },
];

pub static FORM: Form = Form {
    id: FormId::ComputeCluster,
    title: "Create compute cluster",
    compute_type: "AmlCompute",
    attach: false,
    yaml_types: &["amlcompute"],
    steps: &["Basics", "Scale", "Access and network", "Advanced"],
    fields: FIELDS,
    notice: "A cluster scales between its minimum and maximum nodes as jobs arrive.",
    cross: Some(cross),
    build,
};

fn size(text: &str, ctx: &Ctx<'_>) -> Result<(), String> {
    rules::size_for("AmlCompute", text, ctx)
}

fn image_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(
        text,
        "Microsoft.Compute",
        &["galleries", "images", "versions"],
    )
    .or_else(|_| rules::resource_id(text, "Microsoft.Compute", &["images"]))
    .map_err(|_| {
        format!(
            "{text:?} is not the resource id of a Microsoft.Compute gallery image version or image"
        )
    })
}

fn cross(values: &Values, ctx: &Ctx<'_>) -> Vec<Problem> {
    let f = &FORM;
    let mut out = check_network(values);
    let min = number(f, values, "min_instances").ok();
    let max = number(f, values, "max_instances").ok();
    if let (Some(min), Some(max)) = (min, max)
        && max < min.max(1)
    {
        out.push(Problem::new(
            "max_instances",
            format!("the maximum ({max}) must be at least the minimum ({min}) and at least 1"),
        ));
    }
    let given = credentials_given(values);
    if flag(f, values, "ssh_public_access_enabled") && given != 1 {
        out.push(Problem::new(
            "ssh_settings.ssh_key_value",
            "SSH public access needs exactly one of a public key, a public key file or a password",
        ));
    } else if given > 1 {
        out.push(Problem::new(
            "ssh_settings.ssh_key_value",
            "give one of a public key, a public key file or a password, not several",
        ));
    }
    if given > 0 && f.text(values, "ssh_settings.admin_username").is_empty() {
        out.push(Problem::new(
            "ssh_settings.admin_username",
            "an admin key or password needs the admin user's name",
        ));
    }
    {
        let file = values.raw("ssh_settings.ssh_key_file");
        if !file.is_empty() {
            match ctx.files.read(Path::new(file)) {
                Ok(text) => {
                    if let Err(m) = rules::ssh_public_key(&text) {
                        out.push(Problem::new("ssh_settings.ssh_key_file", m));
                    }
                }
                Err(m) => out.push(Problem::new("ssh_settings.ssh_key_file", m)),
            }
        }
    }
    if let (Some(max), Some(s)) = (max, ctx.size(f.text(values, "size"))) {
        let low = f.text(values, "tier").eq_ignore_ascii_case("low_priority");
        if let Err(m) = rules::quota_fits(ctx, s, max, low) {
            out.push(Problem::new("max_instances", m));
        }
    }
    out
}

/// How many of the admin credentials (public key, key file, password) are given.
fn credentials_given(values: &Values) -> usize {
    [
        "ssh_settings.ssh_key_value",
        "ssh_settings.ssh_key_file",
        "ssh_settings.admin_password",
    ]
    .iter()
    .filter(|id| !values.raw(id).is_empty())
    .count()
}

fn build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let f = &FORM;
    let low = f.text(values, "tier").eq_ignore_ascii_case("low_priority");
    let mut props = AmlComputeProperties {
        vm_size: Some(f.text(values, "size").to_string()),
        vm_priority: Some(if low {
            VmPriority::LowPriority
        } else {
            VmPriority::Dedicated
        }),
        scale_settings: Some(ScaleSettings {
            max_node_count: number(f, values, "max_instances")?,
            min_node_count: Some(number(f, values, "min_instances")?),
            node_idle_time_before_scale_down: Some(crate::actions::iso_duration(
                number(f, values, "idle_time_before_scale_down")?.max(0) as u64,
            )),
            ..ScaleSettings::default()
        }),
        enable_node_public_ip: Some(flag(f, values, "enable_node_public_ip")),
        isolated_network: Some(false),
        ..AmlComputeProperties::default()
    };
    if f.text(values, "os_type").eq_ignore_ascii_case("windows") {
        props.os_type = Some(OsType::Windows);
    }
    let image = values.raw("virtual_machine_image");
    if !image.is_empty() {
        props.virtual_machine_image = Some(ResourceId::new(image));
    }
    let ssh = flag(f, values, "ssh_public_access_enabled");
    // Left unset, the service decides (as az ml sends it: NotSpecified).
    props.remote_login_port_public_access = Some(match values.raw("ssh_public_access_enabled") {
        "" => RemoteLoginPortPublicAccess::NotSpecified,
        _ if ssh => RemoteLoginPortPublicAccess::Enabled,
        _ => RemoteLoginPortPublicAccess::Disabled,
    });
    if credentials_given(values) > 0 {
        let file = values.raw("ssh_settings.ssh_key_file");
        let key = if !file.is_empty() {
            Some(
                ctx.files
                    .read(Path::new(file))
                    .map_err(|m| Problem::new("ssh_settings.ssh_key_file", m))?
                    .trim()
                    .to_string(),
            )
        } else {
            Some(values.raw("ssh_settings.ssh_key_value").to_string()).filter(|k| !k.is_empty())
        };
        let password = values.secret("ssh_settings.admin_password");
        props.user_account_credentials = Some(UserAccountCredentials {
            admin_user_name: f.text(values, "ssh_settings.admin_username").to_string(),
            admin_user_ssh_public_key: key,
            admin_user_password: (!password.is_empty()).then(|| Secret::new(password)),
            ..UserAccountCredentials::default()
        });
    }
    let subnet = values.raw("network_settings.subnet");
    if !subnet.is_empty() {
        props.subnet = Some(ResourceId::new(subnet_id(
            ctx,
            values.raw("network_settings.vnet_name"),
            subnet,
        )));
    }
    let compute = Compute::new(ComputeProperties::AmlCompute(props));
    Ok(super::request(f, values, ctx, compute))
}
