//! Every create and attach form, as data, and the fields they share (name, description,
//! location, identity, tags). One module per kind; [`form`] finds a form by id, [`for_tab`]
//! lists what `n` offers on a compute tab, [`by_yaml_type`] what an az ml YAML `type` selects.
//! Forms hold no state and do no I/O (files are read through the [`Ctx`]'s source).

pub mod aks;
pub mod attach;
pub mod attach_ssh;
pub mod cluster;
pub mod instance;

use super::engine::{
    Choice, ComputeRequest, Cond, Ctx, Field, FieldKind, Form, FormId, Problem, Values,
};
use crate::app::TabId;
use crate::azure::models::ManagedServiceIdentityType;
use crate::azure::models::{Compute, ComputeResource};
use crate::azure::models::{ManagedServiceIdentity, UserAssignedIdentity};
use std::collections::BTreeMap;

/// Every form, in the order the `n` menu lists them.
pub fn all() -> &'static [&'static Form] {
    static ALL: &[&Form] = &[
        &instance::FORM,
        &cluster::FORM,
        &aks::NEW,
        &aks::ATTACH,
        &attach::KUBERNETES,
        &attach_ssh::VIRTUAL_MACHINE,
        &attach_ssh::HDINSIGHT,
        &attach::DATABRICKS,
        &attach::DATA_LAKE_ANALYTICS,
        &attach::SYNAPSE_SPARK,
        &attach::DATA_FACTORY,
        &attach::AZURE_BATCH,
    ];
    ALL
}

pub fn form(id: FormId) -> Option<&'static Form> {
    all().iter().copied().find(|f| f.id == id)
}

/// What `n` offers on `tab` (empty on Jobs).
pub fn for_tab(tab: TabId) -> Vec<&'static Form> {
    let ids: &[FormId] = match tab {
        TabId::Instances => &[FormId::ComputeInstance],
        TabId::Clusters => &[FormId::ComputeCluster],
        TabId::Kubernetes => &[FormId::AksNew, FormId::AksAttach, FormId::Kubernetes],
        TabId::Attached => &[
            FormId::VirtualMachine,
            FormId::HdInsight,
            FormId::Databricks,
            FormId::DataLakeAnalytics,
            FormId::SynapseSpark,
            FormId::DataFactory,
            FormId::AzureBatch,
        ],
        TabId::Jobs => &[],
    };
    ids.iter().filter_map(|id| form(*id)).collect()
}

/// The form an az ml compute YAML `type` selects (any case); `attach` tells `create` from
/// `attach` for types that have both.
pub fn by_yaml_type(ty: &str, attach: bool) -> Option<&'static Form> {
    let mut hits = all()
        .iter()
        .copied()
        .filter(|f| f.yaml_types.iter().any(|t| t.eq_ignore_ascii_case(ty)));
    let first = hits.next()?;
    if first.attach == attach {
        return Some(first);
    }
    hits.find(|f| f.attach == attach).or(Some(first))
}

// ---- fields shared by several forms -------------------------------------------------------

pub const NAME_3_24: Field = Field {
    required: true,
    check: Some(super::rules::name_3_24),
    ..Field::text(
        "name",
        "Name",
        "3–24 characters: a letter first, then letters, digits and '-' (each '-' followed by a letter later)",
    )
};

pub const NAME_2_16: Field = Field {
    required: true,
    check: Some(super::rules::name_2_16),
    ..Field::text(
        "name",
        "Name",
        "2–16 characters: a letter first, then letters, digits and '-' (each '-' followed by a letter later)",
    )
};

pub const DESCRIPTION: Field = Field::text(
    "description",
    "Description",
    "Free text shown with the compute",
);

pub const LOCATION: Field = Field::text(
    "location",
    "Location",
    "Azure region; empty for the workspace's region",
);

pub const IDENTITY_TYPES: &[Choice] = &[
    Choice {
        value: "none",
        label: "None",
    },
    Choice {
        value: "system_assigned",
        label: "System-assigned",
    },
    Choice {
        value: "user_assigned",
        label: "User-assigned",
    },
    Choice {
        value: "system_assigned,user_assigned",
        label: "Both",
    },
];

pub const IDENTITY_TYPE: Field = Field {
    kind: FieldKind::Choice(IDENTITY_TYPES),
    default: "none",
    ..Field::text(
        "identity.type",
        "Managed identity",
        "An identity the compute uses to reach other Azure resources",
    )
};

pub const USER_IDENTITY: &[Field] = &[Field {
    required: true,
    check: Some(user_identity_id),
    ..Field::text(
        "resource_id",
        "Identity resource id",
        "/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>",
    )
}];

pub const USER_IDENTITIES: Field = Field {
    kind: FieldKind::List {
        fields: USER_IDENTITY,
        max: 16,
    },
    required: true,
    show_if: Some(Cond {
        field: "identity.type",
        any_of: &["user_assigned", "system_assigned,user_assigned"],
    }),
    ..Field::text(
        "identity.user_assigned_identities",
        "User-assigned identities",
        "One or more user-assigned managed identities",
    )
};

fn user_identity_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    super::rules::resource_id(
        text,
        "Microsoft.ManagedIdentity",
        &["userAssignedIdentities"],
    )
}

pub const TAG_FIELDS: &[Field] = &[
    Field {
        required: true,
        ..Field::text("key", "Key", "Tag name")
    },
    Field::text("value", "Value", "Tag value"),
];

pub const TAGS: Field = Field {
    kind: FieldKind::List {
        fields: TAG_FIELDS,
        max: 50,
    },
    ..Field::text("tags", "Tags", "Key/value pairs stored with the compute")
};

/// The `identity` of the request, from `identity.type` and the user-assigned list.
pub fn identity(form: &Form, values: &Values) -> Option<ManagedServiceIdentity> {
    let ty = match form
        .text(values, "identity.type")
        .to_ascii_lowercase()
        .as_str()
    {
        "system_assigned" => ManagedServiceIdentityType::SystemAssigned,
        "user_assigned" => ManagedServiceIdentityType::UserAssigned,
        "system_assigned,user_assigned" => ManagedServiceIdentityType::SystemAssignedUserAssigned,
        _ => return None,
    };
    let mut user = BTreeMap::new();
    if !matches!(ty, ManagedServiceIdentityType::SystemAssigned) {
        for e in values.list("identity.user_assigned_identities") {
            user.insert(
                e.raw("resource_id").to_string(),
                UserAssignedIdentity::default(),
            );
        }
    }
    Some(ManagedServiceIdentity {
        type_: Some(ty),
        user_assigned_identities: user,
        ..ManagedServiceIdentity::default()
    })
}

/// The request of `form` around `compute`: the name, the description, the location (when the
/// form has a location field and it differs from the workspace's), the managed identity (when
/// the form has one) and the tags. Every form's `build` ends here.
pub fn request(
    form: &Form,
    values: &Values,
    ctx: &Ctx<'_>,
    mut compute: Compute,
) -> ComputeRequest {
    let description = values.raw("description");
    if !description.is_empty() {
        compute.description = Some(description.to_string());
    }
    let at = if form.field("location").is_some() {
        location(form, values, ctx)
    } else {
        None
    };
    let mut resource = ComputeResource::new_request(at, compute);
    if form.field("identity.type").is_some() {
        resource.identity = identity(form, values);
    }
    resource.tags = tags(values);
    ComputeRequest {
        name: values.raw("name").to_string(),
        resource,
    }
}

/// The `tags` of the request.
pub fn tags(values: &Values) -> BTreeMap<String, String> {
    values
        .list("tags")
        .iter()
        .map(|e| (e.raw("key").to_string(), e.raw("value").to_string()))
        .collect()
}

/// A `location` only when it differs from the workspace's (none is sent otherwise, as az ml).
pub fn location(form: &Form, values: &Values, ctx: &Ctx<'_>) -> Option<String> {
    let l = form.text(values, "location");
    (!l.is_empty() && !l.eq_ignore_ascii_case(ctx.location)).then(|| l.to_string())
}

/// A number field's value (checked before `build`, so a parse failure is a bug, reported).
pub fn number(form: &Form, values: &Values, id: &str) -> Result<i64, Problem> {
    let text = form.text(values, id);
    text.parse()
        .map_err(|_| Problem::new(id, format!("{text:?} is not a whole number")))
}

/// A toggle field's value.
pub fn flag(form: &Form, values: &Values, id: &str) -> bool {
    form.text(values, id).eq_ignore_ascii_case("true")
}

/// The ARM id of a subnet given as a full id, or as a name within `vnet` in the workspace's
/// resource group.
pub fn subnet_id(ctx: &Ctx<'_>, vnet: &str, subnet: &str) -> String {
    if subnet.starts_with('/') {
        subnet.to_string()
    } else {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}",
            ctx.subscription, ctx.resource_group
        )
    }
}

/// Network rule shared by instance and cluster: a subnet id alone, or a vnet name with a
/// subnet name; a subnet id must be a subnet's.
pub fn check_network(values: &Values) -> Vec<Problem> {
    let vnet = values.raw("network_settings.vnet_name");
    let subnet = values.raw("network_settings.subnet");
    let mut out = Vec::new();
    if subnet.starts_with('/') {
        if let Err(m) =
            super::rules::resource_id(subnet, "Microsoft.Network", &["virtualNetworks", "subnets"])
        {
            out.push(Problem::new("network_settings.subnet", m));
        }
    } else if !subnet.is_empty() && vnet.is_empty() {
        out.push(Problem::new(
            "network_settings.vnet_name",
            "a subnet name needs its virtual network's name (or give the subnet's full resource id)",
        ));
    } else if subnet.is_empty() && !vnet.is_empty() {
        out.push(Problem::new(
            "network_settings.subnet",
            "a virtual network needs the subnet to use",
        ));
    }
    out
}

pub const VNET: Field = Field::text(
    "network_settings.vnet_name",
    "Virtual network",
    "Name of a virtual network in the workspace's resource group (empty: no vnet)",
);

pub const SUBNET: Field = Field::text(
    "network_settings.subnet",
    "Subnet",
    "Subnet name within that virtual network, or a subnet's full resource id",
);
