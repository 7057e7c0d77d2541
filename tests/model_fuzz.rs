//! Fuzzing the wire decoders of `azure::models` (issue 10, item 7): random JSON built from the
//! field names Azure uses, Azure's own example payloads mutated (a node replaced, a key
//! removed, a value's type changed) and the example texts with random bytes flipped, fed to
//! every decoder (the lenient `from_value` readers, serde `Deserialize` of every response
//! type, pages) and then to what callers do with the result (accessors, `Debug`, serializing
//! back). The property: no input panics. Case counts are modest (the whole file runs in a few
//! seconds on 2 cores).

use amlc::azure::models::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn api_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/azureml-api")
}

/// A run-details payload with every field of the reference's §6 shape (there is no Azure
/// example file for run history).
fn run_details_example() -> Value {
    json!({
        "runId": "dreamy_snail", "runUuid": "u", "parentRunUuid": null, "rootRunUuid": "u",
        "target": "cpu-cluster", "status": "Running", "parentRunId": null,
        "createdTimeUtc": "2024-01-01T00:00:00Z", "startTimeUtc": "2024-01-01T00:00:05Z",
        "endTimeUtc": null,
        "error": {"error": {"code": "UserError", "severity": null, "message": "boom",
            "messageFormat": "f", "messageParameters": {}, "referenceCode": "r", "detailsUri": null,
            "target": "t", "details": [{"code": "Inner", "message": "m"}],
            "innerError": {"code": "X", "innerError": {"code": "Y"}}, "additionalInfo": []},
            "correlation": {"operation": "o"}, "environment": "e", "location": "eastus",
            "time": "2024-01-01T00:00:00Z", "componentName": "c"},
        "warnings": [{"source": "s", "message": "careful"}],
        "tags": {"a": "b"}, "properties": {"p": "q"}, "parameters": {},
        "services": {"Studio": {"type": "Studio", "port": null, "endpoint": "https://ml.azure.com"}},
        "logFiles": {
            "user_logs/std_log_process_0.txt": "https://a.blob.core.windows.net/c/x?sv=1&sig=S",
            "user_logs/std_log_process_1.txt": "https://a.blob.core.windows.net/c/y?sv=1&sig=S"
        },
        "revision": 3, "runTypeV2": {"orchestrator": "Execution", "traits": []},
        "computeRequest": {"nodeCount": 2, "gpuCount": 0},
        "compute": {"target": "cpu", "targetType": "AmlCompute", "vmSize": "STANDARD_D2",
            "instanceCount": 2, "gpuCount": 0, "priority": "Dedicated", "region": "eastus"},
        "createdBy": {"userObjectId": "o", "userTenantId": "t", "userName": "n", "upn": "u"},
        "computeDuration": "00:01:00", "runNumber": 7, "duration": "00:01:00"
    })
}

/// Every example payload: the response bodies and request bodies of each example file.
fn seeds() -> &'static Vec<Value> {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "json") {
                    out.push(path);
                }
            }
        }
        let mut paths = Vec::new();
        for folder in ["examples", "examples-other-versions", "examples-submit"] {
            walk(&api_dir().join(folder), &mut paths);
        }
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
            &mut paths,
        );
        paths.sort();
        let mut seeds = vec![run_details_example()];
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(file) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let mut found = false;
            if let Some(responses) = file.get("responses").and_then(Value::as_object) {
                for response in responses.values() {
                    if let Some(body) = response.get("body") {
                        seeds.push(body.clone());
                        found = true;
                    }
                }
            }
            if let Some(params) = file.get("parameters").and_then(Value::as_object) {
                for value in params.values().filter(|v| v.is_object()) {
                    seeds.push(value.clone());
                    found = true;
                }
            }
            if !found {
                seeds.push(file);
            }
        }
        seeds
    })
}

/// Every object key of the seeds, so random JSON hits real fields.
fn vocabulary() -> &'static Vec<String> {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        fn keys(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        out.push(k.clone());
                        keys(v, out);
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        seeds().iter().for_each(|s| keys(s, &mut out));
        out.extend(["value", "nextLink", "computeType", "jobType", "status"].map(String::from));
        out.sort();
        out.dedup();
        out
    })
}

/// Feeds `value` to every decoder and uses what comes out; panics are the failures.
fn decode_everything(value: &Value) {
    let (compute, _) = Compute::from_value(value.clone());
    let _ = format!("{compute:?}");
    let _ = serde_json::to_value(&compute);
    let resource = ComputeResource::from_value(value.clone());
    let _ = (
        resource.type_name(),
        resource.display_state(),
        resource.is_transitional(),
        resource.vm_size(),
        resource.errors().len(),
        format!("{resource:?}"),
    );
    let _ = serde_json::to_value(&resource);
    let job = Job::from_value(value.clone());
    let _ = (
        job.status(),
        job.studio_url(),
        job.created_at(),
        format!("{job:?}"),
    );
    let _ = serde_json::to_value(&job);
    let workspace = Workspace::from_value(value.clone());
    let _ = format!("{workspace:?}");
    if let Ok((details, _)) = RunDetails::from_value(value.clone()) {
        let _ = (
            details.error_summary(),
            details.warning_messages(),
            format!("{details:?}"),
        );
        let _ = serde_json::to_value(&details);
    }
    macro_rules! serde_decode {
        ($($t:ty),* $(,)?) => {$(
            if let Ok(decoded) = serde_json::from_value::<$t>(value.clone()) {
                let _ = format!("{decoded:?}");
                let _ = serde_json::to_value(&decoded);
            }
        )*};
    }
    serde_decode!(
        ComputeResource,
        Compute,
        Job,
        Workspace,
        RunDetails,
        Page<ComputeResource>,
        Page<Job>,
        NodesPage,
        ComputeSecrets,
        VirtualMachineSizeListResult,
        AsyncOperationStatus,
        ErrorResponse,
        DiscoveryDocument,
        SystemData,
        Usage,
        ResourceQuota,
        ClusterUpdate,
        ResizeSchema,
        IdleShutdownSetting,
    );
    if let Ok(secrets) = serde_json::from_value::<ComputeSecrets>(value.clone()) {
        let _ = secrets.compute_type();
    }
}

/// The same decoders over raw text (what a broken or hostile server could send).
fn decode_text(text: &[u8]) {
    macro_rules! text_decode {
        ($($t:ty),* $(,)?) => {$(
            if let Ok(decoded) = serde_json::from_slice::<$t>(text) {
                let _ = format!("{decoded:?}");
            }
        )*};
    }
    text_decode!(
        ComputeResource,
        Job,
        Workspace,
        RunDetails,
        Page<ComputeResource>,
        Page<Job>,
        NodesPage,
        ComputeSecrets,
        VirtualMachineSizeListResult,
        AsyncOperationStatus,
        ErrorResponse,
    );
    if let Ok(value) = serde_json::from_slice::<Value>(text) {
        decode_everything(&value);
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        "[a-zA-Z0-9_./:-]{0,12}".prop_map(Value::String),
        // Values the enums and names know, and near misses.
        prop::sample::select(vec![
            "ComputeInstance",
            "AmlCompute",
            "AKS",
            "Kubernetes",
            "VirtualMachine",
            "Command",
            "Running",
            "Completed",
            "Failed",
            "Succeeded",
            "Steady",
            "Resizing",
            "Dedicated",
            "PT5M",
            "2024-01-01T00:00:00Z",
            "",
            "\u{0}",
            "é€😀",
        ])
        .prop_map(|s| Value::String(s.into())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vocabulary().clone()),
        1 => "[a-z]{1,6}",
    ]
}

fn random_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A mutation at the node reached by following `path` (indices taken modulo each container's
/// size): replace it, remove it (from its parent), or wrap it in an array.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Value),
    Remove,
    Wrap,
    Stringify,
}

fn mutation() -> impl Strategy<Value = (Vec<usize>, Mutation)> {
    let m = prop_oneof![
        3 => random_json().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        1 => Just(Mutation::Wrap),
        1 => Just(Mutation::Stringify),
    ];
    (prop::collection::vec(any::<usize>(), 0..8), m)
}

fn mutate(value: &mut Value, path: &[usize], m: &Mutation) {
    let child_count = match value {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if let Some((&first, rest)) = path.split_first()
        && child_count > 0
    {
        let i = first % child_count;
        let last = rest.is_empty();
        match value {
            Value::Object(map) => {
                if last && matches!(m, Mutation::Remove) {
                    if let Some(k) = map.keys().nth(i).cloned() {
                        map.remove(&k);
                    }
                    return;
                }
                if let Some(child) = map.values_mut().nth(i) {
                    return mutate(child, rest, m);
                }
            }
            Value::Array(items) => {
                if last && matches!(m, Mutation::Remove) {
                    items.remove(i);
                    return;
                }
                return mutate(&mut items[i], rest, m);
            }
            _ => {}
        }
    }
    match m {
        Mutation::Replace(new) => *value = new.clone(),
        Mutation::Remove => *value = Value::Null,
        Mutation::Wrap => *value = Value::Array(vec![value.take()]),
        Mutation::Stringify => *value = Value::String(value.to_string()),
    }
}

#[test]
fn the_seeds_are_there_and_decode() {
    assert!(
        seeds().len() > 20,
        "example payloads found: {}",
        seeds().len()
    );
    assert!(vocabulary().iter().any(|k| k == "computeType"));
    for seed in seeds() {
        decode_everything(seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_json_never_panics_a_decoder(value in random_json()) {
        decode_everything(&value);
        // The same value placed where pages and resources expect their parts.
        decode_everything(&json!({"value": [value.clone()], "nextLink": value.clone()}));
        decode_everything(&json!({"name": "x", "properties": value.clone()}));
        decode_everything(&json!({"properties": {"computeType": "AmlCompute", "properties": value.clone()}}));
        decode_everything(&json!({"properties": {"jobType": "Command", "resources": value.clone(), "services": value.clone(), "status": value}}));
    }

    #[test]
    fn mutated_examples_never_panic_a_decoder(
        seed in 0usize..1000,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let mut value = seeds[seed % seeds.len()].clone();
        for (path, m) in &mutations {
            mutate(&mut value, path, m);
        }
        decode_everything(&value);
    }

    #[test]
    fn mutated_example_texts_never_panic_a_decoder(
        seed in 0usize..1000,
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let seeds = seeds();
        let mut text = serde_json::to_vec(&seeds[seed % seeds.len()]).unwrap_or_default();
        for (at, byte, op) in edits {
            let i = at % (text.len() + 1);
            match op {
                0 => text.insert(i, byte),
                1 if i < text.len() => { text.remove(i); }
                _ if i < text.len() => text[i] = byte,
                _ => text.push(byte),
            }
        }
        decode_text(&text);
    }
}
