//! Unit tests of `compute.rs`: every compute kind read and written back, the display helpers,
//! the request constructors.

use super::*;
use crate::azure::models::{ComputeInstanceState, Secret};
use serde_json::json;

fn resource(compute_type: &str, state: &str, inner: Value) -> Value {
    json!({"name": "c", "properties": {
        "computeType": compute_type, "provisioningState": state, "properties": inner}})
}

/// Every kind: the odd spellings are read, and writing gives the same JSON back.
#[test]
fn every_kind_reads_and_round_trips() {
    let cases = [
        resource(
            "AKS",
            "Succeeded",
            json!({
            "clusterFqdn": "aks.example", "agentCount": 3, "agentVmSize": "Standard_D3_v2",
            "clusterPurpose": "DevTest", "loadBalancerType": "InternalLoadBalancer",
            "loadBalancerSubnet": "sn",
            "systemServices": [{"systemServiceType": "scoring", "publicIpAddress": "1.2.3.4", "version": "1"}],
            "sslConfiguration": {"status": "Enabled", "cert": "C", "key": "SSLKEY", "cname": "x",
                "leafDomainLabel": "l", "overwriteExistingDomain": true},
            "aksNetworkingConfiguration": {"subnetId": "s", "serviceCidr": "10.0.0.0/16",
                "dnsServiceIP": "10.0.0.10", "dockerBridgeCidr": "172.17.0.1/16"}}),
        ),
        resource(
            "VirtualMachine",
            "Succeeded",
            json!({
            "virtualMachineSize": "Standard_D2", "sshPort": 22, "notebookServerPort": 8888,
            "address": "1.2.3.4", "isNotebookInstanceCompute": false,
            "administratorAccount": {"username": "u", "password": "VMPASS",
                "publicKeyData": "ssh-rsa A", "privateKeyData": "VMPRIV"}}),
        ),
        resource(
            "HDInsight",
            "Failed",
            json!({"sshPort": 22, "address": "h",
            "administratorAccount": {"username": "u"}}),
        ),
        resource(
            "Databricks",
            "Succeeded",
            json!({"databricksAccessToken": "DBTOKEN",
            "workspaceUrl": "https://adb"}),
        ),
        resource(
            "DataLakeAnalytics",
            "Succeeded",
            json!({"dataLakeStoreAccountName": "dla"}),
        ),
        resource(
            "SynapseSpark",
            "Succeeded",
            json!({
            "autoScaleProperties": {"minNodeCount": 3, "enabled": true, "maxNodeCount": 10},
            "autoPauseProperties": {"delayInMinutes": 15, "enabled": true},
            "sparkVersion": "3.3", "nodeCount": 3, "nodeSize": "Medium", "nodeSizeFamily": "MemoryOptimized",
            "subscriptionId": "s", "resourceGroup": "rg", "workspaceName": "w", "poolName": "p"}),
        ),
        resource(
            "ComputeInstance",
            "Succeeded",
            json!({
            "vmSize": "STANDARD_DS3_V2", "state": "Stopping", "idleTimeBeforeShutdown": "PT30M",
            "enableSSO": false, "enableNodePublicIp": true,
            "lastOperation": {"operationName": "Stop", "operationTime": "t",
                "operationStatus": "InProgress", "operationTrigger": "IdleShutdown"},
            "setupScripts": {"scripts": {"startupScript": {"scriptSource": "inline",
                "scriptData": "ZWNobw==", "scriptArguments": "a", "timeout": "5m"}}},
            "schedules": {"computeStartStop": [{"id": "i", "provisioningStatus": "Completed",
                "status": "Enabled", "action": "Start", "triggerType": "Recurrence",
                "recurrence": {"frequency": "Week", "interval": 1, "startTime": "s", "timeZone": "UTC",
                    "schedule": {"hours": [8], "minutes": [0], "weekDays": ["Monday", "Friday"]}}}]},
            "dataDisks": [{"caching": "ReadWrite", "diskSizeGB": 128, "lun": 0,
                "storageAccountType": "Premium_LRS"}],
            "dataMounts": [{"source": "s", "sourceType": "Datastore", "mountName": "m",
                "mountAction": "Mount", "mountPath": "/p", "mountState": "Mounted"}],
            "containers": [{"name": "c", "autosave": "Local", "network": "Bridge",
                "environment": {"name": "e", "version": "1"}}],
            "versions": {"runtime": "r"},
                "customServices": [{"name": "s", "kernel": {"argv": ["a"], "language": "python"},
                    "volumes": [{"type": "volume", "volume": {"nocopy": true}, "tmpfs": {"size": 1024},
                    "bind": {"propagation": "rprivate", "createHostPath": true}}]}],
            "errors": [{"error": {"code": "DiskFull", "message": "full"}}]}),
        ),
        resource(
            "AmlCompute",
            "Succeeded",
            json!({
            "vmSize": "STANDARD_NC6", "allocationState": "Steady",
            "userAccountCredentials": {"adminUserName": "a", "adminUserSshPublicKey": "ssh-rsa B",
                "adminUserPassword": "CLUSTERPASS"},
            "propertyBag": {"x": 1}}),
        ),
    ];
    let expected_state = [
        "Succeeded",
        "Succeeded",
        "Failed",
        "Succeeded",
        "Succeeded",
        "Succeeded",
        "Stopping",
        "Steady",
    ];
    let expected_size = [
        Some("Standard_D3_v2"),
        Some("Standard_D2"),
        None,
        None,
        None,
        Some("Medium"),
        Some("STANDARD_DS3_V2"),
        Some("STANDARD_NC6"),
    ];
    for ((value, state), size) in cases.iter().zip(expected_state).zip(expected_size) {
        let parsed: ComputeResource = serde_json::from_value(value.clone()).unwrap();
        let kind = parsed.type_name();
        assert!(
            parsed.parse_warnings.is_empty(),
            "{kind}: {:?}",
            parsed.parse_warnings
        );
        assert!(
            parsed.properties.properties.untyped().is_none(),
            "{kind} not typed"
        );
        assert_eq!(&serde_json::to_value(&parsed).unwrap(), value, "{kind}");
        assert_eq!(parsed.display_state(), state, "{kind}");
        assert_eq!(parsed.vm_size().as_deref(), size, "{kind}");
        let debug = format!("{parsed:?}");
        for secret in ["SSLKEY", "VMPASS", "VMPRIV", "DBTOKEN", "CLUSTERPASS"] {
            assert!(!debug.contains(secret), "{kind}: {secret} in {debug}");
        }
    }
    let aks: ComputeResource = serde_json::from_value(cases[0].clone()).unwrap();
    let ComputeProperties::Aks(p) = &aks.properties.properties else {
        panic!()
    };
    let net = p.aks_networking_configuration.as_ref().unwrap();
    assert_eq!(net.dns_service_ip.as_deref(), Some("10.0.0.10"));
    assert_eq!(
        p.ssl_configuration
            .as_ref()
            .unwrap()
            .key
            .as_ref()
            .map(Secret::expose),
        Some("SSLKEY")
    );
    assert_eq!(
        p.system_services[0].public_ip_address.as_deref(),
        Some("1.2.3.4")
    );
    let instance: ComputeResource = serde_json::from_value(cases[6].clone()).unwrap();
    let p = instance.properties.properties.as_instance().unwrap();
    assert_eq!(p.idle_time_before_shutdown.as_deref(), Some("PT30M"));
    assert_eq!(p.enable_sso, Some(false));
    assert_eq!(p.data_disks[0].disk_size_gb, Some(128));
    assert_eq!(p.state, Some(ComputeInstanceState::Stopping));
    assert!(instance.is_transitional());
    assert_eq!(instance.errors().len(), 1);
    assert_eq!(instance.errors()[0].code, "DiskFull");
}

#[test]
fn constructors_set_the_compute_type() {
    let compute = Compute::new(ComputeProperties::SynapseSpark(
        SynapseSparkProperties::default(),
    ));
    assert_eq!(compute.compute_type, ComputeType::SynapseSpark);
    let request = ComputeResource::new_request(Some("westeurope".into()), compute);
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"location": "westeurope", "properties": {"computeType": "SynapseSpark", "properties": {}}})
    );
    let factory = Compute::of_type(ComputeType::DataFactory);
    assert_eq!(factory.properties, ComputeProperties::DataFactory);
    assert_eq!(
        serde_json::to_value(&factory).unwrap(),
        json!({"computeType": "DataFactory"})
    );
    assert_eq!(
        Compute::of_type(ComputeType::Aks).properties,
        ComputeProperties::None
    );
}

#[test]
fn errors_join_provisioning_and_node_errors() {
    let value = json!({"properties": {"computeType": "AmlCompute", "provisioningState": "Failed",
        "provisioningErrors": [{"error": {"code": "QuotaExceeded", "message": "no cores"}}],
        "properties": {"errors": [{"error": {"code": "NodeSetup", "message": "bad"}}],
            "allocationState": "Steady"}}});
    let parsed: ComputeResource = serde_json::from_value(value).unwrap();
    let codes: Vec<_> = parsed.errors().iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["QuotaExceeded", "NodeSetup"]);
    // Provisioning did not succeed: the allocation state is not what to show.
    assert_eq!(parsed.display_state(), "Failed");
}
