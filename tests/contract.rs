//! Contract tests of the wire types against Azure's own examples
//! (`../shared/azureml-api/examples/` and `examples-other-versions/`):
//! (a) every response body of every example file parses into its type, with key fields read
//! right (a new example file without a mapping fails the test); (b) every request body Azure
//! shows is what the typed models build from typed inputs, and parsing then re-serializing it
//! gives it back; (c) a list with unknown types, states and malformed fields still loads.

use amlc::azure::models::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "contract/lenient.rs"]
mod lenient;
#[path = "contract/requests.rs"]
mod requests;

pub(crate) const FOLDERS: [&str; 2] = ["examples", "examples-other-versions"];
pub(crate) const COMPUTES_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/computes";

pub(crate) fn api_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/azureml-api")
}

/// Every `.json` file under `dir`, as (path relative to `dir` with `/`, content), sorted.
fn example_files(folder: &str) -> Vec<(String, Value)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {dir:?}: {e}"));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let root = api_dir().join(folder);
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths.sort();
    assert!(!paths.is_empty(), "no example under {root:?}");
    paths
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap();
            let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, value)
        })
        .collect()
}

pub(crate) fn example(folder: &str, rel: &str) -> Value {
    let path = api_dir().join(folder).join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn body<'a>(file: &'a Value, status: &str) -> &'a Value {
    file.pointer(&format!("/responses/{status}/body"))
        .unwrap_or_else(|| panic!("no body for {status}"))
}

/// The status codes of the responses, and that none of them has a body.
fn bodiless(file: &Value) -> Vec<String> {
    let responses = file["responses"].as_object().expect("responses");
    for (status, response) in responses {
        assert!(
            response.get("body").is_none(),
            "response {status} has a body: map it"
        );
    }
    responses.keys().cloned().collect()
}

fn compute(body: &Value) -> ComputeResource {
    let parsed: ComputeResource = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(&parsed.raw, body);
    assert!(
        parsed.parse_warnings.is_empty(),
        "{:?}",
        parsed.parse_warnings
    );
    assert_eq!(parsed.type_.as_deref(), Some(COMPUTES_TYPE));
    parsed
}

fn job(body: &Value) -> Job {
    let parsed: Job = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(&parsed.raw, body);
    assert!(
        parsed.parse_warnings.is_empty(),
        "{:?}",
        parsed.parse_warnings
    );
    parsed
}

fn check_command_job(job: &Job) {
    let p = &job.properties;
    assert_eq!(job.name.as_deref(), Some("string"));
    assert_eq!(p.job_type, Some(JobType::Command));
    assert_eq!(p.status, Some(JobStatus::NotStarted));
    assert!(!job.status().unwrap().is_terminal());
    assert_eq!(p.command.as_deref(), Some("string"));
    assert_eq!(p.compute_id.as_deref(), Some("string"));
    let output = &p.outputs["string"];
    assert_eq!(output.job_output_type, Some(JobOutputType::UriFile));
    assert_eq!(output.mode, Some(DeliveryMode::ReadWriteMount));
    assert_eq!(output.uri.as_deref(), Some("string"));
    assert_eq!(
        p.inputs["string"].job_input_type,
        Some(JobInputType::Literal)
    );
    assert_eq!(p.inputs["string"].value.as_deref(), Some("string"));
    let resources = p.resources.as_ref().unwrap();
    assert_eq!(resources.instance_count, Some(1));
    assert_eq!(resources.instance_type.as_deref(), Some("string"));
    let service = &p.services["string"];
    assert_eq!(service.port, Some(1));
    assert_eq!(service.status.as_deref(), Some("string"));
    assert_eq!(service.error_message.as_deref(), Some("string"));
    let distribution = p.distribution.as_ref().unwrap();
    assert_eq!(
        distribution.distribution_type,
        Some(DistributionType::TensorFlow)
    );
    assert_eq!(distribution.worker_count, Some(1));
    assert_eq!(p.limits.as_ref().unwrap().timeout.as_deref(), Some("PT5M"));
    assert_eq!(
        p.identity.as_ref().unwrap().identity_type,
        Some(IdentityConfigurationType::AmlToken)
    );
    let system = job.system_data.as_ref().unwrap();
    assert_eq!(system.created_by_type, Some(CreatedByType::User));
    assert_eq!(job.created_at(), Some("2020-01-01T12:34:56.999Z"));
}

/// Parses the response bodies of one example file; `false` when the file has no mapping.
fn check_responses(rel: &str, file: &Value) -> bool {
    match rel {
        "Compute/list.json" => {
            let page: Page<ComputeResource> =
                serde_json::from_value(body(file, "200").clone()).unwrap();
            assert_eq!(page.next_link.as_deref(), Some("nextLink"));
            let names: Vec<_> = page.value.iter().map(|c| c.name.clone().unwrap()).collect();
            assert_eq!(names, ["compute123", "compute1234"]);
            for (item, raw) in page
                .value
                .iter()
                .zip(body(file, "200")["value"].as_array().unwrap())
            {
                assert_eq!(&item.raw, raw);
                assert_eq!(item.compute_type(), &ComputeType::Aks);
                assert_eq!(item.type_name(), "AKS");
                assert_eq!(item.display_state(), "Succeeded");
                assert_eq!(
                    item.properties.created_on.as_deref(),
                    Some("2021-04-01T22:00:00.0000000+00:00")
                );
            }
        }
        "Compute/get/AKSCompute.json" => {
            let c = compute(body(file, "200"));
            assert_eq!(c.compute_type(), &ComputeType::Aks);
            assert_eq!(c.provisioning_state(), Some(&ProvisioningState::Succeeded));
            assert_eq!(c.properties.description.as_deref(), Some("some compute"));
            assert!(
                c.properties
                    .resource_id
                    .as_deref()
                    .unwrap()
                    .ends_with("compute123-56826-c9b00420020b2")
            );
            assert_eq!(c.properties.properties, ComputeProperties::None);
            assert_eq!(c.vm_size(), None);
        }
        "Compute/get/AmlCompute.json" => {
            let c = compute(body(file, "200"));
            assert_eq!(c.location.as_deref(), Some("eastus2"));
            let p = c.properties.properties.as_cluster().expect("typed cluster");
            assert_eq!(c.vm_size().as_deref(), Some("STANDARD_NC6"));
            assert_eq!(p.vm_priority, Some(VmPriority::Dedicated));
            assert_eq!(p.os_type, Some(OsType::Windows));
            assert_eq!(p.virtual_machine_image, None);
            assert_eq!(p.subnet.as_ref().unwrap().id, "test-subnet-resource-id");
            let scale = p.scale_settings.as_ref().unwrap();
            assert_eq!((scale.min_node_count, scale.max_node_count), (Some(0), 1));
            assert_eq!(
                scale.node_idle_time_before_scale_down.as_deref(),
                Some("PT5M")
            );
            assert_eq!(
                p.remote_login_port_public_access,
                Some(RemoteLoginPortPublicAccess::Enabled)
            );
            assert_eq!(p.allocation_state, Some(AllocationState::Resizing));
            assert_eq!(
                (p.current_node_count, p.target_node_count),
                (Some(0), Some(1))
            );
            assert_eq!(p.node_state_counts.as_ref().unwrap().total(), 0);
            assert_eq!(p.enable_node_public_ip, Some(true));
            assert!(p.errors.is_empty() && c.errors().is_empty());
            assert_eq!(c.display_state(), "Resizing");
            assert!(c.is_transitional());
        }
        "Compute/get/ComputeInstance.json" => {
            let c = compute(body(file, "200"));
            let p = c
                .properties
                .properties
                .as_instance()
                .expect("typed instance");
            assert_eq!(p.state, Some(ComputeInstanceState::Running));
            assert_eq!(c.display_state(), "Running");
            assert!(!c.is_transitional());
            assert_eq!(c.vm_size().as_deref(), Some("STANDARD_NC6"));
            assert_eq!(
                p.application_sharing_policy,
                Some(ApplicationSharingPolicy::Shared)
            );
            let ssh = p.ssh_settings.as_ref().unwrap();
            assert_eq!(ssh.ssh_public_access, Some(SshPublicAccess::Enabled));
            assert_eq!(
                (ssh.admin_user_name.as_deref(), ssh.ssh_port),
                (Some("azureuser"), Some(22))
            );
            let image = p.os_image_metadata.as_ref().unwrap();
            assert_eq!(image.latest_image_version.as_deref(), Some("22.07.22"));
            assert_eq!(image.is_latest_os_image_version, Some(false));
            let service = &p.custom_services[0];
            assert_eq!(service.name.as_deref(), Some("rstudio"));
            assert_eq!(service.endpoints[0].target, Some(8787));
            assert_eq!(service.endpoints[0].protocol, Some(EndpointProtocol::Http));
            assert_eq!(service.volumes[0].type_, Some(VolumeDefinitionType::Bind));
            assert_eq!(
                service.environment_variables["test_var"].value.as_deref(),
                Some("test_val")
            );
            assert_eq!(p.applications[0].display_name.as_deref(), Some("Jupyter"));
            assert_eq!(
                p.created_by.as_ref().unwrap().user_name.as_deref(),
                Some("foobar@microsoft.com")
            );
            assert_eq!(
                p.connectivity_endpoints
                    .as_ref()
                    .unwrap()
                    .public_ip_address
                    .as_deref(),
                Some("10.0.0.1")
            );
            assert_eq!(
                p.compute_instance_authorization_type,
                Some(ComputeInstanceAuthorizationType::Personal)
            );
            let user = p
                .personal_compute_instance_settings
                .as_ref()
                .unwrap()
                .assigned_user
                .as_ref()
                .unwrap();
            assert_eq!(
                user.object_id.as_deref(),
                Some("00000000-0000-0000-0000-000000000000")
            );
        }
        "Compute/get/KubernetesCompute.json" => {
            let c = compute(body(file, "200"));
            assert_eq!(c.properties.is_attached_compute, Some(true));
            let ComputeProperties::Kubernetes(p) = &c.properties.properties else {
                panic!("not typed: {:?}", c.properties.properties)
            };
            assert_eq!(p.namespace.as_deref(), Some("default"));
            assert_eq!(
                p.extension_instance_release_train.as_deref(),
                Some("stable")
            );
            assert!(p.relay_connection_string.is_none());
            let instance_type = &p.instance_types["defaultInstanceType"];
            assert_eq!(instance_type.node_selector, Some(None));
            let resources = instance_type.resources.as_ref().unwrap();
            assert_eq!(resources.requests.as_ref().unwrap()["memory"], "4Gi");
            assert_eq!(
                resources.limits.as_ref().unwrap()["nvidia.com/gpu"],
                Value::Null
            );
            assert_eq!(c.display_state(), "Succeeded");
        }
        "Compute/listNodes.json" => {
            let page: NodesPage = serde_json::from_value(body(file, "200").clone()).unwrap();
            assert_eq!(page.next_link.as_deref(), Some("nextLink"));
            assert_eq!(page.nodes.len(), 2);
            assert_eq!(page.nodes[0].node_state, Some(NodeState::Running));
            assert_eq!(page.nodes[0].port, Some(50000));
            assert_eq!(
                page.nodes[0].run_id.as_deref(),
                Some("2f378a44-38f2-443a-9f0d-9909d0b47890")
            );
            assert_eq!(page.nodes[1].node_state, Some(NodeState::Idle));
            assert_eq!(
                page.nodes[1].public_ip_address.as_deref(),
                Some("13.84.190.134")
            );
            assert_eq!(page.nodes[1].run_id, None);
        }
        "Compute/listKeys.json" => {
            let secrets: ComputeSecrets =
                serde_json::from_value(body(file, "200").clone()).unwrap();
            let ComputeSecrets::Aks {
                user_kube_config,
                admin_kube_config,
                image_pull_secret_name,
                ..
            } = &secrets
            else {
                panic!("not AKS secrets")
            };
            assert_eq!(
                user_kube_config.as_ref().unwrap().expose(),
                "user kube config..."
            );
            assert_eq!(
                admin_kube_config.as_ref().unwrap().expose(),
                "admin kube config..."
            );
            assert_eq!(
                image_pull_secret_name.as_deref(),
                Some("the image pull secret name")
            );
            assert!(!format!("{secrets:?}").contains("kube config"));
            assert_eq!(&serde_json::to_value(&secrets).unwrap(), body(file, "200"));
        }
        "Compute/patch.json" => {
            let c = compute(body(file, "200"));
            assert_eq!(c.compute_type(), &ComputeType::AmlCompute);
            assert_eq!(c.display_state(), "Updating");
        }
        _ if rel.starts_with("Compute/createOrUpdate/") => {
            let request_type = file["parameters"]["parameters"]["properties"]["computeType"]
                .as_str()
                .unwrap();
            for status in ["200", "201"] {
                let c = compute(body(file, status));
                assert_eq!(c.type_name(), request_type, "{status}");
                assert!(c.compute_type().is_known());
                let state = c.provisioning_state().expect("provisioningState");
                assert!(state.is_known(), "{state}");
                assert_eq!(
                    c.display_state(),
                    match c.properties.properties.as_cluster() {
                        Some(p) if state == &ProvisioningState::Succeeded => {
                            p.allocation_state.as_ref().unwrap().to_string()
                        }
                        _ => state.to_string(),
                    }
                );
            }
            if rel.ends_with("/AmlCompute.json") {
                let c = compute(body(file, "200"));
                assert_eq!(c.vm_size().as_deref(), Some("STANDARD_NC6"));
                assert_eq!(c.display_state(), "Resizing");
            }
            if rel.ends_with("/KubernetesCompute.json") {
                let c = compute(body(file, "201"));
                assert!(matches!(
                    c.properties.properties,
                    ComputeProperties::Kubernetes(_)
                ));
            }
            if rel.ends_with("/BasicDataFactoryCompute.json") {
                assert_eq!(
                    compute(body(file, "200")).properties.properties,
                    ComputeProperties::DataFactory
                );
            }
        }
        "Compute/delete.json" => assert_eq!(bodiless(file), ["200", "202", "204"]),
        "Compute/restart.json" | "Compute/stop.json" | "Compute/start.json" => {
            assert_eq!(bodiless(file), ["202"])
        }
        "Compute/updateCustomServices.json"
        | "Compute/updateDataMounts.json"
        | "Compute/updateIdleShutdownSetting.json" => assert_eq!(bodiless(file), ["200"]),
        "Job/CommandJob/createOrUpdate.json" => {
            check_command_job(&job(body(file, "200")));
            check_command_job(&job(body(file, "201")));
        }
        "Job/CommandJob/get.json" => check_command_job(&job(body(file, "200"))),
        "Job/CommandJob/list.json" => {
            let page: Page<Job> = serde_json::from_value(body(file, "200").clone()).unwrap();
            assert!(page.next_link.as_deref().unwrap().ends_with("$skip=2"));
            assert_eq!(page.value.len(), 1);
            let listed = &page.value[0];
            assert_eq!(&listed.raw, &body(file, "200")["value"][0]);
            assert!(listed.parse_warnings.is_empty());
            check_command_job(listed);
            assert_eq!(
                listed.properties.parent_job_name.as_deref(),
                Some("ParentRun")
            );
        }
        "Job/cancel.json" => assert_eq!(bodiless(file), ["200", "202"]),
        "Job/delete.json" => assert_eq!(bodiless(file), ["200", "202", "204"]),
        "VirtualMachineSize/list.json" => {
            let sizes: VirtualMachineSizeListResult =
                serde_json::from_value(body(file, "200").clone()).unwrap();
            assert_eq!(
                sizes.value.len(),
                body(file, "200")["value"].as_array().unwrap().len()
            );
            let first = &sizes.value[0];
            assert_eq!(first.name.as_deref(), Some("Standard_DS1_v2"));
            assert_eq!(first.family.as_deref(), Some("standardDSv2Family"));
            assert_eq!((first.v_cpus, first.gpus), (Some(1), Some(0)));
            assert_eq!(first.memory_gb, Some(3.5));
            assert_eq!(first.os_vhd_size_mb, Some(1047552));
            assert_eq!(first.max_resource_volume_mb, Some(7168));
            assert_eq!(
                (first.low_priority_capable, first.premium_io),
                (Some(true), Some(true))
            );
            let prices = first.estimated_vm_prices.as_ref().unwrap();
            assert_eq!(prices.billing_currency.as_deref(), Some("USD"));
            assert_eq!(prices.values.len(), 4);
            assert_eq!(
                first.price(&OsType::Linux, &VmTier::LowPriority),
                Some(0.01)
            );
            assert!(first.supports("ComputeInstance") && !first.supports("MIR"));
            let ds14 = sizes
                .value
                .iter()
                .find(|s| s.name.as_deref() == Some("Standard_DS14_v2"))
                .unwrap();
            assert_eq!((ds14.v_cpus, ds14.memory_gb), (Some(16), Some(112.0)));
            assert!(sizes.value.iter().any(|s| s.supports("MIR")));
        }
        "Workspace/get.json" => {
            let ws: Workspace = serde_json::from_value(body(file, "200").clone()).unwrap();
            assert_eq!(&ws.raw, body(file, "200"));
            assert!(ws.parse_warnings.is_empty(), "{:?}", ws.parse_warnings);
            assert_eq!(ws.name.as_deref(), Some("testworkspace"));
            assert_eq!(ws.location.as_deref(), Some("eastus2euap"));
            assert_eq!(
                ws.properties.discovery_url.as_deref(),
                Some("http://example.com")
            );
            assert_eq!(ws.properties.friendly_name.as_deref(), Some("HelloName"));
            assert_eq!(ws.display_name(), Some("HelloName"));
            assert_eq!(
                ws.properties.public_network_access,
                Some(PublicNetworkAccess::Disabled)
            );
            assert_eq!(
                ws.properties.image_build_compute.as_deref(),
                Some("testcompute")
            );
            let identity = ws.identity.as_ref().unwrap();
            assert_eq!(
                identity.type_,
                Some(ManagedServiceIdentityType::SystemAssignedUserAssigned)
            );
            assert_eq!(identity.user_assigned_identities.len(), 1);
            assert!(ws.properties.extra.contains_key("encryption"));
        }
        _ => return false,
    }
    true
}

#[test]
fn every_example_response_parses_into_its_type() {
    let mut checked = Vec::new();
    let mut unmapped = Vec::new();
    for folder in FOLDERS {
        for (rel, file) in example_files(folder) {
            if check_responses(&rel, &file) {
                checked.push(format!("{folder}/{rel}"));
            } else {
                unmapped.push(format!("{folder}/{rel}"));
            }
        }
    }
    println!(
        "checked {} example files:\n  {}",
        checked.len(),
        checked.join("\n  ")
    );
    assert!(
        unmapped.is_empty(),
        "example files without a mapping: {unmapped:?}"
    );
    assert!(checked.len() >= 50, "only {} files checked", checked.len());
}
