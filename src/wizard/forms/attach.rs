//! Attach forms of computes identified by a resource id: Kubernetes (AKS or Arc-enabled, az ml's
//! `type: kubernetes` keys), Databricks (with its access token, a secret), Data Lake Analytics
//! (retired, said on the form), Synapse Spark pools (`type: synapsespark`), Data Factory, and
//! Azure Batch, which is listed but never sent (the current REST API has no Batch compute type).
//! Each resource id is checked for its provider and shape with `rules::resource_id`. The
//! machines reached over SSH (remote VM, HDInsight) are in `attach_ssh.rs`.

use super::{DESCRIPTION, IDENTITY_TYPE, LOCATION, NAME_3_24, TAGS, USER_IDENTITIES};
use crate::azure::models::{
    Compute, ComputeProperties, ComputeType, DatabricksProperties, KubernetesProperties, Secret,
};
use crate::wizard::engine::{ComputeRequest, Ctx, Field, FieldKind, Form, FormId, Problem, Values};
use crate::wizard::rules;

pub const RESOURCE_ID: &str = "resource_id";

/// The clusters a Kubernetes compute can be: AKS, or any cluster connected through Azure Arc.
pub const KUBERNETES_KINDS: &[(&str, &[&str])] = &[
    ("Microsoft.ContainerService", &["managedClusters"]),
    ("Microsoft.Kubernetes", &["connectedClusters"]),
];

/// The request every form here makes around `compute`: resource id, description, location
/// (when the form has one and it is not the workspace's), identity and tags.
fn request(form: &Form, values: &Values, ctx: &Ctx<'_>, mut compute: Compute) -> ComputeRequest {
    let id = values.raw(RESOURCE_ID);
    if !id.is_empty() {
        compute.resource_id = Some(id.to_string());
    }
    super::request(form, values, ctx, compute)
}

// ---- Kubernetes --------------------------------------------------------------------------

fn kubernetes_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id_any(text, KUBERNETES_KINDS)
}

const KUBERNETES_FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        required: true,
        check: Some(kubernetes_id),
        ..Field::text(
            RESOURCE_ID,
            "Cluster resource id",
            "…/providers/Microsoft.ContainerService/managedClusters/<name> (AKS) or …/Microsoft.Kubernetes/connectedClusters/<name> (Arc)",
        )
    },
    Field {
        required: true,
        default: "default",
        check: Some(rules::dns1123_field),
        ..Field::text(
            "namespace",
            "Namespace",
            "The Kubernetes namespace jobs and endpoints run in (lowercase letters, digits, '-')",
        )
    },
    LOCATION,
    TAGS,
    Field {
        step: 1,
        ..IDENTITY_TYPE
    },
    Field {
        step: 1,
        ..USER_IDENTITIES
    },
];

pub static KUBERNETES: Form = Form {
    id: FormId::Kubernetes,
    title: "Attach Kubernetes cluster",
    compute_type: "Kubernetes",
    attach: true,
    yaml_types: &["kubernetes"],
    steps: &["Cluster", "Identity"],
    fields: KUBERNETES_FIELDS,
    notice: "Attach an AKS or Azure Arc-enabled Kubernetes cluster on which the Azure ML extension is installed. Instance types are defined in the cluster (the service adds a default one).",
    cross: None,
    build: kubernetes_build,
};

fn kubernetes_build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let f = &KUBERNETES;
    // Instance types are custom resources of the cluster (az ml has no key for them): none are
    // sent, and the service reports the default one it creates.
    let props = KubernetesProperties {
        namespace: Some(f.text(values, "namespace").to_string()),
        ..KubernetesProperties::default()
    };
    let compute = Compute::new(ComputeProperties::Kubernetes(props));
    Ok(request(f, values, ctx, compute))
}

// ---- Databricks --------------------------------------------------------------------------

fn databricks_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.Databricks", &["workspaces"])
}

const DATABRICKS_FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        required: true,
        check: Some(databricks_id),
        ..Field::text(
            RESOURCE_ID,
            "Workspace resource id",
            "/subscriptions/…/resourceGroups/…/providers/Microsoft.Databricks/workspaces/<name>",
        )
    },
    Field {
        kind: FieldKind::Secret,
        required: true,
        check: Some(rules::databricks_token_field),
        ..Field::text(
            "databricks_access_token",
            "Access token",
            "A Databricks personal access token (dapi…) from User Settings › Developer › Access tokens",
        )
    },
    TAGS,
];

pub static DATABRICKS: Form = Form {
    id: FormId::Databricks,
    title: "Attach Azure Databricks",
    compute_type: "Databricks",
    attach: true,
    yaml_types: &[],
    steps: &["Workspace"],
    fields: DATABRICKS_FIELDS,
    notice: "Attach an Azure Databricks workspace for use in ML pipelines. The access token is sent once, in the request, and never shown.",
    cross: None,
    build: databricks_build,
};

fn databricks_build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let props = DatabricksProperties {
        databricks_access_token: Some(Secret::new(values.secret("databricks_access_token"))),
        ..DatabricksProperties::default()
    };
    let compute = Compute::new(ComputeProperties::Databricks(props));
    Ok(request(&DATABRICKS, values, ctx, compute))
}

// ---- Data Lake Analytics -----------------------------------------------------------------

fn data_lake_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.DataLakeAnalytics", &["accounts"])
}

const DATA_LAKE_FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        required: true,
        check: Some(data_lake_id),
        ..Field::text(
            RESOURCE_ID,
            "Account resource id",
            "/subscriptions/…/resourceGroups/…/providers/Microsoft.DataLakeAnalytics/accounts/<name>",
        )
    },
    TAGS,
];

pub static DATA_LAKE_ANALYTICS: Form = Form {
    id: FormId::DataLakeAnalytics,
    title: "Attach Data Lake Analytics",
    compute_type: "DataLakeAnalytics",
    attach: true,
    yaml_types: &[],
    steps: &["Account"],
    fields: DATA_LAKE_FIELDS,
    notice: "Azure Data Lake Analytics is retired (since 29 February 2024): the API still takes the attach, but the account runs no jobs. Move U-SQL work to Azure Synapse Analytics or Azure Databricks.",
    cross: None,
    build: data_lake_build,
};

fn data_lake_build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    // Only the account is named: the service reads the rest from it.
    let compute = Compute::of_type(ComputeType::DataLakeAnalytics);
    Ok(request(&DATA_LAKE_ANALYTICS, values, ctx, compute))
}

// ---- Synapse Spark -----------------------------------------------------------------------

fn spark_pool_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.Synapse", &["workspaces", "bigDataPools"])
}

const SYNAPSE_FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        required: true,
        check: Some(spark_pool_id),
        ..Field::text(
            RESOURCE_ID,
            "Spark pool resource id",
            "…/providers/Microsoft.Synapse/workspaces/<workspace>/bigDataPools/<pool>",
        )
    },
    TAGS,
    Field {
        step: 1,
        ..IDENTITY_TYPE
    },
    Field {
        step: 1,
        ..USER_IDENTITIES
    },
];

pub static SYNAPSE_SPARK: Form = Form {
    id: FormId::SynapseSpark,
    title: "Attach Synapse Spark pool",
    compute_type: "SynapseSpark",
    attach: true,
    yaml_types: &["synapsespark"],
    steps: &["Spark pool", "Identity"],
    fields: SYNAPSE_FIELDS,
    notice: "Attach an Apache Spark pool of an Azure Synapse workspace. A managed identity given here needs the Synapse Administrator role on that workspace.",
    cross: None,
    build: synapse_build,
};

fn synapse_build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    // The pool's size, version and scaling are read by the service from the pool itself.
    let compute = Compute::of_type(ComputeType::SynapseSpark);
    Ok(request(&SYNAPSE_SPARK, values, ctx, compute))
}

// ---- Data Factory ------------------------------------------------------------------------

fn data_factory_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.DataFactory", &["factories"])
}

const DATA_FACTORY_FIELDS: &[Field] = &[
    NAME_3_24,
    DESCRIPTION,
    Field {
        required: true,
        check: Some(data_factory_id),
        ..Field::text(
            RESOURCE_ID,
            "Data factory resource id",
            "/subscriptions/…/resourceGroups/…/providers/Microsoft.DataFactory/factories/<name>",
        )
    },
    LOCATION,
    TAGS,
];

pub static DATA_FACTORY: Form = Form {
    id: FormId::DataFactory,
    title: "Attach Data Factory",
    compute_type: "DataFactory",
    attach: true,
    yaml_types: &[],
    steps: &["Factory"],
    fields: DATA_FACTORY_FIELDS,
    notice: "Attach an Azure Data Factory, used by the data transfer steps of ML pipelines.",
    cross: None,
    build: data_factory_build,
};

/// The API also takes a Data Factory compute without a resource id (Azure's basic example
/// has none); an attach names the factory it brings in, so the form requires it.
fn data_factory_build(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let compute = Compute::of_type(ComputeType::DataFactory);
    Ok(request(&DATA_FACTORY, values, ctx, compute))
}

// ---- Azure Batch (listed, never sent) ----------------------------------------------------

/// Why an Azure Batch attach is refused, and what to use instead.
pub const BATCH_UNSUPPORTED: &str = "Azure Batch cannot be attached: the current Azure ML REST API (2025-12-01) has no Batch compute type, so nothing is sent. Use a compute cluster (AmlCompute) instead: it scales its nodes for batch and parallel jobs, and pipeline parallel jobs replace AzureBatchStep.";

fn batch_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.Batch", &["batchAccounts"])
}

const BATCH_FIELDS: &[Field] = &[
    NAME_3_24,
    Field {
        check: Some(batch_id),
        ..Field::text(
            RESOURCE_ID,
            "Batch account resource id",
            "…/providers/Microsoft.Batch/batchAccounts/<name> (what the v1 SDK attached; not accepted today)",
        )
    },
];

pub static AZURE_BATCH: Form = Form {
    id: FormId::AzureBatch,
    title: "Attach Azure Batch (not offered)",
    compute_type: "AzureBatch",
    attach: true,
    yaml_types: &[],
    steps: &["Batch account"],
    fields: BATCH_FIELDS,
    notice: BATCH_UNSUPPORTED,
    cross: Some(batch_cross),
    build: batch_build,
};

fn batch_cross(_: &Values, _: &Ctx<'_>) -> Vec<Problem> {
    vec![Problem::new("", BATCH_UNSUPPORTED)]
}

fn batch_build(_: &Values, _: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    Err(Problem::new("", BATCH_UNSUPPORTED))
}
