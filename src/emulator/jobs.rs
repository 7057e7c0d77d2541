//! ARM job routes of the emulator (v2 `jobs`): list with paging and filters, get, create or
//! update a command job, cancel and delete (both long-running, answered with `Location` and
//! `Azure-AsyncOperation`). Creating a job only records it (after checking that its `codeId` and
//! a workspace `environmentId` exist and its `distribution` is sound); the simulation queues it,
//! places it on its compute, and the runner starts its processes.

use super::arm::{new_op, save, workspace};
use super::assets;
use super::http::{
    ApiError, ApiResult, OpRoute, Query, api_version, enc, json, lro_headers, parse_body,
    query_param, with_headers,
};
use super::model::{
    self, JOB_TYPE, Job, OpKind, TENANT_ID, get, get_str, iso, now_ms, set, system_data,
    validate_job_name, ws_id, ws_key,
};
use super::runner;
use super::shared::Sh;
use super::sim::{self, Effect};
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

const JOB_PAGE: usize = 20;

/// The longest `limits.timeout` a job may ask for (the service's own cap for command jobs).
const MAX_JOB_TIMEOUT_MS: i64 = 30 * 24 * 3_600_000;

/// The environment a job gets when its request names none.
const DEFAULT_ENVIRONMENT: &str =
    "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";

fn job_missing(name: &str) -> ApiError {
    ApiError::not_found(format!("The job {name} was not found in this workspace."))
}

/// The compute a `computeId` names: a full ARM id, `azureml:name`, or a bare name.
fn compute_name_of(id: &str) -> String {
    let id = id.trim();
    if let Some(idx) = id.to_ascii_lowercase().rfind("/computes/") {
        return id[idx + "/computes/".len()..].trim_matches('/').to_string();
    }
    id.strip_prefix("azureml:").unwrap_or(id).to_string()
}

pub async fn list_jobs(
    State(sh): State<Sh>,
    Path((sub, rg, ws)): Path<(String, String, String)>,
    Q(q): Q<Query>,
) -> ApiResult {
    let skip: usize = query_param(&q, "$skip")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let view = query_param(&q, "listViewType")
        .unwrap_or("ActiveOnly")
        .to_ascii_lowercase();
    let job_type = query_param(&q, "jobType").map(str::to_ascii_lowercase);
    let tag = query_param(&q, "tag").map(str::to_string);
    let props: Vec<String> = query_param(&q, "properties")
        .map(|p| {
            p.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let mut jobs: Vec<&Job> = w
        .jobs
        .values()
        .filter(|j| {
            let archived = get(&j.body, &["properties", "isArchived"])
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let view_ok = match view.as_str() {
                "archivedonly" => archived,
                "all" => true,
                _ => !archived,
            };
            let type_ok = job_type.as_ref().is_none_or(|t| {
                get_str(&j.body, &["properties", "jobType"])
                    .is_some_and(|jt| jt.eq_ignore_ascii_case(t))
            });
            let tag_ok = tag.as_ref().is_none_or(|t| {
                let (k, v) = t
                    .split_once('=')
                    .map(|(k, v)| (k, Some(v)))
                    .unwrap_or((t.as_str(), None));
                get(&j.body, &["properties", "tags", k])
                    .is_some_and(|tv| v.is_none_or(|v| tv.as_str() == Some(v)))
            });
            let props_ok = props
                .iter()
                .all(|p| get(&j.body, &["properties", "properties", p.as_str()]).is_some());
            view_ok && type_ok && tag_ok && props_ok
        })
        .collect();
    // Newest first, as the service lists them.
    jobs.sort_by(|a, b| {
        b.created_ms
            .cmp(&a.created_ms)
            .then_with(|| a.name.cmp(&b.name))
    });
    let total = jobs.len();
    let value: Vec<Value> = jobs
        .into_iter()
        .skip(skip)
        .take(JOB_PAGE)
        .map(|j| j.body.clone())
        .collect();
    let mut body = json!({ "value": value });
    if skip.saturating_add(JOB_PAGE) < total {
        let mut link = format!(
            "{}/jobs?api-version={}&$skip={}",
            ws_id(&sub, &rg, &ws).trim_start_matches('/'),
            enc(&api_version(&q)),
            skip.saturating_add(JOB_PAGE)
        );
        for key in ["listViewType", "jobType", "tag", "properties"] {
            if let Some(v) = query_param(&q, key) {
                link.push_str(&format!("&{key}={}", enc(v)));
            }
        }
        body["nextLink"] = json!(sh.abs(&link));
    }
    Ok(json(StatusCode::OK, body))
}

pub async fn get_job(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
) -> ApiResult {
    let world = sh.lock();
    let w = workspace(&world, &sub, &rg, &ws)?;
    let j = w
        .jobs
        .get(&name.to_ascii_lowercase())
        .ok_or_else(|| job_missing(&name))?;
    Ok(json(StatusCode::OK, j.body.clone()))
}

/// `limits.timeout`, when given, must be an ISO-8601 duration of at most 30 days.
fn validate_timeout(props: &Value) -> Result<(), ApiError> {
    let refuse =
        |message: String| Err(ApiError::bad_request("UserError", message).target("limits.timeout"));
    match get(props, &["limits", "timeout"]) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(t)) => match model::parse_duration_ms(t) {
            Some(ms) if (1..=MAX_JOB_TIMEOUT_MS).contains(&ms) => Ok(()),
            Some(_) => refuse(format!(
                "limits.timeout {t} must be more than zero and at most 30 days."
            )),
            None => refuse(format!(
                "limits.timeout {t:?} is not an ISO-8601 duration such as PT2H (at most 30 days)."
            )),
        },
        Some(_) => {
            refuse("limits.timeout must be an ISO-8601 duration string such as PT2H.".into())
        }
    }
}

/// `environmentVariables` is a map of strings (Azure's `Dictionary<string, string>`): a number,
/// boolean, object or null value is refused rather than turned into text.
fn validate_environment_variables(props: &Value) -> Result<(), ApiError> {
    match get(props, &["environmentVariables"]) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(vars)) => match vars.iter().find(|(_, v)| !v.is_string()) {
            None => Ok(()),
            Some((k, v)) => Err(ApiError::bad_request(
                "UserError",
                format!(
                    "environmentVariables.{k} must be a string (got {}); quote the value.",
                    json_kind(v)
                ),
            )
            .target("environmentVariables")),
        },
        Some(other) => Err(ApiError::bad_request(
            "UserError",
            format!(
                "environmentVariables must be an object of string values (got {}).",
                json_kind(other)
            ),
        )
        .target("environmentVariables")),
    }
}

/// A `codeId` must name a code version of the workspace; an `environmentId` that is a workspace
/// environment version id (`…/environments/{n}/versions/{v}`) must exist. Curated (`azureml:…`)
/// and registry (`azureml://registries/…`) environments are taken as given.
fn validate_assets(w: &model::Workspace, props: &Value) -> Result<(), ApiError> {
    if let Some(id) = get_str(props, &["codeId"]).filter(|c| !c.trim().is_empty()) {
        let Some((name, version)) = assets::parse_asset_id(id, "codes") else {
            return Err(ApiError::bad_request(
                "UserError",
                format!(
                    "codeId {id} is not a code version id (…/codes/{{name}}/versions/{{version}})."
                ),
            )
            .target("codeId"));
        };
        if assets::code_version(w, id).is_none() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "UserError",
                format!(
                    "Code version {name}:{version} not found in workspace {} (codeId {id}); upload the code and create the code version first.",
                    w.name
                ),
            )
            .target("codeId"));
        }
    }
    if let Some(id) = get_str(props, &["environmentId"]).filter(|e| !e.trim().is_empty()) {
        let lower = id.to_ascii_lowercase();
        let workspace_env = !lower.starts_with("azureml:")
            && lower.contains("/workspaces/")
            && lower.contains("/environments/");
        if workspace_env {
            let found = assets::parse_asset_id(id, "environments")
                .filter(|(n, v)| assets::has_environment(w, n, v));
            if found.is_none() {
                return Err(ApiError::bad_request(
                    "UserError",
                    format!(
                        "Environment {id} was not found in workspace {}: register that environment version first.",
                        w.name
                    ),
                )
                .target("environmentId"));
            }
        }
    }
    Ok(())
}

/// `distribution`, when given, needs a known type and sensible process counts.
/// The most ranks (processes) one emulated job may run.
pub const MAX_RANKS: usize = 64;

fn validate_distribution(props: &Value) -> Result<(), ApiError> {
    let Some(d) = props.get("distribution").filter(|d| !d.is_null()) else {
        return Ok(());
    };
    let kind = get_str(d, &["distributionType"]).unwrap_or("");
    if !["PyTorch", "Mpi", "TensorFlow"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(kind))
    {
        return Err(ApiError::bad_request(
            "UserError",
            format!("distribution.distributionType {kind:?} must be PyTorch, Mpi or TensorFlow."),
        )
        .target("distribution"));
    }
    for key in [
        "processCountPerInstance",
        "workerCount",
        "parameterServerCount",
    ] {
        match d.get(key) {
            None | Some(Value::Null) => {}
            Some(v) if v.as_u64().is_some_and(|n| n <= 64) => {}
            Some(_) => {
                return Err(ApiError::bad_request(
                    "UserError",
                    format!("distribution.{key} must be an integer from 0 to 64."),
                )
                .target("distribution"));
            }
        }
    }
    Ok(())
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a re-PUT of an existing job may change: these only. Any other field given with a value
/// that differs from the job's is refused, as Azure does, instead of being silently ignored.
const MUTABLE_JOB_FIELDS: &[&str] = &[
    "displayName",
    "description",
    "tags",
    "properties",
    "isArchived",
];

/// Refuses a re-PUT that changes an immutable field of `existing` (command, compute,
/// environment, inputs, ...). Fields the request leaves out, or gives unchanged, are fine;
/// `status`, `services` and other read-only fields are ignored as Azure ignores them.
fn refuse_immutable_changes(existing: &Value, req: &Value, name: &str) -> Result<(), ApiError> {
    let Some(asked) = req.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    let have = existing.get("properties").unwrap_or(&Value::Null);
    let read_only = ["status", "services", "computeId", "resources", "jobType"];
    let mut changed: Vec<&str> = Vec::new();
    for (field, value) in asked {
        if MUTABLE_JOB_FIELDS.contains(&field.as_str())
            || read_only.contains(&field.as_str())
            || value.is_null()
        {
            continue;
        }
        if have.get(field) != Some(value) {
            changed.push(field);
        }
    }
    // Normalised fields: compared by meaning, not text.
    if let Some(id) = get_str(&Value::Object(asked.clone()), &["computeId"]) {
        let old = get_str(have, &["computeId"]).map(compute_name_of);
        if old.map(|o| o.to_ascii_lowercase()) != Some(compute_name_of(id).to_ascii_lowercase()) {
            changed.push("computeId");
        }
    }
    if let Some(t) = get_str(&Value::Object(asked.clone()), &["jobType"])
        && !get_str(have, &["jobType"]).is_some_and(|h| h.eq_ignore_ascii_case(t))
    {
        changed.push("jobType");
    }
    if let Some(n) = get(
        &Value::Object(asked.clone()),
        &["resources", "instanceCount"],
    ) && !n.is_null()
        && get(have, &["resources", "instanceCount"]) != Some(n)
    {
        changed.push("resources.instanceCount");
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "UserError",
        format!(
            "Job {name} already exists and {} cannot be changed; only {} may be updated. Submit a job with a new name instead.",
            changed.join(", "),
            MUTABLE_JOB_FIELDS.join(", ")
        ),
    )
    .target(changed[0]))
}

/// Builds a new command job from a request (used by PUT and by the demo seeding).
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_job(
    sub: &str,
    rg: &str,
    ws: &str,
    name: &str,
    req: &Value,
    compute: Option<(String, String)>,
    instance_count: u32,
    run_number: u64,
    now: i64,
) -> Job {
    let mut props = req.get("properties").cloned().unwrap_or(json!({}));
    let fill = |p: &mut Value, key: &str, v: Value| {
        if p.get(key).is_none_or(Value::is_null) {
            set(p, &[key], v);
        }
    };
    let wid = ws_id(sub, rg, ws);
    if let Some((_, display)) = &compute {
        set(
            &mut props,
            &["computeId"],
            json!(format!("{wid}/computes/{display}")),
        );
    }
    set(&mut props, &["status"], json!("NotStarted"));
    set(&mut props, &["jobType"], json!("Command"));
    fill(&mut props, "displayName", json!(name));
    fill(&mut props, "experimentName", json!("Default"));
    fill(&mut props, "description", Value::Null);
    fill(&mut props, "tags", json!({}));
    fill(&mut props, "properties", json!({}));
    fill(&mut props, "isArchived", json!(false));
    fill(&mut props, "environmentId", json!(DEFAULT_ENVIRONMENT));
    fill(&mut props, "environmentVariables", json!({}));
    fill(&mut props, "inputs", json!({}));
    fill(&mut props, "outputs", json!({}));
    fill(&mut props, "codeId", Value::Null);
    fill(&mut props, "computeId", Value::Null);
    fill(&mut props, "distribution", Value::Null);
    fill(&mut props, "limits", Value::Null);
    fill(&mut props, "identity", Value::Null);
    fill(&mut props, "parentJobName", Value::Null);
    fill(&mut props, "componentId", Value::Null);
    fill(&mut props, "notificationSetting", Value::Null);
    fill(&mut props, "queueSettings", Value::Null);
    let mut resources = props
        .get("resources")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or(json!({}));
    set(&mut resources, &["instanceCount"], json!(instance_count));
    fill(&mut resources, "instanceType", Value::Null);
    fill(&mut resources, "properties", Value::Null);
    fill(&mut resources, "shmSize", json!("2g"));
    set(&mut props, &["resources"], resources);
    let mut services = props
        .get("services")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or(json!({}));
    set(
        &mut services,
        &["Tracking"],
        json!({"jobServiceType": "Tracking", "port": null, "endpoint": format!("azureml://emulator.api.azureml.ms/mlflow/v1.0{wid}?"), "status": null, "errorMessage": null, "properties": null, "nodes": null}),
    );
    set(
        &mut services,
        &["Studio"],
        json!({"jobServiceType": "Studio", "port": null, "endpoint": format!("https://ml.azure.com/runs/{name}?wsid={wid}&tid={TENANT_ID}"), "status": null, "errorMessage": null, "properties": null, "nodes": null}),
    );
    set(&mut props, &["services"], services);
    let body = json!({
        "id": format!("{wid}/jobs/{name}"),
        "name": name,
        "type": JOB_TYPE,
        "properties": props,
        "systemData": system_data(now, now),
    });
    Job {
        body,
        name: name.to_string(),
        status: "NotStarted".to_string(),
        compute: compute.map(|(k, _)| k),
        instance_count,
        run_uuid: uuid::Uuid::new_v4().to_string(),
        run_number,
        created_ms: now,
        ..Job::default()
    }
}

pub async fn put_job(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let req = parse_body(&bytes)?;
    validate_job_name(&name).map_err(|m| ApiError::bad_request("UserError", m).target("name"))?;
    let now = now_ms();
    let key = name.to_ascii_lowercase();
    let wskey = ws_key(&sub, &rg, &ws);
    let (status, body) = {
        let mut world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        if w.jobs.contains_key(&key) {
            let w = world
                .workspaces
                .get_mut(&wskey)
                .ok_or_else(|| ApiError::internal("workspace vanished"))?;
            let j = w.jobs.get_mut(&key).ok_or_else(|| job_missing(&name))?;
            refuse_immutable_changes(&j.body, &req, &name)?;
            for field in [
                "displayName",
                "description",
                "tags",
                "properties",
                "isArchived",
            ] {
                if let Some(v) = get(&req, &["properties", field]) {
                    set(&mut j.body, &["properties", field], v.clone());
                }
            }
            set(
                &mut j.body,
                &["systemData", "lastModifiedAt"],
                json!(iso(now)),
            );
            (StatusCode::OK, j.body.clone())
        } else {
            let props = req.get("properties").ok_or_else(|| {
                ApiError::bad_request("UserError", "The job body needs properties.")
                    .target("properties")
            })?;
            let job_type = get_str(props, &["jobType"]).unwrap_or("");
            if !job_type.eq_ignore_ascii_case("Command") {
                return Err(ApiError::bad_request(
                    "UserError",
                    format!("The emulator runs command jobs only; jobType {job_type:?} is not supported."),
                )
                .target("jobType"));
            }
            if get_str(props, &["command"]).is_none_or(|c| c.trim().is_empty()) {
                return Err(
                    ApiError::bad_request("UserError", "A command job needs a command.")
                        .target("command"),
                );
            }
            validate_timeout(props)?;
            validate_environment_variables(props)?;
            validate_assets(w, props)?;
            validate_distribution(props)?;
            let count = match get(props, &["resources", "instanceCount"]) {
                None | Some(Value::Null) => 1,
                Some(v) => v
                    .as_u64()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "UserError",
                            "resources.instanceCount must be an integer from 1 to 100.",
                        )
                        .target("instanceCount")
                    })? as u32,
            };
            // Every rank is a real process on this machine: a bound, said before anything runs.
            let ranks = super::runner::rank_envs(props, count, &name).len();
            if ranks > MAX_RANKS {
                return Err(ApiError::bad_request(
                    "UserError",
                    format!(
                        "This job would run {ranks} processes (instances × processes per instance, or workers and parameter servers); the emulator runs at most {MAX_RANKS}, each a real process on this machine."
                    ),
                )
                .target("distribution"));
            }
            let compute = match get_str(props, &["computeId"]).filter(|c| !c.trim().is_empty()) {
                None => None,
                Some(id) => {
                    let cname = compute_name_of(id);
                    let c = w.computes.get(&cname.to_ascii_lowercase()).ok_or_else(|| {
                        ApiError::bad_request(
                            "UserError",
                            format!("Compute {cname} was not found in workspace {ws}."),
                        )
                        .target("computeId")
                    })?;
                    match c.compute_type() {
                        "AmlCompute" => {
                            let (_, max, _) = c.scale();
                            if count > max {
                                return Err(ApiError::bad_request(
                                    "UserError",
                                    format!("The job asks for {count} nodes but cluster {} has at most {max}.", c.name()),
                                )
                                .target("instanceCount"));
                            }
                        }
                        "ComputeInstance" if count > 1 => {
                            return Err(ApiError::bad_request(
                                "UserError",
                                "A compute instance runs single-node jobs only (instanceCount 1).",
                            )
                            .target("instanceCount"));
                        }
                        "ComputeInstance" | "Kubernetes" | "AKS" => {}
                        other => {
                            return Err(ApiError::bad_request(
                                "UserError",
                                format!(
                                    "The emulator cannot run command jobs on a {other} compute."
                                ),
                            )
                            .target("computeId"));
                        }
                    }
                    Some((cname.to_ascii_lowercase(), c.name().to_string()))
                }
            };
            let run_number = world.next_run_number;
            world.next_run_number += 1;
            let job = build_job(&sub, &rg, &ws, &name, &req, compute, count, run_number, now);
            let body = job.body.clone();
            let w = world
                .workspaces
                .get_mut(&wskey)
                .ok_or_else(|| ApiError::internal("workspace vanished"))?;
            w.jobs.insert(key.clone(), job);
            (StatusCode::CREATED, body)
        }
    };
    save(&sh).await?;
    sh.kick();
    Ok(json(status, body))
}

/// Starts ending a live job: at once when nothing runs yet, through its processes otherwise.
/// Returns the effects to carry out and the operations already finished.
fn stop_job(
    w: &mut model::Workspace,
    wskey: &str,
    key: &str,
    op_id: &str,
    now: i64,
) -> (Vec<Effect>, Vec<String>) {
    let Some(j) = w.jobs.get_mut(key) else {
        return (Vec::new(), vec![op_id.to_string()]);
    };
    j.waiting_ops.push(op_id.to_string());
    match j.status.as_str() {
        "Running" => {
            j.set_status("CancelRequested");
            (
                vec![Effect::Kill {
                    ws: wskey.to_string(),
                    job: key.to_string(),
                }],
                Vec::new(),
            )
        }
        "Finalizing" | "CancelRequested" => {
            j.set_status("CancelRequested");
            (Vec::new(), Vec::new())
        }
        _ => sim::finish_job(w, key, "Canceled", None, now),
    }
}

pub async fn cancel_job(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
    Q(q): Q<Query>,
) -> ApiResult {
    let api = api_version(&q);
    let now = now_ms();
    let key = name.to_ascii_lowercase();
    let wskey = ws_key(&sub, &rg, &ws);
    let (op, effects) = {
        let mut world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let j = w.jobs.get(&key).ok_or_else(|| job_missing(&name))?;
        if j.is_terminal() {
            return Ok(StatusCode::OK.into_response());
        }
        let (sub_name, location) = (w.subscription.clone(), w.location.clone());
        let op = new_op(
            &mut world,
            &wskey,
            &sub_name,
            &location,
            OpKind::JobCancel,
            &key,
            now,
        );
        let w = world
            .workspaces
            .get_mut(&wskey)
            .ok_or_else(|| ApiError::internal("workspace vanished"))?;
        let (effects, done) = stop_job(w, &wskey, &key, &op.id, now);
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
        lro_headers(&sh, &op, &api, OpRoute::Mfe),
    ))
}

pub async fn delete_job(
    State(sh): State<Sh>,
    Path((sub, rg, ws, name)): Path<(String, String, String, String)>,
    Q(q): Q<Query>,
) -> ApiResult {
    let api = api_version(&q);
    let now = now_ms();
    let key = name.to_ascii_lowercase();
    let wskey = ws_key(&sub, &rg, &ws);
    let (op, effects) = {
        let mut world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let Some(j) = w.jobs.get(&key) else {
            return Ok(StatusCode::NO_CONTENT.into_response());
        };
        let (sub_name, location) = (w.subscription.clone(), w.location.clone());
        let terminal = j.is_terminal();
        let op = new_op(
            &mut world,
            &wskey,
            &sub_name,
            &location,
            OpKind::JobDelete,
            &key,
            now,
        );
        let w = world
            .workspaces
            .get_mut(&wskey)
            .ok_or_else(|| ApiError::internal("workspace vanished"))?;
        let (effects, done) = if terminal {
            let removed = w.jobs.remove(&key);
            let fx = removed
                .map(|j| {
                    vec![Effect::RemoveRun {
                        workspace_id: w.workspace_id.clone(),
                        job_name: j.name,
                    }]
                })
                .unwrap_or_default();
            (fx, vec![op.id.clone()])
        } else {
            if let Some(j) = w.jobs.get_mut(&key) {
                j.delete_requested = true;
            }
            stop_job(w, &wskey, &key, &op.id, now)
        };
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
        [
            lro_headers(&sh, &op, &api, OpRoute::Mfe),
            vec![("x-ms-async-operation-timeout", "PT1H".to_string())],
        ]
        .concat(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_ids_in_all_forms() {
        assert_eq!(
            compute_name_of(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/computes/gpu-cluster"
            ),
            "gpu-cluster"
        );
        assert_eq!(compute_name_of("azureml:cpu"), "cpu");
        assert_eq!(compute_name_of("cpu"), "cpu");
    }
}
