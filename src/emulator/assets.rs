//! ARM asset routes of the emulator: code containers and versions (with the lookup by content
//! hash that ignores the name, and `startPendingUpload` handing out a folder-scoped SAS URL on
//! the emulator's own Blob surface), environment containers and versions, and the datastores
//! (the `workspaceblobstore` every workspace has, `listSecrets` giving a container SAS). Shapes
//! follow `examples-submit/`; rules follow submit.md §4–§7 and §12:
//!
//! - a code version PUT creates its container implicitly, answers 201 then 200 for the same
//!   `codeUri`, and 409 "Asset paths cannot be updated." for another one; its `codeUri` must
//!   name uploaded blobs of this emulator (a hash hit must point at complete content);
//! - an environment version is immutable: the same definition again is 200, another one 409;
//!   it needs exactly one of `image` and `build`;
//! - anonymous assets (`isAnonymous`) are hidden from container lists.
//!
//! Any `api-version` is accepted on these routes (the SDK uses several). Handlers never hold the
//! world lock across an await; blob checks run before the lock is taken.

use super::arm::{save, workspace};
use super::http::{ApiError, ApiResult, Query, json, parse_body, query_param};
use super::model::{
    self, Asset, AssetVersion, PROVIDER, Workspace, get, get_str, now_ms, set, system_data, ws_id,
    ws_key,
};
use super::shared::Sh;
use super::storage;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The default datastore every workspace has.
pub const DEFAULT_DATASTORE: &str = "workspaceblobstore";

/// How long a SAS from `startPendingUpload` stays valid.
const PENDING_UPLOAD_MS: i64 = 8 * 3_600_000;

/// Which kind of asset a route serves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Code,
    Environment,
}

impl Kind {
    fn segment(self) -> &'static str {
        match self {
            Kind::Code => "codes",
            Kind::Environment => "environments",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Kind::Code => "Code",
            Kind::Environment => "Environment",
        }
    }
    fn map(self, w: &Workspace) -> &std::collections::BTreeMap<String, Asset> {
        match self {
            Kind::Code => &w.codes,
            Kind::Environment => &w.environments,
        }
    }
    fn map_mut(self, w: &mut Workspace) -> &mut std::collections::BTreeMap<String, Asset> {
        match self {
            Kind::Code => &mut w.codes,
            Kind::Environment => &mut w.environments,
        }
    }
}

fn validate_asset_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "UserError",
            format!(
                "Asset name {name:?} must be 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit."
            ),
        )
        .target("name"))
    }
}

fn validate_version(version: &str) -> Result<(), ApiError> {
    let ok = !version.is_empty()
        && version.len() <= 64
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "UserError",
            format!("Asset version {version:?} must be 1 to 64 letters, digits, '-', '_' or '.'."),
        )
        .target("version"))
    }
}

fn asset_missing(kind: Kind, name: &str, version: Option<&str>) -> ApiError {
    match version {
        Some(v) => ApiError::not_found(format!(
            "{} version {name}:{v} was not found in this workspace.",
            kind.noun()
        )),
        None => ApiError::not_found(format!(
            "{} container {name} was not found in this workspace.",
            kind.noun()
        )),
    }
}

/// The key of an asset name. The Python SDK asks for `azureml:name` when given the string
/// `"azureml:name@latest"` (submit.md §6): that prefix names the same asset.
fn key_of(name: &str) -> String {
    name.strip_prefix("azureml:")
        .unwrap_or(name)
        .to_ascii_lowercase()
}

fn is_anonymous(v: &AssetVersion) -> bool {
    get(&v.body, &["properties", "isAnonymous"])
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Versions newest first (creation time, then creation order).
fn newest_first(a: &Asset) -> Vec<&AssetVersion> {
    let mut v: Vec<&AssetVersion> = a.versions.values().collect();
    v.sort_by(|x, y| {
        y.created_ms
            .cmp(&x.created_ms)
            .then_with(|| y.seq.cmp(&x.seq))
    });
    v
}

/// The container resource, with `latestVersion` (newest) and `nextVersion` (highest numeric
/// version plus one).
fn render_container(kind: Kind, wid: &str, a: &Asset) -> Value {
    let latest = newest_first(a)
        .first()
        .and_then(|v| v.body.get("name").cloned())
        .unwrap_or(Value::Null);
    let next = a
        .versions
        .keys()
        .filter_map(|k| k.parse::<u64>().ok())
        .max()
        .map_or(1, |n| n.saturating_add(1));
    json!({
        "id": format!("{wid}/{}/{}", kind.segment(), a.name),
        "name": a.name,
        "type": format!("{PROVIDER}/workspaces/{}", kind.segment()),
        "properties": {
            "description": a.description,
            "tags": if a.tags.is_object() { a.tags.clone() } else { json!({}) },
            "properties": {},
            "isArchived": false,
            "latestVersion": latest,
            "nextVersion": next.to_string(),
            "provisioningState": "Succeeded",
        },
        "systemData": system_data(a.created_ms, a.modified_ms),
    })
}

fn wid_of(w: &Workspace) -> String {
    ws_id(&w.subscription, &w.resource_group, &w.name)
}

// ---------------------------------------------------------------- containers (both kinds)

async fn list_containers(sh: Sh, kind: Kind, sub: String, rg: String, ws: String) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let wid = wid_of(w);
    let value: Vec<Value> = kind
        .map(w)
        .values()
        .filter(|a| !a.versions.values().all(is_anonymous))
        .map(|a| render_container(kind, &wid, a))
        .collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

async fn get_container(
    sh: Sh,
    kind: Kind,
    (sub, rg, ws, name): (String, String, String, String),
) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let a = kind
        .map(w)
        .get(&key_of(&name))
        .ok_or_else(|| asset_missing(kind, &name, None))?;
    Ok(json(StatusCode::OK, render_container(kind, &wid_of(w), a)))
}

async fn get_version(
    sh: Sh,
    kind: Kind,
    (sub, rg, ws, name, version): (String, String, String, String, String),
) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let v = kind
        .map(w)
        .get(&key_of(&name))
        .and_then(|a| a.versions.get(&version))
        .ok_or_else(|| asset_missing(kind, &name, Some(&version)))?;
    Ok(json(StatusCode::OK, v.body.clone()))
}

/// `$top`, when given, must be a positive integer.
fn top_of(q: &Query) -> Result<Option<usize>, ApiError> {
    match query_param(q, "$top") {
        None => Ok(None),
        Some(t) => t.trim().parse::<usize>().map(Some).map_err(|_| {
            ApiError::bad_request("UserError", format!("$top {t:?} is not a number."))
                .target("$top")
        }),
    }
}

/// Sorts per `$orderBy` (`createdtime desc` is the default; `createdtime asc` too).
fn order<'a>(mut versions: Vec<&'a AssetVersion>, q: &Query) -> Vec<&'a AssetVersion> {
    versions.sort_by(|x, y| {
        y.created_ms
            .cmp(&x.created_ms)
            .then_with(|| y.seq.cmp(&x.seq))
    });
    if let Some(o) = query_param(q, "$orderBy") {
        let o = o.to_ascii_lowercase();
        if o.contains("createdtime") && o.trim_end().ends_with("asc") {
            versions.reverse();
        }
    }
    versions
}

async fn list_versions(
    sh: Sh,
    kind: Kind,
    (sub, rg, ws, name): (String, String, String, String),
    q: Query,
) -> ApiResult {
    let top = top_of(&q)?;
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let hash = query_param(&q, "hash").filter(|h| !h.trim().is_empty());
    let versions: Vec<&AssetVersion> = match (kind, hash) {
        // By content hash, whatever the name in the path (submit.md §4.1).
        (Kind::Code, Some(h)) => {
            let hv = query_param(&q, "hashVersion");
            w.codes
                .values()
                .flat_map(|a| a.versions.values())
                .filter(|v| {
                    let p = get(&v.body, &["properties", "properties"]);
                    let hash_ok = p
                        .and_then(|p| p.get("hash_sha256"))
                        .and_then(Value::as_str)
                        .is_some_and(|x| x.eq_ignore_ascii_case(h.trim()));
                    let version_ok = hv.is_none_or(|hv| {
                        p.and_then(|p| p.get("hash_version"))
                            .is_some_and(|x| match x {
                                Value::String(s) => s == hv,
                                Value::Number(n) => n.to_string() == hv,
                                _ => false,
                            })
                    });
                    hash_ok && version_ok
                })
                .collect()
        }
        _ => match kind.map(w).get(&key_of(&name)) {
            Some(a) => a.versions.values().collect(),
            None => Vec::new(),
        },
    };
    let mut versions = order(versions, &q);
    if let Some(t) = top {
        versions.truncate(t);
    }
    let value: Vec<Value> = versions.into_iter().map(|v| v.body.clone()).collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

/// Stores a new version (creating the container) or answers with the existing one. `same`
/// decides whether an existing version may be re-PUT with this body.
#[allow(clippy::too_many_arguments)]
fn upsert(
    sh: &Sh,
    kind: Kind,
    (sub, rg, ws, name, version): &(String, String, String, String, String),
    props: Value,
    same: impl Fn(&Value, &Value) -> Result<(), ApiError>,
) -> Result<(StatusCode, Value), ApiError> {
    let now = now_ms();
    let mut world = sh.lock();
    workspace(&world, sub, rg, ws)?;
    let seq = world.next_asset_seq;
    world.next_asset_seq += 1;
    let w = world
        .workspaces
        .get_mut(&ws_key(sub, rg, ws))
        .ok_or_else(|| ApiError::internal("workspace vanished"))?;
    let wid = wid_of(w);
    let a = kind
        .map_mut(w)
        .entry(name.to_ascii_lowercase())
        .or_insert_with(|| Asset {
            name: name.clone(),
            created_ms: now,
            modified_ms: now,
            description: Value::Null,
            tags: json!({}),
            ..Asset::default()
        });
    if let Some(existing) = a.versions.get_mut(version) {
        let old = existing
            .body
            .get("properties")
            .cloned()
            .unwrap_or(json!({}));
        same(&old, &props)?;
        for field in ["description", "tags", "isArchived"] {
            if let Some(v) = props.get(field).filter(|v| !v.is_null()) {
                set(&mut existing.body, &["properties", field], v.clone());
            }
        }
        set(
            &mut existing.body,
            &["systemData", "lastModifiedAt"],
            json!(model::iso(now)),
        );
        return Ok((StatusCode::OK, existing.body.clone()));
    }
    let body = json!({
        "id": format!("{wid}/{}/{}/versions/{version}", kind.segment(), a.name),
        "name": version,
        "type": format!("{PROVIDER}/workspaces/{}/versions", kind.segment()),
        "properties": props,
        "systemData": system_data(now, now),
    });
    a.versions.insert(
        version.clone(),
        AssetVersion {
            body: body.clone(),
            created_ms: now,
            seq,
        },
    );
    a.modified_ms = now;
    Ok((StatusCode::CREATED, body))
}

fn props_of(req: &Value) -> Result<Value, ApiError> {
    match req.get("properties") {
        Some(p @ Value::Object(_)) => Ok(p.clone()),
        _ => Err(
            ApiError::bad_request("UserError", "The request body needs a properties object.")
                .target("properties"),
        ),
    }
}

/// Common read-only and defaulted fields of a version's `properties`.
fn fill_common(p: &mut Value) {
    let fill = |p: &mut Value, key: &str, v: Value| {
        if p.get(key).is_none_or(Value::is_null) {
            set(p, &[key], v);
        }
    };
    fill(p, "description", Value::Null);
    fill(p, "tags", json!({}));
    fill(p, "properties", json!({}));
    fill(p, "isAnonymous", json!(false));
    fill(p, "isArchived", json!(false));
    set(p, &["provisioningState"], json!("Succeeded"));
}

// ---------------------------------------------------------------- codes

type WsPath = Path<(String, String, String)>;
type NamePath = Path<(String, String, String, String)>;
type VersionPath = Path<(String, String, String, String, String)>;

pub async fn list_codes(State(sh): State<Sh>, Path((s, r, w)): WsPath) -> ApiResult {
    list_containers(sh, Kind::Code, s, r, w).await
}

pub async fn get_code(State(sh): State<Sh>, Path(p): NamePath) -> ApiResult {
    get_container(sh, Kind::Code, p).await
}

pub async fn list_code_versions(
    State(sh): State<Sh>,
    Path(p): NamePath,
    Q(q): Q<Query>,
) -> ApiResult {
    list_versions(sh, Kind::Code, p, q).await
}

pub async fn get_code_version(State(sh): State<Sh>, Path(p): VersionPath) -> ApiResult {
    get_version(sh, Kind::Code, p).await
}

/// The (account, container, blob path) a code URI names, when it is this emulator's storage.
fn code_location(
    sh: &Sh,
    p: &(String, String, String, String, String),
    uri: &str,
) -> Option<(String, String, String)> {
    let world = sh.lock();
    let w = world.workspaces.get(&ws_key(&p.0, &p.1, &p.2))?;
    storage::resolve_uri(w, uri)
}

pub async fn put_code_version(
    State(sh): State<Sh>,
    Path(p): VersionPath,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    validate_asset_name(&p.3)?;
    validate_version(&p.4)?;
    let mut props = props_of(&req)?;
    let code_uri = get_str(&props, &["codeUri"])
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("UserError", "A code version needs properties.codeUri.")
                .target("codeUri")
        })?
        .to_string();
    {
        let world = sh.lock();
        workspace(&world, &p.0, &p.1, &p.2)?;
    }
    // The content must be there: a later hash hit is used without looking at the blobs.
    let location = code_location(&sh, &p, &code_uri);
    let uploaded = match location {
        Some((account, cont, path)) if !path.trim_matches('/').is_empty() => {
            let c = storage::container(&sh, &account, &cont);
            let folder_only = path.ends_with('/');
            let path = path.trim_matches('/').to_string();
            tokio::task::spawn_blocking(move || {
                let single = !folder_only && c.head(&path).ok().flatten().is_some();
                single || c.any_with_prefix(&format!("{path}/")).unwrap_or(false)
            })
            .await
            .unwrap_or(false)
        }
        _ => false,
    };
    if !uploaded {
        return Err(ApiError::bad_request(
            "UserError",
            format!(
                "codeUri {code_uri} points at no uploaded content in this workspace's storage: upload the snapshot (startPendingUpload, then the blobs) before creating the code version."
            ),
        )
        .target("codeUri"));
    }
    fill_common(&mut props);
    let (status, body) = upsert(&sh, Kind::Code, &p, props, |old, new| {
        if get_str(old, &["codeUri"]) != get_str(new, &["codeUri"]) {
            return Err(
                ApiError::conflict("UserError", "Asset paths cannot be updated.").target("codeUri"),
            );
        }
        Ok(())
    })?;
    save(&sh).await?;
    Ok(json(status, body))
}

pub async fn start_pending_upload(
    State(sh): State<Sh>,
    Path(p): VersionPath,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    validate_asset_name(&p.3)?;
    validate_version(&p.4)?;
    let kind = req
        .get("pendingUploadType")
        .and_then(Value::as_str)
        .unwrap_or("TemporaryBlobReference");
    if kind != "TemporaryBlobReference" && kind != "None" {
        return Err(ApiError::bad_request(
            "UserError",
            format!("pendingUploadType {kind:?} must be TemporaryBlobReference or None."),
        )
        .target("pendingUploadType"));
    }
    let (account, container, arm_id) = {
        let world = sh.lock();
        let w = workspace(&world, &p.0, &p.1, &p.2)?;
        (
            storage::account_name(w),
            storage::default_container(w),
            get_str(&w.body, &["properties", "storageAccount"])
                .unwrap_or("")
                .to_string(),
        )
    };
    let guid = uuid::Uuid::new_v4().to_string();
    let upload_id = req
        .get("pendingUploadId")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| guid.clone());
    let folder = format!("LocalUpload/{guid}");
    let blob_uri = format!(
        "{}/{folder}",
        storage::container_url(&sh, &account, &container)
    );
    let sas = storage::sas_query(
        &sh,
        &account,
        &container,
        Some(&folder),
        "racwl",
        now_ms() + PENDING_UPLOAD_MS,
    );
    Ok(json(
        StatusCode::OK,
        json!({
            "blobReferenceForConsumption": {
                "blobUri": blob_uri,
                "storageAccountArmId": arm_id,
                "credential": {
                    "credentialType": "SAS",
                    "sasUri": format!("{blob_uri}?{sas}"),
                },
            },
            "pendingUploadId": upload_id,
            "pendingUploadType": "TemporaryBlobReference",
        }),
    ))
}

// ---------------------------------------------------------------- environments

pub async fn list_environments(State(sh): State<Sh>, Path((s, r, w)): WsPath) -> ApiResult {
    list_containers(sh, Kind::Environment, s, r, w).await
}

pub async fn get_environment(State(sh): State<Sh>, Path(p): NamePath) -> ApiResult {
    get_container(sh, Kind::Environment, p).await
}

pub async fn list_environment_versions(
    State(sh): State<Sh>,
    Path(p): NamePath,
    Q(q): Q<Query>,
) -> ApiResult {
    list_versions(sh, Kind::Environment, p, q).await
}

pub async fn get_environment_version(State(sh): State<Sh>, Path(p): VersionPath) -> ApiResult {
    get_version(sh, Kind::Environment, p).await
}

/// The fields that define an environment version (what must not change on a re-PUT).
const ENV_DEFINITION: &[&str] = &[
    "image",
    "condaFile",
    "build",
    "osType",
    "inferenceConfig",
    "isAnonymous",
];

/// Checks and completes an environment version's `properties`.
pub(crate) fn environment_props(mut props: Value) -> Result<Value, ApiError> {
    let present = |k: &str| props.get(k).is_some_and(|v| !v.is_null());
    match (present("image"), present("build")) {
        (true, true) => {
            return Err(ApiError::bad_request(
                "UserError",
                "An environment version takes either image or build, not both.",
            )
            .target("build"));
        }
        (false, false) => {
            return Err(ApiError::bad_request(
                "UserError",
                "An environment version needs image (a Docker image) or build (a Docker build context).",
            )
            .target("image"));
        }
        _ => {}
    }
    if let Some(image) = props.get("image").filter(|v| !v.is_null())
        && image.as_str().is_none_or(|s| s.trim().is_empty())
    {
        return Err(
            ApiError::bad_request("UserError", "image must be a non-empty string.").target("image"),
        );
    }
    if present("build")
        && get_str(&props, &["build", "contextUri"]).is_none_or(|s| s.trim().is_empty())
    {
        return Err(ApiError::bad_request(
            "UserError",
            "build needs contextUri (the Docker build context).",
        )
        .target("build.contextUri"));
    }
    if let Some(c) = props.get("condaFile").filter(|v| !v.is_null())
        && !c.is_string()
    {
        return Err(ApiError::bad_request(
            "UserError",
            "condaFile must be the conda file's YAML text (a string).",
        )
        .target("condaFile"));
    }
    fill_common(&mut props);
    if props.get("osType").is_none_or(Value::is_null) {
        set(&mut props, &["osType"], json!("Linux"));
    }
    if props.get("autoRebuild").is_none_or(Value::is_null) {
        set(&mut props, &["autoRebuild"], json!("Disabled"));
    }
    set(&mut props, &["environmentType"], json!("UserCreated"));
    Ok(props)
}

pub async fn put_environment_version(
    State(sh): State<Sh>,
    Path(p): VersionPath,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    validate_asset_name(&p.3)?;
    validate_version(&p.4)?;
    let props = environment_props(props_of(&req)?)?;
    let (name, version) = (p.3.clone(), p.4.clone());
    let (status, body) = upsert(&sh, Kind::Environment, &p, props, |old, new| {
        let differs: Vec<&str> = ENV_DEFINITION
            .iter()
            .copied()
            .filter(|k| {
                let norm = |v: Option<&Value>| v.filter(|v| !v.is_null()).cloned();
                norm(old.get(*k)) != norm(new.get(*k))
            })
            .collect();
        if differs.is_empty() {
            Ok(())
        } else {
            Err(ApiError::conflict(
                "UserError",
                format!(
                    "Environment {name}:{version} already exists with a different {}; a version cannot be changed, register a new version.",
                    differs.join(", ")
                ),
            )
            .target(differs[0]))
        }
    })?;
    save(&sh).await?;
    Ok(json(status, body))
}

// ---------------------------------------------------------------- datastores

/// The datastores of a workspace: its `workspaceblobstore` (derived, so every workspace has it,
/// also one from an older `state.json`).
fn datastores(w: &Workspace) -> Vec<Value> {
    let wid = wid_of(w);
    let created = get_str(&w.body, &["systemData", "createdAt"])
        .and_then(model::parse_iso)
        .unwrap_or(0);
    vec![json!({
        "id": format!("{wid}/datastores/{DEFAULT_DATASTORE}"),
        "name": DEFAULT_DATASTORE,
        "type": format!("{PROVIDER}/workspaces/datastores"),
        "properties": {
            "description": null,
            "tags": {},
            "properties": {},
            "isDefault": true,
            "credentials": {
                "credentialsType": "Sas",
                "secrets": {"secretsType": "Sas"},
            },
            "datastoreType": "AzureBlob",
            "accountName": storage::account_name(w),
            "containerName": storage::default_container(w),
            "endpoint": "core.windows.net",
            "protocol": "https",
            "serviceDataAccessAuthIdentity": "WorkspaceSystemAssignedIdentity",
        },
        "systemData": system_data(created, created),
    })]
}

pub async fn list_datastores(
    State(sh): State<Sh>,
    Path((sub, rg, ws)): WsPath,
    Q(q): Q<Query>,
) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let only_default = query_param(&q, "isDefault").map(|v| v.eq_ignore_ascii_case("true"));
    let value: Vec<Value> = datastores(w)
        .into_iter()
        .filter(|d| {
            only_default.is_none_or(|want| {
                get(d, &["properties", "isDefault"]).and_then(Value::as_bool) == Some(want)
            })
        })
        .collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

fn find_datastore(w: &Workspace, name: &str) -> Result<Value, ApiError> {
    datastores(w)
        .into_iter()
        .find(|d| get_str(d, &["name"]).is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .ok_or_else(|| {
            ApiError::not_found(format!("Datastore {name} was not found in this workspace."))
        })
}

pub async fn get_datastore(State(sh): State<Sh>, Path((sub, rg, ws, name)): NamePath) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    Ok(json(StatusCode::OK, find_datastore(w, &name)?))
}

pub async fn list_secrets(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): NamePath,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    let hours = match req.get("expireAfterHours") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_i64()
            .filter(|h| (1..=24 * 365).contains(h))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "UserError",
                    "expireAfterHours must be an integer from 1 to 8760.",
                )
                .target("expireAfterHours")
            })?,
    };
    let (account, container) = {
        let world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let d = find_datastore(w, &name)?;
        (
            get_str(&d, &["properties", "accountName"])
                .unwrap_or("")
                .to_string(),
            get_str(&d, &["properties", "containerName"])
                .unwrap_or("")
                .to_string(),
        )
    };
    let sas = storage::sas_query(
        &sh,
        &account,
        &container,
        None,
        "racwdl",
        now_ms() + hours * 3_600_000,
    );
    Ok(json(
        StatusCode::OK,
        json!({"secretsType": "Sas", "sasToken": sas}),
    ))
}

/// Seeds registered environments (the demo workspace).
pub(crate) fn seed_environment(
    w: &mut Workspace,
    name: &str,
    version: &str,
    props: Value,
    created_ms: i64,
    seq: u64,
) -> Result<(), String> {
    let props = environment_props(props).map_err(|e| e.detail.message)?;
    let wid = wid_of(w);
    let a = w
        .environments
        .entry(name.to_ascii_lowercase())
        .or_insert_with(|| Asset {
            name: name.to_string(),
            created_ms,
            modified_ms: created_ms,
            description: Value::Null,
            tags: json!({}),
            ..Asset::default()
        });
    a.modified_ms = a.modified_ms.max(created_ms);
    a.versions.insert(
        version.to_string(),
        AssetVersion {
            body: json!({
                "id": format!("{wid}/environments/{name}/versions/{version}"),
                "name": version,
                "type": format!("{PROVIDER}/workspaces/environments/versions"),
                "properties": props,
                "systemData": system_data(created_ms, created_ms),
            }),
            created_ms,
            seq,
        },
    );
    Ok(())
}

/// Whether the workspace has environment version `name:version`.
pub(crate) fn has_environment(w: &Workspace, name: &str, version: &str) -> bool {
    w.environments
        .get(&name.to_ascii_lowercase())
        .is_some_and(|a| a.versions.contains_key(version))
}

/// The code version a job's `codeId` names (`{WS}/codes/{n}/versions/{v}`, or `azureml:n:v`).
pub(crate) fn code_version<'a>(w: &'a Workspace, code_id: &str) -> Option<&'a AssetVersion> {
    let (name, version) = parse_asset_id(code_id, "codes")?;
    w.codes
        .get(&name.to_ascii_lowercase())
        .and_then(|a| a.versions.get(&version))
}

/// `(name, version)` of `…/{segment}/{name}/versions/{version}` or `azureml:name:version`.
pub(crate) fn parse_asset_id(id: &str, segment: &str) -> Option<(String, String)> {
    let id = id.trim();
    let lower = id.to_ascii_lowercase();
    let marker = format!("/{segment}/");
    if let Some(idx) = lower.rfind(&marker) {
        let rest = &id[idx + marker.len()..];
        let (name, after) = rest.split_once('/')?;
        let version = after.strip_prefix("versions/")?;
        if name.is_empty() || version.is_empty() || version.contains('/') {
            return None;
        }
        return Some((name.to_string(), version.to_string()));
    }
    let short = id.strip_prefix("azureml:")?;
    let (name, version) = short.split_once(':')?;
    (!name.is_empty() && !version.is_empty() && !name.contains('/'))
        .then(|| (name.to_string(), version.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_ids_in_their_forms() {
        assert_eq!(
            parse_asset_id(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/codes/abc/versions/1",
                "codes"
            ),
            Some(("abc".into(), "1".into()))
        );
        assert_eq!(
            parse_asset_id("azureml:env:3", "environments"),
            Some(("env".into(), "3".into()))
        );
        assert_eq!(
            parse_asset_id(
                "azureml://registries/azureml/environments/x/versions/1",
                "codes"
            ),
            None
        );
        assert_eq!(parse_asset_id("nonsense", "codes"), None);
    }

    #[test]
    fn a_workspace_from_an_older_state_file_has_the_default_datastore() {
        // A workspace as an emulator without assets wrote it: no codes, no environments.
        let old = json!({"subscription": "s", "resource_group": "rg", "name": "old-ws", "location": "eastus",
            "workspace_id": "0a1b2c3d-0000-0000-0000-000000000000", "body": {"properties": {}}, "computes": {}, "jobs": {}});
        let w: Workspace = serde_json::from_value(old).unwrap();
        assert!(w.codes.is_empty() && w.environments.is_empty());
        let ds = datastores(&w);
        assert_eq!(ds[0]["name"], DEFAULT_DATASTORE);
        assert_eq!(ds[0]["properties"]["accountName"], "emuacct0a1b2c3d0000");
        assert_eq!(
            ds[0]["properties"]["containerName"],
            "azureml-blobstore-0a1b2c3d-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn environment_bodies_need_exactly_one_of_image_and_build() {
        assert!(environment_props(json!({"image": "x"})).is_ok());
        assert!(environment_props(json!({"build": {"contextUri": "https://a/b/"}})).is_ok());
        let both = environment_props(json!({"image": "x", "build": {"contextUri": "u"}}));
        assert!(both.unwrap_err().detail.message.contains("not both"));
        let none = environment_props(json!({"condaFile": "x"}));
        assert!(none.unwrap_err().detail.message.contains("needs image"));
    }
}
