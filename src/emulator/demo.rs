//! The `--demo` workspace: subscription `00000000-0000-0000-0000-000000000000`, resource group
//! `demo-rg`, workspace `demo-ws` in `eastus`, with instances (Running, Stopped, CreateFailed),
//! clusters (scaled to zero, busy with a live training job, one with an unusable node), AKS,
//! Kubernetes, a remote VM, Databricks, HDInsight and Synapse Spark, and jobs: one that trains
//! forever (a real shell loop that resumes from its checkpoint after a restart), three completed
//! and one canceled with real log files, and one failed with an error; and registered
//! environments (`sklearn-env` 1 and 2, `pytorch-env` 1). Seeding happens only when the workspace
//! does not exist yet, so restarting with `--demo` keeps the state (a demo workspace from before
//! environments existed gets them once).

use super::arm::{build_compute, new_workspace};
use super::jobs::build_job;
use super::model::{self, Compute, Job, NodeState, Rank, World, iso, set, ws_key};
use super::runner::system_log;
use super::sim;
use super::store::Paths;
use super::{DEMO_LOCATION, DEMO_RESOURCE_GROUP, DEMO_SUBSCRIPTION, DEMO_WORKSPACE};
use serde_json::{Value, json};
use std::path::Path;

const MIN: i64 = 60_000;

/// The live job's command: a training loop printing epoch/step/loss lines forever, with its
/// epoch counter kept in `.epoch` in the working directory.
const TRAIN_LOOP: &str = r#"epoch=$(cat .epoch 2>/dev/null || echo 0)
echo "Starting training: rank ${RANK:-0} of ${WORLD_SIZE:-1}, resuming after epoch $epoch"
while true; do
  epoch=$((epoch + 1))
  for step in 1 2 3 4 5; do
    awk -v e="$epoch" -v s="$step" -v r="${RANK:-0}" -v t="$(date -u '+%Y-%m-%d %H:%M:%S')" 'BEGIN { srand(e * 10 + s + r); loss = 2.3 / (1 + 0.08 * (e + s / 5)) + rand() * 0.05; printf "%s INFO epoch %d step %d/5 loss=%.4f lr=%.5f\n", t, e, s, loss, 0.001 * 0.97 ^ e }'
    sleep 1
  done
  if [ "${RANK:-0}" = 0 ]; then
    echo "$epoch" > .epoch
    awk -v e="$epoch" 'BEGIN { printf "epoch %d validation: accuracy=%.3f\n", e, 1 - 0.6 / (1 + 0.2 * e) }'
  fi
done"#;

/// Registered environments, so `name@latest` and `name:version` find something: `sklearn-env`
/// versions 1 and 2 and `pytorch-env` 1. Also added to a demo workspace seeded by an older
/// emulator (one that has no environment yet).
fn seed_environments(world: &mut World, ws: &mut model::Workspace, now: i64) -> Result<(), String> {
    if !ws.environments.is_empty() {
        return Ok(());
    }
    let envs = [
        (
            "sklearn-env",
            "1",
            json!({"description": "scikit-learn 1.3 on Ubuntu 22.04", "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest", "condaFile": "name: sklearn\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - scikit-learn=1.3\n"}),
            20 * 24 * 60,
        ),
        (
            "sklearn-env",
            "2",
            json!({"description": "scikit-learn 1.5 on Ubuntu 22.04", "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest", "condaFile": "name: sklearn\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - scikit-learn=1.5\n"}),
            6 * 24 * 60,
        ),
        (
            "pytorch-env",
            "1",
            json!({"description": "PyTorch 2.3 with CUDA 12.1 (user-managed image)", "image": "mcr.microsoft.com/azureml/curated/acpt-pytorch-2.2-cuda12.1:latest"}),
            10 * 24 * 60,
        ),
    ];
    for (name, version, props, age_min) in envs {
        let seq = world.next_asset_seq;
        world.next_asset_seq += 1;
        super::assets::seed_environment(ws, name, version, props, now - age_min * MIN, seq)?;
    }
    Ok(())
}

/// Seeds the demo workspace unless it exists. Returns whether anything was added.
pub fn seed(world: &mut World, paths: &Paths, now: i64) -> Result<bool, String> {
    let key = ws_key(DEMO_SUBSCRIPTION, DEMO_RESOURCE_GROUP, DEMO_WORKSPACE);
    if let Some(mut ws) = world.workspaces.remove(&key) {
        let had = ws.environments.len();
        let seeded = seed_environments(world, &mut ws, now);
        let added = ws.environments.len() != had;
        world.workspaces.insert(key, ws);
        seeded?;
        return Ok(added);
    }
    let (sub, rg, wsn, loc) = (
        DEMO_SUBSCRIPTION,
        DEMO_RESOURCE_GROUP,
        DEMO_WORKSPACE,
        DEMO_LOCATION,
    );
    let mut ws = new_workspace(
        sub,
        rg,
        wsn,
        loc,
        &json!({"properties": {"friendlyName": "Demo workspace", "description": "Seeded by amlc emulator --demo"}, "tags": {"purpose": "demo"}}),
        now - 30 * 24 * 60 * MIN,
    );
    let created = now - 14 * 24 * 60 * MIN;
    let mk = |name: &str, ctype: &str, req: Value| -> Result<Compute, String> {
        let mut c = build_compute(sub, rg, wsn, name, ctype, loc, &req, created)
            .map_err(|e| e.detail.message)?;
        c.set_top("provisioningState", json!("Succeeded"));
        Ok(c)
    };
    let arm = |provider: &str, kind: &str, res: &str| {
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{kind}/{res}")
    };

    // Compute instances.
    let mut alice = mk(
        "ci-alice",
        "ComputeInstance",
        json!({"properties": {"computeType": "ComputeInstance", "description": "Alice's notebook VM", "properties": {"vmSize": "Standard_DS3_v2", "sshSettings": {"sshPublicAccess": "Enabled"}}}}),
    )?;
    alice.set_prop(&["state"], json!("Running"));
    set_running_apps(&mut alice);
    sim::last_operation(&mut alice, "Start", "Succeeded", "User", now - 3 * 60 * MIN);
    alice.idle_since_ms = Some(now);

    let mut bob = mk(
        "ci-bob",
        "ComputeInstance",
        json!({"properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_DS11_v2", "idleTimeBeforeShutdown": "PT60M"}}}),
    )?;
    bob.set_prop(&["state"], json!("Stopped"));
    sim::last_operation(
        &mut bob,
        "Stop",
        "Succeeded",
        "IdleShutdown",
        now - 20 * 60 * MIN,
    );

    let mut gpu_ci = mk(
        "ci-a100-test",
        "ComputeInstance",
        json!({"properties": {"computeType": "ComputeInstance", "description": "Tried an A100 box", "properties": {"vmSize": "Standard_NC48ads_A100_v4"}}}),
    )?;
    let quota = model::err(
        "OutOfQuota",
        "The specified subscription has a Standard NCADSA100v4 Family vCPU quota of 24 and cannot accommodate 48 more vCPUs: 0 are already in use. Request a quota increase or pick another VM size.",
    );
    gpu_ci.set_top("provisioningState", json!("Failed"));
    gpu_ci.set_top("provisioningErrors", json!([{ "error": quota }]));
    gpu_ci.set_prop(&["state"], json!("CreateFailed"));
    gpu_ci.set_prop(&["errors"], json!([{ "error": quota }]));
    sim::last_operation(&mut gpu_ci, "Create", "CreateFailed", "User", created);

    // Clusters.
    let cpu = mk(
        "cpu-cluster",
        "AmlCompute",
        json!({"properties": {"computeType": "AmlCompute", "description": "General purpose CPU cluster", "properties": {"vmSize": "Standard_DS3_v2", "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT120S"}}}}),
    )?;
    let mut gpu = mk(
        "gpu-cluster",
        "AmlCompute",
        json!({"properties": {"computeType": "AmlCompute", "description": "V100 training cluster", "properties": {"vmSize": "Standard_NC6s_v3", "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT300S"}}}}),
    )?;
    let mut lowpri = mk(
        "lowpri-cluster",
        "AmlCompute",
        json!({"properties": {"computeType": "AmlCompute", "description": "Low-priority batch cluster", "properties": {"vmSize": "Standard_F4s_v2", "vmPriority": "LowPriority", "scaleSettings": {"minNodeCount": 1, "maxNodeCount": 3, "nodeIdleTimeBeforeScaleDown": "PT120S"}}}}),
    )?;
    let bad = lowpri.add_node(NodeState::Unusable, now - 45 * MIN, None);
    lowpri.add_node(NodeState::Idle, now - 40 * MIN, None);
    lowpri.set_prop(
        &["errors"],
        json!([{ "error": {"code": "NodeSetupFailed", "message": format!("Node {bad} is unusable: the node setup task exited with code 1 (no space left on device on /mnt).")} }]),
    );
    lowpri.sync_cluster_fields(now - 40 * MIN);

    // Attached and other kinds.
    let aks = mk(
        "aks-inference",
        "AKS",
        json!({"properties": {"computeType": "AKS", "description": "Real-time inference", "properties": {"agentCount": 3, "agentVmSize": "Standard_D3_v2", "clusterPurpose": "FastProd"}}}),
    )?;
    let mut aks = aks;
    aks.set_prop(&["systemServices"], json!([{"systemServiceType": "ScoringFrontEnd", "publicIpAddress": "20.81.12.34", "version": "1.0"}]));
    let k8s = mk(
        "k8s-arc",
        "Kubernetes",
        json!({"properties": {"computeType": "Kubernetes", "resourceId": arm("Microsoft.Kubernetes", "connectedClusters", "arc-onprem"), "properties": {"namespace": "azureml", "relayConnectionString": "Endpoint=sb://demo-relay.servicebus.windows.net/;SharedAccessKeyName=emulator;SharedAccessKey=not-a-real-key"}}}),
    )?;
    let vm = mk(
        "remote-vm",
        "VirtualMachine",
        json!({"properties": {"computeType": "VirtualMachine", "resourceId": arm("Microsoft.Compute", "virtualMachines", "dsvm-01"), "properties": {"virtualMachineSize": "Standard_D4s_v3", "address": "10.1.0.4", "sshPort": 22, "administratorAccount": {"username": "azureuser", "password": "demo-password-not-real"}}}}),
    )?;
    let dbx = mk(
        "databricks-ws",
        "Databricks",
        json!({"properties": {"computeType": "Databricks", "resourceId": arm("Microsoft.Databricks", "workspaces", "dbx-demo"), "properties": {"databricksAccessToken": "dapi-demo-not-a-real-token", "workspaceUrl": "https://adb-1234567890123456.7.azuredatabricks.net"}}}),
    )?;
    let hdi = mk(
        "hdi-spark",
        "HDInsight",
        json!({"properties": {"computeType": "HDInsight", "resourceId": arm("Microsoft.HDInsight", "clusters", "hdi-demo"), "properties": {"address": "hdi-demo-ssh.azurehdinsight.net", "sshPort": 22, "administratorAccount": {"username": "sshuser", "password": "demo-password-not-real"}}}}),
    )?;
    let syn = mk(
        "synapse-pool",
        "SynapseSpark",
        json!({"properties": {"computeType": "SynapseSpark", "resourceId": arm("Microsoft.Synapse", "workspaces", "synapse-demo/bigDataPools/sparkpool01"), "properties": {
        "autoScaleProperties": {"minNodeCount": 3, "enabled": true, "maxNodeCount": 10},
        "autoPauseProperties": {"delayInMinutes": 15, "enabled": true},
        "sparkVersion": "3.4", "nodeCount": 3, "nodeSize": "Medium", "nodeSizeFamily": "MemoryOptimized",
        "subscriptionId": sub, "resourceGroup": rg, "workspaceName": "synapse-demo", "poolName": "sparkpool01"}}}),
    )?;

    // The live job holds two running nodes of the GPU cluster.
    let live_name = "dreamy_snail_tm8r2p4k1q";
    let n1 = gpu.add_node(NodeState::Running, now, None);
    let n2 = gpu.add_node(NodeState::Running, now, None);
    for n in gpu.nodes.iter_mut() {
        n.run_id = Some(live_name.to_string());
    }
    gpu.sync_cluster_fields(now);

    for c in [
        alice, bob, gpu_ci, cpu, gpu, lowpri, aks, k8s, vm, dbx, hdi, syn,
    ] {
        ws.computes.insert(c.name().to_ascii_lowercase(), c);
    }

    let mut run_number = world.next_run_number;
    let mut job = |name: &str,
                   display: &str,
                   compute: &str,
                   count: u32,
                   command: &str,
                   created_ms: i64,
                   extra: Value|
     -> Job {
        let mut req = json!({"properties": {
            "jobType": "Command",
            "displayName": display,
            "experimentName": "demo-experiments",
            "command": command,
            "resources": {"instanceCount": count},
            "tags": {"team": "vision"},
        }});
        if let Some(obj) = extra.as_object() {
            for (k, v) in obj {
                set(&mut req, &["properties", k], v.clone());
            }
        }
        run_number += 1;
        let display_compute = ws
            .computes
            .get(compute)
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| compute.to_string());
        build_job(
            sub,
            rg,
            wsn,
            name,
            &req,
            Some((compute.to_string(), display_compute)),
            count,
            run_number - 1,
            created_ms,
        )
    };

    let mut live = job(
        live_name,
        "train-resnet50",
        "gpu-cluster",
        2,
        TRAIN_LOOP,
        now - 10 * MIN,
        json!({"environmentVariables": {"PYTHONUNBUFFERED": "1"}}),
    );
    live.set_status("Preparing");
    live.phase_due_ms = Some(now);
    live.start_ms = Some(now - 9 * MIN);
    live.nodes = vec![n1, n2];

    let finished = [
        (
            "gentle_lamp_3x9k2m7p0d",
            "prep-data",
            "cpu-cluster",
            1u32,
            "python prep.py --input ${{inputs.raw}} --out ${{outputs.clean}}",
            180i64,
            2i64,
            9i64,
            "Completed",
        ),
        (
            "brisk_owl_8p1q6z3w5n",
            "train-baseline",
            "gpu-cluster",
            2,
            "python train.py --epochs 10 --batch-size 64",
            150,
            4,
            52,
            "Completed",
        ),
        (
            "calm_river_5d2c8v1b7x",
            "evaluate-model",
            "ci-alice",
            1,
            "python evaluate.py --model outputs/model.pt",
            40,
            1,
            6,
            "Completed",
        ),
        (
            "wild_fox_9m4t1k8s2j",
            "train-large-batch",
            "gpu-cluster",
            2,
            "python train.py --epochs 10 --batch-size 1024",
            90,
            3,
            11,
            "Failed",
        ),
        (
            "quiet_bear_2h7g4n9c6v",
            "sweep-lr-0.1",
            "cpu-cluster",
            1,
            "python train.py --lr 0.1",
            70,
            2,
            5,
            "Canceled",
        ),
    ];
    let mut jobs = vec![live];
    for (name, display, compute, count, command, ago, start_after, end_after, status) in finished {
        let created_ms = now - ago * MIN;
        let mut j = job(
            name,
            display,
            compute,
            count,
            command,
            created_ms,
            json!({}),
        );
        j.synthetic = true;
        j.set_status(status);
        j.start_ms = Some(created_ms + start_after * MIN);
        j.end_ms = Some(created_ms + end_after * MIN);
        j.attempt = 1;
        let code = if status == "Failed" {
            Some(1)
        } else if status == "Canceled" {
            Some(143)
        } else {
            Some(0)
        };
        j.ranks = vec![
            Rank {
                pid: 0,
                start_ticks: 0,
                exit_code: code
            };
            count as usize
        ];
        if status == "Failed" {
            j.error = Some(model::err(
                "UserError",
                "Execution failed. User process '/bin/sh' exited with status code 1. Please check log file 'user_logs/std_log_process_0.txt' for error details. Error: RuntimeError: CUDA out of memory. Tried to allocate 8.00 GiB (GPU 0; 15.77 GiB total capacity; 11.20 GiB already allocated)",
            ));
        }
        let dir = paths.run_dir(&ws.workspace_id, name);
        write_logs(&dir, &j, status)
            .map_err(|e| format!("cannot write demo logs in {}: {e}", dir.display()))?;
        jobs.push(j);
    }
    for j in jobs {
        ws.jobs.insert(j.name.to_ascii_lowercase(), j);
    }
    world.next_run_number = run_number;
    seed_environments(world, &mut ws, now)?;
    world.workspaces.insert(key, ws);
    Ok(true)
}

fn set_running_apps(c: &mut Compute) {
    let host = format!("{}.{}.instances.azureml.ms", c.name(), c.location());
    c.set_prop(
        &["applications"],
        json!([
            {"displayName": "Jupyter", "endpointUri": format!("https://{host}/tree/")},
            {"displayName": "Jupyter Lab", "endpointUri": format!("https://{host}/lab")},
        ]),
    );
    c.set_prop(
        &["connectivityEndpoints"],
        json!({"publicIpAddress": "20.62.31.7", "privateIpAddress": "10.0.1.31"}),
    );
}

/// Writes believable logs for a job that ran before the emulator knew it.
fn write_logs(dir: &Path, j: &Job, status: &str) -> std::io::Result<()> {
    let logs = dir.join("user_logs");
    std::fs::create_dir_all(&logs)?;
    let start = j.start_ms.unwrap_or(j.created_ms);
    let end = j.end_ms.unwrap_or(start);
    let display = model::get_str(&j.body, &["properties", "displayName"]).unwrap_or("job");
    for rank in 0..j.instance_count.max(1) {
        let mut out = String::new();
        let t = |ms: i64| iso(ms).replace('T', " ").trim_end_matches('Z').to_string();
        out.push_str(&format!(
            "{} INFO Starting {display} on rank {rank} of {}\n",
            t(start),
            j.instance_count
        ));
        let epochs = 8;
        let span = (end - start).max(60_000);
        for e in 1..=epochs {
            let at = start + span * e / (epochs + 1);
            let loss = 2.3 / (1.0 + 0.3 * e as f64);
            out.push_str(&format!(
                "{} INFO epoch {e}/{epochs} loss={loss:.4} acc={:.3}\n",
                t(at),
                1.0 - loss / 3.0
            ));
            if status == "Failed" && e == 3 {
                out.push_str("Traceback (most recent call last):\n  File \"train.py\", line 88, in <module>\n    outputs = model(images)\n  File \"torch/nn/modules/module.py\", line 1501, in _call_impl\n    return forward_call(*args, **kwargs)\nRuntimeError: CUDA out of memory. Tried to allocate 8.00 GiB (GPU 0; 15.77 GiB total capacity; 11.20 GiB already allocated)\n");
                break;
            }
            if status == "Canceled" && e == 2 {
                out.push_str(&format!("{} WARNING received SIGTERM, stopping\n", t(end)));
                break;
            }
        }
        if status == "Completed" {
            out.push_str(&format!(
                "{} INFO done; model saved to outputs/model.pt\n",
                t(end)
            ));
        }
        std::fs::write(logs.join(format!("std_log_process_{rank}.txt")), out)?;
    }
    system_log(
        dir,
        &format!(
            "Job {} ({display}) imported by the demo seeding, status {status}",
            j.name
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_has_registered_environments_also_when_seeded_by_an_older_emulator() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            root: dir.path().to_path_buf(),
        };
        let mut world = World::new();
        let now = model::now_ms();
        assert!(seed(&mut world, &paths, now).unwrap());
        let key = ws_key(DEMO_SUBSCRIPTION, DEMO_RESOURCE_GROUP, DEMO_WORKSPACE);
        let ws = &world.workspaces[&key];
        let sk = &ws.environments["sklearn-env"];
        assert_eq!(sk.versions.len(), 2);
        assert!(sk.versions["2"].created_ms > sk.versions["1"].created_ms);
        assert!(ws.environments["pytorch-env"].versions.contains_key("1"));
        // A demo workspace from before environments existed gets them; a second seed adds nothing.
        world.workspaces.get_mut(&key).unwrap().environments.clear();
        assert!(seed(&mut world, &paths, now).unwrap());
        assert_eq!(world.workspaces[&key].environments.len(), 2);
        assert!(!seed(&mut world, &paths, now).unwrap());
    }
}
