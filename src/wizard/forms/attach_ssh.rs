//! Attach forms of the machines Azure ML reaches over SSH: a remote virtual machine
//! (`VirtualMachine`, az ml's `type: virtualmachine` YAML keys as field ids) and an HDInsight
//! cluster (`HDInsight`, same keys: az ml has no YAML for it). Rules: the name rule; an address
//! (FQDN or IPv4) or the resource id of the right provider, at least one; the SSH port; a user
//! name; exactly one of a private key file (recommended) or a password. The private key is a
//! secret file: read only by `build`, refused there when it is passphrase-protected (the ARM
//! body has no passphrase field), and sent only in the request body (masked everywhere else).

use super::{DESCRIPTION, NAME_3_24, TAGS, number};
use crate::azure::models::{
    Compute, ComputeProperties, HdInsightProperties, Secret, VirtualMachineProperties,
    VirtualMachineSshCredentials,
};
use crate::wizard::engine::{ComputeRequest, Ctx, Field, FieldKind, Form, FormId, Problem, Values};
use crate::wizard::rules;
use std::path::Path;

pub const ADDRESS: &str = "address";
pub const RESOURCE_ID: &str = "resource_id";
pub const SSH_PORT: &str = "ssh_settings.ssh_port";
pub const USERNAME: &str = "ssh_settings.admin_username";
pub const KEY_FILE: &str = "ssh_settings.ssh_private_key_file";
pub const PASSWORD: &str = "ssh_settings.admin_password";

const PORT_FIELD: Field = Field {
    kind: FieldKind::Number { min: 1, max: 65535 },
    default: "22",
    required: true,
    step: 1,
    ..Field::text(
        SSH_PORT,
        "SSH port",
        "The port sshd listens on (22 unless changed)",
    )
};

const KEY_FILE_FIELD: Field = Field {
    kind: FieldKind::File { secret: true },
    step: 1,
    ..Field::text(
        KEY_FILE,
        "SSH private key file (recommended)",
        "The private key (not the .pub) of a key without a passphrase, e.g. ~/.ssh/id_ed25519; read only when sending",
    )
};

const PASSWORD_FIELD: Field = Field {
    kind: FieldKind::Secret,
    step: 1,
    ..Field::text(
        PASSWORD,
        "Password (instead of a key)",
        "Weaker than a key: passwords can be guessed by brute force, keys use cryptographic signatures",
    )
};

const VM_FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        check: Some(rules::host_field),
        ..Field::text(
            ADDRESS,
            "Address",
            "The VM's public FQDN or IP address (may be left empty when the resource id is given)",
        )
    },
    Field {
        check: Some(vm_id),
        ..Field::text(
            RESOURCE_ID,
            "VM resource id",
            "/subscriptions/…/resourceGroups/…/providers/Microsoft.Compute/virtualMachines/<name>",
        )
    },
    TAGS,
    PORT_FIELD,
    Field {
        required: true,
        check: Some(rules::ssh_username_field),
        step: 1,
        ..Field::text(
            USERNAME,
            "SSH user",
            "An account of the VM that can log in over SSH (and use sudo)",
        )
    },
    KEY_FILE_FIELD,
    PASSWORD_FIELD,
];

pub static VIRTUAL_MACHINE: Form = Form {
    id: FormId::VirtualMachine,
    title: "Attach remote virtual machine",
    compute_type: "VirtualMachine",
    attach: true,
    yaml_types: &["virtualmachine"],
    steps: &["Machine", "SSH access"],
    fields: VM_FIELDS,
    notice: "Only Ubuntu VMs are supported. Azure ML logs in over SSH: an SSH key is recommended (a password can be brute-forced); a key protected by a passphrase cannot be used.",
    cross: Some(vm_cross),
    build: vm_build,
};

const HDI_FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        check: Some(rules::host_field),
        ..Field::text(
            ADDRESS,
            "Address",
            "The cluster's SSH endpoint: <cluster>-ssh.azurehdinsight.net",
        )
    },
    Field {
        check: Some(hdi_id),
        ..Field::text(
            RESOURCE_ID,
            "Cluster resource id",
            "/subscriptions/…/resourceGroups/…/providers/Microsoft.HDInsight/clusters/<name>",
        )
    },
    TAGS,
    PORT_FIELD,
    Field {
        required: true,
        default: "sshuser",
        check: Some(rules::ssh_username_field),
        step: 1,
        ..Field::text(
            USERNAME,
            "SSH user",
            "The SSH user set when the cluster was created (sshuser unless changed)",
        )
    },
    KEY_FILE_FIELD,
    PASSWORD_FIELD,
];

pub static HDINSIGHT: Form = Form {
    id: FormId::HdInsight,
    title: "Attach HDInsight cluster",
    compute_type: "HDInsight",
    attach: true,
    yaml_types: &[],
    steps: &["Cluster", "SSH access"],
    fields: HDI_FIELDS,
    notice: "Attach an existing HDInsight cluster over SSH at <cluster>-ssh.azurehdinsight.net. An SSH key is recommended (a password can be brute-forced); a key protected by a passphrase cannot be used.",
    cross: Some(hdi_cross),
    build: hdi_build,
};

fn vm_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.Compute", &["virtualMachines"])
}

fn hdi_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.HDInsight", &["clusters"])
}

fn vm_cross(values: &Values, _: &Ctx<'_>) -> Vec<Problem> {
    ssh_cross(values, "the VM")
}

fn hdi_cross(values: &Values, _: &Ctx<'_>) -> Vec<Problem> {
    ssh_cross(values, "the cluster")
}

/// At least one of address and resource id; exactly one of key file and password.
fn ssh_cross(values: &Values, what: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    if values.raw(ADDRESS).is_empty() && values.raw(RESOURCE_ID).is_empty() {
        out.push(Problem::new(
            ADDRESS,
            format!("give {what}'s address (FQDN or IP), its resource id, or both"),
        ));
    }
    match (
        values.raw(KEY_FILE).is_empty(),
        values.raw(PASSWORD).is_empty(),
    ) {
        (true, true) => out.push(Problem::new(
            KEY_FILE,
            "give a private key file (recommended) or a password",
        )),
        (false, false) => out.push(Problem::new(
            KEY_FILE,
            "give a private key file or a password, not both",
        )),
        _ => {}
    }
    out
}

/// What both kinds send: address, resource id, port and the administrator account (the key
/// file read here, and only here).
struct SshTarget {
    address: Option<String>,
    resource_id: Option<String>,
    port: i64,
    account: VirtualMachineSshCredentials,
}

fn ssh_target(form: &Form, values: &Values, ctx: &Ctx<'_>) -> Result<SshTarget, Problem> {
    let key_file = values.raw(KEY_FILE);
    let private_key = if key_file.is_empty() {
        None
    } else {
        let text = ctx
            .files
            .read(Path::new(key_file))
            .map_err(|m| Problem::new(KEY_FILE, m))?;
        rules::ssh_private_key(&text).map_err(|m| Problem::new(KEY_FILE, m))?;
        Some(Secret::new(text))
    };
    let password = values.secret(PASSWORD);
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok(SshTarget {
        address: some(values.raw(ADDRESS)),
        resource_id: some(values.raw(RESOURCE_ID)),
        port: number(form, values, SSH_PORT)?,
        account: VirtualMachineSshCredentials {
            username: Some(form.text(values, USERNAME).to_string()),
            password: (!password.is_empty()).then(|| Secret::new(password)),
            private_key_data: private_key,
            ..VirtualMachineSshCredentials::default()
        },
    })
}

fn request(
    form: &Form,
    values: &Values,
    ctx: &Ctx<'_>,
    properties: ComputeProperties,
    resource_id: Option<String>,
) -> ComputeRequest {
    let mut compute = Compute::new(properties);
    compute.resource_id = resource_id;
    super::request(form, values, ctx, compute)
}

fn vm_build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let t = ssh_target(&VIRTUAL_MACHINE, values, ctx)?;
    let props = VirtualMachineProperties {
        ssh_port: Some(t.port),
        address: t.address,
        administrator_account: Some(t.account),
        ..VirtualMachineProperties::default()
    };
    Ok(request(
        &VIRTUAL_MACHINE,
        values,
        ctx,
        ComputeProperties::VirtualMachine(props),
        t.resource_id,
    ))
}

fn hdi_build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let t = ssh_target(&HDINSIGHT, values, ctx)?;
    let props = HdInsightProperties {
        ssh_port: Some(t.port),
        address: t.address,
        administrator_account: Some(t.account),
        ..HdInsightProperties::default()
    };
    Ok(request(
        &HDINSIGHT,
        values,
        ctx,
        ComputeProperties::HdInsight(props),
        t.resource_id,
    ))
}
