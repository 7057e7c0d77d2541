//! The emulator's behaviour over time, through real loopback HTTP: compute create/start/stop/
//! restart/delete with their long-running operations, idle shutdown, cluster autoscaling for a
//! job and back down, jobs running as real processes with growing logs, cancel killing a process
//! tree, persistence across a simulated crash and a clean restart, and the demo seeding.

use amlc::emulator::{self, EmulatorConfig, EmulatorHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const API: &str = "api-version=2025-12-01";
const WS: &str = "subscriptions/sub-t/resourceGroups/rg-t/providers/Microsoft.MachineLearningServices/workspaces/ws-t";

struct Emu {
    h: EmulatorHandle,
    http: reqwest::Client,
}

async fn start_at(dir: &Path, speed: f64, demo: bool) -> Emu {
    let mut c = EmulatorConfig::new(dir);
    c.speed = speed;
    c.demo = demo;
    let h = emulator::start(c).await.unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Emu { h, http }
}

impl Emu {
    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.h.url(), path.trim_start_matches('/'))
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(self.h.token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text = resp.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    async fn get(&self, path: &str) -> Value {
        let (s, _, v) = self.call(Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        v
    }

    async fn workspace(&self) -> String {
        let (s, _, v) = self
            .call(
                Method::PUT,
                &format!("{WS}?{API}"),
                Some(json!({"location": "eastus"})),
            )
            .await;
        assert!(s.is_success(), "{v}");
        v["properties"]["workspaceId"].as_str().unwrap().to_string()
    }

    async fn compute(&self, name: &str) -> Value {
        self.get(&format!("{WS}/computes/{name}?{API}")).await
    }

    /// Polls an `Azure-AsyncOperation` URL until it is terminal; returns the final status body.
    async fn wait_op(&self, headers: &reqwest::header::HeaderMap) -> Value {
        let url = headers["azure-asyncoperation"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            url.contains("computeOperationsStatus") || url.contains("mfeOperationsStatus"),
            "{url}"
        );
        let family = if url.contains("mfeOperationsStatus") {
            "mfeOperationsStatus"
        } else {
            "computeOperationsStatus"
        };
        let started = Instant::now();
        loop {
            let v = self.get(&url).await;
            // The status body names the route that served it.
            let id = v["id"].as_str().unwrap_or("");
            assert!(id.contains(&format!("/{family}/")), "{url}: id {id}");
            if v["status"] != "InProgress" {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "operation never ended: {v}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Polls a compute, recording every distinct value at `pointer`, until `done` holds.
    async fn watch(
        &self,
        name: &str,
        pointer: &str,
        done: impl Fn(&Value) -> bool,
    ) -> (Value, Vec<String>) {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let c = self.compute(name).await;
            let v = c
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if seen.last() != Some(&v) {
                seen.push(v);
            }
            if done(&c) {
                return (c, seen);
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{name}: {seen:?} {c}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn job_status(&self, name: &str) -> String {
        let v = self.get(&format!("{WS}/jobs/{name}?{API}")).await;
        v["properties"]["status"].as_str().unwrap().to_string()
    }

    async fn wait_job(&self, name: &str, status: &str, limit: Duration) -> Vec<String> {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let s = self.job_status(name).await;
            if seen.last() != Some(&s) {
                seen.push(s.clone());
            }
            if s == status {
                return seen;
            }
            assert!(started.elapsed() < limit, "{name} never {status}: {seen:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn details(&self, job: &str) -> Value {
        self.get(&format!("history/v1.0/{WS}/runs/{job}/details"))
            .await
    }
}

fn state(c: &Value) -> &str {
    c["properties"]["properties"]["state"]
        .as_str()
        .unwrap_or("")
}

fn props(c: &Value) -> &Value {
    &c["properties"]["properties"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_lifecycle_and_its_operations() {
    let dir = tempfile::tempdir().unwrap();
    let e = start_at(dir.path(), 20.0, false).await;
    e.workspace().await;
    let body = json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_DS3_v2"}}});
    let (s, h, v) = e
        .call(
            Method::PUT,
            &format!("{WS}/computes/ci-one?{API}"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["properties"]["provisioningState"], "Creating");
    assert!(h.contains_key("location") && h.contains_key("retry-after"));
    let (c, states) = e
        .watch("ci-one", "/properties/properties/state", |c| {
            state(c) == "Running"
        })
        .await;
    assert_eq!(states, ["Creating", "SettingUp", "Running"]);
    assert_eq!(c["properties"]["provisioningState"], "Succeeded");
    assert_eq!(props(&c)["lastOperation"]["operationName"], "Create");
    assert_eq!(props(&c)["lastOperation"]["operationStatus"], "Succeeded");
    assert!(props(&c)["applications"].as_array().unwrap().len() >= 2);
    let op = e.wait_op(&h).await;
    assert_eq!(op["status"], "Succeeded");
    // The Location URL of a finished create returns the resource.
    let loc = e.get(h["location"].to_str().unwrap()).await;
    assert_eq!(loc["name"], "ci-one");

    // The actions' in-between states are checked right after each request: at speed 2 an action
    // takes 1.25 s or more, so three requests fit its window even on a loaded machine (at speed
    // 20 the window was 125 ms). A restart on the same data directory changes the speed.
    e.h.shutdown().await;
    let e = start_at(dir.path(), 2.0, false).await;
    for (action, transient, end, op_name) in [
        ("stop", "Stopping", "Stopped", "Stop"),
        ("start", "Starting", "Running", "Start"),
        ("restart", "Restarting", "Running", "Restart"),
    ] {
        let (s, h, _) = e
            .call(
                Method::POST,
                &format!("{WS}/computes/ci-one/{action}?{API}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{action}");
        let location = h["location"].to_str().unwrap().to_string();
        let (s, _, _) = e.call(Method::GET, &location, None).await;
        assert_eq!(
            s,
            StatusCode::ACCEPTED,
            "{action}: Location answers 202 while running"
        );
        let c = e.compute("ci-one").await;
        assert_eq!(state(&c), transient);
        assert_eq!(props(&c)["lastOperation"]["operationStatus"], "InProgress");
        // A second action while one runs is refused.
        let (s, _, _) = e
            .call(
                Method::POST,
                &format!("{WS}/computes/ci-one/{action}?{API}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let started = Instant::now();
        loop {
            let (s, _, _) = e.call(Method::GET, &location, None).await;
            if s == StatusCode::OK {
                break;
            }
            assert_eq!(s, StatusCode::ACCEPTED);
            assert!(started.elapsed() < Duration::from_secs(20));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let c = e.compute("ci-one").await;
        assert_eq!(state(&c), end, "{action}");
        assert_eq!(props(&c)["lastOperation"]["operationName"], op_name);
        assert_eq!(props(&c)["lastOperation"]["operationStatus"], "Succeeded");
    }
    e.h.shutdown().await;
    let e = start_at(dir.path(), 20.0, false).await;
    let (s, _, _) = e
        .call(
            Method::POST,
            &format!("{WS}/computes/ci-one/updateIdleShutdownSetting?{API}"),
            Some(json!({"idleTimeBeforeShutdown": "PT20M"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        props(&e.compute("ci-one").await)["idleTimeBeforeShutdown"],
        "PT20M"
    );
    let (s, _, v) = e
        .call(
            Method::POST,
            &format!("{WS}/computes/ci-one/getAllowedVmSizesForResize?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(!v["value"].as_array().unwrap().is_empty());

    // Out of quota: 48 A100 vCPUs against a family limit of 24.
    let big = json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_NC48ads_A100_v4"}}});
    let (s, h, _) = e
        .call(
            Method::PUT,
            &format!("{WS}/computes/ci-big?{API}"),
            Some(big),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let op = e.wait_op(&h).await;
    assert_eq!(op["status"], "Failed");
    assert_eq!(op["error"]["code"], "OutOfQuota");
    let c = e.compute("ci-big").await;
    assert_eq!(c["properties"]["provisioningState"], "Failed");
    assert_eq!(state(&c), "CreateFailed");
    assert_eq!(
        c["properties"]["provisioningErrors"][0]["error"]["code"],
        "OutOfQuota"
    );
    let (s, _, v) = e
        .call(Method::GET, h["location"].to_str().unwrap(), None)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("OutOfQuota"))
    );

    // Delete: Deleting, then gone; the operation succeeds.
    let (s, h, _) = e
        .call(
            Method::DELETE,
            &format!("{WS}/computes/ci-one?{API}&underlyingResourceAction=Delete"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(
        e.compute("ci-one").await["properties"]["provisioningState"],
        "Deleting"
    );
    assert_eq!(e.wait_op(&h).await["status"], "Succeeded");
    let (s, _, _) = e
        .call(Method::GET, &format!("{WS}/computes/ci-one?{API}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = e
        .call(Method::GET, h["location"].to_str().unwrap(), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_instances_shut_down_and_attached_computes_detach() {
    let dir = tempfile::tempdir().unwrap();
    // PT15M at speed 3000 is 0.3 s.
    let e = start_at(dir.path(), 3000.0, false).await;
    e.workspace().await;
    let body = json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_DS11_v2", "idleTimeBeforeShutdown": "PT15M"}}});
    let (s, _, _) = e
        .call(
            Method::PUT,
            &format!("{WS}/computes/ci-idle?{API}"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (c, states) = e
        .watch("ci-idle", "/properties/properties/state", |c| {
            state(c) == "Stopped"
        })
        .await;
    assert!(states.contains(&"Running".to_string()), "{states:?}");
    assert_eq!(
        props(&c)["lastOperation"]["operationTrigger"],
        "IdleShutdown"
    );

    // Preview operations on the stopped instance: resize, custom services, data mounts.
    let (s, h, _) = e
        .call(
            Method::POST,
            &format!("{WS}/computes/ci-idle/resize?{API}"),
            Some(json!({"targetVMSize": "Standard_DS12_v2"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(e.wait_op(&h).await["status"], "Succeeded");
    let c = e.compute("ci-idle").await;
    assert_eq!(
        (props(&c)["vmSize"].as_str(), state(&c)),
        (Some("Standard_DS12_v2"), "Stopped")
    );
    assert_eq!(props(&c)["lastOperation"]["operationName"], "Resize");
    let services = json!([{"name": "rstudio", "image": {"type": "docker", "reference": "ghcr.io/azure/rocker-rstudio-ml-verse:latest"}, "endpoints": [{"protocol": "http", "name": "connect", "target": 8787, "published": 8787}]}]);
    let (s, _, _) = e
        .call(
            Method::POST,
            &format!("{WS}/computes/ci-idle/customServices?{API}"),
            Some(services),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mounts = json!([{"source": "azureml://datastores/workspaceblobstore/paths/data", "sourceType": "URI", "mountName": "data", "mountAction": "Mount", "mountPath": "/home/azureuser/data"}]);
    let (s, _, _) = e
        .call(
            Method::POST,
            &format!("{WS}/computes/ci-idle/updateDataMounts?{API}"),
            Some(mounts),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let c = e.compute("ci-idle").await;
    assert_eq!(props(&c)["customServices"][0]["name"], "rstudio");
    assert_eq!(props(&c)["dataMounts"][0]["mountState"], "Mounted");
    let (s, _, _) = e
        .call(
            Method::POST,
            &format!("{WS}/computes/ci-idle/customServices?{API}"),
            Some(json!({"not": "an array"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    for (name, kind, extra) in [
        ("k8s-one", "Kubernetes", json!({"namespace": "ml"})),
        (
            "vm-one",
            "VirtualMachine",
            json!({"address": "10.0.0.9", "administratorAccount": {"username": "u", "password": "p"}}),
        ),
        (
            "dbx-one",
            "Databricks",
            json!({"databricksAccessToken": "secret"}),
        ),
        (
            "hdi-one",
            "HDInsight",
            json!({"address": "hdi.example", "administratorAccount": {"username": "u", "password": "p"}}),
        ),
        (
            "adla-one",
            "DataLakeAnalytics",
            json!({"dataLakeStoreAccountName": "adls"}),
        ),
        ("syn-one", "SynapseSpark", json!({"poolName": "p1"})),
    ] {
        // The service checks an attached resource's id for its kind's provider.
        let provider = match kind {
            "Kubernetes" => "Microsoft.Kubernetes/connectedClusters",
            "VirtualMachine" => "Microsoft.Compute/virtualMachines",
            "Databricks" => "Microsoft.Databricks/workspaces",
            "HDInsight" => "Microsoft.HDInsight/clusters",
            "DataLakeAnalytics" => "Microsoft.DataLakeAnalytics/accounts",
            _ => "Microsoft.Synapse/workspaces/syn/bigDataPools",
        };
        let rid = format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-t/providers/{provider}/{name}"
        );
        let body = json!({"location": "eastus", "properties": {"computeType": kind, "resourceId": rid, "properties": extra}});
        let (s, h, v) = e
            .call(
                Method::PUT,
                &format!("{WS}/computes/{name}?{API}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(e.wait_op(&h).await["status"], "Succeeded");
        let c = e.compute(name).await;
        assert_eq!(c["properties"]["provisioningState"], "Succeeded", "{name}");
        assert_eq!(c["properties"]["isAttachedCompute"], true, "{name}");
        let text = c.to_string();
        assert!(
            !text.contains("\"p\"") && !text.contains("secret"),
            "secrets leak in GET: {text}"
        );
        let (s, h, _) = e
            .call(
                Method::DELETE,
                &format!("{WS}/computes/{name}?{API}&underlyingResourceAction=Detach"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED);
        assert_eq!(e.wait_op(&h).await["status"], "Succeeded");
    }
    let list = e.get(&format!("{WS}/computes?{API}")).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    e.h.shutdown().await;
}

/// Reads a growing file through its signed URL from `offset`, as a log tail does.
async fn read_from(e: &Emu, url: &str, offset: usize) -> (StatusCode, String) {
    let r = e
        .http
        .get(url)
        .header("range", format!("bytes={offset}-"))
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_scales_a_cluster_up_its_log_grows_and_the_cluster_scales_down() {
    let dir = tempfile::tempdir().unwrap();
    let e = start_at(dir.path(), 20.0, false).await;
    e.workspace().await;
    let cluster = json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {
        "vmSize": "Standard_D2_v2", "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 3, "nodeIdleTimeBeforeScaleDown": "PT20S"}}}});
    let (_, h, _) = e
        .call(
            Method::PUT,
            &format!("{WS}/computes/train?{API}"),
            Some(cluster),
        )
        .await;
    assert_eq!(e.wait_op(&h).await["status"], "Succeeded");
    let c = e.compute("train").await;
    assert_eq!(props(&c)["currentNodeCount"], 0);
    assert_eq!(props(&c)["allocationState"], "Steady");

    let job = json!({"properties": {"jobType": "Command", "displayName": "two ranks",
        "command": "for i in 1 2 3 4 5 6; do echo \"line $i rank $RANK of $WORLD_SIZE\"; sleep 0.25; done",
        "computeId": format!("/{WS}/computes/train"), "resources": {"instanceCount": 2}}});
    let (s, _, v) = e
        .call(Method::PUT, &format!("{WS}/jobs/job-two?{API}"), Some(job))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Watch the cluster and the job together; the counters must always agree.
    let started = Instant::now();
    let mut alloc_seen = Vec::new();
    let mut max_running = 0;
    let mut job_seen: Vec<String> = Vec::new();
    let mut log_sizes = Vec::new();
    let mut log_url: Option<String> = None;
    loop {
        let c = e.compute("train").await;
        let p = props(&c);
        let counts: u64 = p["nodeStateCounts"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        let current = p["currentNodeCount"].as_u64().unwrap();
        assert_eq!(counts, current, "{p}");
        assert!(p["targetNodeCount"].as_u64().unwrap() <= 3);
        let a = p["allocationState"].as_str().unwrap().to_string();
        if alloc_seen.last() != Some(&a) {
            alloc_seen.push(a);
        }
        max_running = max_running.max(p["nodeStateCounts"]["runningNodeCount"].as_u64().unwrap());
        let status = e.job_status("job-two").await;
        if job_seen.last() != Some(&status) {
            job_seen.push(status.clone());
        }
        if status == "Running" || status == "Finalizing" || status == "Completed" {
            let d = e.details("job-two").await;
            if let Some(u) = d["logFiles"]["user_logs/std_log_process_1.txt"].as_str() {
                log_url = Some(u.to_string());
                let (s, text) = read_from(&e, u, 0).await;
                if s == StatusCode::PARTIAL_CONTENT && log_sizes.last() != Some(&text.len()) {
                    log_sizes.push(text.len());
                }
            }
        }
        if status == "Completed" {
            break;
        }
        assert!(
            !["Failed", "Canceled"].contains(&status.as_str()),
            "{status}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(25),
            "{job_seen:?} {alloc_seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(max_running, 2);
    assert!(job_seen.contains(&"Running".to_string()), "{job_seen:?}");
    assert!(
        job_seen.iter().position(|s| s == "Queued") < job_seen.iter().position(|s| s == "Running"),
        "{job_seen:?}"
    );
    assert!(
        log_sizes.len() >= 2,
        "the log grew while the job ran: {log_sizes:?}"
    );
    assert!(log_sizes.windows(2).all(|w| w[0] < w[1]), "{log_sizes:?}");

    // Every rank's lines are there; reading past the end is 416.
    let url = log_url.unwrap();
    let (s, full) = read_from(&e, &url, 0).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    for i in 1..=6 {
        assert!(full.contains(&format!("line {i} rank 1 of 2")), "{full}");
    }
    let (s, _) = read_from(&e, &url, full.len()).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    let d = e.details("job-two").await;
    assert_eq!(d["status"], "Completed");
    assert!(d["logFiles"]["user_logs/std_log_process_0.txt"].is_string());
    assert!(d["endTimeUtc"].is_string() && d["startTimeUtc"].is_string());

    // Idle nodes leave after 20 s / 20 = 1 s; the pool resizes while they go.
    let (c, down_seen) = e
        .watch("train", "/properties/properties/allocationState", |c| {
            props(c)["currentNodeCount"] == 0
        })
        .await;
    alloc_seen.extend(down_seen);
    assert!(
        alloc_seen.contains(&"Resizing".to_string()),
        "{alloc_seen:?}"
    );
    assert_eq!(props(&c)["targetNodeCount"], 0);
    assert_eq!(props(&c)["allocationState"], "Steady");
    let (_, _, nodes) = e
        .call(
            Method::POST,
            &format!("{WS}/computes/train/listNodes?{API}"),
            None,
        )
        .await;
    assert!(nodes["nodes"].as_array().unwrap().is_empty());

    // A failing command fails the job with its exit code; stderr lands in the log.
    let job = json!({"properties": {"jobType": "Command", "command": "echo about to fail >&2; exit 3", "computeId": "train"}});
    e.call(Method::PUT, &format!("{WS}/jobs/job-fail?{API}"), Some(job))
        .await;
    e.wait_job("job-fail", "Failed", Duration::from_secs(20))
        .await;
    let d = e.details("job-fail").await;
    assert!(
        d["error"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("status code 3"),
        "{d}"
    );
    let (_, text) = read_from(
        &e,
        d["logFiles"]["user_logs/std_log_process_0.txt"]
            .as_str()
            .unwrap(),
        0,
    )
    .await;
    assert!(text.contains("about to fail"));
    e.h.shutdown().await;
}

fn pid_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next())
                .unwrap_or("");
            state != "Z" && state != "X"
        }
        Err(_) => false,
    }
}

async fn wait_for_file(path: &Path) -> String {
    let started = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} never written",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn run_dir(data: &Path, wsid: &str, job: &str) -> PathBuf {
    data.join("runs").join(wsid).join(job)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_kills_the_process_tree_and_delete_removes_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let e = start_at(dir.path(), 40.0, false).await;
    let wsid = e.workspace().await;
    let job = json!({"properties": {"jobType": "Command",
        "command": "sleep 300 & echo $! > child.pid; echo started; wait"}});
    let (s, _, v) = e
        .call(
            Method::PUT,
            &format!("{WS}/jobs/job-cancel?{API}"),
            Some(job),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    e.wait_job("job-cancel", "Running", Duration::from_secs(20))
        .await;
    let child: i32 = wait_for_file(&run_dir(dir.path(), &wsid, "job-cancel").join("child.pid"))
        .await
        .trim()
        .parse()
        .unwrap();
    assert!(pid_alive(child));
    let (s, h, _) = e
        .call(
            Method::POST,
            &format!("{WS}/jobs/job-cancel/cancel?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert!(
        h["location"]
            .to_str()
            .unwrap()
            .contains("mfeOperationResults")
    );
    assert_eq!(e.wait_op(&h).await["status"], "Succeeded");
    assert_eq!(e.job_status("job-cancel").await, "Canceled");
    let started = Instant::now();
    while pid_alive(child) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the grandchild {child} survived the cancel"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(e.details("job-cancel").await["status"], "Canceled");
    let (s, _, _) = e
        .call(
            Method::POST,
            &format!("{WS}/jobs/job-cancel/cancel?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "canceling a finished job is a no-op");

    // Deleting a running job ends it and removes it with its directory.
    let job = json!({"properties": {"jobType": "Command", "command": "echo $$ > me.pid; exec sleep 300"}});
    e.call(
        Method::PUT,
        &format!("{WS}/jobs/job-delete?{API}"),
        Some(job),
    )
    .await;
    e.wait_job("job-delete", "Running", Duration::from_secs(20))
        .await;
    let pid: i32 = wait_for_file(&run_dir(dir.path(), &wsid, "job-delete").join("me.pid"))
        .await
        .trim()
        .parse()
        .unwrap();
    let (s, h, _) = e
        .call(Method::DELETE, &format!("{WS}/jobs/job-delete?{API}"), None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(e.wait_op(&h).await["status"], "Succeeded");
    let (s, _, _) = e
        .call(Method::GET, &format!("{WS}/jobs/job-delete?{API}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let started = Instant::now();
    while pid_alive(pid) || run_dir(dir.path(), &wsid, "job-delete").exists() {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (s, _, _) = e
        .call(Method::DELETE, &format!("{WS}/jobs/job-delete?{API}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // A job past its time limit is ended and fails with a clear error.
    let job = json!({"properties": {"jobType": "Command", "command": "sleep 300", "limits": {"jobLimitsType": "Command", "timeout": "PT1S"}}});
    e.call(
        Method::PUT,
        &format!("{WS}/jobs/job-timeout?{API}"),
        Some(job),
    )
    .await;
    e.wait_job("job-timeout", "Failed", Duration::from_secs(20))
        .await;
    let d = e.details("job-timeout").await;
    assert_eq!(d["error"]["error"]["code"], "JobTimeout", "{d}");

    // Shutdown ends running jobs' processes too.
    let job = json!({"properties": {"jobType": "Command", "command": "echo $$ > me.pid; exec sleep 300"}});
    e.call(Method::PUT, &format!("{WS}/jobs/job-left?{API}"), Some(job))
        .await;
    e.wait_job("job-left", "Running", Duration::from_secs(20))
        .await;
    let pid: i32 = wait_for_file(&run_dir(dir.path(), &wsid, "job-left").join("me.pid"))
        .await
        .trim()
        .parse()
        .unwrap();
    e.h.shutdown().await;
    let started = Instant::now();
    while pid_alive(pid) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{pid} outlived the emulator"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_emulator_owns_a_data_dir_and_others_can_find_it() {
    let dir = tempfile::tempdir().unwrap();
    assert!(emulator::running_instance(dir.path()).is_none());
    let a = start_at(dir.path(), 40.0, false).await;
    let wsid = a.workspace().await;
    let (url, token) = emulator::running_instance(dir.path()).expect("a is running");
    assert_eq!(&url, a.h.url());
    assert_eq!(token, a.h.token());
    let url_file = dir.path().join("url");
    assert_eq!(
        std::fs::metadata(&url_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let job = json!({"properties": {"jobType": "Command", "command": "echo $$ > me.pid; exec sleep 300"}});
    let (s, _, v) = a
        .call(Method::PUT, &format!("{WS}/jobs/job-kept?{API}"), Some(job))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    a.wait_job("job-kept", "Running", Duration::from_secs(20))
        .await;
    let pid: i32 = wait_for_file(&run_dir(dir.path(), &wsid, "job-kept").join("me.pid"))
        .await
        .trim()
        .parse()
        .unwrap();
    let token_before = std::fs::read(dir.path().join("token")).unwrap();
    let state_before = std::fs::read(dir.path().join("state.json")).unwrap();

    // A second emulator on the same directory is refused before it touches anything.
    let mut cfg = EmulatorConfig::new(dir.path());
    cfg.token = Some("a-different-token".into());
    cfg.demo = true;
    let err = emulator::start(cfg).await.unwrap_err();
    assert!(
        matches!(&err, emulator::EmulatorError::Locked { data_dir } if data_dir == dir.path()),
        "{err:?}"
    );
    assert!(err.to_string().contains("another amlc emulator"), "{err}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(pid_alive(pid), "the first emulator's job was killed");
    assert_eq!(a.job_status("job-kept").await, "Running");
    assert_eq!(
        std::fs::read(dir.path().join("token")).unwrap(),
        token_before
    );
    let state_now: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("state.json")).unwrap()).unwrap();
    let state_then: Value = serde_json::from_slice(&state_before).unwrap();
    assert_eq!(
        state_now["workspaces"].as_object().map(|w| w.len()),
        state_then["workspaces"].as_object().map(|w| w.len()),
        "no demo workspace seeded by the refused start"
    );
    assert_eq!(a.workspace().await, wsid, "the first emulator still serves");
    assert_eq!(
        emulator::running_instance(dir.path()).map(|(u, t)| (u.to_string(), t)),
        Some((a.h.url().to_string(), a.h.token().to_string()))
    );

    // After a shutdown the directory is free again.
    a.h.shutdown().await;
    assert!(emulator::running_instance(dir.path()).is_none());
    assert!(!url_file.exists(), "the url file is removed at shutdown");
    let b = start_at(dir.path(), 40.0, false).await;
    let (url, token) = emulator::running_instance(dir.path()).expect("b is running");
    assert_eq!((&url, token.as_str()), (b.h.url(), b.h.token()));
    // A crash (the handle dropped without shutdown) frees it too (once a job process being
    // forked at that moment, which briefly shares the lock's descriptor, has exec'd or closed it).
    drop(b);
    let started = Instant::now();
    while emulator::running_instance(dir.path()).is_some() {
        assert!(started.elapsed() < Duration::from_secs(2), "still locked");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let c = start_at(dir.path(), 40.0, false).await;
    c.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_crash_and_running_work_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // Slow enough that the instance is still creating when the first emulator dies.
    let a = start_at(dir.path(), 4.0, false).await;
    let wsid = a.workspace().await;
    let old_token = a.h.token().to_string();
    let job = json!({"properties": {"jobType": "Command", "command": "echo \"attempt $AZUREML_RUN_ATTEMPT\"; echo $$ > me.pid; exec sleep 300"}});
    a.call(Method::PUT, &format!("{WS}/jobs/job-long?{API}"), Some(job))
        .await;
    a.wait_job("job-long", "Running", Duration::from_secs(20))
        .await;
    let pid_file = run_dir(dir.path(), &wsid, "job-long").join("me.pid");
    let first_pid: i32 = wait_for_file(&pid_file).await.trim().parse().unwrap();
    std::fs::remove_file(&pid_file).unwrap();
    let body = json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_DS2_v2"}}});
    let (s, h, _) = a
        .call(
            Method::PUT,
            &format!("{WS}/computes/ci-slow?{API}"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let op_path = h["azure-asyncoperation"]
        .to_str()
        .unwrap()
        .split_once(a.h.url().as_str())
        .unwrap()
        .1
        .to_string();
    // Crash: the handle goes away without shutdown.
    drop(a);
    let started = Instant::now();
    while pid_alive(first_pid) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "job process outlived the dropped emulator"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let b = start_at(dir.path(), 4.0, false).await;
    assert_eq!(b.h.token(), old_token, "the token is kept across restarts");
    let old = b
        .http
        .get(b.url(&format!("{WS}?{API}")))
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.status(),
        200,
        "a client of the old emulator goes on working"
    );
    assert_eq!(b.workspace().await, wsid, "same workspace after the crash");
    // The in-flight create finishes, and its operation URL still works on the new base URL.
    let (c, _) = b
        .watch("ci-slow", "/properties/properties/state", |c| {
            state(c) == "Running"
        })
        .await;
    assert_eq!(c["properties"]["provisioningState"], "Succeeded");
    let op = b.get(&op_path).await;
    assert_eq!(op["status"], "Succeeded");
    // The job that was running is started again (attempt 2) and says so.
    b.wait_job("job-long", "Running", Duration::from_secs(20))
        .await;
    let second_pid: i32 = wait_for_file(&pid_file).await.trim().parse().unwrap();
    assert_ne!(second_pid, first_pid);
    let d = b.details("job-long").await;
    assert!(
        d["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("restarted"),
        "{d}"
    );
    let log_url = d["logFiles"]["user_logs/std_log_process_0.txt"]
        .as_str()
        .unwrap()
        .to_string();
    let text = b
        .http
        .get(&log_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("attempt 1") && text.contains("attempt 2"),
        "{text}"
    );

    // A clean shutdown and restart keeps everything too.
    b.h.shutdown().await;
    assert!(!pid_alive(second_pid));
    let c = start_at(dir.path(), 4.0, false).await;
    assert_eq!(
        c.compute("ci-slow").await["properties"]["provisioningState"],
        "Succeeded"
    );
    c.wait_job("job-long", "Running", Duration::from_secs(20))
        .await;
    let (s, h, _) = c
        .call(
            Method::POST,
            &format!("{WS}/jobs/job-long/cancel?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(c.wait_op(&h).await["status"], "Succeeded");
    c.h.shutdown().await;
    // A corrupt state file is refused, not silently replaced.
    std::fs::write(dir.path().join("state.json"), b"{broken").unwrap();
    let mut cfg = EmulatorConfig::new(dir.path());
    cfg.speed = 4.0;
    let err = emulator::start(cfg).await.unwrap_err();
    assert!(err.to_string().contains("state"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_seeded_once_and_its_training_job_logs() {
    let dir = tempfile::tempdir().unwrap();
    let e = start_at(dir.path(), 20.0, true).await;
    let ws = format!(
        "subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
        emulator::DEMO_SUBSCRIPTION,
        emulator::DEMO_RESOURCE_GROUP,
        emulator::DEMO_WORKSPACE
    );
    let w = e.get(&format!("{ws}?{API}")).await;
    assert_eq!(w["location"], emulator::DEMO_LOCATION);
    let wsid = w["properties"]["workspaceId"].as_str().unwrap().to_string();
    let jobs = e.get(&format!("{ws}/jobs?{API}")).await;
    let jobs = jobs["value"].as_array().unwrap();
    let count = |s: &str| {
        jobs.iter()
            .filter(|j| j["properties"]["status"] == s)
            .count()
    };
    assert!(count("Completed") >= 3);
    assert_eq!(count("Failed"), 1);
    let live = "dreamy_snail_tm8r2p4k1q";
    let started = Instant::now();
    let url = loop {
        let d = e
            .get(&format!("history/v1.0/{ws}/runs/{live}/details"))
            .await;
        if d["status"] == "Running"
            && let Some(u) = d["logFiles"]["user_logs/std_log_process_0.txt"].as_str()
        {
            let text = e.http.get(u).send().await.unwrap().text().await.unwrap();
            if text.contains("loss=") {
                break u.to_string();
            }
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let first = e.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(first.contains("Starting training"));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let later = e.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(later.len() > first.len(), "the training log keeps growing");
    let gpu = e.get(&format!("{ws}/computes/gpu-cluster?{API}")).await;
    assert_eq!(props(&gpu)["nodeStateCounts"]["runningNodeCount"], 2);
    e.h.shutdown().await;

    // Starting again with --demo keeps the state (same workspace id) and restarts the live job.
    let again = start_at(dir.path(), 20.0, true).await;
    let w = again.get(&format!("{ws}?{API}")).await;
    assert_eq!(w["properties"]["workspaceId"].as_str().unwrap(), wsid);
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(
            run_dir(dir.path(), &wsid, live)
                .join("user_logs")
                .join("std_log_process_0.txt"),
        )
        .unwrap_or_default();
        if text.matches("Starting training").count() >= 2 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    again.h.shutdown().await;
}

/// Issue 7: a clean stop (shutdown, idle stop, SIGTERM) never counts as a crash of the jobs it
/// stopped; only a crash does, and the third one fails the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_stops_never_count_as_crashes_but_crashes_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = start_at(dir.path(), 40.0, false).await;
    let wsid = e.workspace().await;
    let job = json!({"properties": {"jobType": "Command", "command": "echo $$ > me.pid; exec sleep 300"}});
    let (s, _, v) = e
        .call(Method::PUT, &format!("{WS}/jobs/job-kept?{API}"), Some(job))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    e.wait_job("job-kept", "Running", Duration::from_secs(20))
        .await;
    let pid_file = run_dir(dir.path(), &wsid, "job-kept").join("me.pid");
    let mut pid: i32 = wait_for_file(&pid_file).await.trim().parse().unwrap();
    e.h.shutdown().await;
    // Four clean stops: more than the crash limit, and the job still runs.
    for round in 0..4 {
        assert!(
            !pid_alive(pid),
            "round {round}: {pid} outlived a clean stop"
        );
        std::fs::remove_file(&pid_file).unwrap();
        let e = start_at(dir.path(), 40.0, false).await;
        e.wait_job("job-kept", "Running", Duration::from_secs(20))
            .await;
        pid = wait_for_file(&pid_file).await.trim().parse().unwrap();
        let d = e.details("job-kept").await;
        assert_eq!(
            d["warnings"].as_array().map(Vec::len).unwrap_or(0),
            0,
            "{d}"
        );
        assert_eq!(e.job_status("job-kept").await, "Running");
        e.h.shutdown().await;
    }
    // Crashes count: the first two start the job again with a warning, the third fails it.
    for crash in 1..=3u32 {
        let e = start_at(dir.path(), 40.0, false).await;
        e.wait_job("job-kept", "Running", Duration::from_secs(20))
            .await;
        // A crash loses what was not saved yet: wait until the disk says Running too.
        let started = Instant::now();
        loop {
            let state: Value =
                serde_json::from_slice(&std::fs::read(dir.path().join("state.json")).unwrap())
                    .unwrap();
            let saved = state["workspaces"]
                .as_object()
                .unwrap()
                .values()
                .find_map(|w| w["jobs"].get("job-kept").cloned())
                .unwrap();
            if saved["status"] == "Running" {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{saved}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if crash > 1 {
            let d = e.details("job-kept").await;
            assert_eq!(
                d["warnings"].as_array().map(Vec::len),
                Some(crash as usize - 1),
                "{d}"
            );
        }
        drop(e);
    }
    let e = start_at(dir.path(), 40.0, false).await;
    e.wait_job("job-kept", "Failed", Duration::from_secs(20))
        .await;
    let d = e.details("job-kept").await;
    assert_eq!(d["error"]["error"]["code"], "EmulatorRestarted", "{d}");
    e.h.shutdown().await;
}

/// Issue 7: the token is stable per data directory and rotated only on request; a restart
/// re-binds the previous port, so a client's URL and token keep working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_and_port_survive_restarts_until_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let a = start_at(dir.path(), 40.0, false).await;
    let (url, token) = (a.h.url().clone(), a.h.token().to_string());
    a.workspace().await;
    a.h.shutdown().await;
    let b = start_at(dir.path(), 40.0, false).await;
    assert_eq!(b.h.token(), token);
    assert_eq!(b.h.url(), &url, "the previous port is re-bound");
    let resp = b
        .http
        .get(format!("{url}{WS}?{API}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    drop(b); // a crash keeps them too
    let mut cfg = EmulatorConfig::new(dir.path());
    cfg.rotate_token = true;
    let c = emulator::start(cfg).await.unwrap();
    assert_ne!(c.token(), token, "rotated on request");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("token")).unwrap(),
        c.token()
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("token"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let resp = reqwest::Client::new()
        .get(format!("{}{WS}?{API}", c.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        401,
        "the old token is refused after a rotation"
    );
    c.shutdown().await;
}

/// A token file that others could read may have leaked: the next start replaces the token
/// (and writes it back private) instead of reusing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_readable_by_others_is_replaced_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let a = start_at(dir.path(), 40.0, false).await;
    let token = a.h.token().to_string();
    a.h.shutdown().await;
    let file = dir.path().join("token");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let b = start_at(dir.path(), 40.0, false).await;
    assert_ne!(b.h.token(), token, "an exposed token is not reused");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), b.h.token());
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    b.h.shutdown().await;
}

/// Issue 7: an emulator with an idle timeout stops cleanly by itself; one whose data directory
/// is removed stops without re-creating it, and ends its jobs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emulator_stops_when_idle_or_when_its_data_dir_goes() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EmulatorConfig::new(dir.path());
    cfg.speed = 40.0;
    cfg.idle_timeout = Some(Duration::from_millis(600));
    let h = emulator::start(cfg).await.unwrap();
    let url = h.url().clone();
    let started = Instant::now();
    while !h.is_stopped() {
        assert!(started.elapsed() < Duration::from_secs(10), "never stopped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The stop is clean: the url file goes, the directory is free again.
    let started = Instant::now();
    while dir.path().join("url").exists() {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        reqwest::Client::new()
            .get(format!("{url}health"))
            .send()
            .await
            .is_err(),
        "still serving after the idle stop"
    );
    h.shutdown().await;

    let data = dir.path().join("data");
    let e = start_at(&data, 40.0, false).await;
    let wsid = e.workspace().await;
    let job = json!({"properties": {"jobType": "Command", "command": "sleep 300 & echo $! > child.pid; wait"}});
    e.call(Method::PUT, &format!("{WS}/jobs/job-gone?{API}"), Some(job))
        .await;
    e.wait_job("job-gone", "Running", Duration::from_secs(20))
        .await;
    let child: i32 = wait_for_file(&run_dir(&data, &wsid, "job-gone").join("child.pid"))
        .await
        .trim()
        .parse()
        .unwrap();
    // The emulator may be writing while the directory goes: remove until it is gone.
    let started = Instant::now();
    while let Err(err) = std::fs::remove_dir_all(&data) {
        assert!(started.elapsed() < Duration::from_secs(5), "{err}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    while !e.h.is_stopped() || pid_alive(child) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the emulator or its job outlived its data directory"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!data.exists(), "the removed data directory was re-created");
    e.h.shutdown().await;
}
