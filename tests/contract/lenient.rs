//! (c) Lenient reading: a list holding unknown compute types, unknown states and malformed
//! fields still loads, every item keeps its raw JSON and shows its type and state verbatim;
//! and no secret reaches `Debug` output.

use super::COMPUTES_TYPE;
use amlc::azure::models::*;
use serde_json::json;

#[test]
fn unknown_and_malformed_computes_still_load() {
    let page_json = json!({
        "value": [
            {
                "id": "/subscriptions/s/computes/q1", "name": "q1", "type": COMPUTES_TYPE,
                "properties": {
                    "computeType": "QuantumCompute",
                    "provisioningState": "Entangling",
                    "properties": {"qubits": 127, "state": "Superposed", "vmSize": "Q_127"}
                }
            },
            {
                "name": "ci1",
                "properties": {
                    "computeType": "ComputeInstance",
                    "provisioningState": "Succeeded",
                    "properties": {"vmSize": "STANDARD_DS3_V2", "state": "Hibernating",
                        "lastOperation": {"operationName": "Hibernate", "operationStatus": "Hibernated"}}
                }
            },
            {
                "name": "cluster1",
                "properties": {
                    "computeType": "amlcompute",
                    "provisioningState": "Succeeded",
                    "properties": {"vmSize": "STANDARD_D2", "allocationState": "Steady",
                        "scaleSettings": "four nodes please", "nodeStateCounts": {"idleNodeCount": 2}}
                }
            },
            {
                "name": "aks1",
                "tags": "not-a-map",
                "properties": {"computeType": "AKS", "provisioningState": 7, "properties": "oops"}
            },
            {"name": "bare"},
            "not even an object"
        ],
        "nextLink": null
    });
    let page: Page<ComputeResource> = serde_json::from_value(page_json.clone()).unwrap();
    assert_eq!(page.value.len(), 6);
    for (item, raw) in page
        .value
        .iter()
        .zip(page_json["value"].as_array().unwrap())
    {
        assert_eq!(&item.raw, raw);
    }

    let quantum = &page.value[0];
    assert_eq!(quantum.type_name(), "QuantumCompute");
    assert_eq!(
        quantum.compute_type(),
        &ComputeType::Other("QuantumCompute".into())
    );
    assert_eq!(quantum.display_state(), "Superposed");
    assert_eq!(
        quantum.provisioning_state().map(|s| s.as_str()),
        Some("Entangling")
    );
    assert_eq!(quantum.vm_size().as_deref(), Some("Q_127"));
    assert!(matches!(
        quantum.properties.properties,
        ComputeProperties::Other(_)
    ));
    assert_eq!(
        serde_json::to_value(quantum).unwrap(),
        page_json["value"][0]
    );

    let instance = &page.value[1];
    assert_eq!(instance.display_state(), "Hibernating");
    let last = instance
        .properties
        .properties
        .as_instance()
        .unwrap()
        .last_operation
        .clone()
        .unwrap();
    assert_eq!(last.operation_name.unwrap().as_str(), "Hibernate");
    assert_eq!(
        serde_json::to_value(instance).unwrap(),
        page_json["value"][1]
    );

    let cluster = &page.value[2];
    assert_eq!(cluster.type_name(), "AmlCompute");
    let typed = cluster
        .properties
        .properties
        .as_cluster()
        .expect("salvaged cluster");
    assert_eq!(typed.scale_settings, None);
    assert_eq!(
        typed.extra.get("scaleSettings"),
        Some(&json!("four nodes please"))
    );
    assert_eq!(typed.node_state_counts.as_ref().unwrap().idle_node_count, 2);
    assert_eq!(cluster.display_state(), "Steady");
    assert_eq!(cluster.vm_size().as_deref(), Some("STANDARD_D2"));
    assert_eq!(
        cluster.parse_warnings.len(),
        1,
        "{:?}",
        cluster.parse_warnings
    );
    assert!(cluster.parse_warnings[0].starts_with("properties.properties.scaleSettings"));

    let aks = &page.value[3];
    assert_eq!(aks.type_name(), "AKS");
    assert_eq!(aks.provisioning_state().map(|s| s.as_str()), Some("7"));
    assert!(aks.tags.is_empty());
    assert_eq!(aks.extra.get("tags"), Some(&json!("not-a-map")));
    assert_eq!(aks.properties.properties.untyped(), Some(&json!("oops")));
    assert!(aks.properties.properties.parse_error().is_some());
    assert_eq!(aks.display_state(), "7");

    let bare = &page.value[4];
    assert_eq!(bare.type_name(), "");
    assert_eq!(bare.display_state(), "Unknown");
    assert_eq!(
        serde_json::to_value(bare).unwrap(),
        json!({"name": "bare", "properties": {}})
    );

    let garbage = &page.value[5];
    assert_eq!(garbage.name, None);
    assert_eq!(garbage.display_state(), "Unknown");
    assert!(!garbage.parse_warnings.is_empty());
}

#[test]
fn compute_debug_output_never_shows_secrets() {
    let value = json!({
        "name": "k8s",
        "properties": {
            "computeType": "Kubernetes",
            "properties": {"relayConnectionString": "Endpoint=sb://relay-secret", "namespace": "ns"},
            "futureSecret": "fs-value"
        },
        "somethingToken": "tok-value"
    });
    let parsed: ComputeResource = serde_json::from_value(value).unwrap();
    let debug = format!("{parsed:?}");
    for leaked in ["relay-secret", "fs-value", "tok-value"] {
        assert!(!debug.contains(leaked), "{leaked} in {debug}");
    }
    assert!(debug.contains("\"ns\""));
    let ComputeProperties::Kubernetes(p) = &parsed.properties.properties else {
        panic!()
    };
    assert_eq!(
        p.relay_connection_string.as_ref().map(Secret::expose),
        Some("Endpoint=sb://relay-secret")
    );
}
