//! The emulator's simulation: a pure `tick(world, now, speed)` that moves every resource along its
//! state machine when its wall-clock deadline has passed, and returns the side effects to carry
//! out (launch or kill job processes, remove a run directory). Deadlines are absolute timestamps
//! in the persisted state, so a restarted emulator simply ticks on. Also here: vCPU usage and the
//! quota check shared with the ARM routes. No I/O, no locking, no clock reads.
//!
//! Timings at speed 1 (all divided by `--speed`): instance create 2 s + setup 1.5 s, cluster create
//! 3 s, attach 2 s, AKS create 4 s, start/stop 2.5 s, restart 3 s, resize 3 s, delete 2 s, update
//! 1 s; a cluster node is allocated in 1 s and prepared in 3 s, and leaves in 1.5 s; a job prepares
//! for 1.5 s and finalizes for 1 s. Idle nodes leave after `nodeIdleTimeBeforeScaleDown`, instances
//! stop after `idleTimeBeforeShutdown`, both scaled by the speed as well.

use super::catalog::{self, VmSize};
use super::model::{
    self, Action, Compute, ErrorDetailExt, NodeState, Pending, Workspace, World, get_str, iso,
    parse_duration_ms,
};
use super::shared::scaled_ms;
use crate::azure::error::ErrorDetail;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub const CI_CREATE: f64 = 2.0;
pub const CI_SETUP: f64 = 1.5;
pub const CLUSTER_CREATE: f64 = 3.0;
pub const ATTACH: f64 = 2.0;
pub const AKS_CREATE: f64 = 4.0;
pub const START: f64 = 2.5;
pub const STOP: f64 = 2.5;
pub const RESTART: f64 = 3.0;
pub const RESIZE: f64 = 3.0;
pub const DELETE: f64 = 2.0;
pub const UPDATE: f64 = 1.0;
pub const NODE_ALLOC: f64 = 1.0;
pub const NODE_PREP: f64 = 3.0;
pub const NODE_LEAVE: f64 = 1.5;
pub const JOB_PREP: f64 = 1.5;
pub const JOB_FINALIZE: f64 = 1.0;

/// A side effect of a tick, carried out by the runner after the world lock is released.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the processes of a job that just entered Running.
    Launch {
        ws: String,
        job: String,
        attempt: u32,
    },
    /// End a job's process groups (cancel, timeout, compute gone).
    Kill { ws: String, job: String },
    /// Remove a deleted job's run directory.
    RemoveRun {
        workspace_id: String,
        job_name: String,
    },
}

#[derive(Debug, Default)]
pub struct Tick {
    pub changed: bool,
    pub effects: Vec<Effect>,
}

/// vCPUs in use per subscription and region, by VM family and tier.
#[derive(Debug, Default, Clone)]
pub struct Usage {
    pub dedicated: HashMap<String, i64>,
    pub low_priority: HashMap<String, i64>,
    pub total_dedicated: i64,
    pub total_low_priority: i64,
    /// (workspace key, family key, low priority) → vCPUs.
    pub by_workspace: HashMap<(String, String, bool), i64>,
    /// (workspace key, compute name, family key, low priority) → vCPUs.
    pub by_compute: Vec<(String, String, String, bool, i64)>,
}

/// The VM size of a compute and the vCPUs it holds right now (0 for a stopped instance).
pub fn compute_vcpus(c: &Compute) -> Option<(&'static VmSize, i64, bool)> {
    let size = catalog::find_size(c.vm_size()?)?;
    let v = i64::from(size.vcpus);
    match c.compute_type() {
        "ComputeInstance" => {
            let held = !matches!(c.state(), "Stopped" | "CreateFailed" | "")
                && c.provisioning_state() != "Failed";
            Some((size, if held { v } else { 0 }, false))
        }
        "AmlCompute" => Some((size, v * c.nodes.len() as i64, c.is_low_priority())),
        _ => None,
    }
}

pub fn usage(world: &World, sub: &str, loc: &str) -> Usage {
    let mut u = Usage::default();
    for (key, ws) in &world.workspaces {
        if !ws.subscription.eq_ignore_ascii_case(sub) {
            continue;
        }
        for c in ws.computes.values() {
            if !c.location().eq_ignore_ascii_case(loc) {
                continue;
            }
            if let Some((size, v, low)) = compute_vcpus(c) {
                u.add(key, c.name(), size.family, low, v);
            }
        }
    }
    u
}

impl Usage {
    pub fn add(&mut self, ws_key: &str, compute: &str, family: &str, low: bool, v: i64) {
        let fam = family.to_ascii_lowercase();
        if low {
            *self.low_priority.entry(fam.clone()).or_default() += v;
            self.total_low_priority += v;
        } else {
            *self.dedicated.entry(fam.clone()).or_default() += v;
            self.total_dedicated += v;
        }
        *self
            .by_workspace
            .entry((ws_key.to_string(), fam.clone(), low))
            .or_default() += v;
        if let Some(entry) = self
            .by_compute
            .iter_mut()
            .find(|e| e.0 == ws_key && e.1 == compute && e.2 == fam && e.3 == low)
        {
            entry.4 += v;
        } else {
            self.by_compute
                .push((ws_key.to_string(), compute.to_string(), fam, low, v));
        }
    }

    /// Whether `extra` more vCPUs of `size` fit the subscription's and the workspace's quotas.
    pub fn check(
        &self,
        ws_key: &str,
        limits: &BTreeMap<String, i64>,
        size: &VmSize,
        low: bool,
        extra: i64,
    ) -> Result<(), ErrorDetail> {
        let Some(family) = catalog::find_family(size.family) else {
            return Ok(());
        };
        let fam = family.key.to_ascii_lowercase();
        if low {
            let used = self.total_low_priority;
            if used + extra > catalog::TOTAL_LOW_PRIORITY_LIMIT {
                return Err(quota_error(
                    "Total Cluster LowPriority Regional vCPUs",
                    catalog::TOTAL_LOW_PRIORITY_LIMIT,
                    used,
                    extra,
                ));
            }
            return Ok(());
        }
        let used = self.dedicated.get(&fam).copied().unwrap_or(0);
        if used + extra > family.limit {
            return Err(quota_error(family.display, family.limit, used, extra));
        }
        if self.total_dedicated + extra > catalog::TOTAL_DEDICATED_LIMIT {
            return Err(quota_error(
                "Total Cluster Dedicated Regional vCPUs",
                catalog::TOTAL_DEDICATED_LIMIT,
                self.total_dedicated,
                extra,
            ));
        }
        if let Some(limit) = limits
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(family.key))
            .map(|(_, v)| *v)
        {
            let used = self
                .by_workspace
                .get(&(ws_key.to_string(), fam, false))
                .copied()
                .unwrap_or(0);
            if used + extra > limit {
                return Err(quota_error(
                    &format!("{} (workspace quota)", family.display),
                    limit,
                    used,
                    extra,
                ));
            }
        }
        Ok(())
    }
}

fn quota_error(what: &str, limit: i64, used: i64, extra: i64) -> ErrorDetail {
    model::err(
        "OutOfQuota",
        format!(
            "The specified subscription has a {what} vCPU quota of {limit} and cannot accommodate \
             {extra} more vCPUs: {used} are already in use. Request a quota increase or pick another VM size."
        ),
    )
}

/// Sets `lastOperation` of a ComputeInstance.
pub fn last_operation(c: &mut Compute, name: &str, status: &str, trigger: &str, now: i64) {
    c.set_prop(
        &["lastOperation"],
        json!({
            "operationName": name,
            "operationTime": iso(now),
            "operationStatus": status,
            "operationTrigger": trigger,
        }),
    );
}

fn running_instance_fields(c: &mut Compute) {
    let name = c.name().to_string();
    let loc = c.location().to_string();
    let host = format!("{}.{}.instances.azureml.ms", name.to_ascii_lowercase(), loc);
    c.set_prop(
        &["applications"],
        json!([
            {"displayName": "Jupyter", "endpointUri": format!("https://{host}/tree/")},
            {"displayName": "Jupyter Lab", "endpointUri": format!("https://{host}/lab")},
            {"displayName": "VS Code", "endpointUri": format!("vscode://vscode.azureml/remote?computeName={name}")},
        ]),
    );
    let octet = model::stable_hash(&name) % 200 + 10;
    c.set_prop(
        &["connectivityEndpoints"],
        json!({"publicIpAddress": format!("20.62.{octet}.7"), "privateIpAddress": format!("10.0.1.{octet}")}),
    );
}

enum Outcome {
    Continue,
    Done(Option<ErrorDetail>),
    Remove,
}

fn apply_transition(c: &mut Compute, p: &Pending, now: i64, speed: f64) -> Outcome {
    let is_ci = c.compute_type() == "ComputeInstance";
    c.set_top("modifiedOn", json!(iso(now)));
    c.pending = None;
    match p.action {
        Action::Create => {
            if let Some(e) = &p.fail {
                c.set_top("provisioningState", json!("Failed"));
                c.set_top("provisioningErrors", json!([{ "error": e }]));
                if is_ci {
                    c.set_prop(&["state"], json!("CreateFailed"));
                    c.set_prop(&["errors"], json!([{ "error": e }]));
                    last_operation(c, "Create", "CreateFailed", "User", now);
                }
                return Outcome::Done(Some(e.clone()));
            }
            if is_ci && p.stage == 0 {
                c.set_prop(&["state"], json!("SettingUp"));
                c.pending = Some(Pending {
                    stage: 1,
                    due_ms: now.saturating_add(scaled_ms(CI_SETUP, speed)),
                    ..p.clone()
                });
                return Outcome::Continue;
            }
            c.set_top("provisioningState", json!("Succeeded"));
            if is_ci {
                c.set_prop(&["state"], json!("Running"));
                running_instance_fields(c);
                last_operation(c, "Create", "Succeeded", "User", now);
                c.idle_since_ms = Some(now);
            }
            if c.compute_type() == "AKS" {
                c.set_prop(
                    &["systemServices"],
                    json!([{"systemServiceType": "ScoringFrontEnd", "publicIpAddress": "20.81.12.34", "version": "1.0"}]),
                );
            }
            Outcome::Done(None)
        }
        Action::Update => {
            c.set_top("provisioningState", json!("Succeeded"));
            Outcome::Done(None)
        }
        Action::Start => {
            if let Some(e) = &p.fail {
                c.set_prop(&["state"], json!("Stopped"));
                last_operation(c, "Start", "StartFailed", "User", now);
                return Outcome::Done(Some(e.clone()));
            }
            c.set_prop(&["state"], json!("Running"));
            running_instance_fields(c);
            last_operation(c, "Start", "Succeeded", "User", now);
            c.idle_since_ms = Some(now);
            Outcome::Done(None)
        }
        Action::Stop | Action::IdleStop => {
            c.set_prop(&["state"], json!("Stopped"));
            let trigger = if p.action == Action::IdleStop {
                "IdleShutdown"
            } else {
                "User"
            };
            last_operation(c, "Stop", "Succeeded", trigger, now);
            c.set_prop(&["applications"], json!([]));
            c.idle_since_ms = None;
            Outcome::Done(None)
        }
        Action::Restart => {
            c.set_prop(&["state"], json!("Running"));
            last_operation(c, "Restart", "Succeeded", "User", now);
            c.idle_since_ms = Some(now);
            Outcome::Done(None)
        }
        Action::Resize => {
            if let Some(size) = &p.target_size {
                c.set_prop(&["vmSize"], json!(size));
            }
            c.set_prop(&["state"], json!("Stopped"));
            last_operation(c, "Resize", "Succeeded", "User", now);
            Outcome::Done(None)
        }
        Action::Delete => Outcome::Remove,
    }
}

/// Frees what a job holds (cluster nodes, an instance).
pub fn release(ws: &mut Workspace, job_name: &str, compute: Option<&str>, now: i64) {
    let Some(cname) = compute else { return };
    let Some(c) = ws.computes.get_mut(cname) else {
        return;
    };
    let mut touched = false;
    for n in c.nodes.iter_mut() {
        if n.run_id.as_deref() == Some(job_name) {
            n.run_id = None;
            if n.state == NodeState::Running {
                n.state = NodeState::Idle;
                n.since_ms = now;
            }
            touched = true;
        }
    }
    if touched {
        c.sync_cluster_fields(now);
    }
    if c.busy_with.as_deref() == Some(job_name) {
        c.busy_with = None;
        if c.state() == "JobRunning" {
            c.set_prop(&["state"], json!("Running"));
        }
        c.idle_since_ms = Some(now);
    }
}

/// Puts a job in a terminal state, frees its resources, completes the operations waiting on it,
/// and removes it when a delete was asked for. Returns the effects and finished operations.
pub fn finish_job(
    ws: &mut Workspace,
    job_key: &str,
    status: &str,
    error: Option<ErrorDetail>,
    now: i64,
) -> (Vec<Effect>, Vec<String>) {
    let mut effects = Vec::new();
    let Some(job) = ws.jobs.get_mut(job_key) else {
        return (effects, Vec::new());
    };
    job.set_status(status);
    job.end_ms = Some(now);
    job.phase_due_ms = None;
    if error.is_some() {
        job.error = error;
    }
    if status == "Completed" {
        job.error = None;
    }
    let name = job.name.clone();
    let compute = job.compute.clone();
    job.nodes.clear();
    let ops = std::mem::take(&mut job.waiting_ops);
    let delete = job.delete_requested;
    release(ws, &name, compute.as_deref(), now);
    if delete {
        ws.jobs.remove(job_key);
        effects.push(Effect::RemoveRun {
            workspace_id: ws.workspace_id.clone(),
            job_name: name,
        });
    }
    (effects, ops)
}

/// The error of a job whose ranks ended with `codes`.
pub fn exit_error(codes: &[Option<i32>]) -> Option<ErrorDetail> {
    let (rank, code) = codes
        .iter()
        .enumerate()
        .find_map(|(i, c)| c.filter(|c| *c != 0).map(|c| (i, c)))?;
    Some(
        model::err(
            "UserError",
            format!(
                "Execution failed. User process '/bin/sh' exited with status code {code}. Please check log file \
                 'user_logs/std_log_process_{rank}.txt' for error details."
            ),
        )
        .with_target("Execution"),
    )
}

/// Advances everything whose deadline has passed.
pub fn tick(world: &mut World, now: i64, speed: f64) -> Tick {
    let mut t = Tick::default();
    let mut ops_done: Vec<(String, Option<ErrorDetail>)> = Vec::new();
    let mut usages: HashMap<(String, String), Usage> = HashMap::new();
    let keys: Vec<String> = world.workspaces.keys().cloned().collect();
    for key in &keys {
        let Some(ws) = world.workspaces.get(key) else {
            continue;
        };
        for c in ws.computes.values() {
            if c.compute_type() == "AmlCompute" {
                let k = (
                    ws.subscription.to_ascii_lowercase(),
                    c.location().to_ascii_lowercase(),
                );
                if let std::collections::hash_map::Entry::Vacant(e) = usages.entry(k) {
                    let u = usage(world, &e.key().0, &e.key().1);
                    e.insert(u);
                }
            }
        }
    }

    for key in &keys {
        let Some(ws) = world.workspaces.get_mut(key) else {
            continue;
        };

        // Compute transitions.
        let names: Vec<String> = ws.computes.keys().cloned().collect();
        for name in &names {
            let Some(c) = ws.computes.get_mut(name) else {
                continue;
            };
            let Some(p) = c.pending.clone() else { continue };
            if p.due_ms > now {
                continue;
            }
            t.changed = true;
            match apply_transition(c, &p, now, speed) {
                Outcome::Continue => {}
                Outcome::Done(e) => {
                    if let Some(op) = p.op_id {
                        ops_done.push((op, e));
                    }
                }
                Outcome::Remove => {
                    ws.computes.remove(name);
                    if let Some(op) = p.op_id {
                        ops_done.push((op, None));
                    }
                }
            }
        }

        // Instance idle shutdown.
        for c in ws.computes.values_mut() {
            if c.compute_type() != "ComputeInstance"
                || c.state() != "Running"
                || c.pending.is_some()
                || c.busy_with.is_some()
            {
                continue;
            }
            let Some(idle) = get_str(
                &c.body,
                &["properties", "properties", "idleTimeBeforeShutdown"],
            )
            .and_then(parse_duration_ms) else {
                continue;
            };
            let since = *c.idle_since_ms.get_or_insert(now);
            if now.saturating_sub(since) >= scaled_ms(idle as f64 / 1000.0, speed) {
                c.set_prop(&["state"], json!("Stopping"));
                last_operation(c, "Stop", "InProgress", "IdleShutdown", now);
                c.pending = Some(Pending {
                    action: Action::IdleStop,
                    stage: 0,
                    due_ms: now.saturating_add(scaled_ms(STOP, speed)),
                    op_id: None,
                    fail: None,
                    target_size: None,
                });
                t.changed = true;
            }
        }

        // Jobs that move on their own or on non-cluster computes.
        let mut order: Vec<(i64, String)> = ws
            .jobs
            .iter()
            .map(|(k, j)| (j.created_ms, k.clone()))
            .collect();
        order.sort();
        for (_, jk) in &order {
            let Some(job) = ws.jobs.get_mut(jk) else {
                continue;
            };
            let status = job.status.clone();
            match status.as_str() {
                "NotStarted" => {
                    job.set_status("Queued");
                    t.changed = true;
                }
                "Preparing" if job.phase_due_ms.is_none_or(|d| d <= now) => {
                    job.set_status("Running");
                    job.phase_due_ms = None;
                    job.start_ms.get_or_insert(now);
                    job.attempt += 1;
                    job.ranks.clear();
                    job.timeout_at_ms =
                        model::get_str(&job.body, &["properties", "limits", "timeout"])
                            .and_then(parse_duration_ms)
                            .map(|ms| now.saturating_add(ms));
                    t.effects.push(Effect::Launch {
                        ws: key.clone(),
                        job: jk.clone(),
                        attempt: job.attempt,
                    });
                    t.changed = true;
                }
                "Running" => {
                    if let Some(deadline) = job.timeout_at_ms
                        && deadline <= now
                        && !job.ended_by_emulator
                    {
                        job.ended_by_emulator = true;
                        let limit = model::get_str(&job.body, &["properties", "limits", "timeout"])
                            .unwrap_or("?");
                        job.error = Some(model::err(
                            "JobTimeout",
                            format!(
                                "The job ran longer than its time limit of {limit} and was terminated."
                            ),
                        ));
                        t.effects.push(Effect::Kill {
                            ws: key.clone(),
                            job: jk.clone(),
                        });
                        t.changed = true;
                    }
                }
                "Finalizing" if job.phase_due_ms.is_none_or(|d| d <= now) => {
                    let codes: Vec<Option<i32>> = job.ranks.iter().map(|r| r.exit_code).collect();
                    let (status, error) = if job.ended_by_emulator {
                        ("Failed", job.error.clone())
                    } else if let Some(e) = exit_error(&codes) {
                        ("Failed", Some(e))
                    } else if codes.iter().any(Option::is_none) {
                        (
                            "Failed",
                            Some(model::err(
                                "SystemError",
                                "a process of the job ended without an exit status",
                            )),
                        )
                    } else {
                        ("Completed", None)
                    };
                    let (fx, ops) = finish_job(ws, jk, status, error, now);
                    t.effects.extend(fx);
                    ops_done.extend(ops.into_iter().map(|o| (o, None)));
                    t.changed = true;
                }
                "CancelRequested" if job.ranks.iter().all(|r| r.exit_code.is_some()) => {
                    let (fx, ops) = finish_job(ws, jk, "Canceled", None, now);
                    t.effects.extend(fx);
                    ops_done.extend(ops.into_iter().map(|o| (o, None)));
                    t.changed = true;
                }
                "Queued" => {
                    let compute = job.compute.clone();
                    let name = job.name.clone();
                    match compute {
                        None => {
                            if let Some(job) = ws.jobs.get_mut(jk) {
                                job.set_status("Preparing");
                                job.phase_due_ms =
                                    Some(now.saturating_add(scaled_ms(JOB_PREP, speed)));
                            }
                            t.changed = true;
                        }
                        Some(cname) => {
                            let verdict = match ws.computes.get_mut(&cname) {
                                None => Some(model::err(
                                    "ComputeNotFound",
                                    format!("compute {cname} no longer exists"),
                                )),
                                Some(c) if c.provisioning_state() == "Failed" => Some(model::err(
                                    "ComputeNotReady",
                                    format!("compute {} failed to provision", c.name()),
                                )),
                                Some(c) => {
                                    let ready = match c.compute_type() {
                                        "ComputeInstance" => {
                                            c.state() == "Running"
                                                && c.busy_with.is_none()
                                                && c.pending.is_none()
                                        }
                                        "AmlCompute" => false,
                                        _ => c.provisioning_state() == "Succeeded",
                                    };
                                    if ready {
                                        if c.compute_type() == "ComputeInstance" {
                                            c.busy_with = Some(name.clone());
                                            c.set_prop(&["state"], json!("JobRunning"));
                                        }
                                        if let Some(job) = ws.jobs.get_mut(jk) {
                                            job.set_status("Preparing");
                                            job.phase_due_ms = Some(
                                                now.saturating_add(scaled_ms(JOB_PREP, speed)),
                                            );
                                        }
                                        t.changed = true;
                                    }
                                    None
                                }
                            };
                            if let Some(e) = verdict {
                                let (fx, ops) = finish_job(ws, jk, "Failed", Some(e), now);
                                t.effects.extend(fx);
                                ops_done.extend(ops.into_iter().map(|o| (o, None)));
                                t.changed = true;
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        // Clusters: node timers, job placement, scale up and down.
        let ws_key = key.clone();
        let sub = ws.subscription.to_ascii_lowercase();
        let cluster_names: Vec<String> = ws
            .computes
            .iter()
            .filter(|(_, c)| c.compute_type() == "AmlCompute")
            .map(|(k, _)| k.clone())
            .collect();
        for cname in cluster_names {
            let queued: Vec<(String, u32, String)> = order
                .iter()
                .filter_map(|(_, jk)| {
                    let j = ws.jobs.get(jk)?;
                    (j.status == "Queued" && j.compute.as_deref() == Some(cname.as_str()))
                        .then(|| (jk.clone(), j.instance_count.max(1), j.name.clone()))
                })
                .collect();
            let limits = ws.quota_limits.clone();
            let Some(c) = ws.computes.get_mut(&cname) else {
                continue;
            };
            if !matches!(c.provisioning_state(), "Succeeded" | "Updating")
                || c.pending
                    .as_ref()
                    .is_some_and(|p| p.action == Action::Delete)
            {
                continue;
            }
            let mut changed = false;
            for n in c.nodes.iter_mut() {
                match n.state {
                    NodeState::Allocating if n.due_ms.is_none_or(|d| d <= now) => {
                        n.state = NodeState::Preparing;
                        n.since_ms = now;
                        n.due_ms = Some(now.saturating_add(scaled_ms(NODE_PREP, speed)));
                        changed = true;
                    }
                    NodeState::Preparing if n.due_ms.is_none_or(|d| d <= now) => {
                        n.state = NodeState::Idle;
                        n.since_ms = now;
                        n.due_ms = None;
                        changed = true;
                    }
                    _ => {}
                }
            }
            let before = c.nodes.len();
            c.nodes
                .retain(|n| !(n.state == NodeState::Leaving && n.due_ms.is_none_or(|d| d <= now)));
            changed |= c.nodes.len() != before;

            // Place queued jobs on idle nodes, oldest first.
            let mut still_queued = 0u32;
            let mut placed: Vec<(String, Vec<String>)> = Vec::new();
            for (jk, count, job_name) in &queued {
                let idle: Vec<usize> = c
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.state == NodeState::Idle && n.run_id.is_none())
                    .map(|(i, _)| i)
                    .take(*count as usize)
                    .collect();
                if idle.len() == *count as usize {
                    let mut ids = Vec::new();
                    for i in idle {
                        let n = &mut c.nodes[i];
                        n.state = NodeState::Running;
                        n.since_ms = now;
                        n.run_id = Some(job_name.clone());
                        ids.push(n.id.clone());
                    }
                    placed.push((jk.clone(), ids));
                    changed = true;
                } else {
                    still_queued += count;
                }
            }

            let (min, max, idle_ms) = c.scale();
            let count = |c: &Compute, states: &[NodeState]| {
                c.nodes.iter().filter(|n| states.contains(&n.state)).count() as u32
            };
            let running = count(c, &[NodeState::Running]);
            let usable = count(
                c,
                &[
                    NodeState::Allocating,
                    NodeState::Preparing,
                    NodeState::Idle,
                    NodeState::Running,
                ],
            );
            let target = (running + still_queued).max(min).min(max);
            if target > usable {
                let loc = c.location().to_ascii_lowercase();
                let size = c.vm_size().and_then(catalog::find_size);
                let low = c.is_low_priority();
                let cname_display = c.name().to_string();
                let u = usages.entry((sub.clone(), loc)).or_default();
                for _ in usable..target {
                    if let Some(size) = size {
                        let v = i64::from(size.vcpus);
                        if u.check(&ws_key, &limits, size, low, v).is_err() {
                            break;
                        }
                        u.add(&ws_key, &cname_display, size.family, low, v);
                    }
                    c.add_node(
                        NodeState::Allocating,
                        now,
                        Some(now.saturating_add(scaled_ms(NODE_ALLOC, speed))),
                    );
                    changed = true;
                }
            } else if usable > target {
                let mut excess = usable - target;
                let idle_after = scaled_ms(idle_ms as f64 / 1000.0, speed);
                let mut idle: Vec<usize> = c
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.state == NodeState::Idle && n.run_id.is_none())
                    .map(|(i, _)| i)
                    .collect();
                idle.sort_by_key(|i| c.nodes[*i].since_ms);
                let over_max = usable.saturating_sub(max);
                for (k, i) in idle.into_iter().enumerate() {
                    if excess == 0 {
                        break;
                    }
                    let n = &mut c.nodes[i];
                    if (k as u32) < over_max || now.saturating_sub(n.since_ms) >= idle_after {
                        n.state = NodeState::Leaving;
                        n.since_ms = now;
                        n.due_ms = Some(now.saturating_add(scaled_ms(NODE_LEAVE, speed)));
                        excess -= 1;
                        changed = true;
                    }
                }
            }
            if changed {
                c.sync_cluster_fields(now);
                t.changed = true;
            }
            for (jk, ids) in placed {
                if let Some(job) = ws.jobs.get_mut(&jk) {
                    job.nodes = ids;
                    job.set_status("Preparing");
                    job.phase_due_ms = Some(now.saturating_add(scaled_ms(JOB_PREP, speed)));
                }
            }
        }
    }

    for (op, e) in ops_done {
        world.complete_op(&op, now, e);
    }
    if t.changed {
        world.prune_ops(now);
    }
    t
}

/// The earliest future deadline in the world (for the simulation loop's sleep).
pub fn next_due(world: &World, speed: f64, now: i64) -> Option<i64> {
    let mut best: Option<i64> = None;
    let mut consider = |t: i64| {
        if t > now {
            best = Some(best.map_or(t, |b| b.min(t)));
        }
    };
    for ws in world.workspaces.values() {
        for c in ws.computes.values() {
            if let Some(p) = &c.pending {
                consider(p.due_ms);
            }
            if c.compute_type() == "AmlCompute" {
                let idle_after = scaled_ms(c.scale().2 as f64 / 1000.0, speed);
                for n in &c.nodes {
                    if let Some(d) = n.due_ms {
                        consider(d);
                    }
                    if n.state == NodeState::Idle {
                        consider(n.since_ms.saturating_add(idle_after));
                    }
                }
            }
            if c.compute_type() == "ComputeInstance"
                && let (Some(since), Some(idle)) = (
                    c.idle_since_ms,
                    get_str(
                        &c.body,
                        &["properties", "properties", "idleTimeBeforeShutdown"],
                    )
                    .and_then(parse_duration_ms),
                )
            {
                consider(since.saturating_add(scaled_ms(idle as f64 / 1000.0, speed)));
            }
        }
        for j in ws.jobs.values() {
            match j.status.as_str() {
                "Preparing" | "Finalizing" => {
                    if let Some(d) = j.phase_due_ms {
                        consider(d);
                    }
                }
                "Running" => {
                    if let Some(d) = j.timeout_at_ms {
                        consider(d);
                    }
                }
                _ => {}
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::model::{Job, Rank, ws_key};
    use serde_json::Value;

    fn world_with_cluster(min: u32, max: u32, idle: &str) -> (World, String) {
        let mut w = World::new();
        let key = ws_key("s", "rg", "ws");
        let mut ws = Workspace {
            subscription: "s".into(),
            resource_group: "rg".into(),
            name: "ws".into(),
            location: "eastus".into(),
            workspace_id: "wsid".into(),
            ..Workspace::default()
        };
        ws.computes.insert(
            "c1".into(),
            Compute {
                body: json!({"name": "c1", "location": "eastus", "properties": {
                    "computeType": "AmlCompute", "provisioningState": "Succeeded",
                    "properties": {"vmSize": "Standard_DS3_v2", "scaleSettings": {
                        "minNodeCount": min, "maxNodeCount": max, "nodeIdleTimeBeforeScaleDown": idle}}}}),
                ..Compute::default()
            },
        );
        w.workspaces.insert(key.clone(), ws);
        (w, key)
    }

    fn add_job(w: &mut World, key: &str, name: &str, count: u32) {
        let ws = w.workspaces.get_mut(key).unwrap();
        ws.jobs.insert(
            name.into(),
            Job {
                body: json!({"name": name, "properties": {"status": "NotStarted"}}),
                name: name.into(),
                status: "NotStarted".into(),
                compute: Some("c1".into()),
                instance_count: count,
                ..Job::default()
            },
        );
    }

    fn props(w: &World, key: &str) -> Value {
        w.workspaces[key].computes["c1"].body["properties"]["properties"].clone()
    }

    #[test]
    fn a_queued_job_scales_a_cluster_up_and_idle_nodes_leave() {
        let (mut w, key) = world_with_cluster(0, 4, "PT10S");
        add_job(&mut w, &key, "j1", 2);
        let mut now = 1_000_000;
        let mut launched = false;
        for _ in 0..200 {
            let t = tick(&mut w, now, 1.0);
            if t.effects.iter().any(|e| matches!(e, Effect::Launch { .. })) {
                launched = true;
                break;
            }
            let p = props(&w, &key);
            let listed = w.workspaces[&key].computes["c1"].node_list().len() as u64;
            assert_eq!(p["currentNodeCount"].as_u64().unwrap_or(0), listed);
            now += 250;
        }
        assert!(launched);
        assert_eq!(props(&w, &key)["nodeStateCounts"]["runningNodeCount"], 2);
        // The job ends; its nodes go idle, then leave after the idle time.
        let ws = w.workspaces.get_mut(&key).unwrap();
        let job = ws.jobs.get_mut("j1").unwrap();
        job.ranks = vec![
            Rank {
                exit_code: Some(0),
                ..Rank::default()
            };
            2
        ];
        job.set_status("Finalizing");
        job.phase_due_ms = Some(now);
        tick(&mut w, now, 1.0);
        assert_eq!(w.workspaces[&key].jobs["j1"].status, "Completed");
        assert_eq!(props(&w, &key)["nodeStateCounts"]["idleNodeCount"], 2);
        now += 11_000;
        tick(&mut w, now, 1.0);
        assert_eq!(props(&w, &key)["nodeStateCounts"]["leavingNodeCount"], 2);
        now += 2_000;
        tick(&mut w, now, 1.0);
        let p = props(&w, &key);
        assert_eq!(p["currentNodeCount"], 0);
        assert_eq!(p["allocationState"], "Steady");
    }

    #[test]
    fn min_nodes_are_kept() {
        let (mut w, key) = world_with_cluster(1, 2, "PT1S");
        let mut now = 0;
        for _ in 0..40 {
            tick(&mut w, now, 1.0);
            now += 500;
        }
        let p = props(&w, &key);
        assert_eq!(p["currentNodeCount"], 1);
        assert_eq!(p["nodeStateCounts"]["idleNodeCount"], 1);
    }

    #[test]
    fn absurd_durations_and_speeds_saturate_instead_of_overflowing() {
        // Durations that parse to just under i64::MAX milliseconds (a state saved before they
        // were refused at submission), and a speed so small every delay saturates.
        let huge = "P292471208YT21366775S";
        assert!(parse_duration_ms(huge).is_some_and(|ms| ms > i64::MAX / 2));
        let (mut w, key) = world_with_cluster(1, 2, huge);
        add_job(&mut w, &key, "j1", 1);
        let job = w
            .workspaces
            .get_mut(&key)
            .unwrap()
            .jobs
            .get_mut("j1")
            .unwrap();
        job.body["properties"]["limits"] = json!({"jobLimitsType": "Command", "timeout": huge});
        let mut now: i64 = 1_700_000_000_000;
        let mut launched = false;
        for _ in 0..100 {
            let t = tick(&mut w, now, 1.0);
            let _ = next_due(&w, 1.0, now);
            if t.effects.iter().any(|e| matches!(e, Effect::Launch { .. })) {
                launched = true;
                break;
            }
            now += 250;
        }
        assert!(launched);
        assert_eq!(w.workspaces[&key].jobs["j1"].timeout_at_ms, Some(i64::MAX));
        // Still running long after: the deadline never wrapped into the past.
        tick(&mut w, now + 3_600_000, 1.0);
        assert_eq!(w.workspaces[&key].jobs["j1"].status, "Running");
        // The job ends; its node idles with a scale-down time that saturates the deadline.
        let job = w
            .workspaces
            .get_mut(&key)
            .unwrap()
            .jobs
            .get_mut("j1")
            .unwrap();
        job.ranks = vec![Rank {
            exit_code: Some(0),
            ..Rank::default()
        }];
        job.set_status("Finalizing");
        job.phase_due_ms = Some(now);
        tick(&mut w, now, 1.0);
        assert_eq!(w.workspaces[&key].jobs["j1"].status, "Completed");
        assert_eq!(props(&w, &key)["nodeStateCounts"]["idleNodeCount"], 1);
        assert_eq!(next_due(&w, 1.0, now), Some(i64::MAX));
        tick(&mut w, now + 1_000, 1.0);
        assert_eq!(props(&w, &key)["nodeStateCounts"]["idleNodeCount"], 1);

        let tiny = 1e-300;
        let (mut w, key) = world_with_cluster(0, 2, "PT10S");
        add_job(&mut w, &key, "j2", 1);
        for _ in 0..5 {
            tick(&mut w, now, tiny);
            assert!(next_due(&w, tiny, now).is_none_or(|d| d > now));
            now += 250;
        }
        let nodes = &w.workspaces[&key].computes["c1"].nodes;
        assert!(!nodes.is_empty() && nodes.iter().all(|n| n.due_ms == Some(i64::MAX)));
    }

    #[test]
    fn exit_codes_make_errors() {
        assert!(exit_error(&[Some(0), Some(0)]).is_none());
        let e = exit_error(&[Some(0), Some(3)]).unwrap();
        assert!(e.message.contains("status code 3"));
        assert!(e.message.contains("std_log_process_1.txt"));
    }
}
