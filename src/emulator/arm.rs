//! ARM control-plane routes of the emulator: subscriptions, resource groups and workspaces (get,
//! list, and a minimal PUT), every compute operation of the API reference §3 (list, get,
//! create/update, patch, delete, start/stop/restart, listNodes, listKeys and the preview
//! operations), VM sizes, usages and quotas per location, and the async-operation status and
//! result URLs. Handlers validate, change the world under its lock, persist, and wake the
//! simulation; the state machines themselves live in `sim.rs`. A new compute is validated as
//! the service does (`validate_new_compute`: names, VM sizes, an attached compute's resource id
//! by provider and shape, a VM or HDInsight target's address and credentials, a Databricks
//! token, a production AKS cluster's 12 vCPUs), with the wizard's pure rules where they apply.

use super::catalog;
use super::http::{
    ApiError, ApiResult, OpRoute, Query, api_version, enc, json, lro_headers, parse_body,
    query_param, retry_headers, with_headers,
};
use super::model::{
    self, Action, COMPUTE_TYPE, Compute, EMULATOR_OID, EMULATOR_USER, NodeState, OpKind, Operation,
    PROVIDER, Pending, TENANT_ID, WORKSPACE_TYPE, Workspace, World, get, get_str, iso, now_ms,
    parse_duration_ms, set, system_data, take, ws_id, ws_key,
};
use super::runner;
use super::shared::Sh;
use super::sim::{self, Effect};
use crate::azure::models::names::{validate_compute_name_for, validate_workspace_name};
use crate::wizard::forms::attach::KUBERNETES_KINDS;
use crate::wizard::rules;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const COMPUTE_PAGE: usize = 50;

/// Compute types the emulator knows, and whether they are attached (brought in) rather than created.
const KNOWN_TYPES: &[(&str, bool)] = &[
    ("ComputeInstance", false),
    ("AmlCompute", false),
    ("AKS", false),
    ("Kubernetes", true),
    ("VirtualMachine", true),
    ("HDInsight", true),
    ("Databricks", true),
    ("DataLakeAnalytics", true),
    ("SynapseSpark", true),
    ("DataFactory", true),
];

pub(crate) async fn save(sh: &Sh) -> Result<(), ApiError> {
    sh.persist().await.map_err(|e| {
        tracing::error!("emulator: could not save state: {e}");
        ApiError::internal("The emulator could not save its state.")
    })
}

/// The 404 for a workspace that does not exist, in ARM's words.
pub(crate) fn ws_missing(world: &World, sub: &str, rg: &str, ws: &str) -> ApiError {
    let in_sub = world
        .workspaces
        .values()
        .any(|w| w.subscription.eq_ignore_ascii_case(sub));
    let in_rg = world.workspaces.values().any(|w| {
        w.subscription.eq_ignore_ascii_case(sub) && w.resource_group.eq_ignore_ascii_case(rg)
    });
    if !in_sub {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        )
    } else if !in_rg {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        )
    } else {
        ApiError::not_found(format!(
            "The Resource '{PROVIDER}/workspaces/{ws}' under resource group '{rg}' was not found."
        ))
    }
}

pub(crate) fn workspace<'a>(
    world: &'a World,
    sub: &str,
    rg: &str,
    ws: &str,
) -> Result<&'a Workspace, ApiError> {
    world
        .workspaces
        .get(&ws_key(sub, rg, ws))
        .ok_or_else(|| ws_missing(world, sub, rg, ws))
}

fn compute_missing(name: &str, ws: &str) -> ApiError {
    ApiError::not_found(format!(
        "The Resource '{PROVIDER}/workspaces/{ws}/computes/{name}' was not found."
    ))
}

// ---------------------------------------------------------------- subscriptions & workspaces

pub async fn list_subscriptions(State(sh): State<Sh>) -> ApiResult {
    let world = sh.lock();
    let mut subs: Vec<String> = world
        .workspaces
        .values()
        .map(|w| w.subscription.clone())
        .collect();
    subs.sort_by_key(|s| s.to_ascii_lowercase());
    subs.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let value: Vec<Value> = subs
        .iter()
        .map(|s| {
            json!({
                "id": format!("/subscriptions/{s}"),
                "subscriptionId": s,
                "tenantId": TENANT_ID,
                "displayName": "amlc emulator subscription",
                "state": "Enabled",
                "authorizationSource": "RoleBased",
            })
        })
        .collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

pub async fn list_resource_groups(State(sh): State<Sh>, Path(sub): Path<String>) -> ApiResult {
    let world = sh.lock();
    let mut seen: Vec<(String, String)> = Vec::new();
    for w in world.workspaces.values() {
        if w.subscription.eq_ignore_ascii_case(&sub)
            && !seen
                .iter()
                .any(|(rg, _)| rg.eq_ignore_ascii_case(&w.resource_group))
        {
            seen.push((w.resource_group.clone(), w.location.clone()));
        }
    }
    let value: Vec<Value> = seen
        .iter()
        .map(|(rg, loc)| {
            json!({
                "id": format!("/subscriptions/{sub}/resourceGroups/{rg}"),
                "name": rg,
                "type": "Microsoft.Resources/resourceGroups",
                "location": loc,
                "properties": {"provisioningState": "Succeeded"},
            })
        })
        .collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

pub(crate) fn render_workspace(sh: &Sh, ws: &Workspace) -> Value {
    let mut v = ws.body.clone();
    set(
        &mut v,
        &["properties", "discoveryUrl"],
        json!(sh.abs("discovery")),
    );
    let host = sh.base.host_str().unwrap_or("127.0.0.1");
    let port = sh.base.port_or_known_default().unwrap_or(80);
    set(
        &mut v,
        &["properties", "mlFlowTrackingUri"],
        json!(format!(
            "azureml://{host}:{port}/mlflow/v1.0{}",
            ws_id(&ws.subscription, &ws.resource_group, &ws.name)
        )),
    );
    v
}

pub async fn list_workspaces_in_sub(State(sh): State<Sh>, Path(sub): Path<String>) -> ApiResult {
    let world = sh.lock();
    let value: Vec<Value> = world
        .workspaces
        .values()
        .filter(|w| w.subscription.eq_ignore_ascii_case(&sub))
        .map(|w| render_workspace(&sh, w))
        .collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

pub async fn list_workspaces_in_rg(
    State(sh): State<Sh>,
    Path((sub, rg)): Path<(String, String)>,
) -> ApiResult {
    let world = sh.lock();
    let value: Vec<Value> = world
        .workspaces
        .values()
        .filter(|w| {
            w.subscription.eq_ignore_ascii_case(&sub) && w.resource_group.eq_ignore_ascii_case(&rg)
        })
        .map(|w| render_workspace(&sh, w))
        .collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

pub async fn get_workspace(
    State(sh): State<Sh>,
    Path((sub, rg, ws)): Path<(String, String, String)>,
) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    Ok(json(StatusCode::OK, render_workspace(&sh, w)))
}

/// Builds a new workspace resource (used by PUT and by the demo seeding).
pub(crate) fn new_workspace(
    sub: &str,
    rg: &str,
    name: &str,
    location: &str,
    req: &Value,
    now: i64,
) -> Workspace {
    let id = ws_id(sub, rg, name);
    let workspace_id = uuid::Uuid::new_v4().to_string();
    let props = req.get("properties").cloned().unwrap_or(json!({}));
    let short = name.to_ascii_lowercase().replace(['-', '_'], "");
    let short: String = short.chars().take(12).collect();
    let suffix = format!("{:08x}", model::stable_hash(&id) & 0xffff_ffff);
    let arm = |provider: &str, kind: &str, res: &str| {
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{kind}/{res}")
    };
    let body = json!({
        "id": id,
        "name": name,
        "type": WORKSPACE_TYPE,
        "location": location,
        "kind": req.get("kind").cloned().unwrap_or(json!("Default")),
        "tags": req.get("tags").cloned().unwrap_or(json!({})),
        "sku": req.get("sku").cloned().unwrap_or(json!({"name": "Basic", "tier": "Basic"})),
        "identity": {
            "type": "SystemAssigned",
            "principalId": uuid::Uuid::new_v4().to_string(),
            "tenantId": TENANT_ID,
        },
        "systemData": system_data(now, now),
        "properties": {
            "friendlyName": props.get("friendlyName").cloned().unwrap_or(json!(name)),
            "description": props.get("description").cloned().unwrap_or(json!("")),
            "workspaceId": workspace_id,
            "provisioningState": "Succeeded",
            "tenantId": TENANT_ID,
            "storageAccount": arm("Microsoft.Storage", "storageAccounts", &format!("{short}{suffix}")),
            "keyVault": arm("Microsoft.KeyVault", "vaults", &format!("kv{short}{suffix}")),
            "applicationInsights": arm("Microsoft.Insights", "components", &format!("ai{short}{suffix}")),
            "containerRegistry": arm("Microsoft.ContainerRegistry", "registries", &format!("cr{short}{suffix}")),
            "hbiWorkspace": false,
            "v1LegacyMode": false,
            "publicNetworkAccess": "Enabled",
            "allowPublicAccessWhenBehindVnet": false,
            "imageBuildCompute": null,
            "privateLinkCount": 0,
            "privateEndpointConnections": [],
            "managedNetwork": {"isolationMode": "Disabled", "status": {"status": "Inactive", "sparkReady": false}},
            "serviceProvisionedResourceGroup": format!("{name}_{suffix}"),
        },
    });
    Workspace {
        subscription: sub.to_string(),
        resource_group: rg.to_string(),
        name: name.to_string(),
        location: location.to_string(),
        workspace_id,
        body,
        ..Workspace::default()
    }
}

pub async fn put_workspace(
    State(sh): State<Sh>,
    Path((sub, rg, ws)): Path<(String, String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    validate_workspace_name(&ws)
        .map_err(|m| ApiError::bad_request("InvalidResourceName", m).target("workspaceName"))?;
    let now = now_ms();
    let (status, body) = {
        let mut world = sh.lock();
        let key = ws_key(&sub, &rg, &ws);
        if let Some(existing) = world.workspaces.get_mut(&key) {
            if let Some(tags) = req.get("tags") {
                set(&mut existing.body, &["tags"], tags.clone());
            }
            for field in ["friendlyName", "description"] {
                if let Some(v) = get(&req, &["properties", field]) {
                    set(&mut existing.body, &["properties", field], v.clone());
                }
            }
            set(
                &mut existing.body,
                &["systemData", "lastModifiedAt"],
                json!(iso(now)),
            );
            (StatusCode::OK, render_workspace(&sh, existing))
        } else {
            let location = req
                .get("location")
                .and_then(Value::as_str)
                .filter(|l| !l.trim().is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "LocationRequired",
                        "The location property is required for this definition.",
                    )
                })?
                .to_string();
            let w = new_workspace(&sub, &rg, &ws, &location, &req, now);
            let body = render_workspace(&sh, &w);
            world.workspaces.insert(key, w);
            (StatusCode::CREATED, body)
        }
    };
    save(&sh).await?;
    Ok(json(status, body))
}

// ---------------------------------------------------------------- computes

pub async fn list_computes(
    State(sh): State<Sh>,
    Path((sub, rg, ws)): Path<(String, String, String)>,
    Q(q): Q<Query>,
) -> ApiResult {
    let skip: usize = query_param(&q, "$skip")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let value: Vec<Value> = w
        .computes
        .values()
        .skip(skip)
        .take(COMPUTE_PAGE)
        .map(|c| c.body.clone())
        .collect();
    let mut body = json!({ "value": value });
    if skip.saturating_add(COMPUTE_PAGE) < w.computes.len() {
        body["nextLink"] = json!(sh.abs(&format!(
            "{}/computes?api-version={}&$skip={}",
            ws_id(&sub, &rg, &ws).trim_start_matches('/'),
            enc(&api_version(&q)),
            skip.saturating_add(COMPUTE_PAGE)
        )));
    }
    Ok(json(StatusCode::OK, body))
}

pub async fn get_compute(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let c = w
        .computes
        .get(&name.to_ascii_lowercase())
        .ok_or_else(|| compute_missing(&name, &ws))?;
    Ok(json(StatusCode::OK, c.body.clone()))
}

pub(crate) fn new_op(
    world: &mut World,
    wskey: &str,
    sub: &str,
    location: &str,
    kind: OpKind,
    resource: &str,
    now: i64,
) -> Operation {
    let op = Operation {
        id: uuid::Uuid::new_v4().to_string(),
        subscription: sub.to_string(),
        location: location.to_string(),
        status: "InProgress".to_string(),
        start_ms: now,
        end_ms: None,
        error: None,
        ws_key: wskey.to_string(),
        kind,
        resource: resource.to_string(),
    };
    world.operations.insert(op.id.clone(), op.clone());
    op
}

fn invalid_size(name: &str, ctype: &str) -> ApiError {
    let supported: Vec<&str> = catalog::SIZES
        .iter()
        .filter(|s| s.compute_types.contains(&ctype))
        .map(|s| s.name)
        .collect();
    ApiError::bad_request(
        "InvalidPropertyValue",
        format!(
            "The specified value {name} for property Properties.VMSize is not a supported VM size for {ctype}. See additional details for supported VM sizes."
        ),
    )
    .target("vmSize")
    .detail(model::err("SupportedVMSizes", supported.join(",")))
}

/// The longest `nodeIdleTimeBeforeScaleDown` accepted (longer would only overflow deadlines).
const MAX_NODE_IDLE_MS: i64 = 30 * 24 * 3_600_000;

fn validate_idle_shutdown(v: &str) -> Result<(), ApiError> {
    let ms = parse_duration_ms(v).ok_or_else(|| {
        ApiError::bad_request(
            "InvalidPropertyValue",
            format!("idleTimeBeforeShutdown {v:?} is not an ISO-8601 duration such as PT30M."),
        )
    })?;
    if !(15 * 60_000..=3 * 24 * 3_600_000).contains(&ms) {
        return Err(ApiError::bad_request(
            "InvalidPropertyValue",
            format!("idleTimeBeforeShutdown {v} must be between 15 minutes and 3 days."),
        )
        .target("idleTimeBeforeShutdown"));
    }
    Ok(())
}

fn scale_settings(req: Option<&Value>, old: Option<&Value>) -> Result<Value, ApiError> {
    let pick = |k: &str| {
        req.and_then(|r| r.get(k))
            .or_else(|| old.and_then(|o| o.get(k)))
            .cloned()
    };
    let max = pick("maxNodeCount").unwrap_or(json!(1));
    let min = pick("minNodeCount").unwrap_or(json!(0));
    let idle = pick("nodeIdleTimeBeforeScaleDown").unwrap_or(json!("PT120S"));
    let (Some(maxn), Some(minn)) = (max.as_u64(), min.as_u64()) else {
        return Err(ApiError::bad_request(
            "InvalidPropertyValue",
            "scaleSettings.minNodeCount and maxNodeCount must be non-negative integers.",
        )
        .target("scaleSettings"));
    };
    if minn > maxn || maxn > 1000 {
        return Err(ApiError::bad_request(
            "InvalidPropertyValue",
            format!("scaleSettings: minNodeCount ({minn}) must not exceed maxNodeCount ({maxn}), which must be at most 1000."),
        )
        .target("scaleSettings"));
    }
    if let Some(s) = idle.as_str() {
        match parse_duration_ms(s) {
            None => {
                return Err(ApiError::bad_request(
                    "InvalidPropertyValue",
                    format!("nodeIdleTimeBeforeScaleDown {s:?} is not an ISO-8601 duration."),
                )
                .target("scaleSettings"));
            }
            Some(ms) if ms > MAX_NODE_IDLE_MS => {
                return Err(ApiError::bad_request(
                    "InvalidPropertyValue",
                    format!("nodeIdleTimeBeforeScaleDown {s} must be at most 30 days."),
                )
                .target("scaleSettings"));
            }
            Some(_) => {}
        }
    }
    Ok(json!({"maxNodeCount": maxn, "minNodeCount": minn, "nodeIdleTimeBeforeScaleDown": idle}))
}

/// Moves secret properties out of a compute body into a separate value served by listKeys.
fn split_secrets(ctype: &str, body: &mut Value) -> Value {
    let mut secrets = json!({});
    let paths: &[&[&str]] = match ctype {
        "AmlCompute" => &[
            &["userAccountCredentials", "adminUserPassword"],
            &["userAccountCredentials", "adminUserSshPublicKey"],
        ],
        "VirtualMachine" | "HDInsight" => &[
            &["administratorAccount", "password"],
            &["administratorAccount", "privateKeyData"],
        ],
        "Databricks" => &[&["databricksAccessToken"]],
        "Kubernetes" => &[&["relayConnectionString"], &["serviceBusConnectionString"]],
        _ => &[],
    };
    for path in paths {
        let mut full = vec!["properties", "properties"];
        full.extend_from_slice(path);
        if let Some(v) = take(body, &full) {
            set(&mut secrets, path, v);
        }
    }
    if ctype == "Kubernetes" {
        set(
            body,
            &["properties", "properties", "relayConnectionString"],
            Value::Null,
        );
        set(
            body,
            &["properties", "properties", "serviceBusConnectionString"],
            Value::Null,
        );
    }
    secrets
}

/// Resource kinds as (provider, resource type path), as `rules::resource_id_any` takes them.
type ResourceKinds = &'static [(&'static str, &'static [&'static str])];

/// The resources a compute of `ctype` may attach, and whether a resource id is required. AKS
/// takes one only when attaching an existing cluster.
fn attach_kinds(ctype: &str) -> Option<(ResourceKinds, bool)> {
    Some(match ctype {
        "Kubernetes" => (KUBERNETES_KINDS, true),
        "AKS" => (
            &[("Microsoft.ContainerService", &["managedClusters"])],
            false,
        ),
        "VirtualMachine" => (&[("Microsoft.Compute", &["virtualMachines"])], false),
        "HDInsight" => (&[("Microsoft.HDInsight", &["clusters"])], false),
        "Databricks" => (&[("Microsoft.Databricks", &["workspaces"])], true),
        "DataLakeAnalytics" => (&[("Microsoft.DataLakeAnalytics", &["accounts"])], true),
        "SynapseSpark" => (
            &[("Microsoft.Synapse", &["workspaces", "bigDataPools"])],
            true,
        ),
        "DataFactory" => (&[("Microsoft.DataFactory", &["factories"])], false),
        _ => return None,
    })
}

fn invalid(target: &str, message: String) -> ApiError {
    ApiError::bad_request("InvalidPropertyValue", message).target(target)
}

/// The service's checks of a new compute's body (beyond the name and, for instances and
/// clusters, the VM size, checked elsewhere): the resource id of an attached compute (present
/// when required, of the right provider and shape); a VM or HDInsight target's address or
/// resource id, SSH port and credentials; a Databricks token; a Kubernetes namespace; and for a
/// new AKS cluster a known agent size and, for a production purpose, at least 12 vCPUs
/// (agentCount × the size's vCPUs: the seed's rule; DevTest clusters may be smaller).
pub(crate) fn validate_new_compute(ctype: &str, req: &Value) -> Result<(), ApiError> {
    let empty = json!({});
    let inner = get(req, &["properties", "properties"])
        .filter(|v| !v.is_null())
        .unwrap_or(&empty);
    if !inner.is_object() {
        return Err(invalid(
            "properties.properties",
            format!("properties.properties of a {ctype} compute must be an object."),
        ));
    }
    let rid = match get(req, &["properties", "resourceId"]) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        Some(_) => {
            return Err(invalid(
                "resourceId",
                "properties.resourceId must be the ARM id of a resource, as a string.".into(),
            ));
        }
    };
    if let Some((kinds, required)) = attach_kinds(ctype) {
        let shapes = || {
            kinds
                .iter()
                .map(|(p, t)| format!("{p}/{}", t.join("/")))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        match rid {
            None if required => {
                return Err(invalid(
                    "resourceId",
                    format!(
                        "properties.resourceId is required to attach a {ctype} compute: the ARM id of the {} to attach.",
                        shapes()
                    ),
                ));
            }
            None => {}
            Some(id) => rules::resource_id_any(id, kinds).map_err(|m| {
                invalid(
                    "resourceId",
                    format!("properties.resourceId is not valid for a {ctype} compute: {m}."),
                )
            })?,
        }
    }
    let text = |path: &[&str]| {
        get_str(inner, path)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    match ctype {
        "VirtualMachine" | "HDInsight" => {
            let address = text(&["address"]);
            if address.is_none() && rid.is_none() {
                return Err(invalid(
                    "address",
                    format!(
                        "A {ctype} compute needs properties.properties.address (FQDN or IP address) or properties.resourceId."
                    ),
                ));
            }
            if let Some(a) = address {
                rules::host(a).map_err(|m| {
                    invalid("address", format!("properties.properties.address: {m}."))
                })?;
            }
            if let Some(port) = get(inner, &["sshPort"]).filter(|v| !v.is_null())
                && !port.as_u64().is_some_and(|p| (1..=65535).contains(&p))
            {
                return Err(invalid(
                    "sshPort",
                    format!(
                        "properties.properties.sshPort must be a port number from 1 to 65535 (it is {port})."
                    ),
                ));
            }
            if text(&["administratorAccount", "username"]).is_none() {
                return Err(invalid(
                    "administratorAccount",
                    format!(
                        "A {ctype} compute needs properties.properties.administratorAccount.username: the SSH user Azure ML logs in as."
                    ),
                ));
            }
            if text(&["administratorAccount", "password"]).is_none()
                && text(&["administratorAccount", "privateKeyData"]).is_none()
            {
                return Err(invalid(
                    "administratorAccount",
                    format!(
                        "A {ctype} compute needs credentials: properties.properties.administratorAccount.privateKeyData (an SSH private key) or .password."
                    ),
                ));
            }
        }
        "Databricks" if text(&["databricksAccessToken"]).is_none() => {
            return Err(invalid(
                "databricksAccessToken",
                "A Databricks compute needs properties.properties.databricksAccessToken: an access token of the workspace.".into(),
            ));
        }
        "Kubernetes" => {
            if let Some(ns) = text(&["namespace"]) {
                rules::dns1123_label(ns).map_err(|m| {
                    invalid(
                        "namespace",
                        format!(
                            "properties.properties.namespace is not a Kubernetes namespace: {m}."
                        ),
                    )
                })?;
            }
        }
        "AKS" if rid.is_none() => validate_new_aks(inner)?,
        _ => {}
    }
    Ok(())
}

/// The smallest production AKS cluster: agentCount × vCPUs of agentVmSize (seed 001).
pub(crate) const AKS_MIN_PRODUCTION_VCPUS: i64 = 12;

fn validate_new_aks(inner: &Value) -> Result<(), ApiError> {
    let purpose = match get(inner, &["clusterPurpose"]) {
        None | Some(Value::Null) => "FastProd",
        Some(Value::String(p)) => ["FastProd", "DenseProd", "DevTest"]
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(p))
            .ok_or_else(|| {
                invalid(
                    "clusterPurpose",
                    format!("clusterPurpose {p:?} is not one of FastProd, DenseProd, DevTest."),
                )
            })?,
        Some(other) => {
            return Err(invalid(
                "clusterPurpose",
                format!("clusterPurpose must be FastProd, DenseProd or DevTest (it is {other})."),
            ));
        }
    };
    let size_name = get_str(inner, &["agentVmSize"]).unwrap_or("Standard_D3_v2");
    let size = catalog::find_size(size_name).ok_or_else(|| {
        invalid(
            "agentVmSize",
            format!("The specified value {size_name} for property agentVmSize is not a supported VM size."),
        )
    })?;
    let count = match get(inner, &["agentCount"]) {
        None | Some(Value::Null) => 3,
        Some(v) => v
            .as_i64()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                invalid(
                    "agentCount",
                    format!("agentCount must be a whole number from 1 to 100 (it is {v})."),
                )
            })?,
    };
    let vcpus = count * i64::from(size.vcpus);
    if purpose != "DevTest" && vcpus < AKS_MIN_PRODUCTION_VCPUS {
        return Err(invalid(
            "agentCount",
            format!(
                "A production AKS cluster (clusterPurpose {purpose}) needs at least {AKS_MIN_PRODUCTION_VCPUS} vCPUs: agentCount {count} × {} vCPUs of {} = {vcpus}. Raise agentCount, pick a larger agentVmSize, or use clusterPurpose DevTest.",
                size.vcpus, size.name
            ),
        ));
    }
    Ok(())
}

/// Fills the defaults and read-only fields of a new compute of `ctype`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_compute(
    sub: &str,
    rg: &str,
    ws: &str,
    name: &str,
    ctype: &str,
    location: &str,
    req: &Value,
    now: i64,
) -> Result<Compute, ApiError> {
    let attached_default = KNOWN_TYPES
        .iter()
        .find(|(t, _)| *t == ctype)
        .map(|(_, a)| *a)
        .unwrap_or(true);
    let rp = req.get("properties").cloned().unwrap_or(json!({}));
    let mut inner = rp.get("properties").cloned().unwrap_or(json!({}));
    if !inner.is_object() {
        inner = json!({});
    }
    let resource_id = rp.get("resourceId").cloned().unwrap_or(Value::Null);
    let attached = attached_default || (ctype == "AKS" && !resource_id.is_null());
    let hash = format!(
        "{:05x}",
        model::stable_hash(&format!("{sub}/{rg}/{ws}/{name}")) & 0xfffff
    );
    let mut resource_id = resource_id;
    let fill = |inner: &mut Value, key: &str, v: Value| {
        if inner.get(key).is_none_or(Value::is_null) {
            set(inner, &[key], v);
        }
    };
    match ctype {
        "ComputeInstance" | "AmlCompute" => {
            let size = get_str(&inner, &["vmSize"])
                .unwrap_or(catalog::DEFAULT_VM_SIZE)
                .to_string();
            let known = catalog::find_size(&size).ok_or_else(|| invalid_size(&size, ctype))?;
            if !known.compute_types.contains(&ctype) {
                return Err(invalid_size(&size, ctype));
            }
            set(&mut inner, &["vmSize"], json!(size));
        }
        _ => {}
    }
    match ctype {
        "ComputeInstance" => {
            if let Some(idle) = get_str(&inner, &["idleTimeBeforeShutdown"]) {
                validate_idle_shutdown(idle)?;
            }
            fill(&mut inner, "applicationSharingPolicy", json!("Shared"));
            let ssh_access = get_str(&inner, &["sshSettings", "sshPublicAccess"])
                .unwrap_or("Disabled")
                .to_string();
            set(
                &mut inner,
                &["sshSettings", "sshPublicAccess"],
                json!(ssh_access),
            );
            set(
                &mut inner,
                &["sshSettings", "adminUserName"],
                json!("azureuser"),
            );
            set(&mut inner, &["sshSettings", "sshPort"], json!(50000));
            set(
                &mut inner,
                &["connectivityEndpoints"],
                json!({"publicIpAddress": null, "privateIpAddress": null}),
            );
            set(&mut inner, &["applications"], json!([]));
            set(
                &mut inner,
                &["createdBy"],
                json!({"userName": EMULATOR_USER, "userOrgId": TENANT_ID, "userId": EMULATOR_OID}),
            );
            set(&mut inner, &["errors"], Value::Null);
            set(&mut inner, &["state"], json!("Creating"));
            fill(
                &mut inner,
                "computeInstanceAuthorizationType",
                json!("personal"),
            );
            fill(
                &mut inner,
                "personalComputeInstanceSettings",
                json!({"assignedUser": {"objectId": EMULATOR_OID, "tenantId": TENANT_ID}}),
            );
            fill(&mut inner, "schedules", json!({"computeStartStop": []}));
            fill(&mut inner, "enableNodePublicIp", json!(true));
            fill(&mut inner, "subnet", Value::Null);
            set(
                &mut inner,
                &["osImageMetadata"],
                json!({"currentImageVersion": "25.04.07", "latestImageVersion": "25.04.07", "isLatestOsImageVersion": true}),
            );
            fill(&mut inner, "dataMounts", json!([]));
            fill(&mut inner, "dataDisks", json!([]));
            set(&mut inner, &["versions"], json!({"runtime": "2.4.0"}));
            set(
                &mut inner,
                &["lastOperation"],
                json!({"operationName": "Create", "operationTime": iso(now), "operationStatus": "InProgress", "operationTrigger": "User"}),
            );
        }
        "AmlCompute" => {
            let scale = scale_settings(inner.get("scaleSettings"), None)?;
            set(&mut inner, &["scaleSettings"], scale);
            fill(&mut inner, "vmPriority", json!("Dedicated"));
            fill(&mut inner, "osType", json!("Linux"));
            fill(&mut inner, "virtualMachineImage", Value::Null);
            fill(&mut inner, "isolatedNetwork", json!(false));
            fill(&mut inner, "subnet", Value::Null);
            fill(&mut inner, "enableNodePublicIp", json!(true));
            if get_str(&inner, &["remoteLoginPortPublicAccess"]).is_none_or(|v| v == "NotSpecified")
            {
                set(
                    &mut inner,
                    &["remoteLoginPortPublicAccess"],
                    json!("Enabled"),
                );
            }
            set(&mut inner, &["allocationState"], json!("Steady"));
            set(
                &mut inner,
                &["allocationStateTransitionTime"],
                json!(iso(now)),
            );
            set(&mut inner, &["errors"], Value::Null);
            set(&mut inner, &["currentNodeCount"], json!(0));
            set(&mut inner, &["targetNodeCount"], json!(0));
        }
        "AKS" => {
            fill(&mut inner, "agentCount", json!(3));
            fill(&mut inner, "agentVmSize", json!("Standard_D3_v2"));
            fill(&mut inner, "clusterPurpose", json!("FastProd"));
            fill(&mut inner, "loadBalancerType", json!("PublicIp"));
            fill(
                &mut inner,
                "sslConfiguration",
                json!({"status": "Disabled"}),
            );
            fill(
                &mut inner,
                "clusterFqdn",
                json!(format!(
                    "{}-{hash}.hcp.{location}.azmk8s.io",
                    name.to_ascii_lowercase()
                )),
            );
            set(&mut inner, &["systemServices"], json!([]));
            if resource_id.is_null() {
                resource_id = json!(format!(
                    "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}{hash}"
                ));
            }
        }
        "Kubernetes" => {
            fill(&mut inner, "namespace", json!("default"));
            fill(&mut inner, "extensionInstanceReleaseTrain", json!("stable"));
            fill(&mut inner, "extensionPrincipalId", Value::Null);
            fill(&mut inner, "vcName", Value::Null);
            fill(
                &mut inner,
                "defaultInstanceType",
                json!("defaultinstancetype"),
            );
            fill(
                &mut inner,
                "instanceTypes",
                json!({"defaultinstancetype": {"nodeSelector": null, "resources": {
                    "requests": {"cpu": "1", "memory": "4Gi", "nvidia.com/gpu": null},
                    "limits": {"cpu": "1", "memory": "4Gi", "nvidia.com/gpu": null}}}}),
            );
        }
        "VirtualMachine" => {
            fill(&mut inner, "virtualMachineSize", json!("Standard_DS3_v2"));
            fill(&mut inner, "sshPort", json!(22));
            fill(&mut inner, "isNotebookInstanceCompute", json!(false));
        }
        "HDInsight" => {
            fill(&mut inner, "sshPort", json!(22));
        }
        "SynapseSpark" => {
            // The service reads the pool it attaches: where it is, its size and scaling.
            let parts: Vec<String> = resource_id
                .as_str()
                .unwrap_or("")
                .split('/')
                .map(str::to_string)
                .collect();
            if parts.len() == 11 {
                fill(&mut inner, "subscriptionId", json!(parts[2]));
                fill(&mut inner, "resourceGroup", json!(parts[4]));
                fill(&mut inner, "workspaceName", json!(parts[8]));
                fill(&mut inner, "poolName", json!(parts[10]));
            }
            fill(&mut inner, "sparkVersion", json!("3.4"));
            fill(&mut inner, "nodeSize", json!("Medium"));
            fill(&mut inner, "nodeSizeFamily", json!("MemoryOptimized"));
            fill(&mut inner, "nodeCount", json!(3));
            fill(
                &mut inner,
                "autoScaleProperties",
                json!({"minNodeCount": 3, "enabled": true, "maxNodeCount": 10}),
            );
            fill(
                &mut inner,
                "autoPauseProperties",
                json!({"delayInMinutes": 15, "enabled": true}),
            );
        }
        "Databricks" => {
            fill(
                &mut inner,
                "workspaceUrl",
                json!(format!(
                    "https://adb-{}.azuredatabricks.net",
                    model::stable_hash(name) % 10_000_000_000
                )),
            );
        }
        _ => {}
    }
    let mut body = json!({
        "id": format!("{}/computes/{name}", ws_id(sub, rg, ws)),
        "name": name,
        "type": COMPUTE_TYPE,
        "location": location,
        "systemData": system_data(now, now),
        "properties": {
            "computeType": ctype,
            "computeLocation": rp.get("computeLocation").cloned().unwrap_or(json!(location)),
            "description": rp.get("description").cloned().unwrap_or(Value::Null),
            "resourceId": resource_id,
            "provisioningState": "Creating",
            "provisioningErrors": null,
            "createdOn": iso(now),
            "modifiedOn": iso(now),
            "isAttachedCompute": attached,
            "disableLocalAuth": rp.get("disableLocalAuth").cloned().unwrap_or(json!(false)),
        },
    });
    if ctype != "DataFactory" {
        set(&mut body, &["properties", "properties"], inner);
    }
    for key in ["tags", "sku"] {
        if let Some(v) = req.get(key) {
            set(&mut body, &[key], v.clone());
        }
    }
    if let Some(identity) = req.get("identity").filter(|i| i.is_object()) {
        let mut identity = identity.clone();
        let kind = get_str(&identity, &["type"]).unwrap_or("None").to_string();
        if kind.contains("SystemAssigned") {
            set(
                &mut identity,
                &["principalId"],
                json!(uuid::Uuid::new_v4().to_string()),
            );
            set(&mut identity, &["tenantId"], json!(TENANT_ID));
        }
        if let Some(uais) = identity
            .get_mut("userAssignedIdentities")
            .and_then(Value::as_object_mut)
        {
            for v in uais.values_mut() {
                *v = json!({"principalId": uuid::Uuid::new_v4().to_string(), "clientId": uuid::Uuid::new_v4().to_string()});
            }
        }
        set(&mut body, &["identity"], identity);
    }
    let secrets = split_secrets(ctype, &mut body);
    let mut c = Compute {
        body,
        secrets,
        ..Compute::default()
    };
    if ctype == "AmlCompute" {
        c.sync_cluster_fields(now);
    }
    Ok(c)
}

fn create_delay(ctype: &str, attached: bool) -> f64 {
    match ctype {
        "ComputeInstance" => sim::CI_CREATE,
        "AmlCompute" => sim::CLUSTER_CREATE,
        "AKS" if !attached => sim::AKS_CREATE,
        _ => sim::ATTACH,
    }
}

pub async fn put_compute(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
    Q(q): Q<Query>,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    let api = api_version(&q);
    let ctype_req = get_str(&req, &["properties", "computeType"]).ok_or_else(|| {
        ApiError::bad_request("BadRequest", "properties.computeType is required.")
            .target("computeType")
    })?;
    let ctype = KNOWN_TYPES
        .iter()
        .map(|(t, _)| *t)
        .find(|t| t.eq_ignore_ascii_case(ctype_req))
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidPropertyValue",
                format!("Compute type {ctype_req:?} is not supported."),
            )
            .target("computeType")
        })?;
    validate_compute_name_for(ctype, &name)
        .map_err(|m| ApiError::bad_request("InvalidComputeName", m).target("computeName"))?;
    let now = now_ms();
    let key = name.to_ascii_lowercase();
    let (status, body, op) = {
        let mut world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let wskey = ws_key(&sub, &rg, &ws);
        if let Some(existing) = w.computes.get(&key) {
            if existing.compute_type() != ctype {
                return Err(ApiError::conflict(
                    "Conflict",
                    format!(
                        "Compute {} already exists with compute type {}; it cannot be replaced by a compute of type {ctype}.",
                        existing.name(),
                        existing.compute_type()
                    ),
                ));
            }
            if existing.pending.is_some() {
                return Err(ApiError::conflict(
                    "Conflict",
                    format!(
                        "Compute {} has an operation in progress; try again when it finishes.",
                        existing.name()
                    ),
                ));
            }
            // Update in place: the mutable fields only.
            let mut updated = existing.clone();
            let location = updated.location().to_string();
            if ctype == "AmlCompute" {
                let old = get(
                    &updated.body,
                    &["properties", "properties", "scaleSettings"],
                )
                .cloned();
                let scale = scale_settings(
                    get(&req, &["properties", "properties", "scaleSettings"]),
                    old.as_ref(),
                )?;
                updated.set_prop(&["scaleSettings"], scale);
            }
            if ctype == "ComputeInstance"
                && let Some(idle) = get_str(
                    &req,
                    &["properties", "properties", "idleTimeBeforeShutdown"],
                )
            {
                validate_idle_shutdown(idle)?;
                updated.set_prop(&["idleTimeBeforeShutdown"], json!(idle));
            }
            if let Some(d) = get(&req, &["properties", "description"]) {
                updated.set_top("description", d.clone());
            }
            if let Some(tags) = req.get("tags") {
                set(&mut updated.body, &["tags"], tags.clone());
            }
            set(
                &mut updated.body,
                &["systemData", "lastModifiedAt"],
                json!(iso(now)),
            );
            let sub_name = w.subscription.clone();
            let op = begin_update(
                &sh,
                &mut world,
                (&wskey, &sub_name, &location, &key),
                &mut updated,
                now,
            );
            let body = updated.body.clone();
            if let Some(w) = world.workspaces.get_mut(&wskey) {
                w.computes.insert(key.clone(), updated);
            }
            (StatusCode::OK, body, op)
        } else {
            let location = req
                .get("location")
                .and_then(Value::as_str)
                .filter(|l| !l.is_empty())
                .unwrap_or(&w.location)
                .to_string();
            validate_new_compute(ctype, &req)?;
            let mut c = build_compute(
                &w.subscription,
                &w.resource_group,
                &w.name,
                &name,
                ctype,
                &location,
                &req,
                now,
            )?;
            // Quota: an instance needs its vCPUs, a cluster its minimum nodes.
            let mut fail = None;
            if let Some(size) = c.vm_size().and_then(catalog::find_size) {
                let extra = match ctype {
                    "ComputeInstance" => i64::from(size.vcpus),
                    _ => i64::from(size.vcpus) * i64::from(c.scale().0),
                };
                if extra > 0 {
                    let u = sim::usage(&world, &sub, &location);
                    if let Err(e) =
                        u.check(&wskey, &w.quota_limits, size, c.is_low_priority(), extra)
                    {
                        fail = Some(e);
                    }
                }
            }
            let attached = get(&c.body, &["properties", "isAttachedCompute"])
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let sub_name = w.subscription.clone();
            let op = new_op(
                &mut world,
                &wskey,
                &sub_name,
                &location,
                OpKind::ComputePut,
                &key,
                now,
            );
            c.pending = Some(Pending {
                action: Action::Create,
                stage: 0,
                due_ms: now.saturating_add(sh.ms(create_delay(ctype, attached))),
                op_id: Some(op.id.clone()),
                fail,
                target_size: None,
            });
            let body = c.body.clone();
            if let Some(w) = world.workspaces.get_mut(&wskey) {
                w.computes.insert(key.clone(), c);
            }
            (StatusCode::CREATED, body, op)
        }
    };
    save(&sh).await?;
    sh.kick();
    Ok(with_headers(
        json(status, body),
        lro_headers(&sh, &op, &api, OpRoute::Compute),
    ))
}

/// Marks `compute` Updating and starts the operation that ends the update, for a PUT that
/// replaces a compute and for a PATCH of its scale settings alike. `at` is (workspace key,
/// subscription, location, compute key).
fn begin_update(
    sh: &Sh,
    world: &mut World,
    at: (&str, &str, &str, &str),
    compute: &mut Compute,
    now: i64,
) -> Operation {
    let (wskey, sub, location, key) = at;
    compute.set_top("provisioningState", json!("Updating"));
    compute.set_top("modifiedOn", json!(iso(now)));
    let op = new_op(world, wskey, sub, location, OpKind::ComputePut, key, now);
    compute.pending = Some(Pending {
        action: Action::Update,
        stage: 0,
        due_ms: now.saturating_add(sh.ms(sim::UPDATE)),
        op_id: Some(op.id.clone()),
        fail: None,
        target_size: None,
    });
    op
}

/// A compute PATCH body is `ClusterUpdateParameters`:
/// `{"properties":{"properties":{"scaleSettings":{...}}}}`, optionally with `tags` (a map of
/// strings). Anything else (another shape, an unknown key, a value of the wrong type) is refused
/// with 400 rather than answered 200 with nothing done.
fn check_patch_shape(req: &Value) -> Result<(), ApiError> {
    let refuse = |target: &str, message: String| {
        Err(ApiError::bad_request("InvalidRequestContent", message).target(target))
    };
    let expected = "A compute update has the shape {\"properties\":{\"properties\":{\"scaleSettings\":{\"minNodeCount\":0,\"maxNodeCount\":4,\"nodeIdleTimeBeforeScaleDown\":\"PT120S\"}}}} and may carry \"tags\"";
    let Some(top) = req.as_object() else {
        return refuse(
            "body",
            format!("The request body must be a JSON object. {expected}."),
        );
    };
    if top.is_empty() {
        return refuse("body", format!("The request body is empty. {expected}."));
    }
    for (k, v) in top {
        match k.as_str() {
            "tags" => match v.as_object() {
                Some(tags) if tags.values().all(Value::is_string) => {}
                _ => return refuse("tags", "tags must be an object of string values.".into()),
            },
            "properties" => {
                let Some(outer) = v.as_object() else {
                    return refuse(
                        "properties",
                        format!("properties must be an object. {expected}."),
                    );
                };
                for (k2, v2) in outer {
                    if k2 != "properties" {
                        return refuse(
                            &format!("properties.{k2}"),
                            format!("properties.{k2} cannot be updated here. {expected}."),
                        );
                    }
                    let Some(inner) = v2.as_object() else {
                        return refuse(
                            "properties.properties",
                            format!("properties.properties must be an object. {expected}."),
                        );
                    };
                    for (k3, v3) in inner {
                        if k3 != "scaleSettings" {
                            return refuse(
                                &format!("properties.properties.{k3}"),
                                format!(
                                    "properties.properties.{k3} cannot be updated with PATCH; only scaleSettings can. {expected}."
                                ),
                            );
                        }
                        if !v3.is_object() {
                            return refuse(
                                "scaleSettings",
                                format!("scaleSettings must be an object. {expected}."),
                            );
                        }
                    }
                }
            }
            other => {
                return refuse(other, format!("Unknown property {other:?}. {expected}."));
            }
        }
    }
    Ok(())
}

pub async fn patch_compute(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
    Q(q): Q<Query>,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    check_patch_shape(&req)?;
    let api = api_version(&q);
    let now = now_ms();
    let key = name.to_ascii_lowercase();
    let wskey = ws_key(&sub, &rg, &ws);
    let scale_req = get(&req, &["properties", "properties", "scaleSettings"]).cloned();
    let (body, op) = {
        let mut world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let c = w
            .computes
            .get(&key)
            .ok_or_else(|| compute_missing(&name, &ws))?;
        let mut updated = c.clone();
        if let Some(tags) = req.get("tags") {
            set(&mut updated.body, &["tags"], tags.clone());
        }
        let mut op = None;
        if scale_req.is_some() {
            if c.compute_type() != "AmlCompute" {
                return Err(ApiError::bad_request(
                    "BadRequest",
                    format!(
                        "Only AmlCompute scale settings can be updated; {} is a {}.",
                        c.name(),
                        c.compute_type()
                    ),
                ));
            }
            if c.pending.is_some() {
                return Err(ApiError::conflict(
                    "Conflict",
                    format!(
                        "Compute {} has an operation in progress; try again when it finishes.",
                        c.name()
                    ),
                ));
            }
            let old = get(&c.body, &["properties", "properties", "scaleSettings"]).cloned();
            let scale = scale_settings(scale_req.as_ref(), old.as_ref())?;
            updated.set_prop(&["scaleSettings"], scale);
            let location = updated.location().to_string();
            let sub_name = w.subscription.clone();
            op = Some(begin_update(
                &sh,
                &mut world,
                (&wskey, &sub_name, &location, &key),
                &mut updated,
                now,
            ));
        }
        let body = updated.body.clone();
        if let Some(w) = world.workspaces.get_mut(&wskey) {
            w.computes.insert(key, updated);
        }
        (body, op)
    };
    save(&sh).await?;
    sh.kick();
    Ok(match op {
        Some(op) => with_headers(
            json(StatusCode::OK, body),
            lro_headers(&sh, &op, &api, OpRoute::Compute),
        ),
        None => json(StatusCode::OK, body),
    })
}

/// Fails the live jobs on a compute (it is being stopped or deleted) and returns the kills to do.
fn fail_jobs_on(
    ws: &mut Workspace,
    ws_key: &str,
    compute_key: &str,
    code: &str,
    why: &str,
    now: i64,
) -> (Vec<Effect>, Vec<String>) {
    let mut effects = Vec::new();
    let mut ops = Vec::new();
    let victims: Vec<String> = ws
        .jobs
        .iter()
        .filter(|(_, j)| !j.is_terminal() && j.compute.as_deref() == Some(compute_key))
        .map(|(k, _)| k.clone())
        .collect();
    for jk in victims {
        effects.push(Effect::Kill {
            ws: ws_key.to_string(),
            job: jk.clone(),
        });
        let (fx, done) = sim::finish_job(ws, &jk, "Failed", Some(model::err(code, why)), now);
        effects.extend(fx);
        ops.extend(done);
    }
    (effects, ops)
}

pub async fn delete_compute(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
    Q(q): Q<Query>,
) -> ApiResult {
    let api = api_version(&q);
    let action = query_param(&q, "underlyingResourceAction").map(str::to_string);
    let now = now_ms();
    let key = name.to_ascii_lowercase();
    let (op, effects) = {
        let mut world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let action = action.ok_or_else(|| {
            ApiError::bad_request(
                "BadRequest",
                "The underlyingResourceAction query parameter (Delete or Detach) is required.",
            )
            .target("underlyingResourceAction")
        })?;
        let detach = if action.eq_ignore_ascii_case("Detach") {
            true
        } else if action.eq_ignore_ascii_case("Delete") {
            false
        } else {
            return Err(ApiError::bad_request(
                "InvalidPropertyValue",
                format!("underlyingResourceAction {action:?} must be Delete or Detach."),
            )
            .target("underlyingResourceAction"));
        };
        let Some(c) = w.computes.get(&key) else {
            return Ok(StatusCode::NO_CONTENT.into_response());
        };
        let attached = get(&c.body, &["properties", "isAttachedCompute"])
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if detach && !attached {
            return Err(ApiError::bad_request(
                "BadRequest",
                format!(
                    "Compute {} is a managed {}; Detach applies to attached computes only. Use underlyingResourceAction=Delete.",
                    c.name(),
                    c.compute_type()
                ),
            ));
        }
        if let Some(p) = &c.pending
            && p.action == Action::Delete
            && let Some(existing) = p.op_id.as_ref().and_then(|id| world.operations.get(id))
        {
            let op = existing.clone();
            drop(world);
            return Ok(with_headers(
                StatusCode::ACCEPTED.into_response(),
                lro_headers(&sh, &op, &api, OpRoute::Compute),
            ));
        }
        let location = c.location().to_string();
        let previous_op = c.pending.as_ref().and_then(|p| p.op_id.clone());
        let sub_name = w.subscription.clone();
        let wskey = ws_key(&sub, &rg, &ws);
        let op = new_op(
            &mut world,
            &wskey,
            &sub_name,
            &location,
            OpKind::ComputeDelete,
            &key,
            now,
        );
        if let Some(prev) = previous_op {
            world.complete_op(
                &prev,
                now,
                Some(model::err(
                    "Canceled",
                    "The compute was deleted while the operation ran.",
                )),
            );
        }
        let w = world
            .workspaces
            .get_mut(&wskey)
            .ok_or_else(|| ApiError::internal("workspace vanished"))?;
        let (effects, done) = fail_jobs_on(
            w,
            &wskey,
            &key,
            "ComputeDeleted",
            "The compute running this job was deleted.",
            now,
        );
        if let Some(c) = w.computes.get_mut(&key) {
            c.set_top("provisioningState", json!("Deleting"));
            if c.compute_type() == "ComputeInstance" {
                c.set_prop(&["state"], json!("Deleting"));
                sim::last_operation(c, "Delete", "InProgress", "User", now);
            }
            for n in c.nodes.iter_mut() {
                n.state = NodeState::Leaving;
                n.since_ms = now;
                n.due_ms = None;
                n.run_id = None;
            }
            if c.compute_type() == "AmlCompute" {
                c.sync_cluster_fields(now);
            }
            c.pending = Some(Pending {
                action: Action::Delete,
                stage: 0,
                due_ms: now.saturating_add(sh.ms(sim::DELETE)),
                op_id: Some(op.id.clone()),
                fail: None,
                target_size: None,
            });
        }
        for d in done {
            world.complete_op(&d, now, None);
        }
        (op, effects)
    };
    runner::execute(&sh, effects);
    save(&sh).await?;
    sh.kick();
    Ok(with_headers(
        StatusCode::ACCEPTED.into_response(),
        lro_headers(&sh, &op, &api, OpRoute::Compute),
    ))
}

pub async fn compute_action(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name, action)): Path<(String, String, String, String, String)>,
    Q(q): Q<Query>,
    bytes: Bytes,
) -> ApiResult {
    let api = api_version(&q);
    let now = now_ms();
    let key = name.to_ascii_lowercase();
    let act = action.as_str();
    // Read-only actions first.
    if act == "listNodes" || act == "listKeys" || act == "getAllowedVmSizesForResize" {
        let world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let c = w
            .computes
            .get(&key)
            .ok_or_else(|| compute_missing(&name, &ws))?;
        return match act {
            "listNodes" => {
                if c.compute_type() != "AmlCompute" {
                    return Err(ApiError::bad_request(
                        "BadRequest",
                        format!(
                            "listNodes applies to AmlCompute clusters only; {} is a {}.",
                            c.name(),
                            c.compute_type()
                        ),
                    ));
                }
                Ok(json(
                    StatusCode::OK,
                    json!({"nodes": c.node_list(), "nextLink": null}),
                ))
            }
            "listKeys" => list_keys(c),
            _ => {
                if c.compute_type() != "ComputeInstance" {
                    return Err(ApiError::bad_request(
                        "BadRequest",
                        "Resizing applies to compute instances only.",
                    ));
                }
                let value: Vec<Value> = catalog::SIZES
                    .iter()
                    .filter(|s| s.compute_types.contains(&"ComputeInstance"))
                    .map(catalog::size_json)
                    .collect();
                Ok(json(StatusCode::OK, json!({"value": value})))
            }
        };
    }
    let req = parse_body(&bytes)?;
    let wskey = ws_key(&sub, &rg, &ws);
    let (resp_op, effects) = {
        let mut world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let c = w
            .computes
            .get(&key)
            .ok_or_else(|| compute_missing(&name, &ws))?;
        if !matches!(
            act,
            "start"
                | "stop"
                | "restart"
                | "resize"
                | "updateIdleShutdownSetting"
                | "customServices"
                | "updateDataMounts"
        ) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("The compute operation {act:?} does not exist."),
            ));
        }
        if c.compute_type() != "ComputeInstance" {
            return Err(ApiError::bad_request(
                "BadRequest",
                format!(
                    "{act} applies to compute instances only; {} is a {}.",
                    c.name(),
                    c.compute_type()
                ),
            ));
        }
        let state = c.state().to_string();
        let mut updated = c.clone();
        let location = c.location().to_string();
        let quota_limits = w.quota_limits.clone();
        match act {
            "updateIdleShutdownSetting" | "customServices" | "updateDataMounts" => {
                match act {
                    "updateIdleShutdownSetting" => {
                        // `null` clears the setting (the instance no longer stops by itself);
                        // a missing key or another type is refused.
                        match req.get("idleTimeBeforeShutdown") {
                            Some(Value::Null) => {
                                take(
                                    &mut updated.body,
                                    &["properties", "properties", "idleTimeBeforeShutdown"],
                                );
                            }
                            Some(Value::String(idle)) => {
                                validate_idle_shutdown(idle)?;
                                updated.set_prop(&["idleTimeBeforeShutdown"], json!(idle));
                            }
                            _ => {
                                return Err(ApiError::bad_request(
                                    "BadRequest",
                                    "idleTimeBeforeShutdown is required: an ISO-8601 duration \
                                     between PT15M and P3D, or null to turn idle shutdown off.",
                                )
                                .target("idleTimeBeforeShutdown"));
                            }
                        }
                        updated.idle_since_ms = Some(now);
                    }
                    "customServices" => {
                        if !req.is_array() {
                            return Err(ApiError::bad_request(
                                "InvalidRequestContent",
                                "The body must be a JSON array of custom services.",
                            ));
                        }
                        updated.set_prop(&["customServices"], req.clone());
                    }
                    _ => {
                        let Some(mounts) = req.as_array() else {
                            return Err(ApiError::bad_request(
                                "InvalidRequestContent",
                                "The body must be a JSON array of data mounts.",
                            ));
                        };
                        let mounts: Vec<Value> = mounts
                            .iter()
                            .map(|m| {
                                let mut m = m.clone();
                                set(&mut m, &["mountState"], json!("Mounted"));
                                set(&mut m, &["mountedOn"], json!(iso(now)));
                                set(&mut m, &["createdBy"], json!(EMULATOR_USER));
                                m
                            })
                            .collect();
                        updated.set_prop(&["dataMounts"], json!(mounts));
                    }
                }
                updated.set_top("modifiedOn", json!(iso(now)));
                if let Some(w) = world.workspaces.get_mut(&wskey) {
                    w.computes.insert(key.clone(), updated);
                }
                (None, Vec::new())
            }
            _ => {
                if updated.pending.is_none() && updated.provisioning_state() == "Failed" {
                    return Err(ApiError::conflict(
                        "Conflict",
                        format!(
                            "Cannot {act} compute instance {}: it failed to provision ({}). Delete it and create it again.",
                            updated.name(),
                            if state.is_empty() {
                                "Failed"
                            } else {
                                state.as_str()
                            }
                        ),
                    ));
                }
                if updated.pending.is_some() || updated.provisioning_state() != "Succeeded" {
                    return Err(ApiError::conflict(
                        "Conflict",
                        format!(
                            "Compute instance {} is busy ({}); try again when its current operation finishes.",
                            updated.name(),
                            if state.is_empty() {
                                updated.provisioning_state().to_string()
                            } else {
                                state.clone()
                            }
                        ),
                    ));
                }
                let allowed: &[&str] = match act {
                    "start" => &["Stopped"],
                    "stop" | "restart" => &["Running", "JobRunning"],
                    _ => &["Stopped"],
                };
                if !allowed.contains(&state.as_str()) {
                    return Err(ApiError::conflict(
                        "Conflict",
                        format!(
                            "Cannot {act} compute instance {} in state {state}.",
                            updated.name()
                        ),
                    ));
                }
                let (action, next_state, delay, op_name) = match act {
                    "start" => (Action::Start, "Starting", sim::START, "Start"),
                    "stop" => (Action::Stop, "Stopping", sim::STOP, "Stop"),
                    "restart" => (Action::Restart, "Restarting", sim::RESTART, "Restart"),
                    _ => (Action::Resize, "Resizing", sim::RESIZE, "Resize"),
                };
                let mut target_size = None;
                if action == Action::Resize {
                    let size = get_str(&req, &["targetVMSize"]).ok_or_else(|| {
                        ApiError::bad_request("BadRequest", "targetVMSize is required.")
                            .target("targetVMSize")
                    })?;
                    let known = catalog::find_size(size)
                        .ok_or_else(|| invalid_size(size, "ComputeInstance"))?;
                    if !known.compute_types.contains(&"ComputeInstance") {
                        return Err(invalid_size(size, "ComputeInstance"));
                    }
                    target_size = Some(size.to_string());
                }
                let mut fail = None;
                if action == Action::Start
                    && let Some(size) = updated.vm_size().and_then(catalog::find_size)
                {
                    let u = sim::usage(&world, &sub, &location);
                    if let Err(e) =
                        u.check(&wskey, &quota_limits, size, false, i64::from(size.vcpus))
                    {
                        fail = Some(e);
                    }
                }
                let sub_name = world
                    .workspaces
                    .get(&wskey)
                    .map(|w| w.subscription.clone())
                    .unwrap_or_else(|| sub.clone());
                let op = new_op(
                    &mut world,
                    &wskey,
                    &sub_name,
                    &location,
                    OpKind::ComputeAction,
                    &key,
                    now,
                );
                updated.set_prop(&["state"], json!(next_state));
                sim::last_operation(&mut updated, op_name, "InProgress", "User", now);
                updated.set_top("modifiedOn", json!(iso(now)));
                updated.pending = Some(Pending {
                    action,
                    stage: 0,
                    due_ms: now.saturating_add(sh.ms(delay)),
                    op_id: Some(op.id.clone()),
                    fail,
                    target_size,
                });
                let mut effects = Vec::new();
                let mut done = Vec::new();
                if let Some(w) = world.workspaces.get_mut(&wskey) {
                    if matches!(action, Action::Stop | Action::Restart) {
                        let (fx, ops) = fail_jobs_on(
                            w,
                            &wskey,
                            &key,
                            "ComputeStopped",
                            &format!("The compute instance running this job was asked to {act}."),
                            now,
                        );
                        effects = fx;
                        done = ops;
                    }
                    updated.busy_with = None;
                    w.computes.insert(key.clone(), updated);
                }
                for d in done {
                    world.complete_op(&d, now, None);
                }
                (Some(op), effects)
            }
        }
    };
    runner::execute(&sh, effects);
    save(&sh).await?;
    sh.kick();
    Ok(match resp_op {
        Some(op) => with_headers(
            StatusCode::ACCEPTED.into_response(),
            lro_headers(&sh, &op, &api, OpRoute::Compute),
        ),
        None => StatusCode::OK.into_response(),
    })
}

fn list_keys(c: &Compute) -> ApiResult {
    let ctype = c.compute_type();
    let s = &c.secrets;
    let body = match ctype {
        "AKS" => {
            let fqdn = get_str(&c.body, &["properties", "properties", "clusterFqdn"])
                .unwrap_or("cluster.local");
            let kube = |user: &str| {
                format!(
                    "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://{fqdn}:443\n  name: {n}\ncontexts:\n- context:\n    cluster: {n}\n    user: {user}\n  name: {n}\ncurrent-context: {n}\nusers:\n- name: {user}\n  user:\n    token: emulator-{h:016x}\n",
                    n = c.name(),
                    h = model::stable_hash(&format!("{}{user}", c.name()))
                )
            };
            json!({
                "computeType": "AKS",
                "userKubeConfig": kube("clusterUser"),
                "adminKubeConfig": kube("clusterAdmin"),
                "imagePullSecretName": format!("{}-acr-secret", c.name().to_ascii_lowercase()),
            })
        }
        "VirtualMachine" | "HDInsight" => {
            let mut account = get(
                &c.body,
                &["properties", "properties", "administratorAccount"],
            )
            .cloned()
            .unwrap_or(json!({}));
            for k in ["password", "privateKeyData"] {
                set(
                    &mut account,
                    &[k],
                    get(s, &["administratorAccount", k])
                        .cloned()
                        .unwrap_or(Value::Null),
                );
            }
            json!({"computeType": ctype, "administratorAccount": account})
        }
        "Databricks" => json!({
            "computeType": "Databricks",
            "databricksAccessToken": get(s, &["databricksAccessToken"]).cloned().unwrap_or(Value::Null),
        }),
        _ => {
            return Err(ApiError::bad_request(
                "BadRequest",
                format!(
                    "{} has no keys to list (listKeys applies to AKS, VirtualMachine, HDInsight and Databricks).",
                    c.name()
                ),
            ));
        }
    };
    Ok(json(StatusCode::OK, body))
}

// ---------------------------------------------------------------- locations

pub async fn vm_sizes(
    State(_sh): State<Sh>,
    Path((_sub, _loc)): Path<(String, String)>,
) -> ApiResult {
    let value: Vec<Value> = catalog::SIZES.iter().map(catalog::size_json).collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

fn usage_entry(id: String, kind: &str, loc: &str, current: i64, limit: i64, name: &str) -> Value {
    json!({
        "id": id,
        "amlWorkspaceLocation": loc,
        "type": kind,
        "unit": "Count",
        "currentValue": current,
        "limit": limit,
        "name": {"value": name, "localizedValue": name},
    })
}

pub async fn usages(State(sh): State<Sh>, Path((sub, loc)): Path<(String, String)>) -> ApiResult {
    let world = sh.lock();
    let u = sim::usage(&world, &sub, &loc);
    let base = format!("/subscriptions/{sub}/providers/{PROVIDER}/locations/{loc}/usages");
    let mut value = vec![
        usage_entry(
            base.clone(),
            "Microsoft.MachineLearningServices/dedicatedCores/usages",
            &loc,
            u.total_dedicated,
            catalog::TOTAL_DEDICATED_LIMIT,
            "Total Cluster Dedicated Regional vCPUs",
        ),
        usage_entry(
            base.clone(),
            "Microsoft.MachineLearningServices/lowPriorityCores/usages",
            &loc,
            u.total_low_priority,
            catalog::TOTAL_LOW_PRIORITY_LIMIT,
            "Total Cluster LowPriority Regional vCPUs",
        ),
    ];
    for f in catalog::FAMILIES {
        let fam = f.key.to_ascii_lowercase();
        for low in [false, true] {
            let used = if low {
                u.low_priority.get(&fam)
            } else {
                u.dedicated.get(&fam)
            }
            .copied()
            .unwrap_or(0);
            let limit = if low { -1 } else { f.limit };
            let id_suffix = catalog::family_usage_id(f, low);
            let display = catalog::family_usage_name(f, low);
            value.push(usage_entry(
                format!("{base}/{id_suffix}"),
                "Microsoft.MachineLearningServices/vmFamily/usages",
                &loc,
                used,
                limit,
                &display,
            ));
            for ((wskey, wfam, wlow), v) in &u.by_workspace {
                if *wfam != fam || *wlow != low {
                    continue;
                }
                let Some(w) = world.workspaces.get(wskey) else {
                    continue;
                };
                let wid = ws_id(&w.subscription, &w.resource_group, &w.name);
                let wlimit = if low {
                    -1
                } else {
                    w.quota_limits
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(f.key))
                        .map(|(_, l)| *l)
                        .unwrap_or(f.limit)
                };
                value.push(usage_entry(
                    format!("{wid}/usages/{id_suffix}"),
                    "Microsoft.MachineLearningServices/workspaces/usages",
                    &loc,
                    *v,
                    wlimit,
                    &display,
                ));
                for (cws, cname, cfam, clow, cv) in &u.by_compute {
                    if cws == wskey && *cfam == fam && *clow == low {
                        value.push(usage_entry(
                            format!("{wid}/computes/{cname}/usages/{id_suffix}"),
                            "Microsoft.MachineLearningServices/workspaces/computes/usages",
                            &loc,
                            *cv,
                            wlimit,
                            &display,
                        ));
                    }
                }
            }
        }
    }
    Ok(json(
        StatusCode::OK,
        json!({ "value": value, "nextLink": null }),
    ))
}

pub async fn quotas(State(sh): State<Sh>, Path((sub, loc)): Path<(String, String)>) -> ApiResult {
    let world = sh.lock();
    let mut value = Vec::new();
    for f in catalog::FAMILIES {
        let id_suffix = catalog::family_usage_id(f, false);
        let display = catalog::family_usage_name(f, false);
        value.push(json!({
            "id": format!("/subscriptions/{sub}/providers/{PROVIDER}/locations/{loc}/quotas/{id_suffix}"),
            "amlWorkspaceLocation": loc,
            "type": "Microsoft.MachineLearningServices/vmFamily/quotas",
            "limit": f.limit,
            "unit": "Count",
            "name": {"value": display, "localizedValue": display},
        }));
        for w in world.workspaces.values() {
            if !w.subscription.eq_ignore_ascii_case(&sub) || !w.location.eq_ignore_ascii_case(&loc)
            {
                continue;
            }
            let limit = w
                .quota_limits
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(f.key))
                .map(|(_, l)| *l)
                .unwrap_or(f.limit);
            value.push(json!({
                "id": format!("{}/quotas/{id_suffix}", ws_id(&w.subscription, &w.resource_group, &w.name)),
                "amlWorkspaceLocation": loc,
                "type": "Microsoft.MachineLearningServices/workspaces/quotas",
                "limit": limit,
                "unit": "Count",
                "name": {"value": display, "localizedValue": display},
            }));
        }
    }
    Ok(json(
        StatusCode::OK,
        json!({ "value": value, "nextLink": null }),
    ))
}

pub async fn update_quotas(
    State(sh): State<Sh>,
    Path((sub, _loc)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    let items = req
        .get("value")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("InvalidRequestContent", "The body must have a value array.")
        })?
        .clone();
    let mut out = Vec::new();
    {
        let mut world = sh.lock();
        for item in items {
            let id = get_str(&item, &["id"]).unwrap_or("").to_string();
            let limit = item.get("limit").and_then(Value::as_i64).unwrap_or(-1);
            let status = apply_quota(&mut world, &sub, &id, limit);
            out.push(json!({
                "id": id,
                "type": item.get("type").cloned().unwrap_or(json!("Microsoft.MachineLearningServices/workspaces/quotas")),
                "limit": limit,
                "unit": "Count",
                "status": status,
            }));
        }
    }
    save(&sh).await?;
    Ok(json(
        StatusCode::OK,
        json!({ "value": out, "nextLink": null }),
    ))
}

fn apply_quota(world: &mut World, sub: &str, id: &str, limit: i64) -> &'static str {
    // /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/quotas/{family}
    let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
    if parts.len() != 10
        || !parts[8].eq_ignore_ascii_case("quotas")
        || !parts[1].eq_ignore_ascii_case(sub)
    {
        return "OperationNotSupportedForSku";
    }
    let Some(family) = catalog::family_by_usage_id(parts[9]) else {
        return "InvalidVMFamilyName";
    };
    if limit < 0 || limit > family.limit {
        return "InvalidQuotaExceedsSubscriptionLimit";
    }
    match world
        .workspaces
        .get_mut(&ws_key(parts[1], parts[3], parts[7]))
    {
        Some(w) => {
            w.quota_limits.insert(family.key.to_string(), limit);
            "Success"
        }
        None => "Undefined",
    }
}

// ---------------------------------------------------------------- operations

fn find_op(world: &World, sub: &str, id: &str) -> Result<Operation, ApiError> {
    world
        .operations
        .get(id)
        .filter(|op| op.subscription.eq_ignore_ascii_case(sub))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("The operation {id} was not found.")))
}

/// `GET …/locations/{loc}/computeOperationsStatus/{id}`.
pub async fn compute_op_status(
    State(sh): State<Sh>,
    Path((sub, loc, id)): Path<(String, String, String)>,
) -> ApiResult {
    op_status(&sh, &sub, &loc, &id, OpRoute::Compute)
}

/// `GET …/locations/{loc}/mfeOperationsStatus/{id}`.
pub async fn mfe_op_status(
    State(sh): State<Sh>,
    Path((sub, loc, id)): Path<(String, String, String)>,
) -> ApiResult {
    op_status(&sh, &sub, &loc, &id, OpRoute::Mfe)
}

/// The status body of an operation; its `id` names the route that serves it.
fn op_status(sh: &Sh, sub: &str, loc: &str, id: &str, route: OpRoute) -> ApiResult {
    let op = find_op(&sh.lock(), sub, id)?;
    let collection = match route {
        OpRoute::Compute => "computeOperationsStatus",
        OpRoute::Mfe => "mfeOperationsStatus",
    };
    let mut body = json!({
        "id": format!("/subscriptions/{sub}/providers/{PROVIDER}/locations/{loc}/{collection}/{id}"),
        "name": id,
        "status": op.status,
        "startTime": iso(op.start_ms),
    });
    if let Some(end) = op.end_ms {
        body["endTime"] = json!(iso(end));
        body["percentComplete"] = json!(100.0);
    }
    if let Some(e) = &op.error {
        body["error"] = serde_json::to_value(e).unwrap_or(Value::Null);
    }
    let mut resp = json(StatusCode::OK, body);
    if op.status == "InProgress" {
        resp = with_headers(resp, retry_headers(sh));
    }
    Ok(resp)
}

pub async fn op_result(
    State(sh): State<Sh>,
    Path((sub, _loc, id)): Path<(String, String, String)>,
    Q(q): Q<Query>,
) -> ApiResult {
    let api = api_version(&q);
    let world = sh.lock();
    let op = find_op(&world, &sub, &id)?;
    match op.status.as_str() {
        "InProgress" => {
            let route = if matches!(op.kind, OpKind::JobCancel | OpKind::JobDelete) {
                OpRoute::Mfe
            } else {
                OpRoute::Compute
            };
            Ok(with_headers(
                StatusCode::ACCEPTED.into_response(),
                lro_headers(&sh, &op, &api, route),
            ))
        }
        "Succeeded" => match op.kind {
            OpKind::ComputePut | OpKind::ComputeAction => {
                let body = world
                    .workspaces
                    .get(&op.ws_key)
                    .and_then(|w| w.computes.get(&op.resource))
                    .map(|c| c.body.clone());
                Ok(match body {
                    Some(b) => json(StatusCode::OK, b),
                    None => StatusCode::NO_CONTENT.into_response(),
                })
            }
            _ => Ok(StatusCode::NO_CONTENT.into_response()),
        },
        _ => {
            let e = op
                .error
                .clone()
                .unwrap_or_else(|| model::err("OperationFailed", "The operation failed."));
            let status = if e.code == "Conflict" {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            Err(ApiError {
                status,
                detail: Box::new(e),
                headers: Vec::new(),
            })
        }
    }
}

/// 404 for anything the emulator does not serve.
pub async fn fallback() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        "The emulator does not serve this path.",
    )
    .into_response()
}
