//! Runs command jobs for real and carries out the simulation's side effects. Each rank of a job
//! is `/bin/sh -c <command>` started in its own process group (so a cancel ends the whole tree),
//! forked through `procs.rs` so that it dies with the emulator even when the emulator is killed,
//! in the job's working directory, with stdout and stderr appended to
//! `user_logs/std_log_process_<rank>.txt`. A watcher task reaps the ranks, kills the rest when one
//! fails, kills leftover group members, and reports the exit codes back into the world.
//!
//! Before the ranks start, a job's code snapshot (its `codeId`'s blobs) and its datastore inputs
//! are copied from the Blob store into the run folder, off the simulation loop; a failed copy
//! fails the job with a message naming what is missing. The ranks and their environment
//! (RANK, LOCAL_RANK, WORLD_SIZE, NODE_RANK, MASTER_ADDR/PORT, `OMPI_COMM_WORLD_*`, `TF_CONFIG`)
//! follow the job's `distribution`.
//!
//! After a restart of the emulator, `resume` finds jobs that were running: leftover processes of
//! the old emulator (recognised by pid and start time) are killed and the job is started again
//! from its working directory (a new attempt, noted in `system_logs/` and in the run's warnings),
//! up to three crashes; after that it is marked Failed with `EmulatorRestarted`. A clean stop of
//! the emulator (idle stop, SIGTERM, SIGINT) marks its running jobs `stopped_on_purpose`; they
//! start again without counting a crash.
//!
//! This module must not hold the world lock across an await, and never logs command lines or
//! environment values (they may hold secrets).

use super::blobstore::{self, Container};
use super::model::{self, Rank, get, get_str, now_ms};
use super::shared::Sh;
use super::sim::{self, Effect};
use super::{assets, storage};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Attempts a job gets across emulator restarts.
pub const MAX_ATTEMPTS: u32 = 3;

/// Carries out effects returned by a tick or a request.
pub fn execute(sh: &Sh, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Launch { ws, job, attempt } => launch(sh, &ws, &job, attempt),
            Effect::Kill { ws, job } => kill_job(sh, &format!("{ws}/{job}"), true),
            Effect::RemoveRun {
                workspace_id,
                job_name,
            } => {
                let dir = sh.paths.run_dir(&workspace_id, &job_name);
                tokio::task::spawn_blocking(move || {
                    let _ = std::fs::remove_dir_all(dir);
                });
            }
        }
    }
}

struct LaunchPlan {
    command: String,
    env: BTreeMap<String, String>,
    /// The extra environment of each rank (its count is the number of processes).
    rank_env: Vec<BTreeMap<String, String>>,
    dir: PathBuf,
    name: String,
}

/// What a job needs copied from the Blob store into its run folder before it starts.
pub(crate) struct Materials {
    dir: PathBuf,
    /// The code snapshot: its container, blob path (folder, or a single blob) and `codeId`.
    code: Option<(Container, String, String)>,
    /// Datastore inputs: name, container, blob path, whether a single file, local target.
    inputs: Vec<(String, Container, String, bool, PathBuf)>,
}

/// The marker written once the code snapshot is completely in the run folder.
const SNAPSHOT_MARKER: &str = ".amlc-snapshot";

/// The local path of a datastore input, by name: a folder input is `<run>/inputs/<name>`, a file
/// input `<run>/inputs/<name>/<file name>`.
fn input_targets(
    sh: &Sh,
    ws: &model::Workspace,
    props: &Value,
    dir: &Path,
) -> Vec<(String, Container, String, bool, PathBuf)> {
    let mut out = Vec::new();
    let own = storage::account_name(ws);
    let Some(inputs) = props.get("inputs").and_then(Value::as_object) else {
        return out;
    };
    for (name, input) in inputs {
        let kind = get_str(input, &["jobInputType"])
            .unwrap_or("")
            .to_ascii_lowercase();
        let is_file = kind == "uri_file";
        if !(is_file || kind == "uri_folder") {
            continue;
        }
        let Some(uri) = get_str(input, &["uri"]) else {
            continue;
        };
        let Some((account, container, path)) = storage::resolve_uri(ws, uri) else {
            continue;
        };
        if account != own || blobstore::validate_name(name).is_err() || name.contains('/') {
            continue;
        }
        let folder = dir.join("inputs").join(name);
        let target = if is_file {
            let base = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(name);
            folder.join(if base.is_empty() { name.as_str() } else { base })
        } else {
            folder
        };
        out.push((
            name.clone(),
            storage::container(sh, &account, &container),
            path,
            is_file,
            target,
        ));
    }
    out
}

/// The environment of each process of a job: `instance_count` nodes × the distribution's
/// processes per node (PyTorch, MPI), or the TensorFlow workers and parameter servers.
pub(crate) fn rank_envs(
    props: &Value,
    instances: u32,
    job_name: &str,
) -> Vec<BTreeMap<String, String>> {
    let dist = props.get("distribution").filter(|d| d.is_object());
    let kind = dist
        .and_then(|d| get_str(d, &["distributionType"]))
        .unwrap_or("")
        .to_ascii_lowercase();
    let count = |key: &str| {
        dist.and_then(|d| d.get(key))
            .and_then(Value::as_u64)
            .map(|n| n.clamp(0, 64) as u32)
    };
    let instances = instances.max(1);
    // A port per job, so concurrent jobs on this machine do not collide.
    let port = 20_000 + (model::stable_hash(job_name) % 10_000) as u32;
    let mut out = Vec::new();
    match kind.as_str() {
        "tensorflow" => {
            let workers = count("workerCount").filter(|n| *n > 0).unwrap_or(instances);
            let ps = count("parameterServerCount").unwrap_or(0);
            let addrs = |n: u32, base: u32| -> Vec<String> {
                (0..n).map(|i| format!("127.0.0.1:{}", base + i)).collect()
            };
            let mut cluster = serde_json::Map::new();
            cluster.insert("worker".into(), json!(addrs(workers, port)));
            if ps > 0 {
                cluster.insert("ps".into(), json!(addrs(ps, port + workers)));
            }
            let total = workers + ps;
            for r in 0..total {
                let (task, index) = if r < workers {
                    ("worker", r)
                } else {
                    ("ps", r - workers)
                };
                let mut env = BTreeMap::new();
                let tf = json!({"cluster": cluster, "task": {"type": task, "index": index}, "environment": "cloud"});
                env.insert("TF_CONFIG".into(), tf.to_string());
                env.insert("RANK".into(), r.to_string());
                env.insert("WORLD_SIZE".into(), total.to_string());
                env.insert("NODE_RANK".into(), (r % instances).to_string());
                env.insert("LOCAL_RANK".into(), "0".into());
                out.push(env);
            }
        }
        _ => {
            let per = if kind == "pytorch" || kind == "mpi" {
                count("processCountPerInstance")
                    .filter(|n| *n > 0)
                    .unwrap_or(1)
            } else {
                1
            };
            let total = instances * per;
            for r in 0..total {
                let mut env = BTreeMap::new();
                env.insert("RANK".into(), r.to_string());
                env.insert("WORLD_SIZE".into(), total.to_string());
                env.insert("NODE_RANK".into(), (r / per).to_string());
                env.insert("GROUP_RANK".into(), (r / per).to_string());
                env.insert("LOCAL_RANK".into(), (r % per).to_string());
                env.insert("LOCAL_WORLD_SIZE".into(), per.to_string());
                env.insert("MASTER_ADDR".into(), "127.0.0.1".into());
                env.insert("MASTER_PORT".into(), port.to_string());
                if kind == "mpi" {
                    env.insert("OMPI_COMM_WORLD_RANK".into(), r.to_string());
                    env.insert("OMPI_COMM_WORLD_SIZE".into(), total.to_string());
                    env.insert("OMPI_COMM_WORLD_LOCAL_RANK".into(), (r % per).to_string());
                    env.insert("OMPI_COMM_WORLD_LOCAL_SIZE".into(), per.to_string());
                    env.insert("OMPI_COMM_WORLD_NODE_RANK".into(), (r / per).to_string());
                }
                out.push(env);
            }
        }
    }
    out
}

fn plan(sh: &Sh, ws_key: &str, job_key: &str, attempt: u32) -> Option<(LaunchPlan, Materials)> {
    let world = sh.lock();
    let ws = world.workspaces.get(ws_key)?;
    let job = ws.jobs.get(job_key)?;
    if job.attempt != attempt || job.status != "Running" {
        return None;
    }
    let props = get(&job.body, &["properties"])?;
    let dir = sh.paths.run_dir(&ws.workspace_id, &job.name);
    let inputs = input_targets(sh, ws, props, &dir);
    let local: BTreeMap<String, PathBuf> = inputs
        .iter()
        .map(|(name, _, _, _, target)| (name.clone(), target.clone()))
        .collect();
    let code = get_str(props, &["codeId"])
        .filter(|id| !id.trim().is_empty())
        .and_then(|id| {
            let v = assets::code_version(ws, id)?;
            let uri = get_str(&v.body, &["properties", "codeUri"])?;
            let (account, container, path) = storage::resolve_uri(ws, uri)?;
            Some((
                storage::container(sh, &account, &container),
                path,
                id.to_string(),
            ))
        });
    let command = substitute(
        get_str(props, &["command"]).unwrap_or(""),
        props,
        &dir,
        &local,
    );
    let rank_env = rank_envs(props, job.instance_count, &job.name);
    let mut env = BTreeMap::new();
    env.insert("AZUREML_RUN_ID".into(), job.name.clone());
    env.insert("AZUREML_ARM_SUBSCRIPTION".into(), ws.subscription.clone());
    env.insert(
        "AZUREML_ARM_RESOURCEGROUP".into(),
        ws.resource_group.clone(),
    );
    env.insert("AZUREML_ARM_WORKSPACE_NAME".into(), ws.name.clone());
    env.insert(
        "AZUREML_EXPERIMENT_NAME".into(),
        get_str(props, &["experimentName"])
            .unwrap_or("Default")
            .to_string(),
    );
    env.insert("AZUREML_RUN_ATTEMPT".into(), attempt.to_string());
    env.insert(
        "AZUREML_NODE_COUNT".into(),
        job.instance_count.max(1).to_string(),
    );
    if let Some(vars) = get(props, &["environmentVariables"]).and_then(Value::as_object) {
        for (k, v) in vars {
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            env.insert(k.clone(), value);
        }
    }
    Some((
        LaunchPlan {
            command,
            env,
            rank_env,
            dir: dir.clone(),
            name: job.name.clone(),
        },
        Materials { dir, code, inputs },
    ))
}

/// Copies the code snapshot (unless an earlier attempt did) and the datastore inputs into the run
/// folder. Blocking; an error names what could not be materialised.
fn materialise(m: &Materials) -> Result<(), String> {
    if let Some((c, path, id)) = &m.code {
        let marker = m.dir.join(SNAPSHOT_MARKER);
        if !marker.is_file() {
            let n = blobstore::materialise(c, path, &m.dir)
                .map_err(|e| format!("could not copy the code snapshot of {id}: {e}"))?;
            if n == 0 {
                return Err(format!(
                    "found no files for the code snapshot of {id} (nothing under {path})"
                ));
            }
            std::fs::write(&marker, format!("{id}\n"))
                .map_err(|e| format!("could not record the code snapshot: {e}"))?;
        }
    }
    for (name, c, path, is_file, target) in &m.inputs {
        let folder = if *is_file {
            target.parent().unwrap_or(target).to_path_buf()
        } else {
            target.clone()
        };
        if folder.exists() {
            continue;
        }
        let parent = folder.parent().unwrap_or(&m.dir);
        let tmp = parent.join(format!(".{name}.partial"));
        let _ = std::fs::remove_dir_all(&tmp);
        let n = if *is_file {
            let blob = path.trim_end_matches('/');
            match c.head(blob) {
                Ok(Some(meta)) => {
                    let leaf = target.file_name().map(PathBuf::from).unwrap_or_default();
                    std::fs::create_dir_all(&tmp)
                        .and_then(|()| {
                            let src = c.data_path(&meta).ok_or_else(|| {
                                std::io::Error::other("the blob has no data file")
                            })?;
                            std::fs::copy(src, tmp.join(leaf))
                        })
                        .map(|_| 1)
                }
                Ok(None) => Ok(0),
                Err(e) => Err(e),
            }
        } else {
            let folder_path = format!("{}/", path.trim_end_matches('/'));
            blobstore::materialise(c, &folder_path, &tmp)
        }
        .map_err(|e| format!("could not copy input {name}: {e}"))?;
        if n == 0 {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(format!("input {name}: the datastore has nothing at {path}"));
        }
        std::fs::rename(&tmp, &folder).map_err(|e| format!("could not place input {name}: {e}"))?;
    }
    Ok(())
}

/// Replaces `${{inputs.x}}` (literal values, the local copy of a datastore input, or else the
/// input's uri/path) and `${{outputs.x}}` (a local folder under the working directory) in a
/// command.
fn substitute(
    command: &str,
    props: &Value,
    dir: &Path,
    local: &BTreeMap<String, PathBuf>,
) -> String {
    let mut out = command.to_string();
    if let Some(inputs) = props.get("inputs").and_then(Value::as_object) {
        for (name, input) in inputs {
            if let Some(path) = local.get(name) {
                out = out.replace(&format!("${{{{inputs.{name}}}}}"), &path.to_string_lossy());
                continue;
            }
            let value = input
                .get("value")
                .or_else(|| input.get("uri"))
                .or_else(|| input.get("path"))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            out = out.replace(&format!("${{{{inputs.{name}}}}}"), &value);
        }
    }
    if let Some(outputs) = props.get("outputs").and_then(Value::as_object) {
        for name in outputs.keys() {
            let local = dir.join("outputs").join(name);
            out = out.replace(
                &format!("${{{{outputs.{name}}}}}"),
                &local.to_string_lossy(),
            );
        }
    }
    out
}

/// Appends a line to the run's `system_logs/lifecycler/execution-wrapper.log` (best effort).
pub fn system_log(dir: &Path, line: &str) {
    let path = dir.join("system_logs").join("lifecycler");
    if super::store::create_run_dir(&path).is_err() {
        return;
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path.join("execution-wrapper.log"))
    {
        let _ = writeln!(f, "{} {line}", model::iso(now_ms()));
    }
}

fn open_log(dir: &Path, rank: u32) -> std::io::Result<std::fs::File> {
    let logs = dir.join("user_logs");
    super::store::create_run_dir(&logs)?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join(format!("std_log_process_{rank}.txt")))
}

fn launch(sh: &Sh, ws_key: &str, job_key: &str, attempt: u32) {
    // A stopping emulator starts nothing (the job is started again by the next one), and one
    // whose data directory is gone must not re-create it.
    if sh.is_stopping() || sh.is_dead() || !sh.paths.root.is_dir() {
        return;
    }
    let Some((plan, materials)) = plan(sh, ws_key, job_key, attempt) else {
        return;
    };
    if materials.code.is_none() && materials.inputs.is_empty() {
        start_ranks(sh, ws_key, job_key, attempt, plan, None);
        return;
    }
    // Copying the snapshot may take a while: off the simulation loop, then start the ranks if
    // the job still wants them.
    let (sh2, ws_key, job_key) = (sh.clone(), ws_key.to_string(), job_key.to_string());
    sh.runners.spawn(async move {
        if let Err(e) = super::store::create_run_dir(&materials.dir) {
            start_ranks(
                &sh2,
                &ws_key,
                &job_key,
                attempt,
                plan,
                Some(format!("cannot create the working directory: {e}")),
            );
            return;
        }
        let copied = tokio::task::spawn_blocking(move || materialise(&materials)).await;
        let failure = match copied {
            Ok(Ok(())) => None,
            Ok(Err(m)) => Some(m),
            Err(e) => Some(format!("could not materialise the job's files: {e}")),
        };
        if let Some(m) = &failure {
            tracing::warn!("emulator: job {job_key}: {m}");
        }
        if sh2.is_stopping() || sh2.is_dead() {
            return;
        }
        start_ranks(&sh2, &ws_key, &job_key, attempt, plan, failure);
    });
}

/// Starts the processes of a planned attempt (or records why it could not start).
fn start_ranks(
    sh: &Sh,
    ws_key: &str,
    job_key: &str,
    attempt: u32,
    plan: LaunchPlan,
    failure: Option<String>,
) {
    let still_running = {
        let world = sh.lock();
        world
            .workspaces
            .get(ws_key)
            .and_then(|ws| ws.jobs.get(job_key))
            .is_some_and(|j| j.attempt == attempt && j.status == "Running")
    };
    if !still_running {
        return;
    }
    let key = format!("{ws_key}/{job_key}");
    let mut children = Vec::new();
    let mut watchdogs = Vec::new();
    let mut ranks = Vec::new();
    let mut failure = failure;
    if failure.is_none()
        && let Err(e) = super::store::create_run_dir(&plan.dir.join("outputs"))
    {
        failure = Some(format!("cannot create the working directory: {e}"));
    }
    system_log(
        &plan.dir,
        &format!(
            "Starting attempt {attempt} of job {} with {} process(es)",
            plan.name,
            plan.rank_env.len()
        ),
    );
    for (rank, rank_env) in plan.rank_env.iter().enumerate() {
        if failure.is_some() {
            break;
        }
        let spawned = open_log(&plan.dir, rank as u32).and_then(|out| {
            let err = out.try_clone()?;
            let mut cmd = tokio::process::Command::new("/bin/sh");
            cmd.arg("-c")
                .arg(&plan.command)
                .current_dir(&plan.dir)
                .envs(&plan.env)
                .envs(rank_env)
                .env("AZUREML_PROCESS_RANK", rank.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::from(out))
                .stderr(Stdio::from(err));
            sh.spawner.spawn_rank(cmd, &sh.paths.root)
        });
        match spawned {
            Ok((child, watchdog)) => {
                watchdogs.extend(watchdog);
                let pid = child.id().map(|p| p as i32).unwrap_or(0);
                ranks.push(Rank {
                    pid,
                    start_ticks: start_ticks(pid).unwrap_or(0),
                    exit_code: None,
                });
                children.push((rank, child, pid));
            }
            Err(e) => failure = Some(format!("cannot start process of rank {rank}: {e}")),
        }
    }
    let pgids: Vec<i32> = children
        .iter()
        .map(|(_, _, p)| *p)
        .filter(|p| *p > 0)
        .collect();
    sh.procs().insert(key.clone(), pgids.clone());
    let still_wanted = {
        let mut world = sh.lock();
        match world
            .workspaces
            .get_mut(ws_key)
            .and_then(|ws| ws.jobs.get_mut(job_key))
        {
            Some(job) if job.attempt == attempt => {
                job.ranks = ranks;
                if let Some(msg) = &failure {
                    job.error = Some(model::err("SystemError", format!("The emulator {msg}")));
                    job.ended_by_emulator = true;
                }
                job.status == "Running"
            }
            _ => false,
        }
    };
    if !still_wanted {
        // Canceled or deleted while the processes were being started.
        for p in &pgids {
            signal_group(*p, libc::SIGKILL);
        }
    }
    if let Some(msg) = &failure {
        system_log(&plan.dir, msg);
        for p in &pgids {
            signal_group(*p, libc::SIGKILL);
        }
    }
    let sh2 = sh.clone();
    let ws_key = ws_key.to_string();
    let job_key = job_key.to_string();
    let dir = plan.dir.clone();
    let spawn_failed = failure.is_some();
    sh.runners.spawn(async move {
        let procs = JobProcs {
            children,
            watchdogs,
        };
        watch(sh2, ws_key, job_key, attempt, procs, dir, spawn_failed).await;
    });
}

/// The processes of one attempt: the ranks, and the watchdog in each rank's group.
struct JobProcs {
    children: Vec<(usize, tokio::process::Child, i32)>,
    /// Pids of the watchdogs (children of this process, reaped here).
    watchdogs: Vec<i32>,
}

async fn watch(
    sh: Sh,
    ws_key: String,
    job_key: String,
    attempt: u32,
    procs: JobProcs,
    dir: PathBuf,
    spawn_failed: bool,
) {
    let JobProcs {
        children,
        watchdogs,
    } = procs;
    use futures::stream::{FuturesUnordered, StreamExt};
    let n = children.len();
    let pgids: Vec<i32> = children.iter().map(|(_, _, p)| *p).collect();
    let mut codes: Vec<Option<i32>> = vec![None; n];
    let mut waits: FuturesUnordered<_> = children
        .into_iter()
        .map(|(rank, mut child, _)| async move { (rank, child.wait().await) })
        .collect();
    while let Some((rank, status)) = waits.next().await {
        let code = match status {
            Ok(s) => s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0)),
            Err(_) => -1,
        };
        codes[rank] = Some(code);
        if !sh.is_stopping() && !sh.is_dead() {
            system_log(
                &dir,
                &format!("Process of rank {rank} exited with code {code}"),
            );
        }
        if code != 0 {
            // One failed rank fails the job: end the others.
            for (i, p) in pgids.iter().enumerate() {
                if codes[i].is_none() {
                    signal_group(*p, libc::SIGKILL);
                }
            }
        }
    }
    // Nothing of the job may outlive it (its watchdogs included, which are reaped here).
    for p in &pgids {
        signal_group(*p, libc::SIGKILL);
    }
    for dog in watchdogs {
        super::procs::reap(dog).await;
    }
    let key = format!("{ws_key}/{job_key}");
    sh.procs().remove(&key);
    if sh.is_stopping() || sh.is_dead() {
        return;
    }
    let now = now_ms();
    let finalize = sh.ms(sim::JOB_FINALIZE);
    let mut effects = Vec::new();
    {
        let mut world = sh.lock();
        let mut done_ops = Vec::new();
        if let Some(ws) = world.workspaces.get_mut(&ws_key) {
            let mut cancel = false;
            if let Some(job) = ws.jobs.get_mut(&job_key)
                && job.attempt == attempt
            {
                for (i, c) in codes.iter().enumerate() {
                    if let Some(r) = job.ranks.get_mut(i) {
                        r.exit_code = Some(c.unwrap_or(-1));
                    }
                }
                match job.status.as_str() {
                    "CancelRequested" => cancel = true,
                    "Running" if spawn_failed => {
                        job.set_status("Finalizing");
                        job.phase_due_ms = Some(now);
                        if job.ranks.is_empty() {
                            job.ranks.push(Rank {
                                exit_code: Some(-1),
                                ..Rank::default()
                            });
                        }
                    }
                    "Running" => {
                        job.set_status("Finalizing");
                        job.phase_due_ms = Some(now.saturating_add(finalize));
                    }
                    _ => {}
                }
            }
            if cancel {
                let (fx, ops) = sim::finish_job(ws, &job_key, "Canceled", None, now);
                effects.extend(fx);
                done_ops = ops;
            }
        }
        for op in done_ops {
            world.complete_op(&op, now, None);
        }
    }
    execute(&sh, effects);
    if let Err(e) = sh.persist().await {
        tracing::warn!("emulator: could not save state: {e}");
    }
    sh.kick();
}

/// Sends `sig` to a process group.
pub fn signal_group(pgid: i32, sig: i32) {
    if pgid > 1 {
        // SAFETY: killpg only sends a signal; a stale group id yields ESRCH, which we ignore.
        unsafe {
            libc::killpg(pgid, sig);
        }
    }
}

/// Ends a job's processes: SIGTERM to each group, then SIGKILL shortly after.
pub fn kill_job(sh: &Sh, key: &str, graceful: bool) {
    let pgids = sh.procs().get(key).cloned().unwrap_or_default();
    if pgids.is_empty() {
        return;
    }
    if !graceful {
        for p in &pgids {
            signal_group(*p, libc::SIGKILL);
        }
        return;
    }
    for p in &pgids {
        signal_group(*p, libc::SIGTERM);
    }
    sh.runners.spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for p in &pgids {
            signal_group(*p, libc::SIGKILL);
        }
    });
}

/// SIGKILLs every live job process group now (shutdown and drop).
pub fn kill_all_now(sh: &Sh) {
    let all: Vec<i32> = sh.procs().values().flatten().copied().collect();
    for p in all {
        signal_group(p, libc::SIGKILL);
    }
}

/// Records, before a clean shutdown ends their processes, that the running jobs are stopped on
/// purpose, so the next start runs them again without counting a crash.
pub fn mark_stopped_on_purpose(sh: &Sh) {
    let mut world = sh.lock();
    for ws in world.workspaces.values_mut() {
        for job in ws.jobs.values_mut() {
            if job.status == "Running" {
                job.stopped_on_purpose = true;
            }
        }
    }
}

/// The start time of a process in clock ticks since boot (`/proc/<pid>/stat` field 22).
pub fn start_ticks(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Kills what is left of a rank started by an earlier emulator: its group, if the group leader is
/// still the same process or is gone (then only its old group members can hold that group id).
fn kill_stale(rank: &Rank) {
    if rank.pid <= 1 || rank.exit_code.is_some() {
        return;
    }
    match start_ticks(rank.pid) {
        Some(t) if t != rank.start_ticks => {} // pid reused by an unrelated process
        _ => signal_group(rank.pid, libc::SIGKILL),
    }
}

/// Brings jobs back after the emulator restarted: see the module docs.
pub fn resume(sh: &Sh) {
    let now = now_ms();
    let prep = sh.ms(sim::JOB_PREP);
    let mut world = sh.lock();
    for ws in world.workspaces.values_mut() {
        let wsid = ws.workspace_id.clone();
        for job in ws.jobs.values_mut() {
            for r in &job.ranks {
                kill_stale(r);
            }
            let on_purpose = std::mem::take(&mut job.stopped_on_purpose);
            match job.status.as_str() {
                "Running" if on_purpose => {
                    // The emulator was stopped cleanly: start the job again, no crash counted.
                    let dir = sh.paths.run_dir(&wsid, &job.name);
                    job.ranks.clear();
                    job.set_status("Preparing");
                    job.phase_due_ms = Some(now.saturating_add(prep));
                    system_log(
                        &dir,
                        "The emulator was stopped and started again; the job is started again",
                    );
                }
                "Running" => {
                    let dir = sh.paths.run_dir(&wsid, &job.name);
                    job.crash_restarts = job.crash_restarts.saturating_add(1);
                    if job.crash_restarts >= MAX_ATTEMPTS {
                        for r in job.ranks.iter_mut() {
                            r.exit_code.get_or_insert(-1);
                        }
                        job.set_status("Finalizing");
                        job.phase_due_ms = Some(now);
                        job.ended_by_emulator = true;
                        job.error = Some(model::err(
                            "EmulatorRestarted",
                            format!(
                                "The emulator stopped abruptly (it crashed or was killed) while this job was running, {} times; it was not started again.",
                                job.crash_restarts
                            ),
                        ));
                        system_log(
                            &dir,
                            "The emulator crashed again; the job has no attempts left and fails",
                        );
                    } else {
                        job.ranks.clear();
                        job.set_status("Preparing");
                        job.phase_due_ms = Some(now.saturating_add(prep));
                        job.warnings.push(format!(
                            "The emulator restarted after it stopped abruptly (crash {} of {MAX_ATTEMPTS}) while attempt {} of this job was running; the job was started again.",
                            job.crash_restarts, job.attempt
                        ));
                        system_log(&dir, "The emulator crashed; the job will be started again");
                    }
                }
                "CancelRequested" => {
                    for r in job.ranks.iter_mut() {
                        r.exit_code.get_or_insert(-1);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    fn spawn_group() -> std::process::Child {
        std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg("sleep 30 & wait")
            .process_group(0)
            .spawn()
            .unwrap()
    }

    #[test]
    fn stale_ranks_are_killed_only_when_they_are_the_same_process() {
        let mut child = spawn_group();
        let pid = child.id() as i32;
        let ticks = start_ticks(pid).unwrap();
        // A different start time means the pid was reused: leave it alone.
        kill_stale(&Rank {
            pid,
            start_ticks: ticks + 1,
            exit_code: None,
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(child.try_wait().unwrap().is_none());
        kill_stale(&Rank {
            pid,
            start_ticks: ticks,
            exit_code: None,
        });
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    }

    #[test]
    fn commands_get_inputs_and_outputs() {
        let props = serde_json::json!({
            "inputs": {"lr": {"jobInputType": "literal", "value": "0.1"}, "data": {"jobInputType": "uri_folder", "uri": "azureml://x"}},
            "outputs": {"model": {"jobOutputType": "uri_folder"}},
        });
        let out = substitute(
            "train --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}",
            &props,
            Path::new("/w"),
            &BTreeMap::new(),
        );
        assert_eq!(
            out,
            "train --lr 0.1 --data azureml://x --out /w/outputs/model"
        );
    }
}
