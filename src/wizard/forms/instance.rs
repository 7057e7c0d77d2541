//! Compute instance create form: az ml's `type: computeinstance` YAML keys as field ids
//! (`ssh_settings.ssh_key_value`, `schedules.compute_start_stop`, `setup_scripts.*`,
//! `create_on_behalf_of.*`, `idle_time_before_shutdown_minutes`, ...). Rules: the name rule, a
//! size the region offers instances that matches the VM type (CPU: no GPU, GPU: at least one),
//! the family quota for one VM, SSH with exactly one public key (pasted or a `.pub` file), the
//! vnet/subnet pair, no node public IP only inside a vnet, idle shutdown 15 min to 3 days, up to
//! 4 start/stop schedules (cron, or days + time), another user's tenant and object ids
//! together, and setup scripts given by their path. az ml's preview toggles (`enable_root_access`,
//! `enable_os_patching`, `release_quota_on_stop`) are sent only when set. Builds
//! `ComputeInstanceProperties`; holds no state and reads files only through the [`Ctx`].

use super::{
    DESCRIPTION, IDENTITY_TYPE, LOCATION, NAME_3_24, SUBNET, TAGS, USER_IDENTITIES, VNET,
    check_network, flag, number, subnet_id,
};
use crate::azure::models::ResourceId;
use crate::azure::models::{
    ApplicationSharingPolicy, ComputeInstanceAuthorizationType, ComputeInstanceProperties,
    ComputePowerAction, ComputeStartStopSchedule, Cron, Recurrence, RecurrenceFrequency,
    RecurrenceSchedule, ScheduleStatus, Schedules, ScriptReference, ScriptsToExecute, SetupScripts,
    SshPublicAccess, SshSettings, TriggerType, WeekDay,
};
use crate::azure::models::{AssignedUser, PersonalComputeInstanceSettings};
use crate::azure::models::{Compute, ComputeProperties};
use crate::wizard::engine::{
    Choice, ComputeRequest, Cond, Ctx, Field, FieldKind, Form, FormId, Problem, Values,
};
use crate::wizard::rules;
use std::path::Path;

/// The size az ml uses when none is given.
pub const DEFAULT_SIZE: &str = "Standard_DS3_v2";

/// At most this many start/stop schedules (the service's limit).
pub const MAX_SCHEDULES: usize = 4;

pub const VM_TYPES: &[Choice] = &[
    Choice {
        value: "cpu",
        label: "CPU",
    },
    Choice {
        value: "gpu",
        label: "GPU",
    },
];

const SSH_ON: Option<Cond> = Some(Cond {
    field: "ssh_public_access_enabled",
    any_of: &["true"],
});

const CRON: Option<Cond> = Some(Cond {
    field: "trigger.type",
    any_of: &["cron"],
});

const RECURRENCE: Option<Cond> = Some(Cond {
    field: "trigger.type",
    any_of: &["recurrence"],
});

const SCHEDULE_FIELDS: &[Field] = &[
    Field {
        kind: FieldKind::Choice(&[
            Choice {
                value: "start",
                label: "Start",
            },
            Choice {
                value: "stop",
                label: "Stop",
            },
        ]),
        required: true,
        ..Field::text(
            "action",
            "Action",
            "Start or stop the instance when the trigger fires",
        )
    },
    Field {
        kind: FieldKind::Choice(&[
            Choice {
                value: "cron",
                label: "Cron expression",
            },
            Choice {
                value: "recurrence",
                label: "Days and time",
            },
        ]),
        default: "cron",
        ..Field::text(
            "trigger.type",
            "Trigger",
            "A cron expression, or days of the week and a time",
        )
    },
    Field {
        required: true,
        show_if: CRON,
        check: Some(rules::cron_field),
        ..Field::text(
            "trigger.expression",
            "Cron expression",
            "5 fields: minute hour day month weekday, e.g. 0 18 * * 1-5 (18:00 on weekdays)",
        )
    },
    Field {
        kind: FieldKind::Choice(&[
            Choice {
                value: "minute",
                label: "Minutes",
            },
            Choice {
                value: "hour",
                label: "Hours",
            },
            Choice {
                value: "day",
                label: "Days",
            },
            Choice {
                value: "week",
                label: "Weeks (on the days below)",
            },
            Choice {
                value: "month",
                label: "Months",
            },
        ]),
        default: "week",
        show_if: RECURRENCE,
        ..Field::text(
            "trigger.frequency",
            "Repeat every",
            "The unit of the interval; week fires on the listed days at the hours and minutes below",
        )
    },
    Field {
        kind: FieldKind::Number { min: 1, max: 100 },
        default: "1",
        show_if: RECURRENCE,
        ..Field::text(
            "trigger.interval",
            "Interval",
            "How many units between runs, 1 to 100 (1: every day, every week, …)",
        )
    },
    Field {
        show_if: RECURRENCE,
        check: Some(rules::week_days_field),
        ..Field::text(
            "trigger.schedule.week_days",
            "Days",
            "Comma-separated: monday, tuesday, wednesday, thursday, friday, saturday, sunday",
        )
    },
    Field {
        show_if: RECURRENCE,
        check: Some(rules::hours_field),
        ..Field::text(
            "trigger.schedule.hours",
            "Hours",
            "Hour(s) of the day, 0–23, comma-separated (18 for 6 pm)",
        )
    },
    Field {
        default: "0",
        show_if: RECURRENCE,
        check: Some(rules::minutes_field),
        ..Field::text(
            "trigger.schedule.minutes",
            "Minutes",
            "Minute(s) past the hour, 0–59, comma-separated",
        )
    },
    Field {
        check: Some(rules::local_datetime_field),
        ..Field::text(
            "trigger.start_time",
            "Starting",
            "First day the schedule applies, YYYY-MM-DDTHH:MM:SS in its time zone (empty: now)",
        )
    },
    Field {
        default: "UTC",
        ..Field::text(
            "trigger.time_zone",
            "Time zone",
            "Windows time zone id the times are read in, e.g. UTC or Pacific Standard Time",
        )
    },
    Field {
        kind: FieldKind::Choice(&[
            Choice {
                value: "enabled",
                label: "Enabled",
            },
            Choice {
                value: "disabled",
                label: "Disabled",
            },
        ]),
        default: "enabled",
        ..Field::text(
            "state",
            "State",
            "A disabled schedule is kept but does not fire",
        )
    },
];

/// The three fields of one setup script (`setup_scripts.<which>.path|command|timeout_minutes`).
macro_rules! script_fields {
    ($which:literal, $label:literal, $when:literal) => {
        [
            Field {
                step: 4,
                ..Field::text(
                    concat!("setup_scripts.", $which, ".path"),
                    concat!($label, " script"),
                    concat!(
                        "Script in the workspace file share (e.g. Users/me/setup.sh), run ",
                        $when
                    ),
                )
            },
            Field {
                step: 4,
                ..Field::text(
                    concat!("setup_scripts.", $which, ".command"),
                    concat!($label, " arguments"),
                    "Arguments passed to that script (az ml's `command`; needs the script's path)",
                )
            },
            Field {
                kind: FieldKind::Number { min: 1, max: 1440 },
                step: 4,
                ..Field::text(
                    concat!("setup_scripts.", $which, ".timeout_minutes"),
                    concat!($label, " timeout (min)"),
                    "Minutes the script may run before it is stopped, 1 to 1440 (empty: the service default)",
                )
            },
        ]
    };
}

const CREATION: [Field; 3] = script_fields!(
    "creation_script",
    "Creation",
    "once when the instance is created"
);
const STARTUP: [Field; 3] = script_fields!(
    "startup_script",
    "Startup",
    "every time the instance starts"
);

const FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        kind: FieldKind::Choice(VM_TYPES),
        default: "cpu",
        ..Field::text(
            "vm_type",
            "VM type",
            "CPU, or GPU for deep learning: the size must match (GPU sizes have one or more GPUs)",
        )
    },
    Field {
        kind: FieldKind::Size,
        default: DEFAULT_SIZE,
        required: true,
        check: Some(size),
        ..Field::text(
            "size",
            "VM size",
            "The instance's VM size (the picker shows vCPUs, GPUs, memory, price and quota)",
        )
    },
    LOCATION,
    Field {
        kind: FieldKind::Number { min: 15, max: 4320 },
        step: 1,
        ..Field::text(
            "idle_time_before_shutdown_minutes",
            "Idle shutdown (min)",
            "Stop the instance after this many idle minutes, 15 to 4320 (3 days); empty: never",
        )
    },
    Field {
        kind: FieldKind::List {
            fields: SCHEDULE_FIELDS,
            max: MAX_SCHEDULES,
        },
        step: 1,
        ..Field::text(
            "schedules.compute_start_stop",
            "Schedules",
            "Up to 4 times to start or stop the instance automatically",
        )
    },
    Field {
        kind: FieldKind::Toggle,
        default: "false",
        step: 2,
        ..Field::text(
            "ssh_public_access_enabled",
            "SSH access",
            "Open SSH (user azureuser, port 50000) to the internet with your public key",
        )
    },
    Field {
        show_if: SSH_ON,
        step: 2,
        check: Some(rules::ssh_public_key_field),
        ..Field::text(
            "ssh_settings.ssh_key_value",
            "SSH public key",
            "Paste an OpenSSH public key (ssh-ed25519 AAAA… or ssh-rsa …), or give a .pub file below",
        )
    },
    Field {
        kind: FieldKind::File { secret: false },
        show_if: SSH_ON,
        step: 2,
        ..Field::text(
            "ssh_settings.ssh_key_file",
            "SSH public key file",
            "A public key file such as ~/.ssh/id_ed25519.pub (never the private key)",
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
            "Public IP",
            "Off: the instance gets a private address only (needs a virtual network)",
        )
    },
    Field {
        step: 3,
        check: Some(rules::uuid_field),
        ..Field::text(
            "create_on_behalf_of.user_tenant_id",
            "Assign to: tenant id",
            "Create the instance for another user: their Microsoft Entra tenant id (a UUID)",
        )
    },
    Field {
        step: 3,
        check: Some(rules::uuid_field),
        ..Field::text(
            "create_on_behalf_of.user_object_id",
            "Assign to: object id",
            "That user's object id (a UUID); both ids or neither",
        )
    },
    Field {
        kind: FieldKind::Toggle,
        default: "true",
        step: 3,
        ..Field::text(
            "enable_sso",
            "Single sign-on",
            "Let the owner open the instance's apps with their Azure sign-in",
        )
    },
    Field {
        kind: FieldKind::Toggle,
        default: "true",
        step: 3,
        ..Field::text(
            "enable_root_access",
            "Root access",
            "Let the owner use sudo on the instance (preview setting; unset: the service default)",
        )
    },
    Field {
        kind: FieldKind::Toggle,
        default: "false",
        step: 3,
        ..Field::text(
            "enable_os_patching",
            "OS patching",
            "Let Azure apply OS security patches to the instance (preview setting)",
        )
    },
    Field {
        kind: FieldKind::Toggle,
        default: "false",
        step: 3,
        ..Field::text(
            "release_quota_on_stop",
            "Release quota on stop",
            "Give the vCPU quota back while stopped; starting again needs free quota (preview)",
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
    CREATION[0],
    CREATION[1],
    CREATION[2],
    STARTUP[0],
    STARTUP[1],
    STARTUP[2],
    Field { step: 4, ..TAGS },
];

pub static FORM: Form = Form {
    id: FormId::ComputeInstance,
    title: "Create compute instance",
    compute_type: "ComputeInstance",
    attach: false,
    yaml_types: &["computeinstance"],
    steps: &[
        "Basics",
        "Scheduling",
        "Access and network",
        "Owner and identity",
        "Setup scripts and tags",
    ],
    fields: FIELDS,
    notice: "A compute instance is one VM for one user: notebooks, terminals and VS Code.",
    cross: Some(cross),
    build,
};

fn size(text: &str, ctx: &Ctx<'_>) -> Result<(), String> {
    rules::size_for("ComputeInstance", text, ctx)
}

/// Whether `size` fits the VM type (`cpu`/`gpu`); `Err` names the size's GPU count.
pub fn vm_type_fits(
    vm_type: &str,
    size: &crate::azure::models::VirtualMachineSize,
) -> Result<(), String> {
    let name = size.name.as_deref().unwrap_or("this size");
    let gpus = size.gpus.unwrap_or(0);
    if vm_type.eq_ignore_ascii_case("gpu") && gpus < 1 {
        return Err(format!(
            "{name} has no GPU: choose a GPU size (NC, ND, NV …) or VM type CPU"
        ));
    }
    if vm_type.eq_ignore_ascii_case("cpu") && gpus > 0 {
        return Err(format!(
            "{name} has {gpus} GPU(s): choose VM type GPU, or a size without GPUs"
        ));
    }
    Ok(())
}

fn cross(values: &Values, ctx: &Ctx<'_>) -> Vec<Problem> {
    let f = &FORM;
    let mut out = check_network(values);
    if let Some(s) = ctx.size(f.text(values, "size")) {
        // Only a type actually chosen constrains the size: an az ml YAML file has no `vm_type`
        // and may name a GPU size.
        let vm_type = values.raw("vm_type");
        if !vm_type.is_empty()
            && let Err(m) = vm_type_fits(vm_type, s)
        {
            out.push(Problem::new("size", m));
        }
        if let Err(m) = rules::quota_fits(ctx, s, 1, false) {
            out.push(Problem::new("size", m));
        }
    }
    if flag(f, values, "ssh_public_access_enabled") {
        let pasted = values.raw("ssh_settings.ssh_key_value");
        let file = values.raw("ssh_settings.ssh_key_file");
        if pasted.is_empty() == file.is_empty() {
            out.push(Problem::new(
                "ssh_settings.ssh_key_value",
                "SSH access needs exactly one public key: pasted here or read from a .pub file",
            ));
        }
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
    if !flag(f, values, "enable_node_public_ip") && values.raw("network_settings.subnet").is_empty()
    {
        out.push(Problem::new(
            "enable_node_public_ip",
            "an instance without a public IP must be in a virtual network: give the subnet",
        ));
    }
    let tenant = values.raw("create_on_behalf_of.user_tenant_id");
    let object = values.raw("create_on_behalf_of.user_object_id");
    if tenant.is_empty() != object.is_empty() {
        let missing = if tenant.is_empty() {
            "create_on_behalf_of.user_tenant_id"
        } else {
            "create_on_behalf_of.user_object_id"
        };
        out.push(Problem::new(
            missing,
            "assigning to another user needs both their tenant id and their object id",
        ));
    }
    for (i, entry) in values
        .list("schedules.compute_start_stop")
        .iter()
        .enumerate()
    {
        let recurrence = entry.raw("trigger.type").eq_ignore_ascii_case("recurrence");
        let frequency = match entry.raw("trigger.frequency") {
            "" => "week".to_string(),
            t => t.to_ascii_lowercase(),
        };
        let at = |k: &str| format!("schedules.compute_start_stop[{i}].trigger.{k}");
        if recurrence && frequency == "week" && entry.raw("trigger.schedule.week_days").is_empty() {
            out.push(Problem::new(
                at("schedule.week_days"),
                "a weekly schedule needs its days (e.g. monday, friday)",
            ));
        }
        if recurrence
            && matches!(frequency.as_str(), "day" | "week")
            && entry.raw("trigger.schedule.hours").is_empty()
        {
            out.push(Problem::new(
                at("schedule.hours"),
                format!("a schedule repeated by {frequency} needs the hour it fires at (0–23)"),
            ));
        }
    }
    for which in ["creation_script", "startup_script"] {
        let path = values.raw(&format!("setup_scripts.{which}.path"));
        for other in ["command", "timeout_minutes"] {
            if path.is_empty()
                && !values
                    .raw(&format!("setup_scripts.{which}.{other}"))
                    .is_empty()
            {
                out.push(Problem::new(
                    format!("setup_scripts.{which}.path"),
                    format!(
                        "a {which}'s {other} needs the script's path in the workspace file share"
                    ),
                ));
            }
        }
    }
    out
}

fn schedule(entry: &Values) -> ComputeStartStopSchedule {
    let text = |id: &str, default: &'static str| match entry.raw(id) {
        "" => default.to_string(),
        t => t.to_string(),
    };
    let opt = |id: &str| Some(entry.raw(id).to_string()).filter(|t| !t.is_empty());
    let mut s = ComputeStartStopSchedule {
        action: Some(ComputePowerAction::parse(&text("action", "stop"))),
        status: Some(ScheduleStatus::parse(&text("state", "enabled"))),
        ..ComputeStartStopSchedule::default()
    };
    let time_zone = Some(text("trigger.time_zone", "UTC"));
    if text("trigger.type", "cron").eq_ignore_ascii_case("recurrence") {
        let list = |id: &str, default: &'static str, hi: i64| {
            rules::number_list(&text(id, default), id, 0, hi).unwrap_or_default()
        };
        s.trigger_type = Some(TriggerType::Recurrence);
        s.recurrence = Some(Recurrence {
            frequency: Some(RecurrenceFrequency::parse(&text(
                "trigger.frequency",
                "week",
            ))),
            interval: Some(text("trigger.interval", "1").parse().unwrap_or(1)),
            start_time: opt("trigger.start_time"),
            time_zone,
            schedule: Some(RecurrenceSchedule {
                hours: list("trigger.schedule.hours", "", 23),
                minutes: list("trigger.schedule.minutes", "0", 59),
                week_days: rules::comma_items(entry.raw("trigger.schedule.week_days"))
                    .into_iter()
                    .map(WeekDay::parse)
                    .collect(),
                ..RecurrenceSchedule::default()
            }),
            ..Recurrence::default()
        });
    } else {
        s.trigger_type = Some(TriggerType::Cron);
        s.cron = Some(Cron {
            expression: opt("trigger.expression"),
            start_time: opt("trigger.start_time"),
            time_zone,
            ..Cron::default()
        });
    }
    s
}

/// One setup script as az ml sends it: the path in workspace storage, `command` as its
/// arguments, the timeout as `<n>m`.
fn script(f: &Form, values: &Values, which: &str) -> Result<Option<ScriptReference>, Problem> {
    let id = |k: &str| format!("setup_scripts.{which}.{k}");
    let path = values.raw(&id("path"));
    if path.is_empty() {
        return Ok(None);
    }
    let command = values.raw(&id("command"));
    let timeout = match values.raw(&id("timeout_minutes")) {
        "" => None,
        _ => Some(format!("{}m", number(f, values, &id("timeout_minutes"))?)),
    };
    Ok(Some(ScriptReference {
        script_source: Some("workspaceStorage".into()),
        script_data: Some(path.to_string()),
        script_arguments: (!command.is_empty()).then(|| command.to_string()),
        timeout,
        ..ScriptReference::default()
    }))
}

fn build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let f = &FORM;
    let mut props = ComputeInstanceProperties {
        vm_size: Some(f.text(values, "size").to_string()),
        enable_node_public_ip: Some(flag(f, values, "enable_node_public_ip")),
        enable_sso: Some(flag(f, values, "enable_sso")),
        ..ComputeInstanceProperties::default()
    };
    // Sent only when the toggle was set, as az ml does (the service decides otherwise).
    if !values.raw("ssh_public_access_enabled").is_empty() {
        let ssh = flag(f, values, "ssh_public_access_enabled");
        let mut settings = SshSettings {
            ssh_public_access: Some(if ssh {
                SshPublicAccess::Enabled
            } else {
                SshPublicAccess::Disabled
            }),
            ..SshSettings::default()
        };
        if ssh {
            let file = values.raw("ssh_settings.ssh_key_file");
            settings.admin_public_key = if file.is_empty() {
                Some(values.raw("ssh_settings.ssh_key_value").to_string())
            } else {
                Some(
                    ctx.files
                        .read(Path::new(file))
                        .map_err(|m| Problem::new("ssh_settings.ssh_key_file", m))?
                        .trim()
                        .to_string(),
                )
            };
        }
        props.ssh_settings = Some(settings);
    }
    let subnet = values.raw("network_settings.subnet");
    if !subnet.is_empty() {
        props.subnet = Some(ResourceId::new(subnet_id(
            ctx,
            values.raw("network_settings.vnet_name"),
            subnet,
        )));
    }
    if !values.raw("idle_time_before_shutdown_minutes").is_empty() {
        let minutes = number(f, values, "idle_time_before_shutdown_minutes")?;
        props.idle_time_before_shutdown =
            Some(crate::actions::iso_duration(minutes.max(0) as u64 * 60));
    }
    let schedules: Vec<_> = values
        .list("schedules.compute_start_stop")
        .iter()
        .map(schedule)
        .collect();
    if !schedules.is_empty() {
        props.schedules = Some(Schedules {
            compute_start_stop: schedules,
            ..Schedules::default()
        });
    }
    let tenant = values.raw("create_on_behalf_of.user_tenant_id");
    let object = values.raw("create_on_behalf_of.user_object_id");
    if !tenant.is_empty() && !object.is_empty() {
        // An instance made for someone else is theirs alone (as Studio's "assign to another user").
        props.personal_compute_instance_settings = Some(PersonalComputeInstanceSettings {
            assigned_user: Some(AssignedUser {
                object_id: Some(object.to_string()),
                tenant_id: Some(tenant.to_string()),
                ..AssignedUser::default()
            }),
            ..PersonalComputeInstanceSettings::default()
        });
        props.application_sharing_policy = Some(ApplicationSharingPolicy::Personal);
        props.compute_instance_authorization_type =
            Some(ComputeInstanceAuthorizationType::Personal);
    }
    let creation = script(f, values, "creation_script")?;
    let startup = script(f, values, "startup_script")?;
    if creation.is_some() || startup.is_some() {
        props.setup_scripts = Some(SetupScripts {
            scripts: Some(ScriptsToExecute {
                creation_script: creation,
                startup_script: startup,
                ..ScriptsToExecute::default()
            }),
            ..SetupScripts::default()
        });
    }
    // Preview settings of az ml's YAML, absent from the stable model: sent only when set.
    for (id, wire) in [
        ("enable_root_access", "enableRootAccess"),
        ("enable_os_patching", "enableOSPatching"),
        ("release_quota_on_stop", "releaseQuotaOnStop"),
    ] {
        if !values.raw(id).is_empty() {
            props
                .extra
                .insert(wire.into(), serde_json::Value::Bool(flag(f, values, id)));
        }
    }
    let compute = Compute::new(ComputeProperties::ComputeInstance(props));
    Ok(super::request(f, values, ctx, compute))
}
