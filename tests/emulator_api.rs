//! The emulator's HTTP surface over real loopback HTTP with reqwest: every route family, ARM
//! error codes, bearer-token and api-version checks, signed blob URLs with Range, paging, fault
//! injection reproducibility, TLS, and (ignored, run by hand) a compute-list throughput figure.

use amlc::emulator::{self, EmulatorConfig, EmulatorHandle, FaultSpec};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

const API: &str = "api-version=2025-12-01";

struct Emu {
    h: EmulatorHandle,
    http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

fn config(dir: &std::path::Path) -> EmulatorConfig {
    let mut c = EmulatorConfig::new(dir);
    c.speed = 40.0;
    c
}

impl Emu {
    async fn start(demo: bool) -> Emu {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        c.demo = demo;
        Emu::with(c, Some(dir)).await
    }

    async fn with(c: EmulatorConfig, dir: Option<tempfile::TempDir>) -> Emu {
        let h = emulator::start(c).await.unwrap();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        Emu { h, http, _dir: dir }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.h.url(), path.trim_start_matches('/'))
    }

    fn ws(&self) -> String {
        format!(
            "subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
            emulator::DEMO_SUBSCRIPTION,
            emulator::DEMO_RESOURCE_GROUP,
            emulator::DEMO_WORKSPACE
        )
    }

    fn loc(&self) -> String {
        format!(
            "subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}",
            emulator::DEMO_SUBSCRIPTION,
            emulator::DEMO_LOCATION
        )
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            self.url(path)
        };
        let mut req = self.http.request(method, url).bearer_auth(self.h.token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, headers, v)
    }

    /// The data directory of an emulator started by [`Emu::start`].
    fn h_dir(&self) -> std::path::PathBuf {
        self._dir.as_ref().unwrap().path().to_path_buf()
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, _, v) = self.call(reqwest::Method::GET, path, None).await;
        (s, v)
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_health_and_workspaces() {
    let e = Emu::start(false).await;
    assert!(e.h.url().as_str().ends_with('/'));
    let health = e.http.get(e.url("health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let disco: Value = e
        .http
        .get(e.url("discovery"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        disco["api"].as_str().unwrap(),
        e.h.url().as_str().trim_end_matches('/')
    );
    assert!(disco["history"].is_string());

    let ws = "subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-one";
    let (s, v) = e.get(&format!("{ws}?{API}")).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::NOT_FOUND, "SubscriptionNotFound")
    );
    let (s, _, v) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}?{API}"),
            Some(json!({})),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "LocationRequired"));
    let (s, _, v) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}?{API}"),
            Some(json!({"location": "westus2", "properties": {"friendlyName": "One"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = e.get(&format!("{ws}?{API}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name"], "ws-one");
    assert_eq!(v["location"], "westus2");
    assert_eq!(
        v["properties"]["discoveryUrl"].as_str().unwrap(),
        e.url("discovery")
    );
    assert_eq!(v["properties"]["friendlyName"], "One");
    assert!(v["properties"]["workspaceId"].as_str().unwrap().len() >= 32);
    let (s, _, _) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}?{API}"),
            Some(json!({"location": "westus2", "tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Another resource group of the same subscription, and the lists.
    let other = "subscriptions/sub-1/resourceGroups/rg-2/providers/Microsoft.MachineLearningServices/workspaces/ws-two";
    let (s, v) = e.get(&format!("{other}?{API}")).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::NOT_FOUND, "ResourceGroupNotFound")
    );
    let missing = "subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/nope";
    let (s, v) = e.get(&format!("{missing}?{API}")).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "ResourceNotFound"));
    e.call(
        reqwest::Method::PUT,
        &format!("{other}?{API}"),
        Some(json!({"location": "eastus"})),
    )
    .await;
    let (_, v) = e
        .get(&format!(
            "subscriptions/sub-1/providers/Microsoft.MachineLearningServices/workspaces?{API}"
        ))
        .await;
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
    let (_, v) = e.get(&format!("subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces?{API}")).await;
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    let (_, v) = e.get(&format!("subscriptions?{API}")).await;
    assert_eq!(v["value"][0]["subscriptionId"], "sub-1");
    let (_, v) = e
        .get(&format!("subscriptions/sub-1/resourcegroups?{API}"))
        .await;
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
    let bad = "subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/a";
    let (s, _, _) = e
        .call(
            reqwest::Method::PUT,
            &format!("{bad}?{API}"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_and_an_api_version_are_required() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.demo = true;
    c.token = Some("given-token-123".into());
    let e = Emu::with(c, None).await;
    assert_eq!(e.h.token(), "given-token-123");
    let token_file = dir.path().join("token");
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap(),
        "given-token-123"
    );
    assert_eq!(
        std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let ws_url = e.url(&format!("{}?{API}", e.ws()));
    let resp = e.http.get(&ws_url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let v: Value = resp.json().await.unwrap();
    assert_eq!(code(&v), "AuthenticationFailed");
    let resp = e
        .http
        .get(&ws_url)
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        code(&resp.json::<Value>().await.unwrap()),
        "InvalidAuthenticationToken"
    );
    let resp = e
        .http
        .get(&ws_url)
        .header("authorization", "Basic Z2l2ZW4tdG9rZW4tMTIz")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let history = e.url(&format!(
        "history/v1.0/{}/runs/dreamy_snail_tm8r2p4k1q/details",
        e.ws()
    ));
    assert_eq!(e.http.get(&history).send().await.unwrap().status(), 401);
    assert_eq!(
        e.http
            .get(&history)
            .bearer_auth(e.h.token())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // api-version: required on ARM, any value accepted; not on run history.
    let (s, v) = e.get(&e.ws()).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "MissingApiVersionParameter")
    );
    let (s, _) = e
        .get(&format!("{}?api-version=2099-01-01-preview", e.ws()))
        .await;
    assert_eq!(s, StatusCode::OK);
    // ARM path literals are case-insensitive; resource names are too.
    let lower = e.ws().replace("resourceGroups", "resourcegroups").replace(
        "Microsoft.MachineLearningServices",
        "microsoft.machinelearningservices",
    );
    let (s, v) = e.get(&format!("{lower}/computes/CI-ALICE?{API}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "ci-alice");
    let (s, headers, _) = e
        .call(reqwest::Method::GET, &format!("{}?{API}", e.ws()), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers.contains_key("x-ms-request-id"));
    let (s, v) = e.get(&format!("{}/nothing-here?{API}", e.ws())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_reads_and_arm_errors() {
    let e = Emu::start(true).await;
    let ws = e.ws();
    let (s, v) = e.get(&format!("{ws}/computes?{API}")).await;
    assert_eq!(s, StatusCode::OK);
    let all = v["value"].as_array().unwrap();
    assert!(all.len() >= 12);
    for kind in [
        "ComputeInstance",
        "AmlCompute",
        "AKS",
        "Kubernetes",
        "VirtualMachine",
        "Databricks",
        "HDInsight",
        "SynapseSpark",
    ] {
        assert!(
            all.iter().any(|c| c["properties"]["computeType"] == kind),
            "no {kind}"
        );
    }
    for c in all {
        assert_eq!(
            c["type"],
            "Microsoft.MachineLearningServices/workspaces/computes"
        );
        assert!(
            c["id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/computes/{}", c["name"].as_str().unwrap()))
        );
        if c["properties"]["computeType"] == "AmlCompute" {
            let p = &c["properties"]["properties"];
            let counts: u64 = p["nodeStateCounts"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_u64().unwrap())
                .sum();
            assert_eq!(counts, p["currentNodeCount"].as_u64().unwrap());
        }
    }
    let states: Vec<&str> = all
        .iter()
        .filter(|c| c["properties"]["computeType"] == "ComputeInstance")
        .map(|c| c["properties"]["properties"]["state"].as_str().unwrap())
        .collect();
    for st in ["Running", "Stopped", "CreateFailed"] {
        assert!(states.contains(&st), "{states:?}");
    }

    // Secrets stay out of GET and come from listKeys.
    let (_, vm) = e.get(&format!("{ws}/computes/remote-vm?{API}")).await;
    assert!(
        vm["properties"]["properties"]["administratorAccount"]
            .get("password")
            .is_none()
    );
    assert_eq!(vm["properties"]["isAttachedCompute"], true);
    let (s, _, keys) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/computes/remote-vm/listKeys?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(keys["computeType"], "VirtualMachine");
    assert!(keys["administratorAccount"]["password"].is_string());
    let (s, _, keys) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/computes/aks-inference/listKeys?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        keys["userKubeConfig"]
            .as_str()
            .unwrap()
            .contains("kind: Config")
    );

    // listNodes on a cluster agrees with its counters.
    let (_, gpu) = e.get(&format!("{ws}/computes/gpu-cluster?{API}")).await;
    let (s, _, nodes) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/computes/gpu-cluster/listNodes?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        nodes["nodes"].as_array().unwrap().len() as u64,
        gpu["properties"]["properties"]["currentNodeCount"]
            .as_u64()
            .unwrap()
    );
    let (_, _, nodes) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/computes/lowpri-cluster/listNodes?{API}"),
            None,
        )
        .await;
    assert!(
        nodes["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["nodeState"] == "unusable")
    );

    // The errors of the issue, with their codes.
    let cases: Vec<(reqwest::Method, String, Option<Value>, StatusCode, &str)> = vec![
        (
            reqwest::Method::GET,
            format!("{ws}/computes/no-such?{API}"),
            None,
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
        ),
        (
            reqwest::Method::GET,
            format!(
                "subscriptions/{}/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/nope/computes?{API}",
                emulator::DEMO_SUBSCRIPTION
            ),
            None,
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
        ),
        (
            reqwest::Method::PUT,
            format!("{ws}/computes/bad_name-1?{API}"),
            Some(json!({"location": "eastus", "properties": {"computeType": "AmlCompute"}})),
            StatusCode::BAD_REQUEST,
            "InvalidComputeName",
        ),
        (
            reqwest::Method::PUT,
            format!("{ws}/computes/ci-alice?{API}"),
            Some(
                json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_D2_v2", "scaleSettings": {"maxNodeCount": 1}}}}),
            ),
            StatusCode::CONFLICT,
            "Conflict",
        ),
        (
            reqwest::Method::POST,
            format!("{ws}/computes/ci-alice/start?{API}"),
            None,
            StatusCode::CONFLICT,
            "Conflict",
        ),
        (
            reqwest::Method::POST,
            format!("{ws}/computes/ci-bob/stop?{API}"),
            None,
            StatusCode::CONFLICT,
            "Conflict",
        ),
        (
            reqwest::Method::POST,
            format!("{ws}/computes/ci-bob/restart?{API}"),
            None,
            StatusCode::CONFLICT,
            "Conflict",
        ),
        (
            reqwest::Method::POST,
            format!("{ws}/computes/ci-alice/listNodes?{API}"),
            None,
            StatusCode::BAD_REQUEST,
            "BadRequest",
        ),
        (
            reqwest::Method::POST,
            format!("{ws}/computes/gpu-cluster/start?{API}"),
            None,
            StatusCode::BAD_REQUEST,
            "BadRequest",
        ),
        (
            reqwest::Method::DELETE,
            format!("{ws}/computes/cpu-cluster?{API}&underlyingResourceAction=Detach"),
            None,
            StatusCode::BAD_REQUEST,
            "BadRequest",
        ),
        (
            reqwest::Method::DELETE,
            format!("{ws}/computes/cpu-cluster?{API}"),
            None,
            StatusCode::BAD_REQUEST,
            "BadRequest",
        ),
        (
            reqwest::Method::PUT,
            format!("{ws}/computes/new-cluster?{API}"),
            Some(
                json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_Imaginary_v9", "scaleSettings": {"maxNodeCount": 1}}}}),
            ),
            StatusCode::BAD_REQUEST,
            "InvalidPropertyValue",
        ),
        (
            reqwest::Method::PUT,
            format!("{ws}/computes/new-cluster?{API}"),
            Some(
                json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"scaleSettings": {"minNodeCount": 3, "maxNodeCount": 1}}}}),
            ),
            StatusCode::BAD_REQUEST,
            "InvalidPropertyValue",
        ),
        (
            reqwest::Method::PUT,
            format!("{ws}/computes/new-cluster?{API}"),
            Some(json!({"location": "eastus"})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
        ),
        (
            reqwest::Method::POST,
            format!("{ws}/computes/ci-alice/updateIdleShutdownSetting?{API}"),
            Some(json!({"idleTimeBeforeShutdown": "PT1M"})),
            StatusCode::BAD_REQUEST,
            "InvalidPropertyValue",
        ),
        (
            reqwest::Method::POST,
            format!("{ws}/computes/ci-alice/listKeys?{API}"),
            None,
            StatusCode::BAD_REQUEST,
            "BadRequest",
        ),
    ];
    for (method, path, body, status, want) in cases {
        let (s, _, v) = e.call(method.clone(), &path, body).await;
        assert_eq!((s, code(&v)), (status, want), "{method} {path}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
    }
    // Deleting what does not exist is 204; a bad body is ARM's InvalidRequestContent.
    let (s, _, _) = e
        .call(
            reqwest::Method::DELETE,
            &format!("{ws}/computes/ghost?{API}&underlyingResourceAction=Delete"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let resp = e
        .http
        .put(e.url(&format!("{ws}/computes/new-cluster?{API}")))
        .bearer_auth(e.h.token())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        code(&resp.json::<Value>().await.unwrap()),
        "InvalidRequestContent"
    );
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_sizes_usages_and_quotas() {
    let e = Emu::start(true).await;
    let (s, v) = e.get(&format!("{}/vmSizes?{API}", e.loc())).await;
    assert_eq!(s, StatusCode::OK);
    let sizes = v["value"].as_array().unwrap();
    assert!(sizes.len() >= 20);
    assert!(v.get("nextLink").is_none());
    let gpu = sizes
        .iter()
        .find(|s| s["name"] == "Standard_NC6s_v3")
        .unwrap();
    assert_eq!(gpu["gpus"], 1);
    assert_eq!(gpu["vCPUs"], 6);
    assert!(gpu["memoryGB"].as_f64().unwrap() > 100.0);
    assert_eq!(gpu["estimatedVMPrices"]["billingCurrency"], "USD");
    assert!(
        gpu["estimatedVMPrices"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["vmTier"] == "LowPriority")
    );
    assert!(sizes.iter().any(|s| {
        s["gpus"] == 0
            && s["supportedComputeTypes"]
                .as_array()
                .unwrap()
                .contains(&json!("ComputeInstance"))
    }));

    let (s, v) = e.get(&format!("{}/usages?{API}", e.loc())).await;
    assert_eq!(s, StatusCode::OK);
    let usages = v["value"].as_array().unwrap();
    let ncs = usages
        .iter()
        .find(|u| {
            u["type"] == "Microsoft.MachineLearningServices/vmFamily/usages"
                && u["name"]["value"] == "Standard NCSv3 Family Cluster Dedicated vCPUs"
        })
        .unwrap();
    assert_eq!(
        ncs["currentValue"], 12,
        "two NC6s_v3 nodes run the live demo job"
    );
    assert_eq!(ncs["limit"], 24);
    assert_eq!(ncs["unit"], "Count");
    assert!(
        usages
            .iter()
            .any(|u| u["type"] == "Microsoft.MachineLearningServices/workspaces/computes/usages")
    );
    let total = usages
        .iter()
        .find(|u| u["type"] == "Microsoft.MachineLearningServices/dedicatedCores/usages")
        .unwrap();
    assert!(total["currentValue"].as_i64().unwrap() >= 16);

    let (s, v) = e.get(&format!("{}/quotas?{API}", e.loc())).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["type"] == "Microsoft.MachineLearningServices/workspaces/quotas")
    );

    let wsq = |fam: &str| format!("/{}/quotas/{fam}", e.ws());
    let body = json!({"location": "eastus", "value": [
        {"id": wsq("Standard_DSv2_Family_Cluster_Dedicated_vCPUs"), "type": "Microsoft.MachineLearningServices/workspaces/quotas", "limit": 8, "unit": "Count"},
        {"id": wsq("Standard_DSv2_Family_Cluster_Dedicated_vCPUs"), "type": "Microsoft.MachineLearningServices/workspaces/quotas", "limit": 100000, "unit": "Count"},
        {"id": wsq("Standard_Nope_Family_Cluster_Dedicated_vCPUs"), "type": "Microsoft.MachineLearningServices/workspaces/quotas", "limit": 1, "unit": "Count"},
    ]});
    let (s, _, v) = e
        .call(
            reqwest::Method::POST,
            &format!("{}/updateQuotas?{API}", e.loc()),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let statuses: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "Success",
            "InvalidQuotaExceedsSubscriptionLimit",
            "InvalidVMFamilyName"
        ]
    );
    let (_, v) = e.get(&format!("{}/quotas?{API}", e.loc())).await;
    let mine = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| {
            q["id"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&wsq("Standard_DSv2_Family_Cluster_Dedicated_vCPUs"))
        })
        .unwrap();
    assert_eq!(mine["limit"], 8);
    // The workspace quota now holds back a cluster needing 12 DSv2 vCPUs at minimum.
    let (s, _, _) = e
        .call(
            reqwest::Method::PUT,
            &format!("{}/computes/quota-test?{API}", e.ws()),
            Some(json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_DS3_v2", "scaleSettings": {"minNodeCount": 3, "maxNodeCount": 3}}}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let started = Instant::now();
    let c = loop {
        let (_, c) = e
            .get(&format!("{}/computes/quota-test?{API}", e.ws()))
            .await;
        if c["properties"]["provisioningState"] != "Creating" {
            break c;
        }
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(c["properties"]["provisioningState"], "Failed");
    assert_eq!(
        c["properties"]["provisioningErrors"][0]["error"]["code"],
        "OutOfQuota"
    );
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_and_job_lists_page() {
    let e = Emu::start(true).await;
    let ws = e.ws();
    for i in 0..40 {
        let (s, _, v) = e
            .call(
                reqwest::Method::PUT,
                &format!("{ws}/computes/adf-{i:02}x?{API}"),
                Some(json!({"location": "eastus", "properties": {"computeType": "DataFactory"}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["properties"]["isAttachedCompute"], true);
    }
    let mut names = Vec::new();
    let mut next = Some(e.url(&format!("{ws}/computes?{API}")));
    let mut pages = 0;
    while let Some(url) = next {
        let (s, v) = e.get(&url).await;
        assert_eq!(s, StatusCode::OK);
        pages += 1;
        names.extend(
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string()),
        );
        next = v
            .get("nextLink")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    assert_eq!(pages, 2);
    assert_eq!(names.len(), 52);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 52, "no compute twice");

    // 22 jobs queue on the stopped instance (no processes); they list newest first in pages of 20.
    for i in 0..22 {
        let body = json!({"properties": {"jobType": "Command", "command": "echo hi", "computeId": format!("/{ws}/computes/ci-bob"), "tags": {"batch": if i % 2 == 0 { "even" } else { "odd" }}}});
        let (s, _, v) = e
            .call(
                reqwest::Method::PUT,
                &format!("{ws}/jobs/queued-{i:02}?{API}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["properties"]["status"], "NotStarted");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let (_, first) = e.get(&format!("{ws}/jobs?{API}")).await;
    let page = first["value"].as_array().unwrap();
    assert_eq!(page.len(), 20);
    assert_eq!(page[0]["name"], "queued-21");
    let next = first["nextLink"].as_str().unwrap();
    assert!(next.contains("$skip=20"), "{next}");
    let (_, second) = e.get(next).await;
    let total = 20 + second["value"].as_array().unwrap().len();
    assert_eq!(total, 22 + 6, "22 new jobs and the 6 demo jobs");
    assert!(second.get("nextLink").is_none());
    let (_, odd) = e.get(&format!("{ws}/jobs?{API}&tag=batch=odd")).await;
    assert_eq!(odd["value"].as_array().unwrap().len(), 11);
    let (_, q) = e.get(&format!("{ws}/jobs/queued-00?{API}")).await;
    assert_eq!(q["properties"]["status"], "Queued");

    // Archiving hides a job from the default view.
    let (s, _, _) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}/jobs/queued-00?{API}"),
            Some(json!({"properties": {"isArchived": true}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, archived) = e
        .get(&format!("{ws}/jobs?{API}&listViewType=ArchivedOnly"))
        .await;
    assert_eq!(archived["value"].as_array().unwrap().len(), 1);

    // Job validation.
    for (name, body) in [
        (
            "bad/name",
            json!({"properties": {"jobType": "Command", "command": "true"}}),
        ),
        (
            "sweep-1",
            json!({"properties": {"jobType": "Sweep", "command": "true"}}),
        ),
        (
            "empty-1",
            json!({"properties": {"jobType": "Command", "command": " "}}),
        ),
        (
            "nocompute",
            json!({"properties": {"jobType": "Command", "command": "true", "computeId": "azureml:missing"}}),
        ),
        (
            "toolarge",
            json!({"properties": {"jobType": "Command", "command": "true", "computeId": "cpu-cluster", "resources": {"instanceCount": 9}}}),
        ),
        (
            "onvm",
            json!({"properties": {"jobType": "Command", "command": "true", "computeId": "remote-vm"}}),
        ),
    ] {
        let path = format!("{ws}/jobs/{}?{API}", name.replace('/', "%2F"));
        let (s, _, v) = e.call(reqwest::Method::PUT, &path, Some(body)).await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND,
            "{name}: {s} {v}"
        );
    }
    let (s, _) = e.get(&format!("{ws}/jobs/never-made?{API}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_durations_and_offsets_are_refused_or_harmless() {
    let e = Emu::start(true).await;
    let ws = e.ws();
    // A time limit whose deadline would overflow is refused up front, in ARM's error shape.
    for timeout in [
        "P292471208YT21366775S",
        "P31D",
        "PT0S",
        "soon",
        "P4294967295Y",
    ] {
        let body = json!({"properties": {"jobType": "Command", "command": "true",
            "limits": {"jobLimitsType": "Command", "timeout": timeout}}});
        let (s, _, v) = e
            .call(
                reqwest::Method::PUT,
                &format!("{ws}/jobs/limit-test?{API}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{timeout}: {v}");
        assert_eq!(code(&v), "UserError", "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("timeout"),
            "{v}"
        );
    }
    let (s, _) = e.get(&format!("{ws}/jobs/limit-test?{API}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing was recorded");
    // 30 days is the longest accepted.
    let body = json!({"properties": {"jobType": "Command", "command": "true", "computeId": "ci-bob",
        "limits": {"jobLimitsType": "Command", "timeout": "P30D"}}});
    let (s, _, v) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}/jobs/limit-ok?{API}"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Idle times: a cluster's over 30 days, an instance's over 3 days.
    let cluster = json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_DS3_v2",
        "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 1, "nodeIdleTimeBeforeScaleDown": "P292471208YT21366775S"}}}});
    let instance = json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_DS3_v2",
        "idleTimeBeforeShutdown": "P292471208YT21366775S"}}});
    for (name, body) in [("idle-cluster", cluster), ("idle-ci", instance)] {
        let (s, _, v) = e
            .call(
                reqwest::Method::PUT,
                &format!("{ws}/computes/{name}?{API}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert_eq!(code(&v), "InvalidPropertyValue", "{v}");
    }
    let (s, _, v) = e
        .call(
            reqwest::Method::PATCH,
            &format!("{ws}/computes/cpu-cluster?{API}"),
            Some(json!({"properties": {"properties": {"scaleSettings": {"maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "P31D"}}}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // A $skip at the top of the integer range is an empty page, not a crash.
    for list in ["jobs", "computes"] {
        let (s, v) = e
            .get(&format!("{ws}/{list}?{API}&$skip={}", usize::MAX))
            .await;
        assert_eq!(s, StatusCode::OK, "{list}: {v}");
        assert_eq!(v["value"].as_array().map(Vec::len), Some(0), "{list}: {v}");
        assert!(v.get("nextLink").is_none(), "{list}: {v}");
    }
    // The simulation still moves: a new serverless job runs to completion.
    let body = json!({"properties": {"jobType": "Command", "command": "true"}});
    let (s, _, v) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}/jobs/after-all?{API}"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let started = Instant::now();
    loop {
        let (_, v) = e.get(&format!("{ws}/jobs/after-all?{API}")).await;
        if v["properties"]["status"] == "Completed" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{v}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    e.h.shutdown().await;
}

/// Fetches a demo job's run details and one of its signed log URLs.
async fn log_url(e: &Emu, job: &str, file: &str) -> String {
    let (s, d) = e
        .get(&format!(
            "history/v1.0/{}/runs/{job}/details?api-version=v1.0",
            e.ws()
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    d["logFiles"][file]
        .as_str()
        .unwrap_or_else(|| panic!("no {file} in {}", d["logFiles"]))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_details_and_signed_blob_urls_with_ranges() {
    let e = Emu::start(true).await;
    let (s, d) = e
        .get(&format!(
            "history/v1.0/{}/runs/wild_fox_9m4t1k8s2j/details",
            e.ws()
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["status"], "Failed");
    assert!(
        d["error"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CUDA out of memory")
    );
    assert_eq!(d["runId"], "wild_fox_9m4t1k8s2j");
    assert_eq!(d["target"], "gpu-cluster");
    let (s, _) = e
        .get(&format!("history/v1.0/{}/runs/nope/details", e.ws()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let url = log_url(
        &e,
        "brisk_owl_8p1q6z3w5n",
        "user_logs/std_log_process_0.txt",
    )
    .await;
    assert!(url.starts_with(e.h.url().as_str()));
    assert!(url.contains("sig=") && url.contains("se="));
    // No bearer token needed: the signature is the credential.
    let full = e.http.get(&url).send().await.unwrap();
    assert_eq!(full.status(), 200);
    let len = full.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    let body = full.text().await.unwrap();
    assert_eq!(body.len() as u64, len);
    assert!(body.contains("epoch 1/8"));

    let part = e
        .http
        .get(&url)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 0-9/{len}").as_str()
    );
    assert_eq!(part.text().await.unwrap(), &body[..10]);
    let tail = e
        .http
        .get(&url)
        .header("range", format!("bytes={}-", len - 5))
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.text().await.unwrap(), &body[body.len() - 5..]);
    let past = e
        .http
        .get(&url)
        .header("range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), 416);
    assert_eq!(
        past.headers()["content-range"],
        format!("bytes */{len}").as_str()
    );

    // One 206 answer carries at most 4 MiB; Content-Range says what was sent.
    let file = {
        let path = url.split('?').next().unwrap();
        let rest = path.split_once("/blob/").unwrap().1;
        let (wsid, rest) = rest.split_once("/ExperimentRun/dcid.").unwrap();
        let (run, name) = rest.split_once('/').unwrap();
        e.h_dir().join("runs").join(wsid).join(run).join(name)
    };
    assert_eq!(
        std::fs::metadata(&file).unwrap().len(),
        len,
        "{}",
        file.display()
    );
    let extra = vec![b'x'; 6 * 1024 * 1024];
    std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &extra))
        .unwrap();
    let big_len = len + extra.len() as u64;
    const CAP: u64 = 4 * 1024 * 1024;
    for (range, first) in [
        ("bytes=0-", 0u64),
        ("bytes=100-", 100),
        (&*format!("bytes=7-{}", big_len + 50), 7),
    ] {
        let resp = e
            .http
            .get(&url)
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 206, "{range}");
        assert_eq!(
            resp.headers()["content-range"],
            format!("bytes {first}-{}/{big_len}", first + CAP - 1).as_str(),
            "{range}"
        );
        let bytes = resp.bytes().await.unwrap();
        assert_eq!(bytes.len() as u64, CAP, "{range}");
        assert_eq!(
            &bytes[..(len - first) as usize],
            &body.as_bytes()[first as usize..]
        );
        assert!(bytes[(len - first) as usize..].iter().all(|b| *b == b'x'));
    }
    // The rest comes with the next range; a full read still returns everything.
    let resp = e
        .http
        .get(&url)
        .header("range", format!("bytes={CAP}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes {CAP}-{}/{big_len}", big_len - 1).as_str()
    );
    assert_eq!(resp.bytes().await.unwrap().len() as u64, big_len - CAP);
    let whole = e.http.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().len() as u64, big_len);

    // Signatures: tampered, missing, or moved to another path are all refused.
    let tampered = url.replace("sig=", "sig=00");
    assert_eq!(e.http.get(&tampered).send().await.unwrap().status(), 403);
    let unsigned = url.split('?').next().unwrap().to_string();
    let resp = e.http.get(&unsigned).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("AuthenticationFailed"));
    let other = url.replace("std_log_process_0.txt", "std_log_process_1.txt");
    assert_eq!(e.http.get(&other).send().await.unwrap().status(), 403);
    let traversal = url.replace(
        "user_logs/std_log_process_0.txt",
        "user_logs/../../../../token",
    );
    assert_ne!(e.http.get(&traversal).send().await.unwrap().status(), 200);
    e.h.shutdown().await;
}

async fn fates(e: &Emu, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        match e.http.get(e.url("discovery")).send().await {
            Ok(r) => {
                let s = r.status();
                if s == 429 {
                    assert!(r.headers().contains_key("retry-after"));
                }
                if s == 500 || s == 429 {
                    let v: Value = r.json().await.unwrap();
                    assert!(!code(&v).is_empty());
                }
                out.push(s.as_u16().to_string());
            }
            Err(_) => out.push("drop".to_string()),
        }
        // /health is never faulted and does not advance the sequence.
        assert_eq!(
            e.http.get(e.url("health")).send().await.unwrap().status(),
            200
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_reproducible_for_a_seed() {
    let spec = "latency=1ms,error=0.25,throttle=0.2,drop=0.15,seed=11";
    let mut seqs = Vec::new();
    for s in [spec, spec, &spec.replace("seed=11", "seed=12")] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        c.faults = Some(FaultSpec::parse(s).unwrap());
        let e = Emu::with(c, Some(dir)).await;
        seqs.push(fates(&e, 40).await);
        e.h.shutdown().await;
    }
    assert_eq!(seqs[0], seqs[1]);
    assert_ne!(seqs[0], seqs[2]);
    for kind in ["200", "500", "429", "drop"] {
        assert!(
            seqs[0].iter().any(|f| f == kind),
            "no {kind} in {:?}",
            seqs[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_https_with_its_own_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.tls = true;
    c.demo = true;
    let e = Emu::with(c, None).await;
    assert_eq!(e.h.url().scheme(), "https");
    let cert_path = e.h.cert_pem_path().unwrap().to_path_buf();
    assert_eq!(cert_path, dir.path().join("tls").join("cert.pem"));
    let key_mode = std::fs::metadata(dir.path().join("tls").join("key.pem"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(key_mode, 0o600);
    let cert = reqwest::Certificate::from_pem(&std::fs::read(&cert_path).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([cert])
        .build()
        .unwrap();
    let resp = client.get(e.url("health")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = client
        .get(e.url(&format!("{}?{API}", e.ws())))
        .bearer_auth(e.h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["properties"]["discoveryUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    // Without trusting the certificate, the connection fails; plain http to the port fails too.
    assert!(
        reqwest::Client::new()
            .get(e.url("health"))
            .send()
            .await
            .is_err()
    );
    let plain = e.url("health").replace("https://", "http://");
    assert!(
        e.http
            .get(&plain)
            .send()
            .await
            .map(|r| !r.status().is_success())
            .unwrap_or(true)
    );
    e.h.shutdown().await;
    // A second start reuses the certificate.
    let before = std::fs::read(&cert_path).unwrap();
    let mut c = config(dir.path());
    c.tls = true;
    let again = emulator::start(c).await.unwrap();
    assert_eq!(std::fs::read(&cert_path).unwrap(), before);
    again.shutdown().await;
}

/// Compute-list throughput on loopback: `cargo test --release --test emulator_api -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn measure_compute_list_requests_per_second() {
    let e = Emu::start(true).await;
    let client = reqwest::Client::new();
    let url = e.url(&format!("{}/computes?{API}", e.ws()));
    let token = e.h.token().to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200);
                r.bytes().await.unwrap();
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    println!(
        "compute list (12 computes, 16 connections): {:.0} requests/s",
        total as f64 / 5.0
    );
    e.h.shutdown().await;
}

/// Item 8 of issue 7: the emulator refuses what Azure refuses, always in ARM's error shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_answers_as_azure_does() {
    let e = Emu::start(true).await;
    let ws = e.ws();
    let put = |path: String, body: Value| {
        let e = &e;
        async move { e.call(reqwest::Method::PUT, &path, Some(body)).await }
    };

    // Compute names: the seeds' rules (a hyphen needs a letter after it; AKS 2 to 16).
    let cluster = json!({"location": "eastus", "properties": {"computeType": "AmlCompute",
        "properties": {"vmSize": "Standard_DS3_v2", "scaleSettings": {"maxNodeCount": 1}}}});
    let aks = json!({"location": "eastus", "properties": {"computeType": "AKS"}});
    for (name, body) in [
        ("abc-", &cluster),
        ("a-1", &cluster),
        ("cluster-12", &cluster),
        ("ab", &cluster),
        ("abcdefghijklmnopqrstuvwxy", &cluster),
        ("abcdefghijklmnopq", &aks),
        ("aks-", &aks),
        ("a", &aks),
    ] {
        let (s, h, v) = put(format!("{ws}/computes/{name}?{API}"), body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert_eq!(code(&v), "InvalidComputeName", "{name}: {v}");
        assert!(
            h["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let (s, _) = e.get(&format!("{ws}/computes/{name}?{API}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{name} was created anyway");
    }
    for (name, body) in [
        ("ab", &aks),
        ("abcdefghijklmnop", &aks),
        ("gpu-x1", &cluster),
    ] {
        let (s, _, v) = put(format!("{ws}/computes/{name}?{API}"), body.clone()).await;
        assert!(s.is_success(), "{name}: {s} {v}");
    }

    // Job environment variables are strings.
    for bad in [
        json!({"A": 1}),
        json!({"A": true}),
        json!({"A": null}),
        json!({"A": {"x": "y"}}),
        json!(["A=1"]),
    ] {
        let body = json!({"properties": {"jobType": "Command", "command": "true", "environmentVariables": bad}});
        let (s, _, v) = put(format!("{ws}/jobs/env-bad?{API}"), body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(code(&v), "UserError", "{v}");
        assert_eq!(v["error"]["target"], "environmentVariables", "{v}");
    }
    let (s, _) = e.get(&format!("{ws}/jobs/env-bad?{API}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A job's immutable fields cannot be changed by a re-PUT; an identical re-PUT is fine.
    let job = json!({"properties": {"jobType": "Command", "command": "sleep 30",
        "computeId": "azureml:cpu-cluster", "displayName": "first",
        "environmentVariables": {"A": "1"}}});
    let (s, _, v) = put(format!("{ws}/jobs/job-immutable?{API}"), job.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _, v) = put(format!("{ws}/jobs/job-immutable?{API}"), job.clone()).await;
    assert_eq!(s, StatusCode::OK, "identical re-PUT: {v}");
    for (field, value) in [
        ("command", json!("rm -rf /")),
        ("computeId", json!("azureml:gpu-cluster")),
        ("environmentVariables", json!({"A": "2"})),
        ("jobType", json!("Sweep")),
    ] {
        let mut changed = job.clone();
        changed["properties"][field] = value;
        let (s, _, v) = put(format!("{ws}/jobs/job-immutable?{API}"), changed).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{field}: {v}");
        assert_eq!(code(&v), "UserError", "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(field),
            "{v}"
        );
    }
    let (_, v) = e.get(&format!("{ws}/jobs/job-immutable?{API}")).await;
    assert_eq!(v["properties"]["command"], "sleep 30");
    let mut renamed = job.clone();
    renamed["properties"]["displayName"] = json!("second");
    let (s, _, v) = put(format!("{ws}/jobs/job-immutable?{API}"), renamed).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["properties"]["displayName"], "second");
    // The SDK's way: GET the job, change a mutable field, PUT the whole body back.
    let (_, mut whole) = e.get(&format!("{ws}/jobs/job-immutable?{API}")).await;
    whole["properties"]["tags"] = json!({"stage": "tuned"});
    let (s, _, v) = put(format!("{ws}/jobs/job-immutable?{API}"), whole).await;
    assert_eq!(s, StatusCode::OK, "a GET-modify-PUT round trip: {v}");
    assert_eq!(v["properties"]["tags"]["stage"], "tuned");

    // PATCH bodies of the wrong shape are refused and change nothing.
    let path = format!("{ws}/computes/cpu-cluster?{API}");
    let (_, before) = e.get(&path).await;
    for bad in [
        json!({"properties": {"scaleSettings": {"maxNodeCount": 7}}}),
        json!({"scaleSettings": {"maxNodeCount": 7}}),
        json!([1, 2]),
        json!({}),
        json!({"properties": {"properties": {"vmSize": "Standard_NC6"}}}),
        json!({"properties": {"properties": {"scaleSettings": 7}}}),
        json!({"tags": {"a": 1}}),
    ] {
        let (s, h, v) = e
            .call(reqwest::Method::PATCH, &path, Some(bad.clone()))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(code(&v), "InvalidRequestContent", "{bad}: {v}");
        assert!(h.get("azure-asyncoperation").is_none());
    }
    let (_, after) = e.get(&path).await;
    assert_eq!(
        before["properties"]["properties"]["scaleSettings"],
        after["properties"]["properties"]["scaleSettings"]
    );
    let good = json!({"properties": {"properties": {"scaleSettings": {"maxNodeCount": 5}}}});
    let (s, _, v) = e.call(reqwest::Method::PATCH, &path, Some(good)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["properties"]["properties"]["scaleSettings"]["maxNodeCount"],
        5
    );

    // api-version: any dated version, stable or preview; garbage gets Azure's error.
    for ok in ["2025-12-01", "2024-10-01-preview", "2021-01-01"] {
        let (s, v) = e.get(&format!("{ws}?api-version={ok}")).await;
        assert_eq!(s, StatusCode::OK, "{ok}: {v}");
    }
    for bad in ["bogus", "2025-13-01", "1", "2025-12-01-beta", "latest"] {
        let (s, v) = e.get(&format!("{ws}/computes?api-version={bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(code(&v), "InvalidApiVersionParameter", "{bad}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains(bad), "{v}");
    }

    // Every error is ARM-shaped JSON: unknown routes, wrong methods, oversized bodies.
    let huge = "x".repeat(3 * 1024 * 1024);
    let oversized = e
        .http
        .put(e.url(&format!("{ws}/jobs/huge?{API}")))
        .bearer_auth(e.h.token())
        .header("content-type", "application/json")
        .body(format!("{{\"properties\":{{\"command\":\"{huge}\"}}}}"))
        .send()
        .await
        .unwrap();
    let mut answers = vec![(oversized, StatusCode::PAYLOAD_TOO_LARGE)];
    for (method, path, status) in [
        (
            reqwest::Method::GET,
            "no/such/route".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::GET,
            format!("{ws}/nothing?{API}"),
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::DELETE,
            format!("{ws}/computes?{API}"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            reqwest::Method::POST,
            "health".to_string(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            reqwest::Method::PATCH,
            format!("{ws}/jobs/job-immutable?{API}"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let resp = e
            .http
            .request(method, e.url(&path))
            .bearer_auth(e.h.token())
            .send()
            .await
            .unwrap();
        answers.push((resp, status));
    }
    for (resp, status) in answers {
        let url = resp.url().path().to_string();
        assert_eq!(resp.status(), status, "{url}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("application/json"), "{url}: {ct}");
        let v: Value = resp.json().await.unwrap();
        assert!(!code(&v).is_empty(), "{url}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{url}: {v}"
        );
    }
    e.h.shutdown().await;
}

/// Polls `path` until `done` holds for the resource (at most `limit`); returns every resource
/// seen, so transitional states can be checked.
async fn watch_until(
    e: &Emu,
    path: &str,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        let (s, v) = e.get(path).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let finished = done(&v);
        seen.push(v);
        if finished {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: not done in {limit:?}: {:?}",
            seen.last()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Issue 8: the actions as Azure answers them — an instance's transitional state and
/// `lastOperation` from InProgress to Succeeded, idle shutdown cleared by `null`, a cluster
/// PATCH that resizes (nodes come up to a raised minimum, leave above a lowered maximum and
/// after the idle time), a cancel of an ended job (200, nothing changes) and archive/restore
/// with `listViewType`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_answer_as_azure_does() {
    // 8x rather than 40x: a node allocates in 125 ms, long enough to see `Resizing` by polling.
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.speed = 8.0;
    c.demo = true;
    let e = Emu::with(c, Some(dir)).await;
    let ws = e.ws();

    // Stop: Stopping at once, lastOperation InProgress by the user, then Stopped / Succeeded.
    let ci = format!("{ws}/computes/ci-alice?{API}");
    let (s, h, _) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/computes/ci-alice/stop?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    // A sped-up emulator says when to poll in milliseconds too (8x: 125 ms).
    assert_eq!(h["retry-after-ms"], "125");
    let (_, v) = e.get(&ci).await;
    let p = &v["properties"]["properties"];
    assert_eq!(p["state"], "Stopping");
    assert_eq!(p["lastOperation"]["operationName"], "Stop");
    assert_eq!(p["lastOperation"]["operationStatus"], "InProgress");
    assert_eq!(p["lastOperation"]["operationTrigger"], "User");
    let started = p["lastOperation"]["operationTime"]
        .as_str()
        .unwrap()
        .to_string();
    let seen = watch_until(&e, &ci, Duration::from_secs(5), |v| {
        v["properties"]["properties"]["state"] == "Stopped"
    })
    .await;
    let p = &seen.last().unwrap()["properties"]["properties"];
    assert_eq!(p["lastOperation"]["operationStatus"], "Succeeded");
    assert!(p["lastOperation"]["operationTime"].as_str().unwrap() >= started.as_str());
    // The wrong state: 409 with a message that names the instance and its state.
    let (s, _, v) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/computes/ci-alice/restart?{API}"),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "Conflict"));
    assert_eq!(
        v["error"]["message"],
        "Cannot restart compute instance ci-alice in state Stopped."
    );

    // Idle shutdown: set, cleared with null, refused without a value.
    let idle = format!("{ws}/computes/ci-bob/updateIdleShutdownSetting?{API}");
    let bob = format!("{ws}/computes/ci-bob?{API}");
    let (s, _, _) = e
        .call(
            reqwest::Method::POST,
            &idle,
            Some(json!({"idleTimeBeforeShutdown": "PT45M"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = e.get(&bob).await;
    assert_eq!(
        v["properties"]["properties"]["idleTimeBeforeShutdown"],
        "PT45M"
    );
    let (s, _, v) = e
        .call(
            reqwest::Method::POST,
            &idle,
            Some(json!({"idleTimeBeforeShutdown": null})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = e.get(&bob).await;
    assert!(
        v["properties"]["properties"]
            .get("idleTimeBeforeShutdown")
            .is_none(),
        "{v}"
    );
    for bad in [json!({}), json!({"idleTimeBeforeShutdown": 30})] {
        let (s, _, v) = e.call(reqwest::Method::POST, &idle, Some(bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("null"),
            "{v}"
        );
    }

    // Cluster PATCH: a raised minimum brings nodes up (Resizing while they come) ...
    let cluster = format!("{ws}/computes/cpu-cluster?{API}");
    let scale = |min: i64, max: i64, idle: &str| json!({"properties": {"properties": {"scaleSettings": {"minNodeCount": min, "maxNodeCount": max, "nodeIdleTimeBeforeScaleDown": idle}}}});
    let props = |v: &Value| v["properties"]["properties"].clone();
    let (s, h, v) = e
        .call(reqwest::Method::PATCH, &cluster, Some(scale(2, 4, "PT4S")))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(h.contains_key("azure-asyncoperation"));
    assert_eq!(v["properties"]["provisioningState"], "Updating");
    let seen = watch_until(&e, &cluster, Duration::from_secs(5), |v| {
        let p = props(v);
        p["allocationState"] == "Steady"
            && p["currentNodeCount"] == 2
            && p["nodeStateCounts"]["idleNodeCount"] == 2
    })
    .await;
    assert!(
        seen.iter()
            .any(|v| props(v)["allocationState"] == "Resizing"),
        "never Resizing"
    );
    let (_, _, listed) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/computes/cpu-cluster/listNodes?{API}"),
            None,
        )
        .await;
    assert_eq!(listed["nodes"].as_array().unwrap().len(), 2, "{listed}");
    // ... and a lowered maximum sends the node above it away at once, the other after the
    // idle time (PT4S at 8x: half a second).
    let (s, _, _) = e
        .call(reqwest::Method::PATCH, &cluster, Some(scale(0, 1, "PT4S")))
        .await;
    assert_eq!(s, StatusCode::OK);
    let seen = watch_until(&e, &cluster, Duration::from_secs(2), |v| {
        props(v)["currentNodeCount"] == 1
    })
    .await;
    assert!(
        seen.iter()
            .any(|v| props(v)["allocationState"] == "Resizing"),
        "never Resizing"
    );
    watch_until(&e, &cluster, Duration::from_secs(5), |v| {
        props(v)["currentNodeCount"] == 0 && props(v)["allocationState"] == "Steady"
    })
    .await;

    // Cancel of a running job: CancelRequested until its process has ended (this one ignores
    // SIGTERM, so it lasts until the SIGKILL that follows), then Canceled.
    let stubborn = format!("{ws}/jobs/stubborn-1?{API}");
    let (s, _, v) = e
        .call(
            reqwest::Method::PUT,
            &stubborn,
            Some(json!({"properties": {"jobType": "Command",
                "command": "trap '' TERM; while :; do sleep 0.05; done"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    watch_until(&e, &stubborn, Duration::from_secs(5), |v| {
        v["properties"]["status"] == "Running"
    })
    .await;
    // Time for the shell to start and set its trap.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, h, _) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/jobs/stubborn-1/cancel?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert!(h.contains_key("location"));
    let (_, v) = e.get(&stubborn).await;
    assert_eq!(v["properties"]["status"], "CancelRequested");
    watch_until(&e, &stubborn, Duration::from_secs(5), |v| {
        v["properties"]["status"] == "Canceled"
    })
    .await;

    // Cancel of a job that has ended: 200, nothing changes.
    let job = format!("{ws}/jobs/brisk_owl_8p1q6z3w5n?{API}");
    let (s, h, _) = e
        .call(
            reqwest::Method::POST,
            &format!("{ws}/jobs/brisk_owl_8p1q6z3w5n/cancel?{API}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get("location").is_none());
    let (_, v) = e.get(&job).await;
    assert_eq!(v["properties"]["status"], "Completed");

    // Archive and restore, as the SDK does it (GET, set isArchived, PUT it back whole).
    let names = |v: &Value| -> Vec<String> {
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["name"].as_str().unwrap().to_string())
            .collect()
    };
    let view = |kind: &'static str| {
        let e = &e;
        let ws = ws.clone();
        async move {
            let (_, v) = e.get(&format!("{ws}/jobs?{API}&listViewType={kind}")).await;
            names(&v)
        }
    };
    let all_before = view("All").await;
    for archived in [true, false] {
        let (_, mut whole) = e.get(&job).await;
        whole["properties"]["isArchived"] = json!(archived);
        let (s, _, v) = e.call(reqwest::Method::PUT, &job, Some(whole)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["properties"]["isArchived"], archived);
        let (active, only, all) = (
            view("ActiveOnly").await,
            view("ArchivedOnly").await,
            view("All").await,
        );
        let owl = "brisk_owl_8p1q6z3w5n".to_string();
        assert_eq!(active.contains(&owl), !archived, "{active:?}");
        assert_eq!(only, if archived { vec![owl.clone()] } else { vec![] });
        assert_eq!(all.len(), all_before.len());
        // Without listViewType the service shows active jobs only.
        let (_, default) = e.get(&format!("{ws}/jobs?{API}")).await;
        assert_eq!(names(&default), active);
    }
    e.h.shutdown().await;
}

/// Issue 10, item 6: a queued run has no start time and no log files; once it runs, every rank
/// has its own `user_logs/std_log_process_<rank>.txt` in `logFiles`, growing while it runs,
/// and the ended run carries start and end times; the files served are the files written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_rank_run_lists_one_growing_log_per_rank_and_its_times() {
    let e = Emu::start(true).await;
    let ws = e.ws();
    // On the stopped instance the job stays queued: nothing has run, nothing is listed.
    let queued = json!({"properties": {"jobType": "Command", "command": "echo hi",
        "computeId": format!("/{ws}/computes/ci-bob")}});
    let (s, _, v) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}/jobs/waits?{API}"),
            Some(queued),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, d) = e
        .get(&format!("history/v1.0/{ws}/runs/waits/details"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(!d["status"].as_str().unwrap().is_empty());
    assert!(
        d["startTimeUtc"].is_null() && d["endTimeUtc"].is_null(),
        "{d}"
    );
    assert_eq!(d["logFiles"], json!({}), "{d}");

    let body = json!({"properties": {"jobType": "Command",
        "command": "for i in 1 2 3 4 5 6; do echo \"rank $RANK line $i\"; sleep 0.15; done",
        "computeId": format!("/{ws}/computes/cpu-cluster"), "resources": {"instanceCount": 2}}});
    let (s, _, v) = e
        .call(
            reqwest::Method::PUT,
            &format!("{ws}/jobs/ranks?{API}"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let started = Instant::now();
    let mut sizes: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    let d = loop {
        let (s, d) = e
            .get(&format!("history/v1.0/{ws}/runs/ranks/details"))
            .await;
        assert_eq!(s, StatusCode::OK);
        let status = d["status"].as_str().unwrap().to_string();
        if status == "Running" {
            assert!(
                d["startTimeUtc"].is_string() && d["endTimeUtc"].is_null(),
                "{d}"
            );
            for (rank, seen) in sizes.iter_mut().enumerate() {
                let file = format!("user_logs/std_log_process_{rank}.txt");
                let url = d["logFiles"][&file]
                    .as_str()
                    .unwrap_or_else(|| panic!("{file} not listed while running: {d}"));
                let text = e.http.get(url).send().await.unwrap().text().await.unwrap();
                if seen.last() != Some(&text.len()) {
                    seen.push(text.len());
                }
            }
        }
        if status == "Completed" {
            break d;
        }
        assert!(!["Failed", "Canceled"].contains(&status.as_str()), "{d}");
        assert!(started.elapsed() < Duration::from_secs(20), "{d}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for seen in &sizes {
        assert!(
            seen.len() >= 2,
            "each rank's log grew while it ran: {sizes:?}"
        );
    }
    let start = d["startTimeUtc"].as_str().unwrap();
    let end = d["endTimeUtc"].as_str().unwrap();
    assert!(start <= end, "{start} {end}");
    let run_dir = |rank: u32| {
        let url = d["logFiles"][format!("user_logs/std_log_process_{rank}.txt")]
            .as_str()
            .unwrap()
            .to_string();
        let path = url.split('?').next().unwrap().to_string();
        let rest = path.split_once("/blob/").unwrap().1.to_string();
        let (wsid, rest) = rest.split_once("/ExperimentRun/dcid.").unwrap();
        let (run, name) = rest.split_once('/').unwrap();
        (
            url.clone(),
            e.h_dir().join("runs").join(wsid).join(run).join(name),
        )
    };
    for rank in 0..2 {
        let (url, file) = run_dir(rank);
        let served = e.http.get(&url).send().await.unwrap().text().await.unwrap();
        let expected: String = (1..=6).map(|i| format!("rank {rank} line {i}\n")).collect();
        assert_eq!(served, expected);
        assert_eq!(std::fs::read_to_string(file).unwrap(), expected);
    }
    e.h.shutdown().await;
}
