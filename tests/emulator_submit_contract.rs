//! Contract test of the emulator's submit surfaces against Azure's own examples
//! (`../shared/azureml-api/examples-submit/`): for every example file, the emulator's answer to
//! the same operation has the example's field names with the same JSON types (recursively; a
//! `null` in the example allows any type, and a field the emulator leaves out is fine unless the
//! resource needs it). A new example file without a mapping here fails the test.

use amlc::emulator::{self, EmulatorConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/azureml-api/examples-submit")
}

fn example_files() -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let root = examples_dir();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn example(rel: &str) -> Value {
    let text = std::fs::read_to_string(examples_dir().join(rel)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks that `ours` has the shape of `theirs`; `required` lists dotted paths that must be
/// present (non-null) in ours.
fn same_shape(theirs: &Value, ours: &Value, path: &str, problems: &mut Vec<String>) {
    match (theirs, ours) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(t), Value::Object(o)) => {
            // Free-form maps (tags, properties of an asset) only need to be objects.
            if path.ends_with(".tags") || path.ends_with("properties.properties") {
                return;
            }
            for (k, tv) in t {
                if let Some(ov) = o.get(k) {
                    same_shape(tv, ov, &format!("{path}.{k}"), problems);
                }
            }
        }
        (Value::Array(t), Value::Array(o)) => {
            if let (Some(t0), Some(o0)) = (t.first(), o.first()) {
                same_shape(t0, o0, &format!("{path}[0]"), problems);
            }
        }
        (t, o) if kind(t) == kind(o) => {}
        (t, o) => problems.push(format!(
            "{path}: example has {}, emulator {}",
            kind(t),
            kind(o)
        )),
    }
}

fn require(ours: &Value, paths: &[&str], what: &str, problems: &mut Vec<String>) {
    for p in paths {
        let mut cur = ours;
        for k in p.split('.') {
            cur = &cur[k];
        }
        if cur.is_null() {
            problems.push(format!("{what}: {p} is missing"));
        }
    }
}

const RESOURCE: &[&str] = &["id", "name", "type", "properties", "systemData.createdAt"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_answers_have_the_shapes_of_the_submit_examples() {
    let dir = tempfile::tempdir().unwrap();
    let h = emulator::start(EmulatorConfig::new(dir.path()))
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let ws = format!(
        "{}subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/contract-ws",
        h.url(),
        emulator::DEMO_SUBSCRIPTION,
        emulator::DEMO_RESOURCE_GROUP
    );
    let call = |method: Method, suffix: &str, body: Option<Value>| {
        let sep = if suffix.contains('?') { '&' } else { '?' };
        let mut req = http
            .request(method, format!("{ws}{suffix}{sep}api-version=2025-12-01"))
            .bearer_auth(h.token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, _) = call(Method::PUT, "", Some(json!({"location": "eastus"}))).await;
    assert_eq!(s, StatusCode::CREATED);

    // What the examples describe, made to exist.
    let (s, pending) = call(
        Method::POST,
        "/codes/testContainer/versions/1/startPendingUpload",
        Some(json!({"pendingUploadId": "abc", "pendingUploadType": "TemporaryBlobReference"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{pending}");
    let sas = pending["blobReferenceForConsumption"]["credential"]["sasUri"]
        .as_str()
        .unwrap()
        .to_string();
    let blob_uri = pending["blobReferenceForConsumption"]["blobUri"]
        .as_str()
        .unwrap()
        .to_string();
    let (base, query) = sas.split_once('?').unwrap();
    let r = http
        .put(format!("{base}/folderName/train.py?{query}"))
        .header("x-ms-blob-type", "BlockBlob")
        .body("print(1)\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let code_body = json!({"properties": {"description": "string", "tags": {"string": "string"}, "properties": {"string": "string"}, "isAnonymous": false, "codeUri": format!("{blob_uri}/folderName")}});
    let (s1, code_created) = call(
        Method::PUT,
        "/codes/testContainer/versions/1",
        Some(code_body.clone()),
    )
    .await;
    assert_eq!(s1, StatusCode::CREATED, "{code_created}");
    let (s2, code_again) = call(
        Method::PUT,
        "/codes/testContainer/versions/1",
        Some(code_body),
    )
    .await;
    assert_eq!(s2, StatusCode::OK, "{code_again}");
    let env_body = json!({"properties": {"description": "string", "condaFile": "string", "image": "docker.io/tensorflow/serving:latest", "inferenceConfig": {"livenessRoute": {"path": "string", "port": 1}, "readinessRoute": {"path": "string", "port": 1}, "scoringRoute": {"path": "string", "port": 1}}, "isAnonymous": false, "properties": {"string": "string"}, "tags": {"string": "string"}}});
    let (s1, env_created) = call(
        Method::PUT,
        "/environments/testEnvironment/versions/1",
        Some(env_body.clone()),
    )
    .await;
    assert_eq!(s1, StatusCode::CREATED, "{env_created}");
    let (s2, env_again) = call(
        Method::PUT,
        "/environments/testEnvironment/versions/1",
        Some(env_body),
    )
    .await;
    assert_eq!(s2, StatusCode::OK, "{env_again}");

    let mut problems = Vec::new();
    let mut covered = Vec::new();
    for rel in example_files() {
        let ex = example(&rel);
        let responses = &ex["responses"];
        let ours: Vec<(&str, Value)> = match rel.as_str() {
            "Datastore/get.json" | "Datastore/AzureBlobWAccountKey/createOrUpdate.json" => {
                // The emulator has the one default datastore (no datastore PUT): its GET answers
                // in the shape the PUT's response has.
                let (s, v) = call(Method::GET, "/datastores/workspaceblobstore", None).await;
                assert_eq!(s, StatusCode::OK);
                vec![("200", v.clone()), ("201", v)]
            }
            "Datastore/list.json" => vec![("200", call(Method::GET, "/datastores", None).await.1)],
            "Datastore/listSecrets.json" => {
                let (s, v) = call(
                    Method::POST,
                    "/datastores/workspaceblobstore/listSecrets",
                    Some(json!({"expirableSecret": true, "expireAfterHours": 1})),
                )
                .await;
                assert_eq!(s, StatusCode::OK);
                // Sas secrets instead of the example's AccountKey: the discriminator matches in type.
                require(&v, &["secretsType", "sasToken"], &rel, &mut problems);
                vec![("200", json!({"secretsType": v["secretsType"]}))]
            }
            "Workspace/CodeContainer/get.json" | "Workspace/CodeContainer/createOrUpdate.json" => {
                let (s, v) = call(Method::GET, "/codes/testContainer", None).await;
                assert_eq!(s, StatusCode::OK);
                vec![("200", v.clone()), ("201", v)]
            }
            "Workspace/CodeContainer/list.json" => {
                vec![("200", call(Method::GET, "/codes", None).await.1)]
            }
            "Workspace/CodeVersion/createOrGetStartPendingUpload.json" => {
                require(
                    &pending,
                    &[
                        "blobReferenceForConsumption.blobUri",
                        "blobReferenceForConsumption.storageAccountArmId",
                        "blobReferenceForConsumption.credential.credentialType",
                        "blobReferenceForConsumption.credential.sasUri",
                        "pendingUploadId",
                        "pendingUploadType",
                    ],
                    &rel,
                    &mut problems,
                );
                vec![("200", pending.clone())]
            }
            "Workspace/CodeVersion/createOrUpdate.json" => {
                vec![("201", code_created.clone()), ("200", code_again.clone())]
            }
            "Workspace/CodeVersion/get.json" => {
                vec![(
                    "200",
                    call(Method::GET, "/codes/testContainer/versions/1", None)
                        .await
                        .1,
                )]
            }
            "Workspace/CodeVersion/list.json" => vec![(
                "200",
                call(Method::GET, "/codes/testContainer/versions?$top=1", None)
                    .await
                    .1,
            )],
            "Workspace/EnvironmentContainer/get.json" => vec![(
                "200",
                call(Method::GET, "/environments/testEnvironment", None)
                    .await
                    .1,
            )],
            "Workspace/EnvironmentContainer/list.json" => {
                vec![("200", call(Method::GET, "/environments", None).await.1)]
            }
            "Workspace/EnvironmentVersion/createOrUpdate.json" => {
                vec![("201", env_created.clone()), ("200", env_again.clone())]
            }
            "Workspace/EnvironmentVersion/get.json" => vec![(
                "200",
                call(
                    Method::GET,
                    "/environments/testEnvironment/versions/1",
                    None,
                )
                .await
                .1,
            )],
            "Workspace/EnvironmentVersion/list.json" => vec![(
                "200",
                call(
                    Method::GET,
                    "/environments/testEnvironment/versions?$orderBy=createdtime%20desc&$top=1",
                    None,
                )
                .await
                .1,
            )],
            other => panic!("example {other} has no mapping in this test: add one"),
        };
        let mut compared = 0;
        for (status, body) in ours {
            let theirs = &responses[status]["body"];
            if theirs.is_null() {
                continue;
            }
            compared += 1;
            same_shape(theirs, &body, &format!("{rel}#{status}"), &mut problems);
            if let Some(items) = body.get("value").and_then(Value::as_array) {
                assert!(!items.is_empty(), "{rel}: the emulator listed nothing");
                for item in items {
                    require(item, RESOURCE, &rel, &mut problems);
                }
            } else if theirs.get("properties").is_some() {
                require(&body, RESOURCE, &rel, &mut problems);
            }
        }
        assert!(
            compared > 0,
            "{rel}: no response of the example was compared"
        );
        covered.push(rel);
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(covered.len() >= 15, "{covered:?}");
    h.shutdown().await;
}
