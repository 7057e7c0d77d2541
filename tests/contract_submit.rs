//! Contract tests of the submit flow's wire types against `../shared/azureml-api/examples-submit/`
//! (Azure's own examples for code, environment and datastore operations) and the recorded SDK
//! bodies of submit.md: (a) every response of every example file decodes into amlc's model for
//! it, key fields read right (a new example file without a mapping fails the test); (b) the
//! request bodies amlc builds — code version PUT, `startPendingUpload`, anonymous environment
//! PUT (image + conda, build context), `listSecrets`, job PUT — equal the examples' request
//! bodies modulo what the SDK sends differently, each difference named in its test:
//!
//! - code version PUT: no `description`/`tags` (the SDK sends none unless given), and inner
//!   `properties` = `{hash_sha256, hash_version: 202208}` (a JSON number) instead of the
//!   example's `{"string": "string"}` placeholder;
//! - `startPendingUpload`: `pendingUploadType: "TemporaryBlobReference"` and no
//!   `pendingUploadId` (the example has the placeholder `"string"` and `"None"`);
//! - anonymous environment PUT: `isAnonymous: true` and `isArchived: false` (the SDK's), only
//!   one of `image` / `build` (the example shows both), no description, tags or inferenceConfig;
//! - the job PUT: the body recorded from the SDK in submit.md §8 (the examples-submit folder
//!   has no job example), with `{WS}` and the code version id as the placeholders they are.

use amlc::azure::assets::{
    CodeVersion, Datastore, DatastoreSecrets, EnvironmentVersion, PendingUpload,
    anonymous_environment_body, build_environment_body, code_version_body, environment_summaries,
    list_secrets_body, start_pending_upload_body,
};
use amlc::submit::flow;
use amlc::submit::job_yaml::load;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/azureml-api/examples-submit")
}

fn example(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn all_files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(
                    path.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), &root(), &mut out);
    out.sort();
    out
}

/// The response bodies of an example (every status).
fn responses(v: &Value) -> Vec<Value> {
    v["responses"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|r| r.get("body").cloned())
        .collect()
}

fn check_code_version(body: Value) {
    let c: CodeVersion = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        c.properties.code_uri.as_deref(),
        Some("https://blobStorage/folderName")
    );
    assert_eq!(c.properties.is_anonymous, Some(false));
    assert_eq!(c.id.as_deref(), body["id"].as_str());
}

fn check_environment_version(body: Value) {
    let e: EnvironmentVersion = serde_json::from_value(body).unwrap();
    assert_eq!(
        e.properties.image.as_deref(),
        Some("docker.io/tensorflow/serving:latest")
    );
    assert_eq!(e.properties.conda_file.as_deref(), Some("string"));
    assert_eq!(e.properties.environment_type.as_deref(), Some("Curated"));
    assert_eq!(
        e.properties.build.as_ref().unwrap()["dockerfilePath"],
        "prod/Dockerfile"
    );
}

fn check_datastore(body: Value) {
    let d: Datastore = serde_json::from_value(body).unwrap();
    assert_eq!(d.properties.datastore_type.as_deref(), Some("AzureBlob"));
    assert_eq!(
        d.blob_location().unwrap(),
        ("string".to_string(), "string".to_string())
    );
    assert_eq!(
        d.properties
            .credentials
            .unwrap()
            .credentials_type
            .as_deref(),
        Some("AccountKey")
    );
}

#[test]
fn every_example_response_decodes_into_its_model() {
    let mut unmapped = Vec::new();
    for rel in all_files() {
        let v = example(&rel);
        let bodies = responses(&v);
        assert!(!bodies.is_empty(), "{rel}: no response body");
        for body in bodies {
            match rel.as_str() {
                "Workspace/CodeVersion/createOrUpdate.json" | "Workspace/CodeVersion/get.json" => {
                    check_code_version(body)
                }
                "Workspace/CodeVersion/list.json" => {
                    for item in body["value"].as_array().unwrap() {
                        check_code_version(item.clone());
                    }
                }
                "Workspace/CodeVersion/createOrGetStartPendingUpload.json" => {
                    let p: PendingUpload = serde_json::from_value(body).unwrap();
                    let r = &p.blob_reference_for_consumption;
                    assert_eq!(
                        r.blob_uri.as_deref(),
                        Some("https://www.contoso.com/example")
                    );
                    assert_eq!(r.credential.credential_type.as_deref(), Some("SAS"));
                    assert_eq!(
                        r.credential.sas_uri.as_ref().unwrap().expose(),
                        "https://www.contoso.com/example"
                    );
                    // The SAS never shows in Debug.
                    assert!(
                        format!("{:?}", r.credential).contains("sas_uri: Some(***)"),
                        "{:?}",
                        r.credential
                    );
                }
                "Workspace/EnvironmentVersion/createOrUpdate.json"
                | "Workspace/EnvironmentVersion/get.json" => check_environment_version(body),
                "Workspace/EnvironmentVersion/list.json" => {
                    for item in body["value"].as_array().unwrap() {
                        check_environment_version(item.clone());
                    }
                }
                "Workspace/EnvironmentContainer/list.json" => {
                    let s = environment_summaries(&body);
                    assert_eq!(s.len(), 1);
                    assert_eq!(s[0].name, "testEnvironment");
                    assert_eq!(s[0].description.as_deref(), Some("string"));
                }
                "Workspace/EnvironmentContainer/get.json" => {
                    let s = environment_summaries(&json!({ "value": [body] }));
                    assert_eq!(s[0].name, "testEnvironment");
                }
                "Datastore/get.json" | "Datastore/AzureBlobWAccountKey/createOrUpdate.json" => {
                    check_datastore(body)
                }
                "Datastore/list.json" => {
                    for item in body["value"].as_array().unwrap() {
                        check_datastore(item.clone());
                    }
                }
                "Datastore/listSecrets.json" => {
                    let s: DatastoreSecrets = serde_json::from_value(body).unwrap();
                    assert_eq!(s.secrets_type.as_deref(), Some("AccountKey"));
                    assert_eq!(s.key.as_ref().unwrap().expose(), "string");
                    assert!(s.sas_token.is_none());
                    assert!(!format!("{s:?}").contains("\"string\""));
                }
                // Code containers are never read by the submit flow (the SDK creates versions
                // only); they still must be JSON objects with an id.
                "Workspace/CodeContainer/createOrUpdate.json"
                | "Workspace/CodeContainer/get.json" => {
                    assert!(body["id"].as_str().unwrap().contains("/codes/"));
                }
                "Workspace/CodeContainer/list.json" => {
                    assert_eq!(body["value"].as_array().unwrap().len(), 2);
                }
                _ => unmapped.push(rel.clone()),
            }
        }
    }
    assert!(
        unmapped.is_empty(),
        "example files without a model: {unmapped:?}"
    );
}

/// `ours` sends only keys the example's request has (plus `extra`), each with the same JSON
/// kind; returns nothing, panics with the path of the first difference.
fn keys_within(ours: &Value, theirs: &Value, extra: &[&str], path: &str) {
    let (Some(o), Some(t)) = (ours.as_object(), theirs.as_object()) else {
        return;
    };
    for (k, v) in o {
        let here = format!("{path}.{k}");
        if extra.contains(&here.as_str()) {
            continue;
        }
        let tv = t
            .get(k)
            .unwrap_or_else(|| panic!("{here} is not in the example's request"));
        assert_eq!(
            std::mem::discriminant(v),
            std::mem::discriminant(tv),
            "{here}: {v} vs {tv}"
        );
        keys_within(v, tv, extra, &here);
    }
}

#[test]
fn code_version_put_matches_the_example_and_the_recording() {
    let ex = example("Workspace/CodeVersion/createOrUpdate.json");
    let theirs = &ex["parameters"]["body"];
    let p = &theirs["properties"];
    let ours = code_version_body(
        p["codeUri"].as_str().unwrap(),
        "dae47af1053a35b719975eb06efe7250684db8d3ed0a265f663ad7942c97ee94",
        p["isAnonymous"].as_bool().unwrap(),
    );
    // The inner properties differ on purpose (see the header): the hash, and its version as
    // a number, where the example has a placeholder string map.
    keys_within(
        &ours,
        theirs,
        &[
            "$.properties.properties.hash_sha256",
            "$.properties.properties.hash_version",
        ],
        "$",
    );
    assert_eq!(ours["properties"]["codeUri"], p["codeUri"]);
    assert_eq!(ours["properties"]["isAnonymous"], p["isAnonymous"]);
    // submit.md §1 #6, byte for byte.
    assert_eq!(
        serde_json::to_string(&code_version_body(
            "https://h/c/LocalUpload/g/src",
            "H",
            true
        ))
        .unwrap(),
        r#"{"properties":{"codeUri":"https://h/c/LocalUpload/g/src","isAnonymous":true,"properties":{"hash_sha256":"H","hash_version":202208}}}"#
    );
}

#[test]
fn start_pending_upload_and_list_secrets_requests() {
    let ex = example("Workspace/CodeVersion/createOrGetStartPendingUpload.json");
    let theirs = &ex["parameters"]["body"];
    let ours = start_pending_upload_body();
    keys_within(&ours, theirs, &[], "$");
    assert_eq!(ours, json!({"pendingUploadType": "TemporaryBlobReference"}));
    // The example shows no body for listSecrets; the SDK sends this one (§7 #2).
    assert_eq!(
        list_secrets_body(),
        json!({"expirableSecret": true, "expireAfterHours": 1})
    );
}

#[test]
fn anonymous_environment_puts_match_the_example() {
    let ex = example("Workspace/EnvironmentVersion/createOrUpdate.json");
    let theirs = &ex["parameters"]["body"];
    let p = &theirs["properties"];
    let image = p["image"].as_str().unwrap();
    let conda = p["condaFile"].as_str().unwrap();
    let ours = anonymous_environment_body(image, Some(conda));
    keys_within(&ours, theirs, &["$.properties.isArchived"], "$");
    assert_eq!(ours["properties"]["image"], p["image"]);
    assert_eq!(ours["properties"]["condaFile"], p["condaFile"]);
    assert_eq!(ours["properties"]["isAnonymous"], true);
    let build = &p["build"];
    let ours = build_environment_body(
        build["contextUri"].as_str().unwrap(),
        build["dockerfilePath"].as_str(),
    );
    keys_within(&ours, theirs, &["$.properties.isArchived"], "$");
    assert_eq!(&ours["properties"]["build"], build);
    // submit.md §6, byte for byte.
    assert_eq!(
        serde_json::to_string(&anonymous_environment_body("img", Some("c"))).unwrap(),
        r#"{"properties":{"condaFile":"c","image":"img","isAnonymous":true,"isArchived":false}}"#
    );
}

#[test]
fn job_put_is_the_recorded_body_of_submit_md_8() {
    let ws = "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w";
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/train.py"), "print(1)\n").unwrap();
    let spec = load(
        "job.yml",
        "command: python train.py --x ${{inputs.x}}\ncode: src\nenvironment: azureml:myenv:3\ncompute: azureml:cpu-cluster\ndisplay_name: disp\nexperiment_name: exp1\ninputs:\n  x: 1\n",
        dir.path(),
        &[],
    )
    .unwrap();
    let env = |k: &str| {
        match k {
            "AZUREML_GIT_REPOSITORY_URI" => Some("https://github.com/o/r.git"),
            "AZUREML_GIT_BRANCH" => Some("main"),
            "AZUREML_GIT_COMMIT" => Some("0123456789abcdef0123456789abcdef01234567"),
            "AZUREML_GIT_DIRTY" => Some("true"),
            _ => None,
        }
        .map(str::to_string)
    };
    let plan = flow::plan_with_env(spec, dir.path(), &env).unwrap();
    let code_id = format!("{ws}/codes/<name>/versions/<v>");
    let body = flow::job_body(
        &plan,
        ws,
        Some(&code_id),
        &format!("{ws}/environments/myenv/versions/3"),
        &[],
    )
    .unwrap();
    let recorded = json!({"properties":{"displayName":"disp","command":"python train.py --x ${{inputs.x}}",
        "codeId": code_id,
        "computeId": format!("{ws}/computes/cpu-cluster"),
        "properties":{"mlflow.source.git.repoURL":"https://github.com/o/r.git","mlflow.source.git.branch":"main",
                      "mlflow.source.git.commit":"0123456789abcdef0123456789abcdef01234567","azureml.git.dirty":"True"},
        "experimentName":"exp1","isArchived":false,
        "inputs":{"x":{"value":"1","jobInputType":"literal"}},"outputs":{},
        "environmentId": format!("{ws}/environments/myenv/versions/3"),
        "tags":{},"environmentVariables":{},"jobType":"Command"}});
    assert_eq!(body, recorded);
}
