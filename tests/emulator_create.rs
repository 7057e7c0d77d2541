//! Create and attach against the emulator over real loopback HTTP: every compute kind created or
//! attached (the attach kinds and the cluster from the wizard's forms, sent by the typed client
//! as `actions::send` does) goes Creating → Succeeded with its operation; every body the
//! service refuses is answered 400 naming the field (a missing, malformed or wrong-provider
//! resource id, a VM without address or credentials, a Databricks compute without a token, a
//! production AKS cluster under 12 vCPUs, an unknown size, a bad name) and creates nothing; a
//! cluster whose minimum nodes do not fit the family quota ends Failed with OutOfQuota.

mod emulator_common;
mod keys_common;
mod wizard_common;

use amlc::azure::lro::WaitOptions;
use amlc::emulator::{self, EmulatorConfig, EmulatorHandle};
use amlc::wizard::{FormId, forms};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wizard_common::{World, values};

const API: &str = "api-version=2025-12-01";
const WS: &str = "attach-ws";

struct Emu {
    h: EmulatorHandle,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Emu {
    /// An emulator without the demo (no job processes, no quota in use) and one empty
    /// workspace in eastus.
    async fn start(speed: f64) -> Emu {
        let dir = tempfile::tempdir().unwrap();
        let mut c = EmulatorConfig::new(dir.path());
        c.speed = speed;
        c.demo = false;
        let h = emulator::start(c).await.unwrap();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let e = Emu { h, http, _dir: dir };
        let (s, v) = e
            .call(
                reqwest::Method::PUT,
                &e.ws(),
                Some(json!({"location": "eastus"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        e
    }

    fn ws(&self) -> String {
        format!(
            "{}subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{WS}?{API}",
            self.h.url(),
            emulator::DEMO_SUBSCRIPTION,
            emulator::DEMO_RESOURCE_GROUP,
        )
    }

    fn compute(&self, name: &str) -> String {
        self.ws()
            .replace(&format!("?{API}"), &format!("/computes/{name}?{API}"))
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, url).bearer_auth(self.h.token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn put(&self, name: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, &self.compute(name), Some(body))
            .await
    }

    async fn get(&self, name: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, &self.compute(name), None)
            .await
    }

    /// Polls the compute until it leaves Creating; returns the resource as it ended.
    async fn settled(&self, name: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (s, v) = self.get(name).await;
            assert_eq!(s, StatusCode::OK, "{name}: {v}");
            let state = v["properties"]["provisioningState"].as_str().unwrap_or("");
            let ci_busy = v["properties"]["computeType"] == "ComputeInstance"
                && state == "Succeeded"
                && v["properties"]["properties"]["state"] != "Running";
            if state != "Creating" && !ci_busy {
                return v;
            }
            assert!(Instant::now() < deadline, "{name} still creating: {v}");
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    }
}

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers";

fn arm(path: &str) -> String {
    format!("{SUB}/{path}")
}

/// The form-built requests of every attach kind and of a cluster, by form id.
fn form_requests() -> Vec<(FormId, amlc::wizard::ComputeRequest)> {
    let mut w = World::new();
    w.files
        .0
        .insert(PathBuf::from("/keys/id_vm"), keys_common::unencrypted_key());
    let k8s = arm("Microsoft.ContainerService/managedClusters/aks1");
    let arc = arm("Microsoft.Kubernetes/connectedClusters/arc1");
    let vm = arm("Microsoft.Compute/virtualMachines/vm1");
    let hdi = arm("Microsoft.HDInsight/clusters/hdi1");
    let dbx = arm("Microsoft.Databricks/workspaces/dbx1");
    let adla = arm("Microsoft.DataLakeAnalytics/accounts/adla1");
    let pool = arm("Microsoft.Synapse/workspaces/syn1/bigDataPools/pool1");
    let adf = arm("Microsoft.DataFactory/factories/adf1");
    let cases: Vec<(FormId, Vec<(&str, &str)>)> = vec![
        (
            FormId::ComputeCluster,
            vec![
                ("name", "form-cluster"),
                ("size", "Standard_DS3_v2"),
                ("min_instances", "1"),
                ("max_instances", "2"),
            ],
        ),
        (
            FormId::Kubernetes,
            vec![
                ("name", "k8s-aks"),
                ("resource_id", &k8s),
                ("namespace", "ml"),
            ],
        ),
        (
            FormId::Kubernetes,
            vec![
                ("name", "k8s-arc"),
                ("resource_id", &arc),
                ("identity.type", "system_assigned"),
            ],
        ),
        (
            FormId::VirtualMachine,
            vec![
                ("name", "remote-vm"),
                ("resource_id", &vm),
                ("address", "10.1.0.4"),
                ("ssh_settings.admin_username", "azureuser"),
                ("ssh_settings.ssh_private_key_file", "/keys/id_vm"),
            ],
        ),
        (
            FormId::HdInsight,
            vec![
                ("name", "hdi-spark"),
                ("resource_id", &hdi),
                ("address", "hdi1-ssh.azurehdinsight.net"),
                ("ssh_settings.admin_password", "Hdi-pa55word!"),
            ],
        ),
        (
            FormId::Databricks,
            vec![
                ("name", "dbx-attach"),
                ("resource_id", &dbx),
                (
                    "databricks_access_token",
                    "dapi0123456789abcdef0123456789abcdef",
                ),
            ],
        ),
        (
            FormId::DataLakeAnalytics,
            vec![("name", "adla-attach"), ("resource_id", &adla)],
        ),
        (
            FormId::SynapseSpark,
            vec![("name", "spark-pool"), ("resource_id", &pool)],
        ),
        (
            FormId::DataFactory,
            vec![("name", "adf-attach"), ("resource_id", &adf)],
        ),
    ];
    cases
        .into_iter()
        .map(|(id, pairs)| {
            let form = forms::form(id).expect("registered");
            let req = form
                .to_request(&values(&pairs), &w.ctx())
                .unwrap_or_else(|p| panic!("{id:?}: {p:?}"));
            (id, req)
        })
        .collect()
}

fn wait() -> WaitOptions {
    WaitOptions {
        deadline: Duration::from_secs(30),
        default_interval: Duration::from_millis(20),
        min_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(50),
        ..WaitOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_created_or_attached_reaches_succeeded() {
    let e = Emu::start(4.0).await;
    let client = emulator_common::client_for(&e.h, WS);

    // The forms' requests, sent as the wizard sends them: each is Creating at first (an attach
    // takes 2 s / speed 4 = 500 ms, far longer than sending them all)...
    let mut sent = Vec::new();
    for (id, req) in form_requests() {
        let op = client
            .create_or_update_compute(&req.name, &req.resource)
            .await
            .unwrap_or_else(|err| panic!("{id:?} refused: {err}"));
        sent.push((id, req, op));
    }
    for (id, req, _) in &sent {
        let (_, c) = e.get(&req.name).await;
        assert_eq!(
            c["properties"]["provisioningState"], "Creating",
            "{id:?}: {c}"
        );
    }
    // ... and followed to its end.
    for (id, req, op) in sent {
        let done = op
            .wait(&wait())
            .await
            .unwrap_or_else(|err| panic!("{id:?} failed: {err}"))
            .unwrap_or(Value::Null);
        assert_eq!(
            done["properties"]["provisioningState"], "Succeeded",
            "{id:?}: {done}"
        );
        let c = e.settled(&req.name).await;
        assert_eq!(
            c["properties"]["provisioningState"], "Succeeded",
            "{id:?}: {c}"
        );
        let sent_type = req.body()["properties"]["computeType"].clone();
        assert_eq!(c["properties"]["computeType"], sent_type, "{id:?}");
        let attached = id != FormId::ComputeCluster;
        assert_eq!(c["properties"]["isAttachedCompute"], attached, "{id:?}");
        if let Some(rid) = req.body()["properties"].get("resourceId") {
            assert_eq!(&c["properties"]["resourceId"], rid, "{id:?}");
        }
        // Secrets never come back in a GET.
        let text = c.to_string();
        assert!(
            !text.contains("Hdi-pa55word!")
                && !text.contains("dapi0123")
                && !text.contains("PRIVATE KEY"),
            "{id:?}: {text}"
        );
    }
    let (_, k) = e.get("k8s-aks").await;
    assert_eq!(k["properties"]["properties"]["namespace"], "ml");
    assert!(
        k["properties"]["properties"]["defaultInstanceType"].is_string(),
        "{k}"
    );
    let (_, arc) = e.get("k8s-arc").await;
    assert_eq!(arc["identity"]["type"], "SystemAssigned");
    assert!(arc["identity"]["principalId"].is_string());
    let (_, spark) = e.get("spark-pool").await;
    assert_eq!(spark["properties"]["properties"]["workspaceName"], "syn1");
    assert_eq!(spark["properties"]["properties"]["poolName"], "pool1");
    let (_, dbx) = e.get("dbx-attach").await;
    assert!(
        dbx["properties"]["properties"]["workspaceUrl"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://adb-"))
    );
    // The secrets are kept for listKeys.
    let keys = client.list_keys("remote-vm").await.unwrap();
    assert!(format!("{:?}", keys).contains("VirtualMachine"));

    // The kinds whose forms another part of the wizard owns, as raw bodies: an instance, a
    // new AKS cluster (DevTest may be small; production at exactly 12 vCPUs), an AKS attach.
    let mut raw = Vec::new();
    for (name, body, final_check) in [
        (
            "ci-new",
            json!({"properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_DS3_v2"}}}),
            ("state", json!("Running")),
        ),
        (
            "aks-dev",
            json!({"properties": {"computeType": "AKS", "properties": {"agentCount": 1, "agentVmSize": "Standard_D3_v2", "clusterPurpose": "DevTest"}}}),
            ("agentCount", json!(1)),
        ),
        (
            "aks-prod",
            json!({"properties": {"computeType": "AKS", "properties": {"agentCount": 3, "agentVmSize": "Standard_D3_v2", "clusterPurpose": "FastProd"}}}),
            ("clusterPurpose", json!("FastProd")),
        ),
        (
            "aks-attach",
            json!({"location": "eastus", "properties": {"computeType": "AKS", "resourceId": arm("Microsoft.ContainerService/managedClusters/existing"), "properties": {"agentCount": 4}}}),
            ("agentCount", json!(4)),
        ),
    ] {
        let (s, v) = e.put(name, body).await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {v}");
        assert_eq!(v["properties"]["provisioningState"], "Creating", "{name}");
        raw.push((name, final_check));
    }
    for (name, final_check) in raw {
        let c = e.settled(name).await;
        assert_eq!(
            c["properties"]["provisioningState"], "Succeeded",
            "{name}: {c}"
        );
        assert_eq!(
            c["properties"]["properties"][final_check.0], final_check.1,
            "{name}: {c}"
        );
    }
    let (_, aks) = e.get("aks-prod").await;
    assert!(
        aks["properties"]["properties"]["systemServices"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(aks["properties"]["isAttachedCompute"], false);
    let (_, attached) = e.get("aks-attach").await;
    assert_eq!(attached["properties"]["isAttachedCompute"], true);
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_naming_the_field_and_create_nothing() {
    let e = Emu::start(40.0).await;
    let body = |ctype: &str, rid: Option<String>, props: Value| {
        let mut b = json!({"properties": {"computeType": ctype, "properties": props}});
        if let Some(r) = rid {
            b["properties"]["resourceId"] = json!(r);
        }
        b
    };
    let vm_ok = json!({"address": "10.1.0.4", "administratorAccount": {"username": "azureuser", "password": "pw-Secret1"}});
    let vm_id = Some(arm("Microsoft.Compute/virtualMachines/vm1"));
    let k8s_id = Some(arm("Microsoft.ContainerService/managedClusters/aks1"));
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        // Resource ids of attached kinds: present when required, of the right provider, well formed.
        ("k8s-noid", body("Kubernetes", None, json!({})), "resourceId", "required"),
        ("k8s-vm", body("Kubernetes", vm_id.clone(), json!({})), "resourceId", "Microsoft.Kubernetes/connectedClusters"),
        ("k8s-bad", body("Kubernetes", Some("aks1".into()), json!({})), "resourceId", "expected"),
        ("k8s-nouuid", body("Kubernetes", Some("/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a".into()), json!({})), "resourceId", "UUID"),
        ("k8s-ns", body("Kubernetes", k8s_id.clone(), json!({"namespace": "Team_A"})), "namespace", "lowercase"),
        ("aks-arc", body("AKS", Some(arm("Microsoft.Kubernetes/connectedClusters/arc")), json!({})), "resourceId", "Microsoft.ContainerService"),
        ("vm-wrong", body("VirtualMachine", Some(arm("Microsoft.ClassicCompute/virtualMachines/vm1")), vm_ok.clone()), "resourceId", "Microsoft.ClassicCompute"),
        ("vm-where", body("VirtualMachine", None, json!({"administratorAccount": {"username": "u", "password": "p"}})), "address", "address"),
        ("vm-addr", body("VirtualMachine", None, json!({"address": "bad host", "administratorAccount": {"username": "u", "password": "p"}})), "address", "host name"),
        ("vm-port", body("VirtualMachine", vm_id.clone(), json!({"sshPort": 0, "administratorAccount": {"username": "u", "password": "p"}})), "sshPort", "1 to 65535"),
        ("vm-nocred", body("VirtualMachine", vm_id.clone(), json!({"administratorAccount": {"username": "u"}})), "administratorAccount", "privateKeyData"),
        ("vm-nouser", body("VirtualMachine", vm_id.clone(), json!({"administratorAccount": {"password": "p"}})), "administratorAccount", "username"),
        ("vm-noacct", body("VirtualMachine", vm_id.clone(), json!({})), "administratorAccount", "username"),
        ("hdi-wrong", body("HDInsight", vm_id.clone(), vm_ok.clone()), "resourceId", "Microsoft.HDInsight/clusters"),
        ("hdi-where", body("HDInsight", None, json!({"administratorAccount": {"username": "u", "password": "p"}})), "address", "address"),
        ("hdi-nocred", body("HDInsight", None, json!({"address": "h-ssh.azurehdinsight.net", "administratorAccount": {"username": "u"}})), "administratorAccount", "password"),
        ("dbx-notoken", body("Databricks", Some(arm("Microsoft.Databricks/workspaces/d")), json!({})), "databricksAccessToken", "databricksAccessToken"),
        ("dbx-empty", body("Databricks", Some(arm("Microsoft.Databricks/workspaces/d")), json!({"databricksAccessToken": " "})), "databricksAccessToken", "needs properties.properties.databricksAccessToken"),
        ("dbx-wrong", body("Databricks", Some(arm("Microsoft.Synapse/workspaces/d")), json!({"databricksAccessToken": "dapi1"})), "resourceId", "Microsoft.Databricks"),
        ("dbx-noid", body("Databricks", None, json!({"databricksAccessToken": "dapi1"})), "resourceId", "required"),
        ("adla-wrong", body("DataLakeAnalytics", Some(arm("Microsoft.DataLakeStore/accounts/a")), json!({})), "resourceId", "Microsoft.DataLakeAnalytics"),
        ("adla-noid", body("DataLakeAnalytics", None, json!({})), "resourceId", "required"),
        ("syn-ws", body("SynapseSpark", Some(arm("Microsoft.Synapse/workspaces/syn1")), json!({})), "resourceId", "bigDataPools"),
        ("syn-noid", body("SynapseSpark", None, json!({})), "resourceId", "required"),
        ("adf-wrong", body("DataFactory", Some(arm("Microsoft.DataFactory/pipelines/p")), json!({})), "resourceId", "pipelines"),
        ("rid-type", json!({"properties": {"computeType": "Kubernetes", "resourceId": 7}}), "resourceId", "string"),
        // A new AKS cluster: production needs agentCount × vCPUs ≥ 12 (seed 001).
        ("aks-small", body("AKS", None, json!({"agentCount": 2, "agentVmSize": "Standard_D3_v2"})), "agentCount", "at least 12 vCPUs: agentCount 2 × 4 vCPUs of Standard_D3_v2 = 8"),
        ("aks-dense", body("AKS", None, json!({"agentCount": 5, "agentVmSize": "Standard_DS1_v2", "clusterPurpose": "DenseProd"})), "agentCount", "= 5"),
        ("aks-zero", body("AKS", None, json!({"agentCount": 0, "clusterPurpose": "DevTest"})), "agentCount", "1 to 100"),
        ("aks-size", body("AKS", None, json!({"agentVmSize": "Standard_Nope"})), "agentVmSize", "Standard_Nope"),
        ("aks-purpose", body("AKS", None, json!({"clusterPurpose": "Prod"})), "clusterPurpose", "FastProd, DenseProd, DevTest"),
        // What was checked before: the VM size and the name.
        ("bad-size", body("AmlCompute", None, json!({"vmSize": "Standard_Nope", "scaleSettings": {"maxNodeCount": 1}})), "vmSize", "Standard_Nope"),
    ];
    for (name, b, target, says) in cases {
        let (s, v) = e.put(name, b.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert_eq!(v["error"]["target"], target, "{name}: {v}");
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(says), "{name}: want {says:?} in {message}");
        assert!(
            !message.contains("pw-Secret1"),
            "{name}: a secret in the error"
        );
        let (s, _) = e.get(name).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{name} was created anyway");
    }
    let cluster = json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_DS3_v2", "scaleSettings": {"maxNodeCount": 1}}}});
    for name in ["a-1", "ab", "1abc"] {
        let (s, v) = e.put(name, cluster.clone()).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("InvalidComputeName")),
            "{name}: {v}"
        );
    }
    // The bodies the attach rules accept at their edges.
    for (name, b) in [
        (
            "aks-edge",
            body(
                "AKS",
                None,
                json!({"agentCount": 3, "agentVmSize": "Standard_D3_v2", "clusterPurpose": "DenseProd"}),
            ),
        ),
        (
            "vm-byid",
            body(
                "VirtualMachine",
                vm_id.clone(),
                json!({"administratorAccount": {"username": "u", "privateKeyData": keys_common::unencrypted_key()}}),
            ),
        ),
        ("adf-noid", body("DataFactory", None, json!(null))),
    ] {
        let (s, v) = e.put(name, b).await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {v}");
    }
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_over_its_family_quota_ends_failed_with_out_of_quota() {
    let e = Emu::start(40.0).await;
    // NCSv3 family: 24 vCPUs; 5 nodes × 6 vCPUs of Standard_NC6s_v3 = 30 at minimum.
    let (s, v) = e
        .put(
            "gpu-over",
            json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_NC6s_v3", "scaleSettings": {"minNodeCount": 5, "maxNodeCount": 5}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["properties"]["provisioningState"], "Creating");
    let c = e.settled("gpu-over").await;
    assert_eq!(c["properties"]["provisioningState"], "Failed", "{c}");
    let err = &c["properties"]["provisioningErrors"][0]["error"];
    assert_eq!(err["code"], "OutOfQuota", "{c}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("24") && m.contains("30")),
        "{err}"
    );

    // The typed client following the create sees the operation fail with the service's error.
    let client = emulator_common::client_for(&e.h, WS);
    let mut w = World::new();
    w.usages.clear();
    let form = forms::form(FormId::ComputeCluster).expect("cluster form");
    let req = form
        .to_request(
            &values(&[
                ("name", "gpu-over2"),
                ("size", "Standard_NC6s_v3"),
                ("min_instances", "5"),
                ("max_instances", "5"),
            ]),
            &World {
                sizes: Vec::new(),
                ..w
            }
            .ctx(),
        )
        .expect("the form cannot know the quota without usages");
    let op = client
        .create_or_update_compute(&req.name, &req.resource)
        .await
        .expect("accepted");
    let err = op.wait(&wait()).await.expect_err("the create fails");
    assert!(
        err.to_string().contains("OutOfQuota") || err.to_string().contains("quota"),
        "{err}"
    );
    let c = e.settled("gpu-over2").await;
    assert_eq!(c["properties"]["provisioningState"], "Failed");

    // An instance is held to its family's quota too: 96 vCPUs of a 24-vCPU family.
    let (s, v) = e
        .put(
            "ci-over",
            json!({"properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_NC96ads_A100_v4"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let c = e.settled("ci-over").await;
    assert_eq!(c["properties"]["provisioningState"], "Failed", "{c}");
    assert_eq!(
        c["properties"]["properties"]["state"], "CreateFailed",
        "{c}"
    );
    assert_eq!(
        c["properties"]["provisioningErrors"][0]["error"]["code"],
        "OutOfQuota"
    );

    // Within the quota (4 × 6 = 24) the same cluster succeeds.
    let (s, _) = e
        .put(
            "gpu-fits",
            json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_NC6s_v3", "scaleSettings": {"minNodeCount": 4, "maxNodeCount": 4}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let c = e.settled("gpu-fits").await;
    assert_eq!(c["properties"]["provisioningState"], "Succeeded", "{c}");
    e.h.shutdown().await;
}
