//! The typed client against the emulator over real HTTP on loopback: every operation, the
//! lifecycles the UI relies on, and the client finishing its work with faults injected.

mod emulator_common;

use amlc::azure::AmlClient;
use amlc::azure::computes::UnderlyingResourceAction;
use amlc::azure::error::AzureError;
use amlc::azure::jobs::JobListOptions;
use amlc::azure::logs::LogRead;
use amlc::azure::lro::WaitOptions;
use amlc::azure::models::{
    AmlComputeProperties, CommandJobRequest, Compute, ComputeProperties, ComputeResource,
    ComputeSecrets, ComputeType, ScaleSettings,
};
use amlc::emulator::{self, EmulatorConfig, EmulatorHandle, FaultSpec};
use std::time::{Duration, Instant};

const SPEED: f64 = 40.0;

async fn start(dir: &std::path::Path, faults: Option<&str>) -> EmulatorHandle {
    emulator::start(EmulatorConfig {
        demo: true,
        speed: SPEED,
        faults: faults.map(|f| FaultSpec::parse(f).unwrap()),
        ..EmulatorConfig::new(dir)
    })
    .await
    .unwrap()
}

fn client(handle: &EmulatorHandle) -> AmlClient {
    emulator_common::client_for(handle, emulator::DEMO_WORKSPACE)
}

fn wait() -> WaitOptions {
    WaitOptions {
        deadline: Duration::from_secs(60),
        default_interval: Duration::from_millis(50),
        min_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(250),
        ..WaitOptions::default()
    }
}

/// Polls `get_compute` until `pred` holds (or panics after 30 s).
async fn until(
    c: &AmlClient,
    name: &str,
    what: &str,
    pred: impl Fn(&ComputeResource) -> bool,
) -> ComputeResource {
    let started = Instant::now();
    loop {
        let compute = c.get_compute(name).await.unwrap();
        if pred(&compute) {
            return compute;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{name}: never {what}; last {}",
            compute.raw
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The request body of an AmlCompute cluster in the demo location.
fn cluster_body(vm_size: &str, min: i64, max: i64, idle: Option<&str>) -> ComputeResource {
    ComputeResource::new_request(
        Some(emulator::DEMO_LOCATION.into()),
        Compute::new(ComputeProperties::AmlCompute(AmlComputeProperties {
            vm_size: Some(vm_size.into()),
            scale_settings: Some(ScaleSettings::new(min, max, idle.map(str::to_string))),
            ..AmlComputeProperties::default()
        })),
    )
}

fn of_type(all: &[ComputeResource], kind: ComputeType) -> Vec<&ComputeResource> {
    all.iter().filter(|c| *c.compute_type() == kind).collect()
}

fn name(c: &ComputeResource) -> String {
    c.name.clone().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_discovery_sizes_quotas_and_the_demo_computes() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let c = client(&handle);

    let ws = c.get_workspace().await.unwrap();
    assert_eq!(ws.name.as_deref(), Some(emulator::DEMO_WORKSPACE));
    let api = c.data_plane_url().await.unwrap();
    assert_eq!(
        api.host_str(),
        handle.url().host_str(),
        "discovery points back at the emulator"
    );

    let all = c.list_computes().await.unwrap();
    for kind in [
        ComputeType::ComputeInstance,
        ComputeType::AmlCompute,
        ComputeType::Aks,
        ComputeType::Kubernetes,
        ComputeType::VirtualMachine,
        ComputeType::Databricks,
        ComputeType::HdInsight,
        ComputeType::SynapseSpark,
    ] {
        assert!(
            !of_type(&all, kind.clone()).is_empty(),
            "no {kind} in the demo"
        );
    }
    assert!(of_type(&all, ComputeType::ComputeInstance).len() >= 3);
    assert!(of_type(&all, ComputeType::AmlCompute).len() >= 3);
    let states: Vec<String> = of_type(&all, ComputeType::ComputeInstance)
        .iter()
        .map(|c| c.display_state())
        .collect();
    for state in ["Running", "Stopped", "CreateFailed"] {
        assert!(
            states.iter().any(|s| s == state),
            "no instance {state}: {states:?}"
        );
    }
    let failed = of_type(&all, ComputeType::ComputeInstance)
        .into_iter()
        .find(|c| c.display_state() == "CreateFailed")
        .unwrap();
    assert!(
        !failed.errors().is_empty(),
        "a failed instance carries its error"
    );
    for attached in [
        ComputeType::VirtualMachine,
        ComputeType::Databricks,
        ComputeType::HdInsight,
        ComputeType::SynapseSpark,
        ComputeType::Kubernetes,
    ] {
        for compute in of_type(&all, attached) {
            assert_eq!(
                compute.properties.is_attached_compute,
                Some(true),
                "{}",
                name(compute)
            );
        }
    }
    let one = c.get_compute(&name(all.first().unwrap())).await.unwrap();
    assert_eq!(one.raw, all.first().unwrap().raw);

    let sizes = c.list_vm_sizes(emulator::DEMO_LOCATION).await.unwrap();
    assert!(sizes.len() >= 10);
    assert!(
        sizes.iter().any(|s| s.gpus.unwrap_or(0) > 0),
        "GPU sizes in the catalogue"
    );
    assert!(sizes.iter().any(|s| s.gpus.unwrap_or(0) == 0));
    assert!(
        !c.list_usages(emulator::DEMO_LOCATION)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !c.list_quotas(emulator::DEMO_LOCATION)
            .await
            .unwrap()
            .is_empty()
    );

    // Secrets: a VM's keys come back, masked in Debug.
    let vm = name(of_type(&all, ComputeType::VirtualMachine)[0]);
    let keys = c.list_keys(&vm).await.unwrap();
    assert!(
        matches!(keys, ComputeSecrets::VirtualMachine { .. }),
        "{keys:?}"
    );
    assert!(
        !format!("{keys:?}")
            .to_lowercase()
            .contains("password\": \"")
    );

    // Errors in the ARM shape.
    let err = c.get_compute("no-such-compute").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let instance = name(of_type(&all, ComputeType::ComputeInstance)[0]);
    let err = c.list_nodes(&instance).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    let err = c
        .delete_compute(&instance, UnderlyingResourceAction::Detach)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    let cluster_body = cluster_body("STANDARD_D2_V2", 0, 2, Some("PT2M"));
    let err = c
        .create_or_update_compute(&instance, &cluster_body)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "create over another type: {err}");
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_lifecycles() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let c = client(&handle);

    // Create a cluster: Creating, then Succeeded at minNodeCount.
    let body = cluster_body("STANDARD_DS3_V2", 1, 3, Some("PT2M"));
    let op = c
        .create_or_update_compute("test-cluster", &body)
        .await
        .unwrap();
    let done = op.wait(&wait()).await.unwrap().unwrap();
    assert_eq!(done["properties"]["provisioningState"], "Succeeded");
    let cluster = until(&c, "test-cluster", "at one node", |c| {
        c.properties
            .properties
            .as_cluster()
            .and_then(|p| p.current_node_count)
            == Some(1)
    })
    .await;
    assert_eq!(cluster.display_state(), "Steady");
    assert_eq!(c.list_nodes("test-cluster").await.unwrap().len(), 1);

    // Scale settings update (PATCH) as an LRO.
    let op = c
        .update_scale_settings(
            "test-cluster",
            ScaleSettings::new(0, 4, Some("PT2M".into())),
        )
        .await
        .unwrap();
    op.wait(&wait()).await.unwrap();
    let cluster = c.get_compute("test-cluster").await.unwrap();
    let scale = cluster
        .properties
        .properties
        .as_cluster()
        .and_then(|p| p.scale_settings.clone())
        .unwrap();
    assert_eq!(scale.max_node_count, 4);

    // Instances: stop, start, restart, each ending in the right state with lastOperation current.
    let all = c.list_computes().await.unwrap();
    let running = of_type(&all, ComputeType::ComputeInstance)
        .into_iter()
        .find(|c| c.display_state() == "Running")
        .map(name)
        .unwrap();
    c.stop_compute(&running)
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    let stopped = until(&c, &running, "Stopped", |c| c.display_state() == "Stopped").await;
    assert_eq!(
        stopped
            .raw
            .pointer("/properties/properties/lastOperation/operationName")
            .and_then(|v| v.as_str()),
        Some("Stop")
    );
    let err = c.stop_compute(&running).await.unwrap_err();
    assert_eq!(err.status(), Some(409), "stop a stopped instance: {err}");
    c.start_compute(&running)
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    until(&c, &running, "Running", |c| c.display_state() == "Running").await;
    c.restart_compute(&running)
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    let restarted = until(&c, &running, "Running", |c| c.display_state() == "Running").await;
    assert_eq!(
        restarted
            .raw
            .pointer("/properties/properties/lastOperation/operationName")
            .and_then(|v| v.as_str()),
        Some("Restart")
    );

    // Idle shutdown (preview operation) is accepted by the emulator; a bad value never leaves.
    c.update_idle_shutdown(&running, "PT45M").await.unwrap();
    let err = c.update_idle_shutdown(&running, "PT1M").await.unwrap_err();
    assert!(matches!(err, AzureError::Invalid(_)));

    // Detach an attached compute, delete a managed one.
    let vm = name(of_type(&all, ComputeType::VirtualMachine)[0]);
    c.delete_compute(&vm, UnderlyingResourceAction::Detach)
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    c.delete_compute("test-cluster", UnderlyingResourceAction::Delete)
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    let started = Instant::now();
    loop {
        let names: Vec<String> = c.list_computes().await.unwrap().iter().map(name).collect();
        if !names.contains(&vm) && !names.contains(&"test-cluster".to_string()) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still there: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_scales_a_cluster_up_logs_and_completes_then_the_cluster_scales_down() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let c = client(&handle);
    let body = cluster_body("STANDARD_D2_V2", 0, 2, Some("PT10S"));
    c.create_or_update_compute("scale-test", &body)
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    let compute_id = c.context().compute_id("scale-test");
    let job = CommandJobRequest::new(
        "for i in 1 2 3; do echo step $i rank $RANK; sleep 0.2; done",
        "azureml:sh:1",
    )
    .compute_id(compute_id)
    .instance_count(2)
    .display_name("scale test")
    .build();
    let created = c.create_job("scale-job-1", &job).await.unwrap();
    assert_eq!(created.name.as_deref(), Some("scale-job-1"));

    // The cluster grows for the job.
    until(&c, "scale-test", "scaled up", |c| {
        c.properties
            .properties
            .as_cluster()
            .and_then(|p| p.current_node_count)
            .unwrap_or(0)
            >= 1
    })
    .await;

    // The job completes; its logs hold every rank's lines.
    let started = Instant::now();
    let details = loop {
        let details = c.run_details("scale-job-1").await.unwrap();
        let status = details
            .status
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        if status == "Completed" {
            break details;
        }
        assert!(
            !["Failed", "Canceled"].contains(&status.as_str()),
            "job ended {status}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "job still {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut text = String::new();
    for rank in 0..2 {
        let key = format!("user_logs/std_log_process_{rank}.txt");
        let url = details
            .log_files
            .get(&key)
            .unwrap_or_else(|| panic!("no {key} in {:?}", details.log_files.keys()));
        let url = url::Url::parse(url).unwrap();
        match c.read_log_range(&url, 0).await.unwrap() {
            LogRead::Data { bytes, .. } => text.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("rank {rank}: {other:?}"),
        }
    }
    for rank in 0..2 {
        for step in 1..=3 {
            assert!(text.contains(&format!("step {step} rank {rank}")), "{text}");
        }
    }
    let job = c.get_job("scale-job-1").await.unwrap();
    assert_eq!(
        job.status().map(|s| s.to_string()).as_deref(),
        Some("Completed")
    );
    let listed = c.list_jobs(&JobListOptions::default()).await.unwrap();
    assert_eq!(
        listed.first().and_then(|j| j.name.clone()).as_deref(),
        Some("scale-job-1"),
        "newest first"
    );

    // Idle nodes leave after nodeIdleTimeBeforeScaleDown (10 s / speed).
    let down = until(&c, "scale-test", "scaled down", |c| {
        c.properties
            .properties
            .as_cluster()
            .and_then(|p| p.current_node_count)
            == Some(0)
    })
    .await;
    assert_eq!(down.display_state(), "Steady");
    assert!(c.list_nodes("scale-test").await.unwrap().is_empty());
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_a_running_job_and_delete_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let c = client(&handle);
    let all = c.list_computes().await.unwrap();
    let cluster = of_type(&all, ComputeType::AmlCompute)
        .into_iter()
        .max_by_key(|c| {
            c.properties
                .properties
                .as_cluster()
                .and_then(|p| p.scale_settings.as_ref())
                .map(|s| s.max_node_count)
                .unwrap_or(0)
        })
        .map(name)
        .unwrap();
    let job = CommandJobRequest::new("echo started; sleep 600", "azureml:sh:1")
        .compute_id(c.context().compute_id(&cluster))
        .build();
    c.create_job("long-job", &job).await.unwrap();
    let started = Instant::now();
    loop {
        let details = c.run_details("long-job").await.unwrap();
        if details.status.as_ref().map(|s| s.to_string()).as_deref() == Some("Running") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "never Running: {:?}",
            details.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.cancel_job("long-job")
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    let started = Instant::now();
    loop {
        let job = c.get_job("long-job").await.unwrap();
        if job.status().map(|s| s.to_string()).as_deref() == Some("Canceled") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.delete_job("long-job")
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    assert_eq!(c.get_job("long-job").await.unwrap_err().status(), Some(404));
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_finishes_its_work_with_faults_on() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(
        dir.path(),
        Some("latency=5ms,error=0.15,throttle=0.15,drop=0.1,seed=7"),
    )
    .await;
    let c = client(&handle);
    for _ in 0..5 {
        let all = c.list_computes().await.unwrap();
        assert!(all.len() >= 12);
    }
    let body = cluster_body("STANDARD_D2_V2", 0, 1, None);
    let done = c
        .create_or_update_compute("faulty", &body)
        .await
        .unwrap()
        .wait(&wait())
        .await
        .unwrap();
    assert_eq!(
        done.unwrap()["properties"]["provisioningState"],
        "Succeeded"
    );
    // A completed demo job's log reads through the faults too.
    let jobs = c.list_jobs(&JobListOptions::default()).await.unwrap();
    let completed = jobs
        .iter()
        .find(|j| j.status().map(|s| s.to_string()).as_deref() == Some("Completed"))
        .and_then(|j| j.name.clone())
        .unwrap();
    let details = c.run_details(&completed).await.unwrap();
    let (_, url) = details.log_files.iter().next().unwrap();
    let url = url::Url::parse(url).unwrap();
    let read = c.read_log_range(&url, 0).await.unwrap();
    assert!(matches!(read, LogRead::Data { .. }), "{read:?}");
    assert!(c.pipeline().retries() > 0, "the faults were felt");
    handle.shutdown().await;
}

/// The client and the emulator share one name rule (issue 7, item 8): what the client refuses
/// before sending, the emulator refuses too, and an AKS name of 2 characters passes both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_and_the_emulator_agree_on_compute_names() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let c = client(&handle);
    let aks: ComputeResource = serde_json::from_value(
        serde_json::json!({"location": "eastus", "properties": {"computeType": "AKS"}}),
    )
    .unwrap();
    for (name, body) in [
        ("abc-", cluster_body("Standard_DS3_v2", 0, 1, None)),
        ("a-1", cluster_body("Standard_DS3_v2", 0, 1, None)),
        ("ab", cluster_body("Standard_DS3_v2", 0, 1, None)),
        ("abcdefghijklmnopq", aks.clone()),
    ] {
        let err = c.create_or_update_compute(name, &body).await.unwrap_err();
        assert!(matches!(err, AzureError::Invalid(_)), "{name}: {err:?}");
        // Sent anyway over raw HTTP, the emulator refuses it with the same rule.
        let resp = reqwest::Client::new()
            .put(format!(
                "{}subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}/computes/{name}?api-version=2025-12-01",
                handle.url(),
                emulator::DEMO_SUBSCRIPTION,
                emulator::DEMO_RESOURCE_GROUP,
                emulator::DEMO_WORKSPACE
            ))
            .bearer_auth(handle.token())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{name}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "InvalidComputeName", "{name}: {v}");
    }
    let op = c.create_or_update_compute("ab", &aks).await.unwrap();
    op.wait(&wait()).await.unwrap();
    assert_eq!(c.get_compute("ab").await.unwrap().type_name(), "AKS");
    handle.shutdown().await;
}

/// Issue 8: every action through the one send path (`actions::send`), followed to its end, and
/// the state it leaves as the emulator reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_through_the_one_send_path() {
    use amlc::actions::{ActionId, ActionParams, ActionRequest, ScaleRequest, Sent, send};
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), None).await;
    let c = client(&h);
    let act = |action, target: &str| ActionRequest::new(action, target);
    async fn finish(c: &AmlClient, request: ActionRequest) -> Option<serde_json::Value> {
        match send(c, &request).await.unwrap() {
            Sent::Operation(op) => op.wait(&wait()).await.unwrap(),
            Sent::Done(body) => body,
            Sent::Keys(_) => panic!("{request:?}: keys"),
        }
    }
    let state = |r: &ComputeResource| {
        r.raw["properties"]["properties"]["state"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };

    for (action, end) in [
        (ActionId::Stop, "Stopped"),
        (ActionId::Start, "Running"),
        (ActionId::Restart, "Running"),
    ] {
        finish(&c, act(action, "ci-alice")).await;
        let ci = c.get_compute("ci-alice").await.unwrap();
        assert_eq!(state(&ci), end, "{action}");
        let last = &ci.raw["properties"]["properties"]["lastOperation"];
        assert_eq!(last["operationStatus"], "Succeeded", "{action}");
    }
    // A start of a running instance: the service's 409, typed.
    let e = send(&c, &act(ActionId::Start, "ci-alice"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(409), "{e}");

    // Idle shutdown set, then cleared (the body carries null).
    finish(
        &c,
        act(ActionId::IdleShutdown, "ci-alice").with(ActionParams::IdleShutdown(Some(90))),
    )
    .await;
    let ci = c.get_compute("ci-alice").await.unwrap();
    assert_eq!(
        ci.raw["properties"]["properties"]["idleTimeBeforeShutdown"],
        "PT1H30M"
    );
    finish(
        &c,
        act(ActionId::IdleShutdown, "ci-alice").with(ActionParams::IdleShutdown(None)),
    )
    .await;
    let ci = c.get_compute("ci-alice").await.unwrap();
    assert!(
        ci.raw["properties"]["properties"]
            .get("idleTimeBeforeShutdown")
            .is_none(),
        "{}",
        ci.raw
    );

    // Resize: the final resource carries the new scale settings; nodes follow the minimum.
    let scale = ScaleRequest {
        min_nodes: 1,
        max_nodes: 3,
        idle_secs: 60,
    };
    finish(
        &c,
        act(ActionId::Resize, "cpu-cluster").with(ActionParams::Resize(scale)),
    )
    .await;
    until(&c, "cpu-cluster", "one idle node", |r| {
        r.raw["properties"]["properties"]["nodeStateCounts"]["idleNodeCount"] == 1
    })
    .await;
    assert_eq!(c.list_nodes("cpu-cluster").await.unwrap().len(), 1);

    // Keys come back as secrets that never show themselves in Debug.
    match send(&c, &act(ActionId::Keys, "remote-vm")).await.unwrap() {
        Sent::Keys(keys) => {
            assert_eq!(keys.compute_type(), ComputeType::VirtualMachine);
            assert!(!format!("{keys:?}").contains("demo-password-not-real"));
        }
        other => panic!("{other:?}"),
    }

    // Detach leaves an attached compute's resource; a managed one cannot be detached.
    let e = send(&c, &act(ActionId::Detach, "ci-bob"))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Detach applies to attached computes only"),
        "{e}"
    );
    finish(&c, act(ActionId::Detach, "remote-vm")).await;
    finish(&c, act(ActionId::Delete, "ci-bob")).await;
    let names: Vec<String> = c
        .list_computes()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.name.clone())
        .collect();
    assert!(!names.contains(&"remote-vm".to_string()), "{names:?}");
    assert!(!names.contains(&"ci-bob".to_string()), "{names:?}");

    // Jobs: cancel the running one; archive and restore an ended one.
    let live = "dreamy_snail_tm8r2p4k1q";
    finish(&c, act(ActionId::CancelJob, live)).await;
    let job = c.get_job(live).await.unwrap();
    assert_eq!(job.raw["properties"]["status"], "Canceled");
    let archived = finish(&c, act(ActionId::ArchiveJob, "brisk_owl_8p1q6z3w5n"))
        .await
        .unwrap();
    assert_eq!(archived["properties"]["isArchived"], true);
    let active = c.list_jobs(&JobListOptions::default()).await.unwrap();
    assert!(
        active
            .iter()
            .all(|j| j.name.as_deref() != Some("brisk_owl_8p1q6z3w5n"))
    );
    let restored = finish(&c, act(ActionId::RestoreJob, "brisk_owl_8p1q6z3w5n"))
        .await
        .unwrap();
    assert_eq!(restored["properties"]["isArchived"], false);
    h.shutdown().await;
}
