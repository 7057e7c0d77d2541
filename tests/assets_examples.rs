//! Every compute example in `assets/examples/compute/` works as shipped: the real `amlc` binary
//! creates or attaches it on the emulator's demo workspace (`computes create|attach -f`), and
//! the compute then exists with the file's values and reaches Succeeded. A VM example names a
//! key under `~/.ssh`, which the test replaces with `--set` (the only change made to a file).
//! Every job example in `assets/examples/jobs/` runs on the demo as shipped (`jobs create -f
//! … --stream`): its script's output is printed, a second submit of the same code folder
//! uploads nothing, and `--set compute=local` runs it on this machine.

mod cli_common;
mod keys_common;

use cli_common::*;
use serde_json::Value;
use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/examples/compute")
        .join(name)
}

/// `computes show NAME -o json` once it is Succeeded (the command follows the create to its
/// end, so it already is).
fn succeeded(e: &Emulator, name: &str) -> Value {
    let r = e.run(&["computes", "show", name, "-o", "json"]);
    r.expect(0);
    let c = r.json();
    assert_eq!(c["properties"]["provisioningState"], "Succeeded", "{c:#}");
    c
}

#[test]
fn every_compute_example_creates_or_attaches_on_the_demo() {
    let e = Emulator::start("20", None);
    let file = |n: &str| example(n).to_string_lossy().into_owned();

    e.run(&["computes", "create", "-f", &file("cluster.yml")])
        .expect(0);
    let c = succeeded(&e, "cpu-train");
    assert_eq!(c["properties"]["properties"]["vmSize"], "Standard_DS3_v2");
    assert_eq!(
        c["properties"]["properties"]["scaleSettings"]["maxNodeCount"],
        2
    );
    assert_eq!(c["tags"]["team"], "ml-platform");

    e.run(&["computes", "create", "-f", &file("instance.yml")])
        .expect(0);
    let c = succeeded(&e, "dev-box");
    assert_eq!(c["properties"]["computeType"], "ComputeInstance");
    assert_eq!(
        c["properties"]["properties"]["idleTimeBeforeShutdown"], "PT1H",
        "{c:#}"
    );
    let schedules = &c["properties"]["properties"]["schedules"]["computeStartStop"];
    assert_eq!(schedules[0]["cron"]["expression"], "0 19 * * 1-5", "{c:#}");

    e.run(&["computes", "attach", "-f", &file("kubernetes.yml")])
        .expect(0);
    let c = succeeded(&e, "k8s-team");
    assert_eq!(c["properties"]["properties"]["namespace"], "ml-team");

    let key = e.home.path().join("id_vm");
    std::fs::write(&key, keys_common::unencrypted_key()).expect("write key");
    let set = format!("ssh_settings.ssh_private_key_file={}", key.display());
    e.run(&[
        "computes",
        "attach",
        "-f",
        &file("virtualmachine.yml"),
        "--set",
        &set,
    ])
    .expect(0);
    let c = succeeded(&e, "gpu-vm");
    assert_eq!(c["properties"]["computeType"], "VirtualMachine");

    e.run(&["computes", "attach", "-f", &file("synapsespark.yml")])
        .expect(0);
    let c = succeeded(&e, "spark-pool");
    assert_eq!(c["properties"]["computeType"], "SynapseSpark");
    assert_eq!(c["identity"]["type"], "SystemAssigned", "{c:#}");
}

#[test]
fn every_compute_example_is_listed_here() {
    // A new example file must be exercised above: this list is the files of the folder.
    let mut names: Vec<String> = std::fs::read_dir(example(""))
        .expect("assets/examples/compute")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cluster.yml",
            "instance.yml",
            "kubernetes.yml",
            "synapsespark.yml",
            "virtualmachine.yml"
        ]
    );
}

/// `--dry-run` of each example prints exactly the ARM body az ml would send for it (secrets
/// masked), and sends nothing.
#[test]
fn dry_runs_print_the_expected_bodies_and_send_nothing() {
    use serde_json::json;
    let e = Emulator::start("20", None);
    let key = e.home.path().join("id_vm");
    std::fs::write(&key, keys_common::unencrypted_key()).expect("write key");
    let set = format!("ssh_settings.ssh_private_key_file={}", key.display());
    let cases: [(&str, &str, &[&str], &str, Value); 5] = [
        (
            "create",
            "cluster.yml",
            &[],
            "cpu-train",
            json!({"tags": {"team": "ml-platform"}, "properties": {
                "computeType": "AmlCompute", "description": "CPU cluster for training runs",
                "properties": {"vmSize": "Standard_DS3_v2", "vmPriority": "Dedicated",
                    "isolatedNetwork": false,
                    "scaleSettings": {"maxNodeCount": 2, "minNodeCount": 0,
                        "nodeIdleTimeBeforeScaleDown": "PT5M"},
                    "remoteLoginPortPublicAccess": "NotSpecified", "enableNodePublicIp": true}}}),
        ),
        (
            "create",
            "instance.yml",
            &[],
            "dev-box",
            json!({"properties": {"computeType": "ComputeInstance", "properties": {
                "vmSize": "Standard_DS3_v2",
                "schedules": {"computeStartStop": [{"status": "Enabled", "action": "Stop",
                    "triggerType": "Cron", "cron": {"startTime": "2026-01-01T00:00:00",
                        "timeZone": "UTC", "expression": "0 19 * * 1-5"}}]},
                "idleTimeBeforeShutdown": "PT1H", "enableSSO": true,
                "enableNodePublicIp": true}}}),
        ),
        (
            "attach",
            "kubernetes.yml",
            &[],
            "k8s-team",
            json!({"properties": {"computeType": "Kubernetes",
                "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg/providers/Microsoft.ContainerService/managedClusters/my-aks",
                "properties": {"namespace": "ml-team"}}}),
        ),
        (
            "attach",
            "synapsespark.yml",
            &[],
            "spark-pool",
            json!({"identity": {"type": "SystemAssigned"}, "properties": {
                "computeType": "SynapseSpark",
                "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg/providers/Microsoft.Synapse/workspaces/my-synapse/bigDataPools/pool1"}}),
        ),
        (
            "attach",
            "virtualmachine.yml",
            &["--set", set.as_str()],
            "gpu-vm",
            json!({"properties": {"computeType": "VirtualMachine",
                "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg/providers/Microsoft.Compute/virtualMachines/my-gpu-vm",
                "properties": {"sshPort": 22, "administratorAccount": {
                    "username": "azureuser", "privateKeyData": "***"}}}}),
        ),
    ];
    for (verb, file, extra, name, want) in cases {
        let path = example(file).to_string_lossy().into_owned();
        let mut args = vec!["computes", verb, "-f", path.as_str(), "--dry-run"];
        args.extend_from_slice(extra);
        let r = e.run(&args);
        r.expect(0);
        assert_eq!(r.json(), want, "{file}");
        assert!(
            !r.stdout.contains("made-up private part"),
            "{file}: key shown"
        );
        let show = e.run(&["computes", "show", name, "-o", "json"]);
        assert_ne!(show.code, 0, "{file}: a dry run created {name}");
    }
}

fn job_example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/examples/jobs")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_job_example_runs_on_the_demo() {
    let e = Emulator::start("20", None);
    let stream = |file: &str, extra: &[&str]| {
        let path = job_example(file);
        let mut args = vec!["jobs", "create", "-f", path.as_str(), "--stream"];
        args.extend_from_slice(extra);
        let r = e.run(&args);
        r.expect(0);
        r
    };

    let r = stream("hello.yml", &[]);
    assert!(r.stdout.contains("hello from "), "{}", r.stdout);

    let r = stream("train/job.yml", &[]);
    assert!(r.stdout.contains("epoch 3/3"), "{}", r.stdout);
    assert!(r.stdout.contains("train.py: done"), "{}", r.stdout);
    assert!(r.stderr.contains("uploaded 2 files"), "{}", r.stderr);
    // The same folder again: the code asset is found by its hash, nothing is uploaded.
    let r = stream("train/job.yml", &[]);
    assert!(r.stderr.contains("code asset reused"), "{}", r.stderr);
    assert!(!r.stderr.contains("uploading"), "{}", r.stderr);
    assert!(r.stdout.contains("train.py: done"), "{}", r.stdout);

    let r = stream("train/inputs.yml", &[]);
    assert!(
        r.stdout.contains("read 2 data files, 5 rows"),
        "{}",
        r.stdout
    );

    let r = stream("train/distributed.yml", &[]);
    for rank in 0..4 {
        assert!(
            r.stdout
                .contains(&format!("[{rank}] train.py: rank {rank} of 4")),
            "rank {rank}: {}",
            r.stdout
        );
    }

    // The local computer as the target: the same file, one override.
    let r = stream("train/job.yml", &["--set", "compute=local"]);
    assert!(r.stdout.contains("train.py: done"), "{}", r.stdout);
    assert!(r.stderr.contains("on this computer"), "{}", r.stderr);
    let name = r
        .stdout
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let list = e.run(&["jobs", "list"]);
    list.expect(0);
    let row = list
        .stdout
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{name} not listed: {}", list.stdout));
    assert!(row.contains("local") && row.contains("Completed"), "{row}");
}

#[test]
fn every_job_example_is_listed_here() {
    // A new job file must be run above: this list is the job files of the folder, at any depth.
    fn yml(dir: &std::path::Path, rel: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("assets/examples/jobs") {
            let entry = entry.expect("a folder entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if entry.path().is_dir() {
                yml(&entry.path(), &rel, out);
            } else if name.ends_with(".yml") {
                out.push(rel);
            }
        }
    }
    let mut names = Vec::new();
    yml(&PathBuf::from(job_example("")), "", &mut names);
    names.sort();
    assert_eq!(
        names,
        [
            "hello.yml",
            "train/distributed.yml",
            "train/inputs.yml",
            "train/job.yml"
        ]
    );
}
