//! The emulator's state: workspaces with their computes, jobs, quota overrides and code and
//! environment assets (containers with versions; fields added later default, so an older
//! `state.json` still loads), plus the
//! long-running operations, all serde types written to `state.json` as one document. Resources
//! keep their wire JSON (`serde_json::Value`) next to the bookkeeping the simulation needs
//! (deadlines as wall-clock milliseconds, cluster nodes, job ranks and their process ids).
//! This module holds data and small pure helpers only: no I/O, no clock reads except `now_ms`,
//! no HTTP.

use crate::azure::error::ErrorDetail;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

/// Version of the `state.json` layout.
pub const STATE_VERSION: u32 = 1;

pub const PROVIDER: &str = "Microsoft.MachineLearningServices";
pub const COMPUTE_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/computes";
pub const JOB_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/jobs";
pub const WORKSPACE_TYPE: &str = "Microsoft.MachineLearningServices/workspaces";
pub const TENANT_ID: &str = "00000000-0000-0000-0000-0000000000aa";
pub const EMULATOR_USER: &str = "emulator@amlc.local";
pub const EMULATOR_OID: &str = "00000000-0000-0000-0000-0000000000bb";

/// Everything the emulator knows, persisted as one JSON document.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct World {
    pub version: u32,
    /// Keyed by [`ws_key`].
    pub workspaces: BTreeMap<String, Workspace>,
    pub operations: BTreeMap<String, Operation>,
    pub next_run_number: u64,
    /// Creation counter of asset versions (orders versions created in the same millisecond).
    pub next_asset_seq: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Workspace {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    /// The `workspaceId` GUID; also names the workspace's folder of run directories.
    pub workspace_id: String,
    /// The ARM resource as served, without the fields derived from the emulator's URL.
    pub body: Value,
    /// Keyed by lower-cased compute name.
    pub computes: BTreeMap<String, Compute>,
    /// Keyed by lower-cased job name.
    pub jobs: BTreeMap<String, Job>,
    /// Workspace-level quota limits set through `updateQuotas`, by VM family key.
    pub quota_limits: BTreeMap<String, i64>,
    /// Code assets (`codes/{name}/versions/{version}`), keyed by lower-cased name.
    pub codes: BTreeMap<String, Asset>,
    /// Environment assets (`environments/{name}/versions/{version}`), keyed by lower-cased name.
    pub environments: BTreeMap<String, Asset>,
}

/// An asset container (code or environment) and its versions. Containers are created implicitly
/// by the first version PUT, as the service does.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Asset {
    /// The name as first given.
    pub name: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// The container's `description` and `tags`.
    pub description: Value,
    pub tags: Value,
    /// Keyed by the version string as given.
    pub versions: BTreeMap<String, AssetVersion>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AssetVersion {
    /// The resource as served.
    pub body: Value,
    pub created_ms: i64,
    /// World-wide creation order (ties of `created_ms` broken by it).
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Compute {
    /// The ARM resource as served (secrets removed).
    pub body: Value,
    /// Secret properties held back from GET and served by `listKeys` only.
    pub secrets: Value,
    pub pending: Option<Pending>,
    /// AmlCompute nodes (including ones still being allocated, which are not listed).
    pub nodes: Vec<Node>,
    pub node_seq: u64,
    /// ComputeInstance: when it last became idle (no job), for idle shutdown.
    pub idle_since_ms: Option<i64>,
    /// Job name currently holding a ComputeInstance.
    pub busy_with: Option<String>,
}

/// A transition in progress on a compute, due at a wall-clock time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub action: Action,
    /// Stage within a multi-step action (ComputeInstance create: 0 Creating, 1 SettingUp).
    #[serde(default)]
    pub stage: u8,
    pub due_ms: i64,
    pub op_id: Option<String>,
    /// Set when the action is going to fail (e.g. OutOfQuota); applied when it is due.
    #[serde(default)]
    pub fail: Option<ErrorDetail>,
    /// The VM size a resize goes to.
    #[serde(default)]
    pub target_size: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Create,
    Update,
    Start,
    Stop,
    IdleStop,
    Restart,
    Delete,
    Resize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    /// Being allocated: counted in `targetNodeCount` only, not listed yet.
    Allocating,
    Preparing,
    Idle,
    Running,
    Unusable,
    Leaving,
    Preempted,
}

impl NodeState {
    pub fn wire(self) -> &'static str {
        match self {
            NodeState::Allocating => "allocating",
            NodeState::Preparing => "preparing",
            NodeState::Idle => "idle",
            NodeState::Running => "running",
            NodeState::Unusable => "unusable",
            NodeState::Leaving => "leaving",
            NodeState::Preempted => "preempted",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub state: NodeState,
    /// When the node entered its state.
    pub since_ms: i64,
    /// When an allocating/preparing/leaving node moves on.
    pub due_ms: Option<i64>,
    pub run_id: Option<String>,
    pub private_ip: String,
    pub public_ip: String,
    pub port: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Job {
    /// The ARM `JobBase` resource as served (its `properties.status` mirrors `status`).
    pub body: Value,
    pub name: String,
    pub status: String,
    /// Lower-cased compute name, or None for serverless.
    pub compute: Option<String>,
    pub instance_count: u32,
    pub run_uuid: String,
    pub run_number: u64,
    pub created_ms: i64,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// When the current phase (Preparing, Finalizing) ends.
    pub phase_due_ms: Option<i64>,
    /// Wall-clock deadline from `limits.timeout`, once running.
    pub timeout_at_ms: Option<i64>,
    /// The emulator ended the job (timeout, no attempts left, could not start it): `error` says
    /// why and wins over the exit codes.
    pub ended_by_emulator: bool,
    /// Cluster node ids held by the job.
    pub nodes: Vec<String>,
    pub ranks: Vec<Rank>,
    /// Bumped on each launch; a runner reporting for an older attempt is ignored.
    pub attempt: u32,
    /// How many times an emulator died (crashed: SIGKILL, power loss) while this job ran; at
    /// [`crate::emulator`]'s limit of three the job fails with `EmulatorRestarted`. A clean stop
    /// of the emulator does not count.
    pub crash_restarts: u32,
    /// Set at a clean shutdown of the emulator (idle stop, SIGTERM, SIGINT) on a job whose
    /// processes it ended on purpose: the next start runs it again without counting a crash.
    pub stopped_on_purpose: bool,
    pub error: Option<ErrorDetail>,
    pub warnings: Vec<String>,
    /// Operation ids to complete when the job reaches a terminal state (cancel) or is removed (delete).
    pub waiting_ops: Vec<String>,
    pub delete_requested: bool,
    /// Set by seeding for jobs that never ran here (demo history).
    pub synthetic: bool,
}

/// One rank's process: its process id (also its process-group id) and start time, to recognise it
/// after a restart of the emulator.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Rank {
    pub pid: i32,
    pub start_ticks: u64,
    pub exit_code: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    pub id: String,
    pub subscription: String,
    pub location: String,
    /// `InProgress`, `Succeeded`, `Failed` or `Canceled`.
    pub status: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub error: Option<ErrorDetail>,
    /// Workspace key and resource the operation is about, for the final result.
    pub ws_key: String,
    pub kind: OpKind,
    pub resource: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpKind {
    ComputePut,
    ComputeAction,
    ComputeDelete,
    JobCancel,
    JobDelete,
}

impl World {
    pub fn new() -> World {
        World {
            version: STATE_VERSION,
            next_run_number: 1,
            ..World::default()
        }
    }

    pub fn complete_op(&mut self, op_id: &str, now: i64, error: Option<ErrorDetail>) {
        if let Some(op) = self.operations.get_mut(op_id)
            && op.status == "InProgress"
        {
            op.status = if error.is_some() {
                "Failed"
            } else {
                "Succeeded"
            }
            .to_string();
            op.end_ms = Some(now);
            op.error = error;
        }
    }

    /// Drops finished operations older than a day, keeping the newest 2000 at most.
    pub fn prune_ops(&mut self, now: i64) {
        let day = 24 * 3600 * 1000;
        self.operations
            .retain(|_, op| op.end_ms.is_none_or(|end| now - end < day));
        if self.operations.len() > 2000 {
            let mut done: Vec<(i64, String)> = self
                .operations
                .values()
                .filter_map(|op| op.end_ms.map(|e| (e, op.id.clone())))
                .collect();
            done.sort();
            let excess = self.operations.len() - 2000;
            for (_, id) in done.into_iter().take(excess) {
                self.operations.remove(&id);
            }
        }
    }
}

pub fn ws_key(sub: &str, rg: &str, ws: &str) -> String {
    format!(
        "{}/{}/{}",
        sub.to_ascii_lowercase(),
        rg.to_ascii_lowercase(),
        ws.to_ascii_lowercase()
    )
}

pub fn ws_id(sub: &str, rg: &str, ws: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{PROVIDER}/workspaces/{ws}")
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `2024-05-01T12:00:00.123Z`, the form ARM uses in `systemData`.
pub fn iso(ms: i64) -> String {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    )
}

/// HTTP-date (`Tue, 15 Nov 1994 08:12:31 GMT`).
pub fn http_date(ms: i64) -> String {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let day = match dt.weekday() {
        time::Weekday::Monday => "Mon",
        time::Weekday::Tuesday => "Tue",
        time::Weekday::Wednesday => "Wed",
        time::Weekday::Thursday => "Thu",
        time::Weekday::Friday => "Fri",
        time::Weekday::Saturday => "Sat",
        time::Weekday::Sunday => "Sun",
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS[usize::from(u8::from(dt.month())).saturating_sub(1) % 12];
    format!(
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        dt.day(),
        dt.year(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Parses an RFC 3339 timestamp into Unix milliseconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let dt = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some((dt.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Parses an ISO-8601 duration (`PT5M`, `P1D`) into milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let d: std::time::Duration = iso8601::duration(s.trim()).ok()?.into();
    i64::try_from(d.as_millis()).ok()
}

/// `systemData` for a resource created or modified now by the emulator's user.
pub fn system_data(created_ms: i64, modified_ms: i64) -> Value {
    json!({
        "createdAt": iso(created_ms),
        "createdBy": EMULATOR_USER,
        "createdByType": "User",
        "lastModifiedAt": iso(modified_ms),
        "lastModifiedBy": EMULATOR_USER,
        "lastModifiedByType": "User",
    })
}

/// Reads a nested field.
pub fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for key in path {
        cur = cur.get(*key)?;
    }
    Some(cur)
}

pub fn get_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

/// Writes a nested field, creating (or replacing non-object) parents as objects.
pub fn set(v: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        *v = value;
        return;
    };
    let mut cur = v;
    for key in parents {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else { return };
        cur = map
            .entry((*key).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    if let Value::Object(map) = cur {
        map.insert((*last).to_string(), value);
    }
}

/// Removes a nested field, returning it.
pub fn take(v: &mut Value, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut cur = v;
    for key in parents {
        cur = cur.get_mut(*key)?;
    }
    cur.as_object_mut()?.remove(*last)
}

impl Compute {
    pub fn compute_type(&self) -> &str {
        get_str(&self.body, &["properties", "computeType"]).unwrap_or("")
    }
    pub fn name(&self) -> &str {
        get_str(&self.body, &["name"]).unwrap_or("")
    }
    pub fn location(&self) -> &str {
        get_str(&self.body, &["location"]).unwrap_or("")
    }
    pub fn provisioning_state(&self) -> &str {
        get_str(&self.body, &["properties", "provisioningState"]).unwrap_or("")
    }
    /// ComputeInstance `state`.
    pub fn state(&self) -> &str {
        get_str(&self.body, &["properties", "properties", "state"]).unwrap_or("")
    }
    pub fn vm_size(&self) -> Option<&str> {
        get_str(&self.body, &["properties", "properties", "vmSize"])
    }
    pub fn is_low_priority(&self) -> bool {
        get_str(&self.body, &["properties", "properties", "vmPriority"])
            .is_some_and(|p| p.eq_ignore_ascii_case("LowPriority"))
    }
    pub fn scale(&self) -> (u32, u32, i64) {
        let s = get(&self.body, &["properties", "properties", "scaleSettings"]);
        let min = s
            .and_then(|s| s.get("minNodeCount"))
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32;
        let max = s
            .and_then(|s| s.get("maxNodeCount"))
            .and_then(Value::as_u64)
            .unwrap_or(1) as u32;
        let idle = s
            .and_then(|s| s.get("nodeIdleTimeBeforeScaleDown"))
            .and_then(Value::as_str)
            .and_then(parse_duration_ms)
            .unwrap_or(120_000);
        (min, max, idle)
    }
    pub fn set_prop(&mut self, path: &[&str], value: Value) {
        let mut full = vec!["properties", "properties"];
        full.extend_from_slice(path);
        set(&mut self.body, &full, value);
    }
    pub fn set_top(&mut self, key: &str, value: Value) {
        set(&mut self.body, &["properties", key], value);
    }

    /// Rewrites the AmlCompute counters from `nodes`, so `currentNodeCount`, `targetNodeCount`,
    /// `nodeStateCounts` and `listNodes` always agree. Returns true if the allocation state flipped.
    pub fn sync_cluster_fields(&mut self, now: i64) -> bool {
        let mut counts = [0u64; 6];
        let mut allocating = 0u64;
        let mut leaving = 0u64;
        for n in &self.nodes {
            match n.state {
                NodeState::Allocating => allocating += 1,
                NodeState::Idle => counts[0] += 1,
                NodeState::Running => counts[1] += 1,
                NodeState::Preparing => counts[2] += 1,
                NodeState::Unusable => counts[3] += 1,
                NodeState::Leaving => {
                    counts[4] += 1;
                    leaving += 1
                }
                NodeState::Preempted => counts[5] += 1,
            }
        }
        let current: u64 = counts.iter().sum();
        let target = current + allocating - leaving;
        // Batch semantics: the pool resizes while VMs are being allocated or removed; nodes that
        // are preparing are already allocated.
        let resizing = allocating > 0 || leaving > 0;
        let alloc = if resizing { "Resizing" } else { "Steady" };
        let flipped =
            get_str(&self.body, &["properties", "properties", "allocationState"]) != Some(alloc);
        self.set_prop(&["currentNodeCount"], json!(current));
        self.set_prop(&["targetNodeCount"], json!(target));
        self.set_prop(
            &["nodeStateCounts"],
            json!({
                "idleNodeCount": counts[0],
                "runningNodeCount": counts[1],
                "preparingNodeCount": counts[2],
                "unusableNodeCount": counts[3],
                "leavingNodeCount": counts[4],
                "preemptedNodeCount": counts[5],
            }),
        );
        if flipped {
            self.set_prop(&["allocationState"], json!(alloc));
            self.set_prop(&["allocationStateTransitionTime"], json!(iso(now)));
        }
        flipped
    }

    /// Nodes as `listNodes` shows them (allocating nodes are not visible yet).
    pub fn node_list(&self) -> Vec<Value> {
        self.nodes
            .iter()
            .filter(|n| n.state != NodeState::Allocating)
            .map(|n| {
                let mut v = json!({
                    "nodeId": n.id,
                    "privateIpAddress": n.private_ip,
                    "publicIpAddress": n.public_ip,
                    "port": n.port,
                    "nodeState": n.state.wire(),
                });
                if let Some(run) = &n.run_id {
                    set(&mut v, &["runId"], json!(run));
                }
                v
            })
            .collect()
    }

    /// Adds a node in `state`, numbering it after the last one.
    pub fn add_node(&mut self, state: NodeState, now: i64, due_ms: Option<i64>) -> String {
        self.node_seq += 1;
        let n = self.node_seq;
        let stamp = iso(now)
            .chars()
            .filter(|c| c.is_ascii_digit())
            .take(14)
            .collect::<String>();
        let tag = stable_hash(self.name()) % 1_000_000_000;
        let id = format!(
            "tvm-{tag:09}_{n}-{}t{}z",
            &stamp.get(..8).unwrap_or("00000000"),
            &stamp.get(8..).unwrap_or("000000")
        );
        let octet = (n % 250) + 4;
        self.nodes.push(Node {
            id: id.clone(),
            state,
            since_ms: now,
            due_ms,
            run_id: None,
            private_ip: format!("10.0.0.{octet}"),
            public_ip: format!("20.42.{}.{octet}", (tag % 200) + 10),
            port: 50000 + (n % 1000) as u16,
        });
        id
    }
}

impl Job {
    pub fn is_terminal(&self) -> bool {
        is_terminal_status(&self.status)
    }
    pub fn set_status(&mut self, status: &str) {
        self.status = status.to_string();
        set(&mut self.body, &["properties", "status"], json!(status));
    }
}

pub fn is_terminal_status(status: &str) -> bool {
    matches!(
        status,
        "Completed" | "Failed" | "Canceled" | "NotResponding" | "Paused"
    )
}

/// A small deterministic hash (FNV-1a) for stable synthetic identifiers.
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// An `ErrorDetail` with code and message.
pub fn err(code: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        code: code.to_string(),
        message: message.into(),
        ..ErrorDetail::default()
    }
}

pub trait ErrorDetailExt {
    fn with_target(self, target: &str) -> Self;
}

impl ErrorDetailExt for ErrorDetail {
    fn with_target(mut self, target: &str) -> Self {
        self.target = Some(target.to_string());
        self
    }
}

/// Job names: `^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$` (they also name run directories).
pub fn validate_job_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "job name {name:?} must be 1 to 255 letters, digits, hyphens or underscores and start with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_set_get_take() {
        let mut v = json!({});
        set(&mut v, &["a", "b", "c"], json!(1));
        assert_eq!(get(&v, &["a", "b", "c"]), Some(&json!(1)));
        assert_eq!(take(&mut v, &["a", "b", "c"]), Some(json!(1)));
        assert_eq!(get(&v, &["a", "b", "c"]), None);
    }

    #[test]
    fn times_format_and_parse() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_iso("1970-01-01T00:00:01.500Z"), Some(1500));
        assert_eq!(http_date(784_887_151_000), "Tue, 15 Nov 1994 08:12:31 GMT");
        assert_eq!(parse_duration_ms("PT5M"), Some(300_000));
        assert_eq!(parse_duration_ms("PT1.5S"), Some(1500));
        assert_eq!(parse_duration_ms("bogus"), None);
    }

    #[test]
    fn job_names() {
        assert!(validate_job_name("olive_kettle_4m8q").is_ok());
        assert!(validate_job_name("../etc").is_err());
        assert!(validate_job_name("a/b").is_err());
        assert!(validate_job_name("").is_err());
    }

    #[test]
    fn cluster_counters_agree() {
        let mut c = Compute {
            body: json!({"name": "c1", "properties": {"computeType": "AmlCompute", "properties": {}}}),
            ..Compute::default()
        };
        c.add_node(NodeState::Allocating, 0, Some(10));
        c.add_node(NodeState::Running, 0, None);
        c.add_node(NodeState::Leaving, 0, Some(10));
        c.sync_cluster_fields(0);
        let p = &c.body["properties"]["properties"];
        assert_eq!(p["currentNodeCount"], 2);
        assert_eq!(p["targetNodeCount"], 2);
        assert_eq!(p["allocationState"], "Resizing");
        assert_eq!(c.node_list().len(), 2);
    }
}
